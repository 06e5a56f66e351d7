"""Reader of the bundled Global AI Innovation Index panel (``data.reader: gaiii_panel``).

``aiindex/data/gaiii_panel/panel_long.csv`` (a byte-identical copy of the project's shared
``gaiii_panel`` compilation, see its README) is a tidy table with one row per *observed* value::

    uCode, year, metric, value, source_id, note

``source_id`` and ``note`` differ from metric to metric, so they are not unit attributes and the
generic long-table reader would refuse them. :func:`read_gaiii_panel` keeps the four data columns
(the provenance of every value stays in the file and in ``sources.csv``); a missing
(country, year, metric) has no row and becomes ``NaN``, never 0.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import DataError

__all__ = ["read_gaiii_panel", "GAIII_PANEL_COLUMNS"]

#: the data columns of ``panel_long.csv``
GAIII_PANEL_COLUMNS = ("uCode", "year", "metric", "value")


def read_gaiii_panel(path: str | Path) -> pd.DataFrame:
    """Read ``panel_long.csv`` of the GAIII panel as a long table (every cell as text).

    Parameters
    ----------
    path
        The ``panel_long.csv`` file.

    Returns
    -------
    DataFrame
        Columns ``uCode, year, metric, value`` (text; numbers are parsed by the long-table
        reader with its checks).

    Raises
    ------
    DataError
        The file does not exist or lacks one of the four columns.
    """
    p = Path(path)
    if not p.exists():
        raise DataError(f"GAIII panel file not found: {p}")
    t = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in GAIII_PANEL_COLUMNS if c not in t.columns]
    if missing:
        raise DataError(f"GAIII panel file {p} lacks column(s) {missing}; expected "
                        f"{list(GAIII_PANEL_COLUMNS)} (+ source_id, note)")
    return t[list(GAIII_PANEL_COLUMNS)].copy()
