"""Rule-based refinement of tiers (e.g. the 2023 Global AI Innovation Index rule)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, MethodError
from .methods import _MOVE_COLUMNS, TierResult, _label_order, _record, _scores_series, _tier_series

__all__ = ["refine_tiers"]


#: a rule's detail: one string for every move, or one per unit (object array)
_Detail = np.ndarray | str


@dataclass(frozen=True)
class _Units:
    """What the rules read besides the current tiers (fixed for the whole refinement).

    Attributes
    ----------
    units
        Unit labels, in the order of the input tiers.
    scores
        Score of each unit (float64, NaN when missing).
    has
        Units with both a tier and a score: the only ones a rule may move.
    order
        Positions of the ``has`` units in descending score order, ties by label.
    dim_ranks
        Units × dimensions ranks, or None.
    """

    units: pd.Index
    scores: np.ndarray
    has: np.ndarray
    order: np.ndarray
    dim_ranks: pd.DataFrame | None


def _rule_int(rule: Mapping[str, Any], key: str, step: int, minimum: int = 1) -> int:
    """The integer ``rule[key]`` (>= ``minimum``); MethodError naming the rule otherwise."""
    if key not in rule:
        raise MethodError(f"refine_tiers: rule {step} ({rule.get('type')!r}) needs {key!r}")
    v = rule[key]
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum:
        raise MethodError(
            f"refine_tiers: rule {step} ({rule.get('type')!r}): {key} must be an integer >= {minimum}, got {v!r}"
        )
    return int(v)


def _check_keys(rule: Mapping[str, Any], step: int, kind: str, allowed: set[str]) -> None:
    """MethodError listing the keys of ``rule`` that its type does not know."""
    extra = set(rule) - allowed
    if extra:
        raise MethodError(f"refine_tiers: rule {step} ({kind}): unknown key(s) {sorted(extra)}")


def _check_dimension_ranks(
    rule: Mapping[str, Any], step: int, dim_ranks: pd.DataFrame | None
) -> tuple[pd.DataFrame, int, int, int]:
    """Validate a ``dimension_ranks`` rule; return the ranks, ``top``, ``min_count``, ``tier``."""
    _check_keys(rule, step, "dimension_ranks", {"type", "top", "min_count", "tier"})
    if dim_ranks is None:
        raise DataError(f"refine_tiers: rule {step} (dimension_ranks) needs dim_ranks")
    return (
        dim_ranks,
        _rule_int(rule, "top", step),
        _rule_int(rule, "min_count", step),
        _rule_int(rule, "tier", step),
    )


def _dimension_ranks(
    rule: Mapping[str, Any], step: int, t: np.ndarray, u: _Units
) -> tuple[np.ndarray, _Detail]:
    """Move up to ``tier`` each unit ranked in the ``top`` on at least ``min_count`` dimensions."""
    ranks, top, mc, tt = _check_dimension_ranks(rule, step, u.dim_ranks)
    R = ranks.reindex(u.units).astype("float64").to_numpy()
    count = (R <= top).sum(axis=1)  # NaN compares False
    new = t.copy()
    new[u.has & (count >= mc) & (t > tt)] = tt
    detail = (
        f"top {top} on "
        + pd.Series(count).astype(str)
        + f" of {R.shape[1]} dimensions (>= {mc})"
    ).to_numpy(dtype=object)
    return new, detail


def _check_min_gap(rule: Mapping[str, Any], step: int) -> tuple[Any, str]:
    """Validate a ``min_gap`` rule; return its ``gap`` and ``direction``."""
    _check_keys(rule, step, "min_gap", {"type", "gap", "direction"})
    g = rule.get("gap")
    if isinstance(g, bool) or not isinstance(g, (int, float, np.number)) or not g >= 0:
        raise MethodError(
            f"refine_tiers: rule {step} (min_gap): gap must be a number >= 0, got {g!r}"
        )
    direction = rule.get("direction", "up")
    if direction not in ("up", "down"):
        raise MethodError(
            f"refine_tiers: rule {step} (min_gap): direction must be 'up' or 'down', got {direction!r}"
        )
    return g, direction


def _min_gap(
    rule: Mapping[str, Any], step: int, t: np.ndarray, u: _Units
) -> tuple[np.ndarray, _Detail]:
    """Close every tier boundary inside a score gap smaller than ``gap`` (up or down)."""
    g, direction = _check_min_gap(rule, step)
    new = t.copy()
    idx = u.order
    if idx.size > 1:
        ss = u.scores[idx]
        small = np.concatenate([[False], (ss[:-1] - ss[1:]) < g])
        run = np.cumsum(~small)  # runs of units linked by small gaps
        ts = pd.Series(t[idx])
        if direction == "up":
            ts2 = ts.groupby(run).cummin()
        else:
            ts2 = ts[::-1].groupby(run[::-1]).cummax()[::-1]
        new[idx] = ts2.to_numpy()
    return new, f"gap < {g} ({direction})"


def _contiguous(
    rule: Mapping[str, Any], step: int, t: np.ndarray, u: _Units
) -> tuple[np.ndarray, _Detail]:
    """Give each unit the best tier of any unit with a score at most as high."""
    new = t.copy()
    if u.order.size:
        new[u.order] = np.minimum.accumulate(t[u.order][::-1])[::-1]
    return new, "best tier of any lower score"


def _max_tier(
    rule: Mapping[str, Any], step: int, t: np.ndarray, u: _Units
) -> tuple[np.ndarray, _Detail]:
    """Clip: move every unit below ``tier`` up to ``tier``."""
    tt = _rule_int(rule, "tier", step)
    new = t.copy()
    new[u.has & (t > tt)] = tt
    return new, f"clipped to tier {tt}"


#: a rule: (rule, step, current tiers, units) -> (new tiers, detail of the moves)
_Rule = Callable[[Mapping[str, Any], int, np.ndarray, _Units], tuple[np.ndarray, _Detail]]

#: the rules by type, in the order the error for an unknown type lists them
_RULES: dict[str, _Rule] = {
    "dimension_ranks": _dimension_ranks,
    "min_gap": _min_gap,
    "contiguous": _contiguous,
    "max_tier": _max_tier,
}


def _rule_for(rule: Any, step: int) -> tuple[Any, _Rule]:
    """The type of ``rule`` and its function; MethodError for a malformed or unknown rule."""
    if not isinstance(rule, Mapping) or "type" not in rule:
        raise MethodError(
            f"refine_tiers: rule {step} must be a mapping with a 'type', got {rule!r}"
        )
    kind = rule["type"]
    for name, apply in _RULES.items():  # compare with ==, like the rule's own type
        if kind == name:
            return kind, apply
    raise MethodError(
        f"refine_tiers: rule {step}: unknown type {kind!r}; known: {', '.join(_RULES)}"
    )


def _check_refine_inputs(
    tiers: pd.Series, scores: pd.Series
) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """Validate tiers and scores; return the ``Int64`` tiers, the scores, tiers as int (0 = NA)."""
    if not isinstance(tiers, pd.Series):
        raise DataError("refine_tiers: tiers must be a pandas Series indexed by unit")
    s = _scores_series(scores, "refine_tiers")
    missing = tiers.index.difference(s.index)
    if len(missing):
        raise DataError(f"refine_tiers: no score for unit(s) {missing.tolist()}")
    t0 = tiers.astype("Int64")
    t = t0.fillna(0).to_numpy(dtype=np.int64).copy()
    if (t < 0).any():
        raise DataError("refine_tiers: tiers must be >= 1")
    return t0, s, t


def _units_of(
    units: pd.Index, scores: pd.Series, t: np.ndarray, dim_ranks: pd.DataFrame | None
) -> _Units:
    """The units' scores, which of them may move, and their order by descending score."""
    sc = scores.reindex(units).to_numpy(dtype=np.float64)
    has = (t > 0) & ~np.isnan(sc)
    # score order (descending), ties by label, among units with tier and score
    idx = np.flatnonzero(has)
    lab = _label_order(units[idx])
    idx = idx[lab][np.argsort(-sc[idx][lab], kind="stable")]
    return _Units(units=units, scores=sc, has=has, order=idx, dim_ranks=dim_ranks)


