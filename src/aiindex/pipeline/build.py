"""The pipeline's steps for one year: build the framework, load the data, prepare, finish.

:func:`prepare` runs ``denominate``, ``impute``, ``screen`` and ``treat``; :func:`finish`
normalises, weights, aggregates, ranks and tiers. :func:`aiindex.pipeline.run` wires them for a
config; :func:`aiindex.pipeline.run_panel` runs them once per year.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..config import Config
from ..data import Dataset, load_data, read_table
from ..data.readers import _code_text
from ..errors import AIIndexError, ConfigError, DataError, MethodError
from ..framework import Framework
from ..ranks import rank
from ..stages.aggregate import aggregate_stage
from ..stages.base import MethodChoice, StageContext, StageOutput
from ..stages.resolve import stage_choices, stage_module
from ..tiers import apply_tiers_config
from ..weights import apply_weights_config
from .result import Result

__all__ = ["build_framework", "load_dataset", "Prepared", "prepare", "normalize_stage",
           "pooled_reference", "run_dataset", "finish"]


def build_framework(cfg: Config) -> Framework:
    """The framework named by the config (YAML tree file, iMeta table, or inline tree).

    Parameters
    ----------
    cfg
        The config (its ``framework`` section).

    Returns
    -------
    Framework
        The validated tree.
    """
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
    """Load the data named by the config, or ``data`` (a DataFrame or path) instead.

    Parameters
    ----------
    cfg, fw
        The config (its ``data`` section) and the framework (the metrics to read).
    data
        A DataFrame or a file replacing the config's data.

    Returns
    -------
    Dataset
        The checked data, with groups, names and denominators.
    """
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
            t = read_table(path, encoding=cfg.data.encoding)
            if t.shape[1] < 2:
                raise DataError(f"unit-name file {path} needs two columns (code, name); it has "
                                f"{t.shape[1]} (config key data.names)")
            keys, values = t.iloc[:, 0], t.iloc[:, 1]
        else:
            keys, values = pd.Series(list(names), dtype=object), pd.Series(list(names.values()))
        # the names file's codes read by the rule of the data's codes (stripped, 123.0 → "123");
        # a code given twice: the last one wins
        text, empty, _ = _code_text(keys)
        lookup = pd.Series(values.to_numpy(), index=text.to_numpy())[~empty]
        lookup = lookup[~lookup.index.duplicated(keep="last")]
        codes = ds.names.index.get_level_values(0)
        found = codes.isin(lookup.index)
        ds.names = pd.Series(np.where(found, codes.map(lookup), ds.names.to_numpy()),
                             index=ds.names.index, name="uName")
        unmatched = lookup.index.difference(codes)
        if len(unmatched):
            ds.extra["unmatched_names"] = [str(c) for c in unmatched]
    return ds


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


def prepare(cfg: Config, fw: Framework, ds: Dataset, *, year: int | None = None,
            check: bool = True) -> Prepared:
    """Run ``denominate``, ``impute``, ``screen`` and ``treat`` for one year.

    ``check=False`` skips the degenerate-data checks (a metric or unit without any value, fewer
    than two units) for a year that only contributes to pooled normalisation bounds and is not
    scored (e.g. a first panel year before a source started).

    For panel data, panel imputation methods (registered with ``panel=True``) see all years;
    every other stage works on the cross-section of ``year`` (default: ``data.year`` or the
    latest year).

    Parameters
    ----------
    cfg, fw, ds
        The config, the framework and the loaded dataset.
    year
        The year (default: ``data.year`` or the latest).
    check
        Run the degenerate-data checks.

    Returns
    -------
    Prepared
        The stage tables and logs up to ``treated``.
    """
    logs: dict[str, pd.DataFrame] = {}
    info: dict[str, Any] = {}
    panel = ds if ds.is_panel else None
    year = _choose_year(cfg, ds, year)
    if panel is not None:
        info["panel_years"] = panel.years
        ds = panel.select_year(year)
    for key in ("unused_columns", "unmatched_names"):
        if ds.extra.get(key):
            info[key] = list(ds.extra[key])
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
    X, left_out = _screen_metrics(X, cfg.screen.option("metric_min_share", None), logs, info)
    if check:
        _check_units_and_metrics(X.drop(columns=left_out), year, "screen" in logs)
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


def _choose_year(cfg: Config, ds: Dataset, year: int | None) -> int | None:
    """The year a run uses: ``year``, else ``data.year`` (checked against the data), else the
    latest year of a panel (``None`` for data without years)."""
    y = cfg.data.year
    if year is not None:
        return year
    if ds.is_panel:
        if y in (None, "latest", "all"):  # "all" is for the panel functions
            return ds.years[-1]
        if int(y) not in ds.years:
            raise DataError(f"data.year {y} is not in the data (years: {ds.years})")
        return int(y)
    have = ds.extra.get("year")
    if y not in (None, "latest", "all"):
        if have is None:
            raise ConfigError(f"data.year is {y!r} but the data have no year column "
                              f"{cfg.data.year_column!r}; remove data.year or add a "
                              f"{cfg.data.year_column} column (or set data.year_column)")
        if int(y) != have:
            raise DataError(f"data.year {y} is not in the data (the data hold year {have} only)")
    return have


def _screen_metrics(X: pd.DataFrame, min_share: float | None, logs: dict[str, pd.DataFrame],
                    info: dict[str, Any]) -> tuple[pd.DataFrame, list[str]]:
    """``screen.metric_min_share``: a metric observed (after imputation) for fewer than this
    share of the units is left out of the year — its cells become missing, so its parent
    aggregates the other children (recorded in ``logs["screen_metrics"]``). Without the option
    nothing is left out."""
    if min_share is None:
        return X, []
    share = X.notna().mean(axis=0)
    out = share < float(min_share)
    left_out = [str(c) for c in X.columns[out.to_numpy()]]
    logs["screen_metrics"] = pd.DataFrame({"metric": X.columns, "availability": share.to_numpy(),
                                           "left_out": out.to_numpy()})
    info["screen_metrics"] = {"min_share": float(min_share), "left_out": left_out}
    if left_out:
        X = X.copy()
        X[left_out] = np.nan
    return X, left_out


def _check_units_and_metrics(X: pd.DataFrame, year: int | None, screened: bool) -> None:
    """Defined outcomes for degenerate data, after imputation and screening: a metric without
    any value, a unit without any value, and fewer than two units are errors (never a metric
    silently dropped from its group, a unit without a score, or an index of one unit)."""
    when = f" in year {year}" if year is not None else ""
    after = " after imputation and screening" if screened else " after imputation"
    if len(X) == 0:
        raise DataError(f"no unit is left{when}{after}" + (
            " (the screen removed every unit; lower screen.min_share?)" if screened else ""))
    empty_m = list(X.columns[X.isna().all().to_numpy()])
    if empty_m:
        raise DataError(f"metric(s) {empty_m} have no data{when}{after}: every unit's value is "
                        "missing, so the metric would silently drop out of its group and its "
                        "siblings be re-weighted; fix the data or drop the metric from the "
                        "framework")
    empty_u = [str(u) for u in X.index[X.isna().all(axis=1).to_numpy()]]
    if empty_u:
        raise DataError(f"unit(s) {empty_u[:20]} have no data for any metric{when}{after}, so "
                        "they would get no score; remove them from the data or screen them out "
                        "(screen: {method: availability, min_share: ...})")
    if len(X) < 2:
        raise DataError(f"the data have {len(X)} unit ({', '.join(map(str, X.index))}){when}"
                        f"{after if screened else ''}; an index needs at least 2 units "
                        "(normalised scores and ranks of a single unit are meaningless)")


def normalize_stage(prep: Prepared, X: pd.DataFrame | None = None,
                    reference: pd.DataFrame | None = None) -> StageOutput:
    """Normalise the treated data (``X`` defaults to ``prep.stages['treated']``).

    Parameters
    ----------
    prep
        The prepared year.
    X
        Table to normalise (default: the treated data).
    reference
        Pooled normalisation reference, or ``None``.

    Returns
    -------
    StageOutput
        The normalised table and the stage's log.
    """
    fw = prep.framework
    X = prep.stages["treated"] if X is None else X
    direction = pd.Series({c: float(fw.nodes[c].direction) for c in X.columns})
    # direction is applied first (x * direction): every normaliser then sees higher = better
    prep.ctx.reference = None if reference is None else reference[X.columns] * direction
    return _run_stage("normalize", X * direction, stage_choices(prep.cfg, fw, "normalize"),
                      prep.ctx)


def pooled_reference(cfg: Config, fw: Framework, ds: Dataset,
                     prep: Prepared | None = None) -> pd.DataFrame | None:
    """The pooled normalisation reference of a panel config with ``normalize: {pooled: true}``:
    the treated data of every year of the data stacked (index ``(uCode, Time)``), as
    :func:`~aiindex.pipeline.run_panel` pools by default; ``None`` for other configs or data.
    ``prep`` (one year already prepared) is reused for its year.

    Parameters
    ----------
    cfg, fw, ds
        The config, the framework and the loaded dataset.
    prep
        A year already prepared, reused.

    Returns
    -------
    DataFrame or None
        The stacked treated data, or ``None``.
    """
    if not (ds.is_panel and cfg.normalize.flag("pooled")):
        return None
    treated = {y: (prep if prep is not None and prep.year == y
                   else prepare(cfg, fw, ds, year=y, check=False)).stages["treated"]
               for y in ds.years}
    return pd.concat(treated, names=["Time", "uCode"]).swaplevel(0, 1)


def run_dataset(cfg: Config, fw: Framework, ds: Dataset, *, year: int | None = None,
                reference: pd.DataFrame | None = None) -> Result:
    """Run the pipeline on an already loaded dataset (one year).

    A panel config with pooled normalisation uses :func:`pooled_reference` unless ``reference``
    is given, so the result equals the year's result of :func:`~aiindex.pipeline.run_panel`.

    Parameters
    ----------
    cfg, fw, ds
        The config, the framework and the loaded dataset.
    year
        The year (default: ``data.year`` or the latest).
    reference
        Pooled normalisation reference (default: :func:`pooled_reference`).

    Returns
    -------
    Result
        The result of the year.
    """
    prep = prepare(cfg, fw, ds, year=year)
    if reference is None:
        reference = pooled_reference(cfg, fw, ds, prep)
    return finish(prep, reference=reference)


def finish(prep: Prepared, *, reference: pd.DataFrame | None = None) -> Result:
    """Normalise, weight, aggregate, rank and tier prepared data.

    Parameters
    ----------
    prep
        The prepared year (:func:`prepare`).
    reference
        Pooled normalisation reference (:func:`pooled_reference`), or ``None``.

    Returns
    -------
    Result
        The result of the year.
    """
    cfg, fw = prep.cfg, prep.framework
    out = normalize_stage(prep, reference=reference)
    normalized = out.data
    stages = dict(prep.stages)
    stages["normalized"] = normalized.copy()
    logs, info = dict(prep.logs), dict(prep.info)
    logs["normalize"], info["normalize"] = out.log, out.info
    mismatch = _scale_mismatch(fw, normalized)
    if mismatch:
        for msg in mismatch:
            warnings.warn(msg, stacklevel=3)
        info["normalize"] = {**(out.info or {}), "scale_warnings": mismatch}
    if cfg.weights:
        fw, winfo = apply_weights_config(cfg.weights, fw, normalized, cfg=cfg)
        info["weights"] = winfo
    agg = aggregate_stage(cfg, fw, normalized)
    _check_finite(agg)
    stages["aggregated"] = pd.concat([normalized, agg], axis=1)

    scores = agg
    ranks = rank(scores)
    groups = prep.ctx.groups
    res = Result(config=cfg, framework=fw, stages=stages, scores=scores, ranks=ranks, logs=logs,
                 info=info, names=prep.ctx.names, groups=groups, year=prep.year)
    if cfg.tiers:
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
