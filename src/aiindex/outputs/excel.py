"""Excel export of a whole index, the way COINr exports a coin (extra ``aiindex[excel]``).

:func:`to_excel` writes one workbook, ``README`` first:

* ``README``: what the workbook is (index, aiindex version, date written, data provenance: the
  data file, the notes of its folder's ``README.md`` and the config's ``output.note``), one
  line per sheet saying what it holds, and the resolved config as YAML text;
* ``Results``: rank, name, index score, tier, then every aggregate score and rank (and the
  share of each score resting on imputed cells when the config sets ``output.show_imputed``);
* one sheet per pipeline stage (``Raw``, ``Denominated``, ``Imputed``, ``Screened``,
  ``Treated``, ``Normalized``, ``Aggregated``): units × codes, full float64 precision;
* ``Weights``: level, parent, raw weight, share of the parent and share of the index of every
  node; ``Framework``: the COINr ``iMeta`` table plus each node's ``Source`` and
  ``Description``;
* ``Log_<stage>`` for every non-empty stage log (e.g. every imputed cell), ``Treatment`` (the
  per-metric treatment table) when present;
* ``Tiers``: each tier's **band** by the tiering method (lower and upper threshold,
  :func:`aiindex.tiers.methods.tier_bands`) beside the lowest and highest score observed in the
  tier and its members; ``Tier_moves``: every move made by the section's rules;
* ``Uncertainty`` (rank statistics), ``Tier_probabilities`` and ``Sensitivity`` (Sobol'
  indices) when the config configures those analyses (computed with
  :func:`aiindex.analysis.uncertainty.run_config` / :func:`aiindex.analysis.sensitivity.run_config`
  unless passed in), or when their results are passed;
* ``Config``: the resolved config as YAML text, one line per row (paths as written, relative to
  the config's folder), plus the aiindex version.

Every unit sheet has the unit's name beside its code. Layout for people: bold header row frozen
with the key columns (code, name), an autofilter on every table, column widths from the content
(names never cut; long free text wraps), number formats (2 decimals for scores, whole numbers for
ranks and counts, percent for weight shares and probabilities, the raw data by magnitude) and a
print set-up (landscape where the table is wider than a portrait page, fitted to as few pages
wide as keep a readable scale, header row and key columns repeated on every printed page, the
sheet name and page number in the footer). Numbers are written as floats (no rounding; the
formats only change how they are shown), so re-reading with :func:`pandas.read_excel` gives the
same values. Cells hold text and numbers only: lists and mappings are written as text
(``LUX, MLT``; ``low=0, high=100``), missing values as empty cells.

openpyxl is imported only when the function is called.

**User text never becomes a formula.** Every text cell (a unit name or code, a node code, a
line of the config) that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
stored as a string cell marked with Excel's quote prefix, so Excel shows it literally and never
evaluates it (``=HYPERLINK(...)`` stays text); numbers, negative ones included, stay numbers.
Characters that an ``.xlsx`` file cannot hold (control characters other than tab, line feed and
carriage return) are written as U+FFFD; a carriage return reads back as a line feed (XML
normalises line ends). The workbook is written under a temporary name and
renamed into place (:func:`aiindex._io.atomic_path`): an interrupted export leaves no file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._io import atomic_path
from ..errors import AIIndexError

if TYPE_CHECKING:  # pragma: no cover
    from ..pipeline import Result

__all__ = ["to_excel", "results_table", "FORMULA_PREFIXES", "PRINT_MIN_SCALE"]

#: first characters that spreadsheet programs read as the start of a formula
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

#: smallest print scale a wide sheet is shrunk to; wider sheets print on several pages across
#: (with the key columns repeated on each)
PRINT_MIN_SCALE = 0.6

# number formats
SCORE, RANK, INT, SHARE, PROB, INDEX, RANK1 = ("0.00", "0", "#,##0", "0.0%", "0.0%", "0.000",
                                               "0.0")
_TEXT_CAP = 60  # widest text column (characters); longer text wraps
_NAME_CAP = 100  # widest name or code column: names are not wrapped below that
_NAMES = ("uCode", "name", "code", "iCode", "iName", "metric", "factor", "output")
_HEADER_FILL = "DDE6F0"


@dataclass
class _Sheet:
    """One table of the workbook: written from A1, header in row 1."""

    name: str
    table: pd.DataFrame
    about: str
    formats: dict[str, str] = field(default_factory=dict)
    keys: int = 0  # leading key columns (frozen, repeated on printed pages)


# ----------------------------------------------------------------------------- the tables
def results_table(result: Result) -> pd.DataFrame:
    """The ``Results`` sheet: rank, name, index, tier, then each aggregate's score and rank.

    Rows in rank order (ties and missing last, by score).
    """
    fw = result.framework
    root = fw.root
    df = pd.DataFrame({"rank": result.ranks[root].astype("Float64")}, index=result.scores.index)
    if result.names is not None:
        df["name"] = result.names.reindex(df.index)
    df[root] = result.scores[root]
    if result.tiers is not None:
        df["tier"] = result.tiers.reindex(df.index).astype("Float64")
    for c in result.scores.columns:
        if c == root:
            continue
        df[c] = result.scores[c]
        df[f"{c} rank"] = result.ranks[c].astype("Float64")
    df = df.sort_values(["rank", root], ascending=[True, False], na_position="last")
    df.index.name = "uCode"
    return df


def _with_names(df: pd.DataFrame, result: Result, code: str = "uCode") -> pd.DataFrame:
    """``df`` with a ``name`` column right after its unit-code column ``code`` (a copy)."""
    if result.names is None or code not in df.columns or "name" in df.columns:
        return df
    out = df.copy()
    names = result.names.reindex(out[code].astype(str)).to_numpy()
    out.insert(out.columns.get_loc(code) + 1, "name", names)
    return out


def _keys(df: pd.DataFrame) -> int:
    return 2 if list(df.columns[:2]) == ["uCode", "name"] else 1


def _data_format(s: pd.Series) -> str:
    """Number format of a column of data by its magnitude (values are kept in full)."""
    v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    if not v.size:
        return "General"
    big = float(np.abs(v).max())
    if np.all(v == np.round(v)):
        return INT
    if big >= 1000:
        return "#,##0.0"
    if big >= 1:
        return SCORE
    return "0.0000"


def _numeric_formats(df: pd.DataFrame, fixed: Mapping[str, str] | None = None) -> dict[str, str]:
    """A format for every numeric column: ``fixed`` where given, else by magnitude."""
    fixed = dict(fixed or {})
    out = {}
    for c in df.columns:
        if c in fixed:
            out[c] = fixed[c]
        elif pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]):
            out[c] = _data_format(df[c])
    return out


def _results_sheet(result: Result) -> _Sheet:
    t = results_table(result).reset_index()
    if "name" in t.columns:
        t = t[["uCode", "name", *[c for c in t.columns if c not in ("uCode", "name")]]]
    root = result.framework.root
    fmt = {"rank": RANK, "tier": RANK}
    for c in result.scores.columns:
        fmt[c] = SCORE
        fmt[f"{c} rank"] = RANK
    if (result.config.output or {}).get("show_imputed"):
        share = _imputed_share(result)
        if share is not None:
            t.insert(t.columns.get_loc(root) + 1, "imputed_share",
                     share.reindex(t["uCode"]).to_numpy())
            fmt["imputed_share"] = SHARE
    cols = t.columns.tolist()
    about = ("one row per unit in rank order: rank (1 = best), name, index score"
             + (", tier" if "tier" in cols else "")
             + (", share of the score resting on imputed cells" if "imputed_share" in cols else "")
             + ", then every aggregate's score and rank")
    return _Sheet("Results", t, about, fmt, _keys(t))


def _imputed_share(result: Result) -> pd.Series | None:
    from ..analysis.provenance import imputed_share

    try:
        return imputed_share(result)["imputed_score"]
    except AIIndexError:
        return None


_STAGE_ABOUT = {
    "raw": "the data as read (units × metrics, raw units; see Framework for each metric's unit)",
    "denominated": "after dividing by denominators (denominate stage)",
    "imputed": "after imputing missing values (the imputed cells are listed on Log_impute)",
    "screened": "after screening units and metrics",
    "treated": "after outlier treatment (see Treatment and Log_treat)",
    "normalized": "normalised scores of every metric",
    "aggregated": "normalised metrics and every aggregate score",
}


def _stage_sheets(result: Result) -> list[_Sheet]:
    out = []
    for k, v in result.stages.items():
        t = _with_names(v.rename_axis("uCode").reset_index(), result)
        score = k in ("normalized", "aggregated")
        fmt = _numeric_formats(t, {c: SCORE for c in v.columns} if score else None)
        about = _STAGE_ABOUT.get(k, f"the data after the {k} stage") + ", full precision"
        out.append(_Sheet(k.capitalize(), t, about, fmt, _keys(t)))
    return out


def _framework_sheets(result: Result) -> list[_Sheet]:
    fw = result.framework
    nf = fw.nodes_frame()
    w = nf[["name", "level", "parent", "type", "weight", "local_weight",
            "effective_weight"]].rename_axis("code").reset_index()
    weights = _Sheet("Weights", w, "every node: level, parent, raw weight, share of its parent "
                     "(local_weight) and share of the index (effective_weight; metrics add up "
                     "to 100%)", {"level": RANK, "weight": "General", "local_weight": SHARE,
                                  "effective_weight": SHARE}, 1)
    table = fw.to_table()
    for col in ("source", "description"):
        by_code = {c: getattr(n, col) for c, n in fw.nodes.items()}
        table[col.capitalize()] = table["iCode"].map(by_code)
    table = table.dropna(axis=1, how="all")
    frame = _Sheet("Framework", table, "the indicator tree as a COINr iMeta table (level, code, "
                   "name, direction, weight, unit, parent, type) with each node's source and "
                   "description", {"Level": RANK, "Weight": "General", "Direction": RANK}, 2)
    return [weights, frame]


def _log_sheets(result: Result) -> list[_Sheet]:
    out = []
    for k, v in result.logs.items():
        if isinstance(v, pd.DataFrame) and len(v):
            t = _with_names(v.reset_index(drop=True), result)
            out.append(_Sheet(f"Log_{k}", t, f"log of the {k} stage: one row per touched cell, "
                              "unit or metric", _numeric_formats(t), _keys(t)))
    treat = (result.info.get("treat") or {}).get("treatment")
    if isinstance(treat, pd.DataFrame):
        t = treat.rename_axis("metric").reset_index()
        fmt = _numeric_formats(t, {c: SCORE for c in t.columns if c.startswith(("skew", "kurt"))})
        out.append(_Sheet("Treatment", t, "outlier treatment of every metric: skewness and "
                          "kurtosis before and after, the units winsorised, the transform "
                          "applied", fmt, 1))
    return out


def _tier_sheets(result: Result) -> list[_Sheet]:
    from ..tiers.methods import TierResult, tier_bands

    tr = result.info.get("tiers")
    if result.tiers is None or not isinstance(tr, TierResult):
        return []
    sec = dict(result.config.tiers or {})
    node = str(sec.get("node", result.framework.root))
    scores = result.scores[node]
    bands = tier_bands(tr, scores)
    tiers = result.tiers.reindex(scores.index)
    names = result.names if result.names is not None else pd.Series(scores.index, scores.index)
    order = scores.sort_values(ascending=False).index
    shown = pd.Series(names.reindex(order).fillna(pd.Series(order, index=order)).astype(str)
                      .to_numpy(), index=order)
    ok = tiers.reindex(order).notna().to_numpy()
    members = shown[ok].groupby(tiers.reindex(order)[ok].astype("int64").to_numpy(),
                                sort=False).agg(", ".join)
    rec = tr.record.reindex(bands.index)
    t = pd.DataFrame({
        "tier": bands.index, "units": rec["n"].fillna(0).astype("int64").to_numpy(),
        "band": bands["band"].to_numpy(), "lower_threshold": bands["lower"].to_numpy(),
        "upper_threshold": bands["upper"].to_numpy(), "lowest_score": rec["min"].to_numpy(),
        "highest_score": rec["max"].to_numpy(), "mean_score": rec["mean"].to_numpy(),
        "members": members.reindex(bands.index).fillna("").to_numpy(),
        "basis": bands["basis"].to_numpy()})
    fmt = {"tier": RANK, "units": RANK, "lower_threshold": SCORE, "upper_threshold": SCORE,
           "lowest_score": SCORE, "highest_score": SCORE, "mean_score": SCORE}
    out = [_Sheet("Tiers", t, f"each tier's band by the tiering method on {node} (lower and "
                  "upper threshold; empty = no limit) beside the lowest and highest score "
                  "observed in the tier and its members (rules may move units outside their "
                  "band: see Tier_moves)", fmt, 1)]
    moves = tr.moves
    if isinstance(moves, pd.DataFrame) and len(moves):
        m = _with_names(moves.rename(columns={"unit": "uCode"}).reset_index(drop=True), result)
        m = m[["uCode", "name", *[c for c in m.columns if c not in ("uCode", "name")]]] \
            if "name" in m.columns else m
        out.append(_Sheet("Tier_moves", m, "every unit moved by a tier rule: the rule, its "
                          "score, the tier before and after, why",
                          {"step": RANK, "score": SCORE, "from_tier": RANK, "to_tier": RANK},
                          _keys(m)))
    return out


def _uncertainty_sheets(unc: Any, result: Result) -> list[_Sheet]:
    out = []
    rs = getattr(unc, "rank_stats", unc)
    if isinstance(rs, pd.DataFrame):
        t = rs.rename_axis("uCode").reset_index()
        if "nominal_rank" in t:
            t = t.sort_values(["nominal_rank", "uCode"], na_position="last")
        t = _with_names(t.reset_index(drop=True), result)
        fmt = {c: (RANK if c == "nominal_rank" else RANK1) for c in t.columns
               if c.endswith("_rank") or c == "interval_width"}
        fmt.update({c: SCORE for c in t.columns if c.endswith("_score")})
        n = None if isinstance(unc, pd.DataFrame) else getattr(unc, "n", None)
        out.append(_Sheet("Uncertainty", t, "rank of every unit over the replications of the "
                          f"uncertainty analysis{f' ({n} replications)' if n else ''}: nominal, "
                          "mean, median, 5th and 95th percentile rank, width of the interval",
                          fmt, _keys(t)))
    tp = getattr(unc, "tier_probabilities", None)
    if isinstance(tp, pd.DataFrame):
        t = _with_names(tp.rename_axis("uCode").reset_index(), result)
        fmt = {c: PROB for c in t.columns if c.startswith("p_")}
        fmt["nominal_tier"] = RANK
        out.append(_Sheet("Tier_probabilities", t, "probability of each tier for every unit over "
                          "the replications; flag = the nominal tier is not the most likely "
                          "(nominal_basis 'base': compared with the tiers before the rules)",
                          fmt, _keys(t)))
    return out


def _sensitivity_sheet(sens: Any) -> list[_Sheet]:
    ind = getattr(sens, "indices", sens)
    if not isinstance(ind, pd.DataFrame):
        return []
    t = ind.reset_index(drop=not isinstance(ind.index, pd.MultiIndex) and ind.index.name is None)
    fmt = {c: INDEX for c in t.columns
           if pd.api.types.is_float_dtype(t[c]) and c not in ("output", "factor")}
    return [_Sheet("Sensitivity", t, "first-order and total Sobol' sensitivity indices of every "
                   "output to every uncertain factor, with their bootstrap confidence interval",
                   fmt, 2 if list(t.columns[:2]) == ["output", "factor"] else 1)]


def _config_dict(result: Result) -> dict[str, Any]:
    """The resolved config without the machine's absolute paths (``base_dir`` dropped, the
    source file by name), plus the aiindex version."""
    d = result.config.to_dict()
    d.pop("base_dir", None)
    if d.get("source_file"):
        d["source_file"] = Path(str(d["source_file"])).name
    return {**d, "aiindex_version": result.version}


def _config_lines(result: Result) -> list[str]:
    from ..yamlio import dump_yaml

    return dump_yaml(_config_dict(result)).splitlines()


def _config_sheet(lines: list[str]) -> _Sheet:
    return _Sheet("Config", pd.DataFrame({"config (YAML)": lines}),
                  "the resolved config as YAML text (one line per row; paths relative to the "
                  "config's folder) and the aiindex version", {}, 0)


# ----------------------------------------------------------------------------- README
def _provenance(result: Result) -> list[tuple[str, str]]:
    """Where the data come from: the data file, its folder's README and the config's note."""
    cfg = result.config
    rows: list[tuple[str, str]] = []
    data = _data_section(result)
    files = [str(data[k]) for k in ("file", "names") if data.get(k)]
    if files:
        rows.append(("Data files", "; ".join(files) + " (relative to the config's folder)"))
    base = getattr(cfg, "base_dir", None)
    if data.get("file") and base:
        readme = (Path(str(base)) / str(data["file"])).parent / "README.md"
        text = _readme_intro(readme)
        if text:
            rows.append(("Data provenance", text))
    note = (cfg.output or {}).get("note") if isinstance(cfg.output, Mapping) else None
    if note:
        rows.append(("Note", " ".join(str(note).split())))
    rows.append(("Sources of the metrics", "the Source column of the Framework sheet"))
    return rows


def _data_section(result: Result) -> dict[str, Any]:
    d = result.config.data
    if hasattr(d, "model_dump"):
        d = d.model_dump()
    return dict(d) if isinstance(d, Mapping) else {}


def _readme_intro(path: Path, limit: int = 1500) -> str:
    """The text of a data folder's README.md before its first section (markdown removed)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
    body = re.split(r"^##\s", text, maxsplit=1, flags=re.M)[0]
    body = re.sub(r"^#\s.*$", "", body, flags=re.M)
    body = re.sub(r"[*`]", "", " ".join(body.split()))
    return body if len(body) <= limit else body[:limit].rsplit(" ", 1)[0] + " …"


