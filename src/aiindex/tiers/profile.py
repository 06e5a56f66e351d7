"""Multi-dimensional tiering: Ward or k-means clusters of the units' dimension profiles."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, MethodError
from .methods import TierResult, _check_k, _label_order, _record, _scores_series, _tier_series

__all__ = ["tiers_profile"]


def tiers_profile(
    profiles: pd.DataFrame,
    index_scores: pd.Series,
    *,
    k: int,
    method: str = "ward",
    seed: int | None = 0,
    use: str = "scores",
    standardize: bool = False,
    n_init: int = 10,
) -> TierResult:
    """Tier units by clustering their dimension profiles; tiers ordered by mean index score.

    Parameters
    ----------
    profiles
        Units × first-level dimensions (scores, higher = better).
    index_scores
        Index score of each unit (orders the clusters: tier 1 has the highest mean score).
    k
        Number of clusters; at most the number of distinct profiles is used.
    method
        ``"ward"`` (scipy hierarchical clustering, Ward linkage, cut into ``k`` clusters) or
        ``"kmeans"`` (``scipy.cluster.vq.kmeans2`` with k-means++ starts, ``n_init`` restarts from
        ``numpy.random.default_rng(seed)``, the run with the lowest within-cluster SSD kept).
    seed
        Seed of the k-means starts (ignored by Ward, which is deterministic).
    use
        ``"scores"``: cluster the profile values; ``"ranks"``: cluster the ranks of the units on
        each dimension (1 = best, ties get the minimum rank).
    standardize
        Z-score each column before clustering (a constant column becomes 0).
    n_init
        Number of k-means restarts.

    Returns
    -------
    TierResult
        ``record`` adds the mean of each dimension per tier. Units with a missing dimension or
        index score get ``<NA>``. Units are processed sorted by label, so the result does not
        depend on the order of the rows. Tiers are not necessarily contiguous in index score.
    """
    k = _check_options(k, method, use)
    P, sc = _check_profiles(profiles, index_scores)
    clustered, X = _features(P, sc, use, standardize)
    labels = _cluster(X, k, method, seed, n_init)
    if len(labels):
        labels = _order_clusters(labels, sc[clustered].to_numpy())
    params = {"k": k, "seed": seed, "use": use, "standardize": standardize}
    if method == "kmeans":
        params["n_init"] = n_init
    return _profile_result(P, sc, clustered, labels, method, params)


def _check_options(k: Any, method: str, use: str) -> int:
    """Validate the method, what to cluster and ``k``; return ``k`` as an int."""
    if method not in ("ward", "kmeans"):
        raise MethodError(f"tiers_profile: method must be 'ward' or 'kmeans', got {method!r}")
    if use not in ("scores", "ranks"):
        raise MethodError(f"tiers_profile: use must be 'scores' or 'ranks', got {use!r}")
    return _check_k(k, method)


def _check_profiles(
    profiles: pd.DataFrame, index_scores: pd.Series
) -> tuple[pd.DataFrame, pd.Series]:
    """Validate the inputs; return the profiles as float64 and the index scores aligned to them."""
    if not isinstance(profiles, pd.DataFrame) or profiles.shape[1] == 0:
        raise DataError(
            "tiers_profile: profiles must be a non-empty DataFrame (units × dimensions)"
        )
    s = _scores_series(index_scores, "tiers_profile")
    missing = profiles.index.difference(s.index)
    if len(missing):
        raise DataError(f"tiers_profile: no index score for unit(s) {missing.tolist()}")
    P = profiles.astype("float64")
    if np.isinf(P.to_numpy()).any():
        raise DataError("tiers_profile: profiles contain +/-inf")
    return P, s.reindex(P.index)


def _features(
    P: pd.DataFrame, sc: pd.Series, use: str, standardize: bool
) -> tuple[pd.Index, np.ndarray]:
    """The units clustered (complete profile and score, sorted by label) and their matrix.

    The matrix holds the profiles or their ranks (1 = best, ties get the minimum rank),
    z-scored by column if ``standardize`` (a constant column becomes 0).
    """
    P_ok = P[P.notna().all(axis=1) & sc.notna()]
    P_ok = P_ok.iloc[_label_order(P_ok.index)]
    if use == "ranks":
        P_ok = P_ok.rank(ascending=False, method="min")
    X = P_ok.to_numpy(dtype=np.float64)
    if standardize and len(X):
        sd = X.std(axis=0)
        X = np.where(sd > 0, (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0), 0.0)
    return P_ok.index, X


def _cluster(X: np.ndarray, k: int, method: str, seed: int | None, n_init: int) -> np.ndarray:
    """Cluster labels ``1..`` of the rows of X (at most ``k`` clusters, one per distinct row)."""
    n = X.shape[0]
    labels = np.zeros(n, dtype=np.int64)
    if not n:
        return labels
    keff = min(k, len(np.unique(X, axis=0)))
    if keff <= 1 or n == 1:
        labels[:] = 1
        return labels
    if method == "ward":
        return _ward(X, keff)
    return _kmeans(X, keff, seed, n_init)


def _ward(X: np.ndarray, k: int) -> np.ndarray:
    """Ward hierarchical clustering cut into at most ``k`` clusters; labels from 1."""
    from scipy.cluster.hierarchy import fcluster, linkage

    return fcluster(linkage(X, method="ward"), t=k, criterion="maxclust").astype(np.int64)


def _kmeans(X: np.ndarray, k: int, seed: int | None, n_init: int) -> np.ndarray:
    """Best of ``n_init`` k-means++ runs (lowest within-cluster SSD); labels ``1..k``."""
    from scipy.cluster.vq import ClusterError, kmeans2

    if not isinstance(n_init, (int, np.integer)) or n_init < 1:
        raise MethodError(f"tiers_profile: n_init must be a positive integer, got {n_init!r}")
    rng = np.random.default_rng(seed)
    best, best_ssd = None, np.inf
    for _ in range(int(n_init)):
        try:
            cent, lab = kmeans2(X, k, minit="++", missing="raise", rng=rng)
        except ClusterError:
            continue
        ssd = float(((X - cent[lab]) ** 2).sum())
        if best is None or ssd < best_ssd * (1.0 - 1e-12):
            best, best_ssd = lab, ssd
    if best is None:
        raise MethodError(
            f"tiers_profile: k-means produced an empty cluster in all {n_init} starts (k={k})"
        )
    return best.astype(np.int64) + 1


def _order_clusters(labels: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Renumber cluster labels as tiers: tier 1 has the highest mean score (ties: lower label)."""
    lab_u = np.unique(labels)
    cmean = np.array([scores[labels == c].mean() for c in lab_u])  # k clusters, not units
    order = np.argsort(-cmean, kind="stable")
    rank_of = np.empty(lab_u.size, dtype=np.int64)
    rank_of[order] = np.arange(1, lab_u.size + 1)
    return rank_of[np.searchsorted(lab_u, labels)]


def _profile_result(
    P: pd.DataFrame,
    sc: pd.Series,
    clustered: pd.Index,
    tiers_of: np.ndarray,
    method: str,
    params: dict[str, Any],
) -> TierResult:
    """The result: tiers (``<NA>`` for units not clustered), the record with dimension means."""
    t = pd.Series(0, index=P.index, dtype="int64")
    t.loc[clustered] = tiers_of
    tiers = _tier_series(t.to_numpy(), P.index)
    rec, breaks = _record(tiers, sc)
    dims = P.groupby(tiers).mean()
    dims.index = pd.Index(dims.index.astype("int64"), name="tier")
    rec = rec.join(dims.add_prefix("mean_"))
    return TierResult(tiers=tiers, breaks=breaks, method=method, params=params, record=rec)
