"""Sobol' estimators (saltelli2010, jansen, coinr), NaN for outputs that barely vary, warnings
for intervals outside [0, 1] (aiindex.analysis.sensitivity)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from aiindex.analysis.sensitivity import ESTIMATORS, sensitivity, sobol, sobol_estimates
from aiindex.errors import ConfigError

# a design by hand: n = 2, d = 2
F_A = np.array([[1.0, 3.0]])
F_B = np.array([[2.0, 4.0]])
F_AB = np.array([[[2.0, 3.0]], [[1.0, 4.0]]])  # (d, s, n)


def test_estimators_by_hand():
    # f_A, f_B = [1, 3], [2, 4]: mean 2.5, population variance 5/4, sample variance 5/3
    # factor 1: f_AB - f_A = [1, 0], f_B - f_AB = [0, 1]; factor 2: [0, 1] and [1, 0]
    s, t = sobol_estimates(F_A, F_B, F_AB, "saltelli2010")
    # centred f_B = [-0.5, 1.5]: S1 = mean([-0.5, 0]) / 1.25, S2 = mean([0, 1.5]) / 1.25
    np.testing.assert_allclose(s, [[-0.2, 0.6]])
    np.testing.assert_allclose(t, [[0.2, 0.2]])      # 0.5 * mean([1, 0]) / 1.25
    s, t = sobol_estimates(F_A, F_B, F_AB, "jansen")
    np.testing.assert_allclose(s, [[0.8, 0.8]])      # 1 - 0.5 * mean([0, 1]) / 1.25
    np.testing.assert_allclose(t, [[0.2, 0.2]])
    s, t = sobol_estimates(F_A, F_B, F_AB, "coinr")
    # uncentred: S1 = mean([2*1, 4*0]) / (5/3) = 0.6, S2 = mean([0, 4]) / (5/3) = 1.2
    np.testing.assert_allclose(s, [[0.6, 1.2]])
    np.testing.assert_allclose(t, [[0.15, 0.15]])    # sum([1, 0]) / (2 * 2 * 5/3)


def coinr_sa_estimate(yy: np.ndarray, N: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    """COINr's SA_estimate() transcribed line by line (yy = [yA, yB, yAB_1, ..., yAB_d])."""
    yABi = yy[2 * N:].reshape(d, N)  # R: matrix(yy[(2N+1):], nrow = N), column i = AB_i
    yA, yB = yy[:N], yy[N:2 * N]
    varY = np.var(np.concatenate([yA, yB]), ddof=1)
    Si = np.array([np.mean(yB * (x - yA)) / varY for x in yABi])
    STi = np.array([np.sum((yA - x) ** 2) / (2 * N * varY) for x in yABi])
    return Si, STi


def test_coinr_estimator_equals_coinr_sa_estimate():
    rng = np.random.default_rng(5)
    N, d = 50, 3
    yy = rng.integers(1, 52, N * (d + 2)).astype(float)  # ranks, as in COINr's analysis
    Si, STi = coinr_sa_estimate(yy, N, d)
    s, t = sobol_estimates(yy[:N][None], yy[N:2 * N][None],
                           yy[2 * N:].reshape(d, 1, N), "coinr")
    np.testing.assert_allclose(s[0], Si, rtol=1e-13)
    np.testing.assert_allclose(t[0], STi, rtol=1e-13)


def test_saltelli2010_is_scipys_estimator():
    def f(x):
        return np.vstack([x[0] + 2 * x[1] ** 2 + x[0] * x[2], np.sin(x[1]) + x[2]])

    dists = [stats.uniform()] * 3
    ours = sobol(f, dists, list("abc"), ["y1", "y2"], n=256, seed=4, n_resamples=19)
    theirs = stats.sobol_indices(func=f, n=256, dists=dists, rng=np.random.default_rng(4))
    for i, o in enumerate(["y1", "y2"]):
        t = ours.table(o).loc[list("abc")]
        np.testing.assert_allclose(t["first_order"], theirs.first_order[i], rtol=1e-12)
        np.testing.assert_allclose(t["total_order"], theirs.total_order[i], rtol=1e-12)


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_additive_model_analytic_indices(estimator):
    # Y = 1 X1 + 2 X2, X ~ U(0, 1): S_i = ST_i = a_i² / (1 + 4) = 0.2, 0.8
    def f(x):
        return (x[0] + 2 * x[1])[None, :]

    res = sobol(f, [stats.uniform()] * 2, ["x1", "x2"], ["y"], n=4096, seed=1,
                n_resamples=49, estimator=estimator)
    t = res.table("y").loc[["x1", "x2"]]
    np.testing.assert_allclose(t["first_order"], [0.2, 0.8], atol=0.04)
    np.testing.assert_allclose(t["total_order"], [0.2, 0.8], atol=0.04)
    assert res.info["estimator"] == estimator