def _readme_rows(result: Result, sheets: Sequence[_Sheet], notes: Sequence[tuple[str, str]],
                 lines: list[str], when: datetime) -> list[tuple[str, str, bool]]:
    """Rows of the README sheet: (label, text, is-a-heading); the config's heading and its
    ``lines`` come last (the print area leaves them out)."""
    cfg, fw = result.config, result.framework
    rows: list[tuple[str, str, bool]] = [(str(cfg.name), "", True)]
    if cfg.description:
        rows.append(("Description", " ".join(str(cfg.description).split()), False))
    year = _data_section(result).get("year")
    rows += [("Written", when.strftime("%Y-%m-%d %H:%M UTC") + " by aiindex "
              + result.version, False),
             ("aiindex version", result.version, False),
             ("Config file", _config_dict(result).get("source_file") or "(given in Python)",
              False),
             ("Units", f"{len(result.scores)} scored", False),
             ("Framework", f"{len(fw.metrics)} metrics, {len(fw.aggregates)} aggregates, "
              f"index {fw.root}", False)]
    if year is not None:
        rows.append(("Year", str(year), False))
    rows += [(k, v, False) for k, v in _provenance(result)]
    rows += [(k, v, False) for k, v in notes]
    rows.append(("Sheets", "", True))
    rows += [(s.name, s.about, False) for s in sheets]
    rows.append(("Config (resolved YAML, also on the Config sheet)", "", True))
    rows += [("", ln, False) for ln in lines]
    return rows


