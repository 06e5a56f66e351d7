"""Missing-data imputation (stage ``impute``), following COINr ``Impute()`` where it overlaps.

Source followed: ``bluefoxr/COINr`` ``R/impute.R`` (``Impute.data.frame``, ``i_mean``,
``i_median``, ``i_mean_grp``, ``i_median_grp``, ``impute_panel``).

Registered methods (registry :data:`IMPUTERS`) have the signature
``f(X: pd.DataFrame, cols: list[str], ctx: StageContext, /, *, <params>) -> pd.DataFrame``:
they receive the whole table ``X`` (row-wise methods need sibling metrics) and return the
columns ``cols`` with some missing cells filled. :func:`apply` then writes **only** into cells
that were missing, so an observed value can never change (COINr checks the same), and logs
every filled cell.

Cross-sectional methods (one year, ``X`` indexed by ``uCode``):

* ``mean`` / ``median`` (COINr ``i_mean`` / ``i_median``): the column mean/median of the
  observed values.
* ``group_mean`` / ``group_median`` (COINr ``i_mean_grp`` / ``i_median_grp``), params
  ``group`` (a column of ``ctx.groups``) and ``fallback`` (``None`` | ``"mean"`` |
  ``"median"``): the mean/median of the observed values of the unit's group. A unit with a
  missing group value → ``DataError`` naming unit and column (COINr's ``skip_f_na = TRUE``
  would silently leave it; we refuse). A group with no observed value for a metric →
  ``DataError`` naming group and metric, unless ``fallback`` is given, in which case the
  overall column mean/median of the metric is used for that group.
* ``parent_mean`` (COINr ``Impute(impute_by = "row", group_level = 2)``), params
  ``normalize: bool = True`` (COINr's default ``normalise_first = TRUE`` for row-wise) and
  ``use_direction: bool = True``: a unit's missing metric gets the mean of that unit's observed
  values of the *other* metrics with the same parent (the siblings present in ``X``, taken
  before any imputation of this stage, so the result does not depend on column order). With
  ``normalize=True`` every sibling column ``j`` is first multiplied by its direction
  ``s_j`` (``ctx.framework.nodes[j].direction`` when ``use_direction``, else 1) and min-max
  scaled with its observed min/max: ``z = (s*x - min(s*x)) / (max(s*x) - min(s*x))``; the
  row mean ``m`` of ``z`` is mapped back with the target column's bounds:
  ``x = (m * (max - min) + min) * s`` (exactly COINr's inverse). A unit with no observed
  sibling → ``DataError``; a constant sibling column with ``normalize=True`` → ``DataError``.

Panel methods (registered with ``panel=True``) work on a frame with a ``(uCode, Time)``
MultiIndex and ``Time`` numeric. When :func:`apply` gets a one-year ``X``, it uses
``ctx.panel`` (same metrics, same scale as ``X``) with the ``ctx.year`` rows replaced by ``X``,
imputes the panel and takes the ``ctx.year`` slice:

* ``latest`` (COINr ``impute_panel(imp_type = "latest")``), param ``max_time: int | None``:
  the last observed value at an **earlier** time point, looking back at most ``max_time`` time
  points of the panel (``None``: all). Later values are **never** used, so the first years may
  stay missing.
* ``interpolate``: linear interpolation in ``Time`` between the nearest observed earlier and
  later values; no extrapolation (cells before the first / after the last observation stay
  missing).
* ``interpolate_extrapolate`` (COINr ``impute_panel(imp_type = "linear")``, i.e.
  ``stats::approx(rule = 2)``): linear inside, constant (nearest observed value) outside. A
  series with a single observation is filled with that value (R's ``approx`` would stop).
* ``none``: nothing is imputed.

Errors: a metric with all values missing → ``DataError`` naming the metric (for ``mean``,
``median`` and the group methods); cells a method cannot fill stay missing and are counted in
``info["remaining_missing"]`` (nothing *becomes* missing).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, MethodError
from ..registry import Registry
from .base import MethodChoice, StageContext, StageOutput, empty_log

__all__ = [
    "IMPUTERS",
    "apply",
    "censored",
    "group_mean",
    "group_median",
    "interpolate",
    "interpolate_extrapolate",
    "latest",
    "mean",
    "median",
    "none",
    "parent_mean",
]

IMPUTERS: Registry[Callable[..., pd.DataFrame]] = Registry("imputer")

LOG_COLUMNS = ["uCode", "Time", "metric", "method", "value"]


def _check_not_all_missing(X: pd.DataFrame, cols: list[str], method: str) -> None:
    empty = [c for c in cols if X[c].notna().sum() == 0 and X[c].isna().any()]
    if empty:
        raise DataError(
            f"impute ({method}): metric(s) {empty} have no observed value; cannot impute"
        )


# --------------------------------------------------------------------------- column methods


@IMPUTERS.register("mean", aliases=("i_mean",))
def mean(X: pd.DataFrame, cols: list[str], ctx: StageContext, /) -> pd.DataFrame:
    """Fill with the column mean of the observed values (COINr ``i_mean``)."""
    _check_not_all_missing(X, cols, "mean")
    Y = X[cols]
    return Y.fillna(Y.mean())


@IMPUTERS.register("median", aliases=("i_median",))
def median(X: pd.DataFrame, cols: list[str], ctx: StageContext, /) -> pd.DataFrame:
    """Fill with the column median of the observed values (COINr ``i_median``)."""
    _check_not_all_missing(X, cols, "median")
    Y = X[cols]
    return Y.fillna(Y.median())


def _groups(X: pd.DataFrame, ctx: StageContext, group: str) -> pd.Series:
    g = ctx.groups
    if g is None or group not in g.columns:
        have = [] if g is None else list(g.columns)
        raise DataError(f"impute: unknown group column {group!r}; available group columns: {have}")
    absent = X.index.difference(g.index)
    if len(absent):
        raise DataError(f"impute: unit(s) {list(absent)} have no row in the group table (column {group!r})")
    s = g.loc[X.index, group]
    miss = s.isna().to_numpy()
    if miss.any():
        raise DataError(
            f"impute: unit(s) {list(X.index[miss])} have a missing value in group column {group!r}"
        )
    return s.astype(str)


def _group_fill(
    X: pd.DataFrame, cols: list[str], ctx: StageContext, group: str, stat: str, fallback: str | None
) -> pd.DataFrame:
    if fallback not in (None, "mean", "median"):
        raise MethodError(f"impute group_{stat}: fallback must be None, 'mean' or 'median', got {fallback!r}")
    _check_not_all_missing(X, cols, f"group_{stat}")
    g = _groups(X, ctx, group)
    Y = X[cols]
    by = Y.groupby(g.to_numpy(), sort=True)
    stats = by.mean() if stat == "mean" else by.median()  # groups × cols
    fill = stats.reindex(g.to_numpy()).set_axis(Y.index)  # units × cols
    need = Y.isna() & fill.isna()
    if need.to_numpy().any():
        if fallback is None:
            bad = sorted(
                {(gr, c) for c in cols for gr in g[need[c].to_numpy()].unique()}
            )
            raise DataError(
                f"impute group_{stat} by {group!r}: no observed value in group/metric "
                + ", ".join(f"({gr!r}, {c!r})" for gr, c in bad)
                + "; give fallback='mean' or 'median' to use the overall value"
            )
        overall = Y.mean() if fallback == "mean" else Y.median()
        fill = fill.fillna(overall)
    return Y.fillna(fill)


@IMPUTERS.register("group_mean", aliases=("i_mean_grp",))
def group_mean(
    X: pd.DataFrame, cols: list[str], ctx: StageContext, /, *, group: str, fallback: str | None = None
) -> pd.DataFrame:
    """Fill with the mean of the unit's group (COINr ``i_mean_grp``), see module docstring."""
    return _group_fill(X, cols, ctx, group, "mean", fallback)


