"""Importance of each component in the index: nominal weight against measured influence.

:func:`importance` compares each component's nominal (effective) weight with its correlation
with the index and with its first-order sensitivity index (Paruolo, Saisana & Saltelli 2013).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError, MethodError
from ..framework import Framework
from ..pipeline import Result

__all__ = ["importance"]


def _first_order(x: np.ndarray, y: np.ndarray, estimator: str, bins: int | None,
                 degree: int) -> np.ndarray:
    """First-order effect S = Var(E[y|x]) / Var(y) for each column of x (vectorised)."""
    n, k = x.shape
    vy = y.var()
    if estimator == "linear":
        r = np.array([np.corrcoef(x[:, j], y)[0, 1] for j in range(k)])
        return r**2
    if estimator == "poly":
        xs = (x - x.mean(axis=0)) / np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
        out = np.empty(k)
        for j in range(k):  # k components, not units
            V = np.vander(xs[:, j], degree + 1)
            coef, *_ = np.linalg.lstsq(V, y, rcond=None)
            out[j] = (V @ coef).var() / vy
        return np.clip(out, 0.0, 1.0)
    if estimator == "bins":
        nb = bins or max(2, int(round(np.sqrt(n))))
        ranks = x.argsort(axis=0).argsort(axis=0)
        b = (ranks * nb) // n  # equal-count bins
        out = np.empty(k)
        for j in range(k):
            cnt = np.bincount(b[:, j], minlength=nb)
            m = np.bincount(b[:, j], weights=y, minlength=nb)
            ok = cnt > 0
            means = m[ok] / cnt[ok]
            out[j] = (cnt[ok] * (means - y.mean()) ** 2).sum() / n / vy
        return np.clip(out, 0.0, 1.0)
    raise MethodError(f"importance: unknown estimator {estimator!r}; use poly, bins or linear")


def importance(result_or_scores: Result | pd.DataFrame, fw: Framework | None = None, *,
               level: int | None = None, index: str | None = None, estimator: str = "poly",
               degree: int = 3, bins: int | None = None, threshold: float = 0.05) -> pd.DataFrame:
    r"""Nominal weight versus measured importance of each component in the index.

    For each component at ``level`` (default: the children of the root):

    * ``weight``: nominal effective weight; ``weight_share``: renormalised over the components;
    * ``correlation``: Pearson correlation with the index, and ``r2`` its square;
    * ``first_order``: the correlation ratio / first-order sensitivity index
      :math:`S_j = \mathrm{Var}(E[y \mid x_j]) / \mathrm{Var}(y)` (Paruolo, Saisana & Saltelli
      2013), estimated by a cubic polynomial regression of y on :math:`x_j` (``estimator="poly"``,
      ``degree``), by equal-count bins (``"bins"``) or by the linear fit (``"linear"``, = r²);
    * ``importance_share`` = ``first_order`` / sum; ``difference`` = importance share − weight
      share; ``flag`` = True when ``|difference| > threshold``.

    Parameters
    ----------
    result_or_scores
        A :class:`~aiindex.pipeline.Result`, or a DataFrame of units × node codes containing the
        components and the index (e.g. ``result.stages["aggregated"]``).
    fw
        The framework (taken from the result when omitted).
    index
        Node whose scores are the index (default: the root).

    Returns
    -------
    DataFrame
        One row per component: ``weight, weight_share, correlation, r2, first_order,
        importance_share, difference, flag``.
    """
    if isinstance(result_or_scores, pd.DataFrame):
        if fw is None:
            raise ConfigError("importance: pass the framework with a scores table")
        scores = result_or_scores
    else:
        res = result_or_scores
        fw = fw or res.framework
        scores = res.stages.get("aggregated", res.scores)
    idx = index or fw.root
    if level is None:
        comps = fw.children(idx)
    else:
        under = set(fw.leaves_under(idx)) | {c for c in fw.nodes if idx in fw.ancestors(c)}
        comps = [c for c in fw.level_codes(level) if c in under]
        if not comps:
            raise ConfigError(f"importance: no nodes at level {level} under {idx!r}")
    missing = [c for c in comps + [idx] if c not in scores.columns]
    if missing:
        raise DataError(f"importance: scores lack column(s) {missing}")
    D = scores[comps + [idx]].dropna()
    if len(D) < 3:
        raise DataError(f"importance: fewer than 3 units with complete scores for {comps}")
    x = D[comps].to_numpy(dtype=float)
    y = D[idx].to_numpy(dtype=float)
    if y.std() == 0:
        raise DataError(f"importance: index {idx!r} is constant")
    const = [c for c, s in zip(comps, x.std(axis=0), strict=True) if s == 0]
    if const:
        raise DataError(f"importance: component(s) {const} are constant")
    ew = fw.effective_weights()[comps].to_numpy()
    r = np.array([np.corrcoef(x[:, j], y)[0, 1] for j in range(len(comps))])
    s = _first_order(x, y, estimator, bins, degree)
    out = pd.DataFrame({
        "level": [fw.nodes[c].level for c in comps],
        "weight": ew,
        "weight_share": ew / ew.sum() if ew.sum() > 0 else ew,
        "correlation": r,
        "r2": r**2,
        "first_order": s,
        "importance_share": s / s.sum() if s.sum() > 0 else s,
    }, index=pd.Index(comps, name="component"))
    out["difference"] = out["importance_share"] - out["weight_share"]
    out["flag"] = out["difference"].abs() > threshold
    out.attrs["units"] = len(D)
    return out
