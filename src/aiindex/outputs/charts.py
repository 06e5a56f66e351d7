"""Charts of an index (extra ``aiindex[plot]``; matplotlib is imported inside the functions).

Every chart exists in two forms:

* a **data function** taking plain pandas objects (testable on any data):
  :func:`ranked_bar`, :func:`rank_interval`, :func:`radar`, :func:`score_heatmap`,
  :func:`sunburst`, :func:`correlation_heatmap`, :func:`sensitivity_bar`, :func:`trend_gap`;
* a thin **wrapper taking a** :class:`~aiindex.pipeline.Result` (or an uncertainty/sensitivity
  result): :func:`plot_ranking`, :func:`plot_rank_intervals`, :func:`plot_radar`,
  :func:`plot_heatmap`, :func:`plot_framework`, :func:`plot_correlations`,
  :func:`plot_sensitivity`, :func:`plot_trends`.

Each returns a :class:`matplotlib.figure.Figure` (built without pyplot, so no GUI backend and no
global state is touched), sets a title, axis labels with units and a source note (figure text at
the bottom left), and writes the figure when ``save`` is a path: the format follows the suffix
(``.png``, ``.svg``, ``.pdf``). Colours come from the Okabe-Ito colour-blind-safe palette
(:data:`PALETTE`); continuous scales use ``cividis`` (sequential) and ``PuOr`` (diverging).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._version import __version__
from ..errors import ConfigError, DataError
from ..framework import Framework
from ..pipeline import PanelResult, Result
from .palette import NO_TIER_COLOR, TIER_RAMP, tier_color, tier_colors

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = [
    "PALETTE",
    "TIER_COLORS",
    "tier_colors",
    "ranked_bar",
    "rank_interval",
    "radar",
    "score_heatmap",
    "sunburst",
    "correlation_heatmap",
    "sensitivity_bar",
    "trend_gap",
    "plot_gap",
    "panel_gap_chart",
    "plot_ranking",
    "tier_thresholds",
    "plot_rank_intervals",
    "plot_radar",
    "plot_heatmap",
    "heatmap_levels",
    "plot_framework",
    "plot_correlations",
    "plot_sensitivity",
    "sensitivity_outputs",
    "plot_trends",
    "save_figure",
]

#: Okabe & Ito (2008) colour-blind-safe palette (black last).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000"]
#: Anchors of the ordered tier ramp, darkest (tier 1) first; :func:`tier_colors` spreads ``k``
#: tiers along it (:mod:`aiindex.outputs.palette`, shared with the HTML report).
TIER_COLORS = list(TIER_RAMP)
_NOTE_COLOR = "#555555"
_SUFFIXES = {".png", ".svg", ".pdf"}


# ------------------------------------------------------------------------------------ helpers
def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def save_figure(fig: Figure, path: str | Path, *, dpi: int = 150, **kwargs: Any) -> Path:
    """Write ``fig`` to ``path``; the format follows the suffix (``.png``, ``.svg``, ``.pdf``).

    The file appears only when complete (:func:`aiindex._io.write_with`): an interrupted save
    leaves no file; ``kwargs`` go to ``savefig`` (e.g. ``bbox_inches="tight"``).

    Raises
    ------
    ConfigError
        Another suffix.
    OutputError
        ``path`` cannot be written (e.g. a parent is a file, or a folder without permission).
    """
    from .._io import write_with

    p = Path(path)
    if p.suffix.lower() not in _SUFFIXES:
        raise ConfigError(f"cannot save a figure as {p.name!r}: use a .png, .svg or .pdf suffix")
    return write_with(p, lambda tmp: fig.savefig(tmp, dpi=dpi, format=p.suffix.lower()[1:],
                                                 **kwargs))


def _finish(fig: Figure, title: str, source: str | None, save: str | Path | None) -> Figure:
    import textwrap

    # a bold 12 pt character is about 0.11 in wide: wrap instead of running off the figure
    width = max(30, int(fig.get_figwidth() / 0.115))
    fig.suptitle(textwrap.fill(_drawable(title), width), fontsize=12, fontweight="bold",
                 x=0.01, ha="left")
    if not source:
        source = f"computed with aiindex {__version__}"
    # the note lives in the layout as the figure's supxlabel so it never overlaps the axes
    # a 7 pt character is about 0.06 in wide: wrap a long note instead of cutting it off
    note = textwrap.fill(f"Source: {source}", max(60, int(fig.get_figwidth() / 0.062)))
    fig.supxlabel(note, fontsize=7, color=_NOTE_COLOR, x=0.01, ha="left")
    if save is not None:
        save_figure(fig, save)
    return fig


_GLYPHS: dict[str, frozenset[int]] = {}


def _drawable(text: str) -> str:
    """``text`` without the characters the default font has no glyph for.

    Names that mix scripts (e.g. "Industry and application (产业应用)") would otherwise be drawn
    with empty boxes; an emptied bracket pair and doubled spaces are removed too. With a font
    that covers the script configured in matplotlib, nothing is removed.
    """
    if text.isascii():
        return text
    from matplotlib import rcParams
    from matplotlib.font_manager import FontProperties, findfont
    from matplotlib.ft2font import FT2Font

    path = findfont(FontProperties(family=rcParams["font.family"]))
    if path not in _GLYPHS:
        _GLYPHS[path] = frozenset(FT2Font(path).get_charmap())
    have = _GLYPHS[path]
    out = "".join(ch for ch in text if ord(ch) in have or ch in "\n\t")
    if out == text:
        return text
    import re

    out = re.sub(r"\(\s*\)|\[\s*\]", "", out)
    out = re.sub(r"[ \t]{2,}", " ", out).strip()
    return out or text


def _labels(index: pd.Index, names: pd.Series | Mapping[str, str] | None,
            with_code: bool = False) -> list[str]:
    from ._names import unit_name

    out = []
    for i in index:
        n = unit_name(names, i)
        out.append(_drawable(f"{n} ({i})" if with_code and n != str(i) else n))
    return out


def _tier_color(t: Any, k: int) -> str:
    if t is None or pd.isna(t):
        return NO_TIER_COLOR
    return tier_color(t, k)


def _source_of(result: Result, extra: str | None = None) -> str:
    base = f"{result.config.name}; computed with aiindex {result.version}"
    return f"{base}. {extra}" if extra else base


def _as_series(x: Any, what: str) -> pd.Series:
    if isinstance(x, pd.DataFrame):
        if x.shape[1] != 1:
            raise DataError(f"{what}: expected one column of scores, got {list(x.columns)}")
        x = x.iloc[:, 0]
    if not isinstance(x, pd.Series):
        x = pd.Series(x)
    return x.astype("float64")


def _polar_axes(fig: Figure) -> Any:
    """A polar axes of ``fig`` starting at 12 o'clock and running clockwise."""
    ax = fig.add_subplot(projection="polar")
    ax.set_theta_offset(np.pi / 2)
    ax.set_theta_direction(-1)
    return ax


def _colorbar(fig: Figure, im: Any, ax: Any, label: str) -> None:
    """A slim labelled colour bar for the image ``im`` beside ``ax``."""
    cb = fig.colorbar(im, ax=ax, shrink=0.6, pad=0.01)
    cb.set_label(label, fontsize=8)
    cb.ax.tick_params(labelsize=7)


def _category_xticks(ax: Any, labels: Sequence[str], *, rotate_above: int,
                     rotation: float) -> None:
    """One x tick per category; labels turned by ``rotation`` degrees (right-aligned) when
    there are more than ``rotate_above`` of them."""
    turn = len(labels) > rotate_above
    ax.set_xticks(np.arange(len(labels)), labels, rotation=rotation if turn else 0,
                  ha="right" if turn else "center")


