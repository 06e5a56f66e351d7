"""COINr ``get_stats()`` columns of :func:`aiindex.stats.metric_stats`: ``N.Same``/``Frc.Same``
and the strict skew/kurtosis flag (hand-computed values)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiindex.errors import DataError
from aiindex.stats import kurtosis, metric_stats, most_frequent_count, skewness


def test_n_same_hand_values() -> None:
    X = pd.DataFrame({
        "a": [3.0, 1.0, 3.0, np.nan, 1.0, 3.0],        # 3 appears 3 times among 5 values
        "b": [1.0, 1.0, 2.0, 2.0, np.nan, np.nan],     # tie 2-2: the count is 2 either way
        "c": [np.nan] * 6,                             # no value: 0 and NaN
        "d": [5.0, 6.0, 7.0, 8.0, 9.0, 10.0],          # all distinct: 1
    })
    s = metric_stats(X)
    assert list(s["n_same"]) == [3, 2, 0, 1]
    assert s.loc["a", "same_share"] == pytest.approx(3 / 5)
    assert s.loc["b", "same_share"] == pytest.approx(2 / 4)
    assert math.isnan(s.loc["c", "same_share"])
    assert s.loc["d", "same_share"] == pytest.approx(1 / 6)


def test_n_same_compares_at_15_significant_digits_like_r_table() -> None:
    # R: max(table(c(0.1 + 0.2, 0.3, 0.7))) == 2 (both print as "0.3"), length(unique()) == 3
    X = pd.DataFrame({"x": [0.1 + 0.2, 0.3, 0.7]})
    s = metric_stats(X)
    assert s.loc["x", "n_same"] == 2
    assert s.loc["x", "n_unique"] == 3


def test_most_frequent_count_shape_errors() -> None:
    assert most_frequent_count(np.empty((0, 3))).tolist() == [0, 0, 0]
    with pytest.raises(DataError, match="2-D"):
        most_frequent_count(np.array([1.0, 2.0]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([0.0, 1.0, 2.5, -3.0, float("nan")]), min_size=1, max_size=30))
def test_n_same_equals_value_counts(xs: list[float]) -> None:
    x = pd.Series(xs)
    expected = int(x.value_counts(dropna=True).max()) if x.notna().any() else 0
    assert most_frequent_count(x.to_numpy()[:, None])[0] == expected


def test_strict_flag_differs_only_on_the_threshold() -> None:
    x = [0.0] * 7 + [10.0]
    g, k = skewness(x), kurtosis(x)          # 2*sqrt(2) and 8 (up to rounding)
    X = pd.DataFrame({"c": x})
    # thresholds exactly at the statistics: >= flags, > does not
    assert bool(metric_stats(X, skew_thresh=abs(g), kurt_thresh=k)["outlier"].iloc[0]) is True
    assert bool(metric_stats(X, skew_thresh=abs(g), kurt_thresh=k,
                             strict=True)["outlier"].iloc[0]) is False
    # away from the thresholds both rules agree
    for strict in (False, True):
        assert bool(metric_stats(X, strict=strict)["outlier"].iloc[0]) is True
        assert bool(metric_stats(X, skew_thresh=3.0, strict=strict)["outlier"].iloc[0]) is False
