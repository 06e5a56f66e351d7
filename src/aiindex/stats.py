"""Descriptive statistics of metrics and units: the checks an index builder runs first.

Skewness and kurtosis follow COINr exactly (``R/treat.R``: ``skew()`` and ``kurt()``, which copy
``e1071::skewness(type = 2)`` / ``e1071::kurtosis(type = 2)``, the definitions used by Excel's
``SKEW`` and ``KURT``). With ``d = x - mean(x)`` over the ``n`` non-missing values:

* skewness  ``g = sqrt(n) * sum(d**3) / sum(d**2)**1.5 * sqrt(n*(n-1)) / (n-2)``   (needs n >= 3)
* kurtosis  ``r = n * sum(d**4) / sum(d**2)**2``,
  ``k = ((n+1)*(r-3) + 6) * (n-1) / ((n-2)*(n-3))``  (excess kurtosis; needs n >= 4)

Missing values are dropped first (COINr's ``na.rm = TRUE``, as used by ``Treat()`` and
``get_stats()``). Both statistics are invariant to scale, so they are computed on the values
divided by a power of two near their largest magnitude: exactly the same numbers for ordinary
data, and no overflow (``d**4`` of a ``1e308`` outlier) that would turn them into ``NaN`` and
silently skip the outlier treatment. A constant vector has ``sum(d**2) == 0`` and both statistics are undefined
(``NaN``, as in R); this is the only case in which they are ``NaN``.

The outlier rule (COINr ``check_SkewKurt()``): a metric **passes** when
``abs(skew) < skew_thresh or kurt < kurt_thresh`` (defaults 2 and 3.5), i.e. it **fails** when
``abs(skew) >= 2 and kurt >= 3.5``. COINr's ``get_stats()`` flags ``"OUT"`` with strict
inequalities instead (``abs(skew) > 2 & kurt > 3.5``). :func:`metric_stats` uses the treatment
rule by default, so that ``outlier`` is exactly "would be treated by :mod:`aiindex.treat`";
``strict=True`` gives ``get_stats()``'s flag. The two differ only for a metric exactly on a
threshold.

Most frequent value (COINr ``get_stats()``'s ``N.Same`` and ``Frc.Same``): ``n_same`` is the
number of non-missing values equal to the column's most frequent value (``max(table(x))`` in R:
missing values are not counted; with several equally frequent values the count is the same
whichever is taken), ``same_share = n_same / n_avail``. R's ``table()`` compares numbers as
text with 15 significant digits, so values that agree to 15 significant digits (``0.1 + 0.2``
and ``0.3``) count as the same value; :func:`metric_stats` does the same. A column without any
value has ``n_same = 0`` and ``same_share`` ``NaN`` (R gives ``-Inf`` with a warning).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .errors import DataError

__all__ = [
    "fails_skew_kurt",
    "kurtosis",
    "metric_stats",
    "most_frequent_count",
    "skewness",
    "unit_availability",
]


def _clean(x: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    a = np.asarray(x, dtype=float).ravel()
    return a[~np.isnan(a)]


def _pow2_scale(a: np.ndarray, axis: int | None = None) -> np.ndarray:
    """A power of two near max ``|a|`` (1 where that is 0 or undefined); dividing by it is exact."""
    with np.errstate(invalid="ignore"):
        m = np.nanmax(np.abs(a), axis=axis, initial=0.0) if a.size else np.float64(0.0)
    m = np.where(np.isfinite(m) & (m > 0), m, 1.0)
    return np.ldexp(1.0, np.frexp(m)[1] - 1)


def _deviations(x: Sequence[float] | np.ndarray | pd.Series, stat: str,
                min_n: int) -> tuple[np.ndarray, np.floating]:
    """Deviations from the mean of the non-missing values of ``x`` (scaled by a power of two,
    see the module docstring) and their sum of squares.

    Raises :class:`DataError` naming ``stat`` with fewer than ``min_n`` non-missing values.
    """
    a = _clean(x)
    if a.size < min_n:
        raise DataError(f"{stat} needs at least {min_n} non-missing values, got {a.size}")
    a = a / _pow2_scale(a)
    d = a - a.mean()
    return d, np.sum(d**2)


def skewness(x: Sequence[float] | np.ndarray | pd.Series) -> float:
    """Type-2 sample skewness, exactly as COINr's ``skew(x, na.rm = TRUE)``.

    Parameters
    ----------
    x
        Values; ``NaN`` are ignored.

    Returns
    -------
    float
        The skewness; ``NaN`` only for a constant vector (zero variance).

    Raises
    ------
    DataError
        Fewer than 3 non-missing values (COINr stops with the same condition).
    """
    d, s2 = _deviations(x, "skewness", 3)
    if s2 == 0:
        return float("nan")
    n = d.size
    g = np.sqrt(n) * np.sum(d**3) / s2**1.5
    return float(g * np.sqrt(n * (n - 1)) / (n - 2))


def kurtosis(x: Sequence[float] | np.ndarray | pd.Series) -> float:
    """Type-2 sample excess kurtosis, exactly as COINr's ``kurt(x, na.rm = TRUE)``.

    Parameters
    ----------
    x
        Values; ``NaN`` are ignored.

    Returns
    -------
    float
        The excess kurtosis; ``NaN`` only for a constant vector (zero variance).

    Raises
    ------
    DataError
        Fewer than 4 non-missing values (COINr stops with the same condition).
    """
    d, s2 = _deviations(x, "kurtosis", 4)
    if s2 == 0:
        return float("nan")
    n = d.size
    r = n * np.sum(d**4) / s2**2
    return float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))


def fails_skew_kurt(skew: float, kurt: float, skew_thresh: float = 2.0, kurt_thresh: float = 3.5) -> bool:
    """COINr's outlier test (negation of ``check_SkewKurt()``'s ``Pass``).

    Returns ``True`` when ``abs(skew) >= skew_thresh and kurt >= kurt_thresh``. ``NaN`` statistics
    (constant column) never fail.
    """
    if np.isnan(skew) or np.isnan(kurt):
        return False
    return bool(abs(skew) >= skew_thresh and kurt >= kurt_thresh)


def _col_skew_kurt(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column-wise type-2 skewness and kurtosis of a 2-D array with NaN (vectorised).

    Columns with too few values (skew: < 3, kurt: < 4) or zero variance get NaN.
    """
    mask = ~np.isnan(A)
    n = mask.sum(axis=0).astype(float)
    A = A / _pow2_scale(A, axis=0)  # exact; no overflow in the powers below
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(mask, A, 0.0).sum(axis=0) / n
        d = np.where(mask, A - mean, 0.0)
        s2 = (d**2).sum(axis=0)
        s3 = (d**3).sum(axis=0)
        s4 = (d**4).sum(axis=0)
        g = np.sqrt(n) * s3 / s2**1.5 * np.sqrt(n * (n - 1)) / (n - 2)
        r = n * s4 / s2**2
        k = ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    g = np.where((n >= 3) & (s2 > 0), g, np.nan)
    k = np.where((n >= 4) & (s2 > 0), k, np.nan)
    return g, k


