"""Uncertainty analysis: Monte Carlo over methodological choices, evaluated vectorised.

The ``uncertainty`` section of a config declares *factors*::

    uncertainty:
      n: 1000            # replications
      seed: 42
      chunk_size: 20000  # replications evaluated at once (memory bound)
      nodes: root        # or "all": keep the scores of every aggregate node
      factors:
        - {name: winsorisation, type: choice, stage: treat,
           alternatives: [{winmax: 1}, {winmax: 2}, {winmax: 3}, {winmax: 4}, {winmax: 5}]}
        - {name: normalisation, type: choice, stage: normalize,
           alternatives: [{method: minmax, low: 1, high: 100}, {method: zscore, mean: 10, sd: 2}]}
        - {name: w_pillars, type: weight_noise, level: 2, relative: 0.25}
        - {name: w_dirichlet, type: dirichlet, level: 3, concentration: 50}
        - {name: my_sets, type: weight_sets, sets: [{Conn: 1, Sust: 2}, {Conn: 2, Sust: 1}]}
        - {name: drop_one, type: exclusion, alternatives: [[], [Goods], [Services]]}
        - {name: aggregation, type: choice, stage: aggregate,
           alternatives: [{method: arithmetic}, {method: geometric}]}

Factor types
------------
``choice``
    One of the ``alternatives`` of a stage section (``denominate``, ``impute``, ``screen``,
    ``treat``, ``normalize``, ``aggregate``), drawn uniformly. An alternative is an overlay on
    the stage section: if it names ``method`` it replaces the method *and all its parameters*
    (``overrides``, ``levels`` and stage options such as ``min_share`` are kept); otherwise it
    deep-merges parameters (e.g. ``{winmax: 3}``). An optional ``label`` names it in the design.
``exclusion``
    One of ``alternatives``, each a list of node codes to drop (``[]`` = keep all).
``weight_noise``
    Every node of ``level`` (or the listed ``nodes``) gets its raw weight multiplied by
    ``1 + U(-relative, relative)``, independently per node and replication (COINr's approach).
``dirichlet``
    The local weights of the children of each parent at ``level`` are drawn from a Dirichlet
    distribution with parameters ``concentration × nominal local weights`` (mean = nominal).
``weight_sets``
    One of an explicit list of weight mappings ``{node: weight}`` (a YAML list or a CSV file with
    one row per set and one column per node), drawn uniformly.

Replacements (``dirichlet``, ``weight_sets``) are applied first, in declared order, then the
multipliers (``weight_noise``). Weights are relative among siblings and renormalised per unit
over the children that have data (the policy of :mod:`aiindex.aggregate`).

Engine
------
1. The discrete factors that touch the data stages (``choice`` on ``denominate`` … ``normalize``
   and ``exclusion``) define a few *data variants*; each is produced once by the plain pipeline
   (:func:`aiindex.pipeline.prepare` + :func:`~aiindex.pipeline.normalize_stage`), caching the
   prepared data per upstream key (5 winsorisation limits × 2 normalisers = 5 ``prepare`` calls
   and 10 normalisations).
2. For each (data variant, aggregation alternative) the tree is compiled into per-level steps:
   the children of all parents of a level, sorted by parent, with a fixed availability mask
   (missing children and ``min_share`` do not depend on weights).
3. A chunk of replications is grouped by its discrete key; within a group all replications are
   evaluated at once: for the weighted means ``y = g⁻¹(Σ_k a w x̃ / Σ_k a w)`` with ``x̃ = g(x)``
   (``g`` = identity for arithmetic, ``log`` for geometric, ``1/x`` for harmonic, ``x^p`` for
   the power mean) — one broadcast product and one segmented sum (``np.add.reduceat``) over an
   ``(R, units, children)`` array per level, then one batched rank
   (:func:`aiindex.ranks.rank_array`). Other aggregators (median, OWA, Copeland, user methods)
   are called once per replication (correct but slow; documented).
4. Rank statistics are accumulated as per-unit rank histograms, so they are exact and need
   ``O(units²)`` memory whatever ``N``. Scores and ranks per replication (``2 × N × units × 8``
   bytes, times the number of aggregates with ``nodes="all"``) are kept only when asked
   (``keep_scores=True``) or, by default (``keep_scores=None``), when
   ``N × units × nodes kept <= MAX_KEPT_CELLS`` (2·10⁷ cells, 160 MB per table); otherwise
   they are dropped chunk by chunk, so memory stays bounded for any ``N``.

Every replication equals (to floating-point precision) a plain pipeline run with the same
choices; tests check this. All draws happen in :func:`sample_design` from one seeded
``numpy.random.Generator``, so the output does not depend on chunk size or backend.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config import STAGE_OPTIONS, STAGES, Config, deep_merge, resolve_config
from ..errors import ConfigError, DataError, MethodError, ValidationError
from ..framework import Framework
from ..pipeline import (
    build_framework,
    finish,
    load_dataset,
    normalize_stage,
    pooled_reference,
    prepare,
)
from ..ranks import rank_array
from ..stages import AGGREGATORS, check_methods, stage_choices, stage_registry
from ..stages import stage_option as _option
from ..stages.aggregate import build_weights, value_domain
from ..tiers import tier_probabilities
from ..weights import apply_weights_config

__all__ = [
    "Factor",
    "Engine",
    "UncertaintyResult",
    "parse_factors",
    "sample_design",
    "evaluate_design",
    "uncertainty",
    "rank_statistics",
    "FACTOR_TYPES",
    "MAX_KEPT_CELLS",
]

FACTOR_TYPES = ("choice", "exclusion", "weight_noise", "dirichlet", "weight_sets")
DATA_STAGES = ("denominate", "impute", "screen", "treat", "normalize")
_FACTOR_KEYS = {
    "choice": {"name", "type", "stage", "alternatives"},
    "exclusion": {"name", "type", "alternatives", "labels"},
    "weight_noise": {"name", "type", "level", "relative", "nodes"},
    "dirichlet": {"name", "type", "level", "concentration", "nodes"},
    "weight_sets": {"name", "type", "sets", "file"},
}
_SECTION_KEYS = {"n", "seed", "chunk_size", "nodes", "factors", "keep_scores", "backend"}
_BATCHED = {"arithmetic", "geometric", "harmonic", "power"}
DEFAULT_CHUNK = 20_000
#: ``keep_scores=None`` keeps per-replication scores only up to this many cells
#: (replications × units × nodes kept): 2·10⁷ cells = 160 MB per float64 table.
MAX_KEPT_CELLS = 20_000_000


def _py(x: Any) -> Any:
    """A numpy scalar as the plain Python number (``-0.5``, not ``np.float64(-0.5)``)."""
    return x.item() if isinstance(x, np.generic) else x


# =========================================================================== factors
@dataclass(frozen=True)
class Factor:
    """One declared uncertainty factor (parsed from the ``uncertainty.factors`` list).

    Attributes
    ----------
    name
        Unique name (design column, or column prefix for per-node weight factors).
    type
        One of :data:`FACTOR_TYPES`.
    stage
        Stage of a ``choice`` factor.
    alternatives
        Stage overlays (``choice``) or lists of codes to drop (``exclusion``).
    labels
        Readable label of each alternative / weight set (design values).
    level, nodes
        Nodes whose weights a weight factor varies.
    relative, concentration
        Parameters of ``weight_noise`` / ``dirichlet``.
    sets
        ``weight_sets``: list of ``{node: weight}`` mappings.
    """

    name: str
    type: str
    stage: str | None = None
    alternatives: tuple[Any, ...] = ()
    labels: tuple[str, ...] = ()
    level: int | None = None
    nodes: tuple[str, ...] = ()
    relative: float = 0.0
    concentration: float = 0.0
    sets: tuple[Mapping[str, float], ...] = ()

    @property
    def discrete(self) -> bool:
        """True for factors whose value is one of a finite list (choice, exclusion, sets)."""
        return self.type in ("choice", "exclusion", "weight_sets")

    @property
    def n_levels(self) -> int:
        """Number of alternatives of a discrete factor."""
        return len(self.sets) if self.type == "weight_sets" else len(self.alternatives)

    def columns(self) -> list[str]:
        """Design-matrix columns of this factor."""
        if self.discrete:
            return [self.name]
        return [f"{self.name}[{c}]" for c in self.nodes]


def _label(alt: Mapping[str, Any]) -> str:
    items = [f"{k}={v}" for k, v in alt.items() if k != "method"]
    if "method" in alt:
        return f"{alt['method']}({', '.join(items)})" if items else str(alt["method"])
    return ", ".join(items) if items else "base"


def parse_factors(spec: Sequence[Mapping[str, Any]] | None, fw: Framework,
                  cfg: Config | None = None) -> list[Factor]:
    """Validate the ``factors`` list against the framework and the method registries.

    Raises
    ------
    ConfigError
        Unknown factor type or key, a level/node that does not exist, a duplicate name, a
        relative noise outside ``[0, 1]`` (a weight could turn negative), an empty list.
    MethodError
        An alternative naming an unregistered method or an unknown parameter.
    """

    if not spec:
        raise ConfigError("uncertainty: no factors declared (key uncertainty.factors)")
    if not isinstance(spec, Sequence) or isinstance(spec, str | bytes):
        raise ConfigError("uncertainty.factors must be a list of mappings")
    out: list[Factor] = []
    names: set[str] = set()
    for i, f in enumerate(spec):
        key = f"uncertainty.factors[{i}]"
        if not isinstance(f, Mapping):
            raise ConfigError(f"{key} must be a mapping, got {f!r}")
        ftype = f.get("type")
        if ftype not in FACTOR_TYPES:
            raise ConfigError(f"{key}: unknown factor type {ftype!r}; known types: "
                              f"{', '.join(FACTOR_TYPES)}")
        unknown = sorted(set(f) - _FACTOR_KEYS[ftype] - {"label"})
        if unknown:
            raise ConfigError(f"{key}: unknown key(s) {unknown} for a {ftype} factor; allowed: "
                              f"{sorted(_FACTOR_KEYS[ftype])}")
        default = f"{ftype}_{f.get('stage') or f.get('level') or i}"
        name = str(f.get("name") or default)
        if name in names:
            raise ConfigError(f"{key}: duplicate factor name {name!r}")
        names.add(name)
        if ftype == "choice":
            stage = f.get("stage")
            if stage not in STAGES:
                raise ConfigError(f"{key} ({name}): stage must be one of {list(STAGES)}, got "
                                  f"{stage!r} (a factor that cannot be applied is an error)")
            alts = f.get("alternatives")
            if not isinstance(alts, list) or not alts:
                raise ConfigError(f"{key} ({name}): 'alternatives' must be a non-empty list")
            reg = stage_registry(stage)
            clean, labels = [], []
            for j, a in enumerate(alts):
                if not isinstance(a, Mapping):
                    raise ConfigError(f"{key}.alternatives[{j}] ({name}) must be a mapping")
                a = dict(a)
                lab = str(a.pop("label", _label(a)))
                if "method" in a:
                    m = str(a["method"])
                    if m != "none":
                        try:
                            params = {k: v for k, v in a.items() if k not in
                                      ("method", "overrides", "levels", *STAGE_OPTIONS[stage])}
                            reg.check_params(m, params, where=f"{key}.alternatives[{j}]")
                        except MethodError as exc:
                            raise MethodError(f"uncertainty factor {name!r}: {exc}") from None
                clean.append(a)
                labels.append(lab)
            if len(set(labels)) != len(labels):
                labels = [f"{j}: {lab}" for j, lab in enumerate(labels)]
            out.append(Factor(name, ftype, stage=stage, alternatives=tuple(clean),
                              labels=tuple(labels)))
        elif ftype == "exclusion":
            alts = f.get("alternatives")
            if not isinstance(alts, list) or not alts:
                raise ConfigError(f"{key} ({name}): 'alternatives' must be a non-empty list of "
                                  "lists of codes")
            clean = []
            for j, a in enumerate(alts):
                codes = [a] if isinstance(a, str) else list(a or [])
                bad = [c for c in codes if c not in fw.nodes]
                if bad:
                    raise ConfigError(f"{key}.alternatives[{j}] ({name}): unknown node(s) {bad}")
                if fw.root in codes:
                    raise ConfigError(f"{key} ({name}): cannot exclude the root {fw.root!r}")
                clean.append(tuple(str(c) for c in codes))
            labels = f.get("labels") or ["-" + ",-".join(a) if a else "none" for a in clean]
            out.append(Factor(name, ftype, alternatives=tuple(clean),
                              labels=tuple(str(x) for x in labels)))
        elif ftype in ("weight_noise", "dirichlet"):
            nodes = _factor_nodes(f, fw, key, name)
            if ftype == "weight_noise":
                r = f.get("relative")
                if not isinstance(r, int | float) or isinstance(r, bool) or not np.isfinite(r):
                    raise ConfigError(f"{key} ({name}): 'relative' must be a number")
                if r < 0 or r > 1:
                    why = (" (a multiplier 1 + U(-relative, relative) could make a weight "
                           "negative)" if r > 1 else "")
                    raise ConfigError(f"{key} ({name}): relative must be in [0, 1], got "
                                      f"{_py(r)}{why}")
                out.append(Factor(name, ftype, level=f.get("level"), nodes=tuple(nodes),
                                  relative=float(r)))
            else:
                c = f.get("concentration")
                if not isinstance(c, int | float) or isinstance(c, bool) or not c > 0:
                    raise ConfigError(f"{key} ({name}): 'concentration' must be a number > 0")
                out.append(Factor(name, ftype, level=f.get("level"), nodes=tuple(nodes),
                                  concentration=float(c)))
        else:  # weight_sets
            sets = f.get("sets")
            if sets is None and f.get("file"):
                p = cfg.path(str(f["file"])) if cfg is not None else Path(str(f["file"]))
                if p is None or not Path(p).exists():
                    raise ConfigError(f"{key} ({name}): weight-set file not found: {p}")
                sets = pd.read_csv(p).to_dict(orient="records")
            if not isinstance(sets, list) or not sets:
                raise ConfigError(f"{key} ({name}): 'sets' must be a non-empty list of mappings")
            clean_sets = []
            for j, s in enumerate(sets):
                if not isinstance(s, Mapping) or not s:
                    raise ConfigError(f"{key}.sets[{j}] ({name}) must be a non-empty mapping")
                bad = [c for c in s if c not in fw.nodes]
                if bad:
                    raise ConfigError(f"{key}.sets[{j}] ({name}): unknown node(s) {bad}")
                vals = {str(c): float(v) for c, v in s.items()}
                neg = {c: v for c, v in vals.items() if not np.isfinite(v) or v < 0}
                if neg:
                    raise ConfigError(f"{key}.sets[{j}] ({name}): weights must be finite and "
                                      f">= 0, got {neg}")
                clean_sets.append(vals)
            out.append(Factor(name, ftype, sets=tuple(clean_sets),
                              labels=tuple(str(j) for j in range(len(clean_sets)))))
    return out


def _factor_nodes(f: Mapping[str, Any], fw: Framework, key: str, name: str) -> list[str]:
    if f.get("nodes"):
        nodes = [str(c) for c in f["nodes"]]
        bad = [c for c in nodes if c not in fw.nodes or c == fw.root]
        if bad:
            raise ConfigError(f"{key} ({name}): unknown or root node(s) {bad}")
        return nodes
    level = f.get("level")
    if not isinstance(level, int) or isinstance(level, bool):
        raise ConfigError(f"{key} ({name}): give 'level' (an integer) or 'nodes'")
    nodes = [c for c in fw.level_codes(level) if c != fw.root]
    if not nodes:
        raise ConfigError(f"{key} ({name}): level {level} has no non-root node; levels are "
                          f"1..{fw.depth} (1 = metrics, {fw.depth} = the root)")
    return nodes


# =========================================================================== engine
@dataclass
class _Step:
    """One group of parents at one level aggregated by the same method."""

    method: str
    params: dict[str, Any]
    parents: np.ndarray  # positions in the aggregate array
    m_cols: np.ndarray  # positions (in the child axis) of metric children
    m_src: np.ndarray  # metric indices
    a_cols: np.ndarray  # positions of aggregate children
    a_src: np.ndarray  # aggregate indices
    w_idx: np.ndarray  # node indices (global) of the children, for weights
    starts: np.ndarray  # segment start per parent
    A: np.ndarray  # (n, k) child availability
    ok: np.ndarray  # (n, p) parent computable (data and min_share)
    child_codes: list[str]
    parent_codes: list[str]


def _prepared(cfg: Config, fw: Framework, ds: Any) -> tuple[Any, pd.DataFrame | None]:
    """Prepared data of the config's year and, for a panel config with pooled normalisation
    (``normalize: {pooled: true}``), the pooled reference: the treated data of every year of the
    data, as :func:`aiindex.run_panel` builds it (so replications equal :func:`aiindex.run`)."""
    prep = prepare(cfg, fw, ds)
    return prep, pooled_reference(cfg, fw, ds, prep)


@dataclass
class _Plan:
    X: np.ndarray  # (n, m) normalised metrics, aligned to engine units
    steps: list[_Step]
    base_w: np.ndarray  # (n_nodes,) raw nominal weights (nan = node absent)
    root_pos: int


class Engine:
    """A compiled uncertainty problem: nominal run, factors, cached data variants and plans.

    Parameters
    ----------
    config
        Config path, mapping or :class:`~aiindex.config.Config`.
    data
        Optional data replacing the config's.
    factors
        Factor list replacing ``config.uncertainty.factors``.
    """

    def __init__(self, config: Any, *, data: Any = None,
                 factors: Sequence[Mapping[str, Any]] | None = None) -> None:

        self.cfg = resolve_config(config)
        self.section = dict(self.cfg.uncertainty or {})
        unknown = sorted(set(self.section) - _SECTION_KEYS)
        if unknown:
            raise ConfigError(f"uncertainty: unknown key(s) {unknown}; allowed: "
                              f"{sorted(_SECTION_KEYS)}")
        if self.cfg.rescale and str(self.cfg.rescale.get("method", "none")) != "none":
            raise ConfigError("uncertainty: the config's rescale section is not yet supported "
                              "by the uncertainty engine; remove it for this analysis")
        self.fw = build_framework(self.cfg)
        problems = check_methods(self.cfg, self.fw)
        if problems:
            raise ValidationError(problems, title="invalid config")
        self.data = data
        self.dataset = load_dataset(self.cfg, self.fw, data)
        base_prep = _prepared(self.cfg, self.fw, self.dataset)  # pooled panels: + reference
        self.nominal = finish(base_prep[0], reference=base_prep[1])
        self.factors = parse_factors(factors if factors is not None
                                     else self.section.get("factors"), self.fw, self.cfg)
        self.units = pd.Index(self.nominal.scores.index, name="uCode")
        self.node_codes = list(self.fw.nodes)
        self._node_pos = {c: i for i, c in enumerate(self.node_codes)}
        self.aggregates = [c for c in self.fw.nodes if c in set(self.fw.aggregates)]
        self.root = self.fw.root
        self._data_f = [i for i, f in enumerate(self.factors) if f.type == "exclusion"
                        or (f.type == "choice" and f.stage in DATA_STAGES)]
        self._agg_f = [i for i, f in enumerate(self.factors)
                       if f.type == "choice" and f.stage == "aggregate"]
        self._set_f = [i for i, f in enumerate(self.factors) if f.type == "weight_sets"]
        self._disc = [i for i, f in enumerate(self.factors) if f.discrete]
        self._prep_cache: dict[tuple, Any] = {(): base_prep}  # the base config's data
        self._norm_cache: dict[tuple, tuple[Config, Framework, pd.DataFrame]] = {}
        self._plans: dict[tuple, _Plan] = {}
        self._nominal_weights = np.array([self.nominal.framework.nodes[c].weight
                                          if c in self.nominal.framework.nodes else np.nan
                                          for c in self.node_codes])
        self._check_alternatives()

    def _check_alternatives(self) -> None:
        """Every ``choice`` alternative, applied alone, must give a valid config.

        Raises
        ------
        MethodError
            Naming the factor, the alternative (0-based index and label) and the stage/metric,
            e.g. an unknown parameter ``winmaxx`` in a ``{winmaxx: 3}`` overlay.
        """

        for f in self.factors:
            if f.type != "choice":
                continue
            for j, lab in enumerate(f.labels):
                where = f"uncertainty factor {f.name!r}, alternative {j} ({lab})"
                try:
                    cfg, fw = self.config_for({f.name: j})
                except (ConfigError, MethodError) as exc:
                    raise type(exc)(f"{where}: {exc}") from exc
                problems = check_methods(cfg, fw)
                if problems:
                    msgs = "; ".join(str(p.message) for p in problems)
                    raise MethodError(f"{where}: {msgs}")

    # ------------------------------------------------------------------ configs
    def config_for(self, choice: Mapping[str, int]) -> tuple[Config, Framework]:
        """Config and framework of one combination of discrete alternatives.

        Parameters
        ----------
        choice
            Factor name → alternative index, for ``choice``/``exclusion`` factors (absent =
            the base config).
        """
        raw = self.cfg.to_dict()
        drop: list[str] = []
        for f in self.factors:
            if f.name not in choice or f.type not in ("choice", "exclusion"):
                continue
            j = int(choice[f.name])
            if f.type == "exclusion":
                drop.extend(f.alternatives[j])
                continue
            raw[f.stage] = apply_alternative(raw.get(f.stage) or {}, f.alternatives[j], f.stage)
        raw["base_dir"], raw["source_file"] = self.cfg.base_dir, self.cfg.source_file
        cfg = resolve_config(raw)
        fw = self.fw.drop(drop) if drop else self.fw
        return cfg, fw

    def _choice_map(self, key: Sequence[int]) -> dict[str, int]:
        return {self.factors[i].name: int(k) for i, k in zip(self._disc, key, strict=True)}

    # ------------------------------------------------------------------ variants
    def _normalized(self, dkey: tuple[int, ...]) -> tuple[Config, Framework, pd.DataFrame]:
        if dkey in self._norm_cache:
            return self._norm_cache[dkey]

        choice = {self.factors[i].name: k for i, k in zip(self._data_f, dkey, strict=True)}
        cfg, fw = self.config_for(choice)
        up = tuple((self.factors[i].name, k) for i, k in zip(self._data_f, dkey, strict=True)
                   if self.factors[i].stage != "normalize")
        if up not in self._prep_cache:
            ds = self.dataset if fw is self.fw else load_dataset(cfg, fw, self.data)
            self._prep_cache[up] = _prepared(cfg, fw, ds)
        prep, reference = self._prep_cache[up]
        from dataclasses import replace

        prep2 = replace(prep, cfg=cfg, ctx=copy.copy(prep.ctx))
        norm = normalize_stage(prep2, reference=reference).data
        if cfg.weights:

            fw, _ = apply_weights_config(cfg.weights, fw, norm, cfg=cfg)
        self._norm_cache[dkey] = (cfg, fw, norm)
        return self._norm_cache[dkey]

    def plan(self, key: tuple[int, ...]) -> _Plan:
        """The compiled plan for one discrete key (indices of every discrete factor).

        An error while preparing the data variant or compiling the tree is re-raised (same type)
        naming the factors' alternatives of the key.
        """
        if key in self._plans:
            return self._plans[key]
        try:
            return self._compile(key)
        except (ConfigError, DataError, MethodError) as exc:
            desc = self.describe_key(np.asarray(key, dtype=np.int64))
            raise type(exc)(f"uncertainty replication with {desc or 'the base config'}: "
                            f"{exc}") from exc

    def _compile(self, key: tuple[int, ...]) -> _Plan:

        pos = {i: k for i, k in zip(self._disc, key, strict=True)}
        dkey = tuple(pos[i] for i in self._data_f)
        cfg, fw, norm = self._normalized(dkey)
        if self._agg_f:
            raw = cfg.to_dict()
            for i in self._agg_f:
                f = self.factors[i]
                raw["aggregate"] = apply_alternative(raw.get("aggregate") or {},
                                                     f.alternatives[pos[i]], "aggregate")
            raw["base_dir"], raw["source_file"] = cfg.base_dir, cfg.source_file
            cfg = resolve_config(raw)
        choices = stage_choices(cfg, fw, "aggregate")
        metrics = [m for m in fw.metrics if m in norm.columns]
        X = norm.reindex(index=self.units, columns=metrics).to_numpy(dtype=np.float64)
        mpos = {c: i for i, c in enumerate(metrics)}
        apos = {c: i for i, c in enumerate(self.aggregates)}
        avail_m = ~np.isnan(X)
        avail_a = np.zeros((len(self.units), len(self.aggregates)), dtype=bool)
        steps: list[_Step] = []
        levels = sorted({fw.nodes[c].level for c in fw.aggregates})
        for lv in levels:
            parents = [c for c in fw.aggregates if fw.nodes[c].level == lv]
            groups: dict[tuple, list[str]] = {}
            for p in parents:
                ch = choices[p]
                groups.setdefault((_canon(ch.method), ch.key()[1]), []).append(p)
            for (method, _), plist in groups.items():
                params = dict(choices[plist[0]].params)
                kids = [c for p in plist for c in fw.children(p)]
                starts = np.cumsum([0] + [len(fw.children(p)) for p in plist[:-1]])
                missing = [c for c in kids if c not in mpos and c not in apos]
                if missing:
                    raise DataError(f"uncertainty: child(ren) {missing} are not in the data")
                is_m = np.array([c in mpos for c in kids])
                A = np.empty((len(self.units), len(kids)), dtype=bool)
                m_src = np.array([mpos[c] for c in kids if c in mpos], dtype=int)
                a_src = np.array([apos[c] for c in kids if c not in mpos], dtype=int)
                A[:, is_m] = avail_m[:, m_src]
                A[:, ~is_m] = avail_a[:, a_src]
                cnt = np.add.reduceat(A.astype(np.int64), starts, axis=1)
                sizes = np.diff(np.append(starts, len(kids)))
                ms = np.array([float(_option(cfg, "aggregate", "min_share", p, fw.nodes[p].level,
                                             0.0)) for p in plist])
                ok = (cnt > 0) & (cnt / sizes >= ms)
                pidx = np.array([apos[p] for p in plist], dtype=int)
                avail_a[:, pidx] = ok
                step = _Step(method, params, pidx, np.nonzero(is_m)[0], m_src,
                             np.nonzero(~is_m)[0], a_src,
                             np.array([self._node_pos[c] for c in kids], dtype=int),
                             starts.astype(np.intp), A, ok, kids, plist)
                _check_static_domain(step, X, self.units)
                steps.append(step)
        base_w = np.array([fw.nodes[c].weight if c in fw.nodes else np.nan
                           for c in self.node_codes])
        self._plans[key] = _Plan(X, steps, base_w, apos[self.root])
        return self._plans[key]

    # ------------------------------------------------------------------ design
    def sample(self, n: int, seed: int | None = None,
               rng: np.random.Generator | None = None) -> pd.DataFrame:
        """Draw ``n`` replications: the design matrix (labels for discrete factors,
        weight multipliers / weights for the continuous ones)."""
        n = _check_n(n)
        rng = rng if rng is not None else np.random.default_rng(seed)
        cols: dict[str, Any] = {}
        for f in self.factors:
            if f.discrete:
                idx = rng.integers(0, f.n_levels, size=n)
                cols[f.name] = (pd.Series(np.asarray(f.labels, dtype=object)[idx], dtype="string")
                                if f.type != "weight_sets" else idx.astype(np.int64))
            elif f.type == "weight_noise":
                u = rng.uniform(-f.relative, f.relative, size=(n, len(f.nodes)))
                for j, c in enumerate(f.nodes):
                    cols[f"{f.name}[{c}]"] = 1.0 + u[:, j]
            else:  # dirichlet: local weights per parent group
                lw = self.fw.local_weights()
                out = np.empty((n, len(f.nodes)))
                par: dict[str | None, list[int]] = {}
                for j, c in enumerate(f.nodes):
                    par.setdefault(self.fw.parent(c), []).append(j)
                for _, js in par.items():
                    lwj = lw[[f.nodes[j] for j in js]].to_numpy()
                    alpha = f.concentration * lwj / lwj.sum()
                    if np.any(alpha <= 0):
                        raise ConfigError(f"dirichlet factor {f.name!r}: nominal weights must be "
                                          "> 0 for a Dirichlet draw")
                    out[:, js] = rng.dirichlet(alpha, size=n)
                for j, c in enumerate(f.nodes):
                    cols[f"{f.name}[{c}]"] = out[:, j]
        design = pd.DataFrame(cols, index=pd.RangeIndex(n, name="replication"))
        return design

    def encode(self, design: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Turn a design DataFrame into (discrete codes (N, d), replacement weights (N, nodes),
        weight multipliers (N, nodes)).

        Raises
        ------
        ConfigError
            A column that belongs to no factor, a factor without its columns, a value that is not
            one of the declared alternatives, a negative or non-finite weight.
        """
        if not isinstance(design, pd.DataFrame):
            raise ConfigError("design must be a pandas DataFrame (one row per replication)")
        N = len(design)
        _check_n(N)
        expected = [c for f in self.factors for c in f.columns()]
        unknown = [c for c in design.columns if c not in expected]
        if unknown:
            raise ConfigError(f"design: unknown factor column(s) {unknown}; declared factor "
                              f"columns: {expected}")
        missing = [c for c in expected if c not in design.columns]
        if missing:
            raise ConfigError(f"design: missing factor column(s) {missing}")
        codes = np.zeros((N, len(self._disc)), dtype=np.int64)
        repl = np.full((N, len(self.node_codes)), np.nan)
        mult = np.ones((N, len(self.node_codes)))
        for j, i in enumerate(self._disc):
            f = self.factors[i]
            codes[:, j] = _encode_discrete(design[f.name], f)
        for i in self._set_f:
            f = self.factors[i]
            j = self._disc.index(i)
            S = np.full((f.n_levels, len(self.node_codes)), np.nan)
            for s, mapping in enumerate(f.sets):
                for c, v in mapping.items():
                    S[s, self._node_pos[c]] = v
            sub = S[codes[:, j]]
            repl = np.where(np.isnan(sub), repl, sub)
        for f in self.factors:
            if f.type not in ("weight_noise", "dirichlet"):
                continue
            vals = design[f.columns()].to_numpy(dtype=np.float64)
            bad = ~np.isfinite(vals) | (vals < 0)
            if bad.any():
                r, c = np.argwhere(bad)[0]
                raise ConfigError(f"design: factor {f.name!r} has a negative or non-finite value "
                                  f"{_py(vals[r, c])!r} for node {f.nodes[c]!r} in replication "
                                  f"{_py(design.index[r])!r}")
            pos = [self._node_pos[c] for c in f.nodes]
            if f.type == "weight_noise":
                mult[:, pos] *= vals
            else:
                repl[:, pos] = vals
        return codes, repl, mult

    # ------------------------------------------------------------------ evaluation
    def evaluate_chunk(self, codes: np.ndarray, repl: np.ndarray, mult: np.ndarray,
                       nodes: bool = False) -> dict[str, np.ndarray]:
        """Evaluate R replications: root scores (R, n), ranks (R, n)[, node scores (R, n, a)]."""
        R, n = len(codes), len(self.units)
        root = np.full((R, n), np.nan)
        allsc = np.full((R, n, len(self.aggregates)), np.nan) if nodes else None
        if codes.shape[1]:
            keys, inv = np.unique(codes, axis=0, return_inverse=True)
            inv = inv.ravel()
        else:
            keys, inv = np.zeros((1, 0), dtype=np.int64), np.zeros(R, dtype=np.intp)
        for g, key in enumerate(keys):  # loop over the few discrete combinations
            rows = np.nonzero(inv == g)[0]
            plan = self.plan(tuple(int(k) for k in key))
            W = np.where(np.isnan(repl[rows]), plan.base_w[None, :], repl[rows]) * mult[rows]
            agg = _evaluate_plan(plan, W, self, codes[rows])
            root[rows] = agg[:, :, plan.root_pos]
            if allsc is not None:
                allsc[rows] = agg
        out = {"scores": root, "ranks": rank_array(root, axis=1)}
        if allsc is not None:
            out["nodes"] = allsc
        return out

    def describe_key(self, codes_row: np.ndarray) -> str:
        """Readable discrete choices of one replication (for error messages)."""
        return ", ".join(f"{self.factors[i].name}={self.factors[i].labels[int(k)]}"
                         for i, k in zip(self._disc, codes_row, strict=True))


