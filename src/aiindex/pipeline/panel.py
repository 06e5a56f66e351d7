"""Run a config over several years of a panel (per-year or pooled normalisation bounds).

:func:`run_panel` runs the pipeline once per year. The data-preparation stages
(:func:`aiindex.pipeline.prepare`) run per year; panel imputation methods see every year through
``StageContext.panel``. Normalisation bounds are either

* ``"per_year"``: each year is normalised on its own data (min/max, mean/sd... of that year).
  Scores are comparable *within* a year; a unit's score can move only because others moved.
* ``"pooled"``: the statistics come from the treated data of **all years of the data stacked**
  (``reference=`` of the normalisers, see ``docs/dev/contract.md``), so a given raw value maps
  to the same normalised value in every year and scores are comparable over time. The pool is
  every year of the data even when ``years`` selects a subset, so a year's scores do not depend
  on which years are reported; ``pool="selected"`` pools over the selected years only.

When ``bounds`` is not given, the config's ``normalize: {pooled: true}`` option selects pooled
bounds; otherwise per-year. Trends and gaps over a :class:`PanelResult` are in
:mod:`aiindex.analysis.trends`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from .. import _progress
from .._io import OutputDir
from ..config import Config, resolve_config
from ..data.gii import is_gii_mendeley, read_gii_panel
from ..errors import ConfigError, DataError, ValidationError
from ..framework import Framework
from .build import build_framework, finish, load_dataset, prepare
from .checks import config_problems

if TYPE_CHECKING:  # pragma: no cover
    from .result import Result

__all__ = ["PanelResult", "run_panel"]

Bounds = Literal["per_year", "pooled"]
Pool = Literal["all", "selected"]


@dataclass
class PanelResult:
    """Results of one config over several years.

    Attributes
    ----------
    results
        Year → :class:`~aiindex.pipeline.Result`.
    tidy
        Long table ``uCode, year, node, level, score, rank`` (metrics: normalised values;
        aggregates: scores; ranks within each year).
    bounds
        ``"per_year"`` or ``"pooled"``.
    years
        Years run, increasing.
    framework, config
        The framework and resolved config.
    reference
        The pooled reference table (treated data of the pooled years, index ``(uCode, Time)``),
        or ``None`` for per-year bounds.
    pooled_years
        Years whose data define the pooled bounds (all years of the data, or the selected years
        with ``pool="selected"``); empty for per-year bounds.
    """

    results: dict[int, Result]
    tidy: pd.DataFrame
    bounds: str
    years: list[int]
    framework: Framework
    config: Config
    reference: pd.DataFrame | None = None
    pooled_years: list[int] = field(default_factory=list)

    def _node(self, node: str | None) -> str:
        node = self.framework.root if node is None else node
        if node not in self.framework.nodes:
            raise ConfigError(f"unknown framework node {node!r}")
        return node

    def scores(self, node: str | None = None) -> pd.DataFrame:
        """Units × years table of the scores of ``node`` (default: the index)."""
        node = self._node(node)
        t = self.tidy[self.tidy["node"] == node]
        w = t.pivot(index="uCode", columns="year", values="score").astype("float64")
        return w.reindex(columns=self.years)

    def ranks(self, node: str | None = None) -> pd.DataFrame:
        """Units × years table of the ranks of ``node`` (within each year; ``Int64``)."""
        node = self._node(node)
        t = self.tidy[self.tidy["node"] == node]
        w = t.pivot(index="uCode", columns="year", values="rank")
        return w.reindex(columns=self.years).astype("Int64")

    def year(self, year: int) -> Result:
        """The result of one year."""
        if year not in self.results:
            raise DataError(f"year {year} was not run (years: {self.years})")
        return self.results[year]

    def write_to(self, out: OutputDir) -> list[Path]:
        """Write ``panel_tidy.csv``, ``panel_scores.csv`` and ``panel_ranks.csv`` into an open
        :class:`~aiindex._io.OutputDir` (so a command can add its own files to the folder)."""
        return [out.write_csv("panel_tidy.csv", self.tidy, index=False, float_format="%.10g"),
                out.write_csv("panel_scores.csv", self.scores(), float_format="%.10g"),
                out.write_csv("panel_ranks.csv", self.ranks())]

    def to_csv(self, directory: str | Path, *, command: str = "") -> list[Path]:
        """Write ``panel_tidy.csv``, ``panel_scores.csv`` and ``panel_ranks.csv`` (index), then
        ``manifest.json``; the files appear together, atomically (:class:`~aiindex._io.OutputDir`).
        """
        with OutputDir(directory, command=command or "PanelResult.to_csv",
                       config=self.config) as out:
            self.write_to(out)
        return out.paths

    def _summary_line(self) -> str:
        units = self.tidy["uCode"].nunique()
        return (f"{self.config.name}: years {self.years[0]}-{self.years[-1]} "
                f"({len(self.years)}), {units} units, bounds {self.bounds}"
                + (f" over {self.pooled_years[0]}-{self.pooled_years[-1]}"
                   if self.pooled_years else ""))

    def _score_table(self) -> pd.DataFrame:
        """Index scores by year, in the order of the last year's ranks."""
        s = self.scores()
        order = self.ranks()[self.years[-1]].astype("Float64").sort_values(na_position="last")
        s = s.loc[order.index]
        s.columns = [str(y) for y in s.columns]
        return s

    def __repr__(self) -> str:
        """A summary line and the index scores by year (first and last units)."""
        from .._repr import text_table

        return (f"PanelResult({self._summary_line()})\nindex scores by year:\n"
                + text_table(self._score_table(), what="units (panel.scores() has them all)"))

    def _repr_html_(self) -> str:
        """The index scores by year in a notebook (every unit reachable; text escaped)."""
        from .._repr import html_card, html_table

        return html_card(self._summary_line(), ["Index scores by year (rows in the order of "
                                                f"{self.years[-1]})."],
                         html_table(self._score_table(), what="units"))


