"""Excel workbook export (aiindex.outputs.excel): sheets, lossless re-reading, and a workbook an
analyst can use and print (issue 18): README first, names on every unit sheet, number formats,
bold frozen filtered headers, widths from content, tier bands, the configured uncertainty,
sensitivity and tier-probability sheets, print set-up."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("openpyxl")

import openpyxl  # noqa: E402
from openpyxl.utils import column_index_from_string, get_column_letter  # noqa: E402

import aiindex  # noqa: E402
from aiindex.data.bundled import bundled_config  # noqa: E402
from aiindex.errors import AIIndexError  # noqa: E402
from aiindex.outputs.excel import PRINT_MIN_SCALE, results_table, to_excel  # noqa: E402
from aiindex.tiers import tiers_1d  # noqa: E402
from aiindex.yamlio import load_yaml  # noqa: E402

STAGES = ["Raw", "Denominated", "Imputed", "Screened", "Treated", "Normalized", "Aggregated"]


@pytest.fixture(scope="module")
def book(asem, tmp_path_factory) -> tuple[Path, dict[str, pd.DataFrame]]:
    p = to_excel(asem, tmp_path_factory.mktemp("x") / "asem.xlsx")
    return p, pd.read_excel(p, sheet_name=None)


@pytest.fixture(scope="module")
def default() -> aiindex.Result:
    return aiindex.run()


@pytest.fixture(scope="module")
def default_book(default, tmp_path_factory) -> Path:
    """The bundled default's workbook, with its configured uncertainty and sensitivity."""
    with pytest.warns(UserWarning, match="Sobol"):  # its small Sobol' sample says so
        return to_excel(default, tmp_path_factory.mktemp("d") / "gaiii.xlsx")


def test_sheets(book) -> None:
    _, sheets = book
    names = list(sheets)
    assert names[:9] == ["README", "Results", *STAGES]
    for s in ("Weights", "Framework", "Log_impute", "Log_treat", "Treatment", "Tiers", "Config"):
        assert s in names
    assert names[-1] == "Config"
    # ASEM's config has no uncertainty section: no analysis sheets
    assert not {"Uncertainty", "Sensitivity", "Tier_probabilities"} & set(names)


def test_every_stage_rereads_to_same_numbers(asem, book) -> None:
    p, _ = book
    for k, v in asem.stages.items():
        back = pd.read_excel(p, sheet_name=k.capitalize(), index_col=0)
        assert back["name"].tolist() == asem.names.reindex(v.index).tolist()
        back = back.drop(columns="name")
        assert list(back.index) == list(v.index)
        assert list(back.columns) == list(v.columns)
        np.testing.assert_allclose(back.to_numpy(float), v.to_numpy(float), rtol=1e-14,
                                   atol=0, equal_nan=True)


def test_results_sheet(asem, book) -> None:
    _, sheets = book
    res = sheets["Results"].set_index("uCode")
    assert list(sheets["Results"].columns[:4]) == ["uCode", "name", "rank", "Index"]
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
    assert imp["name"].tolist() == asem.names.reindex(imp["uCode"]).tolist()
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


# ------------------------------------------------------------------ layout for people
def _col(ws, header: str) -> int:
    for c in ws[1]:
        if c.value == header:
            return c.column
    raise AssertionError(f"{ws.title}: no column {header!r}")


def _formats(ws, header: str) -> set[str]:
    j = _col(ws, header)
    return {c.number_format for (c,) in ws.iter_rows(min_row=2, min_col=j, max_col=j)
            if isinstance(c.value, int | float) and not isinstance(c.value, bool)}


def test_number_formats(book) -> None:
    wb = openpyxl.load_workbook(book[0])
    res = wb["Results"]
    assert _formats(res, "rank") == {"0"} and _formats(res, "tier") == {"0"}
    assert _formats(res, "Index") == {"0.00"} and _formats(res, "Conn rank") == {"0"}
    assert _formats(wb["Normalized"], "LPI") == {"0.00"}
    assert _formats(wb["Aggregated"], "Conn") == {"0.00"}
    w = wb["Weights"]
    assert _formats(w, "local_weight") == {"0.0%"} == _formats(w, "effective_weight")
    assert _formats(wb["Tiers"], "lower_threshold") == {"0.00"}
    # raw data by magnitude: a whole-number column, a large one, a small one
    raw = wb["Raw"]
    assert _formats(raw, "Goods") == {"#,##0.0"}  # up to 1,919 (billion USD)
    assert _formats(raw, "Ship") == {"0.00"}  # up to 21
    assert _formats(raw, "Research") == {"#,##0"}  # whole numbers (up to 96,337)
    assert _formats(raw, "TIRcon") == {"#,##0"}  # 0/1
    assert _formats(wb["Log_impute"], "Time") == {"#,##0"}
    assert _formats(wb["Treatment"], "skew_before") == {"0.00"}
    # formats only change the display: the values keep full precision
    v = [c.value for (c,) in raw.iter_rows(min_row=2, min_col=_col(raw, "Goods"),
                                           max_col=_col(raw, "Goods"))]
    assert any(isinstance(x, float) and x != round(x, 2) for x in v)


