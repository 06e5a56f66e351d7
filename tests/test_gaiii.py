"""The bundled default: the reconstruction of the 2023 Global AI Innovation Index, checked
against the published facts in configs/gaiii_published.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

import aiindex
from aiindex.cli import main
from aiindex.data.bundled import bundled_config, default_config_path
from aiindex.yamlio import load_yaml

PUBLISHED = load_yaml(Path(__file__).resolve().parents[1] / "configs" / "gaiii_published.yaml")


@pytest.fixture(scope="module")
def res():
    return aiindex.run()


def test_default_is_the_reconstruction(res):
    assert default_config_path() == bundled_config("gaiii_2023")
    assert len(res.scores) == PUBLISHED["countries"] == 46
    assert len(res.framework.dimensions) == 5


def test_headline_scores_within_005(res):
    idx = res.index
    e23 = PUBLISHED["editions"][2023]
    targets = {**e23["scores"], **e23["scores_derived"]}
    for unit, target in targets.items():
        assert abs(idx[unit] - target) <= 0.05, (unit, idx[unit], target)
    assert list(idx.sort_values(ascending=False).index[:2]) == ["USA", "CHN"]
    # Published: the UK third. Not reproduced by the closest-to-equal weights: measured rank 6
    # (KOR, DEU, JPN ahead), documented in docs/gaiii.md.
    assert int(res.ranks[res.framework.root][e23["third"]]) == 6


def test_tier1_is_us_and_china_and_four_tiers(res):
    tier1 = sorted(res.tiers[res.tiers == 1].index)
    assert tier1 == sorted(PUBLISHED["editions"][2023]["tier1"])
    assert sorted(res.tiers.dropna().unique()) == [1, 2, 3, 4]
    # tiers are contiguous in score order
    order = res.index.sort_values(ascending=False).index
    assert list(res.tiers[order]) == sorted(res.tiers[order])


def test_report_overlap_with_published_2020_top10(res):
    top10 = PUBLISHED["editions"][2020]["top10"]
    ours = list(res.index.sort_values(ascending=False).index[:10])
    overlap = len(set(ours) & set(top10))
    print(f"our top 10: {ours}; in the published 2020 top 10: {overlap}/10")
    assert overlap == 9  # measured (ISR is 13th; SWE 9th instead); recorded in docs/gaiii.md


def test_equal_weights_variant_runs():
    eq = aiindex.run(bundled_config("gaiii_2023_equal"))
    assert eq.index.idxmax() == "USA"
    assert len(eq.scores) == 46


def test_cli_default_output(capsys):
    assert main(["run"]) == 0
    out = capsys.readouterr().out
    assert "United States" in out and "China" in out and "tier" in out
    assert "public proxy" in out and "docs/gaiii.md" in out
    for d in ("FOUND", "RESOURCE", "RESEARCH", "INDUSTRY", "COOPERATION"):
        assert d in out


def test_config_weights_are_what_the_calibration_script_produces():
    """The weights in gaiii_2023.yaml are reproduced by examples/calibrate_gaiii.py."""
    import importlib.util

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("calibrate_gaiii",
                                                  root / "examples" / "calibrate_gaiii.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    weights, scores = mod.main()
    explicit = load_yaml(bundled_config("gaiii_2023"))["weights"]["explicit"]
    assert weights == pytest.approx(dict(explicit), abs=2e-6)
    ranked = scores.sort_values(ascending=False)
    _, kept = mod.main(keep_rank=True)
    assert list(kept.sort_values(ascending=False).index[:3]) == ["USA", "CHN", "GBR"]
    assert list(ranked.index[:2]) == ["USA", "CHN"]


def test_capping_sparse_subindicators_as_documented():
    """docs/gaiii.md: capping the top-k sub-indicators at 0.067 still fits, but China falls to
    4th; excluding them (cap 0) is infeasible."""
    import importlib.util

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("calibrate_gaiii",
                                                  root / "examples" / "calibrate_gaiii.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    w, scores = mod.main(cap_sparse=0.067)
    assert all(w[c] <= 0.067 + 1e-6 for c in mod.SPARSE)
    assert list(scores.sort_values(ascending=False).index).index("CHN") == 3
    assert abs(scores["USA"] - 74.71) <= 0.05
    _, excluded = mod.main(cap_sparse=0.0)
    assert abs(excluded["USA"] - 74.71) > 0.05 or abs(excluded["CHN"] - 52.69) > 0.05 \
        or abs(excluded["GBR"] - 37.9) > 0.05
