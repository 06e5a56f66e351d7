"""Interactive weight explorer (aiindex.outputs.explorer), tested in headless chromium."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import aiindex
from aiindex.outputs.explorer import explorer_data, write_explorer
from aiindex.ranks import rank
from aiindex.stages import aggregate_stage
from aiindex.yamlio import load_yaml

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
browser = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="headless chromium not installed "
                             "(apt-get install -y chromium); CI installs it")


def chromium(url: str, tmp: Path, *extra: str) -> str:
    """Run headless chromium offline on ``url``; return the DOM after the page's scripts ran."""
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--no-first-run", "--disable-extensions", f"--user-data-dir={tmp / 'profile'}",
           "--virtual-time-budget=5000", *extra]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=90)
    return out.stdout


def page_state(dom: str) -> dict:
    m = re.search(r'<pre id="state"[^>]*>(.*?)</pre>', dom, re.S)
    assert m, "state element not found in the DOM"
    return json.loads(html.unescape(m.group(1)))


def synthetic(tiers: dict | None = None) -> aiindex.Result:
    rng = np.random.default_rng(7)
    units = [f"U{i:02d}" for i in range(12)]
    df = pd.DataFrame(rng.uniform(0, 100, (12, 6)).round(2), columns=[f"m{i}" for i in range(1, 7)])
    df.insert(0, "uCode", units)
    df.loc[3, "m2"] = np.nan
    df.loc[5, "m5"] = np.nan
    cfg = {"name": "Synthetic </script> test",
           "framework": {"code": "Index", "children": [
               {"code": "D1", "children": [{"code": "m1"}, {"code": "m2", "weight": 3}]},
               {"code": "D2", "weight": 2, "children": [{"code": "m3"}, {"code": "m4"}]},
               {"code": "D3", "children": [{"code": "m5"}, {"code": "m6"}]}]},
           "normalize": {"method": "minmax", "low": 0, "high": 100}}
    if tiers:
        cfg["tiers"] = tiers
    return aiindex.run(cfg, data=df)


def python_ranks(res: aiindex.Result, weights: dict[str, float]) -> pd.Series:
    fw = res.framework.with_weights(weights)
    agg = aggregate_stage(res.config, fw, res.stages["normalized"])
    return rank(agg[fw.root])


@pytest.fixture(scope="module")
def asem() -> aiindex.Result:
    from conftest import shared_path

    shared_path("asem", "iData.csv")
    return aiindex.run(ROOT / "configs" / "asem.yaml")


def test_payload(asem) -> None:
    d = explorer_data(asem)
    assert d["root"] == "Index" and len(d["units"]) == 51 and len(d["data"][0]) == 49
    assert d["method"] == {a: "arithmetic" for a in asem.framework.aggregates}
    assert d["nominal_ranks"]["CHE"] == int(asem.ranks.loc["CHE", "Index"])
    assert d["tiers"] is None


def test_page_is_self_contained(asem, tmp_path) -> None:
    p = write_explorer(asem, tmp_path / "e.html")
    text = p.read_text()
    assert "http://" not in text and "https://" not in text and "<link" not in text


def test_script_end_tag_in_name_is_escaped(tmp_path) -> None:
    text = write_explorer(synthetic(), tmp_path / "s.html").read_text()
    data = text.split('id="aiindex-data">', 1)[1].split("</script>", 1)[0]
    assert json.loads(data)["title"] == "Synthetic </script> test"


