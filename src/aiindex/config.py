"""The config file: framework, data, and one section per pipeline stage.

A config is a YAML mapping::

    name: My index
    framework: {file: framework.yaml}        # nested YAML tree, or an iMeta table (.csv/.xlsx),
                                             # or the tree itself inline (a mapping with `code`)
    data: {file: data.csv, year: latest}     # wide (COINr iData) or tidy long table
    denominate: {method: none}
    impute: {method: group_mean, group: EurAsia_group}
    screen: {method: availability, min_share: 0.9, when: after_impute}
    treat: {method: winsorise, winmax: 5}
    normalize: {method: minmax, low: 0, high: 100}
    aggregate: {method: arithmetic}
    weights: ...        # weighting schemes (aiindex.weights)
    rescale: ...        # rescaling of aggregate scores (aiindex.stages.rescale)
    tiers: ...          # tier clustering (aiindex.tiers)
    uncertainty: ...    # Monte Carlo (aiindex.uncertainty)

**Extending a config.** ``extends: other.yaml`` (a path relative to this file's folder, or
absolute) starts from that config and deep-merges this file over it, with the rule below for
stage methods. Relative paths inside each file resolve against that file's own folder: the
parent's ``framework``, ``data`` (``file``, ``names``) and weight-set files keep pointing where
they pointed, wherever the extending file lives.

**Stage sections.** ``method`` names a registered method (``none`` skips the stage); every other
key is a parameter of that method, except the reserved keys ``overrides`` (per node code),
``levels`` (per level, aggregate stage) and the stage's own options (``when`` for screen,
``min_share`` for aggregate).

**Types.** Stage options (:data:`STAGE_OPTION_TYPES`), the ``data`` section and the known keys
of ``tiers``, ``weights``, ``uncertainty``, ``sensitivity`` and ``output``
(:data:`SECTION_TYPES`) have declared types, checked with the rule of
:func:`aiindex.registry.type_error` (booleans are ``true``/``false`` only; ``yes``/``no``/``on``/
``off`` are text in YAML 1.2 and are rejected with a message that says to write ``true`` or
``false``). Method parameters are typed by the registered functions (the registries check them).
Every wrong type is one problem naming the key, the value and the expected type, reported with
the other problems of the config.

**One rule for defaults and overrides (every stage).** For a node, the layers are, from weakest
to strongest: the stage default → ``levels[<level>]`` → ``overrides[<code>]`` → the node's own
``methods[<stage>]`` in the framework. A layer that names a ``method`` replaces the method *and*
its parameters; a layer without ``method`` only updates parameters of the method in force.
"""

from __future__ import annotations

import codecs
import contextvars
import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydValidationError

from .errors import ConfigError, Problem, ValidationError
from .registry import type_error
from .yamlio import load_yaml

__all__ = [
    "Config",
    "MethodChoice",
    "StageSection",
    "DataSection",
    "load_config",
    "resolve_config",
    "deep_merge",
    "resolve_choice",
    "STAGES",
    "STAGE_OPTIONS",
    "WEIGHTS_KEYS",
    "weights_problems",
    "weights_hint",
    "STAGE_OPTION_TYPES",
    "SECTION_TYPES",
]

