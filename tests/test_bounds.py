"""Exact rank bounds of a config's index (aiindex.analysis.bounds, ``aiindex bounds``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aiindex import run
from aiindex.analysis.bounds import rank_bounds
from aiindex.cli import main as cli_main
from aiindex.errors import ConfigError, DataError, MethodError
from aiindex.weights.sets import WeightSet

ROOT = Path(__file__).resolve().parents[1]


def toy(agg: str = "arithmetic") -> dict:
    return {"framework": {"code": "I", "children": [
        {"code": "D1", "children": [{"code": "m1"}, {"code": "m2"}]},
        {"code": "D2", "children": [{"code": "m3"}]}]},
        "normalize": {"method": "none"}, "aggregate": {"method": agg}}


DATA = pd.DataFrame({"uCode": ["A", "B", "C"], "m1": [80.0, 20.0, 50.0],
                     "m2": [40.0, 60.0, 50.0], "m3": [10.0, 70.0, 40.0]})


def test_hand_computed_toy():
    # D1 = (60, 40, 50), D2 = (10, 70, 40); index = w·D1 + (1 − w)·D2, w in [0, 1]
    rb = rank_bounds(toy(), data=DATA, level=2, simplex=True)
    t = rb.table
    # A: 60 at w = 1 (first), 10 at w = 0 (last); B: 70 at w = 0 (first), 40 at w = 1 (third)
    assert t.loc["A", ["best_rank", "worst_rank"]].tolist() == [1, 3]
    assert t.loc["B", ["best_rank", "worst_rank"]].tolist() == [1, 3]
    # A = 10 + 50w, B = 70 − 30w, C = 40 + 10w: B is above C for w < 3/4, A for w > 3/4; at
    # w = 3/4 all three score 47.5 and tie for first (min ranks). Worst: w = 1 (A 60, B 40,
    # C 50) gives C second; w = 0 (B 70, C 40, A 10) second too -> C ranks 1-2.
    assert t.loc["C", ["best_rank", "worst_rank"]].tolist() == [1, 2]
    assert t.loc["C", "n_necessarily_above"] == 0
    assert set(t.loc["C", "possibly_above"].split(";")) == {"A", "B"}
    assert t.loc["A", "score_min"] == pytest.approx(10) and t.loc["A", "score_max"] == pytest.approx(60)
    # ±25% of equal raw weights: w in [0.375, 0.625] -> A = 10 + 50w in [28.75, 41.25]
    rb2 = rank_bounds(toy(), data=DATA, level=2, relative=0.25)
    assert rb2.table.loc["A", "score_min"] == pytest.approx(28.75)
    assert rb2.table.loc["B", ["best_rank", "worst_rank"]].tolist() == [1, 1]
    # witnesses attain the bounds: C's best rank (2) at its witness weights
    w = rb2.witnesses.loc[("C", "best")]
    sc = 10 + 50 * w["D1"], 70 - 30 * w["D1"], 40 + 10 * w["D1"]  # A, B, C
    assert w.sum() == pytest.approx(1) and 1 + sum(x > sc[2] for x in sc[:2]) == 2


def test_asem_bounds_contain_the_uncertainty_engines_draws(asem_dir):
    """The same set as the uncertainty engine's weight noise (level 3, ±25%): every Monte Carlo
    rank lies within the exact bounds, and the bounds are attained (witnesses)."""
    from aiindex.analysis.uncertainty import uncertainty

    cfg = ROOT / "configs" / "asem.yaml"
    res = run(cfg)
    rb = rank_bounds(result=res, level=3, relative=0.25, smaa=2000, seed=1)
    mc = uncertainty(cfg, n=2000, seed=3, keep_scores=True,
                     factors=[{"name": "w", "type": "weight_noise", "level": 3,
                               "relative": 0.25}])
    R = mc.ranks[rb.table.index]
    t = rb.table
    assert (R.min() >= t["best_rank"]).all() and (R.max() <= t["worst_rank"]).all()
    assert (t["nominal_rank"] == res.ranks.loc[t.index, "Index"]).all()
    acc = rb.acceptability
    np.testing.assert_allclose(acc.sum(axis=1), 1.0)
    ranks = np.arange(1, acc.shape[1] + 1)
    support = acc.gt(0)
    assert (support.mul(ranks).max(axis=1) <= t["worst_rank"]).all()
    assert (support.mul(ranks).where(support).min(axis=1) >= t["best_rank"]).all()


def test_level_two_groups_and_effective_weights():
    rng = np.random.default_rng(4)
    data = pd.DataFrame(rng.uniform(0, 100, (15, 4)), columns=["m1", "m2", "m3", "m4"])
    data.insert(0, "uCode", [f"U{i:02d}" for i in range(15)])
    cfg = {"framework": {"code": "I", "children": [
        {"code": "P", "weight": 2, "children": [{"code": "m1"}, {"code": "m2", "weight": 3}]},
        {"code": "Q", "children": [{"code": "m3"}, {"code": "m4"}]}]},
        "normalize": {"method": "minmax"}}
    res = run(cfg, data=data)
    rb = rank_bounds(result=res, level=1, relative=0.5)
    assert set(rb.weight_set.labels) == {"P", "Q"}
    ws = rb.weight_set
    W = ws.sample(3000, 0)
    A = (rb.design.X[ws.codes] * rb.design.mult[ws.codes]).to_numpy()
    from aiindex.ranks import rank_array

    R = rank_array(W @ A.T)
    t = rb.table.loc[rb.design.X.index]
    assert (R.min(axis=0) >= t["best_rank"]).all() and (R.max(axis=0) <= t["worst_rank"]).all()
    # nominal scores are the run's
    np.testing.assert_allclose(t["nominal_score"], res.scores["I"].loc[t.index])
    eff = rank_bounds(result=res, effective=True, relative=0.5)
    assert eff.weight_set.codes == ["m1", "m2", "m3", "m4"] and len(eff.weight_set.groups) == 1
    # effective ±50% allows more than within-pillar ±50%: ranges at least as wide
    e = eff.table.loc[t.index]
    assert ((e["worst_rank"] - e["best_rank"]) >= 0).all()
    box = rank_bounds(result=res, level=2, lower={"P": 0.5, "Q": 0.2},
                      upper={"P": 0.8, "Q": 0.5})
    assert box.weight_set.groups[0].shape == "box"
    lin = rank_bounds(result=res, level=2, simplex=True, constraints=[{"P": 1.0, "Q": -1.0}],
                      bounds_rhs=[0.0])  # P <= Q
    assert lin.weight_set.coupled


def test_non_linear_aggregators_missing_data_and_bad_sets():
    with pytest.raises(MethodError, match="aiindex uncertainty"):
        rank_bounds(toy("geometric"), data=DATA.assign(m1=DATA["m1"] + 1), level=2)
    cfg = {**toy(), "aggregate": {"method": "arithmetic", "overrides": {"I": {"method": "median"}}}}
    with pytest.raises(MethodError, match=r"'I': 'median'"):
        rank_bounds(cfg, data=DATA, level=2)
    with pytest.raises(MethodError, match="not linear"):
        rank_bounds({**toy(), "rescale": {"method": "minmax", "nodes": ["D1"]}}, data=DATA,
                    level=1)
    # a root rescale keeps the ranks: fine
    rb = rank_bounds({**toy(), "rescale": {"method": "minmax"}}, data=DATA, level=2)
    assert rb.table.loc["B", "best_rank"] == 1
    with pytest.raises(DataError, match=r"\['B'\]"):
        rank_bounds(toy(), data=DATA.assign(m3=[10.0, np.nan, 40.0]), level=2)
    with pytest.raises(ConfigError, match="one of"):
        rank_bounds(toy(), data=DATA, level=2, relative=0.2, simplex=True)
    with pytest.raises(ConfigError, match="unknown component"):
        rank_bounds(toy(), data=DATA, level=2, lower={"ZZ": 0.1}, upper={"ZZ": 0.2})
    with pytest.raises(ConfigError, match="covers"):
        rank_bounds(toy(), data=DATA, level=2, weight_set=WeightSet.simplex(["x", "y"]))


def test_cli_bounds(tmp_path, capsys):
    from aiindex.yamlio import dump_yaml

    DATA.to_csv(tmp_path / "d.csv", index=False)
    dump_yaml({**toy(), "data": {"file": "d.csv"}}, tmp_path / "c.yaml")
    pd.DataFrame({"code": ["D1", "D2"], "lower": [0.2, 0.2], "upper": [0.8, 0.8]}).to_csv(
        tmp_path / "b.csv", index=False)
    rc = cli_main(["bounds", str(tmp_path / "c.yaml"), "--level", "2", "--relative", "0.25",
                   "--units", "C", "--smaa", "500", "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert rc == 0 and "exact rank bounds over level 2" in out and "C: ranks 2-2" in out
    assert {"rank_bounds.csv", "witnesses.csv", "above.csv", "acceptability.csv",
            "manifest.json"} <= {p.name for p in (tmp_path / "out").iterdir()}
    rc = cli_main(["bounds", str(tmp_path / "c.yaml"), "--bounds", str(tmp_path / "b.csv")])
    assert rc == 0 and "bounds on the local weights" in capsys.readouterr().out
    rc = cli_main(["bounds", str(tmp_path / "c.yaml"), "--set", "aggregate.method=geometric"])
    assert rc == 2 and "aiindex uncertainty" in capsys.readouterr().err
