"""Run an index: the pipeline, its result object, and panel runs over several years.

>>> from aiindex.pipeline import run
>>> res = run()                      # the bundled default index
>>> res.stages["normalized"]         # every stage table is kept
"""

from __future__ import annotations

from .build import (
    Prepared,
    build_framework,
    finish,
    load_dataset,
    normalize_stage,
    pooled_reference,
    prepare,
    run_dataset,
)
from .panel import PanelResult, run_panel
from .result import STAGE_TABLES, Result
from .run import run, validate

__all__ = [
    "PanelResult",
    "Prepared",
    "Result",
    "STAGE_TABLES",
    "build_framework",
    "finish",
    "load_dataset",
    "normalize_stage",
    "pooled_reference",
    "prepare",
    "run",
    "run_dataset",
    "run_panel",
    "validate",
]