STAGES = ("denominate", "impute", "screen", "treat", "normalize", "aggregate")
#: non-parameter keys of each stage section, besides method/overrides/levels
STAGE_OPTIONS: dict[str, tuple[str, ...]] = {
    "denominate": (),
    "impute": (),
    "screen": ("when", "metric_min_share"),
    "treat": (),
    "normalize": ("pooled",),
    "aggregate": ("min_share",),
}
_SHARE = Annotated[float, Field(ge=0, le=1)]
#: (stage, option) → (type, expected in words)
STAGE_OPTION_TYPES: dict[tuple[str, str], tuple[Any, str | None]] = {
    ("screen", "when"): (Literal["before_impute", "after_impute"], None),
    ("screen", "metric_min_share"): (_SHARE, "a number between 0 and 1"),
    ("normalize", "pooled"): (bool, None),
    ("aggregate", "min_share"): (_SHARE, "a number between 0 and 1"),
}
#: section → key → (type, expected in words); other keys of these sections are checked by the
#: code that reads them (method parameters by the registries)
SECTION_TYPES: dict[str, dict[str, tuple[Any, str | None]]] = {
    "tiers": {"method": (str, None), "node": (str, None),
              "rules": (list[dict[str, Any]], None),
              "profile": (Literal["scores", "ranks"], None), "seed": (int, None),
              "standardize": (bool, None), "n_init": (Annotated[int, Field(ge=1)],
                                                    "an integer >= 1")},
    "weights": {"method": (str, None), "levels": (dict[Any, dict[str, Any]], None),
                "groups": (dict[str, dict[str, Any]], None),
                "explicit": (dict[str, Any], None)},
    "uncertainty": {"n": (Annotated[int, Field(ge=1)], "an integer >= 1"),
                    "seed": (int | None, None), "factors": (list[dict[str, Any]], None),
                    "chunk_size": (Annotated[int, Field(ge=1)], "an integer >= 1"),
                    "keep_scores": (bool | None, None), "backend": (str, None)},
    "sensitivity": {"n": (Annotated[int, Field(ge=1)], "an integer >= 1"),
                    "seed": (int | None, None), "units": (list[str], None),
                    "measure": (str, None), "n_sets": (Annotated[int, Field(ge=1)],
                                                       "an integer >= 1"),
                    "grouped": (bool, None), "confidence_level": (
                        Annotated[float, Field(gt=0, lt=1)], "a number between 0 and 1"),
                    "n_resamples": (Annotated[int, Field(ge=1)], "an integer >= 1")},
    "output": {"note": (str, None)},
}


@dataclass(frozen=True)
class MethodChoice:
    """A resolved method for one metric (or node) in one stage.

    Parameters
    ----------
    method
        Registered method name (``"none"`` skips the stage for that metric).
    params
        Keyword parameters for the method.
    """

    method: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        """A hashable key (method + repr of params), used to batch metrics with equal choices."""
        return self.method, tuple(sorted((k, repr(v)) for k, v in self.params.items()))



class StageSection(BaseModel):
    """One stage section: ``method``, its parameters, and overrides."""

    model_config = ConfigDict(extra="allow")

    method: str = "none"
    overrides: dict[str, dict[str, Any]] = Field(default_factory=dict)
    levels: dict[int, dict[str, Any]] = Field(default_factory=dict)

    def params(self, stage: str) -> dict[str, Any]:
        """Method parameters (the extra keys, minus the stage's own options)."""
        extra = dict(self.model_extra or {})
        for k in STAGE_OPTIONS.get(stage, ()):
            extra.pop(k, None)
        return extra

    def option(self, key: str, default: Any = None) -> Any:
        """A stage option (e.g. ``when``, ``min_share``)."""
        return (self.model_extra or {}).get(key, default)

    def flag(self, key: str, default: bool = False) -> bool:
        """A boolean stage option (e.g. ``pooled``); anything but ``true``/``false`` is an error
        (never the truthiness of a text such as ``"no"``)."""
        v = self.option(key, default)
        if not isinstance(v, bool):
            raise ConfigError(f"option {key!r} got {v!r}; expected true or false (yes/no/on/off "
                              "and quoted text are not booleans)")
        return v


class DataSection(BaseModel):
    """Where the data are and how to read them."""

    model_config = ConfigDict(extra="forbid")

    file: str | None = None
    format: Literal["auto", "wide", "long"] = "auto"
    sheet: str | int | None = None  # Excel sheet name or 0-based position (default: the first)
    unit_column: str = "uCode"
    name_column: str = "uName"
    year_column: str = "Time"
    metric_column: str = "metric"
    value_column: str = "value"
    # None/"latest" = latest year; "all" for panel functions
    year: int | Literal["latest", "all"] | None = None
    years: list[int] | None = None  # years run by the panel functions (default: all of the data)
    groups: list[str] | None = None
    denominators: list[str] | None = None
    names: str | dict[str, str] | None = None  # unit names: a CSV (code, name) or a mapping
    # decimal mark of text numbers ("," for decimal-comma files: 1.234,5)
    decimal: Literal[".", ","] = "."
    encoding: str = "utf-8"  # text encoding of CSV files (e.g. latin-1, cp1252)
    reader: str | None = None  # a named reader for known file layouts (e.g. "gii_mendeley")


