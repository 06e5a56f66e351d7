"""Tests of what-if scenarios, leave-one-out and decomposition (aiindex.analysis.scenarios)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiindex.analysis.scenarios import decompose, leave_one_out, run_scenario, whatif
from aiindex.errors import ConfigError, MethodError

ROOT = Path(__file__).resolve().parents[1]
ASEM = ROOT / "configs" / "asem.yaml"


def toy(agg="arithmetic"):
    return {
        "framework": {"code": "Index", "children": [
            {"code": "D1", "children": [{"code": "m1"}, {"code": "m2"}]},
            {"code": "D2", "children": [{"code": "m3"}]}]},
        "normalize": {"method": "none"},
        "aggregate": {"method": agg},
    }


DATA = pd.DataFrame({"uCode": ["A", "B", "C"], "m1": [80.0, 20.0, 50.0],
                     "m2": [40.0, 60.0, 50.0], "m3": [10.0, 70.0, 40.0],
                     "m4": [5.0, 1.0, 3.0]})


def test_whatif_hand_computed_weights():
    t = whatif(toy(), [{"name": "d2x3", "weights": {"explicit": {"D2": 3}}}], data=DATA)
    base = t[t.scenario == "base"].set_index("uCode")
    sc = t[t.scenario == "d2x3"].set_index("uCode")
    # base: D1 = (60, 40, 50), D2 = (10, 70, 40); Index = (35, 55, 45)
    np.testing.assert_allclose(base["score"], [35, 55, 45])
    # D2 weight 3: Index = (60 + 30)/4 = 22.5, (40 + 210)/4 = 62.5, (50 + 120)/4 = 42.5
    np.testing.assert_allclose(sc["score"], [22.5, 62.5, 42.5])
    assert base["rank"].tolist() == [3, 1, 2] and sc["rank"].tolist() == [3, 1, 2]
    assert (sc["rank_change"] == 0).all()


def test_whatif_drop_and_add():
    # the toy index is not normalised, so the added metric's range (4) sits beside m3's (60):
    # the pipeline warns that real weights then differ from nominal ones
    with pytest.warns(UserWarning, match="'D2' differ more than 10x"):
        t = whatif(toy(), [{"name": "drop", "drop": ["m1"]},
                           {"name": "add", "add": [{"code": "m4", "parent": "D2",
                                                    "direction": -1}]}], data=DATA)
    d = t[t.scenario == "drop"].set_index("uCode")
    # D1 = m2 = (40, 60, 50); Index = (25, 65, 45)
    np.testing.assert_allclose(d["score"], [25, 65, 45])
    a = t[t.scenario == "add"].set_index("uCode")
    # D2 = mean(m3, -m4) = (2.5, 34.5, 18.5); Index = (31.25, 37.25, 34.25)
    np.testing.assert_allclose(a["score"], [31.25, 37.25, 34.25])
    assert a.loc["A", "rank_change"] == 0 and a.loc["B", "rank"] == 1


def test_whatif_stage_overlay():
    t = whatif(toy(), [{"name": "geo", "aggregate": {"method": "geometric"}}], data=DATA)
    g = t[t.scenario == "geo"].set_index("uCode")
    expected = np.sqrt(np.sqrt(80 * 40) * 10)
    assert g.loc["A", "score"] == pytest.approx(expected)


def test_overlay_with_base_values_is_noop_asem(asem_dir):
    t = whatif(ASEM, [ROOT / "configs" / "scenarios" / "base_restated.yaml"])
    b = t[t.scenario == "base"].set_index("uCode")
    s = t[t.scenario == "base_restated"].set_index("uCode")
    pd.testing.assert_series_equal(b["score"], s["score"])
    assert (s["rank_change"] == 0).all()


@settings(max_examples=15, deadline=None)
@given(st.floats(0.1, 10), st.floats(0.1, 10), st.floats(0.1, 10))
def test_restating_or_scaling_weights_changes_nothing(k, w1, w2):
    cfg = toy()
    cfg["framework"]["children"][0]["weight"] = w1
    cfg["framework"]["children"][1]["weight"] = w2
    t = whatif(cfg, [{"name": "same", "weights": {"explicit": {"D1": w1, "D2": w2}}},
                     {"name": "scaled", "weights": {"explicit": {"D1": k * w1, "D2": k * w2}}}],
               data=DATA)
    base = t[t.scenario == "base"]["score"].to_numpy()
    for name in ("same", "scaled"):
        np.testing.assert_allclose(t[t.scenario == name]["score"].to_numpy(), base,
                                   rtol=1e-12)
        assert (t[t.scenario == name]["rank_change"] == 0).all()


def test_scenario_errors():
    with pytest.raises(ConfigError, match="unknown node"):
        run_scenario(toy(), {"weights": {"explicit": {"nope": 2}}}, data=DATA)
    with pytest.raises(ConfigError, match="unknown node"):
        run_scenario(toy(), {"drop": ["nope"]}, data=DATA)
    with pytest.raises(ConfigError, match="unknown parent"):
        run_scenario(toy(), {"add": [{"code": "m9", "parent": "X"}]}, data=DATA)
    with pytest.raises(ConfigError, match="duplicate scenario"):
        whatif(toy(), [{"name": "a"}, {"name": "a"}], data=DATA)


def test_leave_one_out_hand_computed():
    t = leave_one_out(toy(), 2, data=DATA)
    # drop D1 -> Index = D2 = (10, 70, 40): ranks (3, 1, 2) = base ranks
    d1 = t[t.dropped == "D1"].set_index("uCode")
    assert d1["rank"].tolist() == [3, 1, 2] and d1["mean_abs_rank_change"].iloc[0] == 0
    # drop D2 -> Index = D1 = (60, 40, 50): ranks (1, 3, 2) from (3, 1, 2): changes (+2, -2, 0)
    # (positive = moved up, as in panel.trends)
    d2 = t[t.dropped == "D2"].set_index("uCode")
    assert d2["rank_change"].tolist() == [2, -2, 0]
    assert d2["mean_abs_rank_change"].iloc[0] == pytest.approx(4 / 3)


def test_decompose_arithmetic_sums_to_score():
    data = DATA.copy()
    data.loc[0, "m2"] = np.nan  # A: D1 = m1 only (weight renormalised)
    res = run_scenario(toy(), None, data=data)
    c = decompose(res)
    np.testing.assert_allclose(c.sum(axis=1), res.scores["Index"], atol=1e-12)
    assert c.loc["A", "m1"] == pytest.approx(0.5 * 80) and c.loc["A", "m2"] == 0
    assert c.loc["B", "m1"] == pytest.approx(0.25 * 20)


def test_decompose_geometric_and_mixed():
    res = run_scenario(toy("geometric"), None, data=DATA)
    c = decompose(res)
    np.testing.assert_allclose(np.exp(c.sum(axis=1)), res.scores["Index"], rtol=1e-12)
    cfg = toy()
    cfg["aggregate"] = {"method": "arithmetic", "overrides": {"Index": {"method": "geometric"}}}
    with pytest.raises(MethodError, match="decompose"):
        decompose(run_scenario(cfg, None, data=DATA))


def test_cli_whatif(tmp_path, asem_dir, capsys):
    from aiindex.cli import main

    scen = sorted((ROOT / "configs" / "scenarios").glob("*.yaml"))
    rc = main(["whatif", str(ASEM), *map(str, scen), "--out", str(tmp_path)])
    assert rc == 0
    out = capsys.readouterr().out
    assert "scenario base_restated: mean |rank change| 0.00" in out
    t = pd.read_csv(tmp_path / "whatif.csv")
    assert set(t["scenario"]) == {"base"} | {p.stem for p in scen}


def test_scenario_weights_and_drop_on_a_config_with_a_weights_section():
    """The bundled default has calibrated weights in a `weights` section: a scenario's weights
    must still take effect (applied after the scheme), and dropping a dimension must work."""
    import numpy as np

    import aiindex
    from aiindex.analysis.scenarios import leave_one_out, run_scenario, whatif
    from aiindex.data.bundled import default_config_path
    from aiindex.stages import aggregate_stage

    cfg = default_config_path()
    base = aiindex.run(cfg)
    res = run_scenario(cfg, {"name": "coop", "weights": {"explicit": {"COOPERATION": 0.5}}})
    fw = base.framework.with_weights({"COOPERATION": 0.5})
    expected = aggregate_stage(base.config, fw, base.stages["normalized"])[fw.root]
    np.testing.assert_allclose(res.index.to_numpy(), expected.reindex(res.scores.index).to_numpy(),
                               rtol=0, atol=1e-9)
    assert not np.allclose(res.index.to_numpy(), base.index.reindex(res.scores.index).to_numpy())
    wi = whatif(cfg, [{"name": "coop", "weights": {"explicit": {"COOPERATION": 0.5}}}])
    assert wi.loc[wi.scenario == "coop", "rank_change"].abs().sum() > 0
    dropped = run_scenario(cfg, {"name": "nocoop", "drop": ["COOPERATION"]})
    assert "COOPERATION" not in dropped.framework.nodes
    loo = leave_one_out(cfg, level=3)
    assert len(loo) > 0


# ------------------------------------------------------------------ one weights dialect
def test_old_scenario_weights_form_is_rejected_with_the_new_one():
    with pytest.raises(ConfigError, match=r"old form.*`weights: \{explicit: \{D2: 3\}\}`"):
        run_scenario(toy(), {"name": "old", "weights": {"D2": 3}}, data=DATA)
    # with a weighting method in force, node codes beside it are still the old form
    cfg = {**toy(), "weights": {"method": "equal"}}
    with pytest.raises(ConfigError, match=r"explicit: \{D1: 1\}"):
        run_scenario(cfg, {"name": "old", "weights": {"D1": 1}}, data=DATA)
    with pytest.raises(ConfigError, match="weights section"):
        run_scenario(toy(), {"name": "bad", "weights": [1, 2]}, data=DATA)


def test_scenario_weights_section_merges_with_the_config_section():
    # the scenario names a scheme: equal weights replace the config's explicit D2 = 3
    cfg = {**toy(), "weights": {"explicit": {"D2": 3}}}
    t = whatif(cfg, [{"name": "eq", "weights": {"method": "equal", "explicit": None}}],
               data=DATA)
    base = t[t.scenario == "base"].set_index("uCode")["score"]
    eq = t[t.scenario == "eq"].set_index("uCode")["score"]
    np.testing.assert_allclose(base, [22.5, 62.5, 42.5])  # D2 weight 3
    np.testing.assert_allclose(eq, [35, 55, 45])  # equal weights
    # explicit weights of a dropped node are ignored; of an added node, applied
    t2 = whatif(toy(), [{"name": "d", "drop": ["m2"], "weights": {"explicit": {"m2": 5}}}],
                data=DATA)
    np.testing.assert_allclose(t2[t2.scenario == "d"]["score"], [45, 45, 45])


def test_scenario_with_extends_of_another_config_warns(tmp_path):
    from aiindex.yamlio import dump_yaml

    dump_yaml({**toy(), "data": {"file": "d.csv"}}, tmp_path / "a.yaml")
    DATA.to_csv(tmp_path / "d.csv", index=False)
    dump_yaml({"extends": "a.yaml", "weights": {"explicit": {"D2": 3}}}, tmp_path / "ov.yaml")
    t = whatif(tmp_path / "a.yaml", [tmp_path / "ov.yaml"])  # its own base: no warning
    assert t[t.scenario == "ov"]["score"].round(6).tolist() == [22.5, 62.5, 42.5]
    dump_yaml({**toy(), "name": "other", "data": {"file": "d.csv"}}, tmp_path / "b.yaml")
    with pytest.warns(UserWarning, match="extends .*a.yaml but is run against"):
        whatif(tmp_path / "b.yaml", [tmp_path / "ov.yaml"])