def _canon(method: str) -> str:

    return AGGREGATORS.canonical(method)


def _check_static_domain(step: _Step, X: np.ndarray, units: pd.Index) -> None:
    """Positivity of metric children for geometric/harmonic/power means (fixed per plan)."""
    dom = _domain(step)
    if dom is None or not len(step.m_cols):
        return
    V = X[:, step.m_src]
    A = step.A[:, step.m_cols]
    bad = A & ((V <= 0) if dom == "positive" else (V < 0))
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise MethodError(f"aggregate method {step.method!r} needs {dom} values: metric "
                          f"{step.child_codes[step.m_cols[j]]!r} is {_py(V[i, j])!r} for unit "
                          f"{units[i]!r} ({int(bad.sum())} such value(s)); normalise to a "
                          "positive range (e.g. minmax low=1)")


def _domain(step: _Step) -> str | None:

    return value_domain(step.method, step.params)


def _transform(step: _Step) -> tuple[Callable[[np.ndarray], np.ndarray],
                                      Callable[[np.ndarray], np.ndarray]]:
    m = step.method
    if m == "arithmetic":
        return (lambda v: v), (lambda y: y)
    if m == "geometric":
        return np.log, np.exp
    if m == "harmonic":
        return (lambda v: 1.0 / v), (lambda y: 1.0 / y)
    p = float(step.params.get("p", 1.0))
    if p == 0.0:
        return np.log, np.exp
    if p == 1.0:
        return (lambda v: v), (lambda y: y)
    return (lambda v: v**p), (lambda y: y ** (1.0 / p))


