"""Multi-dimensional tiering: Ward or k-means clusters of the units' dimension profiles."""

from __future__ import annotations

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
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.cluster.vq import ClusterError, kmeans2

    if method not in ("ward", "kmeans"):
        raise MethodError(f"tiers_profile: method must be 'ward' or 'kmeans', got {method!r}")
    if use not in ("scores", "ranks"):
        raise MethodError(f"tiers_profile: use must be 'scores' or 'ranks', got {use!r}")
    k = _check_k(k, method)
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
    sc = s.reindex(P.index)
    ok = P.notna().all(axis=1) & sc.notna()
    P_ok = P[ok]
    P_ok = P_ok.iloc[_label_order(P_ok.index)]
    if use == "ranks":
        P_ok = P_ok.rank(ascending=False, method="min")
    X = P_ok.to_numpy(dtype=np.float64)
    if standardize and len(X):
        sd = X.std(axis=0)
        X = np.where(sd > 0, (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0), 0.0)
    n = X.shape[0]
    labels = np.zeros(n, dtype=np.int64)
    if n:
        keff = min(k, len(np.unique(X, axis=0)))
        if keff <= 1 or n == 1:
            labels[:] = 1
        elif method == "ward":
            labels = fcluster(linkage(X, method="ward"), t=keff, criterion="maxclust").astype(
                np.int64
            )
        else:
            if not isinstance(n_init, (int, np.integer)) or n_init < 1:
                raise MethodError(
                    f"tiers_profile: n_init must be a positive integer, got {n_init!r}"
                )
            rng = np.random.default_rng(seed)
            best, best_ssd = None, np.inf
            for _ in range(int(n_init)):
                try:
                    cent, lab = kmeans2(X, keff, minit="++", missing="raise", rng=rng)
                except ClusterError:
                    continue
                ssd = float(((X - cent[lab]) ** 2).sum())
                if best is None or ssd < best_ssd * (1.0 - 1e-12):
                    best, best_ssd = lab, ssd
            if best is None:
                raise MethodError(
                    f"tiers_profile: k-means produced an empty cluster in all {n_init} starts (k={keff})"
                )
            labels = best.astype(np.int64) + 1
        sco = sc[P_ok.index].to_numpy()
        lab_u = np.unique(labels)
        cmean = np.array([sco[labels == c].mean() for c in lab_u])  # k clusters, not units
        order = np.argsort(-cmean, kind="stable")
        rank_of = np.empty(lab_u.size, dtype=np.int64)
        rank_of[order] = np.arange(1, lab_u.size + 1)
        labels = rank_of[np.searchsorted(lab_u, labels)]
    t = pd.Series(0, index=P.index, dtype="int64")
    t.loc[P_ok.index] = labels
    tiers = _tier_series(t.to_numpy(), P.index)
    rec, breaks = _record(tiers, sc)
    dims = P.groupby(tiers).mean()
    dims.index = pd.Index(dims.index.astype("int64"), name="tier")
    rec = rec.join(dims.add_prefix("mean_"))
    params = {"k": k, "seed": seed, "use": use, "standardize": standardize}
    if method == "kmeans":
        params["n_init"] = n_init
    return TierResult(tiers=tiers, breaks=breaks, method=method, params=params, record=rec)
