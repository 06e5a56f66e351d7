"""PCA weights: COINr's signed first-component loadings beside the squared default
(hand-computed on data with an exactly known correlation matrix)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from aiindex.errors import MethodError
from aiindex.weights import WEIGHTERS


def with_correlation(R: np.ndarray, n: int = 40, seed: int = 0) -> pd.DataFrame:
    """n × k data whose sample correlation matrix is exactly R (whitened noise × chol(R)ᵀ)."""
    k = len(R)
    Z = np.random.default_rng(seed).standard_normal((n, k))
    Z -= Z.mean(axis=0)
    Q, _ = np.linalg.qr(Z)  # orthonormal, centred columns
    X = Q @ np.linalg.cholesky(R).T * 3.0 + 50.0
    return pd.DataFrame(X, columns=["a", "b", "c"])


# R = [[1, r, r], [r, 1, s], [r, s, 1]] with r = 0.6, s = 0.2: the first eigenvector is
# (1, t, t) with 2 r t² - s t - r = 0, t = (s + sqrt(s² + 8 r²)) / (4 r)
R_POS = np.array([[1.0, 0.6, 0.6], [0.6, 1.0, 0.2], [0.6, 0.2, 1.0]])
T = (0.2 + math.sqrt(0.04 + 8 * 0.36)) / 2.4


def test_signed_and_squared_loadings_hand_computed():
    X = with_correlation(R_POS)
    signed = WEIGHTERS.call("pca_first", X, loadings="signed")
    squared = WEIGHTERS.call("pca_first", X)
    absolute = WEIGHTERS.call("pca_first", X, loadings="absolute")
    s = 1 + 2 * T
    np.testing.assert_allclose(signed[["a", "b", "c"]], [1 / s, T / s, T / s], atol=1e-10)
    q = 1 + 2 * T**2
    np.testing.assert_allclose(squared[["a", "b", "c"]], [1 / q, T**2 / q, T**2 / q], atol=1e-10)
    # all loadings positive: absolute = signed
    np.testing.assert_allclose(absolute.to_numpy(), signed.to_numpy(), atol=1e-12)
    assert signed.attrs["loading_type"] == "signed"
    # numbers, for the docs: t = 0.79533, signed 0.38600/0.30700, squared 0.44148/0.27926
    assert T == pytest.approx(0.795334, abs=1e-6)
    assert signed["a"] == pytest.approx(0.386000, abs=1e-6)
    assert squared["a"] == pytest.approx(0.441480, abs=1e-6)


def test_signed_sign_is_the_direction_of_the_sum():
    # reversing every component reverses the eigenvector, not the weights
    X = with_correlation(R_POS)
    a = WEIGHTERS.call("pca_first", X, loadings="signed")
    b = WEIGHTERS.call("pca_first", -X, loadings="signed")
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), atol=1e-12)


def test_signed_negative_loading_is_an_error_naming_the_component():
    # c pulls against a and b: its loading on the first component is negative (COINr would
    # give it a negative weight)
    R = np.array([[1.0, 0.7, -0.5], [0.7, 1.0, -0.4], [-0.5, -0.4, 1.0]])
    X = with_correlation(R)
    with pytest.raises(MethodError, match=r"'c'.*negative"):
        WEIGHTERS.call("pca_first", X, loadings="signed")
    w = WEIGHTERS.call("pca_first", X)  # squared loadings stay usable
    assert w.sum() == pytest.approx(1.0) and (w > 0).all()


def test_loadings_option_errors():
    X = with_correlation(R_POS)
    with pytest.raises(MethodError, match="loadings must be one of"):
        WEIGHTERS.call("pca_first", X, loadings="cubed")
    with pytest.raises(MethodError, match="contradicts"):
        WEIGHTERS.call("pca_first", X, loadings="signed", absolute=True)
    np.testing.assert_allclose(WEIGHTERS.call("pca_first", X, absolute=True).to_numpy(),
                               WEIGHTERS.call("pca_first", X, loadings="absolute").to_numpy())
