"""HTML building blocks of the report: the stylesheet (screen and print), friendly cell text,
tables with named headers, tier chips.

Every text that reaches the page goes through :func:`esc` or :func:`cell_text` (HTML-escaped),
so user text (unit and node names, codes, config values) can never become markup. Cells are
written for readers: no Python representations (``nan``, ``None``, ``[...]``, ``{...}``), ranks
and counts as integers, scores with two decimals.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .palette import text_color, tier_color

__all__ = ["CSS", "Col", "esc", "cell_text", "html_table", "auto_cols", "tier_chip",
           "MISSING"]

#: shown for a missing value
MISSING = "—"

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;color:#222;
background:#fafafa;line-height:1.45}
main{max-width:1100px;margin:0 auto;padding:1.5rem 2rem 4rem;background:#fff}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{border-bottom:2px solid #08306b;padding-bottom:.2rem;
margin-top:2.5rem}h3{margin-top:1.6rem}h4{margin:.6rem 0 .3rem}
.meta{color:#555;font-size:.9rem}
nav ul{columns:2;font-size:.92rem}
table{border-collapse:collapse;font-size:.82rem;margin:.6rem 0}
th,td{border-bottom:1px solid #ddd;padding:.22rem .5rem;text-align:right;vertical-align:top}
th{background:#eef3f8;position:sticky;top:0}
td.l,th.l{text-align:left}
.scroll{max-height:560px;overflow:auto;border:1px solid #eee}
figure{margin:1rem 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85rem;color:#555}
pre{background:#f6f8fa;padding:.8rem;overflow:auto;font-size:.8rem;white-space:pre-wrap}
.note{background:#fff8e5;border-left:4px solid #E69F00;padding:.5rem .8rem;font-size:.9rem}
.provenance{background:#eef3f8;border-left:4px solid #08306b;padding:.6rem .9rem;font-size:.9rem}
.tier{display:inline-block;min-width:1.6em;text-align:center;border-radius:3px;padding:0 .2em;
-webkit-print-color-adjust:exact;print-color-adjust:exact}
.legend span.tier{margin-right:.3em}
.profiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:1rem}
.profile{border:1px solid #ddd;border-radius:4px;padding:.5rem .8rem;break-inside:avoid}
.profile h3{margin:.2rem 0 .3rem;font-size:1.05rem}
.profile table{width:100%;font-size:.74rem;margin:.3rem 0}
.profile th,.profile td{padding:.12rem .3rem}
.profile .sw{display:grid;grid-template-columns:1fr 1fr;gap:.6rem}
.profile table.metrics td:first-child{width:70%}
#anchors-table td,#anchors-tiers td,#anchors-summary td{text-align:left}
.profile .facts{font-size:.85rem;margin:.2rem 0}
.bar{position:relative;display:inline-block;width:80px;height:.8em;background:#eef3f8;
vertical-align:middle;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.bar b{position:absolute;left:0;top:0;bottom:0;background:#2171b5}
.bar i{position:absolute;top:-2px;bottom:-2px;width:2px;background:#E69F00}
.bar u{position:absolute;top:-2px;bottom:-2px;width:2px;background:#222;text-decoration:none}
details summary{cursor:pointer;font-weight:600}
footer{color:#666;font-size:.8rem;margin-top:3rem}
@media print{
  @page{size:A4;margin:14mm 12mm}
  body{background:#fff;font-size:10pt}
  main{max-width:none;padding:0;margin:0}
  nav{display:none}
  .scroll{max-height:none !important;overflow:visible !important;border:0}
  th{position:static}
  thead{display:table-header-group}
  tr,figure,img,.profile{break-inside:avoid;page-break-inside:avoid}
  h2{break-before:page;page-break-before:always}
  h2,h3,h4{break-after:avoid;page-break-after:avoid}
  figure img{max-height:250mm;width:auto;max-width:100%}
  .profiles{display:block}
  .profile{margin-bottom:4mm}
  pre{white-space:pre-wrap;overflow:visible}
  details>*{display:block}
  a{color:inherit;text-decoration:none}
}
"""


def esc(x: Any) -> str:
    """HTML-escaped text of ``x`` (quotes included)."""
    return html.escape(str(x), quote=True)


def _is_missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float | np.floating):
        return bool(np.isnan(v))
    return isinstance(v, str) and v.strip().lower() in ("", "nan", "none", "<na>", "nat")


