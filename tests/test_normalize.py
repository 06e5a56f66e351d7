"""Tests for aiindex.stages.normalize: hand-computed values, degenerate columns, apply()."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aiindex.errors import MethodError
from aiindex.framework import Framework
from aiindex.stages.base import MethodChoice, StageContext
from aiindex.stages.normalize import NORMALIZERS, apply

IDX = ["A", "B", "C", "D"]


@pytest.fixture
def X() -> pd.DataFrame:
    # column p: 2, 4, 6, NaN ; column q: 1, 3, 3, 5
    return pd.DataFrame(
        {"p": [2.0, 4.0, 6.0, np.nan], "q": [1.0, 3.0, 3.0, 5.0]}, index=pd.Index(IDX, name="uCode")
    )


def col(df: pd.DataFrame, c: str) -> list[float]:
    return df[c].tolist()


def assert_col(df: pd.DataFrame, c: str, expected: list[float]) -> None:
    np.testing.assert_allclose(np.array(col(df, c), dtype=float), np.array(expected, dtype=float), equal_nan=True)


def test_minmax_hand(X: pd.DataFrame) -> None:
    Y = NORMALIZERS.get("minmax")(X)
    # p: min 2, max 6 → (x-2)/4*100
    assert_col(Y, "p", [0, 50, 100, np.nan])
    # q: min 1, max 5 → (x-1)/4*100
    assert_col(Y, "q", [0, 50, 50, 100])
    Y = NORMALIZERS.get("minmax")(X, low=1, high=10)
    assert_col(Y, "p", [1, 5.5, 10, np.nan])  # 1 + (x-2)/4*9
    assert list(Y.index) == IDX and list(Y.columns) == ["p", "q"]


def test_minmax_reference(X: pd.DataFrame) -> None:
    ref = pd.DataFrame({"p": [0.0, 10.0], "q": [1.0, 5.0]})
    Y = NORMALIZERS.get("minmax")(X, reference=ref)
    assert_col(Y, "p", [20, 40, 60, np.nan])  # (x-0)/10*100


def test_zscore_hand(X: pd.DataFrame) -> None:
    Y = NORMALIZERS.get("zscore")(X)
    # p: mean 4, sample sd = sqrt((4+0+4)/2) = 2 → (x-4)/2
    assert_col(Y, "p", [-1, 0, 1, np.nan])
    Y = NORMALIZERS.get("zscore")(X, mean=10, sd=3)
    assert_col(Y, "p", [7, 10, 13, np.nan])
    # q: mean 3, sample sd = sqrt((4+0+0+4)/3) = sqrt(8/3)
    s = np.sqrt(8 / 3)
    assert_col(NORMALIZERS.get("zscore")(X), "q", [-2 / s, 0, 0, 2 / s])


def test_scaled_hand(X: pd.DataFrame) -> None:
    Y = NORMALIZERS.get("scaled")(X, a=2, b=4)
    assert_col(Y, "p", [0, 0.5, 1, np.nan])  # (x-2)/4
    with pytest.raises(MethodError, match="b > 0"):
        NORMALIZERS.get("scaled")(X, a=0, b=0)


def test_rank_borda_percentile_hand(X: pd.DataFrame) -> None:
    R = NORMALIZERS.get("rank")(X)
    assert_col(R, "p", [1, 2, 3, np.nan])
    assert_col(R, "q", [1, 2, 2, 4])  # 3 and 3 tie at 2 (min), 5 → 4
    B = NORMALIZERS.get("borda")(X)
    assert_col(B, "q", [0, 1, 1, 3])
    P = NORMALIZERS.get("percentile")(X)
    assert_col(P, "p", [0, 0.5, 1, np.nan])  # (r-1)/(3-1)
    assert_col(P, "q", [0, 1 / 3, 1 / 3, 1])  # (r-1)/(4-1)


def test_rank_reference(X: pd.DataFrame) -> None:
    ref = pd.DataFrame({"p": [1.0, 3.0, 5.0, 7.0, 9.0], "q": [0.0, 0, 0, 0, 0]})
    R = NORMALIZERS.get("rank")(X[["p"]], reference=ref[["p"]])
    # p=2 → one ref value below → 2 ; 4 → 3 ; 6 → 4
    assert_col(R, "p", [2, 3, 4, np.nan])
    P = NORMALIZERS.get("percentile")(X[["p"]], reference=ref[["p"]])
    assert_col(P, "p", [0.25, 0.5, 0.75, np.nan])


def test_fraction_and_distance_to_max(X: pd.DataFrame) -> None:
    F = NORMALIZERS.get("fraction_of_max")(X)
    assert_col(F, "p", [2 / 6, 4 / 6, 1, np.nan])
    D = NORMALIZERS.get("distance_to_max")(X)
    # 1 - (6-x)/(6-2)
    assert_col(D, "p", [0, 0.5, 1, np.nan])
    assert_col(D, "q", [0, 0.5, 0.5, 1])


def test_fraction_of_max_zero_max_names_metric() -> None:
    Z = pd.DataFrame({"ok": [1.0, 2.0], "zeroes": [0.0, -1.0]}, index=["A", "B"])
    with pytest.raises(MethodError, match="zeroes"):
        NORMALIZERS.get("fraction_of_max")(Z)


def test_distance_to_reference(X: pd.DataFrame) -> None:
    f = NORMALIZERS.get("distance_to_reference")
    R = f(X, unit="B")  # ratio x / x_B: p / 4, q / 3
    assert_col(R, "p", [0.5, 1, 1.5, np.nan])
    assert_col(R, "q", [1 / 3, 1, 1, 5 / 3])
    R = f(X, unit="B", cap_max=True)
    assert_col(R, "q", [1 / 3, 1, 1, 1])
    # COINr dist2ref: 1 - (x_ref - x)/(x_ref - min): p: (x-2)/(4-2)
    D = f(X, unit="B", kind="difference")
    assert_col(D, "p", [0, 1, 2, np.nan])
    assert_col(D, "q", [0, 1, 1, 2])  # (x-1)/(3-1)
    with pytest.raises(MethodError, match="'Z'"):
        f(X, unit="Z")
    with pytest.raises(MethodError, match="'D'.*p"):
        f(X, unit="D")  # D has no value for p
    with pytest.raises(MethodError, match="minimum"):
        f(X, unit="A", kind="difference")


def test_distance_to_target(X: pd.DataFrame) -> None:
    f = NORMALIZERS.get("distance_to_target")
    T = f(X, targets={"p": 5.0, "q": 4.0})
    # p: (x-2)/(5-2) capped: 0, 2/3, 1 ; q: (x-1)/(4-1): 0, 2/3, 2/3, 1 (capped from 4/3)
    assert_col(T, "p", [0, 2 / 3, 1, np.nan])
    assert_col(T, "q", [0, 2 / 3, 2 / 3, 1])
    T = f(X, targets=5.0, cap_max=False)
    assert_col(T, "p", [0, 2 / 3, 4 / 3, np.nan])
    with pytest.raises(MethodError, match="q"):
        f(X, targets={"p": 5.0})
    # target below the minimum: everyone meets it → 1 (cap_max), error otherwise
    assert_col(f(X, targets=0.0), "p", [1, 1, 1, np.nan])
    with pytest.raises(MethodError, match="target <= minimum"):
        f(X, targets=0.0, cap_max=False)


def test_goalposts(X: pd.DataFrame) -> None:
    f = NORMALIZERS.get("goalposts")
    G = f(X, gposts=(3.0, 5.0))
    # (x-3)/2 truncated to [0,1] ×100: p: 2→0, 4→50, 6→100
    assert_col(G, "p", [0, 50, 100, np.nan])
    G = f(X, gposts={"p": (3.0, 5.0, 1.0), "q": (0.0, 10.0)}, trunc=False)
    assert_col(G, "p", [-0.5, 0.5, 1.5, np.nan])
    assert_col(G, "q", [10, 30, 30, 50])
    with pytest.raises(MethodError, match="low < high"):
        f(X, gposts=(5.0, 3.0))


def test_none_identity(X: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(NORMALIZERS.get("none")(X), X)


# --- degenerate input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "params", "expected"),
    [
        ("minmax", {}, 50.0),
        ("minmax", {"low": 1, "high": 3}, 2.0),
        ("zscore", {"mean": 5}, 5.0),
        ("rank", {}, 1.0),
        ("borda", {}, 0.0),
        ("percentile", {}, 0.0),
        ("distance_to_max", {}, 1.0),
        ("fraction_of_max", {}, 1.0),
    ],
)
def test_constant_column_defined(method: str, params: dict, expected: float) -> None:
    C = pd.DataFrame({"c": [7.0, 7.0, np.nan, 7.0]}, index=IDX)
    Y = NORMALIZERS.get(method)(C, **params)
    assert_col(Y, "c", [expected, expected, np.nan, expected])


def test_single_value_zscore_percentile() -> None:
    C = pd.DataFrame({"c": [np.nan, 3.0, np.nan]}, index=["A", "B", "C"])
    assert_col(NORMALIZERS.get("zscore")(C), "c", [np.nan, 0.0, np.nan])
    assert_col(NORMALIZERS.get("percentile")(C), "c", [np.nan, 0.0, np.nan])


@pytest.mark.parametrize("method", ["minmax", "zscore", "rank", "borda", "percentile", "fraction_of_max", "distance_to_max", "none"])
def test_all_missing_column_stays_missing(method: str) -> None:
    M = pd.DataFrame({"m": [np.nan] * 3, "ok": [1.0, 2.0, 3.0]}, index=["A", "B", "C"])
    Y = NORMALIZERS.get(method)(M)
    assert Y["m"].isna().all()
    assert Y["ok"].notna().all()


def test_all_missing_reference_with_data_errors() -> None:
    X = pd.DataFrame({"m": [1.0, 2.0]}, index=["A", "B"])
    ref = pd.DataFrame({"m": [np.nan, np.nan]})
    with pytest.raises(MethodError, match="'m'"):
        NORMALIZERS.get("minmax")(X, reference=ref)


def test_minmax_bad_bounds() -> None:
    X = pd.DataFrame({"m": [1.0, 2.0]})
    with pytest.raises(MethodError, match="low < high"):
        NORMALIZERS.get("minmax")(X, low=5, high=5)


def test_inputs_not_modified(X: pd.DataFrame) -> None:
    before = X.copy()
    for name in ("minmax", "zscore", "rank", "percentile", "distance_to_max"):
        NORMALIZERS.get(name)(X)
    pd.testing.assert_frame_equal(X, before)


def test_aliases() -> None:
    assert NORMALIZERS.canonical("n_minmax") == "minmax"
    assert NORMALIZERS.canonical("n_dist2targ") == "distance_to_target"


# --- apply ------------------------------------------------------------------------------------


@pytest.fixture
def fw() -> Framework:
    return Framework.from_dict(
        {
            "code": "Index",
            "children": [
                {"code": "p", "direction": 1, "target": 5.0},
                {"code": "q", "direction": -1, "target": 2.0},
            ],
        }
    )


def test_apply_groups_and_info(X: pd.DataFrame, fw: Framework) -> None:
    calls: list[list[str]] = []

    @NORMALIZERS.register("_spy_minmax")
    def spy(Xs: pd.DataFrame, /, *, reference: pd.DataFrame | None = None) -> pd.DataFrame:
        calls.append(list(Xs.columns))
        return NORMALIZERS.get("minmax")(Xs, reference=reference)

    try:
        ch = {"p": MethodChoice("_spy_minmax"), "q": MethodChoice("_spy_minmax")}
        out = apply(X, ch, StageContext(framework=fw))
        assert calls == [["p", "q"]]  # one call for the group
        assert list(out.data.columns) == ["p", "q"]
        assert out.info["methods"].loc["q", "method"] == "_spy_minmax"
        assert set(out.log.columns) == {"metric", "method", "params"}
        ch = {"p": MethodChoice("minmax", {"high": 10}), "q": MethodChoice("rank")}
        out = apply(X, ch, StageContext(framework=fw))
        assert_col(out.data, "p", [0, 5, 10, np.nan])
        assert_col(out.data, "q", [1, 2, 2, 4])
    finally:
        NORMALIZERS._funcs.pop("_spy_minmax")
        NORMALIZERS._meta.pop("_spy_minmax")


def test_apply_reference_passed(X: pd.DataFrame, fw: Framework) -> None:
    ref = pd.DataFrame({"p": [0.0, 10.0], "q": [0.0, 10.0]})
    ch = {c: MethodChoice("minmax") for c in X.columns}
    out = apply(X, ch, StageContext(framework=fw, reference=ref))
    assert_col(out.data, "p", [20, 40, 60, np.nan])


def test_apply_default_targets_from_framework(X: pd.DataFrame, fw: Framework) -> None:
    # q has direction -1: X holds -raw; framework target 2.0 (raw) → -2.0 on X's scale.
    Xd = X.copy()
    Xd["q"] = -Xd["q"]  # raw q = 1,3,3,5 → X = -1,-3,-3,-5
    ch = {c: MethodChoice("distance_to_target") for c in X.columns}
    out = apply(Xd, ch, StageContext(framework=fw))
    # p: (x-2)/(5-2) capped
    assert_col(out.data, "p", [0, 2 / 3, 1, np.nan])
    # q: min -5, target -2 → (x+5)/3: -1→4/3→1 (cap), -3→2/3, -5→0
    assert_col(out.data, "q", [1, 2 / 3, 2 / 3, 0])


def test_apply_goalposts_raw_units_flipped(X: pd.DataFrame, fw: Framework) -> None:
    Xd = X.copy()
    Xd["q"] = -Xd["q"]
    ch = {c: MethodChoice("goalposts", {"gposts": (1.0, 5.0), "scale": 1.0}) for c in X.columns}
    out = apply(Xd, ch, StageContext(framework=fw))
    # q raw 1 is best for a negative metric: raw posts (1,5) → (-5,-1) on X's scale
    assert_col(out.data, "q", [1.0, 0.5, 0.5, 0.0])
    assert_col(out.data, "p", [0.25, 0.75, 1.0, np.nan])


def test_apply_errors_name_metric(X: pd.DataFrame, fw: Framework) -> None:
    ch = {"p": MethodChoice("minmax", {"bogus": 1}), "q": MethodChoice("minmax")}
    with pytest.raises(MethodError, match="bogus"):
        apply(X, ch, StageContext(framework=fw))
    Z = X.assign(q=[0.0, -1.0, -2.0, -3.0])
    ch = {c: MethodChoice("fraction_of_max") for c in X.columns}
    with pytest.raises(MethodError, match="'q'"):
        apply(Z, ch, StageContext(framework=fw))
    with pytest.raises(MethodError, match="no method chosen.*q"):
        apply(X, {"p": MethodChoice("minmax")}, StageContext(framework=fw))


def test_apply_catches_new_nan(X: pd.DataFrame, fw: Framework) -> None:
    @NORMALIZERS.register("_bad")
    def bad(Xs: pd.DataFrame, /, *, reference: pd.DataFrame | None = None) -> pd.DataFrame:
        return Xs * np.nan

    try:
        with pytest.raises(MethodError, match="NaN/inf"):
            apply(X, {c: MethodChoice("_bad") for c in X.columns}, StageContext(framework=fw))
    finally:
        NORMALIZERS._funcs.pop("_bad")
        NORMALIZERS._meta.pop("_bad")


def test_asem_minmax_real_data(asem_dir) -> None:
    """Min-max of the ASEM data (COINr example) onto [0, 100]: each column spans exactly 0..100."""
    fw = Framework.from_table(asem_dir / "iMeta.csv")
    raw = pd.read_csv(asem_dir / "iData.csv").set_index("uCode")
    metrics = [m for m in fw.metrics if m in raw.columns]
    dirs = pd.Series({m: fw.nodes[m].direction for m in metrics})
    X = raw[metrics].astype("float64") * dirs
    out = apply(X, {m: MethodChoice("minmax") for m in metrics}, StageContext(framework=fw))
    d = out.data
    assert d.shape == X.shape
    np.testing.assert_allclose(d.min().to_numpy(), 0.0)
    np.testing.assert_allclose(d.max().to_numpy(), 100.0)
    assert (d.isna() == X.isna()).all().all()