def test_headers_bold_frozen_filtered(book) -> None:
    wb = openpyxl.load_workbook(book[0])
    assert wb.sheetnames[0] == "README"
    for ws in wb.worksheets[1:]:
        assert all(c.font.b for c in ws[1]), ws.title
        last = get_column_letter(ws.max_column)
        assert ws.auto_filter.ref == f"A1:{last}{ws.max_row}", ws.title
        keys = 2 if [c.value for c in ws[1][:2]] == ["uCode", "name"] else None
        if keys:
            assert ws.freeze_panes == "C2", ws.title
        else:
            assert ws.freeze_panes in ("A2", "B2", "C2"), ws.title


def test_widths_fit_names_and_codes(asem, book) -> None:
    wb = openpyxl.load_workbook(book[0])
    longest = max(len(n) for n in asem.names)
    checked = 0
    for ws in wb.worksheets[1:]:
        heads = [c.value for c in ws[1]]
        for h in ("name", "iName", "uCode", "iCode"):
            if h in heads:
                j = heads.index(h) + 1
                cells = [str(c.value) for (c,) in ws.iter_rows(min_row=1, min_col=j, max_col=j)
                         if c.value is not None]
                width = ws.column_dimensions[get_column_letter(j)].width
                assert width >= max(len(s) for s in cells), (ws.title, h, width)
                checked += 1
        if "name" in heads and ws.max_row == len(asem.names) + 1:  # every unit listed
            letter = get_column_letter(heads.index("name") + 1)
            assert ws.column_dimensions[letter].width >= longest, ws.title
    assert checked >= 15
    # every header fits its column (codes as headers are not cut either)
    raw = wb["Raw"]
    for c in raw[1]:
        assert raw.column_dimensions[c.column_letter].width >= len(str(c.value)), c.value


def test_names_on_every_unit_sheet(asem, book) -> None:
    wb = openpyxl.load_workbook(book[0])
    unit_sheets = []
    for ws in wb.worksheets:
        heads = [c.value for c in ws[1]]
        if "uCode" in heads:
            unit_sheets.append(ws.title)
            j = heads.index("uCode")
            assert heads[j + 1] == "name", ws.title
            codes = [r[j] for r in ws.iter_rows(min_row=2, values_only=True)]
            names = [r[j + 1] for r in ws.iter_rows(min_row=2, values_only=True)]
            assert names == asem.names.reindex(codes).tolist(), ws.title
    assert {"Results", *STAGES, "Log_impute", "Log_treat", "Log_screen"} <= set(unit_sheets)


def test_cells_hold_no_python_reprs(asem, book) -> None:
    wb = openpyxl.load_workbook(book[0])
    for ws in wb.worksheets:
        if ws.title in ("README", "Config"):
            continue
        for row in ws.iter_rows(min_row=2, values_only=True):
            for v in row:
                if isinstance(v, str):
                    assert not re.match(r"^[\[{]|^(None|nan|NaN|<NA>)$", v), (ws.title, v)
    norm = wb["Log_normalize"]
    params = {r[2] for r in norm.iter_rows(min_row=2, values_only=True)}
    assert params == {"low=0, high=100"}
    tr = pd.read_excel(book[0], sheet_name="Treatment").set_index("metric")
    assert tr.loc["Flights", "winsorised_high"] == "MLT"
    assert tr.loc["LPI", "winsorised_high"] != tr.loc["LPI", "winsorised_high"]  # [] -> empty
    t = asem.info["treat"]["treatment"]
    three = [m for m in t.index if len(t.loc[m, "winsorised_high"]) == 3][0]
    assert tr.loc[three, "winsorised_high"] == ", ".join(t.loc[three, "winsorised_high"])