# ----------------------------------------------------------------------------- cells
def _plain(v: Any) -> Any:
    """A cell value: numbers and text only (lists and mappings as text, missing as empty)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return None if math.isnan(f) else f
    if isinstance(v, Mapping):
        v = ", ".join(f"{k}={_text(x)}" for k, x in v.items())
    elif isinstance(v, (list, tuple, set, np.ndarray, pd.Index)):
        v = ", ".join(_text(x) for x in v)
    elif not isinstance(v, str):
        v = str(v)
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", v)


def _text(x: Any) -> str:
    if isinstance(x, (float, np.floating)):
        return f"{float(x):g}"
    return str(x)


def _shown(v: Any, fmt: str) -> str:
    """Roughly the text Excel shows for ``v`` under format ``fmt`` (for column widths)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "FALSE" if not v else "TRUE"
    if isinstance(v, (int, float)):
        if fmt.endswith("%"):
            return f"{v * 100:.1f}%"
        if fmt in (SCORE, INDEX, RANK1, "0.0000", "#,##0.0"):
            d = {SCORE: 2, INDEX: 3, RANK1: 1, "0.0000": 4, "#,##0.0": 1}[fmt]
            return f"{v:,.{d}f}" if fmt.startswith("#") else f"{v:.{d}f}"
        if fmt in (RANK, INT):
            return f"{v:,.0f}" if fmt == INT else f"{v:.0f}"
        return f"{v:.10g}"
    return max(str(v).split("\n"), key=len)


