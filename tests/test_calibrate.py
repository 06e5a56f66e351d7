"""Calibration of weights to published scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiindex import run
from aiindex.analysis.calibrate import calibrate, decimals, read_published
from aiindex.cli import main as cli_main
from aiindex.errors import ConfigError, DataError, MethodError
from aiindex.yamlio import load_yaml


def _X(seed: int = 1, n: int = 60, k: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.uniform(10, 90, (n, k)), columns=list("abcde")[:k],
                        index=[f"U{i:02d}" for i in range(n)])


W = np.array([0.1, 0.3, 0.2, 0.4, 0.0])


@pytest.mark.parametrize("scale", ["none", "affine", "leader100", "minmax"])
def test_recovers_weights_every_scale(scale):
    X = _X()
    s = X @ W
    y = {"none": s, "affine": 3 + 2 * s, "leader100": 100 * s / s.max(),
         "minmax": 100 * (s - s.min()) / (s.max() - s.min())}[scale]
    r = calibrate(y, X, scale=scale)
    assert r.weights.to_numpy() == pytest.approx(W, abs=1e-6)
    assert r.max_abs_error < 1e-6 and r.r2 == pytest.approx(1.0)
    assert r.consistent and r.mode == "least_squares"
    assert "ARE consistent" in r.statement
    if scale == "affine":
        assert r.scale_params["a"] == pytest.approx(3) and r.scale_params["b"] == pytest.approx(2)


def test_auto_scale_picks_simplest_exact_fit():
    X = _X()
    s = X @ W
    assert calibrate(100 * s / s.max(), X, scale="auto").scale == "leader"
    assert calibrate(100 * s / s.max(), X).scale == "leader"  # auto is the default
    assert calibrate(s, X, scale="auto").scale == "none"
    assert calibrate(5 + 0.5 * s, X, scale="auto").scale == "affine"


def test_geometric_recovered_and_arithmetic_rejected():
    X = _X(2)
    y = np.exp(np.log(X) @ W)
    r = calibrate(y, X, aggregator="geometric")
    assert r.weights.to_numpy() == pytest.approx(W, abs=1e-6)
    assert r.consistent
    ra = calibrate(y, X)
    assert not ra.consistent
    assert "are NOT consistent with a weighted arithmetic mean" in ra.statement
    # the failure names the model that would fit
    assert "It would fit with the weighted geometric mean with scale none" in ra.statement
    t = ra.scales_table().set_index(["aggregator", "scale"])
    assert t.loc[("geometric", "none"), "fits"] and not t.loc[("arithmetic", "none"), "fits"]


@settings(max_examples=15, deadline=None)
@given(w=st.lists(st.floats(0, 1), min_size=4, max_size=4).filter(lambda v: sum(v) > 0.1),
       seed=st.integers(0, 1000))
def test_recovers_random_weights(w, seed):
    w = np.array(w) / sum(w)
    X = _X(seed, n=30, k=4)
    r = calibrate(X @ w, X)
    assert r.weights.to_numpy() == pytest.approx(w, abs=1e-6)
    assert (r.weights >= 0).all() and r.weights.sum() == pytest.approx(1)


def test_rounded_data_consistent_at_rounding_level():
    X = _X(3).round(1)
    y = (X @ W).round(1)
    r = calibrate(y, X)
    assert decimals(y) == 1 and r.rounding == pytest.approx(0.1)
    assert r.consistent and r.max_abs_error <= 0.1
    assert r.weights.to_numpy() == pytest.approx(W, abs=0.01)


@pytest.mark.parametrize(("prior", "match"), [
    ({"a": 0.0, "b": 0.0, "c": 0.0, "d": 0.0, "e": 0.0}, r"all zero for \['a', 'b'"),
    ({"a": -0.1, "b": 0.3, "c": 0.3, "d": 0.3, "e": 0.2}, r"negative \{'a': -0\.1\}"),
    ({"a": np.nan, "b": 0.3, "c": 0.3, "d": 0.3, "e": 0.2}, r"finite; got \{'a': nan\}"),
    ({"a": 0.2, "b": np.inf, "c": 0.3, "d": 0.3, "e": 0.2}, r"finite; got \{'b': inf\}"),
    ({"a": 0.2, "b": 0.2}, r"lacks weight\(s\) for \['c', 'd', 'e'\]"),
    ({"a": "x", "b": 1, "c": 1, "d": 1, "e": 1}, "must be numbers"),
])
def test_bad_prior_is_an_error_not_silently_fixed(prior, match):
    # formerly an all-zero prior became equal weights and negatives were clipped to 0
    X = _X()
    y = (X @ W).iloc[:2]
    with pytest.raises(ConfigError, match=match):
        calibrate(y, X, prior=prior)
    with pytest.raises(ConfigError, match=match):
        calibrate(X @ W, X, prior=prior, mode="least_squares")


def test_prior_zero_within_a_group_is_an_error():
    # level 2 = A, B (children of P) and C, D (children of Q): two groups of siblings
    cfg = {"framework": {"code": "Idx", "children": [
        {"code": "P", "children": [{"code": "A", "children": [{"code": "m1"}]},
                                   {"code": "B", "children": [{"code": "m2"}]}]},
        {"code": "Q", "children": [{"code": "C", "children": [{"code": "m3"}]},
                                   {"code": "D", "children": [{"code": "m4"}]}]}]},
        "normalize": {"method": "none"}}
    X = _X(k=4)
    X.columns = ["m1", "m2", "m3", "m4"]
    data = X.rename_axis("uCode").reset_index()
    res = run(cfg, data=data)
    y = res.scores["Idx"].iloc[:2]
    prior = {"A": 0.0, "B": 0.0, "C": 1.0, "D": 2.0}
    with pytest.raises(ConfigError, match=r"within group\(s\) \{'P': \['A', 'B'\]\}"):
        calibrate(y, config=cfg, data=data, level=2, prior=prior)


def test_underdetermined_min_change_and_infeasible():
    X = _X()
    y = (X @ W).iloc[:2]
    prior = pd.Series(0.2, index=X.columns)
    r = calibrate(y, X, prior=prior, tol=0.05)
    assert r.mode == "min_change" and r.feasible
    assert np.abs(r.residuals).max() <= 0.05 + 1e-7
    assert (r.weights >= 0).all() and r.weights.sum() == pytest.approx(1)
    # targets already met by the prior -> the prior itself
    y0 = (X @ prior).iloc[:3]
    r0 = calibrate(y0, X, prior=prior)
    assert r0.weights.to_numpy() == pytest.approx(prior.to_numpy(), abs=1e-6)
    # impossible: above every component
    bad = pd.Series({"U00": 1000.0, "U01": 5.0})
    rb = calibrate(bad, X, scale="none", tol=0.05)
    assert rb.feasible is False
    assert "No non-negative weights reproduce" in rb.statement
    best = max(1000 - X.loc["U00"].max(), X.loc["U01"].min() - 5)
    assert rb.max_abs_error == pytest.approx(best, rel=1e-6)


def test_headline_scores_example():
    """A few headline scores ("US 74.71, CN 52.69, GB 37.9") with components from known weights."""
    comps = pd.DataFrame({"talent": [80.0, 40.0, 45.0, 30.0], "infra": [70.0, 65.0, 35.0, 50.0],
                          "research": [75.0, 50.0, 35.0, 20.0], "policy": [60.0, 70.0, 55.0, 65.0]},
                         index=["USA", "CHN", "GBR", "FRA"])
    w = np.array([0.4, 0.2, 0.3, 0.1])
    pub = (comps @ w).loc[["USA", "CHN", "GBR"]]
    r = calibrate(pub, comps, tol=0.01)
    assert r.feasible and r.mode == "min_change"
    assert (r.residuals.abs() <= 0.01 + 1e-7).all()


def test_errors():
    X = _X()
    with pytest.raises(DataError, match=r"not in the data: \['ZZZ'\]"):
        calibrate(pd.Series({"U00": 50.0, "ZZZ": 3.0}), X)
    with pytest.raises(DataError, match="missing for unit"):
        calibrate(pd.Series({"U00": np.nan, "U01": 3.0}), X)
    with pytest.raises(MethodError, match="unknown scale"):
        calibrate(X @ W, X, scale="log")
    with pytest.raises(ConfigError, match="exactly one"):
        calibrate(X @ W)
    Xn = X.copy()
    Xn.iloc[0, 0] = -1
    with pytest.raises(MethodError, match="geometric mean needs positive"):
        calibrate(X @ W, Xn, aggregator="geometric")


def test_missing_components_excluded_and_reported():
    X = _X()
    y = X @ W
    X.iloc[3, 2] = np.nan
    r = calibrate(y, X)
    assert r.excluded == ["U03"] and len(r.published) == 59
    assert r.weights.to_numpy() == pytest.approx(W, abs=1e-6)


def test_to_config_and_yaml():
    X = _X()
    r = calibrate(X @ W, X)
    cfg = r.to_config()
    assert cfg["weights"]["explicit"]["d"] == pytest.approx(0.4)
    assert load_yaml(r.to_yaml())["weights"]["explicit"]["b"] == pytest.approx(0.3)
    assert "max abs error" in r.summary()


# ------------------------------------------------------------------ config mode
FW = {"code": "Idx", "children": [
    {"code": "A", "weight": 1, "children": [{"code": "m1", "weight": 1}, {"code": "m2", "weight": 3}]},
    {"code": "B", "weight": 2, "children": [{"code": "m3", "weight": 1}, {"code": "m4", "weight": 1},
                                            {"code": "m5", "weight": 2}]}]}


def _config() -> dict:
    return {"framework": FW, "normalize": {"method": "minmax", "low": 0, "high": 100}}


def _data() -> pd.DataFrame:
    rng = np.random.default_rng(9)
    X = pd.DataFrame(rng.uniform(0, 50, (40, 5)), columns=["m1", "m2", "m3", "m4", "m5"],
                     index=pd.Index([f"C{i:02d}" for i in range(40)], name="uCode"))
    return X.reset_index()


def test_config_mode_whole_tree_and_level():
    base = run(_config(), data=_data())
    pub = base.scores["Idx"]
    r = calibrate(pub, config=_config(), data=_data())
    lw = base.framework.local_weights()
    assert r.weights[["m1", "m2"]].to_numpy() == pytest.approx(lw[["m1", "m2"]].to_numpy(),
                                                               abs=1e-6)
    assert r.weights[["A", "B"]].to_numpy() == pytest.approx([1 / 3, 2 / 3], abs=1e-6)
    assert r.framework.effective_weights()[["m5"]].iloc[0] == pytest.approx(2 / 3 * 0.5)
    # level 2: fit A/B with the metric weights fixed
    r2 = calibrate(pub, config=_config(), level=2, data=_data())
    assert r2.weights.to_numpy() == pytest.approx([1 / 3, 2 / 3], abs=1e-6)
    # write back into the config: same scores
    again = run({**_config(), **r.to_config()}, data=_data())
    assert again.scores["Idx"].to_numpy() == pytest.approx(pub.to_numpy(), abs=1e-6)


def test_config_mode_other_published_weights():
    cfg = _config()
    pub = run({**cfg, "weights": {"explicit": {"A": 3, "B": 1}}}, data=_data()).scores["Idx"]
    r = calibrate(pub, config=cfg, level=2, data=_data())
    assert r.weights.to_numpy() == pytest.approx([0.75, 0.25], abs=1e-6)


def test_cli_calibrate(tmp_path, capsys):
    base = run(_config(), data=_data())
    pd.DataFrame({"uCode": base.scores.index, "score": base.scores["Idx"].round(4)}).to_csv(
        tmp_path / "pub.csv", index=False)
    data = tmp_path / "data.csv"
    _data().to_csv(data, index=False)
    from aiindex.yamlio import dump_yaml

    dump_yaml({**_config(), "data": {"file": "data.csv"}}, tmp_path / "cfg.yaml")
    out = tmp_path / "w.yaml"
    rc = cli_main(["calibrate", str(tmp_path / "cfg.yaml"), "--published",
                   str(tmp_path / "pub.csv"), "--level", "2", "--out", str(out)])
    txt = capsys.readouterr().out
    assert rc == 0 and "ARE consistent" in txt
    w = load_yaml(out)["weights"]["explicit"]
    assert w["A"] == pytest.approx(1 / 3, abs=1e-4) and w["B"] == pytest.approx(2 / 3, abs=1e-4)
    assert read_published(tmp_path / "pub.csv").index[0] == "C00"
    # unknown unit in the published file: error exit code, message names it
    pd.DataFrame({"uCode": ["C00", "XXX"], "score": [1.0, 2.0]}).to_csv(tmp_path / "bad.csv",
                                                                       index=False)
    rc = cli_main(["calibrate", str(tmp_path / "cfg.yaml"), "--published",
                   str(tmp_path / "bad.csv")])
    assert rc == 2 and "XXX" in capsys.readouterr().err


def test_keep_rank_keeps_published_order_and_others_below():
    """Three headline scores; without keep_rank a fourth unit (U4) overtakes the third target."""
    comps = pd.DataFrame({"a": [31.0, 77.0, 50.0, 51.0, 73.0, 88.0],
                          "b": [48.0, 0.0, 86.0, 63.0, 31.0, 27.0],
                          "c": [49.0, 30.0, 63.0, 34.0, 6.0, 81.0],
                          "d": [97.0, 98.0, 88.0, 57.0, 18.0, 27.0],
                          "e": [69.0, 26.0, 16.0, 99.0, 27.0, 66.0]},
                         index=["U1", "U2", "U3", "U4", "U5", "U6"])
    pub = pd.Series({"U3": 69.2, "U6": 55.3, "U1": 54.3})
    free = calibrate(pub, comps, tol=0.05)
    fitted = comps @ free.weights
    assert free.feasible and fitted["U4"] > fitted["U1"]  # the plain fit lets U4 pass U1
    kept = calibrate(pub, comps, tol=0.05, keep_rank=True, rank_margin=0.5)
    f = comps @ kept.weights
    assert kept.feasible and np.abs(f[pub.index] - pub).max() <= 0.05 + 1e-9
    assert f["U3"] > f["U6"] > f["U1"]
    assert f.drop(pub.index).max() <= f["U1"] - 0.5 + 1e-6
    with pytest.raises(MethodError, match="keep_rank"):
        calibrate(pub, comps, keep_rank=True, scale="affine")


def test_read_published_keeps_na_and_no_codes(tmp_path):
    p = tmp_path / "pub.csv"
    p.write_text("uCode,score\nNA,40\nNO,45.5\n")
    s = read_published(p)
    assert list(s.index) == ["NA", "NO"] and s["NO"] == 45.5
    q = tmp_path / "bad.csv"
    q.write_text("country,value,extra\nNA,1,2\n")
    with pytest.raises(DataError, match="uCode,score"):
        read_published(q)


def test_upper_bounds_cap_components():
    rng = np.random.default_rng(3)
    comps = pd.DataFrame(rng.uniform(0, 100, (20, 4)), columns=list("abcd"))
    w0 = np.array([0.1, 0.2, 0.3, 0.4])
    pub = comps @ w0
    res = calibrate(pub, comps, upper={"d": 0.25})
    assert res.weights["d"] <= 0.25 + 1e-6  # solver tolerance
    with pytest.raises(ConfigError, match="unknown component"):
        calibrate(pub, comps, upper={"zz": 0.1})
