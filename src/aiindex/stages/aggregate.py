"""Aggregation: combine children scores into a parent score (stage ``aggregate``).

Registered aggregators (registry :data:`AGGREGATORS`) share one signature::

    f(X: np.ndarray (n, k), W: np.ndarray (n, k), /, *, <keyword params>) -> np.ndarray (n,)

* ``X``: child scores of ``n`` units (rows) for ``k`` children (columns), ``NaN`` = missing.
* ``W``: child weights renormalised **per row over the available children**: ``W = 0`` where
  ``X`` is ``NaN`` and every row with at least one available child sums to 1. A row with no
  available child has ``W = 0`` and its result is ``NaN`` (missing in, missing out).
* Vectorised over units (no Python loop over units).

Weight policy: the weights of a parent's children are relative; they are renormalised among the
children that have data for that unit (COINr's ``a_amean`` etc. do the same).

Registration metadata:

* ``requires_positive=True`` (``geometric``, ``harmonic``): every available child value must be
  ``> 0``; :func:`aggregate_group` checks and names child, unit, parent and method.
* ``domain`` (``power``): a callable ``params -> "positive" | "nonnegative" | None`` for methods
  whose admissible values depend on parameters; see :func:`value_domain`.
* ``monotone=True``: non-decreasing in each child (used by the conformance tests).
* ``weighted=True``: the result depends on ``W`` (``owa`` uses its own position weights).

Formulas follow COINr (``R/aggregate.R``: ``a_amean``, ``a_gmean``, ``a_hmean``, ``a_genmean``,
``outrankMatrix``/``a_copeland``) where COINr has the method; see each docstring.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import DataError, MethodError
from ..registry import Registry
from .base import MethodChoice
from .rescale import rescale_array, rescale_choices
from .resolve import stage_choices, stage_option

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config
    from ..framework import Framework

__all__ = [
    "AGGREGATORS",
    "Outranking",
    "aggregate_group",
    "aggregate_tree",
    "build_weights",
    "node_outranking",
    "outranking_matrix",
    "value_domain",
]

Aggregator = Callable[..., np.ndarray]

AGGREGATORS: Registry[Aggregator] = Registry("aggregator")
"""Registry of aggregators; register your own with ``@AGGREGATORS.register("name")``.