def _width(header: str, shown: Sequence[str], cap: int = _TEXT_CAP) -> tuple[float, bool]:
    """Column width (characters) from the header and the shown values; True if it wraps."""
    longest = max((len(s) for s in shown), default=0)
    w = max(len(str(header)) + 4, longest + 2, 6)  # +4: bold header and the filter button
    return (float(min(w, cap)), w > cap)


def _protect_formulas(book: Any) -> None:
    """Store every text cell that starts like a formula as a quoted string (never a formula)."""
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, str) and v.startswith(FORMULA_PREFIXES):
                    cell.data_type = "s"
                    cell.quotePrefix = True


# ----------------------------------------------------------------------------- writing
def _write_table(ws: Any, sh: _Sheet) -> tuple[list[float], list[int]]:
    """Write one table: values, formats, bold frozen header, filter; return the column widths
    and the number of text lines of each data row (wrapped text takes several)."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    t = sh.table
    header = [_plain(c) for c in t.columns]
    ws.append(header)
    cols = [[_plain(v) for v in t[c].tolist()] for c in t.columns]
    for row in zip(*cols, strict=True) if cols else []:
        ws.append(list(row))
    bold, fill = Font(bold=True), PatternFill("solid", fgColor=_HEADER_FILL)
    top = Alignment(vertical="top", wrap_text=True)
    widths, lines = [], [1] * len(t)
    for j, c in enumerate(t.columns, 1):
        fmt = sh.formats.get(c, "General")
        shown = [_shown(v, fmt) for v in cols[j - 1]]
        width, wrap = _width(str(header[j - 1]), shown, _NAME_CAP if c in _NAMES else _TEXT_CAP)
        widths.append(width)
        if wrap:
            lines = [max(n, math.ceil(len(x) / (width - 1))) for n, x in zip(lines, shown,
                                                                          strict=True)]
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = width
        cell = ws.cell(1, j)
        cell.font, cell.fill, cell.alignment = bold, fill, Alignment(vertical="top")
        if fmt != "General" or wrap:
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                if fmt != "General" and isinstance(cell.value, (int, float)):
                    cell.number_format = fmt
                if wrap:
                    cell.alignment = top
    last = get_column_letter(max(len(header), 1))
    if len(t.columns):
        ws.auto_filter.ref = f"A1:{last}{len(t) + 1}"
    ws.freeze_panes = ws.cell(2, sh.keys + 1).coordinate
    return widths, lines


def _write_readme(ws: Any, rows: list[tuple[str, str, bool]]) -> list[float]:
    from openpyxl.styles import Alignment, Font

    wrap = Alignment(vertical="top", wrap_text=True)
    mono = Font(name="Consolas", size=9)
    for label, text, heading in rows:
        ws.append([_plain(label) or None, _plain(text) or None])
        r = ws.max_row
        a, b = ws.cell(r, 1), ws.cell(r, 2)
        a.alignment = b.alignment = wrap
        if heading:
            a.font = Font(bold=True, size=13 if r == 1 else 12)
        elif label:
            a.font = Font(bold=True)
        else:
            b.font = mono
    w = [float(min(max((len(lab) for lab, _, h in rows if not h), default=10) + 2, 30)), 100.0]
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = w
    return w


def _column_inches(width: float) -> float:
    """Printed width of a column of ``width`` characters (Calibri 11: 7 px a character + 5 px
    padding, 96 px an inch)."""
    return (7 * width + 5) / 96


#: A4 paper (inches) and the margins set below
_PAPER, _MARGIN_LR, _MARGIN_TB = (8.27, 11.69), 0.4, 0.55


def _across(widths: Sequence[float], keys: int, room: float) -> int:
    """Pages across for columns of ``widths`` inches on pages of ``room`` (unscaled) inches,
    split at column boundaries, the first ``keys`` columns repeated on every page."""
    key = sum(widths[:keys])
    pages, used = 1, key
    for w in widths[keys:]:
        if used + w > room and used > key:
            pages, used = pages + 1, key
        used += w
    return pages


def _page_plan(widths: Sequence[float], keys: int,
               lines: Sequence[int]) -> tuple[bool, int, int]:
    """(landscape, pages across, pages down) giving the fewest printed pages at a scale of at
    least :data:`PRINT_MIN_SCALE` (the larger scale on a tie).

    A model of how a spreadsheet paginates a sheet fitted to pages across × pages down: the
    largest scale (in whole percent, at most 100%) at which the columns fit across (split at
    column boundaries, the key columns repeated) and the rows (``lines`` lines of 15 points
    each, below the repeated header row) fit down.
    """
    inches = [_column_inches(w) for w in widths]
    best: tuple[int, float, bool, int, int] = (10**9, 0.0, False, 1, 1)
    for landscape in (False, True):
        width, height = (_PAPER[::-1] if landscape else _PAPER)
        for pct in range(100, int(PRINT_MIN_SCALE * 100) - 1, -1):
            scale = pct / 100
            across = _across(inches, keys, (width - 2 * _MARGIN_LR) / scale)
            room = (height - 2 * _MARGIN_TB) * 72 / 15 / scale - 1  # lines below the header
            down = _across([float(n) for n in lines], 0, room)
            if (across * down, -scale) < (best[0], -best[1]):
                best = (across * down, scale, landscape, across, down)
    return best[2], best[3], best[4]


def _print_setup(ws: Any, widths: Sequence[float], keys: int, lines: Sequence[int]) -> None:
    """Orientation and pages across for the fewest readable pages, header row and key columns
    repeated on every page, sheet name and page number in the footer."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    landscape, across, down = _page_plan(widths, keys, lines)
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = across, down
    m = ws.page_margins
    m.left = m.right = _MARGIN_LR
    m.top = m.bottom = _MARGIN_TB
    m.header = m.footer = 0.25
    ws.print_title_rows = "1:1"
    if keys and across > 1:
        ws.print_title_cols = f"A:{get_column_letter(keys)}"
    ws.oddFooter.center.text = "&A – page &P of &N"


