"""Tests of aiindex.stages.treat (COINr's winsorise / log_CT rule), incl. the ASEM treatment count."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiindex.errors import MethodError
from aiindex.stages.base import MethodChoice, StageContext
from aiindex.stages.treat import TREATMENTS, apply, check_skew_kurt, winsorise, winsorise_values
from aiindex.stats import kurtosis, skewness


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
    # the value is printed plainly (3.0), not as numpy's repr np.float64(3.0)
    with pytest.raises(MethodError, match=r"'flat'.*constant \(3\.0\),") as ei:
        TREATMENTS.call("log_ct", _s([3.0] * 6, "flat"))
    assert "np.float64" not in str(ei.value)
    with pytest.raises(MethodError, match=r"flat.*constant \(3\.0\),"):
        TREATMENTS.call("log_gii", _s([3.0] * 6, "flat"))
    with pytest.raises(MethodError, match=r"max\(x\) = 0\.5 < 1") as ei:
        TREATMENTS.call("log_gii", _s([0.1, 0.2, 0.5, 0.3], "small"))
    assert "np.float64" not in str(ei.value)


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


@st.composite
def outlier_samples(draw: st.DrawFn, max_outliers: int = 3, signed: bool = True) -> np.ndarray:
    """A spread-out base sample (40–60 values in [0, 15]) plus 1–``max_outliers`` large,
    distinct outliers on one side (the largest outlier is the last value when unsigned).

    With at most 4 outliers beside >= 40 base values (outlier share p <= 4/44) the sample fails
    the skew/kurtosis test (|skew| >= 2 and kurtosis >= 3.5; for the two-point shape left after
    clipping, skew = (1 - 2p)/sqrt(p(1 - p)) ~ 2.8 and excess kurtosis = 1/(p(1 - p)) - 6
    ~ 5.1), and so does every partly clipped version of it, so every
    example is treated: winsorised, and log/Box-Cox transformed when ``winmax`` is smaller than
    the number of outliers.
    """
    n = draw(st.integers(40, 60))
    base = np.array(draw(st.lists(st.floats(0, 10, allow_nan=False), min_size=n, max_size=n)))
    base = base + np.linspace(0.0, 5.0, n)  # guaranteed spread (no constant column after clipping)
    # distinct outliers (each 1.5–10 times the previous), so a small winmax cannot clip them all
    first = draw(st.floats(1e3, 1e5, allow_nan=False))
    ratios = draw(st.lists(st.floats(1.5, 10, allow_nan=False), min_size=0,
                           max_size=max_outliers - 1))
    big = first * np.cumprod([1.0, *ratios])
    if not signed:
        return np.concatenate([base, big])
    sign = draw(st.sampled_from([1.0, -1.0]))
    vals = np.concatenate([base, sign * big])
    perm = draw(st.permutations(range(vals.size)))
    return vals[np.array(perm)]


@settings(max_examples=60, deadline=None)
@given(outlier_samples(max_outliers=4), st.sampled_from(["log_ct", "boxcox", "none"]),
       st.integers(1, 3))
def test_treatment_keeps_weak_order(xs: np.ndarray, fb: str, winmax: int) -> None:
    x = _s(xs.tolist())
    r = winsorise(x, winmax=winmax, fallback=fb)
    a, b = x.to_numpy(), r.values.to_numpy()
    assert r.n_winsorised >= 1  # the data force treatment
    assert np.all(np.isfinite(b))
    order = np.argsort(a, kind="stable")
    assert np.all(np.diff(b[order]) >= -1e-12 * max(1.0, np.abs(b).max()))
    # equal inputs stay equal
    _, inv = np.unique(a, return_inverse=True)
    for g in np.unique(inv[np.bincount(inv)[inv] > 1]):
        assert np.ptp(b[inv == g]) == 0
    if r.transform is not None:  # fallback branch: a monotone transform of the ORIGINAL data
        assert r.transform == fb
        assert (r.actions == fb).all()
        if fb == "log_ct":
            np.testing.assert_allclose(b, np.log(a - a.min() + 0.01 * np.ptp(a)), rtol=1e-12)
        # the transform keeps the ordering of the original (not the clipped) values strictly
        strict = np.diff(a[order]) > 1e-6 * np.ptp(a)
        assert np.all(np.diff(b[order])[strict] > 0)


def test_weak_order_log_fallback_example() -> None:
    # deterministic log-fallback case: 3 distinct outliers, winmax = 1
    vals = [float(v) for v in np.linspace(0, 10, 30)] + [1e3, 5e3, 2e4]
    r = winsorise(_s(vals), winmax=1)
    assert r.transform == "log_ct" and r.n_winsorised == 1
    b = r.values.to_numpy()
    assert np.all(np.diff(b) > 0)  # input is strictly increasing, so is the output


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
@given(outlier_samples(max_outliers=4, signed=False), st.integers(1, 4))
def test_outlier_gets_treated(xs: np.ndarray, winmax: int) -> None:
    # 1–4 distinct outliers: when winmax >= their number winsorisation clips them and passes;
    # otherwise the column still fails after winmax steps and COINr's log_CT fallback fires
    x = _s(xs.tolist())
    n_out = int((xs > 100).sum())
    r = winsorise(x, winmax=winmax)
    a = x.to_numpy()
    if winmax >= n_out:
        assert r.transform is None and r.passed is True
        assert r.values.max() < 100 and r.n_winsorised == n_out
    else:  # winmax reached without passing: COINr's log_CT of the ORIGINAL column
        assert r.transform == "log_ct" and r.n_winsorised == winmax
        np.testing.assert_allclose(r.values, np.log(a - a.min() + 0.01 * np.ptp(a)), rtol=1e-12)
        assert r.values.iloc[-1] == r.values.max()  # the largest outlier stays the largest value
        assert r.skew_after < r.skew_before  # the log compresses the outliers
        assert (r.actions == "log_ct").all()


# ------------------------------------------------------------------ ASEM (COINr example)


def _asem_treated(asem_dir: Path) -> pd.DataFrame:
    from aiindex.stages import denominate, impute

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
