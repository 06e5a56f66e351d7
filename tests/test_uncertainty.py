"""Tests of the vectorised uncertainty engine (aiindex.analysis.uncertainty)."""

from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiindex.analysis.uncertainty import Engine, evaluate_design, rank_statistics, uncertainty
from aiindex.config import resolve_config
from aiindex.errors import ConfigError, MethodError
from aiindex.pipeline import build_framework, load_dataset, run_dataset

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
ASEM_UA = ROOT / "configs" / "asem_uncertainty.yaml"


def toy_config(factors, agg="arithmetic"):
    return {
        "name": "toy",
        "framework": {"code": "Index", "children": [
            {"code": "D1", "children": [{"code": "m1"}, {"code": "m2"}]},
            {"code": "D2", "children": [{"code": "m3"}, {"code": "m4"}]}]},
        "normalize": {"method": "minmax", "low": 1, "high": 100},
        "aggregate": {"method": agg},
        "uncertainty": {"factors": factors},
    }


TOY_DATA = pd.DataFrame({
    "uCode": ["A", "B", "C", "D", "E"],
    "m1": [1.0, 5.0, 3.0, 2.0, 4.0],
    "m2": [9.0, 1.0, 4.0, 6.0, np.nan],
    "m3": [2.0, 2.5, 8.0, 1.0, 3.0],
    "m4": [7.0, 3.0, 5.0, 4.0, 6.0],
})
ALL_FACTORS = [
    {"name": "norm", "type": "choice", "stage": "normalize",
     "alternatives": [{"method": "minmax", "low": 1, "high": 100},
                      {"method": "zscore", "mean": 10, "sd": 2}]},
    {"name": "wn", "type": "weight_noise", "level": 1, "relative": 0.5},
    {"name": "wd", "type": "dirichlet", "level": 2, "concentration": 5},
    {"name": "agg", "type": "choice", "stage": "aggregate",
     "alternatives": [{"method": "arithmetic"}, {"method": "geometric"},
                      {"method": "harmonic"}, {"method": "power", "p": 2}]},
]


def _plain(cfg_like, overrides, weights, data=None):
    cfg = resolve_config(cfg_like, overrides)
    fw = build_framework(cfg)
    fw = fw.with_weights(weights) if weights else fw
    return run_dataset(cfg, fw, load_dataset(cfg, fw, data))


def _weights_of(row, fw):
    """Raw weights of a replication: nominal weight × the weight_noise multiplier."""
    w = {}
    for c in row.index:
        m = re.match(r"(.*)\[(.*)\]$", c)
        if m:
            w[m.group(2)] = fw.nodes[m.group(2)].weight * row[c]
    return w


def test_toy_replications_equal_plain_runs():
    cfg = toy_config(ALL_FACTORS)
    res = uncertainty(cfg, data=TOY_DATA, n=12, seed=7, nodes="all")
    fw = build_framework(resolve_config(cfg))
    for i in range(12):
        row = res.design.iloc[i]
        norm = {"method": "minmax", "low": 1, "high": 100} if row["norm"].startswith("minmax") \
            else {"method": "zscore", "mean": 10, "sd": 2, "low": None, "high": None}
        agg = {"method": row["agg"].split("(")[0]}
        if agg["method"] == "power":
            agg["p"] = 2
        # dirichlet replaces the level-2 weights, then the noise multiplies the metric weights
        w = {c: row[f"wd[{c}]"] for c in ("D1", "D2")}
        w.update({c: fw.nodes[c].weight * row[f"wn[{c}]"] for c in ("m1", "m2", "m3", "m4")})
        plain = _plain(cfg, {"normalize": norm, "aggregate": agg}, w, TOY_DATA)
        np.testing.assert_allclose(res.scores.iloc[i].to_numpy(),
                                   plain.scores["Index"].reindex(res.scores.columns), rtol=0,
                                   atol=1e-9)
        for node in ("D1", "D2"):
            np.testing.assert_allclose(res.node_scores[node].iloc[i].to_numpy(),
                                       plain.scores[node].to_numpy(), atol=1e-9, rtol=0)
        np.testing.assert_array_equal(res.ranks.iloc[i].to_numpy(),
                                      plain.ranks["Index"].to_numpy(dtype=float))


