"""The bundled default: the fixed-method public-proxy Global AI Innovation Index (editions
2020-2023, `aiindex run` shows 2023). Tests check the method rules of docs/gaiii.md and the
published facts (configs/gaiii_published.yaml), not unpublished ranks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import aiindex
from aiindex.analysis.provenance import imputed_share
from aiindex.cli import main
from aiindex.config import load_config
from aiindex.data.bundled import bundled_config, default_config_path
from aiindex.errors import MethodError
from aiindex.yamlio import load_yaml

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = load_yaml(ROOT / "configs" / "gaiii_published.yaml")
#: absolute counts and volumes (rule 6: log1p); every other metric is a rate
COUNTS = {"top500_systems", "top500_rmax_pflops", "electricity_generation_twh",
          "github_developers", "ai_articles_scopus", "epoch_notable_models",
          "epoch_large_scale_models", "github_repositories", "github_organizations",
          "github_git_pushes", "ai_articles_scopus_intl_coauthored",
          "epoch_notable_models_intl_collab", "github_cross_border_collab",
          "github_partner_economies"}


@pytest.fixture(scope="module")
def panel() -> aiindex.PanelResult:
    return aiindex.run_panel(bundled_config("gaiii_panel"))


@pytest.fixture(scope="module")
def res() -> aiindex.Result:
    return aiindex.run()


def test_default_is_edition_2023_of_the_panel(res, panel) -> None:
    assert default_config_path() == bundled_config("gaiii_2023")
    assert res.year == 2023 and len(res.scores) == PUBLISHED["countries"] == 46
    assert panel.years == [2020, 2021, 2022, 2023] and panel.bounds == "pooled"
    assert panel.pooled_years == [2019, 2020, 2021, 2022, 2023]
    pd.testing.assert_frame_equal(res.scores, panel.results[2023].scores)


def test_five_published_dimensions(res) -> None:
    fw = res.framework
    names = [fw.nodes[d].name for d in fw.dimensions]
    assert names == PUBLISHED["editions"][2023]["dimensions"]
    assert fw.depth == 4  # index -> dimensions -> sub-indicators -> metrics


def test_equal_weights_nothing_fitted(res) -> None:
    """Rule 8: every node weight is 1 (equal within each level); no weights section."""
    cfg = load_config(bundled_config("gaiii_2023"))
    assert cfg.weights is None
    def keys(node: dict) -> set[str]:
        return set(node) | set().union(*(keys(c) for c in node.get("children", [])))

    assert "weight" not in keys(load_yaml(bundled_config("gaiii_panel"))["framework"])
    assert all(n.weight == 1.0 for n in res.framework.nodes.values())
    # a dimension's effective weight is 1/5, rounded as published: 20 %
    ew = res.framework.effective_weights()
    assert all(round(ew[d] * 100, 6) == 20.0 for d in res.framework.dimensions)
    assert len(res.framework.aggregates) - 1 >= 12  # an arithmetic tree of more than a dozen weights


def test_top_k_lists_and_size_controls_not_scored(res) -> None:
    """Rule 3."""
    metrics = set(res.framework.metrics)
    assert not metrics & {"ai_venture_capital_musd", "industrial_robot_installations",
                          "github_ml_topic_pushers", "population", "gdp_current_usd"}
    assert len(metrics) == 20


def test_not_covered_is_never_zero_or_censored(panel) -> None:
    """Rule 5: a cell missing in a data year is either still missing or the country's own value
    from one or two years earlier; no censored or zero fill exists in the config."""
    cfg = panel.config
    assert cfg.impute.method == "latest" and cfg.impute.params("impute") == {"max_time": 2}
    assert "censored" not in str(cfg.to_dict())
    shared = pd.read_csv(ROOT.parent / "shared" / "data" / "gaiii_panel" / "panel_long.csv")
    obs = shared.set_index(["uCode", "metric", "year"])["value"]
    for year, r in panel.results.items():
        raw, imp = r.stages["raw"], r.stages["imputed"]
        filled = raw.isna() & imp.notna()
        for (u, m) in filled.stack().loc[lambda s: s].index:
            earlier = [obs.get((u, m, y)) for y in (year - 1, year - 2)]
            first = next(v for v in earlier if v is not None and not np.isnan(v))
            assert imp.loc[u, m] == first, (year, u, m)


def test_counts_log1p_rates_untouched_nothing_winsorised(panel) -> None:
    """Rule 6."""
    r = panel.results[2022]
    imp, tr = r.stages["imputed"], r.stages["treated"]
    for m in r.framework.metrics:
        expected = np.log1p(imp[m]) if m in COUNTS else imp[m]
        np.testing.assert_allclose(tr[m], expected, equal_nan=True, err_msg=m)
    assert "winsor" not in str(panel.config.to_dict())


def test_pooled_bounds_make_editions_comparable(panel) -> None:
    """Rule 7: one raw value, one normalised value in every edition (pooled min-max)."""
    ref = panel.reference  # treated data (log1p counts) of every data year
    m = "epoch_notable_models"
    lo, hi = ref[m].min(), ref[m].max()
    assert lo == 0  # countries without a model: log1p(0) = 0
    for r in panel.results.values():
        x = np.log1p(r.stages["imputed"][m])
        np.testing.assert_allclose(r.stages["normalized"][m], (x - lo) / (hi - lo) * 100)


def test_tier_rule_stated_in_advance(res) -> None:
    """Rule 9: Jenks k = 4 on the index, then dimension ranks, then contiguity; no thresholds."""
    t = res.config.tiers
    assert t["method"] == "jenks" and t["k"] == 4 and "breaks" not in t
    assert t["rules"] == [{"type": "dimension_ranks", "top": 3, "min_count": 2, "tier": 2},
                          {"type": "contiguous"}]
    assert sorted(res.tiers.dropna().unique()) == [1, 2, 3, 4]
    order = res.index.sort_values(ascending=False).index
    assert list(res.tiers[order]) == sorted(res.tiers[order])  # contiguous in score order


def test_published_leaders_hold_in_every_edition(panel) -> None:
    """Anchors (P2020-P2023): the US first and China second in 2020-2023; the UK third in 2023."""
    ranks = panel.ranks()
    assert (ranks.loc["USA"] == 1).all() and (ranks.loc["CHN"] == 2).all()
    assert ranks.loc["GBR", 2023] == 3


def test_cli_default_output(capsys) -> None:
    assert main(["run"]) == 0
    out = capsys.readouterr().out
    assert "public-proxy index" in out and "2023" in out and "imputed_%" in out
    assert "PUBLIC-PROXY INDEX, not CISTI's index" in " ".join(out.split())
    assert "aiindex anchors" in out and "docs/gaiii.md" in out
    for d in ("FOUND", "RESOURCE", "RESEARCH", "INDUSTRY", "COOPERATION"):
        assert d in out


# ---------------------------------------------------------------------------- imputed share
def _toy() -> aiindex.Result:
    # m1 has C missing, filled with the mean 5; min-max 0-100: m1 A 0, B 100, C 50 (imputed);
    # m2 A 0, B 50, C 100; m3 A 100, B 0, C 50. D1 = mean(m1, m2): 0, 75, 75; D2 = m3.
    # Index = mean(D1, D2): A 50, B 37.5, C 62.5; C's imputed m1 gives 50 / 4 = 12.5 points.
    data = pd.DataFrame({"uCode": ["A", "B", "C"], "m1": [0, 10, None], "m2": [0, 5, 10],
                         "m3": [10, 0, 5]})
    cfg = {"framework": {"code": "I", "children": [
        {"code": "D1", "children": [{"code": "m1"}, {"code": "m2"}]},
        {"code": "D2", "children": [{"code": "m3"}]}]},
        "impute": {"method": "mean"}, "normalize": {"method": "minmax", "low": 0, "high": 100}}
    return aiindex.run(cfg, data=data)


def test_imputed_share_hand_computed() -> None:
    r = _toy()
    np.testing.assert_allclose(r.index[["A", "B", "C"]], [50, 37.5, 62.5])
    s = imputed_share(r)
    assert s.loc["C", "imputed_cells"] == 1 and s["missing_cells"].sum() == 0
    assert s.loc["C", "imputed_weight"] == pytest.approx(0.25)
    assert s.loc["C", "imputed_score"] == pytest.approx(12.5 / 62.5)
    assert (s.loc[["A", "B"], ["imputed_weight", "imputed_score"]] == 0).all().all()


def test_imputed_share_refuses_non_linear_aggregation() -> None:
    r = _toy()
    geo = aiindex.run(r.config.model_copy(update={}), overrides={
        "aggregate": {"method": "geometric"}, "normalize": {"low": 1}},
        data=pd.DataFrame({"uCode": ["A", "B", "C"], "m1": [0, 10, None], "m2": [0, 5, 10],
                           "m3": [10, 0, 5]}))
    with pytest.raises(MethodError, match="arithmetic"):
        imputed_share(geo)


def test_imputed_share_of_the_default(res) -> None:
    s = imputed_share(res)
    assert len(s) == 46 and s["imputed_score"].between(0, 1).all()
    # every country has carried-forward cells in 2023 (R&D from 2021, articles from 2022)
    assert (s["imputed_cells"] >= 2).all()
    # broadband and mobile are dropped from 2023 (no country has them): not "missing" cells
    assert res.stages["normalized"][["fixed_broadband_per100", "mobile_subs_per100"]].isna().all().all()
    assert s["missing_cells"].max() <= 2


def test_uncertainty_replications_use_the_pooled_bounds(res) -> None:
    """The uncertainty engine's nominal run of a pooled panel config equals aiindex.run."""
    from aiindex.analysis.uncertainty import uncertainty

    u = uncertainty(default_config_path(), n=4, seed=1,
                    factors=[{"name": "w", "type": "weight_noise", "level": 3, "relative": 0.0}])
    np.testing.assert_allclose(u.nominal.index.reindex(res.index.index), res.index)
    # zero noise: every replication is the nominal run
    np.testing.assert_allclose(u.scores.to_numpy(), np.tile(res.index.reindex(u.scores.columns)
                                                           .to_numpy(), (4, 1)))


def test_reruns_of_the_default_keep_the_pooled_bounds(res) -> None:
    """Scenarios and calibration in config mode re-run the default with its pooled bounds
    (pipeline.pooled_reference), so their base equals aiindex.run()."""
    from aiindex.analysis.calibrate import _config_design
    from aiindex.analysis.scenarios import run_scenario

    base = run_scenario(default_config_path())
    np.testing.assert_allclose(base.index.reindex(res.index.index), res.index)
    X = _config_design(default_config_path(), 2, None, None)[0]
    subs = res.framework.level_codes(2)
    np.testing.assert_allclose(X[subs].reindex(res.scores.index), res.scores[subs])
