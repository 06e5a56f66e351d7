"""The weight explorer in a real browser (issue 18, item 2).

Headless chromium is driven through the Chrome DevTools protocol over a pipe
(``--remote-debugging-pipe``: no extra package): the page is laid out at 360 and 1366 px,
sliders are moved with real mouse drags and key presses, headers clicked, text typed. Every
number the page shows after a move is compared with ``aiindex.analysis.scenarios.whatif`` on the
weights the page reports (scores to 1e-9, ranks and tiers exactly).

Set ``AIINDEX_SCREENSHOTS=folder`` to keep full-page screenshots of the layouts tested.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import aiindex
from aiindex.analysis.scenarios import whatif
from aiindex.data.bundled import bundled_config
from aiindex.outputs.explorer import write_explorer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.browser, pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="headless chromium not installed (apt-get install -y chromium); CI installs it")]

#: the default's tiers as fixed bands plus rules, so that the page recomputes them
BAND_TIERS = {"method": "thresholds", "breaks": [50, 35, 20],
              "rules": [{"type": "min_gap", "gap": 1.0},
                        {"type": "dimension_ranks", "top": 3, "min_count": 2, "tier": 2},
                        {"type": "contiguous"}]}


class Browser:
    """Headless chromium and one page, driven with the DevTools protocol over a pipe."""

    def __init__(self) -> None:
        self.profile = tempfile.mkdtemp(prefix="aiindex-cdp-")
        to_chrome_r, self._w = os.pipe()
        self._r, from_chrome_w = os.pipe()

        def pipes() -> None:  # chromium reads commands on fd 3 and answers on fd 4
            import fcntl

            a = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             f"--user-data-dir={self.profile}", "--no-first-run", "--disable-extensions",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--hide-scrollbars", "about:blank"],
            preexec_fn=pipes, close_fds=False, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buf, self._id, self.events = b"", 0, []
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target,
                                 flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Network"):
            self.call(f"{domain}.enable")

    # -- protocol
    def _message(self, timeout: float = 30) -> dict:
        end = time.time() + timeout
        while b"\0" not in self._buf:
            ready, _, _ = select.select([self._r], [], [], max(0.0, end - time.time()))
            if not ready:
                raise TimeoutError("chromium did not answer")
            chunk = os.read(self._r, 1 << 20)
            if not chunk:
                raise EOFError("chromium closed the pipe")
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method: str, session: str | None = None, **params: Any) -> dict:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        while True:
            r = self._message()
            if r.get("id") == self._id:
                if "error" in r:
                    raise RuntimeError(f"{method}: {r['error']}")
                return r.get("result", {})
            self.events.append(r)

    def call(self, method: str, **params: Any) -> dict:
        return self.send(method, self.session, **params)

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (OSError, EOFError, TimeoutError, RuntimeError):
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self._w)
        os.close(self._r)
        shutil.rmtree(self.profile, ignore_errors=True)

    # -- page
    def js(self, expr: str) -> Any:
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True,
                      awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expr}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def open(self, url: str, width: int, height: int = 900) -> None:
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=width < 600)
        self.call("Page.navigate", url="about:blank")  # a fresh load, even if only the hash
        self.wait("location.href === 'about:blank'")  # of the URL differs from the last one
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.wait("document.body && document.body.dataset.ready === '1'")

    def wait(self, cond: str, timeout: float = 15) -> None:
        end = time.time() + timeout
        while not self.js(f"Boolean({cond})"):
            if time.time() > end:
                raise TimeoutError(cond)
            time.sleep(0.05)

    def state(self) -> dict:
        return json.loads(self.js("document.getElementById('state').textContent"))

    def rect(self, selector: str) -> dict:
        return self.js(f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
                       "e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
                       "return {x: r.x, y: r.y, w: r.width, h: r.height}; })()")

    def mouse(self, kind: str, x: float, y: float, buttons: int = 1) -> None:
        self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left",
                  buttons=buttons, clickCount=1)

    def click(self, selector: str) -> None:
        r = self.rect(selector)
        x, y = r["x"] + r["w"] / 2, r["y"] + r["h"] / 2
        self.mouse("mouseMoved", x, y, 0)
        self.mouse("mousePressed", x, y)
        self.mouse("mouseReleased", x, y, 0)

    def drag_slider(self, selector: str, fraction: float) -> None:
        """Press on the slider's thumb and drag it to ``fraction`` of the track."""
        r = self.rect(selector)
        v = self.js(f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
                    "return (e.value - e.min) / (e.max - e.min); })()")
        thumb = 16
        x0 = r["x"] + thumb / 2 + v * (r["w"] - thumb)
        x1 = r["x"] + thumb / 2 + fraction * (r["w"] - thumb)
        y = r["y"] + r["h"] / 2
        self.mouse("mouseMoved", x0, y, 0)
        self.mouse("mousePressed", x0, y)
        for k in range(1, 6):
            self.mouse("mouseMoved", x0 + (x1 - x0) * k / 5, y)
        self.mouse("mouseReleased", x1, y, 0)

    def key(self, key: str, code: str | None = None, vk: int = 0, text: str = "") -> None:
        kw: dict[str, Any] = {"key": key, "code": code or key, "windowsVirtualKeyCode": vk}
        if text:
            kw["text"] = text
        self.call("Input.dispatchKeyEvent", type="keyDown" if text else "rawKeyDown", **kw)
        self.call("Input.dispatchKeyEvent", type="keyUp", **kw)

    def type_text(self, text: str) -> None:
        self.call("Input.insertText", text=text)

    def screenshot(self, path: Path) -> None:
        m = self.call("Page.getLayoutMetrics")["cssContentSize"]
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": m["width"], "height": m["height"],
                               "scale": 1})
        path.write_bytes(base64.b64decode(shot["data"]))