@IMPUTERS.register("group_median", aliases=("i_median_grp",))
def group_median(
    X: pd.DataFrame, cols: list[str], ctx: StageContext, /, *, group: str, fallback: str | None = None
) -> pd.DataFrame:
    """Fill with the median of the unit's group (COINr ``i_median_grp``)."""
    return _group_fill(X, cols, ctx, group, "median", fallback)


@IMPUTERS.register("parent_mean", aliases=("row_mean",))
def parent_mean(
    X: pd.DataFrame,
    cols: list[str],
    ctx: StageContext,
    /,
    *,
    normalize: bool = True,
    use_direction: bool = True,
) -> pd.DataFrame:
    """Row-wise mean of the unit's sibling metrics (same parent); see module docstring."""
    fw = ctx.framework
    out = X[cols].copy()
    by_parent: dict[str, list[str]] = {}
    for c in cols:
        p = fw.nodes[c].parent
        if p is None:
            raise DataError(f"impute parent_mean: metric {c!r} has no parent")
        by_parent.setdefault(p, []).append(c)
    for p, targets in by_parent.items():
        sib = [c for c in fw.children(p) if c in X.columns]
        S = X[sib].to_numpy(dtype=float)
        if normalize:
            sgn = np.array(
                [float(getattr(fw.nodes[c], "direction", 1) or 1) if use_direction else 1.0 for c in sib]
            )
            Sd = S * sgn
            with np.errstate(all="ignore"):
                mn, mx = np.nanmin(Sd, axis=0), np.nanmax(Sd, axis=0)
            const = [c for c, a, b in zip(sib, mn, mx, strict=True) if not a < b]
            if const:
                raise DataError(
                    f"impute parent_mean (normalize=True) under {p!r}: metric(s) {const} are "
                    "constant or empty, min-max normalisation is undefined"
                )
            Z = (Sd - mn) / (mx - mn)
        else:
            Z = S
        obs = ~np.isnan(Z)
        cnt = obs.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            m = np.where(obs, Z, 0.0).sum(axis=1) / cnt
        for c in targets:
            j = sib.index(c)
            miss = np.isnan(S[:, j])
            nobs = miss & (cnt == 0)
            if nobs.any():
                raise DataError(
                    f"impute parent_mean: unit(s) {list(X.index[nobs])} have no observed metric "
                    f"under parent {p!r} (needed for {c!r})"
                )
            v = m * (mx[j] - mn[j]) + mn[j] if normalize else m
            if normalize:
                v = v * sgn[j]
            col = out[c].to_numpy(dtype=float, copy=True)
            col[miss] = v[miss]
            out[c] = col
    return out


