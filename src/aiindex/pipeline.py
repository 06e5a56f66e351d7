"""Run the pipeline: raw → denominated → imputed → screened → treated → normalized → aggregated.

:func:`run` is the public entry point; :class:`Result` keeps every intermediate table. The stage
modules are small and pure (see ``docs/dev/contract.md``); this module only wires them, resolves
per-node methods with one rule (:func:`aiindex.config.resolve_choice`) and records what happened.
"""

from __future__ import annotations

import html
import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._stage import MethodChoice, StageContext, StageOutput
from .config import STAGES, Config, resolve_choice, resolve_config
from .data import Dataset, load_data
from .errors import AIIndexError, ConfigError, MethodError, Problem, ValidationError
from .spec import Framework

__all__ = [
    "Result",
    "run",
    "build_framework",
    "load_dataset",
    "prepare",
    "Prepared",
    "stage_choices",
    "validate",
    "STAGE_TABLES",
]

#: stage → name of its output table in ``Result.stages``
STAGE_TABLES = {
    "denominate": "denominated",
    "impute": "imputed",
    "screen": "screened",
    "treat": "treated",
    "normalize": "normalized",
    "aggregate": "aggregated",
}
#: stage → (module, registry attribute)
_REGISTRIES = {
    "denominate": ("aiindex.denominate", "DENOMINATORS"),
    "impute": ("aiindex.impute", "IMPUTERS"),
    "screen": ("aiindex.screen", "SCREENERS"),
    "treat": ("aiindex.treat", "TREATMENTS"),
    "normalize": ("aiindex.normalize", "NORMALIZERS"),
    "aggregate": ("aiindex.aggregate", "AGGREGATORS"),
}


def _version() -> str:
    from . import __version__

    return __version__


def stage_module(stage: str):
    """The module implementing ``stage``."""
    return importlib.import_module(_REGISTRIES[stage][0])


def stage_registry(stage: str):
    """The method registry of ``stage``."""
    mod, attr = _REGISTRIES[stage]
    return getattr(importlib.import_module(mod), attr)


# ------------------------------------------------------------------------------- building
def build_framework(cfg: Config) -> Framework:
    """The framework named by the config (YAML tree file, iMeta table, or inline tree)."""
    f = cfg.framework
    if f is None:
        raise ConfigError("config has no 'framework' section")
    if isinstance(f, str):
        f = {"file": f}
    if isinstance(f, Mapping) and "file" in f and "code" not in f:
        path = cfg.path(str(f["file"]))
        assert path is not None
        if not path.exists():
            raise ConfigError(f"framework file not found: {path} (config key framework.file)")
        if path.suffix.lower() in (".csv", ".xlsx", ".xls"):
            return Framework.from_table(path, name=cfg.name)
        return Framework.from_yaml(path)
    if isinstance(f, Mapping):
        return Framework.from_dict(f, source_file=cfg.source_file)
    raise ConfigError("framework must be a file name or a mapping (config key framework)")


def load_dataset(cfg: Config, fw: Framework, data: Any = None) -> Dataset:
    """Load the data named by the config, or ``data`` (a DataFrame or path) instead."""
    if data is None:
        if cfg.data.file is None:
            raise ConfigError("no data: set data.file in the config or pass data=")
        data = cfg.path(cfg.data.file)
    ds = load_data(data, fw, cfg.data)
    names = cfg.data.names
    if names is not None:
        if isinstance(names, str):
            path = cfg.path(names)
            if path is None or not path.exists():
                raise ConfigError(f"unit-name file not found: {path} (config key data.names)")
            t = pd.read_csv(path, dtype=str, keep_default_na=False)
            names = dict(zip(t.iloc[:, 0], t.iloc[:, 1], strict=True))
        codes = ds.names.index.get_level_values(0)
        mapped = pd.Series([names.get(c, ds.names.iloc[i]) for i, c in enumerate(codes)],
                           index=ds.names.index, name="uName")
        ds.names = mapped
    return ds


