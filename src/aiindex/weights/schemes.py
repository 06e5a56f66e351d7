"""Weighting schemes: one registered function per scheme.

Every scheme is registered in :data:`WEIGHTERS` and has the signature::

    f(X: pd.DataFrame, /, **params) -> pd.Series

``X`` holds the scores of one group of sibling components (units × components, normalised,
higher is better, **no missing values**); the result is indexed by the component codes (columns
of ``X``), non-negative and sums to 1. Schemes that produce diagnostics (AHP consistency ratio,
PCA loadings, ...) put them in ``result.attrs``.

Registered schemes (formulas and references in ``docs/weights.md``):

``explicit``  ``weights={code: w}`` (raw weights, renormalised);
``equal``     1/k each;
``budget``    ``points={code: pts}`` or a list of such mappings, one per expert; each expert's
              allocation is turned into shares, the shares are averaged (OECD/JRC 2008, §6.1.7);
``entropy``   Shannon entropy weights;
``critic``    CRITIC (Diakoulaki, Mavrotas & Papayannakis 1995);
``pca``       factor-analysis weights of the OECD/JRC Handbook (2008, §6.1.1);
``pca_first`` squared (or absolute, or COINr's signed) loadings of the first principal
              component;
``bod``       mean of the units' benefit-of-the-doubt weights (see
              :func:`benefit_of_the_doubt`);
``ahp``       principal eigenvector of a pairwise-comparison matrix (Saaty 1980);
``balance``   weights whose components' correlations with the index match target shares;
``maximize_correlation``  weights maximising the sum of those correlations.

The ``weights`` config section (:func:`aiindex.weights.apply_weights_config`) applies schemes
per level or per group of siblings.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import MethodError
from ..registry import Registry

__all__ = [
    "WEIGHTERS",
    "BoDResult",
    "AHPResult",
    "benefit_of_the_doubt",
    "ahp_weights",
    "varimax",
    "SAATY_RI",
    "PCA_RANK_TOL",
    "PCA_LOADINGS",
]

#: registry of weighting schemes
WEIGHTERS: Registry = Registry("weighting scheme")

#: Saaty's random consistency index RI for n = 1..15 (Saaty, T. L. (1980). *The Analytic
#: Hierarchy Process*. McGraw-Hill; values as tabulated there and widely reproduced).
SAATY_RI: dict[int, float] = {
    1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49,
    11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59,
}


# ------------------------------------------------------------------------------- helpers
def _finish(raw: np.ndarray | pd.Series, codes: Sequence[str], method: str) -> pd.Series:
    """Check raw weights (finite, >= 0, not all zero) and normalise them to sum 1."""
    w = np.asarray(raw, dtype=float)
    if w.shape != (len(codes),):
        raise MethodError(f"{method}: expected {len(codes)} weights, got shape {w.shape}")
    bad = [c for c, v in zip(codes, w, strict=True) if not np.isfinite(v)]
    if bad:
        raise MethodError(f"{method}: non-finite weight for component(s) {bad}")
    neg = {c: float(v) for c, v in zip(codes, w, strict=True) if v < 0}
    if neg:
        raise MethodError(f"{method}: negative weight(s) {neg}; weights must be >= 0")
    s = w.sum()
    if s <= 0:
        raise MethodError(f"{method}: all weights are zero for components {list(codes)}")
    return pd.Series(w / s, index=pd.Index(list(codes), dtype=object), name="weight")


def _matrix(X: pd.DataFrame, method: str, *, min_units: int = 2) -> np.ndarray:
    """Numeric array of ``X``; clear errors for empty input or missing values."""
    if not isinstance(X, pd.DataFrame):
        raise MethodError(f"{method}: X must be a DataFrame (units × components)")
    if X.shape[1] == 0:
        raise MethodError(f"{method}: no components to weight")
    A = X.to_numpy(dtype=float)
    if np.isnan(A).any():
        r, c = np.argwhere(np.isnan(A))[0]
        n_bad = int(np.isnan(A).any(axis=1).sum())
        raise MethodError(f"{method}: missing value for unit {X.index[r]!r}, component "
                          f"{X.columns[c]!r} ({n_bad} unit(s) incomplete); data-driven weights "
                          "need complete cases (drop or impute them first)")
    if np.isinf(A).any():
        r, c = np.argwhere(np.isinf(A))[0]
        raise MethodError(f"{method}: infinite value for unit {X.index[r]!r}, component "
                          f"{X.columns[c]!r}")
    if A.shape[0] < min_units:
        raise MethodError(f"{method}: needs at least {min_units} units, got {A.shape[0]}")
    return A


def _codes(X: pd.DataFrame) -> list[str]:
    return [str(c) for c in X.columns]


def _constant_columns(A: np.ndarray, codes: Sequence[str]) -> list[str]:
    sd = A.std(axis=0)
    scale = np.maximum(np.abs(A).max(axis=0), 1.0)
    return [c for c, s, m in zip(codes, sd, scale, strict=True) if s <= 1e-12 * m]


# ------------------------------------------------------------------------------- simple
@WEIGHTERS.register("explicit")
def explicit(X: pd.DataFrame, /, *, weights: Mapping[str, float]) -> pd.Series:
    """Given raw weights, renormalised to sum 1.

    Parameters
    ----------
    weights
        Component code → raw weight (>= 0). Every component needs one; unknown codes are errors.
    """
    codes = _codes(X)
    if not isinstance(weights, Mapping):
        raise MethodError("explicit: 'weights' must be a mapping code → weight")
    unknown = sorted(set(map(str, weights)) - set(codes))
    missing = [c for c in codes if c not in {str(k) for k in weights}]
    if unknown or missing:
        raise MethodError(f"explicit: weights for unknown component(s) {unknown} / missing for "
                          f"{missing}; components are {codes}")
    w = {str(k): v for k, v in weights.items()}
    try:
        raw = np.array([float(w[c]) for c in codes])
    except (TypeError, ValueError) as exc:
        raise MethodError(f"explicit: weights must be numbers: {exc}") from None
    return _finish(raw, codes, "explicit")


@WEIGHTERS.register("equal")
def equal(X: pd.DataFrame, /) -> pd.Series:
    """Equal weights 1/k."""
    codes = _codes(X)
    if not codes:
        raise MethodError("equal: no components to weight")
    return _finish(np.ones(len(codes)), codes, "equal")


@WEIGHTERS.register("budget")
def budget(X: pd.DataFrame, /, *,
           points: Mapping[str, float] | Sequence[Mapping[str, float]]) -> pd.Series:
    """Budget allocation: experts distribute points; shares averaged over experts.

    Each expert's points are divided by that expert's total (so experts with different budgets
    count equally), components an expert left out get 0 points, and the shares are averaged
    (OECD/JRC Handbook 2008, §6.1.7).

    Parameters
    ----------
    points
        One mapping code → points, or a list of them (one per expert).
    """
    codes = _codes(X)
    experts = [points] if isinstance(points, Mapping) else list(points)
    if not experts:
        raise MethodError("budget: 'points' is empty")
    shares = []
    for i, e in enumerate(experts):
        if not isinstance(e, Mapping):
            raise MethodError(f"budget: expert {i} must be a mapping code → points")
        e = {str(k): v for k, v in e.items()}
        unknown = sorted(set(e) - set(codes))
        if unknown:
            raise MethodError(f"budget: expert {i} gives points to unknown component(s) {unknown}"
                              f"; components are {codes}")
        p = np.array([float(e.get(c, 0.0)) for c in codes])
        if (p < 0).any() or not np.isfinite(p).all():
            raise MethodError(f"budget: expert {i} gives negative or non-finite points "
                              f"{dict(zip(codes, p.tolist(), strict=True))}")
        if p.sum() <= 0:
            raise MethodError(f"budget: expert {i} allocates no points (all zero)")
        shares.append(p / p.sum())
    out = _finish(np.mean(shares, axis=0), codes, "budget")
    out.attrs["experts"] = len(experts)
    return out


# ------------------------------------------------------------------------------- entropy
@WEIGHTERS.register("entropy")
def entropy(X: pd.DataFrame, /) -> pd.Series:
    r"""Shannon entropy weights.

    .. math::
        p_{ij} = x_{ij} / \sum_i x_{ij}, \quad
        e_j = -\frac{1}{\ln n} \sum_i p_{ij} \ln p_{ij}, \quad
        w_j = \frac{1 - e_j}{\sum_k (1 - e_k)}

    with the convention :math:`0 \ln 0 = 0` (its limit), so zeros are allowed. Negative values
    are an error (shift the data, e.g. min-max normalise, first); a column summing to zero is an
    error; a constant column has :math:`e_j = 1` and weight 0. The weights do not change when a
    column is multiplied by a positive constant.

    Raises
    ------
    MethodError
        Negative values, an all-zero column, or every column constant (all weights zero).
    """
    codes = _codes(X)
    A = _matrix(X, "entropy")
    neg = A < 0
    if neg.any():
        cols = [codes[j] for j in np.flatnonzero(neg.any(axis=0))]
        r, c = np.argwhere(neg)[0]
        raise MethodError(f"entropy: negative values in component(s) {cols} (e.g. unit "
                          f"{X.index[r]!r}, {codes[c]!r} = {A[r, c]:g}); entropy weights need "
                          "x >= 0, rescale (e.g. min-max) first")
    s = A.sum(axis=0)
    zero = [codes[j] for j in np.flatnonzero(s <= 0)]
    if zero:
        raise MethodError(f"entropy: component(s) {zero} are zero for every unit")
    P = A / s
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(P > 0, P * np.log(np.where(P > 0, P, 1.0)), 0.0)
    e = -plogp.sum(axis=0) / np.log(A.shape[0])
    d = np.clip(1.0 - e, 0.0, None)
    d[d < 1e-14] = 0.0
    if d.sum() <= 0:
        raise MethodError(f"entropy: every component is constant across units {codes}; "
                          "entropy weights are undefined")
    out = _finish(d, codes, "entropy")
    out.attrs["entropy"] = dict(zip(codes, e.tolist(), strict=True))
    return out


# ------------------------------------------------------------------------------- CRITIC
@WEIGHTERS.register("critic")
def critic(X: pd.DataFrame, /) -> pd.Series:
    r"""CRITIC weights (Diakoulaki, Mavrotas & Papayannakis 1995).

    Columns are min-max normalised to [0, 1]; :math:`\sigma_j` is the standard deviation of
    column j and :math:`r_{jk}` the Pearson correlation between columns j and k:

    .. math:: C_j = \sigma_j \sum_k (1 - r_{jk}), \quad w_j = C_j / \sum_k C_k.

    Invariant to positive rescaling (and shifts) of a column.

    Raises
    ------
    MethodError
        A constant column (its correlation is undefined).
    """
    codes = _codes(X)
    A = _matrix(X, "critic", min_units=3)
    const = _constant_columns(A, codes)
    if const:
        raise MethodError(f"critic: component(s) {const} are constant; their correlation with "
                          "the others is undefined")
    lo, hi = A.min(axis=0), A.max(axis=0)
    Z = (A - lo) / (hi - lo)
    sd = Z.std(axis=0, ddof=1)
    R = np.corrcoef(Z, rowvar=False).reshape(len(codes), len(codes))
    C = sd * (1.0 - R).sum(axis=0)
    out = _finish(np.clip(C, 0.0, None), codes, "critic")
    out.attrs["information"] = dict(zip(codes, C.tolist(), strict=True))
    return out


# ------------------------------------------------------------------------------- PCA / FA
def varimax(loadings: np.ndarray, *, gamma: float = 1.0, max_iter: int = 500,
            tol: float = 1e-10, normalize: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Varimax rotation (Kaiser 1958), the standard SVD iteration.

    Parameters
    ----------
    loadings
        p × m loading matrix.
    gamma
        1 = varimax, 0 = quartimax.
    max_iter, tol
        Iteration limit and relative convergence tolerance on the criterion.
    normalize
        Kaiser normalisation (rows scaled to unit communality during the rotation).

    Returns
    -------
    rotated : ndarray
        p × m rotated loadings.
    rotation : ndarray
        m × m orthogonal rotation matrix (``rotated = loadings @ rotation``).
    """
    L = np.asarray(loadings, dtype=float)
    p, m = L.shape
    if m < 2:
        return L.copy(), np.eye(m)
    h = np.sqrt((L**2).sum(axis=1)) if normalize else np.ones(p)
    h = np.where(h > 0, h, 1.0)
    A = L / h[:, None]
    R = np.eye(m)
    d_old = 0.0
    for _ in range(max_iter):
        B = A @ R
        G = A.T @ (B**3 - (gamma / p) * B @ np.diag((B**2).sum(axis=0)))
        U, s, Vt = np.linalg.svd(G)
        R = U @ Vt
        d = s.sum()
        if d_old != 0 and d < d_old * (1 + tol):
            break
        d_old = d
    rotated = (A @ R) * h[:, None]
    return rotated, R