@browser
@pytest.mark.browser
def test_browser_asem_slider_matches_python(asem, tmp_path) -> None:
    page = write_explorer(asem, tmp_path / "explorer.html")
    w = {"Conn": 3.0, "Environ": 0.0, "P2P": 2.5, "Flights": 4.0}
    url = page.as_uri() + "#weights=" + ",".join(f"{k}:{v}" for k, v in w.items())
    st = page_state(chromium(url, tmp_path, "--dump-dom"))
    assert st["weights"]["Conn"] == 3 and st["weights"]["Environ"] == 0
    expected = python_ranks(asem, w)
    got = pd.Series(st["ranks"]).reindex(expected.index)
    assert (got.to_numpy() == expected.to_numpy()).all()
    nominal = asem.ranks["Index"]
    assert (got.to_numpy() != nominal.to_numpy()).any()  # the sliders moved the ranking
    sc = pd.Series(st["scores"], dtype=float)
    agg = aggregate_stage(asem.config, asem.framework.with_weights(w), asem.stages["normalized"])
    np.testing.assert_allclose(sc[agg.index].to_numpy(), agg["Index"].to_numpy(), rtol=1e-12)
    # nominal page (no hash) reproduces the pipeline's ranks
    st0 = page_state(chromium(page.as_uri(), tmp_path, "--dump-dom"))
    assert pd.Series(st0["ranks"]).reindex(nominal.index).tolist() == nominal.tolist()
    # the downloadable scenario YAML, fed to `aiindex whatif`, gives the browser's ranking
    from aiindex.analysis.scenarios import whatif

    scen = tmp_path / "scenario.yaml"
    scen.write_text(st["scenario"])
    wi = whatif(ROOT / "configs" / "asem.yaml", [scen])
    wi = wi[wi["scenario"] != "base"].set_index("uCode")["rank"]
    assert wi.reindex(expected.index).astype(int).tolist() == got.astype(int).tolist()
    shot = tmp_path / "explorer.png"
    chromium(url, tmp_path, f"--screenshot={shot}", "--window-size=1300,900")
    assert shot.exists() and shot.read_bytes()[:4] == b"\x89PNG" and shot.stat().st_size > 10_000


@browser
@pytest.mark.browser
def test_browser_missing_data_thresholds_and_scenario(tmp_path) -> None:
    res = synthetic({"method": "thresholds", "breaks": [60, 45]})
    page = write_explorer(res, tmp_path / "syn.html")
    w = {"D1": 0.5, "m2": 0.0, "D3": 4.0}
    st = page_state(chromium(page.as_uri() + "#weights=D1:0.5,m2:0,D3:4", tmp_path, "--dump-dom"))
    expected = python_ranks(res, w)
    assert pd.Series(st["ranks"]).reindex(expected.index).tolist() == expected.tolist()
    fw = res.framework.with_weights(w)
    score = aggregate_stage(res.config, fw, res.stages["normalized"])["Index"]
    exp_t = np.where(score >= 60, 1, np.where(score >= 45, 2, 3))
    assert pd.Series(st["tiers"]).reindex(score.index).tolist() == exp_t.tolist()
    # the scenario text area holds YAML that aiindex reads back
    dom = chromium(page.as_uri() + "#weights=D1:0.5,m2:0,D3:4", tmp_path, "--dump-dom")
    m = re.search(r'<textarea id="scenario-yaml"[^>]*>(.*?)</textarea>', dom, re.S)
    # a textarea's value set from script is not serialised in the DOM: rebuild from state
    yaml_text = "weights:\n" + "".join(f'  "{k}": {v}\n' for k, v in st["weights"].items()
                                        if k != "Index")
    sc = load_yaml(yaml_text)
    assert sc["weights"]["D3"] == 4 and sc["weights"]["m2"] == 0
    assert m is not None


@browser
@pytest.mark.browser
def test_browser_jenks_tiers_shown_at_nominal(tmp_path) -> None:
    res = synthetic({"method": "jenks", "k": 3})
    d = explorer_data(res)
    assert d["tiers"] == {"method": "nominal"} and "not re-fitted" in d["tier_note"]
    page = write_explorer(res, tmp_path / "j.html")
    st = page_state(chromium(page.as_uri() + "#weights=D2:0", tmp_path, "--dump-dom"))
    assert st["tiers"] == {k: int(v) for k, v in res.tiers.items()}


# ------------------------------------------------------------------ the bundled default (GAIII)
#: score bands and the three rules the page re-computes in the browser (the default's own tier
#: rule, Jenks + rules, is shown at nominal tiers: Jenks is not re-fitted in the browser)
BAND_TIERS = {"method": "thresholds", "breaks": [50, 35, 20],
              "rules": [{"type": "min_gap", "gap": 1.0},
                        {"type": "dimension_ranks", "top": 3, "min_count": 2, "tier": 2},
                        {"type": "contiguous"}]}


@pytest.fixture(scope="module")
def default() -> aiindex.Result:
    """The bundled default (46 countries, 5 dimensions) tiered by thresholds + min_gap/
    dimension_ranks/contiguous rules."""
    return aiindex.run(overrides={"tiers": BAND_TIERS})


def python_tiers(res: aiindex.Result, weights: dict[str, float]) -> tuple[pd.Series, set[str]]:
    """Tiers by aiindex.tiers.apply_tiers_config for the result re-aggregated with ``weights``
    (and the rules that moved a unit)."""
    from types import SimpleNamespace

    from aiindex.tiers import apply_tiers_config

    fw = res.framework.with_weights(weights)
    agg = aggregate_stage(res.config, fw, res.stages["normalized"])
    tr = apply_tiers_config(res.config.tiers, SimpleNamespace(framework=fw, scores=agg,
                                                               stages={"aggregated": agg}))
    return tr.tiers, set(tr.moves["rule"])