def cell_text(v: Any, *, decimals: int = 2, integer: bool = False, percent: bool = False) -> str:
    """Readable, escaped text of a cell value.

    Parameters
    ----------
    v
        The value: a number, text, boolean, list, mapping or missing.
    decimals
        Decimals of a non-integer number.
    integer
        Show a number as an integer (ranks, tiers, counts); a non-integer value keeps one
        decimal (a rank quantile such as 2.5).
    percent
        Multiply by 100 (a share shown in %).

    Returns
    -------
    str
        ``"—"`` for a missing value, ``yes``/``no`` for a boolean, items joined by ``", "``
        for a list, ``key: value`` pairs for a mapping, never a Python representation.
    """
    if isinstance(v, Mapping):
        return "; ".join(f"{esc(k)}: {cell_text(x, decimals=decimals)}" for k, x in v.items()
                         ) or MISSING
    if isinstance(v, list | tuple | set | np.ndarray):
        items = [cell_text(x, decimals=decimals) for x in v]
        return ", ".join(items) if items else MISSING
    if _is_missing(v):
        return MISSING
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if isinstance(v, int | np.integer) and not percent:
        return f"{int(v):,}" if abs(int(v)) >= 10000 else str(int(v))
    if isinstance(v, float | np.floating | int | np.integer):
        f = float(v) * (100.0 if percent else 1.0)
        if not math.isfinite(f):
            return "∞" if f > 0 else "−∞"
        if integer:
            return str(int(round(f))) if abs(f - round(f)) < 1e-9 else f"{f:.1f}"
        if abs(f) >= 1e6 or (f != 0 and abs(f) < 10 ** -decimals):
            return f"{f:.3g}"
        return f"{f:,.{decimals}f}" if abs(f) >= 10000 else f"{f:.{decimals}f}"
    return esc(v)


@dataclass(frozen=True)
class Col:
    """A column of :func:`html_table`: ``key`` in the frame, header ``label`` (``title``: the
    tooltip, e.g. the node code), ``kind`` (``"num"``, ``"int"``, ``"pct"``, ``"signed"`` (a difference, with its sign) or
    ``"text"``)."""

    key: Any
    label: str
    title: str | None = None
    kind: str = "num"
    decimals: int = 2


#: readable headers of the columns aiindex tables use (code → (header, tooltip))
HEADERS: dict[str, str] = {
    "rank": "Rank", "name": "Name", "uName": "Name", "uCode": "Code", "code": "Code",
    "tier": "Tier", "imputed_%": "Score share imputed (%)", "level": "Level",
    "parent": "Parent", "weight": "Weight", "direction": "Direction", "unit": "Unit",
    "source": "Source", "metric": "Metric", "method": "Method", "value": "Value",
    "Time": "Year", "year": "Year", "group": "Group", "k": "Children", "n": "Units",
    "alpha": "Cronbach's alpha", "note": "Note", "n_eigen_gt1": "Eigenvalues > 1",
    "pc1_explained": "Variance explained by PC1", "flag": "Flag", "a": "Node A",
    "b": "Node B", "r": "Correlation", "p": "p-value", "nominal_rank": "Nominal rank",
    "median_rank": "Median rank", "mean_rank": "Mean rank", "p5_rank": "5th percentile rank",
    "p95_rank": "95th percentile rank", "interval_width": "Interval width (ranks)",
    "nominal_score": "Nominal score", "mean_score": "Mean score", "modal_tier": "Most likely tier",
    "nominal_tier": "Tier", "p_nominal": "P(own tier)", "factor": "Factor", "output": "Output",
    "first_order": "First order (S1)", "first_low": "S1 low", "first_high": "S1 high",
    "total_order": "Total (ST)", "total_low": "ST low", "total_high": "ST high",
    "first": "First order (S1)", "total": "Total (ST)", "old": "Before", "new": "After",
    "action": "Action", "availability": "Availability", "dropped": "Removed",
    "reason": "Reason", "zero_share": "Share of zeros", "skew_before": "Skewness before",
    "kurt_before": "Kurtosis before", "skew_after": "Skewness after",
    "kurt_after": "Kurtosis after", "n_winsorised": "Points winsorised",
    "winsorised_high": "Winsorised (high)", "winsorised_low": "Winsorised (low)",
    "log_applied": "Log applied", "transform": "Transform", "passed": "Passes",
    "lambda": "Lambda", "change": "Change", "CAGR (%/year)": "CAGR (%/year)",
    "rank_change": "Rank change", "gap": "Gap", "effective weight (%)": "Effective weight (%)",
}