def test_asem_replications_equal_plain_runs(asem_dir):
    eng = Engine(ASEM_UA)
    res = uncertainty(None, engine=eng, n=200, seed=11)
    fw = eng.fw
    for i in (0, 1, 2, 57, 123, 199):
        row = res.design.iloc[i]
        ov = {"treat": {"winmax": int(row["winsorisation"].split("=")[1])},
              "aggregate": {"method": row["aggregation"]}}
        ov["normalize"] = ({"method": "minmax", "low": 1, "high": 100}
                           if row["normalisation"].startswith("minmax") else
                           {"method": "zscore", "mean": 10, "sd": 2, "low": None, "high": None})
        w = _weights_of(row, fw)
        plain = _plain(ASEM_UA, ov, w)
        np.testing.assert_allclose(res.scores.iloc[i].to_numpy(),
                                   plain.scores["Index"].reindex(res.scores.columns).to_numpy(),
                                   atol=1e-9, rtol=0)
        np.testing.assert_array_equal(
            res.ranks.iloc[i].to_numpy(),
            plain.ranks["Index"].reindex(res.scores.columns).to_numpy(dtype=float))
    # the design shows every factor: 3 discrete + 8 pillar + 2 sub-index weight columns
    assert res.design.shape == (200, 13)
    assert set(res.design["winsorisation"]) == {f"winmax={k}" for k in range(1, 6)}
    assert res.info["data_variants"] == 10


def test_same_seed_identical_any_chunk_size():
    cfg = toy_config(ALL_FACTORS)
    eng = Engine(cfg, data=TOY_DATA)
    a = uncertainty(None, engine=eng, n=300, seed=5)
    b = uncertainty(None, engine=Engine(cfg, data=TOY_DATA), n=300, seed=5, chunk_size=7)
    pd.testing.assert_frame_equal(a.design, b.design)
    pd.testing.assert_frame_equal(a.scores, b.scores)
    pd.testing.assert_frame_equal(a.rank_stats, b.rank_stats)
    c = uncertainty(None, engine=eng, n=300, seed=6)
    assert not a.design.equals(c.design)


def test_evaluate_design_reproduces_sampled_run_and_keep_scores_false():
    cfg = toy_config(ALL_FACTORS)
    eng = Engine(cfg, data=TOY_DATA)
    a = uncertainty(None, engine=eng, n=100, seed=2)
    b = evaluate_design(None, a.design, engine=eng)
    pd.testing.assert_frame_equal(a.scores, b.scores)
    c = uncertainty(None, engine=eng, n=100, seed=2, keep_scores=False, chunk_size=13)
    assert c.scores is None
    pd.testing.assert_frame_equal(a.rank_stats, c.rank_stats)
    # integer codes are accepted for discrete factors
    d = a.design.copy()
    d["norm"] = np.where(a.design["norm"].str.startswith("minmax"), 0, 1)
    e = evaluate_design(None, d, engine=eng)
    pd.testing.assert_frame_equal(a.scores, e.scores)


def test_rank_statistics_linear_toy_with_known_weights():
    # index = w1*m1 + w2*m2 (normalize none); two weight sets, alternated by the design
    cfg = {
        "framework": {"code": "Index", "children": [{"code": "m1"}, {"code": "m2"}]},
        "normalize": {"method": "none"}, "aggregate": {"method": "arithmetic"},
        "uncertainty": {"factors": [{"name": "ws", "type": "weight_sets",
                                     "sets": [{"m1": 3, "m2": 1}, {"m1": 1, "m2": 3}]}]},
    }
    data = pd.DataFrame({"uCode": ["A", "B", "C"], "m1": [100.0, 0.0, 40.0],
                         "m2": [0.0, 100.0, 40.0]})
    design = pd.DataFrame({"ws": [0, 1, 0, 1, 0]})
    res = evaluate_design(cfg, design, data=data)
    # set 0: A 75, B 25, C 40 -> ranks 1, 3, 2 ; set 1: A 25, B 75, C 40 -> 3, 1, 2
    np.testing.assert_allclose(res.scores.loc[0].to_numpy(), [75, 25, 40])
    np.testing.assert_allclose(res.scores.loc[1].to_numpy(), [25, 75, 40])
    st_ = res.rank_stats
    assert st_.loc["A", "mean_rank"] == pytest.approx((1 * 3 + 3 * 2) / 5)
    assert st_.loc["B", "mean_rank"] == pytest.approx((3 * 3 + 1 * 2) / 5)
    assert st_.loc["C", "mean_rank"] == 2.0 and st_.loc["C", "interval_width"] == 0.0
    assert st_.loc["A", "median_rank"] == 1.0 and st_.loc["B", "median_rank"] == 3.0
    # p5/p95 as numpy.percentile (linear): A ranks [1,1,1,3,3]
    assert st_.loc["A", "p95_rank"] == pytest.approx(np.percentile([1, 1, 1, 3, 3], 95))
    assert st_.loc["A", "p5_rank"] == 1.0
    # nominal: equal weights -> A 50, B 50, C 40 -> ranks 1, 1, 3
    assert st_["nominal_rank"].tolist() == [1, 1, 3]


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6), st.integers(1, 40), st.integers(0, 10_000))
def test_histogram_statistics_equal_numpy_percentiles(n_units, n_reps, seed):
    rng = np.random.default_rng(seed)
    ranks = rng.integers(1, n_units + 1, size=(n_reps, n_units)).astype(float)
    counts = np.zeros((n_units, n_units), dtype=np.int64)
    for u in range(n_units):
        counts[u] = np.bincount(ranks[:, u].astype(int) - 1, minlength=n_units)
    stats = rank_statistics(counts, pd.Index([f"u{i}" for i in range(n_units)]))
    for q in (0.05, 0.5, 0.95):
        np.testing.assert_allclose(stats[f"q{q}"].to_numpy(),
                                   np.percentile(ranks, 100 * q, axis=0), atol=1e-12)
    np.testing.assert_allclose(stats["mean_rank"].to_numpy(), ranks.mean(axis=0))


