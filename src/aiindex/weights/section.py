"""The ``weights`` config section: schemes per level or per group of siblings, weights optimised
at a level against the index, explicit weights.

:func:`apply_weights_config` is called by the pipeline after normalisation; it fits the weights
of each group of siblings bottom-up with the registered schemes of
:mod:`aiindex.weights.schemes` (and, with ``optimize``, those of every node at one level with
:func:`aiindex.weights.optimize.optimize_level_weights`) and returns a framework with the new raw
weights.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..config import Config, StageSection, resolve_choice, weights_hint
from ..errors import ConfigError, DataError
from ..framework import Framework
from ..stages.aggregate import aggregate_stage
from .schemes import WEIGHTERS

__all__ = ["OPTIMIZE_KEYS", "apply_weights_config", "compute_weights",
           "effective_weights_table"]


def effective_weights_table(fw: Framework,
                            weights: Mapping[str, float] | pd.Series | None = None) -> pd.DataFrame:
    """Every node's raw, local (among siblings) and effective (in the index) weight.

    Parameters
    ----------
    fw
        The framework.
    weights
        Raw weights replacing the framework's for some nodes.

    Returns
    -------
    DataFrame
        Index = node codes (framework order); columns ``parent, level, type, weight,
        local_weight, effective_weight``. Effective weights sum to 1 over the metrics.
    """
    raw = pd.Series({c: n.weight for c, n in fw.nodes.items()}, dtype=float)
    if weights is not None:
        raw.update(pd.Series(weights, dtype=float))
    return pd.DataFrame({
        "parent": pd.Series({c: n.parent for c, n in fw.nodes.items()}, dtype=object),
        "level": pd.Series({c: n.level for c, n in fw.nodes.items()}, dtype="Int64"),
        "type": pd.Series({c: n.type for c, n in fw.nodes.items()}, dtype=object),
        "weight": raw,
        "local_weight": fw.local_weights(weights),
        "effective_weight": fw.effective_weights(weights),
    })


def compute_weights(method: str, X: pd.DataFrame, params: Mapping[str, Any] | None = None, *,
                    where: str = "") -> pd.Series:
    """Run registered scheme ``method`` on ``X`` with parameters checked.

    Parameters
    ----------
    method
        A scheme of :data:`WEIGHTERS` (``equal``, ``pca``, ``entropy``, ...).
    X
        Units × components of one group.
    params
        The scheme's parameters (checked against its signature).
    where
        Where the scheme is used, for error messages.

    Returns
    -------
    Series
        One weight per column of ``X``, summing to 1.
    """
    return WEIGHTERS.call(method, X, where=where, **dict(params or {}))


_RESERVED = ("method", "levels", "groups", "explicit", "optimize")

#: keys of ``weights.optimize`` (the rest of :func:`optimize_level_weights`' keywords)
OPTIMIZE_KEYS = ("level", "optype", "target", "method", "cortype", "lower", "upper", "toler",
                 "maxiter")


def _parse_optimize(spec: Any, fw: Framework) -> dict[str, Any] | None:
    """The ``weights.optimize`` mapping, checked (``None`` when absent)."""
    if spec is None:
        return None
    if not isinstance(spec, Mapping) or "level" not in spec:
        raise ConfigError("weights.optimize must be a mapping with at least 'level' (the level "
                          "of the nodes whose weights are optimised), e.g. {level: 2, optype: "
                          "balance}")
    unknown = sorted(set(map(str, spec)) - set(OPTIMIZE_KEYS))
    if unknown:
        raise ConfigError(f"weights.optimize: unknown key(s) {unknown}; allowed: "
                          f"{list(OPTIMIZE_KEYS)}")
    try:
        level = int(spec["level"])
    except (TypeError, ValueError):
        raise ConfigError(f"weights.optimize.level must be an integer, got "
                          f"{spec['level']!r}") from None
    if not 1 <= level < fw.depth:
        raise ConfigError(f"weights.optimize.level must be in 1..{fw.depth - 1} (the level of "
                          f"the nodes whose weights are optimised), got {level}")
    return {**dict(spec), "level": level}


def _parse_section(section: Mapping[str, Any], fw: Framework
                   ) -> tuple[StageSection, dict[str, Any], dict[str, Any] | None]:
    """The section as a stage section (default → levels → groups), explicit weights, optimize.

    Raises
    ------
    ConfigError
        Every problem at once: unknown nodes in ``groups``/``explicit``, bad levels, node codes
        at the top of the section (the old form of raw weights; the message shows the new one)
        and unknown parameters of the method.
    """
    if not isinstance(section, Mapping):
        raise ConfigError("weights section must be a mapping (config key weights)")
    sec = dict(section)
    optimize = _parse_optimize(sec.pop("optimize", None), fw)
    explicit_w = sec.pop("explicit", None) or {}
    groups = sec.pop("groups", None) or {}
    levels = sec.pop("levels", None) or {}
    if not isinstance(explicit_w, Mapping) or not isinstance(groups, Mapping) \
            or not isinstance(levels, Mapping):
        raise ConfigError("weights.explicit, weights.groups and weights.levels must be mappings")
    problems = []
    for g in groups:
        if g not in fw.nodes:
            problems.append(f"weights.groups.{g}: unknown node")
        elif fw.nodes[g].type != "aggregate":
            problems.append(f"weights.groups.{g}: {g!r} is a metric; groups name the parent "
                            "aggregate whose children get weights")
    for c in explicit_w:
        if c not in fw.nodes:
            problems.append(f"weights.explicit.{c}: unknown node")
    lv: dict[int, Any] = {}
    for k, v in levels.items():
        try:
            ki = int(k)
        except (TypeError, ValueError):
            problems.append(f"weights.levels.{k}: level must be an integer")
            continue
        if ki < 2 or ki > fw.depth:
            problems.append(f"weights.levels.{k}: parent level must be in 2..{fw.depth}")
        lv[ki] = dict(v or {})
    method = str(sec.get("method", "none"))
    nodes = {k: v for k, v in sec.items() if k != "method" and k in fw.nodes}
    if nodes:
        problems.append(f"{sorted(nodes)} are nodes of the framework, not parameters of the "
                        f"weighting method {method!r}: raw node weights go under explicit, "
                        f"e.g. `{weights_hint(nodes)}`")
    elif method != "none" and method in WEIGHTERS:
        params = {k: v for k, v in sec.items() if k != "method"}
        unknown = WEIGHTERS.unknown_params(method, params)
        if unknown:
            problems.append(f"unknown parameter(s) {unknown} of weighting method {method!r}; "
                            f"parameters: {WEIGHTERS.accepted_params(method)}")
    if problems:
        raise ConfigError("invalid weights section: " + "; ".join(problems))
    method = str(sec.pop("method", "none"))
    stage = StageSection(method=method, levels=lv,
                         overrides={str(k): dict(v or {}) for k, v in groups.items()}, **sec)
    return stage, {str(k): v for k, v in explicit_w.items()}, optimize


def _optimized_parents(stage: StageSection, fw: Framework,
                       optimize: Mapping[str, Any] | None) -> set[str]:
    """Parents of the optimised level's nodes; a scheme named for one of them is an error."""
    if optimize is None:
        return set()
    parents = {fw.nodes[c].parent for c in fw.level_codes(optimize["level"])}
    parents.discard(None)
    clash = sorted(p for p in parents
                   if "method" in (stage.overrides.get(p) or {})
                   or "method" in (stage.levels.get(fw.nodes[p].level) or {}))
    if clash:
        raise ConfigError(f"weights: groups {clash} get a scheme in weights.groups/levels and "
                          f"are also optimised by weights.optimize (level "
                          f"{optimize['level']}); keep one of the two")
    return {str(p) for p in parents}


