"""Uncertainty factors: the ``uncertainty.factors`` list parsed and validated.

One parser per factor type (:func:`parse_factors` dispatches), so that each type's checks read
on one screen. See :mod:`aiindex.analysis.uncertainty` for the factor types.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...config import STAGE_OPTIONS, STAGES, Config, deep_merge
from ...errors import ConfigError, MethodError
from ...framework import Framework
from ...stages import stage_registry

__all__ = ["Factor", "parse_factors", "apply_alternative", "FACTOR_TYPES", "DATA_STAGES"]

FACTOR_TYPES = ("choice", "exclusion", "weight_noise", "dirichlet", "weight_sets")
#: stages whose ``choice`` factors define data variants (computed once each)
DATA_STAGES = ("denominate", "impute", "screen", "treat", "normalize")
_FACTOR_KEYS = {
    "choice": {"name", "type", "stage", "alternatives"},
    "exclusion": {"name", "type", "alternatives", "labels"},
    "weight_noise": {"name", "type", "level", "relative", "nodes"},
    "dirichlet": {"name", "type", "level", "concentration", "nodes"},
    "weight_sets": {"name", "type", "sets", "file"},
}


def _py(x: Any) -> Any:
    """A numpy scalar as the plain Python number (``-0.5``, not ``np.float64(-0.5)``)."""
    return x.item() if isinstance(x, np.generic) else x


def check_n(n: Any) -> int:
    """``n`` as a positive ``int``; :class:`ConfigError` otherwise."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or int(n) <= 0:
        raise ConfigError(f"the number of replications must be a positive integer, got {_py(n)!r}")
    return int(n)


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
        ftype = _check_factor_keys(f, key)
        name = str(f.get("name") or f"{ftype}_{f.get('stage') or f.get('level') or i}")
        if name in names:
            raise ConfigError(f"{key}: duplicate factor name {name!r}")
        names.add(name)
        if ftype == "choice":
            out.append(_parse_choice(f, key, name))
        elif ftype == "exclusion":
            out.append(_parse_exclusion(f, fw, key, name))
        elif ftype in ("weight_noise", "dirichlet"):
            out.append(_parse_weight_factor(f, fw, key, name))
        else:
            out.append(_parse_weight_sets(f, fw, cfg, key, name))
    return out


def _check_factor_keys(f: Any, key: str) -> str:
    """The factor's type, after checking it is a mapping with known keys."""
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
    return str(ftype)


def _parse_choice(f: Mapping[str, Any], key: str, name: str) -> Factor:
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
        if "method" in a and str(a["method"]) != "none":
            params = {k: v for k, v in a.items() if k not in
                      ("method", "overrides", "levels", *STAGE_OPTIONS[stage])}
            try:
                reg.check_params(str(a["method"]), params, where=f"{key}.alternatives[{j}]")
            except MethodError as exc:
                raise MethodError(f"uncertainty factor {name!r}: {exc}") from None
        clean.append(a)
        labels.append(lab)
    if len(set(labels)) != len(labels):
        labels = [f"{j}: {lab}" for j, lab in enumerate(labels)]
    return Factor(name, "choice", stage=stage, alternatives=tuple(clean), labels=tuple(labels))


def _parse_exclusion(f: Mapping[str, Any], fw: Framework, key: str, name: str) -> Factor:
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
    return Factor(name, "exclusion", alternatives=tuple(clean),
                  labels=tuple(str(x) for x in labels))


def _parse_weight_factor(f: Mapping[str, Any], fw: Framework, key: str, name: str) -> Factor:
    nodes = tuple(_factor_nodes(f, fw, key, name))
    if f["type"] == "weight_noise":
        r = f.get("relative")
        if not isinstance(r, int | float) or isinstance(r, bool) or not np.isfinite(r):
            raise ConfigError(f"{key} ({name}): 'relative' must be a number")
        if r < 0 or r > 1:
            why = (" (a multiplier 1 + U(-relative, relative) could make a weight negative)"
                   if r > 1 else "")
            raise ConfigError(f"{key} ({name}): relative must be in [0, 1], got {_py(r)}{why}")
        return Factor(name, "weight_noise", level=f.get("level"), nodes=nodes, relative=float(r))
    c = f.get("concentration")
    if not isinstance(c, int | float) or isinstance(c, bool) or not c > 0:
        raise ConfigError(f"{key} ({name}): 'concentration' must be a number > 0")
    return Factor(name, "dirichlet", level=f.get("level"), nodes=nodes, concentration=float(c))


def _parse_weight_sets(f: Mapping[str, Any], fw: Framework, cfg: Config | None, key: str,
                       name: str) -> Factor:
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
    return Factor(name, "weight_sets", sets=tuple(clean_sets),
                  labels=tuple(str(j) for j in range(len(clean_sets))))


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
