"""``whatif`` reuses the data and prepared stages a scenario does not change (StageCache)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from aiindex.analysis import scenarios as sc_mod
from aiindex.analysis.scenarios import run_scenario, whatif
from aiindex.config import resolve_config

ROOT = Path(__file__).resolve().parents[1]
ASEM = ROOT / "configs" / "asem.yaml"
SCENARIOS = [ROOT / "configs" / "scenarios" / f for f in ("base_restated.yaml",
                                                         "drop_political.yaml")] + [
    {"name": "conn_x3", "weights": {"explicit": {"Conn": 3}}},
    {"name": "winmax2", "treat": {"winmax": 2}},
    {"name": "winmax2_geo", "treat": {"winmax": 2}, "normalize": {"low": 1},
     "aggregate": {"method": "geometric"}},
]


def _uncached(cfg, scenarios):
    frames = [sc_mod._tidy(run_scenario(cfg, None), "base")]
    for s in scenarios:
        sc = sc_mod.load_scenario(s)
        frames.append(sc_mod._tidy(run_scenario(cfg, sc), sc["name"]))
    return pd.concat(frames, ignore_index=True)


def test_whatif_with_the_cache_equals_separate_runs(asem_dir, monkeypatch):
    cfg = resolve_config(ASEM)
    ref = _uncached(cfg, SCENARIOS)
    loads = []
    real_load = sc_mod.load_dataset

    def count_load(*a, **kw):
        loads.append(1)
        return real_load(*a, **kw)

    monkeypatch.setattr(sc_mod, "load_dataset", count_load)
    got = whatif(cfg, SCENARIOS)
    cols = ["scenario", "uCode", "score", "rank"]
    pd.testing.assert_frame_equal(got[cols], ref[cols].assign(rank=ref["rank"].astype("Int64")),
                                  check_exact=True)
    # base + 5 scenarios: the data are loaded for the base, drop_political (another framework)
    # and nothing else; winmax2 and winmax2_geo share one prepared variant
    assert len(loads) == 2


def test_whatif_cache_on_a_pooled_panel_config():
    """The bundled default is a pooled panel: cached scenario runs use its pooled bounds too."""
    from aiindex.data.bundled import default_config_path

    cfg = resolve_config(default_config_path())
    scs = [{"name": "found_x2", "weights": {"explicit": {"FOUND": 2}}},
           {"name": "zscore", "normalize": {"method": "zscore"}}]
    ref = _uncached(cfg, scs)
    got = whatif(cfg, scs)
    cols = ["scenario", "uCode", "score", "rank"]
    pd.testing.assert_frame_equal(got[cols].reset_index(drop=True),
                                  ref[cols].reset_index(drop=True), check_dtype=False)
