"""The bundled GAIII datasets: gaiii_public (single year) and gaiii_panel (2019-2023, the data of
the default index), each pinned to its sources and in sync with ../shared; the panel config's
metrics meet the coverage rule of docs/gaiii.md in every edition."""

from __future__ import annotations

import filecmp
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aiindex.config import load_config
from aiindex.data.bundled import bundled_config, bundled_data_dir
from aiindex.pipeline import build_framework, load_dataset

DATA = bundled_data_dir()
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "gaiii_public"


def test_every_value_has_a_known_source():
    long = pd.read_csv(DATA / "metrics_long.csv", keep_default_na=False, na_values=[""])
    src = pd.read_csv(DATA / "sources.csv")
    known = set(src["source_id"])
    assert long["value"].notna().all()
    ids = long["source_id"].str.split(r"[;+]").explode().str.strip()
    unknown = sorted(set(ids) - known)
    assert not unknown, f"source ids not in sources.csv: {unknown}"


def test_wide_equals_long():
    wide = pd.read_csv(DATA / "metrics.csv", keep_default_na=False, na_values=[""]).set_index("iso3")
    long = pd.read_csv(DATA / "metrics_long.csv", keep_default_na=False, na_values=[""])
    piv = long.pivot(index="iso3", columns="metric", values="value")
    assert wide.notna().sum().sum() == len(long)
    for m in piv.columns:
        pd.testing.assert_series_equal(wide[m].dropna().sort_index(), piv[m].dropna().sort_index(),
                                       check_names=False)
    assert len(wide) == 46


def test_bundled_copy_in_sync_with_shared():
    if not SHARED.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{SHARED} missing in CI")
        pytest.skip(f"shared folder {SHARED} not present")
    for f in sorted(SHARED.iterdir()):
        if f.is_file():
            assert filecmp.cmp(f, DATA / f.name, shallow=False), f"{f.name} differs from ../shared"




# ---------------------------------------------------------------------------- the gaiii panel
PANEL = bundled_data_dir("gaiii_panel")
SHARED_PANEL = SHARED.parent / "gaiii_panel"
#: panel metric dimension labels (metrics_meta.csv) -> published dimension names of the config
DIMENSIONS = {"Foundational support": "Foundational support",
              "Resources & environment": "Resources and environment",
              "Science & technology R&D": "Science and technology R&D",
              "Industry & application": "Industry and application",
              "International cooperation": "International cooperation and exchange"}
EDITIONS = [2020, 2021, 2022, 2023]


def _shared_panel() -> Path:
    if not SHARED_PANEL.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{SHARED_PANEL} missing in CI")
        pytest.skip(f"shared folder {SHARED_PANEL} not present")
    return SHARED_PANEL


def test_bundled_panel_is_the_shared_copy_byte_for_byte():
    shared = _shared_panel()
    files = sorted(f.name for f in shared.iterdir() if f.is_file() and f.name != "build.py")
    assert files == sorted(f.name for f in PANEL.iterdir() if f.is_file())
    for name in files:
        assert filecmp.cmp(shared / name, PANEL / name, shallow=False), f"{name} differs"


def test_bundled_panel_values_equal_the_shared_file():
    """The values the config reads (through the gaiii_panel reader) are the shared file's."""
    from aiindex.data.gaiii import read_gaiii_panel

    shared = pd.read_csv(_shared_panel() / "panel_long.csv")
    t = read_gaiii_panel(PANEL / "panel_long.csv")
    assert list(t.columns) == ["uCode", "year", "metric", "value"] and len(t) == len(shared)
    np.testing.assert_array_equal(t["value"].astype(float), shared["value"])
    cfg = load_config(bundled_config("gaiii_panel"))
    fw = build_framework(cfg)
    ds = load_dataset(cfg, fw)
    wide = shared.pivot_table(index=["uCode", "year"], columns="metric", values="value")
    got = ds.metrics.rename_axis(["uCode", "year"])
    exp = wide.reindex(index=got.index, columns=fw.metrics)
    np.testing.assert_array_equal(got.to_numpy(), exp.to_numpy())


