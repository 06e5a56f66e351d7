"""What the commands print: tables and notes fitted to the terminal, plain text when piped.

* **On a terminal** (standard output is a TTY): tables are drawn with ``rich`` at the width of
  the terminal. Numbers are right-aligned with fixed decimals, ranks and counts are integers.
  A table wider than the terminal first wraps its headers at ``_`` and narrows its text columns
  (words wrap, nothing is cut); if it still does not fit, it is printed in blocks of columns,
  each repeating the row labels, so no column is lost. Headers are bold and row labels coloured,
  unless ``NO_COLOR`` is set (https://no-color.org) or ``TERM=dumb``.
* **Piped or redirected** (``aiindex run | head``, ``> file``, the tests): the same table as plain
  text, no colour and no box characters, at its natural width (``COLUMNS``, when set, fits it to
  that width as on a terminal).

Notes (``note: ...``) wrap at word boundaries at the same width. ``rich`` is imported by the
functions that print, never by ``aiindex --help``.
"""

from __future__ import annotations

import math
import os
import sys
import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["width", "is_terminal", "use_color", "print_table", "format_cells", "note", "echo",
           "MISSING"]

#: how a missing number is printed
MISSING = "—"
#: narrowest width a text column (names, notes) is wrapped to when the table does not fit
MIN_TEXT_WIDTH = 12
#: columns between two table columns (padding of rich's table without a box)
GAP = 2
#: words of a column name (split at "_") that mark ranks, tiers, counts, years and rank widths
_INT_WORDS = frozenset({"rank", "ranks", "ranked", "tier", "n", "count", "year", "years", "of",
                        "width"})


def _stream(stream: TextIO | None) -> TextIO:
    return sys.stdout if stream is None else stream


def is_terminal(stream: TextIO | None = None) -> bool:
    """Whether ``stream`` (default: standard output) is an interactive terminal."""
    s = _stream(stream)
    try:
        return bool(s.isatty())
    except (AttributeError, ValueError):  # closed or not a real file
        return False


def use_color(stream: TextIO | None = None) -> bool:
    """Colours only on a terminal, and never with ``NO_COLOR`` (any value) or ``TERM=dumb``."""
    if "NO_COLOR" in os.environ and os.environ["NO_COLOR"] != "":
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    return is_terminal(stream)


def width(stream: TextIO | None = None) -> int | None:
    """Columns to fit output to: ``COLUMNS`` when set, else the terminal's width on a terminal,
    else ``None`` (piped output keeps its natural width)."""
    cols = os.environ.get("COLUMNS", "")
    if cols.strip().isdigit() and int(cols) > 0:
        return int(cols)
    if is_terminal(stream):
        import shutil

        return shutil.get_terminal_size((80, 24)).columns
    return None


def echo(text: str = "", stream: TextIO | None = None) -> None:
    """Print text; lines longer than :func:`width` wrap at word boundaries."""
    s = _stream(stream)
    w = width(s)
    lines = str(text).split("\n")
    if w is not None:
        lines = [out for line in lines for out in
                 (textwrap.wrap(line, width=max(20, w), break_long_words=False,
                                break_on_hyphens=False, subsequent_indent=_indent(line))
                  if len(line) > w else [line])]
    print("\n".join(lines), file=s)


def _indent(line: str) -> str:
    return line[:len(line) - len(line.lstrip())]


def note(text: str, *, prefix: str = "note: ", stream: TextIO | None = None) -> None:
    """Print a note wrapped at word boundaries to :func:`width` (continuation lines indented)."""
    s = _stream(stream)
    w = width(s)
    body = " ".join(str(text).split())
    if w is None or len(prefix) + len(body) <= w:
        lines = [prefix + body]
    else:
        lines = textwrap.wrap(body, width=max(20, w), initial_indent=prefix,
                              subsequent_indent=" " * len(prefix), break_long_words=False,
                              break_on_hyphens=False)
    if use_color(s) and prefix.strip():
        lines[0] = f"\x1b[33m{prefix}\x1b[0m" + lines[0][len(prefix):]
    print("\n".join(lines), file=s)


