"""Tests of aiindex.stats (type-2 skewness/kurtosis as in COINr, metric and unit summaries)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from aiindex.errors import DataError
from aiindex.stats import fails_skew_kurt, kurtosis, metric_stats, skewness, unit_availability


def test_skew_kurt_hand_values() -> None:
    # x = (0, 0, 0, 3): mean 0.75, d = (-.75, -.75, -.75, 2.25)
    # sum d^2 = 6.75, sum d^3 = 10.125, sum d^4 = 26.578125
    # skew = 2 * 10.125 / 6.75**1.5 * sqrt(12) / 2 = 2 (Excel SKEW gives 2)
    # r = 4 * 26.578125 / 6.75**2 = 7/3 ; kurt = (5 * (7/3 - 3) + 6) * 3 / 2 = 4 (Excel KURT gives 4)
    assert skewness([0, 0, 0, 3]) == pytest.approx(2.0, abs=1e-12)
    assert kurtosis([0, 0, 0, 3]) == pytest.approx(4.0, abs=1e-12)
    # symmetric data: skew 0; (1,2,3,4,5): r = 5*34/100 = 1.7, kurt = (6*(-1.3)+6)*4/6 = -1.2
    assert skewness([1, 2, 3, 4, 5]) == pytest.approx(0.0, abs=1e-15)
    assert kurtosis([1, 2, 3, 4, 5]) == pytest.approx(-1.2, abs=1e-12)


def test_nan_ignored_and_small_n() -> None:
    assert skewness([0, np.nan, 0, 0, 3]) == pytest.approx(2.0)
    with pytest.raises(DataError, match="at least 3"):
        skewness([1.0, 2.0, np.nan])
    with pytest.raises(DataError, match="at least 4"):
        kurtosis([1.0, 2.0, 3.0])
    assert math.isnan(skewness([2.0, 2.0, 2.0, 2.0]))  # constant: undefined, as in R


def test_fail_rule_is_non_strict() -> None:
    # COINr check_SkewKurt passes when |skew| < 2 OR kurt < 3.5: the boundary fails.
    assert fails_skew_kurt(2.0, 3.5)
    assert fails_skew_kurt(-2.0, 3.5)
    assert not fails_skew_kurt(1.999, 100)
    assert not fails_skew_kurt(10, 3.499)
    assert not fails_skew_kurt(float("nan"), 10)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=4, max_size=40))
def test_matches_scipy_unbiased(xs: list[float]) -> None:
    x = np.array(xs)
    if np.ptp(x) < 1e-6:
        return
    assert skewness(x) == pytest.approx(sps.skew(x, bias=False), rel=1e-7, abs=1e-9)
    assert kurtosis(x) == pytest.approx(sps.kurtosis(x, bias=False), rel=1e-7, abs=1e-9)


def test_metric_stats() -> None:
    X = pd.DataFrame(
        {"a": [0.0, 0.0, 0.0, 3.0, np.nan], "b": [1.0, 2.0, 3.0, 4.0, 5.0]},
        index=pd.Index(list("VWXYZ"), name="uCode"),
    )
    s = metric_stats(X)
    assert s.loc["a", "n_avail"] == 4 and s.loc["a", "availability"] == pytest.approx(0.8)
    assert s.loc["a", "zero_share"] == pytest.approx(0.75)
    assert s.loc["a", "skew"] == pytest.approx(2.0) and s.loc["a", "kurt"] == pytest.approx(4.0)
    assert s.loc["a", "n_unique"] == 2 and s.loc["b", "n_unique"] == 5
    assert s.loc["b", "sd"] == pytest.approx(np.std([1, 2, 3, 4, 5], ddof=1))
    assert s.loc["b", "median"] == 3 and s.loc["b", "min"] == 1 and s.loc["b", "max"] == 5
    # "a" sits on the boundary (skew 2 up to rounding): the flag is exactly the treatment rule
    assert bool(s.loc["a", "outlier"]) is fails_skew_kurt(s.loc["a", "skew"], s.loc["a", "kurt"])
    assert bool(s.loc["b", "outlier"]) is False
    # 7 zeros and a 10: skew = 2*sqrt(2) = 2.83, kurt = 8 -> outlier
    o = metric_stats(pd.DataFrame({"c": [0.0] * 7 + [10.0]}))
    assert o.loc["c", "skew"] == pytest.approx(2 * math.sqrt(2))
    assert o.loc["c", "kurt"] == pytest.approx(8.0)
    assert bool(o.loc["c", "outlier"]) is True


def test_unit_availability() -> None:
    X = pd.DataFrame({"a": [0.0, np.nan, 1.0], "b": [0.0, np.nan, np.nan], "c": [2.0, np.nan, 3.0]},
                     index=["U", "V", "W"])
    u = unit_availability(X)
    assert list(u["n_missing"]) == [0, 3, 1]
    assert list(u["n_zero"]) == [2, 0, 0]
    assert u.loc["U", "availability"] == pytest.approx(1.0)
    assert u.loc["W", "availability"] == pytest.approx(2 / 3)
    assert u.loc["U", "zero_share"] == pytest.approx(2 / 3)
    assert math.isnan(u.loc["V", "zero_share"])
