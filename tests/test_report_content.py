"""What a publisher reads in the report (issue 18): profiles, tiers, names, readable cells,
provenance, the config appendix, alt texts, every sensitivity output, progress, print CSS."""

from __future__ import annotations

import html
import re
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("matplotlib")

import aiindex  # noqa: E402
from aiindex import _progress  # noqa: E402
from aiindex.analysis.audit import unit_profile  # noqa: E402
from aiindex.data.bundled import bundled_config  # noqa: E402
from aiindex.outputs import report  # noqa: E402
from aiindex.outputs.profiles import profile_table  # noqa: E402
from aiindex.outputs.report import relative_config, report_html  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def asem_t() -> aiindex.Result:
    """COINr's ASEM example bundled with the package, with 4 Jenks tiers."""
    return aiindex.run(bundled_config("asem"), overrides={"tiers": {"method": "jenks", "k": 4}})


@pytest.fixture(scope="module")
def default() -> aiindex.Result:
    return aiindex.run(overrides={"uncertainty": {"n": 200}, "sensitivity": {"n": 32}})


@pytest.fixture(scope="module")
def default_text(default) -> str:
    """The default's report without charts, its uncertainty and sensitivity computed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return report_html(default, charts=False)


@pytest.fixture(scope="module")
def asem_text(asem_t) -> str:
    rk = asem_t.ranks["Index"].astype(float)
    unc = pd.DataFrame({"nominal": rk, "p5": (rk - 2).clip(lower=1), "p95": rk + 3})
    return report_html(asem_t, uncertainty=unc, charts=True)


def _section(text: str, sid: str) -> str:
    return text.split(f"<h2 id='{sid}'>", 1)[1].split("<h2 id=", 1)[0]


def _cells(text: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", text, re.S)]


# ------------------------------------------------------------------------------- profiles
def test_profile_of_asem_top_unit_equals_the_result(asem_t, asem_text) -> None:
    """Hand-checked: ASEM's top unit, its dimension ranks and its strongest metrics."""
    top = asem_t.ranks["Index"].astype(float).idxmin()
    assert top == "CHE"
    card = asem_text.split('<section class="profile" id="unit-CHE">', 1)[1].split(
        "</section>", 1)[0]
    assert "1. Switzerland" in card and "Rank <b>1</b> of 51" in card
    assert "90% rank interval 1–4" in card  # p5 = max(1 - 2, 1), p95 = 1 + 3
    S, R = asem_t.scores, asem_t.ranks
    for d in ("Conn", "Sust", "Physical", "Environ"):
        row = card.split(f'title="{d}"', 1)[1].split("</tr>", 1)[0]
        cells = _cells("<td " + row)
        assert cells[1] == f"{S.loc['CHE', d]:.2f}"
        assert cells[2] == str(int(R.loc["CHE", d]))
        assert cells[3] == f"{S[d].mean():.2f}" and cells[4] == f"{S[d].median():.2f}"
    prof = unit_profile(asem_t, "CHE")
    strong = prof[(prof["kind"] == "metric") & (prof["side"] == "strongest")]
    table = card.split("Strongest metrics", 1)[1].split("</table>", 1)[0]
    for _, r in strong.iterrows():
        name = asem_t.framework.nodes[r["node"]].name
        assert f'title="{r["node"]}">{html.escape(name)}</td><td>{r["score"]:.2f}</td>' \
               f'<td>{int(r["rank"])}/{int(r["n_ranked"])}</td>' in table
    assert "tier <span class=\"tier\"" in card