def _readme_print(ws: Any, rows: int) -> None:
    """The README prints portrait, one page wide, without the config (the Config sheet has
    it)."""
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.page_setup.orientation, ws.page_setup.paperSize = "portrait", ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    m = ws.page_margins
    m.left = m.right = _MARGIN_LR
    m.top = m.bottom = _MARGIN_TB
    ws.print_area = f"A1:B{rows}"
    ws.oddFooter.center.text = "&A – page &P of &N"


def _write_book(sheets: Sequence[_Sheet], readme: list[tuple[str, str, bool]],
                path: Path, n_config: int) -> None:
    """Write the workbook; the README's last ``n_config`` rows (the config heading and its
    YAML lines) are left out of its print area."""
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "README"
    _write_readme(ws, readme)
    _readme_print(ws, len(readme) - n_config)
    used = {"readme"}
    for sh in sheets:
        ws = book.create_sheet(_sheet_name(sh.name, used))
        widths, lines = _write_table(ws, sh)
        _print_setup(ws, widths, sh.keys, lines)
    _protect_formulas(book)
    book.save(path)


def _sheet_name(name: str, used: set[str]) -> str:
    base = "".join(ch if ch not in '[]:*?/\\' else "_" for ch in name)[:31]
    out, i = base, 2
    while out.lower() in used:
        suffix = f"_{i}"
        out = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(out.lower())
    return out