# ----------------------------------------------------------------------------- cells
def _is_int_column(name: str, values: Any) -> bool:
    """Float columns holding whole numbers that are ranks, tiers or counts print as integers."""
    import numpy as np

    if not _INT_WORDS & set(str(name).lower().split("_")):
        return False
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return bool(len(v)) and bool(np.all(v == np.round(v)))


def _fmt_number(v: Any, decimals: int) -> str:
    if v is None:
        return MISSING
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if math.isnan(f):
        return MISSING
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    return f"{f:.{decimals}f}"


def format_cells(df: pd.DataFrame, decimals: int | Mapping[str, int] = 2
                 ) -> tuple[list[list[str]], list[bool]]:
    """Every cell of ``df`` as text, column by column, and which columns are numeric.

    Integers (and rank, tier and count columns of whole numbers) print without decimals; other
    numbers with ``decimals`` (a number, or a mapping column → decimals; default 2); missing
    numbers as :data:`MISSING`; missing texts as empty cells; booleans as ``yes``/``no``.
    """
    import pandas as pd
    from pandas.api import types as pt

    cols: list[list[str]] = []
    numeric: list[bool] = []
    for name in df.columns:
        s = df[name]
        d = decimals.get(str(name), 2) if isinstance(decimals, Mapping) else int(decimals)
        if pt.is_bool_dtype(s.dtype):
            cols.append(["" if pd.isna(v) else ("yes" if v else "no") for v in s])
            numeric.append(False)
        elif pt.is_integer_dtype(s.dtype):
            cols.append([MISSING if pd.isna(v) else str(int(v)) for v in s])
            numeric.append(True)
        elif pt.is_float_dtype(s.dtype):
            vals = s.astype("float64").to_numpy(na_value=float("nan"))
            dd = 0 if _is_int_column(str(name), vals) else d
            cols.append([_fmt_number(v, dd) for v in vals])
            numeric.append(True)
        else:
            cols.append(["" if (v is None or (isinstance(v, float) and math.isnan(v))
                                or v is pd.NA) else str(v) for v in s])
            numeric.append(False)
    return cols, numeric


# ----------------------------------------------------------------------------- layout
def _wrap_header(h: str) -> str:
    """A header broken after each ``_`` (``interval_width`` → ``interval_`` / ``width``)."""
    parts = h.split("_")
    if len(parts) == 1:
        return h
    return "\n".join([p + "_" for p in parts[:-1]] + [parts[-1]])


def _head_width(h: str) -> int:
    return max(len(line) for line in h.split("\n"))


def _text_min(cells: Sequence[str], header: str) -> int:
    longest_word = max([len(w) for c in cells for w in c.split()] + [1])
    return max(min(MIN_TEXT_WIDTH, max((len(c) for c in cells), default=1)), longest_word,
               _head_width(header))


def _total(ws: Sequence[int], cols: Sequence[int], n_index: int) -> int:
    idx = list(range(n_index)) + list(cols)
    return sum(ws[i] for i in idx) + GAP * (len(idx) - 1)


def _narrow(headers: list[str], cells: list[list[str]], numeric: list[bool], n_index: int,
            natural: list[int]) -> tuple[list[str], list[int]]:
    """Headers wrapped at ``_`` and text columns narrowed to their longest word (or
    :data:`MIN_TEXT_WIDTH`)."""
    heads = [_wrap_header(h) if i >= n_index else h for i, h in enumerate(headers)]
    widths = [max([_head_width(h)] + [len(c) for c in col]) if num else
              min(nat, _text_min(col, h))
              for h, col, num, nat in zip(heads, cells, numeric, natural, strict=True)]
    return heads, widths


