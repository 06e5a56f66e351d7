"""Unit profiles and the tier section of the HTML report.

:func:`profile_table` computes, for every unit at once, what its profile shows: rank and rank
interval, tier and tier probability, the three strongest and weakest metrics (by rank among
all units, as :func:`aiindex.analysis.audit.unit_profile`), data availability and the share of
the score resting on imputed cells (:func:`aiindex.analysis.provenance.imputed_share`).
:func:`profiles_section` and :func:`tiers_section` write them as HTML (every text escaped).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import AIIndexError
from ..ranks import rank
from ._html import MISSING, Col, cell_text, esc, html_table, tier_chip

if TYPE_CHECKING:  # pragma: no cover
    from ..pipeline import Result

__all__ = ["ProfileData", "profile_table", "profile_dimensions", "profiles_section",
           "tiers_section", "n_tiers"]


def n_tiers(result: Result) -> int:
    """Number of tiers of ``result`` (the highest tier; 0 without tiers)."""
    t = result.tiers
    if t is None or not pd.Series(t).notna().any():
        return 0
    return int(pd.Series(t).dropna().max())


def profile_dimensions(result: Result) -> list[str]:
    """Aggregates a profile compares: the root's children, plus the level below them when the
    root has fewer than three children (ASEM: 2 sub-indices and their 8 pillars)."""
    fw = result.framework
    dims = list(fw.dimensions)
    if len(dims) < 3 and fw.depth > 3:
        dims = [c for d in dims for c in [d, *fw.children(d)]]
    return [c for c in dims if c in result.stages["aggregated"].columns]


@dataclass
class ProfileData:
    """Everything the profiles show, one row per unit (index = unit codes, in rank order).

    Attributes
    ----------
    units
        ``name, rank, score, tier, p_tier, rank_low, rank_high, n_metrics, n_available,
        imputed_cells, imputed_share`` (``p_tier``, ``rank_low``/``rank_high``: NaN without
        an uncertainty analysis; ``imputed_*``: NaN when the share cannot be computed).
    dims
        Codes of the aggregates compared (:func:`profile_dimensions`).
    scores, ranks
        Units × ``dims``.
    average, median
        Per dimension, over all units.
    strongest, weakest
        Units × 3 metric codes (``None`` where a unit has fewer ranked metrics), as
        :func:`aiindex.analysis.audit.unit_profile`: by rank among all units, ties broken by
        framework order (the weakest in reverse).
    metric_scores, metric_ranks, n_ranked
        Normalised scores and ranks of every metric (units × metrics) and the number of units
        ranked on each metric.
    """

    units: pd.DataFrame
    dims: list[str]
    scores: pd.DataFrame
    ranks: pd.DataFrame
    average: pd.Series
    median: pd.Series
    strongest: pd.DataFrame
    weakest: pd.DataFrame
    metric_scores: pd.DataFrame
    metric_ranks: pd.DataFrame
    n_ranked: pd.Series


def _extremes(R: pd.DataFrame, n: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Codes of the ``n`` best and ``n`` worst ranked columns of each row (vectorised)."""
    r = R.to_numpy(dtype=float)
    m = r.shape[1]
    key = np.where(np.isnan(r), np.inf, r * (m + 1) + np.arange(m))
    idx = np.argsort(key, axis=1, kind="stable")
    cnt = np.isfinite(key).sum(axis=1)
    codes = np.array(list(R.columns) + [None], dtype=object)
    pos = np.arange(n)
    best = np.where(pos[None, :] < cnt[:, None], idx[:, :n] if m >= n else
                    np.pad(idx, ((0, 0), (0, n - m))), m)
    wpos = np.clip(cnt[:, None] - 1 - pos[None, :], 0, max(m - 1, 0))
    worst = np.where(pos[None, :] < cnt[:, None], np.take_along_axis(idx, wpos, axis=1), m)
    cols = [f"{i + 1}" for i in range(n)]
    return (pd.DataFrame(codes[best], index=R.index, columns=cols),
            pd.DataFrame(codes[worst], index=R.index, columns=cols))


