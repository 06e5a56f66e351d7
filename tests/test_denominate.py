"""Tests of aiindex.stages.denominate (COINr Denominate: x / (d / scale))."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aiindex.errors import DataError, MethodError
from aiindex.stages.base import MethodChoice, StageContext
from aiindex.stages.denominate import apply


class _Node:
    def __init__(self, denominator: str | None) -> None:
        self.denominator = denominator
        self.parent = "P"


class _FW:
    nodes = {"gdp": _Node("Pop"), "lpi": _Node(None), "area_m": _Node("Area")}

    def children(self, code: str) -> list[str]:
        return list(self.nodes)


UNITS = pd.Index(["AAA", "BBB", "CCC"], name="uCode")
X = pd.DataFrame({"gdp": [10.0, 20.0, np.nan], "lpi": [3.0, 4.0, 5.0], "area_m": [1.0, 2.0, 3.0]},
                 index=UNITS)
DEN = pd.DataFrame({"Pop": [2.0, 8.0, 1.0], "Area": [4.0, np.nan, 2.0]}, index=UNITS)


def _ctx(den: pd.DataFrame = DEN) -> StageContext:
    return StageContext(framework=_FW(), denominators=den)  # type: ignore[arg-type]


def _all(method: str = "divide", **p: object) -> dict[str, MethodChoice]:
    return {m: MethodChoice(method, dict(p)) for m in X.columns}


def test_divide_from_framework() -> None:
    out = apply(X, _all(), _ctx())
    np.testing.assert_array_equal(out.data["gdp"], [5.0, 2.5, np.nan])
    np.testing.assert_array_equal(out.data["lpi"], X["lpi"])  # no denominator: unchanged
    np.testing.assert_array_equal(out.data["area_m"], [0.25, np.nan, 1.5])
    assert out.info["denominated"].to_dict() == {"gdp": "Pop", "area_m": "Area"}
    # the missing denominator is logged, not an error
    assert out.log.to_dict("records") == [
        {"uCode": "BBB", "metric": "area_m", "denominator": "Area",
         "reason": "missing denominator value: result set to missing"}
    ]
    assert X.loc["AAA", "gdp"] == 10.0  # input untouched


def test_scale_and_explicit_column() -> None:
    ch = {"lpi": MethodChoice("divide", {"denominator": "Pop", "scale": 1000.0})}
    out = apply(X, ch, _ctx())
    np.testing.assert_allclose(out.data["lpi"], [1500.0, 500.0, 5000.0])
    np.testing.assert_array_equal(out.data["gdp"], X["gdp"])  # no choice: untouched


def test_none_method() -> None:
    out = apply(X, _all("none"), _ctx())
    pd.testing.assert_frame_equal(out.data, X)


def test_zero_denominator_is_data_error() -> None:
    den = DEN.copy()
    den.loc["CCC", "Pop"] = 0.0
    with pytest.raises(DataError, match=r"'gdp'.*'Pop'.*CCC"):
        apply(X, _all(), _ctx(den))


def test_unknown_column_missing_unit_and_param() -> None:
    with pytest.raises(DataError, match="unknown denominator column 'GDP'"):
        apply(X, {"lpi": MethodChoice("divide", {"denominator": "GDP"})}, _ctx())
    with pytest.raises(DataError, match="not found"):
        apply(X, _all(), _ctx(DEN.iloc[:2]))
    with pytest.raises(MethodError, match="unknown parameter"):
        apply(X, {"lpi": MethodChoice("divide", {"factor": 2})}, _ctx())
    with pytest.raises(DataError, match="no denominator data"):
        apply(X, _all(), StageContext(framework=_FW()))  # type: ignore[arg-type]
