"""Rank summaries accumulated chunk by chunk, and the result of an uncertainty analysis.

Ranks go from one ``argsort`` per replication straight into per-unit histograms
(:func:`rank_order`, :class:`RankSummary`): the sorted position of a unit, moved back to the
start of its tie block, *is* its min-tie rank. Summaries of chunks merge by addition, so
workers can reduce them in a tree.

Memory: the exact histogram is ``units × units`` counts (ASEM: 51 × 51). Beyond
:data:`FULL_HISTOGRAM_UNITS` units it would not fit (50,000 units: 20 GB), so the histogram is
*binned*: ``units × ceil(units / b)`` counts of ranks in bins of ``b`` ranks, plus exact sums of
ranks (the mean). Exact quantiles then need a second pass over the same (reproducible)
replications that counts ranks one by one, but only inside the bins that hold each unit's
order statistics (:class:`FineCounts`: ``units × 2·quantiles × b``). With ``b ≈ √(units/6)`` both
tables are about ``units^1.5·√6`` counts: 50,000 units need about 2 × 220 MB.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..._io import OutputDir
from .factors import Factor

__all__ = ["rank_order", "ranks_from_order", "RankSummary", "FineCounts", "TierCounts",
           "rank_statistics", "binned_statistics", "UncertaintyResult", "FULL_HISTOGRAM_UNITS",
           "QUANTILES"]

#: up to this many units the rank histogram is exact (units × units counts)
FULL_HISTOGRAM_UNITS = 4096
#: rank quantiles reported per unit
QUANTILES = (0.05, 0.5, 0.95)


def rank_order(S: np.ndarray, complete: bool = False
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Sort each replication once: ``order``, min-tie rank − 1 at each sorted position, NaNs.

    Parameters
    ----------
    S
        Scores (R, n); higher is better, NaN = no score.
    complete
        ``S`` is known to have no NaN (skips looking for them).

    Returns
    -------
    order : (R, n) int
        Units from best to worst (NaN last).
    start : (R, n) int
        Rank − 1 of the unit at each sorted position (ties share the smallest).
    nan : (R, n) bool or None
        Sorted positions holding a missing score (``None`` when there are none).
    """
    neg = -S
    order = np.argsort(neg, axis=1)
    sv = np.take_along_axis(neg, order, axis=1)
    new = np.empty(sv.shape, dtype=bool)
    new[:, :1] = True
    np.not_equal(sv[:, 1:], sv[:, :-1], out=new[:, 1:])
    start = np.where(new, np.arange(S.shape[1]), 0)
    np.maximum.accumulate(start, axis=1, out=start)
    if complete:
        return order, start, None
    nan = np.isnan(sv)
    return order, start, (nan if nan.any() else None)


