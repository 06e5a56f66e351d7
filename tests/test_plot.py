"""Charts (aiindex.outputs.charts): every chart on ASEM and on synthetic data, with content checks."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("matplotlib")

import aiindex  # noqa: E402
from aiindex.errors import AIIndexError, ConfigError, DataError  # noqa: E402
from aiindex.outputs import charts as plot  # noqa: E402


def synthetic_config() -> dict:
    """Three dimensions of two metrics each; D2 has weight 2; m6 lower-is-better."""
    return {
        "name": "Synthetic",
        "framework": {"code": "Index", "name": "Synthetic index", "children": [
            {"code": "D1", "children": [{"code": "m1"}, {"code": "m2"}]},
            {"code": "D2", "weight": 2, "children": [{"code": "m3"}, {"code": "m4"}]},
            {"code": "D3", "children": [{"code": "m5"}, {"code": "m6", "direction": -1}]},
        ]},
        "normalize": {"method": "minmax", "low": 0, "high": 100},
        "tiers": {"method": "thresholds", "breaks": [60, 40]},
    }


def synthetic_data(seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    units = [f"U{i:02d}" for i in range(8)]
    df = pd.DataFrame(rng.uniform(0, 100, (8, 6)).round(1), columns=[f"m{i}" for i in range(1, 7)])
    df.insert(0, "uCode", units)
    df.insert(1, "uName", [f"Unit {u}" for u in units])
    df.loc[2, "m3"] = np.nan
    return df


@pytest.fixture(scope="module")
def syn() -> aiindex.Result:
    return aiindex.run(synthetic_config(), data=synthetic_data())


def _ytick_text(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[0].get_yticklabels()]


def test_import_aiindex_does_not_import_matplotlib() -> None:
    code = "import sys, aiindex, aiindex.outputs.charts, aiindex.outputs.report; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ----------------------------------------------------------------------------- ranked bar
def test_ranked_bar_order_and_colours_hand_example() -> None:
    s = pd.Series({"A": 10.0, "B": 30.0, "C": 20.0, "D": np.nan})
    t = pd.Series({"A": 2, "B": 1, "C": 1})
    fig = plot.ranked_bar(s, t, names={"A": "Alpha", "B": "Beta", "C": "Gamma"})
    assert _ytick_text(fig) == ["Beta", "Gamma", "Alpha"]  # D (missing) is left out
    bars = fig.axes[0].patches
    widths = [b.get_width() for b in bars]
    ys = [b.get_y() for b in bars]
    # drawn top-down (inverted axis): the bar at y=0 is the best
    assert [w for _, w in sorted(zip(ys, widths, strict=True))] == [30.0, 20.0, 10.0]
    cols = [b.get_facecolor()[:3] for b in sorted(bars, key=lambda b: b.get_y())]
    from matplotlib.colors import to_rgb

    # ordered palette for k = 2 tiers: tier 1 the darkest, tier 2 the lightest
    assert cols[0] == pytest.approx(to_rgb(plot.tier_colors(2)[0]))
    assert cols[2] == pytest.approx(to_rgb(plot.tier_colors(2)[1]))
    assert fig._supxlabel.get_text().startswith("Source: computed with aiindex")


def test_ranked_bar_asem_order_equals_rank_order(asem) -> None:
    fig = plot.plot_ranking(asem)
    order = asem.ranks[asem.framework.root].astype(float).sort_values(kind="stable").index
    assert _ytick_text(fig) == [asem.names[u] for u in order]
    assert "0–100" in fig.axes[0].get_xlabel()
    assert fig._suptitle.get_text()
    assert "aiindex" in fig._supxlabel.get_text()
    legend = fig.axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [f"Tier {i}" for i in range(1, 5)]


def test_ranked_bar_top_and_empty() -> None:
    s = pd.Series(np.arange(10.0), index=[f"u{i}" for i in range(10)])
    assert len(plot.ranked_bar(s, top=3).axes[0].patches) == 3
    with pytest.raises(DataError):
        plot.ranked_bar(pd.Series([np.nan, np.nan]))


# -------------------------------------------------------------------------- rank interval
def test_rank_interval_order_and_whiskers() -> None:
    st = pd.DataFrame({"nominal": [3, 1, 2], "p5": [2, 1, 1], "p95": [3, 4, 3]},
                      index=["c", "a", "b"])
    fig = plot.rank_interval(st)
    assert _ytick_text(fig) == ["a", "b", "c"]
    segs = fig.axes[0].collections[0].get_segments()
    assert [(s[0][0], s[1][0]) for s in segs] == [(1, 4), (1, 3), (2, 3)]
    with pytest.raises(DataError, match="p95"):
        plot.rank_interval(st.drop(columns="p95"))


def test_plot_rank_intervals_from_object(asem) -> None:
    rk = asem.ranks["Index"].astype(float)

    class Unc:  # minimal stand-in for an uncertainty result
        n = 1000

        def rank_stats(self):
            return pd.DataFrame({"nominal": rk, "p5": (rk - 3).clip(lower=1), "p95": rk + 4,
                                 "median": rk})

    fig = plot.plot_rank_intervals(Unc(), names=asem.names)
    assert len(_ytick_text(fig)) == len(rk)
    assert "1,000" in fig._suptitle.get_text()


# ---------------------------------------------------------------------------------- radar
def test_radar_axes_equal_dimensions(syn) -> None:
    fig = plot.plot_radar(syn, ["U01", "U02"], compare="mean")
    ax = fig.axes[0]
    assert len(ax.get_xticks()) == len(syn.framework.dimensions) == 3
    assert len(ax.get_lines()) == 3  # two units + the average
    first = ax.get_lines()[0].get_ydata()
    assert first[:3] == pytest.approx(syn.scores.loc["U01", ["D1", "D2", "D3"]].to_numpy())


def test_radar_asem_group_and_top(asem) -> None:
    fig = plot.plot_radar(asem, ["GBR", "CHN"], compare="top")
    # ASEM has 2 first-level dimensions: the radar falls back to the 8 pillars
    assert len(fig.axes[0].get_xticks()) == 8
    labels = [t.get_text() for t in fig.legends[0].get_texts()]  # legend under the figure
    assert labels[-1].endswith("(rank 1)")
    fig = plot.plot_radar(asem, ["GBR"], compare="group:EurAsia_group=Asia")
    assert "Asia average" in fig.legends[0].get_texts()[-1].get_text()
    with pytest.raises(ConfigError):
        plot.plot_radar(asem, ["GBR"], compare="nonsense")
    with pytest.raises(DataError):
        plot.plot_radar(asem, ["XXX"])


# -------------------------------------------------------------------------------- heatmap
def test_heatmap_rows_in_rank_order(asem) -> None:
    fig = plot.plot_heatmap(asem)  # default: the first-level dimensions (one level)
    arr = fig.axes[0].get_images()[0].get_array()
    assert arr.shape == (51, 2)
    order = asem.ranks["Index"].astype(float).sort_values(kind="stable").index
    assert np.allclose(arr[:, 0], asem.scores.loc[order, "Conn"].to_numpy())
    fig1 = plot.plot_heatmap(asem, level=1)
    assert fig1.axes[0].get_images()[0].get_array().shape == (51, 49)


def test_score_heatmap_default_order_and_nan() -> None:
    df = pd.DataFrame({"x": [1.0, 3.0, 2.0], "y": [np.nan, 1.0, 2.0]}, index=list("abc"))
    fig = plot.score_heatmap(df)
    assert _ytick_text(fig) == ["b", "c", "a"]
    assert fig.axes[0].get_images()[0].get_array().mask[2, 1]


# ------------------------------------------------------------------------------- sunburst
def test_sunburst_wedges_sized_by_effective_weight(syn) -> None:
    fig = plot.plot_framework(syn)
    patches = fig.axes[0].patches
    assert len(patches) == len(syn.framework.nodes) - 1
    ew = syn.framework.effective_weights()
    widths = sorted(p.get_width() for p in patches)
    expected = sorted(ew.drop("Index").to_numpy() * 2 * np.pi)
    assert widths == pytest.approx(expected)
    # D2 has weight 2 of 4: half the circle
    assert ew["D2"] == pytest.approx(0.5)


def test_sunburst_asem_and_framework_input(asem) -> None:
    fig = plot.plot_framework(asem.framework)
    assert len(fig.axes[0].patches) == 49 + 8 + 2


# ---------------------------------------------------------------------------- correlation
def test_correlations_match_pandas(asem) -> None:
    fig = plot.plot_correlations(asem)
    arr = fig.axes[0].get_images()[0].get_array()
    allsc = asem.stages["aggregated"]
    pillars = asem.framework.level_codes(2)
    expected = allsc.corr().loc[asem.framework.metrics, pillars].to_numpy()
    assert np.allclose(arr, expected)
    # one outlined cell per metric (its own pillar)
    from matplotlib.patches import Rectangle

    assert sum(isinstance(p, Rectangle) and not p.get_fill() for p in fig.axes[0].patches) == 49
    with pytest.raises(ConfigError):
        plot.plot_correlations(asem, level=3, parent_level=2)


# ---------------------------------------------------------------------------- sensitivity
def test_sensitivity_bars_sorted_by_total() -> None:
    df = pd.DataFrame({"S1": [0.1, 0.5], "ST": [0.2, 0.6], "S1_low": [0.05, 0.4],
                       "S1_high": [0.15, 0.6], "ST_low": [0.1, 0.5], "ST_high": [0.3, 0.7]},
                      index=["normaliser", "weights"])
    fig = plot.plot_sensitivity(df)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["weights", "normaliser"]
    heights = [p.get_height() for p in ax.patches]
    assert heights == pytest.approx([0.5, 0.1, 0.6, 0.2])
    with pytest.raises(DataError):
        plot.sensitivity_bar(pd.DataFrame({"first": [0.1]}))


# --------------------------------------------------------------------------------- trends
def test_trend_gap_hand_example() -> None:
    # hypothetical numbers shaped like "the gap grew from 26 to 38 points"
    wide = pd.DataFrame({"USA": [80.0, 85.0, 90.0], "GBR": [54.0, 53.0, 52.0]},
                        index=[2021, 2022, 2023])
    fig = plot.trend_gap(wide, ["USA", "GBR"])
    title = fig.axes[1].get_title()
    assert "grew from 26.0 (2021) to 38.0 points (2023)" in title
    assert [p.get_height() for p in fig.axes[1].patches] == pytest.approx([26, 32, 38])
    one = plot.trend_gap(wide, ["USA"])
    assert len(one.axes) == 1
    with pytest.raises(DataError):
        plot.trend_gap(wide, ["FRA"])


def test_plot_trends_from_tidy_and_results(syn) -> None:
    tidy = pd.concat([syn.tidy().assign(year=y) for y in (2020, 2021)])
    fig = plot.plot_trends(tidy, ["U01", "U02"])
    assert fig.axes[0].get_lines()[0].get_ydata() == pytest.approx(
        [syn.scores.loc["U01", "Index"]] * 2)
    fig2 = plot.plot_trends({2020: syn, 2021: syn}, ["U01", "U03"])
    assert "shrank" in fig2.axes[1].get_title() or "grew" in fig2.axes[1].get_title()


# ---------------------------------------------------------------------------------- saving
@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_save_by_suffix(tmp_path, syn, suffix) -> None:
    p = tmp_path / f"chart{suffix}"
    plot.plot_ranking(syn, save=p)
    head = p.read_bytes()[:200]
    assert head.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in p.read_bytes()[:2000]


def test_save_bad_suffix(tmp_path, syn) -> None:
    with pytest.raises(AIIndexError, match="suffix"):
        plot.plot_ranking(syn, save=tmp_path / "x.gif")


def test_every_wrapper_on_synthetic(syn) -> None:
    figs = [plot.plot_ranking(syn), plot.plot_heatmap(syn), plot.plot_radar(syn, ["U00"]),
            plot.plot_framework(syn), plot.plot_correlations(syn)]
    for f in figs:
        assert f._suptitle.get_text() and "Synthetic" in f._supxlabel.get_text()
    # synthetic tiers: thresholds 60/40 → bar colours follow the tiers
    assert syn.tiers is not None


# ------------------------------------------------------- the bundled default (GAIII, 46 units)
GAIII_DIMS = ["FOUND", "RESOURCE", "RESEARCH", "INDUSTRY", "COOPERATION"]


@pytest.fixture(scope="module")
def default() -> aiindex.Result:
    """``aiindex.run()``: 46 countries, 5 dimensions, 4 tiers (thresholds + rules)."""
    return aiindex.run()


def test_default_ranking_bar_order_and_tier_colours(default) -> None:
    from matplotlib.colors import to_rgb

    fig = plot.plot_ranking(default)
    order = default.ranks["GAIII"].astype(float).sort_values(kind="stable").index
    assert len(order) == 46
    assert _ytick_text(fig) == [default.names[u] for u in order]
    bars = sorted(fig.axes[0].patches, key=lambda b: b.get_y())
    assert [b.get_width() for b in bars] == pytest.approx(
        default.scores.loc[order, "GAIII"].to_numpy())
    cols = [b.get_facecolor()[:3] for b in bars]
    assert cols == [pytest.approx(to_rgb(plot.tier_colors(4)[int(default.tiers[u]) - 1]))
                    for u in order]
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == [f"Tier {i}" for i in range(1, 5)]
    assert "Global AI Innovation Index" in fig._supxlabel.get_text()


def test_default_radar_five_dimensions_capped_at_100(default) -> None:
    fig = plot.plot_radar(default, ["USA", "CHN", "KOR"], compare="mean")
    ax = fig.axes[0]
    assert len(ax.get_xticks()) == 5
    names = [plot._drawable(default.framework.nodes[d].name) for d in GAIII_DIMS]
    labels = [t.get_text().replace("\n", " ") for t in ax.get_xticklabels()]
    assert labels == names
    assert ax.get_ylim()[1] == 100.0  # a 0-100 score: no ring beyond 100
    assert default.stages["aggregated"][GAIII_DIMS].max().max() == pytest.approx(100)
    assert len(ax.get_lines()) == 4
    usa = ax.get_lines()[0].get_ydata()[:5]
    assert usa == pytest.approx(default.stages["aggregated"].loc["USA", GAIII_DIMS].to_numpy())
    ref = ax.get_lines()[3]
    assert ref.get_linestyle() == "--"
    assert ref.get_ydata()[:5] == pytest.approx(
        default.stages["aggregated"][GAIII_DIMS].mean().to_numpy())
    # labels grow away from the circle: right-hand ones left-aligned, left-hand ones right-aligned
    ha = [t.get_horizontalalignment() for t in ax.get_xticklabels()]
    assert ha == ["center", "left", "left", "right", "right"]


def test_radar_top_rule() -> None:
    assert plot._radar_top(np.array([12.0, 100.00000000000001]), "0–100") == 100.0
    assert plot._radar_top(np.array([12.0, 73.0]), "0–100") == 100.0  # always the full scale
    assert plot._radar_top(np.array([1.2, 1.3]), "zscore-normalised") == 10.0
    assert plot._radar_top(np.array([12.0, 101.0]), "0–100") == 110.0  # data above 100 shown


def test_default_heatmap_rank_order(default) -> None:
    fig = plot.plot_heatmap(default)
    arr = fig.axes[0].get_images()[0].get_array()
    order = default.ranks["GAIII"].astype(float).sort_values(kind="stable").index
    assert arr.shape == (46, 5)
    assert np.allclose(arr[:, 0], default.scores.loc[order, "FOUND"].to_numpy())


def test_default_sunburst_lists_unlabelled_small_nodes(default) -> None:
    import dataclasses

    # the default has equal weights (no node under 1.2 %): give one sub-indicator a small one
    small_w = dataclasses.replace(default, framework=default.framework.with_weights(
        {"COMODELS": 0.1}))
    fig = plot.plot_framework(small_w)
    fw = small_w.framework
    assert len(fig.axes[0].patches) == len(fw.nodes) - 1
    notes = [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "unlabelled-note"]
    assert len(notes) == 1
    ew = fw.effective_weights()
    small = [c for c in ew.index if c != fw.root and c not in fw.dimensions and ew[c] < 0.012]
    assert "COMODELS" in small
    note = notes[0].replace("\n", " ")
    for c in small:
        assert f"{c} {100 * ew[c]:.1f}%" in note
    assert "(Internationally co-developed models)" in note  # hidden nodes named in the note
    drawn = {t.get_url() for t in fig.axes[0].texts if t.get_gid() == "wedge-label"}
    assert "COMODELS" not in drawn and "COLLAB" in drawn


def test_default_correlations_and_rank_intervals(default) -> None:
    fig = plot.plot_correlations(default)
    arr = fig.axes[0].get_images()[0].get_array()
    fw = default.framework
    parents = fw.level_codes(2)
    expected = default.stages["aggregated"].corr().loc[fw.metrics, parents].to_numpy()
    assert np.allclose(arr, expected, equal_nan=True)
    from aiindex.analysis.uncertainty import uncertainty
    from aiindex.data.bundled import default_config_path

    unc = uncertainty(default_config_path(), n=64, seed=3)
    fig = plot.plot_rank_intervals(unc, names=default.names)
    assert len(_ytick_text(fig)) == 46
    assert _ytick_text(fig)[0] == "United States"
    assert "64 Monte Carlo" in fig._suptitle.get_text()


def test_default_sensitivity_readable_title_level_and_source(default) -> None:
    from types import SimpleNamespace

    tidy = pd.DataFrame({
        "output": ["mean_abs_rank_shift"] * 2 + ["rank[USA]"] * 2,
        "factor": ["weights_dimensions", "winsorisation"] * 2,
        "first_order": [0.2, 0.6, 0.1, 0.1], "first_low": [0.1, 0.4, 0.0, 0.0],
        "first_high": [0.3, 0.8, 0.2, 0.2], "total_order": [0.3, 0.7, 0.2, 0.1],
        "total_low": [0.2, 0.5, 0.1, 0.0], "total_high": [0.4, 0.9, 0.3, 0.2]})
    sens = SimpleNamespace(indices=tidy, info={"confidence_level": 0.9}, n_evaluations=256)
    fig = plot.plot_sensitivity(sens, index_name=default.config.name)
    title = fig._suptitle.get_text().replace("\n", " ")
    assert "mean_abs_rank_shift" not in title and "mean absolute rank shift" in title
    assert "90% confidence interval" in fig.axes[0].get_title()
    src = fig._supxlabel.get_text().replace("\n", " ")
    assert default.config.name in src and "256 model evaluations" in src
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == [
        "winsorisation", "weights\ndimensions"]
    fig2 = plot.plot_sensitivity(sens, output="rank[USA]")
    assert "rank of USA" in fig2._suptitle.get_text().replace("\n", " ")


def test_default_trends_and_every_chart_saves(default, tmp_path) -> None:
    tidy = pd.concat([default.tidy().assign(year=y) for y in (2022, 2023)])
    fig = plot.plot_trends(tidy, ["USA", "GBR"])
    gap = default.scores.loc["USA", "GAIII"] - default.scores.loc["GBR", "GAIII"]
    assert [p.get_height() for p in fig.axes[1].patches] == pytest.approx([gap, gap])
    figs = {"rank": plot.plot_ranking(default), "heat": plot.plot_heatmap(default),
            "radar": plot.plot_radar(default, ["CHN", "GBR"]),
            "sun": plot.plot_framework(default), "corr": plot.plot_correlations(default),
            "trend": fig}
    for name, f in figs.items():
        p = plot.save_figure(f, tmp_path / f"{name}.png")
        assert p.read_bytes()[:4] == b"\x89PNG"
        assert f._suptitle.get_text() and f._supxlabel.get_text().startswith("Source:")


# ------------------------------------------------------------- issue 18: publication charts
def test_ordered_tier_palette() -> None:
    from matplotlib.colors import rgb_to_hsv, to_rgb

    from aiindex.outputs.palette import text_color, tier_color

    for k in range(2, 9):
        cols = plot.tier_colors(k)
        assert len(cols) == k == len(set(cols))
        value = [rgb_to_hsv(to_rgb(c))[2] for c in cols]  # brightness: darkest first
        light = [sum(to_rgb(c)) for c in cols]
        assert all(a < b for a, b in zip(light, light[1:], strict=False)), cols
        assert value[0] < value[-1]
    assert plot.tier_colors(1) == [plot.tier_colors(4)[0]]
    assert tier_color(5, 4) == tier_color(None, 4) == "#bbbbbb"
    assert text_color(plot.tier_colors(4)[0]) == "#ffffff"
    assert text_color(plot.tier_colors(4)[-1]) == "#000000"


def _renderer(fig):
    """Draw ``fig`` on an Agg canvas (figures are built without pyplot); its renderer."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def _break_lines(fig) -> list[float]:
    return [ln.get_xdata()[0] for ln in fig.axes[0].get_lines() if ln.get_gid() == "tier-break"]