def _pct(x: float) -> str:
    """``(100 * x).toFixed(1)`` as JavaScript rounds it (half away from zero on the binary
    value)."""
    from decimal import ROUND_HALF_UP, Decimal

    return str(Decimal(100 * x).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@pytest.fixture(scope="module")
def b() -> Browser:
    br = Browser()
    yield br
    br.close()


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, tuple[aiindex.Result, str]]:
    """Explorer pages: the bundled default, the default tiered by bands + rules, ASEM."""
    tmp = tmp_path_factory.mktemp("explorer")
    out = {}
    for key, res in (("default", aiindex.run()),
                     ("bands", aiindex.run(overrides={"tiers": BAND_TIERS})),
                     ("asem", aiindex.run(bundled_config("asem")))):
        out[key] = (res, write_explorer(res, tmp / f"{key}.html").as_uri())
    return out


def _shots() -> Path | None:
    d = os.environ.get("AIINDEX_SCREENSHOTS")
    if d:
        Path(d).mkdir(parents=True, exist_ok=True)
        return Path(d)
    return None


def python_view(res: aiindex.Result, weights: dict[str, float], tmp: Path) -> pd.DataFrame:
    """``aiindex whatif`` on the weights the page reports (its scenario YAML, as downloaded)."""
    from aiindex.yamlio import dump_yaml

    scen = tmp / "scenario.yaml"
    dump_yaml({"weights": {"explicit": {k: v for k, v in weights.items()
                                        if k != res.framework.root}}}, scen)
    t = whatif(res.config, [scen])
    return t[t["scenario"] != "base"].set_index("uCode")


def check_against_whatif(b: Browser, res: aiindex.Result, tmp: Path) -> pd.DataFrame:
    """The page's scores, ranks, tiers, table and chart equal whatif's on the page's weights."""
    st = b.state()
    py = python_view(res, st["weights"], tmp)
    units = list(py.index)
    np.testing.assert_allclose(pd.Series(st["scores"], dtype=float)[units], py["score"],
                               rtol=0, atol=1e-9)
    assert pd.Series(st["ranks"])[units].astype(int).tolist() == py["rank"].astype(int).tolist()
    if "tier" in py:
        assert pd.Series(st["tiers"])[units].astype(int).tolist() == \
            py["tier"].astype(int).tolist()
    # the table as shown (sorted by rank) and the chart follow the same numbers
    rows = b.js("[...document.querySelectorAll('#ranking tbody tr')].map(r => "
                "[r.dataset.unit, r.cells[0].textContent, r.cells[3].textContent])")
    for code, rk, score in rows:
        assert int(rk) == int(py.loc[code, "rank"]) and score == f"{py.loc[code, 'score']:.2f}"
    bars = b.js("[...document.querySelectorAll('#chart g.bar')].map(g => "
                "[g.dataset.unit, Number(g.dataset.score), Number(g.dataset.rank)])")
    assert [c for c, _, _ in bars] == sorted(py.index, key=lambda c: (py.loc[c, "rank"], c))
    assert [int(r) for _, _, r in bars] == sorted(py["rank"].astype(int))
    np.testing.assert_allclose([s for _, s, _ in bars], py.loc[[c for c, _, _ in bars], "score"],
                               rtol=0, atol=1e-9)
    assert len(bars) == len(py)
    return py


