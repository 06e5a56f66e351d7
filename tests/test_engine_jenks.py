"""Fisher-Jenks by divide and conquer (used per replication for tier probabilities) equals the
full O(k·n²) minimisation and jenkspy, also at n = 5,000."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiindex.tiers import jenks
from aiindex.tiers.methods import _jenks_batch, _new_tier_starts, _rescale_rows


def _full_dp(x: np.ndarray, k: int) -> np.ndarray:
    """Tiers (1 = top) by the full minimisation over every start ``i`` (leftmost minimum)."""
    order = np.argsort(x, kind="stable")
    xs = x[order][None, :]
    z = _rescale_rows(xs)[0]
    starts = _new_tier_starts(xs)[0]
    n = len(x)
    kk = min(k, int(starts.sum()))
    S1 = np.concatenate([[0.0], np.cumsum(z)])
    S2 = np.concatenate([[0.0], np.cumsum(z * z)])
    D = np.maximum(S2[1:] - S1[1:] ** 2 / np.arange(1, n + 1), 0.0)
    B = np.zeros((kk + 1, n), dtype=int)
    for c in range(2, kk + 1):
        prev = np.full(n, np.inf)
        prev[1:] = D[:-1]
        prev[~starts] = np.inf
        prev[0] = np.inf
        Dn = np.full(n, np.inf)
        for j in range(n):  # every end position, every start (small n only)
            i = np.arange(j + 1)
            s1, s2 = S1[j + 1] - S1[i], S2[j + 1] - S2[i]
            cost = prev[i] + np.maximum(s2 - s1 * s1 / (j - i + 1), 0.0)
            B[c, j] = int(np.argmin(cost))
            Dn[j] = cost[B[c, j]]
        D = Dn
    cls = np.zeros(n, dtype=int)
    j, c = n - 1, kk
    while c >= 2:
        i = B[c, j]
        cls[i:] += 1
        j, c = i - 1, c - 1
    out = np.empty(n, dtype=int)
    out[order] = kk - cls
    return out


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 45), k=st.integers(1, 7),
       kind=st.sampled_from(["normal", "few_values", "rounded", "skewed"]))
def test_divide_and_conquer_equals_the_full_minimisation(seed, n, k, kind):
    rng = np.random.default_rng(seed)
    x = {"normal": lambda: rng.normal(50, 15, n),
         "few_values": lambda: rng.integers(0, 5, n).astype(float),
         "rounded": lambda: np.round(rng.gamma(2.0, 10.0, n), 0),
         "skewed": lambda: rng.random(n) ** 4}[kind]()
    np.testing.assert_array_equal(jenks(x, k=k), _full_dp(x, k))
    # several rows at once (tier probabilities) give the same as one by one
    X = np.stack([x, x[::-1], np.sort(x)])
    np.testing.assert_array_equal(_jenks_batch(X, k=k)[2], _full_dp(np.sort(x), k))


@pytest.mark.parametrize("k", [4, 7])
def test_n5000_equals_jenkspy(k):
    jenkspy = pytest.importorskip("jenkspy")
    x = np.random.default_rng(11).gamma(2.0, 10.0, size=5000)
    t = jenks(x, k=k)
    upper = [x[t == c].max() for c in range(k, 0, -1)]
    ref = jenkspy.jenks_breaks(x.tolist(), n_classes=k)
    np.testing.assert_allclose(upper, ref[1:], rtol=0, atol=1e-12)
