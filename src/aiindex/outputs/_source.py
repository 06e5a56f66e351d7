"""The data a result was run on, for the analyses the report and the workbook compute.

A :class:`~aiindex.pipeline.Result` of :func:`aiindex.run` with ``data=`` keeps that data in
``info["data"]``; otherwise the config's own data are assumed and checked: an analysis is only
computed when its nominal run has the same raw data as the result (same year, units and values;
row and column order ignored), never silently on other data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..pipeline import Result

__all__ = ["analysis_engine", "anchor_runs", "mismatch_note", "result_data", "same_data"]


def result_data(result: Result) -> Any:
    """The data ``result`` was run on when they replaced the config's (``None``: the config's)."""
    return (result.info or {}).get("data")


def same_data(a: Result, b: Result) -> bool:
    """Whether two results were run on the same raw data (year, units, metrics and values;
    row and column order ignored, missing values equal)."""
    if a.year != b.year:
        return False
    x, y = a.stages.get("raw"), b.stages.get("raw")
    if x is None or y is None or x.shape != y.shape:
        return False
    if set(x.index) != set(y.index) or set(x.columns) != set(y.columns):
        return False
    y = y.reindex(index=x.index, columns=x.columns)
    return bool(np.array_equal(x.to_numpy(dtype=float), y.to_numpy(dtype=float),
                               equal_nan=True))


def mismatch_note() -> str:
    """Why an analysis of a result was not computed: the result's data are not known."""
    return ("this result was not run on its config's data (or the data changed since) and the "
            "data it was run on are not known; run the analysis on the same data (e.g. "
            "aiindex.uncertainty(config, data=...)) and pass its result, or run the index "
            "with aiindex.run(config, data=...)")


def analysis_engine(result: Result) -> tuple[Any, str | None]:
    """A compiled uncertainty :class:`~aiindex.analysis.uncertainty.Engine` on the data
    ``result`` was run on, or ``(None, note)`` when those data are not known.

    Raises
    ------
    AIIndexError
        The engine cannot be built (e.g. a bad ``uncertainty`` section).
    """
    from ..analysis.uncertainty import Engine

    engine = Engine(result.config, data=result_data(result))
    if not same_data(engine.nominal, result):
        return None, mismatch_note()
    return engine, None


def anchor_runs(result: Result) -> tuple[dict[int, Result], str | None]:
    """Edition → result to score against published facts: ``result`` for its year and, with
    panel data, the other editions of the same data; a note when only ``result`` is scored.

    Raises
    ------
    ConfigError
        The result has no year.
    """
    from ..errors import ConfigError
    from ..pipeline import run_panel

    cfg = result.config
    if result.year is None:
        raise ConfigError("anchors: the data have no year, so no edition can be scored; set "
                          "data.year in the config")
    year, data = int(result.year), result_data(result)
    if not result.info.get("panel_years"):  # set by the pipeline for panel data
        return {year: result}, None
    runs = dict(run_panel(cfg, data=data).results)
    own = runs.get(year)
    if own is None or not same_data(own, result):
        return {year: result}, (f"Only edition {year} (this result) is scored: the result "
                                "was not run on its config's data, so the other editions "
                                "cannot be taken from the same data.")
    runs[year] = result
    return runs, None
