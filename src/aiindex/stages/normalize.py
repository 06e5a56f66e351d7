"""Normalisation: put every metric on a common scale (stage ``normalize``).

Registered normalisers (registry :data:`NORMALIZERS`) share one signature::

    f(X: pd.DataFrame, /, *, <keyword params>, reference: pd.DataFrame | None = None) -> pd.DataFrame

* They work column by column; ``X`` is units × metrics, **already multiplied by the metric's
  direction**, so higher is always better and every normaliser is order-preserving (or
  order-agnostic, like ``none``).
* ``reference`` (same columns, any index, e.g. all years stacked) supplies the statistics
  (min, max, mean, sd, reference distribution) instead of ``X``: pooled panel normalisation.
* Missing values stay missing; a column that is entirely missing stays entirely missing.
  Nothing else may become ``NaN`` or ``inf``: when a method cannot produce a value it raises
  :class:`~aiindex.errors.MethodError` naming the metric (and unit, when one is at fault).
* Degenerate columns (a single distinct value) get a defined, documented result per method.

Formulas follow COINr (``R/normalise.R``: ``n_minmax``, ``n_zscore``, ``n_rank``, ``n_borda``,
``n_prank``, ``n_fracmax``, ``n_dist2max``, ``n_dist2ref``, ``n_dist2targ``, ``n_goalposts``) and
the OECD/JRC Handbook (2008); each function's docstring gives its formula.

The stage entry point is :func:`apply` (see ``docs/dev/contract.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import MethodError
from ..registry import Registry
from .base import MethodChoice, StageContext, StageOutput

__all__ = ["NORMALIZERS", "apply", "check_no_new_missing"]

Normalizer = Callable[..., pd.DataFrame]

NORMALIZERS: Registry[Normalizer] = Registry("normalizer")
"""Registry of normalisers; register your own with ``@NORMALIZERS.register("name")``."""


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _as_float(X: pd.DataFrame, what: str = "X") -> pd.DataFrame:
    if not isinstance(X, pd.DataFrame):
        raise MethodError(f"normalizer input {what} must be a pandas DataFrame, got {type(X).__name__}")
    try:
        return X.astype("float64")
    except (TypeError, ValueError) as exc:
        raise MethodError(f"normalizer input {what} has non-numeric columns: {exc}") from exc


def _ref(X: pd.DataFrame, reference: pd.DataFrame | None) -> pd.DataFrame:
    """The table the statistics come from: ``reference`` (checked) or ``X`` itself."""
    if reference is None:
        return X
    R = _as_float(reference, "reference")
    missing = [c for c in X.columns if c not in R.columns]
    if missing:
        raise MethodError(f"reference table lacks metric(s) {missing}")
    return R[list(X.columns)]


def _stat(X: pd.DataFrame, R: pd.DataFrame, func: str, method: str) -> pd.Series:
    """Column statistic of ``R``; error if undefined for a column of X that has data."""
    s = getattr(R, func)(axis=0)
    s = s.astype("float64")
    bad = [c for c in X.columns if np.isnan(s[c]) and X[c].notna().any()]
    if bad:
        raise MethodError(
            f"normalizer {method!r}: reference data are all missing for metric(s) {bad}, "
            "so its statistics are undefined"
        )
    return s


def _per_metric(value: Any, columns: Sequence[str], name: str, method: str) -> dict[str, Any]:
    """Expand a scalar-or-mapping parameter to a dict metric → value."""
    if isinstance(value, Mapping):
        missing = [c for c in columns if c not in value]
        if missing:
            raise MethodError(f"normalizer {method!r}: parameter {name!r} has no entry for metric(s) {missing}")
        return {c: value[c] for c in columns}
    return {c: value for c in columns}


def _rank_against(X: pd.DataFrame, R: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Min-tie ranks (1 = lowest) of X's values within R's distribution, and R's counts.

    rank(x) = 1 + #{r in R : r < x}; with R = X this is ``rank(x, ties="min")``.
    """
    out = {}
    counts = {}
    for c in X.columns:  # loop over metrics (columns), not units
        ref = np.sort(R[c].to_numpy(dtype=np.float64))
        ref = ref[~np.isnan(ref)]
        x = X[c].to_numpy(dtype=np.float64)
        r = np.searchsorted(ref, x, side="left").astype(np.float64) + 1.0
        r[np.isnan(x)] = np.nan
        out[c] = r
        counts[c] = ref.size
    return pd.DataFrame(out, index=X.index, columns=X.columns), pd.Series(counts, dtype="float64")


