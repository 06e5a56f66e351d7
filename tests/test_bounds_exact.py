"""Exact rank bounds over weight sets (aiindex.weights.sets / aiindex.weights.polytope) against
brute force: every vertex of the arrangement of the set's facets and the hyperplanes
``s_j - s_u = eps`` (where the extreme counts are attained), and Monte Carlo draws."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiindex.errors import ConfigError
from aiindex.ranks import rank_array
from aiindex.weights.polytope import Polytope, counts_above
from aiindex.weights.sets import WeightSet


def arrangement_vertices(P: Polytope, H: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Vertices of the arrangement of P's facets and the hyperplanes ``H x = h`` inside P, by
    solving every square system (brute force)."""
    G, g, E, e = P._inequalities()
    x0, *_ = np.linalg.lstsq(E, e, rcond=None)
    from scipy.linalg import null_space

    N = null_space(E)
    r = N.shape[1]
    rows = np.vstack([G, H]) @ N
    rhs = np.concatenate([g, h]) - np.vstack([G, H]) @ x0
    if r == 0:
        return x0[None, :]
    combos = np.array(list(itertools.combinations(range(len(rows)), r)))
    M = rows[combos]
    b = rhs[combos]
    ok = np.abs(np.linalg.det(M)) > 1e-10
    Z = np.linalg.solve(M[ok], b[ok][..., None])[..., 0]
    X = x0[None, :] + Z @ N.T
    inside = (X @ G.T <= g + 1e-9).all(axis=1) & (np.abs(X @ E.T - e) <= 1e-9).all(axis=1)
    return X[inside]


def brute_force(ws: WeightSet, A: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """Best and worst rank by evaluating every arrangement vertex (ties: differences <= eps)."""
    P = ws.polytope()
    n = len(A)
    i, j = np.nonzero(~np.eye(n, dtype=bool))
    V = arrangement_vertices(P, A[i] - A[j], np.full(len(i), eps))
    D = (V @ A.T)[:, None, :] - (V @ A.T)[:, :, None]  # [v, u, j] = s_j - s_u
    tol = 1e-9
    best = 1 + (D > eps + tol).sum(axis=2).min(axis=0)
    worst = 1 + (D >= eps - tol).sum(axis=2).max(axis=0)
    return best, worst


def _set(kind: str, k: int, groups: dict[str, str] | None, rng: np.random.Generator
         ) -> WeightSet:
    codes = [f"c{i}" for i in range(k)]
    if kind == "simplex":
        return WeightSet.simplex(codes, groups)
    w0 = dict(zip(codes, rng.uniform(0.5, 2.0, k), strict=True))
    if kind == "relative":
        return WeightSet.relative(w0, 0.4, groups)
    sizes = {g: sum(1 for c in codes if (groups or {}).get(c, "*") == g)
             for g in set((groups or {c: "*" for c in codes}).values())}
    lower = {c: 0.5 / sizes[(groups or {}).get(c, "*")] for c in codes}
    upper = {c: 1.6 / sizes[(groups or {}).get(c, "*")] for c in codes}
    return WeightSet.box(lower, upper, groups)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(2, 8), k=st.integers(2, 4), kind=st.sampled_from(["simplex", "relative",
                                                                         "box"]),
       two_groups=st.booleans(), seed=st.integers(0, 10_000))