def _evaluate_plan(plan: _Plan, W: np.ndarray, eng: Engine, codes: np.ndarray) -> np.ndarray:
    """All aggregate scores (R, n, a) of R replications sharing one plan; W = raw weights."""
    R, n = W.shape[0], plan.X.shape[0]
    agg = np.full((R, n, len(eng.aggregates)), np.nan)
    for st in plan.steps:
        w = W[:, st.w_idx]  # (R, k)
        badw = ~np.isfinite(w) | (w < 0)
        if badw.any():
            r, j = np.argwhere(badw)[0]
            raise MethodError(f"uncertainty: weight of {st.child_codes[j]!r} is {_py(w[r, j])!r} "
                              f"in a replication ({eng.describe_key(codes[r])}); weights must be "
                              ">= 0")
        k = len(st.child_codes)
        if len(st.a_cols) == 0:
            V = plan.X[:, st.m_src]  # (n, k), same for every replication
        else:
            V = np.empty((R, n, k))
            V[:, :, st.m_cols] = plan.X[None, :, st.m_src]
            V[:, :, st.a_cols] = agg[:, :, st.a_src]
        A = st.A
        if st.method in _BATCHED:
            dom = _domain(st)
            if dom is not None and V.ndim == 3:
                bad = A[None] & ((V <= 0) if dom == "positive" else (V < 0))
                if bad.any():
                    r, i, j = np.argwhere(bad)[0]
                    raise MethodError(
                        f"aggregate method {st.method!r} needs {dom} values: child "
                        f"{st.child_codes[j]!r} is {_py(V[r, i, j])!r} for unit "
                        f"{eng.units[i]!r} in a replication ({eng.describe_key(codes[r])})")
            fwd, inv = _transform(st)
            with np.errstate(divide="ignore", invalid="ignore"):
                T = np.where(A, fwd(np.where(A, V, 1.0)), 0.0)
            wa = w[:, None, :]
            num = np.add.reduceat(T * wa, st.starts, axis=-1)
            den = np.add.reduceat(A[None] * wa, st.starts, axis=-1)
            zero = (den <= 0) & st.ok[None]
            if zero.any():
                r, i, j = np.argwhere(zero)[0]
                raise MethodError(f"aggregate parent {st.parent_codes[j]!r}: unit "
                                  f"{eng.units[i]!r} has data only for zero-weight children "
                                  f"(replication {eng.describe_key(codes[r])})")
            with np.errstate(divide="ignore", invalid="ignore"):
                y = inv(num / np.where(den > 0, den, 1.0))
            y = np.where(st.ok[None], y, np.nan)
        else:
            y = _slow_step(st, V, w, R, n)
        if not np.isfinite(y[:, st.ok]).all():
            raise MethodError(f"uncertainty: aggregation by {st.method!r} produced a non-finite "
                              f"score for one of {st.parent_codes}")
        agg[:, :, st.parents] = y
    return agg