def layout(headers: list[str], cells: list[list[str]], numeric: list[bool], n_index: int,
           avail: int | None) -> list[tuple[list[int], list[str], list[int]]]:
    """Blocks of columns that fit ``avail`` columns: ``(data columns, headers, widths)`` each.

    The ``n_index`` label columns are repeated in every block. A table that fits keeps its
    natural headers; one that does not first wraps headers at ``_`` and narrows its text
    columns, then is cut into blocks of columns (each block fitted again on its own).
    """
    natural = [max([len(h)] + [len(c) for c in col]) for h, col in zip(headers, cells,
                                                                       strict=True)]
    data = list(range(n_index, len(headers)))

    def fit(cols: list[int]) -> tuple[list[int], list[str], list[int]]:
        if avail is None or _total(natural, cols, n_index) <= avail:
            return cols, headers, natural
        heads, narrow = _narrow(headers, cells, numeric, n_index, natural)
        return cols, heads, narrow

    if avail is None or _total(natural, data, n_index) <= avail:
        return [fit(data)]
    _, narrow = _narrow(headers, cells, numeric, n_index, natural)
    blocks: list[list[int]] = [[]]
    for j in data:
        if blocks[-1] and _total(narrow, blocks[-1] + [j], n_index) > avail:
            blocks.append([])
        blocks[-1].append(j)
    return [fit(b) for b in blocks]


# ----------------------------------------------------------------------------- tables
def print_table(df: pd.DataFrame, *, decimals: int | Mapping[str, int] = 2,
                max_rows: int | None = None, index: bool = True,
                stream: TextIO | None = None) -> None:
    """Print ``df`` fitted to the terminal (module docstring).

    Parameters
    ----------
    df
        The table; its index (one or more levels) labels the rows unless ``index=False``.
    decimals
        Decimals of non-integer numbers: one number or a mapping column → decimals.
    max_rows
        Print only the first ``max_rows`` rows (``--top``).
    index
        Print the index as the first column(s).
    stream
        Where to print (default: standard output).
    """
    s = _stream(stream)
    d = df if max_rows is None else df.head(max_rows)
    if index:
        names = [n if n is not None else "" for n in d.index.names]
        d = d.reset_index(names=[str(n) if n else f"_level_{i}" for i, n in enumerate(names)]
                          if len(names) > 1 else [str(names[0]) if names[0] else "_index"])
        n_index = len(names)
        headers = [str(n) for n in names] + [str(c) for c in d.columns[n_index:]]
    else:
        n_index = 0
        headers = [str(c) for c in d.columns]
    cells, numeric = format_cells(d, decimals)
    if n_index:
        numeric[:n_index] = [False] * n_index
    blocks = layout(headers, cells, numeric, n_index, width(s))
    for k, (block, heads, widths) in enumerate(blocks):
        if k:
            print(file=s)
        cols = list(range(n_index)) + block
        if len(blocks) > 1:
            first, last = block[0] - n_index + 1, block[-1] - n_index + 1
            span = f"column {first}" if first == last else f"columns {first}-{last}"
            _caption(f"{span} of {len(headers) - n_index}", s)
        _render(heads, cells, numeric, widths, cols, n_index, len(d), s)


def _caption(text: str, s: TextIO) -> None:
    print(f"\x1b[2m({text})\x1b[0m" if use_color(s) else f"({text})", file=s)


def _render(heads: list[str], cells: list[list[str]], numeric: list[bool], widths: list[int],
            cols: list[int], n_index: int, n_rows: int, s: TextIO) -> None:
    """Draw the columns ``cols`` with rich (colours and a header rule only when allowed).

    Headers and cells are user text (unit names, codes): printed verbatim, never read as rich
    markup or emoji codes (``Korea [rep.]`` keeps its brackets, ``[/]`` is no error)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    color = use_color(s)
    con = Console(file=s, width=100_000, color_system="auto" if color else None,
                  force_terminal=color, no_color=not color, highlight=False, soft_wrap=False,
                  legacy_windows=False, markup=False, emoji=False)
    t = Table(box=box.SIMPLE_HEAD if color else None, show_edge=False, pad_edge=False,
              expand=False, header_style="bold" if color else "", collapse_padding=False,
              padding=(0, 1) if not color else (0, 1, 0, 0))
    for i in cols:
        t.add_column(Text(heads[i]), justify="right" if numeric[i] else "left", width=widths[i],
                     no_wrap=numeric[i], overflow="fold",
                     style=("bold cyan" if i < n_index else None) if color else None,
                     vertical="top")
    for r in range(n_rows):
        t.add_row(*[Text(cells[i][r]) for i in cols])
    con.print(t)