def _optimize_step(optimize: Mapping[str, Any], fw: Framework, normalized: pd.DataFrame,
                   cfg: Config) -> tuple[dict[str, float], dict[str, Any]]:
    """Run ``weights.optimize`` on the current framework: new weights and the group info."""
    from .optimize import optimize_level_weights

    kw = {k: v for k, v in optimize.items() if k != "level"}
    res = optimize_level_weights(normalized, fw, optimize["level"], cfg=cfg, **kw)
    info = {"method": f"optimize ({res.optype}, {res.method})", "params": dict(optimize),
            "units_used": int(len(normalized)), "units_dropped": 0,
            "diagnostics": {"objective": res.objective, "coinr": res.coinr["objective"],
                            "nominal": res.nominal_objective, "statement": res.statement(),
                            "table": res.table}}
    return {str(c): float(v) for c, v in res.weights.items()}, info


def apply_weights_config(section: Mapping[str, Any], fw: Framework, normalized: pd.DataFrame, *,
                         cfg: Config) -> tuple[Framework, dict[str, Any]]:
    """Apply the ``weights`` config section: compute new raw weights per group of siblings.

    Schema (every key optional)::

        weights:
          method: entropy          # default scheme for every group of siblings ("none" = keep
          <params>                 #   the framework's weights); other keys are its parameters
          levels:                  # by level of the PARENT (the aggregate being formed)
            2: {method: pca, cumulative_min: 0.7}
          groups:                  # by parent code: weights of that node's children
            Conn: {method: ahp, matrix: [[1, 3], [0.3333, 1]]}
          explicit: {Conn: 2}      # raw weights set last, for any node
          optimize:                # weights of ALL nodes at one level against the index
            level: 2               # (COINr get_opt_weights; keys: optype, target, method,
            optype: balance        #  cortype, lower, upper, toler, maxiter)

    Layering is the config's one rule (:func:`aiindex.config.resolve_choice`): default →
    ``levels[parent level]`` → ``groups[parent]``; a layer naming ``method`` replaces method and
    parameters, one without only updates parameters. Groups are processed bottom-up: the
    children of a group that are aggregates are scored first (``aggregate_stage``) with the
    weights fitted so far below them. Data-driven schemes use the units with complete scores
    for that group (the number used is recorded). ``optimize`` fits the weights of the nodes at
    its ``level`` when the loop reaches their parents (so with the weights fitted below), in
    place of the default scheme for those parents; ``explicit`` weights are set last.

    Parameters
    ----------
    section, fw, normalized, cfg
        The ``weights`` section (schema above), the framework whose weights are replaced, the
        normalised metrics (data of data-driven schemes), the config (its ``aggregate``
        section scores intermediate groups).

    Returns
    -------
    framework : Framework
        With the new raw weights (each weighted group's weights sum to 1).
    info : dict
        ``table`` (per node: parent, level, method, nominal and new local and effective
        weights), ``groups`` (per parent: method, params, units used, scheme diagnostics).
    """
    stage, explicit_w, optimize = _parse_section(section, fw)
    opt_parents = _optimized_parents(stage, fw, optimize)
    nominal = fw
    new: dict[str, float] = {}
    method_of: dict[str, str] = {}
    ginfo: dict[str, Any] = {}
    cur = fw
    for lvl in range(2, fw.depth + 1):
        parents = [p for p in fw.aggregates if fw.nodes[p].level == lvl]
        if optimize is not None and opt_parents & set(parents):
            upd, ginfo[f"level {optimize['level']}"] = _optimize_step(optimize, cur, normalized,
                                                                      cfg)
            method_of.update({c: "optimize" for c in upd})
            new.update(upd)
            cur = cur.with_weights(upd)
        todo = []
        for p in parents:
            ch = resolve_choice(stage, "weights", p, lvl)
            if ch.method != "none" and p not in opt_parents:
                todo.append((p, ch))
        if not todo:
            continue
        need_agg = any(fw.nodes[c].type == "aggregate" for p, _ in todo for c in fw.children(p))
        scores = normalized
        if need_agg:
            agg = aggregate_stage(cfg, cur, normalized)
            scores = pd.concat([normalized, agg], axis=1)
        upd: dict[str, float] = {}
        for p, ch in todo:
            kids = fw.children(p)
            missing = [c for c in kids if c not in scores.columns]
            if missing:
                raise DataError(f"weights for group {p!r}: no scores for child(ren) {missing}")
            Xg = scores[kids]
            complete = Xg.dropna()
            where = f"weights group {p!r}"
            w = compute_weights(ch.method, complete, ch.params, where=where)
            for c in kids:
                upd[c] = float(w[c])
                method_of[c] = ch.method
            ginfo[p] = {"method": ch.method, "params": dict(ch.params),
                        "units_used": int(len(complete)), "units_dropped": int(len(Xg) - len(complete)),
                        "diagnostics": dict(w.attrs)}
        new.update(upd)
        cur = cur.with_weights(upd)
    if explicit_w:
        try:
            cur = cur.with_weights({k: float(v) for k, v in explicit_w.items()})
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"weights.explicit: weights must be numbers: {exc}") from None
        for k in explicit_w:
            method_of[k] = "explicit"
        cur.local_weights()  # raises if a group became all zero
    return cur, {"table": _weights_table(fw, nominal, cur, method_of), "groups": ginfo}


def _weights_table(fw: Framework, nominal: Framework, cur: Framework,
                   method_of: Mapping[str, str]) -> pd.DataFrame:
    """Per node: parent, level, the method that set its weight, nominal and new local and
    effective weights."""
    return pd.DataFrame({
        "parent": pd.Series({c: n.parent for c, n in fw.nodes.items()}, dtype=object),
        "level": pd.Series({c: n.level for c, n in fw.nodes.items()}, dtype="Int64"),
        "method": pd.Series({c: method_of.get(c, "framework") for c in fw.nodes}, dtype=object),
        "nominal_weight": nominal.local_weights(),
        "weight": cur.local_weights(),
        "nominal_effective": nominal.effective_weights(),
        "effective": cur.effective_weights(),
    })