def stage_choices(cfg: Config, fw: Framework, stage: str,
                  codes: list[str] | None = None) -> dict[str, MethodChoice]:
    """Resolved method per node for one stage (metrics for data stages, aggregates for
    ``aggregate``)."""
    section = cfg.stage(stage)
    if codes is None:
        codes = fw.aggregates if stage == "aggregate" else fw.metrics
    return {c: resolve_choice(section, stage, c, fw.nodes[c].level, fw.nodes[c].methods)
            for c in codes}


def _option(cfg: Config, stage: str, key: str, code: str, level: int | None, default: Any) -> Any:
    """A stage option (e.g. ``min_share``) with the same layering as methods."""
    sec = cfg.stage(stage)
    val = sec.option(key, default)
    if level is not None:
        lv = sec.levels.get(level) or {}
        val = lv.get(key, val)
    val = sec.overrides.get(code, {}).get(key, val)
    return val


def check_methods(cfg: Config, fw: Framework) -> list[Problem]:
    """Every unknown method or parameter in the stage sections, as problems."""
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
                import difflib

                ok = reg.accepted_params(c.method)
                close = difflib.get_close_matches(par, ok, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                problems.append(Problem(f"{reg.kind} {c.method!r} at {where}: unknown parameter "
                                        f"{par!r}{hint}", file=cfg.source_file,
                                        key=f"{stage}.{par}",
                                        expected=f"parameters of {c.method!r}: {ok}"))
    for stage in STAGES:
        sec = cfg.stage(stage)
        for code in sec.overrides:
            if code not in fw.nodes:
                problems.append(Problem(f"override for unknown node {code!r}", file=cfg.source_file,
                                        key=f"{stage}.overrides.{code}",
                                        expected="a node code of the framework"))
    return problems


# ------------------------------------------------------------------------------- stages
@dataclass
class Prepared:
    """Data after the data-preparation stages (up to ``treated``), for one year."""

    cfg: Config
    framework: Framework
    dataset: Dataset
    stages: dict[str, pd.DataFrame]
    logs: dict[str, pd.DataFrame]
    info: dict[str, Any]
    ctx: StageContext
    year: int | None


def _run_stage(stage: str, X: pd.DataFrame, choices: Mapping[str, MethodChoice],
               ctx: StageContext) -> StageOutput:
    """Run one metric-wise stage on the metrics whose method is not ``none``."""
    active = [c for c, ch in choices.items() if ch.method != "none" and c in X.columns]
    if not active:
        return StageOutput(X.copy())
    try:
        out = stage_module(stage).apply(X[active], {c: choices[c] for c in active}, ctx)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, AIIndexError):
            raise
        used = sorted({(ch.method, repr(dict(ch.params))) for c, ch in choices.items()
                       if c in active})
        raise MethodError(f"stage {stage!r} failed with method/parameters {used}: {exc} "
                          f"(check the parameter values in the config section '{stage}')"
                          ) from exc
    data = X.copy()
    data = data.loc[out.data.index]
    data[active] = out.data[active].to_numpy()
    return StageOutput(data, out.log, out.info)


def _subset_ctx(ctx: StageContext, units: pd.Index) -> None:
    for attr in ("groups", "denominators", "names"):
        v = getattr(ctx, attr)
        if v is not None:
            setattr(ctx, attr, v.loc[v.index.intersection(units, sort=False)].reindex(units))