def test_readme(asem, book) -> None:
    wb = openpyxl.load_workbook(book[0])
    ws = wb["README"]
    rows = [(a, b) for a, b in ws.iter_rows(values_only=True)]
    lab = {a: b for a, b in rows if a}
    assert rows[0][0] == asem.config.name and ws.cell(1, 1).font.b
    assert lab["aiindex version"] == asem.version
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC by aiindex .+", lab["Written"])
    assert lab["Config file"] == "asem.yaml"
    assert "COINr" in lab["Data provenance"] and "MIT" in lab["Data provenance"]
    assert "iData.csv" in lab["Data files"]
    for name in wb.sheetnames:  # every sheet is described
        assert lab.get(name), name
    config_lines = [b for a, b in rows if a is None and b is not None]
    assert "normalize:" in config_lines and "  method: minmax" in config_lines
    # no absolute path of the machine that wrote it, in any sheet
    root = str(Path(aiindex.__file__).resolve().parents[1])
    for sheet in wb.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for v in row:
                assert not (isinstance(v, str) and (root in v or "base_dir" in v)), v


def test_print_setup(book) -> None:
    wb = openpyxl.load_workbook(book[0])
    for ws in wb.worksheets:
        ps = ws.page_setup
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert int(ps.paperSize) == 9 and "&P of &N" in ws.oddFooter.center.text
        if ws.title == "README":
            assert ps.orientation == "portrait" and ps.fitToWidth == 1 and ws.print_area
            continue
        assert ws.print_title_rows == "$1:$1", ws.title
        width = sum(_inches(ws, j) for j in range(1, ws.max_column + 1))
        pages, scale = estimate_pages(ws)
        if width > 8.27 - 0.8:  # wider than a portrait page: landscape, or shrunk to fit
            assert ps.orientation == "landscape" or scale < 100, ws.title
        if ps.fitToWidth > 1 and ws["A1"].value == "uCode":
            assert ws.print_title_cols.startswith("$A:$"), ws.title
        assert scale >= PRINT_MIN_SCALE * 100, ws.title
    assert wb["Raw"].page_setup.orientation == "landscape"  # 49 metrics


# ------------------------------------------------------------------ printed pages (a model)
A4 = (8.27, 11.69)


def _inches(ws, j: int) -> float:
    d = ws.column_dimensions.get(get_column_letter(j))
    w = d.width if d is not None and d.width else 8.43
    return (7 * w + 5) / 96  # Calibri 11: 7 px a character + 5 px padding, 96 px an inch


def _paginate(sizes: list[float], room: float, repeated: float) -> int:
    pages, used = 1, repeated
    for x in sizes:
        if used + x > room and used > repeated:
            pages, used = pages + 1, repeated
        used += x
    return pages


def _row_heights(ws, nrow: int) -> list[float]:
    """Row heights in inches: 15 points a line, wrapped cells take several lines."""
    out = []
    for row in ws.iter_rows(min_row=1, max_row=nrow):
        lines = 1
        for c in row:
            if c.value is not None and c.alignment is not None and c.alignment.wrap_text:
                w = ws.column_dimensions[c.column_letter].width or 8.43
                lines = max(lines, sum(max(1, math.ceil(len(p) / max(w - 1, 1)))
                                       for p in str(c.value).split("\n")))
        out.append(15 / 72 * lines)
    return out


def estimate_pages(ws) -> tuple[int, int]:
    """(printed pages, scale in %) of a sheet on A4, modelling a spreadsheet's pagination:
    fit-to-page picks the largest whole-percent scale at which the columns fit ``fitToWidth``
    pages (split at column boundaries, print-title columns repeated) and the rows
    ``fitToHeight`` pages (0 = any); without fit-to-page the scale is 100%."""
    ps, m = ws.page_setup, ws.page_margins
    land = ps.orientation == "landscape"
    W = (A4[1] if land else A4[0]) - (m.left or 0.7) - (m.right or 0.7)
    H = (A4[0] if land else A4[1]) - (m.top or 0.75) - (m.bottom or 0.75)
    nrow = ws.max_row
    if ws.print_area:
        nrow = int(re.findall(r"(\d+)", ws.print_area)[-1])
    cw = [_inches(ws, j) for j in range(1, ws.max_column + 1)]
    tcols = (column_index_from_string(ws.print_title_cols.split(":")[1].strip("$"))
             if ws.print_title_cols else 0)
    rh = _row_heights(ws, nrow)
    trows = 1 if ws.print_title_rows else 0

    def pages(s: float) -> tuple[int, int]:
        across = _paginate([x * s for x in cw[tcols:]], W, sum(cw[:tcols]) * s)
        down = _paginate([h * s for h in rh[trows:]], H, sum(rh[:trows]) * s)
        return across, down

    pr = ws.sheet_properties.pageSetUpPr
    if pr is not None and pr.fitToPage:
        fw, fh = ps.fitToWidth or 0, ps.fitToHeight or 0
        for pct in range(100, 9, -1):
            a, d = pages(pct / 100)
            if (not fw or a <= fw) and (not fh or d <= fh):
                return a * d, pct
        return a * d, 10
    a, d = pages((ps.scale or 100) / 100)
    return a * d, ps.scale or 100