def _unit_of(result: Result) -> str:
    n = result.config.normalize
    if n.method in ("minmax", "n_minmax"):
        p = n.params("normalize")
        return f"{p.get('low', 0):g}–{p.get('high', 100):g}"
    return f"{n.method}-normalised"


# ---------------------------------------------------------------------------- 1. ranked bars
def ranked_bar(
    scores: pd.Series,
    tiers: pd.Series | None = None,
    *,
    names: pd.Series | Mapping[str, str] | None = None,
    top: int | None = None,
    breaks: Sequence[float] | None = None,
    k: int | None = None,
    title: str = "Index scores",
    xlabel: str = "Index score",
    unit: str = "0–100",
    source: str | None = None,
    save: str | Path | None = None,
) -> Figure:
    """Horizontal bar chart of scores, best at the top, coloured by tier.

    Parameters
    ----------
    scores
        Score per unit (index = unit codes). Missing scores are left out.
    tiers
        Tier per unit (1 = top); bars are blue when ``None``. Colours follow the ordered tier
        palette (:func:`aiindex.outputs.palette.tier_colors`): tier 1 darkest, tier ``k``
        lightest.
    names
        Unit code → display name (default: the codes).
    top
        Show only the ``top`` best units.
    breaks
        Score thresholds between tiers (the lower bound of tiers 1..k-1, e.g.
        ``TierResult.breaks``): each is drawn as a dashed vertical line (``gid`` ``"tier-break"``)
        labelled with its value. Extra values (a last tier's lower bound) are ignored.
    k
        Number of tiers of the palette (default: the highest tier present).
    title, xlabel, unit, source
        Title, x-axis label, unit (appended to the label in brackets) and source note.
    save
        Path to write (``.png``/``.svg``/``.pdf``), or ``None``.

    Returns
    -------
    matplotlib.figure.Figure
        The bars are drawn top-down in rank order (ties keep input order).
    """
    s = _as_series(scores, "ranked_bar").dropna()
    if s.empty:
        raise DataError("ranked_bar: no non-missing scores to plot")
    order = s.sort_values(ascending=False, kind="stable").index
    if top is not None:
        order = order[:top]
    s = s.loc[order]
    n = len(s)
    fig = _figure(8.0, max(3.0, 0.22 * n + 1.6))
    ax = fig.add_subplot()
    y = np.arange(n)
    tv = tiers.reindex(order) if tiers is not None else pd.Series(pd.NA, index=order)
    kk = int(k) if k else (int(tv.dropna().max()) if tv.notna().any() else 1)
    colors = [_tier_color(t, kk) for t in tv] if tiers is not None else PALETTE[0]
    ax.barh(y, s.to_numpy(), color=colors, edgecolor="none", height=0.75)
    ax.set_yticks(y, _labels(order, names))
    ax.tick_params(axis="y", labelsize=8 if n <= 40 else 7)
    ax.set_xlabel(f"{xlabel} ({unit})" if unit else xlabel)
    ax.set_ylabel("Unit (ranked, 1 = best)")
    for yi, v in zip(y, s.to_numpy(), strict=True):
        ax.text(v, yi, f" {v:.1f}", va="center", ha="left", fontsize=6.5, color="#333333")
    ax.set_xlim(min(0.0, float(s.min()) * 1.05), float(s.max()) * 1.1 if s.max() > 0 else 1.0)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_ylim(n - 0.5, -1.3 if breaks is not None and tiers is not None else -0.5)
    if tiers is not None:
        _tier_breaks(ax, breaks, kk)
        from matplotlib.patches import Patch

        counts = tv.dropna().astype(int).value_counts()
        handles = [Patch(color=_tier_color(t, kk), label=f"Tier {t}")
                   for t in sorted(counts.index)]
        ax.legend(handles=handles, loc="lower right", fontsize=8, frameon=True,
                  framealpha=0.95, edgecolor="none", title="Tier (1 = top)", title_fontsize=8)
    return _finish(fig, title, source, save)


