"""End-to-end pipeline runs, the Result object and the CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import aiindex
from aiindex.cli import main
from aiindex.cli._common import parse_set

PREP_OFF = {"denominate": {"method": "none"}, "impute": {"method": "none"},
            "screen": {"method": "none"}, "treat": {"method": "none"}}


@pytest.fixture
def asem_cfg(asem_dir):
    from pathlib import Path

    return Path(__file__).resolve().parents[1] / "configs" / "asem.yaml"


def test_asem_prep_off_hand_check(asem_cfg, asem_dir):
    res = aiindex.run(asem_cfg, overrides=PREP_OFF)
    raw = pd.read_csv(asem_dir / "iData.csv").set_index("uCode")
    meta = pd.read_csv(asem_dir / "iMeta.csv")
    fw = res.framework
    # normalised = min-max 0-100 of x * direction, by hand
    d = meta.set_index("iCode")["Direction"]
    x = raw["CostImpEx"] * d["CostImpEx"]
    hand = (x - x.min()) / (x.max() - x.min()) * 100
    np.testing.assert_allclose(res.stages["normalized"]["CostImpEx"], hand.loc[res.scores.index])
    # a pillar equals the mean of its normalised indicators (missing ones dropped)
    kids = fw.children("Physical")
    np.testing.assert_allclose(res.scores["Physical"],
                               res.stages["normalized"][kids].mean(axis=1, skipna=True))
    # sub-index = mean of its pillars; index = mean of sub-indices
    np.testing.assert_allclose(res.scores["Conn"], res.scores[fw.children("Conn")].mean(axis=1))
    np.testing.assert_allclose(res.scores["Index"], res.scores[["Conn", "Sust"]].mean(axis=1))
    # ranks: 1 = best, min ties
    r = res.ranks["Index"]
    assert r[res.scores["Index"].idxmax()] == 1
    assert sorted(r.astype(int)) == list(range(1, 52))
    assert list(res.stages) == ["raw", "denominated", "imputed", "screened", "treated",
                                "normalized", "aggregated"]


def test_result_views_and_csv(asem_cfg, tmp_path):
    res = aiindex.run(asem_cfg, overrides=PREP_OFF)
    tidy = res.tidy()
    assert set(tidy.columns) >= {"uCode", "year", "node", "level", "score", "rank"}
    assert len(tidy) == 51 * (49 + 11)
    files = res.to_csv(tmp_path)
    names = {p.name for p in files}
    assert {"scores.csv", "ranks.csv", "stage_raw.csv", "stage_normalized.csv"} <= names
    sc = pd.read_csv(tmp_path / "scores.csv", index_col="uCode")
    np.testing.assert_array_equal(sc["Index"].to_numpy(), res.scores["Index"].to_numpy())
    assert "<table" in res._repr_html_()


def test_data_override_and_order_invariance(asem_cfg, asem_dir):
    df = pd.read_csv(asem_dir / "iData.csv")
    before = df.copy()
    a = aiindex.run(asem_cfg, data=df, overrides=PREP_OFF)
    pd.testing.assert_frame_equal(df, before)
    b = aiindex.run(asem_cfg, data=df.sample(frac=1, random_state=3), overrides=PREP_OFF)
    pd.testing.assert_series_equal(a.index.sort_index(), b.index.sort_index())


def test_parse_set():
    assert parse_set(["normalize.method=zscore", "aggregate.min_share=0.5", "x.y=[1, 2]",
                      "c=NO"]) == {"normalize": {"method": "zscore"}, "aggregate": {"min_share": 0.5},
                                   "x": {"y": [1, 2]}, "c": "NO"}


def test_cli_run_writes_stage_csvs(asem_cfg, tmp_path, capsys):
    rc = main(["run", str(asem_cfg), "--set", "treat.method=none", "--out", str(tmp_path)])
    assert rc == 0
    out = capsys.readouterr().out
    assert "ASEM" in out and "Index" in out
    assert (tmp_path / "ranks.csv").exists() and (tmp_path / "stage_treated.csv").exists()
    first = (tmp_path / "ranks.csv").read_text().splitlines()[0]
    assert first.startswith("uCode,")


def test_cli_validate_reports_four_problems(asem_dir, tmp_path, capsys):
    """Text in a numeric column, duplicate unit code, missing metric, framework cycle: all at once."""
    meta = pd.read_csv(asem_dir / "iMeta.csv")
    meta.loc[meta["iCode"] == "Conn", "Parent"] = "Physical"  # cycle Physical -> Conn -> Physical
    meta.to_csv(tmp_path / "meta.csv", index=False)
    data = pd.read_csv(asem_dir / "iData.csv", dtype=str, keep_default_na=False)
    data.loc[3, "LPI"] = "n/a?"
    data.loc[5, "uCode"] = data.loc[4, "uCode"]
    data = data.drop(columns=["Goods"])
    data.to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "c.yaml").write_text("framework: {file: meta.csv}\ndata: {file: data.csv}\n")
    rc = main(["validate", str(tmp_path / "c.yaml")])
    out = capsys.readouterr().out
    assert rc == 1
    assert "cycle" in out
    assert "non-numeric" in out and "LPI" in out and "n/a?" in out
    assert "duplicate unit code" in out
    assert "'Goods'" in out and "missing from the data" in out
    assert main(["validate", str(tmp_path / "c.yaml").replace("c.yaml", "nope.yaml")]) != 0


def test_validate_ok(asem_cfg, capsys):
    assert main(["validate", str(asem_cfg)]) == 0


def test_unknown_method_is_clear(asem_cfg):
    with pytest.raises(aiindex.ValidationError, match="unknown normalizer 'minmaxx'"):
        aiindex.run(asem_cfg, overrides={**PREP_OFF, "normalize": {"method": "minmaxx"}})
    with pytest.raises(aiindex.ValidationError, match="unknown parameter"):
        aiindex.run(asem_cfg, overrides={**PREP_OFF, "normalize": {"lowww": 3}})


def test_import_is_light():
    import subprocess
    import sys

    code = "import sys, aiindex; print(any(m in sys.modules for m in ('matplotlib', 'openpyxl', 'dask')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_group_ranks(asem_cfg):
    res = aiindex.run(asem_cfg)
    gr = res.group_ranks("EurAsia_group")
    grp = res.groups["EurAsia_group"]
    for g in ("Asia", "Europe"):
        sub = res.scores.loc[grp == g, "Index"]
        assert gr.loc[sub.idxmax(), "Index"] == 1
        assert sorted(gr.loc[grp == g, "Index"].astype(int)) == list(range(1, len(sub) + 1))
    with pytest.raises(aiindex.ConfigError, match="unknown group column"):
        res.group_ranks("nope")


def test_excel_input_equals_csv(asem_cfg, asem_dir, tmp_path):
    pytest.importorskip("openpyxl")
    df = pd.read_csv(asem_dir / "iData.csv")
    df.to_excel(tmp_path / "iData.xlsx", index=False)
    a = aiindex.run(asem_cfg)
    b = aiindex.run(asem_cfg, data=tmp_path / "iData.xlsx")
    np.testing.assert_allclose(b.index.sort_index(), a.index.sort_index(), rtol=0, atol=1e-9)


def test_stage_section_without_method_is_an_error(asem_cfg):
    """A typo in `method` must not silently skip a stage."""
    with pytest.raises(aiindex.ValidationError, match="no 'method'"):
        aiindex.run(asem_cfg, overrides={"normalize": {"method": None, "metod": "zscore"}})
    with pytest.raises(aiindex.ValidationError, match="method none but parameters"):
        aiindex.run(asem_cfg, overrides={"treat": {"method": "none", "winmax": 3}})


def test_validate_dry_run_finds_bad_values(asem_cfg, tmp_path, capsys):
    """Values that only the data can reject are reported by `validate` (dry run)."""
    base = Path(asem_cfg).read_text().replace("../../shared", str(Path(asem_cfg).parents[2] / "shared"))
    cases = {
        "winmax": base.replace("winmax: 5", "winmax: -1"),
        "tiers": base + "tiers: {method: jenks, k: 0}\n",
        "weights": base + "weights: {explicit: {Conn: 0, Sust: 0}}\n",
    }
    for name, text in cases.items():
        p = tmp_path / f"{name}.yaml"
        p.write_text(text)
        assert main(["validate", str(p)]) == 1, name
        out = capsys.readouterr().out
        assert "problem" in out, name


def test_unknown_parameter_reported_under_its_key(asem_cfg):
    from aiindex.config import resolve_config
    from aiindex.pipeline import build_framework
    from aiindex.stages import check_methods

    cfg = resolve_config(asem_cfg, {"aggregate": {"bogus": 1}})
    probs = check_methods(cfg, build_framework(cfg))
    assert [p.key for p in probs] == ["aggregate.bogus"]


def test_parameter_of_wrong_type_names_the_stage(asem_cfg):
    # a wrong type is now a schema problem found before the run (issue 13), listed with the
    # config's other problems: a ValidationError naming the stage key
    with pytest.raises((aiindex.MethodError, aiindex.ValidationError), match="normalize"):
        aiindex.run(asem_cfg, overrides={"normalize": {"low": "abc"}})


def test_long_table_problems_name_file_rows(tmp_path):
    from aiindex.framework import Framework

    fw = Framework.from_dict({"code": "I", "children": [{"code": "a"}, {"code": "b"}]})
    p = tmp_path / "long.csv"
    p.write_text("uCode,metric,value\nA,a,1\nA,b,2\nB,a,x\nB,b,4\n")
    with pytest.raises(aiindex.ValidationError) as ei:
        aiindex.load_data(p, fw)
    (prob,) = ei.value.problems
    assert prob.row == 4 and prob.column == "value" and prob.value == "x"


def test_infinite_value_in_dataframe_is_rejected():
    from aiindex.framework import Framework

    fw = Framework.from_dict({"code": "I", "children": [{"code": "a"}, {"code": "b"}]})
    df = pd.DataFrame({"uCode": ["A", "B"], "a": [1.0, np.inf], "b": [1.0, 2.0]})
    with pytest.raises(aiindex.ValidationError, match="infinite"):
        aiindex.load_data(df, fw)


def test_run_honours_pooled_bounds_on_panel_data(gii_dir):
    from aiindex.pipeline import run_panel

    cfg = Path(__file__).resolve().parents[1] / "configs" / "gii_panel.yaml"
    res = aiindex.run(cfg)
    pan = run_panel(cfg)
    last = max(pan.results)
    np.testing.assert_allclose(res.index.to_numpy(), pan.results[last].index.to_numpy())
    assert res.info["panel_years"][0] == 2011


def test_validate_continues_after_schema_errors(asem_cfg, tmp_path):
    text = Path(asem_cfg).read_text().replace("../../shared", str(Path(asem_cfg).parents[2] / "shared"))
    text = text.replace("normalize:", "normalise:").replace("method: group_mean", "method: group_meen")
    p = tmp_path / "c.yaml"
    p.write_text(text)
    probs = aiindex.validate(p)
    keys = {pr.key for pr in probs}
    assert "normalise" in keys                       # the schema error
    assert any("group_meen" in str(pr) for pr in probs)  # found after setting it aside


def test_warns_when_sibling_metrics_are_on_different_scales(asem_cfg):
    over = {"normalize": {"overrides": {"LPI": {"method": "minmax", "low": 0, "high": 1}}}}
    with pytest.warns(UserWarning, match="'Physical'.*LPI"):
        res = aiindex.run(asem_cfg, overrides=over)
    assert res.info["normalize"]["scale_warnings"]


def test_screen_none_with_forced_exclusion(asem_cfg):
    res = aiindex.run(asem_cfg, overrides={"screen": {"method": "none", "exclude": ["LAO"]}})
    assert "LAO" not in res.scores.index and len(res.scores) == 50


def test_metric_min_share_leaves_a_sparse_metric_out_of_the_year():
    """screen.metric_min_share: a metric observed for too few units is left out (logged) and
    its siblings share the parent; without the option, an empty metric is an error."""
    import numpy as np
    import pandas as pd

    from aiindex.errors import DataError

    data = pd.DataFrame({"uCode": list("ABCD"), "m1": [1.0, 2.0, 3.0, 4.0],
                         "m2": [4.0, np.nan, np.nan, np.nan], "m3": [2.0, 1.0, 4.0, 3.0]})
    cfg = {"framework": {"code": "I", "children": [{"code": "m1"}, {"code": "m2"},
                                                   {"code": "m3"}]},
           "normalize": {"method": "none"},
           "screen": {"method": "none", "metric_min_share": 0.5}}
    res = aiindex.run(cfg, data=data)
    log = res.logs["screen_metrics"].set_index("metric")
    assert log.loc["m2", "availability"] == 0.25 and bool(log.loc["m2", "left_out"])
    assert not log.loc["m1", "left_out"]
    # A = mean(1, 2) once m2 (4.0 for A) is left out; B = mean(2, 1)
    np.testing.assert_allclose(res.scores["I"].to_numpy(), [1.5, 1.5, 3.5, 3.5])
    assert res.info["screen_metrics"]["left_out"] == ["m2"]
    # the same data without the option: m2 is kept (A = (1 + 4 + 2) / 3)
    res2 = aiindex.run({**cfg, "screen": {"method": "none"}}, data=data)
    assert res2.scores["I"]["A"] == pytest.approx(7 / 3)
    # a metric without data in a scored year (here: after the screen removes its only unit)
    # is an error without the option
    with pytest.raises(DataError, match="m2"):
        aiindex.run({**cfg, "screen": {"method": "none", "exclude": ["A"]}}, data=data)