def most_frequent_count(A: np.ndarray) -> np.ndarray:
    """Per column of ``A``, how many non-missing values equal the most frequent value.

    Values are compared after formatting to 15 significant digits, as R's ``table()`` does
    (COINr ``get_stats()``'s ``N.Same`` is ``max(table(x))``). Vectorised: the columns are
    sorted once and the longest run of equal values is found in each. A column with no value
    gives 0.

    Parameters
    ----------
    A
        2-D array (rows = units, columns = metrics); ``NaN`` = missing.

    Returns
    -------
    numpy.ndarray
        Integer counts, one per column.
    """
    A = np.asarray(A, dtype=float)
    if A.ndim != 2:
        raise DataError(f"most_frequent_count needs a 2-D array, got shape {A.shape}")
    if A.shape[0] == 0:
        return np.zeros(A.shape[1], dtype=np.int64)
    S = np.sort(np.char.mod("%.15g", A).astype(float), axis=0)  # NaN sort last
    start = np.ones(S.shape, dtype=bool)
    start[1:] = S[1:] != S[:-1]
    pos = np.broadcast_to(np.arange(S.shape[0])[:, None], S.shape)
    first = np.maximum.accumulate(np.where(start, pos, 0), axis=0)
    run = np.where(np.isnan(S), 0, pos - first + 1)
    return run.max(axis=0).astype(np.int64)


