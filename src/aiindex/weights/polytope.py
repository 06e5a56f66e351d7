"""Polytopes of weights: linear programmes, vertices, uniform sampling and exact rank ranges.

A set of weights (a weight set given by the user, or the weights that reproduce published
scores within their rounding) is a convex polytope

    P = {x : A_ub x <= b_ub, A_eq x = b_eq, lb <= x <= ub}

and the scores of the units are linear in ``x``: ``s = S x + s0`` (a weighted arithmetic mean
with the other weights fixed). This module answers, exactly, what such a set allows:

* :meth:`Polytope.extremes`: the smallest and largest value of many linear functions over P (a
  unit's score, the difference of two units' scores). From the vertices of P when they can be
  enumerated (Qhull, :class:`scipy.spatial.HalfspaceIntersection`, in the affine hull of P; a
  linear function attains its extremes at a vertex), else one linear programme per function
  (:func:`scipy.optimize.linprog`, HiGHS).
* :func:`rank_ranges`: each unit's best and worst rank over P, and the units above it for
  every point of P ("necessarily above") or for some ("possibly above").
* :meth:`Polytope.sample`: points drawn uniformly from P by hit-and-run (Smith 1984), all chains
  advanced at once.

Exact ranks (rank = 1 + number of units with a higher score; a difference of at most ``eps`` is a
tie). Write ``d_j(x) = s_j(x) - s_u(x)`` for another unit j. Over P, ``d_j`` ranges over
``[lo_j, hi_j]``: j is *necessarily above* u when ``lo_j > eps`` and *possibly above* when
``hi_j > eps``. Then ``1 + #necessarily <= best`` and ``worst <= 1 + #possibly``. The dominance
counts are the answer exactly when one point of P realises them all at once, which one linear
programme per bound checks (the *certificate*): the best rank is ``1 + #necessarily`` iff some x
in P has ``d_j(x) <= eps`` for every undecided j (possibly but not necessarily above); the worst
rank is ``1 + #possibly`` iff some x has ``d_j(x) >= eps`` for all of them. When a certificate
fails, a mixed-integer programme (:func:`scipy.optimize.milp`) with one binary per undecided unit
finds the extreme count; its big-M constants are the exact ranges ``lo_j``, ``hi_j``, so the
formulation is as tight as a big-M one can be. Either way the bound comes with a point of P that
attains it (the *witness*).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from .. import _progress
from ..errors import MethodError

__all__ = ["Polytope", "RankRanges", "rank_ranges", "pair_block_extremes", "ratio_extremes",
           "counts_above"]

#: Qhull is tried for vertex enumeration up to this dimension of the affine hull
MAX_QHULL_DIM = 12
#: and up to this many vertices (larger sets fall back to one LP per function)
MAX_VERTICES = 200_000


def _arr(a: Any, shape: tuple[int, ...]) -> np.ndarray:
    return np.zeros(shape) if a is None else np.asarray(a, dtype=np.float64).reshape(shape)


@dataclass(frozen=True)
class LPResult:
    """Outcome of one linear programme: ``ok`` (solved to optimality), ``value``, ``x``;
    ``unbounded`` when the objective has no finite optimum (``value`` is then ``±inf``)."""

    ok: bool
    value: float
    x: np.ndarray | None
    unbounded: bool = False


@dataclass(frozen=True, eq=False)
class Polytope:
    """``{x : A_ub x <= b_ub, A_eq x = b_eq, lb <= x <= ub}`` (bounds may be infinite).

    Build it with :meth:`make`; it is immutable (vertices and the affine hull are cached).
    """

    A_ub: np.ndarray
    b_ub: np.ndarray
    A_eq: np.ndarray
    b_eq: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    _meta: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def make(cls, dim: int, *, A_ub: Any = None, b_ub: Any = None, A_eq: Any = None,
             b_eq: Any = None, lb: Any = None, ub: Any = None) -> Polytope:
        """A polytope in ``dim`` variables; omitted parts are empty (bounds: ``-inf, inf``).

        Raises
        ------
        MethodError
            Shapes that do not match ``dim``.
        """
        m = 0 if A_ub is None else np.asarray(A_ub).reshape(-1, dim).shape[0]
        p = 0 if A_eq is None else np.asarray(A_eq).reshape(-1, dim).shape[0]
        try:
            return cls(_arr(A_ub, (m, dim)), _arr(b_ub, (m,)), _arr(A_eq, (p, dim)),
                       _arr(b_eq, (p,)),
                       np.full(dim, -np.inf) if lb is None else _arr(lb, (dim,)),
                       np.full(dim, np.inf) if ub is None else _arr(ub, (dim,)))
        except ValueError as exc:
            raise MethodError(f"polytope: inconsistent shapes for {dim} variables: {exc}") from None

    @property
    def dim(self) -> int:
        """Number of variables."""
        return int(self.lb.shape[0])

    def add(self, A_ub: Any = None, b_ub: Any = None, A_eq: Any = None,
            b_eq: Any = None) -> Polytope:
        """The polytope with more rows (a new object)."""
        d = self.dim
        A1, b1 = _arr(A_ub, (-1, d)) if A_ub is not None else np.zeros((0, d)), b_ub
        A2 = _arr(A_eq, (-1, d)) if A_eq is not None else np.zeros((0, d))
        return Polytope(np.vstack([self.A_ub, A1]),
                        np.concatenate([self.b_ub, _arr(b1, (len(A1),))]),
                        np.vstack([self.A_eq, A2]),
                        np.concatenate([self.b_eq, _arr(b_eq, (len(A2),))]),
                        self.lb.copy(), self.ub.copy())

    # ------------------------------------------------------------------ linear programmes
    def lp(self, c: np.ndarray, *, maximize: bool = False) -> LPResult:
        """Minimise (or maximise) ``c · x`` over the polytope (HiGHS)."""
        from scipy.optimize import linprog

        c = np.asarray(c, dtype=np.float64)
        res = linprog(-c if maximize else c,
                      A_ub=self.A_ub if len(self.A_ub) else None,
                      b_ub=self.b_ub if len(self.b_ub) else None,
                      A_eq=self.A_eq if len(self.A_eq) else None,
                      b_eq=self.b_eq if len(self.b_eq) else None,
                      bounds=np.column_stack([self.lb, self.ub]), method="highs")
        if res.status == 3:  # HiGHS: the problem is unbounded
            return LPResult(False, float("inf") if maximize else float("-inf"), None, True)
        if res.status != 0:
            return LPResult(False, float("nan"), None)
        return LPResult(True, float(c @ res.x), np.asarray(res.x))

    @cached_property
    def point(self) -> np.ndarray | None:
        """A point of the polytope (``None`` when it is empty)."""
        r = self.lp(np.zeros(self.dim))
        return r.x

    @property
    def is_empty(self) -> bool:
        """Whether no point satisfies the constraints."""
        return self.point is None

    # ------------------------------------------------------------------ geometry
    def _inequalities(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """All constraints as ``G x <= h`` plus equalities (fixed variables become equalities)."""
        d = self.dim
        eye = np.eye(d)
        fixed = np.isfinite(self.lb) & np.isfinite(self.ub) & (self.ub - self.lb <= 1e-12)
        lo = np.isfinite(self.lb) & ~fixed
        hi = np.isfinite(self.ub) & ~fixed
        G = np.vstack([self.A_ub, -eye[lo], eye[hi]])
        h = np.concatenate([self.b_ub, -self.lb[lo], self.ub[hi]])
        E = np.vstack([self.A_eq, eye[fixed]])
        e = np.concatenate([self.b_eq, self.lb[fixed]])
        return G, h, E, e

    @cached_property
    def hull(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float] | None:
        """``(x0, N, Gz, hz, radius)``: the polytope is ``{x0 + N z : Gz z <= hz}`` with
        ``N`` an orthonormal basis of the equalities' null space, and ``x0`` the centre of the
        largest ball inside it (``radius``). ``None`` when empty."""
        from scipy.linalg import null_space
        from scipy.optimize import linprog

        G, h, E, e = self._inequalities()
        d = self.dim
        if len(E):
            x0, *_ = np.linalg.lstsq(E, e, rcond=None)
            if np.abs(E @ x0 - e).max(initial=0) > 1e-8 * (1 + np.abs(e).max(initial=0)):
                return None
            N = null_space(E)
        else:
            x0, N = np.zeros(d), np.eye(d)
        Gz = G @ N
        hz = h - G @ x0
        norms = np.linalg.norm(Gz, axis=1)
        flat = norms <= 1e-12
        if (hz[flat] < -1e-9).any():
            return None
        Gz, hz, norms = Gz[~flat], hz[~flat], norms[~flat]
        r = N.shape[1]
        if r == 0:
            return x0, N, Gz, hz, 0.0
        # Chebyshev centre: maximise t s.t. Gz z + t ||row|| <= hz
        c = np.zeros(r + 1)
        c[-1] = -1.0
        res = linprog(c, A_ub=np.column_stack([Gz, norms]), b_ub=hz,
                      bounds=[(None, None)] * r + [(0, 1e6)], method="highs")
        if res.status != 0:
            return None
        z = res.x[:r]
        return x0 + N @ z, N, Gz, hz - Gz @ z, float(res.x[-1])

    def vertices(self, max_vertices: int = MAX_VERTICES) -> np.ndarray | None:
        """The vertices (rows), or ``None`` when they cannot be enumerated here (empty set,
        a hull of dimension above :data:`MAX_QHULL_DIM`, too many vertices, or a degenerate
        set whose interior is too thin for Qhull)."""
        if "vertices" in self._meta:
            return self._meta["vertices"]
        V = self._vertices(max_vertices)
        self._meta["vertices"] = V
        return V

    def _vertices(self, max_vertices: int) -> np.ndarray | None:
        h = self.hull
        if h is None:
            return None
        x0, N, Gz, hz, radius = h
        r = N.shape[1]
        if r == 0:
            return x0[None, :]
        if r > MAX_QHULL_DIM or len(Gz) == 0:
            return None
        scale = max(1.0, float(np.abs(x0).max()))
        if radius <= 1e-9 * scale:
            return None
        if r == 1:  # an interval: t in [max of lower limits, min of upper limits]
            g = Gz[:, 0]
            up = np.min(hz[g > 0] / g[g > 0]) if (g > 0).any() else np.inf
            dn = np.max(hz[g < 0] / g[g < 0]) if (g < 0).any() else -np.inf
            if not (np.isfinite(up) and np.isfinite(dn)):
                return None
            return x0[None, :] + np.array([[dn], [up]]) @ N.T
        from scipy.spatial import HalfspaceIntersection, QhullError

        try:
            hs = HalfspaceIntersection(np.column_stack([Gz, -hz]), np.zeros(r))
        except (QhullError, ValueError):
            return None
        Z = hs.intersections
        if not np.isfinite(Z).all() or len(Z) > max_vertices:
            return None
        Z = np.unique(np.round(Z, 12), axis=0)
        return x0[None, :] + Z @ N.T

    # ------------------------------------------------------------------ extremes
    def extremes(self, C: np.ndarray, c0: np.ndarray | None = None, *,
                 use_vertices: bool = True, unbounded: str = "raise"
                 ) -> tuple[np.ndarray, np.ndarray]:
        """Smallest and largest value of ``C[i] · x + c0[i]`` over the polytope, for every row.

        ``unbounded="inf"`` reports a function without a finite minimum (maximum) as ``-inf``
        (``+inf``) instead of raising.

        Raises
        ------
        MethodError
            The polytope is empty, or (with ``unbounded="raise"``) a function is unbounded on it.
        """
        C = np.atleast_2d(np.asarray(C, dtype=np.float64))
        c0 = np.zeros(len(C)) if c0 is None else np.asarray(c0, dtype=np.float64)
        V = self.vertices() if use_vertices else None
        if V is not None:
            vals = C @ V.T
            return vals.min(axis=1) + c0, vals.max(axis=1) + c0
        if self.is_empty:
            raise MethodError("the weight set is empty: no weights satisfy its constraints")
        lo, hi = np.empty(len(C)), np.empty(len(C))
        for i, c in enumerate(C):  # one LP per function (no vertex list available)
            a, b = self.lp(c), self.lp(c, maximize=True)
            ok = (a.ok or a.unbounded) and (b.ok or b.unbounded)
            if not ok or (unbounded != "inf" and (a.unbounded or b.unbounded)):
                raise MethodError("a linear function is unbounded on the weight set; bound every "
                                  "weight")
            lo[i], hi[i] = a.value, b.value
        return lo + c0, hi + c0

    # ------------------------------------------------------------------ sampling
    def sample(self, n: int, rng: np.random.Generator, *, chains: int = 500,
               burn: int | None = None, thin: int | None = None) -> np.ndarray:
        """``n`` points drawn uniformly from the polytope by hit-and-run (all chains at once).

        Each chain starts at the Chebyshev centre, runs ``burn`` steps (default ``50 * dim``
        of the affine hull, at least 200) and then keeps one point every ``thin`` steps
        (default ``dim``). Reproducible with the same ``rng`` state.

        Raises
        ------
        MethodError
            The polytope is empty or unbounded.
        """
        h = self.hull
        if h is None:
            raise MethodError("the weight set is empty: nothing to sample")
        x0, N, Gz, hz, _ = h
        r = N.shape[1]
        if r == 0:
            return np.repeat(x0[None, :], n, axis=0)
        burn = max(200, 50 * r) if burn is None else burn
        thin = max(1, r) if thin is None else thin
        k = max(1, min(chains, n))
        per = -(-n // k)
        Z = np.zeros((k, r))
        out = []
        for step in range(burn + per * thin):  # steps of all chains at once
            D = rng.standard_normal((k, r))
            D /= np.linalg.norm(D, axis=1, keepdims=True)
            rate = D @ Gz.T  # (k, m)
            slack = hz[None, :] - Z @ Gz.T
            with np.errstate(divide="ignore", invalid="ignore"):
                lim = slack / rate
            t_hi = np.where(rate > 1e-15, lim, np.inf).min(axis=1)
            t_lo = np.where(rate < -1e-15, lim, -np.inf).max(axis=1)
            if not (np.isfinite(t_hi).all() and np.isfinite(t_lo).all()):
                raise MethodError("the weight set is unbounded: bound every weight to sample it")
            t = t_lo + (t_hi - t_lo) * rng.random(k)
            Z = Z + t[:, None] * D
            if step >= burn and (step - burn) % thin == thin - 1:
                out.append(Z.copy())
        Zs = np.concatenate(out, axis=0)[:n]
        return x0[None, :] + Zs @ N.T


# ---------------------------------------------------------------------------- rank ranges
@dataclass
class RankRanges:
    """Exact rank ranges of ``n`` units over a polytope (see :func:`rank_ranges`).

    Attributes
    ----------
    best, worst : ndarray of int
        Best (smallest) and worst attainable rank of each unit.
    score_min, score_max : ndarray
        Range of each unit's score.
    necessarily_above, possibly_above : ndarray of bool, (n, n)
        ``[u, j]``: unit j is above unit u for every point / for some point of the set.
    how_best, how_worst : ndarray of str
        How each bound was settled: ``"dominance"`` (no undecided unit), ``"certificate"`` (one
        LP realised the dominance count) or ``"milp"``.
    witness_best, witness_worst : ndarray, (n, dim)
        A point of the set where the unit takes its best / worst rank.
    eps : float
        Score differences up to ``eps`` count as ties.
    """

    best: np.ndarray
    worst: np.ndarray
    score_min: np.ndarray
    score_max: np.ndarray
    necessarily_above: np.ndarray
    possibly_above: np.ndarray
    how_best: np.ndarray
    how_worst: np.ndarray
    witness_best: np.ndarray
    witness_worst: np.ndarray
    eps: float


def pair_block_extremes(extremes: Any, S: np.ndarray, s0: np.ndarray, units: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Ranges of ``s_j - s_u`` for every unit j and every u in ``units``: arrays
    ``(len(units), n)``, computed by ``extremes(C, c0)`` on the stacked difference rows."""
    n = len(S)
    C = (S[None, :, :] - S[units][:, None, :]).reshape(-1, S.shape[1])
    c0 = (s0[None, :] - s0[units][:, None]).reshape(-1)
    lo, hi = extremes(C, c0)
    return lo.reshape(len(units), n), hi.reshape(len(units), n)