def test_shift_invariance_of_centred_and_jansen_not_coinr():
    rng = np.random.default_rng(0)
    fa, fb, fab = rng.random((1, 64)), rng.random((1, 64)), rng.random((2, 1, 64))
    for est in ("saltelli2010", "jansen"):
        a = sobol_estimates(fa, fb, fab, est)
        b = sobol_estimates(fa + 1000, fb + 1000, fab + 1000, est)
        np.testing.assert_allclose(a[0], b[0], atol=1e-8)
        np.testing.assert_allclose(a[1], b[1], atol=1e-8)
    a = sobol_estimates(fa, fb, fab, "coinr")[0]
    b = sobol_estimates(fa + 1000, fb + 1000, fab + 1000, "coinr")[0]
    assert np.abs(a - b).max() > 0.1  # the uncentred first-order estimate moves with the mean


def test_constant_and_barely_varying_outputs_are_nan_with_a_note():
    def f(x):
        rare = (x[0] > 0.998).astype(float)  # differs from its mode in ~0.2 % of points
        return np.vstack([np.full(x.shape[1], 3.0), rare, x[0] + x[1]])

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        res = sobol(f, [stats.uniform()] * 2, ["a", "b"], ["const", "rare", "sum"], n=1024,
                    seed=2, n_resamples=29)
    c, r, s = res.table("const"), res.table("rare"), res.table("sum")
    assert c[["first_order", "total_order", "first_low"]].isna().all().all()
    assert c["note"].str.contains("constant").all()
    assert r[["first_order", "total_order"]].isna().all().all()
    assert r["note"].str.contains(r"only \d+ of 2048").all()
    assert s[["first_order", "total_order"]].notna().all().all()
    # min_varying = 0 keeps any output that varies at all (its interval may leave [0, 1])
    with pytest.warns(UserWarning, match="leave"):
        res0 = sobol(f, [stats.uniform()] * 2, ["a", "b"], ["const", "rare", "sum"], n=1024,
                     seed=2, n_resamples=29, min_varying=0.0)
    assert res0.table("rare")["total_order"].notna().all()


def test_interval_outside_unit_range_warns_and_notes():
    # x2 has no effect: its first-order interval straddles 0
    def f(x):
        return (x[0] + 0.0 * x[1])[None, :]

    with pytest.warns(UserWarning, match=r"leave \[0, 1\]"):
        res = sobol(f, [stats.uniform()] * 2, ["x1", "x2"], ["y"], n=64, seed=3,
                    n_resamples=99, estimator="jansen")
    t = res.table("y")
    flagged = t[(t["first_low"] < 0) | (t["first_high"] > 1)
                | (t["total_low"] < 0) | (t["total_high"] > 1)]
    assert len(flagged) and flagged["note"].str.contains(r"leaves \[0, 1\]").all()
    assert (t.loc[~t.index.isin(flagged.index), "note"] == "").all()


TOY = {
    "framework": {"code": "Index", "children": [
        {"code": "D1", "children": [{"code": "m1"}, {"code": "m2"}]},
        {"code": "D2", "children": [{"code": "m3"}]}]},
    "normalize": {"method": "minmax", "low": 1, "high": 100},
    "uncertainty": {"factors": [
        {"name": "w", "type": "weight_noise", "level": 2, "relative": 0.5},
        {"name": "agg", "type": "choice", "stage": "aggregate",
         "alternatives": [{"method": "arithmetic"}, {"method": "geometric"}]}]},
}
DATA = pd.DataFrame({"uCode": list("ABCDEF"), "m1": [1, 5, 3, 2, 4, 6.0],
                     "m2": [9, 1, 4, 6, 2, 3.0], "m3": [2, 2.5, 8, 1, 3, 7.0]})


def test_estimator_from_config_section_and_keyword():
    cfg = {**TOY, "sensitivity": {"estimator": "coinr", "n": 64, "seed": 1, "n_sets": 64,
                                  "n_resamples": 19}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        a = sensitivity(cfg, data=DATA, units=["A"], measure="score")
        b = sensitivity(cfg, data=DATA, units=["A"], measure="score", estimator="jansen")
    assert a.info["estimator"] == "coinr" and b.info["estimator"] == "jansen"
    assert "note" in a.indices.columns
    with pytest.raises(ConfigError, match="estimator must be one of"):
        sensitivity(cfg, data=DATA, estimator="sobol2007")
    with pytest.raises(ConfigError, match="min_varying"):
        sensitivity(cfg, data=DATA, min_varying=1.5)
