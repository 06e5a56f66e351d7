"""``output.show_imputed`` with an aggregation the imputed share does not apply to (geometric):
the report and ``aiindex run`` leave the column out with a note instead of failing."""

from __future__ import annotations

import json

import numpy as np

import aiindex
from aiindex.cli import main
from aiindex.outputs import profiles
from aiindex.outputs.report import report_html
from hostile_cases import cfg_dict, frame


def _data():
    """The small dataset with one missing cell (imputed by the mean)."""
    return frame(m1=[1.0, np.nan, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])


def _cfg(method: str) -> dict:
    return cfg_dict(impute={"method": "mean"}, aggregate={"method": method},
                    normalize={"method": "minmax", "low": 1, "high": 100},
                    output={"show_imputed": True})


def test_report_geometric_leaves_the_column_out_with_a_note() -> None:
    res = aiindex.run(_cfg("geometric"), data=_data())
    html = report_html(res, charts=False)
    results = html[html.index("id='results'"):html.index("<h2", html.index("id='results'") + 5)]
    assert "imputed_%" not in results
    assert "output.show_imputed" in results and "arithmetic" in results


def test_report_arithmetic_shows_the_column_computed_once(monkeypatch) -> None:
    res = aiindex.run(_cfg("arithmetic"), data=_data())
    calls = []
    real = profiles.imputed_shares

    def counted(r):
        calls.append(1)
        return real(r)

    monkeypatch.setattr(profiles, "imputed_shares", counted)
    html = report_html(res, charts=False)
    assert "Score share imputed (%)" in html and len(calls) == 1


def test_cli_run_geometric_prints_a_note(tmp_path, capsys) -> None:
    _data().to_csv(tmp_path / "data.csv", index=False)
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(json.dumps({**_cfg("geometric"), "data": {"file": "data.csv"}}),
                   encoding="utf-8")
    assert main(["run", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "imputed_%" not in out and "output.show_imputed" in out and "Germany" in out
