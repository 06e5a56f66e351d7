"""The anchor scorecard (aiindex.analysis.anchors): every kind on hand-made editions, the
published-facts file, and the scorecard of the shipped fixed-method index."""

from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aiindex.analysis.anchors import (
    KINDS,
    AnchorResult,
    anchors,
    edition_views,
    evaluate_facts,
    load_published,
    tier_alternatives,
)
from aiindex.cli import main
from aiindex.data.bundled import bundled_config
from aiindex.errors import ConfigError, ValidationError
from aiindex.yamlio import dump_yaml

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = ROOT / "configs" / "gaiii_published.yaml"


def view(scores: dict[str, float], tiers: dict[str, int]) -> pd.DataFrame:
    """An edition view: score, rank (1 = best), tier."""
    s = pd.Series(scores, dtype=float)
    r = s.rank(ascending=False, method="min").astype("Int64")
    return pd.DataFrame({"score": s, "rank": r,
                         "tier": pd.Series(tiers).reindex(s.index).astype("Int64")})


# scores chosen by hand: A 90, B 60, C 50, D 20 in 2022; A 95, B 55, C 56, D 10 in 2023
V22 = view({"A": 90, "B": 60, "C": 50, "D": 20}, {"A": 1, "B": 2, "C": 2, "D": 3})
V23 = view({"A": 95, "B": 55, "C": 56, "D": 10}, {"A": 1, "B": 1, "C": 2, "D": 3})
VIEWS = {2022: V22, 2023: V23}


def one(fact: dict, **kw) -> pd.Series:
    f = {"id": "x", "source": "S", **fact}
    return evaluate_facts([f], VIEWS, **kw).iloc[0]


def test_rank_exact() -> None:
    assert one({"edition": 2022, "kind": "rank", "unit": "B", "rank": 2})["status"] == "pass"
    r = one({"edition": 2022, "kind": "rank", "unit": "C", "rank": 2})
    assert r["status"] == "fail" and r["distance"] == 1 and r["ours"] == "3"


def test_score_and_gap_levels_not_comparable_unless_asked() -> None:
    r = one({"edition": 2022, "kind": "score", "unit": "A", "value": 89.5})
    assert r["status"] == "not comparable" and r["distance"] == pytest.approx(0.5)
    assert one({"edition": 2022, "kind": "score", "unit": "A", "value": 89.5},
               levels=True)["status"] == "pass"  # |90 - 89.5| <= 1
    assert one({"edition": 2022, "kind": "score", "unit": "A", "value": 88.5},
               levels=True)["status"] == "fail"
    # a fact's own uncertainty widens the tolerance: |90 - 88.5| = 1.5 <= 2
    assert one({"edition": 2022, "kind": "score", "unit": "A", "value": 88.5, "uncertainty": 2},
               levels=True)["status"] == "pass"
    g = one({"edition": 2022, "kind": "gap", "a": "A", "b": "B", "value": 28.5}, levels=True)
    assert g["distance"] == pytest.approx(1.5) and g["status"] == "fail"  # tolerance 1
    assert one({"edition": 2022, "kind": "gap", "a": "A", "b": "B", "value": 29},
               levels=True)["status"] == "pass"  # |30 - 29| = 1 <= 1
    # as for a score, a gap fact's own uncertainty widens the tolerance: 1.5 <= 2
    assert one({"edition": 2022, "kind": "gap", "a": "A", "b": "B", "value": 28.5,
                "uncertainty": 2}, levels=True)["status"] == "pass"


def test_tier_sizes_distance_is_countries_to_move() -> None:
    # ours 1/2/1: published 2/1/1 -> one country moves
    r = one({"edition": 2022, "kind": "tier_sizes", "sizes": [2, 1, 1]})
    assert r["ours"] == "1/2/1" and r["distance"] == 1 and r["status"] == "fail"
    assert one({"edition": 2022, "kind": "tier_sizes", "sizes": [1, 2, 1]})["status"] == "pass"
    # a published empty fourth tier is compared too
    r = one({"edition": 2022, "kind": "tier_sizes", "sizes": [1, 2, 1, 0]})
    assert r["ours"] == "1/2/1/0" and r["status"] == "pass"


