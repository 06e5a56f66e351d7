"""Tests of the Sobol' sensitivity analysis (aiindex.analysis.sensitivity)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from aiindex.analysis.sensitivity import sensitivity, sobol
from aiindex.analysis.uncertainty import Engine
from aiindex.errors import ConfigError

#: the Sobol' interval warning is the subject of tests/test_sobol_estimators.py; here it is noise
pytestmark = pytest.mark.filterwarnings("ignore:Sobol' bootstrap intervals leave:UserWarning")


ASEM_UA = Path(__file__).resolve().parents[1] / "configs" / "asem_uncertainty.yaml"


def test_sobol_additive_model_recovers_analytic_first_order():
    # Y = 1 X1 + 2 X2 + 3 X3, X_i ~ U(0, 1): S_i = a_i^2 / sum a_j^2 = 1/14, 4/14, 9/14
    a = np.array([1.0, 2.0, 3.0])

    def f(x):
        return (a @ x)[None, :]

    res = sobol(f, [stats.uniform()] * 3, ["x1", "x2", "x3"], ["y"], n=4096, seed=1,
                n_resamples=99)
    t = res.table("y").loc[["x1", "x2", "x3"]]
    expected = a**2 / (a**2).sum()
    np.testing.assert_allclose(t["first_order"].to_numpy(), expected, atol=0.03)
    np.testing.assert_allclose(t["total_order"].to_numpy(), expected, atol=0.03)
    assert (t["first_low"] <= t["first_high"]).all()


def test_sobol_additive_discrete_factors():
    # Y = X1 + X2 with X1 ~ randint(0, 2) (var 1/4), X2 ~ randint(0, 4) (var 15/12)
    def f(x):
        return (x[0] + x[1])[None, :]

    res = sobol(f, [stats.randint(0, 2), stats.randint(0, 4)], ["a", "b"], ["y"], n=4096,
                seed=2, n_resamples=99)
    v = np.array([0.25, 15 / 12])
    np.testing.assert_allclose(res.table("y").loc[["a", "b"], "first_order"].to_numpy(),
                               v / v.sum(), atol=0.03)


def toy(factors):
    return {
        "framework": {"code": "Index", "children": [
            {"code": "D1", "children": [{"code": "m1"}, {"code": "m2"}]},
            {"code": "D2", "children": [{"code": "m3"}]}]},
        "normalize": {"method": "minmax", "low": 1, "high": 100},
        "uncertainty": {"factors": factors},
    }


DATA = pd.DataFrame({"uCode": list("ABCDEF"), "m1": [1, 5, 3, 2, 4, 6.0],
                     "m2": [9, 1, 4, 6, 2, 3.0], "m3": [2, 2.5, 8, 1, 3, 7.0]})


def test_engine_irrelevant_factor_has_zero_index():
    # D2 has one child: the weight of m3 cannot matter -> its total index is exactly 0
    f = [{"name": "w_m3", "type": "weight_noise", "nodes": ["m3"], "relative": 0.5},
         {"name": "w_L2", "type": "weight_noise", "level": 2, "relative": 0.5},
         {"name": "agg", "type": "choice", "stage": "aggregate",
          "alternatives": [{"method": "arithmetic"}, {"method": "geometric"}]}]
    res = sensitivity(toy(f), data=DATA, n=256, seed=3, units=["A"], measure="score",
                      n_sets=256, n_resamples=99)
    t = res.table("score[A]")
    assert t.loc["w_m3", "total_order"] == pytest.approx(0.0, abs=1e-12)
    assert t.loc["w_L2", "total_order"] > 0.05
    assert set(res.outputs) == {"mean_abs_rank_shift", "score[A]"}
    assert res.n_evaluations == 256 * 5


def test_ungrouped_weight_noise_one_factor_per_node():
    f = [{"name": "w", "type": "weight_noise", "level": 2, "relative": 0.3}]
    res = sensitivity(toy(f), data=DATA, n=128, seed=1, grouped=False, units=["B"],
                      n_resamples=99)
    assert res.factors == ["w[D1]", "w[D2]"]


def test_seeded_reproducible():
    f = [{"name": "w", "type": "weight_noise", "level": 2, "relative": 0.3}]
    eng = Engine(toy(f), data=DATA)
    a = sensitivity(None, engine=eng, n=64, seed=9, n_sets=64, n_resamples=49)
    b = sensitivity(None, engine=eng, n=64, seed=9, n_sets=64, n_resamples=49)
    pd.testing.assert_frame_equal(a.indices, b.indices)


def test_errors():
    f = [{"name": "w", "type": "weight_noise", "level": 2, "relative": 0.3}]
    eng = Engine(toy(f), data=DATA)
    with pytest.raises(ConfigError, match="power of 2"):
        sensitivity(None, engine=eng, n=100)
    with pytest.raises(ConfigError, match="unknown unit"):
        sensitivity(None, engine=eng, n=64, units=["ZZZ"])
    with pytest.raises(ConfigError, match="measure"):
        sensitivity(None, engine=eng, n=64, measure="tier")


def test_asem_sensitivity_smoke(asem_dir):
    res = sensitivity(ASEM_UA, n=128, seed=1, n_resamples=99)
    t = res.table()
    assert set(t.index) == {"winsorisation", "normalisation", "weights_L2", "weights_L3",
                            "aggregation"}
    assert {"rank[NOR]", "rank[DEU]"} <= set(res.outputs)
    assert np.isfinite(res.indices["total_order"]).all()


def test_cli_sensitivity(tmp_path, asem_dir, capsys):
    from aiindex.cli import main

    rc = main(["sensitivity", str(ASEM_UA), "--n", "64", "--units", "NOR", "--out",
               str(tmp_path)])
    assert rc == 0
    assert "mean_abs_rank_shift" in capsys.readouterr().out
    assert len(pd.read_csv(tmp_path / "sobol_indices.csv")) == 2 * 5
