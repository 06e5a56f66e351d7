"""Loading and validating raw data: wide COINr ``iData`` tables or tidy long tables.

A wide table has a unit-code column (``uCode``), optionally ``uName`` and ``Time``, group columns
(text), denominator columns and metric columns. A long table has unit, year, metric and value
columns; any other column (``uName``, group columns) is a unit attribute repeated on the rows of a
unit, and is kept (one value per unit and year, else an error).

Cells read as missing in numeric columns: empty, and the markers in :data:`MISSING_STRINGS`
(``NA``, ``N/A``, ``n/a``, ``NaN``, ``NULL``, ``#N/A``, ``.``, ``..``, ``-``, ``–``, ``—``).
Any other text (``85%``, ``1,234``) is an error naming file, row and column. Either comes from CSV, Excel or a DataFrame; the caller's DataFrame is never modified.

Every problem (a text value in a numeric column, a duplicate unit code, a missing unit code, a
metric of the framework missing from the data) is collected and reported together. A problem
names the row as in the file: the line of a CSV file (blank lines counted) or the row of the
sheet (empty rows counted); for a DataFrame, the 0-based position; for a long table, the file
row of a bad value and the position in the pivoted (wide) table otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..config import DataSection
from ..errors import DataError, Problem, ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from ..framework import Framework

__all__ = ["Dataset", "load_data", "read_table", "MISSING_STRINGS"]

#: cell texts read as missing in numeric columns
MISSING_STRINGS = frozenset({"", "NA", "N/A", "n/a", "NaN", "nan", "NULL", "null", "#N/A", ".",
                             "..", "-", "–", "—"})
_LONG_UNIT = ("uCode", "unit", "iso3", "ISO3", "country_code", "code")
_LONG_YEAR = ("Time", "year", "Year")


@dataclass
class Dataset:
    """Raw data aligned with a framework.

    Attributes
    ----------
    metrics : DataFrame
        Units × metric columns (float64). Index ``uCode``; for several years a MultiIndex
        (``uCode``, ``Time``).
    groups : DataFrame
        Group columns (text), same index.
    denominators : DataFrame
        Denominator columns (float64), same index.
    names : Series
        Unit names, indexed like ``metrics``.
    source : str
        File name or ``"<DataFrame>"``.
    """

    metrics: pd.DataFrame
    groups: pd.DataFrame
    denominators: pd.DataFrame
    names: pd.Series
    source: str = "<DataFrame>"
    extra: dict = field(default_factory=dict)

    @property
    def years(self) -> list[int]:
        """Years present (empty for a cross-section)."""
        if isinstance(self.metrics.index, pd.MultiIndex):
            return sorted(int(y) for y in self.metrics.index.get_level_values(1).unique())
        return []

    @property
    def is_panel(self) -> bool:
        """True when the data hold several years."""
        return len(self.years) > 1

    def select_year(self, year: int) -> Dataset:
        """The cross-section of one year (index ``uCode``)."""
        if not isinstance(self.metrics.index, pd.MultiIndex):
            return self
        if year not in self.years:
            raise DataError(f"year {year} not in the data (years: {self.years})")

        def pick(df: pd.DataFrame | pd.Series):
            out = df.xs(year, level=1)
            out.index.name = "uCode"
            return out

        return Dataset(pick(self.metrics), pick(self.groups), pick(self.denominators),
                       pick(self.names), self.source, {**self.extra, "year": year})

    def cross_section(self) -> Dataset:
        """Drop a single-year MultiIndex to a plain unit index."""
        if isinstance(self.metrics.index, pd.MultiIndex) and len(self.years) == 1:
            return self.select_year(self.years[0])
        return self


#: suffixes read as text tables (CSV; the separator is sniffed: comma, semicolon or tab)
TEXT_SUFFIXES = (".csv", ".txt", ".tsv", ".tab")
#: suffixes read as Excel workbooks
EXCEL_SUFFIXES = (".xlsx", ".xlsm")


def read_table(path: str | Path, sheet: str | int | None = None, *,
               encoding: str = "utf-8") -> pd.DataFrame:
    """Read a CSV or Excel file with every cell as text (numbers are parsed later, with checks).

    Excel cells that hold numbers stay numbers (they are not text to be parsed). The header is
    checked for duplicate names (pandas would silently rename the second ``x`` to ``x.1``). The
    sheet read and the workbook's sheet names are kept in ``df.attrs`` (``sheet``, ``sheets``).

    Parameters
    ----------
    path
        A ``.csv``/``.txt``/``.tsv`` text file or an ``.xlsx``/``.xlsm`` workbook.
    sheet
        Excel sheet name or 0-based position (default: the first sheet).
    encoding
        Text encoding of a CSV file (``utf-8`` also reads a byte-order mark).

    Returns
    -------
    DataFrame
        The table with text cells (Excel numbers stay numbers); ``attrs`` holds ``sheet`` and
        ``sheets`` for workbooks.

    Raises
    ------
    DataError
        Missing file, a folder, an unsupported file type, an empty or header-only file, a file
        not in ``encoding``, a row with more fields than the header, a duplicate column name, a
        missing sheet, a file that is not a workbook.
    """
    return _read_rows(path, sheet, encoding)[0]


def _read_rows(path: str | Path, sheet: str | int | None,
               encoding: str) -> tuple[pd.DataFrame, np.ndarray]:
    """:func:`read_table`, and the 1-based file (or sheet) row of each data row."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"data file not found: {p}")
    if p.is_dir():
        raise DataError(f"data path {p} is a folder; give a CSV or Excel file (config key "
                        "data.file or --data)")
    suffix = p.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(p, sheet)
    if suffix == ".xls":
        raise DataError(f"data file {p} is in the old Excel .xls format; save it as .xlsx or "
                        "CSV")
    if suffix in TEXT_SUFFIXES:
        return _read_csv(p, encoding)
    raise DataError(f"data file {p} has an unsupported type {suffix or '(no suffix)'!r}; "
                    f"use CSV ({', '.join(TEXT_SUFFIXES)}) or Excel "
                    f"({', '.join(EXCEL_SUFFIXES)})")


