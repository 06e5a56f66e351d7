"""Weight sets: the weights a user is willing to consider, as a polytope of local weights.

A weight set varies the weights of some components (the nodes of one level, or the metrics'
effective weights). Components are grouped by parent; within each group the **local weights**
``w`` are non-negative and sum to 1. Each group takes one of these shapes:

============ =================================================================================
``simplex``  every local weight in [0, 1]: any mix of the siblings
``box``      ``lower <= w <= upper`` on the local weights (and the sum is 1)
``relative`` the raw weights vary independently within ``[(1 - r)·w0, (1 + r)·w0]`` and are
             renormalised among siblings, as the uncertainty engine's ``weight_noise`` factor
             samples them. The set of local weights this gives is the polytope
             ``{w >= 0, sum w = 1, lower_i·w_j <= upper_j·w_i for all i, j}`` (a point ``w`` is
             such a normalisation iff ``max_i lower_i / w_i <= min_j upper_j / w_j``).
============ =================================================================================

plus optional linear constraints ``A w <= b`` on all local weights together (which may couple
groups). Without coupling, the set is a product of its groups, and a linear function of the
weights ``Σ_j c_j w_j`` is smallest where each group's part is: :meth:`WeightSet.extremes` uses
closed forms per group, vectorised over all functions at once (the fractional-knapsack greedy
for a box on the simplex; for ``relative``, the threshold rule of a linear-fractional programme
over a box: the raw weights below the optimal value's threshold are at their upper bound, the
others at their lower bound). With coupling constraints, :class:`~aiindex.weights.polytope.
Polytope` does the work (vertices or LPs).

Uniform samples of the set (for SMAA acceptability indices): Dirichlet(1, ..., 1) for a plain
simplex, hit-and-run for the other shapes, group by group (uniform on a product = independent
uniform draws per factor).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ..errors import ConfigError
from .polytope import Polytope, RankRanges, rank_ranges

__all__ = ["GroupSet", "WeightSet"]

Shape = Literal["simplex", "box", "relative"]


@dataclass(frozen=True, eq=False)
class GroupSet:
    """The allowed local weights of one group of siblings.

    Parameters
    ----------
    codes
        Component codes.
    shape
        ``simplex``, ``box`` (``lower``/``upper`` bound the local weights) or ``relative``
        (``lower``/``upper`` bound the raw weights, which are renormalised).
    lower, upper
        Arrays aligned with ``codes``.
    """

    codes: tuple[str, ...]
    shape: Shape
    lower: np.ndarray
    upper: np.ndarray
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def k(self) -> int:
        """Number of components."""
        return len(self.codes)

    def polytope(self) -> Polytope:
        """The H-representation of the group's local weights."""
        k = self.k
        if "poly" in self._cache:
            return self._cache["poly"]
        if self.shape == "relative":
            lo, hi = self.lower, self.upper
            i, j = np.nonzero(~np.eye(k, dtype=bool))
            A = np.zeros((len(i), k))
            A[np.arange(len(i)), j] += lo[i]  # lo_i w_j - hi_j w_i <= 0
            A[np.arange(len(i)), i] -= hi[j]
            P = Polytope.make(k, A_ub=A, b_ub=np.zeros(len(i)), A_eq=np.ones((1, k)), b_eq=[1.0],
                              lb=np.zeros(k), ub=np.ones(k))
        else:
            P = Polytope.make(k, A_eq=np.ones((1, k)), b_eq=[1.0], lb=self.lower,
                              ub=np.minimum(self.upper, 1.0))
        self._cache["poly"] = P
        return P

    @property
    def n_aux(self) -> int:
        """Auxiliary variables of :meth:`lifted` (1 for ``relative``, else 0)."""
        return 1 if self.shape == "relative" else 0

    def lifted(self) -> Polytope:
        """An H-representation for optimisation: for ``relative`` in ``(w, t)`` with
        ``lower·t <= w <= upper·t``, ``t >= 0``, ``sum w = 1`` (``t`` = 1 / the sum of the raw
        weights; its projection on ``w`` is exactly the set, with 2k rows instead of
        k(k - 1)); else :meth:`polytope`."""
        if self.shape != "relative":
            return self.polytope()
        k = self.k
        eye = np.eye(k)
        A = np.vstack([np.column_stack([-eye, self.lower]), np.column_stack([eye, -self.upper])])
        return Polytope.make(k + 1, A_ub=A, b_ub=np.zeros(2 * k),
                             A_eq=np.concatenate([np.ones(k), [0.0]])[None, :], b_eq=[1.0],
                             lb=np.zeros(k + 1), ub=np.concatenate([np.ones(k), [np.inf]]))

    def minimum(self, C: np.ndarray) -> np.ndarray:
        """``min over the group's set of C[i] · w`` for every row of ``C`` (vectorised)."""
        C = np.asarray(C, dtype=np.float64)
        order = np.argsort(C, axis=1, kind="stable")
        Cs = np.take_along_axis(C, order, axis=1)
        if self.shape == "relative":  # threshold t: the t smallest coefficients at the upper bound
            lo, hi = self.lower[order], self.upper[order]
            z = np.zeros((len(C), 1))
            num_hi = np.hstack([z, np.cumsum(Cs * hi, axis=1)])
            den_hi = np.hstack([z, np.cumsum(hi, axis=1)])
            num_lo = np.hstack([np.cumsum((Cs * lo)[:, ::-1], axis=1)[:, ::-1], z])
            den_lo = np.hstack([np.cumsum(lo[:, ::-1], axis=1)[:, ::-1], z])
            den = den_hi + den_lo
            with np.errstate(divide="ignore", invalid="ignore"):
                val = np.where(den > 0, (num_hi + num_lo) / np.where(den > 0, den, 1.0), np.inf)
            return val.min(axis=1)
        lo = self.lower[order]
        cap = np.minimum(self.upper, 1.0)[order] - lo  # greedy fill of the cheapest components
        budget = 1.0 - self.lower.sum()
        before = np.hstack([np.zeros((len(C), 1)), np.cumsum(cap, axis=1)[:, :-1]])
        fill = np.clip(budget - before, 0.0, cap)
        return (Cs * (lo + fill)).sum(axis=1)

    def corners(self, max_points: int = 4096) -> np.ndarray | None:
        """The vertices of the group's set (rows; for ``relative``, the normalised corners of
        the raw-weight box, a superset of the vertices), or ``None`` when there are more than
        ``max_points`` candidates."""
        k = self.k
        if self.shape == "simplex":
            return np.eye(k)
        if 2 ** k * (k if self.shape == "box" else 1) > max_points:
            return None
        bits = ((np.arange(2 ** k)[:, None] >> np.arange(k)) & 1).astype(bool)
        if self.shape == "relative":
            R = np.where(bits, self.upper, self.lower)
            tot = R.sum(axis=1)
            return R[tot > 0] / tot[tot > 0, None]
        hi = np.minimum(self.upper, 1.0)
        W = np.repeat(np.where(bits, hi, self.lower)[None], k, axis=0)  # (free j, corner, k)
        j = np.arange(k)
        W[j, :, j] = 0.0
        W[j, :, j] = 1.0 - W.sum(axis=2)[j]  # the one free coordinate takes what is left
        W = W.reshape(-1, k)
        ok = (W >= self.lower - 1e-12).all(axis=1) & (W <= hi + 1e-12).all(axis=1)
        return np.unique(np.round(W[ok], 14), axis=0)

    def sample(self, n: int, rng: np.random.Generator, **kw: Any) -> np.ndarray:
        """``n`` uniform draws from the group's set (rows); ``kw`` go to
        :meth:`Polytope.sample` (hit-and-run settings)."""
        if self.shape == "simplex":
            return rng.dirichlet(np.ones(self.k), size=n)
        return self.polytope().sample(n, rng, **kw)

    def check(self) -> None:
        """Raise :class:`ConfigError` when the set is empty (bounds that cannot sum to 1)."""
        if self.polytope().is_empty:
            raise ConfigError(f"weight set of {list(self.codes)}: no local weights meet the "
                              f"bounds (lower {self.lower.tolist()}, upper "
                              f"{self.upper.tolist()}) and sum to 1")