def book_pages(path: Path) -> dict[str, int]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: estimate_pages(ws)[0] for ws in wb.worksheets}


def test_printed_page_estimate(book, default_book) -> None:
    """The issue's workbook printed on 236 pages. Estimated with the model above (no
    LibreOffice here to count them): the same sheets without the print set-up (portrait,
    100%) take several times as many pages."""
    for path, limit in ((book[0], 45), (default_book, 60)):
        pages = book_pages(path)
        assert sum(pages.values()) <= limit, pages
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:  # the layout before issue 18: no fit, portrait, no titles
            ws.sheet_properties.pageSetUpPr.fitToPage = False
            ws.page_setup.orientation, ws.print_title_cols, ws.print_area = "portrait", None, None
        bare = sum(estimate_pages(ws)[0] for ws in wb.worksheets)
        assert bare >= 2 * sum(pages.values())


# ------------------------------------------------------------------ tier bands
def _sheet(path: Path, name: str) -> pd.DataFrame:
    return pd.read_excel(path, sheet_name=name)


def test_default_tier_bands_are_the_methods_thresholds(default, default_book) -> None:
    """The default tiers by Jenks (k=4) and then rules: the bands are Jenks's, i.e. each tier's
    lowest score when Jenks set the tiers, as tiers_1d gives them; observed min/max beside."""
    t = _sheet(default_book, "Tiers").set_index("tier")
    base = tiers_1d(default.scores["GAIII"], "jenks", k=4).record
    np.testing.assert_allclose(t["lower_threshold"].iloc[:3], base["min"].iloc[:3], rtol=1e-14)
    assert np.isnan(t.loc[4, "lower_threshold"]) and np.isnan(t.loc[1, "upper_threshold"])
    np.testing.assert_allclose(t["upper_threshold"].iloc[1:], base["min"].iloc[:3], rtol=1e-14)
    rec = default.info["tiers"].record
    np.testing.assert_allclose(t["lowest_score"], rec["min"], rtol=1e-14)
    np.testing.assert_allclose(t["highest_score"], rec["max"], rtol=1e-14)
    assert t["units"].tolist() == rec["n"].tolist()
    assert t.loc[1, "members"].startswith("United States, China")
    assert t.loc[1, "band"].startswith(">= ") and t.loc[4, "band"].startswith("< ")
    assert "jenks" in t.loc[1, "basis"] and "rules" in t.loc[1, "basis"]
    assert "lower_bound" not in t.columns


def test_threshold_bands_and_rule_moves(tmp_path) -> None:
    """Fixed bands 50/35/20 plus rules: the bands are the breaks; a unit moved by a rule lies
    outside its band (its row on Tier_moves names it)."""
    tiers = {"method": "thresholds", "breaks": [50, 35, 20],
             "rules": [{"type": "min_gap", "gap": 1.0}, {"type": "contiguous"}]}
    res = aiindex.run(overrides={"tiers": tiers, "uncertainty": None, "sensitivity": None})
    p = to_excel(res, tmp_path / "bands.xlsx")
    t = _sheet(p, "Tiers").set_index("tier")
    assert t["lower_threshold"].tolist()[:3] == [50.0, 35.0, 20.0]
    assert t["upper_threshold"].tolist()[1:] == [50.0, 35.0, 20.0]
    assert t.loc[2, "band"] == ">= 35 and < 50" and t.loc[1, "band"] == ">= 50"
    moves = _sheet(p, "Tier_moves")
    assert list(moves.columns[:3]) == ["uCode", "name", "step"]
    assert "IRL" in set(moves["uCode"]) and (moves["rule"] == "min_gap").any()
    irl = moves.set_index("uCode").loc["IRL"]
    assert irl["name"] == "Ireland" and irl["score"] < 35 and irl["to_tier"] == 2
    assert t.loc[2, "lowest_score"] < 35  # observed outside the band because of the rule


