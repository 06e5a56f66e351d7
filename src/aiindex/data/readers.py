"""Loading and validating raw data: wide COINr ``iData`` tables or tidy long tables.

A wide table has a unit-code column (``uCode``), optionally ``uName`` and ``Time``, group columns
(text), denominator columns and metric columns. A long table has unit, year, metric and value
columns; any other column (``uName``, group columns) is a unit attribute repeated on the rows of a
unit, and is kept (one value per unit and year, else an error).

Cells read as missing in numeric columns: empty, and the markers in :data:`MISSING_STRINGS`
(``NA``, ``N/A``, ``n/a``, ``NaN``, ``NULL``, ``#N/A``, ``.``, ``..``, ``-``, ``–``, ``—``).
Any other text (``85%``, ``1,234``) is an error naming file, row and column. Either comes from CSV, Excel or a DataFrame; the caller's DataFrame is never modified.

Every problem (a text value in a numeric column, a duplicate unit code, a missing unit code, a
metric of the framework missing from the data) is collected and reported together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

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


def read_table(path: str | Path, sheet: str | int | None = None) -> pd.DataFrame:
    """Read a CSV or Excel file with every cell as text (numbers are parsed later, with checks)."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"data file not found: {p}")
    if p.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        df = pd.read_excel(p, sheet_name=sheet if sheet is not None else 0, dtype=object)
        return df.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    sep = ";" if _sniff_semicolon(p) else ","
    return pd.read_csv(p, dtype=str, keep_default_na=False, sep=sep, encoding="utf-8-sig")


def _sniff_semicolon(p: Path) -> bool:
    with open(p, encoding="utf-8-sig", errors="replace") as fh:
        head = fh.readline()
    return head.count(";") > head.count(",")