def prepare(cfg: Config, fw: Framework, ds: Dataset, *, year: int | None = None) -> Prepared:
    """Run ``denominate``, ``impute``, ``screen`` and ``treat`` for one year.

    For panel data, panel imputation methods (registered with ``panel=True``) see all years;
    every other stage works on the cross-section of ``year`` (default: ``data.year`` or the
    latest year).
    """
    logs: dict[str, pd.DataFrame] = {}
    info: dict[str, Any] = {}
    panel = ds if ds.is_panel else None
    if panel is not None:
        info["panel_years"] = panel.years
        if year is None:
            y = cfg.data.year
            if y in (None, "latest", "all"):  # "all" is for the panel functions
                year = panel.years[-1]
            else:
                try:
                    year = int(y)
                except (TypeError, ValueError):
                    raise ConfigError(f"data.year must be a year, 'latest' or 'all', got {y!r}") from None
        ds = panel.select_year(year)
    else:
        year = ds.extra.get("year")
    ctx = StageContext(framework=fw, groups=ds.groups.copy(), denominators=ds.denominators.copy(),
                       names=ds.names.copy(), year=year,
                       panel=panel.metrics if panel is not None else None)
    stages: dict[str, pd.DataFrame] = {"raw": ds.metrics.copy()}
    ctx.stages = stages
    X = ds.metrics.copy()

    # denominate
    if panel is not None:
        # denominate the whole panel so that panel imputation sees denominated values
        pctx = StageContext(framework=fw, groups=panel.groups, denominators=panel.denominators,
                            names=panel.names, panel=panel.metrics)
        pout = _run_stage("denominate", panel.metrics, stage_choices(cfg, fw, "denominate"), pctx)
        ctx.panel = pout.data
        X = pout.data.xs(year, level=1)
        X.index.name = "uCode"
        out = StageOutput(X, pout.log, pout.info)
    else:
        out = _run_stage("denominate", X, stage_choices(cfg, fw, "denominate"), ctx)
    X = out.data
    stages["denominated"] = X.copy()
    logs["denominate"], info["denominate"] = out.log, out.info

    screen_when = cfg.screen.option("when", "after_impute")
    if screen_when not in ("before_impute", "after_impute"):
        raise ConfigError(f"screen.when must be before_impute or after_impute, got {screen_when!r}")

    def do_screen(X: pd.DataFrame) -> pd.DataFrame:
        sec = cfg.screen
        if sec.method == "none" and not sec.params("screen"):
            stages["screened"] = X.copy()
            return X
        choice = {"*": MethodChoice(sec.method, sec.params("screen"))}
        o = stage_module("screen").apply(X, choice, ctx)
        logs["screen"], info["screen"] = o.log, o.info
        _subset_ctx(ctx, o.data.index)
        stages["screened"] = o.data.copy()
        return o.data

    if screen_when == "before_impute":
        X = do_screen(X)
    # impute
    choices = stage_choices(cfg, fw, "impute")
    out = _run_stage("impute", X, choices, ctx)
    X = out.data
    stages["imputed"] = X.copy()
    logs["impute"], info["impute"] = out.log, out.info
    if screen_when == "after_impute":
        X = do_screen(X)
    # treat
    out = _run_stage("treat", X, stage_choices(cfg, fw, "treat"), ctx)
    X = out.data
    stages["treated"] = X.copy()
    logs["treat"], info["treat"] = out.log, out.info
    # keep the table order of the stages
    order = ["raw", "denominated", "imputed", "screened", "treated"]
    stages = {k: stages[k] for k in order if k in stages}
    ctx.stages = stages
    return Prepared(cfg, fw, ds, stages, logs, info, ctx, year)


def normalize_stage(prep: Prepared, X: pd.DataFrame | None = None,
                    reference: pd.DataFrame | None = None) -> StageOutput:
    """Normalise the treated data (``X`` defaults to ``prep.stages['treated']``)."""
    fw = prep.framework
    X = prep.stages["treated"] if X is None else X
    direction = pd.Series({c: float(fw.nodes[c].direction) for c in X.columns})
    # direction is applied first (x * direction): every normaliser then sees higher = better
    prep.ctx.reference = None if reference is None else reference[X.columns] * direction
    return _run_stage("normalize", X * direction, stage_choices(prep.cfg, fw, "normalize"),
                      prep.ctx)