class Config(BaseModel):
    """A validated config. Paths are resolved against :attr:`base_dir`."""

    model_config = ConfigDict(extra="forbid")

    name: str = "index"
    description: str | None = None
    framework: Any = None
    data: DataSection = Field(default_factory=DataSection)
    denominate: StageSection = Field(default_factory=StageSection)
    impute: StageSection = Field(default_factory=StageSection)
    screen: StageSection = Field(default_factory=StageSection)
    treat: StageSection = Field(default_factory=StageSection)
    normalize: StageSection = Field(default_factory=lambda: StageSection(method="minmax"))
    aggregate: StageSection = Field(default_factory=lambda: StageSection(method="arithmetic"))
    weights: dict[str, Any] | None = None
    rescale: dict[str, Any] | None = None  # post-aggregation rescaling (aiindex.stages.rescale)
    tiers: dict[str, Any] | None = None
    uncertainty: dict[str, Any] | None = None
    sensitivity: dict[str, Any] | None = None
    output: dict[str, Any] | None = None  # {note: text printed under `aiindex run`}
    notes: Any = None
    base_dir: str = "."
    source_file: str | None = None

    def path(self, p: str | None) -> Path | None:
        """Resolve ``p`` against the config's folder."""
        if p is None:
            return None
        q = Path(p).expanduser()
        return q if q.is_absolute() else (Path(self.base_dir) / q).resolve()

    def stage(self, name: str) -> StageSection:
        """The section of stage ``name``."""
        return getattr(self, name)

    def to_dict(self) -> dict[str, Any]:
        """The resolved config as plain data (for YAML/JSON output)."""
        d = self.model_dump(mode="json", exclude_none=True)
        for s in STAGES:
            sec = getattr(self, s)
            d[s] = {"method": sec.method, **(sec.model_extra or {})}
            if sec.overrides:
                d[s]["overrides"] = sec.overrides
            if sec.levels:
                d[s]["levels"] = {int(k): v for k, v in sec.levels.items()}
        return d


_seen: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar("_seen", default=frozenset())


def deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Recursively merge ``over`` into a copy of ``base`` (mappings merge, other values replace).

    A value of ``None`` in ``over`` deletes the key.
    """
    out = copy.deepcopy(dict(base))
    for k, v in over.items():
        if v is None:
            out.pop(k, None)
        elif isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _named(config: str | Path) -> Path:
    """``config`` as a path; a bare name that is no file (``"asem"``) is the config bundled as
    ``aiindex/configs/<name>.yaml``, as on the command line (``aiindex run asem``)."""
    path = Path(config)
    if isinstance(config, str) and path.name == config and not path.suffix and not path.exists():
        from importlib.resources import files

        bundled = Path(str(files("aiindex").joinpath("configs", f"{config}.yaml")))
        if bundled.is_file():
            return bundled
    return path


def _raw(config: str | Path | Mapping[str, Any]) -> tuple[dict[str, Any], Path, str | None]:
    if isinstance(config, Mapping):
        raw = copy.deepcopy(dict(config))
        base = Path(raw.pop("base_dir", "."))
        return raw, base, raw.pop("source_file", None)
    path = _named(config)
    if path.is_dir():
        raise ConfigError(f"config path {path} is a folder, expected a YAML file")
    raw = load_yaml(path)
    if not isinstance(raw, Mapping):
        raise ConfigError(f"config file {path} must hold a mapping at the top level")
    raw = dict(raw)
    base_dir = path.resolve().parent
    parent = raw.pop("extends", None)
    if parent is not None:
        # a config may extend another one; paths in each resolve against its own folder
        ppath = (base_dir / Path(str(parent)).expanduser()).resolve()
        if not ppath.is_file():
            raise ConfigError(f"config {path}: 'extends: {parent}' names no config file "
                              f"({ppath} not found)")
        chain = _seen.get() | {str(path.resolve())}
        if str(ppath) in chain:
            raise ConfigError(f"config {path} extends itself through {parent!r} (a cycle)")
        token = _seen.set(chain)
        try:
            praw, pbase, _ = _raw(ppath)
        finally:
            _seen.reset(token)
        if pbase != base_dir:
            praw = _rebase_paths(praw, pbase)
        raw = deep_merge(_drop_replaced_params(praw, raw), raw)
    return raw, base_dir, str(path)


def _abs(p: Any, base: Path) -> Any:
    if not isinstance(p, str):
        return p
    q = Path(p).expanduser()
    return p if q.is_absolute() else str((base / q).resolve())


def _rebase_paths(raw: Mapping[str, Any], base: Path) -> dict[str, Any]:
    """A copy of a parent config whose relative file paths are made absolute against its own
    folder ``base`` (framework file, data file and names, weight-set files of uncertainty
    factors), so that they keep their meaning in a config extending it from elsewhere."""
    out = copy.deepcopy(dict(raw))
    fwk = out.get("framework")
    if isinstance(fwk, str):
        out["framework"] = _abs(fwk, base)
    elif isinstance(fwk, Mapping) and "file" in fwk and "code" not in fwk:
        out["framework"] = {**fwk, "file": _abs(fwk["file"], base)}
    data = out.get("data")
    if isinstance(data, str):
        out["data"] = _abs(data, base)
    elif isinstance(data, Mapping):
        out["data"] = {**data, **{k: _abs(data[k], base) for k in ("file", "names")
                                  if k in data}}
    unc = out.get("uncertainty")
    if isinstance(unc, Mapping) and isinstance(unc.get("factors"), list):
        out["uncertainty"] = {**unc, "factors": [
            {**f, "file": _abs(f["file"], base)} if isinstance(f, Mapping) and "file" in f
            else f for f in unc["factors"]]}
    return out


def resolve_config(
    config: str | Path | Mapping[str, Any] | Config,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Load (if needed), deep-merge ``overrides`` and validate a config.

    Parameters
    ----------
    config
        A YAML file, the name of a bundled config, a mapping or a :class:`Config`.
    overrides
        Nested mapping deep-merged into the config before validation (mappings merge, other
        values replace, ``None`` deletes a key).

    Returns
    -------
    Config
        The validated config.

    Raises
    ------
    ValidationError
        Listing every invalid key at once.
    """
    if isinstance(config, Config):
        if not overrides:
            return config
        config = {**config.to_dict(), "base_dir": config.base_dir,
                  "source_file": config.source_file}
    raw, base, src = _raw(config)
    if overrides:
        raw = deep_merge(_drop_replaced_params(raw, overrides), overrides)
    # shorthand: `stage: name` → {method: name}
    for s in STAGES:
        if isinstance(raw.get(s), str):
            raw[s] = {"method": raw[s]}
    if isinstance(raw.get("data"), str):
        raw["data"] = {"file": raw["data"]}
    problems = (_stage_problems(raw, src) + weights_problems(raw.get("weights"), src)
                + _typed_problems(raw, src))
    try:
        cfg = Config(**raw, base_dir=str(base), source_file=src)
    except PydValidationError as exc:
        seen = {p.key for p in problems}
        for e in exc.errors():
            pr = _schema_problem(e, src)
            if pr.key not in seen and not any(str(pr.key).startswith(f"{k}.") for k in seen):
                problems.append(pr)
                seen.add(pr.key)
    if problems:
        raise ValidationError(problems, title=f"invalid config{f' {src}' if src else ''}") from None
    return cfg


