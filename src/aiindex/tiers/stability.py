"""Tier stability: how often each unit falls in each tier over replicated score vectors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from .methods import TIERERS, _as_matrix, _batch_for

__all__ = ["tier_probabilities"]


def tier_probabilities(
    replicated_scores: np.ndarray | pd.DataFrame,
    *,
    method: str,
    params: Mapping[str, Any] | None = None,
    nominal: pd.Series | None = None,
    units: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Probability of each tier per unit over replicated score vectors.

    Every replication (row) is tiered by ``method`` with ``params``, all at once with the method's
    vectorised batch version: ``thresholds`` is one ``np.searchsorted`` on the whole matrix,
    ``jenks`` runs its dynamic programme on all rows together (memory-bounded row chunks),
    ``largest_gaps``/``quantiles``/``sizes`` sort all rows at once, ``head_tail`` iterates over
    levels only. Rows with missing scores are grouped by their pattern of missing values. A
    user-registered method without a batch version is called row by row.

    Parameters
    ----------
    replicated_scores
        (N replications × n units) array, or DataFrame with one column per unit.
    method
        Registered 1-D tiering method.
    params
        Its parameters (e.g. ``{"k": 4}``).
    nominal
        Nominal tiers indexed by unit (optional).
    units
        Unit codes of the columns (required for an array; for a DataFrame defaults to its columns).

    Returns
    -------
    pandas.DataFrame
        Index = units; ``p_tier_1 .. p_tier_K`` (share of replications; with missing scores a
        ``p_missing`` column is added and the shares still sum to 1 with it), ``modal_tier``
        (most frequent tier; equal frequencies → the better tier), ``nominal_tier``,
        ``p_nominal`` (probability of the nominal tier) and ``flag`` (modal tier differs from the
        nominal tier; False where there is no nominal tier).
    """
    params = dict(params or {})
    name = TIERERS.canonical(method)
    X, uidx = _replications(replicated_scores, units, name)
    T = _batch_for(name, X, params)  # (N, n), 0 = missing
    nom = None
    if nominal is not None:
        nom = nominal.reindex(uidx).astype("Int64")
    counts = _tier_counts(T, nom)
    probs = counts / X.shape[0]
    out = _probability_table(probs, counts, uidx)
    _compare_nominal(out, nom, probs, counts)
    return out


def _replications(
    replicated_scores: np.ndarray | pd.DataFrame, units: Sequence[str] | None, name: str
) -> tuple[np.ndarray, pd.Index]:
    """Validate the replicated scores; return them as (N, n) float64 and the unit index."""
    if isinstance(replicated_scores, pd.DataFrame):
        raw, uidx, rows = _frame_scores(replicated_scores, units, name)
    else:
        raw, uidx, rows = _array_scores(replicated_scores, units, name)
    if raw.ndim == 2:
        _check_inf(raw, uidx, rows)
    X = _as_matrix(raw, name)
    if uidx.has_duplicates:
        raise DataError(
            f"tier_probabilities: duplicated unit(s) {uidx[uidx.duplicated()].tolist()}"
        )
    if X.shape[0] == 0:
        raise DataError("tier_probabilities: no replication")
    return X, uidx


def _frame_scores(
    df: pd.DataFrame, units: Sequence[str] | None, name: str
) -> tuple[np.ndarray, pd.Index, Sequence[Any]]:
    """Scores of a DataFrame (columns = units, or the ``units`` given), unit index, row labels."""
    cols = df.columns
    if units is not None:
        cols = pd.Index(units)
        missing = cols.difference(df.columns)
        if len(missing):
            raise DataError(
                f"tier_probabilities: no replicated scores for unit(s) {missing.tolist()}"
            )
    try:
        raw = df[cols].to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"tiering method {name!r}: scores must be numeric ({exc})") from exc
    return raw, pd.Index(cols, name="unit"), df.index


def _array_scores(
    scores: Any, units: Sequence[str] | None, name: str
) -> tuple[np.ndarray, pd.Index, Sequence[Any]]:
    """Scores of an array (1-D = one replication), the unit index and the replication numbers."""
    if units is None:
        raise DataError("tier_probabilities: units are required with an array of scores")
    try:
        raw = np.array(scores, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"tiering method {name!r}: scores must be numeric ({exc})") from exc
    raw = raw[None, :] if raw.ndim == 1 else raw
    uidx = pd.Index(list(units), name="unit")
    if raw.ndim == 2 and len(uidx) != raw.shape[1]:
        raise DataError(
            f"tier_probabilities: {len(uidx)} units given for {raw.shape[1]} score columns"
        )
    return raw, uidx, range(raw.shape[0]) if raw.ndim == 2 else range(0)


def _tier_counts(T: np.ndarray, nom: pd.Series | None) -> np.ndarray:
    """(n units, K + 1) counts of each tier 0 (missing) .. K over the replications.

    K is the highest tier seen in ``T`` or in the nominal tiers (at least 1).
    """
    K = int(max(T.max(), int(nom.max()) if nom is not None and nom.notna().any() else 0, 1))
    return np.stack([(T == t).sum(axis=0) for t in range(K + 1)], axis=1)  # K+1 tiers, not units


def _modal_tier(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Most frequent tier of each unit (equal counts: the better tier), and which units have one."""
    has_any = counts[:, 1:].sum(axis=1) > 0
    return np.argmax(counts[:, 1:], axis=1) + 1, has_any


def _probability_table(probs: np.ndarray, counts: np.ndarray, uidx: pd.Index) -> pd.DataFrame:
    """``p_tier_1 .. p_tier_K``, ``p_missing`` (if any score is missing) and ``modal_tier``."""
    K = probs.shape[1] - 1
    out = pd.DataFrame(probs[:, 1:], index=uidx, columns=[f"p_tier_{t}" for t in range(1, K + 1)])
    if counts[:, 0].any():
        out["p_missing"] = probs[:, 0]
    modal, has_any = _modal_tier(counts)
    out["modal_tier"] = pd.array(np.where(has_any, modal, 0), dtype="Int64")
    out.loc[~has_any, "modal_tier"] = pd.NA
    return out


def _compare_nominal(
    out: pd.DataFrame, nom: pd.Series | None, probs: np.ndarray, counts: np.ndarray
) -> None:
    """Add ``nominal_tier``, ``p_nominal`` and ``flag`` (modal tier is not the nominal) to out."""
    if nom is None:
        out["nominal_tier"] = pd.array([pd.NA] * len(out), dtype="Int64")
        out["p_nominal"] = np.nan
        out["flag"] = False
        return
    K = probs.shape[1] - 1
    modal, has_any = _modal_tier(counts)
    out["nominal_tier"] = nom.to_numpy()
    nv = nom.fillna(0).to_numpy(dtype=np.int64)
    out["p_nominal"] = np.where(nv > 0, probs[np.arange(len(out)), np.clip(nv, 0, K)], np.nan)
    out["flag"] = (nv > 0) & has_any & (modal != nv)


def _check_inf(X: np.ndarray, units: pd.Index, rows: Sequence[Any]) -> None:
    """DataError naming the first unit and replication with an infinite score."""
    bad = np.isinf(X)
    if not bad.any():
        return
    r, c = np.argwhere(bad)[0]
    rep = rows[int(r)]
    rep = rep.item() if isinstance(rep, np.generic) else rep
    unit = units[int(c)]
    unit = unit.item() if isinstance(unit, np.generic) else unit
    raise DataError(f"tier_probabilities: score is {float(X[r, c])} for unit {unit!r} in "
                    f"replication {rep!r} ({int(bad.sum())} infinite score(s)); scores must be "
                    "finite or NaN (missing)")