def _nonconstant_matrix(X: pd.DataFrame, method: str, lead: str,
                        why: str) -> tuple[np.ndarray, list[str]]:
    """The component matrix of ``X`` (>= 3 units); a :class:`MethodError` naming the constant
    components (``"{method}: {lead}component(s) [...] are constant{why}"``) if there are any."""
    codes = _codes(X)
    A = _matrix(X, method, min_units=3)
    const = _constant_columns(A, codes)
    if const:
        raise MethodError(f"{method}: {lead}component(s) {const} are constant{why}")
    return A, codes


#: default relative tolerance of the PCA rank check: the correlation matrix is singular when
#: its smallest eigenvalue is <= ``rank_tol`` × its largest one
PCA_RANK_TOL: float = 1e-8


def _standardised(X: pd.DataFrame, method: str) -> tuple[np.ndarray, list[str]]:
    A, codes = _nonconstant_matrix(X, method, "singular input: ",
                                   " (zero variance), so the correlation matrix is undefined")
    if len(codes) < 2:
        raise MethodError(f"{method}: needs at least 2 components, got {codes}")
    n, k = A.shape
    if n <= k:
        raise MethodError(f"{method}: singular input: {n} complete-case unit(s) for {k} components "
                          f"{codes}; the correlation matrix has rank <= {n - 1} < {k}, PCA needs "
                          "more complete-case units than components")
    Z = (A - A.mean(axis=0)) / A.std(axis=0, ddof=1)
    return Z, codes