def aggregate_stage(cfg: Config, fw: Framework, normalized: pd.DataFrame,
                    weights: pd.Series | Mapping[str, float] | None = None) -> pd.DataFrame:
    """Aggregate normalised metrics up the tree; returns units × aggregate codes."""
    from .aggregate import aggregate_tree

    choices = stage_choices(cfg, fw, "aggregate")
    min_share = {c: float(_option(cfg, "aggregate", "min_share", c, fw.nodes[c].level, 0.0))
                 for c in fw.aggregates}
    w = None
    if weights is not None:
        w = pd.Series({c: n.weight for c, n in fw.nodes.items()}, dtype=float)
        w.update(pd.Series(weights, dtype=float))
    return aggregate_tree(normalized, fw, choices, min_share=min_share, weights=w)


# ------------------------------------------------------------------------------- Result
@dataclass
class Result:
    """Everything a run produced.

    Attributes
    ----------
    stages : dict[str, DataFrame]
        raw, denominated, imputed, screened, treated, normalized, aggregated (units × codes).
    scores : DataFrame
        Units × aggregate nodes (root included), framework order.
    ranks : DataFrame
        Ranks of ``scores`` (1 = best, min ties, ``Int64``).
    tiers : Series or None
        Tier per unit (1 = top) when the config has a ``tiers`` section.
    logs, info : dict
        Per-stage tidy logs (e.g. every imputed cell) and summaries (e.g. treatment table).
    config : Config
        The resolved config.
    framework : Framework
        The framework actually used (with fitted weights, when a weights scheme ran).
    version : str
        aiindex version that produced the result.
    """

    config: Config
    framework: Framework
    stages: dict[str, pd.DataFrame]
    scores: pd.DataFrame
    ranks: pd.DataFrame
    logs: dict[str, pd.DataFrame] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    tiers: pd.Series | None = None
    names: pd.Series | None = None
    groups: pd.DataFrame | None = None
    year: int | None = None
    version: str = field(default_factory=_version)

    @property
    def index(self) -> pd.Series:
        """Scores of the root node."""
        return self.scores[self.framework.root]

    @property
    def effective_weights(self) -> pd.Series:
        """Effective weight of every node in the index."""
        return self.framework.effective_weights()

    def group_ranks(self, group: str) -> pd.DataFrame:
        """Ranks of ``scores`` within the unit groups of column ``group`` (e.g. an income group).

        Raises
        ------
        ConfigError
            If ``group`` is not a group column of the data.
        """
        from .ranks import rank_within

        if self.groups is None or group not in self.groups.columns:
            have = [] if self.groups is None else list(self.groups.columns)
            raise ConfigError(f"unknown group column {group!r}; group columns: {have}")
        return rank_within(self.scores, self.groups[group].reindex(self.scores.index))

    def metric_ranks(self) -> pd.DataFrame:
        """Ranks of the normalised metrics (1 = best)."""
        from .ranks import rank

        return rank(self.stages["normalized"])

    def table(self, columns: list[str] | None = None) -> pd.DataFrame:
        """A ranked table: rank, name, index score, tier, and the first-level dimensions."""
        root = self.framework.root
        cols = columns if columns is not None else self.framework.dimensions
        df = pd.DataFrame({"rank": self.ranks[root]})
        if self.names is not None:
            df["name"] = self.names.reindex(df.index)
        df[root] = self.scores[root]
        if self.tiers is not None:
            df["tier"] = self.tiers.reindex(df.index)
        for c in cols:
            if c != root:
                df[c] = self.scores[c] if c in self.scores else self.stages["normalized"][c]
        return df.sort_values(["rank", root], ascending=[True, False], na_position="last")

    def tidy(self) -> pd.DataFrame:
        """Long view: unit, year, node, level, score, rank[, tier] for metrics and aggregates."""
        allsc = self.stages["aggregated"]
        from .ranks import rank

        rk = rank(allsc)
        long = allsc.stack(future_stack=True).rename("score").reset_index()
        long.columns = ["uCode", "node", "score"]
        long["rank"] = rk.stack(future_stack=True).to_numpy()
        long["level"] = long["node"].map({c: n.level for c, n in self.framework.nodes.items()})
        long.insert(1, "year", self.year)
        if self.tiers is not None:
            long["tier"] = long["uCode"].map(self.tiers)
        return long[["uCode", "year", "node", "level", "score", "rank"]
                    + (["tier"] if self.tiers is not None else [])]

    def to_csv(self, directory: str | Path) -> list[Path]:
        """Write scores.csv, ranks.csv, tidy.csv, one CSV per stage, logs; returns the paths."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        written = []

        def w(df: pd.DataFrame, name: str, index: bool = True) -> None:
            p = d / name
            df.to_csv(p, index=index, float_format="%.17g")
            written.append(p)

        sc = self.scores.copy()
        rk = self.ranks.copy()
        if self.tiers is not None:
            sc["tier"] = self.tiers
            rk["tier"] = self.tiers
        w(sc.rename_axis("uCode"), "scores.csv")
        w(rk.rename_axis("uCode"), "ranks.csv")
        w(self.tidy(), "tidy.csv", index=False)
        for k, v in self.stages.items():
            w(v.rename_axis("uCode"), f"stage_{k}.csv")
        for k, v in self.logs.items():
            if isinstance(v, pd.DataFrame) and len(v):
                w(v, f"log_{k}.csv", index=False)
        if isinstance(self.info.get("treat", {}).get("treatment"), pd.DataFrame):
            w(self.info["treat"]["treatment"], "treatment.csv")
        ew = self.framework.nodes_frame()[["level", "parent", "weight", "local_weight",
                                           "effective_weight"]]
        w(ew, "weights.csv")
        if self.info.get("tiers") is not None and hasattr(self.info["tiers"], "breaks"):
            t = self.info["tiers"]
            pd.DataFrame({"tier": range(1, len(t.breaks) + 1), "lower_bound": t.breaks}).to_csv(
                d / "tier_breaks.csv", index=False)
            written.append(d / "tier_breaks.csv")
        from .spec import dump_yaml

        p = d / "config.yaml"
        dump_yaml({**self.config.to_dict(), "aiindex_version": self.version}, p)
        written.append(p)
        return written

    def _repr_html_(self) -> str:
        t = self.table().head(50)
        title = html.escape(self.config.name)
        return (f"<h4>{title} — {len(self.scores)} units, {len(self.framework.metrics)} metrics "
                f"(aiindex {self.version})</h4>" + t.to_html(float_format=lambda v: f"{v:.2f}"))

    def __repr__(self) -> str:
        return (f"Result({self.config.name!r}: {len(self.scores)} units, "
                f"{len(self.framework.metrics)} metrics, year={self.year})")


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
    """
    if config_or_path is None:
        from .defaults import default_config_path

        config_or_path = default_config_path()
    cfg = resolve_config(config_or_path, overrides)
    fw = build_framework(cfg)
    problems = check_methods(cfg, fw)
    if problems:
        raise ValidationError(problems, title="invalid config")
    ds = load_dataset(cfg, fw, data)
    if ds.is_panel and cfg.normalize.option("pooled", False):
        # pooled normalisation bounds need every year: run the panel, return the chosen year
        from .panel import run_panel

        y = cfg.data.year
        year = ds.years[-1] if y in (None, "latest", "all") else int(y)
        return run_panel(cfg, data=data).results[year]
    return run_dataset(cfg, fw, ds)


