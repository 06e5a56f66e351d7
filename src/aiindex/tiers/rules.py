"""Rule-based refinement of tiers (e.g. the 2023 Global AI Innovation Index rule)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, MethodError
from .methods import _MOVE_COLUMNS, TierResult, _label_order, _record, _scores_series, _tier_series

__all__ = ["refine_tiers"]


def _rule_int(rule: Mapping[str, Any], key: str, step: int, minimum: int = 1) -> int:
    if key not in rule:
        raise MethodError(f"refine_tiers: rule {step} ({rule.get('type')!r}) needs {key!r}")
    v = rule[key]
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum:
        raise MethodError(
            f"refine_tiers: rule {step} ({rule.get('type')!r}): {key} must be an integer >= {minimum}, got {v!r}"
        )
    return int(v)


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
    sc = s.reindex(tiers.index).to_numpy(dtype=np.float64)
    has = (t > 0) & ~np.isnan(sc)
    units = tiers.index
    # score order (descending), ties by label, among units with tier and score
    idx = np.flatnonzero(has)
    lab = _label_order(units[idx])
    idx = idx[lab][np.argsort(-sc[idx][lab], kind="stable")]
    moves: list[pd.DataFrame] = []

    def log(step: int, rule: str, new: np.ndarray, detail: np.ndarray | str) -> None:
        ch = np.flatnonzero(new != t)
        if ch.size:
            det = detail[ch] if isinstance(detail, np.ndarray) else np.full(ch.size, detail)
            moves.append(
                pd.DataFrame(
                    {
                        "step": step,
                        "rule": rule,
                        "unit": units[ch],
                        "score": sc[ch],
                        "from_tier": t[ch],
                        "to_tier": new[ch],
                        "detail": det,
                    }
                )
            )

    for step, rule in enumerate(rules, 1):
        if not isinstance(rule, Mapping) or "type" not in rule:
            raise MethodError(
                f"refine_tiers: rule {step} must be a mapping with a 'type', got {rule!r}"
            )
        kind = rule["type"]
        new = t.copy()
        if kind == "dimension_ranks":
            extra = set(rule) - {"type", "top", "min_count", "tier"}
            if extra:
                raise MethodError(
                    f"refine_tiers: rule {step} (dimension_ranks): unknown key(s) {sorted(extra)}"
                )
            if dim_ranks is None:
                raise DataError(f"refine_tiers: rule {step} (dimension_ranks) needs dim_ranks")
            top = _rule_int(rule, "top", step)
            mc = _rule_int(rule, "min_count", step)
            tt = _rule_int(rule, "tier", step)
            R = dim_ranks.reindex(units).astype("float64").to_numpy()
            count = (R <= top).sum(axis=1)  # NaN compares False
            hit = has & (count >= mc) & (t > tt)
            new[hit] = tt
            detail = (
                f"top {top} on "
                + pd.Series(count).astype(str)
                + f" of {R.shape[1]} dimensions (>= {mc})"
            ).to_numpy(dtype=object)
            log(step, kind, new, detail)
        elif kind == "min_gap":
            extra = set(rule) - {"type", "gap", "direction"}
            if extra:
                raise MethodError(
                    f"refine_tiers: rule {step} (min_gap): unknown key(s) {sorted(extra)}"
                )
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
            if idx.size > 1:
                ss = sc[idx]
                small = np.concatenate([[False], (ss[:-1] - ss[1:]) < g])
                run = np.cumsum(~small)  # runs of units linked by small gaps
                ts = pd.Series(t[idx])
                if direction == "up":
                    ts2 = ts.groupby(run).cummin()
                else:
                    ts2 = ts[::-1].groupby(run[::-1]).cummax()[::-1]
                new[idx] = ts2.to_numpy()
            log(step, kind, new, f"gap < {g} ({direction})")
        elif kind == "contiguous":
            if idx.size:
                new[idx] = np.minimum.accumulate(t[idx][::-1])[::-1]
            log(step, kind, new, "best tier of any lower score")
        elif kind == "max_tier":
            tt = _rule_int(rule, "tier", step)
            new[has & (t > tt)] = tt
            log(step, kind, new, f"clipped to tier {tt}")
        else:
            raise MethodError(
                f"refine_tiers: rule {step}: unknown type {kind!r}; known: "
                "dimension_ranks, min_gap, contiguous, max_tier"
            )
        t = new
    out = _tier_series(t, units)
    max_before = int(t0.max()) if t0.notna().any() else 0
    rec, breaks = _record(out, s.reindex(units), max_before)
    mv = pd.concat(moves, ignore_index=True) if moves else pd.DataFrame(columns=_MOVE_COLUMNS)
    return TierResult(
        tiers=out,
        breaks=breaks,
        method="refine",
        params={"rules": [dict(r) for r in rules]},
        record=rec,
        moves=mv,
    )
