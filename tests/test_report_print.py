"""The report printed to PDF by headless Chromium (issue 18): every unit name and every column
of the results table are in the PDF's text, and under the print rules no box around a table
keeps a fixed height (so no row is cut)."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")
pypdf = pytest.importorskip("pypdf")

import aiindex  # noqa: E402
from aiindex.data.bundled import bundled_config  # noqa: E402
from aiindex.outputs.report import write_report  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
browser = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                             reason="headless chromium not installed; CI installs it")


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--no-first-run", "--disable-extensions", f"--user-data-dir={tmp / 'profile'}",
           *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module", params=["default", "asem"])
def printed(request, tmp_path_factory) -> tuple[aiindex.Result, Path, Path]:
    """(result, report, PDF) of the bundled default (its analyses computed, smaller n) and of
    COINr's ASEM example."""
    tmp = tmp_path_factory.mktemp(request.param)
    if request.param == "default":
        res = aiindex.run(overrides={"uncertainty": {"n": 200}, "sensitivity": {"n": 32}})
    else:
        res = aiindex.run(bundled_config("asem"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        # tables are what printing can cut; charts (tested elsewhere) only slow the PDF down
        page = write_report(res, tmp / "report.html", charts=False)
    pdf = tmp / "report.pdf"
    _chromium(tmp, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri())
    return res, page, pdf


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@browser
@pytest.mark.browser
def test_pdf_has_every_unit_and_every_results_column(printed) -> None:
    res, page, pdf = printed
    assert pdf.exists() and pdf.stat().st_size > 10_000
    reader = pypdf.PdfReader(str(pdf))
    text = _squash("".join(p.extract_text() for p in reader.pages))
    missing = [n for n in res.names.reindex(res.scores.index) if _squash(n) not in text]
    assert missing == []
    head = page.read_text().split('id="results-table"', 1)[1].split("</thead>", 1)[0]
    columns = [html.unescape(h) for h in re.findall(r"<th[^>]*>([^<]*)</th>", head)]
    assert len(columns) >= 5
    assert [c for c in columns if _squash(c) not in text] == []
    # the last row of the longest tables prints too (nothing cut at a scroll box)
    last = res.table().index[-1]
    assert _squash(f"{res.table().loc[last, 'name']}{last}") in text
    assert len(reader.pages) >= 10


_PROBE = """<script>
const bad = [];
for (const t of document.querySelectorAll('table')) {
  for (let e = t; e && e !== document.body; e = e.parentElement) {
    const s = getComputedStyle(e);
    if (s.maxHeight !== 'none' || ['auto', 'scroll', 'hidden'].includes(s.overflowY)) {
      bad.push((t.id || 'table') + ':' + e.tagName + '.' + e.className + ':' + s.maxHeight +
               ':' + s.overflowY);
    }
  }
}
document.body.setAttribute('data-boxes', JSON.stringify(bad));
document.body.setAttribute('data-tables', document.querySelectorAll('table').length);
</script>"""


@browser
@pytest.mark.browser
def test_no_table_keeps_a_scroll_box_under_print_rules(printed, tmp_path) -> None:
    """The print rules applied on screen (``@media print`` → ``@media all``) in a test copy
    of the page with a probe script: no ancestor of any table limits its height."""
    _, page, _ = printed
    text = page.read_text()
    assert "max-height:560px" in text  # on screen the long tables do scroll
    probe = re.sub(r"<meta http-equiv='Content-Security-Policy'[^>]*>", "", text)
    probe = probe.replace("@media print{", "@media all{").replace("</body>", _PROBE + "</body>")
    copy = tmp_path / "probe.html"
    copy.write_text(probe, encoding="utf-8")
    dom = _chromium(tmp_path, "--virtual-time-budget=3000", "--dump-dom", copy.as_uri()).stdout
    m = re.search(r'data-boxes="([^"]*)"', dom)
    assert m, "probe did not run"
    assert json.loads(html.unescape(m.group(1))) == []
    assert int(re.search(r'data-tables="(\d+)"', dom).group(1)) > 5
    # the control: on screen the results table sits in a scroll box of fixed height
    assert re.search(r'<div class="scroll"><table id="results-table">', text)
    assert re.search(r"\.scroll\{max-height:560px;overflow:auto", text)