def _to_float(col: pd.Series, *, name: str, source: str, row_offset: int,
              problems: list[Problem], decimal: str = ".") -> pd.Series:
    """Parse a column to float64; every non-numeric text is a problem (row numbers as in file)."""
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        out = col.astype("float64")
        for pos in np.flatnonzero(np.isinf(out.to_numpy())):
            problems.append(Problem("infinite value", file=source, row=pos + row_offset,
                                    column=name, value=float(out.iloc[pos]),
                                    expected="a finite number"))
        return out
    s = col.astype(object)
    txt = s.astype("string").str.strip()  # column-wise; missing stays <NA>
    is_missing = txt.isna() | txt.isin(list(MISSING_STRINGS))
    if decimal != ".":
        txt = txt.str.replace(".", "", regex=False).str.replace(decimal, ".", regex=False)
    num = pd.to_numeric(txt.where(~is_missing, None), errors="coerce")
    bad = num.isna() & ~is_missing
    for pos in np.flatnonzero(bad.to_numpy()):
        problems.append(Problem("non-numeric value in a numeric column", file=source,
                                row=pos + row_offset, column=name, value=s.iloc[pos],
                                expected="a number, an empty cell or a missing marker "
                                         "(NA, N/A, n/a, NaN, NULL, #N/A, ., .., -)"))
    out = num.astype("float64")
    inf = np.isinf(out.to_numpy())
    for pos in np.flatnonzero(inf):
        problems.append(Problem("infinite value", file=source, row=pos + row_offset, column=name,
                                value=s.iloc[pos], expected="a finite number"))
    return out


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
        The config's ``data`` section (column names, format, groups, denominators).

    Raises
    ------
    ValidationError
        With every problem found (file, row, column, value, what was expected).
    """

    sec = section or DataSection()
    if isinstance(source, pd.DataFrame):
        df, name, offset = source.copy(), "<DataFrame>", 0
    elif sec.reader is not None:
        df, name, offset = _named_reader(sec.reader, Path(source)), str(source), 0
    else:
        df, name, offset = read_table(source, sec.sheet), str(source), 2  # header = row 1
    fmt = sec.format
    if fmt == "auto":
        fmt = "long" if (sec.metric_column in df.columns and sec.value_column in df.columns) else "wide"
    if fmt == "long":
        df = _long_to_wide(df, sec, name)
        offset = 0  # rows of the pivoted table have no file row
    elif fmt != "wide":
        raise DataError(f"data.format must be auto, wide or long, got {fmt!r}")
    return _from_wide(df, framework, sec, name, offset)


def _named_reader(reader: str, path: Path) -> pd.DataFrame:
    """Readers for known published file layouts (``data.reader`` in the config)."""
    if reader == "gii_mendeley":
        from .gii import read_gii_panel

        return read_gii_panel(path)
    if reader == "gaiii_panel":
        from .gaiii import read_gaiii_panel

        return read_gaiii_panel(path)
    raise DataError(f"unknown data.reader {reader!r}; known readers: gii_mendeley, gaiii_panel")


def _long_to_wide(df: pd.DataFrame, sec: DataSection, name: str) -> pd.DataFrame:
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
    offset = 2 if name != "<DataFrame>" else 0  # file rows: header = row 1
    df = df.copy()
    df[sec.value_column] = _to_float(df[sec.value_column], name=sec.value_column, source=name,
                                     row_offset=offset, problems=problems, decimal=sec.decimal)
    if problems:
        raise ValidationError(problems, title=f"invalid data {name}")
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


def _from_wide(df: pd.DataFrame, fw: Framework, sec: DataSection, name: str,
               offset: int) -> Dataset:
    problems: list[Problem] = []
    ucol, ycol = sec.unit_column, sec.year_column
    if ucol not in df.columns:
        raise ValidationError([Problem("unit-code column missing", file=name, column=ucol,
                                       expected=f"a column named {ucol!r}")], title="invalid data")
    codes = df[ucol].astype(object).map(lambda v: v.strip() if isinstance(v, str) else v)
    empty = codes.map(lambda v: v is None or (isinstance(v, float) and np.isnan(v)) or v == "")
    for pos in np.flatnonzero(empty.to_numpy()):
        problems.append(Problem("empty unit code", file=name, row=pos + offset, column=ucol))
    codes = codes.map(lambda v: str(v) if not (v is None or (isinstance(v, float) and np.isnan(v)))
                      else "")
    years = None
    if ycol in df.columns:
        years = _to_float(df[ycol], name=ycol, source=name, row_offset=offset, problems=problems)
        if years.isna().any():
            for pos in np.flatnonzero(years.isna().to_numpy()):
                problems.append(Problem("missing year", file=name, row=pos + offset, column=ycol))
    key = pd.DataFrame({"u": codes, "y": years if years is not None else 0})
    dup = key.duplicated(keep=False) & ~empty.to_numpy()
    for pos in np.flatnonzero(dup.to_numpy()):
        problems.append(Problem("duplicate unit code" + (" within a year" if years is not None else ""),
                                file=name, row=pos + offset, column=ucol, value=codes.iloc[pos],
                                expected="unique unit codes"))
    metrics = fw.metrics
    missing_metrics = [m for m in metrics if m not in df.columns]
    for m in missing_metrics:
        problems.append(Problem(f"metric {m!r} of the framework is missing from the data",
                                file=name, column=m, expected="a column for every metric"))
    denoms = sec.denominators if sec.denominators is not None else [
        c for c in fw.denominator_columns if c in df.columns]
    for d in denoms:
        if d not in df.columns:
            problems.append(Problem(f"denominator column {d!r} missing from the data", file=name,
                                    column=d))
    skip = {ucol, ycol, sec.name_column}
    if sec.groups is not None:
        groups = list(sec.groups)
        for g in groups:
            if g not in df.columns:
                problems.append(Problem(f"group column {g!r} missing from the data", file=name,
                                        column=g))
    else:
        fw_groups = fw.group_columns
        groups = [c for c in df.columns if c in fw_groups or (
            c not in skip and c not in metrics and c not in denoms
            and not _looks_numeric(df[c]))]
    num: dict[str, pd.Series] = {}
    for c in [m for m in metrics if m in df.columns] + [d for d in denoms if d in df.columns]:
        num[c] = _to_float(df[c], name=c, source=name, row_offset=offset, problems=problems,
                           decimal=sec.decimal)
    if problems:
        raise ValidationError(problems, title=f"invalid data {name}")
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
    ds = Dataset(M, G, D, N, name)
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