# ------------------------------------------------------------------ layout
@pytest.mark.parametrize("key", ["default", "asem"])
@pytest.mark.parametrize("width", [360, 1366])
def test_no_horizontal_overflow(b, pages, key, width) -> None:
    res, url = pages[key]
    b.open(url, width)
    b.js("document.querySelectorAll('details').forEach(d => d.open = true)")  # every slider
    b.wait("true")
    geo = b.js("""(() => {
      const r = s => { const q = document.querySelector(s).getBoundingClientRect();
                       return {x: q.x, y: q.y, width: q.width, height: q.height}; };
      const box = document.getElementById('table-box');
      return {doc: document.documentElement.scrollWidth, body: document.body.scrollWidth,
              inner: window.innerWidth, controls: r('#controls'), results: r('#results'),
              box: r('#table-box'), boxScroll: box.scrollWidth, boxClient: box.clientWidth,
              chart: r('#chart svg'), overflowX: getComputedStyle(box).overflowX};
    })()""")
    assert geo["doc"] <= geo["inner"] and geo["body"] <= geo["inner"], geo
    assert geo["box"]["x"] + geo["box"]["width"] <= geo["inner"] + 0.5
    assert geo["chart"]["x"] + geo["chart"]["width"] <= geo["inner"] + 0.5
    assert geo["overflowX"] == "auto"
    if width == 360:  # stacked, and the wide table scrolls inside its own box
        assert geo["controls"]["y"] + geo["controls"]["height"] <= geo["results"]["y"]
        assert geo["boxScroll"] > geo["boxClient"]
    else:  # side by side
        assert geo["controls"]["x"] + geo["controls"]["width"] <= geo["results"]["x"]
    shots = _shots()
    if shots:
        b.js("document.querySelectorAll('details').forEach(d => d.open = false)")
        b.screenshot(shots / f"explorer_{key}_{width}.png")


def test_structure_labels_and_no_network(b, pages) -> None:
    res, url = pages["asem"]
    b.open(url, 1366)
    info = b.js("""(() => {
      const sliders = [...document.querySelectorAll('input[type=range]')];
      return {lang: document.documentElement.lang,
              h1: document.querySelectorAll('h1').length,
              h2: [...document.querySelectorAll('h2')].map(h => h.textContent),
              sliders: sliders.map(s => [s.id, s.dataset.code, s.labels.length,
                  document.querySelector('label[for="' + s.id + '"]').htmlFor,
                  s.labels[0].textContent, s.labels[0].title,
                  document.getElementById(s.getAttribute('aria-describedby')).textContent,
                  s.getAttribute('aria-valuetext')]),
              search: document.getElementById('search').labels.length,
              live: document.getElementById('live').getAttribute('aria-live'),
              resources: performance.getEntriesByType('resource').length};
    })()""")
    fw = res.framework
    assert info["lang"] == "en" and info["h1"] == 1
    assert {"Weights", "Ranking", "Scores"} <= set(info["h2"])
    assert len(info["sliders"]) == len(fw.nodes) - 1
    assert len({s[0] for s in info["sliders"]}) == len(info["sliders"])  # unique ids
    for sid, code, n_labels, label_for, text, title, share, valuetext in info["sliders"]:
        assert n_labels == 1 and label_for == sid
        assert text == (fw.nodes[code].name or code) and title == code
        assert "% of the index" in share and "%" in valuetext
    # shares: ASEM's equal weights, e.g. a pillar of 4 in a sub-index of 2: 25% and 12.5%
    by_code = {s[1]: s[6] for s in info["sliders"]}
    eff = fw.effective_weights()
    for code, share in by_code.items():
        assert f"{_pct(eff[code])}% of the index" in share or (
            eff[code] < 0.001 and "<0.1%" in share), (code, share)
    assert info["search"] == 1 and info["live"] == "polite"
    assert info["resources"] == 0
    urls = [e["params"]["request"]["url"] for e in b.events
            if e.get("method") == "Network.requestWillBeSent"]
    assert urls == [url], urls  # the page itself, nothing else


# ------------------------------------------------------------------ sliders move everything
def test_mouse_drag_updates_ranks_tiers_and_chart(b, pages, tmp_path) -> None:
    res, url = pages["bands"]
    b.open(url, 1366)
    before = b.state()
    chart0 = b.js("[...document.querySelectorAll('#chart g.bar')].map(g => g.dataset.score)")
    code = "COOPERATION"
    sel = f"input[data-code='{code}']"
    b.drag_slider(sel, 0.9)
    b.wait(f"JSON.parse(document.getElementById('state').textContent).weights.{code} > 3")
    st = b.state()
    assert st["weights"][code] > 3 and st["ranks"] != before["ranks"]
    check_against_whatif(b, res, tmp_path)
    assert st["tiers"] != before["tiers"]  # the drag moved tiers too (bands + rules)
    chart1 = b.js("[...document.querySelectorAll('#chart g.bar')].map(g => g.dataset.score)")
    assert chart1 != chart0
    share = b.js(f"document.querySelector(\"{sel}\").closest('.slider')"
                 ".querySelector('.share').textContent")
    w = st["weights"]
    dims = res.framework.dimensions
    expected = w[code] / sum(w[d] for d in dims)
    assert share == f"{_pct(expected)}% of the index"


