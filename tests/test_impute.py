"""Tests of aiindex.stages.impute (COINr i_mean, i_mean_grp, row-wise and panel imputation)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiindex.errors import DataError
from aiindex.stages.base import MethodChoice, StageContext
from aiindex.stages.impute import apply


class _Node:
    def __init__(self, parent: str, direction: int = 1) -> None:
        self.parent, self.direction, self.denominator = parent, direction, None


class _FW:
    nodes = {"a": _Node("P"), "b": _Node("P", -1), "c": _Node("P"), "d": _Node("Q")}

    def children(self, code: str) -> list[str]:
        return [k for k, v in self.nodes.items() if v.parent == code]


U = pd.Index(["U1", "U2", "U3", "U4", "U5"], name="uCode")
X = pd.DataFrame(
    {
        "a": [1.0, 3.0, np.nan, 10.0, 20.0],
        "b": [5.0, np.nan, 2.0, 4.0, 0.0],
        "c": [0.0, 1.0, 4.0, np.nan, 2.0],
        "d": [1.0, 2.0, 3.0, 4.0, 5.0],
    },
    index=U,
)
G = pd.DataFrame({"reg": ["E", "E", "E", "A", "A"], "inc": ["H", "L", "H", None, "L"]}, index=U)


def _ctx(**kw: object) -> StageContext:
    return StageContext(framework=_FW(), groups=G, **kw)  # type: ignore[arg-type]


def _all(method: str, **p: object) -> dict[str, MethodChoice]:
    return {m: MethodChoice(method, dict(p)) for m in X.columns}


def test_mean_and_median_hand() -> None:
    out = apply(X, _all("mean"), _ctx())
    assert out.data.loc["U3", "a"] == pytest.approx((1 + 3 + 10 + 20) / 4)
    assert out.data.loc["U2", "b"] == pytest.approx(11 / 4)
    med = apply(X, _all("median"), _ctx())
    assert med.data.loc["U3", "a"] == pytest.approx(6.5)
    assert med.data.loc["U4", "c"] == pytest.approx(1.5)
    assert list(out.log.columns) == ["uCode", "Time", "metric", "method", "value"]
    assert len(out.log) == 3 and set(out.log["method"]) == {"mean"}


def test_group_mean_hand() -> None:
    out = apply(X, _all("group_mean", group="reg"), _ctx())
    assert out.data.loc["U3", "a"] == pytest.approx(2.0)  # mean of E: 1, 3
    assert out.data.loc["U2", "b"] == pytest.approx(3.5)  # mean of E: 5, 2
    assert out.data.loc["U4", "c"] == pytest.approx(2.0)  # mean of A: 2
    rec = out.log.set_index(["uCode", "metric"])["value"]
    assert rec[("U3", "a")] == pytest.approx(2.0)
    gm = apply(X, _all("group_median", group="reg"), _ctx())
    assert gm.data.loc["U3", "a"] == pytest.approx(2.0)


def test_group_errors_and_fallback() -> None:
    with pytest.raises(DataError, match=r"U4.*'inc'"):
        apply(X, _all("group_mean", group="inc"), _ctx())
    with pytest.raises(DataError, match="unknown group column"):
        apply(X, _all("group_mean", group="nope"), _ctx())
    Y = X.copy()
    Y.loc[["U4", "U5"], "a"] = np.nan  # group A has no observed "a"
    with pytest.raises(DataError, match=r"\('A', 'a'\)"):
        apply(Y, _all("group_mean", group="reg"), _ctx())
    out = apply(Y, _all("group_mean", group="reg", fallback="mean"), _ctx())
    assert out.data.loc["U4", "a"] == pytest.approx(2.0)  # overall mean of 1, 3


def test_all_missing_metric_is_error() -> None:
    Y = X.copy()
    Y["d"] = np.nan
    for m in ("mean", "median"):
        with pytest.raises(DataError, match="'d'"):
            apply(Y, _all(m), _ctx())
    with pytest.raises(DataError, match="'d'"):
        apply(Y, _all("group_mean", group="reg"), _ctx())


def test_parent_mean_raw_and_normalised() -> None:
    raw = apply(X, {"a": MethodChoice("parent_mean", {"normalize": False})}, _ctx())
    assert raw.data.loc["U3", "a"] == pytest.approx((2.0 + 4.0) / 2)  # siblings b, c of U3
    # normalised: a in [1, 20]; -b in [-5, 0] -> U3: (-2+5)/5 = 0.6; c in [0, 4] -> U3: 1
    # mean 0.8 -> a = 0.8 * 19 + 1 = 16.2
    nrm = apply(X, {"a": MethodChoice("parent_mean")}, _ctx())
    assert nrm.data.loc["U3", "a"] == pytest.approx(16.2)
    # b has direction -1: U2: a -> (3-1)/19, c -> 1/4; m = (2/19 + 1/4)/2; b = -(m*5 - 5)
    m = (2 / 19 + 0.25) / 2
    out = apply(X, {"b": MethodChoice("parent_mean")}, _ctx())
    assert out.data.loc["U2", "b"] == pytest.approx(-(m * 5 - 5))


def _panel() -> pd.DataFrame:
    idx = pd.MultiIndex.from_product([["U1", "U2"], [2018, 2019, 2020, 2021]], names=["uCode", "Time"])
    return pd.DataFrame(
        {"a": [1.0, np.nan, 3.0, np.nan, np.nan, 10.0, np.nan, 16.0]}, index=idx
    )


def test_panel_methods_hand() -> None:
    P = _panel()
    ch = {"a": MethodChoice("latest")}
    lat = apply(P, ch, _ctx()).data["a"]
    assert list(lat.loc["U1"]) == [1.0, 1.0, 3.0, 3.0]
    assert np.isnan(lat.loc[("U2", 2018)]) and list(lat.loc["U2"])[1:] == [10.0, 10.0, 16.0]
    lat1 = apply(P, {"a": MethodChoice("latest", {"max_time": 1})}, _ctx()).data["a"]
    assert lat1.loc[("U1", 2021)] == 3.0
    itp = apply(P, {"a": MethodChoice("interpolate")}, _ctx()).data["a"]
    assert itp.loc[("U1", 2019)] == pytest.approx(2.0) and np.isnan(itp.loc[("U1", 2021)])
    assert itp.loc[("U2", 2020)] == pytest.approx(13.0) and np.isnan(itp.loc[("U2", 2018)])
    ext = apply(P, {"a": MethodChoice("interpolate_extrapolate")}, _ctx()).data["a"]
    assert ext.loc[("U1", 2021)] == 3.0 and ext.loc[("U2", 2018)] == 10.0
    log = apply(P, {"a": MethodChoice("interpolate")}, _ctx()).log
    assert set(zip(log["uCode"], log["Time"], strict=True)) == {("U1", 2019), ("U2", 2020)}


def test_panel_method_on_one_year_uses_ctx_panel() -> None:
    P = _panel()
    X21 = pd.DataFrame({"a": [np.nan, np.nan]}, index=pd.Index(["U1", "U2"], name="uCode"))
    out = apply(X21, {"a": MethodChoice("latest")}, _ctx(panel=P, year=2021))
    assert list(out.data["a"]) == [3.0, 10.0]
    assert list(out.log["Time"]) == [2021, 2021]
    with pytest.raises(DataError, match="ctx.panel"):
        apply(X21, {"a": MethodChoice("latest")}, _ctx())


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.floats(-100, 100, allow_nan=False)), min_size=5, max_size=5),
    st.sampled_from(["mean", "median", "group_mean", "parent_mean"]),
)
def test_observed_values_never_change(col: list[float | None], method: str) -> None:
    Y = X.copy()
    Y["a"] = [np.nan if v is None else v for v in col]
    if Y["a"].notna().sum() < 2 or Y["a"].nunique() < 2:
        return
    params = {"group": "reg", "fallback": "mean"} if method == "group_mean" else {}
    out = apply(Y, _all(method, **params), _ctx()).data
    obs = Y.notna()
    pd.testing.assert_frame_equal(out[obs], Y[obs])
    assert out.isna().sum().sum() == 0


def test_asem_group_mean_imputation(asem_dir: Path) -> None:
    raw = pd.read_csv(asem_dir / "iData.csv").set_index("uCode")
    meta = pd.read_csv(asem_dir / "iMeta.csv")
    metrics = list(meta.loc[meta["Type"] == "Indicator", "iCode"])
    Xa = raw[metrics].astype(float)
    ctx = StageContext(framework=None, groups=raw[["EurAsia_group"]])  # type: ignore[arg-type]
    out = apply(Xa, {m: MethodChoice("group_mean", {"group": "EurAsia_group"}) for m in metrics}, ctx)
    assert len(out.log) == 63 and out.data.isna().sum().sum() == 0
    # e.g. ConSpeed of a missing Asian unit = mean of the observed Asian values
    miss = Xa.index[Xa["ConSpeed"].isna()][0]
    grp = raw.loc[miss, "EurAsia_group"]
    expect = Xa.loc[(raw["EurAsia_group"] == grp) & Xa["ConSpeed"].notna(), "ConSpeed"].mean()
    assert out.data.loc[miss, "ConSpeed"] == pytest.approx(expect, rel=1e-15)
