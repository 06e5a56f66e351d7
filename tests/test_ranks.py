"""Tests for aiindex.ranks."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.stats import rankdata

from aiindex.ranks import rank, rank_array, rank_within


def test_rank_series_hand() -> None:
    s = pd.Series([3.0, 5.0, 3.0, np.nan, 1.0], index=list("abcde"))
    r = rank(s)
    # 5 is best (1); the two 3s tie at 2; 1 is 4th; missing → NA
    assert r.dtype == "Int64"
    assert r.tolist() == [2, 1, 2, pd.NA, 4]
    assert rank(s, ascending=True).tolist() == [2, 4, 2, pd.NA, 1]


def test_rank_dataframe_columnwise() -> None:
    df = pd.DataFrame({"x": [1.0, 2.0, 2.0], "y": [9.0, np.nan, 0.0]}, index=["A", "B", "C"])
    r = rank(df)
    assert (r.dtypes == "Int64").all()
    assert r["x"].tolist() == [3, 1, 1]
    assert r["y"].tolist() == [1, pd.NA, 2]


def test_rank_within_groups() -> None:
    s = pd.Series([10.0, 20.0, 30.0, 5.0, np.nan], index=list("abcde"))
    g = pd.Series(["H", "L", "H", "L", "H"], index=list("abcde"))
    r = rank_within(s, g)
    # H: a=10, c=30, e=NA → c 1, a 2 ; L: b=20, d=5 → b 1, d 2
    assert r.tolist() == [2, 1, 1, 2, pd.NA]
    # unit with no group → NA
    r2 = rank_within(s, g.drop("a"))
    assert r2.isna()["a"]


def test_rank_array_hand() -> None:
    S = np.array([[1.0, 3.0, 3.0, np.nan, 0.0], [5.0, 5.0, 5.0, 5.0, 5.0]])
    R = rank_array(S)
    np.testing.assert_array_equal(R[0], [3.0, 1.0, 1.0, np.nan, 4.0])
    np.testing.assert_array_equal(R[1], [1.0] * 5)
    # axis=0
    np.testing.assert_array_equal(rank_array(S.T, axis=0), R.T)


@settings(max_examples=60, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 6), st.integers(1, 8)),
        elements=st.one_of(st.integers(-3, 3).map(float), st.just(np.nan)),
    )
)
def test_rank_array_equals_scipy(S: np.ndarray) -> None:
    R = rank_array(S)
    for i in range(S.shape[0]):
        row = S[i]
        ok = ~np.isnan(row)
        expected = np.full(row.shape, np.nan)
        if ok.any():
            expected[ok] = rankdata(-row[ok], method="min")
        np.testing.assert_array_equal(R[i], expected)


def test_rank_array_speed() -> None:
    rng = np.random.default_rng(1)
    S = np.round(rng.random((100_000, 51)), 3)  # rounding creates ties
    t0 = time.perf_counter()
    R = rank_array(S)
    dt = time.perf_counter() - t0
    assert dt < 3.0, f"rank_array too slow: {dt:.2f}s"
    for i in (0, 17, 99_999):
        np.testing.assert_array_equal(R[i], rankdata(-S[i], method="min"))


def test_rank_rejects_non_pandas() -> None:
    from aiindex.errors import DataError

    with pytest.raises(DataError):
        rank([1, 2, 3])  # type: ignore[arg-type]