def test_threshold_lines_at_the_tier_breaks(default, syn) -> None:
    fig = plot.plot_ranking(default)
    tr = default.info["tiers"]
    assert _break_lines(fig) == pytest.approx(tr.breaks[:3]) == plot.tier_thresholds(default)
    labels = [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "tier-break-label"]
    assert labels == [f"tier {t} ≥ {b:.1f}" for t, b in enumerate(tr.breaks[:3], start=1)]
    # fixed bands: the configured edges
    assert _break_lines(plot.plot_ranking(syn)) == pytest.approx([60.0, 40.0])
    # no tiers: no lines
    assert _break_lines(plot.ranked_bar(default.scores["GAIII"])) == []


def test_radar_full_scale_and_legend_clear_of_labels(asem) -> None:
    fig = plot.plot_radar(asem, ["CHE", "NLD", "DNK"], compare="mean")
    ax = fig.axes[0]
    pillars = asem.framework.level_codes(2)
    assert asem.stages["aggregated"].loc[["CHE", "NLD", "DNK"], pillars].max().max() < 90
    assert ax.get_ylim() == (0.0, 100.0)  # the whole 0-100 scale, not 80 or 90
    assert ax.get_legend() is None and len(fig.legends) == 1
    r = _renderer(fig)
    leg = fig.legends[0].get_window_extent(r)
    for t in ax.get_xticklabels():
        assert not leg.overlaps(t.get_window_extent(r)), t.get_text()
    assert fig.bbox.contains(leg.x0, leg.y0) and fig.bbox.contains(leg.x1, leg.y1)


