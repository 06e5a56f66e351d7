"""The ``tiers`` config section: a 1-D or profile method, then optional refinement rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ConfigError
from .methods import TIERERS, TierResult, tiers_1d
from .profile import tiers_profile
from .rules import refine_tiers

__all__ = ["apply_tiers_config"]


_PROFILE_METHODS = ("ward", "kmeans")
_SECTION_KEYS = ("method", "node", "rules", "profile", "seed", "standardize", "n_init")


def _flag(sec: Mapping[str, Any], key: str) -> bool:
    """A boolean key of the section: ``true``/``false`` only (never the truthiness of "no")."""
    v = sec.get(key, False)
    if not isinstance(v, bool):
        raise ConfigError(f"tiers.{key} got {v!r}; expected true or false (yes/no/on/off and "
                          "quoted text are not booleans)")
    return v


def apply_tiers_config(section: Mapping[str, Any], result: Any) -> TierResult:
    """Tiers from a config's ``tiers`` section and a pipeline result.

    The section names a 1-D method of :data:`TIERERS` (its parameters beside it, e.g.
    ``{method: thresholds, breaks: [60, 30, 15]}``) applied to the scores of ``node`` (default:
    the root), or a profile method (``ward`` / ``kmeans``, with ``k``, ``profile: scores|ranks``
    and ``seed``) applied to the first-level dimensions. Optional ``rules`` (see
    :func:`refine_tiers`) then refine the tiers using the dimension ranks of the result.

    Parameters
    ----------
    section
        The ``tiers`` mapping of the config.
    result
        A :class:`aiindex.pipeline.Result` (``scores``, ``ranks``, ``framework``).

    Returns
    -------
    TierResult
        With ``params["base"]`` holding the tiers before refinement when rules were applied.
    """
    sec = dict(section)
    fw = result.framework
    method = str(sec.get("method", "jenks"))
    node = str(sec.get("node", fw.root))
    if node not in result.scores.columns:
        raise ConfigError(f"tiers.node {node!r} is not an aggregate of the framework "
                          f"(aggregates: {list(result.scores.columns)})")
    scores = result.scores[node]
    params = {k: v for k, v in sec.items() if k not in _SECTION_KEYS}
    dims = fw.dimensions
    if method in _PROFILE_METHODS:
        if "k" not in params:
            raise ConfigError(f"tiers: method {method!r} needs k")
        base = tiers_profile(result.scores[dims] if all(d in result.scores for d in dims)
                             else result.stages["aggregated"][dims], scores,
                             k=params.pop("k"), method=method, seed=int(sec.get("seed", 0)),
                             use=str(sec.get("profile", "scores")),
                             standardize=_flag(sec, "standardize"),
                             n_init=int(sec.get("n_init", 10)))
        if params:
            raise ConfigError(f"tiers: unknown key(s) {sorted(params)} for method {method!r}")
    else:
        TIERERS.check_params(method, params, where="tiers")
        base = tiers_1d(scores, method, **params)
    rules = sec.get("rules") or []
    if not rules:
        return base
    dim_ranks = result.stages["aggregated"][dims].rank(ascending=False, method="min")
    refined = refine_tiers(base.tiers, scores, dim_ranks, rules)
    refined.params = {**refined.params, "base_method": base.method, "base_params": base.params,
                      "base": base.tiers}
    return refined