@IMPUTERS.register("censored", aliases=("left_censored",))
def censored(
    X: pd.DataFrame, cols: list[str], ctx: StageContext, /, *, fill: str = "half_min",
    fraction: float = 0.5,
) -> pd.DataFrame:
    """Left-censored top-k lists: a missing value is known to lie below the smallest listed one.

    Published "top k" lists (e.g. private AI investment for the top 8 countries) leave every other
    unit blank. For such a metric with smallest listed (observed) value ``m``:

    * ``fill="half_min"`` (default): ``m / 2`` (a common substitution for values below a
      detection limit);
    * ``fill="fraction"``: ``fraction * m`` (``0 <= fraction < 1``);
    * ``fill="zero"``: ``0`` (the lower bound);
    * ``fill="min"``: ``m`` (the upper bound: optimistic for unlisted units).

    Raises ``DataError`` for an all-missing metric and ``MethodError`` for a negative smallest
    value (the bounds above assume a non-negative quantity).
    """
    _check_not_all_missing(X, cols, "censored")
    if fill not in ("half_min", "fraction", "zero", "min"):
        raise MethodError(f"impute 'censored': fill must be half_min, fraction, zero or min, "
                          f"got {fill!r}")
    if not 0 <= fraction < 1:
        raise MethodError(f"impute 'censored': fraction must be in [0, 1), got {fraction}")
    sub = X[cols]
    m = sub.min(skipna=True)
    neg = m[m < 0]
    if len(neg):
        raise MethodError(f"impute 'censored' needs non-negative metrics; smallest listed value "
                          f"is negative for {neg.to_dict()}")
    factor = {"half_min": 0.5, "fraction": fraction, "zero": 0.0, "min": 1.0}[fill]
    return sub.fillna(m * factor)