def _tier_breaks(ax: Any, breaks: Sequence[float] | None, k: int) -> None:
    """Dashed vertical lines at the tier thresholds (lower bounds of tiers 1..k-1)."""
    if breaks is None:
        return
    for t, b in enumerate(list(breaks)[: max(k - 1, 0)], start=1):
        if b is None or not np.isfinite(float(b)):
            continue
        ax.axvline(float(b), color="#444444", ls="--", lw=0.9, zorder=0.5, gid="tier-break")
        ax.text(float(b), -0.75, f"tier {t} ≥ {float(b):.1f}", fontsize=6.5, color="#333333",
                ha="center", va="center", gid="tier-break-label",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"})


def _tier_info(result: Result) -> Any:
    """The run's :class:`~aiindex.tiers.TierResult` (``result.info["tiers"]``), or ``None``."""
    tr = (result.info or {}).get("tiers")
    return tr if hasattr(tr, "breaks") and hasattr(tr, "tiers") else None


def tier_thresholds(result: Result) -> list[float]:
    """Score thresholds between consecutive tiers of ``result`` (lower bounds of tiers 1..k-1).

    For fixed bands (``thresholds``) these are the configured band edges; for data-driven
    tiers (Jenks, quantiles, ...) the lowest score of each tier (``TierResult.breaks``). An
    empty list when the result has no tiers.
    """
    tr = _tier_info(result)
    if tr is None or result.tiers is None:
        return []
    k = int(pd.Series(result.tiers).dropna().max()) if result.tiers.notna().any() else 0
    return [float(b) for b in list(tr.breaks)[: max(k - 1, 0)]]


def plot_ranking(result: Result, *, node: str | None = None, top: int | None = None,
                 save: str | Path | None = None) -> Figure:
    """:func:`ranked_bar` of a result's index (or of ``node``), coloured by its tiers, with
    dashed lines at the tier thresholds (:func:`tier_thresholds`)."""
    node = node or result.framework.root
    if node not in result.scores:
        raise ConfigError(f"plot_ranking: {node!r} is not an aggregate of the framework")
    nm = result.framework.nodes[node].name or node
    on_root = node == result.framework.root and result.tiers is not None
    return ranked_bar(result.scores[node], result.tiers if on_root else None,
                      names=result.names, top=top,
                      breaks=tier_thresholds(result) if on_root else None,
                      title=f"{nm}: scores and ranks", xlabel=f"{nm} score",
                      unit=_unit_of(result), source=_source_of(result), save=save)


# ------------------------------------------------------------------------ 2. rank intervals
def rank_interval(
    stats: pd.DataFrame,
    *,
    names: pd.Series | Mapping[str, str] | None = None,
    title: str = "Rank uncertainty",
    source: str | None = None,
    save: str | Path | None = None,
) -> Figure:
    """Dot-and-whisker chart: nominal rank (dot) and the 5–95% rank interval (whisker).

    Parameters
    ----------
    stats
        One row per unit with columns ``nominal``, ``p5``, ``p95`` (optionally ``median``,
        drawn as a small tick).
    names, title, source, save
        As :func:`ranked_bar`.

    Returns
    -------
    matplotlib.figure.Figure
        Units top-down in order of nominal rank.
    """
    need = {"nominal", "p5", "p95"}
    miss = need - set(stats.columns)
    if miss:
        raise DataError(f"rank_interval: stats lack column(s) {sorted(miss)}; has {list(stats.columns)}")
    df = stats.astype({c: "float64" for c in need}).dropna(subset=["nominal"])
    df = df.sort_values("nominal", kind="stable")
    n = len(df)
    fig = _figure(8.0, max(3.0, 0.2 * n + 1.4))
    ax = fig.add_subplot()
    y = np.arange(n)
    ax.hlines(y, df["p5"], df["p95"], color=PALETTE[4], lw=2.2, label="5–95% interval")
    if "median" in df:
        ax.plot(df["median"], y, "|", color=PALETTE[5], ms=7, mew=1.5, label="median rank")
    ax.plot(df["nominal"], y, "o", color=PALETTE[0], ms=4.5, label="nominal rank")
    ax.set_yticks(y, _labels(df.index, names))
    ax.tick_params(axis="y", labelsize=8 if n <= 40 else 7)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlabel("Rank (1 = best)")
    ax.set_ylabel("Unit (by nominal rank)")
    ax.set_xlim(0.5, max(float(df[["p95", "nominal"]].max().max()), 1.0) + 0.5)
    ax.grid(axis="x", color="#DDDDDD", lw=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper right", fontsize=8, frameon=True, framealpha=0.9, edgecolor="none")
    return _finish(fig, title, source, save)


def _rank_stats(obj: Any, node: str | None = None) -> pd.DataFrame:
    """Rank statistics (nominal, p5, p95, ...) from an uncertainty result or a DataFrame."""
    alias = {"nominal_rank": "nominal", "p5_rank": "p5", "p95_rank": "p95",
             "median_rank": "median"}

    def _std(df: pd.DataFrame) -> pd.DataFrame:
        ren = {a: b for a, b in alias.items() if a in df.columns and b not in df.columns}
        return df.rename(columns=ren) if ren else df

    if isinstance(obj, pd.DataFrame):
        return _std(obj)
    for attr in ("rank_stats", "rank_summary", "summary"):
        v = getattr(obj, attr, None)
        if callable(v):
            try:
                v = v(node) if node is not None else v()
            except TypeError:
                v = v()
        if isinstance(v, pd.DataFrame):
            v = _std(v)
        if isinstance(v, pd.DataFrame) and {"nominal", "p5", "p95"} <= set(v.columns):
            return v
        if isinstance(v, Mapping) and node is not None and node in v:
            return v[node]
    raise DataError("plot_rank_intervals: cannot find rank statistics (nominal, p5, p95) in "
                    f"{type(obj).__name__}; pass a DataFrame with those columns")


def plot_rank_intervals(uncertainty: Any, *, names: pd.Series | None = None,
                        node: str | None = None, source: str | None = None,
                        save: str | Path | None = None) -> Figure:
    """:func:`rank_interval` of an uncertainty result (or a DataFrame of rank statistics)."""
    stats = _rank_stats(uncertainty, node)
    nominal = getattr(uncertainty, "nominal", None)
    if names is None:  # unit names of the nominal run, when the result carries one
        names = getattr(nominal, "names", None)
    if source is None and nominal is not None and hasattr(nominal, "config"):
        source = _source_of(nominal)
    n_rep = getattr(uncertainty, "n", None) or getattr(uncertainty, "n_samples", None)
    title = "Rank uncertainty: nominal rank and 5–95% interval"
    if n_rep:
        title += f" ({n_rep:,} Monte Carlo replications)"
    return rank_interval(stats, names=names, title=title,
                         source=source or "aiindex uncertainty analysis", save=save)


# ------------------------------------------------------------------------------------ 3. radar
def radar(
    profiles: pd.DataFrame,
    *,
    labels: Mapping[str, str] | None = None,
    vmax: float | None = None,
    unit: str = "0–100",
    title: str = "Dimension profile",
    source: str | None = None,
    save: str | Path | None = None,
    dashed: Sequence[bool] | None = None,
) -> Figure:
    """Radar (spider) chart: one polygon per row of ``profiles``, one axis per column.

    Parameters
    ----------
    profiles
        Rows = series (units or a reference such as "Group average"), columns = dimensions.
        The first rows are drawn as filled polygons, a row whose label starts with ``"ref:"`` or
        the last row when there are two or more is drawn dashed (the comparison).
    labels
        Column code → axis label.
    vmax
        Top of the radial scale (default: the maximum rounded up to a multiple of 10).
    unit, title, source, save
        As :func:`ranked_bar`.
    dashed
        Per row, whether it is a comparison (drawn dashed, not filled; labels shown as they
        are). Default: the rule above.
    """
    if profiles.shape[1] < 3:
        raise DataError(f"radar: needs at least 3 dimensions, got {list(profiles.columns)}")
    P = profiles.astype("float64")
    k = P.shape[1]
    ang = np.linspace(0, 2 * np.pi, k, endpoint=False)
    fig = _figure(7.5, 7.2)
    ax = _polar_axes(fig)
    top = vmax if vmax is not None else _radar_top(P.to_numpy(), unit)
    top = top if top > 0 else 1.0
    styles = ["-", "-", "-", "-", "-", "-"]
    for i, (lab, row) in enumerate(P.iterrows()):
        v = row.to_numpy()
        closed = np.r_[v, v[:1]]
        a = np.r_[ang, ang[:1]]
        if dashed is None:
            is_ref = str(lab).startswith("ref:") or (len(P) >= 2 and i == len(P) - 1)
            shown = str(lab).removeprefix("ref:")
        else:
            is_ref, shown = bool(dashed[i]), str(lab)
        color = "#333333" if is_ref else PALETTE[i % (len(PALETTE) - 1)]
        ax.plot(a, closed, ls="--" if is_ref else styles[i % len(styles)], color=color, lw=1.8,
                label=_drawable(shown))
        if not is_ref:
            ax.fill(a, closed, color=color, alpha=0.12)
    import textwrap

    ax.set_xticks(ang, ["\n".join(textwrap.wrap(_drawable(str((labels or {}).get(c, c))), 16))
                        for c in P.columns], fontsize=8)
    ax.tick_params(axis="x", pad=6)
    # axis labels grow away from the circle: left-aligned on the right-hand side, right-aligned
    # on the left-hand side (clockwise from 12 o'clock, so x = sin(angle)), so that a long
    # wrapped label never reaches back over the polygons and the reference line
    for a, t in zip(ang, ax.get_xticklabels(), strict=True):
        x, y = np.sin(a), np.cos(a)
        t.set_horizontalalignment("left" if x > 0.2 else "right" if x < -0.2 else "center")
        t.set_verticalalignment("bottom" if y > 0.7 else "top" if y < -0.7 else "center")
    ax.set_ylim(0, top)
    ax.set_rlabel_position(180.0 / k)  # radial labels between the first two axes
    ax.tick_params(axis="y", labelsize=7, labelcolor="#555555")
    ax.set_ylabel("")
    ax.set_title(f"radial axis: score ({unit}), full scale" if unit else "", fontsize=8,
                 color="#555555", pad=46)
    # the legend sits under the whole figure, below the polar axes and its axis labels, so
    # that it never covers a label (the labels grow away from the circle on every side)
    fig.legend(*ax.get_legend_handles_labels(), loc="lower center", bbox_to_anchor=(0.5, 0.045),
               fontsize=8, frameon=False, ncols=min(4, len(P)))
    # constrained layout ignores the polar tick labels and the legend: keep room for the
    # wrapped axis labels on every side and for the legend below
    fig.get_layout_engine().set(rect=(0.1, 0.12, 0.8, 0.8))
    return _finish(fig, title, source, save)


def _radar_top(values: np.ndarray, unit: str) -> float:
    """Top of the radial scale: 100 for scores on a 0–100 scale (the full scale, so that two
    radars compare at a glance and a ring beyond 100 never suggests scores above the maximum);
    otherwise the maximum rounded up to a multiple of 10."""
    mx = float(np.nanmax(values))
    bounded = unit.replace("-", "–").endswith("–100") or unit == "0–100"
    if bounded and mx <= 100.0 + 1e-9:
        return 100.0
    return float(np.ceil(mx / 10.0) * 10.0)


def plot_radar(result: Result, units: Sequence[str], *, compare: str = "top",
               nodes: Sequence[str] | None = None, save: str | Path | None = None) -> Figure:
    """:func:`radar` of the dimension scores of ``units``.

    Parameters
    ----------
    result
        A pipeline result.
    units
        Unit codes to draw.
    compare
        ``"top"`` (the rank-1 unit), ``"mean"`` (average of all units), ``"group:COL=VALUE"``
        (average of a group, e.g. ``"group:EurAsia_group=Asia"``), a unit code, or ``"none"``.
    nodes
        Axes (default: the first-level dimensions; with fewer than 3, all aggregates below the
        root at the level under it plus their children).
    """
    fw = result.framework
    if nodes is None:
        nodes = fw.dimensions
        if len(nodes) < 3:
            lvl = fw.depth - 2
            nodes = fw.level_codes(lvl) if lvl >= 1 else nodes
    nodes = list(nodes)
    allsc = result.stages["aggregated"]
    bad = [c for c in nodes if c not in allsc]
    if bad:
        raise ConfigError(f"plot_radar: unknown node(s) {bad}")
    miss = [u for u in units if u not in allsc.index]
    if miss:
        raise DataError(f"plot_radar: unit(s) {miss} not in the result")
    names = result.names
    ref = _radar_reference(result, units, compare, nodes)
    labels = _labels(pd.Index(units), names)
    if len(set(labels)) < len(labels):  # two units of one name: tell them apart by code
        labels = _labels(pd.Index(units), names, with_code=True)
    prof = allsc.loc[list(units), nodes].astype("float64")
    prof.index = pd.Index(labels)
    if ref is not None:
        prof = pd.concat([prof, ref.to_frame(ref.name).T.astype("float64")])
    return radar(prof, labels={c: (fw.nodes[c].name or c) for c in nodes},
                 unit=_unit_of(result), vmax=None,
                 title="Dimension scores: " + ", ".join(labels), source=_source_of(result),
                 save=save, dashed=[False] * len(units) + ([True] if ref is not None else []))


def _radar_reference(result: Result, units: Sequence[str], compare: str,
                     nodes: list[str]) -> pd.Series | None:
    """The comparison row of :func:`plot_radar` (named by its legend label), or ``None`` for
    ``compare="none"`` and for ``"top"`` when the rank-1 unit is among ``units``."""
    allsc, names = result.stages["aggregated"], result.names
    if compare == "top":
        topu = result.scores[result.framework.root].idxmax()
        if topu in units:
            return None
        return allsc.loc[topu, nodes].rename(f"{_labels(pd.Index([topu]), names)[0]} (rank 1)")
    if compare == "mean":
        return allsc[nodes].mean().rename("Average of all units")
    if compare.startswith("group:"):
        spec = compare[len("group:"):]
        if "=" not in spec or result.groups is None:
            raise ConfigError(f"plot_radar: compare must look like 'group:COLUMN=VALUE', got {compare!r}")
        col, val = spec.split("=", 1)
        if col not in result.groups:
            raise ConfigError(f"plot_radar: unknown group column {col!r}; have {list(result.groups.columns)}")
        members = result.groups.index[result.groups[col].astype(str) == val]
        if len(members) == 0:
            raise DataError(f"plot_radar: no unit has {col} = {val!r}")
        return (allsc.loc[allsc.index.intersection(members), nodes].mean()
                .rename(f"{val} average ({col}, n={len(members)})"))
    if compare in allsc.index:
        return allsc.loc[compare, nodes].rename(_labels(pd.Index([compare]), names)[0])
    if compare != "none":
        raise ConfigError(f"plot_radar: compare must be top, mean, group:COL=VALUE, a unit code "
                          f"or none; got {compare!r}")
    return None


# ---------------------------------------------------------------------------------- 4. heatmap
def score_heatmap(
    scores: pd.DataFrame,
    *,
    order: Sequence[str] | None = None,
    names: pd.Series | Mapping[str, str] | None = None,
    col_labels: Mapping[str, str] | None = None,
    unit: str = "0–100",
    annotate: bool | None = None,
    title: str = "Scores by dimension",
    source: str | None = None,
    save: str | Path | None = None,
) -> Figure:
    """Heatmap of scores, units (rows, in ``order``) × nodes (columns).

    Parameters
    ----------
    scores
        Units × nodes.
    order
        Row order (default: by the first column, descending).
    annotate
        Write values in the cells (default: when there are at most 15 columns).
    """
    S = scores.astype("float64")
    if order is None:
        order = S.iloc[:, 0].sort_values(ascending=False, kind="stable").index
    S = S.loc[list(order)]
    n, k = S.shape
    fig = _figure(max(5.5, 0.55 * k + 3.2), max(3.5, 0.2 * n + 1.8))
    ax = fig.add_subplot()
    im = ax.imshow(np.ma.masked_invalid(S.to_numpy()), aspect="auto", cmap="cividis",
                   interpolation="nearest")
    ax.set_yticks(np.arange(n), _labels(S.index, names))
    import textwrap

    xl = ["\n".join(textwrap.wrap(str((col_labels or {}).get(c, c)), 18) or [str(c)])
          for c in S.columns]
    _category_xticks(ax, xl, rotate_above=6, rotation=45)
    ax.tick_params(axis="y", labelsize=7 if n > 30 else 8)
    ax.tick_params(axis="x", labelsize=7 if k > 20 else 8)
    ax.set_xlabel("Node of the framework")
    ax.set_ylabel("Unit (ordered by index rank)")
    if annotate is None:
        annotate = k <= 15
    if annotate:
        vals = S.to_numpy()
        lo, hi = np.nanmin(vals), np.nanmax(vals)
        mid = (lo + hi) / 2
        for i in range(n):  # text labels: one artist per cell is unavoidable
            for j in range(k):
                v = vals[i, j]
                if np.isfinite(v):
                    ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=5.5,
                            color="black" if v > mid else "white")
    lab = f"Score ({unit})" if unit else "Score"
    _colorbar(fig, im, ax, lab + ("; white = no data" if S.isna().to_numpy().any() else ""))
    return _finish(fig, title, source, save)


def plot_heatmap(result: Result, *, nodes: Sequence[str] | None = None, level: int | None = None,
                 save: str | Path | None = None) -> Figure:
    """:func:`score_heatmap` of one level of a result, rows ordered by index rank.

    ``nodes`` (explicit columns) or ``level`` (all nodes at that level; 1 = metrics) select the
    columns; default: the first-level dimensions (the children of the root). One heatmap shows
    one level, so that its colours compare like with like (see :func:`heatmap_levels` for the
    levels a report draws). Columns and rows are labelled with names.
    """
    fw = result.framework
    allsc = result.stages["aggregated"]
    if nodes is None:
        if level is None:
            level = max(fw.depth - 1, 1)
        if not 1 <= int(level) < fw.depth:
            raise ConfigError(f"plot_heatmap: level must be between 1 and {fw.depth - 1}, "
                              f"got {level}")
        nodes = [c for c in fw.level_codes(int(level)) if c in allsc]
    nodes = list(nodes)
    bad = [c for c in nodes if c not in allsc]
    if bad:
        raise ConfigError(f"plot_heatmap: unknown node(s) {bad}")
    order = result.ranks[fw.root].astype("float64").sort_values(kind="stable").index
    labels = {c: _short(fw.nodes[c].name or c, 40) for c in nodes}
    root = fw.nodes[fw.root].name or fw.root
    lv = {fw.nodes[c].level for c in nodes}
    what = (f"level {lv.pop()} ({_level_word(fw, min(fw.nodes[c].level for c in nodes))})"
            if len(lv) == 1 else "selected nodes")
    return score_heatmap(allsc.loc[:, nodes], order=order, names=result.names,
                         col_labels=labels, unit=_unit_of(result),
                         title=f"{root}: scores by {what}, units by index rank",
                         source=_source_of(result), save=save)


def heatmap_levels(result: Result) -> list[int]:
    """Levels a report draws one heatmap each for: every aggregate level below the root, top
    down (the metrics, level 1, only when the root's children are the metrics)."""
    fw = result.framework
    levels = list(range(fw.depth - 1, 1, -1))
    return levels or [1]


def _level_word(fw: Framework, level: int) -> str:
    """"metrics", "first-level dimensions" or "aggregates" for a level of ``fw``."""
    if level == 1:
        return "metrics"
    if level == fw.depth - 1:
        return "first-level dimensions"
    return "sub-dimensions"


def _short(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis (names on crowded axes)."""
    t = _drawable(str(text))
    return t if len(t) <= width else t[: width - 1].rstrip() + "…"


# -------------------------------------------------------------------------------- 5. sunburst
def sunburst(
    framework: Framework,
    weights: pd.Series | None = None,
    *,
    label_min_share: float = 0.012,
    title: str = "Framework, sized by effective weight",
    source: str | None = None,
    save: str | Path | None = None,
) -> Figure:
    """Sunburst of the framework: rings from the root's children outward, angles ∝ weight.

    Each wedge is labelled with the node's name when it fits inside the wedge, else with its
    code, else not at all (the label never spills over a neighbour: the text's measured width
    and height are compared with the wedge's arc and ring thickness). The first-level
    dimensions are named with their share in a legend under the chart.

    Parameters
    ----------
    framework
        The indicator tree.
    weights
        Effective weights per node (default: ``framework.effective_weights()``).
    label_min_share
        Nodes with a smaller effective weight are drawn without a label. Every node drawn
        without a label (too small, or no label fits) is listed with its code, share and name in
        a footnote under the chart (text artist with ``gid="unlabelled-note"``).

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes[0].patches`` holds one wedge per non-root node; each wedge label is a text
        artist with ``gid="wedge-label"`` and ``url`` set to the node's code.
    """
    ew = framework.effective_weights() if weights is None else weights.astype("float64")
    root = framework.root
    depth, start, order = _sunburst_layout(framework, ew)
    maxd = max(depth.values())
    fig = _figure(8.0, 8.6)
    ax = _polar_axes(fig)
    dims = framework.dimensions
    base = {d: PALETTE[i % (len(PALETTE) - 1)] for i, d in enumerate(dims)}
    from matplotlib.colors import to_rgb

    # inches per data unit of radius: the square axes fill about 84% of the figure width
    scale = 0.4 * fig.get_figwidth() / (0.6 + maxd) * 72.0  # points per data unit
    small: list[str] = []  # nodes drawn without a label, listed in a footnote
    for c in order[1:]:
        d = depth[c]
        dim = c if d == 1 else next(a for a in [c, *framework.ancestors(c)] if a in base)
        rgb = np.array(to_rgb(base[dim]))
        tint = rgb + (1 - rgb) * min(0.75, 0.28 * (d - 1))
        width = float(ew[c]) * 2 * np.pi
        ax.bar(start[c], 1.0, width=width, bottom=0.6 + (d - 1), align="edge",
               color=tint, edgecolor="white", linewidth=0.8 if d < maxd else 0.4)
        radial = d == maxd and maxd > 1
        fs = 6.0 if radial else (8.0 if d == 1 else 7.0)
        text = None
        if float(ew[c]) >= label_min_share or d == 1:
            node = framework.nodes[c]
            share = f"\n{100 * float(ew[c]):.0f}%" if d == 1 else ""
            cands = [_wrap_words(_drawable(str(node.name)), 18) + share] if node.name else []
            cands.append(_wrap_code(str(c), 18) + share)
            text = _fitting_label(cands, width, 0.6 + (d - 1), scale, fs, radial)
        if text is None:
            small.append(_unlabelled_item(framework, c, float(ew[c])))
            continue
        mid = start[c] + width / 2
        deg = np.degrees(mid)
        rot = 90 - deg if radial else -deg  # radial text on the outer ring, tangential inside
        if np.cos(np.radians(rot)) < 0:  # never upside down
            rot += 180
        ax.text(mid, 0.6 + (d - 0.5), text, rotation=rot, rotation_mode="anchor",
                ha="center", va="center", fontsize=fs, color="black", linespacing=1.0,
                gid="wedge-label", url=str(c))
    # the hole is small: the full name is in the title, the centre shows the code
    rname = _drawable(str(framework.nodes[root].name or root))
    ax.text(0, 0, rname if len(rname) <= 12 else str(root), ha="center", va="center",
            fontsize=8, fontweight="bold")
    ax.set_ylim(0, 0.6 + maxd)
    ax.set_axis_off()
    ax.set_title("angle ∝ effective weight (share of the index, %); rings = levels, "
                 "inner ring = first-level dimensions", fontsize=8, color="#555555")
    rows = _sunburst_legend(fig, framework, ew, base)
    note_lines = 0
    if small:
        import textwrap

        note = textwrap.fill(_drawable(
            f"Not labelled (under {100 * label_min_share:g}% of the index, or too small for "
            "its label): " + "; ".join(small)), 130)
        note_lines = note.count("\n") + 1
        ax.text(0.5, -0.01, note, transform=ax.transAxes, ha="center", va="top", fontsize=7,
                color=_NOTE_COLOR, gid="unlabelled-note")
    # constrained layout ignores the figure legend and the footnote: keep room for both
    bottom = 0.05 + 0.02 * rows + 0.014 * note_lines
    fig.get_layout_engine().set(rect=(0.0, bottom, 1.0, 1.0 - bottom))
    return _finish(fig, title, source, save)


def _sunburst_layout(framework: Framework, ew: pd.Series
                     ) -> tuple[dict[str, int], dict[str, float], list[str]]:
    """Ring (depth) and start angle of every node, breadth-first in framework order."""
    root = framework.root
    depth: dict[str, int] = {root: 0}
    start: dict[str, float] = {root: 0.0}
    order = [root]
    i = 0
    while i < len(order):  # breadth-first: framework order kept within each parent
        p = order[i]
        a = start[p]
        for c in framework.children(p):
            depth[c] = depth[p] + 1
            start[c] = a
            a += float(ew[c]) * 2 * np.pi
            order.append(c)
        i += 1
    return depth, start, order


def _text_size(text: str, fontsize: float) -> tuple[float, float]:
    """Width and height (points) of a possibly multi-line text in the default font."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    prop = FontProperties(size=fontsize)
    lines = text.split("\n")
    w = max(text_to_path.get_text_width_height_descent(ln or " ", prop, ismath=False)[0]
            for ln in lines)
    return w, len(lines) * fontsize * 1.05


def _fitting_label(cands: Sequence[str], angle: float, r_in: float, scale: float,
                   fontsize: float, radial: bool) -> str | None:
    """The first candidate label that fits in a wedge of ``angle`` radians between radii
    ``r_in`` and ``r_in + 1`` (``scale`` points per radius unit), or ``None``."""
    thick = 0.88 * scale
    for text in cands:
        w, h = _text_size(text, fontsize)
        if radial:  # along the radius: length within the ring, height within the inner arc
            ok = w <= thick and h <= 0.88 * angle * r_in * scale
        else:  # along the arc at mid radius; height within the ring
            ok = w <= 0.9 * angle * (r_in + 0.5) * scale and h <= thick
        if ok:
            return text
    return None


def _unlabelled_item(framework: Framework, code: str, share: float) -> str:
    name = framework.nodes[code].name
    item = f"{code} {100 * share:.1f}%"
    return f"{item} ({_drawable(str(name))})" if name and str(name) != code else item


def _sunburst_legend(fig: Figure, framework: Framework, ew: pd.Series,
                     base: Mapping[str, str]) -> int:
    """Legend under the sunburst: each first-level dimension's colour, name, code and share.
    Returns the number of legend rows."""
    from matplotlib.patches import Patch

    handles = [Patch(color=base[d], label=f"{_short(framework.nodes[d].name or d, 40)}"
                     f" ({_short(d, 14)}, {100 * float(ew[d]):.0f}%)")
               for d in framework.dimensions]
    ncols = 1 if len(handles) <= 2 else 2
    fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.03), fontsize=7.5,
               frameon=False, ncols=ncols)
    return -(-len(handles) // ncols)


def _wrap_words(text: str, width: int) -> str:
    """``text`` wrapped on spaces into lines of at most ``width`` characters (long words
    kept whole)."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width, break_long_words=False) or [text])


def _wrap_code(code: str, width: int) -> str:
    """Break a long code into lines of at most ``width`` characters after ``_``, ``-`` or ``.``."""
    if len(code) <= width:
        return code
    import re

    parts = re.findall(r"[^_.\-]+[_.\-]?|[_.\-]", code)
    lines: list[str] = [""]
    for part in parts:
        if lines[-1] and len(lines[-1]) + len(part) > width:
            lines.append("")
        lines[-1] += part
    return "\n".join(lines)


def plot_framework(obj: Result | Framework, *, save: str | Path | None = None) -> Figure:
    """:func:`sunburst` of a result's framework (or a :class:`Framework`)."""
    if isinstance(obj, Framework):
        return sunburst(obj, save=save, source="framework definition")
    return sunburst(obj.framework, source=_source_of(obj), save=save,
                    title=f"{obj.framework.nodes[obj.framework.root].name or obj.framework.root}"
                          ": framework sized by effective weight")


# ------------------------------------------------------------------------------ 6. correlation
def correlation_heatmap(
    corr: pd.DataFrame,
    *,
    highlight: pd.DataFrame | None = None,
    row_label: str = "Metric",
    col_label: str = "Parent node",
    annotate: bool = True,
    row_names: Mapping[str, str] | None = None,
    col_names: Mapping[str, str] | None = None,
    title: str = "Correlations",
    source: str | None = None,
    save: str | Path | None = None,
) -> Figure:
    """Heatmap of a correlation table (rows × columns, values in [-1, 1]).

    ``highlight`` (same shape, boolean) outlines cells, e.g. a metric against its own parent.
    ``row_names``/``col_names`` map row and column codes to the tick labels (default: codes).
    """
    C = corr.astype("float64")
    n, k = C.shape
    fig = _figure(max(4.5, 0.6 * k + 3.0), max(3.5, 0.19 * n + 1.8))
    ax = fig.add_subplot()
    im = ax.imshow(np.ma.masked_invalid(C.to_numpy()), aspect="auto", cmap="PuOr", vmin=-1,
                   vmax=1, interpolation="nearest")
    ax.set_yticks(np.arange(n), [(row_names or {}).get(i, str(i)) for i in C.index])
    _category_xticks(ax, [(col_names or {}).get(c, str(c)) for c in C.columns], rotate_above=4,
                     rotation=45)
    ax.tick_params(axis="y", labelsize=7 if n > 30 else 8)
    ax.tick_params(axis="x", labelsize=8)
    ax.set_xlabel(col_label)
    ax.set_ylabel(row_label)
    vals = C.to_numpy()
    if annotate:
        for i, j in zip(*np.nonzero(np.isfinite(vals)), strict=True):
            v = vals[i, j]
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=5.5,
                    color="white" if abs(v) > 0.6 else "black")
    if highlight is not None:
        from matplotlib.patches import Rectangle

        H = highlight.reindex(index=C.index, columns=C.columns).fillna(False).to_numpy(bool)
        for i, j in zip(*np.nonzero(H), strict=True):
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="black", lw=1.2))
    _colorbar(fig, im, ax, "Pearson correlation (–1 to 1)")
    return _finish(fig, title, source, save)