#: ``imputed=`` default of :func:`profile_table`: compute the imputed shares
COMPUTE: Any = object()


def imputed_shares(result: Result) -> tuple[pd.DataFrame | None, str | None]:
    """:func:`aiindex.analysis.provenance.imputed_share` of ``result``, or ``(None, why)`` when
    it does not apply (e.g. geometric aggregation: the decomposition does not hold)."""
    from ..analysis.provenance import imputed_share

    try:
        return imputed_share(result), None
    except AIIndexError as exc:
        return None, str(exc)


def profile_table(result: Result, uncertainty: Any = None, *,
                  imputed: Any = COMPUTE) -> ProfileData:
    """The profile of every unit of ``result`` (see :class:`ProfileData`).

    Parameters
    ----------
    result
        A pipeline result.
    uncertainty
        An uncertainty result (``rank_stats`` with ``p5_rank``/``p95_rank``, and optionally
        ``tier_probabilities``) or a DataFrame with ``p5``/``p95`` columns, for the rank
        interval and the tier probability; ``None``: none shown.
    imputed
        The imputed shares already computed (:func:`imputed_shares`; ``None``: not available);
        by default computed here.
    """
    fw = result.framework
    root = fw.root
    S = result.stages["aggregated"]
    order = result.ranks[root].astype("float64").sort_values(kind="stable").index
    dims = profile_dimensions(result)
    metrics = [m for m in fw.metrics if m in S.columns and S[m].notna().any()]
    R = rank(S.loc[:, metrics])
    strongest, weakest = _extremes(R)
    raw = result.stages["raw"].reindex(index=S.index, columns=metrics)
    names = result.names.reindex(S.index) if result.names is not None else \
        pd.Series(S.index, index=S.index)
    units = pd.DataFrame({
        "name": names.astype(object).where(names.notna(), pd.Series(S.index, index=S.index)),
        "rank": result.ranks[root].reindex(S.index), "score": S[root],
        "n_metrics": len(metrics), "n_available": raw.notna().sum(axis=1)}, index=S.index)
    units["tier"] = (result.tiers.reindex(S.index) if result.tiers is not None
                     else pd.Series(pd.NA, index=S.index, dtype="Int64"))
    units = units.join(_interval(uncertainty, S.index))
    imp = imputed_shares(result)[0] if imputed is COMPUTE else imputed
    units["imputed_cells"] = (imp["imputed_cells"].reindex(S.index) if imp is not None
                              else np.nan)
    units["imputed_share"] = (imp["imputed_score"].reindex(S.index) if imp is not None
                              else np.nan)
    D = S.loc[:, dims]
    return ProfileData(units.loc[order], dims, D.loc[order], rank(D).loc[order], D.mean(),
                       D.median(), strongest.loc[order], weakest.loc[order],
                       S.loc[order, metrics], R.loc[order], S[metrics].notna().sum())


def _interval(unc: Any, units: pd.Index) -> pd.DataFrame:
    """``rank_low``, ``rank_high`` (5th and 95th percentile ranks) and ``p_tier`` (probability
    of the unit's nominal tier) from an uncertainty result, NaN without one."""
    out = pd.DataFrame({"rank_low": np.nan, "rank_high": np.nan, "p_tier": np.nan},
                       index=units)
    if unc is None:
        return out
    st = unc if isinstance(unc, pd.DataFrame) else getattr(unc, "rank_stats", None)
    if isinstance(st, pd.DataFrame):
        for a, b in (("rank_low", ("p5_rank", "p5")), ("rank_high", ("p95_rank", "p95"))):
            col = next((c for c in b if c in st.columns), None)
            if col is not None:
                out[a] = pd.to_numeric(st[col], errors="coerce").reindex(units)
    tp = getattr(unc, "tier_probabilities", None)
    if isinstance(tp, pd.DataFrame) and "p_nominal" in tp.columns:
        out["p_tier"] = pd.to_numeric(tp["p_nominal"], errors="coerce").reindex(units)
    return out