def _pairwise(poly: Polytope, S: np.ndarray, s0: np.ndarray, extremes: Any
              ) -> tuple[np.ndarray, np.ndarray]:
    """``lo[u, j]``, ``hi[u, j]``: range of ``s_j - s_u`` over the set (blocks of units)."""
    n, d = S.shape
    V = poly.vertices() if extremes is None else None
    lo, hi = np.empty((n, n)), np.empty((n, n))
    if V is not None:  # differences of vertex scores, in blocks of units to bound memory
        SV = S @ V.T + s0[:, None]
        step = max(1, int(2e7 // max(1, n * len(V))))
        for a in range(0, n, step):  # blocks of units, each one array operation
            D = SV[None, :, :] - SV[a:a + step, None, :]
            lo[a:a + step], hi[a:a + step] = D.min(axis=2), D.max(axis=2)
        return lo, hi
    ext = extremes if extremes is not None else poly.extremes
    if extremes is None:  # one LP per pair: first separate the pairs by the score ranges
        smin, smax = ext(S, s0)
        lo[:] = smin[None, :] - smax[:, None]
        hi[:] = smax[None, :] - smin[:, None]
        u, j = np.nonzero((lo < 0) & (hi > 0))
        if len(u):
            a, b = ext(S[j] - S[u], s0[j] - s0[u])
            lo[u, j], hi[u, j] = a, b
        np.fill_diagonal(lo, 0.0)
        np.fill_diagonal(hi, 0.0)
        return lo, hi
    step = max(1, int(2e6 // max(1, n * d)))
    for a in range(0, n, step):
        units = np.arange(a, min(n, a + step))
        lo[units], hi[units] = pair_block_extremes(ext, S, s0, units)
    return lo, hi


def counts_above(points_scores: np.ndarray, eps: float) -> np.ndarray:
    """For scores ``(m points, n units)``: how many units are more than ``eps`` above each unit
    at each point (``rank - 1``), by one sort and one ``searchsorted`` for all points."""
    Sc = np.asarray(points_scores, dtype=np.float64)
    m, n = Sc.shape
    srt = np.sort(Sc, axis=1)
    span = float(np.ptp(Sc)) + 4 * eps + 1.0
    off = (np.arange(m) * span * 2)[:, None]  # rows placed far apart: one flat searchsorted
    pos = np.searchsorted((srt + off).ravel(), (Sc + eps + off).ravel(), side="right")
    return n - (pos.reshape(m, n) - np.arange(m)[:, None] * n)


def rank_ranges(poly: Polytope, S: np.ndarray, s0: np.ndarray | None = None, *,
                extremes: Any = None, points: np.ndarray | None = None,
                eps: float | None = None) -> RankRanges:
    """Best and worst rank of every unit over the polytope, exactly (module docstring).

    Parameters
    ----------
    poly
        The set of points x (weights, or calibration parameters).
    S, s0
        Scores ``s = S x + s0`` (n units × dim).
    extremes
        Optional fast oracle ``extremes(C, c0) -> (lo, hi)`` for linear functions over the set
        (e.g. the closed forms of a product of simplices); default :meth:`Polytope.extremes`.
    points
        Points of the set tried first as witnesses (default: the vertices when they are few,
        else 1,000 hit-and-run draws); a bound they attain needs no LP or MILP.
    eps
        Score differences up to ``eps`` are ties (default ``1e-6 ×`` the largest absolute
        score, at least ``1e-5``: well above the solvers' feasibility tolerances, about
        ``1e-7``, so that a mixed-integer solution never counts a tie as a win).

    Raises
    ------
    MethodError
        Empty or unbounded set, or a mixed-integer programme that fails.
    """
    S = np.asarray(S, dtype=np.float64)
    n = len(S)
    s0 = np.zeros(n) if s0 is None else np.asarray(s0, dtype=np.float64)
    if poly.is_empty:
        raise MethodError("the weight set is empty: no weights satisfy its constraints")
    ext = extremes if extremes is not None else poly.extremes
    smin, smax = ext(S, s0)
    if eps is None:
        eps = max(1e-5, 1e-6 * float(np.abs(np.concatenate([smin, smax])).max(initial=0)))
    lo, hi = _pairwise(poly, S, s0, extremes)
    nec, pos = lo > eps, hi > eps
    np.fill_diagonal(nec, False)
    np.fill_diagonal(pos, False)
    P = _trial_points(poly, points)
    cnt = counts_above(P @ S.T + s0[None, :], eps)  # (points, units)
    best, worst = 1 + cnt.min(axis=0), 1 + cnt.max(axis=0)
    wb, ww = P[cnt.argmin(axis=0)], P[cnt.argmax(axis=0)]
    lower_best, upper_worst = 1 + nec.sum(axis=1), 1 + pos.sum(axis=1)
    how_b = np.where(best == lower_best, "dominance", "milp").astype(object)
    how_w = np.where(worst == upper_worst, "dominance", "milp").astype(object)
    und = pos & ~nec
    still_open = np.nonzero((best > lower_best) | (worst < upper_worst))[0]
    with _progress.step("exact rank bounds (MILP)", total=len(still_open)) as advance:
        for u in still_open:  # bounds still open
            js = np.nonzero(und[u])[0]
            C, c0 = S[js] - S[u], s0[js] - s0[u]
            for is_worst, found in ((False, best[u]), (True, worst[u])):
                bound = upper_worst[u] if is_worst else lower_best[u]
                if found == bound:
                    continue
                r, how, x = _extreme_rank(poly, C, c0, lo[u, js], hi[u, js], eps,
                                          int(nec[u].sum()), int(found), worst=is_worst)
                if is_worst:
                    worst[u], how_w[u], ww[u] = (r, how, x) if x is not None else (r, how, ww[u])
                else:
                    best[u], how_b[u], wb[u] = (r, how, x) if x is not None else (r, how, wb[u])
            advance()
    return RankRanges(best=best.astype(int), worst=worst.astype(int), score_min=smin,
                      score_max=smax, necessarily_above=nec, possibly_above=pos,
                      how_best=how_b, how_worst=how_w, witness_best=wb, witness_worst=ww,
                      eps=float(eps))


def _trial_points(poly: Polytope, points: np.ndarray | None) -> np.ndarray:
    """Candidate witnesses: given points, else the vertices (if at most 5,000), plus hit-and-run
    draws and the set's interior point."""
    P = [np.atleast_2d(poly.point)]
    if points is not None:
        P.append(np.atleast_2d(np.asarray(points, dtype=np.float64)))
    else:
        V = poly.vertices()
        if V is not None and len(V) <= 5000:
            P.append(V)
        try:
            P.append(poly.sample(1000, np.random.default_rng(0), chains=200))
        except MethodError:
            pass
    return np.vstack(P)


def _extreme_rank(poly: Polytope, C: np.ndarray, c0: np.ndarray, lo: np.ndarray,
                  hi: np.ndarray, eps: float, n_nec: int, found: int, *, worst: bool
                  ) -> tuple[int, str, np.ndarray | None]:
    """Best (or worst) rank of one unit whose undecided rivals have score differences
    ``C x + c0`` (ranges ``lo``, ``hi``), given the rank ``found`` at a known point: the
    certificate LP first, then the MILP restricted to ranks better than ``found`` (for the
    best rank; worse for the worst), which is infeasible exactly when ``found`` is optimal."""
    m = len(C)
    cert = poly.add(-C, c0 - eps) if worst else poly.add(C, eps - c0)
    x = cert.point
    if x is not None:
        return 1 + n_nec + (m if worst else 0), "certificate", x
    count, x = _milp_count(poly, C, c0, lo, hi, eps, worst=worst,
                           cutoff=found - 1 - n_nec)
    if x is None:
        return found, "milp", None
    return 1 + n_nec + count, "milp", x


def _milp_count(poly: Polytope, C: np.ndarray, c0: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                eps: float, *, worst: bool, cutoff: int) -> tuple[int, np.ndarray | None]:
    """Largest (worst) or smallest (best) number of rivals above the unit, one binary per
    rival, restricted to counts better than ``cutoff`` (the count at a known point):
    ``(count, x)``, or ``(cutoff, None)`` when no point does better."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    d, m = poly.dim, len(C)
    rows = [LinearConstraint(np.hstack([poly.A_ub, np.zeros((len(poly.A_ub), m))]),
                             -np.inf, poly.b_ub) if len(poly.A_ub) else None,
            LinearConstraint(np.hstack([poly.A_eq, np.zeros((len(poly.A_eq), m))]),
                             poly.b_eq, poly.b_eq) if len(poly.A_eq) else None]
    ones = np.concatenate([np.zeros(d), np.ones(m)])[None, :]
    if worst:  # z_j = 1 -> d_j >= eps: C x - (eps - lo) z >= lo - c0; more than cutoff above
        rows += [LinearConstraint(np.hstack([C, -np.diag(eps - lo)]), lo - c0, np.inf),
                 LinearConstraint(ones, cutoff + 1, np.inf)]
        cost = -ones[0]
    else:  # z_j = 0 -> d_j <= eps: C x - (hi - eps) z <= eps - c0; fewer than cutoff above
        rows += [LinearConstraint(np.hstack([C, -np.diag(hi - eps)]), -np.inf, eps - c0),
                 LinearConstraint(ones, -np.inf, cutoff - 1)]
        cost = ones[0]
    res = _quiet_milp(milp, cost, integrality=ones[0],
                      bounds=Bounds(np.concatenate([poly.lb, np.zeros(m)]),
                                    np.concatenate([poly.ub, np.ones(m)])),
                      constraints=[r for r in rows if r is not None],
                      options={"mip_rel_gap": 0.0, "presolve": False})
    if res.status == 2:  # infeasible: nothing beats the known point
        return cutoff, None
    if res.status != 0 or res.x is None:
        raise MethodError(f"exact rank bounds: the mixed-integer programme failed "
                          f"({res.message}); use Monte Carlo (aiindex uncertainty) instead")
    return int(np.round(res.x[d:]).sum()), np.asarray(res.x[:d])


def _quiet_milp(milp: Any, *args: Any, **kw: Any) -> Any:
    """``scipy.optimize.milp`` with the solver's own debugging lines (written by HiGHS to the
    process's standard output, below Python) kept off the terminal."""
    import os
    import sys

    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return milp(*args, **kw)
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), fd)
            return milp(*args, **kw)
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def ratio_extremes(poly: Polytope, N: np.ndarray, d: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest ``N[i] · x / d · x`` over the polytope, where ``d · x > 0`` on it
    (e.g. a weight ``v_j`` over its group's sum ``b``): a ratio of linear functions attains its
    extremes at vertices; without a vertex list, the Charnes–Cooper transformation
    (``y = τ x``, ``d · y = 1``) makes each one a linear programme."""
    N = np.atleast_2d(np.asarray(N, dtype=np.float64))
    d = np.asarray(d, dtype=np.float64)
    V = poly.vertices()
    if V is not None:
        den = V @ d
        if (den <= 0).any():
            raise MethodError("ratio_extremes: the denominator must be positive on the set")
        R = (N @ V.T) / den[None, :]
        return R.min(axis=1), R.max(axis=1)
    cc = charnes_cooper(poly, d)
    return cc.extremes(np.hstack([N, np.zeros((len(N), 1))]), use_vertices=False)


def charnes_cooper(poly: Polytope, d: np.ndarray) -> Polytope:
    """The Charnes–Cooper image of a polytope for the denominator ``d · x > 0``: the points
    ``(y, τ) = (x, 1) / (d · x)``, i.e. ``G y - h τ <= 0, E y - e τ = 0, d · y = 1, τ >= 0``.

    A linear function of ``x / (d · x)`` (e.g. weights ``v / b``, or the ranks they induce) is
    linear in ``y``, and the image is bounded even when the polytope is not (scale-free
    directions such as ``b → ∞`` map to ``τ → 0``).
    """
    d = np.asarray(d, dtype=np.float64)
    G, h, E, e = poly._inequalities()
    dim = poly.dim
    return Polytope.make(dim + 1, A_ub=np.column_stack([G, -h]),
                         b_ub=np.zeros(len(G)),
                         A_eq=np.vstack([np.column_stack([E, -e]),
                                         np.concatenate([d, [0.0]])[None, :]]),
                         b_eq=np.concatenate([np.zeros(len(E)), [1.0]]),
                         lb=np.concatenate([np.full(dim, -np.inf), [0.0]]))