def plot_correlations(result: Result, *, level: int = 1, parent_level: int | None = None,
                      method: str = "pearson", save: str | Path | None = None) -> Figure:
    """Correlations of the nodes at ``level`` (default metrics) with the nodes at
    ``parent_level`` (default the level above), own parent outlined."""
    fw = result.framework
    parent_level = parent_level or level + 1
    if not 1 <= level < parent_level <= fw.depth:
        raise ConfigError(f"plot_correlations: need 1 <= level < parent_level <= {fw.depth}, "
                          f"got {level}, {parent_level}")
    allsc = result.stages["aggregated"]
    rows = [c for c in fw.level_codes(level) if c in allsc]
    cols = [c for c in fw.level_codes(parent_level) if c in allsc]
    both = allsc[rows + cols].astype("float64")
    corr = both.corr(method=method).loc[rows, cols]
    hl = pd.DataFrame(
        {p: [p in fw.ancestors(r) for r in rows] for p in cols}, index=rows)
    names = {1: "Metric"}
    label = {c: _short(fw.nodes[c].name or c, 42) for c in rows + cols}
    return correlation_heatmap(
        corr, highlight=hl, row_names=label, col_names=label,
        row_label=f"{names.get(level, 'Node')} (level {level})",
        col_label=f"Parent node (level {parent_level}); outlined = own parent",
        title=f"{method.capitalize()} correlation of level-{level} nodes with level-"
              f"{parent_level} nodes", source=_source_of(result), save=save)