def _moves(
    step: int, kind: Any, t: np.ndarray, new: np.ndarray, detail: _Detail, u: _Units
) -> pd.DataFrame | None:
    """One row per unit whose tier changed from ``t`` to ``new`` (None when nobody moved)."""
    ch = np.flatnonzero(new != t)
    if not ch.size:
        return None
    det = detail[ch] if isinstance(detail, np.ndarray) else np.full(ch.size, detail)
    return pd.DataFrame(
        {
            "step": step,
            "rule": kind,
            "unit": u.units[ch],
            "score": u.scores[ch],
            "from_tier": t[ch],
            "to_tier": new[ch],
            "detail": det,
        }
    )


def _apply_rules(
    rules: Sequence[Mapping[str, Any]], t: np.ndarray, u: _Units
) -> tuple[np.ndarray, pd.DataFrame]:
    """Apply the rules in order; return the final tiers (0 = NA) and the record of moves."""
    moves: list[pd.DataFrame] = []
    for step, rule in enumerate(rules, 1):
        kind, apply = _rule_for(rule, step)
        new, detail = apply(rule, step, t, u)
        mv = _moves(step, kind, t, new, detail, u)
        if mv is not None:
            moves.append(mv)
        t = new
    if not moves:
        return t, pd.DataFrame(columns=_MOVE_COLUMNS)
    return t, pd.concat(moves, ignore_index=True)


