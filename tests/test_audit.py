"""Tests of aiindex.analysis.audit: correlations, Cronbach's alpha, PCA, unit profiles, audit report.

Expected values are computed independently in the tests (numpy / scipy.stats directly).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats as sps

from aiindex.analysis.audit import (
    AuditReport,
    alpha_by_group,
    audit,
    correlation_matrix,
    correlations,
    cronbach_alpha,
    framework_correlations,
    pca,
    pca_by_group,
    unit_profile,
    unit_summary,
)
from aiindex.errors import ConfigError, DataError

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------------- fixtures
@pytest.fixture
def synth() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    z = rng.normal(size=(40, 1))
    X = pd.DataFrame(z + rng.normal(scale=[0.5, 1.0, 2.0, 0.3], size=(40, 4)),
                     columns=["a", "b", "c", "d"], index=[f"u{i}" for i in range(40)])
    X.iloc[[1, 5, 9], 0] = np.nan
    X.iloc[[2, 5, 30], 2] = np.nan
    X.iloc[7, 3] = 5.0  # a tie-free outlier
    return X


@pytest.fixture(scope="module")
def asem_result():
    from conftest import shared_path

    shared_path("asem", "iData.csv")
    import aiindex

    return aiindex.run(ROOT / "configs" / "asem.yaml")


# ----------------------------------------------------------------------------- correlations
@pytest.mark.parametrize("method", ["pearson", "spearman", "kendall"])
def test_correlations_match_scipy_pairwise_complete(synth: pd.DataFrame, method: str) -> None:
    t = correlations(synth, method=method)
    assert len(t) == 6 and list(t.columns) == ["a", "b", "r", "p", "n", "note"]
    f = {"pearson": sps.pearsonr, "spearman": sps.spearmanr, "kendall": sps.kendalltau}[method]
    for _, row in t.iterrows():
        m = synth[[row["a"], row["b"]]].dropna()
        res = f(m.iloc[:, 0], m.iloc[:, 1])
        assert row["n"] == len(m)
        assert row["r"] == pytest.approx(res.statistic, abs=1e-12)
        assert row["p"] == pytest.approx(res.pvalue, rel=1e-8, abs=1e-300)


def test_correlations_x_with_y(synth: pd.DataFrame) -> None:
    Y = pd.DataFrame({"y": np.arange(40.0) ** 1.5}, index=synth.index[::-1])  # other order
    t = correlations(synth, Y, method="spearman")
    assert list(t["a"]) == ["a", "b", "c", "d"] and set(t["b"]) == {"y"}
    m = pd.concat([synth["c"], Y["y"]], axis=1).dropna()
    assert t.loc[t["a"] == "c", "r"].item() == pytest.approx(sps.spearmanr(m["c"], m["y"]).statistic)


def test_correlations_explain_missing_coefficients() -> None:
    X = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "k": [2.0] * 4,
                      "s": [1.0, np.nan, np.nan, 2.0]})
    t = correlations(X).set_index(["a", "b"])
    assert np.isnan(t.loc[("x", "k"), "r"]) and t.loc[("x", "k"), "note"] == "constant"
    assert np.isnan(t.loc[("x", "s"), "r"]) and t.loc[("x", "s"), "note"] == "n<3"
    M = correlation_matrix(X)
    assert np.isnan(M.loc["x", "k"]) and M.loc["x", "x"] == 1.0


def test_correlations_errors(synth: pd.DataFrame) -> None:
    with pytest.raises(ConfigError, match="method"):
        correlations(synth, method="cosine")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="non-numeric"):
        correlations(synth.assign(t="x"))
    with pytest.raises(DataError, match="infinite"):
        correlations(synth.assign(a=np.inf))


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(4, 15), st.integers(2, 5)),
              elements=st.floats(-1e3, 1e3, allow_nan=False)),
       st.sampled_from(["pearson", "spearman", "kendall"]))
def test_correlation_matrix_symmetric_and_bounded(A: np.ndarray, method: str) -> None:
    X = pd.DataFrame(A, columns=[f"c{i}" for i in range(A.shape[1])])
    M = correlation_matrix(X, method=method).to_numpy()  # type: ignore[arg-type]
    ok = ~np.isnan(M)
    assert np.array_equal(ok, ok.T)
    assert np.allclose(M[ok], M.T[ok])
    assert ((M[ok] >= -1.0) & (M[ok] <= 1.0)).all()


# ---------------------------------------------------------------------------- Cronbach alpha
def test_cronbach_alpha_hand_computed() -> None:
    # var(x1) = 1, var(x2) = 7/3, var(x1 + x2) = 19/3: alpha = 2 * (1 - (10/3)/(19/3)) = 18/19
    X = pd.DataFrame({"x1": [1.0, 2.0, 3.0, np.nan], "x2": [2.0, 3.0, 5.0, 4.0]})
    assert cronbach_alpha(X) == pytest.approx(18 / 19)


def test_cronbach_alpha_pairwise_equals_complete_without_missing(synth: pd.DataFrame) -> None:
    X = synth.dropna()
    assert cronbach_alpha(X, use="pairwise") == pytest.approx(cronbach_alpha(X))
    # COINr's formula on the pairwise covariance matrix, written out
    C = synth.cov().to_numpy()
    assert cronbach_alpha(synth, use="pairwise") == pytest.approx(4 / 3 * (1 - np.trace(C) / C.sum()))


def test_cronbach_alpha_errors() -> None:
    with pytest.raises(DataError, match="2 columns"):
        cronbach_alpha(pd.DataFrame({"a": [1.0, 2.0]}))
    with pytest.raises(DataError, match="zero variance"):
        cronbach_alpha(pd.DataFrame({"a": [1.0, 2.0], "b": [2.0, 1.0]}))
    with pytest.raises(DataError, match="complete cases"):
        cronbach_alpha(pd.DataFrame({"a": [1.0, np.nan], "b": [np.nan, 1.0]}))


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, st.integers(3, 30), elements=st.floats(-100, 100, allow_nan=False)),
       st.integers(2, 8))
def test_alpha_of_identical_columns_is_one(x: np.ndarray, k: int) -> None:
    if np.ptp(x) < 1e-6:
        return
    X = np.repeat(x[:, None], k, axis=1)
    assert cronbach_alpha(X) == pytest.approx(1.0, abs=1e-9)


# ----------------------------------------------------------------------------------------- PCA
def test_pca_matches_eigh_of_correlation_matrix(synth: pd.DataFrame) -> None:
    res = pca(synth)
    C = synth.dropna()
    w, V = np.linalg.eigh(np.corrcoef(C.to_numpy(), rowvar=False))
    assert res.n == len(C)
    assert np.allclose(res.eigenvalues.to_numpy(), w[::-1])
    assert res.explained_variance_ratio.sum() == pytest.approx(1.0)
    assert res.n_eigen_gt1 == int((w > 1).sum())
    L = res.loadings.to_numpy()
    assert np.allclose(L.T @ L, np.eye(4))
    assert np.allclose(np.abs(L), np.abs(V[:, ::-1]))
    assert (L.sum(axis=0) >= 0).all()
    # scores have the eigenvalues as variances; structure = correlations with the scores
    assert np.allclose(res.scores.var(ddof=1).to_numpy(), w[::-1])
    pc1 = res.scores["PC1"]
    assert res.structure.loc["b", "PC1"] == pytest.approx(np.corrcoef(C["b"], pc1)[0, 1])


def test_pca_errors() -> None:
    with pytest.raises(DataError, match="constant"):
        pca(pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, 1.0, 1.0]}))
    with pytest.raises(DataError, match="complete cases"):
        pca(pd.DataFrame({"a": [1.0, np.nan], "b": [np.nan, 1.0]}))


# ------------------------------------------------------------------------------- ASEM audit
PILLARS = ["Physical", "ConEcFin", "Political", "Instit", "P2P", "Environ", "Social", "SusEcFin"]


def test_asem_alpha_of_pillars_direct(asem_result) -> None:
    P = asem_result.scores[PILLARS].to_numpy()
    k = P.shape[1]
    direct = k / (k - 1) * (1 - P.var(axis=0, ddof=1).sum() / P.sum(axis=1).var(ddof=1))
    tab = alpha_by_group(asem_result, level=2).set_index("group")
    assert tab.loc["level 2", "alpha"] == pytest.approx(direct, abs=1e-12)
    assert tab.loc["level 2", "k"] == 8 and tab.loc["level 2", "n"] == 51
    assert cronbach_alpha(asem_result.scores[PILLARS], use="pairwise") == pytest.approx(direct)
    # measured value (documented in docs/audit.md)
    assert direct == pytest.approx(0.754, abs=5e-4)
    # groups: the children of Sust are the three sustainability pillars
    S = asem_result.scores[["Environ", "Social", "SusEcFin"]].to_numpy()
    d2 = 1.5 * (1 - S.var(axis=0, ddof=1).sum() / S.sum(axis=1).var(ddof=1))
    assert tab.loc["Sust", "alpha"] == pytest.approx(d2)


def test_asem_pca_direct(asem_result) -> None:
    P = asem_result.scores[PILLARS].to_numpy()
    w = np.linalg.eigh(np.corrcoef(P, rowvar=False))[0][::-1]
    res = pca(asem_result.scores[PILLARS])
    assert np.allclose(res.eigenvalues.to_numpy(), w)
    tabs = pca_by_group(asem_result, level=2)
    e = tabs.eigen[tabs.eigen["group"] == "level 2"]
    assert np.allclose(e["eigenvalue"].to_numpy(), w)
    s = tabs.summary.set_index("group").loc["level 2"]
    assert s["n_eigen_gt1"] == int((w > 1).sum()) == 3
    assert s["pc1_explained"] == pytest.approx(w[0] / 8)
    # metrics of the Physical pillar (normalised): complete cases
    fw = asem_result.framework
    N = asem_result.stages["normalized"][fw.children("Physical")].dropna()
    wp = np.linalg.eigh(np.corrcoef(N.to_numpy(), rowvar=False))[0][::-1]
    ep = pca_by_group(asem_result, level=1).eigen
    assert np.allclose(ep.loc[ep["group"] == "Physical", "eigenvalue"].to_numpy(), wp)


def test_asem_framework_correlations(asem_result) -> None:
    fc = framework_correlations(asem_result, "pearson", threshold=0.9)
    fw = asem_result.framework
    S = asem_result.stages["aggregated"]
    wp = fc.with_parent.set_index("node")
    assert len(wp) == len(fw.nodes) - 1
    m = S[["LPI", "Physical"]].dropna()
    assert wp.loc["LPI", "r"] == pytest.approx(sps.pearsonr(m["LPI"], m["Physical"]).statistic)
    wi = fc.with_index.set_index("node")
    assert wi.loc["Conn", "r"] == pytest.approx(np.corrcoef(S["Conn"], S["Index"])[0, 1])
    # within level 2: 28 pairs of pillars
    assert (fc.within_level["level"] == 2).sum() == 28
    # every flag is a sibling pair (or node-parent pair) meeting its rule; and all such are flagged
    neg_direct, neg_any = 0, 0
    for p in fw.aggregates:
        kids = fw.children(p)
        R = S[kids].corr().to_numpy()
        iu = np.triu_indices(len(kids), 1)
        neg_direct += int((R[iu] < -0.1).sum())
        neg_any += int((R[iu] < 0).sum())
        assert int((R[iu] > 0.9).sum()) == int(((fc.flags["flag"] == "high")
                                                  & (fc.flags["parent"] == p)).sum())
    # default tolerance: flagged only when r < -0.1 (docs/audit.md: 18 of the 26 negative pairs)
    assert (fc.flags["flag"] == "negative").sum() == neg_direct == 18
    assert (fc.flags["r"] < -0.1).all()
    f0 = framework_correlations(asem_result, "pearson", neg_tol=0.0).flags
    assert (f0["flag"] == "negative").sum() == neg_any == 26
    npar = fc.flags[fc.flags["flag"] == "negative_with_parent"]
    assert npar[["a", "b"]].values.tolist() == [["TBTs", "Instit"]]
    # across levels: metric LPI with each of its ancestors
    al = fc.across_levels
    anc = al[(al["a"] == "LPI") & al["is_ancestor"]]
    assert set(anc["b"]) == {"Physical", "Conn", "Index"}
    # spearman variant agrees with scipy
    fs = framework_correlations(asem_result, "spearman").with_index.set_index("node")
    assert fs.loc["Sust", "r"] == pytest.approx(sps.spearmanr(S["Sust"], S["Index"]).statistic)


def test_asem_denominator_correlations(asem_result, asem_dir: Path) -> None:
    fc = framework_correlations(asem_result)
    d = fc.denominators
    assert set(d["denominator"]) == {"Area", "Energy", "GDP", "Population"}
    assert len(d) == 49 * 4
    raw = pd.read_csv(asem_dir / "iData.csv").set_index("uCode")
    X = asem_result.stages["denominated"]
    row = d[(d["metric"] == "Flights") & (d["denominator"] == "Energy")].iloc[0]
    m = pd.concat([X["Flights"], raw["Energy"]], axis=1).dropna()
    assert row["n"] == len(m) == 50  # Energy has one missing value
    res = sps.pearsonr(m["Flights"], m["Energy"])
    assert row["r"] == pytest.approx(res.statistic) and row["p"] == pytest.approx(res.pvalue)
    assert (d["flag"] == (d["r"].abs() >= 0.6)).all()


def test_asem_unit_summary_and_profile(asem_result) -> None:
    us = unit_summary(asem_result)
    assert len(us) == len(asem_result.scores)
    g = asem_result.groups["EurAsia_group"]
    idx = asem_result.scores["Index"]
    asia = idx[g == "Asia"]
    best = asia.idxmax()
    assert us.loc[best, "rank_in_EurAsia_group"] == 1
    assert us["rank_in_EurAsia_group"].max() == max((g == "Asia").sum(), (g == "Europe").sum())
    raw = asem_result.stages["raw"]
    assert (us["n_available"] == raw.notna().sum(axis=1).reindex(us.index)).all()
    log = asem_result.logs["impute"]
    assert us["n_imputed"].sum() == len(log[log["uCode"].isin(us.index)])
    # every cell missing after denomination was imputed (LAO: 8 raw gaps + 2 from a missing
    # denominator)
    den_missing = asem_result.stages["denominated"].isna().sum(axis=1).reindex(us.index)
    assert (us["n_imputed"] == den_missing).all()
    # profile: strongest metric has the unit's best metric rank
    prof = unit_profile(asem_result, "DEU", n=3)
    ranks = asem_result.metric_ranks().loc["DEU"]
    top = prof[(prof["kind"] == "metric") & (prof["side"] == "strongest")]
    low = prof[(prof["kind"] == "metric") & (prof["side"] == "weakest")]
    assert top["rank"].iloc[0] == ranks.min() and low["rank"].iloc[0] == ranks.max()
    # default dimensions: the children of the root (level depth - 1 = 3: Conn, Sust)
    dims = prof[prof["kind"] == "dimension"]
    assert set(dims["node"]) == {"Conn", "Sust"} and (dims["level"] == 3).all()
    assert len(dims) == 4  # 2 strongest + 2 weakest of 2 dimensions
    top_dim = dims[dims["side"] == "strongest"].iloc[0]
    dim_ranks = asem_result.ranks.loc["DEU", ["Conn", "Sust"]]
    assert top_dim["node"] == dim_ranks.astype(int).idxmin()
    prof2 = unit_profile(asem_result, "DEU", n=3, dimension_level=2)
    dims2 = prof2[prof2["kind"] == "dimension"]
    assert set(dims2["node"]) <= set(PILLARS) and len(dims2) == 6
    with pytest.raises(ConfigError, match="dimension_level"):
        unit_profile(asem_result, "DEU", dimension_level=4)
    with pytest.raises(DataError, match="XXX"):
        unit_profile(asem_result, "XXX")


def test_audit_report_and_cli(asem_result, tmp_path: Path, capsys) -> None:
    rep = audit(asem_result)
    assert isinstance(rep, AuditReport)
    assert set(rep.tables()) >= {"alpha", "pca_summary", "flags", "units", "denominators"}
    paths = rep.to_csv(tmp_path / "a")
    assert all(p.exists() for p in paths)
    assert "Cronbach" in rep.summary()
    from aiindex.cli import main

    rc = main(["audit", str(ROOT / "configs" / "asem.yaml"), "--out", str(tmp_path / "b")])
    out = capsys.readouterr().out
    assert rc == 0 and "level 2" in out and "eigenvalue > 1" in out
    assert (tmp_path / "b" / "audit_alpha.csv").exists()


def test_negative_flags_tolerance() -> None:
    # siblings x, y with r = -0.05 exactly (hand-built, centred, orthogonal parts): not flagged
    # at the default tolerance 0.1, flagged with neg_tol=0
    import aiindex

    rng = np.random.default_rng(3)
    a = rng.normal(size=60)
    b = rng.normal(size=60)
    a = (a - a.mean()) / a.std()
    b = b - b.mean()
    b = b - (b @ a) / (a @ a) * a
    b = b / b.std()
    y = -0.05 * a + np.sqrt(1 - 0.05**2) * b
    assert np.corrcoef(a, y)[0, 1] == pytest.approx(-0.05)
    data = pd.DataFrame({"uCode": [f"u{i}" for i in range(60)], "x": a, "y": y})
    cfg = {"framework": {"code": "I", "children": [{"code": "x"}, {"code": "y"}]},
           "normalize": {"method": "none"}, "aggregate": {"method": "arithmetic"}}
    res = aiindex.run(cfg, data=data)
    assert len(framework_correlations(res).flags) == 0
    f0 = framework_correlations(res, neg_tol=0.0).flags
    assert f0["flag"].tolist() == ["negative"] and f0["r"].iloc[0] == pytest.approx(-0.05)
    assert len(framework_correlations(res, neg_tol=0.04).flags) == 1
    assert audit(res, neg_tol=0.0).neg_tol == 0.0
    for bad in (-0.1, 1.0, float("nan"), True):
        with pytest.raises(ConfigError, match="neg_tol"):
            framework_correlations(res, neg_tol=bad)