def test_integer_year_ticks() -> None:
    g = pd.DataFrame({"year": [2018, 2019, 2020, 2021], "gap": [1.0, 2.0, 1.5, 3.0]})
    ax = plot.plot_gap(g, "A", "B")
    _renderer(ax.figure)
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == ["2018", "2019", "2020", "2021"]
    wide = pd.DataFrame({"A": np.arange(20.0), "B": np.arange(20.0) / 2},
                        index=np.arange(2000, 2020))
    fig = plot.trend_gap(wide, ["A", "B"])
    _renderer(fig)
    for ax in fig.axes:
        for t in ax.get_xticklabels():
            assert re.fullmatch(r"\d{4}|", t.get_text()), t.get_text()


def test_one_heatmap_per_level_with_names(asem, default) -> None:
    assert plot.heatmap_levels(asem) == [3, 2] == plot.heatmap_levels(default)
    fig = plot.plot_heatmap(asem, level=2)
    ax = fig.axes[0]
    pillars = asem.framework.level_codes(2)
    assert ax.get_images()[0].get_array().shape == (51, len(pillars))
    labels = [t.get_text().replace("\n", " ") for t in ax.get_xticklabels()]
    assert labels == [asem.framework.nodes[c].name for c in pillars]
    assert "level 2" in fig._suptitle.get_text()
    assert _ytick_text(fig)[0] == "Switzerland"
    with pytest.raises(ConfigError, match="level"):
        plot.plot_heatmap(asem, level=4)  # the root alone is not a heatmap