# ----------------------------------------------------------------------------------- HTML
def _bar(v: float, avg: float, med: float) -> str:
    """A small CSS bar: the score (blue), the average (orange tick) and the median (black)."""
    def pct(x: float) -> str:
        return f"{min(max(float(x), 0.0), 100.0):.1f}%"

    if not np.isfinite(v):
        return ""
    return (f'<span class="bar" aria-hidden="true"><b style="width:{pct(v)}"></b>'
            f'<i style="left:{pct(avg)}"></i><u style="left:{pct(med)}"></u></span>')


def _metric_list(p: ProfileData, codes: pd.Series, fw: Any, label: str) -> str:
    """A small table of three metrics: name (code as tooltip), score and rank of n."""
    u = codes.name
    rows = []
    for c in codes:
        if c is None:
            continue
        rows.append(f'<tr><td class="l" title="{esc(c)}">{esc(fw.nodes[c].name or c)}</td>'
                    f"<td>{cell_text(p.metric_scores.at[u, c])}</td>"
                    f"<td>{cell_text(p.metric_ranks.at[u, c], integer=True)}/"
                    f"{int(p.n_ranked[c])}</td></tr>")
    body = "".join(rows) or f"<tr><td class='l'>{MISSING}</td><td></td><td></td></tr>"
    return (f"<table class='metrics'><thead><tr><th class='l' scope='col'>{esc(label)}</th>"
            "<th scope='col'>Score</th><th scope='col'>Rank</th></tr></thead>"
            f"<tbody>{body}</tbody></table>")


def _facts(row: pd.Series, n_units: int, k: int, bounded: bool) -> str:
    """The key facts line of a profile."""
    parts = [f"Rank <b>{cell_text(row['rank'], integer=True)}</b> of {n_units}"]
    if np.isfinite(row["rank_low"]) and np.isfinite(row["rank_high"]):
        parts[0] += (f" (90% rank interval {cell_text(row['rank_low'], integer=True)}–"
                     f"{cell_text(row['rank_high'], integer=True)})")
    parts.append(f"score {cell_text(row['score'])}" + (" of 100" if bounded else ""))
    if k:
        t = f"tier {tier_chip(row['tier'], k)}"
        if np.isfinite(row["p_tier"]):
            t += f" (probability {cell_text(row['p_tier'], percent=True, decimals=0)}%)"
        parts.append(t)
    av = f"data for {int(row['n_available'])} of {int(row['n_metrics'])} metrics"
    if np.isfinite(row["imputed_share"]):
        av += (f", {int(row['imputed_cells'])} imputed; "
               f"{cell_text(row['imputed_share'], percent=True, decimals=1)}% of the score "
               "rests on imputed values")
    parts.append(av)
    return '<p class="facts">' + " · ".join(parts) + "</p>"


def _one_profile(p: ProfileData, u: str, fw: Any, k: int, bounded: bool) -> str:
    row = p.units.loc[u]
    dims = pd.DataFrame({"dim": p.dims, "score": p.scores.loc[u].to_numpy(),
                         "rank": p.ranks.loc[u].to_numpy(), "avg": p.average.to_numpy(),
                         "med": p.median.to_numpy()})
    dims["diff"] = dims["score"] - dims["avg"]
    bars = [_bar(s, a, m) for s, a, m in zip(dims["score"], dims["avg"], dims["med"],
                                             strict=True)]
    indent = {c: fw.nodes[c].level < fw.depth - 1 for c in p.dims}
    names = [("\u2003" if indent[c] else "") + str(fw.nodes[c].name or c) for c in p.dims]
    dims["name"] = names
    cols = [Col("name", "Dimension", kind="text"), Col("score", "Score"),
            Col("rank", "Rank", kind="int"), Col("avg", "Average"), Col("med", "Median"),
            Col("diff", "± average", kind="signed", decimals=1), Col("bar", "", kind="text")]
    table = html_table(dims.assign(bar=""), cols, scroll=False,
                       titles={"name": list(dims["dim"])}, raw={"bar": bars})
    return (f'<section class="profile" id="unit-{esc(u)}"><h3 title="{esc(u)}">'
            f"{cell_text(row['rank'], integer=True)}. {esc(row['name'])}</h3>"
            + _facts(row, len(p.units), k, bounded) + table
            + "<div class='sw'>"
            + _metric_list(p, p.strongest.loc[u].rename(u), fw, "Strongest metrics")
            + _metric_list(p, p.weakest.loc[u].rename(u), fw, "Weakest metrics")
            + "</div></section>")