def refine_tiers(
    tiers: pd.Series,
    scores: pd.Series,
    dim_ranks: pd.DataFrame | None,
    rules: Sequence[Mapping[str, Any]],
) -> TierResult:
    """Apply tier rules in order (e.g. the 2023 Global AI Innovation Index rule).

    The 2023 edition tiered its countries "considering the total score, the score gaps between
    countries and the ranks on the first-level indicators". Start from a score-based tiering and
    express the rest as rules, applied in the order given:

    ``{"type": "dimension_ranks", "top": k, "min_count": m, "tier": t}``
        A unit ranked in the top ``k`` (rank <= k) on at least ``m`` dimensions of ``dim_ranks`` is
        at least tier ``t``: a unit in a lower tier moves up to ``t`` (never down). Missing ranks
        do not count. This rule may break contiguity in score order (add a ``contiguous`` rule
        afterwards to restore it).
    ``{"type": "min_gap", "gap": g, "direction": "up"}``
        No tier boundary inside a score gap smaller than ``g`` points. Going down the sorted
        scores, whenever two consecutive scored units are in different tiers and their gap is
        ``< g``, the lower unit joins the upper unit's tier (``direction="up"``, the default;
        repeated down a chain of small gaps). ``direction="down"`` instead moves the upper unit into
        the lower unit's tier (repeated up the chain). Contiguous tiers stay contiguous.
    ``{"type": "contiguous"}``
        Restore contiguity by moving units up: each unit gets the best tier of any unit with a
        score at most as high (so no unit sits below a lower-scored unit).
    ``{"type": "max_tier", "tier": t}``
        Clip: any unit below tier ``t`` joins tier ``t``.

    Tier numbers are not renumbered: a tier emptied by the rules stays empty (``nan`` break).

    Parameters
    ----------
    tiers
        Starting tiers (1 = top; ``<NA>`` allowed, never moved), indexed by unit.
    scores
        Scores of the units (the total score).
    dim_ranks
        Units × first-level dimensions ranks (1 = best); needed only for ``dimension_ranks``.
    rules
        The rules, as mappings.

    Returns
    -------
    TierResult
        ``method="refine"``; ``moves`` lists each move (step = position of the rule, 1-based).
    """
    t0, s, t = _check_refine_inputs(tiers, scores)
    u = _units_of(tiers.index, s, t, dim_ranks)
    t, moves = _apply_rules(rules, t, u)
    out = _tier_series(t, u.units)
    max_before = int(t0.max()) if t0.notna().any() else 0
    rec, breaks = _record(out, s.reindex(u.units), max_before)
    params = {"rules": [dict(r) for r in rules]}
    return TierResult(tiers=out, breaks=breaks, method="refine", params=params, record=rec,
                      moves=moves)