def _term(v: float, c: str) -> str:
    return f"{'-' if v < 0 else '+'} {abs(v):.3g}·{c}"


def _eig_corr(Z: np.ndarray, codes: Sequence[str], method: str,
              rank_tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (descending) and sign-fixed eigenvectors of the correlation matrix of ``Z``;
    a :class:`MethodError` naming the collinear components when it is (numerically) singular,
    i.e. its smallest eigenvalue is <= ``rank_tol`` × its largest."""
    if not (np.isfinite(rank_tol) and 0 <= rank_tol < 1):
        raise MethodError(f"{method}: rank_tol must be in [0, 1), got {rank_tol!r}")
    R = (Z.T @ Z) / (Z.shape[0] - 1)
    vals, vecs = np.linalg.eigh(R)
    order = np.argsort(vals)[::-1]
    vals, vecs = vals[order], vecs[:, order]
    null = vals <= rank_tol * vals[0]
    if null.any():
        k = len(codes)
        V0 = vecs[:, null]
        # involvement of each component in the near-null space (basis-independent row norms)
        inv = np.sqrt((V0**2).sum(axis=1))
        involved = [codes[j] for j in range(k) if inv[j] >= 0.1 * inv.max()]
        v = vecs[:, -1]
        v = v * np.sign(v[np.abs(v).argmax()])
        top = [j for j in np.argsort(-np.abs(v), kind="stable") if abs(v[j]) >= 0.1 * np.abs(v).max()]
        relation = " ".join(_term(float(v[j]), codes[j]) for j in top).lstrip("+ ")
        raise MethodError(
            f"{method}: singular input: the correlation matrix of {codes} has rank "
            f"{k - int(null.sum())} < {k} (smallest eigenvalue {vals[-1]:.3g} <= rank_tol "
            f"{rank_tol:g} × largest {vals[0]:.3g}); collinear component(s) {involved} "
            f"(near-linear relation of the standardised scores: {relation} ≈ 0); drop or "
            "combine one of them")
    vals = np.clip(vals, 0.0, None)
    # fix signs: largest-magnitude entry of each vector positive (deterministic output)
    idx = np.abs(vecs).argmax(axis=0)
    vecs = vecs * np.sign(vecs[idx, np.arange(vecs.shape[1])])
    return vals, vecs


@WEIGHTERS.register("pca")
def pca(X: pd.DataFrame, /, *, eigen_min: float = 1.0, variance_share_min: float = 0.1,
        cumulative_min: float = 0.6, n_factors: int | None = None,
        rotate: bool = True, rank_tol: float = PCA_RANK_TOL) -> pd.Series:
    """Factor-analysis weights (OECD/JRC Handbook 2008, §6.1.1, principal-component extraction).

    1. standardise the components and take their correlation matrix;
    2. retain the factors with eigenvalue > ``eigen_min`` that each explain more than
       ``variance_share_min`` of the variance; if these explain less than ``cumulative_min``
       cumulatively, add factors (in eigenvalue order) until they do (or give ``n_factors``);
    3. loadings = eigenvector × sqrt(eigenvalue), varimax-rotated (:func:`varimax`);
    4. squared loadings scaled to unity sum per factor;
    5. each component goes to the factor with its largest scaled squared loading; its weight is
       that value times the factor's share of the variance explained by the retained
       (rotated) factors; weights are normalised to sum 1.

    Diagnostics in ``attrs``: ``eigenvalues``, ``n_factors``, ``loadings`` (rotated),
    ``scaled_squared_loadings``, ``factor_share``, ``assignment``.

    Parameters
    ----------
    rank_tol
        Relative tolerance of the singularity check: the correlation matrix is singular when its
        smallest eigenvalue is <= ``rank_tol`` × its largest (default :data:`PCA_RANK_TOL`
        = 1e-8).

    Raises
    ------
    MethodError
        Singular input: a constant component, fewer than 3 units or 2 components, no more
        complete-case units than components, or a singular correlation matrix (collinear
        components, e.g. ``d = 2a`` or ``d = a + b``; the message names them).
    """
    Z, codes = _standardised(X, "pca")
    k = len(codes)
    vals, vecs = _eig_corr(Z, codes, "pca", rank_tol)
    share = vals / vals.sum()
    if n_factors is None:
        keep = (vals > eigen_min) & (share > variance_share_min)
        m = int(keep.sum()) if keep[0] else 1
        m = max(m, 1)
        while m < k and share[:m].sum() < cumulative_min:
            m += 1
    else:
        m = int(n_factors)
        if not 1 <= m <= k:
            raise MethodError(f"pca: n_factors must be in 1..{k}, got {n_factors}")
    L = vecs[:, :m] * np.sqrt(vals[:m])
    if rotate and m > 1:
        L, _ = varimax(L)
    sq = L**2
    expl = sq.sum(axis=0)
    if (expl <= 0).any():
        raise MethodError("pca: singular input: a retained factor explains no variance")
    scaled = sq / expl
    fshare = expl / expl.sum()
    assign = scaled.argmax(axis=1)
    raw = scaled[np.arange(k), assign] * fshare[assign]
    out = _finish(raw, codes, "pca")
    out.attrs.update({
        "eigenvalues": vals.tolist(), "n_factors": m,
        "loadings": pd.DataFrame(L, index=codes, columns=[f"F{i + 1}" for i in range(m)]),
        "scaled_squared_loadings": pd.DataFrame(scaled, index=codes,
                                                columns=[f"F{i + 1}" for i in range(m)]),
        "factor_share": fshare.tolist(),
        "assignment": {c: f"F{a + 1}" for c, a in zip(codes, assign, strict=True)},
    })
    return out


#: how :func:`pca_first` turns the first eigenvector into weights
PCA_LOADINGS = ("squared", "absolute", "signed")


def _first_pc_raw(v: np.ndarray, codes: Sequence[str], loadings: str) -> np.ndarray:
    """Raw weights from the unit first eigenvector ``v`` (see :func:`pca_first`)."""
    if loadings == "squared":
        return v**2
    if loadings == "absolute":
        return np.abs(v)
    v = v if v.sum() > 0 else -v  # the direction of the sum of the components
    neg = {c: round(float(x), 4) for c, x in zip(codes, v, strict=True) if x < 0}
    if neg:
        raise MethodError(
            f"pca_first (loadings='signed'): component(s) {neg} load negatively on the first "
            "principal component (COINr's get_PCA would give them negative weights); weights "
            "must be >= 0: use loadings='squared' or 'absolute', or drop or reverse them")
    return v


@WEIGHTERS.register("pca_first")
def pca_first(X: pd.DataFrame, /, *, loadings: str | None = None, absolute: bool = False,
              rank_tol: float = PCA_RANK_TOL) -> pd.Series:
    """Weights from the first principal component of the correlation matrix.

    ``loadings`` (with ``v`` the first unit-length eigenvector):

    * ``"squared"`` (default): ``w_j = v_j²`` (they already sum to 1);
    * ``"absolute"``: ``|v_j| / Σ|v_k|`` (less extreme; ``absolute=True`` is the older
      spelling);
    * ``"signed"``: COINr's ``get_PCA()`` weights, the loadings themselves (``prcomp``'s
      ``rotation[, 1]``), renormalised to sum 1: ``v_j / Σ v_k`` with the sign of ``v`` chosen
      so that ``Σ v_k > 0``. COINr keeps negative loadings as negative weights; aggregation
      here needs weights >= 0, so a component loading negatively is an error naming it.

    Attrs: ``eigenvalues``, ``explained`` (share of the first component), ``loadings``
    (``v`` × sqrt(first eigenvalue)), ``loading_type``.

    Raises
    ------
    MethodError
        Singular input, as for :func:`pca` (``rank_tol`` is the same relative tolerance); an
        unknown ``loadings``; ``"signed"`` with a negatively loading component.
    """
    kind = loadings if loadings is not None else ("absolute" if absolute else "squared")
    if kind not in PCA_LOADINGS:
        raise MethodError(f"pca_first: loadings must be one of {list(PCA_LOADINGS)}, got "
                          f"{loadings!r}")
    if absolute and kind != "absolute":
        raise MethodError(f"pca_first: absolute=True contradicts loadings={loadings!r}")
    Z, codes = _standardised(X, "pca_first")
    vals, vecs = _eig_corr(Z, codes, "pca_first", rank_tol)
    v = vecs[:, 0]
    out = _finish(_first_pc_raw(v, codes, kind), codes, "pca_first")
    out.attrs.update({"eigenvalues": vals.tolist(), "explained": float(vals[0] / vals.sum()),
                      "loadings": dict(zip(codes, (v * np.sqrt(vals[0])).tolist(), strict=True)),
                      "loading_type": kind})
    return out


# ------------------------------------------------------------------------------- BoD
@dataclass
class BoDResult:
    """Benefit-of-the-doubt output.

    Attributes
    ----------
    scores : Series
        Each unit's BoD score in [0, 1] (1 = on the frontier).
    weights : DataFrame
        Units × components: each unit's own LP weights (in the units of ``X``).
    shares : DataFrame
        Units × components: each unit's weight shares ``w_j x_uj / score`` (pie shares; 0 rows
        for a unit scoring 0).
    """

    scores: pd.Series
    weights: pd.DataFrame
    shares: pd.DataFrame


def _bounds_vec(b: float | Mapping[str, float] | None, codes: list[str], default: float,
                name: str) -> np.ndarray:
    if b is None:
        return np.full(len(codes), default)
    if isinstance(b, Mapping):
        unknown = sorted(set(map(str, b)) - set(codes))
        if unknown:
            raise MethodError(f"bod: {name} bound for unknown component(s) {unknown}")
        return np.array([float(b.get(c, default)) for c in codes])
    return np.full(len(codes), float(b))


def benefit_of_the_doubt(X: pd.DataFrame, lower: float | Mapping[str, float] | None = None,
                         upper: float | Mapping[str, float] | None = None) -> BoDResult:
    r"""Benefit-of-the-doubt (DEA) scores and weights: one linear programme per unit.

    For unit u: maximise :math:`\sum_j w_j x_{uj}` subject to :math:`\sum_j w_j x_{kj} \le 1`
    for every unit k and :math:`w \ge 0` (Melyn & Moesen 1991; Cherchye et al. 2007). Optional
    bounds restrict the *pie shares* :math:`w_j x_{uj} / \sum_k w_k x_{uk}` to
    [``lower_j``, ``upper_j``] (Cherchye et al. 2007), which are linear constraints. All
    programmes are solved at once as one block-diagonal LP with ``scipy.optimize.linprog``
    (HiGHS); LP optima need not be unique and HiGHS returns a vertex.

    Parameters
    ----------
    X
        Units × components, values >= 0 (higher is better), no missing values.
    lower, upper
        Bounds on pie shares (scalars or mappings code → bound), in [0, 1].

    Returns
    -------
    BoDResult
        Scores in [0, 1] (a unit best on every component scores 1) and per-unit weights.

    Raises
    ------
    MethodError
        Negative values, infeasible bounds, or a failed LP.
    """
    from scipy import sparse
    from scipy.optimize import linprog

    codes = _codes(X)
    A = _matrix(X, "bod", min_units=1)
    n, k = A.shape
    if (A < 0).any():
        r, c = np.argwhere(A < 0)[0]
        raise MethodError(f"bod: negative value for unit {X.index[r]!r}, component {codes[c]!r}"
                          f" ({A[r, c]:g}); benefit of the doubt needs x >= 0")
    lo = _bounds_vec(lower, codes, 0.0, "lower")
    hi = _bounds_vec(upper, codes, 1.0, "upper")
    if (lo < 0).any() or (hi > 1).any() or (lo > hi).any():
        raise MethodError(f"bod: share bounds must satisfy 0 <= lower <= upper <= 1; got lower "
                          f"{lo.tolist()}, upper {hi.tolist()}")
    if lo.sum() > 1 + 1e-12 or hi.sum() < 1 - 1e-12:
        raise MethodError(f"bod: infeasible share bounds (sum of lower = {lo.sum():g} must be <= 1"
                          f", sum of upper = {hi.sum():g} must be >= 1)")
    colmax = A.max(axis=0)
    # unit u's variables are w[u*k:(u+1)*k]; frontier constraints X w_u <= 1 for each u
    A_ub = sparse.kron(sparse.eye_array(n), sparse.csr_array(A), format="csr")
    rows = [A_ub]
    rhs = [np.ones(n * n)]
    if lo.any() or (hi < 1).any():
        # pie shares: lo_j * sum_k w_k x_uk - w_j x_uj <= 0 and w_j x_uj - hi_j * sum <= 0;
        # block u is (B ∘ 1 x_u^T) for B = lo 1^T - I and I - hi 1^T
        eye = np.eye(k)
        ii, jj = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
        r_idx = (np.arange(n)[:, None, None] * k + ii[None]).ravel()
        c_idx = (np.arange(n)[:, None, None] * k + jj[None]).ravel()
        for B in (lo[:, None] - eye, eye - hi[:, None]):
            vals = (B[None, :, :] * A[:, None, :]).ravel()
            rows.append(sparse.coo_array((vals, (r_idx, c_idx)), shape=(n * k, n * k)).tocsr())
            rhs.append(np.zeros(n * k))
    c = -A.reshape(-1)
    res = linprog(c, A_ub=sparse.vstack(rows, format="csr"), b_ub=np.concatenate(rhs),
                  bounds=(0, None), method="highs")
    if res.status != 0:
        raise MethodError(f"bod: linear programme failed ({res.message})")
    W = np.clip(res.x.reshape(n, k), 0.0, None)
    # a column that is zero for every unit has an unbounded weight direction of no effect
    W[:, colmax <= 0] = 0.0
    scores = np.clip((W * A).sum(axis=1), 0.0, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(scores[:, None] > 0, W * A / scores[:, None], 0.0)
    idx = X.index
    return BoDResult(scores=pd.Series(scores, index=idx, name="bod"),
                     weights=pd.DataFrame(W, index=idx, columns=codes),
                     shares=pd.DataFrame(shares, index=idx, columns=codes))


@WEIGHTERS.register("bod")
def bod(X: pd.DataFrame, /, *, lower: float | Mapping[str, float] | None = None,
        upper: float | Mapping[str, float] | None = None) -> pd.Series:
    """One set of weights from benefit of the doubt: the mean over units of each unit's LP
    weights normalised to sum 1 (units whose weights are all zero are skipped).

    The BoD scores and per-unit weights are in ``attrs["bod"]`` (a :class:`BoDResult`).
    Because LP weights are in the inverse units of ``X``, use this on normalised data with a
    common scale.
    """
    r = benefit_of_the_doubt(X, lower=lower, upper=upper)
    W = r.weights.to_numpy()
    s = W.sum(axis=1)
    ok = s > 0
    if not ok.any():
        raise MethodError(f"bod: every unit's weights are zero for components {_codes(X)}")
    out = _finish((W[ok] / s[ok, None]).mean(axis=0), _codes(X), "bod")
    out.attrs["bod"] = r
    return out


# ------------------------------------------------------------------------------- AHP
@dataclass
class AHPResult:
    """AHP output: weights, principal eigenvalue, consistency index and ratio."""

    weights: pd.Series
    lambda_max: float
    ci: float
    cr: float | None


def _ahp_matrix(matrix: Any, codes: list[str]) -> np.ndarray:
    k = len(codes)
    if isinstance(matrix, pd.DataFrame):
        missing = [c for c in codes if c not in matrix.index or c not in matrix.columns]
        if missing:
            raise MethodError(f"ahp: comparison matrix lacks component(s) {missing}")
        M = matrix.loc[codes, codes].to_numpy(dtype=float)
    elif isinstance(matrix, Mapping):
        try:
            M = np.array([[float(matrix[a][b]) if a != b else float(matrix[a].get(b, 1.0))
                           for b in codes] for a in codes])
        except KeyError as exc:
            raise MethodError(f"ahp: comparison matrix lacks entry for {exc}") from None
    else:
        try:
            M = np.array(matrix, dtype=float)
        except (TypeError, ValueError) as exc:
            raise MethodError(f"ahp: comparison matrix must be numeric: {exc}") from None
    if M.shape != (k, k):
        raise MethodError(f"ahp: comparison matrix must be {k}×{k} (components {codes}), "
                          f"got shape {M.shape}")
    return M


def ahp_weights(matrix: Any, codes: Sequence[str] | None = None, *,
                reciprocal_tol: float = 0.01, cr_max: float = 0.1) -> AHPResult:
    r"""Analytic hierarchy process (Saaty 1980): principal-eigenvector weights of a pairwise
    comparison matrix, with the consistency ratio.

    :math:`A w = \lambda_{max} w`; :math:`CI = (\lambda_{max} - n)/(n - 1)`;
    :math:`CR = CI / RI_n` with Saaty's random index :data:`SAATY_RI`. A warning
    (``UserWarning``) is issued when CR > ``cr_max``.

    Parameters
    ----------
    matrix
        k × k matrix (nested list in the order of ``codes``, DataFrame, or mapping of mappings):
        ``matrix[i][j]`` = how much more important i is than j.
    codes
        Component codes (default ``C1..Ck``).
    reciprocal_tol
        Relative tolerance for ``a_ij · a_ji = 1`` (typed fractions such as 0.33 pass).

    Returns
    -------
    AHPResult
        ``weights`` (summing to 1), ``lambda_max``, ``ci``, ``cr``, ``consistent``.

    Raises
    ------
    MethodError
        Non-square, non-positive, non-finite, non-unit diagonal or non-reciprocal matrix; the
        message names the entries.
    """
    if codes is None:
        n0 = len(matrix)
        codes = [f"C{i + 1}" for i in range(n0)]
    codes = [str(c) for c in codes]
    M = _ahp_matrix(matrix, codes)
    k = len(codes)
    bad = [(codes[i], codes[j], float(M[i, j])) for i, j in np.argwhere(~np.isfinite(M) | (M <= 0))]
    if bad:
        raise MethodError(f"ahp: comparison matrix entries must be positive and finite; bad "
                          f"entries (row, column, value): {bad[:10]}")
    diag = [(codes[i], float(M[i, i])) for i in range(k) if abs(M[i, i] - 1) > reciprocal_tol]
    if diag:
        raise MethodError(f"ahp: diagonal entries must be 1; got {diag}")
    prod = M * M.T
    nonrec = [(codes[i], codes[j], float(M[i, j]), float(M[j, i]))
              for i, j in np.argwhere(np.abs(prod - 1) > reciprocal_tol) if i < j]
    if nonrec:
        raise MethodError("ahp: comparison matrix is not reciprocal (a_ij · a_ji must be 1); "
                          f"offending pairs (i, j, a_ij, a_ji): {nonrec[:10]}")
    vals, vecs = np.linalg.eig(M)
    i = int(np.argmax(vals.real))
    lam = float(vals[i].real)
    v = np.abs(vecs[:, i].real)
    w = _finish(v, codes, "ahp")
    ci = (lam - k) / (k - 1) if k > 1 else 0.0
    ci = max(ci, 0.0)
    if k <= 2:
        cr: float | None = 0.0
    elif k in SAATY_RI:
        cr = ci / SAATY_RI[k]
    else:
        cr = None
        warnings.warn(f"ahp: no random index for n = {k} > 15; consistency ratio not computed",
                      UserWarning, stacklevel=2)
    if cr is not None and cr > cr_max:
        warnings.warn(f"ahp: consistency ratio {cr:.3f} > {cr_max} for components {codes}; "
                      "the pairwise judgements are inconsistent (Saaty's rule)",
                      UserWarning, stacklevel=2)
    return AHPResult(w, lam, ci, cr)


@WEIGHTERS.register("ahp")
def ahp(X: pd.DataFrame, /, *, matrix: Any, reciprocal_tol: float = 0.01,
        cr_max: float = 0.1) -> pd.Series:
    """AHP weights of the components of ``X`` (matrix rows/columns in the column order of ``X``
    when given as a nested list). See :func:`ahp_weights`; attrs hold ``lambda_max``, ``ci``,
    ``cr``."""
    r = ahp_weights(matrix, _codes(X), reciprocal_tol=reciprocal_tol, cr_max=cr_max)
    out = r.weights.copy()
    out.attrs.update({"lambda_max": r.lambda_max, "ci": r.ci, "cr": r.cr})
    return out


# ------------------------------------------------------------------------------- balance
def _index_correlations(C: np.ndarray, sd: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Pearson correlation of each column with the index X @ w, from the covariance matrix."""
    cw = C @ w
    var = float(w @ cw)
    if var <= 0:
        return np.zeros_like(w)
    return cw / (sd * np.sqrt(var))


