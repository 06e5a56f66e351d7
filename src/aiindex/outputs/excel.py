"""Excel export of a whole index, the way COINr exports a coin (extra ``aiindex[excel]``).

:func:`to_excel` writes one workbook with

* ``Results``: rank, name, index score, tier, then every aggregate score and rank;
* one sheet per pipeline stage (``Raw``, ``Denominated``, ``Imputed``, ``Screened``, ``Treated``,
  ``Normalized``, ``Aggregated``): units × codes, full float64 precision;
* ``Weights``: level, parent, raw, local and effective weight of every node;
* ``Framework``: the COINr ``iMeta`` table (:meth:`Framework.to_table`);
* ``Log_<stage>`` for every non-empty stage log (e.g. every imputed cell), ``Treatment`` (the
  per-metric treatment table) when present;
* ``Config``: the resolved config as YAML text (one line per row) plus the aiindex version.

openpyxl is imported only when the function is called. Numbers are written as floats (no
rounding), so re-reading the workbook with :func:`pandas.read_excel` gives the same values.

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

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .._io import atomic_path
from ..errors import AIIndexError

if TYPE_CHECKING:  # pragma: no cover
    from ..pipeline import Result

__all__ = ["to_excel", "results_table", "FORMULA_PREFIXES"]

#: first characters that spreadsheet programs read as the start of a formula
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


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


def _sheet_name(name: str, used: set[str]) -> str:
    base = "".join(ch if ch not in '[]:*?/\\' else "_" for ch in name)[:31]
    out, i = base, 2
    while out.lower() in used:
        suffix = f"_{i}"
        out = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(out.lower())
    return out


def to_excel(result: Result, path: str | Path) -> Path:
    """Write the whole index to an ``.xlsx`` workbook (see the module docstring for the sheets).

    Parameters
    ----------
    result
        A :class:`~aiindex.pipeline.Result`.
    path
        Output file (``.xlsx``).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    AIIndexError
        If openpyxl is not installed (``pip install aiindex[excel]``) or the suffix is not
        ``.xlsx``.
    """
    try:
        import openpyxl  # noqa: F401
    except ModuleNotFoundError as exc:  # pragma: no cover - depends on the environment
        raise AIIndexError("to_excel needs openpyxl: pip install 'aiindex[excel]'") from exc
    p = Path(path)
    if p.suffix.lower() != ".xlsx":
        raise AIIndexError(f"to_excel writes .xlsx files, got {p.name!r}")
    with atomic_path(p) as tmp:
        _write_book(result, tmp)
    return p


def _safe_text(df: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells, labels and index hold no character an .xlsx cannot store."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def fix(v: object) -> object:
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", v) if isinstance(v, str) else v

    out = df.copy()
    obj = [c for c in out.columns if out[c].dtype == object or pd.api.types.is_string_dtype(
        out[c])]
    for c in obj:
        out[c] = out[c].map(fix, na_action="ignore")
    out.columns = out.columns.map(fix)
    out.index = out.index.map(fix)
    return out


def _protect_formulas(book: object) -> None:
    """Store every text cell that starts like a formula as a quoted string (never a formula)."""
    for ws in book.worksheets:  # type: ignore[attr-defined]
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, str) and v.startswith(FORMULA_PREFIXES):
                    cell.data_type = "s"
                    cell.quotePrefix = True


def _write_book(result: Result, path: Path) -> None:
    from ..yamlio import dump_yaml

    used: set[str] = set()
    with pd.ExcelWriter(path, engine="openpyxl") as xw:

        def put(df: pd.DataFrame, name: str, index: bool = True) -> None:
            sheet = _sheet_name(name, used)
            _safe_text(df).to_excel(xw, sheet_name=sheet, index=index)
            ws = xw.sheets[sheet]
            ws.freeze_panes = "B2" if index else "A2"
            for col in ws.iter_cols(min_row=1, max_row=1):
                letter = col[0].column_letter
                ws.column_dimensions[letter].width = max(9, min(28, len(str(col[0].value)) + 3))

        put(results_table(result), "Results")
        for k, v in result.stages.items():
            put(v.rename_axis("uCode"), k.capitalize())
        nf = result.framework.nodes_frame()
        put(nf[["name", "level", "parent", "type", "weight", "local_weight",
                "effective_weight"]].rename_axis("code"), "Weights")
        put(result.framework.to_table(), "Framework", index=False)
        for k, v in result.logs.items():
            if isinstance(v, pd.DataFrame) and len(v):
                put(v, f"Log_{k}", index=False)
        treat = (result.info.get("treat") or {}).get("treatment")
        if isinstance(treat, pd.DataFrame):
            put(treat.astype({c: "object" for c in treat.columns
                              if treat[c].dtype == "object"}).rename_axis("metric"), "Treatment")
        tinfo = result.info.get("tiers")
        record = getattr(tinfo, "record", None)
        if isinstance(record, pd.DataFrame):
            put(record, "Tiers")
        text = dump_yaml({**result.config.to_dict(), "aiindex_version": result.version})
        put(pd.DataFrame({"config (YAML)": text.splitlines()}), "Config", index=False)
        _protect_formulas(xw.book)
