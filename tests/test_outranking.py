"""Outranking matrix of Copeland aggregation (COINr ``outrankMatrix``): hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from aiindex.errors import MethodError
from aiindex.stages.aggregate import (
    build_weights,
    copeland,
    node_outranking,
    outranking_matrix,
)

X = pd.DataFrame({"c1": [3.0, 1.0, 2.0, np.nan, np.nan],
                  "c2": [1.0, 1.0, 0.0, np.nan, np.nan],
                  "c3": [2.0, 5.0, np.nan, 7.0, np.nan]}, index=list("ABCDE"))
W = pd.Series({"c1": 2.0, "c2": 1.0, "c3": 1.0})


def test_hand_computed_matrix_with_weights_ties_and_missing():
    o = outranking_matrix(X, W)
    P = o.matrix
    # A-B on all three children, v = (.5, .25, .25): c1 3>1, c2 tie, c3 2<5
    assert P.loc["A", "B"] == pytest.approx(0.5 + 0.125)
    assert P.loc["B", "A"] == pytest.approx(0.125 + 0.25)
    # A-C on c1, c2 only (C lacks c3): v = (2/3, 1/3), A better on both -> dominance
    assert P.loc["A", "C"] == pytest.approx(1.0) and P.loc["C", "A"] == pytest.approx(0.0)
    # B-C: c1 1<2, c2 1>0 -> 1/3
    assert P.loc["B", "C"] == pytest.approx(1 / 3) and P.loc["C", "B"] == pytest.approx(2 / 3)
    # D has c3 only: compared with A and B on c3, not at all with C (no common child)
    assert P.loc["D", "A"] == pytest.approx(1.0) and P.loc["B", "D"] == pytest.approx(0.0)
    assert np.isnan(P.loc["C", "D"]) and np.isnan(P.loc["D", "C"])
    # E has no data: its row and column are NaN; the diagonal of the others is 0
    assert P.loc["E"].isna().all() and P["E"].isna().all()
    assert [P.loc[u, u] for u in "ABCD"] == [0.0] * 4
    # dominant pairs: A>C, D>A, D>B; 4 units with data -> 6 pairs
    assert o.n_dominant == 3
    assert o.frac_dominant == pytest.approx(3 / 6)


def test_copeland_is_the_sign_sum_of_the_matrix():
    o = outranking_matrix(X, W)
    P = o.matrix.to_numpy()
    s = np.where(np.isnan(P), 0.0, np.sign(P - 0.5))
    np.fill_diagonal(s, 0.0)
    expected = s.sum(axis=1)
    expected[4] = np.nan  # E has no data
    A = X.to_numpy()
    got = copeland(A, build_weights(A, W.to_numpy()))
    np.testing.assert_allclose(got, expected)
    # hand values: A beats B and C, loses to D -> 1; B: -1 -1 -1 -> -3; C: -1 +1 -> 0; D: 2
    np.testing.assert_allclose(got[:4], [1.0, -3.0, 0.0, 2.0])


def test_equal_weights_and_identical_units_tie():
    Y = np.array([[1.0, 2.0], [1.0, 2.0], [0.0, 3.0]])
    o = outranking_matrix(Y)  # default: equal weights
    assert o.matrix.iloc[0, 1] == 0.5 and o.matrix.iloc[1, 0] == 0.5
    assert o.matrix.iloc[0, 2] == 0.5  # 1>0 on the first, 2<3 on the second
    assert o.n_dominant == 0 and o.frac_dominant == 0.0


def test_dominance_counted_despite_rounding_of_seven_equal_weights():
    # 7 weights of 1/7 do not add up to exactly 1.0 in floating point; COINr's `orm == 1`
    # would miss the pair, the tolerance does not
    Y = np.vstack([np.arange(7.0) + 1, np.arange(7.0)])
    o = outranking_matrix(Y, np.full(7, 1 / 7))
    assert o.n_dominant == 1 and o.frac_dominant == 1.0


def coinr_outrank(A: np.ndarray, w: np.ndarray) -> np.ndarray:
    """COINr's outrankMatrix loop transcribed (complete data): upper triangle, lower = 1 - upper."""
    w = w / w.sum()
    n = len(A)
    orm = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            orm[i, j] = w[A[i] > A[j]].sum() + w[A[i] == A[j]].sum() / 2
            orm[j, i] = 1 - orm[i, j]
    return orm


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, (6, 4), elements=st.sampled_from([0.0, 1.0, 2.0, 3.5])),
       arrays(np.float64, 4, elements=st.floats(0.1, 5.0)))
def test_complete_data_equals_coinr(A, w):
    o = outranking_matrix(A, w)
    np.testing.assert_allclose(o.matrix.to_numpy(), coinr_outrank(A, w), atol=1e-12)
    dom = np.abs(coinr_outrank(A, w) - 1.0) <= 1e-12
    assert o.n_dominant == int(dom.sum())


def test_weights_errors():
    with pytest.raises(MethodError, match="2 weight"):
        outranking_matrix(np.ones((3, 3)), [1.0, 1.0])
    with pytest.raises(MethodError, match=">= 0"):
        outranking_matrix(X, pd.Series({"c1": -1.0, "c2": 1.0, "c3": 1.0}))
    with pytest.raises(MethodError, match="no weight"):
        outranking_matrix(X, pd.Series({"c1": 1.0}))


def test_node_outranking_on_asem(asem):
    o = node_outranking(asem, "Sust")
    kids = asem.framework.children("Sust")
    direct = outranking_matrix(asem.stages["aggregated"][kids])
    pd.testing.assert_frame_equal(o.matrix, direct.matrix)
    assert o.matrix.shape == (51, 51)
    assert 0 <= o.frac_dominant <= 1
    # the same from a DataFrame and a framework
    o2 = node_outranking(asem.stages["aggregated"], "Sust", framework=asem.framework)
    assert o2.n_dominant == o.n_dominant
    with pytest.raises(MethodError, match="not an aggregate"):
        node_outranking(asem, "LPI")
    with pytest.raises(MethodError, match="framework="):
        node_outranking(asem.stages["aggregated"], "Sust")