def _decode(p: Path, encoding: str) -> str:
    data = p.read_bytes()
    if not data.strip():
        raise DataError(f"data file {p} is empty")
    enc = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    try:
        text = data.decode(enc)
    except LookupError:
        raise DataError(f"unknown text encoding {encoding!r} (config key data.encoding); use "
                        "e.g. utf-8, latin-1 or cp1252") from None
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise DataError(
            f"data file {p} is not {encoding} text (byte 0x{data[exc.start]:02x} on line "
            f"{line}); set data.encoding in the config (e.g. data.encoding: latin-1 or cp1252) "
            "or save the file as UTF-8") from None
    if "\x00" in text:
        raise DataError(f"data file {p} contains NUL bytes: not a text (CSV) file")
    return text


#: line ends of a text file (pandas also ends a line at a lone ``\r``)
_LINE_END = r"\r\n|\r|\n"


def _blank_lines(lines: pd.Series, sep: str) -> np.ndarray:
    """Mask of the lines pandas skips as blank: nothing but spaces and tabs (a tab is a field
    separator, not a blank, in a tab-separated file)."""
    blank = lines.str.strip(" \t").eq("")
    if sep == "\t":
        blank &= ~lines.str.contains("\t", regex=False)
    return blank.to_numpy(bool)


def _record_lines(text: str, sep: str, raw: pd.DataFrame) -> np.ndarray:
    """The 1-based line of the file on which each record (row of ``raw``) starts.

    pandas skips blank lines and counts records, not lines. Without quoted fields spanning
    lines, the records are the non-blank lines. A record with line breaks in quoted fields spans
    ``1 +`` their count lines; then the records are counted on from the first one as if no blank
    line stood between them (exact unless a file has both)."""
    lines = pd.Series(re.split(_LINE_END, text), dtype=object).astype(str)
    filled = np.flatnonzero(~_blank_lines(lines, sep)) + 1
    if len(filled) == len(raw):  # a record spanning lines has two non-blank lines or more
        return filled
    breaks = raw.apply(lambda c: c.astype(str).str.count(_LINE_END)).sum(axis=1).to_numpy()
    first = filled[0] if len(filled) else 1
    return first + np.concatenate([[0], np.cumsum(1 + breaks)[:-1]]).astype(int)