def profiles_section(result: Result, uncertainty: Any = None, *, bounded: bool = True,
                     imputed: Any = COMPUTE) -> str:
    """The "Unit profiles" section: one card per unit, in rank order (``imputed``: as in
    :func:`profile_table`)."""
    p = profile_table(result, uncertainty, imputed=imputed)
    fw = result.framework
    k = n_tiers(result)
    intro = ("<h2 id='profiles'>Unit profiles</h2><p>One profile per unit, in rank order. "
             "Dimension scores are compared with the average and the median of all units (bar: "
             "the unit's score in blue, the average as an orange tick, the median as a black "
             "tick). Strongest and weakest metrics are the unit's best and worst ranks among "
             "all units (normalised scores, 0–100).")
    if p.units["rank_low"].notna().any():
        intro += (" The rank interval spans the 5th to the 95th percentile rank of the "
                  "uncertainty analysis.")
    intro += "</p>"
    cards = [_one_profile(p, u, fw, k, bounded) for u in p.units.index]
    return intro + "<div class='profiles'>" + "".join(cards) + "</div>"


# ------------------------------------------------------------------------------ tiers section
def _rule_text(rule: Any) -> str:
    """A tier rule of the config in words."""
    if not isinstance(rule, dict):
        return esc(rule)
    t = str(rule.get("type", ""))
    if t == "dimension_ranks":
        return (f"a unit in the top {esc(rule.get('top'))} on at least "
                f"{esc(rule.get('min_count'))} first-level dimensions is at least in tier "
                f"{esc(rule.get('tier'))}")
    if t == "min_gap":
        return (f"no tier boundary inside a score gap smaller than {esc(rule.get('gap'))} "
                f"points (the unit moves {esc(rule.get('direction', 'up'))})")
    if t == "contiguous":
        return "tiers are contiguous in score order (no unit above a better-tiered one)"
    if t == "max_tier":
        return f"no unit below tier {esc(rule.get('tier'))}"
    return cell_text({k: v for k, v in rule.items() if k != "type"}) + f" ({esc(t)})"


def _method_text(tr: Any, cfg_tiers: dict[str, Any]) -> str:
    base = (tr.params or {}).get("base_method") or tr.method
    k = (tr.params or {}).get("base_params", {}).get("k") or cfg_tiers.get("k")
    words = {"jenks": "Fisher-Jenks natural breaks", "thresholds": "fixed score bands",
             "quantiles": "quantiles", "sizes": "fixed tier sizes", "ward": "Ward clustering"}
    text = f"Method: {esc(words.get(str(base), str(base)))}"
    if k:
        text += f", {esc(k)} tiers"
    if cfg_tiers.get("breaks"):
        text += " (bands: " + ", ".join(esc(b) for b in cfg_tiers["breaks"]) + ")"
    node = cfg_tiers.get("node")
    return text + (f", on {esc(node)}" if node else ", on the index score") + "."