def check_no_new_missing(X: pd.DataFrame, Y: pd.DataFrame, method: str) -> None:
    """Raise :class:`MethodError` if ``Y`` has ``NaN``/``inf`` where ``X`` had a finite value.

    Names the metric(s) and unit(s) concerned. Used by :func:`apply` after every method call
    (also for user-registered normalisers) and by the conformance tests.
    """
    if not isinstance(Y, pd.DataFrame) or Y.shape != X.shape:
        raise MethodError(
            f"normalizer {method!r} returned {type(Y).__name__} of shape "
            f"{getattr(Y, 'shape', None)}, expected a DataFrame of shape {X.shape}"
        )
    xv = X.to_numpy(dtype=np.float64)
    yv = Y.to_numpy(dtype=np.float64)
    bad = ~np.isnan(xv) & ~np.isfinite(yv)
    if bad.any():
        rows, cols = np.nonzero(bad)
        pairs = [(str(X.columns[j]), str(X.index[i])) for i, j in zip(rows[:10], cols[:10], strict=True)]
        raise MethodError(
            f"normalizer {method!r} produced NaN/inf from finite input at {int(bad.sum())} cell(s) "
            f"(metric, unit): {pairs}"
        )


# ---------------------------------------------------------------------------------------------
# normalisers
# ---------------------------------------------------------------------------------------------


@NORMALIZERS.register("none", aliases=("identity",), order_preserving=True)
def none(X: pd.DataFrame, /, *, reference: pd.DataFrame | None = None) -> pd.DataFrame:
    """Identity: ``y = x`` (the direction-adjusted values are returned unchanged)."""
    return _as_float(X).copy()