def _slow_step(st: _Step, V: np.ndarray, w: np.ndarray, R: int, n: int) -> np.ndarray:
    """Aggregators that are not weighted means.

    Row-wise aggregators (registered with ``row_wise=True``: median, OWA, power means) see each
    unit on its own, so all replications are stacked into one ``(R·n, k)`` call per parent.
    Aggregators that compare units with each other (Copeland) or user-registered ones without
    that flag take one call per replication and parent (documented slow path).
    """

    func = AGGREGATORS.get(st.method)
    row_wise = bool(AGGREGATORS.meta(st.method).get("row_wise"))
    bounds = list(st.starts) + [len(st.child_codes)]
    y = np.full((R, n, len(st.parents)), np.nan)
    V3 = np.broadcast_to(V, (R, *V.shape)) if V.ndim == 2 else V
    for j in range(len(st.parents)):  # loop over parents of one level (a handful)
        sl = slice(bounds[j], bounds[j + 1])
        avail = (st.A[:, sl] & st.ok[:, [j]])[None]
        X = np.where(avail, V3[:, :, sl], np.nan)  # (R, n, k)
        if row_wise:
            k = X.shape[-1]
            Wraw = np.where(np.isnan(X), 0.0, w[:, None, sl])
            tot = Wraw.sum(axis=-1, keepdims=True)
            W = np.where(tot > 0, Wraw / np.where(tot > 0, tot, 1.0), 0.0)
            y[:, :, j] = func(X.reshape(-1, k), W.reshape(-1, k), **st.params).reshape(R, n)
        else:
            for r in range(R):  # units are compared with each other: one call per replication
                y[r, :, j] = func(X[r], build_weights(X[r], w[r, sl]), **st.params)
    return np.where(st.ok[None], y, np.nan)


