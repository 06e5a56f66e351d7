"""Every problem of a config that can be found before running it, listed together.

:func:`config_problems` adds to :func:`aiindex.stages.check_methods` (stage methods, their
parameters and types, overrides) the methods and parameters of the ``tiers`` and ``weights``
sections, typed by the registered functions of :data:`aiindex.tiers.TIERERS` and
:data:`aiindex.weights.WEIGHTERS` (see :mod:`aiindex.registry`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..config import Config, weights_hint
from ..errors import Problem
from ..framework import Framework
from ..registry import Registry
from ..stages.resolve import check_methods
from ..tiers import TIERERS
from ..weights import WEIGHTERS

__all__ = ["config_problems"]

_TIER_SECTION_KEYS = ("method", "node", "rules", "profile", "seed", "standardize", "n_init")
_PROFILE_METHODS = ("ward", "kmeans")
_WEIGHT_SECTION_KEYS = ("method", "levels", "groups", "explicit", "optimize")


def _method_problems(reg: Registry, method: Any, params: Mapping[str, Any], key: str,
                     src: str | None) -> list[Problem]:
    """Unknown method, unknown parameters and wrongly typed parameters of one layer."""
    if method == "none" or not isinstance(method, str):
        return []
    if method not in reg:
        return [Problem(f"unknown {reg.kind} {method!r}; registered: {', '.join(reg.names())}",
                        file=src, key=f"{key}.method", value=method)]
    out = [Problem(f"{reg.kind} {method!r}: unknown parameter {p!r}", file=src,
                   key=f"{key}.{p}", expected=f"parameters of {method!r}: "
                                              f"{reg.accepted_params(method)}")
           for p in reg.unknown_params(method, params)]
    out += [Problem(f"{reg.kind} {method!r}: invalid value of parameter {p!r}", file=src,
                    key=f"{key}.{p}", value=v, expected=e)
            for p, v, e in reg.type_errors(method, params)]
    return out


def _tiers_problems(sec: Any, src: str | None) -> list[Problem]:
    if not isinstance(sec, Mapping):
        return []
    method = sec.get("method", "jenks")
    params = {k: v for k, v in sec.items() if k not in _TIER_SECTION_KEYS}
    if method in _PROFILE_METHODS:
        params.pop("k", None)
        return [Problem(f"tiers: unknown key {k!r} for method {method!r}", file=src,
                        key=f"tiers.{k}") for k in params]
    return _method_problems(TIERERS, method, params, "tiers", src)


def _weights_problems(sec: Any, src: str | None, fw: Framework) -> list[Problem]:
    if not isinstance(sec, Mapping):
        return []
    out: list[Problem] = []
    nodes = {k: v for k, v in sec.items() if k not in _WEIGHT_SECTION_KEYS and k in fw.nodes}
    if nodes:  # the old form of raw node weights, beside a method
        out.append(Problem(
            f"{sorted(nodes)} are nodes of the framework, not parameters of the weighting "
            f"method {sec.get('method', 'none')!r}: raw node weights go under explicit, e.g. "
            f"`{weights_hint(nodes)}`", file=src, key=f"weights.{next(iter(nodes))}"))
        sec = {k: v for k, v in sec.items() if k not in nodes}
    layers: list[tuple[str, Mapping[str, Any]]] = [("weights", sec)]
    for name in ("levels", "groups"):
        sub = sec.get(name)
        if isinstance(sub, Mapping):
            layers += [(f"weights.{name}.{k}", v) for k, v in sub.items()
                       if isinstance(v, Mapping)]
    default = sec.get("method", "none")
    for key, lay in layers:
        method = lay.get("method", default)
        params = {k: v for k, v in lay.items() if k not in _WEIGHT_SECTION_KEYS}
        if "method" in lay or key == "weights":
            out += _method_problems(WEIGHTERS, method, params, key, src)
    return out


def config_problems(cfg: Config, fw: Framework) -> list[Problem]:
    """Problems of the stage sections and of the ``tiers`` and ``weights`` methods (empty: none)."""
    return (check_methods(cfg, fw) + _tiers_problems(cfg.tiers, cfg.source_file)
            + _weights_problems(cfg.weights, cfg.source_file, fw))
