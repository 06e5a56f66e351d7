"""Tests of panel runs (aiindex.pipeline.run_panel, aiindex.analysis.trends, aiindex.data.gii): multi-year runs (per-year vs pooled bounds), trends, gaps, GII reader."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiindex.analysis.trends import gaps, trends
from aiindex.data.gii import GII_ISO3, GII_PILLARS, read_gii_panel
from aiindex.errors import ConfigError, DataError
from aiindex.framework import Framework
from aiindex.outputs.charts import plot_gap
from aiindex.pipeline import PanelResult, run_panel

ROOT = Path(__file__).resolve().parents[1]
GII_CFG = ROOT / "configs" / "gii_panel.yaml"
ASEM_CFG = ROOT / "configs" / "asem_panel.yaml"
GII_FILE = "gii_2011_2022_pillars_mendeley.csv"
INPUT = ["Institutions", "HumanCapital", "Infrastructure", "MarketSoph", "BusinessSoph"]
OUTPUT = ["KnowledgeTech", "Creative"]


# ------------------------------------------------------------------- synthetic panel results
def _panel(scores: dict[str, list[float]], years: list[int]) -> PanelResult:
    fw = Framework.from_dict({"code": "I", "children": [{"code": "m"}]})
    rows = []
    for u, vals in scores.items():
        for y, v in zip(years, vals, strict=True):
            if not np.isnan(v):
                rows.append({"uCode": u, "year": y, "node": "I", "level": 2, "score": v})
    tidy = pd.DataFrame(rows)
    tidy["rank"] = tidy.groupby("year")["score"].rank(method="min", ascending=False).astype("Int64")
    return PanelResult({}, tidy, "per_year", years, fw, None)  # type: ignore[arg-type]


def test_trends_hand_computed() -> None:
    pr = _panel({"A": [50.0, 60.0, 72.0], "B": [80.0, 70.0, 60.0], "C": [-1.0, 2.0, 3.0],
                 "D": [np.nan, 40.0, np.nan]}, [2020, 2021, 2022])
    t = trends(pr)
    assert t.loc["A", "change"] == pytest.approx(22.0)
    assert t.loc["A", "cagr_pct"] == pytest.approx(20.0)  # 100 ((72/50) ** (1/2) - 1)
    assert t.loc["A", "slope"] == pytest.approx(11.0)  # OLS through (0,50),(1,60),(2,72)
    assert t.loc["B", "slope"] == pytest.approx(-10.0)
    assert (t.loc["A", "rank_first"], t.loc["A", "rank_last"]) == (2, 1)
    assert t.loc["A", "rank_change"] == 1 and t.loc["B", "rank_change"] == -1
    assert np.isnan(t.loc["C", "cagr_pct"]) and "first score <= 0" in t.loc["C", "note"]
    assert t.loc["D", "n_years"] == 1 and np.isnan(t.loc["D", "slope"])
    assert t.loc["D", "first_year"] == t.loc["D", "last_year"] == 2021
    assert "one year only" in t.loc["D", "note"]


@settings(max_examples=40, deadline=None)
@given(st.floats(0.01, 1e4), st.integers(2, 8), st.floats(-1e4, -0.01))
def test_trend_of_constant_series_is_zero(c: float, k: int, neg: float) -> None:
    years = list(range(2000, 2000 + k))
    t = trends(_panel({"A": [c] * k, "B": [neg] * k}, years))
    assert t.loc["A", "change"] == 0.0 and t.loc["A", "cagr_pct"] == 0.0 and t.loc["A", "slope"] == 0.0
    assert t.loc["B", "change"] == 0.0 and t.loc["B", "slope"] == 0.0
    assert np.isnan(t.loc["B", "cagr_pct"])  # non-positive scores: no CAGR, with a note
    assert t.loc["A", "rank_change"] == 0


def test_gaps_and_notes() -> None:
    pr = _panel({"A": [50.0, 60.0, np.nan], "B": [40.0, 65.0, 70.0]}, [2020, 2021, 2022])
    g = gaps(pr, "A", "B")
    assert g["gap"].iloc[:2].tolist() == [10.0, -5.0]
    assert np.isnan(g["gap"].iloc[2]) and g["note"].iloc[2] == "A not scored"
    with pytest.raises(DataError, match="'Z'"):
        gaps(pr, "A", "Z")


def test_plot_gap_lazy_matplotlib_and_backend_unchanged(tmp_path: Path) -> None:
    # one fresh process: importing aiindex.panel does not import matplotlib; plot_gap does not
    # call matplotlib.use() (the backend the caller set, here "svg", is unchanged) and never
    # imports pyplot
    code = (
        "import sys, aiindex.pipeline, aiindex.analysis.trends\n"
        "lazy = 'matplotlib' not in sys.modules\n"
        "import matplotlib; matplotlib.use('svg')\n"
        "import pandas as pd\n"
        "from aiindex.outputs.charts import plot_gap\n"
        "g = pd.DataFrame({'year': [2020, 2021], 'gap': [1.0, 2.0]})\n"
        f"plot_gap(g, 'A', 'B', path={str(tmp_path / 'g0.png')!r})\n"
        "print(lazy, matplotlib.get_backend(), 'matplotlib.pyplot' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "svg", "False"]
    assert (tmp_path / "g0.png").exists()
    pr = _panel({"A": [50.0, 60.0], "B": [40.0, 65.0]}, [2020, 2021])
    ax = plot_gap(pr, "A", "B", path=tmp_path / "g.png")
    assert (tmp_path / "g.png").exists()
    assert list(ax.lines[0].get_ydata()) == [10.0, -5.0]


# ------------------------------------------------------------------------------- GII reader
@pytest.fixture(scope="module")
def gii_raw() -> pd.DataFrame:
    from conftest import shared_path

    return read_gii_panel(shared_path("gii", GII_FILE))


def test_read_gii_panel(gii_raw: pd.DataFrame, gii_dir: Path) -> None:
    assert list(gii_raw.columns) == ["uCode", "uName", "Time", *GII_PILLARS.values(),
                                     "GII_published"]
    assert len(gii_raw) == 1788 - 191  # economy-years without any pillar score dropped
    assert len(read_gii_panel(gii_dir / GII_FILE, keep_empty=True)) == 1788
    assert gii_raw["uCode"].nunique() == len(GII_ISO3) == len(set(GII_ISO3.values())) == 149
    assert sorted(gii_raw["Time"].unique()) == list(range(2011, 2023))
    che = gii_raw.set_index(["uCode", "Time"]).loc[("CHE", 2022)]
    # values of the file (decimal commas): Switzerland 2022 row
    assert che["Institutions"] == 89.2 and che["Creative"] == 56.3 and che["GII_published"] == 64.6
    assert gii_raw.set_index(["uCode", "Time"]).loc[("USA", 2022), "uName"] == \
        "United States of America"


def test_gii_none_reproduces_published(gii_dir: Path) -> None:
    pr = run_panel(GII_CFG, overrides={"normalize": {"method": "none"}})
    raw = read_gii_panel(gii_dir / GII_FILE).set_index(["uCode", "Time"])["GII_published"]
    ours = pr.tidy[pr.tidy["node"] == "GII"].set_index(["uCode", "year"])["score"]
    d = (ours - raw.reindex(ours.index).to_numpy()).abs()
    years = ours.index.get_level_values(1)
    assert d[years >= 2013].max() <= 0.16 + 1e-9  # 1-dp rounding (README check)
    assert pr.scores().loc["CHE", 2022] == pytest.approx((np.mean([89.2, 62.4, 65.7, 59.8, 60.6])
                                                          + np.mean([67.1, 56.3])) / 2)


def _expected_gii(raw: pd.DataFrame, pooled: bool) -> pd.Series:
    """GII from min-max pillars computed directly with pandas: per year or over all years."""
    P = raw.set_index(["uCode", "Time"])[INPUT + OUTPUT]
    if pooled:
        N = 100 * (P - P.min()) / (P.max() - P.min())
    else:
        g = P.groupby(level="Time")
        N = 100 * (P - g.transform("min")) / (g.transform("max") - g.transform("min"))
    return (N[INPUT].mean(axis=1) + N[OUTPUT].mean(axis=1)) / 2


@pytest.fixture(scope="module")
def gii_runs(gii_raw: pd.DataFrame) -> dict[str, PanelResult]:
    return {b: run_panel(GII_CFG, bounds=b) for b in ("pooled", "per_year")}


def test_gii_pooled_vs_per_year_scores(gii_raw: pd.DataFrame, gii_runs) -> None:
    for b, pooled in (("pooled", True), ("per_year", False)):
        exp = _expected_gii(gii_raw, pooled)
        got = gii_runs[b].tidy.query("node == 'GII'").set_index(["uCode", "year"])["score"]
        assert np.allclose(got.to_numpy(), exp.reindex(got.index).to_numpy())
    # documented difference 1: per-year bounds stretch every edition to 0-100 in each pillar;
    # pooled bounds reach 0 and 100 only once over all editions
    for b in ("pooled", "per_year"):
        N = pd.concat({y: r.stages["normalized"] for y, r in gii_runs[b].results.items()})
        mx = N.groupby(level=0).max()
        if b == "per_year":
            assert np.allclose(mx.to_numpy(), 100.0)
        else:
            assert np.allclose(mx.max().to_numpy(), 100.0)
            assert (mx < 100 - 1e-9).to_numpy().mean() > 0.8
    # documented difference 2: pooled = one affine map of the published pillar score for all
    # years, so equal pillar scores in different editions get equal normalised scores
    P = gii_raw.set_index(["uCode", "Time"])[INPUT + OUTPUT]
    Np = pd.concat({y: r.stages["normalized"] for y, r in gii_runs["pooled"].results.items()},
                   names=["Time", "uCode"]).swaplevel().reindex(P.index)
    slope = (Np - Np.mean()) / (P - P.mean())
    assert np.allclose(slope.dropna().std().to_numpy(), 0.0, atol=1e-9)


def test_gii_che_usa_gap(gii_raw: pd.DataFrame, gii_runs) -> None:
    gp = gaps(gii_runs["pooled"], "CHE", "USA")
    gy = gaps(gii_runs["per_year"], "CHE", "USA")
    assert gp["year"].tolist() == list(range(2011, 2023))
    for g, pooled in ((gp, True), (gy, False)):
        exp = _expected_gii(gii_raw, pooled)
        e = exp.xs("CHE", level=0) - exp.xs("USA", level=0)
        assert np.allclose(g["gap"].to_numpy(), e.reindex(g["year"]).to_numpy())
    # the figures of docs/audit.md (our computation on the Mendeley file)
    assert gp.set_index("year")["gap"][[2011, 2018, 2022]].round(2).tolist() == [7.59, 12.18, 4.26]
    assert gy.set_index("year")["gap"][[2011, 2018, 2022]].round(2).tolist() == [9.97, 13.39, 5.44]
    # per-year bounds inflate the gap in every edition here (each edition's range is narrower
    # than the pooled range, so a point of pillar score is worth more)
    assert (gy["gap"] > gp["gap"]).all()
    # the pooled gap narrowed from 2018 to 2022 by 7.9 points
    assert gp.set_index("year")["gap"][2018] - gp.set_index("year")["gap"][2022] == \
        pytest.approx(7.92, abs=0.01)
    tr = trends(gii_runs["pooled"]).loc["CHE"]
    assert tr["rank_last"] == 1 and tr["first_year"] == 2011 and tr["last_year"] == 2022


def test_gii_cli(tmp_path: Path, capsys, gii_dir: Path) -> None:
    from aiindex.cli import main

    rc = main(["trends", str(GII_CFG), "--gap", "CHE", "USA", "--bounds", "per_year",
               "--years", "2020", "2021", "2022", "--out", str(tmp_path), "--plot", "--top", "5"])
    out = capsys.readouterr().out
    assert rc == 0 and "Gap CHE − USA" in out and "per_year" in out
    g = pd.read_csv(tmp_path / "gap_CHE_USA.csv")
    assert g["year"].tolist() == [2020, 2021, 2022]
    assert (tmp_path / "gap_CHE_USA.png").exists() and (tmp_path / "trends.csv").exists()


def test_cli_plot_uses_trend_gap(tmp_path: Path, monkeypatch, capsys, asem_dir: Path) -> None:
    import aiindex.outputs.charts
    from aiindex.cli import main

    calls = []
    real = aiindex.outputs.charts.trend_gap

    def spy(scores, units, **kw):
        calls.append((list(scores.index), list(units), kw["gap"]))
        return real(scores, units, **kw)

    monkeypatch.setattr(aiindex.outputs.charts, "trend_gap", spy)
    rc = main(["trends", str(ASEM_CFG), "--gap", "DEU", "FRA", "--years", "2019", "2021",
               "--out", str(tmp_path), "--plot"])
    out = capsys.readouterr().out
    assert rc == 0 and "over 2018-2022 (5 years)" in out  # pooled over all years by default
    assert calls == [([2019, 2021], ["DEU", "FRA"], ("DEU", "FRA"))]
    assert (tmp_path / "gap_DEU_FRA.png").stat().st_size > 0


# ----------------------------------------------------------------------------- ASEM panel
@pytest.fixture(scope="module")
def asem_panel() -> PanelResult:
    from conftest import shared_path

    shared_path("asem", "iData_panel.csv")
    return run_panel(ASEM_CFG)


def test_asem_panel_pooled_from_config(asem_panel: PanelResult) -> None:
    assert asem_panel.bounds == "pooled" and asem_panel.years == list(range(2018, 2023))
    assert asem_panel.scores().shape == (51, 5)
    N = pd.concat({y: r.stages["normalized"] for y, r in asem_panel.results.items()})
    assert N.min().min() >= -1e-9 and N.max().max() <= 100 + 1e-9
    assert np.allclose(N.max().to_numpy(), 100.0) and np.allclose(N.min().to_numpy(), 0.0)
    # the reference is the treated data of all years stacked
    ref = asem_panel.reference
    assert ref is not None and len(ref) == 5 * 51
    T = asem_panel.results[2020].stages["treated"]
    assert np.allclose(ref.xs(2020, level=1).reindex(T.index).to_numpy(), T.to_numpy(),
                       equal_nan=True)


def test_asem_panel_per_year_differs(asem_panel: PanelResult) -> None:
    py = run_panel(ASEM_CFG, years=[2018, 2022], bounds="per_year")
    assert py.years == [2018, 2022]
    for r in py.results.values():
        assert np.allclose(r.stages["normalized"].max().to_numpy(), 100.0)
    # same treated data, different normalisation statistics → different scores
    d = (py.scores()[2022] - asem_panel.scores()[2022]).abs()
    assert d.max() > 0.5
    # the 2018 per-year run equals a plain one-year run of that year without pooled bounds;
    # with the config's pooled bounds, aiindex.run gives the pooled panel's year (all years)
    import aiindex

    one = aiindex.run(ASEM_CFG, overrides={"data": {"year": 2018},
                                           "normalize": {"pooled": False}})
    assert np.allclose(py.scores()[2018].reindex(one.index.index).to_numpy(), one.index.to_numpy())
    pooled = aiindex.run(ASEM_CFG, overrides={"data": {"year": 2018}})
    assert np.allclose(asem_panel.scores()[2018].reindex(pooled.index.index).to_numpy(),
                       pooled.index.to_numpy())
    tr = trends(asem_panel, "Conn")
    assert len(tr) == 51 and (tr["n_years"] == 5).all()
    assert np.allclose(tr["change"], asem_panel.scores("Conn")[2022] - asem_panel.scores("Conn")[2018])


def test_pooled_bounds_over_all_years_by_default(asem_panel: PanelResult) -> None:
    # a year's pooled scores do not depend on which years are reported
    sub = run_panel(ASEM_CFG, years=[2019, 2022])
    assert sub.bounds == "pooled" and sub.years == [2019, 2022]
    assert sub.pooled_years == list(range(2018, 2023)) == asem_panel.pooled_years
    assert len(sub.reference) == 5 * 51
    for y in (2019, 2022):
        pd.testing.assert_series_equal(sub.scores()[y], asem_panel.scores()[y])
    # pool="selected": the statistics come from the two selected years only
    sel = run_panel(ASEM_CFG, years=[2019, 2022], pool="selected")
    assert sel.pooled_years == [2019, 2022] and len(sel.reference) == 2 * 51
    N = pd.concat({y: r.stages["normalized"] for y, r in sel.results.items()})
    assert np.allclose(N.max().to_numpy(), 100.0) and np.allclose(N.min().to_numpy(), 0.0)
    assert (sel.scores()[2022] - asem_panel.scores()[2022]).abs().max() > 1e-6
    # per-year bounds pool nothing
    assert run_panel(ASEM_CFG, years=[2019, 2022], bounds="per_year").pooled_years == []
    with pytest.raises(ConfigError, match="pool"):
        run_panel(ASEM_CFG, pool="some")  # type: ignore[arg-type]


def test_run_panel_errors(asem_dir: Path) -> None:
    with pytest.raises(DataError, match="1999"):
        run_panel(ASEM_CFG, years=[1999])
    with pytest.raises(ConfigError, match="bounds"):
        run_panel(ASEM_CFG, bounds="global")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="at least two years"):
        run_panel(ROOT / "configs" / "asem.yaml")


@pytest.mark.parametrize("name", ["asem_panel", "gaiii_panel"])
def test_run_of_a_pooled_panel_equals_its_year_of_run_panel(name) -> None:
    """run() on a pooled panel config (one load, pooled_reference) equals run_panel's result of
    the same year: scores, ranks, tiers and every stage table."""
    import aiindex
    from aiindex.data.bundled import bundled_config

    one = aiindex.run(name)
    full = run_panel(bundled_config(name)).results[one.year]
    pd.testing.assert_frame_equal(one.scores, full.scores)
    pd.testing.assert_frame_equal(one.ranks, full.ranks)
    for k in full.stages:
        pd.testing.assert_frame_equal(one.stages[k], full.stages[k], obj=k)
    if full.tiers is not None:
        pd.testing.assert_series_equal(pd.Series(one.tiers), pd.Series(full.tiers))
