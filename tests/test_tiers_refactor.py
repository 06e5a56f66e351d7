"""Characterisation tests for the split of the three long functions of ``aiindex.tiers`` (issue 12).

``refine_tiers``, ``tiers_profile`` and ``tier_probabilities`` were split into named steps with no
change of behaviour. This module keeps a verbatim copy of each function as it was before the
split (commit d3c8efe), under the names ``_refine_tiers_ref``, ``_tiers_profile_ref`` and
``_tier_probabilities_ref`` (their private helpers ``_rule_int`` and ``_check_inf`` are copied
verbatim too, under their own names), and checks on generated and hand-picked inputs that the
current functions give identical results: tiers, breaks, method, params, record and every column
of the record of moves, or an error of the same type with the same message. They must also leave
their inputs untouched.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiindex.errors import DataError, MethodError
from aiindex.tiers import refine_tiers, tier_probabilities, tiers_profile
from aiindex.tiers.methods import (
    _MOVE_COLUMNS,
    TIERERS,
    TierResult,
    _as_matrix,
    _batch_for,
    _check_k,
    _label_order,
    _record,
    _scores_series,
    _tier_series,
)

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
NAN = float("nan")
OMIT = object()  # a key or argument left out


# --------------------------------------------------------------------------------------------
# comparing outcomes
# --------------------------------------------------------------------------------------------
def _outcome(f: Callable[..., Any], args: tuple[Any, ...], kw: dict[str, Any]) -> tuple[Any, ...]:
    """Call ``f`` on deep copies; ("ok", result) or ("err", type, message); inputs untouched."""
    a, k = copy.deepcopy(args), copy.deepcopy(kw)
    try:
        res: tuple[Any, ...] = ("ok", f(*a, **k))
    except Exception as exc:
        res = ("err", type(exc), str(exc))
    _assert_same_value((a, k), (args, kw))
    return res


def _assert_same_value(got: Any, exp: Any) -> None:
    """Equality that understands pandas objects, arrays and NaN, for inputs and parameters."""
    assert type(got) is type(exp), (type(got), type(exp))
    if isinstance(exp, pd.DataFrame):
        pd.testing.assert_frame_equal(got, exp, check_exact=True)
    elif isinstance(exp, pd.Series):
        pd.testing.assert_series_equal(got, exp, check_exact=True)
    elif isinstance(exp, np.ndarray):
        np.testing.assert_array_equal(got, exp)
        assert got.dtype == exp.dtype
    elif isinstance(exp, (list, tuple)):
        assert len(got) == len(exp)
        for g, e in zip(got, exp, strict=True):
            _assert_same_value(g, e)
    elif isinstance(exp, dict):
        assert list(got) == list(exp)
        for key in exp:
            _assert_same_value(got[key], exp[key])
    elif isinstance(exp, (float, np.floating)) and np.isnan(exp):
        assert np.isnan(got)
    else:
        assert got == exp


def _assert_same_result(got: TierResult, exp: TierResult) -> None:
    assert type(got) is TierResult
    pd.testing.assert_series_equal(got.tiers, exp.tiers, check_exact=True)
    assert type(got.breaks) is list and len(got.breaks) == len(exp.breaks)
    assert all(type(b) is float for b in got.breaks)
    np.testing.assert_array_equal(got.breaks, exp.breaks)
    assert got.method == exp.method
    _assert_same_value(got.params, exp.params)
    pd.testing.assert_frame_equal(got.record, exp.record, check_exact=True)
    pd.testing.assert_frame_equal(got.moves, exp.moves, check_exact=True)
    assert list(got.moves.columns) == _MOVE_COLUMNS


def _check_same(new: Callable[..., Any], ref: Callable[..., Any], *args: Any, **kw: Any) -> str:
    """Assert ``new`` and ``ref`` agree on these arguments; return "ok" or the error type name."""
    exp, got = _outcome(ref, args, kw), _outcome(new, args, kw)
    assert got[0] == exp[0], (got, exp)
    if exp[0] == "err":
        assert got[1:] == exp[1:]
        return exp[1].__name__
    if isinstance(exp[1], TierResult):
        _assert_same_result(got[1], exp[1])
    else:
        pd.testing.assert_frame_equal(got[1], exp[1], check_exact=True)
    return "ok"


# --------------------------------------------------------------------------------------------
# verbatim copy of the implementation before the split, commit d3c8efe
# (src/aiindex/tiers/rules.py: _rule_int, refine_tiers; profile.py: tiers_profile;
#  stability.py: tier_probabilities, _check_inf). Only the three public names are changed.
# --------------------------------------------------------------------------------------------
def _rule_int(rule: Mapping[str, Any], key: str, step: int, minimum: int = 1) -> int:
    if key not in rule:
        raise MethodError(f"refine_tiers: rule {step} ({rule.get('type')!r}) needs {key!r}")
    v = rule[key]
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum:
        raise MethodError(
            f"refine_tiers: rule {step} ({rule.get('type')!r}): {key} must be an integer >= {minimum}, got {v!r}"
        )
    return int(v)


def _refine_tiers_ref(
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


def _tiers_profile_ref(
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


def _tier_probabilities_ref(
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
    if isinstance(replicated_scores, pd.DataFrame):
        cols = replicated_scores.columns
        if units is not None:
            cols = pd.Index(units)
            missing = cols.difference(replicated_scores.columns)
            if len(missing):
                raise DataError(
                    f"tier_probabilities: no replicated scores for unit(s) {missing.tolist()}"
                )
        try:
            raw = replicated_scores[cols].to_numpy(dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise DataError(f"tiering method {name!r}: scores must be numeric ({exc})") from exc
        uidx = pd.Index(cols, name="unit")
        rows: Sequence[Any] = replicated_scores.index
    else:
        if units is None:
            raise DataError("tier_probabilities: units are required with an array of scores")
        try:
            raw = np.array(replicated_scores, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise DataError(f"tiering method {name!r}: scores must be numeric ({exc})") from exc
        raw = raw[None, :] if raw.ndim == 1 else raw
        uidx = pd.Index(list(units), name="unit")
        if raw.ndim == 2 and len(uidx) != raw.shape[1]:
            raise DataError(
                f"tier_probabilities: {len(uidx)} units given for {raw.shape[1]} score columns"
            )
        rows = range(raw.shape[0]) if raw.ndim == 2 else range(0)
    if raw.ndim == 2:
        _check_inf(raw, uidx, rows)
    X = _as_matrix(raw, name)
    if uidx.has_duplicates:
        raise DataError(
            f"tier_probabilities: duplicated unit(s) {uidx[uidx.duplicated()].tolist()}"
        )
    N = X.shape[0]
    if N == 0:
        raise DataError("tier_probabilities: no replication")
    T = _batch_for(name, X, params)  # (N, n), 0 = missing
    nom = None
    if nominal is not None:
        nom = nominal.reindex(uidx).astype("Int64")
    K = int(max(T.max(), int(nom.max()) if nom is not None and nom.notna().any() else 0, 1))
    counts = np.stack([(T == t).sum(axis=0) for t in range(K + 1)], axis=1)  # K+1 tiers, not units
    probs = counts / N
    out = pd.DataFrame(probs[:, 1:], index=uidx, columns=[f"p_tier_{t}" for t in range(1, K + 1)])
    if counts[:, 0].any():
        out["p_missing"] = probs[:, 0]
    has_any = counts[:, 1:].sum(axis=1) > 0
    modal = np.argmax(counts[:, 1:], axis=1) + 1
    out["modal_tier"] = pd.array(np.where(has_any, modal, 0), dtype="Int64")
    out.loc[~has_any, "modal_tier"] = pd.NA
    if nom is None:
        out["nominal_tier"] = pd.array([pd.NA] * len(uidx), dtype="Int64")
        out["p_nominal"] = np.nan
        out["flag"] = False
    else:
        out["nominal_tier"] = nom.to_numpy()
        nv = nom.fillna(0).to_numpy(dtype=np.int64)
        pn = np.where(nv > 0, probs[np.arange(len(uidx)), np.clip(nv, 0, K)], np.nan)
        out["p_nominal"] = pn
        out["flag"] = (nv > 0) & has_any & (modal != nv)
    return out


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


# --------------------------------------------------------------------------------------------
# end of the verbatim copy
# --------------------------------------------------------------------------------------------


def _units(n: int) -> list[str]:
    return [f"U{i:02d}" for i in range(n)]


def _value(draw: st.DrawFn, edges: Sequence[Any], valid: st.SearchStrategy[Any],
           use_edges: bool = True) -> Any:
    """Mostly a valid value, one time in twelve an edge or invalid one (OMIT = key left out)."""
    if use_edges and draw(st.sampled_from(range(12))) == 0:
        return draw(st.sampled_from(list(edges)))
    return draw(valid)


def _with(rule: dict[str, Any], key: str, value: Any) -> None:
    if value is not OMIT:
        rule[key] = value


# --------------------------------------------------------------------------------------------
# refine_tiers
# --------------------------------------------------------------------------------------------
INT_EDGES = [OMIT, 0, -1, True, False, 2.0, "2", None, np.int64(2), np.int32(1), 30, 10**6]


@st.composite
def _rule(draw: st.DrawFn, edges: bool) -> Any:
    """A rule; with ``edges``, sometimes an invalid one or one with edge parameters."""
    kind = draw(st.sampled_from(["dimension_ranks", "min_gap", "contiguous", "max_tier"] * 4
                                + (["other"] if edges else [])))
    rule: dict[str, Any] = {"type": kind}
    if kind == "dimension_ranks":
        for key, hi in (("top", 6), ("min_count", 4), ("tier", 5)):
            _with(rule, key, _value(draw, INT_EDGES, st.integers(1, hi), edges))
    elif kind == "min_gap":
        gap_edges = [OMIT, 0, 0.0, -1, -0.5, True, NAN, float("inf"), np.float64(2.5),
                     np.int64(3), "3", None]
        _with(rule, "gap", _value(draw, gap_edges, st.floats(0, 12) | st.integers(0, 8),
                                      edges))
        _with(rule, "direction", draw(st.sampled_from([OMIT, "up", "down"] * 4
                                                      + (["sideways", None] if edges else []))))
    elif kind == "max_tier":
        _with(rule, "tier", _value(draw, INT_EDGES, st.integers(1, 5), edges))
    elif kind == "other":
        return draw(st.sampled_from([{"type": "magic"}, {"gap": 3}, "min_gap", ["type"], None,
                                     {"type": None}]))
    if edges and draw(st.sampled_from(range(20))) == 0:
        rule["extra"] = 1  # unknown key: an error for dimension_ranks and min_gap only
    return rule


@st.composite
def _refine_inputs(draw: st.DrawFn, edges: bool) -> tuple[Any, Any, Any, Any]:
    """Arguments of refine_tiers; without ``edges``, all valid (the rules then move units)."""
    n = draw(st.integers(0, 30))
    labels = [_units(n)[i] for i in draw(st.permutations(range(n)))]  # rows in any order
    coarse = draw(st.booleans())  # a coarse grid gives ties and equal gaps
    el = st.integers(0, 20).map(float) if coarse else st.floats(0, 100, allow_nan=False)
    sc = draw(st.lists(st.one_of(el, el, el, st.just(NAN)), min_size=n, max_size=n))
    t = draw(st.lists(st.one_of(st.integers(1, 5), st.integers(1, 5), st.none()),
                      min_size=n, max_size=n))
    tiers: Any = pd.Series(t, index=labels, dtype="Int64")
    scores: Any = pd.Series(sc, index=labels, dtype="float64")
    if draw(st.booleans()):  # extra scored units without a tier, scores in another order
        scores = pd.concat([scores, pd.Series([50.0, NAN], index=["X1", "X0"])]).iloc[::-1]
    dims = draw(st.integers(0, 4))
    dim_ranks: Any = None
    if not edges or draw(st.sampled_from(range(5))):
        R = draw(st.lists(st.lists(st.one_of(st.integers(1, max(n, 1)).map(float),
                                             st.just(NAN)), min_size=dims, max_size=dims),
                          min_size=n, max_size=n))
        dim_ranks = pd.DataFrame(np.array(R, dtype=float).reshape(n, dims), index=labels,
                                 columns=[f"D{j}" for j in range(dims)])
        if n and draw(st.booleans()):
            dim_ranks = dim_ranks.iloc[1:]  # a unit without ranks
    bad = draw(st.sampled_from(range(30))) if edges else 0
    if n and bad == 1:
        tiers.iloc[0] = 0
    elif n and bad == 2:
        tiers.iloc[-1] = -1
    elif n and bad == 3:
        scores = scores.drop(labels[0])
    elif bad == 4:
        tiers = tiers.to_numpy()
    elif bad == 5:
        scores = scores.to_numpy()
    elif n and bad == 6:
        scores.iloc[0] = -np.inf
    elif n and bad == 7:
        scores = pd.concat([scores, scores.iloc[:1]])
    elif bad == 8:
        tiers = tiers.astype("float64")
    rules = draw(st.lists(_rule(edges), min_size=1, max_size=4))
    return tiers, scores, dim_ranks, rules


@settings(SETTINGS, max_examples=50)
@given(_refine_inputs(edges=False))
def test_refine_tiers_unchanged_generated_valid(case: tuple[Any, Any, Any, Any]) -> None:
    _check_same(refine_tiers, _refine_tiers_ref, *case)


@settings(SETTINGS, max_examples=40)
@given(_refine_inputs(edges=True))
def test_refine_tiers_unchanged_generated_edges(case: tuple[Any, Any, Any, Any]) -> None:
    _check_same(refine_tiers, _refine_tiers_ref, *case)


def _refine_case() -> tuple[pd.Series, pd.Series, pd.DataFrame]:
    idx = ["USA", "CHN", "GBR", "DEU", "KOR", "JPN", "SGP", "IND", "FRA", "CAN"]
    sc = pd.Series([75.0, 53.0, 45.0, 44.5, 40.0, 39.8, 30.0, 25.0, 25.0, np.nan], index=idx)
    t = pd.Series([1, 2, 2, 2, 3, 3, 4, 4, None, 2], index=idx, dtype="Int64")
    R = pd.DataFrame(
        {
            "D1": [1, 2, 5, 4, 3, 6, 7, 8, 9, np.nan],
            "D2": [1, 3, 4, 5, 2, 6, 8, 7, 1, 1],
            "D3": [2, 1, 3, 4, 6, 5, 8, 7, np.nan, 2],
            "D4": [1, 2, 3, 8, 5, 4, 6, 7, 9, 3],
        },
        index=idx,
    )
    return t, sc, R


DIM = {"type": "dimension_ranks", "top": 2, "min_count": 1, "tier": 1}
RULE_LISTS: list[list[Any]] = [
    [],
    [DIM],
    [{**DIM, "top": 8, "min_count": 4, "tier": 3}],
    [{**DIM, "top": 1, "min_count": 5, "tier": 1}],  # nobody qualifies
    [{**DIM, "top": np.int64(2), "min_count": np.int32(2), "tier": 2}],
    [{"type": "min_gap", "gap": 5}],
    [{"type": "min_gap", "gap": 5, "direction": "down"}],
    [{"type": "min_gap", "gap": 4.5}],  # a gap equal to g: no move
    [{"type": "min_gap", "gap": 0}],
    [{"type": "min_gap", "gap": float("inf"), "direction": "down"}],
    [{"type": "min_gap", "gap": np.float64(0.3)}],
    [{"type": "contiguous"}],
    [{"type": "max_tier", "tier": 1}],
    [{"type": "max_tier", "tier": 3}],
    [{"type": "max_tier", "tier": 9}],
    [DIM, {"type": "contiguous"}],
    [DIM, {"type": "min_gap", "gap": 5}, {"type": "contiguous"}, {"type": "max_tier", "tier": 2}],
    [{"type": "max_tier", "tier": 2}, {"type": "min_gap", "gap": 9, "direction": "down"}, DIM],
    [{"type": "contiguous"}, {"type": "contiguous", "ignored": 1}],
    [{"type": "magic"}],
    [{"gap": 5}],
    ["contiguous"],
    [{**DIM, "top": 0}],
    [{**DIM, "tier": True}],
    [{"type": "dimension_ranks", "top": 2, "tier": 1}],
    [{**DIM, "extra": 1}],
    [{"type": "min_gap"}],
    [{"type": "min_gap", "gap": -1}],
    [{"type": "min_gap", "gap": True}],
    [{"type": "min_gap", "gap": NAN}],
    [{"type": "min_gap", "gap": 2, "direction": "left"}],
    [{"type": "min_gap", "gap": 2, "extra": 1}],
    [{"type": "max_tier"}],
    [{"type": "max_tier", "tier": 0}],
    [{"type": "max_tier", "tier": 2.0}],
    [{"type": "contiguous"}, {"type": "magic"}],  # the error comes at step 2
]


@pytest.mark.parametrize("rules", RULE_LISTS)
def test_refine_tiers_unchanged_rule_lists(rules: list[Any]) -> None:
    t, sc, R = _refine_case()
    _check_same(refine_tiers, _refine_tiers_ref, t, sc, R, rules)
    # without ranks, with rows in another order and the rules given as a tuple
    _check_same(refine_tiers, _refine_tiers_ref, t.iloc[::-1], sc, None, tuple(rules))


def test_refine_tiers_unchanged_bad_inputs() -> None:
    t, sc, R = _refine_case()
    kinds = {
        _check_same(refine_tiers, _refine_tiers_ref, t.to_numpy(), sc, R, []),
        _check_same(refine_tiers, _refine_tiers_ref, t, sc.drop("USA"), R, []),
        _check_same(refine_tiers, _refine_tiers_ref, t.where(t != 4, -2), sc, R, []),
        _check_same(refine_tiers, _refine_tiers_ref, t, sc.astype(str), R, []),
        _check_same(refine_tiers, _refine_tiers_ref, t.iloc[:0], sc, R, [DIM]),
        _check_same(refine_tiers, _refine_tiers_ref, pd.Series([pd.NA] * 3, index=sc.index[:3],
                                                               dtype="Int64"), sc, R,
                    [DIM, {"type": "contiguous"}, {"type": "min_gap", "gap": 3}]),
    }
    assert kinds == {"DataError", "ok"}


# --------------------------------------------------------------------------------------------
# tiers_profile
# --------------------------------------------------------------------------------------------
@st.composite
def _profile_inputs(draw: st.DrawFn) -> tuple[tuple[Any, ...], dict[str, Any]]:
    n = draw(st.integers(0, 30))
    d = draw(st.integers(1, 4))
    labels = [_units(n)[i] for i in draw(st.permutations(range(n)))]
    coarse = draw(st.booleans())  # a coarse grid gives equal profiles and tied ranks
    el = st.integers(0, 3).map(float) if coarse else st.floats(-50, 100, allow_nan=False)
    vals = draw(st.lists(st.lists(st.one_of(el, el, el, el, el, st.just(NAN)),
                                  min_size=d, max_size=d), min_size=n, max_size=n))
    P: Any = pd.DataFrame(np.array(vals, dtype=float).reshape(n, d), index=labels,
                          columns=[f"D{j}" for j in range(d)])
    s: Any = P.mean(axis=1) if draw(st.booleans()) else pd.Series(
        draw(st.lists(el | st.just(NAN), min_size=n, max_size=n)), index=labels, dtype="float64")
    if draw(st.booleans()):
        s = s.iloc[::-1]
    bad = draw(st.sampled_from(range(30)))
    if n and bad == 1:
        P.iloc[0, 0] = np.inf
    elif n and bad == 2:
        s = s.drop(labels[0])
    elif bad == 3:
        P = P.iloc[:, :0]
    elif bad == 4:
        P = P.to_numpy()
    elif bad == 5:
        s = s.to_numpy()
    elif n and bad == 6:
        P = P.assign(D0=["a"] * n)
    elif n and bad == 7:
        s = s.where(s.index != labels[0], -np.inf)
    method = draw(st.sampled_from(["ward"] * 4 + ["kmeans"] * 5 + ["dbscan"]))
    kw: dict[str, Any] = {
        "k": _value(draw, [0, -2, True, 2.0, np.int64(3), None], st.integers(1, 6)),
        "method": method,
        "seed": draw(st.sampled_from([0, 1, 12345] + ([None] if method != "kmeans" else []))),
        "use": draw(st.sampled_from(["scores"] * 5 + ["ranks"] * 4 + ["levels"])),
        "standardize": draw(st.booleans()),
        "n_init": _value(draw, [OMIT, 0, -1, 2.0, np.int64(2), None], st.integers(1, 4)),
    }
    kw = {key: v for key, v in kw.items() if v is not OMIT}
    return (P, s), kw


@settings(SETTINGS, max_examples=40)
@given(_profile_inputs())
def test_tiers_profile_unchanged_generated(case: tuple[tuple[Any, ...], dict[str, Any]]) -> None:
    args, kw = case
    _check_same(tiers_profile, _tiers_profile_ref, *args, **kw)


def _profiles() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(3)
    centres = np.array([[80, 70, 90], [50, 60, 40], [20, 10, 30]], dtype=float)
    rows = np.repeat(centres, [3, 5, 6], axis=0) + rng.normal(0, 2, size=(14, 3))
    P = pd.DataFrame(rows, index=_units(14), columns=["D1", "D2", "D3"])
    return P, P.mean(axis=1)


@pytest.mark.parametrize(
    "kw",
    [
        {"k": 3},
        {"k": 3, "method": "kmeans", "seed": 1},
        {"k": 4, "method": "kmeans", "seed": 2, "use": "ranks", "n_init": 3},
        {"k": 2, "standardize": True, "use": "ranks"},
        {"k": 1},
        {"k": 20, "method": "kmeans"},
        {"k": 14, "method": "kmeans", "seed": 0, "n_init": 1},  # empty clusters likely
        {"k": 3, "method": "kmeans", "n_init": np.int64(2), "seed": np.int64(4)},
        {"k": 2, "method": "ward", "seed": None, "n_init": 0},  # Ward ignores n_init
        {"k": 3, "method": "kmeans", "n_init": 0},
        {"k": 3, "method": "dbscan"},
        {"k": 3, "use": "other"},
        {"k": 0},
    ],
)
def test_tiers_profile_unchanged_cases(kw: dict[str, Any]) -> None:
    P, s = _profiles()
    P2 = P.copy()
    P2.iloc[0, 1] = np.nan
    s2 = s.copy()
    s2.iloc[5] = np.nan
    for prof, sco in ((P, s), (P2, s2), (P.iloc[:2], s), (P.iloc[:1], s), (P.iloc[:0], s),
                      (pd.DataFrame(1.0, index=_units(4), columns=["a", "b"]), s)):
        _check_same(tiers_profile, _tiers_profile_ref, prof, sco, **kw)


# --------------------------------------------------------------------------------------------
# tier_probabilities
# --------------------------------------------------------------------------------------------
METHODS: list[tuple[str, Any]] = [
    ("thresholds", {"breaks": [60, 30]}),
    ("thresholds", {"breaks": [30, 60], "closed": "right"}),
    ("thresholds", {"breaks": [50], "k": 3}),
    ("jenks", {"k": 2}),
    ("jenks", {"k": 3}),
    ("natural_breaks", {"k": 4}),
    ("quantiles", {"k": 3}),
    ("largest_gaps", {"k": 2}),
    ("head_tail", {"k": 3}),
    ("head_tail", {"k": 3, "head_share": 1.5}),
    ("sizes", {"sizes": [1, 2], "ties": "upper"}),
    ("sizes", {"sizes": [2, 2]}),
    ("jenks", {"k": 0}),
    ("jenks", None),
    ("jenks", {"k": 2, "bogus": 1}),
    ("magic", {"k": 2}),
]


@st.composite
def _prob_inputs(draw: st.DrawFn) -> tuple[tuple[Any, ...], dict[str, Any]]:
    n = draw(st.integers(1, 10))
    N = draw(st.integers(0, 15))
    el = draw(st.sampled_from([st.integers(0, 20).map(lambda v: 5.0 * v),
                               st.floats(0, 100, allow_nan=False)]))
    missing = draw(st.sampled_from([0.0, 0.0, 0.1]))
    X = np.array(draw(st.lists(st.lists(el, min_size=n, max_size=n), min_size=N, max_size=N)),
                 dtype=np.float64).reshape(N, n)
    if missing:
        X[np.asarray(draw(st.lists(st.booleans(), min_size=N * n, max_size=N * n)),
                     dtype=bool).reshape(N, n) & (X < 10)] = np.nan
    labels = _units(n)
    method, params = draw(st.sampled_from(METHODS))
    kw: dict[str, Any] = {"method": method}
    if params is not None or draw(st.booleans()):
        kw["params"] = params
    if draw(st.booleans()):
        nt = draw(st.lists(st.one_of(st.integers(1, 4), st.none()), min_size=n, max_size=n))
        nom = pd.Series(nt, index=labels, dtype="Int64")
        kind = draw(st.sampled_from(range(6)))
        if kind == 1:
            nom = nom.iloc[::-1].iloc[1:]  # in another order, one unit without a nominal tier
        elif kind == 2:
            nom = pd.concat([nom, pd.Series([1], index=["ZZZ"], dtype="Int64")])
        elif kind == 3:
            nom = nom.astype("float64")
        kw["nominal"] = nom
    form = draw(st.sampled_from(range(20)))
    data: Any
    if form < 6:
        data, kw["units"] = X, labels
    elif form < 8:
        data, kw["units"] = (X[0] if N else X.reshape(-1)), labels  # one replication, 1-D
    elif form < 12:
        idx = draw(st.sampled_from([pd.RangeIndex(N), pd.Index(range(10, 10 + N), name="rep"),
                                    pd.Index([f"r{i}" for i in range(N)])]))
        data = pd.DataFrame(X, columns=labels, index=idx)
    elif form < 14:
        data = pd.DataFrame(X, columns=labels)
        kw["units"] = labels[::-1] if draw(st.booleans()) else labels[: max(1, n - 1)]
    elif form == 14:
        data = pd.DataFrame(X, columns=labels)
        kw["units"] = [*labels, "NOPE"]
    elif form == 15:
        data = X  # no units
    elif form == 16:
        data, kw["units"] = X, labels[:-1] if n > 1 else [*labels, "B"]
    elif form == 17:
        data, kw["units"] = np.hstack([X, X[:, :1]]), [*labels, labels[0]]  # duplicated unit
    elif form == 18:
        if N:
            X[-1, -1] = -np.inf
        data, kw["units"] = X, labels
    else:
        data = pd.DataFrame(X, columns=labels).astype(object)
        if N:
            data.iloc[0, 0] = "high"
        kw["units"] = draw(st.sampled_from([None, labels]))
    return (data,), kw


@SETTINGS
@given(_prob_inputs())
def test_tier_probabilities_unchanged_generated(
    case: tuple[tuple[Any, ...], dict[str, Any]],
) -> None:
    args, kw = case
    _check_same(tier_probabilities, _tier_probabilities_ref, *args, **kw)


@pytest.mark.parametrize("method,params", METHODS)
def test_tier_probabilities_unchanged_cases(method: str, params: Any) -> None:
    rng = np.random.default_rng(8)
    X = rng.normal(50, 20, size=(40, 4)).round(0)
    nominal = pd.Series([1, 2, None, 3], index=_units(4), dtype="Int64")
    Xm = X.copy()
    Xm[[2, 5], 1] = np.nan
    Xm[7, :] = np.nan
    for data, kw in (
        (X, {"units": _units(4)}),
        (Xm, {"units": _units(4), "nominal": nominal}),
        (pd.DataFrame(X, columns=_units(4)), {"nominal": nominal.iloc[:2]}),
        (pd.DataFrame(X, columns=_units(4)), {"units": ["U03", "U01"]}),
        (np.full((3, 4), np.nan), {"units": _units(4), "nominal": nominal}),
        (np.empty((0, 4)), {"units": _units(4)}),
        (np.zeros((2, 2, 2)), {"units": _units(2)}),
        ([[1.0, 2.0], [3.0, 4.0]], {"units": ["A", "B"]}),
        (X[:, :2], {"units": ["A", "A"]}),
    ):
        _check_same(tier_probabilities, _tier_probabilities_ref, data, method=method,
                    params=params, **kw)
