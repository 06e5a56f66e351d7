"""Shared property suite: every registered normaliser and aggregator must pass it.

The suite iterates the registries, so a newly registered method is tested automatically.
Methods with required parameters get them from ``NORM_PARAMS`` / ``AGG_PARAMS`` (a dict or a
callable of the data); a method without an entry is called with no parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import rankdata

from aiindex.errors import MethodError
from aiindex.stages.aggregate import AGGREGATORS, aggregate_group, build_weights
from aiindex.stages.normalize import NORMALIZERS, check_no_new_missing

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Params = dict[str, Any] | Callable[[Any], dict[str, Any]]

NORM_PARAMS: dict[str, Params] = {
    "distance_to_reference": lambda X: {"unit": X.index[0], "kind": "ratio"},
    "distance_to_target": {"targets": 1e6},
    "goalposts": {"gposts": (-1e6, 1e6)},
    "minmax": {"low": 1.0, "high": 10.0},
}

AGG_PARAMS: dict[str, Params] = {
    "power": {"p": 2.0},
    "owa": lambda k: {"owa_weights": list(range(k, 0, -1))},
}

NORMS = [n for n in NORMALIZERS.names() if not n.startswith("_")]
AGGS = [a for a in AGGREGATORS.names() if not a.startswith("_")]


def norm_params(name: str, X: pd.DataFrame) -> dict[str, Any]:
    p = NORM_PARAMS.get(name, {})
    return p(X) if callable(p) else dict(p)


def agg_params(name: str, k: int) -> dict[str, Any]:
    p = AGG_PARAMS.get(name, {})
    return p(k) if callable(p) else dict(p)


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    """Units × metrics, positive values with ties; unit 0 always complete; some NaN elsewhere."""
    n = draw(st.integers(2, 8))
    k = draw(st.integers(1, 3))
    vals = draw(
        st.lists(
            st.lists(st.one_of(st.integers(1, 20).map(float), st.just(np.nan)), min_size=k, max_size=k),
            min_size=n,
            max_size=n,
        )
    )
    arr = np.array(vals, dtype=float)
    arr[0] = np.where(np.isnan(arr[0]), 7.0, arr[0])
    return pd.DataFrame(
        arr,
        index=pd.Index([f"U{i}" for i in range(n)], name="uCode"),
        columns=[f"m{j}" for j in range(k)],
    )


def _call_norm(name: str, X: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    Y = NORMALIZERS.get(name)(X, **params)
    check_no_new_missing(X, Y, name)
    return Y


def _reverse(X: pd.DataFrame) -> pd.DataFrame:
    """Direction −1: negate (plus a constant so positivity-requiring methods still apply)."""
    return 1000.0 - X


# --- normalisers ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NORMS)
@SETTINGS
@given(X=frames(), seed=st.integers(0, 10_000))
def test_normalizer_shape_missing_and_permutation(name: str, X: pd.DataFrame, seed: int) -> None:
    params = norm_params(name, X)
    Y = _call_norm(name, X, params)
    assert list(Y.index) == list(X.index) and list(Y.columns) == list(X.columns)
    assert (Y.isna() == X.isna()).all().all(), "missing pattern must be preserved"
    perm = np.random.default_rng(seed).permutation(len(X))
    Yp = _call_norm(name, X.iloc[perm], params)
    pd.testing.assert_frame_equal(Yp, Y.iloc[perm], check_freq=False)


@pytest.mark.parametrize("name", [n for n in NORMS if NORMALIZERS.meta(n).get("order_preserving")])
@SETTINGS
@given(X=frames())
def test_normalizer_order_and_direction(name: str, X: pd.DataFrame) -> None:
    Y = _call_norm(name, X, norm_params(name, X))
    Xr = _reverse(X)
    Yr = _call_norm(name, Xr, norm_params(name, Xr))
    for c in X.columns:
        x = X[c].to_numpy()
        ok = ~np.isnan(x)
        x, y, yr = x[ok], Y[c].to_numpy()[ok], Yr[c].to_numpy()[ok]
        lt = x[:, None] < x[None, :]
        eq = x[:, None] == x[None, :]
        tol = 1e-9 * (1 + np.abs(y).max())
        assert np.all((y[:, None] <= y[None, :] + tol)[lt]), "order must be preserved"
        assert np.all(np.isclose(y[:, None], y[None, :])[eq]), "ties must stay ties"
        tolr = 1e-9 * (1 + np.abs(yr).max())
        assert np.all((yr[:, None] >= yr[None, :] - tolr)[lt]), "direction -1 must reverse the order"


#: normalisers that need positive data: on negated data they must refuse with a clear error
POSITIVE_ONLY = {"fraction_of_max", "distance_to_reference"}


@pytest.mark.parametrize("name", [n for n in NORMS if NORMALIZERS.meta(n).get("order_preserving")])
def test_normalizer_pure_negation_reverses(name: str) -> None:
    X = pd.DataFrame({"m": [3.0, 1.0, 2.0, 2.0]}, index=list("ABCD"))
    Xn = -X
    if NORMALIZERS.canonical(name) in POSITIVE_ONLY:
        with pytest.raises(MethodError, match="m"):
            _call_norm(name, Xn, norm_params(name, Xn))
        return
    Yn = _call_norm(name, Xn, norm_params(name, Xn))
    y = Yn["m"].to_numpy()
    assert y[1] >= y[2] == y[3] >= y[0]


@SETTINGS
@given(X=frames(), lo=st.floats(-100, 100), width=st.floats(0.1, 100))
def test_minmax_within_bounds(X: pd.DataFrame, lo: float, width: float) -> None:
    Y = _call_norm("minmax", X, {"low": lo, "high": lo + width})
    v = Y.to_numpy()[~np.isnan(Y.to_numpy())]
    assert np.all(v >= lo - 1e-9) and np.all(v <= lo + width + 1e-9)


@SETTINGS
@given(X=frames())
def test_rank_normaliser_min_ties(X: pd.DataFrame) -> None:
    R = _call_norm("rank", X, {})
    for c in X.columns:
        x = X[c].to_numpy()
        ok = ~np.isnan(x)
        if ok.any():
            np.testing.assert_array_equal(R[c].to_numpy()[ok], rankdata(x[ok], method="min"))
            assert R[c].min() == 1 and R[c].max() <= ok.sum()


# --- aggregators ------------------------------------------------------------------------------


@st.composite
def matrices(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(2, 7))
    k = draw(st.integers(1, 4))
    vals = draw(
        st.lists(
            st.one_of(st.integers(1, 30).map(float), st.just(np.nan)), min_size=n * k, max_size=n * k
        )
    )
    X = np.array(vals, dtype=float).reshape(n, k)
    X[0] = np.where(np.isnan(X[0]), 5.0, X[0])
    w = np.array(draw(st.lists(st.floats(0.1, 5.0), min_size=k, max_size=k)))
    return X, w


def _frame(X: np.ndarray) -> pd.DataFrame:
    n, k = X.shape
    return pd.DataFrame(X, index=[f"U{i}" for i in range(n)], columns=[f"c{j}" for j in range(k)])


@pytest.mark.parametrize("name", AGGS)
@SETTINGS
@given(Xw=matrices(), seed=st.integers(0, 10_000), scale=st.floats(0.01, 100))
def test_aggregator_shape_permutation_scaling(
    name: str, Xw: tuple[np.ndarray, np.ndarray], seed: int, scale: float
) -> None:
    X, w = Xw
    k = X.shape[1]
    params = agg_params(name, k)
    W = build_weights(X, w)
    y = AGGREGATORS.get(name)(X, W, **params)
    assert y.shape == (X.shape[0],)
    has = ~np.isnan(X).all(axis=1)
    assert np.all(np.isfinite(y[has])) and np.all(np.isnan(y[~has]))
    # permuting units permutes the output
    perm = np.random.default_rng(seed).permutation(X.shape[0])
    yp = AGGREGATORS.get(name)(X[perm], W[perm], **params)
    np.testing.assert_allclose(yp, y[perm], rtol=1e-12)
    # invariant to scaling all weights
    df = _frame(X)
    ws = pd.Series(w, index=df.columns)
    s1 = aggregate_group(df, ws, name, params, parent="P")
    s2 = aggregate_group(df, ws * scale, name, params, parent="P")
    np.testing.assert_allclose(s2.to_numpy(), s1.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(s1.to_numpy(), y, rtol=1e-12)


@pytest.mark.parametrize("name", [a for a in AGGS if AGGREGATORS.meta(a).get("monotone")])
@SETTINGS
@given(Xw=matrices(), j=st.integers(0, 3), delta=st.floats(0.01, 50))
def test_aggregator_monotone_in_each_child(
    name: str, Xw: tuple[np.ndarray, np.ndarray], j: int, delta: float
) -> None:
    X, w = Xw
    j = j % X.shape[1]
    params = agg_params(name, X.shape[1])
    f = AGGREGATORS.get(name)
    y = f(X, build_weights(X, w), **params)
    X2 = X.copy()
    X2[:, j] = X2[:, j] + delta  # NaN stays NaN
    y2 = f(X2, build_weights(X2, w), **params)
    has = ~np.isnan(y)
    assert np.all(y2[has] >= y[has] - 1e-9 * (1 + np.abs(y[has])))


@pytest.mark.parametrize("name", ["arithmetic", "geometric", "harmonic", "power", "median"])
def test_means_are_flagged_monotone(name: str) -> None:
    assert AGGREGATORS.meta(name).get("monotone")


def _has_domain(name: str) -> bool:
    from aiindex.stages.aggregate import value_domain

    return value_domain(name, agg_params(name, 2)) is not None


@pytest.mark.parametrize("name", [n for n in AGGS if _has_domain(n)])
def test_aggregator_positive_domain_errors_name_child_and_unit(name: str) -> None:
    from aiindex.stages.aggregate import value_domain

    params = agg_params(name, 2)
    bad = 0.0 if value_domain(name, params) == "positive" else -1.0
    df = pd.DataFrame({"good": [1.0, 2.0], "bad": [3.0, bad]}, index=["AAA", "BBB"])
    with pytest.raises(MethodError) as ei:
        aggregate_group(df, pd.Series({"good": 1.0, "bad": 1.0}), name, params, parent="Par")
    msg = str(ei.value)
    assert "'bad'" in msg and "BBB" in msg and "Par" in msg and name in msg
