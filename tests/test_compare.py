"""Comparing results (aiindex.analysis.compare; COINr compare_coins / compare_coins_multi) and
the `aiindex compare` / `aiindex profile` commands."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import aiindex
from aiindex.analysis.compare import compare, load_source
from aiindex.cli import main
from aiindex.errors import ConfigError

FW = {"code": "Index", "children": [{"code": "m1"}, {"code": "m2"}]}
DATA = pd.DataFrame({"uCode": list("ABCD"), "m1": [4.0, 3, 2, 1], "m2": [1.0, 4, 2, 3]})


def cfg(w1: float = 1.0) -> dict:
    fw = {"code": "Index", "children": [{"code": "m1", "weight": w1}, {"code": "m2"}]}
    return {"name": f"w{w1:g}", "framework": fw, "normalize": {"method": "none"}}


def test_hand_computed_differences_and_correlations():
    # base (equal weights): A 2.5, B 3.5, C 2.0, D 2.0 -> ranks 2, 1, 3, 3
    # other (m1 weight 3): A 3.25, B 3.25, C 2.0, D 1.5 -> ranks 1, 1, 3, 4
    base = aiindex.run(cfg(1), data=DATA)
    other = aiindex.run(cfg(3), data=DATA)
    c = compare(base, other, names=["equal", "m1x3"])
    d = c.differences[c.differences["node"] == "Index"].set_index("uCode")
    np.testing.assert_allclose(d["score_change"].astype(float), [0.75, -0.25, 0.0, -0.5])
    assert d["rank_change"].tolist() == [1, 0, 0, -1]  # base_rank - rank: + = moved up
    r = c.correlations.set_index("node").loc["Index"]
    # average ranks of the scores: (3, 4, 1.5, 1.5) and (3.5, 3.5, 2, 1): rho = 4 / 4.5
    assert r["spearman"] == pytest.approx(4 / 4.5)
    # 6 pairs: 4 concordant, 0 discordant, one tie in each: tau_b = 4 / sqrt(5 * 5)
    assert r["kendall"] == pytest.approx(0.8)
    assert r["mean_abs_rank_change"] == pytest.approx(0.5) and r["max_abs_rank_change"] == 1
    assert r["n_common"] == 4 and r["n_only_base"] == 0
    # movers: units that moved, largest first, ties by base rank (A base 2 before D base 3)
    assert c.movers["uCode"].tolist() == ["A", "D"]
    assert "Spearman 0.889, Kendall 0.800" in c.summary()
    w = c.wide("rank")
    assert list(w.columns) == ["equal", "m1x3"] and w.index[0] == "B"
    assert c.wide("rank_change")["equal"].eq(0).all()


def test_units_in_one_source_only_and_base_choice():
    base = aiindex.run(cfg(1), data=DATA)
    more = pd.concat([DATA, pd.DataFrame({"uCode": ["E"], "m1": [5.0], "m2": [5.0]})])
    other = aiindex.run(cfg(1), data=more)
    c = compare(base, other, names=["four", "five"])
    r = c.correlations.set_index("node").loc["Index"]
    assert r["n_only_source"] == 1 and r["n_only_base"] == 0 and r["n_common"] == 4
    e = c.differences.set_index("uCode").loc["E"]
    assert pd.isna(e["rank_change"]) and pd.isna(e["base_score"])
    # every common unit drops one rank because E is first in "five"
    assert c.differences.dropna(subset=["rank_change"])["rank_change"].eq(-1).all()
    c2 = compare(base, other, names=["four", "five"], base="five")
    assert c2.base == "five" and c2.names == ["five", "four"]
    with pytest.raises(ConfigError, match="unknown base"):
        compare(base, other, base="six")


def test_sources_configs_scenarios_and_folders(tmp_path):
    res = aiindex.run(cfg(1), data=DATA)
    res.to_csv(tmp_path / "out")
    loaded = load_source(tmp_path / "out")
    assert loaded.kind == "folder" and loaded.root == "Index"
    pd.testing.assert_frame_equal(loaded.scores, res.scores.astype("float64"),
                                  check_names=False)
    sc = {"name": "m1x3", "weights": {"explicit": {"m1": 3}}}
    c = compare(cfg(1), sc, tmp_path / "out", data=DATA)
    assert c.info["kinds"] == {"w1": "config", "m1x3": "scenario", "out": "folder"}
    d = c.differences
    assert d[d["source"] == "out"]["score_change"].abs().max() == 0
    np.testing.assert_allclose(
        d[(d["source"] == "m1x3") & (d["node"] == "Index")]["score_change"].astype(float),
        [0.75, -0.25, 0.0, -0.5])
    paths = c.to_csv(tmp_path / "cmp")
    assert {p.name for p in paths} == {"compare_scores.csv", "compare_differences.csv",
                                       "compare_correlations.csv", "compare_movers.csv",
                                       "manifest.json"}


def test_errors(tmp_path):
    res = aiindex.run(cfg(1), data=DATA)
    with pytest.raises(ConfigError, match="at least two"):
        compare(res)
    with pytest.raises(ConfigError, match="3 name"):
        compare(res, res, names=["a", "b", "c"])
    with pytest.raises(ConfigError, match=r"node\(s\) \['Nope'\]"):
        compare(res, res, nodes=["Nope"])
    with pytest.raises(ConfigError, match="not a file"):
        compare(res, tmp_path / "missing.yaml")
    (tmp_path / "empty").mkdir()
    with pytest.raises(aiindex.errors.AIIndexError, match="manifest"):
        compare(res, tmp_path / "empty")
    # duplicate labels get a suffix
    assert compare(res, res).names == ["w1", "w1#2"]


# ------------------------------------------------------------------------- command line
def write_toy(tmp: Path, w1: float = 1.0, name: str = "toy") -> Path:
    DATA.to_csv(tmp / "data.csv", index=False)
    fw = {"code": "Index", "children": [
        {"code": "D1", "children": [{"code": "m1", "weight": w1}, {"code": "m2"}]},
        {"code": "D2", "children": [{"code": "m3"}]}]}
    d = DATA.assign(m3=[1.0, 2, 3, 4])
    d.to_csv(tmp / "data.csv", index=False)
    import json

    p = tmp / f"{name}.yaml"
    p.write_text(json.dumps({"name": name, "framework": fw, "data": {"file": "data.csv"},
                             "normalize": {"method": "minmax", "low": 0, "high": 100}}))
    return p


def test_cli_compare(tmp_path, capsys):
    a = write_toy(tmp_path, 1.0, "base")
    sc = tmp_path / "double_m1.yaml"
    sc.write_text("name: double_m1\nweights: {explicit: {m1: 2}}\n")
    rc = main(["compare", str(a), str(sc), "--top", "3", "--out", str(tmp_path / "o")])
    out = capsys.readouterr().out
    assert rc == 0
    assert "double_m1 vs base (Index)" in out and "Spearman" in out
    assert (tmp_path / "o" / "manifest.json").exists()
    assert len(pd.read_csv(tmp_path / "o" / "compare_correlations.csv")) == 3  # D1, D2, Index
    rc = main(["compare", str(a)])
    assert rc == 2 and "at least two" in capsys.readouterr().err
    rc = main(["compare", str(a), str(tmp_path / "nothere.yaml")])
    assert rc == 2 and "not a file" in capsys.readouterr().err


def test_cli_profile(tmp_path, capsys):
    a = write_toy(tmp_path)
    rc = main(["profile", str(a), "B", "--n", "2", "--out", str(tmp_path / "p")])
    out = capsys.readouterr().out
    assert rc == 0
    assert "scores and ranks at every level" in out and "strongest metrics by rank" in out
    lv = pd.read_csv(tmp_path / "p" / "profile_B_levels.csv", index_col=0)
    assert lv.index[0] == "Index" and set(lv.index) == {"Index", "D1", "D2"}
    res = aiindex.run(a)
    assert lv.loc["Index", "rank"] == res.ranks.loc["B", "Index"]
    # a config alone: the unit is missing (not taken for a unit called "toy.yaml")
    rc = main(["profile", str(a)])
    assert rc == 2 and "missing UNIT" in capsys.readouterr().err
    rc = main(["profile", str(a), "b"])
    assert rc == 2 and "did you mean 'B'" in capsys.readouterr().err


def test_cli_profile_default_config(capsys):
    # one positional argument is the unit; the config is the bundled default
    res = aiindex.run()
    unit = str(res.ranks[res.framework.root].astype(float).idxmin())
    rc = main(["profile", unit, "--n", "1"])
    assert rc == 0 and capsys.readouterr().out.startswith(unit)