def _simplex_opt(obj, k: int, w0: np.ndarray, lower: float, upper: float) -> np.ndarray:
    from scipy.optimize import minimize

    res = minimize(obj, w0, method="SLSQP", bounds=[(lower, upper)] * k,
                   constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0}],
                   options={"ftol": 1e-12, "maxiter": 1000})
    w = np.clip(res.x, 0.0, None)
    return w / w.sum()


def _cov(X: pd.DataFrame, method: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    A, codes = _nonconstant_matrix(X, method, "",
                                   "; their correlation with the index is undefined")
    C = np.cov(A, rowvar=False).reshape(len(codes), len(codes))
    return C, np.sqrt(np.diag(C)), codes


@WEIGHTERS.register("balance")
def balance(X: pd.DataFrame, /, *, target: Mapping[str, float] | None = None,
            lower: float = 0.0, upper: float = 1.0) -> pd.Series:
    r"""Weights whose components' correlations with the index match target importances.

    The index is the weighted arithmetic mean :math:`y = X w`. With
    :math:`r_j(w) = \mathrm{corr}(x_j, y)`, minimise
    :math:`\sum_j (r_j / \sum_k r_k - t_j)^2` over the simplex (bounds ``lower``/``upper`` on
    each weight), as in COINr's ``get_opt_weights(optype = "balance")``. ``target`` defaults to
    equal importance. Solved with SLSQP from the target shares. Attrs: ``correlations``.
    """
    C, sd, codes = _cov(X, "balance")
    k = len(codes)
    if target is None:
        t = np.full(k, 1.0 / k)
    else:
        t = explicit(X, weights=target).to_numpy()

    def obj(w: np.ndarray) -> float:
        r = _index_correlations(C, sd, w)
        s = r.sum()
        return float(((r / s - t) ** 2).sum()) if s != 0 else 1e6

    w = _simplex_opt(obj, k, t.copy(), lower, upper)
    out = _finish(w, codes, "balance")
    out.attrs["correlations"] = dict(zip(codes, _index_correlations(C, sd, w).tolist(),
                                         strict=True))
    return out


@WEIGHTERS.register("maximize_correlation", aliases=("infomax",))
def maximize_correlation(X: pd.DataFrame, /, *, lower: float = 0.0,
                         upper: float = 1.0) -> pd.Series:
    r"""Weights maximising :math:`\sum_j \mathrm{corr}(x_j, Xw)` over the simplex (COINr's
    ``optype = "infomax"``). Attrs: ``correlations``."""
    C, sd, codes = _cov(X, "maximize_correlation")
    k = len(codes)
    w = _simplex_opt(lambda w: -float(_index_correlations(C, sd, w).sum()), k,
                     np.full(k, 1.0 / k), lower, upper)
    out = _finish(w, codes, "maximize_correlation")
    out.attrs["correlations"] = dict(zip(codes, _index_correlations(C, sd, w).tolist(),
                                         strict=True))
    return out
