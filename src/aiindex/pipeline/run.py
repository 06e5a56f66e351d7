"""Run the pipeline: raw → denominated → imputed → screened → treated → normalized → aggregated.

:func:`run` is the public entry point; :class:`~aiindex.pipeline.Result` keeps every intermediate
table. The stage modules are small and pure (see ``docs/dev/contract.md``); the pipeline only
wires them, resolves per-node methods with one rule (:func:`aiindex.config.resolve_choice`) and
records what happened. :func:`validate` lists every problem of a config and its data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..config import Config, _raw, deep_merge, resolve_config
from ..data.bundled import default_config_path
from ..errors import AIIndexError, ConfigError, Problem, ValidationError
from ..framework import Framework, Node
from ..framework.tree import _flatten, _read_table
from ..yamlio import load_yaml
from .build import build_framework, load_dataset, run_dataset
from .checks import config_problems
from .result import Result

__all__ = ["run", "validate"]


def run(config_or_path: Any = None, data: Any = None,
        overrides: Mapping[str, Any] | None = None) -> Result:
    """Run the index.

    Parameters
    ----------
    config_or_path
        A config file path, a mapping, or a :class:`~aiindex.config.Config`. ``None`` runs the
        bundled default example.
    data
        Replaces the config's data (a DataFrame, not modified, or a file path).
    overrides
        A nested mapping deep-merged into the config before validation, e.g.
        ``{"normalize": {"method": "zscore"}}``.

    Returns
    -------
    Result
        With ``data`` given, ``info["data"]`` holds it, so that analyses of the result (the
        report's and the workbook's uncertainty) run on the same data.
    """
    if config_or_path is None:
        config_or_path = default_config_path()
    cfg = resolve_config(config_or_path, overrides)
    fw = build_framework(cfg)
    problems = config_problems(cfg, fw)
    if problems:
        raise ValidationError(problems, title="invalid config")
    ds = load_dataset(cfg, fw, data)
    # a pooled panel config: run_dataset takes the pooled bounds over every year
    # (pooled_reference), so the result equals that year's result of run_panel
    res = run_dataset(cfg, fw, ds)
    if data is not None:
        res.info["data"] = data
    return res


def validate(config_or_path: Any, data: Any = None, *, notes: list[str] | None = None,
             overrides: Mapping[str, Any] | None = None) -> list[Problem]:
    """All problems of a config and its data (empty = valid).

    Schema problems do not stop the checks: the offending top-level keys are set aside and the
    framework, the data and a dry run of the pipeline are still checked, so one report lists
    everything that can be found.

    Parameters
    ----------
    config_or_path, data
        As for :func:`run`.
    notes
        A list that receives notes that are not problems (e.g. data columns the framework does
        not use, a likely misspelt metric code).
    overrides
        Nested mapping deep-merged into the config first (``aiindex validate --set``).

    Returns
    -------
    list of Problem
        Every problem found; empty when the config and its data are valid.
    """
    problems: list[Problem] = []
    if overrides and not isinstance(config_or_path, Config):
        try:
            raw, base, src = _raw(config_or_path)
        except AIIndexError as exc:
            return [Problem(str(exc))]
        config_or_path = {**deep_merge(raw, overrides), "base_dir": str(base), "source_file": src}
    elif overrides:
        config_or_path = resolve_config(config_or_path, overrides)
    try:
        cfg = resolve_config(config_or_path)
    except ValidationError as exc:
        problems.extend(exc.problems)
        cfg = _lenient_config(config_or_path, exc.problems)
        if cfg is None:
            return problems
    except AIIndexError as exc:
        return [Problem(str(exc))]
    fw = None
    try:
        fw = build_framework(cfg)
    except ValidationError as exc:
        problems.extend(exc.problems)
    except AIIndexError as exc:
        problems.append(Problem(str(exc), file=cfg.source_file, key="framework"))
    if fw is not None:
        problems.extend(config_problems(cfg, fw))
        ds = None
        try:
            ds = load_dataset(cfg, fw, data)
        except ValidationError as exc:
            problems.extend(exc.problems)
        except (ConfigError, Exception) as exc:  # noqa: BLE001 - report, don't crash
            problems.append(Problem(str(exc), file=cfg.source_file, key="data"))
        if ds is not None and notes is not None and ds.extra.get("unused_columns"):
            notes.append("unused data columns (not in the framework): "
                         + ", ".join(ds.extra["unused_columns"]))
        if ds is not None and notes is not None and ds.extra.get("unmatched_names"):
            notes.append("unit codes of the names file that match no unit of the data: "
                         + ", ".join(map(str, ds.extra["unmatched_names"][:20])))
        if ds is not None and not problems:
            # a dry run finds what only the data can show (bad parameter values, zero weights,
            # a tiering that cannot be applied, ...)
            try:
                run_dataset(cfg, fw, ds)
            except ValidationError as exc:
                problems.extend(exc.problems)
            except AIIndexError as exc:
                problems.append(Problem(f"running the pipeline failed: {exc}",
                                        file=cfg.source_file))
    else:
        # still check the data for problems that do not need the framework
        problems.extend(_data_only_problems(cfg, data))
    return problems


def _lenient_config(config_or_path: Any, problems: list[Problem]) -> Config | None:
    """The config without the top-level keys that failed validation (None if impossible)."""

    if isinstance(config_or_path, Config):
        return None
    try:
        raw, base, src = _raw(config_or_path)
    except (AIIndexError, OSError):
        return None
    bad = {str(p.key).split(".")[0] for p in problems if p.key}
    if bad & {"framework", "data"}:
        return None
    keep = {k: v for k, v in raw.items() if k not in bad}
    try:
        return resolve_config({**keep, "base_dir": str(base), "source_file": src})
    except AIIndexError:
        return None


def _declared_metrics(cfg: Config) -> list[str]:
    """Metric codes declared by the framework section, read without building the tree."""

    f = cfg.framework
    if isinstance(f, str):
        f = {"file": f}
    if isinstance(f, Mapping) and "file" in f and "code" not in f:
        path = cfg.path(str(f["file"]))
        if path is None or not path.exists():
            return []
        if path.suffix.lower() in (".csv", ".xlsx", ".xls"):
            t = _read_table(path)
            if "Type" in t and "iCode" in t:
                return [str(c) for c in t.loc[t["Type"] == "Indicator", "iCode"]]
            return []
        f = load_yaml(path)
        if isinstance(f, Mapping) and "framework" in f and "code" not in f:
            f = f["framework"]
    if not isinstance(f, Mapping):
        return []
    if "nodes" in f:
        flat = list(f["nodes"])
    else:
        flat, probs = [], []
        _flatten(f, None, "framework", flat, probs)
    parents = {n.get("parent") for n in flat if isinstance(n, Mapping)}
    return [str(n["code"]) for n in flat if isinstance(n, Mapping) and "code" in n
            and n["code"] not in parents]


def _data_only_problems(cfg: Config, data: Any) -> list[Problem]:
    """Data problems found against the metric list of a framework that failed to build."""

    try:
        metrics = list(dict.fromkeys(_declared_metrics(cfg)))  # duplicates are reported already
        if not metrics:
            return []
        fw = Framework([Node(code="__root__")] + [Node(code=m, parent="__root__")
                                                   for m in metrics if m != "__root__"])
    except AIIndexError:  # the framework's own problems are reported already
        return []
    try:
        load_dataset(cfg, fw, data)
    except ValidationError as exc:
        return list(exc.problems)
    except Exception as exc:  # noqa: BLE001 - report, don't crash
        return [Problem(str(exc), file=cfg.source_file, key="data")]
    return []
