"""Rescaling of aggregate scores after aggregation (the ``rescale`` config section).

Published indices often report a total that is not the weighted mean itself but a rescaled one:
the leader set to 100, a min-max stretch to 0-100, or an affine map. The ``rescale`` section
says so, and every command applies it the same way (``run``, ``whatif``, uncertainty, reports,
explorer)::

    rescale:
      method: minmax        # none | minmax | leader | affine
      low: 0                # minmax: the range of the rescaled scores
      high: 100
      nodes: root           # root (default), all, or a list of aggregate codes

Methods (``x`` = the scores of one node over the units of the run; NaN stays NaN):

=========== ============================================== ==========================
``none``    ``y = x``                                       (no parameters)
``minmax``  ``y = low + (high − low)·(x − min x)/(max x − min x)``  ``low=0, high=100``
``leader``  ``y = value · x / max x``                        ``value=100``
``affine``  ``y = intercept + slope · x``                     ``slope=1, intercept=0``
=========== ============================================== ==========================

A rescaled node's score *is* its score: its parent aggregates the rescaled value (the order of
the tree is bottom-up). Defined outcomes: ``minmax`` of constant scores gives the midpoint
``(low + high)/2`` (as the min-max normaliser); ``leader`` needs a positive maximum (else an
error naming the node); every method keeps the order of the units when it is increasing
(``minmax`` with ``high > low``, ``leader``, ``affine`` with ``slope > 0``), so ranks do not change.

Every method works on the last axis of an array, so that the uncertainty engine can rescale all
replications at once: ``f(S: ndarray (..., n_units), /, **params) -> ndarray``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..config import MethodChoice
from ..errors import ConfigError, MethodError
from ..registry import Registry

__all__ = ["RESCALERS", "rescale_choices", "rescale_array", "RESCALE_KEYS"]

#: registry of rescaling methods
RESCALERS: Registry[Callable[..., np.ndarray]] = Registry("rescaling method")

#: keys of the ``rescale`` section that are not method parameters
RESCALE_KEYS = ("method", "nodes")


def _row_extreme(S: np.ndarray, fn: Callable[..., np.ndarray]) -> np.ndarray:
    """``fn`` (nanmin/nanmax) over the last axis, NaN for an empty or all-missing row."""
    if S.shape[-1] == 0:
        return np.full(S.shape[:-1] + (1,), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows give NaN
        return fn(S, axis=-1, keepdims=True)


def _finite(v: Any, name: str) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise MethodError(f"rescale: {name} must be a number, got {v!r}") from None
    if not np.isfinite(f):
        raise MethodError(f"rescale: {name} must be finite, got {v!r}")
    return f


@RESCALERS.register("none")
def none(S: np.ndarray, /) -> np.ndarray:
    """Scores unchanged."""
    return np.array(S, dtype=np.float64, copy=True)


@RESCALERS.register("minmax")
def minmax(S: np.ndarray, /, *, low: float = 0.0, high: float = 100.0) -> np.ndarray:
    """Stretch the scores of each row to ``[low, high]`` (constant scores → the midpoint)."""
    low, high = _finite(low, "low"), _finite(high, "high")
    if high <= low:
        raise MethodError(f"rescale minmax: high ({high}) must be above low ({low})")
    S = np.asarray(S, dtype=np.float64)
    mn, mx = _row_extreme(S, np.nanmin), _row_extreme(S, np.nanmax)
    span = mx - mn
    flat = ~(span > 0)
    out = low + (high - low) * (S - mn) / np.where(flat, 1.0, span)
    return np.where(flat & ~np.isnan(S), 0.5 * (low + high), out)


@RESCALERS.register("leader", aliases=("leader100",))
def leader(S: np.ndarray, /, *, value: float = 100.0) -> np.ndarray:
    """Scale each row so that its highest score equals ``value``."""
    value = _finite(value, "value")
    S = np.asarray(S, dtype=np.float64)
    mx = _row_extreme(S, np.nanmax)
    if np.any(~(mx > 0) & ~np.isnan(mx)):
        raise MethodError("rescale leader: the highest score must be positive to scale it to "
                          f"{value:g} (got {float(np.nanmin(mx)):g})")
    return value * S / np.where(mx > 0, mx, 1.0)


@RESCALERS.register("affine")
def affine(S: np.ndarray, /, *, slope: float = 1.0, intercept: float = 0.0) -> np.ndarray:
    """``intercept + slope · S``."""
    slope, intercept = _finite(slope, "slope"), _finite(intercept, "intercept")
    return intercept + slope * np.asarray(S, dtype=np.float64)


def rescale_array(S: np.ndarray, choice: MethodChoice, *, node: str = "") -> np.ndarray:
    """Apply a rescaling choice to scores ``S`` (units on the last axis)."""
    name = RESCALERS.canonical(choice.method)
    where = f"rescale of {node!r}" if node else "rescale"
    RESCALERS.check_params(name, dict(choice.params), where=where)
    try:
        return RESCALERS.get(name)(S, **dict(choice.params))
    except MethodError as exc:
        raise MethodError(f"{where}: {exc}") from None


def _nodes(spec: Any, root: str, aggregates: Sequence[str]) -> list[str]:
    if spec is None or spec == "root":
        return [root]
    if spec == "all":
        return list(aggregates)
    codes = [spec] if isinstance(spec, str) else list(spec)
    bad = [c for c in codes if c not in aggregates]
    if bad:
        raise ConfigError(f"rescale.nodes: {bad} are not aggregates of the framework "
                          f"(aggregates: {list(aggregates)}); use root, all or a list of codes")
    return [str(c) for c in codes]


def rescale_choices(section: Mapping[str, Any] | None, root: str,
                    aggregates: Sequence[str]) -> dict[str, MethodChoice]:
    """Aggregate code → rescaling choice, from a config's ``rescale`` section (may be empty).

    Raises
    ------
    ConfigError
        Not a mapping, an unknown method or parameter, or ``nodes`` naming a non-aggregate.
    """
    if not section:
        return {}
    if not isinstance(section, Mapping):
        raise ConfigError(f"rescale must be a mapping with a method, got {section!r}")
    method = str(section.get("method", "none"))
    if method not in RESCALERS:
        raise ConfigError(f"rescale.method: unknown rescaling method {method!r}; registered: "
                          f"{', '.join(RESCALERS.names())}")
    params = {k: v for k, v in section.items() if k not in RESCALE_KEYS}
    unknown = RESCALERS.unknown_params(method, params)
    if unknown:
        raise ConfigError(f"rescale: unknown parameter(s) {unknown} for method {method!r}; "
                          f"parameters: {RESCALERS.accepted_params(method)}")
    if RESCALERS.canonical(method) == "none":
        return {}
    choice = MethodChoice(RESCALERS.canonical(method), params)
    return {c: choice for c in _nodes(section.get("nodes"), root, aggregates)}