def test_exact_bounds_equal_brute_force_and_contain_monte_carlo(n, k, kind, two_groups, seed):
    rng = np.random.default_rng(seed)
    X = np.round(rng.uniform(0, 100, (n, k)), 2)
    if rng.random() < 0.3:  # duplicate a unit: exact ties
        X[-1] = X[0]
    groups = ({f"c{i}": ("g1" if i < k // 2 else "g2") for i in range(k)}
              if two_groups and k >= 4 else None)
    ws = _set(kind, k, groups, rng)
    mult = np.array([0.4 if (groups or {}).get(c) == "g1" else 0.6 if groups else 1.0
                     for c in ws.codes])
    A = X * mult
    rr = ws.rank_ranges(A)
    best, worst = brute_force(ws, A, rr.eps)
    assert rr.best.tolist() == best.tolist()
    assert rr.worst.tolist() == worst.tolist()
    # the witnesses lie in the set and attain the bounds
    assert ws.contains(rr.witness_best, 1e-6).all() and ws.contains(rr.witness_worst, 1e-6).all()
    idx = np.arange(n)
    rb = 1 + counts_above(rr.witness_best @ A.T, 1.5 * rr.eps)[idx, idx]
    rw = 1 + counts_above(rr.witness_worst @ A.T, 0.5 * rr.eps)[idx, idx]
    assert rb.tolist() == rr.best.tolist() and rw.tolist() == rr.worst.tolist()
    # every Monte Carlo rank from the same set lies within the bounds
    W = ws.sample(400, seed)
    ranks = rank_array(W @ A.T)
    assert ((ranks >= rr.best) & (ranks <= rr.worst)).all()
    # necessarily above implies above at every draw; never possibly above -> never above
    above = (W @ A.T)[:, None, :] - (W @ A.T)[:, :, None] > rr.eps
    assert (above | ~rr.necessarily_above[None]).all()
    assert (~above | rr.possibly_above[None]).all()


def test_relative_raw_weight_draws_stay_inside():
    """The uncertainty engine's weight noise (raw weights × (1 + U(-r, r)), renormalised) lands
    inside the relative set, and its ranks inside the bounds."""
    rng = np.random.default_rng(1)
    X = rng.uniform(0, 100, (30, 5))
    w0 = np.array([1.0, 2.0, 1.0, 0.5, 1.5])
    ws = WeightSet.relative(dict(zip("abcde", w0, strict=True)), 0.25)
    raw = w0 * (1 + rng.uniform(-0.25, 0.25, (5000, 5)))
    W = raw / raw.sum(axis=1, keepdims=True)
    assert ws.contains(W).all()
    rr = ws.rank_ranges(X)
    ranks = rank_array(W @ X.T)
    assert ((ranks >= rr.best) & (ranks <= rr.worst)).all()
    # the bounds are attained by some weights of the set (not only approached)
    assert (ranks.min(axis=0) >= rr.best).all()


def test_hand_computed_two_units_two_weights():
    # s_A = 10 w1 + 0 w2, s_B = 0 w1 + 10 w2: with w1 in [0.4, 0.6] either can lead
    ws = WeightSet.box({"a": 0.4, "b": 0.4}, {"a": 0.6, "b": 0.6})
    A = np.array([[10.0, 0.0], [0.0, 10.0], [3.0, 3.0]])
    rr = ws.rank_ranges(A)
    assert rr.best.tolist() == [1, 1, 3] and rr.worst.tolist() == [2, 2, 3]
    assert rr.necessarily_above[2].tolist() == [True, True, False]
    assert rr.score_min.tolist() == pytest.approx([4, 4, 3]) and rr.score_max[0] == pytest.approx(6)
    # with w1 in [0.55, 0.6] A always leads
    ws2 = WeightSet.box({"a": 0.55, "b": 0.4}, {"a": 0.6, "b": 0.45})
    rr2 = ws2.rank_ranges(A)
    assert rr2.best.tolist() == [1, 2, 3] and rr2.worst.tolist() == [1, 2, 3]


def test_closed_forms_equal_linear_programmes():
    rng = np.random.default_rng(4)
    C = rng.normal(size=(30, 6))
    groups = dict(zip("abcdef", ["p", "p", "p", "q", "q", "q"], strict=True))
    for ws in (WeightSet.simplex(list("abcdef"), groups),
               WeightSet.relative(dict(zip("abcdef", rng.uniform(0.2, 1, 6), strict=True)), 0.5,
                                  groups),
               WeightSet.box(dict.fromkeys("abcdef", 0.1), dict.fromkeys("abcdef", 0.6), groups)):
        lo, hi = ws.extremes(C)
        lo2, hi2 = ws.polytope().extremes(C, use_vertices=False)
        np.testing.assert_allclose(lo, lo2, atol=1e-9)
        np.testing.assert_allclose(hi, hi2, atol=1e-9)


def test_coupled_constraints_and_errors():
    ws = WeightSet.simplex(list("abc")).constrain([{"a": 1.0, "b": -1.0}], [0.0])  # a <= b
    A = np.array([[10.0, 0.0, 0.0], [0.0, 10.0, 0.0], [0.0, 0.0, 10.0]])
    rr = ws.rank_ranges(A)
    assert not rr.possibly_above[1, 0]  # a never beats b
    # a = b = 1/2 ties a with b at the top (ties share the better rank)
    assert rr.best.tolist() == [1, 1, 1] and rr.worst.tolist() == [3, 2, 3]
    with pytest.raises(ConfigError, match="unknown component"):
        ws.constrain([{"zz": 1.0}], [0.0])
    with pytest.raises(ConfigError, match="empty"):
        WeightSet.simplex(list("ab")).constrain([{"a": 1.0}, {"b": 1.0}], [0.2, 0.2])
    with pytest.raises(ConfigError, match=r"\[0, 1\)"):
        WeightSet.relative({"a": 1.0}, 1.5)
    with pytest.raises(ConfigError, match="no local weights"):
        WeightSet.box({"a": 0.6, "b": 0.6}, {"a": 0.9, "b": 0.9})


def test_samples_are_uniform_on_the_simplex_and_reproducible():
    ws = WeightSet.box(dict.fromkeys("abc", 0.0), dict.fromkeys("abc", 1.0))
    W = ws.sample(20000, 3)
    assert ws.contains(W).all()
    np.testing.assert_allclose(W.mean(axis=0), 1 / 3, atol=0.01)
    # uniform on the 2-simplex: P(w_a > 1/2) = 1/4
    assert (W[:, 0] > 0.5).mean() == pytest.approx(0.25, abs=0.015)
    np.testing.assert_array_equal(W, ws.sample(20000, 3))
