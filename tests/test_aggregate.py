"""Tests for aiindex.stages.aggregate: hand-computed values, missing data, errors, tree."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aiindex.errors import DataError, MethodError
from aiindex.framework import Framework
from aiindex.stages.aggregate import AGGREGATORS, aggregate_group, aggregate_tree, build_weights
from aiindex.stages.base import MethodChoice

NAN = np.nan


def agg(name: str, X: list[list[float]], w: list[float], **params: object) -> np.ndarray:
    Xa = np.array(X, dtype=float)
    return AGGREGATORS.get(name)(Xa, build_weights(Xa, np.array(w, dtype=float)), **params)


def test_build_weights_renormalises_over_available() -> None:
    X = np.array([[1.0, 2.0, 3.0], [1.0, NAN, 3.0], [NAN, NAN, NAN]])
    W = build_weights(X, np.array([1.0, 1.0, 2.0]))
    np.testing.assert_allclose(W, [[0.25, 0.25, 0.5], [1 / 3, 0, 2 / 3], [0, 0, 0]])


def test_arithmetic_hand() -> None:
    # (1*1 + 2*1 + 3*2)/4 = 9/4 ; row 2: (1*1 + 3*2)/3 = 7/3 ; row 3: nothing → NaN
    y = agg("arithmetic", [[1, 2, 3], [1, NAN, 3], [NAN, NAN, NAN]], [1, 1, 2])
    np.testing.assert_allclose(y, [9 / 4, 7 / 3, NAN])


def test_geometric_hand() -> None:
    # COINr test: a_gmean(1:3, c(1,1,2)) = (1*2*3^2)^(1/4)
    y = agg("geometric", [[1, 2, 3], [4, NAN, 1]], [1, 1, 2])
    np.testing.assert_allclose(y, [18 ** 0.25, (4 * 1**2) ** (1 / 3)])


def test_harmonic_hand() -> None:
    # COINr test: a_hmean(1:3, c(2,1,1)) = 4/(2/1 + 1/2 + 1/3)
    y = agg("harmonic", [[1, 2, 3]], [2, 1, 1])
    np.testing.assert_allclose(y, [4 / (2 + 0.5 + 1 / 3)])


def test_power_hand_and_limits() -> None:
    X = [[1, 2, 3]]
    # p = 2 equal weights: sqrt((1+4+9)/3)
    np.testing.assert_allclose(agg("power", X, [1, 1, 1], p=2), [np.sqrt(14 / 3)])
    # p = -1 equals harmonic (COINr test), p = 0 equals geometric, p = 1 arithmetic
    np.testing.assert_allclose(agg("power", X, [2, 1, 1], p=-1), agg("harmonic", X, [2, 1, 1]))
    np.testing.assert_allclose(agg("power", X, [1, 1, 2], p=0), agg("geometric", X, [1, 1, 2]))
    np.testing.assert_allclose(agg("power", X, [1, 1, 1], p=1), [2.0])
    # p=1 allows negatives; p=2 does not
    np.testing.assert_allclose(agg("power", [[-1, 3]], [1, 1], p=1), [1.0])
    with pytest.raises(MethodError, match="nonnegative"):
        agg("power", [[-1, 3]], [1, 1], p=2)


def test_median_hand() -> None:
    # equal weights: ordinary median (odd and even counts)
    np.testing.assert_allclose(agg("median", [[5, 1, 3]], [1, 1, 1]), [3.0])
    np.testing.assert_allclose(agg("median", [[4, 1, 3, 2]], [1, 1, 1, 1]), [2.5])
    # weights .1,.2,.7 on 1,2,3: cumulative .1,.3,1.0 → first >= .5 is 3
    np.testing.assert_allclose(agg("median", [[1, 2, 3]], [1, 2, 7]), [3.0])
    # weights .25,.25,.5 on 1,2,3: cumulative hits exactly .5 at 2 → (2+3)/2
    np.testing.assert_allclose(agg("median", [[1, 2, 3]], [1, 1, 2]), [2.5])
    # missing child ignored: 4 (w 1/3), 1 (w 2/3) → sorted 1 (cum 2/3) → 1
    np.testing.assert_allclose(agg("median", [[4, NAN, 1]], [1, 1, 2]), [1.0])


def test_owa_hand() -> None:
    X = [[1, 5, 3], [2, NAN, 4]]
    # max, min, mean
    np.testing.assert_allclose(agg("owa", X[:1], [1, 1, 1], owa_weights=[1, 0, 0]), [5.0])
    np.testing.assert_allclose(agg("owa", X[:1], [1, 1, 1], owa_weights=[0, 0, 1]), [1.0])
    np.testing.assert_allclose(agg("owa", X[:1], [1, 1, 1]), [3.0])
    # (.5,.3,.2) on 5,3,1 = 2.5+.9+.2 = 3.6
    np.testing.assert_allclose(agg("owa", X[:1], [1, 1, 1], owa_weights=[5, 3, 2]), [3.6])
    # row 2, m=2 of k=3: Q at 0,1/3,2/3,1 = 0,.5,.8,1 → Q(1/2)=.5+.3*.5=.65 → weights .65,.35
    # → .65*4 + .35*2 = 3.3
    np.testing.assert_allclose(agg("owa", X, [1, 1, 1], owa_weights=[5, 3, 2])[1], 3.3)
    with pytest.raises(MethodError, match="length 2"):
        agg("owa", X, [1, 1, 1], owa_weights=[1, 1])


def test_copeland_hand_coinr_example() -> None:
    # COINr tests/testthat/test-aggregate.R "outranking": x1 = 1:4, x2 = c(3,2,1,5), x3 = c(2,3,1,4)
    X = np.array([[1, 3, 2], [2, 2, 3], [3, 1, 1], [4, 5, 4]], dtype=float)
    # outranking (equal weights 1/3): P[2,1]=2/3, P[3,1]=1/3, P[4,1]=1
    # P[1,2]=1/3 (x2 only), P[1,3]=2/3, P[1,4]=0 → unit 1: -1 +1 -1 = -1
    # P[2,3]: x1 2<3, x2 2>1, x3 3>1 → 2/3 (+1); P[2,4]=0 → unit 2: +1 +1 -1 = 1
    # unit 3: -1 (vs 1) -1 (vs 2) -1 (vs 4) = -3 ; unit 4 beats everyone: 3
    y = agg("copeland", X.tolist(), [1, 1, 1])
    np.testing.assert_allclose(y, [-1, 1, -3, 3])


def test_copeland_ties_and_weights() -> None:
    # two units, two children: A wins child 1 (w .5), B wins child 2 (w .5) → P = .5 → 0 each
    np.testing.assert_allclose(agg("copeland", [[2, 1], [1, 2]], [1, 1]), [0, 0])
    # weight 3:1 → A wins P = .75 → A +1, B -1
    np.testing.assert_allclose(agg("copeland", [[2, 1], [1, 2]], [3, 1]), [1, -1])
    # missing: pair compared on common children only; unit with no data → NaN
    y = agg("copeland", [[2, NAN], [1, 5], [NAN, NAN]], [1, 1])
    np.testing.assert_allclose(y, [1, -1, NAN])


# --- aggregate_group -----------------------------------------------------------------------


@pytest.fixture
def df() -> pd.DataFrame:
    return pd.DataFrame(
        {"a": [10.0, 20.0, NAN, 40.0], "b": [30.0, NAN, NAN, 20.0], "c": [50.0, 60.0, NAN, NAN]},
        index=pd.Index(["AUT", "BEL", "CHN", "DEU"], name="uCode"),
    )


def test_group_arithmetic_and_threshold(df: pd.DataFrame) -> None:
    w = pd.Series({"a": 1.0, "b": 1.0, "c": 2.0})
    s = aggregate_group(df, w, "arithmetic", parent="P")
    assert s.name == "P"
    # AUT (10+30+100)/4 = 35 ; BEL (20+120)/3 ; CHN NaN ; DEU (40+20)/2 = 30
    np.testing.assert_allclose(s.to_numpy(), [35, 140 / 3, NAN, 30])
    # min_share 0.67: BEL and DEU have 2/3 of children → NaN (defined missing)
    s = aggregate_group(df, w, "arithmetic", parent="P", min_share=0.67)
    np.testing.assert_allclose(s.to_numpy(), [35, NAN, NAN, NAN])
    s = aggregate_group(df, w, "arithmetic", parent="P", min_share=2 / 3)
    assert s.notna().tolist() == [True, True, False, True]


def test_group_weight_scale_invariant(df: pd.DataFrame) -> None:
    w = pd.Series({"a": 1.0, "b": 2.0, "c": 3.0})
    s1 = aggregate_group(df, w, "geometric", parent="P")
    s2 = aggregate_group(df, w * 7.5, "geometric", parent="P")
    pd.testing.assert_series_equal(s1, s2)


def test_group_geometric_zero_names_child_unit_parent(df: pd.DataFrame) -> None:
    d = df.copy()
    d.loc["BEL", "c"] = 0.0
    with pytest.raises(MethodError) as ei:
        aggregate_group(d, pd.Series({"a": 1.0, "b": 1.0, "c": 1.0}), "geometric", parent="Pillar1")
    msg = str(ei.value)
    assert "'c'" in msg and "BEL" in msg and "Pillar1" in msg and "geometric" in msg


def test_group_harmonic_negative_errors(df: pd.DataFrame) -> None:
    d = df.assign(a=[-1.0, 1.0, NAN, 1.0])
    with pytest.raises(MethodError, match="AUT"):
        aggregate_group(d, pd.Series({"a": 1.0, "b": 1.0, "c": 1.0}), "harmonic", parent="P")


def test_group_weight_errors(df: pd.DataFrame) -> None:
    with pytest.raises(MethodError, match="all child weights are zero"):
        aggregate_group(df, pd.Series({"a": 0.0, "b": 0.0, "c": 0.0}), "arithmetic", parent="P")
    with pytest.raises(MethodError, match=r"no weight.*'c'"):
        aggregate_group(df, pd.Series({"a": 1.0, "b": 1.0}), "arithmetic", parent="P")
    with pytest.raises(MethodError, match="finite and >= 0"):
        aggregate_group(df, pd.Series({"a": -1.0, "b": 1.0, "c": 1.0}), "arithmetic", parent="P")
    # DEU has data only for a and b, both weight 0 → undefined, named
    with pytest.raises(MethodError, match="DEU"):
        aggregate_group(df, pd.Series({"a": 0.0, "b": 0.0, "c": 1.0}), "arithmetic", parent="P")
    with pytest.raises(MethodError, match="unknown parameter"):
        aggregate_group(df, pd.Series({"a": 1.0, "b": 1.0, "c": 1.0}), "arithmetic", {"p": 2}, parent="P")
    with pytest.raises(MethodError, match="unknown aggregator"):
        aggregate_group(df, pd.Series({"a": 1.0, "b": 1.0, "c": 1.0}), "nope", parent="P")


def test_group_input_not_modified(df: pd.DataFrame) -> None:
    before = df.copy()
    aggregate_group(df, pd.Series({"a": 1.0, "b": 1.0, "c": 1.0}), "median", parent="P", min_share=0.9)
    pd.testing.assert_frame_equal(df, before)


# --- aggregate_tree -------------------------------------------------------------------------


@pytest.fixture
def fw() -> Framework:
    # Index ← P1 (weight 2) ← a (1), b (3);  Index ← c (weight 1, a metric directly under root)
    return Framework.from_dict(
        {
            "code": "Index",
            "children": [
                {"code": "P1", "weight": 2, "children": [{"code": "a"}, {"code": "b", "weight": 3}]},
                {"code": "c", "weight": 1},
            ],
        }
    )


def test_tree_hand(fw: Framework) -> None:
    data = pd.DataFrame({"a": [4.0, 8.0], "b": [8.0, NAN], "c": [1.0, 2.0]}, index=["U1", "U2"])
    out = aggregate_tree(data, fw, {})
    assert list(out.columns) == ["Index", "P1"]  # framework node order
    # U1: P1 = (4 + 24)/4 = 7 ; Index = (2*7 + 1)/3 = 5
    # U2: P1 = 8 ; Index = (16 + 2)/3 = 6
    np.testing.assert_allclose(out["P1"], [7, 8])
    np.testing.assert_allclose(out["Index"], [5, 6])
    # override weights: b → 1 ; P1(U1) = 6 ; Index = (12 + 1)/3
    out2 = aggregate_tree(data, fw, {}, weights=pd.Series({"b": 1.0}))
    np.testing.assert_allclose(out2["Index"], [13 / 3, 6])
    # methods per aggregate + threshold per aggregate
    out3 = aggregate_tree(
        data, fw, {"P1": MethodChoice("geometric")}, min_share={"P1": 1.0}
    )
    # U1: P1 = 4^.25 * 8^.75 ; U2: P1 NaN (half the children) → Index = c only = 2
    np.testing.assert_allclose(out3["P1"], [4**0.25 * 8**0.75, NAN])
    np.testing.assert_allclose(out3["Index"], [(2 * 4**0.25 * 8**0.75 + 1) / 3, 2.0])


def test_tree_missing_child_errors(fw: Framework) -> None:
    with pytest.raises(DataError, match="'b'"):
        aggregate_tree(pd.DataFrame({"a": [1.0], "c": [1.0]}), fw, {})


def test_tree_asem_real_data(asem_dir) -> None:
    """ASEM (COINr example): min-max then arithmetic means; root equals the effective-weight sum
    for units with complete data (weights renormalise only when data are missing)."""
    from aiindex.stages.normalize import NORMALIZERS

    fw = Framework.from_table(asem_dir / "iMeta.csv")
    raw = pd.read_csv(asem_dir / "iData.csv").set_index("uCode")
    metrics = list(fw.metrics)
    dirs = pd.Series({m: fw.nodes[m].direction for m in metrics})
    Xn = NORMALIZERS.get("minmax")(raw[metrics].astype("float64") * dirs)
    out = aggregate_tree(Xn, fw, {})
    assert out.shape == (len(raw), len(fw.aggregates))
    assert out.notna().all().all()
    complete = Xn.notna().all(axis=1)
    eff = fw.effective_weights().reindex(metrics)
    expected = (Xn.loc[complete] * eff).sum(axis=1)
    np.testing.assert_allclose(out.loc[complete, fw.root].to_numpy(), expected.to_numpy(), rtol=1e-12)
    assert out.min().min() >= 0 and out.max().max() <= 100