def tiers_section(result: Result, uncertainty: Any = None) -> str:
    """The "Tiers" section: method and bands, rules in words, the units each rule moved, and
    tier probabilities when an uncertainty analysis is given."""
    from .charts import tier_thresholds

    k = n_tiers(result)
    tr = (result.info or {}).get("tiers")
    cfg = dict(result.config.tiers or {})
    parts = ["<h2 id='tiers'>Tiers</h2>"]
    legend = " ".join(f"{tier_chip(t, k)}tier {t}" for t in range(1, k + 1))
    parts.append(f"<p>{_method_text(tr, cfg)} Colours run from tier 1 (darkest) to tier {k} "
                 f"(lightest): <span class='legend'>{legend}</span>.</p>")
    rec = tr.record.copy() if tr is not None and isinstance(tr.record, pd.DataFrame) else None
    thr = tier_thresholds(result)
    if rec is not None:
        rec["threshold"] = pd.Series(thr, index=range(1, len(thr) + 1)).reindex(rec.index)
        rec = rec.reset_index()
        cols = [Col("tier", "Tier", kind="int"), Col("n", "Units", kind="int"),
                Col("min", "Lowest score"), Col("max", "Highest score"), Col("mean", "Mean score"),
                Col("threshold", "Threshold to the next tier (≥)")]
        parts.append(html_table(rec, cols, tid="tiers-table", scroll=False,
                                raw={"tier": [tier_chip(t, k) for t in rec["tier"]]}))
    rules = cfg.get("rules") or []
    if rules:
        parts.append("<h3>Rules</h3><p>After the method, these rules are applied in order:</p>"
                     "<ol>" + "".join(f"<li>{_rule_text(r)}</li>" for r in rules) + "</ol>")
        parts.append(_moves(result, tr, k))
    parts.append(_tier_probabilities(result, uncertainty, k))
    return "".join(parts)


def _moves(result: Result, tr: Any, k: int) -> str:
    mv = getattr(tr, "moves", None)
    if not isinstance(mv, pd.DataFrame) or mv.empty:
        return "<p id='tier-moves'>No unit was moved by a rule: the tiers equal the method's.</p>"
    names = result.names if result.names is not None else pd.Series(dtype=object)
    t = mv.copy()
    t["name"] = [names.get(u, u) for u in t["unit"]]
    cols = [Col("name", "Unit", kind="text"), Col("rule", "Rule", kind="text"),
            Col("score", "Score"), Col("from_tier", "From tier", kind="int"),
            Col("to_tier", "To tier", kind="int"), Col("detail", "Why", kind="text")]
    cols = [c for c in cols if c.key in t.columns]
    return (f"<h3>Units moved by a rule ({len(t)})</h3>"
            + html_table(t.reset_index(drop=True), cols, tid="tier-moves", scroll=False,
                         titles={"name": list(t["unit"])}))


def _tier_probabilities(result: Result, unc: Any, k: int) -> str:
    tp = getattr(unc, "tier_probabilities", None)
    if not isinstance(tp, pd.DataFrame) or tp.empty:
        return ""
    names = result.names if result.names is not None else pd.Series(dtype=object)
    order = result.ranks[result.framework.root].astype("float64").sort_values(kind="stable")
    t = tp.reindex(order.index)
    pcols = [c for c in t.columns if str(c).startswith("p_tier_")]
    show = t[pcols + [c for c in ("modal_tier", "nominal_tier", "p_nominal", "flag")
                      if c in t.columns]].copy()
    show.insert(0, "name", [names.get(u, u) for u in show.index])
    cols = [Col("name", "Unit", kind="text")]
    cols += [Col(c, f"P(tier {c.rsplit('_', 1)[1]}) %", kind="pct", decimals=1) for c in pcols]
    extra = {"modal_tier": "Most likely tier", "nominal_tier": "Tier (method)",
             "p_nominal": "P(tier of the method) %", "flag": "Most likely ≠ method's"}
    cols += [Col(c, extra[c], kind="pct" if c == "p_nominal" else "int" if "tier" in c else
                 "text", decimals=1) for c in extra if c in show.columns]
    note = ""
    if "nominal_basis" in t.columns and (t["nominal_basis"].astype(str) == "base").any():
        note = (" The rules are not re-applied in each replication, so the probabilities "
                "refer to the tiers of the method before the rules.")
    return ("<h3>Tier probabilities</h3><p>Share of the uncertainty replications in which "
            f"each unit falls in each tier.{note}</p>"
            + html_table(show.reset_index(drop=True), cols, tid="tier-probabilities",
                         titles={"name": list(show.index)}))