def test_tier_members_named_and_complete() -> None:
    assert one({"edition": 2022, "kind": "tier_members", "tier": 2, "units": ["B"],
                "complete": False})["status"] == "pass"
    r = one({"edition": 2022, "kind": "tier_members", "tier": 2, "units": ["B"],
             "complete": True})
    assert r["status"] == "fail" and r["distance"] == 1 and "also in tier 2: C" in r["ours"]
    r = one({"edition": 2023, "kind": "tier_members", "tier": 1, "units": ["A"],
             "complete": True})
    assert r["distance"] == 1  # B is also in tier 1


def test_tier_leader() -> None:
    assert one({"edition": 2022, "kind": "tier_leader", "tier": 2, "unit": "B"})["status"] == "pass"
    r = one({"edition": 2023, "kind": "tier_leader", "tier": 2, "unit": "B"})
    assert r["status"] == "fail" and "led by C" in r["ours"] and "B in tier 1" in r["ours"]


def test_gap_shape_is_scale_free() -> None:
    # 2022: (B - C) / (A - C) = 10 / 40 = 0.25
    f = {"edition": 2022, "kind": "gap_shape", "top": "A", "mid": "B", "low": "C",
         "interval": [0.2, 0.3]}
    assert one(f)["status"] == "pass" and one(f)["ours"] == "0.250"
    r = one({**f, "interval": [0.3, 0.4]})
    assert r["status"] == "fail" and r["distance"] == pytest.approx(0.05)
    # the same under any a + b*score with b > 0
    shifted = {y: v.assign(score=3 + 0.5 * v["score"]) for y, v in VIEWS.items()}
    f2 = {"id": "x", "source": "S", **f}
    assert evaluate_facts([f2], shifted).iloc[0]["ours"] == "0.250"


def test_gap_change_direction() -> None:
    # A - B: 30 (2022) -> 40 (2023): widens; B - C: 10 -> -1: narrows
    f = {"edition": 2023, "kind": "gap_change", "a": "A", "b": "B", "editions": [2022, 2023],
         "values": [26, 38]}
    r = one(f)
    assert r["status"] == "pass" and r["distance"] == pytest.approx(10)
    assert one({**f, "b": "C", "a": "B"})["status"] == "fail"


def test_rank_rise_needs_a_better_rank_every_edition() -> None:
    f = {"edition": 2023, "kind": "rank_rise", "unit": "C", "editions": [2022, 2023]}
    assert one(f)["status"] == "pass"  # 3 -> 2
    r = one({**f, "unit": "D"})        # 4 -> 4
    assert r["status"] == "fail" and r["distance"] == 1 and r["ours"] == "4 → 4"


def test_facts_of_editions_without_data_are_no_data() -> None:
    r = one({"edition": 2024, "kind": "score", "unit": "A", "value": 77.97})
    assert r["status"] == "no data" and np.isnan(r["distance"])
    assert one({"edition": 2024, "kind": "gap_change", "a": "A", "b": "B",
                "editions": [2023, 2024], "values": [22.02, 19.96]})["status"] == "no data"


def test_tier_facts_of_an_index_without_tiers_are_no_data() -> None:
    views = {y: v.assign(tier=pd.array([pd.NA] * len(v), dtype="Int64")) for y, v in VIEWS.items()}
    facts = [{"id": "t", "source": "S", "edition": 2022, "kind": "tier_leader", "tier": 1,
              "unit": "A"},
             {"id": "r", "source": "S", "edition": 2022, "kind": "rank", "unit": "A", "rank": 1}]
    t = evaluate_facts(facts, views)
    assert list(t["status"]) == ["no data", "pass"]
    assert t.loc[0, "tolerance"] == "the index has no tiers"