# ------------------------------------------------------------------------------ 7. sensitivity
def sensitivity_bar(
    indices: pd.DataFrame,
    *,
    title: str = "Sensitivity indices",
    ylabel: str = "Share of output variance",
    source: str | None = None,
    confidence_level: float | None = None,
    save: str | Path | None = None,
) -> Figure:
    """Grouped bars of first-order and total sensitivity indices per input factor.

    Parameters
    ----------
    indices
        Index = factors; columns ``first`` and ``total`` and optionally the confidence bounds
        ``first_low, first_high, total_low, total_high`` (drawn as error bars).
    confidence_level
        Level of those intervals (e.g. 0.95), named in the subtitle.
    """
    miss = {"first", "total"} - set(indices.columns)
    if miss:
        raise DataError(f"sensitivity_bar: indices lack column(s) {sorted(miss)}; "
                        f"has {list(indices.columns)}")
    df = indices.drop(columns=["note"], errors="ignore").astype("float64")  # Sobol' notes
    df = df.sort_values("total", ascending=False, kind="stable")
    k = len(df)
    fig = _figure(max(5.0, 0.8 * k + 2.5), 4.5)
    ax = fig.add_subplot()
    x = np.arange(k)
    wdt = 0.38
    for off, col, color, lab in ((-wdt / 2, "first", PALETTE[0], "First order (S1)"),
                                 (wdt / 2, "total", PALETTE[1], "Total (ST)")):
        err = None
        if {f"{col}_low", f"{col}_high"} <= set(df.columns):
            lo = (df[col] - df[f"{col}_low"]).clip(lower=0)
            hi = (df[f"{col}_high"] - df[col]).clip(lower=0)
            err = np.vstack([lo.to_numpy(), hi.to_numpy()])
        ax.bar(x + off, df[col], width=wdt, color=color, label=lab, yerr=err, capsize=3,
               error_kw={"lw": 1, "ecolor": "#333333"})
    import textwrap

    names = ["\n".join(textwrap.wrap(str(i).replace("_", " "), 14) or [str(i)])
             for i in df.index]
    _category_xticks(ax, names, rotate_above=8, rotation=30)  # wrapped names fit side by side
    ax.set_xlabel("Input factor (uncertain choice)")
    ax.set_ylabel(f"{ylabel} (0–1)")
    ax.axhline(0, color="#999999", lw=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=8, frameon=False)
    if any(c.endswith("_low") for c in df.columns):
        lvl = (f"{100 * confidence_level:g}% " if confidence_level is not None else "")
        ax.set_title(f"error bars: {lvl}confidence interval of each index (bootstrap)",
                     fontsize=8, color="#555555")
    return _finish(fig, title, source, save)


