"""Interactive weight explorer: one self-contained HTML page (vanilla JavaScript, no CDN).

:func:`write_explorer` embeds the **normalised** metrics of a result, the framework and the
aggregation settings in the page. A slider per first-level dimension (and, in collapsible
sections, per node below) sets the raw weight of that node (kept to 4 significant digits); the page then recomputes every
aggregate bottom-up exactly as :func:`aiindex.aggregate.aggregate_tree` does:

* weights are relative among siblings and **renormalised over the children a unit has data for**;
* a unit whose share of available children is below the node's ``min_share`` gets no score;
* aggregators: ``arithmetic`` (weighted mean), ``geometric``, ``harmonic`` and ``power`` (with
  its ``p``) are computed in the page; any other method is computed as ``arithmetic`` and the
  page says so;
* ranks: 1 = best, ties share the minimum rank (as :func:`aiindex.ranks.rank`).

Tiers in the page: with ``thresholds`` (fixed score bands) or ``sizes`` (fixed tier sizes) the
same rule is applied to the recomputed index (of the section's ``node``), followed by the
section's ``rules`` (``min_gap``, ``dimension_ranks``, ``contiguous``, ``max_tier``) exactly as
:func:`aiindex.tiers.refine_tiers` applies them (dimension ranks from the recomputed
first-level dimensions), so the page's tiers equal :func:`aiindex.tiers.apply_tiers_config` for
the same weights. Data-driven methods (``jenks``, ``quantiles``, ...)
are **not** re-fitted in the browser: the page shows each unit's tier at the nominal weights and
says so. The config's ``rescale`` section (:mod:`aiindex.stages.rescale`) is applied after each
rescaled node's aggregation, as in a run. The page also shows every unit's rank change against
the nominal weights and can download the current weights as a YAML scenario for ``aiindex
whatif``: the ``weights`` section of a config, raw weights under ``weights: explicit:`` (every
non-root node listed).

What the page shows (issue 18): a slider per node with its name (code in the tooltip), its raw
weight, its share of its parent and its share of the index (percent, one decimal); a ranking
table with names (codes in tooltips) that sorts by any column (header buttons, ``aria-sort``),
filters by name or code (accents and case ignored), highlights a unit on a click or Enter (kept
while the weights change), and marks each unit's rank change (``▲ 3`` / ``▼ 2``) and tier change
(``▼ was 1``) against the nominal weights in text, not only in colour; a bar chart of the index
(inline SVG built with DOM calls, bars coloured by tier in one ordered hue, the nominal score
marked on each bar) that follows the sliders, the search and the highlight; a polite
``aria-live`` summary of the largest moves. Layout: one column below 900 px (no horizontal
scrolling of the page: the wide table scrolls inside its own box, with the unit column kept in
view), controls beside the results above; labels linked to every slider (``<label for>``),
visible focus, arrow keys / Page Up / Page Down / Home / End on the sliders, a skip link.

Escaping by construction: user text (unit names and codes, node names, the title) is passed as
JSON in one ``<script type="application/json">`` block (:func:`json_for_html`) and inserted with
``textContent``/``setAttribute``; the page builds its table and sliders with DOM calls, never
``innerHTML``, so a name such as ``<img src=x onerror=...>`` is shown literally. A
Content-Security-Policy allows only the page's own script (by its SHA-256) and no network
access, as a second line of defence.

Test hook: opening the page with ``#weights=Conn:2,Sust:0.5`` moves those sliders on load (value
+ ``input`` event, as a user would) and the resulting state is written as JSON into the hidden
element ``#state`` (``weights``, ``ranks``, ``scores``, ``tiers`` per unit, the ``scenario``,
``highlight``, ``sort``, ``query``, the visible table ``rows`` and the ``chart``'s units, in
order).
"""

from __future__ import annotations

import html
import json
import math
import re
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._io import write_text_atomic

if TYPE_CHECKING:  # pragma: no cover
    from ..pipeline import Result

__all__ = ["write_explorer", "explorer_html", "explorer_data", "json_for_html",
           "BROWSER_AGGREGATORS", "BROWSER_TIER_RULES"]

#: aggregators the page computes itself; others fall back to arithmetic (with a note)
BROWSER_AGGREGATORS = ("arithmetic", "geometric", "harmonic", "power")


def _num(v: Any) -> float | None:
    f = float(v)
    return None if math.isnan(f) else f


