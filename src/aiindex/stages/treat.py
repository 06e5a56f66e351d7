"""Outlier treatment (stage ``treat``), replicating COINr 1.1.x ``Treat()`` exactly.

Source followed: ``bluefoxr/COINr`` ``R/treat.R`` (functions ``Treat.numeric``, ``winsorise``,
``log_CT``, ``log_GII``, ``boxcox``, ``skew``, ``kurt``, ``check_SkewKurt``). COINr's default
(``Treat.data.frame``: ``f1 = "winsorise"``, ``f1_para = list(na.rm = TRUE, winmax = 5,
skew_thresh = 2, kurt_thresh = 3.5, force_win = FALSE)``, ``f2 = "log_CT"``,
``f_pass = "check_SkewKurt"``, ``combine_treat = FALSE``) is our method ``winsorise``:

1. **Pass test** (``check_SkewKurt``): with the type-2 statistics of :mod:`aiindex.stats`
   computed on the non-missing values, a metric *passes* when
   ``abs(skew) < skew_thresh or kurt < kurt_thresh``; it *fails* when both are ``>=``.
   A passing metric is returned untouched.
2. **Winsorisation loop** (``winsorise``), while the metric fails and ``nwin < winmax``:

   * if ``skew(x) >= 0``: ``imax`` = positions of *all* values equal to the current maximum;
     they are set to the maximum of the other (non-``imax``) values;
   * else the same on the minimum side (``imin``);
   * ``nwin = len(imax) + len(imin)`` where ``imax``/``imin`` are the *latest* sets on each
     side (they persist across steps; initially empty). Because a clipped point becomes equal
     to the new maximum, the set grows by one (plus ties) per step on the same side, so on one
     side ``nwin`` is the cumulative number of clipped points;
   * the pass test is re-run (``winmax = None`` means no limit).

   The points reported as clipped are the latest ``imax`` (``"winhi"``) and ``imin``
   (``"winlo"``) sets, as in COINr.
3. **Fallback**: if the winsorised metric still fails, ``fallback`` is applied to the
   *original* column (COINr ``combine_treat = FALSE``; ``combine=True`` applies it to the
   winsorised column instead). The default ``log_ct`` (COINr ``log_CT``) is
   ``log(x - min(x) + 0.01 * (max(x) - min(x)))``. The pass test is run once more and its result
   is reported as ``passed`` (the transformed values are kept whatever it says, as in COINr).

Other fallbacks / methods:

* ``log_gii`` (COINr ``log_GII``, "GII log", from the GII 2020 spreadsheet):
  ``log((max(x) - 1) * (x - min(x)) / (max(x) - min(x)) + 1)``. It flips the order of the values
  when ``max(x) < 1`` and is undefined when an argument is ``<= 0``: both raise
  :class:`~aiindex.errors.MethodError`. (One COINr revision of ``log_GII`` computes this value
  but returns the *untransformed* ``x``; we return the transform.)
* ``boxcox``: Box-Cox of the shifted data ``x - min(x) + 1`` (COINr ``boxcox(makepos = TRUE)``
  shift), with ``lmbda`` given, or estimated by maximum likelihood with
  :func:`scipy.stats.boxcox` on the shifted non-missing values when ``lmbda=None``.
  COINr's ``boxcox`` has no MLE; the estimated lambda is reported in the treatment table.
* ``log_ct`` as a method: always apply the COINr ``log_CT`` transform.
* ``log1p``: always ``ln(1 + x)`` (no data statistic: the same value gives the same result in
  every year of a panel).
* ``none``: untouched.

Registered functions have the signature ``f(x: pd.Series, /, *, <params>) -> ColumnTreatment``
(``x.name`` = metric code, index = unit codes; ``NaN`` stay ``NaN``).

Errors: a log transform of a constant column (``max == min``) → ``MethodError`` naming the
metric (COINr would give ``-Inf``); fewer than 4 non-missing values → ``MethodError`` (COINr
stops); winsorisation that leaves nothing to clip to or makes the column constant →
``MethodError``. A *constant* column is never treated (its skew/kurtosis are undefined; COINr
returns it untouched with ``Passing = NA``); it is reported with ``passed = <NA>``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import MethodError
from ..registry import Registry
from ..stats import kurtosis, skewness
from .base import MethodChoice, StageContext, StageOutput, empty_log

__all__ = [
    "TREATMENTS",
    "ColumnTreatment",
    "apply",
    "boxcox_shifted",
    "check_skew_kurt",
    "log_ct",
    "log_gii",
    "winsorise",
    "winsorise_values",
]

TREATMENTS: Registry[Callable[..., ColumnTreatment]] = Registry("treatment")

LOG_COLUMNS = ["uCode", "metric", "old", "new", "action"]
INFO_COLUMNS = [
    "method",
    "skew_before",
    "kurt_before",
    "skew_after",
    "kurt_after",
    "n_winsorised",
    "winsorised_high",
    "winsorised_low",
    "log_applied",
    "transform",
    "lambda",
    "passed",
]


@dataclass
class ColumnTreatment:
    """Result of treating one metric.

    Attributes
    ----------
    values
        Treated values (same index as the input).
    method
        Method name.
    skew_before, kurt_before, skew_after, kurt_after
        Statistics of the input and of the output (``NaN`` when undefined).
    n_winsorised
        COINr's ``nwin`` (0 when not winsorised).
    winsorised_high, winsorised_low
        Unit codes of the latest clipped sets (COINr ``"winhi"``/``"winlo"``).
    transform
        Name of the transform applied (``"log_ct"``, ``"log_gii"``, ``"boxcox"``) or ``None``.
    lmbda
        Box-Cox lambda when Box-Cox was applied.
    passed
        Result of the final pass test (``None`` when undefined: constant column).
    """

    values: pd.Series
    method: str
    skew_before: float = float("nan")
    kurt_before: float = float("nan")
    skew_after: float = float("nan")
    kurt_after: float = float("nan")
    n_winsorised: int = 0
    winsorised_high: list[str] = field(default_factory=list)
    winsorised_low: list[str] = field(default_factory=list)
    transform: str | None = None
    lmbda: float | None = None
    passed: bool | None = True
    actions: pd.Series | None = None  # per-unit action label for changed cells


# --------------------------------------------------------------------------- helpers


def _stats(a: np.ndarray, metric: str) -> tuple[float, float]:
    n = int(np.sum(~np.isnan(a)))
    if n < 4:
        raise MethodError(
            f"treatment of metric {metric!r}: skewness/kurtosis need at least 4 non-missing "
            f"values, got {n}"
        )
    return skewness(a), kurtosis(a)


def check_skew_kurt(
    x: np.ndarray | pd.Series, *, skew_thresh: float = 2.0, kurt_thresh: float = 3.5
) -> tuple[bool | None, float, float]:
    """COINr ``check_SkewKurt(x, na.rm = TRUE)``.

    Returns
    -------
    (passed, skew, kurt)
        ``passed = abs(skew) < skew_thresh or kurt < kurt_thresh``; ``None`` when the statistics
        are undefined (constant vector; COINr returns ``NA``).
    """
    a = np.asarray(x, dtype=float)
    sk, kt = skewness(a), kurtosis(a)
    if np.isnan(sk) or np.isnan(kt):
        return None, sk, kt
    return bool(abs(sk) < skew_thresh or kt < kurt_thresh), sk, kt


def winsorise_values(
    x: np.ndarray,
    *,
    winmax: int | None = 5,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
    force_win: bool = False,
    metric: str = "?",
) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    """COINr ``winsorise(x, na.rm = TRUE, ...)`` on a float array (``NaN`` ignored and kept).

    Returns
    -------
    (values, nwin, imax, imin)
        Winsorised copy, COINr's ``nwin``, and the integer positions of the latest high/low
        clipped sets.
    """
    x = np.array(x, dtype=float, copy=True)
    obs = ~np.isnan(x)
    passing, _, _ = check_skew_kurt(x, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh)
    imax = np.array([], dtype=int)
    imin = np.array([], dtype=int)
    nwin = 0
    if passing is None:
        raise MethodError(f"winsorisation of metric {metric!r}: constant column")

    def below() -> bool:
        return True if winmax is None else nwin < winmax

    def clip_extreme(high: bool) -> np.ndarray:
        """Set every value equal to the highest (lowest) one to the next highest (lowest)."""
        idx = np.flatnonzero(x == (np.nanmax(x) if high else np.nanmin(x)))
        rest = obs.copy()
        rest[idx] = False
        if not rest.any():
            raise MethodError(f"winsorisation of metric {metric!r}: no value left to clip to")
        x[idx] = np.max(x[rest]) if high else np.min(x[rest])
        return idx

    while ((not passing) or force_win) and below():
        if skewness(x) >= 0:
            imax = clip_extreme(high=True)
        else:
            imin = clip_extreme(high=False)
        nwin = int(imax.size + imin.size)
        passing, _, _ = check_skew_kurt(x, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh)
        if passing is None:
            raise MethodError(
                f"winsorisation of metric {metric!r} made the column constant after clipping "
                f"{nwin} point(s); use fewer points (winmax) or another treatment"
            )
    return x, nwin, imax, imin


def _log_range(a: np.ndarray, method: str, metric: str) -> tuple[np.floating, np.floating]:
    """``(min, max)`` of ``a`` (NaN ignored); a :class:`MethodError` if the column is constant."""
    mn, mx = np.nanmin(a), np.nanmax(a)
    if mx == mn:
        raise MethodError(
            f"log transform ({method}) of metric {metric!r}: the column is constant ({float(mn)!r}), "
            "its log transform is undefined"
        )
    return mn, mx


def _log_ct_array(a: np.ndarray, metric: str) -> np.ndarray:
    mn, mx = _log_range(a, "log_ct", metric)
    return np.log(a - mn + 0.01 * (mx - mn))


def _log_gii_array(a: np.ndarray, metric: str) -> np.ndarray:
    mn, mx = _log_range(a, "log_gii", metric)
    if mx < 1:
        raise MethodError(
            f"log transform (log_gii) of metric {metric!r}: max(x) = {float(mx)!r} < 1 would reverse "
            "or break the transform (log((max-1)*(x-min)/(max-min)+1)); use log_ct"
        )
    return np.log((mx - 1) * (a - mn) / (mx - mn) + 1)


def _boxcox_array(a: np.ndarray, metric: str, lmbda: float | None) -> tuple[np.ndarray, float]:
    from scipy import stats as sps

    obs = ~np.isnan(a)
    y = a - np.nanmin(a) + 1.0
    out = np.full_like(a, np.nan)
    if lmbda is None:
        if np.nanmax(a) == np.nanmin(a):
            raise MethodError(
                f"Box-Cox of metric {metric!r}: the column is constant; lambda cannot be estimated"
            )
        vals, lam = sps.boxcox(y[obs])
        out[obs] = vals
        return out, float(lam)
    lam = float(lmbda)
    out[obs] = np.log(y[obs]) if lam == 0 else (y[obs] ** lam - 1) / lam
    return out, lam


def log_ct(x: pd.Series | np.ndarray) -> np.ndarray:
    """COINr ``log_CT``: ``log(x - min(x) + 0.01*(max(x) - min(x)))`` (NaN kept)."""
    return _log_ct_array(np.asarray(x, dtype=float), str(getattr(x, "name", "?")))


def log_gii(x: pd.Series | np.ndarray) -> np.ndarray:
    """COINr ``log_GII``: ``log((max-1)*(x-min)/(max-min) + 1)`` (NaN kept)."""
    return _log_gii_array(np.asarray(x, dtype=float), str(getattr(x, "name", "?")))


def boxcox_shifted(x: pd.Series | np.ndarray, lmbda: float | None = None) -> tuple[np.ndarray, float]:
    """Box-Cox of ``x - min(x) + 1``; ``lmbda=None`` estimates lambda by MLE (scipy)."""
    return _boxcox_array(np.asarray(x, dtype=float), str(getattr(x, "name", "?")), lmbda)


def _transform(a: np.ndarray, name: str, metric: str, lmbda: float | None) -> tuple[np.ndarray, float | None]:
    if name == "log_ct":
        return _log_ct_array(a, metric), None
    if name == "log_gii":
        return _log_gii_array(a, metric), None
    if name == "boxcox":
        return _boxcox_array(a, metric, lmbda)
    raise MethodError(
        f"treatment of metric {metric!r}: unknown fallback {name!r}; "
        "expected 'log_ct', 'log_gii', 'boxcox' or 'none'"
    )


def _finite_or_raise(v: np.ndarray, x: np.ndarray, metric: str, what: str) -> None:
    bad = (~np.isnan(x)) & ~np.isfinite(v)
    if bad.any():
        raise MethodError(f"{what} of metric {metric!r} produced non-finite values")


def _safe_stats(a: np.ndarray) -> tuple[float, float]:
    n = int(np.sum(~np.isnan(a)))
    sk = skewness(a) if n >= 3 else float("nan")
    kt = kurtosis(a) if n >= 4 else float("nan")
    return sk, kt


# --------------------------------------------------------------------------- methods


@TREATMENTS.register("winsorise", aliases=("winsorize", "coinr"))
def winsorise(
    x: pd.Series,
    /,
    *,
    winmax: int | None = 5,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
    fallback: str = "log_ct",
    combine: bool = False,
    force_win: bool = False,
    lmbda: float | None = None,
) -> ColumnTreatment:
    """COINr's default treatment (``Treat.numeric`` with ``winsorise`` then ``log_CT``).

    Parameters
    ----------
    x
        One metric (name = metric code, index = unit codes).
    winmax
        Maximum ``nwin`` (COINr ``winmax``); ``None`` = no limit.
    skew_thresh, kurt_thresh
        Thresholds of the pass test (used both inside the loop and for the fallback decision).
    fallback
        ``"log_ct"`` (default, COINr ``log_CT``), ``"log_gii"``, ``"boxcox"`` or ``"none"``
        (keep the winsorised values even if they still fail).
    combine
        COINr ``combine_treat``: apply the fallback to the winsorised column instead of the
        original one.
    force_win
        COINr ``force_win``: winsorise up to ``winmax`` regardless of the test.
    lmbda
        Box-Cox lambda for ``fallback="boxcox"`` (``None`` = MLE).
    """
    metric = str(x.name)
    a = x.to_numpy(dtype=float)
    if winmax is not None and (int(winmax) != winmax or winmax < 0):
        raise MethodError(f"treatment of metric {metric!r}: winmax must be a non-negative integer or None")
    sk0, kt0 = _stats(a, metric)
    res = ColumnTreatment(values=x.copy(), method="winsorise", skew_before=sk0, kurt_before=kt0)
    if np.isnan(sk0) or np.isnan(kt0):  # constant column: undefined, untouched (COINr: NA)
        res.skew_after, res.kurt_after, res.passed = sk0, kt0, None
        return res
    passed0 = bool(abs(sk0) < skew_thresh or kt0 < kurt_thresh)
    if passed0 and not force_win:
        res.skew_after, res.kurt_after = sk0, kt0
        return res
    w, nwin, imax, imin = winsorise_values(
        a, winmax=winmax, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh,
        force_win=force_win, metric=metric,
    )
    units = x.index.astype(str)
    res.n_winsorised = nwin
    res.winsorised_high = list(units[imax])
    res.winsorised_low = list(units[imin])
    passed1, _, _ = check_skew_kurt(w, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh)
    final = w
    actions = np.full(a.shape, "", dtype=object)
    actions[imax] = "winsorised_high"
    actions[imin] = "winsorised_low"
    if not passed1 and fallback != "none":
        base = w if combine else a
        final, lam = _transform(base, fallback, metric, lmbda)
        _finite_or_raise(final, a, metric, f"fallback {fallback}")
        res.transform, res.lmbda = fallback, lam
        if combine:
            actions = np.where(actions == "", fallback, actions + "+" + fallback)
        else:
            actions = np.full(a.shape, fallback, dtype=object)
    res.values = pd.Series(final, index=x.index, name=x.name)
    res.skew_after, res.kurt_after = _safe_stats(final)
    p, _, _ = check_skew_kurt(final, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh)
    res.passed = p
    res.actions = pd.Series(actions, index=x.index)
    return res


@TREATMENTS.register("log_ct", aliases=("log",))
def log_ct_method(
    x: pd.Series, /, *, skew_thresh: float = 2.0, kurt_thresh: float = 3.5
) -> ColumnTreatment:
    """Always apply COINr's ``log_CT`` transform (thresholds only used for ``passed``)."""
    return _always(x, "log_ct", None, skew_thresh, kurt_thresh)