#: readable names of the sensitivity outputs (aiindex.sensitivity)
_OUTPUT_LABELS = {"mean_abs_rank_shift": "mean absolute rank shift of all units"}


def _output_label(output: str, names: Mapping[str, str] | pd.Series | None = None) -> str:
    """``mean_abs_rank_shift`` → "mean absolute rank shift of all units";
    ``rank[USA]`` → "rank of USA" (or of the unit's name, with ``names``); ``score[USA]`` →
    "score of USA"."""
    import re

    if output in _OUTPUT_LABELS:
        return _OUTPUT_LABELS[output]
    m = re.fullmatch(r"(rank|score)\[(.+)\]", output)
    if m:
        u = m.group(2)
        nm = names.get(u) if names is not None else None
        return f"{m.group(1)} of {nm if isinstance(nm, str) and nm else u}"
    return output.replace("_", " ")


def sensitivity_outputs(sensitivity: Any) -> list[str]:
    """The outputs of a sensitivity result, in its order (``[""]`` for a table of one output
    without an ``output`` column)."""
    outs = getattr(sensitivity, "outputs", None)
    if outs:
        return [str(o) for o in outs]
    df = _sens_table_raw(sensitivity)
    if "output" in df.columns:
        return list(dict.fromkeys(df["output"].astype(str)))
    return [""]