@NORMALIZERS.register("minmax", aliases=("n_minmax",), order_preserving=True)
def minmax(
    X: pd.DataFrame,
    /,
    *,
    low: float = 0.0,
    high: float = 100.0,
    reference: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Min-max scaling onto ``[low, high]`` (COINr ``n_minmax``, ``l_u = c(low, high)``).

    ``y = low + (x - min) / (max - min) * (high - low)``, with ``min``/``max`` of the column (of
    ``reference`` when given; values of ``X`` outside the reference range then fall outside
    ``[low, high]``).

    Degenerate column (``max == min``): every non-missing value becomes the midpoint
    ``(low + high) / 2`` (COINr returns ``NaN`` with a warning instead).

    Raises
    ------
    MethodError
        If ``low >= high``.
    """
    if not np.isfinite(low) or not np.isfinite(high) or not low < high:
        raise MethodError(f"normalizer 'minmax': need finite low < high, got low={low}, high={high}")
    X = _as_float(X)
    R = _ref(X, reference)
    mn = _stat(X, R, "min", "minmax")
    mx = _stat(X, R, "max", "minmax")
    rng = mx - mn
    zero = rng == 0
    scale = (high - low) / rng.where(~zero, 1.0)
    Y = (X - mn) * scale + low
    if zero.any():
        cols = list(rng.index[zero])
        Y[cols] = X[cols].where(X[cols].isna(), (low + high) / 2.0)
    return Y


@NORMALIZERS.register("zscore", aliases=("n_zscore", "standardise"), order_preserving=True)
def zscore(
    X: pd.DataFrame,
    /,
    *,
    mean: float = 0.0,
    sd: float = 1.0,
    reference: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Standardisation to a target mean and sd (COINr ``n_zscore``, ``m_sd = c(mean, sd)``).

    ``y = mean + sd * (x - m) / s`` with ``m`` the column mean and ``s`` the *sample* standard
    deviation (``ddof = 1``, as R's ``sd``).

    Degenerate column (``s == 0``, or a single non-missing value so ``s`` is undefined): every
    non-missing value becomes the target ``mean``.

    Raises
    ------
    MethodError
        If ``sd <= 0``.
    """
    if not np.isfinite(sd) or sd <= 0 or not np.isfinite(mean):
        raise MethodError(f"normalizer 'zscore': need finite mean and sd > 0, got mean={mean}, sd={sd}")
    X = _as_float(X)
    R = _ref(X, reference)
    m = _stat(X, R, "mean", "zscore")
    s = R.std(axis=0, ddof=1).astype("float64")
    degenerate = s.isna() | (s == 0)
    Y = (X - m) / s.where(~degenerate, 1.0) * sd + mean
    if degenerate.any():
        cols = list(s.index[degenerate])
        Y[cols] = X[cols].where(X[cols].isna(), float(mean))
    return Y


@NORMALIZERS.register("scaled", aliases=("n_scaled",), order_preserving=True)
def scaled(
    X: pd.DataFrame,
    /,
    *,
    a: float = 0.0,
    b: float = 1.0,
    reference: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Fixed linear rescaling ``y = (x - a) / b`` (no data statistics; ``reference`` unused).

    COINr's ``n_scaled(x, npara = c(l, u))`` = ``(x - l) / (u - l) * 100`` is the special case
    ``a = l``, ``b = (u - l) / 100``.

    Raises
    ------
    MethodError
        If ``b == 0`` or ``b < 0`` (a negative ``b`` would reverse the metric's direction).
    """
    if not np.isfinite(a) or not np.isfinite(b) or b <= 0:
        raise MethodError(f"normalizer 'scaled': need finite a and b > 0, got a={a}, b={b}")
    X = _as_float(X)
    return (X - a) / b


@NORMALIZERS.register("rank", aliases=("n_rank",), order_preserving=True)
def rank(X: pd.DataFrame, /, *, reference: pd.DataFrame | None = None) -> pd.DataFrame:
    """Ranks, lowest value = 1, ties at the minimum rank (COINr ``n_rank``: ``rank(x, ties="min")``).

    ``y = 1 + #{r : r < x}`` over the column's non-missing values (over ``reference`` when given).
    A constant column gives 1 everywhere. Higher values get higher rank numbers (so the result is
    still "higher is better").
    """
    X = _as_float(X)
    R = _ref(X, reference)
    Y, _ = _rank_against(X, R)
    return Y


@NORMALIZERS.register("borda", aliases=("n_borda",), order_preserving=True)
def borda(X: pd.DataFrame, /, *, reference: pd.DataFrame | None = None) -> pd.DataFrame:
    """Borda scores ``y = rank(x, ties="min") - 1`` (COINr ``n_borda``): 0 for the lowest value.

    A constant column gives 0 everywhere.
    """
    return rank(X, reference=reference) - 1.0


@NORMALIZERS.register("percentile", aliases=("n_prank", "prank"), order_preserving=True)
def percentile(X: pd.DataFrame, /, *, reference: pd.DataFrame | None = None) -> pd.DataFrame:
    """Percentile ranks ``y = (rank(x, ties="min") - 1) / (n - 1)`` (COINr ``n_prank``).

    ``n`` is the number of non-missing values in the column (of ``reference`` when given).
    Values lie in ``[0, 1]`` (beyond 1 only for values above the whole reference distribution).
    A constant column gives 0 everywhere (all tied at the bottom rank); a column with a single
    non-missing value (``n = 1``) gives 0 as well (a constant column of one).
    """
    X = _as_float(X)
    R = _ref(X, reference)
    r, n = _rank_against(X, R)
    denom = (n - 1.0).where(n > 1, 1.0)
    return (r - 1.0) / denom


@NORMALIZERS.register("fraction_of_max", aliases=("n_fracmax", "fracmax"), order_preserving=True)
def fraction_of_max(X: pd.DataFrame, /, *, reference: pd.DataFrame | None = None) -> pd.DataFrame:
    """Fraction of the maximum ``y = x / max`` (COINr ``n_fracmax``).

    Raises
    ------
    MethodError
        Naming the metric, if its maximum is ``<= 0`` (zero: division by zero; negative: the
        ratio would reverse the order of the units).
    """
    X = _as_float(X)
    R = _ref(X, reference)
    mx = _stat(X, R, "max", "fraction_of_max")
    bad = [c for c in X.columns if X[c].notna().any() and mx[c] <= 0]
    if bad:
        raise MethodError(
            "normalizer 'fraction_of_max': maximum is zero or negative for metric(s) "
            f"{bad} (max = {[float(mx[c]) for c in bad]}); x / max is undefined or reverses the order"
        )
    return X / mx


@NORMALIZERS.register("distance_to_max", aliases=("n_dist2max", "dist2max"), order_preserving=True)
def distance_to_max(X: pd.DataFrame, /, *, reference: pd.DataFrame | None = None) -> pd.DataFrame:
    """Distance to the maximum ``y = 1 - (max - x) / (max - min)`` (COINr ``n_dist2max``).

    Values lie in ``[0, 1]`` (1 = the best unit). Degenerate column (``max == min``): every
    value *is* the maximum (distance 0), so every non-missing value becomes 1 (COINr: ``NaN``).
    """
    X = _as_float(X)
    R = _ref(X, reference)
    mn = _stat(X, R, "min", "distance_to_max")
    mx = _stat(X, R, "max", "distance_to_max")
    rng = mx - mn
    zero = rng == 0
    Y = 1.0 - (mx - X) / rng.where(~zero, 1.0)
    if zero.any():
        cols = list(rng.index[zero])
        Y[cols] = X[cols].where(X[cols].isna(), 1.0)
    return Y


@NORMALIZERS.register(
    "distance_to_reference", aliases=("n_dist2ref", "dist2ref"), order_preserving=True
)
def distance_to_reference(
    X: pd.DataFrame,
    /,
    *,
    unit: str,
    kind: str = "ratio",
    cap_max: bool = False,
    reference: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Distance to a reference unit's value ``x_ref`` (row ``unit`` of ``X``).

    * ``kind="ratio"`` (OECD/JRC Handbook): ``y = x / x_ref``.
    * ``kind="difference"`` (COINr ``n_dist2ref``): ``y = 1 - (x_ref - x) / (x_ref - min)``
      = ``(x - min) / (x_ref - min)``, ``min`` from ``reference`` when given.

    Either way the reference unit scores 1. ``cap_max=True`` caps values above 1 at 1 (units
    better than the reference), as COINr's ``cap_max``. ``x_ref`` is always taken from ``X``
    (the same table/year), never from ``reference``.

    Raises
    ------
    MethodError
        If ``unit`` is not a row of ``X``; if ``x_ref`` is missing for a metric with data;
        ``ratio``: if ``x_ref <= 0`` (division by zero / order reversal);
        ``difference``: if ``x_ref == min`` (the reference unit is the lowest: zero denominator).
    """
    if kind not in ("ratio", "difference"):
        raise MethodError(f"normalizer 'distance_to_reference': kind must be 'ratio' or 'difference', got {kind!r}")
    X = _as_float(X)
    if unit not in X.index:
        raise MethodError(f"normalizer 'distance_to_reference': reference unit {unit!r} is not in the data")
    xref = X.loc[unit]
    if isinstance(xref, pd.DataFrame):
        raise MethodError(f"normalizer 'distance_to_reference': reference unit {unit!r} appears more than once")
    has = X.notna().any()
    miss = [c for c in X.columns if has[c] and np.isnan(xref[c])]
    if miss:
        raise MethodError(
            f"normalizer 'distance_to_reference': reference unit {unit!r} has no value for metric(s) {miss}"
        )
    if kind == "ratio":
        bad = [c for c in X.columns if has[c] and xref[c] <= 0]
        if bad:
            raise MethodError(
                f"normalizer 'distance_to_reference' (ratio): value of reference unit {unit!r} is "
                f"zero or negative for metric(s) {bad}"
            )
        Y = X / xref
    else:
        R = _ref(X, reference)
        mn = _stat(X, R, "min", "distance_to_reference")
        d = xref - mn
        bad = [c for c in X.columns if has[c] and d[c] <= 0]
        if bad:
            raise MethodError(
                f"normalizer 'distance_to_reference' (difference): reference unit {unit!r} has the "
                f"minimum value of metric(s) {bad}; x_ref - min = 0"
            )
        Y = (X - mn) / d
    if cap_max:
        Y = Y.clip(upper=1.0)
    return Y


@NORMALIZERS.register(
    "distance_to_target", aliases=("n_dist2targ", "dist2targ"), order_preserving=True
)
def distance_to_target(
    X: pd.DataFrame,
    /,
    *,
    targets: Mapping[str, float] | float,
    cap_max: bool = True,
    reference: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Progress from the worst value towards a target (COINr ``n_dist2targ``, direction 1).

    ``y = (x - min) / (targ - min)`` (= COINr's ``1 - (targ - x)/(targ - min)``), ``min`` of the
    column (of ``reference`` when given). ``cap_max=True`` (default) caps values beyond the
    target at 1, so ``y`` lies in ``[0, 1]``.

    ``targets`` (a float for all metrics or a mapping metric → target) must be on the same
    direction-adjusted scale as ``X`` (i.e. multiplied by the metric's direction); they are used
    as given. (:func:`apply` converts targets from raw units.)

    Degenerate target (``targ <= min``: every unit already meets the target): with ``cap_max``
    every non-missing value becomes 1; without it this is an error.

    Raises
    ------
    MethodError
        If a metric has no (finite) target, or ``targ <= min`` with ``cap_max=False``.
    """
    X = _as_float(X)
    t = _per_metric(targets, list(X.columns), "targets", "distance_to_target")
    bad = [c for c, v in t.items() if v is None or not np.isfinite(float(v))]
    if bad:
        raise MethodError(f"normalizer 'distance_to_target': missing or non-finite target for metric(s) {bad}")
    targ = pd.Series({c: float(v) for c, v in t.items()}, dtype="float64")
    R = _ref(X, reference)
    mn = _stat(X, R, "min", "distance_to_target")
    d = targ - mn
    met = (d <= 0) & X.notna().any()
    if met.any() and not cap_max:
        cols = list(d.index[met])
        raise MethodError(
            f"normalizer 'distance_to_target': target <= minimum for metric(s) {cols} "
            "(targ - min <= 0); use cap_max=True or another target"
        )
    Y = (X - mn) / d.where(~met, 1.0)
    if cap_max:
        Y = Y.clip(upper=1.0)
        if met.any():
            cols = list(d.index[met])
            Y[cols] = X[cols].where(X[cols].isna(), 1.0)
    return Y


def _posts(v: Any, metric: str, scale: float) -> tuple[float, float, float]:
    try:
        vals = [float(z) for z in v]
    except TypeError as exc:
        raise MethodError(
            f"normalizer 'goalposts': goalposts for metric {metric!r} must be (low, high[, scale]), got {v!r}"
        ) from exc
    if len(vals) == 2:
        vals.append(float(scale))
    if len(vals) != 3 or not all(np.isfinite(vals)):
        raise MethodError(
            f"normalizer 'goalposts': goalposts for metric {metric!r} must be finite (low, high[, scale]), got {v!r}"
        )
    lo, hi, sc = vals
    if not lo < hi:
        raise MethodError(f"normalizer 'goalposts': need low < high for metric {metric!r}, got {v!r}")
    if sc <= 0:
        raise MethodError(f"normalizer 'goalposts': scale must be > 0 for metric {metric!r}, got {sc}")
    return lo, hi, sc


@NORMALIZERS.register("goalposts", aliases=("n_goalposts",), order_preserving=True)
def goalposts(
    X: pd.DataFrame,
    /,
    *,
    gposts: Mapping[str, Sequence[float]] | Sequence[float],
    trunc: bool = True,
    scale: float = 100.0,
    reference: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Goalposts (COINr ``n_goalposts`` with direction 1; ``reference`` unused).

    ``y = (x - low) / (high - low)``, truncated to ``[0, 1]`` when ``trunc`` (COINr
    ``trunc2posts``), then multiplied by ``scale``.

    ``gposts`` is ``(low, high)`` or ``(low, high, scale)`` for all metrics, or a mapping metric →
    such a tuple; a third element overrides ``scale`` for that metric. Posts are on the
    direction-adjusted scale of ``X`` and used as given. (:func:`apply` converts raw-unit posts of
    a negative metric, ``(low, high)`` → ``(-high, -low)``, which is what COINr does for
    ``direction = -1``.)

    Raises
    ------
    MethodError
        If posts are missing for a metric, not finite, ``low >= high``, or ``scale <= 0``.
    """
    X = _as_float(X)
    cols = list(X.columns)
    if isinstance(gposts, Mapping):
        gp = _per_metric(gposts, cols, "gposts", "goalposts")
    else:
        gp = {c: gposts for c in cols}
    p = {c: _posts(v, c, scale) for c, v in gp.items()}
    lo = pd.Series({c: p[c][0] for c in cols}, dtype="float64")
    hi = pd.Series({c: p[c][1] for c in cols}, dtype="float64")
    sc = pd.Series({c: p[c][2] for c in cols}, dtype="float64")
    Y = (X - lo) / (hi - lo)
    if trunc:
        Y = Y.clip(lower=0.0, upper=1.0)
    return Y * sc


# ---------------------------------------------------------------------------------------------
# stage entry point
# ---------------------------------------------------------------------------------------------


def _node_attr(ctx: StageContext, code: str, attr: str) -> Any:
    try:
        node = ctx.framework.nodes[code]
    except (AttributeError, KeyError, TypeError) as exc:
        raise MethodError(f"normalize: metric {code!r} is not a node of the framework") from exc
    return getattr(node, attr, None)


def _direction(ctx: StageContext, code: str) -> float:
    d = _node_attr(ctx, code, "direction")
    return 1.0 if d is None else float(d)


def _resolve_params(
    method: str, params: Mapping[str, Any], cols: list[str], ctx: StageContext
) -> dict[str, Any]:
    """Convert raw-unit targets/goalposts to the direction-adjusted scale (see :func:`apply`)."""
    out = dict(params)
    if method == "distance_to_target":
        if "targets" not in out or out["targets"] is None:
            t: dict[str, float] = {}
            missing = []
            for c in cols:
                v = _node_attr(ctx, c, "target")
                if v is None or (isinstance(v, float) and np.isnan(v)):
                    missing.append(c)
                else:
                    t[c] = float(v) * _direction(ctx, c)
            if missing:
                raise MethodError(
                    f"normalize 'distance_to_target': no target given and no framework target for metric(s) {missing}"
                )
        else:
            raw = _per_metric(out["targets"], cols, "targets", "distance_to_target")
            t = {c: float(raw[c]) * _direction(ctx, c) for c in cols}
        out["targets"] = t
    elif method == "goalposts" and "gposts" in out:
        raw_gp = out["gposts"]
        gp = _per_metric(raw_gp, cols, "gposts", "goalposts") if isinstance(raw_gp, Mapping) else {
            c: raw_gp for c in cols
        }
        conv: dict[str, tuple[float, ...]] = {}
        for c in cols:
            v = [float(z) for z in gp[c]]
            if _direction(ctx, c) < 0 and len(v) >= 2:
                v = [-v[1], -v[0], *v[2:]]
            conv[c] = tuple(v)
        out["gposts"] = conv
    return out


def apply(X: pd.DataFrame, choices: Mapping[str, MethodChoice], ctx: StageContext) -> StageOutput:
    """Normalise every metric with its resolved method (stage ``normalize``).

    Parameters
    ----------
    X
        Units × metrics, already multiplied by each metric's direction.
    choices
        Metric code → :class:`~aiindex._stage.MethodChoice`. Metrics with equal
        ``MethodChoice.key()`` are normalised together in one call. Metrics without a choice are
        an error.
    ctx
        Stage context. ``ctx.reference`` (pooled table of all years, or ``None``) is passed to
        each method as ``reference=ctx.reference[cols]``. ``ctx.framework.nodes[code].target``
        and ``.direction`` supply default targets for ``distance_to_target``.

    Notes
    -----
    Targets and goalposts written in the config (``params``) and framework targets are in the
    metric's **raw units**; ``apply`` converts them to the direction-adjusted scale of ``X``
    (targets × direction; posts ``(low, high)`` → ``(-high, -low)`` for direction −1) before
    calling the registered function, which takes them as given.

    Returns
    -------
    StageOutput
        ``data``: normalised table (same index and column order as ``X``); ``log``: one row per
        metric with columns ``metric, method, params``; ``info["methods"]``: DataFrame indexed
        by metric with columns ``method, params``.

    Raises
    ------
    MethodError
        Unknown method or parameter, or a method failure; the message names the metric(s).
    """
    X = _as_float(X)
    cols_all = list(X.columns)
    missing = [c for c in cols_all if c not in choices]
    if missing:
        raise MethodError(f"normalize: no method chosen for metric(s) {missing}")
    groups: dict[Any, list[str]] = {}
    for c in cols_all:
        groups.setdefault(choices[c].key(), []).append(c)
    pieces: list[pd.DataFrame] = []
    for cols in groups.values():
        choice = choices[cols[0]]
        where = f"normalize (metric(s) {cols})"
        name = NORMALIZERS.canonical(choice.method)
        NORMALIZERS.check_params(name, choice.params, where=where)
        params = _resolve_params(name, choice.params, cols, ctx)
        ref = None
        if ctx.reference is not None:
            miss = [c for c in cols if c not in ctx.reference.columns]
            if miss:
                raise MethodError(f"normalize: reference (pooled) table lacks metric(s) {miss}")
            ref = ctx.reference[cols]
        try:
            Y = NORMALIZERS.get(name)(X[cols], reference=ref, **params)
        except MethodError as exc:
            raise MethodError(f"normalize: method {name!r} failed for metric(s) {cols}: {exc}") from exc
        except (TypeError, ValueError, KeyError, ZeroDivisionError) as exc:
            raise MethodError(f"normalize: method {name!r} failed for metric(s) {cols}: {exc!r}") from exc
        if not isinstance(Y, pd.DataFrame):
            raise MethodError(f"normalize: method {name!r} did not return a DataFrame for metric(s) {cols}")
        Y = Y.astype("float64")
        check_no_new_missing(X[cols], Y.reindex(index=X.index, columns=cols), name)
        pieces.append(Y)
    data = pd.concat(pieces, axis=1)[cols_all] if pieces else X.copy()
    data = data.reindex(X.index)
    table = pd.DataFrame(
        {
            "method": [NORMALIZERS.canonical(choices[c].method) for c in cols_all],
            "params": [dict(choices[c].params) for c in cols_all],
        },
        index=pd.Index(cols_all, name="metric"),
    )
    log = table.reset_index()
    return StageOutput(data=data, log=log, info={"methods": table})