@pytest.mark.parametrize("which", ["asem", "default"])
def test_vectorised_profiles_equal_unit_profile(which, asem_t, default) -> None:
    res = asem_t if which == "asem" else default
    p = profile_table(res)
    for u in res.scores.index[:: max(1, len(res.scores) // 12)]:
        prof = unit_profile(res, u)
        met = prof[prof["kind"] == "metric"]
        assert list(p.strongest.loc[u].dropna()) == list(met[met["side"] == "strongest"]["node"])
        assert list(p.weakest.loc[u].dropna()) == list(met[met["side"] == "weakest"]["node"])
    assert list(p.units.index) == list(res.table().index)  # rank order


def test_profiles_show_availability_imputed_share_and_tier_probability(default,
                                                                       default_text) -> None:
    from aiindex.analysis.provenance import imputed_share

    sec = _section(default_text, "profiles")
    assert sec.count('<section class="profile"') == 46
    share = imputed_share(default)
    card = sec.split('id="unit-USA">', 1)[1].split("</section>", 1)[0]
    assert f"{100 * share.loc['USA', 'imputed_score']:.1f}% of the score rests on imputed" in card
    assert f"{int(share.loc['USA', 'imputed_cells'])} imputed" in card
    n = sum(default.stages["aggregated"][m].notna().any() for m in default.framework.metrics)
    assert f"of {n} metrics" in card  # the 18 metrics of edition 2023, not the framework's 20
    assert "tier <span" in card and "(probability " in card and "rank interval" in card


# ---------------------------------------------------------------------------------- tiers
def test_tier_section_method_rules_thresholds_probabilities(default, default_text) -> None:
    sec = _section(default_text, "tiers")
    assert "Fisher-Jenks natural breaks, 4 tiers" in sec
    assert "top 3 on at least 2 first-level dimensions is at least in tier 2" in sec
    assert "contiguous" in sec and "No unit was moved by a rule" in sec
    tr = default.info["tiers"]
    for b in tr.breaks[:3]:
        assert f"{b:.2f}" in sec.split('id="tiers-table"', 1)[1].split("</table>", 1)[0]
    probs = sec.split('id="tier-probabilities"', 1)[1].split("</table>", 1)[0]
    assert probs.count("<tr>") == 46 + 1
    assert "United States" in probs and "P(tier 1) %" in probs
    # ordered palette in the chips: tier 1 darkest ... tier 4 lightest
    from aiindex.outputs.palette import tier_colors

    chips = re.findall(r'class="tier" style="background:(#[0-9a-f]{6})', sec)
    assert chips[:4] == tier_colors(4)


def test_tier_moves_listed_by_name(asem_t) -> None:
    res = aiindex.run(bundled_config("asem"), overrides={"tiers": {
        "method": "jenks", "k": 4,
        "rules": [{"type": "max_tier", "tier": 3}]}})
    moves = res.info["tiers"].moves
    assert len(moves) > 0
    sec = _section(report_html(res, charts=False), "tiers")
    table = sec.split('id="tier-moves"', 1)[1].split("</table>", 1)[0]
    for u in moves["unit"]:
        assert f'title="{u}">{html.escape(res.names[u])}</td>' in table


def test_no_tier_section_without_tiers() -> None:
    res = aiindex.run(bundled_config("asem"))
    text = report_html(res, charts=False)
    assert "<h2 id='tiers'>" not in text and "href='#tiers'" not in text


# ------------------------------------------------------------------- cells, names, appendix
_BAD = re.compile(r"^(nan|None|NaN|<NA>|NaT|null)$|^\[.*\]$|^\{.*\}$|Traceback|Error:|"
                  r"object at 0x|dtype", re.I)


@pytest.mark.parametrize("which", ["asem", "default"])
def test_no_python_repr_or_missing_text_in_cells(which, asem_text, default_text) -> None:
    text = asem_text if which == "asem" else default_text
    bad = [c for c in _cells(text) if _BAD.search(c)]
    assert bad == []
    # ranks are integers everywhere: no "1.0" in a rank column of the results table
    table = text.split('id="results-table"', 1)[1].split("</table>", 1)[0]
    assert not re.search(r"<tr><td>\d+\.\d+</td>", table)


@pytest.mark.parametrize("which", ["asem", "default"])
def test_config_appendix_collapsible_with_relative_paths(which, asem_text, default_text
                                                         ) -> None:
    text = asem_text if which == "asem" else default_text
    app = _section(text, "config")
    assert "<details id='config-details'>" in app and "<summary>" in app
    assert str(ROOT) not in text and str(Path.home()) + "/" not in app
    assert not re.search(r"(^|[\s'\"(])/(work|home|tmp|usr|root)/", html.unescape(app))
    assert "source_file" not in app and "base_dir" not in app
    expect = "../data/asem/iData.csv" if which == "asem" else "../data/gaiii_panel/panel_long.csv"
    assert f"file: {expect}" in html.unescape(app)


def test_relative_config_makes_absolute_paths_relative(tmp_path) -> None:
    data = bundled_config("asem").parent.parent / "data" / "asem"
    cfg_dir = tmp_path / "cfg"
    cfg_dir.mkdir()
    cfgfile = cfg_dir / "c.yaml"
    cfgfile.write_text(bundled_config("asem").read_text().replace(
        "../data/asem/iMeta.csv", str(data / "iMeta.csv")).replace(
        "../data/asem/iData.csv", str(data / "iData.csv")), encoding="utf-8")
    res = aiindex.run(cfgfile)
    d, name = relative_config(res)
    assert name == "c.yaml"
    assert not Path(d["data"]["file"]).is_absolute()
    assert (cfg_dir / d["data"]["file"]).resolve() == (data / "iData.csv").resolve()
    text = html.unescape(report_html(res, charts=False))
    assert str(tmp_path) not in text
    assert not re.search(r"(^|[\s'\"(>:])" + re.escape(str(data)), text)  # never absolute
    assert "file: ../" in text


def test_provenance_note_near_the_top(default, default_text) -> None:
    top = default_text.split("<h2 id='results'>", 1)[0]
    assert "id='provenance'" in top
    assert html.escape(default.config.description.split(".")[0]) in top
    assert html.escape(default.config.output["note"].split(":")[0]) in top


def test_names_not_codes_in_headers(default_text) -> None:
    table = default_text.split('id="results-table"', 1)[1].split("</thead>", 1)[0]
    heads = [html.unescape(h) for h in re.findall(r"<th[^>]*>([^<]*)</th>", table)]
    assert heads == ["Rank", "Name", "Code", "Global AI Innovation Index (public proxy)", "Tier",
                     "Foundational support", "Resources and environment",
                     "Science and technology R&D", "Industry and application",
                     "International cooperation and exchange", "Score share imputed (%)"]
    assert 'title="FOUND"' in table and 'title="imputed_%"' in table


# ---------------------------------------------------------------------- charts in the page
def test_alt_texts_describe_the_charts(asem_t, asem_text) -> None:
    alts = [html.unescape(a) for a in re.findall(r'<img alt="([^"]*)"', asem_text)]
    assert len(alts) == 7  # 6 charts + rank intervals
    for a in alts:
        assert len(a) > 80 and not a.startswith("fig-")
    ranking = next(a for a in alts if a.startswith("Horizontal bar chart"))
    assert "Switzerland 68.4" in ranking and "4 tiers" in ranking
    assert any("Radar chart" in a and "from 0 to 100" in a for a in alts)


def test_every_sensitivity_output_is_drawn(asem_t) -> None:
    tidy = pd.DataFrame({
        "output": ["mean_abs_rank_shift"] * 2 + ["rank[CHE]"] * 2 + ["rank[NLD]"] * 2,
        "factor": ["weights", "normaliser"] * 3,
        "first_order": [0.2, 0.6, 0.1, 0.3, np.nan, np.nan],
        "total_order": [0.3, 0.7, 0.2, 0.4, np.nan, np.nan],
        "note": ["", "", "", "", "output is constant", "output is constant"]})
    sens = SimpleNamespace(indices=tidy, outputs=["mean_abs_rank_shift", "rank[CHE]",
                                                  "rank[NLD]"], info={})
    sec = report._sensitivity_section(sens, asem_t)
    assert 'id="fig-sens"' in sec and 'id="fig-sens-1"' in sec
    assert sec.count("<img") == 2
    note = re.findall(r"<p class='note chart-missing'>(.*?)</p>", sec)
    assert len(note) == 1 and "rank of Netherlands" in note[0] and "no variance" in note[0]
    assert "rank of Switzerland" in sec


def test_missing_chart_is_one_friendly_sentence(asem_t, monkeypatch) -> None:
    from aiindex.outputs import charts

    def no_mpl(*a, **k):
        raise ModuleNotFoundError("No module named 'matplotlib'", name="matplotlib")

    def bug(*a, **k):
        raise KeyError("internal")

    monkeypatch.setattr(charts, "plot_radar", no_mpl)
    monkeypatch.setattr(charts, "plot_framework", bug)
    monkeypatch.setattr(charts, "plot_correlations",
                        lambda *a, **k: (_ for _ in ()).throw(aiindex.DataError("x y z")))
    with pytest.warns(UserWarning, match="KeyError"):  # details for the developers
        sec = _section(report_html(asem_t, charts=True), "charts")
    notes = [html.unescape(n) for n in re.findall(r"chart-missing'>(.*?)</p>", sec)]
    assert len(notes) == 3
    assert "pip install 'aiindex[plot]'" in notes[0]
    assert "please report it" in notes[1] and "internal" not in notes[1]
    assert notes[2].startswith("The correlation heatmap is not drawn: it needs") and \
        "x y z" not in notes[2]


# ----------------------------------------------------------------------- progress, print CSS
class _Recorder:
    def __init__(self) -> None:
        self.labels: list[str] = []

    def start(self, label, total):
        self.labels.append(label)

    def advance(self, handle, amount):
        pass

    def finish(self, handle):
        pass


def test_progress_announces_every_section_and_chart(asem_t, monkeypatch) -> None:
    from matplotlib.figure import Figure

    from aiindex.outputs import charts

    for fn in ("plot_ranking", "plot_heatmap", "plot_radar", "plot_framework",
               "plot_correlations"):  # cheap figures: only the steps matter here
        monkeypatch.setattr(charts, fn, lambda *a, **k: Figure(figsize=(1, 1)))
    rec = _Recorder()
    with _progress.use(rec):
        report_html(asem_t, charts=True)
    assert rec.labels[0] == "report"
    for lab in ("report: Results", "report: Tiers", "report: Charts", "report: Unit profiles",
                "report: chart ranking chart", "report: chart heatmap of level 2",
                "report: chart radar chart", "report: Appendix: configuration"):
        assert lab in rec.labels


def test_print_stylesheet_unboxes_tables() -> None:
    css = report._CSS
    prt = css.split("@media print{", 1)[1]
    assert re.search(r"\.scroll\{max-height:none !important;overflow:visible !important", prt)
    assert "thead{display:table-header-group}" in prt
    assert "h2{break-before:page" in prt and "th{position:static}" in prt


def test_a_long_path_stays_on_its_key_line() -> None:
    """Catches the YAML dumper moving a path longer than 80 characters to the next line (an
    installed package's data folder is far from a temporary config folder)."""
    from aiindex.yamlio import dump_yaml, load_yaml

    long = "../" * 6 + "venv/lib/python3.11/site-packages/aiindex/data/asem/iData.csv"
    text = dump_yaml({"data": {"file": long}})
    assert f"  file: {long}\n" in text
    assert load_yaml(text) == {"data": {"file": long}}
