"""HTML report and the report/export/explore commands (aiindex.outputs.report)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("matplotlib")

import aiindex  # noqa: E402
from aiindex.cli import main  # noqa: E402
from aiindex.outputs.report import report_html, write_report  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def page(asem, tmp_path_factory) -> Path:
    rk = asem.ranks["Index"].astype(float)
    unc = pd.DataFrame({"nominal": rk, "p5": (rk - 2).clip(lower=1), "p95": rk + 3})
    sens = pd.DataFrame({"first": [0.3, 0.1], "total": [0.4, 0.2]}, index=["weights", "normaliser"])
    return write_report(asem, tmp_path_factory.mktemp("r") / "report.html", uncertainty=unc,
                        sensitivity=sens)


def test_report_sections_and_self_contained(page, asem) -> None:
    text = page.read_text()
    for sec in ("results", "charts", "framework", "uncertainty", "sensitivity", "data", "config"):
        assert f"id='{sec}'" in text
    assert "http://" not in text and "https://" not in text  # no network resources
    imgs = re.findall(r'src="data:image/png;base64,', text)
    # ranking, one heatmap per aggregate level below the root (2), radar, sunburst,
    # correlations + rank intervals + sensitivity (one output)
    assert len(imgs) == 6 + 2
    assert "fig-heatmap-3" in text and "fig-heatmap-2" in text
    assert "chart-missing" not in text
    assert f"aiindex {asem.version}" in text
    assert "group_mean" in text  # imputation method of the ASEM config
    assert "Outlier treatment" in text and "winsorise" in text


def test_results_table_content(page, asem) -> None:
    text = page.read_text()
    table = text.split('id="results-table"', 1)[1].split("</table>", 1)[0]
    # rank (integer), name (code as tooltip), code
    rows = re.findall(r'<tr><td>(\d+)</td><td class="l" title="([A-Z]{3})">([^<]+)</td>'
                      r'<td class="l">([A-Z]{3})</td>', table)
    t = asem.table()
    assert [r[1] for r in rows] == list(t.index) == [r[3] for r in rows]
    assert [int(r[0]) for r in rows] == list(t["rank"])
    assert [r[2] for r in rows] == list(t["name"])
    assert f"{t.iloc[0]['Index']:.2f}" in table
    # headers are names, codes in tooltips
    assert '<th class="" title="Conn" scope="col">Connectivity</th>' in table


def test_report_without_charts_and_config_note(asem) -> None:
    text = report_html(asem, charts=False)
    assert "data:image/png" not in text
    res2 = aiindex.run(ROOT / "configs" / "asem.yaml", overrides={"uncertainty": {"n": 10}})
    # a configured uncertainty section without factors is an error, never silently skipped
    with pytest.raises(aiindex.ConfigError, match="factors"):
        report_html(res2, charts=False)


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                    reason="headless chromium not installed; CI installs it (never skipped in CI)")
def test_report_opens_in_headless_chromium(page, tmp_path) -> None:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--no-first-run", f"--user-data-dir={tmp_path / 'p'}", "--virtual-time-budget=3000",
           "--dump-dom", page.as_uri()]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=90).stdout
    assert 'id="results-table"' in dom
    assert dom.count("<img") == 8
    assert "Switzerland" in dom


def test_cli_report_export_explore(tmp_path, asem) -> None:
    cfg = str(ROOT / "configs" / "asem.yaml")
    out = tmp_path / "r.html"
    assert main(["report", cfg, "--out", str(out), "--no-charts"]) == 0
    assert 'id="results-table"' in out.read_text()
    x = tmp_path / "a.xlsx"
    assert main(["export", cfg, "--xlsx", str(x)]) == 0
    back = pd.read_excel(x, sheet_name="Aggregated", index_col=0)
    np.testing.assert_allclose(back["Index"], asem.scores.loc[back.index, "Index"], rtol=1e-14)
    e = tmp_path / "e.html"
    assert main(["explore", cfg, "--out", str(e), "--set", "aggregate.method=geometric",
                 "--set", "normalize.low=1"]) == 0
    assert '"geometric"' in e.read_text()
    assert main(["export", cfg]) == 2  # neither --xlsx nor --csv


def test_report_includes_configured_uncertainty_and_sensitivity(tmp_path):
    """configs/asem_uncertainty.yaml configures both: the report computes and shows them."""
    from pathlib import Path

    import aiindex
    from aiindex.outputs.report import write_report

    cfg = Path(__file__).resolve().parents[1] / "configs" / "asem_uncertainty.yaml"
    res = aiindex.run(cfg, overrides={"uncertainty": {"n": 200}, "sensitivity": {"n": 64}})
    out = write_report(res, tmp_path / "r.html")
    html = out.read_text() if hasattr(out, "read_text") else (tmp_path / "r.html").read_text()
    assert "<h2 id='uncertainty'>" in html and "id=\"uncertainty-table\"" in html.replace("'", '"')
    assert "<h2 id='sensitivity'>" in html and "sensitivity-table" in html
    assert "not available" not in html  # both charts were drawn
    assert "fig-unc" in html and "fig-sens" in html


def test_report_has_audit_section(asem) -> None:
    from aiindex.analysis.audit import alpha_by_group

    text = report_html(asem, charts=False)
    assert "<h2 id='audit'>" in text and "alpha-table" in text and "pca-table" in text
    al = alpha_by_group(asem)
    first = al.dropna(subset=[c for c in al.columns if "alpha" in c][:1]).iloc[0]
    assert str(first.iloc[0]) in text


def test_report_trends_and_gap_on_gii_panel(tmp_path) -> None:
    """Multi-year section: trends and the Switzerland - United States gap on the GII panel."""
    from pathlib import Path

    from aiindex.analysis.trends import gaps
    from aiindex.cli import main
    from aiindex.pipeline import run_panel
    from conftest import shared_path

    shared_path("gii")
    cfg = Path(__file__).resolve().parents[1] / "configs" / "gii_panel.yaml"
    out = tmp_path / "gii.html"
    assert main(["report", str(cfg), "--out", str(out), "--gap", "CHE", "USA"]) == 0
    text = out.read_text()
    assert "<h2 id='trends'>" in text and "trends-table" in text and "gap-table" in text
    assert "fig-gap" in text
    g = gaps(run_panel(cfg), "CHE", "USA")
    assert f"{g['gap'].iloc[-1]:.2f}" in text


# ------------------------------------------------------------------ the bundled default (GAIII)
def test_cagr_shown_as_percent() -> None:
    """trends() gives cagr_pct, already in % per year: shown as "CAGR (%/year)", not scaled."""
    from aiindex.analysis.trends import trends
    from aiindex.outputs.report import _trends_section
    from hostile_cases import cfg_dict, frame

    a, b = frame(Time=[2020] * 8), frame(Time=[2022] * 8)
    b[["m1", "m2", "m3", "m4"]] = b[["m1", "m2", "m3", "m4"]] * 1.1
    b.loc[0, "m1"] = 8.0  # AUT improves
    pr = aiindex.run_panel(cfg_dict(normalize={"pooled": True}), data=pd.concat([a, b]))
    cagr = trends(pr)["cagr_pct"]
    assert cagr["AUT"] > 0.5  # a few percent a year, not a fraction
    html = _trends_section(pr, None, False, pr.results[2022])
    assert '"col">CAGR (%/year)</th>' in html and "cagr pct" not in html.lower()
    row = html[html.index('title="AUT">Austria</td>'):]
    assert f"<td>{cagr['AUT']:.2f}</td>" in row[:row.index("</tr>")]
    assert f"{100 * cagr['AUT']:.2f}" not in html


@pytest.fixture(scope="module")
def default_page(tmp_path_factory) -> tuple[aiindex.Result, Path]:
    """The bundled default with its configured analyses computed by the report (smaller n)."""
    res = aiindex.run(overrides={"uncertainty": {"n": 300}, "sensitivity": {"n": 64}})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Sobol' intervals at small n
        return res, write_report(res, tmp_path_factory.mktemp("g") / "gaiii.html")


def test_default_report_content(default_page) -> None:
    res, page = default_page
    text = page.read_text()
    # 6 charts + rank intervals + 1 of 3 sensitivity outputs (the other two are constant:
    # one sentence each says so)
    assert len(re.findall(r'src="data:image/png;base64,', text)) == 8
    assert text.count("chart-missing") == 2
    table = text.split('id="results-table"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<td class="l">([A-Z]{3})</td>', table)
    assert rows == list(res.table().index) and len(rows) == 46
    assert f"{res.scores.loc['USA', 'GAIII']:.2f}" in table
    for d in ("FOUND", "RESOURCE", "RESEARCH", "INDUSTRY", "COOPERATION"):
        assert d in text
    import html

    from aiindex.yamlio import load_yaml

    pre = text.split("<pre id='config-yaml'>", 1)[1].split("</pre>", 1)[0]
    cfg = load_yaml(html.unescape(pre))
    assert cfg["tiers"]["k"] == 4 and cfg["aiindex_version"] == res.version


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                    reason="headless chromium not installed; CI installs it (never skipped in CI)")
def test_default_report_opens_in_headless_chromium(default_page, tmp_path) -> None:
    _, page = default_page
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--no-first-run", f"--user-data-dir={tmp_path / 'p'}", "--virtual-time-budget=3000",
           "--dump-dom", page.as_uri()]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=90).stdout
    assert 'id="results-table"' in dom and dom.count("<img") == 8
    assert "United States" in dom


def test_cli_without_config_uses_bundled_default(tmp_path) -> None:
    e = tmp_path / "e.html"
    assert main(["explore", "--out", str(e)]) == 0
    assert '"root":"GAIII"' in e.read_text()
    x = tmp_path / "g.xlsx"
    assert main(["export", "--xlsx", str(x)]) == 0
    assert len(pd.read_excel(x, sheet_name="Results")) == 46
    r = tmp_path / "r.html"
    assert main(["report", "--no-charts", "--out", str(r), "--set", "uncertainty.n=32",
                 "--set", "sensitivity.n=32"]) == 0
    assert "Global AI Innovation Index" in r.read_text()


def test_missing_matplotlib_gives_install_hint(monkeypatch) -> None:
    from aiindex.outputs import report

    def boom(*a, **k):
        raise ModuleNotFoundError("No module named 'matplotlib'", name="matplotlib")

    fig, err = report._try(boom)
    assert fig is None and "aiindex[plot]" in err