_INT_NAMES = {"rank", "tier", "level", "k", "n", "n_eigen_gt1", "n_winsorised", "nominal_tier",
              "modal_tier", "Time", "year", "edition", "rank_change", "nominal_rank",
              "median_rank", "p5_rank", "p95_rank", "interval_width", "n_ranked"}


def auto_cols(df: pd.DataFrame, *, nodes: Mapping[str, Any] | None = None,
              decimals: int = 2, extra: Mapping[str, str] | None = None) -> list[Col]:
    """Columns of ``df`` with readable headers: a node code gets the node's name (code in the
    tooltip), a known column its header from :data:`HEADERS`; ranks, tiers and counts are
    integers, other numbers have ``decimals`` decimals, the rest is text."""
    cols = []
    for c in df.columns:
        key = str(c)
        node = (nodes or {}).get(key)
        if extra and key in extra:
            label, title = extra[key], key
        elif node is not None:
            label, title = str(getattr(node, "name", None) or key), key
        else:
            label, title = HEADERS.get(key, key.replace("_", " ")), None
        if key in _INT_NAMES or key.endswith("_rank") or key.startswith(("n_", "rank_in_")) \
                or pd.api.types.is_integer_dtype(df[c].dtype):
            kind = "int"
        elif pd.api.types.is_numeric_dtype(df[c].dtype) and not pd.api.types.is_bool_dtype(
                df[c].dtype):
            kind = "num"
        else:
            kind = "text"
        cols.append(Col(c, label, title, kind, decimals))
    return cols


def _th(col: Col) -> str:
    cls = "l" if col.kind == "text" else ""
    title = f' title="{esc(col.title)}"' if col.title and col.title != col.label else ""
    return f'<th class="{cls}"{title} scope="col">{esc(col.label)}</th>'


def _td(col: Col, v: Any, title: Any = None) -> str:
    if col.kind == "text":
        text = cell_text(v, decimals=col.decimals)
    elif col.kind == "signed":
        text = cell_text(v, decimals=col.decimals)
        text = "+" + text if not _is_missing(v) and float(v) > 0 else text.replace("-", "−")
    else:
        text = cell_text(v, decimals=col.decimals, integer=col.kind == "int",
                         percent=col.kind == "pct")
    cls = ' class="l"' if col.kind == "text" else ""
    tip = f' title="{esc(title)}"' if title is not None and not _is_missing(title) else ""
    return f"<td{cls}{tip}>{text}</td>"


def html_table(df: pd.DataFrame, cols: Sequence[Col] | None = None, *, tid: str | None = None,
               titles: Mapping[Any, Sequence[Any]] | None = None, scroll: bool = True,
               raw: Mapping[Any, Sequence[str]] | None = None) -> str:
    """An escaped HTML table of ``df`` (its index is not shown: reset it first).

    Parameters
    ----------
    cols
        The columns to show (default :func:`auto_cols`).
    tid
        ``id`` of the table.
    titles
        Column key → one tooltip per row (e.g. the unit codes for the name column).
    scroll
        Wrap the table in a scroll box of limited height on screen (none in print).
    raw
        Column key → one ready-made, already escaped HTML snippet per row (e.g. tier chips).
    """
    cols = list(cols) if cols is not None else auto_cols(df)
    head = "".join(_th(c) for c in cols)
    data = {c.key: df[c.key].to_numpy(dtype=object) for c in cols if c.key in df.columns}
    tips = {k: list(v) for k, v in (titles or {}).items()}
    rows = []
    for i in range(len(df)):
        cells = []
        for c in cols:
            if raw is not None and c.key in raw:
                cells.append(f'<td class="{"l" if c.kind == "text" else ""}">{raw[c.key][i]}</td>')
            else:
                t = tips[c.key][i] if c.key in tips else None
                cells.append(_td(c, data[c.key][i], t))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    tag = f' id="{esc(tid)}"' if tid else ""
    t = (f"<table{tag}><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    return f'<div class="scroll">{t}</div>' if scroll else t


def tier_chip(tier: Any, k: int) -> str:
    """A tier number on its colour of the ordered tier palette (``—`` without a tier)."""
    if _is_missing(tier):
        return MISSING
    bg = tier_color(tier, k)
    return (f'<span class="tier" style="background:{bg};color:{text_color(bg)}">'
            f"{int(tier)}</span>")