# ------------------------------------------------------------------ configured analyses
@pytest.fixture(scope="module")
def asem_u() -> aiindex.Result:
    return aiindex.run(bundled_config("asem_uncertainty"),
                       overrides={"uncertainty": {"n": 64}, "sensitivity": {"n": 64, "n_sets": 64},
                                  "tiers": {"method": "jenks", "k": 4}})


def test_configured_analyses_get_their_sheets(asem_u, tmp_path) -> None:
    from aiindex.analysis.sensitivity import run_config as sens_config
    from aiindex.analysis.uncertainty import run_config as unc_config

    with pytest.warns(UserWarning):
        p = to_excel(asem_u, tmp_path / "u.xlsx")
    names = openpyxl.load_workbook(p, read_only=True).sheetnames
    assert {"Uncertainty", "Tier_probabilities", "Sensitivity"} <= set(names)
    u = unc_config(asem_u)
    with pytest.warns(UserWarning):
        s = sens_config(asem_u)
    got = _sheet(p, "Uncertainty").set_index("uCode")
    rs = u.rank_stats
    np.testing.assert_allclose(got["p95_rank"], rs.loc[got.index, "p95_rank"])
    assert got["name"].tolist() == asem_u.names.reindex(got.index).tolist()
    assert got["nominal_rank"].tolist() == sorted(got["nominal_rank"].tolist())
    tp = _sheet(p, "Tier_probabilities").set_index("uCode")
    np.testing.assert_allclose(tp["p_tier_1"], u.tier_probabilities.loc[tp.index, "p_tier_1"])
    sens = _sheet(p, "Sensitivity")
    assert list(sens.columns[:2]) == ["output", "factor"]
    np.testing.assert_allclose(sens["total_order"], s.indices["total_order"], equal_nan=True)
    wb = openpyxl.load_workbook(p)
    assert _formats(wb["Tier_probabilities"], "p_tier_1") == {"0.0%"}
    assert _formats(wb["Uncertainty"], "nominal_rank") == {"0"}
    assert _formats(wb["Sensitivity"], "total_order") == {"0.000"}
    readme = {a: b for a, b in wb["README"].iter_rows(values_only=True) if a}
    assert "64 replications" in readme["Uncertainty"]
    assert "normalis" in readme["Note on the uncertainty analysis"]  # mean_score is NaN: why


def test_analyses_passed_in_or_skipped(asem_u, tmp_path) -> None:
    rs = pd.DataFrame({"nominal_rank": [1.0, 2.0], "p5_rank": [1.0, 1.0], "p95_rank": [2.0, 3.0]},
                      index=pd.Index(["AUT", "BEL"], name="uCode"))
    p = to_excel(asem_u, tmp_path / "given.xlsx", uncertainty=rs, sensitivity=pd.DataFrame(
        {"output": ["o"], "factor": ["f"], "first_order": [0.5], "total_order": [0.6]}))
    given = _sheet(p, "Uncertainty")
    assert given["uCode"].tolist() == ["AUT", "BEL"] and given["name"].tolist() == [
        "Austria", "Belgium"]
    assert _sheet(p, "Sensitivity")["total_order"].tolist() == [0.6]
    p2 = to_excel(asem_u, tmp_path / "none.xlsx", analyses=False)
    wb = openpyxl.load_workbook(p2)
    assert not {"Uncertainty", "Sensitivity", "Tier_probabilities"} & set(wb.sheetnames)
    readme = {a: b for a, b in wb["README"].iter_rows(values_only=True) if a}
    assert "analyses=False" in readme["Analyses not run"]


