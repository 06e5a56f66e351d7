"""One-dimensional tiering (Jenks, thresholds, sizes, gaps, quantiles, head/tail) and choosing k.

Published AI indices sort countries into tiers. The :mod:`aiindex.tiers` package offers

* **one-dimensional tiering** of a score (usually the index) by a registered method
  (:data:`TIERERS`): ``jenks``, ``thresholds``, ``sizes``, ``largest_gaps``, ``quantiles``,
  ``head_tail``; :func:`tiers_1d` wraps them for a :class:`pandas.Series`;
* **choosing k** (:func:`choose_k`): goodness of variance fit and a gap/elbow criterion;
* **multi-dimensional tiering** on dimension profiles (:func:`tiers_profile`, Ward or k-means);
* **rule-based refinement** (:func:`refine_tiers`), e.g. the 2023 Global AI Innovation Index rule;
* **tier stability** over replicated score vectors (:func:`tier_probabilities`).

Conventions
-----------
Tier 1 is the top tier (highest scores); tiers are numbered 1, 2, ... downward.

Registered 1-D methods have the signature
``f(scores: np.ndarray (n,), /, *, k, <params>) -> np.ndarray[int64] (n,)``. In this raw array API a
missing score (NaN) gets tier ``0`` ("no tier"); :func:`tiers_1d` turns it into ``<NA>``. Missing
scores are excluded from the computation of the breaks. ``+/-inf`` is an error (:class:`DataError`).
Each built-in method also registers a vectorised *batch* version (registry metadata ``batch``)
working on a matrix (N replications × n units); :func:`tier_probabilities` uses it.

Defined outcomes (all 1-D methods)
----------------------------------
* **Ties**: equal scores always get the same tier, except with ``sizes`` and ``ties="split"``
  (the default there, to reproduce published tier sizes exactly), where a tied group straddling a
  boundary is split in input order (:func:`tiers_1d` first sorts units by label, so the outcome does
  not depend on the order of the units).
* **Fewer distinct scores than k** (including n < k): ``jenks``, ``largest_gaps``, ``quantiles`` and
  ``head_tail`` return as many tiers as there are distinct scores (never an empty tier, no error);
  ``sizes`` raises :class:`MethodError` unless the sizes add up to the number of scored units;
  ``thresholds`` does not depend on k (bands may be empty).
* **Constant scores**: every unit is in tier 1 (except ``thresholds``, which applies the bands, and
  ``sizes``, which applies the sizes).
* **Invalid k** (not an integer, or < 1): :class:`MethodError`.

Numerics: ``jenks`` and ``largest_gaps`` work on the scores rescaled to [0, 1] by
``(x - min) / (max - min)``, so that adding a constant or multiplying by a positive factor gives
bit-identical tiers whenever those operations are exact in float64 (e.g. integer scores, integer
shift and factor), and practically always otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, MethodError
from ..registry import Registry

__all__ = [
    "TIERERS",
    "TierResult",
    "choose_k",
    "head_tail",
    "jenks",
    "largest_gaps",
    "quantiles",
    "sizes",
    "thresholds",
    "tier_bands",
    "tiers_1d",
]

TIERERS: Registry[Callable[..., np.ndarray]] = Registry("tiering method")

#: Upper bound on the number of float64 elements of one temporary array in the Jenks DP.
_BLOCK_ELEMENTS = 4_000_000

_MOVE_COLUMNS = ["step", "rule", "unit", "score", "from_tier", "to_tier", "detail"]


# --------------------------------------------------------------------------------------------
# result type
# --------------------------------------------------------------------------------------------
@dataclass
class TierResult:
    """Tiers of a set of units, with how they were obtained.

    Attributes
    ----------
    tiers
        ``Int64`` Series named ``"tier"``, indexed like the input scores (same order); 1 = top;
        ``<NA>`` for a unit without a score.
    breaks
        Lower bound of each tier, for tiers ``1..max tier`` (so ``breaks[0]`` is tier 1's): the
        lowest score observed in the tier, except for ``thresholds``, where the bands' lower edges
        are reported for tiers 1..k-1. An empty tier (possible with ``thresholds`` or after
        refinement) has ``nan``.
    method
        Name of the method (``"refine"`` for :func:`refine_tiers`).
    params
        Parameters used (including ``k`` where relevant).
    record
        One row per tier (index ``tier``): ``n``, ``min``, ``max``, ``mean`` of the scores and
        ``lower_bound`` (= ``breaks``); :func:`tiers_profile` adds the mean of each dimension.
    moves
        For :func:`refine_tiers`: one row per move, columns ``step, rule, unit, score, from_tier,
        to_tier, detail``; empty otherwise.
    """

    tiers: pd.Series
    breaks: list[float]
    method: str
    params: dict[str, Any]
    record: pd.DataFrame
    moves: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_MOVE_COLUMNS))

    @property
    def n_tiers(self) -> int:
        """Number of non-empty tiers."""
        return int(self.tiers.dropna().nunique())


# --------------------------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------------------------
def _check_k(k: Any, method: str) -> int:
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)):
        raise MethodError(f"tiering method {method!r}: k must be an integer >= 1, got {k!r}")
    if k < 1:
        raise MethodError(f"tiering method {method!r}: k must be an integer >= 1, got {k!r}")
    return int(k)


def _as_matrix(scores: Any, method: str) -> np.ndarray:
    """Return a float64 copy as 2-D (N, n); inf is an error, NaN means missing."""
    try:
        X = np.array(scores, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"tiering method {method!r}: scores must be numeric ({exc})") from exc
    if X.ndim == 1:
        X = X[None, :]
    if X.ndim != 2:
        raise DataError(f"tiering method {method!r}: scores must be 1-D or 2-D, got {X.ndim}-D")
    if np.isinf(X).any():
        raise DataError(f"tiering method {method!r}: scores contain +/-inf")
    return X


def _rescale_rows(xs: np.ndarray) -> np.ndarray:
    """Rescale each row (finite, any order) to [0, 1]; constant rows become 0."""
    lo = xs.min(axis=1, keepdims=True)
    rng = xs.max(axis=1, keepdims=True) - lo
    safe = np.where(rng > 0, rng, 1.0)
    return np.where(rng > 0, (xs - lo) / safe, 0.0)


def _sorted_rows(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(X, axis=1, kind="stable")
    return order, np.take_along_axis(X, order, axis=1)


def _unsort(values_sorted: np.ndarray, order: np.ndarray) -> np.ndarray:
    out = np.empty_like(values_sorted)
    np.put_along_axis(out, order, values_sorted, axis=1)
    return out


def _new_tier_starts(xs: np.ndarray) -> np.ndarray:
    """``True`` where a sorted position holds a new distinct value (a cut may come before it)."""
    d = np.ones(xs.shape, dtype=bool)
    d[:, 1:] = xs[:, 1:] > xs[:, :-1]
    return d


# --------------------------------------------------------------------------------------------
# batch implementations: X (N, n) finite float64 -> tiers (N, n) int64 >= 1
# --------------------------------------------------------------------------------------------
def _jenks_batch(X: np.ndarray, *, k: int) -> np.ndarray:
    """Exact Fisher-Jenks by dynamic programming, vectorised over rows.

    ``D[c][j]`` = least within-class sum of squares of positions ``0..j`` (sorted) in ``c``
    classes; class ``c`` starts at the leftmost best ``i`` (``B[c][j]``). The within-class
    cost satisfies the quadrangle (Monge) inequality, so the best start never decreases with
    ``j`` and each layer is solved by divide and conquer over ``j`` (O(n log n) instead of
    O(n²) candidates, :func:`_jenks_layer`): the same costs, in the same arithmetic, as the full
    minimisation, searched in the range that contains the leftmost minimum.
    """
    N, n = X.shape
    order, xs = _sorted_rows(X)
    z = _rescale_rows(xs)
    starts = _new_tier_starts(xs)  # a class may start at position i only if x[i-1] < x[i]
    keff = np.minimum(k, starts.sum(axis=1))
    K = int(keff.max())
    S1 = np.zeros((N, n + 1))
    S2 = np.zeros((N, n + 1))
    np.cumsum(z, axis=1, out=S1[:, 1:])
    np.cumsum(z * z, axis=1, out=S2[:, 1:])
    B = np.zeros((K + 1, N, n), dtype=np.int64)
    D = np.maximum(S2[:, 1:] - S1[:, 1:] ** 2 / np.arange(1, n + 1, dtype=np.float64), 0.0)
    for c in range(2, K + 1):
        prev = np.full((N, n), np.inf)
        prev[:, 1:] = D[:, :-1]  # cost of c-1 classes covering positions 0..i-1
        prev = np.where(starts, prev, np.inf)
        prev[:, 0] = np.inf
        D, B[c] = _jenks_layer(prev, S1, S2)
    cut = np.zeros((N, n), dtype=np.int64)
    jj = np.full(N, n - 1)
    cc = keff.copy()
    rows_all = np.arange(N)
    for _ in range(K - 1):
        act = cc >= 2
        rows = rows_all[act]
        i = B[cc[act], rows, jj[act]]
        cut[rows, i] = 1
        jj[act] = i - 1
        cc[act] -= 1
    cls = np.cumsum(cut, axis=1)  # 0 = lowest class
    return _unsort(keff[:, None] - cls, order)


def _jenks_layer(prev: np.ndarray, S1: np.ndarray,
                 S2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One layer of the Fisher-Jenks programme by divide and conquer, all rows at once.

    For every row and end position ``j``: ``D[j] = min_i prev[i] + ssd(i..j)`` over
    ``i <= j`` and its leftmost minimiser ``B[j]``. Every open interval ``(jlo, jhi)`` of
    end positions with its start range ``(ilo, ihi)`` is solved at its middle ``j``; the
    candidates of all intervals of all rows form one flat array per recursion depth (about
    ``n + intervals`` candidates per row), minimised per interval with ``reduceat``.
    """
    N, n = prev.shape
    D = np.full((N, n), np.inf)
    B = np.zeros((N, n), dtype=np.int64)
    r = np.arange(N)
    jlo, jhi = np.zeros(N, dtype=np.int64), np.full(N, n - 1)
    ilo, ihi = np.zeros(N, dtype=np.int64), np.full(N, n - 1)
    prev_f, s1f, s2f = prev.ravel(), S1.ravel(), S2.ravel()
    while r.size:  # recursion depths (about log2 n)
        mid = (jlo + jhi) // 2
        top = np.minimum(ihi, mid)
        L = np.maximum(top - ilo + 1, 1)
        seg = np.repeat(np.arange(r.size), L)
        first = np.cumsum(L) - L
        i = ilo[seg] + (np.arange(seg.size) - first[seg])
        rr, jj = r[seg], mid[seg]
        length = jj - i + 1
        s1 = s1f[rr * (n + 1) + jj + 1] - s1f[rr * (n + 1) + i]
        s2 = s2f[rr * (n + 1) + jj + 1] - s2f[rr * (n + 1) + i]
        ssd = np.maximum(s2 - s1 * s1 / np.where(length >= 1, length, 1), 0.0)
        cost = np.where(length >= 1, prev_f[rr * n + i] + ssd, np.inf)
        best = np.minimum.reduceat(cost, first)
        hit = cost == best[seg]
        pos = np.minimum.reduceat(np.where(hit, np.arange(seg.size), seg.size), first)
        arg = np.where(pos < seg.size, i[np.minimum(pos, seg.size - 1)], ilo)
        D[r, mid] = best
        B[r, mid] = arg
        left, right = jlo <= mid - 1, mid + 1 <= jhi
        r = np.concatenate([r[left], r[right]])
        jlo, jhi = (np.concatenate([jlo[left], mid[right] + 1]),
                    np.concatenate([mid[left] - 1, jhi[right]]))
        ilo, ihi = (np.concatenate([ilo[left], arg[right]]),
                    np.concatenate([arg[left], ihi[right]]))
    return D, B


def _largest_gaps_batch(X: np.ndarray, *, k: int) -> np.ndarray:
    N, n = X.shape
    order, xs = _sorted_rows(X)
    z = _rescale_rows(xs)
    m = _new_tier_starts(xs).sum(axis=1)
    keff = np.minimum(k, m)
    cut = np.zeros((N, n), dtype=np.int64)
    if n > 1 and k > 1:
        gaps = np.diff(z, axis=1)  # gap g lies between sorted positions g and g+1
        # widest first; equal gaps: the higher one (upper part of the scale) first
        rank_order = np.argsort(-gaps[:, ::-1], axis=1, kind="stable")
        gap_idx = (n - 2) - rank_order
        take = np.arange(n - 1)[None, :] < (keff - 1)[:, None]
        rows = np.broadcast_to(np.arange(N)[:, None], gap_idx.shape)
        cut[rows[take], gap_idx[take] + 1] = 1
    cls = np.cumsum(cut, axis=1)
    return _unsort(keff[:, None] - cls, order)


def _quantiles_batch(X: np.ndarray, *, k: int) -> np.ndarray:
    """Quantile tiers: a unit's tier is 1 + floor(k · share of units scoring strictly higher)."""
    from scipy.stats import rankdata

    N, n = X.shape
    le = rankdata(X, axis=1, method="max").astype(np.int64)  # values <= x
    greater = n - le
    raw = 1 + (greater * k) // n
    # renumber the tiers present in each row consecutively (k > n, or ties, leave gaps)
    present = np.zeros((N, k + 1), dtype=np.int64)
    present[np.arange(N)[:, None], raw] = 1
    return np.take_along_axis(np.cumsum(present, axis=1), raw, axis=1)


def _head_tail_batch(X: np.ndarray, *, k: int, head_share: float = 0.4) -> np.ndarray:
    N, n = X.shape
    cur = np.ones((N, n), dtype=bool)
    level = np.zeros((N, n), dtype=np.int64)  # times a unit was in the head
    nb = np.zeros(N, dtype=np.int64)
    active = np.ones(N, dtype=bool)
    for _ in range(k - 1):
        cnt = cur.sum(axis=1)
        mean = np.where(cur, X, 0.0).sum(axis=1) / np.maximum(cnt, 1)
        head = cur & (X > mean[:, None])
        hc = head.sum(axis=1)
        ok = active & (hc > 0) & (hc <= head_share * cnt)
        active = ok
        if not active.any():
            break
        head &= active[:, None]
        level += head
        nb += active
        cur = head
    return nb[:, None] + 1 - level


def _thresholds_batch(X: np.ndarray, *, edges_desc: np.ndarray, closed: str) -> np.ndarray:
    asc = edges_desc[::-1]
    side = "right" if closed == "left" else "left"
    # closed="left": tier = 1 + #{edges e : x < e};  closed="right": 1 + #{e : x <= e}
    return len(asc) - np.searchsorted(asc, X, side=side) + 1


def _sizes_batch(X: np.ndarray, *, sizes: np.ndarray, ties: str) -> np.ndarray:
    N, n = X.shape
    order = np.argsort(-X, axis=1, kind="stable")  # descending, ties in input order
    xs = np.take_along_axis(X, order, axis=1)
    tier_pos = np.repeat(np.arange(1, len(sizes) + 1), sizes)
    t = np.broadcast_to(tier_pos, (N, n)).copy()
    if ties == "upper":
        new = np.ones((N, n), dtype=bool)
        new[:, 1:] = xs[:, 1:] < xs[:, :-1]
        run_start = np.maximum.accumulate(np.where(new, np.arange(n), 0), axis=1)
        t = np.take_along_axis(t, run_start, axis=1)
    return _unsort(t, order)


def _run_batch(batch: Callable[..., np.ndarray], X: np.ndarray, **kw: Any) -> np.ndarray:
    """Apply a finite-only batch function to X (N, n) with NaN → tier 0.

    Rows are grouped by their pattern of missing values (usually one pattern), and each group is
    processed in one vectorised call on its non-missing columns, in row chunks bounded in memory.
    """
    N, n = X.shape
    out = np.zeros((N, n), dtype=np.int64)
    miss = np.isnan(X)
    if miss.any():
        patterns, inv = np.unique(miss, axis=0, return_inverse=True)
        inv = np.asarray(inv).reshape(-1)
    else:  # the usual case: one pattern, no unique() over all rows
        patterns, inv = np.zeros((1, n), dtype=bool), np.zeros(N, dtype=np.int64)
    for p, pat in enumerate(patterns):
        rows = np.flatnonzero(inv == p)
        cols = np.flatnonzero(~pat)
        if cols.size == 0:
            continue
        sub = X[np.ix_(rows, cols)]
        step = max(1, _BLOCK_ELEMENTS // max(1, cols.size * cols.size))
        for r0 in range(0, rows.size, step):
            r = rows[r0 : r0 + step]
            out[np.ix_(r, cols)] = batch(sub[r0 : r0 + step], **kw)
    return out


# --------------------------------------------------------------------------------------------
# registered 1-D methods
# --------------------------------------------------------------------------------------------
def _thresholds_kw(breaks: Sequence[float], closed: str, k: int | None) -> dict[str, Any]:
    try:
        e = np.asarray(breaks, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise MethodError(f"tiering method 'thresholds': breaks must be numbers ({exc})") from exc
    if e.size == 0 or not np.isfinite(e).all():
        raise MethodError(
            f"tiering method 'thresholds': breaks must be a non-empty list of finite numbers, got {breaks!r}"
        )
    desc = np.sort(e)[::-1]
    if not (np.array_equal(desc, e) or np.array_equal(desc[::-1], e)) or np.any(np.diff(desc) == 0):
        raise MethodError(
            f"tiering method 'thresholds': breaks must be strictly increasing or decreasing, got {breaks!r}"
        )
    if closed not in ("left", "right"):
        raise MethodError(
            f"tiering method 'thresholds': closed must be 'left' (score >= edge goes up) or "
            f"'right' (score > edge goes up), got {closed!r}"
        )
    if k is not None and _check_k(k, "thresholds") != desc.size + 1:
        raise MethodError(
            f"tiering method 'thresholds': k={k} does not match {desc.size} breaks "
            f"({desc.size + 1} tiers)"
        )
    return {"edges_desc": desc, "closed": closed}


def _sizes_kw(sizes: Sequence[int], ties: str, k: int | None) -> dict[str, Any]:
    s = np.asarray(sizes)
    if s.ndim != 1 or s.size == 0 or not np.issubdtype(s.dtype, np.integer) or (s < 1).any():
        raise MethodError(
            f"tiering method 'sizes': sizes must be a list of positive integers, got {sizes!r}"
        )
    if ties not in ("split", "upper"):
        raise MethodError(f"tiering method 'sizes': ties must be 'split' or 'upper', got {ties!r}")
    if k is not None and _check_k(k, "sizes") != s.size:
        raise MethodError(f"tiering method 'sizes': k={k} does not match {s.size} sizes")
    return {"sizes": s.astype(np.int64), "ties": ties}


def _check_sizes_total(X: np.ndarray, sizes: np.ndarray) -> None:
    nv = (~np.isnan(X)).sum(axis=1)
    bad = nv != sizes.sum()
    if bad.any():
        raise MethodError(
            f"tiering method 'sizes': sizes add up to {int(sizes.sum())} but "
            f"{int(nv[bad][0])} units have a score"
        )


def _batch_for(method: str, X: np.ndarray, params: Mapping[str, Any]) -> np.ndarray:
    """Tiers (N, n), 0 for missing, of every row of X by a registered method."""
    name = TIERERS.canonical(method)
    TIERERS.check_params(name, params)
    meta = TIERERS.meta(name)
    prep = meta.get("prepare")
    batch = meta.get("batch")
    if batch is None:  # user-registered method without a batch version: row by row
        f = TIERERS.get(name)
        return np.stack([np.asarray(f(row, **params), dtype=np.int64) for row in X])
    kw = prep(X, **params)
    return _run_batch(batch, X, **kw)


def _prep_head_tail(X: np.ndarray, *, k: Any, head_share: float = 0.4) -> dict[str, Any]:
    if not (0.0 < float(head_share) < 1.0):
        raise MethodError(
            f"tiering method 'head_tail': head_share must be in (0, 1), got {head_share!r}"
        )
    return {"k": _check_k(k, "head_tail"), "head_share": float(head_share)}


def _prep_thresholds(
    X: np.ndarray, *, breaks: Sequence[float], closed: str = "left", k: int | None = None
) -> dict[str, Any]:
    return _thresholds_kw(breaks, closed, k)


def _prep_sizes(
    X: np.ndarray, *, sizes: Sequence[int], ties: str = "split", k: int | None = None
) -> dict[str, Any]:
    kw = _sizes_kw(sizes, ties, k)
    _check_sizes_total(X, kw["sizes"])
    return kw


def _one(method: str, scores: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    X = _as_matrix(scores, method)
    if X.shape[0] != 1:
        raise DataError(f"tiering method {method!r}: scores must be 1-D")
    return _batch_for(method, X, params)[0]


@TIERERS.register(
    "jenks",
    aliases=("fisher_jenks", "natural_breaks"),
    batch=_jenks_batch,
    prepare=lambda X, *, k: {"k": _check_k(k, "jenks")},
    k_based=True,
)
def jenks(scores: np.ndarray, /, *, k: int) -> np.ndarray:
    """Exact Fisher-Jenks natural breaks (optimal 1-D k-means, minimum within-tier SSD).

    Dynamic programming over the sorted scores in float64 with prefix sums, O(k·n²) time; the
    inner minimisation over candidate break positions is one numpy operation for all end
    positions (and all replications in :func:`tier_probabilities`). A break is never placed between
    equal scores; with fewer than ``k`` distinct scores there is one tier per distinct score.

    Parameters
    ----------
    scores
        Scores (n,); NaN = missing (tier 0).
    k
        Number of tiers (>= 1).

    Returns
    -------
    numpy.ndarray
        int64 tiers (n,), 1 = highest scores.
    """
    return _one("jenks", scores, {"k": k})


@TIERERS.register(
    "largest_gaps",
    aliases=("gaps",),
    batch=_largest_gaps_batch,
    prepare=lambda X, *, k: {"k": _check_k(k, "largest_gaps")},
    k_based=True,
)
def largest_gaps(scores: np.ndarray, /, *, k: int) -> np.ndarray:
    """Cut the sorted distinct scores at their ``k - 1`` widest gaps.

    Equal gaps (after rescaling to [0, 1]) are taken from the top of the scale down.

    Parameters
    ----------
    scores
        Scores (n,); NaN = missing (tier 0).
    k
        Number of tiers (>= 1).

    Returns
    -------
    numpy.ndarray
        int64 tiers (n,), 1 = highest scores.
    """
    return _one("largest_gaps", scores, {"k": k})


@TIERERS.register(
    "quantiles",
    aliases=("quantile",),
    batch=_quantiles_batch,
    prepare=lambda X, *, k: {"k": _check_k(k, "quantiles")},
    k_based=True,
)
def quantiles(scores: np.ndarray, /, *, k: int) -> np.ndarray:
    """Quantile tiers of (nearly) equal size, by rank.

    A unit's tier is ``1 + floor(k * g / n)``, where ``g`` is the number of scored units with a
    strictly higher score and ``n`` the number of scored units: tier ``t`` holds the units with
    ``(t-1)/k <= g/n < t/k``; tiers left empty by this rule (when ``k > n`` or with ties) are
    dropped and the others renumbered consecutively. Ties share a tier (many ties can give fewer
    than ``k`` tiers); with distinct scores and ``n >= k`` there are exactly ``k`` tiers.
    Depends only on the order of the scores.

    Parameters
    ----------
    scores
        Scores (n,); NaN = missing (tier 0).
    k
        Number of tiers (>= 1).

    Returns
    -------
    numpy.ndarray
        int64 tiers (n,), 1 = highest scores.
    """
    return _one("quantiles", scores, {"k": k})


@TIERERS.register(
    "head_tail",
    aliases=("head_tail_breaks",),
    batch=_head_tail_batch,
    prepare=_prep_head_tail,
    k_based=True,
)
def head_tail(scores: np.ndarray, /, *, k: int, head_share: float = 0.4) -> np.ndarray:
    """Head/tail breaks (Jiang 2013) for heavy-tailed scores; ``k`` is a maximum.

    Split at the mean: units strictly above it form the head. Repeat on the head while the head is
    non-empty, holds at most ``head_share`` of the current units, and fewer than ``k`` tiers exist.

    Parameters
    ----------
    scores
        Scores (n,); NaN = missing (tier 0).
    k
        Maximum number of tiers (>= 1).
    head_share
        Largest share of units in a head for the split to be kept (default 0.4).

    Returns
    -------
    numpy.ndarray
        int64 tiers (n,), 1 = highest scores.
    """
    return _one("head_tail", scores, {"k": k, "head_share": head_share})


@TIERERS.register(
    "thresholds",
    aliases=("bands", "fixed_thresholds"),
    batch=_thresholds_batch,
    prepare=_prep_thresholds,
    k_based=False,
)
def thresholds(
    scores: np.ndarray,
    /,
    *,
    breaks: Sequence[float],
    closed: str = "left",
    k: int | None = None,
) -> np.ndarray:
    """Fixed score bands.

    ``breaks`` are the band edges, given descending or ascending (strictly monotone); there are
    ``len(breaks) + 1`` tiers. With ``closed="left"`` (default) a score equal to an edge belongs
    to the *upper* band (``score >= edge``); with ``closed="right"`` it belongs to the lower band
    (``score > edge`` needed to go up). Example, the 2020 Global AI Innovation Index bands "above
    60 / 30-60 / 15-30 / below 15": ``breaks=[60, 30, 15]`` gives tier 1 for ``score >= 60``,
    tier 2 for ``30 <= score < 60``, tier 3 for ``15 <= score < 30`` and tier 4 below 15.

    Parameters
    ----------
    scores
        Scores (n,); NaN = missing (tier 0).
    breaks
        Band edges.
    closed
        ``"left"`` or ``"right"``, see above.
    k
        Optional; if given it must equal ``len(breaks) + 1``.

    Returns
    -------
    numpy.ndarray
        int64 tiers (n,), 1 = highest band. Bands may be empty.
    """
    return _one("thresholds", scores, {"breaks": breaks, "closed": closed, "k": k})


@TIERERS.register(
    "sizes", aliases=("fixed_sizes",), batch=_sizes_batch, prepare=_prep_sizes, k_based=False
)
def sizes(
    scores: np.ndarray,
    /,
    *,
    sizes: Sequence[int],
    ties: str = "split",
    k: int | None = None,
) -> np.ndarray:
    """Fixed tier sizes (e.g. ``[2, 9, 13, 22]``) from the top score down.

    The sizes must add up to the number of scored units (else :class:`MethodError`).
    ``ties="split"`` (default) keeps the sizes exact: a group of equal scores straddling a boundary
    is split in input order. ``ties="upper"`` keeps ties together: the whole tied group joins the
    tier of its best-placed member (that tier grows, the next one shrinks).

    Parameters
    ----------
    scores
        Scores (n,); NaN = missing (tier 0).
    sizes
        Number of units in tiers 1, 2, ...
    ties
        ``"split"`` or ``"upper"``.
    k
        Optional; if given it must equal ``len(sizes)``.

    Returns
    -------
    numpy.ndarray
        int64 tiers (n,), 1 = highest scores.
    """
    return _one("sizes", scores, {"sizes": sizes, "ties": ties, "k": k})


# --------------------------------------------------------------------------------------------
# Series front end
# --------------------------------------------------------------------------------------------
def _scores_series(scores: pd.Series, what: str) -> pd.Series:
    if not isinstance(scores, pd.Series):
        raise DataError(f"{what}: scores must be a pandas Series indexed by unit")
    if scores.index.has_duplicates:
        dup = scores.index[scores.index.duplicated()].unique().tolist()
        raise DataError(f"{what}: duplicated unit(s) {dup}")
    try:
        s = scores.astype("float64")
    except (TypeError, ValueError) as exc:
        raise DataError(f"{what}: scores must be numeric ({exc})") from exc
    bad = s.index[np.isinf(s.to_numpy())].tolist()
    if bad:
        raise DataError(f"{what}: score is +/-inf for unit(s) {bad}")
    return s


def _label_order(index: pd.Index) -> np.ndarray:
    """Positions sorting the index labels (by their string form, so mixed labels work)."""
    return np.argsort(np.asarray([str(u) for u in index], dtype=object), kind="stable")


def _tier_series(values: np.ndarray, index: pd.Index) -> pd.Series:
    t = pd.array(np.where(values > 0, values, 0), dtype="Int64")
    t[values <= 0] = pd.NA
    return pd.Series(t, index=index, name="tier")


def _record(
    tiers: pd.Series, scores: pd.Series, max_tier: int | None = None
) -> tuple[pd.DataFrame, list[float]]:
    ok = tiers.notna()
    t = tiers[ok].astype("int64")
    s = scores[ok]
    top = int(max(t.max() if len(t) else 0, max_tier or 0))
    g = s.groupby(t.to_numpy())
    rec = pd.DataFrame({"n": g.size(), "min": g.min(), "max": g.max(), "mean": g.mean()}).reindex(
        pd.RangeIndex(1, top + 1, name="tier")
    )
    rec["n"] = rec["n"].fillna(0).astype("int64")
    rec["lower_bound"] = rec["min"]
    return rec, [float(v) for v in rec["lower_bound"]]


def tiers_1d(scores: pd.Series, method: str = "jenks", **params: Any) -> TierResult:
    """Tier units by one score with a registered 1-D method.

    Units are processed in the order of their labels (so results never depend on the order of the
    input); the returned Series keeps the input order.

    Parameters
    ----------
    scores
        Scores indexed by unit; NaN → tier ``<NA>``, excluded from the break computation.
    method
        Name in :data:`TIERERS` (``jenks``, ``thresholds``, ``sizes``, ``largest_gaps``,
        ``quantiles``, ``head_tail`` or a user method).
    **params
        Method parameters, e.g. ``k=4`` or ``breaks=[60, 30, 15]``.

    Returns
    -------
    TierResult
    """
    name = TIERERS.canonical(method)
    s = _scores_series(scores, f"tiering method {name!r}")
    TIERERS.check_params(name, params, where="tiers")
    pos = _label_order(s.index)
    X = s.to_numpy(dtype=np.float64)[pos][None, :]
    t_sorted = _batch_for(name, X, params)[0]
    t = np.empty_like(t_sorted)
    t[pos] = t_sorted
    tiers = _tier_series(t, s.index)
    max_tier = None
    if name == "thresholds":
        max_tier = len(params["breaks"]) + 1
    elif name == "sizes":
        max_tier = len(params["sizes"])
    rec, breaks = _record(tiers, s, max_tier)
    if name == "thresholds":
        edges = np.sort(np.asarray(params["breaks"], dtype=np.float64))[::-1]
        breaks = [float(e) for e in edges] + [breaks[-1]]
        rec["lower_bound"] = breaks
    return TierResult(tiers=tiers, breaks=breaks, method=name, params=dict(params), record=rec)


def _cut_text(x: float) -> str:
    return f"{x:.6g}"


def _band_text(lower: float, upper: float, closed: str) -> str:
    """``"35 to < 50"``-style description of a band (``nan``: no limit on that side)."""
    ge, lt = (">=", "<") if closed == "left" else (">", "<=")
    if np.isnan(lower) and np.isnan(upper):
        return "any score"
    if np.isnan(upper):
        return f"{ge} {_cut_text(lower)}"
    if np.isnan(lower):
        return f"{lt} {_cut_text(upper)}"
    return f"{ge} {_cut_text(lower)} and {lt} {_cut_text(upper)}"


def tier_bands(result: TierResult, scores: pd.Series | None = None) -> pd.DataFrame:
    """The score band of each tier by the method that set the tiers.

    A band is given by ``k - 1`` cut points, one between each pair of tiers: tier ``t`` holds
    the scores from its ``lower`` cut up to (not including) the ``lower`` cut of tier ``t - 1``;
    tier 1 has no upper limit and the bottom tier no lower limit (``nan``). With ``thresholds``
    the cuts are the configured ``breaks`` (``closed="right"``: a score equal to a cut belongs
    to the lower band). A data-driven method (``jenks``, ``quantiles``, ``sizes``, ...) has no
    thresholds of its own: its cut for tier ``t`` is the lowest score of tier ``t`` when the
    method set the tiers, so the band holds exactly that tier's scores, unless equal scores were
    split between two tiers (``sizes``, ``quantiles`` with ``ties="split"``), which both bands
    then say (``"; scores of 60 split between tiers 1 and 2"``). Tiers refined by rules
    (:func:`refine_tiers` through the ``tiers`` section, ``method="refine"``) report the bands of
    the method *before* the rules (``params["base_method"]`` and ``params["base"]``): the rules
    may move a unit outside its band, which :attr:`TierResult.record` (``min``/``max``) shows.
    Profile clustering (``ward``, ``kmeans``) has no score band (``nan``).

    Parameters
    ----------
    result
        A :class:`TierResult` (from :func:`tiers_1d`, :func:`refine_tiers` or the ``tiers``
        section).
    scores
        The scores that were tiered (needed for refined tiers of a data-driven method; else the
        result's own record is used).

    Returns
    -------
    DataFrame
        Index ``tier`` (1 .. the highest tier), columns ``lower``, ``upper`` (``nan``: no
        limit), ``closed`` (``"left"``: a score equal to ``lower`` is in the tier), ``band`` (the
        band as text, e.g. ``">= 35 and < 50"``) and ``basis`` (where the cuts come from).

    Raises
    ------
    DataError
        Refined tiers of a data-driven method without ``scores``.
    """
    method, params, base = result.method, dict(result.params), result.tiers
    refined = method == "refine" and "base_method" in params
    if refined:
        method, base = str(params["base_method"]), params.get("base", base)
        params = dict(params.get("base_params") or {})
    name = TIERERS.canonical(method) if method in TIERERS else method
    b = pd.Series(base)
    ok = b.notna()
    n = max(len(result.record), int(b[ok].max()) if ok.any() else 0)
    closed = "left"
    split: list[bool] = []  # cuts that equal scores straddle (data-driven methods only)
    if name == "thresholds":
        cuts = [float(e) for e in np.sort(np.asarray(params["breaks"], dtype=np.float64))[::-1]]
        closed = str(params.get("closed", "left"))
        basis = "fixed score bands (thresholds)"
        n = max(n, len(cuts) + 1)
    elif name in TIERERS and method != "refine":
        if refined and scores is None:
            raise DataError("tier_bands: pass the scores that were tiered (the tiers were "
                            f"refined by rules after {name!r})")
        if refined:
            s = _scores_series(scores, "tier_bands").reindex(b.index)
            g = s[ok].groupby(b[ok].astype("int64").to_numpy())
            low, high = g.min(), g.max()
        else:
            low, high = result.record["min"], result.record["max"]
        cuts = [float(low.get(t, np.nan)) for t in range(1, n)]
        # equal scores split between two tiers (sizes/quantiles with ties="split"): the cut is
        # not a threshold that separates them, and the band says so
        split = [bool(float(low.get(t, np.nan)) <= float(high.get(t + 1, np.nan)))
                 for t in range(1, n)]
        basis = f"{name}: each tier's lowest score when the method set the tiers"
    else:
        cuts = [np.nan] * max(n - 1, 0)
        basis = f"{name}: no score band (tiers not set by a score threshold)"
    if refined:
        basis += "; then rules (a unit moved by a rule may lie outside its band)"
    lower = np.array(cuts + [np.nan])[:n]
    upper = np.array([np.nan] + cuts)[:n]
    idx = pd.RangeIndex(1, n + 1, name="tier")
    band = [_band_text(lo, up, closed) for lo, up in zip(lower, upper, strict=True)]
    for t, (cut, tie) in enumerate(zip(cuts, split or [False] * len(cuts), strict=True), 1):
        if tie and t < n:  # the cut below tier t is shared by tiers t and t + 1
            note = f"; scores of {_cut_text(cut)} split between tiers {t} and {t + 1}"
            band[t - 1] += note
            band[t] += note
    return pd.DataFrame({"lower": lower, "upper": upper, "closed": closed, "band": band,
                         "basis": basis}, index=idx)


# --------------------------------------------------------------------------------------------
# choosing k
# --------------------------------------------------------------------------------------------
def choose_k(
    scores: pd.Series | np.ndarray,
    ks: Iterable[int] = range(2, 9),
    method: str = "jenks",
    **params: Any,
) -> pd.DataFrame:
    """Goodness of variance fit and a gap/elbow criterion for several numbers of tiers.

    For each ``k``: the tiers by ``method`` (a k-based method: ``jenks``, ``largest_gaps``,
    ``quantiles``, ``head_tail``), then

    * ``sdam`` = sum of squared deviations of the scores from their mean; ``sdcm`` = sum over tiers
      of squared deviations from the tier means; ``gvf = 1 - sdcm / sdam`` (1 = perfect; defined
      as 1 for constant scores, where ``sdam = 0``); ``gvf_gain`` = increase over the previous k;
    * ``min_boundary_gap`` = the smallest score gap across the tier boundaries (lowest score of a
      tier to the highest score of the next), and ``gap_ratio`` = that gap divided by the mean gap
      between consecutive distinct scores (> 1: every boundary sits in a wider than average gap);
    * ``elbow``: ``True`` at the k whose GVF lies farthest above the chord joining the first and
      last points of the GVF curve (the "knee": beyond it more tiers add little fit; needs at
      least three ks);
    * ``best_gap``: ``True`` at the largest k whose ``gap_ratio`` is maximal.

    Parameters
    ----------
    scores
        Scores (Series or 1-D array); NaN values are ignored.
    ks
        Numbers of tiers to try (each >= 1).
    method
        A k-based registered method.
    **params
        Further method parameters (not ``k``).

    Returns
    -------
    pandas.DataFrame
        Index ``k``; columns ``n_tiers, sdcm, sdam, gvf, gvf_gain, min_boundary_gap, gap_ratio,
        elbow, best_gap``. ``min_boundary_gap`` and ``gap_ratio`` are NaN when there is a single
        tier (no boundary).
    """
    name = TIERERS.canonical(method)
    if not TIERERS.meta(name).get("k_based", False):
        raise MethodError(f"choose_k: tiering method {name!r} does not take k")
    if "k" in params:
        raise MethodError("choose_k: give the candidate numbers of tiers as ks, not k")
    x = _as_matrix(np.asarray(scores, dtype=np.float64), name)
    if x.shape[0] != 1:
        raise DataError("choose_k: scores must be 1-D")
    x = x[0][~np.isnan(x[0])]
    if x.size == 0:
        raise DataError("choose_k: no scored unit")
    ks = [_check_k(k, name) for k in ks]
    if not ks:
        raise MethodError("choose_k: ks is empty")
    T = np.stack([_batch_for(name, x[None, :], {**params, "k": k})[0] for k in ks])  # (K, n)
    sdam = float(((x - x.mean()) ** 2).sum())
    kmax = int(T.max())
    onehot = T[:, None, :] == np.arange(1, kmax + 1)[None, :, None]  # (K, kmax, n)
    cnt = onehot.sum(axis=2)
    sums = (onehot * x).sum(axis=2)
    means = np.where(cnt > 0, sums / np.maximum(cnt, 1), 0.0)
    sdcm = ((onehot * (x[None, None, :] - means[:, :, None])) ** 2).sum(axis=(1, 2))
    gvf = np.ones(len(ks)) if sdam == 0 else 1.0 - sdcm / sdam
    big = np.where(onehot, x, -np.inf).max(axis=2)
    small = np.where(onehot, x, np.inf).min(axis=2)
    # boundary gap between tier t (lower bound) and tier t+1 (upper bound)
    bgap = small[:, :-1] - big[:, 1:]
    bgap = np.where(np.isfinite(bgap), bgap, np.inf)
    ntiers = (cnt > 0).sum(axis=1)
    mgap = np.where(ntiers > 1, bgap.min(axis=1) if kmax > 1 else np.nan, np.nan)
    u = np.unique(x)
    mean_gap = float(np.diff(u).mean()) if u.size > 1 else np.nan
    ratio = mgap / mean_gap if u.size > 1 else np.full(len(ks), np.nan)
    out = pd.DataFrame(
        {
            "n_tiers": ntiers,
            "sdcm": sdcm,
            "sdam": sdam,
            "gvf": gvf,
            "gvf_gain": np.concatenate([[np.nan], np.diff(gvf)]),
            "min_boundary_gap": mgap,
            "gap_ratio": ratio,
        },
        index=pd.Index(ks, name="k"),
    )
    kk = np.asarray(ks, dtype=np.float64)
    elbow = np.zeros(len(ks), dtype=bool)
    if len(ks) >= 3 and kk[-1] != kk[0]:
        chord = gvf[0] + (gvf[-1] - gvf[0]) * (kk - kk[0]) / (kk[-1] - kk[0])
        elbow[int(np.argmax(gvf - chord))] = True
    out["elbow"] = elbow
    best = np.zeros(len(ks), dtype=bool)
    if np.isfinite(ratio).any():
        r = np.where(np.isfinite(ratio), ratio, -np.inf)
        best[len(r) - 1 - int(np.argmax(r[::-1]))] = True
    out["best_gap"] = best
    return out