@TREATMENTS.register("log_gii")
def log_gii_method(
    x: pd.Series, /, *, skew_thresh: float = 2.0, kurt_thresh: float = 3.5
) -> ColumnTreatment:
    """Always apply COINr's ``log_GII`` transform."""
    return _always(x, "log_gii", None, skew_thresh, kurt_thresh)


@TREATMENTS.register("boxcox")
def boxcox_method(
    x: pd.Series,
    /,
    *,
    lmbda: float | None = None,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
) -> ColumnTreatment:
    """Always apply Box-Cox to ``x - min(x) + 1`` (``lmbda=None``: MLE via scipy)."""
    return _always(x, "boxcox", lmbda, skew_thresh, kurt_thresh)


def _always(
    x: pd.Series, name: str, lmbda: float | None, skew_thresh: float, kurt_thresh: float
) -> ColumnTreatment:
    metric = str(x.name)
    a = x.to_numpy(dtype=float)
    if np.all(np.isnan(a)):
        raise MethodError(f"{name} of metric {metric!r}: all values are missing")
    sk0, kt0 = _safe_stats(a)
    v, lam = _transform(a, name, metric, lmbda)
    _finite_or_raise(v, a, metric, name)
    sk1, kt1 = _safe_stats(v)
    passed = None if (np.isnan(sk1) or np.isnan(kt1)) else bool(abs(sk1) < skew_thresh or kt1 < kurt_thresh)
    return ColumnTreatment(
        values=pd.Series(v, index=x.index, name=x.name), method=name,
        skew_before=sk0, kurt_before=kt0, skew_after=sk1, kurt_after=kt1,
        transform=name, lmbda=lam, passed=passed,
        actions=pd.Series(name, index=x.index, dtype=object),
    )