@dataclass(frozen=True, eq=False)
class WeightSet:
    """A set of local weights of components grouped by parent (module docstring).

    Build it with :meth:`simplex`, :meth:`box`, :meth:`relative`, and add coupling constraints
    with :meth:`constrain`. ``codes`` is the order of the weight vector (groups concatenated).
    """

    groups: tuple[GroupSet, ...]
    labels: tuple[str, ...]
    A_ub: np.ndarray | None = None
    b_ub: np.ndarray | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ constructors
    @staticmethod
    def _grouped(codes: Sequence[str], groups: Mapping[str, str] | None
                 ) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for c in codes:
            out.setdefault(str(groups[c]) if groups is not None else "*", []).append(str(c))
        return out

    @classmethod
    def simplex(cls, codes: Sequence[str], groups: Mapping[str, str] | None = None) -> WeightSet:
        """Any non-negative local weights (each group on its simplex)."""
        g = cls._grouped(codes, groups)
        return cls(tuple(GroupSet(tuple(cs), "simplex", np.zeros(len(cs)), np.ones(len(cs)))
                         for cs in g.values()), tuple(g))

    @classmethod
    def box(cls, lower: Mapping[str, float], upper: Mapping[str, float],
            groups: Mapping[str, str] | None = None) -> WeightSet:
        """Bounds on the local weights (which still sum to 1 in each group).

        Raises
        ------
        ConfigError
            A missing, negative or non-finite bound, ``lower > upper``, or bounds no weights
            meet.
        """
        codes = list(lower)
        _check_bounds(lower, upper, codes)
        g = cls._grouped(codes, groups)
        out = cls(tuple(GroupSet(tuple(cs), "box", np.array([float(lower[c]) for c in cs]),
                                 np.array([float(upper[c]) for c in cs])) for cs in g.values()),
                  tuple(g))
        for gs in out.groups:
            gs.check()
        return out

    @classmethod
    def relative(cls, nominal: Mapping[str, float], r: float,
                 groups: Mapping[str, str] | None = None) -> WeightSet:
        """Raw weights within ``(1 ± r)`` of ``nominal``, renormalised among siblings.

        Raises
        ------
        ConfigError
            ``r`` outside [0, 1) or a negative/non-finite nominal weight, or a group whose
            nominal weights are all zero.
        """
        if not (np.isfinite(r) and 0 <= r < 1):
            raise ConfigError(f"relative weight range must be in [0, 1), got {r}")
        codes = list(nominal)
        w0 = {c: float(nominal[c]) for c in codes}
        bad = {c: v for c, v in w0.items() if not (np.isfinite(v) and v >= 0)}
        if bad:
            raise ConfigError(f"nominal weights must be finite and >= 0: {bad}")
        g = cls._grouped(codes, groups)
        for lab, cs in g.items():
            if sum(w0[c] for c in cs) <= 0:
                raise ConfigError(f"nominal weights of group {lab!r} ({cs}) are all zero")
        return cls(tuple(GroupSet(tuple(cs), "relative",
                                  np.array([(1 - r) * w0[c] for c in cs]),
                                  np.array([(1 + r) * w0[c] for c in cs])) for cs in g.values()),
                   tuple(g))

    def constrain(self, A: Any, b: Any) -> WeightSet:
        """The set with extra constraints ``A @ w <= b`` (``w`` in :attr:`codes` order; ``A``
        may also be a list of ``{code: coefficient}`` mappings).

        Raises
        ------
        ConfigError
            Unknown codes, shapes that do not match, or an empty resulting set.
        """
        codes = self.codes
        if isinstance(A, Sequence) and A and isinstance(A[0], Mapping):
            unknown = sorted({str(c) for row in A for c in row} - set(codes))
            if unknown:
                raise ConfigError(f"weight-set constraints name unknown component(s) {unknown}")
            A = np.array([[float(row.get(c, 0.0)) for c in codes] for row in A])
        A = np.atleast_2d(np.asarray(A, dtype=np.float64))
        b = np.atleast_1d(np.asarray(b, dtype=np.float64))
        if A.shape != (len(b), len(codes)):
            raise ConfigError(f"weight-set constraints: A must be {len(b)} × {len(codes)}, got "
                              f"{A.shape}")
        A0 = A if self.A_ub is None else np.vstack([self.A_ub, A])
        b0 = b if self.b_ub is None else np.concatenate([self.b_ub, b])
        out = WeightSet(self.groups, self.labels, A0, b0)
        if out.polytope().is_empty:
            raise ConfigError("the weight set is empty: no weights meet the constraints")
        return out

    # ------------------------------------------------------------------ structure
    @property
    def codes(self) -> list[str]:
        """Component codes in the order of the weight vector."""
        return [c for g in self.groups for c in g.codes]

    @property
    def group_of(self) -> dict[str, str]:
        """Component code → group label."""
        return {c: lab for g, lab in zip(self.groups, self.labels, strict=True) for c in g.codes}

    @property
    def coupled(self) -> bool:
        """Whether linear constraints couple the weights (no product structure)."""
        return self.A_ub is not None

    def _slices(self) -> list[slice]:
        out, a = [], 0
        for g in self.groups:
            out.append(slice(a, a + g.k))
            a += g.k
        return out

    def polytope(self) -> Polytope:
        """The whole set as one polytope (block diagonal, plus the coupling rows)."""
        if "poly" in self._cache:
            return self._cache["poly"]
        K = len(self.codes)
        parts = [g.polytope() for g in self.groups]
        A_ub = np.zeros((sum(len(p.A_ub) for p in parts), K))
        A_eq = np.zeros((len(parts), K))
        r = 0
        for i, (p, sl) in enumerate(zip(parts, self._slices(), strict=True)):
            A_ub[r:r + len(p.A_ub), sl] = p.A_ub
            r += len(p.A_ub)
            A_eq[i, sl] = 1.0
        b_ub = np.concatenate([p.b_ub for p in parts])
        if self.A_ub is not None and self.b_ub is not None:
            A_ub, b_ub = np.vstack([A_ub, self.A_ub]), np.concatenate([b_ub, self.b_ub])
        P = Polytope.make(K, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=np.ones(len(parts)),
                          lb=np.concatenate([p.lb for p in parts]),
                          ub=np.concatenate([p.ub for p in parts]))
        self._cache["poly"] = P
        return P

    def lifted(self) -> Polytope:
        """The set for linear and mixed-integer programmes: variables ``w`` (:attr:`codes`
        order) followed by one auxiliary variable per ``relative`` group
        (:meth:`GroupSet.lifted`); its projection on ``w`` is the set."""
        if "lifted" in self._cache:
            return self._cache["lifted"]
        K = len(self.codes)
        parts = [g.lifted() for g in self.groups]
        D = K + sum(g.n_aux for g in self.groups)
        rows, eqs, lb, ub = [], [], np.zeros(D), np.zeros(D)
        a, aux = 0, K
        for g, p in zip(self.groups, parts, strict=True):
            cols = list(range(a, a + g.k)) + list(range(aux, aux + g.n_aux))
            for A, out in ((p.A_ub, rows), (p.A_eq, eqs)):
                M = np.zeros((len(A), D))
                M[:, cols] = A
                out.append(M)
            lb[cols], ub[cols] = p.lb, p.ub
            a, aux = a + g.k, aux + g.n_aux
        A_ub = np.vstack(rows)
        b_ub = np.concatenate([p.b_ub for p in parts])
        if self.A_ub is not None and self.b_ub is not None:
            A_ub = np.vstack([A_ub, np.hstack([self.A_ub, np.zeros((len(self.A_ub), D - K))])])
            b_ub = np.concatenate([b_ub, self.b_ub])
        P = Polytope.make(D, A_ub=A_ub, b_ub=b_ub, A_eq=np.vstack(eqs),
                          b_eq=np.concatenate([p.b_eq for p in parts]), lb=lb, ub=ub)
        self._cache["lifted"] = P
        return P

    def extremes(self, C: np.ndarray, c0: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
        """Smallest and largest ``C[i] · w + c0[i]`` over the set, for every row of ``C``
        (``C`` may carry zero columns for the auxiliary variables of :meth:`lifted`)."""
        C = np.atleast_2d(np.asarray(C, dtype=np.float64))[:, :len(self.codes)]
        c0 = np.zeros(len(C)) if c0 is None else np.asarray(c0, dtype=np.float64)
        if self.coupled:
            return self.polytope().extremes(C, c0)
        lo = np.zeros(len(C))
        hi = np.zeros(len(C))
        for g, sl in zip(self.groups, self._slices(), strict=True):  # a few groups
            lo += g.minimum(C[:, sl])
            hi -= g.minimum(-C[:, sl])
        return lo + c0, hi + c0

    def sample(self, n: int, seed: int | np.random.Generator | None = None,
               **kw: Any) -> np.ndarray:
        """``n`` uniform draws from the set (rows in :attr:`codes` order), reproducible with
        ``seed``; ``kw`` go to :meth:`Polytope.sample` (hit-and-run settings)."""
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        if self.coupled:
            return self.polytope().sample(n, rng, **kw)
        return np.hstack([g.sample(n, rng, **kw) for g in self.groups])

    def trial_points(self, n: int = 2000, seed: int = 0) -> np.ndarray:
        """Points of the set to try as witnesses of extreme ranks: every combination of the
        groups' corners when there are at most ``n``, else ``n`` random combinations; plus
        ``n // 2`` uniform draws."""
        rng = np.random.default_rng(seed)
        if self.coupled:
            V = self.polytope().vertices()
            extra = [V] if V is not None and len(V) <= 5 * n else []
            return np.vstack([*extra, self.sample(n, rng, chains=100, burn=100)])
        corners = [g.corners() for g in self.groups]
        parts = []
        if all(c is not None for c in corners):
            sizes = [len(c) for c in corners]
            if int(np.prod(sizes, dtype=float)) <= n:
                idx = np.indices(sizes).reshape(len(sizes), -1).T
            else:
                idx = np.column_stack([rng.integers(0, s, n) for s in sizes])
            parts.append(np.hstack([c[idx[:, i]] for i, c in enumerate(corners)]))
        parts.append(self.sample(max(1, n // 2), rng, chains=100, burn=100))
        return np.vstack(parts)

    def rank_ranges(self, A: np.ndarray, *, eps: float | None = None,
                    points: np.ndarray | None = None) -> RankRanges:
        """Exact best and worst ranks of units scored ``s = A @ w`` over the set
        (:func:`~aiindex.weights.polytope.rank_ranges` on :meth:`lifted`, with the closed-form
        extremes of :meth:`extremes`); witnesses are returned in :attr:`codes` order."""
        A = np.asarray(A, dtype=np.float64)
        K = len(self.codes)
        if A.ndim != 2 or A.shape[1] != K:
            raise ConfigError(f"rank ranges: scores need a units × {K} matrix, got {A.shape}")
        L = self.lifted()
        pad = L.dim - K
        S = np.hstack([A, np.zeros((len(A), pad))])
        pts = self.trial_points() if points is None else np.atleast_2d(points)
        pts = np.hstack([pts, np.zeros((len(pts), pad))])
        rr = rank_ranges(L, S, extremes=self.extremes, points=pts, eps=eps)
        rr.witness_best = rr.witness_best[:, :K]
        rr.witness_worst = rr.witness_worst[:, :K]
        return rr

    def contains(self, W: np.ndarray, tol: float = 1e-9) -> np.ndarray:
        """Whether each row of ``W`` lies in the set (within ``tol``)."""
        W = np.atleast_2d(np.asarray(W, dtype=np.float64))
        P = self.polytope()
        ok = (W >= P.lb - tol).all(axis=1) & (W <= P.ub + tol).all(axis=1)
        if len(P.A_ub):
            ok &= (W @ P.A_ub.T <= P.b_ub + tol).all(axis=1)
        return ok & (np.abs(W @ P.A_eq.T - P.b_eq) <= tol).all(axis=1)


def _check_bounds(lower: Mapping[str, float], upper: Mapping[str, float],
                  codes: list[str]) -> None:
    miss = sorted(set(codes) ^ set(upper))
    if miss:
        raise ConfigError(f"weight bounds: lower and upper must name the same components; "
                          f"differ on {miss}")
    bad = {c: (lower[c], upper[c]) for c in codes
           if not (np.isfinite(float(lower[c])) and np.isfinite(float(upper[c]))
                   and 0 <= float(lower[c]) <= float(upper[c]))}
    if bad:
        raise ConfigError(f"weight bounds must satisfy 0 <= lower <= upper (finite): {bad}")
