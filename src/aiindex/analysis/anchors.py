"""Anchor scorecard: an index scored against every published fact (``aiindex anchors``).

A *published-facts file* (YAML; the bundled one is ``configs/gaiii_published.yaml``) has
``sources`` (key → citation), ``editions`` (edition → what it is) and ``facts``, a list of
mappings with ``id``, ``edition``, ``kind``, ``source`` (a key of ``sources``) and the keys of
the kind. :func:`anchors` runs a config over its editions (a panel run with the config's
normalisation, per-year ranks and tiers) and checks every fact. Kinds, the statistic compared
and the tolerance (stated before any index is scored; ``docs/gaiii.md``, rule 10):

================  =========================================  ====================================
kind              keys                                       passes when
================  =========================================  ====================================
``rank``          ``unit``, ``rank``                         the unit's rank is exactly ``rank``
``tier_sizes``    ``sizes`` (tier 1 first)                   the sizes are equal (distance:
                                                             countries that would have to move)
``tier_members``  ``tier``, ``units``, ``complete``          every named unit is in ``tier``
                                                             (``complete``: and no other unit)
``tier_leader``   ``tier``, ``unit``                         the unit is the best-scored of tier
``gap_shape``     ``top``, ``mid``, ``low``, ``interval``    (mid − low) / (top − low) lies in
                                                             ``interval`` (scale-free: any a·x+b
                                                             leaves it unchanged)
``gap_change``    ``a``, ``b``, ``editions``, ``values``     the gap a − b changes in the
                                                             published direction
``rank_rise``     ``unit``, ``editions``                     the rank improves in every edition
``score``         ``unit``, ``value`` [, ``uncertainty``]    **not comparable** by default (a
                                                             proxy index has its own scale); with
                                                             ``levels=True``: within tolerance
``gap``           ``a``, ``b``, ``value``                    as ``score``, for a − b (optional
                                                             ``uncertainty``; tolerance >= 0.5)
================  =========================================  ====================================

Every fact of an edition the index does not cover is ``"no data"``. The statuses are ``pass``,
``fail``, ``not comparable`` and ``no data``; ``distance`` is a number (rank difference, units
out of place, distance to the interval, ...), ``NaN`` when it does not apply.

With ``weights`` (a mapping node → raw weight) the editions are re-aggregated with those weights
before scoring (ranks and the config's tier rule recomputed), e.g. for a calibrated weight set.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from .._io import OutputDir
from ..config import Config, resolve_config
from ..errors import ConfigError, Problem, ValidationError
from ..ranks import rank
from ..stages import aggregate_stage
from ..tiers import apply_tiers_config, tiers_1d
from ..yamlio import load_yaml

__all__ = ["AnchorResult", "anchors", "load_published", "evaluate_facts", "edition_views",
           "tier_alternatives", "KINDS", "STATUSES"]

#: kind → keys a fact of that kind needs (besides id, edition, kind, source)
KINDS: dict[str, tuple[str, ...]] = {
    "rank": ("unit", "rank"),
    "score": ("unit", "value"),
    "gap": ("a", "b", "value"),
    "tier_sizes": ("sizes",),
    "tier_members": ("tier", "units"),
    "tier_leader": ("tier", "unit"),
    "gap_shape": ("top", "mid", "low", "interval"),
    "gap_change": ("a", "b", "editions", "values"),
    "rank_rise": ("unit", "editions"),
}
STATUSES = ("pass", "fail", "not comparable", "no data")
COLUMNS = ["id", "edition", "kind", "fact", "published", "ours", "distance", "tolerance",
           "status", "source"]
#: tiering alternatives reported beside the config's rule: label → (method, parameters)
ALTERNATIVES: dict[str, tuple[str, dict[str, Any]]] = {
    "jenks k=4": ("jenks", {"k": 4}),
    "largest gaps k=4": ("largest_gaps", {"k": 4}),
    "2020 bands 60/30/15": ("thresholds", {"breaks": [60, 30, 15]}),
    "2022 bands 50/35/20": ("thresholds", {"breaks": [50, 35, 20]}),
}


# ------------------------------------------------------------------------------ the facts file
def load_published(path: str | Path) -> dict[str, Any]:
    """Read and check a published-facts file.

    Parameters
    ----------
    path
        YAML file with ``sources``, ``editions`` and ``facts`` (see the module docstring).

    Returns
    -------
    dict
        The file's content; ``facts`` is a list of mappings with ``edition`` as ``int``.

    Raises
    ------
    ConfigError
        The file is missing or not a mapping with a list of ``facts``.
    ValidationError
        Listing every bad fact at once (unknown kind or source, missing key, duplicate id).
    """
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"published-facts file not found: {p}")
    raw = load_yaml(p)
    if not isinstance(raw, Mapping) or not isinstance(raw.get("facts"), list):
        raise ConfigError(f"published-facts file {p} must be a mapping with a list 'facts'")
    sources = dict(raw.get("sources") or {})
    problems, seen, facts = [], set(), []
    for i, f in enumerate(raw["facts"]):
        where = f"facts[{i}]"
        if not isinstance(f, Mapping):
            problems.append(Problem("a fact must be a mapping", file=str(p), key=where))
            continue
        problems += _fact_problems(dict(f), where, str(p), sources, seen)
        seen.add(f.get("id"))
        facts.append({**f, "edition": int(f.get("edition", 0) or 0)})
    if problems:
        raise ValidationError(problems, title=f"invalid published-facts file {p}")
    return {**raw, "sources": sources, "facts": facts, "path": str(p)}


def _fact_problems(f: dict[str, Any], where: str, file: str, sources: Mapping[str, Any],
                   seen: set[Any]) -> list[Problem]:
    """Problems of one fact (missing keys, unknown kind or source, duplicate id)."""
    out = []
    for key in ("id", "edition", "kind", "source"):
        if f.get(key) in (None, ""):
            out.append(Problem(f"fact without {key!r}", file=file, key=where))
    if f.get("id") in seen:
        out.append(Problem(f"duplicate fact id {f['id']!r}", file=file, key=f"{where}.id"))
    kind = f.get("kind")
    if kind is not None and kind not in KINDS:
        out.append(Problem(f"unknown kind {kind!r}", file=file, key=f"{where}.kind",
                           expected="one of " + ", ".join(KINDS)))
    for key in KINDS.get(str(kind), ()):
        if key not in f:
            out.append(Problem(f"fact {f.get('id')!r} of kind {kind!r} lacks {key!r}",
                               file=file, key=f"{where}.{key}"))
    if f.get("source") is not None and f["source"] not in sources:
        out.append(Problem(f"fact {f.get('id')!r}: unknown source {f['source']!r}", file=file,
                           key=f"{where}.source", expected="a key of 'sources'"))
    return out


# ------------------------------------------------------------------------------ edition views
def edition_views(results: Mapping[int, Any], cfg: Config | None = None,
                  weights: Mapping[str, float] | None = None,
                  affine: tuple[float, float] | None = None) -> dict[int, pd.DataFrame]:
    """Per edition: a table ``score, rank, tier`` of the index (index = unit codes).

    Parameters
    ----------
    results
        Edition → :class:`~aiindex.pipeline.Result`.
    cfg
        Config whose ``aggregate`` and ``tiers`` sections re-aggregate and re-tier with
        ``weights`` (default: each result's own config).
    weights
        Raw node weights (node → weight) replacing the framework's; ``None`` keeps the run.
    affine
        ``(a, b)`` with ``b > 0``: scores are reported as ``a + b·score`` (e.g. on a published
        scale fitted by a calibration); ranks and tiers are computed before, on the index.
    """
    if affine is not None and not float(affine[1]) > 0:
        raise ConfigError(f"affine=(a, b) needs b > 0 (an order-preserving map), got {affine}")
    views = {}
    for year, res in results.items():
        c = cfg if cfg is not None else res.config
        if weights is None:
            score, tiers = res.index, res.tiers
        else:
            fw = res.framework.with_weights(dict(weights))
            agg = aggregate_stage(c, fw, res.stages["normalized"])
            score = agg[fw.root]
            tiers = None
            if c.tiers:
                stub = SimpleNamespace(framework=fw, scores=agg, stages={
                    "aggregated": pd.concat([res.stages["normalized"], agg], axis=1)})
                tiers = apply_tiers_config(c.tiers, stub).tiers
        v = pd.DataFrame({"score": score.astype(float), "rank": rank(score.astype(float))})
        if affine is not None:
            v["score"] = float(affine[0]) + float(affine[1]) * v["score"]
        v["tier"] = (tiers.reindex(v.index) if tiers is not None
                     else pd.Series(pd.NA, index=v.index, dtype="Int64"))
        views[int(year)] = v
    return views


# ------------------------------------------------------------------------------ evaluation
def _row(published: Any, ours: Any, distance: float, tolerance: str, status: str) -> dict:
    return {"published": published, "ours": ours, "distance": distance,
            "tolerance": tolerance, "status": status}


def _fmt(x: float, d: int = 2) -> str:
    return "—" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.{d}f}"


def _rank_of(v: pd.DataFrame, unit: str) -> float:
    return float(v["rank"].get(unit, np.nan)) if unit in v.index else np.nan


def _score_of(v: pd.DataFrame, unit: str) -> float:
    return float(v["score"].get(unit, np.nan)) if unit in v.index else np.nan


def _tier_of(v: pd.DataFrame, unit: str) -> float:
    t = v["tier"].get(unit, pd.NA) if unit in v.index else pd.NA
    return np.nan if t is pd.NA or t is None else float(t)


def _k_rank(f: Mapping[str, Any], views: Mapping[int, pd.DataFrame], **_: Any) -> dict:
    r = _rank_of(views[f["edition"]], f["unit"])
    return _row(int(f["rank"]), _fmt(r, 0), abs(r - f["rank"]), "exact",
                "pass" if r == f["rank"] else "fail")


def _level(published: float, ours: float, tol: float, levels: bool) -> dict:
    diff = ours - published
    if not levels:
        return _row(published, _fmt(ours), diff, "level on another scale: not comparable",
                    "not comparable")
    return _row(published, _fmt(ours), diff, f"± {tol:g}",
                "pass" if abs(diff) <= tol else "fail")


def _k_score(f: Mapping[str, Any], views: Mapping[int, pd.DataFrame], *, levels: bool,
             level_tolerance: float, **_: Any) -> dict:
    ours = _score_of(views[f["edition"]], f["unit"])
    tol = max(level_tolerance, float(f.get("uncertainty", 0.0)))
    return _level(float(f["value"]), ours, tol, levels)


def _k_gap(f: Mapping[str, Any], views: Mapping[int, pd.DataFrame], *, levels: bool,
           level_tolerance: float, **_: Any) -> dict:
    v = views[f["edition"]]
    ours = _score_of(v, f["a"]) - _score_of(v, f["b"])
    # a gap of two published figures: at least their rounding, or the fact's own uncertainty
    tol = max(level_tolerance, 0.5, float(f.get("uncertainty", 0.0)))
    return _level(float(f["value"]), ours, tol, levels)


def _sizes(v: pd.DataFrame, k: int) -> list[int]:
    t = v["tier"].dropna().astype(int)
    return [int((t == i).sum()) for i in range(1, max(k, int(t.max()) if len(t) else 0) + 1)]


def _k_tier_sizes(f: Mapping[str, Any], views: Mapping[int, pd.DataFrame], **_: Any) -> dict:
    pub = [int(s) for s in f["sizes"]]
    ours = _sizes(views[f["edition"]], len(pub))
    a = np.array(pub + [0] * (len(ours) - len(pub)))
    dist = float(np.abs(a - np.array(ours)).sum() / 2)
    return _row("/".join(map(str, pub)), "/".join(map(str, ours)), dist,
                "exact (distance: countries to move)", "pass" if dist == 0 else "fail")


def _k_tier_members(f: Mapping[str, Any], views: Mapping[int, pd.DataFrame], **_: Any) -> dict:
    v, t = views[f["edition"]], int(f["tier"])
    named = [str(u) for u in f["units"]]
    tiers = {u: _tier_of(v, u) for u in named}
    out = [u for u, x in tiers.items() if x != t]
    extra = []
    if f.get("complete"):
        extra = sorted(set(v.index[(v["tier"] == t).fillna(False).to_numpy(bool)])
                       - set(named))
    ours = ", ".join(f"{u} {_fmt(x, 0)}" for u, x in tiers.items())
    if extra:
        ours += f"; also in tier {t}: {', '.join(extra)}"
    dist = float(len(out) + len(extra))
    tol = "all named, no other" if f.get("complete") else "every named unit"
    return _row(f"tier {t}: {', '.join(named)}", ours, dist, tol,
                "pass" if dist == 0 else "fail")


def _k_tier_leader(f: Mapping[str, Any], views: Mapping[int, pd.DataFrame], **_: Any) -> dict:
    v, t = views[f["edition"]], int(f["tier"])
    members = v[(v["tier"] == t).fillna(False).to_numpy(bool)]
    lead = str(members["score"].idxmax()) if len(members) else "—"
    where = f"{f['unit']} in tier {_fmt(_tier_of(v, f['unit']), 0)}"
    ours = f"tier {t} led by {lead}; {where}"
    return _row(f"{f['unit']} leads tier {t}", ours, np.nan, "exact",
                "pass" if lead == f["unit"] else "fail")


def _k_gap_shape(f: Mapping[str, Any], views: Mapping[int, pd.DataFrame], **_: Any) -> dict:
    v = views[f["edition"]]
    top, mid, low = (_score_of(v, f[k]) for k in ("top", "mid", "low"))
    ratio = (mid - low) / (top - low) if top != low else np.nan
    lo, hi = (float(x) for x in f["interval"])
    dist = 0.0 if lo <= ratio <= hi else float(min(abs(ratio - lo), abs(ratio - hi)))
    label = f"({f['mid']} − {f['low']}) / ({f['top']} − {f['low']})"
    return _row(f"{label} = {float(f.get('value', np.nan)):.3f}", _fmt(ratio, 3), dist,
                f"in [{lo:.3f}, {hi:.3f}]", "pass" if dist == 0 else "fail")


def _k_gap_change(f: Mapping[str, Any], views: Mapping[int, pd.DataFrame], **_: Any) -> dict:
    e0, e1 = (int(e) for e in f["editions"])
    g0, g1 = (_score_of(views[e], f["a"]) - _score_of(views[e], f["b"]) for e in (e0, e1))
    p0, p1 = (float(x) for x in f["values"])
    same = np.sign(g1 - g0) == np.sign(p1 - p0)
    return _row(f"{p0:g} → {p1:g}", f"{_fmt(g0)} → {_fmt(g1)}", g1 - g0,
                "same direction", "pass" if same else "fail")


def _k_rank_rise(f: Mapping[str, Any], views: Mapping[int, pd.DataFrame], **_: Any) -> dict:
    eds = [int(e) for e in f["editions"]]
    r = np.array([_rank_of(views[e], f["unit"]) for e in eds])
    # a step counts as a rise only when both ranks exist and the second is better: a unit
    # missing from an edition (rank NaN) misses the steps into and out of it
    misses = float((~(np.diff(r) < 0)).sum())
    ours = " → ".join(_fmt(x, 0) for x in r)
    return _row(f"rank rises {eds[0]}–{eds[-1]}", ours, misses,
                "better rank in every edition", "pass" if misses == 0 else "fail")


_EVALUATORS: dict[str, Callable[..., dict]] = {
    "rank": _k_rank, "score": _k_score, "gap": _k_gap, "tier_sizes": _k_tier_sizes,
    "tier_members": _k_tier_members, "tier_leader": _k_tier_leader,
    "gap_shape": _k_gap_shape, "gap_change": _k_gap_change, "rank_rise": _k_rank_rise,
}


_TIER_KINDS = ("tier_sizes", "tier_members", "tier_leader")


def _needed_editions(f: Mapping[str, Any]) -> list[int]:
    return [int(e) for e in f.get("editions", [])] or [int(f["edition"])]


def describe(f: Mapping[str, Any]) -> str:
    """A fact in words (for tables)."""
    k = f["kind"]
    text = {
        "rank": lambda: f"{f['unit']} ranked {f['rank']}",
        "score": lambda: f"{f['unit']} scores {f['value']}",
        "gap": lambda: f"{f['a']} − {f['b']} = {f['value']} points",
        "tier_sizes": lambda: "tier sizes " + "/".join(map(str, f["sizes"])),
        "tier_members": lambda: (f"tier {f['tier']} {'is' if f.get('complete') else 'includes'} "
                                 + ", ".join(map(str, f["units"]))),
        "tier_leader": lambda: f"{f['unit']} leads tier {f['tier']}",
        "gap_shape": lambda: f"gap shape ({f['mid']} − {f['low']}) / ({f['top']} − {f['low']})",
        "gap_change": lambda: (f"gap {f['a']} − {f['b']} "
                               f"{'widens' if f['values'][1] > f['values'][0] else 'narrows'} "
                               f"{f['editions'][0]}→{f['editions'][1]}"),
        "rank_rise": lambda: f"{f['unit']} rises " + "→".join(map(str, f["editions"])),
    }[k]
    return text()


def evaluate_facts(facts: Sequence[Mapping[str, Any]], views: Mapping[int, pd.DataFrame], *,
                   levels: bool = False, level_tolerance: float = 1.0) -> pd.DataFrame:
    """Check every fact against the edition views (see the module docstring).

    Parameters
    ----------
    facts
        Facts as read by :func:`load_published`.
    views
        Edition → ``score, rank, tier`` table (:func:`edition_views`).
    levels
        Compare score levels and point gaps (only meaningful for an index on the published
        scale, e.g. calibrated to it); otherwise they are ``not comparable``.
    level_tolerance
        Tolerance on levels, in points (a fact's own ``uncertainty`` is used when larger).

    Returns
    -------
    DataFrame
        One row per fact: :data:`COLUMNS`.
    """
    rows = []
    for f in facts:
        base = {"id": f["id"], "edition": int(f["edition"]), "kind": f["kind"],
                "fact": describe(f), "source": f["source"]}
        eds = _needed_editions(f)
        untiered = f["kind"] in _TIER_KINDS and any(
            e in views and views[e]["tier"].isna().all() for e in eds)
        if any(e not in views for e in eds) or untiered:
            why = "the index has no tiers" if untiered else "—"
            rows.append({**base, **_row(_published_text(f), "—", np.nan, why, "no data")})
            continue
        rows.append({**base, **_EVALUATORS[f["kind"]](f, views, levels=levels,
                                                      level_tolerance=level_tolerance)})
    t = pd.DataFrame(rows, columns=COLUMNS)
    t["distance"] = pd.to_numeric(t["distance"], errors="coerce").astype("float64")
    t["published"] = t["published"].astype(str)
    return t


def _published_text(f: Mapping[str, Any]) -> str:
    for key in ("value", "rank", "sizes", "units", "values"):
        if key in f:
            v = f[key]
            return "/".join(map(str, v)) if isinstance(v, list) else str(v)
    return describe(f)


# ------------------------------------------------------------------------------ tiers
def tier_alternatives(views: Mapping[int, pd.DataFrame],
                      published_sizes: Mapping[int, Sequence[int]] | None = None,
                      rule_label: str = "config rule") -> pd.DataFrame:
    """Tier sizes and tier 1 per edition: the config's rule beside the alternatives.

    Parameters
    ----------
    views
        Edition → ``score, rank, tier`` (``tier`` = the config's rule).
    published_sizes
        Edition → published tier sizes, shown as an extra row where known.
    rule_label
        Label of the config's rule in the table.

    Returns
    -------
    DataFrame
        Columns ``edition, rule, sizes, tier_1``.
    """
    rows = []
    for year, v in views.items():
        pub = (published_sizes or {}).get(year)
        if pub is not None:
            rows.append({"edition": year, "rule": "published", "sizes": "/".join(map(str, pub)),
                         "tier_1": "—"})
        cands = {rule_label: v["tier"]}
        for label, (method, params) in ALTERNATIVES.items():
            cands[label] = tiers_1d(v["score"], method, **params).tiers
        for label, t in cands.items():
            t = t.dropna().astype(int)
            sizes = [int((t == i).sum()) for i in range(1, int(t.max()) + 1)] if len(t) else []
            top = v.loc[t.index[t == 1], "score"].sort_values(ascending=False).index
            rows.append({"edition": year, "rule": label, "sizes": "/".join(map(str, sizes)),
                         "tier_1": ", ".join(top) or "—"})
    return pd.DataFrame(rows, columns=["edition", "rule", "sizes", "tier_1"])


# ------------------------------------------------------------------------------ result
@dataclass
class AnchorResult:
    """The scorecard of an index against published facts.

    Attributes
    ----------
    table : DataFrame
        One row per fact: ``id, edition, kind, fact, published, ours, distance, tolerance,
        status, source``.
    tiers : DataFrame
        Tier sizes and tier 1 per edition under the config's rule and the alternatives
        (:func:`tier_alternatives`).
    scores, ranks : DataFrame
        Units × editions: index scores and ranks of the index scored.
    sources : dict
        Source key → citation.
    name : str
        What was scored (the config's name, plus a label when re-weighted).
    published : str
        The published-facts file.
    """

    table: pd.DataFrame
    tiers: pd.DataFrame
    scores: pd.DataFrame
    ranks: pd.DataFrame
    sources: dict[str, str] = field(default_factory=dict)
    name: str = ""
    published: str = ""

    def counts(self) -> pd.DataFrame:
        """Edition × status counts (columns :data:`STATUSES` and ``scored`` = pass + fail)."""
        c = pd.crosstab(self.table["edition"], self.table["status"])
        c = c.reindex(columns=list(STATUSES), fill_value=0)
        c["scored"] = c["pass"] + c["fail"]
        c.loc["all"] = c.sum()
        return c.rename_axis(index="edition", columns=None)

    def failed(self) -> list[str]:
        """Ids of the facts that fail."""
        return self.table.loc[self.table["status"] == "fail", "id"].tolist()

    def summary(self) -> str:
        """Plain-text summary: passes out of scored facts, by edition, and the failures."""
        c = self.counts()
        lines = [f"Scorecard of {self.name} against {len(self.table)} published facts "
                 f"({Path(self.published).name}):"]
        for ed, r in c.iterrows():
            extra = ", ".join(f"{int(r[s])} {s}" for s in ("not comparable", "no data") if r[s])
            lines.append(f"  {ed}: {int(r['pass'])} of {int(r['scored'])} pass"
                         + (f" ({extra})" if extra else ""))
        fails = self.failed()
        lines.append("fails: " + (", ".join(fails) if fails else "none"))
        return "\n".join(lines)

    def to_csv(self, directory: str | Path, *, command: str = "") -> list[Path]:
        """Write ``anchors.csv``, ``anchors_summary.csv``, ``tier_alternatives.csv``,
        ``scores.csv``, ``ranks.csv`` and ``sources.csv`` as one output (with a manifest).

        Parameters
        ----------
        directory
            Output folder: new, empty, or holding an earlier aiindex output (replaced).
        command
            Recorded in the manifest.

        Returns
        -------
        list of Path
            The files written, ``manifest.json`` last.
        """
        ff = {"float_format": "%.10g"}
        with OutputDir(directory, command=command or "AnchorResult.to_csv",
                       extra={"published": self.published}) as out:
            out.write_csv("anchors.csv", self.table, index=False, **ff)
            out.write_csv("anchors_summary.csv", self.counts(), **ff)
            out.write_csv("tier_alternatives.csv", self.tiers, index=False)
            out.write_csv("scores.csv", self.scores.rename_axis("uCode"), **ff)
            out.write_csv("ranks.csv", self.ranks.rename_axis("uCode"))
            out.write_csv("sources.csv", pd.Series(self.sources, name="citation")
                          .rename_axis("source"))
        return out.paths

    def to_html(self) -> str:
        """The scorecard as an HTML fragment (everything escaped), for the report."""
        c = self.counts()
        head = (f"<p>{html.escape(self.name)} scored against {len(self.table)} published facts "
                f"({html.escape(Path(self.published).name)}). A proxy index has its own scale: "
                "score levels are not comparable; ranks, tiers and scale-free gap shapes are."
                "</p>")
        src = "".join(f"<li><b>{html.escape(k)}</b>: {html.escape(str(v))}</li>"
                      for k, v in self.sources.items())
        return (head + _html_table(c.reset_index(), "anchors-summary")
                + _html_table(self.table, "anchors-table")
                + "<h3>Tier rules</h3>" + _html_table(self.tiers, "anchors-tiers")
                + f"<h3>Sources</h3><ul>{src}</ul>")

    def __repr__(self) -> str:
        """A count line and :meth:`summary` (passes by edition, the failures)."""
        c = self.counts().loc["all"]
        return (f"AnchorResult({self.name!r}: {int(c['pass'])} of {int(c['scored'])} scored "
                f"facts pass, {int(c['not comparable'])} not comparable, "
                f"{int(c['no data'])} no data)\n{self.summary()}")

    def _repr_html_(self) -> str:
        """:meth:`to_html` in a notebook (every text escaped)."""
        return self.to_html()


def _html_table(df: pd.DataFrame, tid: str) -> str:
    """An escaped HTML table (numbers with two decimals)."""
    def cell(v: Any) -> str:
        if isinstance(v, float):
            return "—" if np.isnan(v) else f"{v:.2f}"
        return html.escape(str(v))

    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in r) + "</tr>"
                   for r in df.itertuples(index=False))
    return (f'<div class="scroll"><table id="{html.escape(tid)}"><thead><tr>{head}</tr>'
            f"</thead><tbody>{body}</tbody></table></div>")


# ------------------------------------------------------------------------------ entry point
def _published_path(cfg: Config, published: str | Path | None) -> Path:
    if published is not None:
        return Path(published)
    name = (cfg.output or {}).get("anchors")
    if not name:
        raise ConfigError(f"no published facts: config {cfg.source_file or cfg.name!r} has no "
                          "output.anchors and no published= file was given")
    p = cfg.path(str(name))
    assert p is not None
    return p


def _results(cfg: Config) -> dict[int, Any]:
    """Edition → Result: a panel run (the config's years and bounds), or one run of its year."""
    from ..pipeline import build_framework, load_dataset, run, run_panel

    ds = load_dataset(cfg, build_framework(cfg))
    if ds.is_panel:
        return dict(run_panel(cfg).results)
    res = run(cfg)
    if res.year is None:
        raise ConfigError("anchors: the data have no year, so no edition can be scored; set "
                          "data.year in the config")
    return {int(res.year): res}


def anchors(config: Any = None, *, published: str | Path | None = None,
            weights: Mapping[str, float] | None = None, levels: bool = False,
            level_tolerance: float = 1.0, overrides: Mapping[str, Any] | None = None,
            label: str | None = None, affine: tuple[float, float] | None = None,
            results: Mapping[int, Any] | None = None) -> AnchorResult:
    """Score an index against every fact of a published-facts file.

    Parameters
    ----------
    config
        Config path, mapping or :class:`~aiindex.config.Config` (default: the bundled default).
        Panel data are run over the config's years (``data.years``, else all) with its
        normalisation bounds; a one-year config scores its own year.
    published
        The published-facts file (default: the config's ``output.anchors``, relative to it).
    weights
        Raw node weights replacing the framework's before scoring (e.g. calibrated ones).
    levels, level_tolerance
        Compare score levels (see :func:`evaluate_facts`).
    overrides
        Nested mapping deep-merged into the config.
    label
        Appended to the config's name in the output (e.g. ``"calibrated weights"``).
    affine
        ``(a, b)``: score the index mapped to ``a + b·score`` (see :func:`edition_views`).
    results
        Edition → :class:`~aiindex.pipeline.Result` of this config already run (e.g.
        ``run_panel(config).results``): scored as they are instead of running the config again.

    Returns
    -------
    AnchorResult

    Raises
    ------
    ConfigError
        No published-facts file, or data without a year.
    ValidationError
        A bad fact in the file (every one listed).
    """
    if config is None:
        from ..data.bundled import default_config_path

        config = default_config_path()
    cfg = resolve_config(config, overrides)
    pub = load_published(_published_path(cfg, published))
    runs = dict(results) if results is not None else _results(cfg)
    views = edition_views(runs, cfg, weights, affine)
    table = evaluate_facts(pub["facts"], views, levels=levels, level_tolerance=level_tolerance)
    sizes = {int(f["edition"]): f["sizes"] for f in pub["facts"] if f["kind"] == "tier_sizes"}
    tiers = tier_alternatives(views, sizes, rule_label="config rule: " + _rule_text(cfg))
    scores = pd.DataFrame({y: v["score"] for y, v in views.items()})
    ranks = pd.DataFrame({y: v["rank"] for y, v in views.items()}).astype("Int64")
    name = cfg.name + (f" ({label})" if label else "")
    return AnchorResult(table, tiers, scores, ranks, dict(pub["sources"]), name, pub["path"])


def _rule_text(cfg: Config) -> str:
    """The config's tier rule in a few words (``jenks k=4 + dimension_ranks, contiguous``)."""
    t = dict(cfg.tiers or {})
    if not t:
        return "none"
    params = " ".join(f"{k}={v}" for k, v in t.items()
                      if k not in ("method", "rules", "node") and v is not None)
    rules = ", ".join(str(r.get("type")) for r in t.get("rules") or [])
    return f"{t.get('method', 'jenks')} {params}".strip() + (f" + {rules}" if rules else "")