Metadata: ``row_wise=True`` declares that each unit's output depends on its own row only (so
the uncertainty engine may stack replications into one call); Copeland compares units and is
not row-wise.
"""

_TIE_TOL = 1e-12


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _prep(X: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Float copies of X and W (W zeroed where X is NaN) and the 'row has data' mask."""
    X = np.asarray(X, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    if X.ndim != 2 or X.shape != W.shape:
        raise MethodError(f"aggregator: X and W must be 2-D arrays of equal shape, got {X.shape} and {W.shape}")
    avail = ~np.isnan(X)
    W = np.where(avail, W, 0.0)
    has = (W > 0).any(axis=1)
    return X, W, has


def value_domain(method: str, params: Mapping[str, Any] | None = None) -> str | None:
    """Admissible child values of an aggregator: ``"positive"``, ``"nonnegative"`` or ``None``.

    From the registration metadata: a ``domain`` callable (given the params) wins over
    ``requires_positive=True`` (→ ``"positive"``).
    """
    meta = AGGREGATORS.meta(method)
    dom = meta.get("domain")
    if callable(dom):
        return dom(**dict(params or {}))
    if meta.get("requires_positive"):
        return "positive"
    return None


def _check_domain(X: np.ndarray, domain: str | None, method: str) -> None:
    if domain is None:
        return
    bad = (X <= 0) if domain == "positive" else (X < 0)
    if np.any(bad):
        rows, cols = np.nonzero(bad)
        raise MethodError(
            f"aggregator {method!r} needs {domain} values; got {int(bad.sum())} offending value(s) "
            f"at (row, column) {list(zip(rows[:10].tolist(), cols[:10].tolist(), strict=True))}"
        )


# ---------------------------------------------------------------------------------------------
# aggregators
# ---------------------------------------------------------------------------------------------


@AGGREGATORS.register("arithmetic", aliases=("a_amean", "mean"), monotone=True, weighted=True,
                       row_wise=True)
def arithmetic(X: np.ndarray, W: np.ndarray, /) -> np.ndarray:
    """Weighted arithmetic mean ``y = sum_j w_j x_j`` over available children (COINr ``a_amean``)."""
    X, W, has = _prep(X, W)
    y = np.sum(W * np.nan_to_num(X, nan=0.0), axis=1)
    return np.where(has, y, np.nan)


@AGGREGATORS.register(
    "geometric", aliases=("a_gmean",), requires_positive=True, monotone=True, weighted=True,
    row_wise=True,
)
def geometric(X: np.ndarray, W: np.ndarray, /) -> np.ndarray:
    """Weighted geometric mean ``y = exp(sum_j w_j log x_j) = prod_j x_j^w_j`` (COINr ``a_gmean``).

    Requires ``x > 0`` for every available child (:class:`MethodError` otherwise).
    """
    X, W, has = _prep(X, W)
    Xa = np.where(W > 0, X, 1.0)
    _check_domain(np.where(np.isnan(X), 1.0, X), "positive", "geometric")
    y = np.exp(np.sum(W * np.log(Xa), axis=1))
    return np.where(has, y, np.nan)


@AGGREGATORS.register(
    "harmonic", aliases=("a_hmean",), requires_positive=True, monotone=True, weighted=True,
    row_wise=True,
)
def harmonic(X: np.ndarray, W: np.ndarray, /) -> np.ndarray:
    """Weighted harmonic mean ``y = 1 / sum_j (w_j / x_j)`` (COINr ``a_hmean``).

    Requires ``x > 0`` for every available child (COINr only forbids zero; a negative value
    would break monotonicity, so it is an error here too).
    """
    X, W, has = _prep(X, W)
    _check_domain(np.where(np.isnan(X), 1.0, X), "positive", "harmonic")
    Xa = np.where(W > 0, X, 1.0)
    s = np.sum(W / Xa, axis=1)
    y = 1.0 / np.where(has, s, 1.0)
    return np.where(has, y, np.nan)


def _power_domain(p: float = 1.0, **_: Any) -> str | None:
    p = float(p)
    if p == 1.0:
        return None
    return "positive" if p <= 0 else "nonnegative"


@AGGREGATORS.register(
    "power",
    aliases=("a_genmean", "generalised", "generalized"),
    domain=_power_domain,
    monotone=True,
    weighted=True,
    row_wise=True,
)
def power(X: np.ndarray, W: np.ndarray, /, *, p: float = 1.0) -> np.ndarray:
    """Weighted power (generalised) mean ``y = (sum_j w_j x_j^p)^(1/p)`` (COINr ``a_genmean``).

    ``p = 1`` arithmetic, ``p = -1`` harmonic, ``p = 0`` the geometric mean (the limit; COINr
    raises an error for ``p = 0`` instead). Admissible values: any for ``p = 1``; ``x >= 0`` for
    other ``p > 0`` (a real power of a negative number is undefined); ``x > 0`` for ``p <= 0``.
    """
    p = float(p)
    if not np.isfinite(p):
        raise MethodError(f"aggregator 'power': p must be finite, got {p}")
    if p == 0.0:
        return geometric(X, W)
    if p == 1.0:
        return arithmetic(X, W)
    X, W, has = _prep(X, W)
    _check_domain(np.where(np.isnan(X), 1.0, X), _power_domain(p), "power")
    Xa = np.where(W > 0, X, 1.0)
    s = np.sum(W * Xa**p, axis=1)
    y = np.where(has, s, 1.0) ** (1.0 / p)
    return np.where(has, y, np.nan)


@AGGREGATORS.register("median", aliases=("wmedian", "weighted_median"), monotone=True, weighted=True,
                       row_wise=True)
def median(X: np.ndarray, W: np.ndarray, /) -> np.ndarray:
    """Weighted median of the available children (COINr has no built-in weighted median).

    Definition: sort the available values ascending with their weights (summing to 1) and form
    the cumulative weight ``C``. The median is the first value whose ``C >= 1/2``; if ``C``
    equals ``1/2`` exactly (within 1e-12) at that value, the median is the mean of that value
    and the next one. With equal weights this is the ordinary median (``numpy.median``).
    """
    X, W, has = _prep(X, W)
    n, k = X.shape
    if k == 0:
        return np.full(n, np.nan)
    Xs = np.where(W > 0, X, np.inf)  # missing (or zero-weight) children sort last
    order = np.argsort(Xs, axis=1, kind="stable")
    xs = np.take_along_axis(Xs, order, axis=1)
    ws = np.take_along_axis(W, order, axis=1)
    C = np.cumsum(ws, axis=1)
    reach = C >= 0.5 - _TIE_TOL
    idx = np.argmax(reach, axis=1)
    rows = np.arange(n)
    lo = xs[rows, idx]
    exact = np.abs(C[rows, idx] - 0.5) <= _TIE_TOL
    # next value with positive weight: first position after idx with ws > 0
    later = (np.arange(k)[None, :] > idx[:, None]) & (ws > 0)
    has_next = later.any(axis=1)
    nxt = np.where(has_next, np.argmax(later, axis=1), idx)
    hi = xs[rows, nxt]
    y = np.where(exact & has_next, 0.5 * (lo + hi), lo)
    return np.where(has, y, np.nan)


def _owa_position_weights(owa: np.ndarray, m: int) -> np.ndarray:
    """Position weights for ``m`` available children from ``k`` OWA weights.

    The cumulative OWA weights define a piecewise-linear quantifier ``Q`` on ``[0, 1]`` with
    ``Q(i/k) = sum_{l <= i} owa_l``; the weight of position ``j`` (1 = largest) among ``m``
    values is ``Q(j/m) - Q((j-1)/m)``. For ``m = k`` these are the OWA weights themselves.
    """
    k = owa.size
    grid = np.linspace(0.0, 1.0, k + 1)
    Q = np.concatenate([[0.0], np.cumsum(owa)])
    q = np.interp(np.linspace(0.0, 1.0, m + 1), grid, Q)
    return np.diff(q)


@AGGREGATORS.register("owa", monotone=True, weighted=False, row_wise=True)
def owa(X: np.ndarray, W: np.ndarray, /, *, owa_weights: Sequence[float] | None = None) -> np.ndarray:
    """Ordered weighted average ``y = sum_j v_j x_(j)``, ``x_(1) >= x_(2) >= ...`` (Yager 1988).

    ``owa_weights`` (length ``k`` = number of children, non-negative, renormalised to sum 1)
    weight the children by *position* after sorting each unit's values in descending order:
    ``(1, 0, ..., 0)`` is the maximum, ``(0, ..., 0, 1)`` the minimum, equal weights the plain
    mean (default when ``owa_weights`` is ``None``). The importance weights ``W`` only mark
    availability; OWA does not use them.

    Missing children: for a unit with ``m < k`` available children the position weights are
    ``Q(j/m) - Q((j-1)/m)``, where ``Q`` linearly interpolates the cumulative OWA weights
    (``Q(i/k) = owa_1 + ... + owa_i``); this keeps the same "orness" and gives back
    ``owa_weights`` when nothing is missing.
    """
    X, W, has = _prep(X, W)
    n, k = X.shape
    if owa_weights is None:
        v = np.full(k, 1.0 / k) if k else np.zeros(0)
    else:
        v = np.asarray(owa_weights, dtype=np.float64).ravel()
        if v.size != k:
            raise MethodError(f"aggregator 'owa': owa_weights has length {v.size}, but there are {k} children")
        if not np.all(np.isfinite(v)) or np.any(v < 0) or v.sum() <= 0:
            raise MethodError(f"aggregator 'owa': owa_weights must be non-negative with a positive sum, got {v.tolist()}")
        v = v / v.sum()
    avail = W > 0
    m = avail.sum(axis=1)
    Xs = np.where(avail, X, -np.inf)
    xs = -np.sort(-Xs, axis=1)  # descending, missing last
    xs = np.where(np.isfinite(xs), xs, 0.0)
    V = np.zeros((n, k))
    for mm in np.unique(m[m > 0]):  # loop over distinct availability counts (<= k), not units
        rows = m == mm
        V[rows, : int(mm)] = _owa_position_weights(v, int(mm))
    y = np.sum(V * xs, axis=1)
    return np.where(has, y, np.nan)


@AGGREGATORS.register("copeland", aliases=("a_copeland",), monotone=False, weighted=True)
def copeland(X: np.ndarray, W: np.ndarray, /) -> np.ndarray:
    """Weighted Copeland score (COINr ``a_copeland`` ≥ v1.0, built on ``outrankMatrix``).

    Outranking matrix: ``P[i, j] = sum_c v_c [x_ic > x_jc] + 1/2 sum_c v_c [x_ic = x_jc]`` with
    child weights ``v`` summing to 1; ``s_ij = +1`` if ``P[i, j] > 1/2``, ``-1`` if ``< 1/2``,
    ``0`` if ``= 1/2`` (within 1e-12) or ``i = j``. A unit's score is ``sum_j s_ij`` (between
    ``-(n-1)`` and ``n-1``). COINr < 1.0 summed ``P`` itself instead.

    Missing data: a pair is compared on the children available for *both* units, with the
    weights renormalised over them (``v_c = w_c / sum w`` over those children; recovered from
    ``W`` as ``sqrt(W_ic W_jc)``, which is proportional to ``w_c``). A pair with no common
    child ties (``s = 0``); units with no data score ``NaN`` and are not compared. With complete
    data this equals COINr exactly (COINr does not renormalise per pair and scores the lower
    triangle as ``1 - P[j, i]``, which depends on the row order when data are missing).
    """
    X, W, has = _prep(X, W)
    n, k = X.shape
    Pnum = np.zeros((n, n))
    Vsum = np.zeros((n, n))
    R = np.sqrt(W)
    for c in range(k):  # loop over children; each step is an n × n array operation
        v = np.outer(R[:, c], R[:, c])
        xc = X[:, c]
        gt = xc[:, None] > xc[None, :]
        eq = xc[:, None] == xc[None, :]
        Pnum += v * (gt + 0.5 * eq)
        Vsum += v
    common = Vsum > 0
    P = np.where(common, Pnum / np.where(common, Vsum, 1.0), 0.5)
    s = np.where(np.abs(P - 0.5) <= _TIE_TOL, 0.0, np.sign(P - 0.5))
    np.fill_diagonal(s, 0.0)
    s[~has, :] = 0.0
    s[:, ~has] = 0.0
    y = s.sum(axis=1)
    return np.where(has, y, np.nan)


# ---------------------------------------------------------------------------------------------
# outranking matrix (COINr outrankMatrix)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outranking:
    """The outranking matrix of a group of children and its dominance counts.

    Attributes
    ----------
    matrix : DataFrame
        Units × units: ``P[i, j]``, the weighted share of the children on which unit ``i`` beats
        unit ``j`` (ties count one half). ``P[i, i] = 0``; ``P[i, j] + P[j, i] = 1`` for every
        pair with a common child; ``NaN`` for a pair with no common child and in the row and
        column of a unit without data.
    n_dominant : int
        Pairs in which one unit dominates the other: ``P[i, j] = 1`` (up to 1e-12), i.e. ``i``
        is strictly better on every child with a positive weight that both units have (COINr
        ``nDominant``).
    frac_dominant : float
        ``n_dominant`` over the ``m (m - 1) / 2`` pairs of the ``m`` units with data (COINr
        ``fracDominant``).
    """

    matrix: pd.DataFrame
    n_dominant: int
    frac_dominant: float


def outranking_matrix(X: pd.DataFrame | np.ndarray, w: Sequence[float] | np.ndarray |
                      pd.Series | None = None) -> Outranking:
    """The weighted outranking matrix that Copeland aggregation uses (COINr ``outrankMatrix``).

    ``P[i, j] = sum_c v_c [x_ic > x_jc] + 1/2 sum_c v_c [x_ic = x_jc]`` with the child weights
    ``v`` renormalised to sum 1 **over the children that both units have** (as
    :func:`copeland`): with complete data ``v = w / sum(w)`` and this is COINr's matrix, whose
    lower triangle COINr fills as ``1 - P[j, i]`` (equal here up to rounding). With missing data
    COINr keeps the full weights and sums only the comparable children, so its entries no longer
    pair up to 1; aiindex compares each pair on what both have. The Copeland score of
    :func:`copeland` is ``sum_j sign(P[i, j] - 1/2)`` over the other units (``NaN`` pairs
    count 0).

    Dominance uses a tolerance of 1e-12 (COINr tests ``P == 1`` exactly, which can miss a
    dominant pair when the weights do not add up to exactly 1 in floating point, e.g. seven
    equal weights).

    Parameters
    ----------
    X
        Units × children (a DataFrame keeps its unit codes); ``NaN`` = missing.
    w
        Child weights (relative, ``>= 0``, not all zero; a Series is matched to the columns by
        code); ``None`` = equal weights.

    Returns
    -------
    Outranking
        The matrix and the dominance counts.

    Raises
    ------
    MethodError
        Weights of the wrong length, missing for a child, negative, non-finite or all zero.
    """
    if isinstance(X, pd.DataFrame):
        cols, idx = list(X.columns), list(X.index)
        A = X.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        A = np.asarray(X, dtype=np.float64)
        if A.ndim != 2:
            raise MethodError(f"outranking_matrix: X must be 2-D, got shape {A.shape}")
        cols, idx = list(range(A.shape[1])), list(range(A.shape[0]))
    if w is None:
        wv = np.ones(len(cols))
    elif isinstance(w, pd.Series):
        wv = _child_weights(cols, w, "outranking_matrix")
    else:
        wv = np.asarray(w, dtype=np.float64).ravel()
        if wv.size != len(cols):
            raise MethodError(f"outranking_matrix: {wv.size} weight(s) for {len(cols)} children")
        wv = _child_weights(cols, pd.Series(wv, index=cols), "outranking_matrix")
    P, common = _outrank_pairs(A, wv)
    has = (~np.isnan(A) & (wv > 0)[None, :]).any(axis=1)
    P = np.where(common, P, np.nan)
    np.fill_diagonal(P, 0.0)
    P[~has, :] = np.nan
    P[:, ~has] = np.nan
    m = int(has.sum())
    n_dom = int(np.sum(np.abs(P - 1.0) <= _TIE_TOL))
    frac = n_dom / (m * (m - 1) / 2) if m > 1 else float("nan")
    return Outranking(pd.DataFrame(P, index=idx, columns=idx), n_dom, frac)


def _outrank_pairs(A: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``P`` (n × n, weights renormalised per pair over common children) and the mask of pairs
    with a common child of positive weight; one n × n array operation per child."""
    n, k = A.shape
    avail = ~np.isnan(A) & (w > 0)[None, :]
    Pnum = np.zeros((n, n))
    Vsum = np.zeros((n, n))
    for c in range(k):  # loop over children; each step is an n × n array operation
        both = np.outer(avail[:, c], avail[:, c]) * w[c]
        xc = A[:, c]
        Pnum += both * ((xc[:, None] > xc[None, :]) + 0.5 * (xc[:, None] == xc[None, :]))
        Vsum += both
    common = Vsum > 0
    return np.where(common, Pnum / np.where(common, Vsum, 1.0), 0.0), common


def node_outranking(source: Any, node: str, *, framework: Any = None,
                    stage: str = "aggregated") -> Outranking:
    """The outranking matrix of the children of ``node``, with their framework weights.

    Parameters
    ----------
    source
        A :class:`~aiindex.pipeline.Result` (its ``stages[stage]`` and ``framework`` are used)
        or a DataFrame of scores (units × codes, holding ``node``'s children; then give
        ``framework``).
    node
        An aggregate code.
    framework
        The framework (default: ``source.framework``).
    stage
        Stage table of a Result that holds the children's scores (default ``"aggregated"``:
        normalised metrics and aggregate scores).

    Raises
    ------
    MethodError
        ``node`` is unknown or a metric; a child has no column in the data.
    """
    if isinstance(source, pd.DataFrame):
        data = source
    else:
        stages = getattr(source, "stages", None)
        if not isinstance(stages, Mapping) or stage not in stages:
            raise MethodError(f"node_outranking: give a Result with stage {stage!r} or a "
                              "DataFrame of scores")
        data = stages[stage]
    fw = framework if framework is not None else getattr(source, "framework", None)
    if fw is None:
        raise MethodError("node_outranking: a DataFrame needs framework=")
    if node not in fw.nodes or not fw.children(node):
        raise MethodError(f"node_outranking: {node!r} is not an aggregate of the framework")
    kids = list(fw.children(node))
    missing = [c for c in kids if c not in data.columns]
    if missing:
        raise MethodError(f"node_outranking: no scores for child(ren) {missing} of {node!r}")
    w = pd.Series({c: fw.nodes[c].weight for c in kids}, dtype=float)
    return outranking_matrix(data[kids], w)


# ---------------------------------------------------------------------------------------------
# group and tree
# ---------------------------------------------------------------------------------------------


def build_weights(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Per-row renormalised weights: ``W_ij = w_j [x_ij available] / sum_l w_l [x_il available]``.

    Rows whose available children all have zero weight (or no child available) get zeros.
    """
    X = np.asarray(X, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    Wraw = np.where(np.isnan(X), 0.0, np.broadcast_to(w, X.shape))
    s = Wraw.sum(axis=1, keepdims=True)
    return np.where(s > 0, Wraw / np.where(s > 0, s, 1.0), 0.0)


def _fmt_cells(idx: Sequence[Any], cols: Sequence[Any], mask: np.ndarray, limit: int = 10) -> str:
    rows, cc = np.nonzero(mask)
    cells = [f"{cols[j]}@{idx[i]}" for i, j in zip(rows[:limit], cc[:limit], strict=True)]
    more = f" (+{int(mask.sum()) - limit} more)" if mask.sum() > limit else ""
    return ", ".join(cells) + more


def aggregate_group(
    df: pd.DataFrame,
    weights: pd.Series,
    method: str,
    params: Mapping[str, Any] | None = None,
    *,
    parent: str,
    min_share: float = 0.0,
) -> pd.Series:
    """Aggregate the children columns of one parent.

    Parameters
    ----------
    df
        Units × children (scores; ``NaN`` = missing).
    weights
        Child code → weight (relative, ``>= 0``; renormalised per unit over available children).
    method
        Registered aggregator name (or alias).
    params
        Keyword parameters of the aggregator.
    parent
        Code of the parent node (name of the result; used in messages).
    min_share
        Data availability threshold in ``[0, 1]`` as COINr's ``dat_thresh``: a unit whose
        *fraction of available children* (``count(non-missing) / k``, regardless of weights) is
        below ``min_share`` gets ``NaN`` — a defined missing, not an error. Such units are also
        left out of between-unit methods (``copeland``).

    Returns
    -------
    pandas.Series
        Scores indexed like ``df``, named ``parent``. Units with no available child are ``NaN``.

    Raises
    ------
    MethodError
        Unknown method/parameter; weights missing, negative, non-finite or all zero; a unit whose
        available children all have zero weight; for ``requires_positive`` (or ``domain``)
        methods a zero/negative value — naming child(ren), unit(s), parent and method; an
        aggregator returning ``NaN``/``inf`` for a unit with data.
    """
    params = dict(params or {})
    name = AGGREGATORS.canonical(method)
    where = f"parent {parent!r}"
    AGGREGATORS.check_params(name, params, where=where)
    if not 0.0 <= float(min_share) <= 1.0:
        raise MethodError(f"aggregate {where}: min_share must be in [0, 1], got {min_share}")
    cols = list(df.columns)
    w = _child_weights(cols, weights, where)
    X = df.astype("float64").to_numpy(copy=True)
    idx = list(df.index)
    share = (~np.isnan(X)).sum(axis=1) / len(cols)
    X[share < float(min_share), :] = np.nan  # below threshold → defined missing
    _check_inputs(X, w, idx, cols, where, name, value_domain(name, params))
    W = build_weights(X, w)
    y = _call_aggregator(name, X, W, params, where)
    has = (W > 0).any(axis=1)
    badout = has & ~np.isfinite(y)
    if badout.any():
        units = [idx[i] for i in np.nonzero(badout)[0]]
        raise MethodError(f"aggregate {where}: method {name!r} produced NaN/inf for unit(s) {units[:10]}")
    y = np.where(has, y, np.nan)
    return pd.Series(y, index=df.index, name=parent, dtype="float64")


def _child_weights(cols: list[Any], weights: pd.Series, where: str) -> np.ndarray:
    """The children's weights as an array; errors for a missing, negative or all-zero set."""
    if not cols:
        raise MethodError(f"aggregate {where}: no children to aggregate")
    miss = [c for c in cols if c not in weights.index]
    if miss:
        raise MethodError(f"aggregate {where}: no weight for child(ren) {miss}")
    w = weights.reindex(cols).astype("float64").to_numpy()
    badw = [c for c, v in zip(cols, w, strict=True) if not np.isfinite(v) or v < 0]
    if badw:
        raise MethodError(f"aggregate {where}: weights must be finite and >= 0; bad for child(ren) {badw}")
    if not np.any(w > 0):
        raise MethodError(f"aggregate {where}: all child weights are zero ({cols})")
    return w


def _check_inputs(X: np.ndarray, w: np.ndarray, idx: list[Any], cols: list[Any], where: str,
                  name: str, dom: str | None) -> None:
    """Units with data only for zero-weight children; values outside the method's domain."""
    avail = ~np.isnan(X)
    zero_w = avail.any(axis=1) & ~(avail & (w > 0)[None, :]).any(axis=1)
    if zero_w.any():
        units = [idx[i] for i in np.nonzero(zero_w)[0]]
        raise MethodError(
            f"aggregate {where}, method {name!r}: unit(s) {units[:10]} have data only for "
            f"zero-weight children; their score is undefined"
        )
    if dom is not None:
        bad = avail & ((X <= 0) if dom == "positive" else (X < 0))
        if bad.any():
            bc = sorted({cols[j] for j in np.nonzero(bad)[1]})
            bu = sorted({str(idx[i]) for i in np.nonzero(bad)[0]})
            raise MethodError(
                f"aggregate {where}, method {name!r} needs {dom} values: child(ren) {bc} have "
                f"zero/negative values for unit(s) {bu[:20]} ({_fmt_cells(idx, cols, bad)}); "
                "normalise to a positive range (e.g. minmax low=1) or choose another method"
            )


def _call_aggregator(name: str, X: np.ndarray, W: np.ndarray, params: Mapping[str, Any],
                     where: str) -> np.ndarray:
    """Call a registered aggregator; its failures become errors naming the parent."""
    try:
        y = np.asarray(AGGREGATORS.get(name)(X, W, **params), dtype=np.float64)
    except MethodError as exc:
        raise MethodError(f"aggregate {where}, method {name!r}: {exc}") from exc
    except (TypeError, ValueError, ZeroDivisionError) as exc:
        raise MethodError(f"aggregate {where}, method {name!r} failed: {exc!r}") from exc
    if y.shape != (X.shape[0],):
        raise MethodError(f"aggregate {where}: method {name!r} returned shape {y.shape}, "
                          f"expected ({X.shape[0]},)")
    return y


def aggregate_tree(
    data: pd.DataFrame,
    framework: Any,
    choices: Mapping[str, MethodChoice],
    *,
    min_share: Mapping[str, float] | float = 0.0,
    weights: pd.Series | None = None,
    rescale: Mapping[str, MethodChoice] | None = None,
) -> pd.DataFrame:
    """Aggregate bottom-up through the framework.

    Parameters
    ----------
    data
        Units × metrics (normalised scores), columns include every metric that is a child of an
        aggregate.
    framework
        A :class:`~aiindex.framework.Framework` (uses ``aggregates`` (bottom-up), ``children(code)``,
        ``nodes[code].weight``).
    choices
        Aggregate code → :class:`MethodChoice`; codes not present default to ``arithmetic``.
    min_share
        Availability threshold per aggregate code (mapping; absent codes → 0) or one value for
        all (see :func:`aggregate_group`).
    weights
        Optional override: node code → weight. Children not in it keep their framework weight.
    rescale
        Aggregate code → rescaling choice (:mod:`aiindex.stages.rescale`), applied to that
        node's scores right after they are computed, so that its parent aggregates the
        rescaled scores.

    Returns
    -------
    pandas.DataFrame
        Units × aggregate codes, columns in framework node order.

    Raises
    ------
    DataError
        If a child metric is absent from ``data``.
    MethodError
        As :func:`aggregate_group`.
    """
    scores: dict[str, pd.Series] = {}
    agg_codes = list(framework.aggregates)
    for code in agg_codes:
        kids = list(framework.children(code))
        frames = []
        missing = []
        for c in kids:
            if c in scores:
                frames.append(scores[c])
            elif c in data.columns:
                frames.append(data[c].astype("float64"))
            else:
                missing.append(c)
        if missing:
            raise DataError(f"aggregate: child(ren) {missing} of {code!r} are not in the data")
        df = pd.concat(frames, axis=1, keys=kids) if frames else pd.DataFrame(index=data.index)
        w = {}
        for c in kids:
            if weights is not None and c in weights.index:
                w[c] = weights[c]
            else:
                w[c] = framework.nodes[c].weight
        wser = pd.Series(w, dtype="float64")
        choice = choices.get(code, MethodChoice("arithmetic"))
        ms = min_share.get(code, 0.0) if isinstance(min_share, Mapping) else min_share
        s = aggregate_group(df, wser, choice.method, choice.params, parent=code,
                            min_share=float(ms))
        if rescale and code in rescale:
            s = pd.Series(rescale_array(s.to_numpy(), rescale[code], node=code), index=s.index,
                          name=code)
        scores[code] = s
    order = [c for c in framework.nodes if c in scores]
    return pd.DataFrame({c: scores[c] for c in order}, index=data.index)


def aggregate_stage(cfg: Config, fw: Framework, normalized: pd.DataFrame,
                    weights: pd.Series | Mapping[str, float] | None = None) -> pd.DataFrame:
    """Aggregate normalised metrics up the tree; returns units × aggregate codes.

    Parameters
    ----------
    cfg, fw
        The config (its ``aggregate`` section) and the framework.
    normalized
        Units × metrics, normalised.
    weights
        Raw weights replacing the framework's for some nodes.

    Returns
    -------
    DataFrame
        Units × aggregate codes (bottom-up), the root last.
    """
    choices = stage_choices(cfg, fw, "aggregate")
    min_share = {c: float(stage_option(cfg, "aggregate", "min_share", c, fw.nodes[c].level, 0.0))
                 for c in fw.aggregates}
    w = None
    if weights is not None:
        w = pd.Series({c: n.weight for c, n in fw.nodes.items()}, dtype=float)
        w.update(pd.Series(weights, dtype=float))
    rs = rescale_choices(cfg.rescale, fw.root, fw.aggregates)
    return aggregate_tree(normalized, fw, choices, min_share=min_share, weights=w, rescale=rs)