def _read_csv(p: Path, encoding: str) -> tuple[pd.DataFrame, np.ndarray]:
    import io

    text = _decode(p, encoding)
    start = re.match(r"(?:[ \t]*(?:\r\n|\r|\n))*", text).end()  # after leading blank lines
    head = re.split(_LINE_END, text[start:], maxsplit=1)[0]
    sep = max((",", ";", "\t"), key=lambda c: (head.count(c), c == ","))
    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=sep,
                          header=None, skip_blank_lines=True)
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if m:
            raise DataError(f"data file {p}: line {m.group(2)} has {m.group(3)} fields but the "
                            f"header has {m.group(1)} (a stray separator, or a value with "
                            f"{sep!r} that needs quotes?)") from None
        raise DataError(f"data file {p} cannot be read as CSV: {exc}") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"data file {p} is empty") from None
    raw = raw.fillna("")
    return _with_header(raw, p, "", _record_lines(text, sep, raw))


def _read_excel(p: Path, sheet: str | int | None) -> tuple[pd.DataFrame, np.ndarray]:
    try:
        book = pd.ExcelFile(p, engine="openpyxl")
    except Exception as exc:  # noqa: BLE001 - zipfile / openpyxl errors of a corrupt file
        raise DataError(f"data file {p} is not a readable Excel workbook "
                        f"({type(exc).__name__}); save it again as .xlsx or CSV") from None
    with book:
        names = [str(n) for n in book.sheet_names]
        shown = ", ".join(repr(n) for n in names)
        if sheet is None:
            name = names[0]
        elif isinstance(sheet, int) and not isinstance(sheet, bool):
            if not 0 <= sheet < len(names):
                raise DataError(f"data file {p} has no sheet number {sheet} (0-based; "
                                f"data.sheet); its sheets: {shown}")
            name = names[sheet]
        elif str(sheet) in names:
            name = str(sheet)
        else:
            raise DataError(f"data file {p} has no sheet {str(sheet)!r} (data.sheet); its "
                            f"sheets: {shown}")
        raw = pd.read_excel(book, sheet_name=name, header=None, dtype=object)
    if raw.dropna(how="all").empty:
        raise DataError(f"sheet {name!r} of data file {p} is empty (its sheets: {shown}; "
                        "data.sheet chooses one)")
    raw = raw.dropna(how="all").dropna(axis=1, how="all")
    sheet_rows = raw.index.to_numpy(dtype=int) + 1  # pandas reads from sheet row 1
    raw = raw.reset_index(drop=True)
    raw = raw.astype(object).where(raw.notna(), "")
    df, rows = _with_header(raw, p, f" (sheet {name!r})", sheet_rows)
    df.attrs.update({"sheet": name, "sheets": names})
    return df, rows