@TREATMENTS.register("log1p")
def log1p_method(
    x: pd.Series, /, *, skew_thresh: float = 2.0, kurt_thresh: float = 3.5
) -> ColumnTreatment:
    """``y = ln(1 + x)``, a fixed transform for counts (thresholds only used for ``passed``).

    Unlike ``log_ct`` it uses no statistic of the data, so in a panel a value maps to the same
    result in every year (pooled normalisation) and a zero stays the lowest value. Missing
    values stay missing; an all-missing column is returned as it is. A value ``<= -1`` is a
    :class:`~aiindex.errors.MethodError` naming the metric and the units.
    """
    metric = str(x.name)
    a = x.to_numpy(dtype=float)
    bad = ~np.isnan(a) & (a <= -1)
    if bad.any():
        raise MethodError(f"log1p of metric {metric!r}: values <= -1 for unit(s) "
                          f"{list(x.index[bad].astype(str))[:10]}; ln(1 + x) is undefined")
    v = np.log1p(a)
    sk0, kt0 = _safe_stats(a)
    sk1, kt1 = _safe_stats(v)
    passed = None if (np.isnan(sk1) or np.isnan(kt1)) else bool(abs(sk1) < skew_thresh
                                                                or kt1 < kurt_thresh)
    return ColumnTreatment(
        values=pd.Series(v, index=x.index, name=x.name), method="log1p",
        skew_before=sk0, kurt_before=kt0, skew_after=sk1, kurt_after=kt1,
        transform="log1p", passed=passed,
        actions=pd.Series("log1p", index=x.index, dtype=object),
    )


