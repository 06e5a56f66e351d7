"""Calibration in the min-change mode: a fit reported feasible meets every target within its
tolerance and respects the weight bounds (``bounds=``/``upper=``), also when the answer comes
from the feasibility LP (affine scale) rather than from SLSQP."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiindex.analysis.calibrate import calibrate

#: slack of the feasibility check (solver round-off), as in the calibration itself
_REL, _ABS = 1e-6, 1e-9


def _assert_invariant(res, lo: np.ndarray, hi: np.ndarray) -> None:
    """Feasible/consistent ⇒ every |fitted − published| <= tol and lo <= w <= hi; the fitted
    scores are those of the reported weights and scale."""
    w = res.weights.to_numpy(dtype=float)
    X = res.problem.P.X_all[res.problem.P.t_idx]
    s = X @ w
    par = res.scale_params
    expect = {"none": s, "affine": par.get("a", 0.0) + par.get("b", 1.0) * s}.get(res.scale)
    if expect is not None:
        np.testing.assert_allclose(res.fitted.to_numpy(), expect, rtol=1e-9, atol=1e-9)
    if res.feasible or res.consistent:
        err = np.abs(res.residuals.to_numpy())
        assert (err <= res.tol * (1 + _REL) + _ABS).all(), (err, res.tol)
        assert res.max_abs_error <= float(np.max(res.tol)) * (1 + _REL) + _ABS
    assert (w >= lo - 1e-7).all() and (w <= hi + 1e-7).all(), (w, lo, hi)
    assert abs(w.sum() - 1.0) <= 1e-7


def test_affine_upper_bound_makes_targets_infeasible():
    # y = a + b·(w1·x1 + w2·x2) with units A (0,0), B (1,0), C (0,1): A = a, B = a + b·w1,
    # C = a + b·w2.  y = (0, 0.3, 0.1) needs w = (0.75, 0.25) (b = 0.4, a = 0).  With
    # w1 <= 0.5 we have w1 <= w2, so pred B <= pred C: 0.3 − t <= 0.1 + t, t >= 0.1, attained
    # at w = (0.5, 0.5), pred B = pred C = 0.2.  Before the fix the LP ignored the bound,
    # certified t = 0 and the unbounded point w = (0.75, 0.25) came back "feasible".
    X = pd.DataFrame({"c1": [0.0, 1, 0], "c2": [0.0, 0, 1]}, index=["A", "B", "C"])
    y = pd.Series([0.0, 0.3, 0.1], index=X.index)
    res = calibrate(y, X, scale="affine", tol=0.01, upper={"c1": 0.5})
    assert res.mode == "min_change"
    assert res.feasible is False and not res.consistent
    assert res.weights["c1"] <= 0.5 + 1e-9
    np.testing.assert_allclose(res.weights.to_numpy(), [0.5, 0.5], atol=1e-6)
    assert res.max_abs_error == pytest.approx(0.1, abs=1e-6)
    assert "smallest achievable maximum error is 0.1" in res.statement
    _assert_invariant(res, np.zeros(2), np.array([0.5, np.inf]))
    # a looser cap keeps the fit feasible: within ±0.01, w1/w2 = (y_B − a)/(y_C − a) lies in
    # [0.29/0.11 at a = −0.01 → 0.30/0.12, 0.30/0.08] = [2.5, 3.75], i.e. w1 in [5/7, 15/19]
    ok = calibrate(y, X, scale="affine", tol=0.01, upper={"c1": 0.8})
    assert ok.feasible is True
    assert 5 / 7 - 1e-6 <= ok.weights["c1"] <= 15 / 19 + 1e-6
    _assert_invariant(ok, np.zeros(2), np.array([0.8, np.inf]))


def test_affine_bounds_reviewer_case_not_feasible():
    # the reviewer's reproduction: 20 units, y = 5 + 0.9·X @ (0.8, 0.1, 0.1), every weight
    # capped at 0.5; no weights within the caps come close (before: w1 = 0.735, feasible)
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.uniform(0, 100, (20, 3)), columns=["a", "b", "c"],
                     index=[f"u{i}" for i in range(20)])
    y = 5 + 0.9 * (X.to_numpy() @ np.array([0.8, 0.1, 0.1]))
    res = calibrate(pd.Series(y, index=X.index), X, scale="affine", tol=0.01,
                    bounds=(0, 0.5), mode="min_change")
    assert res.feasible is False
    assert res.max_abs_error > 0.01
    _assert_invariant(res, np.zeros(3), np.full(3, 0.5))


def test_affine_feasible_fit_keeps_the_lp_scale():
    # two identical components s = 0..4 and y = (0, 0, 0, 0, 4): every w gives s, so only
    # (a, b) matter.  Minimax line: y ≈ s − 1.5, errors (1.5, 0.5, −0.5, −1.5, 1.5), max 1.5
    # (alternation at s = 0, 3, 4).  Least squares: b = 8/10 = 0.8, a = 0.8 − 1.6 = −0.8,
    # max error 1.6.  With tol 1.55 the fit is feasible only with the minimax scale; before the
    # fix it said feasible but reported the least-squares scale (max error 1.6 > 1.55).
    s = np.arange(5.0)
    X = pd.DataFrame({"p": s, "q": s}, index=list("ABCDE"))
    y = pd.Series([0.0, 0, 0, 0, 4], index=X.index)
    res = calibrate(y, X, scale="affine", tol=1.55, mode="min_change")
    assert res.feasible is True and res.consistent
    assert res.max_abs_error == pytest.approx(1.5, abs=1e-6)
    assert res.scale_params["a"] == pytest.approx(-1.5, abs=1e-6)
    assert res.scale_params["b"] == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(res.fitted.to_numpy(), s - 1.5, atol=1e-6)
    # every w gives the same scores, so the closest to the (equal) prior is w = (0.5, 0.5)
    np.testing.assert_allclose(res.weights.to_numpy(), [0.5, 0.5], atol=1e-6)
    assert res.rescale == {"method": "affine", "slope": pytest.approx(1.0, abs=1e-6),
                           "intercept": pytest.approx(-1.5, abs=1e-6)}
    _assert_invariant(res, np.zeros(2), np.full(2, np.inf))
    # below the minimax error no weights/scale fit; the smallest achievable error is 1.5
    bad = calibrate(y, X, scale="affine", tol=1.45, mode="min_change")
    assert bad.feasible is False
    assert bad.max_abs_error == pytest.approx(1.5, abs=1e-6)
    _assert_invariant(bad, np.zeros(2), np.full(2, np.inf))


@st.composite
def _problems(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.Series, float, float, str]:
    k = draw(st.integers(2, 4))
    n = draw(st.integers(1, 5))
    vals = st.integers(0, 10).map(float)
    X = np.array(draw(st.lists(st.lists(vals, min_size=k, max_size=k), min_size=n + 2,
                               max_size=n + 2)))
    y = np.array(draw(st.lists(st.integers(0, 100).map(lambda v: v / 10), min_size=n,
                               max_size=n)))
    cap = draw(st.sampled_from([1.0, 0.6, 0.5, 0.4])) if k > 2 else 1.0
    cap = max(cap, 1.0 / k)
    tol = draw(st.sampled_from([0.05, 0.3, 1.0, 2.5]))
    scale = draw(st.sampled_from(["affine", "none", "auto"]))
    units = [f"u{i}" for i in range(n + 2)]
    return (pd.DataFrame(X, index=units, columns=[f"c{j}" for j in range(k)]),
            pd.Series(y, index=units[:n]), cap, tol, scale)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_problems())
def test_property_feasible_means_within_tolerance_and_bounds(case):
    X, y, cap, tol, scale = case
    res = calibrate(y, X, scale=scale, tol=tol, bounds=(0, cap), mode="min_change")
    _assert_invariant(res, np.zeros(X.shape[1]), np.full(X.shape[1], cap))
    # every alternative flagged feasible meets the tolerance with its own weights too
    P = res.problem.P
    for _, row in res.alternatives[res.alternatives["feasible"] == True].iterrows():  # noqa: E712
        w = row[[f"w_{c}" for c in res.problem.codes]].to_numpy(dtype=float)
        assert P.within(w), (row["aggregator"], row["scale"], w)
        assert row["max_abs_error"] <= tol * (1 + _REL) + _ABS, row.to_dict()
