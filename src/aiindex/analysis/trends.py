"""Trends over a panel: per-unit change, growth, slope and rank change; gaps between units.

:func:`trends` summarises each unit's path (absolute change, compound annual growth rate, OLS
slope per year, rank change) over a :class:`~aiindex.pipeline.PanelResult`; :func:`gaps` gives
the score gap between two units by year (chart: :func:`aiindex.outputs.charts.plot_gap`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError
from ..pipeline.panel import PanelResult

__all__ = ["trends", "gaps"]


def _first_last(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column positions of the first and last True of each row (rows need one True)."""
    first = np.argmax(M, axis=1)
    last = M.shape[1] - 1 - np.argmax(M[:, ::-1], axis=1)
    return first, last


def trends(panel: PanelResult, node: str | None = None) -> pd.DataFrame:
    """Per-unit change of a node's score between its first and last scored year.

    Parameters
    ----------
    panel
        A :class:`PanelResult`.
    node
        Node code (default: the index).

    Returns
    -------
    DataFrame (index ``uCode``)
        ``first_year, last_year, n_years, score_first, score_last, change`` (last − first),
        ``cagr_pct`` (compound annual growth rate in **percent per year**: 2.0 means +2 % a
        year), ``slope`` (OLS slope of score on year over the scored years, points/year),
        ``rank_first, rank_last, rank_change`` (``rank_first − rank_last``: positive = moved up),
        ``note``.

    Notes
    -----
    ``cagr_pct = 100 · ((score_last / score_first) ** (1 / (last_year − first_year)) − 1)``:
    growth is in percent per year everywhere in aiindex (this table, ``aiindex trends``, its
    ``trends.csv``, the report). It is defined only for ``score_first > 0``, ``score_last >= 0``
    and two distinct years; otherwise (e.g. z-scores, which are negative for half of the units,
    or a unit scored in one year only) ``cagr_pct`` is ``NaN`` and ``note`` says why. A score
    that falls to 0 gives ``cagr_pct = −100``.
    Ranks are within each year, so with units entering or leaving the panel (GII) a rank change
    also reflects coverage.
    """
    S = panel.scores(node)
    R = panel.ranks(node).reindex(S.index).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    Y = S.to_numpy(dtype=float)
    t = np.asarray(S.columns, dtype=float)
    M = ~np.isnan(Y)
    n = M.sum(axis=1)
    has = n > 0
    first, last = _first_last(M)
    rows = np.arange(len(Y))
    y0 = np.where(has, Y[rows, first], np.nan)
    y1 = np.where(has, Y[rows, last], np.nan)
    t0 = np.where(has, t[first], np.nan)
    t1 = np.where(has, t[last], np.nan)
    span = t1 - t0
    ok = has & (span > 0) & (y0 > 0) & (y1 >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        cagr = np.where(ok, (y1 / y0) ** (1.0 / np.where(ok, span, 1.0)) - 1.0, np.nan)
    # OLS slope, centred on the first value so that a constant series gives exactly 0
    Yc = np.where(M, Y - y0[:, None], 0.0)
    Tm = np.where(M, t[None, :], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        tbar = Tm.sum(axis=1) / n
        ybar = Yc.sum(axis=1) / n
        dt = np.where(M, t[None, :] - tbar[:, None], 0.0)
        slope = np.where(n >= 2, (dt * (Yc - ybar[:, None])).sum(axis=1)
                         / (dt**2).sum(axis=1), np.nan)
    note = np.full(len(Y), "", dtype=object)
    note[has & ~(span > 0)] = "one year only: no CAGR or slope"
    note[has & (span > 0) & ~(y0 > 0)] = "first score <= 0: no CAGR"
    note[has & (span > 0) & (y0 > 0) & ~(y1 >= 0)] = "last score < 0: no CAGR"
    note[~has] = "never scored"
    r0 = np.where(has, R[rows, first], np.nan)
    r1 = np.where(has, R[rows, last], np.nan)
    out = pd.DataFrame({
        "first_year": pd.array(np.where(has, t0, np.nan), dtype="Float64").astype("Int64"),
        "last_year": pd.array(np.where(has, t1, np.nan), dtype="Float64").astype("Int64"),
        "n_years": n.astype(int), "score_first": y0, "score_last": y1, "change": y1 - y0,
        "cagr_pct": 100.0 * cagr, "slope": slope,
        "rank_first": pd.array(r0, dtype="Float64").astype("Int64"),
        "rank_last": pd.array(r1, dtype="Float64").astype("Int64"),
        "rank_change": pd.array(r0 - r1, dtype="Float64").astype("Int64"),
        "note": note}, index=S.index)
    out.index.name = "uCode"
    return out


def gaps(panel: PanelResult, a: str, b: str, node: str | None = None) -> pd.DataFrame:
    """Score gap between units ``a`` and ``b`` in every year.

    Parameters
    ----------
    panel
        A :class:`~aiindex.pipeline.PanelResult`.
    a, b
        Unit codes.
    node
        Node whose scores are compared (default: the index).

    Returns
    -------
    DataFrame
        ``year, score_a, score_b, gap`` (``score_a − score_b``), ``rank_a, rank_b, note``; a year
        in which either unit has no score has ``gap`` NaN and a ``note`` naming the unit.
    """
    S = panel.scores(node)
    R = panel.ranks(node)
    for u in (a, b):
        if u not in S.index:
            raise DataError(f"unit {u!r} is not in the panel (node {panel._node(node)!r})")
    sa, sb = S.loc[a], S.loc[b]
    note = np.full(len(S.columns), "", dtype=object)
    note[sb.isna().to_numpy()] = f"{b} not scored"
    note[sa.isna().to_numpy()] = f"{a} not scored"
    note[(sa.isna() & sb.isna()).to_numpy()] = f"{a} and {b} not scored"
    return pd.DataFrame({"year": np.asarray(S.columns, dtype=int), "score_a": sa.to_numpy(),
                         "score_b": sb.to_numpy(), "gap": (sa - sb).to_numpy(),
                         "rank_a": R.loc[a].to_numpy(), "rank_b": R.loc[b].to_numpy(),
                         "note": note})