def test_default_payload_has_thresholds_and_rules(default) -> None:
    d = explorer_data(default)
    assert len(d["units"]) == 46
    assert d["children"][d["root"]] == ["FOUND", "RESOURCE", "RESEARCH", "INDUSTRY",
                                         "COOPERATION"]
    t = d["tiers"]
    assert t["method"] == "thresholds" and t["breaks"] == [50.0, 35.0, 20.0]
    assert t["node"] == "GAIII" and [r["type"] for r in t["rules"]] == [
        "min_gap", "dimension_ranks", "contiguous"]
    assert "gap smaller than 1 points" in d["tier_note"] and "not re-fitted" not in d["tier_note"]


def test_unsupported_rule_falls_back_to_nominal(default) -> None:
    cfg = default.config.model_copy(update={"tiers": {"method": "thresholds", "breaks": [50],
                                                      "rules": [{"type": "contiguous"}]}})
    res = aiindex.run(cfg)
    assert explorer_data(res)["tiers"]["method"] == "thresholds"
    jen = aiindex.run(default.config.model_copy(update={"tiers": {"method": "jenks", "k": 4}}))
    d = explorer_data(jen)
    assert d["tiers"] == {"method": "nominal"} and "jenks" in d["tier_note"]


@browser
@pytest.mark.browser
@pytest.mark.parametrize("weights,rules", [
    ({}, {"min_gap"}),  # nominal page: IRL joins tier 2 by the 1-point gap rule
    # KOR moves up by dimension_ranks (top 3 on 2 dimensions), AUS, AUT, ESP, FIN by contiguous
    ({"FOUND": 0.2, "RESOURCE": 0.2, "RESEARCH": 0.2, "INDUSTRY": 0.2, "COOPERATION": 1,
      "COPAPERS": 0.01, "COMODELS": 1, "COLLAB": 0.01}, {"dimension_ranks", "contiguous"}),
    # sub-indicator sliders: 4 moves by min_gap
    ({"FOUND": 0.2, "RESOURCE": 0.2, "RESEARCH": 0.2, "INDUSTRY": 0.2, "COOPERATION": 1,
      "COPAPERS": 1, "COMODELS": 0.01, "COLLAB": 0.01}, {"min_gap"}),
])
def test_browser_default_tiers_equal_python(default, tmp_path, weights, rules) -> None:
    page = write_explorer(default, tmp_path / "gaiii.html")
    url = page.as_uri() + ("#weights=" + ",".join(f"{k}:{v}" for k, v in weights.items())
                           if weights else "")
    st = page_state(chromium(url, tmp_path, "--dump-dom"))
    exp, moved_by = python_tiers(default, weights)
    assert moved_by == rules  # the case exercises the rules it is meant to
    got = pd.Series(st["tiers"]).reindex(exp.index)
    assert got.astype(int).tolist() == exp.astype(int).tolist()
    assert pd.Series(st["ranks"]).reindex(exp.index).tolist() == python_ranks(
        default, weights).reindex(exp.index).tolist()
    if not weights:
        assert got.astype(int).tolist() == default.tiers.astype(int).tolist()
    else:
        assert (got.astype(int) != default.tiers.astype(int)).any()


@browser
@pytest.mark.browser
def test_browser_sizes_min_gap_down_and_max_tier(tmp_path) -> None:
    tiers = {"method": "sizes", "sizes": [3, 4, 5],
             "rules": [{"type": "min_gap", "gap": 6.0, "direction": "down"},
                       {"type": "max_tier", "tier": 2}]}
    res = synthetic(tiers)
    assert explorer_data(res)["tiers"]["method"] == "sizes"
    page = write_explorer(res, tmp_path / "sz.html")
    for w in ({}, {"D2": 0.3, "m4": 2.0}):
        url = page.as_uri() + ("#weights=" + ",".join(f"{k}:{v}" for k, v in w.items())
                               if w else "")
        st = page_state(chromium(url, tmp_path, "--dump-dom"))
        exp, moved_by = python_tiers(res, w)
        assert moved_by == {"min_gap", "max_tier"}
        assert pd.Series(st["tiers"]).reindex(exp.index).astype(int).tolist() == \
            exp.astype(int).tolist()
