"""What-if scenarios, leave-one-out and score decomposition.

A **scenario** is a small YAML overlay on a config::

    name: double_sustainability
    description: Sustainability counts twice
    weights: {Sust: 2}                 # raw weight of any node (relative among its siblings)
    drop: [Goods, Services]            # nodes removed (with everything below them)
    add:                               # new nodes (a metric needs its column in the data)
      - {code: NewMetric, parent: Physical, weight: 1, direction: 1}
    normalize: {method: zscore, mean: 10, sd: 2}   # any stage section, deep-merged
    aggregate: {method: geometric}

Stage sections (and any other config key except ``name``, ``description``, ``weights``, ``drop``,
``add``) are deep-merged into the config with :func:`aiindex.config.deep_merge` (a ``null``
deletes a key, so ``{method: zscore, low: null, high: null}`` switches method and drops the old
parameters). Framework edits are applied in the order add → weights → drop with
:meth:`Framework.with_weights` / :meth:`Framework.drop`. An overlay that restates the base
config's own values is a no-op.

Signs, the same as in :func:`aiindex.panel.trends` and the weight explorer: ``rank_change =
base_rank - rank`` (positive = the unit moved up), ``tier_change = base_tier - tier`` (positive =
a better tier).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config import STAGES, resolve_config
from ..errors import ConfigError, MethodError, ValidationError
from ..framework import Framework, Node
from ..pipeline import build_framework, load_dataset, run_dataset
from ..stages import AGGREGATORS, check_methods, stage_choices
from ..stages.aggregate import build_weights
from ..yamlio import load_yaml

__all__ = ["load_scenario", "run_scenario", "whatif", "leave_one_out", "decompose",
           "FRAMEWORK_KEYS"]

#: scenario keys that edit the framework rather than the config
FRAMEWORK_KEYS = ("weights", "drop", "add")
_META = ("name", "description")


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
    sc.setdefault("name", default_name)
    if "weights" in sc and not isinstance(sc["weights"], Mapping):
        raise ConfigError(f"scenario {sc['name']!r}: 'weights' must be a mapping node -> weight")
    _check_weight_values(sc)
    if "drop" in sc and not isinstance(sc["drop"], list):
        raise ConfigError(f"scenario {sc['name']!r}: 'drop' must be a list of node codes")
    if "add" in sc and not isinstance(sc["add"], list):
        raise ConfigError(f"scenario {sc['name']!r}: 'add' must be a list of nodes")
    return sc


def _check_weight_values(sc: Mapping[str, Any]) -> None:
    """Scenario weights given as plain values must be finite numbers >= 0 (``heavy``, ``yes``,
    ``-2`` or ``.inf`` are errors naming the node, never a traceback)."""
    import math

    for code, w in dict(sc.get("weights") or {}).items():
        if isinstance(w, Mapping):
            continue
        where = f"scenario {sc['name']!r}: weights.{code}"
        if isinstance(w, bool) or not isinstance(w, int | float):
            raise ConfigError(f"{where}: weight of {code!r} must be a number, got {w!r}")
        if not math.isfinite(w) or w < 0:
            what = "negative" if w < 0 else "not finite"
            raise ConfigError(f"{where}: weight of {code!r} is {what} ({w!r}); weights are "
                              "relative among siblings and must be finite numbers >= 0")


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
    if sc.get("weights"):
        unknown = sorted(set(sc["weights"]) - set(fw.nodes))
        if unknown:
            raise ConfigError(f"scenario {name!r}: weights for unknown node(s) {unknown}")
        fw = fw.with_weights({str(k): float(v) for k, v in sc["weights"].items()})
    if sc.get("drop"):
        unknown = sorted(set(sc["drop"]) - set(fw.nodes))
        if unknown:
            raise ConfigError(f"scenario {name!r}: cannot drop unknown node(s) {unknown}")
        fw = fw.drop([str(c) for c in sc["drop"]])
    return fw


def _reconcile_weights_section(cfg: Any, fw: Framework, sc: Mapping[str, Any]) -> Any:
    """Keep a scenario's weights in force when the config has a ``weights`` section.

    The pipeline applies the config's weighting scheme (and its ``explicit`` weights) after
    building the framework, which would overwrite the scenario's ``weights``. So scenario weights
    are merged into ``weights.explicit`` (applied last), and explicit weights of nodes the
    scenario dropped are removed.
    """
    if not cfg.weights:
        return cfg
    sec = dict(cfg.weights)
    explicit = {k: v for k, v in dict(sec.get("explicit") or {}).items() if k in fw.nodes}
    explicit.update({str(k): float(v) for k, v in (sc.get("weights") or {}).items()})
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
                 data: Any = None):
    """Run the config with one scenario overlay (``None`` = the base); returns a ``Result``."""
    sc = load_scenario(scenario) if scenario is not None else {"name": "base"}
    over = {k: v for k, v in sc.items() if k not in FRAMEWORK_KEYS + _META}
    cfg = resolve_config(config, over or None)
    fw0 = build_framework(cfg)
    fw = _edit_framework(fw0, sc)
    cfg = _reconcile_weights_section(cfg, fw, sc)
    cfg = _drop_overrides_of_removed(cfg, set(fw0.nodes) - set(fw.nodes))
    problems = check_methods(cfg, fw)
    if problems:
        raise ValidationError(problems, title=f"invalid scenario {sc['name']!r}")
    ds = load_dataset(cfg, fw, data)
    return run_dataset(cfg, fw, ds)


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

    Returns
    -------
    DataFrame
        Tidy, one row per scenario and unit (the base first, scenario ``"base"``): ``scenario,
        uCode, score, rank[, tier], base_rank, rank_change[, base_tier, tier_change]``. A unit
        present in only one of the runs gets ``<NA>`` changes.
    """
    cfg = resolve_config(config)
    base = run_scenario(cfg, None, data)
    frames = [_tidy(base, "base")]
    names = ["base"]
    for i, s in enumerate(scenarios):
        sc = load_scenario(s, default_name=f"scenario{i + 1}")
        if sc["name"] in names:
            raise ConfigError(f"duplicate scenario name {sc['name']!r}")
        names.append(sc["name"])
        frames.append(_tidy(run_scenario(cfg, sc, data), sc["name"]))
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


# =========================================================================== CLI