#: tier rules (:func:`aiindex.tiers.refine_tiers`) the page applies itself
BROWSER_TIER_RULES = ("min_gap", "dimension_ranks", "contiguous", "max_tier")


def _tier_payload(result: Result) -> tuple[dict[str, Any] | None, str]:
    """How the page computes tiers (``None``: no tiers) and the note shown beside the sliders.

    Read from the config's ``tiers`` section, as :func:`aiindex.tiers.apply_tiers_config` does:
    ``thresholds`` and ``sizes`` (plus any ``rules`` of :data:`BROWSER_TIER_RULES`) are
    recomputed in the page; other methods are shown at the nominal weights (``"nominal"``).
    """
    if result.tiers is None:
        return None, "No tiers configured."
    from ..tiers import TIERERS
    from ..tiers.section import _SECTION_KEYS

    sec = dict(result.config.tiers or {})
    tm = str(sec.get("method", "jenks"))
    tm = TIERERS.canonical(tm) if tm in TIERERS else tm
    params = {k: v for k, v in sec.items() if k not in _SECTION_KEYS}
    rules = [dict(r) for r in (sec.get("rules") or [])]
    fw = result.framework
    node = str(sec.get("node", fw.root))
    unknown = [str(r.get("type")) for r in rules if r.get("type") not in BROWSER_TIER_RULES]
    if tm == "thresholds":
        tiers: dict[str, Any] = {"method": "thresholds",
                                 "breaks": [float(b) for b in params["breaks"]],
                                 "closed": params.get("closed", "left")}
        note = ("Tiers: fixed score bands " + ", ".join(f"{b:g}" for b in tiers["breaks"])
                + " applied to the recomputed index")
    elif tm == "sizes":
        tiers = {"method": "sizes", "sizes": [int(s) for s in params["sizes"]],
                 "ties": params.get("ties", "split")}
        note = "Tiers: fixed tier sizes " + str(tiers["sizes"]) + " applied to the recomputed index"
    else:
        tiers = None
        note = ""
    if tiers is None or unknown:
        what = tm if tiers is None else "rule(s) " + ", ".join(unknown)
        return {"method": "nominal"}, (
            f"Tiers ({what or 'configured method'}) are fitted to the data and are not "
            "re-fitted in this page: the tier column shows each unit's tier at the nominal "
            "weights.")
    tiers["node"] = node
    tiers["rules"] = rules
    if rules:
        parts = []
        for r in rules:
            if r["type"] == "min_gap":
                parts.append(f"no tier boundary inside a gap smaller than {float(r['gap']):g} "
                             "points (" + ("the lower unit joins the upper tier"
                                           if r.get("direction", "up") == "up" else
                                           "the upper unit joins the lower tier") + ")")
            elif r["type"] == "dimension_ranks":
                parts.append(f"top {int(r['top'])} on at least {int(r['min_count'])} dimensions "
                             f"→ at least tier {int(r['tier'])}")
            elif r["type"] == "contiguous":
                parts.append("tiers kept contiguous in score order")
            else:
                parts.append(f"no tier below {int(r['tier'])}")
        note += ", then the rules: " + "; ".join(parts)
    return tiers, note + " (as aiindex.tiers computes them)."


