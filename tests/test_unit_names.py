"""A unit without a name is shown by its code (never "nan") in the explorer and the radar, and
the radar draws a dashed comparison only when there is one."""

from __future__ import annotations

import pytest

import aiindex
from aiindex.outputs import charts
from aiindex.outputs._names import unit_name
from aiindex.outputs.explorer import explorer_data
from hostile_cases import cfg_dict, frame

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def res() -> aiindex.Result:
    df = frame()
    df["uName"] = df["uName"].astype(object)
    df.loc[0, "uName"] = None  # AUT
    df.loc[1, "uName"] = "  "  # BEL: blank
    return aiindex.run(cfg_dict(), data=df)


def test_unit_name_falls_back_to_the_code() -> None:
    names = {"A": "Aland", "B": None, "C": float("nan"), "D": "", "E": " "}
    assert [unit_name(names, c) for c in "ABCDEF"] == ["Aland", "B", "C", "D", "E", "F"]
    assert unit_name(None, "X") == "X"


def test_explorer_uses_the_code_for_a_missing_name(res) -> None:
    units = {u["code"]: u["name"] for u in explorer_data(res)["units"]}
    assert units["AUT"] == "AUT" and units["BEL"] == "BEL" and units["CHE"] == "Switzerland"


def _legend(fig) -> list[str]:
    return [t.get_text() for t in fig.legends[0].get_texts()]


def _dashed(fig) -> list[bool]:
    return [ln.get_linestyle() == "--" for ln in fig.axes[0].get_lines()]


def test_radar_names_and_title_without_nan(res) -> None:
    fig = charts.plot_radar(res, ["AUT", "BEL", "CHE"], compare="mean",
                            nodes=["m1", "m2", "m3"])
    assert _legend(fig) == ["AUT", "BEL", "Switzerland", "Average of all units"]
    assert _dashed(fig) == [False, False, False, True]
    assert "nan" not in fig._suptitle.get_text() and "AUT, BEL" in fig._suptitle.get_text()


def test_radar_without_comparison_draws_no_dashed_unit(res) -> None:
    nodes = ["m1", "m2", "m3"]
    fig = charts.plot_radar(res, ["DEU", "ESP"], compare="none", nodes=nodes)
    assert _legend(fig) == ["Germany", "Spain"] and _dashed(fig) == [False, False]
    top = str(res.scores["Idx"].idxmax())
    other = "DEU" if top != "DEU" else "ESP"
    fig = charts.plot_radar(res, [other, top], compare="top", nodes=nodes)
    assert _dashed(fig) == [False, False]
    fig = charts.plot_radar(res, ["DEU"], compare="top", nodes=nodes)
    assert _dashed(fig) == [False, True] and _legend(fig)[-1].endswith("(rank 1)")
