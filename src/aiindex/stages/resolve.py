"""Which method a node gets in a stage: registries by stage, resolved choices, stage options.

One rule for defaults and overrides, the same in every stage (see :mod:`aiindex.config`):
stage default → ``levels[<level>]`` → ``overrides[<code>]`` → the node's own ``methods``.
"""

from __future__ import annotations

import difflib
import importlib
from typing import Any

from ..config import STAGES, Config, MethodChoice, resolve_choice
from ..errors import ConfigError, MethodError, Problem
from ..framework import Framework
from .rescale import rescale_choices

__all__ = ["stage_module", "stage_registry", "stage_choices", "stage_option", "check_methods"]

#: stage → (module, registry attribute)
_REGISTRIES = {
    "denominate": ("aiindex.stages.denominate", "DENOMINATORS"),
    "impute": ("aiindex.stages.impute", "IMPUTERS"),
    "screen": ("aiindex.stages.screen", "SCREENERS"),
    "treat": ("aiindex.stages.treat", "TREATMENTS"),
    "normalize": ("aiindex.stages.normalize", "NORMALIZERS"),
    "aggregate": ("aiindex.stages.aggregate", "AGGREGATORS"),
}



def stage_module(stage: str):
    """The module implementing ``stage``.

    Parameters
    ----------
    stage
        Stage name.

    Returns
    -------
    module
        E.g. :mod:`aiindex.stages.normalize` for ``"normalize"``.
    """
    return importlib.import_module(_REGISTRIES[stage][0])


def stage_registry(stage: str):
    """The method registry of ``stage``.

    Parameters
    ----------
    stage
        Stage name.

    Returns
    -------
    Registry
        E.g. :data:`NORMALIZERS` for ``"normalize"``.
    """
    mod, attr = _REGISTRIES[stage]
    return getattr(importlib.import_module(mod), attr)


def stage_choices(cfg: Config, fw: Framework, stage: str,
                  codes: list[str] | None = None) -> dict[str, MethodChoice]:
    """Resolved method per node for one stage (metrics for data stages, aggregates for
    ``aggregate``).

    Parameters
    ----------
    cfg, fw
        The config and the framework.
    stage
        Stage name (``denominate``, ``impute``, ``screen``, ``treat``, ``normalize``,
        ``aggregate``).
    codes
        Nodes to resolve (default: the metrics, or the aggregates for ``aggregate``).

    Returns
    -------
    dict of str to MethodChoice
        Node code → the method and parameters that apply to it (the one override rule).
    """
    section = cfg.stage(stage)
    if codes is None:
        codes = fw.aggregates if stage == "aggregate" else fw.metrics
    return {c: resolve_choice(section, stage, c, fw.nodes[c].level, fw.nodes[c].methods)
            for c in codes}


def stage_option(cfg: Config, stage: str, key: str, code: str, level: int | None, default: Any) -> Any:
    """A stage option (e.g. ``min_share``) with the same layering as methods.

    Parameters
    ----------
    cfg
        The config.
    stage, key
        Stage and option name.
    code, level
        The node and its level (for ``overrides`` and ``levels`` layers).
    default
        Value when no layer sets the option.

    Returns
    -------
    Any
        The option's value for that node.
    """
    sec = cfg.stage(stage)
    val = sec.option(key, default)
    if level is not None:
        lv = sec.levels.get(level) or {}
        val = lv.get(key, val)
    val = sec.overrides.get(code, {}).get(key, val)
    return val


def check_methods(cfg: Config, fw: Framework) -> list[Problem]:
    """Every unknown method or parameter in the stage sections, as problems.

    Parameters
    ----------
    cfg, fw
        The config and the framework.

    Returns
    -------
    list of Problem
        Empty when every method and parameter is known.
    """
    problems: list[Problem] = []
    for stage in STAGES:
        reg = stage_registry(stage)
        if stage == "screen":
            sec = cfg.screen
            ch = {"*": MethodChoice(sec.method, sec.params("screen"))}
        else:
            ch = stage_choices(cfg, fw, stage)
        seen: set[Any] = set()
        for code, c in ch.items():
            if c.key() in seen:
                continue
            seen.add(c.key())
            if c.method == "none":
                continue
            where = f"{stage} (node {code})" if code != "*" else stage
            if c.method not in reg:
                problems.append(Problem(f"unknown {reg.kind} {c.method!r} at {where}; "
                                        f"registered: {', '.join(reg.names())}",
                                        file=cfg.source_file, key=f"{stage}.method",
                                        value=c.method))
                continue
            for par in reg.unknown_params(c.method, c.params):
                ok = reg.accepted_params(c.method)
                close = difflib.get_close_matches(par, ok, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                problems.append(Problem(f"{reg.kind} {c.method!r} at {where}: unknown parameter "
                                        f"{par!r}{hint}", file=cfg.source_file,
                                        key=f"{stage}.{par}",
                                        expected=f"parameters of {c.method!r}: {ok}"))
            problems += [Problem(f"{reg.kind} {c.method!r} at {where}: invalid value of "
                                 f"parameter {par!r}", file=cfg.source_file,
                                 key=f"{stage}.{par}", value=val, expected=exp)
                         for par, val, exp in reg.type_errors(c.method, c.params)]
    try:
        rescale_choices(cfg.rescale, fw.root, fw.aggregates)
    except (ConfigError, MethodError) as exc:
        problems.append(Problem(str(exc), file=cfg.source_file, key="rescale"))
    for stage in STAGES:
        sec = cfg.stage(stage)
        for code in sec.overrides:
            if code not in fw.nodes:
                problems.append(Problem(f"override for unknown node {code!r}", file=cfg.source_file,
                                        key=f"{stage}.overrides.{code}",
                                        expected="a node code of the framework"))
    return problems