# ------------------------------------------------------------------ the bundled default (GAIII)
def test_default_workbook_rereads_to_same_numbers(default, default_book) -> None:
    res, p = default, default_book
    sheets = pd.read_excel(p, sheet_name=None)
    for k, v in res.stages.items():
        back = pd.read_excel(p, sheet_name=k.capitalize(), index_col=0).drop(columns="name")
        assert list(back.index) == list(v.index) and list(back.columns) == list(v.columns)
        np.testing.assert_allclose(back.to_numpy(float), v.to_numpy(float), rtol=1e-14, atol=0,
                                   equal_nan=True)
    r = sheets["Results"].set_index("uCode")
    assert len(r) == 46 and r.index[0] == "USA" and r.loc["USA", "name"] == "United States"
    np.testing.assert_allclose(r["GAIII"], res.scores.loc[r.index, "GAIII"], rtol=1e-14)
    assert (r["rank"].to_numpy() == res.ranks.loc[r.index, "GAIII"].to_numpy()).all()
    assert (r["tier"].to_numpy() == res.tiers.loc[r.index].to_numpy()).all()
    assert sorted(r["tier"].unique().tolist()) == [1, 2, 3, 4]
    assert r["imputed_share"].between(0, 1).all() and r["imputed_share"].max() > 0
    for d in ("FOUND", "RESOURCE", "RESEARCH", "INDUSTRY", "COOPERATION"):
        np.testing.assert_allclose(r[d], res.scores.loc[r.index, d], rtol=1e-14)
    w = sheets["Weights"].set_index("code")
    np.testing.assert_allclose(w["effective_weight"], res.framework.effective_weights()[w.index])
    # the default's equal weights (every node 1) survive the round trip
    assert (w["weight"] == 1.0).all()
    cfg = load_yaml("\n".join(sheets["Config"]["config (YAML)"].astype(str)) + "\n")
    assert cfg["tiers"]["method"] == "jenks" and len(cfg["tiers"]["rules"]) == 2
    assert cfg["source_file"] == "gaiii_2023.yaml" and "base_dir" not in cfg


def test_default_framework_sources_readme_and_analyses(default, default_book) -> None:
    fr = _sheet(default_book, "Framework").set_index("iCode")
    assert fr.loc["top500_systems", "Source"].startswith("P02 TOP500")
    assert fr.loc["github_developers", "Unit"] == "developers"
    assert fr.loc["FOUND", "iName"] == "Foundational support"
    wb = openpyxl.load_workbook(default_book)
    assert {"Uncertainty", "Tier_probabilities", "Sensitivity"} <= set(wb.sheetnames)
    readme = {a: b for a, b in wb["README"].iter_rows(values_only=True) if a}
    assert readme["Note"].startswith("PUBLIC-PROXY INDEX")
    assert "gaiii_panel" in readme["Data files"] and "No value was" in readme["Data provenance"]
    assert readme["Year"] == "2023"
    assert "before the rules" in readme["Note on tier probabilities"]
    fcol = _col(wb["Framework"], "iName")
    width = wb["Framework"].column_dimensions[get_column_letter(fcol)].width
    assert width >= max(len(n.name or "") for n in default.framework.nodes.values())


def test_tier_bands_by_hand() -> None:
    """tier_bands on hand-made scores: thresholds (both closings), a data-driven method, refined
    tiers (bands of the method before the rules) and profile-free refine input."""
    from aiindex.errors import DataError
    from aiindex.tiers import refine_tiers
    from aiindex.tiers.methods import tier_bands

    s = pd.Series([90.0, 70.0, 65.0, 40.0, 10.0], index=list("abcde"))
    b = tier_bands(tiers_1d(s, "thresholds", breaks=[30, 60]))
    assert b["lower"].tolist()[:2] == [60.0, 30.0] and np.isnan(b.loc[3, "lower"])
    assert np.isnan(b.loc[1, "upper"]) and b["upper"].tolist()[1:] == [60.0, 30.0]
    assert b["band"].tolist() == [">= 60", ">= 30 and < 60", "< 30"]
    r = tier_bands(tiers_1d(s, "thresholds", breaks=[60, 30], closed="right"))
    assert r["band"].tolist() == ["> 60", "> 30 and <= 60", "<= 30"]
    q = tiers_1d(s, "sizes", sizes=[1, 2, 2])  # a | b c | d e
    bq = tier_bands(q)
    assert bq["lower"].tolist()[:2] == [90.0, 65.0] and bq["upper"].tolist()[1:] == [90.0, 65.0]
    assert bq["basis"].iloc[0].startswith("sizes")
    ref = refine_tiers(q.tiers, s, None, [{"type": "max_tier", "tier": 2}])
    ref.params = {**ref.params, "base_method": "sizes", "base_params": {"sizes": [1, 2, 2]},
                  "base": q.tiers}
    with pytest.raises(DataError, match="pass the scores"):
        tier_bands(ref)
    br = tier_bands(ref, s)
    assert br["lower"].tolist()[:2] == [90.0, 65.0] and "rules" in br["basis"].iloc[0]
    assert ref.record.loc[2, "min"] == 10.0  # the rule moved d and e into tier 2, below its band
