"""How result objects show themselves in a notebook or a console (``_repr_html_``,
``__repr__``).

A long table shows its first and last rows with a "… N more rows" line; the HTML view also holds
the whole table in a collapsed ``<details>`` element, so no row is ever silently cut (ASEM's
51st country is one click away). Every text is HTML-escaped. Ranks, tiers and counts of whole
numbers print as integers, other numbers with fixed decimals. pandas is imported lazily.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["html_table", "text_table", "html_card", "fmt_value", "HEAD", "TAIL"]

#: rows shown at the top and at the bottom of a long table
HEAD = 10
TAIL = 5
#: words of a column name (split at "_") that mark ranks, tiers, counts, years and rank widths
_INT_WORDS = frozenset({"rank", "ranks", "ranked", "tier", "n", "count", "year", "years", "of",
                        "width"})


def _whole_column(name: Any, s: pd.Series) -> bool:
    import numpy as np
    from pandas.api import types as pt

    if pt.is_integer_dtype(s.dtype):
        return True
    if not pt.is_float_dtype(s.dtype) or not _INT_WORDS & set(str(name).lower().split("_")):
        return False
    v = s.astype("float64").to_numpy(na_value=np.nan)
    v = v[np.isfinite(v)]
    return bool(len(v)) and bool(np.all(v == np.round(v)))


def fmt_value(v: Any, decimals: int = 2, whole: bool = False) -> str:
    """One cell as text: ``—`` for a missing value, integers for whole columns, fixed decimals
    for other numbers, ``str`` for the rest."""
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    try:
        import pandas as pd

        if pd.isna(v):
            return "—"
    except (TypeError, ValueError):
        pass
    if isinstance(v, int) or (whole and isinstance(v, float) and math.isfinite(v)):
        return str(int(v))
    if isinstance(v, float):
        return f"{v:.{decimals}f}"
    try:
        import numpy as np

        if isinstance(v, np.integer):
            return str(int(v))
        if isinstance(v, np.floating):
            return fmt_value(float(v), decimals, whole)
    except ImportError:  # pragma: no cover
        pass
    return str(v)


def _cells(df: pd.DataFrame, decimals: int) -> pd.DataFrame:
    """``df`` with every cell formatted as text (index kept)."""
    import pandas as pd

    out = {}
    for c in df.columns:
        whole = _whole_column(c, df[c])
        out[c] = [fmt_value(v, decimals, whole) for v in df[c].tolist()]
    return pd.DataFrame(out, index=df.index, columns=df.columns)


def _split(df: pd.DataFrame, head: int, tail: int) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    n = len(df)
    if n <= head + tail + 1:
        return df, df.iloc[0:0], 0
    return df.iloc[:head], df.iloc[n - tail:], n - head - tail


def _html_rows(df: pd.DataFrame) -> str:
    e = html.escape
    idx_names = [n for n in df.index.names]
    rows = []
    for key, row in zip(df.index, df.itertuples(index=False), strict=True):
        keys = key if isinstance(key, tuple) else (key,)
        rows.append("<tr>" + "".join(f"<th>{e(str(k))}</th>" for k in keys[:len(idx_names)])
                    + "".join(f"<td>{e(str(v))}</td>" for v in row) + "</tr>")
    return "".join(rows)


def _html_head(df: pd.DataFrame) -> str:
    e = html.escape
    idx = "".join(f"<th>{e(str(n)) if n is not None else ''}</th>" for n in df.index.names)
    return "<thead><tr>" + idx + "".join(f"<th>{e(str(c))}</th>" for c in df.columns) \
        + "</tr></thead>"


def html_table(df: pd.DataFrame, *, decimals: int = 2, head: int = HEAD, tail: int = TAIL,
               what: str = "rows") -> str:
    """An escaped HTML table: first ``head`` and last ``tail`` rows with a "… N more rows" row
    between them, and the whole table in a collapsed ``<details>`` element below.

    Parameters
    ----------
    df
        The table (its index labels the rows).
    decimals
        Decimals of numbers that are not whole ranks, tiers or counts.
    head, tail
        Rows shown before and after the gap.
    what
        What a row is, for the "… N more rows" line (``"units"``, ``"rows"``).

    Returns
    -------
    str
        HTML (a ``<table>``, and a ``<details>`` with every row when some were left out).
    """
    cells = _cells(df, decimals)
    top, bottom, hidden = _split(cells, head, tail)
    ncol = len(df.columns) + len(df.index.names)
    gap = (f"<tr><td colspan='{ncol}' style='text-align:center'>… {hidden} more {html.escape(what)}"
           " (all of them below)</td></tr>") if hidden else ""
    table = (f"<table class='dataframe'>{_html_head(cells)}<tbody>{_html_rows(top)}{gap}"
             f"{_html_rows(bottom)}</tbody></table>")
    if not hidden:
        return table
    return (table + f"<details><summary>all {len(df)} {html.escape(what)}</summary>"
            f"<table class='dataframe'>{_html_head(cells)}<tbody>{_html_rows(cells)}</tbody>"
            "</table></details>")


def text_table(df: pd.DataFrame, *, decimals: int = 2, head: int = HEAD, tail: int = TAIL,
               what: str = "rows") -> str:
    """The first and last rows of ``df`` as plain text, with a "… N more rows" line."""
    import pandas as pd

    cells = _cells(df, decimals)
    top, bottom, hidden = _split(cells, head, tail)
    with pd.option_context("display.max_rows", None, "display.max_columns", None,
                           "display.width", 120):
        text = pd.concat([top, bottom]).to_string()
    if not hidden:
        return text
    lines = text.split("\n")
    n_head = len(lines) - len(bottom)
    return "\n".join(lines[:n_head] + [f"… {hidden} more {what}"] + lines[n_head:])


def html_card(title: str, lines: Sequence[str] = (), body: str = "") -> str:
    """A heading, escaped lines of text, then ``body`` (HTML built by :func:`html_table`)."""
    e = html.escape
    return (f"<div><h4>{e(title)}</h4>" + "".join(f"<p>{e(x)}</p>" for x in lines) + body
            + "</div>")