def test_every_kind_is_evaluated() -> None:
    facts = load_published(PUBLISHED)["facts"]
    assert {f["kind"] for f in facts} == set(KINDS)


# ---------------------------------------------------------------------------- the facts file
def test_bad_facts_are_listed_together(tmp_path) -> None:
    bad = {"sources": {"S": "somewhere"}, "facts": [
        {"id": "a", "edition": 2020, "kind": "rank", "unit": "USA", "source": "S"},  # no rank
        {"id": "a", "edition": 2020, "kind": "nope", "source": "S"},
        {"id": "c", "edition": 2020, "kind": "score", "unit": "X", "value": 1, "source": "Q"},
    ]}
    p = tmp_path / "f.yaml"
    dump_yaml(bad, p)
    with pytest.raises(ValidationError) as e:
        load_published(p)
    text = str(e.value)
    assert "lacks 'rank'" in text and "duplicate fact id 'a'" in text
    assert "unknown kind 'nope'" in text and "unknown source 'Q'" in text
    with pytest.raises(ConfigError, match="not found"):
        load_published(tmp_path / "missing.yaml")


def test_published_file_every_fact_sourced_and_derivations_hold() -> None:
    pub = load_published(PUBLISHED)
    assert pub["countries"] == 46
    facts = {f["id"]: f for f in pub["facts"]}
    # the list: 2020 US 66.31 and sizes; 2021 and 2022 sizes; 2023 headline; 2024
    assert facts["2020-usa-score"]["value"] == 66.31
    assert facts["2020-tier-sizes"]["sizes"] == [1, 14, 24, 7]
    assert facts["2021-tier-sizes"]["sizes"] == [2, 9, 13, 22]
    assert facts["2022-tier-sizes"]["sizes"] == [2, 11, 12, 21]
    assert pub["editions"][2020]["tier_bands"] == [60, 30, 15]
    assert pub["editions"][2022]["tier_bands"] == [50, 35, 20]
    assert (facts["2023-usa-score"]["value"], facts["2023-chn-score"]["value"]) == (74.71, 52.69)
    assert facts["2023-gbr-score"]["value"] == 37.9 and facts["2023-gbr-score"]["source"] == "ISSUE"
    assert (facts["2024-usa-score"]["value"], facts["2024-chn-score"]["value"]) == (77.97, 58.01)
    for y in (2020, 2021, 2022, 2023):
        assert facts[f"{y}-usa-1st"]["rank"] == 1 and facts[f"{y}-chn-2nd"]["rank"] == 2
    # tier sizes add up to the 46 countries; complete tier lists match their size
    for y in (2020, 2021, 2022):
        assert sum(facts[f"{y}-tier-sizes"]["sizes"]) == 46
    assert len(facts["2020-tier4"]["units"]) == 7 and facts["2020-tier4"]["complete"]
    # gap-shape intervals follow from the published figures as stated in their derivation
    lo, hi = facts["2022-gap-shape"]["interval"]
    assert (lo, hi) == (round(8.5 / 26.5, 3), round(9.5 / 25.5, 3))
    g = np.array([38.9, 36.9])
    assert facts["2023-gap-shape"]["interval"] == list(np.round((52.69 - g) / (74.71 - g), 3))
    assert facts["2023-gap-shape"]["value"] == round((52.69 - 37.9) / (74.71 - 37.9), 3)


def test_published_file_is_shipped_with_the_package() -> None:
    bundled = bundled_config("gaiii_panel").parent / "gaiii_published.yaml"
    assert bundled.read_bytes() == PUBLISHED.read_bytes()


# ---------------------------------------------------------------------------- the shipped index
@pytest.fixture(scope="module")
def card() -> AnchorResult:
    return anchors()  # the bundled default names its facts file (output.anchors)