def test_weight_noise_multiplier_range():
    cfg = toy_config([{"name": "wn", "type": "weight_noise", "level": 2, "relative": 0.25}])
    res = uncertainty(cfg, data=TOY_DATA, n=2000, seed=1)
    v = res.design.to_numpy()
    assert v.min() >= 0.75 and v.max() < 1.25
    assert abs(v.mean() - 1.0) < 0.01


# ------------------------------------------------------------------ errors
def test_error_unknown_factor_type():
    with pytest.raises(ConfigError, match="unknown factor type 'noise'"):
        Engine(toy_config([{"type": "noise", "level": 2}]), data=TOY_DATA)


def test_error_unknown_factor_key_and_stage():
    with pytest.raises(ConfigError, match="unknown key"):
        Engine(toy_config([{"type": "weight_noise", "level": 2, "relative": 0.1, "x": 1}]),
               data=TOY_DATA)
    with pytest.raises(ConfigError, match="stage must be one of"):
        Engine(toy_config([{"type": "choice", "stage": "tiers",
                            "alternatives": [{"k": 3}]}]), data=TOY_DATA)


def test_error_unregistered_method():
    f = [{"name": "norm", "type": "choice", "stage": "normalize",
          "alternatives": [{"method": "minmax"}, {"method": "no_such_normaliser"}]}]
    with pytest.raises(MethodError, match="no_such_normaliser"):
        Engine(toy_config(f), data=TOY_DATA)
    f = [{"name": "norm", "type": "choice", "stage": "normalize",
          "alternatives": [{"method": "zscore", "low": 3}]}]
    with pytest.raises(MethodError, match="unknown parameter"):
        Engine(toy_config(f), data=TOY_DATA)


@pytest.mark.parametrize("n", [0, -5, 2.5, True])
def test_error_n_not_positive(n):
    eng = Engine(toy_config(ALL_FACTORS), data=TOY_DATA)
    with pytest.raises(ConfigError, match="positive integer"):
        uncertainty(None, engine=eng, n=n)


def test_error_negative_weight_noise():
    with pytest.raises(ConfigError, match="negative"):
        Engine(toy_config([{"type": "weight_noise", "level": 2, "relative": 1.5}]),
               data=TOY_DATA)
    eng = Engine(toy_config([{"name": "wn", "type": "weight_noise", "level": 2,
                              "relative": 0.5}]), data=TOY_DATA)
    with pytest.raises(ConfigError, match="negative"):
        evaluate_design(None, pd.DataFrame({"wn[D1]": [1.0, -0.2], "wn[D2]": [1.0, 1.0]}),
                        engine=eng)


