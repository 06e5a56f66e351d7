"""Tests of aiindex.treat (COINr's winsorise / log_CT rule), incl. the ASEM treatment count."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiindex._stage import MethodChoice, StageContext
from aiindex.errors import MethodError
from aiindex.stats import kurtosis, skewness
from aiindex.treat import TREATMENTS, apply, check_skew_kurt, winsorise, winsorise_values


def _s(vals: list[float], name: str = "m") -> pd.Series:
    return pd.Series(vals, index=[f"U{i:02d}" for i in range(len(vals))], name=name, dtype=float)


def _ctx() -> StageContext:
    return StageContext(framework=None)  # type: ignore[arg-type]


def test_one_step_coinr_example() -> None:
    # COINr's own example (R/treat.R): x <- c(1:10, 30, 100); one step clips 100 to 30.
    x = _s(list(range(1, 11)) + [30, 100])
    r = winsorise(x)
    expected = np.array(list(range(1, 11)) + [30, 30], dtype=float)
    np.testing.assert_array_equal(r.values.to_numpy(), expected)
    assert r.n_winsorised == 1 and r.winsorised_high == ["U11"] and r.winsorised_low == []
    assert r.passed is True and r.transform is None
    assert r.skew_before == pytest.approx(skewness(x)) and r.skew_after == pytest.approx(skewness(expected))
    assert r.kurt_after < 3.5 or abs(r.skew_after) < 2


def test_steps_grow_clipped_set_and_count() -> None:
    # 30 zeros, 1, 2, 3, 4, 50, 60: step 1 60 -> 50 (nwin 1, fails),
    # step 2 {50, 50} -> 4 (nwin 2, fails), step 3 {4, 4, 4} -> 3 (nwin 3, passes)
    vals = [0.0] * 30 + [1, 2, 3, 4, 50, 60]
    w, nwin, imax, imin = winsorise_values(np.array(vals), winmax=5)
    assert nwin == 3 and list(imax) == [33, 34, 35] and imin.size == 0
    np.testing.assert_array_equal(w[30:], [1, 2, 3, 3, 3, 3])
    assert check_skew_kurt(w)[0] is True
    # intermediate states fail: the loop really needed three steps
    assert check_skew_kurt(np.array([0.0] * 30 + [1, 2, 3, 4, 4, 4]))[0] is False


def test_fallback_log_ct_on_original_when_winmax_reached() -> None:
    vals = [0.0] * 30 + [1, 2, 3, 4, 50, 60]
    r = winsorise(_s(vals), winmax=2)
    a = np.array(vals)
    expected = np.log(a - a.min() + 0.01 * (a.max() - a.min()))  # COINr log_CT of the ORIGINAL
    np.testing.assert_allclose(r.values.to_numpy(), expected, rtol=0, atol=1e-15)
    assert r.transform == "log_ct" and r.n_winsorised == 2
    r2 = winsorise(_s(vals), winmax=2, fallback="none")
    np.testing.assert_array_equal(r2.values.to_numpy()[30:], [1, 2, 3, 4, 4, 4])
    assert r2.passed is False


def test_ties_clipped_together_and_low_side() -> None:
    vals = [10.0] * 20 + [9, 8, 7, -50, -50]
    r = winsorise(_s(vals))
    assert r.winsorised_low == ["U23", "U24"] and r.n_winsorised == 2
    assert r.values.iloc[23] == 7.0 and r.values.iloc[24] == 7.0


def test_log_gii_and_boxcox_fallbacks() -> None:
    vals = [0.0] * 30 + [1, 2, 3, 4, 50, 60]
    a = np.array(vals)
    r = winsorise(_s(vals), winmax=1, fallback="log_gii")
    np.testing.assert_allclose(r.values, np.log((a.max() - 1) * (a - a.min()) / (a.max() - a.min()) + 1))
    rb = winsorise(_s(vals), winmax=1, fallback="boxcox")
    assert rb.transform == "boxcox" and rb.lmbda is not None
    assert np.all(np.diff(rb.values.to_numpy()) >= 0)
    rb1 = TREATMENTS.call("boxcox", _s(vals), lmbda=0.0)
    np.testing.assert_allclose(rb1.values, np.log(a - a.min() + 1))


def test_log_of_constant_column_is_method_error() -> None:
    with pytest.raises(MethodError, match="'flat'.*constant"):
        TREATMENTS.call("log_ct", _s([3.0] * 6, "flat"))
    with pytest.raises(MethodError, match="flat"):
        TREATMENTS.call("log_gii", _s([3.0] * 6, "flat"))


def test_constant_column_untouched_by_winsorise() -> None:
    r = winsorise(_s([3.0] * 6))
    assert r.passed is None and r.n_winsorised == 0
    np.testing.assert_array_equal(r.values, 3.0)


def test_too_few_values_and_unknown_param() -> None:
    with pytest.raises(MethodError, match="at least 4"):
        winsorise(_s([1.0, 2.0, np.nan, 3.0]))
    X = pd.DataFrame({"m": [1.0, 2, 3, 4, 5]})
    with pytest.raises(MethodError, match="unknown parameter"):
        apply(X, {"m": MethodChoice("winsorise", {"winmx": 3})}, _ctx())


def test_apply_log_and_info_and_nan_kept() -> None:
    X = pd.DataFrame(
        {"a": list(range(1, 11)) + [30.0, 100.0, np.nan], "b": list(range(13))},
        index=[f"U{i:02d}" for i in range(13)],
        dtype=float,
    )
    out = apply(X, {"a": MethodChoice("winsorise"), "b": MethodChoice("winsorise")}, _ctx())
    assert np.isnan(out.data.loc["U12", "a"])
    assert out.data.loc["U11", "a"] == 30.0
    assert list(out.log.columns) == ["uCode", "metric", "old", "new", "action"]
    assert out.log.to_dict("records") == [
        {"uCode": "U11", "metric": "a", "old": 100.0, "new": 30.0, "action": "winsorised_high"}
    ]
    t = out.info["treatment"]
    assert t.loc["a", "n_winsorised"] == 1 and t.loc["b", "n_winsorised"] == 0
    assert t.loc["a", "winsorised_high"] == ["U11"]
    assert not t["log_applied"].any()
    pd.testing.assert_series_equal(X["b"], out.data["b"])
    assert X.loc["U11", "a"] == 100.0  # input not modified


# ------------------------------------------------------------------ properties

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(finite, min_size=5, max_size=40), st.sampled_from(["log_ct", "boxcox", "none"]),
       st.integers(1, 6))
def test_treatment_keeps_weak_order(xs: list[float], fb: str, winmax: int) -> None:
    x = _s(xs)
    if np.ptp(x) < 1e-3:
        return
    try:
        r = winsorise(x, winmax=winmax, fallback=fb)
    except MethodError:  # winsorised into a constant column: reported, not silent
        return
    a, b = x.to_numpy(), r.values.to_numpy()
    assert np.all(np.isfinite(b))
    order = np.argsort(a, kind="stable")
    assert np.all(np.diff(b[order]) >= -1e-12 * max(1.0, np.abs(b).max()))


@settings(max_examples=60, deadline=None)
@given(st.lists(finite, min_size=5, max_size=40))
def test_passing_metric_untouched(xs: list[float]) -> None:
    x = _s(xs)
    if np.ptp(x) < 1e-3:
        return
    sk, kt = skewness(x), kurtosis(x)
    if abs(sk) >= 2 and kt >= 3.5:
        return
    r = winsorise(x)
    pd.testing.assert_series_equal(r.values, x)
    assert r.n_winsorised == 0 and r.transform is None


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 10, allow_nan=False), min_size=8, max_size=30), st.floats(100, 1e4))
def test_outlier_gets_treated(xs: list[float], big: float) -> None:
    x = _s(xs + [big])
    if np.ptp(np.array(xs)) < 1e-3:
        return
    r = winsorise(x)
    if r.transform is None:
        assert r.values.max() < big and r.n_winsorised >= 1


# ------------------------------------------------------------------ ASEM (COINr example)


def _asem_treated(asem_dir: Path) -> pd.DataFrame:
    from aiindex import denominate, impute

    raw = pd.read_csv(asem_dir / "iData.csv").set_index("uCode").sort_index()
    meta = pd.read_csv(asem_dir / "iMeta.csv")
    ind = meta[meta["Type"] == "Indicator"]
    metrics = list(ind["iCode"])

    class _Node:
        def __init__(self, row: pd.Series) -> None:
            self.denominator = None if pd.isna(row["Denominator"]) else row["Denominator"]
            self.parent = row["Parent"]
            self.direction = row["Direction"]

    class _FW:  # tiny stand-in: only what these stages use
        nodes = {r["iCode"]: _Node(r) for _, r in ind.iterrows()}

        def children(self, code: str) -> list[str]:
            return list(ind.loc[ind["Parent"] == code, "iCode"])

    ctx = StageContext(
        framework=_FW(),  # type: ignore[arg-type]
        groups=raw[["GDP_group", "GDPpc_group", "Pop_group", "EurAsia_group"]],
        denominators=raw[["Area", "Energy", "GDP", "Population"]],
    )
    X = raw[metrics].astype(float)
    d = denominate.apply(X, {m: MethodChoice("divide") for m in metrics}, ctx)
    assert len(d.info["denominated"]) == 17
    i = impute.apply(
        d.data, {m: MethodChoice("group_mean", {"group": "EurAsia_group"}) for m in metrics}, ctx
    )
    assert int(i.data.isna().sum().sum()) == 0
    return apply(i.data, {m: MethodChoice("winsorise", {"winmax": 5}) for m in metrics}, ctx).info[
        "treatment"
    ]


def test_asem_treatment_count(asem_dir: Path) -> None:
    t = _asem_treated(asem_dir)
    win = t[t["n_winsorised"] > 0]
    # COINr documentation: 15 indicators winsorised, none log-transformed.
    assert len(win) == 15
    assert int(t["log_applied"].sum()) == 0
    assert t["passed"].astype(bool).all()
    counts = win["n_winsorised"].to_dict()
    assert counts == {
        "Flights": 1, "Bord": 3, "Gas": 3, "Services": 4, "FDI": 2, "ForPort": 3,
        "CostImpEx": 1, "Tariff": 3, "StMob": 2, "CultServ": 3, "Forest": 2, "Poverty": 3,
        "NGOs": 3, "FemLab": 1, "PubDebt": 1,
    }
    assert win.loc["FemLab", "winsorised_low"] == ["PAK"]
    assert win.loc["Services", "winsorised_high"] == ["IRL", "LUX", "MLT", "SGP"]