def ranks_from_order(order: np.ndarray, start: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Min-tie ranks (R, n) in unit order from :func:`rank_order` (NaN where no score)."""
    out = np.empty(S.shape)
    np.put_along_axis(out, order, start + 1.0, axis=1)
    out[np.isnan(S)] = np.nan
    return out


def bin_width(n_units: int) -> int:
    """Bin width of the rank histogram: 1 (exact) up to :data:`FULL_HISTOGRAM_UNITS` units."""
    if n_units <= FULL_HISTOGRAM_UNITS:
        return 1
    return max(2, int(np.ceil(np.sqrt(n_units / (2 * len(QUANTILES))))))


def _add_counts(flat: np.ndarray, idx: np.ndarray) -> None:
    """``flat[idx] += 1`` for every index (repeats counted): bincount or ``add.at``.

    ``bincount`` allocates a whole table per call, so it is used only for small tables or
    many indices.
    """
    if idx.size * 4 >= flat.size and flat.size <= 1 << 22:
        flat += np.bincount(idx, minlength=flat.size)
    else:
        np.add.at(flat, idx, 1)


@dataclass
class RankSummary:
    """Rank histograms, rank and score sums of some replications (merge by addition).

    Attributes
    ----------
    counts
        (n, bins) replications per unit and rank bin (bin width ``width``; 1 = exact ranks).
    rank_sum, ranked
        Per unit: sum of ranks and number of replications with a rank.
    score_sum, scored
        Per unit: sum and number of root scores (for the mean score).
    reps
        Replications summarised.
    """

    n: int
    width: int = 1
    counts: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    rank_sum: np.ndarray = field(default_factory=lambda: np.zeros(0))
    ranked: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    score_sum: np.ndarray = field(default_factory=lambda: np.zeros(0))
    scored: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    reps: int = 0

    def __post_init__(self) -> None:
        if not self.counts.size:
            nb = -(-self.n // self.width)
            self.counts = np.zeros((self.n, nb), dtype=np.int64)
            self.rank_sum = np.zeros(self.n)
            self.ranked = np.zeros(self.n, dtype=np.int64)
            self.score_sum = np.zeros(self.n)
            self.scored = np.zeros(self.n, dtype=np.int64)

    def add(self, S: np.ndarray, order: np.ndarray, start: np.ndarray, nan: np.ndarray | None,
            scores: bool = True) -> None:
        """Add replications: scores ``S`` (R, n) and their :func:`rank_order`."""
        nb = self.counts.shape[1]
        b = start if self.width == 1 else start // self.width
        idx = order * nb + b
        if nan is not None:
            keep = ~nan
            idx, o, st = idx[keep], order[keep], start[keep]
        else:
            idx, o, st = idx.ravel(), order.ravel(), start.ravel()
        _add_counts(self.counts.reshape(-1), idx)
        if self.width > 1:
            self.rank_sum += np.bincount(o, weights=st + 1.0, minlength=self.n)
            self.ranked += np.bincount(o, minlength=self.n)
        if scores:
            fin = ~np.isnan(S)
            self.score_sum += np.where(fin, S, 0.0).sum(axis=0)
            self.scored += fin.sum(axis=0)
        self.reps += S.shape[0]

    def merge(self, other: RankSummary) -> RankSummary:
        """The summary of both sets of replications (a new object)."""
        return RankSummary(self.n, self.width, self.counts + other.counts,
                           self.rank_sum + other.rank_sum, self.ranked + other.ranked,
                           self.score_sum + other.score_sum, self.scored + other.scored,
                           self.reps + other.reps)

    def mean_rank(self) -> np.ndarray:
        """Exact mean rank per unit (NaN for a unit never ranked)."""
        if self.width == 1:
            tot = self.counts.sum(axis=1)
            s = self.counts @ np.arange(1, self.counts.shape[1] + 1, dtype=np.float64)
        else:
            tot, s = self.ranked, self.rank_sum
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(tot > 0, s / np.where(tot > 0, tot, 1), np.nan)

    def targets(self, quantiles: Sequence[float] = QUANTILES) -> np.ndarray:
        """Bins (n, 2·quantiles) holding each unit's lower and upper order statistic."""
        out = np.empty((self.n, 2 * len(quantiles)), dtype=np.int64)
        for u in _unit_blocks(self.n, self.counts.shape[1]):  # bounded temporaries
            counts = self.counts[u]
            tot = counts.sum(axis=1)
            cum = np.cumsum(counts, axis=1)
            t = 0
            for q in quantiles:
                pos = q * np.maximum(tot - 1, 0)
                for s in (np.floor(pos), np.ceil(pos)):
                    out[u, t] = np.minimum((cum <= s[:, None]).sum(axis=1), cum.shape[1] - 1)
                    t += 1
        return out


def _unit_blocks(n: int, width: int, cells: int = 1 << 22) -> list[slice]:
    """Slices of units such that a (units × width) temporary has at most ``cells`` cells."""
    step = max(1, cells // max(width, 1))
    return [slice(a, min(a + step, n)) for a in range(0, n, step)]


@dataclass
class FineCounts:
    """Exact rank counts inside chosen bins (the second pass of a binned summary)."""

    targets: np.ndarray  # (n, T) bin index per unit and target
    width: int
    counts: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0), dtype=np.int64))

    def __post_init__(self) -> None:
        if not self.counts.size:
            n, T = self.targets.shape
            self.counts = np.zeros((n, T, self.width), dtype=np.int64)

    def add(self, order: np.ndarray, start: np.ndarray, nan: np.ndarray | None) -> None:
        """Count ranks falling in each unit's target bins."""
        o, st = (order[~nan], start[~nan]) if nan is not None else (order.ravel(), start.ravel())
        b, j = st // self.width, st % self.width
        n, T = self.targets.shape
        flat = self.counts.reshape(-1)
        for t in range(T):  # the few target bins (2 per quantile)
            hit = b == self.targets[o, t]
            _add_counts(flat, (o[hit] * T + t) * self.width + j[hit])

    def merge(self, other: FineCounts) -> FineCounts:
        """Counts of both sets of replications (a new object)."""
        return FineCounts(self.targets, self.width, self.counts + other.counts)