def _one_output(df: pd.DataFrame, output: str | None) -> pd.DataFrame:
    """Rows of one output of a tidy table (``output, factor, ...``), indexed by factor."""
    if not {"output", "factor"} <= set(df.columns):
        return df
    outs = list(dict.fromkeys(df["output"].astype(str)))
    if output is None:
        output = "mean_abs_rank_shift" if "mean_abs_rank_shift" in outs else outs[0]
    if output not in outs:
        raise DataError(f"plot_sensitivity: unknown output {output!r}; have {outs}")
    t = df[df["output"].astype(str) == output].set_index("factor").drop(columns="output")
    t.attrs["output"] = output
    return t


def _sens_table_raw(obj: Any) -> pd.DataFrame:
    """The indices table of a sensitivity result (or the DataFrame itself)."""
    if isinstance(obj, pd.DataFrame):
        return obj
    for attr in ("indices", "table", "summary", "to_frame"):
        v = getattr(obj, attr, None)
        if callable(v):
            try:
                v = v()
            except TypeError:
                continue
        if isinstance(v, pd.DataFrame):
            return v
    raise DataError(f"plot_sensitivity: cannot find sensitivity indices in {type(obj).__name__}")


def _sens_table(obj: Any, output: str | None = None) -> pd.DataFrame:
    df = _sens_table_raw(obj)
    df = _one_output(df, output)
    ren = {}
    for c in df.columns:
        lc = str(c).lower()
        for a, b in (("s1", "first"), ("first_order", "first"), ("st", "total"),
                     ("total_order", "total")):
            if lc == a:
                ren[c] = b
            elif lc.startswith(a + "_") and lc[len(a) + 1:] in ("low", "high", "lo", "hi"):
                ren[c] = b + ("_low" if lc.endswith(("low", "lo")) else "_high")
    return df.rename(columns=ren)


def plot_sensitivity(sensitivity: Any, *, output: str | None = None, source: str | None = None,
                     index_name: str | None = None, names: Mapping[str, str] | None = None,
                     save: str | Path | None = None) -> Figure:
    """:func:`sensitivity_bar` of a sensitivity result (or a DataFrame of indices).

    A tidy table with ``output`` and ``factor`` columns (as
    :attr:`aiindex.sensitivity.SensitivityResult.indices`) is reduced to ``output`` (default
    ``mean_abs_rank_shift`` when present, else the first output). The title names the output in
    words, the subtitle the confidence level of the error bars (``info["confidence_level"]`` of
    the result), and the default source note the index (``index_name``, e.g. the config's name).
    :func:`sensitivity_outputs` lists the outputs (draw one chart per output). ``names`` maps
    unit codes to names for outputs such as ``rank[USA]``.

    Raises
    ------
    DataError
        The output has no finite index (e.g. it is constant over every evaluation: there is
        no variance to apportion; the reason is in the indices' ``note`` column).
    """
    df = _sens_table(sensitivity, output or None)
    target = (df.attrs.get("output") or getattr(sensitivity, "target", None)
              or getattr(sensitivity, "output", None))
    if {"first", "total"} <= set(df.columns) and len(df) and \
            df[["first", "total"]].astype("float64").isna().all().all():
        why = next((str(v) for v in df.get("note", pd.Series(dtype=str)) if str(v)), "")
        raise DataError(f"plot_sensitivity: no finite index for output {target!r}"
                        + (f" ({why})" if why else ""))
    t = "Sobol sensitivity indices of the uncertain choices"
    if isinstance(target, str):
        t += f" — output: {_output_label(target, names)}"
    info = getattr(sensitivity, "info", None) or {}
    cl = info.get("confidence_level") if isinstance(info, dict) else None
    if source is None:
        source = "aiindex sensitivity analysis"
        if index_name:
            source = f"{index_name}; {source}"
        n = getattr(sensitivity, "n_evaluations", None)
        if n:
            source += f" ({int(n):,} model evaluations)"
    return sensitivity_bar(df, title=t, source=source,
                           confidence_level=None if cl is None else float(cl), save=save)