def test_scorecard_covers_every_fact_and_edition(card) -> None:
    pub = load_published(PUBLISHED)
    assert list(card.table["id"]) == [f["id"] for f in pub["facts"]]
    assert list(card.scores.columns) == [2020, 2021, 2022, 2023]
    by = card.table.set_index("id")["status"]
    # editions without proxy data
    assert (card.table.loc[card.table["edition"].isin([2019, 2024]), "status"] == "no data").all()
    # score levels of a proxy index are never a pass
    levels = card.table["kind"].isin(["score", "gap"]) & card.table["edition"].between(2020, 2023)
    assert (card.table.loc[levels, "status"] == "not comparable").all()
    assert set(by.unique()) <= {"pass", "fail", "not comparable", "no data"}


def test_scorecard_published_leaders(card) -> None:
    """Anchors: the US first and China second in every edition 2020-2023, the UK third in 2023."""
    by = card.table.set_index("id")["status"]
    for y in (2020, 2021, 2022, 2023):
        assert by[f"{y}-usa-1st"] == "pass" and by[f"{y}-chn-2nd"] == "pass"
    assert by["2023-gbr-3rd"] == "pass"


def test_scorecard_counts_are_the_documented_ones(card) -> None:
    """docs/gaiii.md states the scorecard; it must be the one the code computes."""
    doc = (ROOT / "docs" / "gaiii.md").read_text()
    c = card.counts()
    for ed in (2020, 2021, 2022, 2023):
        r = c.loc[ed]
        row = f"| {ed} | {int(r['pass'])} of {int(r['scored'])} |"
        assert row in doc, f"docs/gaiii.md lacks the scorecard row {row!r}"
    allrow = c.loc["all"]
    assert f"**{int(allrow['pass'])} of {int(allrow['scored'])}**" in doc


def test_note_states_the_scorecard(card) -> None:
    """The standing note of the default says what it is checked against and what it fails."""
    from aiindex.config import load_config

    note = " ".join(load_config(bundled_config("gaiii_2023")).output["note"].split())
    assert "PUBLIC-PROXY" in note and "not CISTI" in note
    c = card.counts().loc["all"]
    assert f"{len(card.table)} published facts" in note
    assert f"passes {int(c['pass'])} of the {int(c['scored'])} it can be scored on" in note
    assert f"fails {int(c['fail'])}" in note
    assert re.search(r"aiindex anchors", note)


def test_tier_alternatives_reported_beside_the_rule(card) -> None:
    t = card.tiers
    rules = set(t["rule"])
    assert {"jenks k=4", "largest gaps k=4", "2020 bands 60/30/15", "2022 bands 50/35/20",
            "published"} <= rules
    assert any(r.startswith("config rule: jenks k=4 + dimension_ranks, contiguous") for r in rules)
    # every alternative tiers all 46 countries in every edition
    for s in t.loc[t["rule"] != "published", "sizes"]:
        assert sum(int(x) for x in s.split("/")) == 46


def test_to_csv_and_html(card, tmp_path) -> None:
    paths = card.to_csv(tmp_path / "a")
    names = [p.name for p in paths]
    assert names[-1] == "manifest.json" and "anchors.csv" in names and "tier_alternatives.csv" in names
    back = pd.read_csv(tmp_path / "a" / "anchors.csv")
    assert list(back["status"]) == list(card.table["status"])
    h = card.to_html()
    assert 'id="anchors-table"' in h and "(CHN − GBR) / (USA − GBR)" in h
    # escaped: a fact text with markup cannot break the page
    evil = AnchorResult(card.table.assign(fact="<script>x</script>"), card.tiers, card.scores,
                        card.ranks, {"S": "<b>"}, "<i>n</i>", "p.yaml")
    out = evil.to_html()
    assert "<script>" not in out and html.escape("<script>x</script>") in out
    assert "<b>" not in out.replace("<b>S</b>", "")