def test_error_bad_design():
    eng = Engine(toy_config(ALL_FACTORS[:1]), data=TOY_DATA)
    with pytest.raises(ConfigError, match="unknown factor column"):
        evaluate_design(None, pd.DataFrame({"norm": ["x"], "other": [1]}), engine=eng)
    with pytest.raises(ConfigError, match="not one of its alternatives"):
        evaluate_design(None, pd.DataFrame({"norm": ["rank"]}), engine=eng)
    with pytest.raises(ConfigError, match="missing factor column"):
        evaluate_design(None, pd.DataFrame(index=range(2)), engine=eng)


def test_error_geometric_of_zero():
    f = [{"name": "agg", "type": "choice", "stage": "aggregate",
          "alternatives": [{"method": "arithmetic"}, {"method": "geometric"}]}]
    cfg = toy_config(f)
    cfg["normalize"] = {"method": "minmax", "low": 0, "high": 100}
    eng = Engine(cfg, data=TOY_DATA)
    with pytest.raises(MethodError, match="positive"):
        evaluate_design(None, pd.DataFrame({"agg": ["geometric"]}), engine=eng)


def test_exclusion_factor_equals_dropped_run():
    f = [{"name": "ex", "type": "exclusion", "alternatives": [[], ["m2"], ["D2"]]}]
    cfg = toy_config(f)
    res = evaluate_design(cfg, pd.DataFrame({"ex": ["none", "-m2", "-D2"]}), data=TOY_DATA)
    for i, drop in enumerate([[], ["m2"], ["D2"]]):
        c = resolve_config(cfg)
        fw = build_framework(c)
        fw = fw.drop(drop) if drop else fw
        plain = run_dataset(c, fw, load_dataset(c, fw, TOY_DATA))
        np.testing.assert_allclose(res.scores.iloc[i].to_numpy(),
                                   plain.scores["Index"].to_numpy(), atol=1e-9)


def test_dask_backend_local_cluster():
    pytest.importorskip("dask")
    distributed = pytest.importorskip("dask.distributed")
    eng = Engine(toy_config(ALL_FACTORS), data=TOY_DATA)
    ref = uncertainty(None, engine=eng, n=400, seed=3, chunk_size=100)
    with distributed.LocalCluster(processes=False, n_workers=2, threads_per_worker=1,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        res = uncertainty(None, engine=eng, n=400, seed=3, chunk_size=100, backend="dask")
    pd.testing.assert_frame_equal(ref.scores, res.scores)
    pd.testing.assert_frame_equal(ref.rank_stats, res.rank_stats)
    assert res.info["backend"] == "dask"


def test_dask_threaded_scheduler_in_windows_keeps_order(monkeypatch):
    """Without a client the threaded scheduler runs a window of tasks at a time (memory of one
    window, not of every task's rows); more tasks than a window must come back in order."""
    pytest.importorskip("dask")
    from aiindex.analysis.uncertainty import run as run_mod

    calls: list[int] = []
    import dask

    real = dask.compute

    def counting(*args, **kw):
        calls.append(len(args))
        return real(*args, **kw)

    monkeypatch.setattr(dask, "compute", counting)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)  # a window of 2 tasks on any machine
    eng = Engine(toy_config(ALL_FACTORS), data=TOY_DATA)
    kw = {"n": 5 * 65_536, "seed": 3, "keep_scores": False, "keep_design": False}  # 5 blocks
    ref = uncertainty(None, engine=eng, **kw)
    res = uncertainty(None, engine=eng, backend="dask", **kw)
    assert run_mod._dask_client() is None
    assert calls == [2, 2, 1]  # 5 tasks (design blocks) in windows of 2
    pd.testing.assert_frame_equal(ref.rank_stats, res.rank_stats)


def test_cli_uncertainty(tmp_path, asem_dir, capsys):
    from aiindex.cli import main

    rc = main(["uncertainty", str(ASEM_UA), "--n", "500", "--seed", "1", "--quiet",
               "--out", str(tmp_path)])
    assert rc == 0
    out = capsys.readouterr().out
    assert "500 replications" in out
    stats = pd.read_csv(tmp_path / "rank_stats.csv", index_col=0)
    assert len(stats) == 51 and (stats["p5_rank"] <= stats["p95_rank"]).all()
    assert (tmp_path / "design.csv").exists()


