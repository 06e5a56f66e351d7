"""Tests of aiindex.tiers: 1-D tiering, choosing k, profile clustering, rules, stability."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from aiindex.errors import DataError, MethodError
from aiindex.tiers import (
    TIERERS,
    TierResult,
    choose_k,
    head_tail,
    jenks,
    largest_gaps,
    quantiles,
    refine_tiers,
    sizes,
    thresholds,
    tier_probabilities,
    tiers_1d,
    tiers_profile,
)

K_METHODS = ["jenks", "largest_gaps", "quantiles", "head_tail"]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def units(n: int) -> list[str]:
    return [f"U{i:03d}" for i in range(n)]


def params_for(method: str, x: np.ndarray, k: int) -> dict:
    """Parameters making every registered method applicable to x with about k tiers."""
    n = int((~np.isnan(x)).sum())
    if method == "thresholds":
        lo, hi = np.nanmin(x), np.nanmax(x)
        edges = np.linspace(hi, lo, k + 1)[1:-1] if hi > lo else [lo + 1.0]
        edges = np.unique(edges)[::-1]
        return {"breaks": [float(e) for e in edges] or [float(hi) + 1.0]}
    if method == "sizes":
        base = np.full(min(k, n), n // min(k, n))
        base[: n - base.sum()] += 1
        return {"sizes": [int(v) for v in base], "ties": "upper"}
    return {"k": k}


# --------------------------------------------------------------------------------------------
# hand-computed values
# --------------------------------------------------------------------------------------------
def test_jenks_hand() -> None:
    x = np.array([10.0, 1, 2, 30, 3, 11, 12])
    # three clear groups {1,2,3}, {10,11,12}, {30}
    np.testing.assert_array_equal(jenks(x, k=3), [2, 3, 3, 1, 3, 2, 2])
    # k=2: {30} alone costs 2+2+... : SSD({1,2,3,10,11,12}) = 121.5 vs {1,2,3} + {10,..,30}:
    # 2 + SSD({10,11,12,30}) = 2 + 284.75 = 286.75 -> first one wins
    np.testing.assert_array_equal(jenks(x, k=2), [2, 2, 2, 1, 2, 2, 2])


def test_largest_gaps_quantiles_hand() -> None:
    np.testing.assert_array_equal(largest_gaps(np.array([0.0, 1, 5, 6, 20]), k=3), [3, 3, 2, 2, 1])
    # tier = 1 + floor(k * (#strictly higher) / n)
    np.testing.assert_array_equal(quantiles(np.arange(10.0), k=3), [3, 3, 3, 2, 2, 2, 1, 1, 1, 1])
    # ties share a tier: 5 equal scores at the top
    np.testing.assert_array_equal(quantiles(np.array([1.0, 2, 3, 3, 3]), k=2), [2, 2, 1, 1, 1])


def test_largest_gaps_equal_gaps_upper_first() -> None:
    # gaps 1, 1, 1: one cut, taken at the top of the scale
    np.testing.assert_array_equal(largest_gaps(np.array([0.0, 1, 2, 3]), k=2), [2, 2, 2, 1])


def test_head_tail_hand() -> None:
    x = np.array([1.0] * 8 + [10.0, 100.0])
    # mean 11.8: head {100} (10% <= 40%); then head of {100} is empty: stop -> 2 tiers
    np.testing.assert_array_equal(head_tail(x, k=5), [2] * 9 + [1])
    np.testing.assert_array_equal(head_tail(x, k=1), [1] * 10)
    # head share > 40% stops the split: [1, 2, 3, 4]: mean 2.5, head {3, 4} = 50%
    np.testing.assert_array_equal(head_tail(np.array([1.0, 2, 3, 4]), k=4), [1, 1, 1, 1])
    np.testing.assert_array_equal(
        head_tail(np.array([1.0, 2, 3, 4]), k=4, head_share=0.5), [3, 3, 2, 1]
    )


def test_thresholds_closed_sides() -> None:
    x = np.array([60.0, 59.9, 30.0, 15.0, 14.9, 75.0])
    np.testing.assert_array_equal(thresholds(x, breaks=[60, 30, 15]), [1, 2, 2, 3, 4, 1])
    np.testing.assert_array_equal(
        thresholds(x, breaks=[15, 30, 60], closed="right"), [2, 2, 3, 4, 4, 1]
    )
    with pytest.raises(MethodError, match="strictly"):
        thresholds(x, breaks=[60, 15, 30])
    with pytest.raises(MethodError, match="closed"):
        thresholds(x, breaks=[60], closed="both")
    with pytest.raises(MethodError, match="k=3"):
        thresholds(x, breaks=[60], k=3)


def test_sizes_ties() -> None:
    x = np.array([5.0, 4, 4, 3, 1])
    np.testing.assert_array_equal(sizes(x, sizes=[2, 3]), [1, 1, 2, 2, 2])
    np.testing.assert_array_equal(sizes(x, sizes=[2, 3], ties="upper"), [1, 1, 1, 2, 2])
    with pytest.raises(MethodError, match="add up to 4"):
        sizes(x, sizes=[2, 2])
    # a wrong type is caught by the registry's typed parameters (issue 13): "a list of integers"
    with pytest.raises(MethodError, match="integers"):
        sizes(x, sizes=[2.5, 2.5])


def test_sizes_split_independent_of_unit_order() -> None:
    s = pd.Series([5.0, 4, 4, 3, 1], index=["E", "B", "A", "C", "D"])
    r1 = tiers_1d(s, "sizes", sizes=[2, 3]).tiers
    r2 = tiers_1d(s.iloc[::-1], "sizes", sizes=[2, 3]).tiers
    pd.testing.assert_series_equal(r1, r2.reindex(r1.index))
    assert r1["A"] == 1 and r1["B"] == 2  # split by unit label


# --------------------------------------------------------------------------------------------
# defined outcomes
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", K_METHODS)
def test_n_less_than_k_gives_fewer_tiers(method: str) -> None:
    x = np.array([3.0, 1.0, 2.0])
    t = TIERERS.get(method)(x, k=5)
    assert set(t) <= {1, 2, 3}
    if method != "head_tail":
        np.testing.assert_array_equal(t, [1, 3, 2])


@pytest.mark.parametrize("method", K_METHODS)
def test_constant_scores_single_tier(method: str) -> None:
    np.testing.assert_array_equal(TIERERS.get(method)(np.full(6, 42.0), k=3), np.ones(6))


@pytest.mark.parametrize("method", K_METHODS)
def test_ties_share_a_tier(method: str) -> None:
    x = np.array([1.0, 2, 2, 2, 3, 7, 7, 9, 9, 9])
    t = TIERERS.get(method)(x, k=4)
    for v in np.unique(x):
        assert len(set(t[x == v])) == 1


@pytest.mark.parametrize("method", K_METHODS + ["thresholds", "sizes"])
def test_missing_scores_get_na(method: str) -> None:
    s = pd.Series([50.0, np.nan, 20.0, 10.0, 40.0], index=list("abcde"))
    p = params_for(method, s.to_numpy(), 2)
    r = tiers_1d(s, method, **p)
    assert r.tiers.dtype == "Int64"
    assert pd.isna(r.tiers["b"])
    assert r.tiers.drop("b").notna().all()
    # excluded from the breaks: same tiers as without the unit
    r2 = tiers_1d(s.drop("b"), method, **p)
    pd.testing.assert_series_equal(r.tiers.drop("b"), r2.tiers)
    assert TIERERS.get(method)(s.to_numpy(), **p)[1] == 0


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "3", None])
def test_invalid_k(bad: object) -> None:
    for method in K_METHODS:
        with pytest.raises(MethodError, match="k must be"):
            TIERERS.get(method)(np.arange(5.0), k=bad)


def test_errors() -> None:
    with pytest.raises(DataError, match="inf"):
        jenks(np.array([1.0, np.inf]), k=2)
    with pytest.raises(DataError, match="unit"):
        tiers_1d(pd.Series([1.0, np.inf], index=["A", "B"]), "jenks", k=2)
    with pytest.raises(MethodError, match="unknown parameter"):
        tiers_1d(pd.Series([1.0, 2.0]), "jenks", k=2, breaks=[1])
    with pytest.raises(MethodError, match="unknown tiering method"):
        tiers_1d(pd.Series([1.0, 2.0]), "nope", k=2)
    with pytest.raises(DataError, match="duplicated"):
        tiers_1d(pd.Series([1.0, 2.0], index=["A", "A"]), "jenks", k=2)


def test_tiers_1d_result() -> None:
    s = pd.Series([74.7, 52.7, 40.0, 39.0, 20.0, 19.5, np.nan], index=units(7))
    before = s.copy()
    r = tiers_1d(s, "thresholds", breaks=[60, 30, 15])
    pd.testing.assert_series_equal(s, before)  # input untouched
    assert isinstance(r, TierResult)
    assert r.tiers.tolist()[:6] == [1, 2, 2, 2, 3, 3]
    assert r.tiers.index.equals(s.index) and r.tiers.name == "tier"
    assert r.breaks[:3] == [60.0, 30.0, 15.0] and np.isnan(r.breaks[3])  # empty bottom band
    assert r.record["n"].tolist() == [1, 3, 2, 0]
    assert r.method == "thresholds" and r.params == {"breaks": [60, 30, 15]}
    rj = tiers_1d(s, "natural_breaks", k=3)
    assert rj.method == "jenks"
    assert rj.breaks == [74.7, 39.0, 19.5]
    assert rj.record.loc[2, "mean"] == pytest.approx((52.7 + 40 + 39) / 3)
    assert rj.moves.empty


# --------------------------------------------------------------------------------------------
# Global AI Innovation Index band rules (score vectors of our own making)
# --------------------------------------------------------------------------------------------
def _bands(counts: list[int], edges: list[float], rng: np.random.Generator) -> pd.Series:
    """Made-up scores with `counts` units strictly inside each band (not real index scores)."""
    bounds = [100.0, *edges, 0.0]
    parts = [
        rng.uniform(bounds[i + 1] + 0.01, bounds[i] - 0.01, size=c) for i, c in enumerate(counts)
    ]
    x = rng.permutation(np.concatenate(parts))
    return pd.Series(x, index=units(len(x)))


def test_gaiii_2020_bands() -> None:
    # 2020 Global AI Innovation Index: above 60 / 30-60 / 15-30 / below 15 gave
    # 1 / 14 / 24 / 7 of 46 countries (source: public coverage of the CISTI / Peking University
    # Global AI Innovation Index reports, as stated in issue 5). Scores below are invented.
    s = _bands([1, 14, 24, 7], [60, 30, 15], np.random.default_rng(2020))
    r = tiers_1d(s, "thresholds", breaks=[60, 30, 15])
    assert r.record["n"].tolist() == [1, 14, 24, 7]
    # a score on an edge: closed="left" puts it in the upper band, closed="right" in the lower one
    s2 = pd.concat([s, pd.Series({"EDGE": 30.0})])
    assert tiers_1d(s2, "thresholds", breaks=[60, 30, 15]).tiers["EDGE"] == 2
    assert tiers_1d(s2, "thresholds", breaks=[60, 30, 15], closed="right").tiers["EDGE"] == 3
    # the same counts as fixed tier sizes give the same tiers
    rs = tiers_1d(s, "sizes", sizes=[1, 14, 24, 7])
    pd.testing.assert_series_equal(rs.tiers, r.tiers)


def test_gaiii_2022_bands() -> None:
    # 2022 Global AI Innovation Index: above 50 / 35-50 / 20-35 / below 20 gave 2 / 11 / 12 / 21
    # (source: public coverage of the CISTI / Peking University Global AI Innovation Index
    # reports, as stated in issue 5). Scores below are invented.
    s = _bands([2, 11, 12, 21], [50, 35, 20], np.random.default_rng(2022))
    r = tiers_1d(s, "bands", breaks=[20, 35, 50])  # ascending edges are accepted too
    assert r.record["n"].tolist() == [2, 11, 12, 21]
    assert r.breaks[:3] == [50.0, 35.0, 20.0]


# --------------------------------------------------------------------------------------------
# properties
# --------------------------------------------------------------------------------------------
int_scores = st.lists(st.integers(-1000, 1000), min_size=1, max_size=30)
distinct_scores = st.lists(st.integers(-10_000, 10_000), min_size=1, max_size=30, unique=True).map(
    lambda v: np.array(v, dtype=np.float64)
)


@SETTINGS
@given(
    v=int_scores,
    k=st.integers(1, 7),
    method=st.sampled_from(K_METHODS + ["thresholds", "sizes"]),
)
def test_contiguous_in_score_order(v: list[int], k: int, method: str) -> None:
    x = np.array(v, dtype=np.float64)
    t = TIERERS.get(method)(x, **params_for(method, x, k))
    o = np.argsort(-x, kind="stable")
    assert np.all(np.diff(t[o]) >= 0)  # a higher score never sits in a lower tier
    assert t.min() == 1 or method == "thresholds"


@SETTINGS
@given(
    x=distinct_scores,
    k=st.integers(1, 7),
    method=st.sampled_from(["jenks", "largest_gaps", "quantiles"]),
)
def test_every_tier_nonempty(x: np.ndarray, k: int, method: str) -> None:
    t = TIERERS.get(method)(x, k=k)
    assert set(t) == set(range(1, min(k, len(x)) + 1))


@SETTINGS
@given(
    v=int_scores,
    k=st.integers(1, 6),
    method=st.sampled_from(K_METHODS + ["thresholds", "sizes"]),
    data=st.data(),
)
def test_unit_order_invariance(v: list[int], k: int, method: str, data: st.DataObject) -> None:
    x = np.array(v, dtype=np.float64)
    s = pd.Series(x, index=units(len(x)))
    p = params_for(method, x, k)
    if method == "sizes":
        p["ties"] = data.draw(st.sampled_from(["split", "upper"]))
    perm = data.draw(st.permutations(range(len(x))))
    r1 = tiers_1d(s, method, **p).tiers
    r2 = tiers_1d(s.iloc[list(perm)], method, **p).tiers
    pd.testing.assert_series_equal(r1, r2.reindex(r1.index))


@SETTINGS
@given(
    v=int_scores,
    k=st.integers(1, 6),
    shift=st.integers(-10_000, 10_000),
    factor=st.integers(1, 1000),
    method=st.sampled_from(["jenks", "largest_gaps", "quantiles"]),
)
def test_shift_and_scale_invariance(
    v: list[int], k: int, shift: int, factor: int, method: str
) -> None:
    x = np.array(v, dtype=np.float64)
    f = TIERERS.get(method)
    t = f(x, k=k)
    np.testing.assert_array_equal(f(x + shift, k=k), t)
    np.testing.assert_array_equal(f(x * factor, k=k), t)
    np.testing.assert_array_equal(f(x * 0.125 + shift, k=k), t)


def _ssd(a: np.ndarray) -> float:
    return float(((a - a.mean()) ** 2).sum())


@SETTINGS
@given(
    x=st.lists(
        st.floats(-1e3, 1e3, allow_nan=False, allow_subnormal=False),
        min_size=1,
        max_size=9,
        unique=True,
    ),
    k=st.integers(1, 5),
)
def test_jenks_equals_brute_force(x: list[float], k: int) -> None:
    xs = np.sort(np.array(x))
    n = len(xs)
    kk = min(k, n)
    best = min(
        sum(_ssd(seg) for seg in np.split(xs, list(cuts)))
        for cuts in itertools.combinations(range(1, n), kk - 1)
    )
    t = jenks(xs, k=k)
    assert len(set(t)) == kk
    got = sum(_ssd(xs[t == c]) for c in set(t))
    scale = max(1.0, _ssd(xs))
    assert got <= best + 1e-9 * scale


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(5, 60), k=st.integers(2, 6))
def test_jenks_equals_jenkspy(seed: int, n: int, k: int) -> None:
    jenkspy = pytest.importorskip("jenkspy")
    assume(k <= n)
    x = np.random.default_rng(seed).normal(50, 15, size=n)
    assume(len(np.unique(x)) == n)
    t = jenks(x, k=k)
    upper = [x[t == c].max() for c in range(k, 0, -1)]
    ref = jenkspy.jenks_breaks(x.tolist(), n_classes=k)
    np.testing.assert_allclose(upper, ref[1:], rtol=0, atol=1e-12)
    assert x.min() == ref[0]


def test_jenks_large_n_blocks() -> None:
    # n large enough to force blocking over break positions; compare with jenkspy
    jenkspy = pytest.importorskip("jenkspy")
    x = np.random.default_rng(7).gamma(2.0, 10.0, size=2100)
    t = jenks(x, k=5)
    upper = [x[t == c].max() for c in range(5, 0, -1)]
    np.testing.assert_allclose(upper, jenkspy.jenks_breaks(x.tolist(), n_classes=5)[1:])


# --------------------------------------------------------------------------------------------
# choosing k
# --------------------------------------------------------------------------------------------
def test_choose_k_hand() -> None:
    x = np.array([1.0, 2, 3, 10, 11, 12, 30])
    out = choose_k(x, ks=[1, 2, 3, 4])
    sdam = _ssd(x)
    assert out["sdam"].iloc[0] == pytest.approx(sdam)
    assert out.loc[1, "gvf"] == pytest.approx(0.0)
    # k=3: {1,2,3}, {10,11,12}, {30}: SDCM = 2 + 2 + 0
    assert out.loc[3, "sdcm"] == pytest.approx(4.0)
    assert out.loc[3, "gvf"] == pytest.approx(1 - 4 / sdam)
    # boundary gaps at k=3: 10-3 = 7 and 30-12 = 18; mean gap = 29/6
    assert out.loc[3, "min_boundary_gap"] == pytest.approx(7.0)
    assert out.loc[3, "gap_ratio"] == pytest.approx(7 / (29 / 6))
    assert np.isnan(out.loc[1, "min_boundary_gap"])
    assert out.index[out["best_gap"]][0] == 2  # k=2 cuts the widest gap (18) only
    el = choose_k(x, ks=range(2, 7))
    # GVF: 0.83 (k=2), 0.994 (k=3), then ~1: k=3 lies farthest above the chord
    assert el["elbow"].sum() == 1 and el.index[el["elbow"]][0] == 3
    assert list(out.columns) == [
        "n_tiers",
        "sdcm",
        "sdam",
        "gvf",
        "gvf_gain",
        "min_boundary_gap",
        "gap_ratio",
        "elbow",
        "best_gap",
    ]


def test_choose_k_edge_cases() -> None:
    out = choose_k(pd.Series([5.0, 5.0, 5.0, np.nan]))
    assert (out["gvf"] == 1.0).all() and (out["n_tiers"] == 1).all()
    with pytest.raises(MethodError, match="does not take k"):
        choose_k(np.arange(5.0), method="thresholds")
    gvf = choose_k(np.random.default_rng(0).normal(size=40))["gvf"].to_numpy()
    assert np.all(np.diff(gvf) >= -1e-12)  # jenks is optimal: GVF never falls as k grows


# --------------------------------------------------------------------------------------------
# profiles
# --------------------------------------------------------------------------------------------
def _profiles() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(3)
    centres = np.array([[80, 70, 90], [50, 60, 40], [20, 10, 30]], dtype=float)
    rows = np.repeat(centres, [3, 5, 6], axis=0) + rng.normal(0, 2, size=(14, 3))
    idx = units(14)
    P = pd.DataFrame(rows, index=idx, columns=["D1", "D2", "D3"])
    return P, P.mean(axis=1)


@pytest.mark.parametrize("method", ["ward", "kmeans"])
@pytest.mark.parametrize("use", ["scores", "ranks"])
def test_tiers_profile_separated_clusters(method: str, use: str) -> None:
    P, s = _profiles()
    r = tiers_profile(P, s, k=3, method=method, seed=1, use=use)
    if use == "scores":  # three well-separated groups of profiles
        assert r.tiers.tolist() == [1] * 3 + [2] * 5 + [3] * 6
        assert r.record["n"].tolist() == [3, 5, 6]
    assert r.n_tiers == 3
    assert r.record["mean"].is_monotonic_decreasing  # tiers ordered by mean index score
    assert {"mean_D1", "mean_D2", "mean_D3"} <= set(r.record.columns)
    # deterministic for a seed and independent of the order of rows
    perm = np.random.default_rng(0).permutation(14)
    r2 = tiers_profile(P.iloc[perm], s, k=3, method=method, seed=1, use=use)
    pd.testing.assert_series_equal(r.tiers, r2.tiers.reindex(r.tiers.index))


def test_tiers_profile_outcomes() -> None:
    P, s = _profiles()
    P2 = P.copy()
    P2.iloc[0, 1] = np.nan
    r = tiers_profile(P2, s, k=3, method="kmeans", seed=5)
    assert pd.isna(r.tiers.iloc[0]) and r.tiers.iloc[1:].notna().all()
    assert tiers_profile(P.iloc[:2], s, k=5).n_tiers == 2  # fewer distinct profiles than k
    const = pd.DataFrame(1.0, index=units(4), columns=["a", "b"])
    assert (
        tiers_profile(const, pd.Series(1.0, index=units(4)), k=3, standardize=True)
        .tiers.eq(1)
        .all()
    )
    with pytest.raises(MethodError, match="ward"):
        tiers_profile(P, s, k=3, method="dbscan")
    with pytest.raises(DataError, match="no index score"):
        tiers_profile(P, s.iloc[1:], k=3)


# --------------------------------------------------------------------------------------------
# refinement
# --------------------------------------------------------------------------------------------
def _refine_case() -> tuple[pd.Series, pd.Series, pd.DataFrame]:
    idx = ["USA", "CHN", "GBR", "DEU", "KOR", "JPN", "SGP", "IND"]
    sc = pd.Series([75.0, 53.0, 45.0, 44.5, 40.0, 39.8, 30.0, 25.0], index=idx)
    t = pd.Series([1, 2, 2, 2, 3, 3, 4, 4], index=idx, dtype="Int64")
    R = pd.DataFrame(
        {
            "D1": [1, 2, 5, 4, 3, 6, 7, 8],
            "D2": [1, 3, 4, 5, 2, 6, 8, 7],
            "D3": [2, 1, 3, 4, 6, 5, 8, 7],
            "D4": [1, 2, 3, 8, 5, 4, 6, 7],
        },
        index=idx,
    )
    return t, sc, R


def test_refine_dimension_ranks() -> None:
    t, sc, R = _refine_case()
    r = refine_tiers(t, sc, R, [{"type": "dimension_ranks", "top": 2, "min_count": 3, "tier": 1}])
    # CHN is top 2 on D1, D2? (3 no), D3, D4 -> 3 dimensions -> tier 1; KOR top 2 on D2 only
    assert r.tiers["CHN"] == 1 and r.tiers["KOR"] == 3
    assert r.moves[["unit", "from_tier", "to_tier", "step", "rule"]].values.tolist() == [
        ["CHN", 2, 1, 1, "dimension_ranks"]
    ]
    assert "3 of 4" in r.moves["detail"].iloc[0]
    # never moves a unit down
    r2 = refine_tiers(t, sc, R, [{"type": "dimension_ranks", "top": 8, "min_count": 1, "tier": 3}])
    assert r2.tiers.equals(t.astype("Int64").rename("tier").where(t <= 3, 3))
    assert r.method == "refine" and r.params["rules"][0]["top"] == 2


def test_refine_dimension_ranks_then_contiguous() -> None:
    t, sc, R = _refine_case()
    rules = [
        {"type": "dimension_ranks", "top": 2, "min_count": 1, "tier": 2},  # KOR: 3 -> 2
        {"type": "dimension_ranks", "top": 4, "min_count": 3, "tier": 1},  # CHN, GBR -> 1
        {"type": "contiguous"},
    ]
    r = refine_tiers(t, sc, R, rules)
    assert r.tiers.tolist() == [1, 1, 1, 2, 2, 3, 4, 4]
    m = r.moves.set_index("unit")
    assert m.loc["KOR", "to_tier"] == 2 and m.loc["KOR", "step"] == 1
    assert sorted(r.moves.loc[r.moves["step"] == 2, "unit"]) == ["CHN", "GBR"]
    # already contiguous after the rank rules: the contiguous rule moves nobody
    assert (r.moves["rule"] != "contiguous").all()
    # a unit moved up past higher-scored units pulls them up with "contiguous"
    r2 = refine_tiers(
        t,
        sc,
        R,
        [{"type": "dimension_ranks", "top": 2, "min_count": 1, "tier": 1}, {"type": "contiguous"}],
    )
    # CHN (D1 rank 2) and KOR (D2 rank 2) -> 1; GBR, DEU score above KOR, so they follow
    assert r2.tiers.tolist() == [1, 1, 1, 1, 1, 3, 4, 4]
    assert r2.moves.loc[r2.moves["rule"] == "contiguous", "unit"].tolist() == ["GBR", "DEU"]
    assert (r2.moves.loc[r2.moves["rule"] == "contiguous", "from_tier"] == 2).all()


def test_refine_min_gap() -> None:
    t, sc, R = _refine_case()
    # gaps: 22, 8, 0.5, 4.5, 0.2, 9.8, 5 ; boundaries after USA(22), DEU(4.5), JPN(9.8)
    up = refine_tiers(t, sc, None, [{"type": "min_gap", "gap": 5}])
    assert up.tiers.tolist() == [1, 2, 2, 2, 2, 2, 4, 4]  # KOR, JPN join tier 2
    assert up.moves["unit"].tolist() == ["KOR", "JPN"]
    assert (up.moves["from_tier"] == 3).all() and (up.moves["to_tier"] == 2).all()
    assert np.isnan(up.breaks[2]) and up.record.loc[3, "n"] == 0  # tier 3 emptied, kept
    down = refine_tiers(t, sc, None, [{"type": "min_gap", "gap": 5, "direction": "down"}])
    # GBR, DEU chained down to KOR's tier; CHN is 8 points above GBR: stays
    assert down.tiers.tolist() == [1, 2, 3, 3, 3, 3, 4, 4]
    # a gap exactly equal to g is not "smaller than g": no move
    same = refine_tiers(t, sc, None, [{"type": "min_gap", "gap": 4.5}])
    assert same.moves.empty and same.tiers.tolist() == t.tolist()
    clip = refine_tiers(t, sc, None, [{"type": "max_tier", "tier": 3}])
    assert clip.tiers.tolist() == [1, 2, 2, 2, 3, 3, 3, 3]


def test_refine_na_and_errors() -> None:
    t, sc, R = _refine_case()
    t2 = t.copy()
    t2["IND"] = pd.NA
    r = refine_tiers(t2, sc, None, [{"type": "max_tier", "tier": 2}])
    assert pd.isna(r.tiers["IND"])
    with pytest.raises(MethodError, match="unknown type"):
        refine_tiers(t, sc, R, [{"type": "magic"}])
    with pytest.raises(MethodError, match="min_count"):
        refine_tiers(t, sc, R, [{"type": "dimension_ranks", "top": 2, "tier": 1}])
    with pytest.raises(DataError, match="dim_ranks"):
        refine_tiers(
            t, sc, None, [{"type": "dimension_ranks", "top": 2, "min_count": 1, "tier": 1}]
        )
    with pytest.raises(MethodError, match="gap"):
        refine_tiers(t, sc, R, [{"type": "min_gap", "gap": -1}])


# --------------------------------------------------------------------------------------------
# stability
# --------------------------------------------------------------------------------------------
def test_tier_probabilities_thresholds_hand() -> None:
    X = np.array(
        [
            [70.0, 40.0, 10.0],
            [55.0, 40.0, 20.0],
            [65.0, 25.0, 10.0],
            [61.0, 45.0, 35.0],
        ]
    )
    nominal = pd.Series([1, 2, 3], index=["A", "B", "C"])
    out = tier_probabilities(
        X, method="thresholds", params={"breaks": [60, 30]}, nominal=nominal, units=["A", "B", "C"]
    )
    np.testing.assert_allclose(out["p_tier_1"], [0.75, 0.0, 0.0])
    np.testing.assert_allclose(out["p_tier_2"], [0.25, 0.75, 0.25])
    np.testing.assert_allclose(out["p_tier_3"], [0.0, 0.25, 0.75])
    assert out["modal_tier"].tolist() == [1, 2, 3]
    assert out["p_nominal"].tolist() == [0.75, 0.75, 0.75]
    assert not out["flag"].any()
    out2 = tier_probabilities(
        pd.DataFrame(X, columns=["A", "B", "C"]),
        method="thresholds",
        params={"breaks": [60, 30]},
        nominal=pd.Series([2, 2, 2], index=["A", "B", "C"]),
    )
    assert out2["flag"].tolist() == [True, False, True]
    # equal frequencies -> the better tier is modal
    tie = tier_probabilities(X[:2, :1], method="thresholds", params={"breaks": [60]}, units=["A"])
    assert tie["modal_tier"].iloc[0] == 1 and not tie["flag"].iloc[0]


@pytest.mark.parametrize("method", K_METHODS + ["thresholds", "sizes"])
def test_batch_equals_rowwise(method: str) -> None:
    rng = np.random.default_rng(11)
    X = rng.normal(50, 20, size=(25, 12)).round(0)  # rounding creates ties
    X[3, 4] = np.nan
    X[5, 4] = np.nan
    X[7, [0, 9]] = np.nan
    p = params_for(method, X[~np.isnan(X).any(axis=1)][0], 4) if method != "sizes" else {"k": 4}
    if method == "sizes":
        X = X[~np.isnan(X).any(axis=1)]
        p = {"sizes": [2, 3, 3, 4], "ties": "upper"}
    out = tier_probabilities(X, method=method, params=p, units=units(12))
    f = TIERERS.get(method)
    T = np.stack([f(row, **p) for row in X])
    for t in range(1, 5):
        if f"p_tier_{t}" in out:
            np.testing.assert_allclose(out[f"p_tier_{t}"], (T == t).mean(axis=0))
    if "p_missing" in out:
        np.testing.assert_allclose(out["p_missing"], (T == 0).mean(axis=0))


def test_tier_probabilities_jenks_nominal_and_speed() -> None:
    import time

    rng = np.random.default_rng(5)
    base = np.concatenate([rng.normal(80, 1, 3), rng.normal(50, 1, 10), rng.normal(20, 1, 20)])
    nominal = tiers_1d(pd.Series(base, index=units(33)), "jenks", k=3).tiers
    X = base + rng.normal(0, 1.0, size=(5000, 33))
    t0 = time.perf_counter()
    out = tier_probabilities(X, method="jenks", params={"k": 3}, nominal=nominal, units=units(33))
    assert time.perf_counter() - t0 < 5.0
    assert (out["modal_tier"] == nominal).all() and not out["flag"].any()
    assert out["p_nominal"].min() > 0.99
    with pytest.raises(DataError, match="units"):
        tier_probabilities(X, method="jenks", params={"k": 3})
    with pytest.raises(DataError, match="2 units"):
        tier_probabilities(X, method="jenks", params={"k": 3}, units=["A", "B"])


def test_tier_probabilities_inf_names_unit_and_replication() -> None:
    X = np.array([[70.0, 40.0, 10.0], [65.0, -np.inf, 12.0]])
    with pytest.raises(DataError, match=r"-inf for unit 'B' in replication 1 \(1 infinite"):
        tier_probabilities(X, method="thresholds", params={"breaks": [50]}, units=["A", "B", "C"])
    df = pd.DataFrame(X, columns=["A", "B", "C"], index=pd.Index([7, 9], name="replication"))
    df.iloc[0, 2] = np.inf
    with pytest.raises(DataError, match=r"inf for unit 'C' in replication 7 \(2 infinite"):
        tier_probabilities(df, method="jenks", params={"k": 2})
    # a single replication given as a 1-D array: replication 0
    with pytest.raises(DataError, match="unit 'A' in replication 0"):
        tier_probabilities(np.array([np.inf, 1.0]), method="jenks", params={"k": 2},
                           units=["A", "B"])


def test_tiers_section_booleans_are_strict() -> None:
    """Catches apply_tiers_config reading standardize: 'no' by truthiness (as True)."""
    import aiindex
    from aiindex.errors import ConfigError
    from aiindex.tiers import apply_tiers_config

    res = aiindex.run("asem")
    sec = {"method": "ward", "k": 3, "standardize": "no"}
    with pytest.raises(ConfigError, match="tiers.standardize got 'no'"):
        apply_tiers_config(sec, res)
    ok = apply_tiers_config({**sec, "standardize": False}, res)
    assert ok.tiers.notna().all()


def test_tier_bands_say_when_tied_scores_are_split() -> None:
    """Catches a band '>= 60' for tier 1 while a unit scoring 60 sits in tier 2 (sizes split
    ties), which the Excel workbook publishes as the tier's band."""
    from aiindex.tiers.methods import tier_bands, tiers_1d

    s = pd.Series([70, 60, 60, 30, 10.0], index=list("abcde"))
    bands = tier_bands(tiers_1d(s, "sizes", sizes=[2, 3]))
    assert list(bands["band"]) == [">= 60; scores of 60 split between tiers 1 and 2",
                                   "< 60; scores of 60 split between tiers 1 and 2"]
    clean = tier_bands(tiers_1d(s, "jenks", k=3))
    assert list(clean["band"]) == [">= 60", ">= 30 and < 60", "< 30"]
