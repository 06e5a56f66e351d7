"""The report's and the workbook's analyses run on the data the result was run on.

A result of ``aiindex.run(config, data=other)`` (or ``aiindex report config --data other``) gets
the configured uncertainty analysis and the anchor scorecard of ``other``, not of the config's
own data file; a result whose data are not known gets a note instead of an analysis of other data.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import aiindex
from aiindex.analysis.uncertainty import uncertainty
from aiindex.cli import main
from aiindex.outputs.excel import to_excel
from aiindex.outputs.report import report_html
from hostile_cases import cfg_dict, frame

UNC = {"n": 64, "seed": 1, "factors": [{"name": "w", "type": "weight_noise", "level": 2,
                                        "relative": 0.3}]}


def _base() -> pd.DataFrame:
    """The small dataset, of year 2022."""
    return frame(Time=[2022] * 8)


def _other() -> pd.DataFrame:
    """The small dataset with most metric values in reverse order (another ranking)."""
    df = _base()
    for m in ("m1", "m3", "m4"):
        df[m] = df[m][::-1].to_numpy()
    return df


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    """A config whose data file is the small dataset, and other data."""
    _base().to_csv(tmp_path / "data.csv", index=False)
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(json.dumps(cfg_dict(data={"file": "data.csv"},
                                       uncertainty=UNC)), encoding="utf-8")
    return cfg, _other()


def _sheet(path: Path, name: str) -> list[tuple]:
    return list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))


def test_report_uncertainty_is_that_of_the_result_data(setup) -> None:
    cfg, other = setup
    res = aiindex.run(cfg, data=other)
    explicit = uncertainty(cfg, data=other)
    mine = uncertainty(cfg)  # the config's own data give other rank intervals
    assert not explicit.rank_stats.equals(mine.rank_stats)
    html = report_html(res, charts=False)
    assert html == report_html(res, uncertainty=explicit, charts=False)
    assert html != report_html(res, uncertainty=mine, charts=False)


def test_workbook_uncertainty_is_that_of_the_result_data(setup, tmp_path) -> None:
    cfg, other = setup
    res = aiindex.run(cfg, data=other)
    auto = to_excel(res, tmp_path / "auto.xlsx")
    given = to_excel(res, tmp_path / "given.xlsx", uncertainty=uncertainty(cfg, data=other))
    names = openpyxl.load_workbook(auto).sheetnames
    assert "Uncertainty" in names
    for sh in names[1:]:
        assert _sheet(auto, sh) == _sheet(given, sh), sh


def test_cli_report_with_data_file(setup, tmp_path, capsys) -> None:
    cfg, other = setup
    other.to_csv(tmp_path / "other.csv", index=False)
    out = tmp_path / "r.html"
    assert main(["report", str(cfg), "--data", str(tmp_path / "other.csv"), "--no-charts",
                 "--out", str(out)]) == 0
    res = aiindex.run(cfg, data=other)
    expected = report_html(res, uncertainty=uncertainty(cfg, data=other), charts=False)
    assert out.read_text(encoding="utf-8") == expected


def test_unknown_data_give_a_note_not_an_analysis_of_other_data(setup, tmp_path) -> None:
    cfg, other = setup
    res = aiindex.run(cfg)
    other.to_csv(cfg.parent / "data.csv", index=False)  # the config's data changed since
    html = report_html(res, charts=False)
    assert "id='uncertainty'" not in html
    assert "not run on its config&#x27;s data" in html or "not run on its config's data" in html
    wb = openpyxl.load_workbook(to_excel(res, tmp_path / "w.xlsx"))
    assert "Uncertainty" not in wb.sheetnames
    readme = {r[0]: r[1] for r in wb["README"].iter_rows(values_only=True) if r[0]}
    assert "not run on its config's data" in readme["Analyses not run"]


def test_same_data_in_another_order_is_the_same_data(setup, tmp_path) -> None:
    cfg, _ = setup
    shuffled = _base().iloc[::-1]
    res = aiindex.run(cfg, data=shuffled.reset_index(drop=True))
    del res.info["data"]  # as if the data were not known: the config's file is the same data
    html = report_html(res, charts=False)
    assert html == report_html(res, uncertainty=uncertainty(cfg), charts=False)


def _facts(path: Path) -> Path:
    """A published-facts file: AUT (last in the config's data, first in the other) is first."""
    pub = {"sources": {"S": "made up for the test"},
           "facts": [{"id": "aut-1st", "edition": 2022, "kind": "rank", "unit": "AUT",
                      "rank": 1, "source": "S"}]}
    p = path / "facts.yaml"
    p.write_text(json.dumps(pub), encoding="utf-8")
    return p


def test_anchor_scorecard_scores_the_result(tmp_path) -> None:
    _base().to_csv(tmp_path / "data.csv", index=False)
    _facts(tmp_path)
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(json.dumps(cfg_dict(data={"file": "data.csv"},
                                       output={"anchors": "facts.yaml"})), encoding="utf-8")
    base = aiindex.run(cfg)
    other = aiindex.run(cfg, data=_other())
    html = report_html(other, charts=False)
    sec = html[html.index("id='anchors'"):html.index("id='profiles'")]
    assert int(base.ranks["Idx"]["AUT"]) == 8 and int(other.ranks["Idx"]["AUT"]) == 1
    assert ("<td>AUT ranked 1</td><td>1</td><td>1</td><td>0.00</td><td>exact</td><td>pass</td>"
            in sec)
