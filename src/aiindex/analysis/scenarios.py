"""What-if scenarios, leave-one-out and score decomposition.

A **scenario** is a small YAML overlay on a config::

    name: double_sustainability
    description: Sustainability counts twice
    weights:                           # the config's weights section (docs/weights.md)
      explicit: {Sust: 2}              # raw weight of any node (relative among its siblings)
    drop: [Goods, Services]            # nodes removed (with everything below them)
    add:                               # new nodes (a metric needs its column in the data)
      - {code: NewMetric, parent: Physical, weight: 1, direction: 1}
    normalize: {method: zscore, mean: 10, sd: 2}   # any stage section, deep-merged
    aggregate: {method: geometric}
    rescale: {method: minmax}          # any other config section, deep-merged

Everything except ``name``, ``description``, ``drop`` and ``add`` is merged into the config
with the rules of :func:`aiindex.config.resolve_config` (a ``null`` deletes a key; naming
another ``method`` replaces the old method's parameters). ``weights`` is the same section as in
a config — ``method``, ``levels``, ``groups``, ``explicit`` — in every place (config, scenario,
calibration overlay, explorer download); the old scenario form ``weights: {Sust: 2}`` is an
error whose message shows the new one. Explicit weights are applied last, after any weighting
scheme of the config. Framework edits are applied in the order add → drop; explicit weights of
dropped nodes are ignored. A scenario may carry ``extends:`` (a calibration overlay does): it is
ignored, with a warning when it names another config than the one the scenario runs against.
An overlay that restates the base config's own values is a no-op.

Signs, the same as in :func:`aiindex.panel.trends` and the weight explorer: ``rank_change =
base_rank - rank`` (positive = the unit moved up), ``tier_change = base_tier - tier`` (positive =
a better tier).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import _progress
from ..config import STAGES, WEIGHTS_KEYS, resolve_config, weights_hint
from ..errors import ConfigError, MethodError, ValidationError
from ..framework import Framework, Node
from ..pipeline import build_framework, load_dataset, run_dataset
from ..stages import AGGREGATORS, check_methods, stage_choices
from ..stages.aggregate import build_weights
from ..yamlio import load_yaml

__all__ = ["load_scenario", "run_scenario", "whatif", "leave_one_out", "decompose",
           "FRAMEWORK_KEYS", "StageCache"]

#: scenario keys that edit the framework rather than the config
FRAMEWORK_KEYS = ("drop", "add")
_META = ("name", "description", "extends")


def load_scenario(scenario: str | Path | Mapping[str, Any], default_name: str = "scenario"
                  ) -> dict[str, Any]:
    """Read a scenario (YAML path or mapping) into a plain dict with a ``name``."""
    if isinstance(scenario, Mapping):
        sc = dict(scenario)
    else:
        p = Path(scenario)
        sc = load_yaml(p)
        if not isinstance(sc, Mapping):
            raise ConfigError(f"scenario file {p} must hold a mapping")
        sc = dict(sc)
        default_name = p.stem
        if isinstance(sc.get("extends"), str):  # a calibration overlay names its base config
            sc["extends"] = str((p.resolve().parent / sc["extends"]).resolve())
    sc.setdefault("name", default_name)
    if "weights" in sc and not isinstance(sc["weights"], Mapping):
        raise ConfigError(f"scenario {sc['name']!r}: 'weights' must be the weights section "
                          "(method, levels, groups, explicit), e.g. weights: {explicit: "
                          "{Sust: 2}}")
    if "drop" in sc and not isinstance(sc["drop"], list):
        raise ConfigError(f"scenario {sc['name']!r}: 'drop' must be a list of node codes")
    if "add" in sc and not isinstance(sc["add"], list):
        raise ConfigError(f"scenario {sc['name']!r}: 'add' must be a list of nodes")
    return sc


def _edit_framework(fw: Framework, sc: Mapping[str, Any]) -> Framework:
    name = sc.get("name", "scenario")
    if sc.get("add"):
        new = []
        for i, nd in enumerate(sc["add"]):
            if not isinstance(nd, Mapping) or "code" not in nd or "parent" not in nd:
                raise ConfigError(f"scenario {name!r}: add[{i}] needs 'code' and 'parent'")
            if nd["code"] in fw.nodes:
                raise ConfigError(f"scenario {name!r}: add[{i}]: node {nd['code']!r} exists")
            if nd["parent"] not in fw.nodes:
                raise ConfigError(f"scenario {name!r}: add[{i}]: unknown parent {nd['parent']!r}")
            rec = {k: v for k, v in nd.items() if k != "children"}
            rec.setdefault("level", 1)
            try:
                new.append(Node(**rec))
            except Exception as exc:  # pydantic
                raise ConfigError(f"scenario {name!r}: add[{i}] invalid: {exc}") from None
        nodes = [n.model_copy(update={"type": "metric"}) for n in fw.nodes.values()] + new
        fw = Framework(nodes, extras=fw.extras, name=fw.name)
    if sc.get("drop"):
        unknown = sorted(set(sc["drop"]) - set(fw.nodes))
        if unknown:
            raise ConfigError(f"scenario {name!r}: cannot drop unknown node(s) {unknown}")
        fw = fw.drop([str(c) for c in sc["drop"]])
    return fw


def _check_weights_dialect(config: Any, sc: Mapping[str, Any]) -> None:
    """Reject the old scenario form ``weights: {Sust: 2}`` with the new one in the message.

    Only keys beside ``method``/``levels``/``groups``/``explicit`` are looked at (they may be
    parameters of a weighting method); those that are node codes of the framework are raw
    weights in the old form.
    """
    w = sc.get("weights") or {}
    extra = [k for k in w if k not in WEIGHTS_KEYS]
    if not extra:
        return
    nodes = build_framework(resolve_config(config)).nodes
    old = {k: w[k] for k in extra if k in nodes}
    if old:
        raise ConfigError(f"scenario {sc.get('name', 'scenario')!r}: 'weights: {old}' is the old "
                          f"form; raw node weights go under explicit: `{weights_hint(old)}`")


def _reconcile_weights_section(cfg: Any, fw: Framework, sc: Mapping[str, Any]) -> Any:
    """The config's ``weights`` section (with the scenario's merged in) for the edited
    framework: a scenario's explicit weights must name nodes of it; explicit weights and groups
    of nodes the scenario dropped are removed."""
    name = sc.get("name", "scenario")
    mine = dict((sc.get("weights") or {}).get("explicit") or {})
    added = {str(n.get("code")) for n in sc.get("add") or [] if isinstance(n, Mapping)}
    dropped = {str(c) for c in sc.get("drop") or []}
    unknown = sorted(str(k) for k in mine if k not in fw.nodes and k not in added | dropped)
    if unknown:
        raise ConfigError(f"scenario {name!r}: weights for unknown node(s) {unknown}")
    if not cfg.weights:
        return cfg
    sec = dict(cfg.weights)
    explicit = {k: v for k, v in dict(sec.get("explicit") or {}).items() if k in fw.nodes}
    groups = {k: v for k, v in dict(sec.get("groups") or {}).items() if k in fw.nodes}
    sec["explicit"] = explicit
    if "groups" in sec:
        sec["groups"] = groups
    if not explicit:
        sec.pop("explicit")
    return cfg.model_copy(update={"weights": sec})


def _drop_overrides_of_removed(cfg: Any, removed: set[str]) -> Any:
    """Stage overrides of nodes a scenario dropped no longer apply: remove them."""
    if not removed:
        return cfg
    update = {}
    for stage in STAGES:
        sec = cfg.stage(stage)
        if any(c in removed for c in sec.overrides):
            keep = {c: v for c, v in sec.overrides.items() if c not in removed}
            update[stage] = sec.model_copy(update={"overrides": keep})
    return cfg.model_copy(update=update) if update else cfg


def run_scenario(config: Any, scenario: str | Path | Mapping[str, Any] | None = None,
                 data: Any = None, *, cache: StageCache | None = None):
    """Run the config with one scenario overlay (``None`` = the base); returns a ``Result``.

    ``cache`` (a :class:`StageCache`) reuses the data and prepared stages of earlier runs that
    the scenario does not change.
    """
    sc = load_scenario(scenario) if scenario is not None else {"name": "base"}
    _check_weights_dialect(config, sc)
    _check_extends(config, sc)
    over = {k: v for k, v in sc.items() if k not in FRAMEWORK_KEYS + _META}
    cfg = resolve_config(config, over or None)
    fw0 = build_framework(cfg)
    fw = _edit_framework(fw0, sc)
    cfg = _reconcile_weights_section(cfg, fw, sc)
    cfg = _drop_overrides_of_removed(cfg, set(fw0.nodes) - set(fw.nodes))
    problems = check_methods(cfg, fw)
    if problems:
        raise ValidationError(problems, title=f"invalid scenario {sc['name']!r}")
    if cache is not None:
        return cache.run(cfg, fw)
    ds = load_dataset(cfg, fw, data)
    return run_dataset(cfg, fw, ds)


def _check_extends(config: Any, sc: Mapping[str, Any]) -> None:
    """Warn when a scenario's ``extends`` names another config than the one it runs against."""
    ext = sc.get("extends")
    if not isinstance(ext, str):
        return
    src = getattr(config, "source_file", None) if not isinstance(config, str | Path) else config
    if src is not None and Path(ext).resolve() != Path(str(src)).resolve():
        warnings.warn(f"scenario {sc.get('name', 'scenario')!r} extends {ext} but is run against "
                      f"{src}: its sections are applied to {src}", stacklevel=3)


