"""Statistical audit of an index: correlations, Cronbach's alpha, PCA and unit profiles.

These are the coherence checks of the OECD/JRC *Handbook on Constructing Composite Indicators*
(2008, steps 4 "Multivariate analysis" and 10 "Links to other indicators") and of COINr's
``get_corr()``, ``get_corr_flags()``, ``get_denom_corr()``, ``get_cronbach()`` and ``get_PCA()``.

Formulas
--------
* **Correlations** (:func:`correlations`): Pearson, Spearman (Pearson of the ranks, average ties)
  or Kendall's tau-b, on the *pairwise complete* observations of each pair. p-values are those of
  :mod:`scipy.stats`: for Pearson and Spearman ``t = r sqrt((n-2)/(1-r^2))`` with a two-sided
  Student t test on ``n-2`` degrees of freedom (identical to ``scipy.stats.pearsonr`` /
  ``spearmanr``); for Kendall, ``scipy.stats.kendalltau`` (exact for small samples without ties,
  else the tie-corrected normal approximation).
* **Cronbach's alpha** (:func:`cronbach_alpha`) over the complete cases of ``k`` columns:
  ``alpha = k/(k-1) * (1 - sum_i var(x_i) / var(sum_i x_i))`` with sample variances (ddof 1).
  ``use="pairwise"`` gives COINr's ``get_cronbach()`` instead: the same formula on the
  pairwise-complete covariance matrix ``C``, ``k/(k-1) * (1 - trace(C)/sum(C))``; both agree
  when there are no missing values.
* **PCA** (:func:`pca`): complete cases, each column centred and (``scale=True``) divided by its
  sample standard deviation, i.e. the eigen-decomposition of the correlation matrix (COINr's
  ``get_PCA()`` = ``stats::prcomp(scale = TRUE)`` on complete cases). Eigenvalues in decreasing
  order; ``loadings`` are the unit eigenvectors (``prcomp``'s ``rotation``), each signed so that
  its entries sum to a non-negative number; ``structure`` = eigenvector × sqrt(eigenvalue) is the
  correlation of each variable with each component. Kaiser's rule counts eigenvalues > 1.

Conventions
-----------
The audit works on ``result.stages["aggregated"]`` (normalised metrics and aggregate scores), so
every column is "higher is better". A correlation that cannot be computed (fewer than 3 pairwise
complete observations, or a constant column) is reported as ``NaN`` **with a ``note``** saying
why — never silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats as sps

from ..errors import ConfigError, DataError
from ..pipeline import Result, build_framework, load_dataset, run
from ..ranks import rank, rank_within

__all__ = [
    "AuditReport",
    "FrameworkCorrelations",
    "PCAResult",
    "PCATables",
    "alpha_by_group",
    "audit",
    "correlation_matrix",
    "correlations",
    "cronbach_alpha",
    "denominator_correlations",
    "framework_correlations",
    "pca",
    "pca_by_group",
    "unit_profile",
    "unit_summary",
]

Method = Literal["pearson", "spearman", "kendall"]
_METHODS = ("pearson", "spearman", "kendall")
_CORR_COLS = ["a", "b", "r", "p", "n", "note"]


# ------------------------------------------------------------------------------ correlations
def _check_method(method: str) -> str:
    if method not in _METHODS:
        raise ConfigError(f"correlation method must be one of {list(_METHODS)}, got {method!r}")
    return method


def _numeric(X: pd.DataFrame, what: str) -> pd.DataFrame:
    if not isinstance(X, pd.DataFrame):
        raise DataError(f"{what}: expected a pandas DataFrame, got {type(X).__name__}")
    bad = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    if bad:
        raise DataError(f"{what}: non-numeric column(s) {bad}")
    A = X.astype("float64")
    inf = [c for c in A.columns if np.isinf(A[c].to_numpy()).any()]
    if inf:
        raise DataError(f"{what}: infinite values in column(s) {inf}")
    return A


def _pair_stats(A: pd.DataFrame, B: pd.DataFrame, method: str) -> tuple[np.ndarray, ...]:
    """r, n and the pairwise-complete variance flags for all columns of A × all columns of B."""
    both = pd.concat([A, B], axis=1, keys=["A", "B"])
    both.columns = [f"{k}\x00{c}" for k, c in both.columns]
    ka, kb = A.shape[1], B.shape[1]
    if method == "kendall":
        R = np.full((ka, kb), np.nan)  # filled below with scipy (p-values need it anyway)
    else:
        R = both.corr(method=method, min_periods=1).to_numpy()[:ka, ka:]
    Ma = A.notna().to_numpy(dtype=float)
    Mb = B.notna().to_numpy(dtype=float)
    N = Ma.T @ Mb
    return R, N


def correlations(
    X: pd.DataFrame,
    Y: pd.DataFrame | None = None,
    method: Method = "pearson",
) -> pd.DataFrame:
    """Pairwise-complete correlations with p-values, as a tidy table.

    Parameters
    ----------
    X
        Units × variables (numeric).
    Y
        Optional second table (same units, matched on the index). When given, every column of
        ``X`` is correlated with every column of ``Y``; otherwise every unordered pair of
        columns of ``X`` (``a`` before ``b`` in column order).
    method
        ``"pearson"``, ``"spearman"`` or ``"kendall"`` (tau-b).

    Returns
    -------
    DataFrame
        Columns ``a, b, r, p, n, note``: the coefficient, its two-sided p-value (as
        :mod:`scipy.stats`), the number of pairwise complete units, and why ``r`` is missing
        (``"n<3"`` or ``"constant"``), empty otherwise.
    """
    _check_method(method)
    A = _numeric(X, "correlations (X)")
    if Y is None:
        B = A
    else:
        B = _numeric(Y, "correlations (Y)")
        B = B.reindex(A.index.union(B.index, sort=False))
        A = A.reindex(B.index)
    R, N = _pair_stats(A, B, method)
    ka, kb = A.shape[1], B.shape[1]
    if Y is None:
        ii, jj = np.triu_indices(ka, k=1)
    else:
        ii, jj = (g.ravel() for g in np.meshgrid(np.arange(ka), np.arange(kb), indexing="ij"))
    r = R[ii, jj].astype(float)
    n = N[ii, jj].astype(int)
    p = np.full(len(r), np.nan)
    note = np.full(len(r), "", dtype=object)
    Av, Bv = A.to_numpy(), B.to_numpy()
    if method == "kendall":
        # scipy's tau-b p-value (exact/asymptotic with ties) has no vectorised form: one call
        # per pair of variables (never per unit)
        for t, (i, j) in enumerate(zip(ii, jj, strict=True)):
            m = ~np.isnan(Av[:, i]) & ~np.isnan(Bv[:, j])
            if m.sum() >= 3 and np.ptp(Av[m, i]) > 0 and np.ptp(Bv[m, j]) > 0:
                res = sps.kendalltau(Av[m, i], Bv[m, j])
                r[t], p[t] = float(res.statistic), float(res.pvalue)
    else:
        ok = np.isfinite(r) & (n >= 3)
        rr = np.clip(r[ok], -1.0, 1.0)
        df = n[ok] - 2
        with np.errstate(divide="ignore", invalid="ignore"):
            tt = rr * np.sqrt(df / np.maximum(1.0 - rr**2, 0.0))
        pv = np.where(np.abs(rr) >= 1.0, 0.0, 2.0 * sps.t.sf(np.abs(tt), df))
        p[ok] = pv
        r = np.where(np.isfinite(r), np.clip(r, -1.0, 1.0), r)
    bad = ~np.isfinite(r) | (n < 3)
    r[bad] = np.nan
    p[bad] = np.nan
    note[bad & (n < 3)] = "n<3"
    note[bad & (n >= 3)] = "constant"
    return pd.DataFrame({"a": np.asarray(A.columns, dtype=object)[ii],
                         "b": np.asarray(B.columns, dtype=object)[jj],
                         "r": r, "p": p, "n": n, "note": note})


def correlation_matrix(X: pd.DataFrame, method: Method = "pearson") -> pd.DataFrame:
    """Square pairwise-complete correlation matrix (diagonal 1; ``NaN`` where undefined).

    Same coefficients as :func:`correlations`, in matrix form.
    """
    t = correlations(X, method=method)
    cols = list(X.columns)
    M = pd.DataFrame(np.eye(len(cols)), index=cols, columns=cols)
    if len(t):
        a = t["a"].map({c: i for i, c in enumerate(cols)}).to_numpy()
        b = t["b"].map({c: i for i, c in enumerate(cols)}).to_numpy()
        arr = M.to_numpy().copy()
        arr[a, b] = t["r"].to_numpy()
        arr[b, a] = t["r"].to_numpy()
        M = pd.DataFrame(arr, index=cols, columns=cols)
    const = [c for c in cols if X[c].dropna().nunique() < 2]
    if const:
        M.loc[const, const] = np.nan
    return M


# ------------------------------------------------------------------- framework correlations
@dataclass
class FrameworkCorrelations:
    """Correlation tables along the framework (all tidy).

    Attributes
    ----------
    with_parent
        Each non-root node with its parent: ``node, level, parent, r, p, n, note``.
    with_index
        Each non-root node with the root: ``node, level, r, p, n, note``.
    within_level
        Every pair of nodes of the same level: ``level, a, b, parent_a, parent_b,
        same_parent, r, p, n, note``.
    across_levels
        Every node with every aggregate of a higher level: ``a, level_a, b, level_b,
        is_ancestor, r, p, n, note``.
    flags
        Pairs of siblings correlated above ``threshold`` (``"high"``: possible double counting),
        negatively correlated siblings (``"negative"``: ``r < -neg_tol``) and nodes negatively
        correlated with their parent (``"negative_with_parent"``: ``r < -neg_tol``):
        ``flag, parent, level, a, b, r, p, n``.
    denominators
        Each metric with each denominator (see :func:`denominator_correlations`), or empty.
    method, threshold, neg_tol
        The settings used.
    """

    with_parent: pd.DataFrame
    with_index: pd.DataFrame
    within_level: pd.DataFrame
    across_levels: pd.DataFrame
    flags: pd.DataFrame
    denominators: pd.DataFrame
    method: str = "pearson"
    threshold: float = 0.9
    neg_tol: float = 0.1


def _check_neg_tol(neg_tol: Any) -> float:
    if isinstance(neg_tol, bool) or not isinstance(neg_tol, int | float | np.floating) \
            or not np.isfinite(neg_tol) or not 0 <= neg_tol < 1:
        raise ConfigError(f"neg_tol must be a number in [0, 1), got {neg_tol!r}")
    return float(neg_tol)


def _levels(result: Result) -> dict[str, int]:
    return {c: int(n.level or 1) for c, n in result.framework.nodes.items()}


def denominator_correlations(
    result: Result,
    denominators: pd.DataFrame | None = None,
    method: Method = "pearson",
    *,
    stage: str = "denominated",
    threshold: float = 0.6,
) -> pd.DataFrame:
    """Correlation of each metric with each denominator (size effects; COINr ``get_denom_corr``).

    Parameters
    ----------
    result
        A pipeline result.
    denominators
        Units × denominator columns. ``None``: read from the config's data
        (:func:`aiindex.pipeline.load_dataset`, year of the result); an empty table when the data
        have no denominator columns or cannot be reloaded (e.g. the run used ``data=``).
    method
        Correlation type.
    stage
        Which stage table holds the metric values (default ``"denominated"``; ``"raw"`` shows
        the size effect before denomination).
    threshold
        ``flag`` is True where ``|r| >= threshold`` (COINr's default 0.6).

    Returns
    -------
    DataFrame
        ``metric, denominator, r, p, n, note, flag``.
    """
    cols = ["metric", "denominator", "r", "p", "n", "note", "flag"]
    if denominators is None:
        denominators = _reload_denominators(result)
    if denominators is None or denominators.shape[1] == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    if stage not in result.stages:
        raise ConfigError(f"denominator_correlations: no stage table {stage!r}; "
                          f"available: {list(result.stages)}")
    M = result.stages[stage][[m for m in result.framework.metrics if m in result.stages[stage]]]
    D = denominators.reindex(M.index)
    t = correlations(M, D, method=method).rename(columns={"a": "metric", "b": "denominator"})
    t["flag"] = t["r"].abs().ge(threshold).fillna(False).astype(bool)
    return t[cols]


def _reload_denominators(result: Result) -> pd.DataFrame | None:
    cfg = result.config
    if cfg.data.file is None:
        return None
    try:
        ds = load_dataset(cfg, build_framework(cfg))
    except Exception:  # noqa: BLE001 - data replaced at run time: no denominators to report
        return None
    if ds.is_panel and result.year is not None:
        ds = ds.select_year(int(result.year))
    elif ds.is_panel:
        return None
    return ds.denominators


def framework_correlations(
    result: Result,
    method: Method = "pearson",
    *,
    threshold: float = 0.9,
    denominators: pd.DataFrame | None = None,
    denom_threshold: float = 0.6,
    neg_tol: float = 0.1,
) -> FrameworkCorrelations:
    """Correlations along the framework tree of a result.

    Uses ``result.stages["aggregated"]`` (normalised metrics and aggregate scores).

    Parameters
    ----------
    result
        A pipeline result.
    method
        ``"pearson"``, ``"spearman"`` or ``"kendall"``.
    threshold
        Sibling pairs with ``r > threshold`` are flagged as possible double counting (COINr
        ``get_corr_flags`` default 0.9).
    denominators, denom_threshold
        See :func:`denominator_correlations`.
    neg_tol
        Tolerance of the negative-correlation flags: a sibling pair (or a node with its parent)
        is flagged only when ``r < -neg_tol`` (default 0.1), so that correlations that are
        zero up to sampling noise (``r = -0.00``) are not flagged. ``0`` flags every ``r < 0``.

    Returns
    -------
    FrameworkCorrelations
    """
    _check_method(method)
    neg_tol = _check_neg_tol(neg_tol)
    fw = result.framework
    S = result.stages["aggregated"]
    lv = _levels(result)
    codes = [c for c in fw.nodes if c in S.columns]
    parent = {c: fw.nodes[c].parent for c in codes}
    # all unordered pairs once, then every table is a selection of it
    allpairs = correlations(S[codes], method=method)
    rev = allpairs.rename(columns={"a": "b", "b": "a"})
    both = pd.concat([allpairs, rev], ignore_index=True)
    key = both.set_index(["a", "b"])
    root = fw.root
    nonroot = [c for c in codes if c != root]

    def pick(a: list[str], b: list[str]) -> pd.DataFrame:
        idx = pd.MultiIndex.from_arrays([a, b], names=["a", "b"])
        return key.reindex(idx).reset_index()

    wp = pick(nonroot, [parent[c] for c in nonroot])
    with_parent = pd.DataFrame({"node": wp["a"], "level": wp["a"].map(lv), "parent": wp["b"],
                                "r": wp["r"], "p": wp["p"], "n": wp["n"], "note": wp["note"]})
    wi = pick(nonroot, [root] * len(nonroot))
    with_index = pd.DataFrame({"node": wi["a"], "level": wi["a"].map(lv), "r": wi["r"],
                               "p": wi["p"], "n": wi["n"], "note": wi["note"]})
    wl = allpairs[allpairs["a"].map(lv) == allpairs["b"].map(lv)].copy()
    wl.insert(0, "level", wl["a"].map(lv))
    wl.insert(3, "parent_a", wl["a"].map(parent))
    wl.insert(4, "parent_b", wl["b"].map(parent))
    wl.insert(5, "same_parent", wl["parent_a"] == wl["parent_b"])
    within_level = wl.reset_index(drop=True)
    ag = [c for c in fw.aggregates if c in S.columns]
    pa = [(a, b) for a in codes for b in ag if lv[b] > lv[a]]
    al = pick([x[0] for x in pa], [x[1] for x in pa])
    al.insert(1, "level_a", al["a"].map(lv))
    al.insert(3, "level_b", al["b"].map(lv))
    anc = {c: set(fw.ancestors(c)) for c in codes}
    al.insert(4, "is_ancestor", [b in anc[a] for a, b in zip(al["a"], al["b"], strict=True)])
    across = al
    sib = within_level[within_level["same_parent"]]
    high = sib[sib["r"] > threshold].assign(flag="high")
    neg = sib[sib["r"] < -neg_tol].assign(flag="negative")
    negp = with_parent[with_parent["r"] < -neg_tol].rename(columns={"node": "a", "parent": "b"})
    negp = negp.assign(flag="negative_with_parent", parent=negp["b"])
    fcols = ["flag", "parent", "level", "a", "b", "r", "p", "n"]
    parts = [f.rename(columns={"parent_a": "parent"}).reindex(columns=fcols)
             for f in (high, neg, negp) if len(f)]
    flags = (pd.concat(parts, ignore_index=True) if parts
             else pd.DataFrame({c: pd.Series(dtype=object) for c in fcols}))
    den = denominator_correlations(result, denominators, method, threshold=denom_threshold)
    return FrameworkCorrelations(with_parent, with_index, within_level, across, flags, den,
                                 method, threshold, neg_tol)


# ------------------------------------------------------------------------- Cronbach's alpha
def cronbach_alpha(X: pd.DataFrame | np.ndarray,
                   use: Literal["complete", "pairwise"] = "complete") -> float:
    """Cronbach's alpha of the columns of ``X``.

    ``alpha = k/(k-1) * (1 - sum_i var(x_i) / var(sum_i x_i))`` with sample variances (ddof 1)
    over the complete cases (``use="complete"``, default). ``use="pairwise"`` follows COINr's
    ``get_cronbach()``: ``k/(k-1) * (1 - trace(C) / sum(C))`` with ``C`` the pairwise-complete
    covariance matrix (as R's ``cov(use = "pairwise.complete.obs")``). Both are equal when ``X``
    has no missing values.

    Parameters
    ----------
    X
        Units × items (columns).
    use
        ``"complete"`` (complete cases) or ``"pairwise"`` (COINr).

    Returns
    -------
    float
        Cronbach's alpha.

    Raises
    ------
    DataError
        Fewer than 2 columns, fewer than 2 complete cases, or a total score without variance.
    """
    A = np.asarray(X, dtype=float)
    if A.ndim != 2 or A.shape[1] < 2:
        raise DataError(f"cronbach_alpha needs at least 2 columns, got shape {A.shape}")
    if use not in ("complete", "pairwise"):
        raise ConfigError(f"cronbach_alpha: use must be 'complete' or 'pairwise', got {use!r}")
    k = A.shape[1]
    cols = list(X.columns) if isinstance(X, pd.DataFrame) else list(range(k))
    if use == "pairwise":
        C = pd.DataFrame(A).cov(min_periods=2).to_numpy()
        if np.isnan(C).any():
            raise DataError(f"cronbach_alpha: some pairs of columns {cols} share < 2 units")
        total = C.sum()
        if not total > 0:
            raise DataError(f"cronbach_alpha: the sum of columns {cols} has zero variance")
        return float(k / (k - 1) * (1.0 - np.trace(C) / total))
    A = A[~np.isnan(A).any(axis=1)]
    if A.shape[0] < 2:
        raise DataError(f"cronbach_alpha needs at least 2 complete cases over {cols}, "
                        f"got {A.shape[0]}")
    var_total = A.sum(axis=1).var(ddof=1)
    if not var_total > 0:
        raise DataError(f"cronbach_alpha: the sum of columns {cols} has zero variance")
    return float(k / (k - 1) * (1.0 - A.var(axis=0, ddof=1).sum() / var_total))


def _groups_at(result: Result, level: int | None) -> list[tuple[str, int, list[str]]]:
    """(group name, children level, member codes): every parent's children, and every level."""
    fw = result.framework
    S = result.stages["aggregated"]
    levels = range(1, fw.depth) if level is None else [level]
    out: list[tuple[str, int, list[str]]] = []
    for lvl in levels:
        if lvl < 1 or lvl >= fw.depth:
            raise ConfigError(f"level must be between 1 and {fw.depth - 1}, got {lvl}")
        members = [c for c in fw.level_codes(lvl) if c in S.columns]
        for p in dict.fromkeys(fw.nodes[c].parent for c in members):
            kids = [c for c in members if fw.nodes[c].parent == p]
            out.append((str(p), lvl, kids))
        out.append((f"level {lvl}", lvl, members))
    return out


def alpha_by_group(result: Result, level: int | None = None) -> pd.DataFrame:
    """Cronbach's alpha of the children of every parent, and of all nodes of each level.

    Parameters
    ----------
    result
        A pipeline result (uses ``stages["aggregated"]``).
    level
        Level of the components (1 = metrics); ``None`` = every level below the root.

    Returns
    -------
    DataFrame
        ``group, level, k, n, alpha, note``; ``group`` is the parent code, or ``"level L"`` for
        all components of level L. ``alpha`` is NaN with a ``note`` for groups with fewer than two
        components or two complete cases.
    """
    S = result.stages["aggregated"]
    rows = []
    for g, lvl, kids in _groups_at(result, level):
        sub = S[kids]
        n = int(sub.notna().all(axis=1).sum())
        try:
            a, note = cronbach_alpha(sub), ""
        except DataError as exc:
            a, note = np.nan, str(exc)
        rows.append({"group": g, "level": lvl, "k": len(kids), "n": n, "alpha": a, "note": note})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------- PCA
@dataclass
class PCAResult:
    """Principal components of a table (complete cases, centred, scaled).

    Attributes
    ----------
    loadings
        Variables × components (``PC1``...): unit eigenvectors (``prcomp``'s rotation), each
        signed so that its entries sum to ≥ 0.
    structure
        Variables × components: ``loadings * sqrt(eigenvalues)`` (correlations of variables with
        components when ``scale=True``).
    eigenvalues
        Component variances, decreasing.
    explained_variance_ratio
        ``eigenvalues / eigenvalues.sum()``.
    n_eigen_gt1
        Number of eigenvalues > 1 (Kaiser's rule).
    scores
        Units (complete cases) × components.
    n
        Number of complete cases used.
    """

    loadings: pd.DataFrame
    structure: pd.DataFrame
    eigenvalues: pd.Series
    explained_variance_ratio: pd.Series
    n_eigen_gt1: int
    scores: pd.DataFrame
    n: int


def pca(X: pd.DataFrame, scale: bool = True) -> PCAResult:
    """PCA of ``X`` over complete cases, centred and (by default) scaled (COINr ``get_PCA``).

    Raises
    ------
    DataError
        Fewer than 2 columns or complete cases, or a constant column when ``scale=True``.
    """
    A = _numeric(X, "pca")
    if A.shape[1] < 2:
        raise DataError(f"pca needs at least 2 columns, got {list(A.columns)}")
    C = A.dropna(how="any")
    if len(C) < 2:
        raise DataError(f"pca needs at least 2 complete cases over {list(A.columns)}, got {len(C)}")
    Z = C.to_numpy() - C.to_numpy().mean(axis=0)
    sd = Z.std(axis=0, ddof=1)
    if scale:
        const = [c for c, s in zip(C.columns, sd, strict=True) if not s > 0]
        if const:
            raise DataError(f"pca: column(s) {const} are constant over the complete cases")
        Z = Z / sd
    cov = Z.T @ Z / (len(Z) - 1)
    w, V = np.linalg.eigh(cov)
    order = np.argsort(w)[::-1]
    w, V = np.clip(w[order], 0.0, None), V[:, order]
    sign = np.where(V.sum(axis=0) < 0, -1.0, 1.0)
    V = V * sign
    pcs = [f"PC{i + 1}" for i in range(len(w))]
    ev = pd.Series(w, index=pcs, name="eigenvalue")
    return PCAResult(
        loadings=pd.DataFrame(V, index=C.columns, columns=pcs),
        structure=pd.DataFrame(V * np.sqrt(w), index=C.columns, columns=pcs),
        eigenvalues=ev,
        explained_variance_ratio=(ev / ev.sum()).rename("explained"),
        n_eigen_gt1=int((w > 1.0).sum()),
        scores=pd.DataFrame(Z @ V, index=C.index, columns=pcs),
        n=len(C),
    )


@dataclass
class PCATables:
    """PCA of every group and level, as tidy tables.

    Attributes
    ----------
    summary
        ``group, level, k, n, n_eigen_gt1, pc1_explained, note``.
    eigen
        ``group, level, component, eigenvalue, explained, cumulative``.
    loadings
        ``group, level, variable, component, loading, structure`` (first two components).
    """

    summary: pd.DataFrame
    eigen: pd.DataFrame
    loadings: pd.DataFrame


def pca_by_group(result: Result, level: int | None = None, *, scale: bool = True,
                 n_components: int = 2) -> PCATables:
    """PCA of the children of every parent and of all nodes of each level (see :func:`pca`)."""
    S = result.stages["aggregated"]
    srows, erows, lrows = [], [], []
    for g, lvl, kids in _groups_at(result, level):
        try:
            res = pca(S[kids], scale=scale)
        except DataError as exc:
            srows.append({"group": g, "level": lvl, "k": len(kids), "n": 0, "n_eigen_gt1": pd.NA,
                          "pc1_explained": np.nan, "note": str(exc)})
            continue
        srows.append({"group": g, "level": lvl, "k": len(kids), "n": res.n,
                      "n_eigen_gt1": res.n_eigen_gt1,
                      "pc1_explained": float(res.explained_variance_ratio.iloc[0]), "note": ""})
        e = pd.DataFrame({"group": g, "level": lvl, "component": res.eigenvalues.index,
                          "eigenvalue": res.eigenvalues.to_numpy(),
                          "explained": res.explained_variance_ratio.to_numpy()})
        e["cumulative"] = e["explained"].cumsum()
        erows.append(e)
        comps = list(res.loadings.columns[:n_components])
        lo = res.loadings[comps].stack().rename("loading").reset_index()
        lo.columns = ["variable", "component", "loading"]
        lo["structure"] = res.structure[comps].stack().to_numpy()
        lo.insert(0, "group", g)
        lo.insert(1, "level", lvl)
        lrows.append(lo)
    summary = pd.DataFrame(srows)
    eigen = pd.concat(erows, ignore_index=True) if erows else pd.DataFrame()
    loadings = pd.concat(lrows, ignore_index=True) if lrows else pd.DataFrame()
    return PCATables(summary, eigen, loadings)


# ------------------------------------------------------------------------------ unit profiles
def _node_ranks(result: Result) -> tuple[pd.DataFrame, pd.DataFrame]:
    S = result.stages["aggregated"]
    return S, rank(S)


def unit_profile(result: Result, unit: str, n: int = 3, *,
                 dimension_level: int | None = None) -> pd.DataFrame:
    """A unit's strongest and weakest metrics and dimensions, by rank among all units.

    Parameters
    ----------
    result
        A pipeline result.
    unit
        Unit code.
    n
        How many strongest and weakest of each kind.
    dimension_level
        Level of the "dimensions" (default ``result.framework.depth - 1``: the children of the
        root; e.g. ``2`` for the aggregates just above the metrics). With a framework of depth 2
        (metrics directly under the root) the default gives no dimension rows.

    Returns
    -------
    DataFrame
        ``kind ("metric"/"dimension"), side ("strongest"/"weakest"), node, level, score, rank,
        n_ranked``; ties in rank are broken by framework order. Metrics the unit lacks (no
        normalised value) are not ranked and do not appear.
    """
    S, R = _node_ranks(result)
    if unit not in S.index:
        raise DataError(f"unit {unit!r} is not in the result (units: {len(S)}; e.g. "
                        f"{list(S.index[:5])})")
    fw = result.framework
    if dimension_level is None:
        dl = fw.depth - 1
        dims = [c for c in fw.level_codes(dl) if c in S.columns] if dl > 1 else []
    else:
        dl = int(dimension_level)
        if not 1 < dl < fw.depth:
            raise ConfigError(f"dimension_level must be between 2 and {fw.depth - 1}, got {dl}")
        dims = [c for c in fw.level_codes(dl) if c in S.columns]
    kinds = {"metric": [m for m in fw.metrics if m in S.columns], "dimension": dims}
    rows = []
    for kind, codes in kinds.items():
        r = R.loc[unit, codes].astype("Float64")
        ok = r.notna()
        t = pd.DataFrame({"node": codes, "level": [fw.nodes[c].level for c in codes],
                          "score": S.loc[unit, codes].to_numpy(dtype=float),
                          "rank": r.to_numpy(), "n_ranked": S[codes].notna().sum().to_numpy(),
                          "order": np.arange(len(codes))})[ok.to_numpy()]
        t = t.sort_values(["rank", "order"], kind="stable")
        for side, part in (("strongest", t.head(n)), ("weakest", t.iloc[::-1].head(n))):
            rows.append(part.assign(kind=kind, side=side))
    out = pd.concat(rows, ignore_index=True)
    out["rank"] = out["rank"].astype("Int64")
    return out[["kind", "side", "node", "level", "score", "rank", "n_ranked"]]


def unit_summary(result: Result) -> pd.DataFrame:
    """One row per scored unit: scores, ranks, tier, rank within groups, data availability.

    Columns: ``uName``, the root score and rank, each first-level dimension's score and rank
    (``<code>``, ``<code>_rank``), ``tier`` (if any), ``rank_in_<group column>`` for each group
    column of the data, ``n_metrics`` (framework metrics), ``n_available`` and ``availability``
    (non-missing raw values), ``n_imputed`` (cells listed in ``result.logs["impute"]``, 0 when
    the unit had none).
    """
    fw = result.framework
    root = fw.root
    units = result.scores.index
    out = pd.DataFrame(index=units)
    if result.names is not None:
        out["uName"] = result.names.reindex(units)
    for c in [root, *fw.dimensions]:
        if c in result.scores:
            out[c] = result.scores[c]
            out[f"{c}_rank"] = result.ranks[c]
    if result.tiers is not None:
        out["tier"] = result.tiers.reindex(units)
    if result.groups is not None:
        for g in result.groups.columns:
            lab = result.groups[g].reindex(units)
            out[g] = lab
            out[f"rank_in_{g}"] = rank_within(result.scores[root], lab)
    raw = result.stages["raw"].reindex(units)
    mets = [m for m in fw.metrics if m in raw.columns]
    out["n_metrics"] = len(mets)
    out["n_available"] = raw[mets].notna().sum(axis=1).astype(int)
    out["availability"] = out["n_available"] / max(len(mets), 1)
    log = result.logs.get("impute")
    if isinstance(log, pd.DataFrame) and len(log) and "uCode" in log.columns:
        cnt = log.groupby("uCode").size()
        out["n_imputed"] = cnt.reindex(units, fill_value=0).astype(int).to_numpy()
    else:
        out["n_imputed"] = 0
    out.index.name = "uCode"
    return out


# ----------------------------------------------------------------------------- audit report
@dataclass
class AuditReport:
    """Every audit table of one result (all tidy DataFrames).

    Attributes
    ----------
    with_parent, with_index, within_level, across_levels, flags, denominators
        See :class:`FrameworkCorrelations`.
    alpha
        :func:`alpha_by_group`.
    pca_summary, pca_eigen, pca_loadings
        :class:`PCATables` from :func:`pca_by_group`.
    units
        :func:`unit_summary`.
    method, threshold, neg_tol
        Settings used.
    """

    with_parent: pd.DataFrame
    with_index: pd.DataFrame
    within_level: pd.DataFrame
    across_levels: pd.DataFrame
    flags: pd.DataFrame
    denominators: pd.DataFrame
    alpha: pd.DataFrame
    pca_summary: pd.DataFrame
    pca_eigen: pd.DataFrame
    pca_loadings: pd.DataFrame
    units: pd.DataFrame
    method: str = "pearson"
    threshold: float = 0.9
    neg_tol: float = 0.1
    extra: dict[str, Any] = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Name → table for every DataFrame field."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if isinstance(getattr(self, f.name), pd.DataFrame)}

    def to_csv(self, directory: str | Path, *, command: str = "") -> list[Path]:
        """Write one ``audit_<table>.csv`` per table, then ``manifest.json``; the files appear
        together (:class:`aiindex._io.OutputDir`: an interruption leaves none). Returns the
        paths, the manifest last."""
        from .._io import OutputDir

        with OutputDir(directory, command=command or "AuditReport.to_csv") as out:
            for name, t in self.tables().items():
                out.write_csv(f"audit_{name}.csv", t, index=(name == "units"),
                              float_format="%.10g")
        return out.paths

    def summary(self) -> str:
        """A short text summary: alpha per group, eigenvalues > 1, flagged pairs."""
        lines = [f"Cronbach's alpha ({self.method} audit):"]
        for _, r in self.alpha.iterrows():
            a = "n/a" if pd.isna(r["alpha"]) else f"{r['alpha']:.3f}"
            lines.append(f"  L{r['level']} {r['group']:<24} k={r['k']:<3} n={r['n']:<4} alpha={a}")
        lines.append("PCA (complete cases, scaled): components with eigenvalue > 1")
        for _, r in self.pca_summary.iterrows():
            if r["note"]:
                lines.append(f"  L{r['level']} {r['group']:<24} n/a ({r['note']})")
            else:
                lines.append(f"  L{r['level']} {r['group']:<24} {r['n_eigen_gt1']} "
                             f"(PC1 explains {100 * r['pc1_explained']:.1f}%)")
        lines.append(f"Flags (siblings r > {self.threshold}; r < -{self.neg_tol} within group or "
                     f"with parent): {len(self.flags)}")
        for _, r in self.flags.iterrows():
            lines.append(f"  {r['flag']:<21} {r['parent']}: {r['a']} ~ {r['b']} r={r['r']:.2f}")
        if len(self.denominators):
            fl = self.denominators[self.denominators["flag"]]
            lines.append(f"Metric-denominator correlations with |r| >= 0.6: {len(fl)}")
            for _, r in fl.iterrows():
                lines.append(f"  {r['metric']} ~ {r['denominator']} r={r['r']:.2f}")
        return "\n".join(lines)


def audit(config_or_result: Any, *, method: Method = "pearson", threshold: float = 0.9,
          denominators: pd.DataFrame | None = None, data: Any = None,
          neg_tol: float = 0.1) -> AuditReport:
    """Run every audit check on a result (or on the result of running a config).

    Parameters
    ----------
    config_or_result
        A :class:`~aiindex.pipeline.Result`, or anything :func:`aiindex.run` accepts.
    method
        Correlation type for the correlation tables.
    threshold
        Sibling correlation above which a pair is flagged.
    denominators
        Denominator table (default: reloaded from the config's data).
    data
        Data replacing the config's (only when a config is given).
    neg_tol
        Negative correlations are flagged when ``r < -neg_tol`` (see
        :func:`framework_correlations`).

    Returns
    -------
    AuditReport
        Correlation tables, flagged pairs, Cronbach's alpha and PCA by group, unit summaries;
        ``summary()`` and ``to_csv``.
    """
    res = config_or_result if isinstance(config_or_result, Result) else run(config_or_result,
                                                                            data=data)
    fc = framework_correlations(res, method, threshold=threshold, denominators=denominators,
                                neg_tol=neg_tol)
    pt = pca_by_group(res)
    return AuditReport(fc.with_parent, fc.with_index, fc.within_level, fc.across_levels,
                       fc.flags, fc.denominators, alpha_by_group(res), pt.summary, pt.eigen,
                       pt.loadings, unit_summary(res), method, threshold, fc.neg_tol)
