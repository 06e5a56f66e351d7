"""Colours shared by every output: the ordered tier palette (no matplotlib needed).

Tiers are ordered (tier 1 is the top), so their colours are too: one sequential blue ramp from
dark (tier 1) to light (tier *k*), the same in the charts, the HTML report and anywhere else a
tier is coloured. The ramp runs along ColorBrewer's single-hue "Blues" scheme (Brewer 2003,
colour-blind safe and printable in grey: the lightness falls monotonically), stopping at a light
blue that stays visible on white. A unit without a tier is grey.

>>> tier_colors(4)
['#08306b', '#1966ad', '#509bcb', '#9ecae1']
"""

from __future__ import annotations

from typing import Any

__all__ = ["TIER_RAMP", "NO_TIER_COLOR", "tier_colors", "tier_color", "text_color"]

#: anchors of the ramp, darkest first (ColorBrewer "Blues", classes 9 down to 4)
TIER_RAMP = ("#08306b", "#08519c", "#2171b5", "#4292c6", "#6baed6", "#9ecae1")
#: colour of a unit without a tier
NO_TIER_COLOR = "#bbbbbb"


def _rgb(hex_color: str) -> tuple[float, float, float]:
    h = hex_color.lstrip("#")
    return (int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(min(1.0, max(0.0, c)) * 255):02x}" for c in rgb)


def tier_colors(k: int) -> list[str]:
    """``k`` colours for tiers 1..k, darkest (tier 1) to lightest (tier k).

    Parameters
    ----------
    k
        Number of tiers (at least 1).

    Returns
    -------
    list of str
        Hex colours; ``k = 1`` gives the darkest alone; for ``k >= 2`` the first is the ramp's
        darkest and the last its lightest, the others evenly spaced along the ramp.
    """
    k = max(int(k), 1)
    if k == 1:
        return [TIER_RAMP[0]]
    span = len(TIER_RAMP) - 1
    out = []
    for i in range(k):
        pos = span * i / (k - 1)
        lo = min(int(pos), span - 1)
        f = pos - lo
        a, b = _rgb(TIER_RAMP[lo]), _rgb(TIER_RAMP[lo + 1])
        out.append(_hex(tuple(x + (y - x) * f for x, y in zip(a, b, strict=True))))
    return out


def tier_color(tier: Any, k: int) -> str:
    """Colour of ``tier`` (1..k) among ``k`` tiers; grey for a missing or out-of-range tier."""
    try:
        t = int(tier)
    except (TypeError, ValueError):
        return NO_TIER_COLOR
    if not 1 <= t <= max(int(k), 1):
        return NO_TIER_COLOR
    return tier_colors(k)[t - 1]


def text_color(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (relative luminance)."""
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
           for c in _rgb(background)]
    lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return "#000000" if lum > 0.35 else "#ffffff"