@IMPUTERS.register("none")
def none(X: pd.DataFrame, cols: list[str], ctx: StageContext, /) -> pd.DataFrame:
    """Impute nothing."""
    return X[cols].copy()


# --------------------------------------------------------------------------- panel methods


def _panel_check(P: pd.DataFrame, method: str) -> None:
    if not isinstance(P.index, pd.MultiIndex) or P.index.nlevels != 2:
        raise DataError(f"impute {method}: needs a (uCode, Time) MultiIndex frame")
    if not pd.api.types.is_numeric_dtype(P.index.get_level_values(1)):
        raise DataError(f"impute {method}: the Time index level must be numeric")
    if P.index.duplicated().any():
        dup = list(P.index[P.index.duplicated()][:5])
        raise DataError(f"impute {method}: duplicated (uCode, Time) rows {dup}")


def _by_time(P: pd.DataFrame, col: str) -> pd.DataFrame:
    """Time × units table of one metric on the full grid of panel times, sorted by time."""
    M = P[col].unstack(level=0)
    M.index = M.index.astype(float)
    return M.sort_index()


def _back(P: pd.DataFrame, cols: list[str], filled: dict[str, pd.DataFrame]) -> pd.DataFrame:
    out = P[cols].copy()
    t = P.index.get_level_values(1).astype(float)
    u = P.index.get_level_values(0)
    for c in cols:
        M = filled[c]
        vals = M.stack(future_stack=True)  # (Time, uCode)
        vals.index = vals.index.set_names(["_t", "_u"])
        key = pd.MultiIndex.from_arrays([t, u], names=["_t", "_u"])
        out[c] = vals.reindex(key).to_numpy(dtype=float)
    return out


@IMPUTERS.register("latest", panel=True)
def latest(P: pd.DataFrame, cols: list[str], ctx: StageContext, /, *, max_time: int | None = None) -> pd.DataFrame:
    """Last observed earlier value, at most ``max_time`` time points back (COINr ``latest``)."""
    _panel_check(P, "latest")
    if max_time is not None and (int(max_time) != max_time or max_time < 1):
        raise MethodError(f"impute latest: max_time must be a positive integer or None, got {max_time!r}")
    # all metrics at once: one Time × (metric, unit) table, filled forward along Time
    M = P[cols].unstack(level=0)
    M.index = M.index.astype(float)
    M = M.sort_index().ffill(limit=None if max_time is None else int(max_time))
    rows = M.index.get_indexer(P.index.get_level_values(1).astype(float))
    units = P.index.get_level_values(0)
    out = P[cols].copy()
    for c in cols:  # a loop over metrics (columns), not units
        sub = M[c]
        out[c] = sub.to_numpy(dtype=float)[rows, sub.columns.get_indexer(units)]
    return out


@IMPUTERS.register("interpolate", panel=True)
def interpolate(P: pd.DataFrame, cols: list[str], ctx: StageContext, /) -> pd.DataFrame:
    """Linear interpolation in time between observed values; no extrapolation."""
    _panel_check(P, "interpolate")
    filled = {c: _by_time(P, c).interpolate(method="index", limit_area="inside") for c in cols}
    return _back(P, cols, filled)


@IMPUTERS.register("interpolate_extrapolate", panel=True)
def interpolate_extrapolate(P: pd.DataFrame, cols: list[str], ctx: StageContext, /) -> pd.DataFrame:
    """Linear inside, constant outside (COINr ``impute_panel(imp_type = "linear")``)."""
    _panel_check(P, "interpolate_extrapolate")
    filled = {
        c: _by_time(P, c).interpolate(method="index", limit_area="inside").ffill().bfill()
        for c in cols
    }
    return _back(P, cols, filled)