def test_asem_mouse_drag_matches_whatif(b, pages, tmp_path) -> None:
    res, url = pages["asem"]
    b.open(url + "#weights=Conn:3,Environ:0", 1366)
    b.js("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert b.state()["weights"]["Conn"] == 3  # the hash moved these sliders on load
    b.drag_slider("input[data-code='Flights']", 0.8)
    b.wait("JSON.parse(document.getElementById('state').textContent).weights.Flights > 2")
    st = b.state()
    assert st["weights"]["Conn"] == 3 and st["weights"]["Environ"] == 0
    py = check_against_whatif(b, res, tmp_path)
    assert (py["rank"] != py["base_rank"]).any()


def test_keyboard_reaches_controls_and_moves_sliders(b, pages, tmp_path) -> None:
    res, url = pages["bands"]
    b.open(url, 1366)
    b.js("document.activeElement && document.activeElement.blur()")
    seen = []
    for _ in range(40):
        b.key("Tab", vk=9)
        seen.append(b.js("(() => { const e = document.activeElement;"
                         "return e.dataset.code || e.id || e.textContent.slice(0, 30); })()"))
    dims = res.framework.dimensions
    assert {"download", "reset", *dims, "search"} <= set(seen), seen
    assert "Rank" in "".join(seen)  # a sort button of the table header
    # arrow keys on the first dimension's slider
    first = dims[0]
    b.js(f"document.querySelector(\"input[data-code='{first}']\").focus()")
    outline = b.js("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # visible focus
    for _ in range(5):
        b.key("ArrowRight", vk=39)
    st = b.state()
    assert st["weights"][first] == pytest.approx(1.25)  # nominal 1, step 0.05 (max 4)
    check_against_whatif(b, res, tmp_path)
    b.key("PageDown", vk=34)
    assert b.state()["weights"][first] == pytest.approx(0.75)
    b.key("End", vk=35)
    assert b.state()["weights"][first] == 4
    b.key("Home", vk=36)
    assert b.state()["weights"][first] == 0
    check_against_whatif(b, res, tmp_path)


# ------------------------------------------------------------------ sort, search, highlight
def _rows(b: Browser) -> list[list[str]]:
    return b.js("[...document.querySelectorAll('#ranking tbody tr')].filter(r => !r.hidden)"
                ".map(r => [r.dataset.unit, r.querySelector('td.unit button').textContent])")


def test_sort_by_any_column(b, pages) -> None:
    res, url = pages["default"]
    b.open(url + "#weights=RESEARCH:3", 1366)
    th = "#ranking th[data-key='{}'] button"
    b.click(th.format("name"))
    names = [n for _, n in _rows(b)]
    assert names == sorted(names, key=str.casefold)
    assert b.js("document.querySelector(\"#ranking th[data-key='name']\")"
                ".getAttribute('aria-sort')") == "ascending"
    b.click(th.format("name"))
    assert [n for _, n in _rows(b)] == sorted(names, key=str.casefold, reverse=True)
    st = b.state()
    b.click(th.format("score"))  # scores: highest first
    assert [c for c, _ in _rows(b)] == sorted(st["scores"], key=lambda c: -st["scores"][c])
    b.click(th.format("change"))  # biggest rise first
    nominal = res.ranks[res.framework.root]
    change = {c: int(nominal[c]) - st["ranks"][c] for c in st["ranks"]}
    got = [change[c] for c, _ in _rows(b)]
    assert got == sorted(got, reverse=True) and got[0] > 0
    b.click(th.format("dim:FOUND"))
    found = res.stages["aggregated"]["FOUND"]
    assert [c for c, _ in _rows(b)][0] == found.idxmax()
    assert b.js("document.querySelectorAll('#ranking th[aria-sort]').length") == 1
    # by keyboard: Enter on a header's button sorts by it
    b.js("document.querySelector(\"#ranking th[data-key='rank'] button\").focus()")
    b.key("Enter", vk=13, text="\r")
    assert b.js("document.querySelector(\"#ranking th[data-key='rank']\")"
                ".getAttribute('aria-sort')") == "ascending"
    assert [c for c, _ in _rows(b)] == sorted(st["ranks"], key=lambda c: (st["ranks"][c], c))


def test_search_filters_table_and_chart(b, pages) -> None:
    res, url = pages["asem"]
    b.open(url, 360)
    b.click("#search")
    b.type_text("an")
    b.wait("JSON.parse(document.getElementById('state').textContent).query === 'an'")
    names = res.names
    expected = {c for c in names.index if "an" in names[c].casefold() or "an" in c.casefold()}
    assert {c for c, _ in _rows(b)} == expected and 0 < len(expected) < len(names)
    assert set(b.state()["chart"]) == expected
    assert b.js("document.getElementById('shown').textContent") == \
        f"showing {len(expected)} of {len(names)} units"
    b.js("const s = document.getElementById('search'); s.select()")
    b.type_text("KOR")  # by code
    b.wait("JSON.parse(document.getElementById('state').textContent).query === 'kor'")
    assert [c for c, _ in _rows(b)] == ["KOR"]


def test_highlight_stays_while_weights_change(b, pages, tmp_path) -> None:
    res, url = pages["bands"]
    b.open(url, 1366)
    b.click("#ranking tbody tr[data-unit='JPN'] td:nth-child(4)")  # a click on the row
    b.wait("JSON.parse(document.getElementById('state').textContent).highlight === 'JPN'")
    first = res.framework.dimensions[0]
    b.js(f"document.querySelector(\"input[data-code='{first}']\").focus()")
    for _ in range(8):
        b.key("ArrowLeft", vk=37)
    st = b.state()
    assert st["weights"][first] == pytest.approx(0.6) and st["highlight"] == "JPN"
    hl = b.js("[...document.querySelectorAll('#ranking tbody tr.hl')].map(r => r.dataset.unit)")
    assert hl == ["JPN"]
    assert b.js("document.querySelector('#ranking tr.hl button').getAttribute('aria-pressed')") \
        == "true"
    assert b.js("[...document.querySelectorAll('#chart g.bar.hl')].map(g => g.dataset.unit)") \
        == ["JPN"]
    info = b.js("document.getElementById('hl-info').textContent")
    assert info.startswith("Highlighted: Japan (JPN), rank " + str(st["ranks"]["JPN"]))
    # keyboard: the unit's button toggles it off (Enter)
    b.js("document.querySelector(\"#ranking tr[data-unit='JPN'] button\").focus()")
    b.key("Enter", vk=13, text="\r")
    b.wait("JSON.parse(document.getElementById('state').textContent).highlight === null")
    assert b.js("document.querySelectorAll('#ranking tr.hl').length") == 0


def test_rank_and_tier_changes_are_marked(b, pages, tmp_path) -> None:
    res, url = pages["bands"]
    w = {"FOUND": 0.2, "RESOURCE": 0.2, "RESEARCH": 0.2, "INDUSTRY": 0.2, "COOPERATION": 1,
         "COPAPERS": 0.01, "COMODELS": 1, "COLLAB": 0.01}
    b.open(url + "#weights=" + ",".join(f"{k}:{v}" for k, v in w.items()), 1366)
    py = check_against_whatif(b, res, tmp_path)
    cells = b.js("[...document.querySelectorAll('#ranking tbody tr')].map(r => "
                 "[r.dataset.unit, r.cells[1].textContent, r.cells[4].textContent])")
    moved_tier = 0
    for code, ch, tier in cells:
        d = int(py.loc[code, "rank_change"])
        if d > 0:
            assert ch == f"▲ {d}up {d}, was {int(py.loc[code, 'base_rank'])}"
        elif d < 0:
            assert ch == f"▼ {-d}down {-d}, was {int(py.loc[code, 'base_rank'])}"
        else:
            assert ch == "–no change"
        t, t0 = int(py.loc[code, "tier"]), int(py.loc[code, "base_tier"])
        if t != t0:
            moved_tier += 1
            assert tier == f"{t}{'▲' if t < t0 else '▼'} was {t0}"  # text, not colour only
        else:
            assert tier == str(t)
    assert moved_tier > 0
    time.sleep(0.5)  # the live summary is announced once the moves settle
    live = b.js("document.getElementById('live').textContent")
    n = int((py["rank_change"] != 0).sum())
    assert live.startswith(f"{n} of {len(py)} units changed rank, {moved_tier} changed tier")
    top = py.assign(a=py["rank_change"].abs()).sort_values(["a", "rank"],
                                                          ascending=[False, True]).index[0]
    assert res.names[top] in live