def apply_alternative(section: Mapping[str, Any], alt: Mapping[str, Any],
                      stage: str) -> dict[str, Any]:
    """Apply one alternative to a stage section (as a plain mapping).

    An alternative naming ``method`` replaces the method and every parameter (keeping
    ``overrides``, ``levels`` and the stage options); otherwise it deep-merges into the section.
    """

    sec = dict(section) if isinstance(section, Mapping) else {"method": str(section)}
    alt = {k: v for k, v in alt.items() if k != "label"}
    if "method" in alt:
        keep = {k: v for k, v in sec.items() if k in ("overrides", "levels", *STAGE_OPTIONS[stage])}
        return deep_merge(keep, alt)
    return deep_merge(sec, alt)


def _encode_discrete(col: pd.Series, f: Factor) -> np.ndarray:
    labels = {lab: j for j, lab in enumerate(f.labels)}
    vals = col.to_numpy(dtype=object)
    out = np.empty(len(vals), dtype=np.int64)
    lab_idx = pd.Series(vals).map(lambda v: labels.get(str(v)) if isinstance(v, str) else None)
    for pos in np.nonzero(lab_idx.isna().to_numpy())[0]:  # numeric codes (rare path)
        v = vals[pos]
        if isinstance(v, int | np.integer | float | np.floating) and float(v).is_integer() \
                and 0 <= int(v) < f.n_levels:
            lab_idx.iloc[pos] = int(v)
        else:
            raise ConfigError(f"design: value {_py(v)!r} of factor {f.name!r} (row "
                              f"{_py(col.index[pos])!r})"
                              f" is not one of its alternatives {list(f.labels)} or 0.."
                              f"{f.n_levels - 1}")
    out[:] = lab_idx.to_numpy(dtype=np.int64)
    return out