def test_tier_probabilities_on_the_default_index():
    """The bundled default with score bands and rules that move units: probabilities per unit
    sum to 1, nominal tiers match."""
    import aiindex
    from aiindex.analysis.uncertainty import uncertainty
    from aiindex.config import resolve_config
    from aiindex.data.bundled import default_config_path

    # the default's own rule (Jenks + rules) moves nobody in 2023: bands + min_gap move a unit
    cfg = resolve_config(default_config_path(), {"tiers": {
        "method": "thresholds", "breaks": [50, 35, 20],
        "rules": [{"type": "min_gap", "gap": 1.0},
                  {"type": "dimension_ranks", "top": 3, "min_count": 2, "tier": 2},
                  {"type": "contiguous"}]}})
    res = uncertainty(cfg, n=300, seed=5)
    tp = res.tier_probabilities
    assert tp is not None and len(tp) == 46
    pcols = [c for c in tp.columns if c.startswith("p_tier_")]
    np.testing.assert_allclose(tp[pcols].sum(axis=1), 1.0)
    # the default's tiers section has refinement rules, which replications do not re-apply:
    # nominal_tier is the base (thresholds-only) tiering, not the refined one
    run = aiindex.run(cfg)
    base = run.info["tiers"].params["base"]
    assert (tp["nominal_tier"].astype(int) == base.reindex(tp.index).astype(int)).all()
    assert (tp["nominal_basis"] == "base").all() and "not re-applied" in res.info["tier_note"]
    assert not base.reindex(tp.index).equals(run.tiers.reindex(tp.index))  # the rules move units
    # p_nominal is the probability of the base tier; flag = modal tier differs from it
    pn = [tp.loc[u, f"p_tier_{t}"] for u, t in tp["nominal_tier"].astype(int).items()]
    np.testing.assert_allclose(tp["p_nominal"].to_numpy(), pn)
    assert (tp["flag"] == (tp["modal_tier"].astype(int) != tp["nominal_tier"].astype(int))).all()
    assert tp.loc["USA", "p_tier_1"] == 1.0
    # the same probabilities when scores are not kept (accumulated per chunk)
    res2 = uncertainty(cfg, n=300, seed=5, keep_scores=False, chunk_size=70)
    pd.testing.assert_frame_equal(res2.tier_probabilities, tp)


def _tier_cfg(rules):
    cfg = toy_config([{"name": "wn", "type": "weight_noise", "level": 2, "relative": 0.01}])
    cfg["tiers"] = {"method": "thresholds", "breaks": [30], "k": None, "rules": rules}
    return cfg


def test_tier_probabilities_compare_with_base_tiers_when_rules_exist():
    # toy index, min-max 1-100 and equal weights (hand-computed): D1 = mean(m1, m2),
    # D2 = mean(m3, m4), Index = mean(D1, D2): A 54.04, B 31.05, C 59.78, D 28.84, E 63.76.
    # Threshold 30 -> D alone in tier 2; the rule "no boundary in a gap < 3 points" moves D
    # (2.21 below B) up into tier 1.
    rules = [{"type": "min_gap", "gap": 3.0}]
    res = uncertainty(_tier_cfg(rules), data=TOY_DATA, n=50, seed=1)
    nominal = res.nominal
    assert nominal.scores["Index"].round(2).tolist() == [54.04, 31.05, 59.78, 28.84, 63.76]
    assert nominal.tiers["D"] == 1 and nominal.info["tiers"].params["base"]["D"] == 2
    tp = res.tier_probabilities
    # weights x (1 +- 0.01) move D by < 0.2 points: every replication puts D in tier 2 (the
    # 1-D method, no rules), which is the base tier: probability 1, no flag
    assert tp.loc["D", "p_tier_2"] == 1.0
    assert tp.loc["D", "nominal_tier"] == 2 and tp.loc["D", "p_nominal"] == 1.0
    assert not tp["flag"].any() and (tp["nominal_basis"] == "base").all()
    # without rules: final tiers, no note
    res = uncertainty(_tier_cfg([]), data=TOY_DATA, n=50, seed=1)
    assert (res.tier_probabilities["nominal_basis"] == "final").all()
    assert "tier_note" not in res.info