# ----------------------------------------------------------------------------- entry point
def _analysis(kind: str, result: Result, engine: Any) -> tuple[Any, str | None]:
    """The configured analysis ``kind`` computed with its ``run_config``, or a note why not."""
    try:
        if kind == "uncertainty":
            from ..analysis.uncertainty import run_config
        else:
            from ..analysis.sensitivity import run_config
        return run_config(result, engine=engine), None
    except AIIndexError as exc:
        return None, f"the configured {kind} analysis could not be run: {exc}"


_NOTE_LABELS = {"mean_score_note": "Note on the uncertainty analysis",
                "tier_note": "Note on tier probabilities"}


def _analyses(result: Result, uncertainty: Any, sensitivity: Any,
              compute: bool) -> tuple[Any, Any, list[tuple[str, str]]]:
    """The uncertainty and sensitivity results for the workbook (given, or computed when the
    config configures them and ``compute``), and labelled notes for the README."""
    cfg = result.config
    notes: list[tuple[str, str]] = []
    want = {"uncertainty": bool(cfg.uncertainty) and uncertainty is None,
            "sensitivity": bool(cfg.uncertainty and cfg.sensitivity) and sensitivity is None}
    if not compute:
        if any(want.values()):
            notes.append(("Analyses not run", "the config configures "
                          + " and ".join(k for k, v in want.items() if v) + "; to_excel was "
                          "called with analyses=False, so the workbook has no sheet for it"))
        want = dict.fromkeys(want, False)
    engine = None
    if any(want.values()):
        from ._source import analysis_engine

        try:
            engine, why = analysis_engine(result)
            why = why and f"the configured analyses were not run: {why}"
        except AIIndexError as exc:
            engine, why = None, f"the configured analyses could not be run: {exc}"
        if engine is None:
            notes.append(("Analyses not run", why or "the configured analyses could not be run"))
            want = dict.fromkeys(want, False)
    got = {"uncertainty": uncertainty, "sensitivity": sensitivity}
    for kind, w in want.items():
        if w:
            got[kind], note = _analysis(kind, result, engine)
            if note:
                notes.append(("Analysis not run", note))
    info = getattr(got["uncertainty"], "info", None)
    info = info if isinstance(info, Mapping) else {}
    notes += [(label, str(info[k])) for k, label in _NOTE_LABELS.items() if info.get(k)]
    return got["uncertainty"], got["sensitivity"], notes