def run_dataset(cfg: Config, fw: Framework, ds: Dataset, *, year: int | None = None,
                reference: pd.DataFrame | None = None) -> Result:
    """Run the pipeline on an already loaded dataset (one year)."""
    prep = prepare(cfg, fw, ds, year=year)
    return finish(prep, reference=reference)


def finish(prep: Prepared, *, reference: pd.DataFrame | None = None) -> Result:
    """Normalise, weight, aggregate, rank and tier prepared data."""
    cfg, fw = prep.cfg, prep.framework
    out = normalize_stage(prep, reference=reference)
    normalized = out.data
    stages = dict(prep.stages)
    stages["normalized"] = normalized.copy()
    logs, info = dict(prep.logs), dict(prep.info)
    logs["normalize"], info["normalize"] = out.log, out.info
    mismatch = _scale_mismatch(fw, normalized)
    if mismatch:
        import warnings

        for msg in mismatch:
            warnings.warn(msg, stacklevel=3)
        info["normalize"] = {**(out.info or {}), "scale_warnings": mismatch}
    if cfg.weights:
        from .weights import apply_weights_config

        fw, winfo = apply_weights_config(cfg.weights, fw, normalized, cfg=cfg)
        info["weights"] = winfo
    agg = aggregate_stage(cfg, fw, normalized)
    _check_finite(agg)
    stages["aggregated"] = pd.concat([normalized, agg], axis=1)
    from .ranks import rank

    scores = agg
    ranks = rank(scores)
    groups = prep.ctx.groups
    res = Result(config=cfg, framework=fw, stages=stages, scores=scores, ranks=ranks, logs=logs,
                 info=info, names=prep.ctx.names, groups=groups, year=prep.year)
    if cfg.tiers:
        from .tiers import apply_tiers_config

        tr = apply_tiers_config(cfg.tiers, res)
        res.tiers = tr.tiers
        res.info["tiers"] = tr
    return res