def test_cli_anchors(tmp_path, capsys) -> None:
    assert main(["anchors", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "Scorecard of Global AI Innovation Index" in out and "2023:" in out
    assert "2020 bands 60/30/15" in out and "fails:" in out
    assert (tmp_path / "o" / "anchors_summary.csv").exists()


def test_cli_anchors_needs_a_facts_file(capsys) -> None:
    assert main(["anchors", "asem"]) == 2
    assert "output.anchors" in capsys.readouterr().err


def test_weights_and_affine_rescore_the_same_runs(card) -> None:
    """Re-weighting with the framework's own weights reproduces the scores; an affine map
    changes levels only."""
    import aiindex

    panel = aiindex.run_panel(bundled_config("gaiii_panel"))
    fw = panel.framework
    same = edition_views(panel.results, weights={c: n.weight for c, n in fw.nodes.items()})
    for y, v in same.items():
        np.testing.assert_allclose(v["score"], card.scores[y].reindex(v.index))
        assert (v["tier"] == panel.results[y].tiers.reindex(v.index)).all()
    moved = edition_views(panel.results, affine=(10.0, 0.5))
    np.testing.assert_allclose(moved[2023]["score"], 10 + 0.5 * card.scores[2023])
    with pytest.raises(ConfigError, match="b > 0"):
        edition_views(panel.results, affine=(0.0, -1.0))
    t = tier_alternatives({2023: moved[2023]})
    assert t.loc[t["rule"] == "jenks k=4", "sizes"].item() == \
        card.tiers.loc[(card.tiers["edition"] == 2023) & (card.tiers["rule"] == "jenks k=4"),
                       "sizes"].item()  # Jenks does not depend on the scale


def test_report_has_the_scorecard_and_the_imputed_share() -> None:
    """The report includes the anchors section when the config names output.anchors, and the
    imputed_% column with output.show_imputed; configs without them are unchanged."""
    import aiindex
    from aiindex.outputs.report import report_html

    res = aiindex.run()
    rk = res.ranks["GAIII"].astype(float)
    unc = pd.DataFrame({"nominal": rk, "p5": rk, "p95": rk})
    sens = pd.DataFrame({"first": [0.5], "total": [0.6]}, index=["w"])
    page = report_html(res, uncertainty=unc, sensitivity=sens, charts=False)
    assert "<h2 id='anchors'>Published facts (anchor scorecard)</h2>" in page
    assert "href='#anchors'" in page and 'id="anchors-table"' in page
    section = page.split("<h2 id='anchors'>", 1)[1].split("<h2 id=", 1)[0]
    assert "2023-gbr-3rd" in section and "P2023" in section and "could not" not in section
    results = page.split('id="results-table"', 1)[1].split("</table>", 1)[0]
    assert "imputed_%" in results
    from aiindex.outputs.report import _results_section

    plain = aiindex.run(res.config, overrides={"output": {"anchors": None, "show_imputed": None}})
    assert "imputed_%" not in _results_section(plain)


def test_rank_rise_fails_when_the_unit_is_missing_from_an_edition() -> None:
    """Catches NaN ranks counting as rises (np.diff >= 0 is False for NaN): E is 4th in 2021,
    absent in 2022 and 5th in 2023 — it never rose."""
    v21 = view({"A": 90, "B": 60, "C": 50, "E": 40}, {"A": 1, "B": 2, "C": 2, "E": 3})
    v23 = view({"A": 95, "B": 55, "C": 56, "D": 10, "E": 5}, {"A": 1, "B": 1, "C": 2, "D": 3,
                                                              "E": 3})
    views = {2021: v21, 2022: V22, 2023: v23}
    f = {"id": "x", "source": "S", "edition": 2023, "kind": "rank_rise", "unit": "E",
         "editions": [2021, 2022, 2023]}
    r = evaluate_facts([f], views).iloc[0]
    assert r["status"] == "fail" and r["distance"] == 2 and r["ours"] == "4 → — → 5"