def _panel_data(cfg: Config, data: Any) -> Any:
    """``data`` or the config's data file; the GII Mendeley file is read with its own reader."""
    if data is not None:
        if isinstance(data, str | Path) and is_gii_mendeley(data):
            return read_gii_panel(data)
        return data
    if cfg.data.file is not None:
        path = cfg.path(cfg.data.file)
        if path is not None and is_gii_mendeley(path):
            return read_gii_panel(path)
    return None


def run_panel(
    config: Any,
    years: Sequence[int] | None = None,
    bounds: Bounds | None = None,
    *,
    data: Any = None,
    overrides: Mapping[str, Any] | None = None,
    pool: Pool = "all",
) -> PanelResult:
    """Run a config over several years of a panel.

    Parameters
    ----------
    config
        Config path, mapping or :class:`~aiindex.config.Config`.
    years
        Years to run (default: the config's ``data.years``, else every year of the data).
    bounds
        ``"per_year"`` or ``"pooled"`` normalisation statistics (see the module docstring).
        ``None``: pooled when the config sets ``normalize: {pooled: true}``, else per-year.
    data
        Data replacing the config's (a wide/long DataFrame with a ``Time`` column, or a path).
        The GII Mendeley pillar file is recognised and read with :func:`read_gii_panel`.
    overrides
        Nested mapping deep-merged into the config.
    pool
        With pooled bounds, the years whose treated data define the normalisation statistics:
        ``"all"`` (default) every year of the data, whatever ``years`` selects (so a year's
        scores do not depend on which years are reported), or ``"selected"`` the selected
        years only.

    Returns
    -------
    PanelResult

    Raises
    ------
    DataError
        The data have fewer than two years, or a requested year is absent.
    ConfigError
        ``bounds`` is not ``"per_year"``/``"pooled"``, or ``pool`` not ``"all"``/``"selected"``.
    """
    cfg = resolve_config(config, overrides)
    fw = build_framework(cfg)
    problems = config_problems(cfg, fw)
    if problems:
        raise ValidationError(problems, title="invalid config")
    ds = load_dataset(cfg, fw, _panel_data(cfg, data))
    if not ds.is_panel:
        raise DataError(f"run_panel needs data with a year column ({cfg.data.year_column!r}) and "
                        f"at least two years; got {ds.years or 'a cross-section'}")
    if years is None and cfg.data.years:
        years = cfg.data.years
    if years is None:
        ys = ds.years
    else:
        ys = sorted({int(y) for y in years})
        absent = [y for y in ys if y not in ds.years]
        if absent:
            raise DataError(f"year(s) {absent} not in the data (years: {ds.years})")
        if not ys:
            raise DataError("run_panel: empty list of years")
    if bounds is None:
        bounds = "pooled" if cfg.normalize.flag("pooled") else "per_year"
    if bounds not in ("per_year", "pooled"):
        raise ConfigError(f"bounds must be 'per_year' or 'pooled', got {bounds!r}")
    if pool not in ("all", "selected"):
        raise ConfigError(f"pool must be 'all' or 'selected', got {pool!r}")
    pooled_years = ((list(ds.years) if pool == "all" else list(ys)) if bounds == "pooled"
                    else [])
    prep_years = sorted(set(ys) | set(pooled_years))
    with _progress.step("years", total=len(prep_years) + len(ys)) as advance:
        preps = {}
        for y in prep_years:
            preps[y] = prepare(cfg, fw, ds, year=y, check=y in ys)  # pool-only: not scored
            advance()
        reference = None
        if bounds == "pooled":
            reference = pd.concat({y: preps[y].stages["treated"] for y in pooled_years},
                                  names=["Time", "uCode"]).swaplevel(0, 1)
        results = {}
        for y in ys:
            results[y] = finish(preps[y], reference=reference)
            advance()
    tidy = pd.concat([r.tidy().assign(year=y) for y, r in results.items()], ignore_index=True)
    tidy["year"] = tidy["year"].astype(int)
    return PanelResult(results, tidy, str(bounds), list(ys), fw, cfg, reference, pooled_years)
