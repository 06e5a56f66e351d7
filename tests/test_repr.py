"""Notebook and console views of the results: first and last rows, nothing silently cut,
everything escaped, the framework as an indented tree with weights."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest

import aiindex
from aiindex import _repr


@pytest.fixture(scope="module")
def asem() -> aiindex.Result:
    return aiindex.run("asem")


def _rows(text: str) -> list[str]:
    return re.findall(r"<tr>(.*?)</tr>", text, flags=re.S)


def test_result_html_shows_first_and_last_and_every_unit_below(asem):
    h = asem._repr_html_()
    table = asem.table()
    first, last = table.index[0], table.index[-1]
    assert len(table) == 51
    shown = h.split("<details>")[0]
    assert f"<th>{first}</th>" in shown and f"<th>{last}</th>" in shown
    hidden = len(table) - _repr.HEAD - _repr.TAIL
    assert f"… {hidden} more units" in shown
    assert table.index[_repr.HEAD] not in shown  # the 11th unit is in the collapsed part only
    every = h.split("<details>")[1]
    for u in table.index:  # the 51st country (and every other) is reachable
        assert f"<th>{u}</th>" in every
    assert len(_rows(every)) == 51 + 1  # header + every unit
    assert "<td>1</td>" in shown and "<td>1.0</td>" not in h  # ranks as integers


def test_result_text_repr_first_and_last_rows(asem):
    text = repr(asem)
    lines = text.splitlines()
    assert lines[0].startswith("Result(ASEM") and "51 units" in lines[0]
    assert any(ln.startswith("… 36 more units") for ln in lines)
    assert lines[-1].split()[0] == asem.table().index[-1]


def test_short_tables_are_shown_whole():
    df = pd.DataFrame({"score": [1.234, 2.0], "rank": [2.0, 1.0]}, index=["a", "b"])
    h = _repr.html_table(df)
    assert "<details>" not in h and "more rows" not in h
    assert "<td>1.23</td>" in h and "<td>2</td>" in h  # rank column of whole numbers
    assert "more" not in _repr.text_table(df)


def test_html_escapes_every_text():
    df = pd.DataFrame({"name": ["<img src=x onerror=alert(1)>"] * 20, "v": np.arange(20.0)},
                      index=pd.Index([f"<b>{i}</b>" for i in range(20)], name="<i>u</i>"))
    h = _repr.html_table(df, what="<rows>") + _repr.html_card("<script>x</script>", ["<a>"])
    assert "<img" not in h and "<b>" not in h and "<i>" not in h and "<script>" not in h
    assert html.escape("<img src=x onerror=alert(1)>") in h and "&lt;rows&gt;" in h


def test_hostile_config_name_escaped(asem):
    cfg = asem.config.model_copy(update={"name": "<script>alert(1)</script>"})
    res = aiindex.Result(config=cfg, framework=asem.framework, stages=asem.stages,
                         scores=asem.scores, ranks=asem.ranks, names=asem.names)
    assert "<script>" not in res._repr_html_()


def test_framework_tree_text_and_html(asem):
    fw = asem.framework
    text = repr(fw)
    lines = text.splitlines()
    assert lines[0].startswith("Framework(root='Index', 49 metrics")
    # indented by depth, local and effective weights
    assert "Index (Sustainable Connectivity): local 1.000, effective 1.000" in text
    conn = next(ln for ln in lines if ln.strip().startswith("Conn "))
    assert conn.startswith("  Conn") and "local 0.500, effective 0.500" in conn
    lpi = next(ln for ln in lines if ln.strip().startswith("LPI "))
    assert lpi.startswith("      LPI") and "local 0.125, effective 0.013" in lpi
    h = fw._repr_html_()
    assert len(_rows(h)) == len(fw.nodes) + 1
    assert "padding-left:3.9em" in h  # metrics three levels below the root
    assert "Logistics Performance Index" in h and "<td>0.013</td>" in h


def test_large_framework_text_lists_aggregates_and_counts_metrics():
    nodes = [aiindex.Node(code="I")] + [aiindex.Node(code=f"D{i}", parent="I") for i in range(3)]
    nodes += [aiindex.Node(code=f"m{i}_{j}", parent=f"D{i}") for i in range(3) for j in range(30)]
    fw = aiindex.Framework(nodes)
    text = repr(fw)
    assert "m0_0" not in text and "(+ 30 metrics)" in text and "90 metrics not listed" in text
    assert len(_rows(fw._repr_html_())) == len(nodes) + 1  # the HTML lists every node


def test_panel_uncertainty_bounds_reprs():
    panel = aiindex.run_panel("asem_panel")
    t = repr(panel)
    assert t.startswith("PanelResult(ASEM") and "2018" in t and "more units" in t
    assert "<details>" in panel._repr_html_()
    unc = aiindex.run_uncertainty("asem_uncertainty", n=20, seed=1)
    t = repr(unc)
    assert t.startswith("UncertaintyResult(") and "20 replications" in t
    assert "mean_score" not in t.splitlines()[1] and "note: mean_score is NaN" in t
    h = unc._repr_html_()
    assert "more units" in h and "mean_score is NaN" in h
    rb = aiindex.rank_bounds("asem", relative=0.1)
    assert repr(rb).startswith("RankBounds(51 units") and "<details>" in rb._repr_html_()


def test_calibration_and_identifiability_reprs():
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.uniform(10, 90, (8, 3)), columns=["a", "b", "c"],
                     index=[f"U{i}" for i in range(8)])
    y = (0.5 * X["a"] + 0.3 * X["b"] + 0.2 * X["c"]).round(2)
    cal = aiindex.calibrate_weights(y, X, scale="none")
    t = repr(cal)
    assert t.startswith("CalibrationResult(") and "weights:" in t and "  a: 0.5" in t
    h = cal._repr_html_()
    assert "<table" in h and "<td>0.5000</td>" in h
    rep = aiindex.identifiability(cal, n_perm=5, n_fit_perm=2)
    assert "weights over the feasible set" in repr(rep)
    assert rep._repr_html_() == rep.html_section()


def test_anchor_result_reprs():
    from aiindex.analysis.anchors import anchors

    a = anchors("gaiii_2023")
    assert repr(a).splitlines()[1].startswith("Scorecard of Global AI Innovation Index")
    assert a._repr_html_() == a.to_html()