def _schema_problem(e: Mapping[str, Any], src: str | None) -> Problem:
    """One pydantic error as a Problem; unknown keys get the valid ones and a suggestion."""
    import difflib

    loc = tuple(str(x) for x in e["loc"])
    key = ".".join(loc)
    value = e.get("input") if not isinstance(e.get("input"), dict) else None
    if e.get("type") == "extra_forbidden":
        model = Config if len(loc) == 1 else DataSection if loc[0] == "data" else None
        if model is not None:
            valid = [f for f in model.model_fields if f not in ("base_dir", "source_file")]
            close = difflib.get_close_matches(loc[-1], valid, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            where = "config section" if len(loc) == 1 else f"key in '{loc[0]}'"
            return Problem(f"unknown {where} {loc[-1]!r}{hint}", file=src, key=key,
                           expected="one of " + ", ".join(valid))
    return Problem(e["msg"], file=src, key=key, value=value)


def _typed(value: Any, hint: Any, words: str | None, key: str, src: str | None
           ) -> Problem | None:
    """A problem when ``value`` does not fit ``hint`` (see :func:`aiindex.registry.type_error`)."""
    expected = type_error(value, hint)
    if expected is None:
        return None
    return Problem("invalid value", file=src, key=key, value=value, expected=words or expected)


def _option_layers(sec: Mapping[str, Any], stage: str) -> list[tuple[str, Mapping[str, Any]]]:
    """The section itself and its ``levels``/``overrides`` layers, with their key prefixes."""
    layers: list[tuple[str, Mapping[str, Any]]] = [(stage, sec)]
    for layer in ("levels", "overrides"):
        sub = sec.get(layer)
        if isinstance(sub, Mapping):
            layers += [(f"{stage}.{layer}.{k}", v) for k, v in sub.items()
                       if isinstance(v, Mapping)]
    return layers


def _typed_problems(raw: Mapping[str, Any], src: str | None) -> list[Problem]:
    """Typed stage options, data keys and section keys (every wrong type, with its key)."""
    out: list[Problem | None] = []
    for (stage, opt), (hint, words) in STAGE_OPTION_TYPES.items():
        sec = raw.get(stage)
        if isinstance(sec, Mapping):
            out += [_typed(lay[opt], hint, words, f"{where}.{opt}", src)
                    for where, lay in _option_layers(sec, stage) if opt in lay]
    data = raw.get("data")
    if isinstance(data, Mapping):
        fields = DataSection.model_fields
        out += [_typed(v, fields[k].annotation, None, f"data.{k}", src)
                for k, v in data.items() if k in fields]
        enc = data.get("encoding")
        if isinstance(enc, str):
            try:
                codecs.lookup(enc)
            except LookupError:
                out.append(Problem(f"unknown text encoding {enc!r}", file=src,
                                   key="data.encoding", value=enc,
                                   expected="an encoding such as utf-8, latin-1 or cp1252"))
    for name, keys in SECTION_TYPES.items():
        sec = raw.get(name)
        if isinstance(sec, Mapping):
            out += [_typed(sec[k], hint, words, f"{name}.{k}", src)
                    for k, (hint, words) in keys.items() if k in sec]
    out += _explicit_weight_problems(raw.get("weights"), src)
    return [p for p in out if p is not None]


def _explicit_weight_problems(sec: Any, src: str | None) -> list[Problem]:
    """``weights.explicit``: every weight a finite number >= 0 (not text, not a boolean)."""
    if not isinstance(sec, Mapping) or not isinstance(sec.get("explicit"), Mapping):
        return []
    out = []
    for code, w in sec["explicit"].items():
        key = f"weights.explicit.{code}"
        if isinstance(w, bool) or not isinstance(w, int | float):
            out.append(Problem("a weight must be a number", file=src, key=key, value=w,
                               expected="a number >= 0"))
        elif not math.isfinite(w):
            out.append(Problem(f"weight of {code!r} is not finite", file=src, key=key, value=w,
                               expected="a finite number >= 0"))
        elif w < 0:
            out.append(Problem(f"weight of {code!r} is negative", file=src, key=key, value=w,
                               expected="a number >= 0 (weights are relative among siblings)"))
    return out


#: parameters that method ``none`` accepts (forced units of the screen stage)
_NONE_PARAMS = {("screen", "include"), ("screen", "exclude")}


def _stage_problems(raw: Mapping[str, Any], src: str | None) -> list[Problem]:
    """A stage section must name its ``method`` (a typo such as ``metod`` must not silently skip
    the stage), and ``method: none`` takes no parameters."""
    problems = []
    for s in STAGES:
        sec = raw.get(s)
        if not isinstance(sec, Mapping):
            continue
        params = [k for k in sec if k not in ("method", "overrides", "levels", *STAGE_OPTIONS[s])]
        if "method" not in sec and params:
            problems.append(Problem(f"stage section '{s}' has no 'method' (unknown key(s) "
                                    f"{params}?)", file=src, key=f"{s}.method",
                                    expected="method: <registered name> or none"))
        elif sec.get("method") == "none" and [k for k in params if (s, k) not in _NONE_PARAMS]:
            problems.append(Problem(f"stage '{s}' has method none but parameters {params}",
                                    file=src, key=f"{s}.{params[0]}",
                                    expected="no parameters for method none"))
    return problems


#: keys of the ``weights`` section that are not parameters of its method
WEIGHTS_KEYS = ("method", "levels", "groups", "explicit", "optimize")


def weights_hint(extra: Mapping[str, Any]) -> str:
    """The new form of raw node weights given at the top of a ``weights`` section."""
    inner = ", ".join(f"{k}: {v}" for k, v in extra.items())
    return f"weights: {{explicit: {{{inner}}}}}"


def weights_problems(sec: Any, src: str | None = None) -> list[Problem]:
    """Problems of a ``weights`` section that need no framework: not a mapping, ``levels``/
    ``groups``/``explicit`` not mappings, and keys
    beside ``method``/``levels``/``groups``/``explicit`` when no weighting method is named
    (they would be parameters of no method: typically raw node weights in the old form
    ``weights: {Sust: 2}``, which belong under ``weights.explicit``)."""
    if sec is None:
        return []
    if not isinstance(sec, Mapping):
        return [Problem(f"the weights section must be a mapping, got {sec!r}", file=src,
                        key="weights", expected="method, levels, groups, explicit")]
    out = []
    for k in ("levels", "groups", "explicit"):
        if sec.get(k) is not None and not isinstance(sec[k], Mapping):
            out.append(Problem(f"weights.{k} must be a mapping", file=src, key=f"weights.{k}",
                               value=sec[k]))
    # explicit weights are checked with the typed keys (_explicit_weight_problems)
    extra = {k: v for k, v in sec.items() if k not in WEIGHTS_KEYS}
    if extra and str(sec.get("method", "none")) == "none":
        out.append(Problem(
            f"unknown key(s) {list(extra)} in the weights section: with no weighting method "
            "they are parameters of nothing. Raw node weights go under explicit, e.g. "
            f"`{weights_hint(extra)}`", file=src, key=f"weights.{next(iter(extra))}",
            expected="method (and its parameters), levels, groups, explicit, optimize"))
    return out


def _drop_replaced_params(raw: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Apply the one rule to overrides too: a stage override naming another ``method`` replaces
    the method *and* its parameters (overrides, levels and stage options are kept)."""
    out = dict(raw)
    # tiers and weights sections: a new method replaces the old method's parameters too
    for sec_name, keep in (("tiers", ("node", "rules")),
                           ("weights", ("levels", "groups", "explicit", "optimize")),
                           ("rescale", ("nodes",))):
        new, old = overrides.get(sec_name), raw.get(sec_name)
        if isinstance(new, Mapping) and isinstance(old, Mapping) and "method" in new \
                and new["method"] != old.get("method"):
            out[sec_name] = {k: v for k, v in old.items() if k in keep}
    for s in STAGES:
        new, old = overrides.get(s), raw.get(s)
        if isinstance(new, str):
            new = {"method": new}
        if isinstance(old, str):
            old = {"method": old}
        if not (isinstance(new, Mapping) and isinstance(old, Mapping)):
            continue
        if "method" in new and new["method"] != old.get("method"):
            keep = ("overrides", "levels", *STAGE_OPTIONS[s])
            old = {k: v for k, v in old.items() if k in keep}
        # the same inside per-node and per-level layers
        for layer in ("overrides", "levels"):
            new_l, old_l = new.get(layer), old.get(layer)
            if not (isinstance(new_l, Mapping) and isinstance(old_l, Mapping)):
                continue
            fixed = dict(old_l)
            for key, ov in new_l.items():
                prev = old_l.get(key)
                if isinstance(ov, Mapping) and "method" in ov and isinstance(prev, Mapping) \
                        and ov["method"] != prev.get("method"):
                    fixed[key] = {k: v for k, v in prev.items() if k in STAGE_OPTIONS[s]}
            old = {**old, layer: fixed}
        out[s] = old
    return out


def load_config(path: str | Path) -> Config:
    """Read and validate a config file.

    Parameters
    ----------
    path
        A config YAML file (or the name of a bundled config, e.g. ``"asem"``).

    Returns
    -------
    Config
        The validated config, paths resolved against its folder.
    """
    return resolve_config(path)


def resolve_choice(
    section: StageSection,
    stage: str,
    code: str,
    level: int | None,
    node_methods: Mapping[str, Mapping[str, Any]] | None = None,
) -> MethodChoice:
    """Resolve the method and parameters in force for one node in one stage.

    Layers, weakest first: stage default, ``levels[level]``, ``overrides[code]``, the node's own
    ``methods[stage]``. A layer naming ``method`` replaces method and parameters; a layer without
    it updates the parameters only.
    """
    method, params = section.method, section.params(stage)
    layers: list[Mapping[str, Any]] = []
    if level is not None:
        lv = section.levels.get(level) or section.levels.get(str(level))  # type: ignore[call-overload]
        if lv:
            layers.append(lv)
    if code in section.overrides:
        layers.append(section.overrides[code])
    if node_methods and stage in node_methods:
        layers.append(node_methods[stage])
    for layer in layers:
        layer = dict(layer)
        if "method" in layer:
            method = str(layer.pop("method"))
            params = {}
        for k in STAGE_OPTIONS.get(stage, ()):
            layer.pop(k, None)
        params = {**params, **layer}
    return MethodChoice(method, params)