def _scale_mismatch(fw: Framework, normalized: pd.DataFrame, ratio: float = 10.0) -> list[str]:
    """Sibling metrics whose normalised ranges differ more than ``ratio`` times (e.g. one metric
    normalised to 0-1 by a per-metric override among 0-100 siblings: its real weight would be
    ~100 times smaller than its nominal weight)."""
    rng = normalized.max() - normalized.min()
    out = []
    for p in fw.aggregates:
        kids = [c for c in fw.children(p) if c in normalized.columns]
        r = rng[kids].dropna()
        r = r[r > 0]
        if len(r) >= 2 and r.max() > ratio * r.min():
            out.append(f"normalised ranges of the metrics under {p!r} differ more than "
                       f"{ratio:g}x ({r.idxmin()}: {r.min():.3g}, {r.idxmax()}: {r.max():.3g}); "
                       "their real weights differ from the nominal ones — check per-metric "
                       "normalisation overrides")
    return out


def _check_finite(df: pd.DataFrame) -> None:
    arr = df.to_numpy(dtype=float)
    bad = np.isinf(arr)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise MethodError(f"aggregation produced an infinite score for unit {df.index[r]!r}, "
                          f"node {df.columns[c]!r}")


def validate(config_or_path: Any, data: Any = None) -> list[Problem]:
    """All problems of a config and its data (empty = valid).

    Schema problems do not stop the checks: the offending top-level keys are set aside and the
    framework, the data and a dry run of the pipeline are still checked, so one report lists
    everything that can be found.
    """
    problems: list[Problem] = []
    try:
        cfg = resolve_config(config_or_path)
    except ValidationError as exc:
        problems.extend(exc.problems)
        cfg = _lenient_config(config_or_path, exc.problems)
        if cfg is None:
            return problems
    except ConfigError as exc:
        return [Problem(str(exc))]
    fw = None
    try:
        fw = build_framework(cfg)
    except ValidationError as exc:
        problems.extend(exc.problems)
    except ConfigError as exc:
        problems.append(Problem(str(exc), file=cfg.source_file, key="framework"))
    if fw is not None:
        problems.extend(check_methods(cfg, fw))
        ds = None
        try:
            ds = load_dataset(cfg, fw, data)
        except ValidationError as exc:
            problems.extend(exc.problems)
        except (ConfigError, Exception) as exc:  # noqa: BLE001 - report, don't crash
            problems.append(Problem(str(exc), file=cfg.source_file, key="data"))
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
    from .config import _raw

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
    from .spec import _flatten, _read_table, load_yaml

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
    from .spec import Node

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