# --------------------------------------------------------------------------- stage


def _panel_input(X: pd.DataFrame, cols: list[str], ctx: StageContext, method: str) -> pd.DataFrame:
    if ctx.panel is None or ctx.year is None:
        raise DataError(f"impute {method}: a panel method needs ctx.panel and ctx.year (multi-year data)")
    P = ctx.panel
    missing_cols = [c for c in cols if c not in P.columns]
    if missing_cols:
        raise DataError(f"impute {method}: metric(s) {missing_cols} not in the panel data")
    P = P[cols]
    t = P.index.get_level_values(1)
    keep = P[t != ctx.year]
    cur = X[cols].copy()
    cur.index = pd.MultiIndex.from_arrays(
        [X.index, np.full(len(X), ctx.year)], names=P.index.names
    )
    return pd.concat([keep, cur]).sort_index()


def apply(X: pd.DataFrame, choices: Mapping[str, MethodChoice], ctx: StageContext) -> StageOutput:
    """Impute every metric with its resolved method.

    Parameters
    ----------
    X
        Units × metrics (index ``uCode``), or a panel with a ``(uCode, Time)`` MultiIndex.
    choices
        Metric → :class:`MethodChoice`; metrics without a choice are not imputed.
    ctx
        ``groups`` (group methods), ``framework`` (``parent_mean``), ``panel``/``year``
        (panel methods on a one-year ``X``).

    Returns
    -------
    StageOutput
        ``data``: imputed table (observed values untouched); ``log``: one row per imputed cell
        (``uCode, Time, metric, method, value``; ``Time`` is ``ctx.year`` for one-year data);
        ``info["remaining_missing"]``: Series metric → cells still missing.
    """
    is_panel = isinstance(X.index, pd.MultiIndex)
    batches: dict[tuple[Any, ...], tuple[MethodChoice, list[str]]] = {}
    for c in X.columns:
        ch = choices.get(c, MethodChoice("none"))
        key = ch.key()
        batches.setdefault(key, (ch, []))[1].append(c)
    out = X.copy()
    logs: list[pd.DataFrame] = []
    for ch, cols in batches.values():
        name = IMPUTERS.canonical(ch.method)
        IMPUTERS.check_params(name, ch.params, where=f"impute/{cols[0]}")
        f = IMPUTERS.get(name)
        panel_method = bool(IMPUTERS.meta(name).get("panel", False))
        if panel_method and not is_panel:
            P = _panel_input(X, cols, ctx, name)
            res = f(P, cols, ctx, **dict(ch.params))
            res = res.xs(ctx.year, level=1).reindex(X.index)
        elif is_panel and not panel_method:
            raise MethodError(
                f"impute: {name!r} is a one-year method; run it per year, not on a panel frame"
            )
        else:
            res = f(X, cols, ctx, **dict(ch.params))
        for c in cols:
            old = X[c].to_numpy(dtype=float)
            new = res[c].to_numpy(dtype=float)
            fill = np.isnan(old) & ~np.isnan(new)
            if not np.isfinite(new[fill]).all():
                raise MethodError(f"impute {name}: non-finite imputed value for metric {c!r}")
            col = old.copy()
            col[fill] = new[fill]
            out[c] = col
            if fill.any():
                idx = X.index[fill]
                if is_panel:
                    u, t = idx.get_level_values(0), idx.get_level_values(1)
                else:
                    u, t = idx, [ctx.year] * int(fill.sum())
                logs.append(
                    pd.DataFrame(
                        {"uCode": u, "Time": t, "metric": c, "method": name, "value": new[fill]}
                    )
                )
    log = pd.concat(logs, ignore_index=True) if logs else empty_log(LOG_COLUMNS)
    return StageOutput(data=out, log=log, info={"remaining_missing": out.isna().sum()})