def metric_stats(
    X: pd.DataFrame, *, skew_thresh: float = 2.0, kurt_thresh: float = 3.5,
    strict: bool = False,
) -> pd.DataFrame:
    """Per-metric statistics (COINr ``get_stats()`` without rounding).

    Parameters
    ----------
    X
        Units × metrics (numeric; ``NaN`` = missing).
    skew_thresh, kurt_thresh
        Thresholds of the outlier flag (see the module docstring).
    strict
        ``False`` (default): ``outlier`` is the treatment rule, ``abs(skew) >= skew_thresh and
        kurt >= kurt_thresh`` (what :mod:`aiindex.treat` would treat). ``True``: COINr
        ``get_stats()``'s ``Flag.SkewKurt``, ``abs(skew) > skew_thresh and kurt > kurt_thresh``.

    Returns
    -------
    pandas.DataFrame
        Index = metric codes; columns ``n``, ``n_avail``, ``availability`` (share non-missing),
        ``min``, ``max``, ``mean``, ``median``, ``sd`` (sample, ddof=1), ``skew``, ``kurt``,
        ``zero_share`` (zeros among non-missing values), ``n_unique`` (distinct non-missing
        values), ``n_same`` and ``same_share`` (count and share among non-missing values of the
        most frequent value: COINr's ``N.Same`` and ``Frc.Same``, see
        :func:`most_frequent_count`), ``outlier`` (bool: fails the skew/kurtosis rule).
        Statistics that are undefined (no values; skew with < 3 values; kurt with < 4; zero
        variance) are ``NaN``.
    """
    A = X.to_numpy(dtype=float)
    mask = ~np.isnan(A)
    n_avail = mask.sum(axis=0)
    g, k = _col_skew_kurt(A)
    n_same = most_frequent_count(A)
    scale = _pow2_scale(A, axis=0) if A.size else np.ones(A.shape[1])
    Xs = X / scale  # mean and sd of huge values without overflow (exact scaling)
    with np.errstate(invalid="ignore", divide="ignore"):
        zero_share = (np.where(mask, A == 0, False).sum(axis=0)) / n_avail
        same_share = n_same / n_avail
    out = pd.DataFrame(
        {
            "n": A.shape[0],
            "n_avail": n_avail,
            "availability": n_avail / A.shape[0] if A.shape[0] else np.nan,
            "min": X.min(),
            "max": X.max(),
            "mean": Xs.mean() * scale,
            "median": X.median(),
            "sd": Xs.std(ddof=1) * scale,
            "skew": g,
            "kurt": k,
            "zero_share": np.where(n_avail > 0, zero_share, np.nan),
            "n_unique": X.nunique(dropna=True).to_numpy(),
            "n_same": n_same,
            "same_share": np.where(n_avail > 0, same_share, np.nan),
        },
        index=pd.Index(X.columns, name="metric"),
    )
    with np.errstate(invalid="ignore"):
        if strict:
            out["outlier"] = (np.abs(g) > skew_thresh) & (k > kurt_thresh)
        else:
            out["outlier"] = (np.abs(g) >= skew_thresh) & (k >= kurt_thresh)
    return out


def unit_availability(X: pd.DataFrame) -> pd.DataFrame:
    """Per-unit data availability (COINr ``get_data_avail()``).

    Parameters
    ----------
    X
        Units × metrics.

    Returns
    -------
    pandas.DataFrame
        Index = units; columns ``n_missing``, ``n_zero`` (zeros among observed values),
        ``availability`` (= 1 - n_missing / n_metrics, COINr ``Dat_Avail``), ``zero_share``
        (= n_zero / n_observed; ``NaN`` for a unit with no observed value; COINr's ``Non_Zero``
        is ``1 - zero_share``).
    """
    A = X.to_numpy(dtype=float)
    mask = ~np.isnan(A)
    k = A.shape[1]
    n_obs = mask.sum(axis=1)
    n_zero = np.where(mask, A == 0, False).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        zero_share = np.where(n_obs > 0, n_zero / n_obs, np.nan)
    return pd.DataFrame(
        {
            "n_missing": k - n_obs,
            "n_zero": n_zero,
            "availability": n_obs / k if k else np.nan,
            "zero_share": zero_share,
        },
        index=X.index,
    )