@TREATMENTS.register("none")
def none(x: pd.Series, /) -> ColumnTreatment:
    """No treatment (statistics are still reported)."""
    sk, kt = _safe_stats(x.to_numpy(dtype=float))
    return ColumnTreatment(values=x.copy(), method="none", skew_before=sk, kurt_before=kt,
                           skew_after=sk, kurt_after=kt, passed=None)


# --------------------------------------------------------------------------- stage


def apply(X: pd.DataFrame, choices: Mapping[str, MethodChoice], ctx: StageContext) -> StageOutput:
    """Treat every metric of ``X`` with its resolved method.

    Parameters
    ----------
    X
        Units × metrics.
    choices
        Metric code → :class:`MethodChoice` (metrics without a choice are left untouched, as
        ``none``).
    ctx
        Unused (the treatment is column-wise).

    Returns
    -------
    StageOutput
        ``data``: treated table; ``log``: one row per changed cell (``uCode, metric, old, new,
        action`` with action ``winsorised_high``/``winsorised_low``/``log_ct``/``log_gii``/
        ``boxcox`` or ``winsorised_high+log_ct`` when combined); ``info["treatment"]``: one row
        per metric with columns :data:`INFO_COLUMNS`.
    """
    out = X.copy()
    rows: dict[str, dict[str, Any]] = {}
    logs: list[pd.DataFrame] = []
    for metric in X.columns:
        choice = choices.get(metric, MethodChoice("none"))
        name = TREATMENTS.canonical(choice.method)
        res: ColumnTreatment = TREATMENTS.call(
            name, X[metric], where=f"treat/{metric}", **dict(choice.params)
        )
        new = res.values.to_numpy(dtype=float)
        old = X[metric].to_numpy(dtype=float)
        out[metric] = new
        changed = ~((old == new) | (np.isnan(old) & np.isnan(new)))
        if changed.any():
            act = res.actions if res.actions is not None else pd.Series(name, index=X.index)
            logs.append(
                pd.DataFrame(
                    {
                        "uCode": X.index[changed],
                        "metric": metric,
                        "old": old[changed],
                        "new": new[changed],
                        "action": act.to_numpy(dtype=object)[changed],
                    }
                )
            )
        rows[metric] = {
            "method": res.method,
            "skew_before": res.skew_before,
            "kurt_before": res.kurt_before,
            "skew_after": res.skew_after,
            "kurt_after": res.kurt_after,
            "n_winsorised": res.n_winsorised,
            "winsorised_high": res.winsorised_high,
            "winsorised_low": res.winsorised_low,
            "log_applied": res.transform is not None,
            "transform": res.transform,
            "lambda": res.lmbda,
            "passed": res.passed,
        }
    table = pd.DataFrame.from_dict(rows, orient="index", columns=INFO_COLUMNS)
    table.index.name = "metric"
    log = pd.concat(logs, ignore_index=True) if logs else empty_log(LOG_COLUMNS)
    return StageOutput(data=out, log=log, info={"treatment": table})