# ------------------------------------------------------------------------------ 8. trend + gap
def trend_gap(
    scores: pd.DataFrame,
    units: Sequence[str],
    *,
    gap: tuple[str, str] | None = None,
    names: pd.Series | Mapping[str, str] | None = None,
    unit: str = "0–100",
    title: str = "Scores over time",
    source: str | None = None,
    save: str | Path | None = None,
) -> Figure:
    """Score of ``units`` over the years (top) and the gap between two of them (bottom).

    Parameters
    ----------
    scores
        Years (index, numeric) × units (columns).
    units
        Units to draw (at least one).
    gap
        ``(a, b)``: the bottom panel shows ``score[a] - score[b]`` (default: the first two units;
        no bottom panel with a single unit). The first and last gaps are annotated ("grew from X
        to Y points").
    """
    miss = [u for u in units if u not in scores.columns]
    if miss:
        raise DataError(f"trend_gap: unit(s) {miss} not in the scores (have {len(scores.columns)} units)")
    S = scores[list(units)].astype("float64").sort_index()
    if gap is None and len(units) >= 2:
        gap = (units[0], units[1])
    fig = _figure(8.0, 6.0 if gap else 4.2)
    if gap:
        ax, axg = fig.subplots(2, 1, sharex=True, height_ratios=[2, 1])
    else:
        ax, axg = fig.add_subplot(), None
    yrs = S.index.to_numpy()
    lab = dict(zip(S.columns, _labels(S.columns, names), strict=True))
    for i, u in enumerate(S.columns):
        ax.plot(yrs, S[u], marker="o", ms=4, lw=1.8, color=PALETTE[i % (len(PALETTE) - 1)],
                label=lab[u])
    ax.set_ylabel(f"Score ({unit})" if unit else "Score")
    ax.legend(fontsize=8, frameon=False, loc="best")
    ax.grid(color="#EEEEEE", lw=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    if gap and axg is not None:
        a, b = gap
        for u in (a, b):
            if u not in scores.columns:
                raise DataError(f"trend_gap: gap unit {u!r} not in the scores")
        g = (scores[a] - scores[b]).astype("float64").sort_index().dropna()
        axg.bar(g.index.to_numpy(), g.to_numpy(), color=PALETTE[2], width=0.6)
        axg.axhline(0, color="#999999", lw=0.6)
        axg.set_ylabel(f"Gap (points, {unit})" if unit else "Gap (points)")
        la = _labels(pd.Index([a]), names)[0]
        lb = _labels(pd.Index([b]), names)[0]
        if len(g) >= 2:
            verb = "grew" if abs(g.iloc[-1]) > abs(g.iloc[0]) else "shrank"
            axg.set_title(f"Gap {la} − {lb} {verb} from {g.iloc[0]:.1f} ({g.index[0]}) to "
                          f"{g.iloc[-1]:.1f} points ({g.index[-1]})", fontsize=9)
        else:
            axg.set_title(f"Gap {la} − {lb}", fontsize=9)
        axg.spines[["top", "right"]].set_visible(False)
        axg.set_xlabel("Year")
    else:
        ax.set_xlabel("Year")
    _year_ticks(axg or ax, yrs)
    return _finish(fig, title, source, save)


def _year_ticks(ax: Any, years: Any) -> None:
    """Integer year ticks (never 2018.5): every year when there are at most 12, else an
    integer locator."""
    from matplotlib.ticker import FormatStrFormatter, MaxNLocator

    y = np.unique(np.asarray(pd.to_numeric(pd.Series(np.asarray(years)), errors="coerce"),
                             dtype=float))
    y = y[np.isfinite(y)]
    if len(y) and len(y) <= 12 and np.all(np.mod(y, 1) == 0):
        ax.set_xticks(y, [str(int(v)) for v in y])
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.xaxis.set_major_formatter(FormatStrFormatter("%d"))


def plot_trends(scores: Any, units: Sequence[str], *, node: str | None = None,
                gap: tuple[str, str] | None = None, names: pd.Series | None = None,
                source: str | None = None, save: str | Path | None = None) -> Figure:
    """:func:`trend_gap` from panel results.

    ``scores`` may be a mapping ``year → Result``, a tidy DataFrame with columns ``uCode``,
    ``year`` (or ``Time``), ``node``, ``score`` (as :meth:`Result.tidy` of several years), or a
    years × units DataFrame. ``node`` defaults to the root of the results (or of the tidy table,
    the node with the highest level).
    """
    title_node = node
    if isinstance(scores, Mapping):
        years = sorted(scores)
        first = scores[years[0]]
        node = node or first.framework.root
        names = names if names is not None else first.names
        title_node = first.framework.nodes[node].name or node
        source = source or _source_of(first)
        wide = pd.DataFrame({y: scores[y].stages["aggregated"][node] for y in years}).T
    elif isinstance(scores, pd.DataFrame) and {"uCode", "score"} <= set(scores.columns):
        ycol = "year" if "year" in scores.columns else "Time"
        df = scores
        if "node" in df.columns:
            if node is None:
                node = (df.sort_values("level").iloc[-1]["node"] if "level" in df.columns
                        else df["node"].iloc[0])
            df = df[df["node"] == node]
        wide = df.pivot_table(index=ycol, columns="uCode", values="score", aggfunc="first")
    else:
        wide = scores
    return trend_gap(wide, units, gap=gap, names=names,
                     title=f"{title_node or 'Index'}: scores and gap over the years",
                     source=source, save=save)


# ------------------------------------------------------------------------------- panels
def plot_gap(panel: PanelResult | pd.DataFrame, a: str, b: str, node: str | None = None, *,
             ax: Any = None, label: str | None = None, path: str | Path | None = None) -> Any:
    """Line chart of the gap ``a − b`` over the years (needs matplotlib: ``aiindex[plot]``).

    Parameters
    ----------
    panel
        A :class:`PanelResult`, or a table returned by :func:`gaps`.
    a, b, node
        Units and node (as :func:`gaps`).
    ax
        Matplotlib axes to draw on (default: a new figure). Call twice with the same ``ax`` to
        compare, e.g., pooled and per-year bounds.
    label
        Legend label (default: the panel's bounds).
    path
        Save the figure there when given (``.png``, ``.svg`` or ``.pdf``; see
        :func:`save_figure`).

    Returns
    -------
    matplotlib.axes.Axes
        Drawn on a new :class:`matplotlib.figure.Figure` built without pyplot when ``ax`` is not
        given (no backend is selected or changed; show it with ``ax.figure`` in a notebook, or
        save it with ``path``). ``aiindex trends --plot`` draws the two-panel
        :func:`aiindex.plot.trend_gap` chart instead.
    """
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("plot_gap needs matplotlib: pip install 'aiindex[plot]'") from exc
    from ..analysis.trends import gaps

    g = panel if isinstance(panel, pd.DataFrame) else gaps(panel, a, b, node)
    if label is None:
        label = panel.bounds if isinstance(panel, PanelResult) else f"{a} − {b}"
    if ax is None:
        # a figure without pyplot: no GUI backend is selected and matplotlib's global backend is
        # left as the caller set it
        ax = Figure(figsize=(7, 4)).add_subplot()
    ax.plot(g["year"], g["gap"], marker="o", label=label)
    ax.axhline(0.0, color="grey", lw=0.8)
    _year_ticks(ax, g["year"])
    ax.set_xlabel("year")
    ax.set_ylabel(f"score gap {a} − {b} (index points, 0–100 scale)")
    ax.set_title(f"Score gap {a} − {b} over the years" + (f" ({node})" if node else ""))
    ax.legend()
    src = ""
    if isinstance(panel, PanelResult):
        name = getattr(panel.config, "name", None) or "panel run"
        src = f"Source: {name}; normalisation bounds {panel.bounds}; computed with aiindex"
    else:
        src = "Computed with aiindex (aiindex.analysis.trends.gaps)"
    ax.figure.text(0.01, 0.005, src, fontsize=7, color="#555555", ha="left", va="bottom")
    if path is not None:
        save_figure(ax.figure, path, dpi=120, bbox_inches="tight")
    return ax


def panel_gap_chart(pr: Any, a: str, b: str, node: str | None, path: Path) -> Any:
    """The ``trends --plot`` chart: :func:`aiindex.plot.trend_gap` (scores of ``a`` and ``b`` over
    the years, and their gap), saved to ``path``."""
    n = pr._node(node)
    wide = pr.scores(n).T  # years × units
    last = pr.results[pr.years[-1]] if pr.results else None
    names = getattr(last, "names", None)
    label = pr.framework.nodes[n].name or n
    bounds = pr.bounds + (f" {pr.pooled_years[0]}-{pr.pooled_years[-1]}" if pr.pooled_years
                          else "")
    src = (f"{pr.config.name}; normalisation bounds {bounds}; computed with aiindex "
           "(aiindex.pipeline.run_panel)")
    return trend_gap(wide, [a, b], gap=(a, b), names=names,
                     title=f"{label}: {a} and {b} over the years", source=src, save=path)
