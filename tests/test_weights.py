"""Weighting schemes, effective weights, the weights config section and importance."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from aiindex import run
from aiindex.analysis.importance import importance
from aiindex.errors import ConfigError, MethodError
from aiindex.framework import Framework, Node
from aiindex.weights import (
    SAATY_RI,
    WEIGHTERS,
    ahp_weights,
    apply_weights_config,
    benefit_of_the_doubt,
    effective_weights_table,
    varimax,
)

CODES = list("abcde")


def _X(seed: int = 0, n: int = 30, k: int = 5, low: float = 1, high: float = 100) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.uniform(low, high, (n, k)), columns=CODES[:k],
                        index=[f"U{i:02d}" for i in range(n)])


def _call(method: str, X: pd.DataFrame) -> pd.Series:
    params = {"explicit": {"weights": dict.fromkeys(X.columns, 1.0)},
              "budget": {"points": [dict.fromkeys(X.columns, 10)]},
              "ahp": {"matrix": np.ones((X.shape[1], X.shape[1])).tolist()}}.get(method, {})
    return WEIGHTERS.call(method, X, **params)


# ------------------------------------------------------------------ simple schemes
def test_explicit_equal_budget_hand_values():
    X = _X(k=3)
    assert _call("equal", X).tolist() == pytest.approx([1 / 3] * 3)
    w = WEIGHTERS.call("explicit", X, weights={"a": 1, "b": 2, "c": 1})
    assert w.tolist() == pytest.approx([0.25, 0.5, 0.25])
    # two experts with different budgets: shares (0.5, 0.5, 0) and (0.2, 0.2, 0.6) averaged
    w = WEIGHTERS.call("budget", X, points=[{"a": 50, "b": 50}, {"a": 2, "b": 2, "c": 6}])
    assert w.tolist() == pytest.approx([0.35, 0.35, 0.3])


def test_all_zero_and_bad_weights_are_errors():
    X = _X(k=3)
    with pytest.raises(MethodError, match="all weights are zero"):
        WEIGHTERS.call("explicit", X, weights={"a": 0, "b": 0, "c": 0})
    with pytest.raises(MethodError, match=r"missing for \['c'\]"):
        WEIGHTERS.call("explicit", X, weights={"a": 1, "b": 1})
    with pytest.raises(MethodError, match="negative"):
        WEIGHTERS.call("explicit", X, weights={"a": -1, "b": 1, "c": 1})
    with pytest.raises(MethodError, match="allocates no points"):
        WEIGHTERS.call("budget", X, points={"a": 0})
    with pytest.raises(MethodError, match="unknown parameter"):
        WEIGHTERS.call("entropy", X, foo=1)


def test_missing_values_named():
    X = _X(k=3)
    X.iloc[4, 1] = np.nan
    with pytest.raises(MethodError, match="U04.*'b'"):
        WEIGHTERS.call("entropy", X)


# ------------------------------------------------------------------ entropy
def test_entropy_hand_value():
    # column a: p = (1/4, 3/4), e = -(p ln p)/ln 2 = 0.811278; column b constant: e = 1 -> w = 0;
    # column c: p = (0, 1) -> e = 0 (0 ln 0 = 0) -> 1 - e = 1
    X = pd.DataFrame({"a": [1.0, 3.0], "b": [2.0, 2.0], "c": [0.0, 5.0]})
    d_a = 1 - (-(0.25 * np.log(0.25) + 0.75 * np.log(0.75)) / np.log(2))
    w = WEIGHTERS.call("entropy", X)
    assert d_a == pytest.approx(0.188722, abs=1e-6)
    assert w.tolist() == pytest.approx([d_a / (d_a + 1), 0.0, 1 / (d_a + 1)])


def test_entropy_matches_pymcdm():
    pm = pytest.importorskip("pymcdm")
    X = _X(3)
    assert WEIGHTERS.call("entropy", X).to_numpy() == pytest.approx(
        pm.weights.entropy_weights(X.to_numpy()), abs=1e-12)


def test_entropy_errors():
    X = _X(k=3)
    X.iloc[0, 2] = -1.0
    with pytest.raises(MethodError, match=r"negative values in component\(s\) \['c'\]"):
        WEIGHTERS.call("entropy", X)
    with pytest.raises(MethodError, match="zero for every unit"):
        WEIGHTERS.call("entropy", pd.DataFrame({"a": [0.0, 0.0], "b": [1.0, 2.0]}))
    with pytest.raises(MethodError, match="constant"):
        WEIGHTERS.call("entropy", pd.DataFrame({"a": [1.0, 1.0], "b": [2.0, 2.0]}))


# ------------------------------------------------------------------ CRITIC
def test_critic_matches_pymcdm_and_hand():
    pm = pytest.importorskip("pymcdm")
    X = _X(4)
    assert WEIGHTERS.call("critic", X).to_numpy() == pytest.approx(
        pm.weights.critic_weights(X.to_numpy()), abs=1e-12)
    # two perfectly anti-correlated columns: equal sigma after min-max, equal information
    X2 = pd.DataFrame({"a": [1.0, 2.0, 4.0], "b": [10.0, 8.0, 4.0]})
    assert WEIGHTERS.call("critic", X2).tolist() == pytest.approx([0.5, 0.5])


def test_critic_constant_column_error():
    X = _X(k=3)
    X["b"] = 5.0
    with pytest.raises(MethodError, match=r"\['b'\] are constant"):
        WEIGHTERS.call("critic", X)


# ------------------------------------------------------------------ PCA
def _two_factor_data(seed: int = 0, n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n, 2))
    e = rng.normal(scale=0.3, size=(n, 4))
    return pd.DataFrame(np.column_stack([f[:, 0], f[:, 0], f[:, 1], f[:, 1]]) + e,
                        columns=list("abcd"))


def test_pca_two_factor_structure():
    X = _two_factor_data()
    w = WEIGHTERS.call("pca", X)
    assert w.attrs["n_factors"] == 2
    a = w.attrs["assignment"]
    assert a["a"] == a["b"] != a["c"] == a["d"]
    assert w.to_numpy() == pytest.approx([0.25] * 4, abs=0.03)
    # loadings scaled to unity within each factor
    sq = w.attrs["scaled_squared_loadings"]
    assert sq.sum().to_numpy() == pytest.approx([1.0, 1.0])


def test_pca_first_hand_values():
    # equicorrelated components: first eigenvector (1,1,1)/sqrt(3) -> weights 1/3
    rng = np.random.default_rng(1)
    f = rng.normal(size=500)
    base = np.column_stack([f, f, f])
    X = pd.DataFrame(base + 0.0, columns=list("abc"))
    X = X + pd.DataFrame(np.eye(3)[np.arange(500) % 3], columns=list("abc"))  # equal noise
    w = WEIGHTERS.call("pca_first", X)
    assert w.to_numpy() == pytest.approx([1 / 3] * 3, abs=0.01)
    X2 = pd.DataFrame({"a": [1.0, 2.0, 3.0, 5.0], "b": [2.0, 1.0, 4.0, 4.0]})
    assert WEIGHTERS.call("pca_first", X2).tolist() == pytest.approx([0.5, 0.5])
    assert WEIGHTERS.call("pca_first", X2, absolute=True).tolist() == pytest.approx([0.5, 0.5])


def test_varimax_against_brute_force_angle():
    rng = np.random.default_rng(2)
    L = rng.normal(size=(6, 2))
    rot, R = varimax(L, normalize=False)

    def crit(M):
        s = M**2
        return ((s**2).sum(axis=0) - (s.sum(axis=0) ** 2) / M.shape[0]).sum()

    th = np.linspace(0, np.pi / 2, 20001)
    vals = [crit(L @ np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])) for t in th]
    assert crit(rot) == pytest.approx(max(vals), rel=1e-6)
    assert R.T @ R == pytest.approx(np.eye(2), abs=1e-10)
    # communalities are preserved (with and without Kaiser normalisation)
    rot2, _ = varimax(L)
    assert (rot2**2).sum(axis=1) == pytest.approx((L**2).sum(axis=1))


def test_pca_singular_input_errors():
    X = _X(k=3)
    X["c"] = 7.0
    with pytest.raises(MethodError, match=r"singular input.*\['c'\]"):
        WEIGHTERS.call("pca", X)
    with pytest.raises(MethodError, match="at least 3 units"):
        WEIGHTERS.call("pca_first", X.iloc[:2])


@pytest.mark.parametrize("method", ["pca", "pca_first"])
def test_pca_collinear_columns_are_singular(method):
    X = _X(k=3)
    # d = 2a: the near-null eigenvector is (a - d)/sqrt(2); b and c are not involved
    with pytest.raises(MethodError, match=r"singular input: .*rank 3 < 4.*collinear component\(s\) "
                                          r"\['a', 'd'\].*0\.707·a - 0\.707·d"):
        WEIGHTERS.call(method, X.assign(d=2 * X["a"]))
    # d = a + b (+ a shift): a, b and d are involved, c is not
    with pytest.raises(MethodError, match=r"collinear component\(s\) \['a', 'b', 'd'\]"):
        WEIGHTERS.call(method, X.assign(d=X["a"] + X["b"] + 3.0))
    # two relations: rank 3 of 5
    with pytest.raises(MethodError, match=r"rank 3 < 5.*\['a', 'b', 'd', 'e'\]"):
        WEIGHTERS.call(method, X.assign(d=2 * X["a"], e=X["b"] - 1))
    # the tolerance is relative: a tiny but real independent part passes with rank_tol=0
    rng = np.random.default_rng(9)
    Y = X.assign(d=X["a"] + X["b"] + 1e-5 * rng.normal(size=len(X)))
    with pytest.raises(MethodError, match="singular input"):
        WEIGHTERS.call(method, Y)
    w = WEIGHTERS.call(method, Y, rank_tol=0.0)
    assert w.sum() == pytest.approx(1.0)
    with pytest.raises(MethodError, match="rank_tol must be in"):
        WEIGHTERS.call(method, X, rank_tol=-1.0)


@pytest.mark.parametrize("method", ["pca", "pca_first"])
def test_pca_needs_more_units_than_components(method):
    X = _X(k=4)
    with pytest.raises(MethodError, match=r"3 complete-case unit\(s\) for 4 components "
                                          r"\['a', 'b', 'c', 'd'\].*more complete-case units"):
        WEIGHTERS.call(method, X.iloc[:3])
    with pytest.raises(MethodError, match="4 complete-case unit"):
        WEIGHTERS.call(method, X.iloc[:4])
    assert WEIGHTERS.call(method, X.iloc[:6]).sum() == pytest.approx(1.0)


# ------------------------------------------------------------------ BoD
def test_bod_hand_values():
    X = pd.DataFrame({"a": [1.0, 0.0, 0.4, 1.0], "b": [0.0, 1.0, 0.4, 0.2]},
                     index=["P", "Q", "R", "S"])
    r = benefit_of_the_doubt(X)
    # R: max 0.4(w1 + w2) s.t. w1 <= 1 (P), w2 <= 1 (Q), w1 + 0.2 w2 <= 1 (S), 0.4(w1 + w2) <= 1
    # optimum at the vertex w2 = 1, w1 = 0.8 -> 0.72
    assert r.scores.to_dict() == pytest.approx({"P": 1.0, "Q": 1.0, "R": 0.72, "S": 1.0})
    assert r.weights.loc["R"].tolist() == pytest.approx([0.8, 1.0])


def test_bod_best_unit_scores_one_and_bounds():
    X = _X(5, n=25)
    X.loc["TOP"] = X.max() + 1
    r = benefit_of_the_doubt(X)
    assert r.scores["TOP"] == pytest.approx(1.0)
    assert ((r.scores >= 0) & (r.scores <= 1 + 1e-12)).all()
    rb = benefit_of_the_doubt(X, lower=0.1, upper=0.4)
    sh = rb.shares[rb.scores > 0]
    assert (sh.to_numpy() >= 0.1 - 1e-7).all() and (sh.to_numpy() <= 0.4 + 1e-7).all()
    assert (rb.scores <= r.scores + 1e-9).all()  # restrictions cannot raise scores
    w = WEIGHTERS.call("bod", X)
    assert w.sum() == pytest.approx(1) and (w >= 0).all()
    with pytest.raises(MethodError, match="infeasible share bounds"):
        benefit_of_the_doubt(X, lower=0.3)
    X.iloc[0, 0] = -1
    with pytest.raises(MethodError, match="negative value for unit 'U00'"):
        benefit_of_the_doubt(X)


# ------------------------------------------------------------------ AHP
def test_ahp_consistent_matrix_and_pymcdm():
    w = np.array([0.5, 0.3, 0.2])
    M = w[:, None] / w[None, :]
    r = ahp_weights(M, list("abc"))
    assert r.weights.tolist() == pytest.approx(w.tolist())
    assert r.lambda_max == pytest.approx(3.0) and r.cr == pytest.approx(0.0, abs=1e-12)
    pm = pytest.importorskip("pymcdm")
    M2 = [[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 2, 1]]
    r2 = ahp_weights(M2)
    from pymcdm.weights.subjective import AHP

    assert r2.weights.to_numpy() == pytest.approx(AHP(matrix=np.array(M2))(), abs=1e-8)
    # CI = (lambda - 3)/2, CR = CI / 0.58 (Saaty RI for n = 3)
    assert r2.cr == pytest.approx(r2.ci / SAATY_RI[3])
    assert pm is not None


def test_ahp_inconsistent_warns_and_bad_matrices():
    M = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]
    with pytest.warns(UserWarning, match="consistency ratio"):
        r = ahp_weights(M, list("abc"))
    assert r.cr > 0.1
    with pytest.raises(MethodError, match=r"not reciprocal.*\('a', 'b', 3\.0, 0\.5\)"):
        ahp_weights([[1, 3], [0.5, 1]], ["a", "b"])
    with pytest.raises(MethodError, match=r"positive.*\('a', 'b', 0\.0\)"):
        ahp_weights([[1, 0], [1, 1]], ["a", "b"])
    with pytest.raises(MethodError, match="must be 3×3"):
        WEIGHTERS.call("ahp", _X(k=3), matrix=[[1, 2], [0.5, 1]])
    X = _X(k=2)
    w = WEIGHTERS.call("ahp", X, matrix={"a": {"b": 3}, "b": {"a": 1 / 3}})
    assert w.tolist() == pytest.approx([0.75, 0.25])


# ------------------------------------------------------------------ balance
def test_balance_equalises_correlations():
    rng = np.random.default_rng(3)
    f = rng.normal(size=(300, 1))
    X = pd.DataFrame(f * np.array([1.0, 0.5, 0.2]) + rng.normal(size=(300, 3)), columns=list("abc"))
    w = WEIGHTERS.call("balance", X)
    r = np.array(list(w.attrs["correlations"].values()))
    assert r / r.sum() == pytest.approx([1 / 3] * 3, abs=1e-3)
    wt = WEIGHTERS.call("balance", X, target={"a": 2, "b": 1, "c": 1})
    r = np.array(list(wt.attrs["correlations"].values()))
    assert r / r.sum() == pytest.approx([0.5, 0.25, 0.25], abs=0.02)
    wm = WEIGHTERS.call("maximize_correlation", X)
    eq = np.corrcoef(np.column_stack([X.to_numpy(), X.to_numpy().mean(axis=1)]),
                     rowvar=False)[-1, :-1].sum()
    assert sum(wm.attrs["correlations"].values()) >= eq - 1e-9


# ------------------------------------------------------------------ properties
DATA_SCHEMES = ["equal", "entropy", "critic", "pca", "pca_first", "bod", "balance",
                "maximize_correlation", "explicit", "budget", "ahp"]

def _frame(A: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(A, columns=CODES[:A.shape[1]], index=[f"U{i:02d}" for i in range(len(A))])


def _well_conditioned(A: np.ndarray) -> bool:
    """No (near-)constant column and a correlation matrix far from singular."""
    if (np.ptp(A, axis=0) < 1e-3 * np.abs(A).max(axis=0)).any():
        return False
    ev = np.linalg.eigvalsh(np.corrcoef(A, rowvar=False))
    return bool(ev[0] > 1e-3 * ev[-1])


@st.composite
def matrices(draw: st.DrawFn, n: tuple[int, int] = (8, 14), k: tuple[int, int] = (2, 4),
             low: float = 1.0, high: float = 100.0) -> pd.DataFrame:
    """Units × components data drawn element by element by hypothesis (positive values, no
    constant column, non-singular correlation matrix)."""
    shape = (draw(st.integers(*n)), draw(st.integers(*k)))
    A = draw(hnp.arrays(np.float64, shape, elements=st.floats(low, high, allow_nan=False),
                        unique=True))
    assume(_well_conditioned(A))
    return _frame(A)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(X=matrices())
def test_every_scheme_nonnegative_sums_to_one(X):
    for m in DATA_SCHEMES:
        w = _call(m, X)
        assert list(w.index) == list(X.columns), m
        assert (w >= 0).all() and w.sum() == pytest.approx(1.0), m


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(X=matrices(k=(4, 4)), j=st.integers(0, 3), c=st.floats(0.01, 1000))
def test_scaling_a_metric_keeps_entropy_critic_pca_weights(X, j, c):
    Y = X.copy()
    Y.iloc[:, j] = Y.iloc[:, j] * c
    for m in ("entropy", "critic", "pca", "pca_first"):
        assert _call(m, Y).to_numpy() == pytest.approx(_call(m, X).to_numpy(), abs=1e-8), m


@settings(max_examples=25, deadline=None)
@given(A=hnp.arrays(np.float64, st.tuples(st.integers(1, 12), st.integers(1, 4)),
                    elements=st.floats(0.01, 100, allow_nan=False)),
       bump=st.floats(0, 10), c=st.floats(0.01, 100), j=st.integers(0, 3))
def test_bod_properties(A, bump, c, j):
    """BoD on positive data: scores in [0, 1], non-negative weights that keep every unit on or
    under the frontier, score 1 for a unit best on every metric and for every unit best on some
    metric, and scores unchanged when a metric is rescaled."""
    X = _frame(A)
    X.loc["TOP"] = X.max() + bump  # best (or tied best) on every metric
    r = benefit_of_the_doubt(X)
    s, W = r.scores.to_numpy(), r.weights.to_numpy()
    B = X.to_numpy()
    assert ((s >= 0) & (s <= 1)).all()
    assert (W >= 0).all()
    assert (B @ W.T <= 1 + 1e-6).all()  # each unit's weights feasible for all (LP tolerance)
    assert s == pytest.approx((W * B).sum(axis=1), abs=1e-7)  # scores are clipped to [0, 1]
    assert r.scores["TOP"] == pytest.approx(1.0, abs=1e-7)
    best_somewhere = (B >= B.max(axis=0)).any(axis=1)
    assert s[best_somewhere] == pytest.approx(1.0, abs=1e-7)
    Y = X.copy()
    jj = j % X.shape[1]
    Y.iloc[:, jj] = Y.iloc[:, jj] * c
    assert benefit_of_the_doubt(Y).scores.to_numpy() == pytest.approx(s, abs=1e-7)
    w = WEIGHTERS.call("bod", X)
    assert (w >= 0).all() and w.sum() == pytest.approx(1.0)


@st.composite
def trees(draw):
    n_nodes = draw(st.integers(2, 14))
    nodes = [Node(code="R")]
    for i in range(1, n_nodes):
        parent = draw(st.sampled_from([n.code for n in nodes]))
        nodes.append(Node(code=f"N{i}", parent=parent,
                          weight=draw(st.floats(0.01, 10))))
    return Framework(nodes)


@settings(max_examples=50, deadline=None)
@given(fw=trees())
def test_effective_weights_sum_to_one(fw):
    t = effective_weights_table(fw)
    assert t.loc[fw.metrics, "effective_weight"].sum() == pytest.approx(1.0)
    for p in fw.aggregates:
        kids = fw.children(p)
        assert t.loc[kids, "local_weight"].sum() == pytest.approx(1.0)
        assert t.loc[kids, "effective_weight"].sum() == pytest.approx(t.loc[p, "effective_weight"])


# ------------------------------------------------------------------ config section
def _cfg(weights: dict) -> dict:
    return {"framework": {"code": "Idx", "children": [
        {"code": "A", "children": [{"code": "m1"}, {"code": "m2"}]},
        {"code": "B", "children": [{"code": "m3"}, {"code": "m4"}, {"code": "m5"}]}]},
        "normalize": {"method": "minmax", "low": 1, "high": 100},
        "weights": weights}


def _data() -> pd.DataFrame:
    X = _X(7, n=25, k=5)
    X.columns = ["m1", "m2", "m3", "m4", "m5"]
    return X.rename_axis("uCode").reset_index()


def test_weights_config_layers_and_info():
    sec = {"method": "entropy", "levels": {3: {"method": "equal"}},
           "groups": {"B": {"method": "ahp", "matrix": [[1, 3, 3], [1 / 3, 1, 1], [1 / 3, 1, 1]]}},
           "explicit": {"A": 3}}
    res = run(_cfg(sec), data=_data())
    t = res.info["weights"]["table"]
    assert t.loc[["m3", "m4", "m5"], "weight"].tolist() == pytest.approx([0.6, 0.2, 0.2])
    assert t.loc["A", "weight"] == pytest.approx(3 / 3.5)  # explicit raw 3 beside equal 0.5
    assert t.loc["m1", "method"] == "entropy" and t.loc["A", "method"] == "explicit"
    ent = WEIGHTERS.call("entropy", res.stages["normalized"][["m1", "m2"]])
    assert t.loc[["m1", "m2"], "weight"].to_numpy() == pytest.approx(ent.to_numpy())
    assert res.framework.effective_weights()[res.framework.metrics].sum() == pytest.approx(1)
    # the index uses the new weights
    ew = res.framework.effective_weights()[res.framework.metrics]
    assert res.scores["Idx"].to_numpy() == pytest.approx(
        res.stages["normalized"][ew.index].to_numpy() @ ew.to_numpy())


def test_weights_config_top_level_uses_aggregate_scores():
    res = run(_cfg({"levels": {3: {"method": "pca_first"}}}), data=_data())
    sc = res.scores[["A", "B"]]
    w = WEIGHTERS.call("pca_first", sc)
    assert res.framework.local_weights()[["A", "B"]].to_numpy() == pytest.approx(w.to_numpy())


def test_weights_config_errors():
    fw = Framework.from_dict(_cfg({})["framework"])
    from aiindex.config import resolve_config

    cfg = resolve_config(_cfg({}))
    X = _X(k=5)
    X.columns = ["m1", "m2", "m3", "m4", "m5"]
    with pytest.raises(ConfigError, match="groups.m1"):
        apply_weights_config({"groups": {"m1": {"method": "equal"}}}, fw, X, cfg=cfg)
    with pytest.raises(ConfigError, match="groups.Zz: unknown node"):
        apply_weights_config({"groups": {"Zz": {"method": "equal"}}}, fw, X, cfg=cfg)
    with pytest.raises(MethodError, match="unknown weighting scheme 'nope'"):
        apply_weights_config({"method": "nope"}, fw, X, cfg=cfg)
    with pytest.raises(ConfigError, match="zero weight"):
        apply_weights_config({"explicit": {"A": 0, "B": 0}}, fw, X, cfg=cfg)


# ------------------------------------------------------------------ importance
def test_importance_linear_index():
    rng = np.random.default_rng(5)
    n = 2000
    x = rng.uniform(0, 1, (n, 3))
    w = np.array([0.6, 0.3, 0.1])
    df = pd.DataFrame(x, columns=["A", "B", "C"])
    df["Idx"] = x @ w
    fw = Framework.from_dict({"code": "Idx", "children": [
        {"code": "A", "weight": 1}, {"code": "B", "weight": 1}, {"code": "C", "weight": 1}]})
    imp = importance(df, fw)
    # independent equal-variance components: S_j = w_j^2 / sum w^2
    s = w**2 / (w**2).sum()
    assert imp["first_order"].to_numpy() == pytest.approx(s, abs=0.02)  # sampling noise
    assert imp["r2"].to_numpy() == pytest.approx(s, abs=0.02)
    # for a linear index the cubic fit adds (almost) nothing to the linear R^2
    assert (imp["first_order"] >= imp["r2"] - 1e-12).all()
    assert imp["first_order"].to_numpy() == pytest.approx(imp["r2"].to_numpy(), abs=0.005)
    assert imp["weight_share"].tolist() == pytest.approx([1 / 3] * 3)
    assert imp["flag"].tolist() == [True, True, True]  # shares 0.78, 0.20, 0.02 vs 1/3
    assert importance(df, fw, threshold=0.5)["flag"].tolist() == [False, False, False]
    bins = importance(df, fw, estimator="bins")
    assert bins["first_order"].to_numpy() == pytest.approx(s, abs=0.03)


def test_importance_from_result():
    res = run(_cfg({"method": "equal"}), data=_data())
    imp = importance(res)
    assert list(imp.index) == ["A", "B"]
    assert imp["weight"].tolist() == pytest.approx([0.5, 0.5])
    imp1 = importance(res, level=1)
    assert list(imp1.index) == ["m1", "m2", "m3", "m4", "m5"]
    assert ((imp1["correlation"] > -1) & (imp1["correlation"] <= 1)).all()


def test_no_warnings_for_consistent_ahp():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ahp_weights([[1, 2], [0.5, 1]])