def test_coverage_table_matches_the_long_file():
    long = pd.read_csv(PANEL / "panel_long.csv")
    cov = pd.read_csv(PANEL / "coverage.csv").set_index("metric")
    counted = long.groupby(["metric", "year"]).size().unstack(fill_value=0)
    counted.columns = counted.columns.astype(str)
    pd.testing.assert_frame_equal(counted.reindex(index=cov.index, columns=cov.columns,
                                                  fill_value=0), cov, check_names=False)


def _after_rule5(long: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """Metric x edition: countries with a value for the year or at most two years older."""
    units = sorted(long["uCode"].unique())
    w = long.pivot_table(index=["metric", "uCode"], columns="year", values="value")
    grid = pd.MultiIndex.from_product([metrics, units], names=["metric", "uCode"])
    w = w.reindex(grid)
    return w.T.ffill(limit=2).T.notna().groupby(level=0).sum()[EDITIONS]


def test_metrics_meet_the_coverage_rule_in_every_edition():
    """Rule 4: a metric is in an edition when at least 31 of 46 countries have a value at most
    two years old; otherwise (only broadband and mobile in 2023) no country has one."""
    cfg = load_config(bundled_config("gaiii_panel"))
    assert cfg.data.years == EDITIONS
    fw = build_framework(cfg)
    long = pd.read_csv(PANEL / "panel_long.csv")
    cov = _after_rule5(long, fw.metrics)
    assert ((cov >= 31) | (cov == 0)).all().all()
    dropped = {(m, y) for m in fw.metrics for y in EDITIONS if cov.loc[m, y] == 0}
    assert dropped == {("fixed_broadband_per100", 2023), ("mobile_subs_per100", 2023)}
    # the metrics left out by rule 3 fail the rule or are top-k lists
    for m in ("github_ml_topic_pushers", "ai_venture_capital_musd",
              "industrial_robot_installations"):
        assert (_after_rule5(long, [m]).loc[m] < 31).all()


def test_pipeline_coverage_equals_the_rule():
    """The imputed stage of every edition has exactly the coverage rule 5 gives."""
    import aiindex

    panel = aiindex.run_panel(bundled_config("gaiii_panel"))
    long = pd.read_csv(PANEL / "panel_long.csv")
    cov = _after_rule5(long, panel.framework.metrics)
    for y in EDITIONS:
        got = panel.results[y].stages["imputed"].notna().sum()
        pd.testing.assert_series_equal(got.reindex(cov.index), cov[y], check_names=False,
                                       check_dtype=False)


def test_panel_config_matches_the_panel_metadata():
    meta = pd.read_csv(PANEL / "metrics_meta.csv").set_index("metric")
    fw = build_framework(load_config(bundled_config("gaiii_panel")))
    assert len(fw.dimensions) == 5 and fw.depth == 4
    for m in fw.metrics:
        node = fw.nodes[m]
        assert node.direction == int(meta.loc[m, "direction"])
        assert node.source and node.unit and node.description, m
        assert node.source.split()[0].split("+")[0] in meta.loc[m, "source_ids"], m
        dim = next(a for a in fw.ancestors(m) if a in fw.dimensions)
        assert fw.nodes[dim].name == DIMENSIONS[meta.loc[m, "dimension"]], m


def test_reader_keeps_the_four_data_columns(tmp_path):
    from aiindex.data.gaiii import read_gaiii_panel
    from aiindex.errors import DataError

    p = tmp_path / "p.csv"
    p.write_text("uCode,year,metric,value,source_id,note\nUSA,2020,m,1.5,P1,\"a, b\"\n")
    t = read_gaiii_panel(p)
    assert t.to_dict("records") == [{"uCode": "USA", "year": "2020", "metric": "m",
                                     "value": "1.5"}]
    p.write_text("uCode,metric,value\nUSA,m,1\n")
    with pytest.raises(DataError, match="year"):
        read_gaiii_panel(p)
    with pytest.raises(DataError, match="not found"):
        read_gaiii_panel(tmp_path / "none.csv")
