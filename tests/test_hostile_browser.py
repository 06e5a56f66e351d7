"""Hostile names in the pages, opened in headless chromium (issue 13): no script runs, and the
names are shown literally.

The payloads (``hostile_cases.XSS`` and friends) set ``document.title = 'PWNED'`` and
``<body data-pwned>`` if they ever run; the DOM chromium dumps after the page's own scripts shows
both. A control page that inserts the same payload with ``innerHTML`` proves the detector works
(the payload does run there), so these tests can fail.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

import aiindex
from aiindex.outputs.explorer import write_explorer
from aiindex.outputs.report import write_report
from hostile_cases import XSS, _hostile_frame, _hostile_fw, write_cfg, write_csv
from test_explore import browser, chromium, page_state

TITLE = "Index __DATA__ __TITLE__ </title><script>document.body.dataset.pwned=4</script>"


def _hostile_result(tmp_path: Path) -> aiindex.Result:
    write_csv(tmp_path, _hostile_frame())
    cfg = write_cfg(tmp_path, framework=_hostile_fw())
    raw = json.loads(cfg.read_text())
    raw["name"] = TITLE
    cfg.write_text(json.dumps(raw))
    return aiindex.run(str(cfg))


def _not_pwned(dom: str) -> None:
    assert "data-pwned" not in dom, "a payload ran"
    title = re.search(r"<title>(.*?)</title>", dom, re.S)
    assert title is not None and "PWNED" not in title.group(1)


def _cells(dom: str, tag: str = "td") -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", c))
            for c in re.findall(rf"<{tag}[^>]*>(.*?)</{tag}>", dom, re.S)]


@browser
@pytest.mark.browser
def test_control_page_detects_a_running_payload(tmp_path: Path) -> None:
    """The detector works: the same payload inserted with innerHTML does run."""
    page = tmp_path / "control.html"
    page.write_text("<!DOCTYPE html><html><head><title>control</title></head><body>"
                    "<div id='x'></div><script>document.getElementById('x').innerHTML = "
                    + json.dumps(XSS) + ";</script></body></html>", encoding="utf-8")
    dom = chromium(page.as_uri(), tmp_path, "--dump-dom")
    assert 'data-pwned="1"' in dom and "<title>PWNED</title>" in dom


@browser
@pytest.mark.browser
def test_explorer_runs_no_payload_and_shows_names_literally(tmp_path: Path) -> None:
    res = _hostile_result(tmp_path)
    page = write_explorer(res, tmp_path / "explorer.html")
    dom = chromium(page.as_uri() + "#weights=D1:2", tmp_path, "--dump-dom")
    _not_pwned(dom)
    assert 'data-ready="1"' in dom  # the page's own script ran to the end
    st = page_state(dom)
    assert set(st["ranks"]) == {str(u) for u in res.scores.index}  # hostile codes included
    cells = _cells(dom)
    names = dict(zip(res.names.index, res.names, strict=True))
    for code, name in names.items():
        assert f"{name} ({code})" in cells, f"unit {code!r} not shown literally"
    labels = _cells(dom, "label")
    assert any(XSS in lab for lab in labels)  # node D1's name, as text
    assert any('onfocus="document.body.dataset.pwned=3"' in lab for lab in labels)
    h1 = _cells(dom, "h1")
    assert h1 == [TITLE]


@browser
@pytest.mark.browser
def test_report_runs_no_payload_and_shows_names_literally(tmp_path: Path) -> None:
    res = _hostile_result(tmp_path)
    page = write_report(res, tmp_path / "report.html", charts=False)
    dom = chromium(page.as_uri(), tmp_path, "--dump-dom")
    _not_pwned(dom)
    cells = _cells(dom)
    for name in res.names:
        assert name in cells, f"{name!r} not shown literally"
    assert "<b>AUT</b>" in cells  # a unit code with markup, as text
    assert _cells(dom, "h1") == [TITLE]


@browser
@pytest.mark.browser
def test_report_with_charts_runs_no_payload(tmp_path: Path) -> None:
    """Chart captions, alt texts and the config dump with hostile names (charts drawn)."""
    res = _hostile_result(tmp_path)
    page = write_report(res, tmp_path / "report.html", charts=True)
    dom = chromium(page.as_uri(), tmp_path, "--dump-dom")
    _not_pwned(dom)
    config_text = html.unescape(dom.split('id="config-yaml"', 1)[1].split("</pre>", 1)[0])
    assert "<img src=x" in config_text and "onerror=" in config_text  # as text