def _tidy(res: Any, name: str) -> pd.DataFrame:
    root = res.framework.root
    df = pd.DataFrame({"scenario": name, "uCode": res.scores.index,
                       "score": res.scores[root].to_numpy(),
                       "rank": res.ranks[root].to_numpy()})
    if res.tiers is not None:
        df["tier"] = res.tiers.reindex(res.scores.index).to_numpy()
    return df


def whatif(config: Any, scenarios: Sequence[str | Path | Mapping[str, Any]],
           data: Any = None) -> pd.DataFrame:
    """Run each scenario and compare it with the base.

    Parameters
    ----------
    config
        The base config (path, bundled name, mapping or :class:`~aiindex.config.Config`).
    scenarios
        Scenario overlays: YAML files or mappings (``weights``, ``drop``, ``add``, stage
        sections; see :func:`load_scenario`).
    data
        Data replacing the config's.

    Returns
    -------
    DataFrame
        Tidy, one row per scenario and unit (the base first, scenario ``"base"``): ``scenario,
        uCode, score, rank[, tier], base_rank, rank_change[, base_tier, tier_change]``. A unit
        present in only one of the runs gets ``<NA>`` changes.
    """
    cfg = resolve_config(config)
    cache = StageCache(data)
    with _progress.step("scenarios", total=len(scenarios) + 1) as advance:
        base = run_scenario(cfg, None, data, cache=cache)
        advance()
        frames = [_tidy(base, "base")]
        names = ["base"]
        for i, s in enumerate(scenarios):
            sc = load_scenario(s, default_name=f"scenario{i + 1}")
            if sc["name"] in names:
                raise ConfigError(f"duplicate scenario name {sc['name']!r}")
            names.append(sc["name"])
            frames.append(_tidy(run_scenario(cfg, sc, data, cache=cache), sc["name"]))
            advance()
    out = pd.concat(frames, ignore_index=True)
    b = frames[0].set_index("uCode")
    out["base_rank"] = out["uCode"].map(b["rank"]).astype("Int64")
    out["rank"] = out["rank"].astype("Int64")
    out["rank_change"] = out["base_rank"] - out["rank"]
    if "tier" in out:
        out["tier"] = out["tier"].astype("Int64")
        out["base_tier"] = out["uCode"].map(b["tier"]).astype("Int64")
        out["tier_change"] = out["base_tier"] - out["tier"]
    return out