def _check_n(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or int(n) <= 0:
        raise ConfigError(f"the number of replications must be a positive integer, got {_py(n)!r}")
    return int(n)


# =========================================================================== results
@dataclass
class UncertaintyResult:
    """Outputs of an uncertainty analysis.

    Attributes
    ----------
    design : DataFrame
        One row per replication, one column per factor (per node for weight factors).
    scores, ranks : DataFrame or None
        Replications × units, root node (``None`` when scores are not kept: ``keep_scores=False``,
        or ``keep_scores=None`` and more than :data:`MAX_KEPT_CELLS` cells).
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
        ``chunk_size``, ``backend``, ``keep_scores`` (resolved), ``plans``, ``data_variants``
        and the notes above.
    """

    design: pd.DataFrame
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
        return len(self.design)

    def summary(self, top: int | None = 20) -> pd.DataFrame:
        """Rank statistics sorted by nominal rank."""
        t = self.rank_stats.sort_values(["nominal_rank", "median_rank"])
        return t if top is None else t.head(top)

    def to_csv(self, directory: str | Path) -> list[Path]:
        """Write design.csv, rank_stats.csv, scores.csv, ranks.csv, tier_probabilities.csv."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        out = []
        items = {"design": self.design, "rank_stats": self.rank_stats, "scores": self.scores,
                 "ranks": self.ranks, "tier_probabilities": self.tier_probabilities}
        for k, v in items.items():
            if v is not None:
                p = d / f"{k}.csv"
                v.to_csv(p, float_format="%.17g")
                out.append(p)
        return out

    def __repr__(self) -> str:
        return (f"UncertaintyResult({self.n} replications, {len(self.rank_stats)} units, "
                f"factors={[f.name for f in self.factors]})")


def rank_statistics(counts: np.ndarray, units: pd.Index,
                    quantiles: Sequence[float] = (0.05, 0.5, 0.95)) -> pd.DataFrame:
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


def _progress(total: int, enabled: bool):
    if not enabled:
        return None
    try:
        from tqdm import tqdm

        return tqdm(total=total, desc="replications", unit="rep", file=sys.stderr)
    except ImportError:  # pragma: no cover - plain counter
        class _Counter:
            def __init__(self) -> None:
                self.n = 0

            def update(self, k: int) -> None:
                self.n += k
                print(f"\r{self.n}/{total} replications", end="", file=sys.stderr)

            def close(self) -> None:
                print(file=sys.stderr)

        return _Counter()


def resolve_keep_scores(keep_scores: bool | None, n_replications: int, n_units: int,
                        n_nodes: int = 1) -> bool:
    """Whether per-replication scores are kept.

    ``None`` (the default) keeps them only when ``n_replications × n_units × n_nodes`` (the
    cells of the largest kept table; ``n_nodes`` = number of aggregates with ``nodes="all"``,
    else 1) is at most :data:`MAX_KEPT_CELLS`; rank statistics and tier probabilities never need
    them (histograms / per-chunk accumulation), so memory stays bounded for any ``N``.
    """
    if keep_scores is None:
        return n_replications * n_units * max(n_nodes, 1) <= MAX_KEPT_CELLS
    if not isinstance(keep_scores, bool | np.bool_):
        raise ConfigError(f"uncertainty: keep_scores must be true, false or null (automatic), "
                          f"got {keep_scores!r}")
    return bool(keep_scores)


def _run_design(eng: Engine, design: pd.DataFrame, *, chunk_size: int | None, nodes: str,
                keep_scores: bool | None, backend: str, progress: bool,
                seed: int | None) -> UncertaintyResult:
    codes, repl, mult = eng.encode(design)
    N, n = len(design), len(eng.units)
    if nodes not in ("root", "all"):
        raise ConfigError(f"uncertainty: nodes must be 'root' or 'all', got {nodes!r}")
    want_nodes = nodes == "all"
    keep_scores = resolve_keep_scores(keep_scores, N, n,
                                      len(eng.aggregates) if want_nodes else 1)
    cs = int(chunk_size or eng.section.get("chunk_size") or DEFAULT_CHUNK)
    if cs <= 0:
        raise ConfigError(f"uncertainty: chunk_size must be > 0, got {cs}")
    bounds = [(a, min(a + cs, N)) for a in range(0, N, cs)]
    # compile every plan first (serial; also surfaces errors before any long run)
    if codes.shape[1]:
        for key in np.unique(codes, axis=0):
            eng.plan(tuple(int(k) for k in key))
    else:
        eng.plan(())
    scores = np.empty((N, n)) if keep_scores else None
    ranks = np.empty((N, n)) if keep_scores else None
    allsc = np.empty((N, n, len(eng.aggregates))) if want_nodes and keep_scores else None
    counts = np.zeros((n, n), dtype=np.int64)
    score_sum = np.zeros(n)
    score_cnt = np.zeros(n)
    tier_acc: list[tuple[int, pd.DataFrame]] = []
    tiers_cfg = _tiers_spec(eng)
    bar = _progress(N, progress)

    def consume(a: int, b: int, res: dict[str, np.ndarray]) -> None:
        nonlocal counts, score_sum, score_cnt
        S, Rk = res["scores"], res["ranks"]
        if scores is not None:
            scores[a:b], ranks[a:b] = S, Rk
        if allsc is not None:
            allsc[a:b] = res["nodes"]
        counts += _histogram(Rk, n)
        score_sum += np.nansum(S, axis=0)
        score_cnt += (~np.isnan(S)).sum(axis=0)
        if tiers_cfg is not None and scores is None:
            tier_acc.append((b - a, _tier_probs(eng, tiers_cfg, S)))
        if bar is not None:
            bar.update(b - a)

    if backend == "dask":
        try:
            import dask
        except ImportError as exc:  # pragma: no cover - optional
            raise ConfigError("backend='dask' needs dask: pip install 'aiindex[dask]'") from exc
        tasks = [dask.delayed(eng.evaluate_chunk)(codes[a:b], repl[a:b], mult[a:b], want_nodes)
                 for a, b in bounds]
        results = dask.compute(*tasks)
        for (a, b), res in zip(bounds, results, strict=True):
            consume(a, b, res)
    elif backend == "numpy":
        for a, b in bounds:
            consume(a, b, eng.evaluate_chunk(codes[a:b], repl[a:b], mult[a:b], want_nodes))
    else:
        raise ConfigError(f"uncertainty: backend must be 'numpy' or 'dask', got {backend!r}")
    if bar is not None:
        bar.close()
    st = rank_statistics(counts, eng.units)
    nom = eng.nominal
    stats = pd.DataFrame({
        "nominal_rank": nom.ranks[eng.root].reindex(eng.units).astype("Float64"),
        "nominal_score": nom.scores[eng.root].reindex(eng.units),
        "mean_rank": st["mean_rank"],
        "median_rank": st["q0.5"],
        "p5_rank": st["q0.05"],
        "p95_rank": st["q0.95"],
    }, index=eng.units)
    stats["interval_width"] = stats["p95_rank"] - stats["p5_rank"]
    info: dict[str, Any] = {}
    norm_f = [f.name for f in eng.factors if f.type == "choice" and f.stage == "normalize"]
    if norm_f:
        # scores of different normalisers (min-max 1-100, z-scores...) are on different scales:
        # their average has no meaning
        stats["mean_score"] = np.nan
        info["mean_score_note"] = (f"mean_score is NaN: factor(s) {norm_f} vary the normaliser, "
                                   "so replications' scores are on different scales")
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            stats["mean_score"] = np.where(score_cnt > 0, score_sum / np.maximum(score_cnt, 1),
                                           np.nan)
    idx = design.index
    sc_df = pd.DataFrame(scores, index=idx, columns=eng.units) if scores is not None else None
    rk_df = pd.DataFrame(ranks, index=idx, columns=eng.units) if ranks is not None else None
    node_df = None
    if allsc is not None:
        node_df = {c: pd.DataFrame(allsc[:, :, j], index=idx, columns=eng.units)
                   for j, c in enumerate(eng.aggregates)}
    tp = None
    if tiers_cfg is not None:
        if sc_df is not None:
            tp = _tier_probs(eng, tiers_cfg, scores)
        else:
            tp = _combine_tier_probs(tier_acc, eng, tiers_cfg)
        if tiers_cfg.get("rules"):
            info["tier_note"] = _RULES_NOTE
    info.update({"chunk_size": cs, "backend": backend, "keep_scores": keep_scores,
                 "plans": len(eng._plans), "data_variants": len(eng._norm_cache)})
    return UncertaintyResult(design=design.copy(), scores=sc_df, ranks=rk_df, rank_stats=stats,
                             tier_probabilities=tp, factors=list(eng.factors), nominal=nom,
                             seed=seed, node_scores=node_df, info=info)


def _histogram(Rk: np.ndarray, n: int) -> np.ndarray:
    ok = ~np.isnan(Rk)
    u = np.broadcast_to(np.arange(n), Rk.shape)[ok]
    r = Rk[ok].astype(np.int64) - 1
    return np.bincount(u * n + r, minlength=n * n).reshape(n, n)


_TIER_RESERVED = {"method", "node", "refine", "rules", "on", "profile", "dimensions"}


def _tiers_spec(eng: Engine) -> dict[str, Any] | None:
    t = eng.cfg.tiers
    if not t or eng.nominal.tiers is None:
        return None
    return dict(t)


_RULES_NOTE = ("the tiers section has refinement rules; they are not re-applied per "
               "replication (each replication is tiered by the 1-D method only), so "
               "nominal_tier, p_nominal and flag refer to the base tiers before the rules")


def _nominal_tiers(eng: Engine, spec: Mapping[str, Any]) -> tuple[pd.Series, str]:
    """Nominal tiers comparable with the replications' tiers, and their basis.

    Replications are tiered by the 1-D method only; with ``rules`` the comparable nominal tiers
    are the base tiers before refinement (``result.info["tiers"].params["base"]``).
    """
    if spec.get("rules"):
        tr = eng.nominal.info.get("tiers")
        base = getattr(tr, "params", {}).get("base") if tr is not None else None
        if base is None:
            raise ConfigError("uncertainty: the tiers section has rules but the nominal result "
                              "holds no base tiers (result.info['tiers'].params['base'])")
        return base, "base"
    return eng.nominal.tiers, "final"


def _tier_probs(eng: Engine, spec: Mapping[str, Any], S: np.ndarray) -> pd.DataFrame:

    params = {k: v for k, v in spec.items() if k not in _TIER_RESERVED}
    nom, basis = _nominal_tiers(eng, spec)
    out = tier_probabilities(S, method=str(spec.get("method", "jenks")), params=params,
                             nominal=nom, units=list(eng.units))
    out["nominal_basis"] = basis
    return out


def _combine_tier_probs(acc: list[tuple[int, pd.DataFrame]], eng: Engine,
                        spec: Mapping[str, Any]) -> pd.DataFrame:
    tot = sum(k for k, _ in acc)
    pcols = sorted({c for _, d in acc for c in d.columns if c.startswith("p_tier_")},
                   key=lambda c: int(c.rsplit("_", 1)[1]))
    extra = ["p_missing"] if any("p_missing" in d for _, d in acc) else []
    P = sum(d.reindex(columns=pcols + extra, fill_value=0.0)[pcols + extra] * k for k, d in acc)
    out = P / tot
    arr = out[pcols].to_numpy()
    has = arr.sum(axis=1) > 0
    out["modal_tier"] = pd.array(np.where(has, arr.argmax(axis=1) + 1, 0), dtype="Int64")
    out.loc[~has, "modal_tier"] = pd.NA
    nom_s, basis = _nominal_tiers(eng, spec)
    nom = nom_s.reindex(eng.units).astype("Int64")
    out["nominal_tier"] = nom.to_numpy()
    nv = nom.fillna(0).to_numpy(dtype=np.int64)
    # probability of the nominal tier: one gather over units (tier t → column t - 1)
    K = arr.shape[1]
    inside = (nv > 0) & (nv <= K)
    col = np.clip(nv - 1, 0, max(K - 1, 0))[:, None]
    got = (np.take_along_axis(arr, col, axis=1)[:, 0] if K else np.zeros(len(nv)))
    out["p_nominal"] = np.where(inside, got, np.where(nv > 0, 0.0, np.nan))
    out["flag"] = (nv > 0) & has & (out["modal_tier"].fillna(0).to_numpy() != nv)
    out["nominal_basis"] = basis
    return out


# =========================================================================== public API
def sample_design(config: Any, n: int, *, seed: int | None = None,
                  factors: Sequence[Mapping[str, Any]] | None = None,
                  data: Any = None) -> pd.DataFrame:
    """Draw the design matrix of ``n`` replications (seeded) without evaluating it."""
    return Engine(config, data=data, factors=factors).sample(n, seed)


def uncertainty(config: Any, *, n: int | None = None, seed: int | None = None, data: Any = None,
                factors: Sequence[Mapping[str, Any]] | None = None,
                chunk_size: int | None = None, nodes: str | None = None,
                keep_scores: bool | None = None, backend: str | None = None,
                progress: bool = False, engine: Engine | None = None) -> UncertaintyResult:
    """Monte Carlo uncertainty analysis of a config's ``uncertainty`` section.

    Parameters
    ----------
    config
        Config path, mapping or :class:`~aiindex.config.Config`.
    n, seed, chunk_size, nodes, keep_scores, backend
        Override ``uncertainty.n`` (default 1000), ``seed``, ``chunk_size`` (20,000),
        ``nodes`` (``"root"``/``"all"``), ``keep_scores`` and ``backend``
        (``"numpy"``/``"dask"``; dask uses the active ``dask.distributed`` client if any).
        ``keep_scores``: ``True`` keeps scores and ranks per replication, ``False`` never,
        ``None`` (default) only when ``n × units × nodes kept <= MAX_KEPT_CELLS`` (2·10⁷);
        rank statistics and tier probabilities do not need them.
    data
        Data replacing the config's.
    factors
        Factor list replacing the config's.
    progress
        Show a progress bar (tqdm if installed, else a counter on stderr).
    engine
        A compiled :class:`Engine` to reuse (its data variants are cached).

    Returns
    -------
    UncertaintyResult

    Raises
    ------
    ConfigError
        ``n <= 0``, unknown factor type or key, a factor that cannot be applied.
    MethodError
        An alternative naming an unregistered method; a replication whose method cannot be
        applied (e.g. a geometric mean of a zero).
    """
    eng = engine if engine is not None else Engine(config, data=data, factors=factors)
    sec = eng.section
    n = _check_n(n if n is not None else sec.get("n", 1000))
    seed = seed if seed is not None else sec.get("seed")
    design = eng.sample(n, seed)
    return _run_design(eng, design, chunk_size=chunk_size,
                       nodes=nodes or sec.get("nodes", "root"),
                       keep_scores=(sec.get("keep_scores") if keep_scores is None
                                    else keep_scores),
                       backend=backend or sec.get("backend", "numpy"), progress=progress,
                       seed=seed)


def evaluate_design(config: Any, design: pd.DataFrame, *, data: Any = None,
                    factors: Sequence[Mapping[str, Any]] | None = None,
                    chunk_size: int | None = None, nodes: str = "root",
                    keep_scores: bool | None = None, backend: str = "numpy",
                    progress: bool = False, engine: Engine | None = None) -> UncertaintyResult:
    """Evaluate a user-given design (one row per replication, one column per factor).

    Discrete factors take an alternative's label (as in :func:`sample_design`'s output) or its
    0-based index; ``weight_noise`` columns ``name[node]`` take multipliers, ``dirichlet``
    columns local weights. Every declared factor column must be present. ``keep_scores`` as in
    :func:`uncertainty` (default ``None``: kept up to :data:`MAX_KEPT_CELLS` cells).
    """
    eng = engine if engine is not None else Engine(config, data=data, factors=factors)
    return _run_design(eng, design, chunk_size=chunk_size, nodes=nodes, keep_scores=keep_scores,
                       backend=backend, progress=progress, seed=None)


# =========================================================================== CLI


def run_config(result: Any) -> UncertaintyResult | None:
    """The uncertainty analysis configured in ``result.config`` (``None`` if none is configured).

    Used by :mod:`aiindex.report` to add rank intervals to the HTML report.
    """
    cfg = result.config
    if not cfg.uncertainty:
        return None
    return uncertainty(cfg)
