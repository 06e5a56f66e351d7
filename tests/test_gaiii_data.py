"""The bundled gaiii_public dataset: pinned to its sources table, in sync with ../shared, and
matched by the configs."""

from __future__ import annotations

import filecmp
import os
from pathlib import Path

import pandas as pd
import pytest

from aiindex.config import load_config
from aiindex.data.bundled import bundled_config, bundled_data_dir
from aiindex.pipeline import build_framework

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


@pytest.mark.parametrize("name", ["gaiii_2023", "gaiii_2023_equal"])
def test_config_matches_data(name):
    cfg = load_config(bundled_config(name))
    fw = build_framework(cfg)
    meta = pd.read_csv(DATA / "metrics_meta.csv").set_index("metric")
    assert len(fw.dimensions) == 5
    assert fw.depth == 4  # index -> dimensions -> sub-indicators -> metrics
    for m in fw.metrics:
        assert m in meta.index, f"metric {m} not in metrics_meta.csv"
        assert fw.nodes[m].direction == int(meta.loc[m, "direction"])
        assert fw.nodes[m].source and fw.nodes[m].unit
    assert "population" not in fw.metrics and "gdp_current_usd" not in fw.metrics
