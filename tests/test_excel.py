"""Excel workbook export (aiindex.outputs.excel): sheets and lossless re-reading."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("openpyxl")

import aiindex  # noqa: E402
from aiindex.errors import AIIndexError  # noqa: E402
from aiindex.outputs.excel import results_table, to_excel  # noqa: E402
from aiindex.yamlio import load_yaml  # noqa: E402


@pytest.fixture(scope="module")
def book(asem, tmp_path_factory) -> tuple[Path, dict[str, pd.DataFrame]]:
    p = to_excel(asem, tmp_path_factory.mktemp("x") / "asem.xlsx")
    return p, pd.read_excel(p, sheet_name=None)


def test_sheets(book) -> None:
    _, sheets = book
    names = list(sheets)
    assert names[:8] == ["Results", "Raw", "Denominated", "Imputed", "Screened", "Treated",
                         "Normalized", "Aggregated"]
    for s in ("Weights", "Framework", "Log_impute", "Log_treat", "Treatment", "Tiers", "Config"):
        assert s in names


def test_every_stage_rereads_to_same_numbers(asem, book) -> None:
    p, _ = book
    for k, v in asem.stages.items():
        back = pd.read_excel(p, sheet_name=k.capitalize(), index_col=0)
        assert list(back.index) == list(v.index)
        assert list(back.columns) == list(v.columns)
        np.testing.assert_allclose(back.to_numpy(float), v.to_numpy(float), rtol=1e-14,
                                   atol=0, equal_nan=True)


def test_results_sheet(asem, book) -> None:
    _, sheets = book
    res = sheets["Results"].set_index("uCode")
    assert list(res.index) == list(asem.table().index)
    np.testing.assert_allclose(res["Index"], asem.scores.loc[res.index, "Index"], rtol=1e-14)
    assert (res["rank"].to_numpy() == asem.ranks.loc[res.index, "Index"].to_numpy()).all()
    assert (res["tier"].to_numpy() == asem.tiers.loc[res.index].to_numpy()).all()
    assert (res["Conn rank"] == asem.ranks.loc[res.index, "Conn"].to_numpy()).all()


def test_weights_framework_logs_config(asem, book) -> None:
    _, sheets = book
    w = sheets["Weights"].set_index("code")
    np.testing.assert_allclose(w["effective_weight"], asem.framework.effective_weights()[w.index])
    assert w.loc[asem.framework.metrics, "effective_weight"].sum() == pytest.approx(1.0)
    fr = sheets["Framework"]
    assert len(fr) >= len(asem.framework.nodes)
    assert set(asem.framework.metrics) <= set(fr["iCode"])
    imp = sheets["Log_impute"]
    assert len(imp) == len(asem.logs["impute"])
    np.testing.assert_allclose(imp["value"], asem.logs["impute"]["value"], rtol=1e-14)
    text = "\n".join(sheets["Config"]["config (YAML)"].astype(str))
    cfg = load_yaml(text + "\n")
    assert cfg["normalize"]["method"] == "minmax"
    assert cfg["aiindex_version"] == asem.version


def test_results_table_hand_example() -> None:
    cfg = {"name": "t", "framework": {"code": "I", "children": [{"code": "a"}, {"code": "b"}]},
           "normalize": {"method": "none"}}
    data = pd.DataFrame({"uCode": ["X", "Y", "Z"], "a": [1.0, 3.0, 2.0], "b": [1.0, 1.0, 2.0]})
    r = aiindex.run(cfg, data=data)
    t = results_table(r)
    assert list(t.index) == ["Y", "Z", "X"]  # means 2, 2 (tie → rank 1 each), 1
    assert t["I"].tolist() == [2.0, 2.0, 1.0]
    assert t["rank"].tolist() == [1, 1, 3]


def test_bad_suffix(asem, tmp_path) -> None:
    with pytest.raises(AIIndexError, match="xlsx"):
        to_excel(asem, tmp_path / "x.xls")


# ------------------------------------------------------------------ the bundled default (GAIII)
def test_default_workbook_rereads_to_same_numbers(tmp_path) -> None:
    res = aiindex.run()
    p = to_excel(res, tmp_path / "gaiii.xlsx")
    sheets = pd.read_excel(p, sheet_name=None)
    for k, v in res.stages.items():
        back = pd.read_excel(p, sheet_name=k.capitalize(), index_col=0)
        assert list(back.index) == list(v.index) and list(back.columns) == list(v.columns)
        np.testing.assert_allclose(back.to_numpy(float), v.to_numpy(float), rtol=1e-14, atol=0,
                                   equal_nan=True)
    r = sheets["Results"].set_index("uCode")
    assert len(r) == 46 and r.index[0] == "USA"
    np.testing.assert_allclose(r["GAIII"], res.scores.loc[r.index, "GAIII"], rtol=1e-14)
    assert (r["rank"].to_numpy() == res.ranks.loc[r.index, "GAIII"].to_numpy()).all()
    assert (r["tier"].to_numpy() == res.tiers.loc[r.index].to_numpy()).all()
    assert sorted(r["tier"].unique().tolist()) == [1, 2, 3, 4]
    for d in ("FOUND", "RESOURCE", "RESEARCH", "INDUSTRY", "COOPERATION"):
        np.testing.assert_allclose(r[d], res.scores.loc[r.index, d], rtol=1e-14)
    w = sheets["Weights"].set_index("code")
    np.testing.assert_allclose(w["effective_weight"], res.framework.effective_weights()[w.index])
    # the default's equal weights (every node 1) survive the round trip
    assert (w["weight"] == 1.0).all()
    cfg = load_yaml("\n".join(sheets["Config"]["config (YAML)"].astype(str)) + "\n")
    assert cfg["tiers"]["method"] == "jenks" and len(cfg["tiers"]["rules"]) == 2