def _label_polygons(fig) -> list[tuple[str, np.ndarray]]:
    """Rotated rectangles (display coordinates) of the sunburst's wedge labels."""
    ax = fig.axes[0]
    r = _renderer(fig)
    out = []
    for t in ax.texts:
        if t.get_gid() != "wedge-label":
            continue
        w, h, _ = r.get_text_width_height_descent(t.get_text().split("\n")[0],
                                                  t.get_fontproperties(), ismath=False)
        lines = t.get_text().split("\n")
        w = max(r.get_text_width_height_descent(s or " ", t.get_fontproperties(),
                                                ismath=False)[0] for s in lines)
        h = h * len(lines)
        cx, cy = ax.transData.transform(t.get_position())
        a = np.radians(t.get_rotation())
        u, v = np.array([np.cos(a), np.sin(a)]), np.array([-np.sin(a), np.cos(a)])
        corners = [np.array([cx, cy]) + sx * w / 2 * u + sy * h / 2 * v
                   for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
        out.append((t.get_url(), np.array(corners)))
    return out


def _overlap(p: np.ndarray, q: np.ndarray) -> bool:
    """Separating-axis test of two convex quadrilaterals."""
    for poly in (p, q):
        for i in range(4):
            e = poly[(i + 1) % 4] - poly[i]
            n = np.array([-e[1], e[0]])
            a, b = p @ n, q @ n
            if a.max() <= b.min() + 1e-6 or b.max() <= a.min() + 1e-6:
                return False
    return True


@pytest.mark.parametrize("which", ["asem", "default"])
def test_sunburst_labels_do_not_collide(which, asem, default) -> None:
    res = asem if which == "asem" else default
    fig = plot.plot_framework(res)
    polys = _label_polygons(fig)
    assert len(polys) >= len(res.framework.dimensions)
    clash = [(a, b) for i, (a, p) in enumerate(polys) for b, q in polys[i + 1:]
             if _overlap(p, q)]
    assert clash == []
    # names where they fit; the dimensions are named in the legend
    texts = {t.get_url(): t.get_text().replace("\n", " ") for t in fig.axes[0].texts
             if t.get_gid() == "wedge-label"}
    assert any(res.framework.nodes[c].name in v for c, v in texts.items())
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[0].startswith(res.framework.nodes[res.framework.dimensions[0]].name)


def test_sensitivity_outputs_and_constant_output(default) -> None:
    from types import SimpleNamespace

    tidy = pd.DataFrame({"output": ["mean_abs_rank_shift", "rank[GBR]"], "factor": ["w", "w"],
                         "first_order": [0.5, np.nan], "total_order": [0.6, np.nan],
                         "note": ["", "output is constant"]})
    sens = SimpleNamespace(indices=tidy, outputs=["mean_abs_rank_shift", "rank[GBR]"], info={})
    assert plot.sensitivity_outputs(sens) == ["mean_abs_rank_shift", "rank[GBR]"]
    fig = plot.plot_sensitivity(sens, output="mean_abs_rank_shift")
    assert len(fig.axes[0].patches) == 2
    with pytest.raises(DataError, match="constant"):
        plot.plot_sensitivity(sens, output="rank[GBR]", names=default.names)
    assert plot._output_label("rank[GBR]", default.names) == "rank of United Kingdom"
