"""End-to-end pipeline runs, the Result object and the CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import aiindex
from aiindex.cli import main, parse_set

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