def explorer_data(result: Result) -> dict[str, Any]:
    """The JSON payload embedded in the explorer page."""
    from ..stages import AGGREGATORS, stage_choices
    from ..stages import stage_option as _option

    fw = result.framework
    cfg = result.config
    X = result.stages["normalized"].reindex(columns=fw.metrics)
    arr = X.to_numpy(dtype=float)
    data = np.where(np.isnan(arr), None, arr).tolist()  # NaN -> null in the JSON
    choices = stage_choices(cfg, fw, "aggregate")
    method, power, min_share, fallback = {}, {}, {}, []
    for a in fw.aggregates:
        ch = choices[a]
        name = AGGREGATORS.canonical(ch.method) if ch.method in AGGREGATORS else ch.method
        if name not in BROWSER_AGGREGATORS:
            fallback.append(f"{a} ({name})")
            name = "arithmetic"
        method[a] = name
        power[a] = float(ch.params.get("p", 1.0))
        min_share[a] = float(_option(cfg, "aggregate", "min_share", a, fw.nodes[a].level, 0.0))
    from ._names import unit_name

    units = [{"code": str(u), "name": unit_name(result.names, u)} for u in X.index]
    tiers, note = _tier_payload(result)
    nominal_tiers: dict[str, int | None] = {}
    if result.tiers is not None:
        nominal_tiers = {str(k): (None if v is None or v is np.nan or str(v) == "<NA>"
                                  else int(v)) for k, v in result.tiers.items()}
    n_tiers = 0
    if tiers and tiers.get("method") == "thresholds":
        n_tiers = len(tiers["breaks"]) + 1
    elif tiers and tiers.get("method") == "sizes":
        n_tiers = len(tiers["sizes"])
    elif nominal_tiers:
        n_tiers = max((t for t in nominal_tiers.values() if t is not None), default=0)
    mnote = "Aggregation: " + ", ".join(sorted(set(method.values()))) + " (as configured)."
    if fallback:
        mnote += (" Not available in the page, computed as arithmetic here: "
                  + ", ".join(fallback) + ".")
    return {
        "title": cfg.name,
        "root": fw.root,
        "nodes": list(fw.nodes),
        "names": {c: (n.name or c) for c, n in fw.nodes.items()},
        "parent": {c: n.parent for c, n in fw.nodes.items()},
        "children": {c: fw.children(c) for c in fw.nodes},
        "weights": {c: float(n.weight) for c, n in fw.nodes.items()},
        "aggregates": list(fw.aggregates),
        "metrics": list(fw.metrics),
        "method": method,
        "power": power,
        "min_share": min_share,
        "units": units,
        "data": data,
        "tiers": tiers,
        "n_tiers": n_tiers,
        "nominal_tiers": nominal_tiers,
        "tier_note": note,
        "method_note": mnote,
        "nominal_ranks": {str(k): (None if v is None or str(v) == "<NA>" else int(v))
                          for k, v in result.ranks[fw.root].items()},
        "rescale": _rescale_payload(result),
    }


def _rescale_payload(result: Result) -> dict[str, dict[str, Any]]:
    """Aggregate code → ``{method, params}`` of the config's ``rescale`` section (applied in the
    page after each node's aggregation, as :mod:`aiindex.stages.rescale` does)."""
    from ..stages.rescale import rescale_choices

    fw = result.framework
    return {c: {"method": ch.method, "params": {k: float(v) for k, v in ch.params.items()}}
            for c, ch in rescale_choices(result.config.rescale, fw.root, fw.aggregates).items()}


#: characters made safe inside the JSON data block: ``<`` (no ``</script>``, no ``<!--``),
#: ``>``, ``&`` and the JavaScript line terminators U+2028/U+2029 (escapes valid in JSON)
_JSON_SAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
              "\u2029": "\\u2029"}
_MARKER = re.compile(r"__(TITLE|VERSION|DATA|SCRIPT_HASH)__")
_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def json_for_html(obj: Any) -> str:
    """``obj`` as JSON that is safe inside ``<script type="application/json">``: no character
    of user text can end the element, open a comment or break a JavaScript line."""
    text = json.dumps(obj, allow_nan=False, separators=(",", ":"), ensure_ascii=False)
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_SAFE[m.group(0)], text)


def explorer_html(result: Result) -> str:
    """The explorer page as one HTML string.

    The template is filled in one pass (a ``__DATA__`` inside a name is never replaced again);
    user text reaches the page only HTML-escaped (title) or as JSON in the data block, which the
    page's script inserts with ``textContent``/``setAttribute``, never as markup.
    """
    tpl = resources.files("aiindex.outputs").joinpath("templates/explorer.html").read_text("utf-8")
    values = {"TITLE": html.escape(result.config.name),
              "VERSION": html.escape(result.version),
              "DATA": json_for_html(explorer_data(result)),
              "SCRIPT_HASH": _script_hash(tpl)}
    return _MARKER.sub(lambda m: values[m.group(1)], tpl)


def _script_hash(tpl: str) -> str:
    """The CSP source of the page's one inline script (its SHA-256): the browser runs that
    script and nothing else, not even an event handler that slipped into the page."""
    import base64
    import hashlib

    scripts = _SCRIPT.findall(tpl)
    if len(scripts) != 1 or _MARKER.search(scripts[0]):
        raise RuntimeError("explorer template: expected one inline script without markers")
    digest = hashlib.sha256(scripts[0].encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def write_explorer(result: Result, path: str | Path) -> Path:
    """Write the interactive weight explorer of ``result`` to ``path`` (one HTML file).

    Parameters
    ----------
    result
        A :class:`~aiindex.pipeline.Result`.
    path
        Output ``.html`` file.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    return write_text_atomic(path, explorer_html(result))