# ------------------------------------------------------------------ memory bound
def test_keep_scores_default_is_bounded(monkeypatch):
    import aiindex.analysis.uncertainty as unc

    eng = Engine(toy_config(ALL_FACTORS), data=TOY_DATA)
    small = uncertainty(None, engine=eng, n=40, seed=3)  # 40 x 5 = 200 cells: kept
    assert small.scores is not None and small.info["keep_scores"] is True
    monkeypatch.setattr(unc, "MAX_KEPT_CELLS", 199)
    big = uncertainty(None, engine=eng, n=40, seed=3, chunk_size=9)
    assert big.scores is None and big.ranks is None and big.info["keep_scores"] is False
    pd.testing.assert_frame_equal(big.rank_stats, small.rank_stats)  # from the histograms
    # nodes="all" counts every kept node: 40 x 5 x 3 aggregates = 600 cells
    monkeypatch.setattr(unc, "MAX_KEPT_CELLS", 599)
    assert uncertainty(None, engine=eng, n=40, seed=3, nodes="all").node_scores is None
    monkeypatch.setattr(unc, "MAX_KEPT_CELLS", 600)
    assert uncertainty(None, engine=eng, n=40, seed=3, nodes="all").node_scores is not None
    # explicit True / False win over the bound; evaluate_design uses the same default
    monkeypatch.setattr(unc, "MAX_KEPT_CELLS", 1)
    assert uncertainty(None, engine=eng, n=40, seed=3, keep_scores=True).scores is not None
    assert evaluate_design(None, small.design, engine=eng).scores is None
    with pytest.raises(ConfigError, match="keep_scores"):
        uncertainty(None, engine=eng, n=4, keep_scores="yes")


def test_cli_keeps_scores_only_with_out(tmp_path, monkeypatch, capsys):
    import aiindex.analysis.uncertainty as unc
    from aiindex.cli import main

    seen = []
    real = unc.uncertainty

    def spy(*a, **kw):
        res = real(*a, **kw)
        seen.append((kw.get("keep_scores"), res.scores is not None))
        return res

    monkeypatch.setattr(unc, "uncertainty", spy)
    args = ["uncertainty", str(ASEM_UA), "--n", "50", "--seed", "1", "--quiet"]
    assert main(args) == 0
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    assert main([*args, "--out", str(tmp_path / "b"), "--no-scores"]) == 0
    # with --out the scores are streamed to files, not kept in memory
    assert seen == [(False, False), (None, False), (False, False)]
    assert (tmp_path / "a" / "scores.csv").exists()
    assert not (tmp_path / "b" / "scores.csv").exists()
    assert (tmp_path / "b" / "rank_stats.csv").exists()
    out = capsys.readouterr().out
    assert "mean_score is NaN" in out  # ASEM varies the normaliser


def test_mean_score_nan_when_normaliser_varies():
    res = uncertainty(toy_config(ALL_FACTORS), data=TOY_DATA, n=30, seed=1)
    assert res.rank_stats["mean_score"].isna().all()
    assert "'norm'" in res.info["mean_score_note"]
    # without a normaliser factor the mean score is the plain mean over replications
    f = [x for x in ALL_FACTORS if x["name"] != "norm"]
    res = uncertainty(toy_config(f), data=TOY_DATA, n=30, seed=1)
    np.testing.assert_allclose(res.rank_stats["mean_score"].to_numpy(),
                               res.scores.mean(axis=0).to_numpy())
    assert "mean_score_note" not in res.info


# ------------------------------------------------------------------ readable errors
def test_error_messages_plain_numbers_and_factor_names():
    with pytest.raises(ConfigError, match=r"relative must be in \[0, 1\], got -0\.2$"):
        Engine(toy_config([{"type": "weight_noise", "level": 2, "relative": -0.2}]),
               data=TOY_DATA)
    eng = Engine(toy_config([{"name": "wn", "type": "weight_noise", "level": 2,
                              "relative": 0.5}]), data=TOY_DATA)
    with pytest.raises(ConfigError) as ei:
        evaluate_design(None, pd.DataFrame({"wn[D1]": [1.0, -0.5], "wn[D2]": [1.0, 1.0]},
                                           index=pd.Index([10, 11], dtype="int64")), engine=eng)
    msg = str(ei.value)
    assert "value -0.5 for node 'D1' in replication 11" in msg and "np." not in msg
    # an unknown parameter in a deep-merged alternative names the factor and the alternative
    f = [{"name": "wins", "type": "choice", "stage": "treat",
          "alternatives": [{"winmax": 1}, {"winmaxx": 3}]}]
    cfg = toy_config(f)
    cfg["treat"] = {"method": "winsorise", "winmax": 2}
    with pytest.raises(MethodError) as ei:
        Engine(cfg, data=TOY_DATA)
    msg = str(ei.value)
    assert "factor 'wins', alternative 1 (winmaxx=3)" in msg
    assert "winmaxx" in msg and "treat" in msg