def rank_statistics(counts: np.ndarray, units: pd.Index,
                    quantiles: Sequence[float] = QUANTILES) -> pd.DataFrame:
    """Mean and quantiles of ranks from per-unit rank histograms (exact).

    ``counts[u, r-1]`` = replications in which unit ``u`` has rank ``r``. Quantiles use linear
    interpolation between order statistics (``numpy.percentile``'s default), so they equal
    ``np.percentile(ranks, 100 q)`` on the full sample.
    """
    K = counts.shape[1]
    tot = counts.sum(axis=1)
    r = np.arange(1, K + 1, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(tot > 0, counts @ r / np.where(tot > 0, tot, 1), np.nan)
    cum = np.cumsum(counts, axis=1)
    out = {"mean_rank": mean}
    for q in quantiles:
        pos = q * (tot - 1)
        lo, hi = np.floor(pos), np.ceil(pos)
        vlo = (cum <= lo[:, None]).sum(axis=1) + 1.0
        vhi = (cum <= hi[:, None]).sum(axis=1) + 1.0
        val = vlo + (pos - lo) * (vhi - vlo)
        out[f"q{q}"] = np.where(tot > 0, val, np.nan)
    return pd.DataFrame(out, index=units)


def binned_statistics(summary: RankSummary, fine: FineCounts, units: pd.Index,
                      quantiles: Sequence[float] = QUANTILES) -> pd.DataFrame:
    """Exact mean and quantiles of ranks from a binned summary and its fine counts."""
    out = {"mean_rank": summary.mean_rank()}
    for q in quantiles:
        out[f"q{q}"] = np.empty(summary.n)
    for u in _unit_blocks(summary.n, summary.counts.shape[1]):  # bounded temporaries
        counts = summary.counts[u]
        tot = counts.sum(axis=1)
        cum = np.cumsum(counts, axis=1)
        rows = np.arange(len(tot))
        fcum = np.cumsum(fine.counts[u], axis=2)  # (units, T, b)
        for qi, q in enumerate(quantiles):
            pos = q * np.maximum(tot - 1, 0)
            v = []
            for h, s in enumerate((np.floor(pos), np.ceil(pos))):
                bins = fine.targets[u, 2 * qi + h]
                before = np.where(bins > 0, cum[rows, np.maximum(bins - 1, 0)], 0)
                j = (before[:, None] + fcum[:, 2 * qi + h, :] <= s[:, None]).sum(axis=1)
                v.append(bins * fine.width + j + 1.0)
            lo = np.floor(pos)
            out[f"q{q}"][u] = np.where(tot > 0, v[0] + (pos - lo) * (v[1] - v[0]), np.nan)
    return pd.DataFrame(out, index=units)


@dataclass
class TierCounts:
    """Per unit and tier: replications in that tier (from per-chunk tier probabilities)."""

    counts: dict[str, np.ndarray] = field(default_factory=dict)
    reps: int = 0

    def add(self, probs: pd.DataFrame, R: int) -> None:
        """Add one chunk's :func:`aiindex.tiers.tier_probabilities` of ``R`` replications."""
        for c in probs.columns:
            if c.startswith("p_tier_") or c == "p_missing":
                k = np.rint(probs[c].to_numpy(dtype=np.float64) * R).astype(np.int64)
                self.counts[c] = self.counts.get(c, 0) + k
        self.reps += R

    def merge(self, other: TierCounts) -> TierCounts:
        """Counts of both (a new object)."""
        out = TierCounts(dict(self.counts), self.reps + other.reps)
        for c, v in other.counts.items():
            out.counts[c] = out.counts.get(c, 0) + v
        return out


@dataclass
class UncertaintyResult:
    """Outputs of an uncertainty analysis.

    Attributes
    ----------
    design : DataFrame or None
        One row per replication, one column per factor (per node for weight factors);
        ``None`` when not kept in memory (``keep_design=False``, or streamed to ``out``).
    scores, ranks : DataFrame or None
        Replications × units, root node (``None`` when scores are not kept: ``keep_scores=False``,
        or ``keep_scores=None`` and more than :data:`MAX_KEPT_CELLS` cells, or streamed to
        ``out``).
    rank_stats : DataFrame
        Per unit: ``nominal_rank``, ``nominal_score``, ``mean_rank``, ``median_rank``,
        ``p5_rank``, ``p95_rank``, ``interval_width`` (p95 − p5), ``mean_score`` (NaN when a
        ``choice`` factor varies the normaliser: scores of different normalisers are on
        different scales; the reason is in ``info["mean_score_note"]``).
    tier_probabilities : DataFrame or None
        :func:`aiindex.tiers.tier_probabilities` of the root scores when tiers are configured,
        plus ``nominal_basis``: ``"final"``, or ``"base"`` when the tiers section has ``rules``
        (rules are not re-applied per replication, so ``nominal_tier``, ``p_nominal`` and
        ``flag`` compare with the base tiers before the rules; ``info["tier_note"]``).
    node_scores : dict[str, DataFrame] or None
        Replications × units per aggregate node (``nodes="all"``).
    factors : list[Factor]
    nominal : Result
        The plain run of the config.
    seed : int or None
    info : dict
        ``n``, ``chunk_size``, ``backend``, ``keep_scores``, ``keep_design`` (resolved),
        ``plans``, ``data_variants``, ``entropy`` (the seed of the design blocks), ``files``
        (when written to ``out``), ``memory_estimate`` and the notes above.
    """

    design: pd.DataFrame | None
    scores: pd.DataFrame | None
    ranks: pd.DataFrame | None
    rank_stats: pd.DataFrame
    tier_probabilities: pd.DataFrame | None
    factors: list[Factor]
    nominal: Any
    seed: int | None = None
    node_scores: dict[str, pd.DataFrame] | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of replications."""
        if "n" in self.info:
            return int(self.info["n"])
        return len(self.design) if self.design is not None else 0

    def summary(self, top: int | None = 20) -> pd.DataFrame:
        """Rank statistics sorted by nominal rank."""
        t = self.rank_stats.sort_values(["nominal_rank", "median_rank"])
        return t if top is None else t.head(top)

    def to_csv(self, directory: str | Path, *, command: str = "") -> list[Path]:
        """Write design.csv, rank_stats.csv, scores.csv, ranks.csv, tier_probabilities.csv.

        Tables that are not held in memory (``None``) are skipped. The files appear together,
        with ``manifest.json`` last (:class:`aiindex._io.OutputDir`).
        """
        items = {"design": self.design, "rank_stats": self.rank_stats, "scores": self.scores,
                 "ranks": self.ranks, "tier_probabilities": self.tier_probabilities}
        cfg = getattr(self.nominal, "config", None)
        with OutputDir(directory, command=command or "UncertaintyResult.to_csv", config=cfg,
                       extra={"seed": self.seed, "replications": self.n}) as out:
            for k, v in items.items():
                if v is not None:
                    out.write_csv(f"{k}.csv", v, float_format="%.17g")
        return out.paths

    def _summary_line(self) -> str:
        name = getattr(getattr(self.nominal, "config", None), "name", "")
        return (f"{name + ': ' if name else ''}{self.n} replications, "
                f"{len(self.rank_stats)} units, factors {[f.name for f in self.factors]}")

    def _shown(self) -> pd.DataFrame:
        """The rank statistics without a column that has no value (``mean_score`` when the
        normaliser varies)."""
        t = self.summary(top=None)
        return t.drop(columns=[c for c in t.columns if t[c].isna().all()])

    def __repr__(self) -> str:
        """A summary line and the rank statistics (first and last units)."""
        from ..._repr import text_table

        note = self.info.get("mean_score_note")
        return (f"UncertaintyResult({self._summary_line()})\n"
                + text_table(self._shown(), decimals=1, what="units (.rank_stats has them all)")
                + (f"\nnote: {note}" if note else ""))

    def _repr_html_(self) -> str:
        """The rank statistics in a notebook (every unit reachable; text escaped)."""
        from ..._repr import html_card, html_table

        notes = [self.info[k] for k in ("mean_score_note", "tier_note") if k in self.info]
        return html_card(self._summary_line(), [f"note: {n}" for n in notes],
                         html_table(self._shown(), decimals=1, what="units"))


def tier_table(tc: TierCounts, nominal: pd.Series, basis: str,
               units: pd.Index) -> pd.DataFrame:
    """Tier probabilities from accumulated counts (the columns of ``tier_probabilities``)."""
    pcols = sorted((c for c in tc.counts if c.startswith("p_tier_")),
                   key=lambda c: int(c.rsplit("_", 1)[1]))
    extra = ["p_missing"] if "p_missing" in tc.counts else []
    out = pd.DataFrame({c: tc.counts[c] / tc.reps for c in pcols + extra}, index=units)
    out.index.name = "unit"
    arr = out[pcols].to_numpy()
    has = arr.sum(axis=1) > 0
    out["modal_tier"] = pd.array(np.where(has, arr.argmax(axis=1) + 1, 0), dtype="Int64")
    out.loc[~has, "modal_tier"] = pd.NA
    nom = nominal.reindex(units).astype("Int64")
    out["nominal_tier"] = nom.to_numpy()
    nv = nom.fillna(0).to_numpy(dtype=np.int64)
    K = arr.shape[1]
    inside = (nv > 0) & (nv <= K)
    col = np.clip(nv - 1, 0, max(K - 1, 0))[:, None]
    got = np.take_along_axis(arr, col, axis=1)[:, 0] if K else np.zeros(len(nv))
    out["p_nominal"] = np.where(inside, got, np.where(nv > 0, 0.0, np.nan))
    out["flag"] = (nv > 0) & has & (out["modal_tier"].fillna(0).to_numpy() != nv)
    out["nominal_basis"] = basis
    return out


def merge_all(items: Sequence[Any]) -> Any:
    """Pairwise tree reduction of summaries (``a.merge(b)``)."""
    items = list(items)
    while len(items) > 1:
        items = [items[i].merge(items[i + 1]) if i + 1 < len(items) else items[i]
                 for i in range(0, len(items), 2)]
    return items[0]


def score_note(factors: Sequence[Factor]) -> str | None:
    """Why the mean score is NaN (a factor varies the normaliser), or ``None``."""
    norm_f = [f.name for f in factors if f.type == "choice" and f.stage == "normalize"]
    if not norm_f:
        return None
    return (f"mean_score is NaN: factor(s) {norm_f} vary the normaliser, so replications' "
            "scores are on different scales")


def stats_frame(st: pd.DataFrame, nominal: Any, root: str, units: pd.Index,
                summary: RankSummary, note: str | None) -> pd.DataFrame:
    """The ``rank_stats`` table from rank statistics and the nominal run."""
    stats = pd.DataFrame({
        "nominal_rank": nominal.ranks[root].reindex(units).astype("Float64"),
        "nominal_score": nominal.scores[root].reindex(units),
        "mean_rank": st["mean_rank"],
        "median_rank": st["q0.5"],
        "p5_rank": st["q0.05"],
        "p95_rank": st["q0.95"],
    }, index=units)
    stats["interval_width"] = stats["p95_rank"] - stats["p5_rank"]
    if note is not None:
        stats["mean_score"] = np.nan
    else:
        cnt = summary.scored
        with np.errstate(invalid="ignore", divide="ignore"):
            stats["mean_score"] = np.where(cnt > 0, summary.score_sum / np.maximum(cnt, 1),
                                           np.nan)
    return stats