def _with_header(raw: pd.DataFrame, p: Path, where: str,
                 lines: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Row 0 as the header (checked for duplicates), the other rows as data; ``lines`` holds the
    file row of each row of ``raw``, returned for the data rows."""
    header = ["" if (isinstance(v, float) and np.isnan(v)) else
              str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()
              for v in raw.iloc[0]]
    header = [h or f"Unnamed: {i}" for i, h in enumerate(header)]
    cols = pd.Index(header)
    dup = cols[cols.duplicated()].unique()
    if len(dup):
        parts = [f"{d!r} at columns "
                 + " and ".join(str(i + 1) for i in np.flatnonzero(cols == d)) for d in dup]
        raise DataError(f"data file {p}{where}: duplicate column name(s) in the header: "
                        + "; ".join(parts) + " (rename one of each)")
    df = raw.iloc[1:].reset_index(drop=True)
    df.columns = cols
    if df.empty:
        raise DataError(f"data file {p}{where} has a header but no rows (0 units)")
    return df, np.asarray(lines[1:], dtype=int)


_MISSING_HINT = ("a number, an empty cell or a missing marker (NA, N/A, n/a, NaN, NULL, #N/A, ., "
                 ".., -)")
#: a number written with a decimal comma: thousands groups of exactly three digits (1.234,5)
_COMMA_NUMBER = r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)?(?:,\d+)?(?:[eE][+-]?\d+)?"


def _cell_kinds(s: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masks of text cells, number cells and empty (None/NA) cells of an object column."""
    kind = s.map(type)
    uniq = kind.unique()
    text = {t: issubclass(t, str) for t in uniq}
    number = {t: issubclass(t, int | float | np.number) and not issubclass(t, bool | np.bool_)
              for t in uniq}
    is_text = kind.map(text).to_numpy(dtype=bool)
    is_num = kind.map(number).to_numpy(dtype=bool)
    is_null = s.isna().to_numpy() & ~is_num
    return is_text, is_num, is_null


def _comma_numbers(t: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Decimal-comma texts as point-decimal texts, and the mask of ambiguous ones (digits and
    separators that do not fit ``1234,5`` / ``1.234,5``, e.g. ``12.5``)."""
    ok = (t.str.fullmatch(_COMMA_NUMBER) & t.str.contains(r"\d", regex=True)).to_numpy(bool)
    numberish = t.str.fullmatch(r"[+-]?[\d.,]*\d[\d.,]*").to_numpy(bool)
    out = t.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    return out.where(ok, "x"), numberish & ~ok


#: the row reported for each 0-based position of a table: an array of the file (or sheet) rows,
#: or an offset added to the position (0 for a DataFrame given by the caller)
Rows = int | np.ndarray


def _row(rows: Rows, pos: int) -> int:
    """The row number reported for the 0-based position ``pos`` of a table."""
    return int(pos + rows) if np.ndim(rows) == 0 else int(rows[pos])


def _unit(units: pd.Series | None, pos: int) -> str:
    if units is None or not str(units.iloc[pos]):
        return ""
    return f" (unit {units.iloc[pos]!r})"


def _collapse(problems: list[Problem], keep: int = 3) -> list[Problem]:
    """At most ``keep`` problems of one kind per column, then one line counting the rest (a file
    read with the wrong decimal mark must not list thousands of cells)."""
    groups: dict[tuple[Any, str], list[Problem]] = {}
    for p in problems:
        groups.setdefault((p.column, p.message.split(" (unit ")[0]), []).append(p)
    out: list[Problem] = []
    for (col, msg), ps in groups.items():
        out += ps[:keep]
        if len(ps) > keep:
            out.append(Problem(f"... and {len(ps) - keep} more row(s) with the same problem "
                               f"({msg})", file=ps[0].file, column=col))
    return out


def _to_float(col: pd.Series, *, name: str, source: str, row_offset: Rows,
              problems: list[Problem], decimal: str = ".",
              units: pd.Series | None = None) -> pd.Series:
    """Parse a column to float64; every non-numeric value is a problem (row numbers as in the
    file: ``row_offset`` maps positions to rows, see :func:`_row`). Text is parsed with the
    ``decimal`` mark; numbers (a numeric dtype or Excel number cells) are taken as they are;
    booleans and other objects are problems; so is ``inf``."""
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        out = col.astype("float64")
        _inf_problems(out, col, name, source, row_offset, problems, units)
        return out
    s = col.astype(object)
    is_text, is_num, is_null = _cell_kinds(s)
    num = pd.Series(np.nan, index=s.index, dtype="float64")
    if is_num.any():
        num[is_num] = pd.to_numeric(s[is_num]).astype("float64").to_numpy()
    txt = s[is_text].astype(str).str.strip()
    marker = txt.isin(list(MISSING_STRINGS)).to_numpy(bool)
    parse = is_text.copy()
    parse[is_text] = ~marker
    bad = ~(is_num | is_null | is_text)  # booleans, lists, dates, ...
    t = txt[~marker]
    ambiguous = np.zeros(len(s), dtype=bool)
    if decimal == "," and len(t):
        t, amb = _comma_numbers(t)
        ambiguous[parse] = amb
        for pos in np.flatnonzero(ambiguous):
            problems.append(Problem(
                "a number that does not fit data.decimal ','" + _unit(units, pos), file=source,
                row=_row(row_offset, pos),
                column=name, value=s.iloc[pos],
                expected="a decimal comma and thousands groups of exactly three digits (1234,5 "
                         "or 1.234,5); '.' alone is not a decimal mark here"))
    if len(t):
        num[parse] = pd.to_numeric(t, errors="coerce").astype("float64").to_numpy()
        bad |= parse & num.isna().to_numpy() & ~ambiguous
    for pos in np.flatnonzero(bad):
        problems.append(Problem("non-numeric value in a numeric column" + _unit(units, pos),
                                file=source, row=_row(row_offset, pos), column=name,
                                value=s.iloc[pos], expected=_MISSING_HINT))
    _inf_problems(num, s, name, source, row_offset, problems, units)
    return num


def _inf_problems(out: pd.Series, orig: pd.Series, name: str, source: str, row_offset: Rows,
                  problems: list[Problem], units: pd.Series | None = None) -> None:
    for pos in np.flatnonzero(np.isinf(out.to_numpy(dtype="float64"))):
        problems.append(Problem("infinite value (or a number too large for a float)"
                                + _unit(units, pos), file=source, row=_row(row_offset, pos),
                                column=name,
                                value=orig.iloc[pos], expected="a finite number"))


def load_data(
    source: str | Path | pd.DataFrame,
    framework: Framework,
    section: DataSection | None = None,
) -> Dataset:
    """Load a wide or long table and align it with ``framework``.

    Parameters
    ----------
    source
        A CSV/Excel path or a DataFrame (not modified).
    framework
        The indicator tree: its metrics must all be present.
    section
        The config's ``data`` section (column names, format, groups, denominators, encoding,
        decimal mark, sheet).

    Returns
    -------
    Dataset
        ``extra["unused_columns"]`` lists numeric data columns the framework does not use (a
        note for the user, e.g. a misspelt metric code), ``extra["sheet"]`` the Excel sheet read.

    Raises
    ------
    ValidationError
        With every problem found (file, row, column, value, what was expected).
    DataError
        A file that cannot be read at all (see :func:`read_table`), or no rows.
    """

    sec = section or DataSection()
    if isinstance(source, pd.DataFrame):
        df, name, rows = source.copy(), "<DataFrame>", 0  # 0-based positions
        _check_frame(df)
    elif sec.reader is not None:
        df, name, rows = _named_reader(sec.reader, Path(source)), str(source), 0
    else:
        df, rows = _read_rows(source, sec.sheet, sec.encoding)  # rows of the file
        name = str(source)
    fmt = sec.format
    if fmt == "auto":
        fmt = "long" if (sec.metric_column in df.columns and sec.value_column in df.columns) else "wide"
    if fmt == "long":
        df = _long_to_wide(df, sec, name, rows)
        rows = 0  # rows of the pivoted table have no file row
    elif fmt != "wide":
        raise DataError(f"data.format must be auto, wide or long, got {fmt!r}")
    return _from_wide(df, framework, sec, name, rows)


def _check_frame(df: pd.DataFrame) -> None:
    """A DataFrame given as data: unique column labels and at least one row."""
    cols = pd.Index([str(c) for c in df.columns])
    dup = cols[cols.duplicated()].unique()
    if len(dup):
        raise DataError("the data have duplicate column label(s): " + "; ".join(
            f"{d!r} at positions " + " and ".join(str(i + 1) for i in np.flatnonzero(cols == d))
            for d in dup) + " (rename one of each)")
    if len(df) == 0:
        raise DataError("the data have no rows (0 units)")


def _named_reader(reader: str, path: Path) -> pd.DataFrame:
    """Readers for known published file layouts (``data.reader`` in the config)."""
    if reader == "gii_mendeley":
        from .gii import read_gii_panel

        return read_gii_panel(path)
    if reader == "gaiii_panel":
        from .gaiii import read_gaiii_panel

        return read_gaiii_panel(path)
    raise DataError(f"unknown data.reader {reader!r}; known readers: gii_mendeley, gaiii_panel")


def _long_to_wide(df: pd.DataFrame, sec: DataSection, name: str,
                  rows: Rows = 0) -> pd.DataFrame:
    unit = sec.unit_column if sec.unit_column in df.columns else next(
        (c for c in _LONG_UNIT if c in df.columns), None)
    if unit is None:
        raise DataError(f"long table {name} has no unit column (looked for {sec.unit_column!r} "
                        f"and {list(_LONG_UNIT)})")
    year = sec.year_column if sec.year_column in df.columns else next(
        (c for c in _LONG_YEAR if c in df.columns), None)
    keys = [unit] + ([year] if year else []) + [sec.metric_column]
    dup = df.duplicated(keys, keep=False)
    if dup.any():
        rows = df.loc[dup, keys].drop_duplicates().head(10).to_dict("records")
        raise ValidationError([Problem("duplicate (unit, year, metric) rows in long table",
                                       file=name, value=rows,
                                       expected="one value per unit, year and metric")],
                              title="invalid data")
    idx = [unit] + ([year] if year else [])
    problems: list[Problem] = []
    df = df.copy()
    df[sec.value_column] = _to_float(df[sec.value_column], name=sec.value_column, source=name,
                                     row_offset=rows, problems=problems, decimal=sec.decimal)
    if problems:
        raise ValidationError(_collapse(problems), title=f"invalid data {name}")
    wide = df.pivot(index=idx, columns=sec.metric_column, values=sec.value_column)
    wide.columns.name = None
    # unit attributes (name, group columns, ...) repeated on every row of a unit: keep them
    attrs = [c for c in df.columns if c not in (*idx, sec.metric_column, sec.value_column)]
    if attrs:
        a = df[idx + attrs].astype({c: object for c in attrs})
        a = a.replace("", None)
        n_distinct = a.groupby(idx, sort=False)[attrs].nunique(dropna=True)
        clash = n_distinct[(n_distinct > 1).any(axis=1)]
        if len(clash):
            cols = [c for c in attrs if (clash[c] > 1).any()]
            raise ValidationError([Problem("a unit attribute differs between the rows of one unit "
                                           "in a long table", file=name,
                                           value={"units": [str(u) for u in clash.index[:10]],
                                                  "columns": cols},
                                           expected="one value per unit (and year)")],
                                  title="invalid data")
        first = a.groupby(idx, sort=False)[attrs].first()
        wide = wide.join(first)
    wide = wide.reset_index().rename(columns={unit: sec.unit_column})
    if year:
        wide = wide.rename(columns={year: sec.year_column})
    return wide


def _unit_codes(df: pd.DataFrame, sec: DataSection, name: str, rows: Rows,
                problems: list[Problem]) -> tuple[pd.Series, np.ndarray]:
    """Unit codes as stripped text, and the mask of empty ones (each one a problem)."""
    ucol = sec.unit_column
    if ucol not in df.columns:
        shown = ", ".join(repr(str(c)) for c in list(df.columns)[:12])
        raise ValidationError([Problem(
            f"unit-code column missing{_sheet_note(df, name)}; the columns are: {shown}",
            file=name, column=ucol, expected=f"a column named {ucol!r} (or set "
                                             "data.unit_column to the column of unit codes)")],
            title="invalid data")
    codes, empty, frac = _code_text(df[ucol])
    for pos in np.flatnonzero(empty):
        problems.append(Problem("empty unit code", file=name, row=_row(rows, pos), column=ucol))
    for pos in np.flatnonzero(frac):
        problems.append(Problem("a unit code must be text or a whole number", file=name,
                                row=_row(rows, pos), column=ucol, value=df[ucol].iloc[pos],
                                expected="a text code (AUT) or a whole number (123)"))
    return codes, empty


def _code_text(values: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Unit codes as stripped text (a whole number such as Excel's 123.0 as ``"123"``), the mask
    of empty codes (``""``) and the mask of numbers that are not whole (``1.5``, ``inf``).

    The one rule for the codes of the data and of a names file (``data.names``)."""
    raw = values.astype(object)
    empty = (raw.isna() | (raw.astype(str).str.strip() == "")).to_numpy()
    kind = raw.map(type)
    is_float = kind.map({t: issubclass(t, float | np.floating) for t in kind.unique()})
    num = pd.to_numeric(raw.where(is_float.astype(bool), None), errors="coerce").astype("float64")
    # whole numbers that a float holds exactly (|x| <= 2**53) become integer text
    as_int = (num.notna() & (num == num.round()) & (num.abs() <= 2.0 ** 53)).to_numpy()
    frac = num.notna().to_numpy() & ~as_int & ~empty
    codes = raw.astype(str).str.strip().where(~empty, "")
    codes = codes.where(~as_int, num.where(as_int).astype("Int64").astype(str))  # 123.0 → "123"
    return codes, empty, frac


def _years(df: pd.DataFrame, ycol: str, name: str, rows: Rows,
           problems: list[Problem]) -> pd.Series | None:
    """The year column as float (whole numbers; missing or fractional years are problems)."""
    if ycol not in df.columns:
        return None
    years = _to_float(df[ycol], name=ycol, source=name, row_offset=rows, problems=problems)
    for pos in np.flatnonzero(years.isna().to_numpy()):
        problems.append(Problem("missing year", file=name, row=_row(rows, pos), column=ycol))
    frac = years.notna() & (years != years.round())
    for pos in np.flatnonzero(frac.to_numpy()):
        problems.append(Problem("a year must be a whole number", file=name, row=_row(rows, pos),
                                column=ycol, value=df[ycol].iloc[pos], expected="e.g. 2018"))
    return years


def _duplicate_unit_problems(codes: pd.Series, years: pd.Series | None, empty: np.ndarray,
                             ucol: str, name: str, rows: Rows) -> list[Problem]:
    """One problem per row whose unit code (and year) is given more than once."""
    key = pd.DataFrame({"u": codes.to_numpy(), "y": years.to_numpy() if years is not None
                        else 0})
    dup = key.duplicated(keep=False).to_numpy() & ~empty
    what = "duplicate unit code" + (" within a year" if years is not None else "")
    return [Problem(what, file=name, row=_row(rows, pos), column=ucol, value=codes.iloc[pos],
                    expected="unique unit codes") for pos in np.flatnonzero(dup)]


def _sheet_note(df: pd.DataFrame, name: str) -> str:
    """For an Excel file read from its first sheet: which sheet, and the others."""
    sheets = df.attrs.get("sheets") or []
    if len(sheets) < 2:
        return ""
    return (f" (read sheet {df.attrs.get('sheet')!r} of {Path(name).name}; its sheets: "
            + ", ".join(repr(s) for s in sheets) + "; set data.sheet to the sheet with the data)")


def _missing_metric_problems(df: pd.DataFrame, fw: Framework, name: str) -> list[Problem]:
    import difflib

    cols = [str(c) for c in df.columns]
    lower = {c.lower(): c for c in cols}
    out = []
    for m in [m for m in fw.metrics if m not in df.columns]:
        close = [lower[m.lower()]] if m.lower() in lower else difflib.get_close_matches(
            m, cols, n=1, cutoff=0.8)
        hint = f"; a column {close[0]!r} is close: rename it?" if close else ""
        out.append(Problem(f"metric {m!r} of the framework is missing from the data{hint}",
                           file=name, column=m, expected="a column for every metric"))
    if out and _sheet_note(df, name):
        out.append(Problem("metric columns missing" + _sheet_note(df, name), file=name))
    return out


def _group_columns(df: pd.DataFrame, fw: Framework, sec: DataSection, denoms: list[str],
                   name: str, problems: list[Problem]) -> list[str]:
    if sec.groups is not None:
        problems += [Problem(f"group column {g!r} missing from the data", file=name, column=g)
                     for g in sec.groups if g not in df.columns]
        return list(sec.groups)
    skip = {sec.unit_column, sec.year_column, sec.name_column}
    return [c for c in df.columns if c in fw.group_columns or (
        c not in skip and c not in fw.metrics and c not in denoms
        and not _looks_numeric(df[c]))]


def _empty_metric_problems(M: pd.DataFrame, name: str) -> list[Problem]:
    """A metric without a single value (in any year) would silently drop out of its group."""
    empty = M.columns[M.isna().all().to_numpy()] if len(M) else []
    return [Problem(f"metric {m!r} has no data: every one of the {len(M)} values is missing",
                    file=name, column=m, expected="at least one value (or drop the metric from "
                                                  "the framework)") for m in empty]


def _from_wide(df: pd.DataFrame, fw: Framework, sec: DataSection, name: str,
               rows: Rows) -> Dataset:
    problems: list[Problem] = []
    codes, empty = _unit_codes(df, sec, name, rows, problems)
    years = _years(df, sec.year_column, name, rows, problems)
    problems += _duplicate_unit_problems(codes, years, empty, sec.unit_column, name, rows)
    metrics = fw.metrics
    problems += _missing_metric_problems(df, fw, name)
    denoms = sec.denominators if sec.denominators is not None else [
        c for c in fw.denominator_columns if c in df.columns]
    problems += [Problem(f"denominator column {d!r} missing from the data", file=name, column=d)
                 for d in denoms if d not in df.columns]
    groups = _group_columns(df, fw, sec, denoms, name, problems)
    num: dict[str, pd.Series] = {}
    for c in [m for m in metrics if m in df.columns] + [d for d in denoms if d in df.columns]:
        num[c] = _to_float(df[c], name=c, source=name, row_offset=rows, problems=problems,
                           decimal=sec.decimal, units=codes)
    if not problems:
        problems += _empty_metric_problems(pd.DataFrame(num)[metrics], name)
    if problems:
        raise ValidationError(_collapse(problems), title=f"invalid data {name}")
    if years is not None:
        index = pd.MultiIndex.from_arrays([codes.to_numpy(), years.astype(int).to_numpy()],
                                          names=["uCode", "Time"])
    else:
        index = pd.Index(codes.to_numpy(), name="uCode")
    M = pd.DataFrame({m: num[m].to_numpy() for m in metrics}, index=index, dtype="float64")
    D = pd.DataFrame({d: num[d].to_numpy() for d in denoms if d in num}, index=index,
                     dtype="float64")
    G = pd.DataFrame({g: df[g].astype(object).where(df[g].astype(str).str.strip() != "", None)
                      .to_numpy() for g in groups if g in df.columns}, index=index)
    names = (df[sec.name_column].astype(str).to_numpy() if sec.name_column in df.columns
             else codes.to_numpy())
    N = pd.Series(names, index=index, name="uName")
    used = {sec.unit_column, sec.year_column, sec.name_column, *metrics, *denoms, *groups}
    unused = [str(c) for c in df.columns if c not in used]
    ds = Dataset(M, G, D, N, name, {"unused_columns": unused} if unused else {})
    if df.attrs.get("sheet") is not None:
        ds.extra["sheet"] = df.attrs["sheet"]
    if years is not None and len(ds.years) == 1:
        ds = ds.cross_section()
        ds.extra["year"] = int(years.iloc[0])
    return ds


def _looks_numeric(col: pd.Series) -> bool:
    if pd.api.types.is_numeric_dtype(col):
        return True
    txt = col.astype(str).str.strip()
    txt = txt[~txt.isin(MISSING_STRINGS)]
    return bool(len(txt)) and pd.to_numeric(txt, errors="coerce").notna().all()