def leave_one_out(config: Any, level: int, data: Any = None) -> pd.DataFrame:
    """Drop each component of ``level`` in turn and compare the root ranks with the base.

    Parameters
    ----------
    config
        The base config.
    level
        Level whose components are dropped one at a time (below the root).
    data
        Data replacing the config's.

    Returns
    -------
    DataFrame
        Tidy: ``dropped, uCode, base_rank, rank, rank_change, mean_abs_rank_change`` (the last
        is the mean of ``|rank_change|`` over units for that dropped component).
    """
    cfg = resolve_config(config)
    fw = build_framework(cfg)
    codes = [c for c in fw.level_codes(level) if c != fw.root]
    if not codes:
        raise ConfigError(f"leave_one_out: level {level} has no component; levels are "
                          f"1..{fw.depth - 1} below the root")
    base = run_scenario(cfg, None, data)
    root = fw.root
    br = base.ranks[root]
    frames = []
    for c in codes:  # one pipeline run per component
        res = run_scenario(cfg, {"name": f"-{c}", "drop": [c]}, data)
        rk = res.ranks[root].reindex(br.index)
        ch = (br - rk).astype("Float64")  # positive = moved up
        frames.append(pd.DataFrame({"dropped": c, "uCode": br.index, "base_rank": br.to_numpy(),
                                    "rank": rk.to_numpy(), "rank_change": ch.to_numpy(),
                                    "mean_abs_rank_change": float(ch.abs().mean())}))
    return pd.concat(frames, ignore_index=True)