def _workbook_sheets(result: Result, *, uncertainty: Any = None,
                    sensitivity: Any = None) -> list[_Sheet]:
    """The sheets after ``README``, in order (tables as written; used by :func:`to_excel`)."""
    sheets = [_results_sheet(result), *_stage_sheets(result), *_framework_sheets(result),
              *_log_sheets(result), *_tier_sheets(result)]
    if uncertainty is not None:
        sheets += _uncertainty_sheets(uncertainty, result)
    if sensitivity is not None:
        sheets += _sensitivity_sheet(sensitivity)
    return sheets


def to_excel(result: Result, path: str | Path, *, uncertainty: Any = None,
             sensitivity: Any = None, analyses: bool = True) -> Path:
    """Write the whole index to an ``.xlsx`` workbook (see the module docstring for the sheets).

    Parameters
    ----------
    result
        A :class:`~aiindex.pipeline.Result`.
    path
        Output file (``.xlsx``).
    uncertainty
        An uncertainty result (:class:`~aiindex.analysis.uncertainty.UncertaintyResult`, or a
        DataFrame of rank statistics) for the ``Uncertainty`` and ``Tier_probabilities`` sheets.
        When ``None`` and the config has an ``uncertainty`` section, it is computed with
        :func:`aiindex.analysis.uncertainty.run_config` (unless ``analyses=False``).
    sensitivity
        A sensitivity result (or a DataFrame of indices) for the ``Sensitivity`` sheet; same
        fallback with :func:`aiindex.analysis.sensitivity.run_config`.
    analyses
        ``False``: do not compute configured analyses that were not passed (the README says so).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    AIIndexError
        If openpyxl is not installed (``pip install aiindex[excel]``) or the suffix is not
        ``.xlsx``. An analysis that cannot be run is not an error: the README names it.
    """
    try:
        import openpyxl  # noqa: F401
    except ModuleNotFoundError as exc:  # pragma: no cover - depends on the environment
        raise AIIndexError("to_excel needs openpyxl: pip install 'aiindex[excel]'") from exc
    p = Path(path)
    if p.suffix.lower() != ".xlsx":
        raise AIIndexError(f"to_excel writes .xlsx files, got {p.name!r}")
    uncertainty, sensitivity, notes = _analyses(result, uncertainty, sensitivity, analyses)
    sheets = _workbook_sheets(result, uncertainty=uncertainty, sensitivity=sensitivity)
    lines = _config_lines(result)
    sheets.append(_config_sheet(lines))
    readme = _readme_rows(result, [_Sheet("README", pd.DataFrame(), "this sheet"), *sheets],
                          notes, lines, datetime.now(timezone.utc))
    with atomic_path(p) as tmp:
        _write_book(sheets, readme, tmp, n_config=len(lines) + 1)
    return p