def decompose(result: Any, node: str | None = None) -> pd.DataFrame:
    """Contribution of each metric to each unit's score of ``node`` (default: the root).

    For a tree aggregated by **weighted arithmetic means** throughout, the contribution of
    metric ``m`` is ``e_m(u) × x_m(u)``: its per-unit effective weight (the product of the local
    weights on the path, each renormalised over the children the unit has data for, as the
    aggregation does) times its normalised score. The contributions of a unit sum exactly to its
    score. For a tree aggregated by **geometric means** throughout, the decomposition is of the
    log-score: ``e_m(u) × log x_m(u)``, summing to ``log(score)``. Any other aggregator (or a
    mix) has no additive decomposition: :class:`MethodError`. A unit whose score is missing at
    an intermediate node below ``min_share`` has no decomposition either (its row is ``NaN``).

    Parameters
    ----------
    result
        A :class:`~aiindex.pipeline.Result`.
    node
        Aggregate whose score is decomposed (default: the root).

    Returns
    -------
    DataFrame
        Units × metrics under ``node``.
    """
    fw: Framework = result.framework
    node = node or fw.root
    if node not in fw.nodes or fw.nodes[node].type != "aggregate":
        raise ConfigError(f"decompose: {node!r} is not an aggregate node")
    choices = stage_choices(result.config, fw, "aggregate")
    below = [c for c in fw.aggregates if c == node or node in fw.ancestors(c)]
    methods = {_canon(choices[c].method) for c in below}
    if methods == {"arithmetic"}:
        kind = "arithmetic"
    elif methods == {"geometric"}:
        kind = "geometric"
    else:
        raise MethodError(f"decompose: node {node!r} is aggregated with {sorted(methods)}; only an "
                          "all-arithmetic (additive) or all-geometric (log-additive) tree can be "
                          "decomposed")
    allsc = result.stages["aggregated"]
    units = allsc.index
    eff = {node: np.ones(len(units))}
    for p in reversed(below):  # top-down
        kids = fw.children(p)
        X = allsc[kids].to_numpy(dtype=np.float64)
        w = np.array([fw.nodes[c].weight for c in kids])
        W = build_weights(X, w)
        for j, c in enumerate(kids):
            eff[c] = eff[p] * W[:, j]
    metrics = fw.leaves_under(node)
    X = allsc[metrics].to_numpy(dtype=np.float64)
    E = np.column_stack([eff[m] for m in metrics])
    with np.errstate(divide="ignore", invalid="ignore"):
        V = X if kind == "arithmetic" else np.log(np.where(E > 0, X, 1.0))
    C = np.where(E > 0, E * np.nan_to_num(V, nan=0.0), 0.0)
    C[np.isnan(allsc[node].to_numpy(dtype=np.float64))] = np.nan
    return pd.DataFrame(C, index=units, columns=metrics)


def _canon(method: str) -> str:
    return AGGREGATORS.canonical(method)


# =========================================================================== stage cache
#: config sections that the data-preparation stages (up to ``treat``) read
_PREP_SECTIONS = ("data", "denominate", "impute", "screen", "treat")


class StageCache:
    """The loaded data and prepared stages shared by the runs of one :func:`whatif` call.

    A scenario that changes only weights, the normaliser, the aggregation or the tiers reuses
    the base run's data and its ``denominate`` … ``treat`` stages (the stages read neither the
    weights nor those sections); one that adds or drops nodes, or changes a data-preparation
    section, gets its own (cached in turn for the scenarios after it). Normalisation and the
    steps after it run for every scenario.

    Parameters
    ----------
    data
        The data given to :func:`whatif` (``None`` = the config's).
    """

    def __init__(self, data: Any = None) -> None:
        self.data = data
        self._datasets: dict[str, Any] = {}
        self._prepared: dict[str, Any] = {}
        self.hits = 0

    def run(self, cfg: Any, fw: Framework) -> Any:
        """``run_dataset(cfg, fw, load_dataset(cfg, fw, data))``, reusing what it can."""
        import copy
        from dataclasses import replace

        from ..pipeline import finish, pooled_reference, prepare

        shape = _framework_shape(fw)
        raw = cfg.to_dict()
        dkey = _cache_key(raw.get("data"), cfg.base_dir, shape)
        pkey = _cache_key({**{k: raw.get(k) for k in _PREP_SECTIONS},
                           "pooled": cfg.normalize.option("pooled", False)}, cfg.base_dir, shape)
        if pkey in self._prepared:
            self.hits += 1
        else:
            if dkey not in self._datasets:
                self._datasets[dkey] = load_dataset(cfg, fw, self.data)
            ds = self._datasets[dkey]
            prep = prepare(cfg, fw, ds)
            # a panel config with pooled normalisation: its pooled bounds, as run() uses them
            self._prepared[pkey] = (prep, pooled_reference(cfg, fw, ds, prep))
        prep, reference = self._prepared[pkey]
        ctx = copy.copy(prep.ctx)
        ctx.framework = fw
        return finish(replace(prep, cfg=cfg, framework=fw, ctx=ctx), reference=reference)


def _framework_shape(fw: Framework) -> Any:
    """The framework without its weights (what the data stages may read)."""
    def strip(d: Any) -> Any:
        if isinstance(d, Mapping):
            return {k: strip(v) for k, v in d.items() if k != "weight"}
        if isinstance(d, list):
            return [strip(v) for v in d]
        return d

    return strip(fw.to_dict())


def _cache_key(*parts: Any) -> str:
    import json

    return json.dumps(parts, sort_keys=True, default=repr)


# =========================================================================== CLI
