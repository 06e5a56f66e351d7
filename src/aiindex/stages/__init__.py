"""The pipeline stages, one module each: denominate, impute, screen, treat, normalize, aggregate.

Every data-preparation stage module exposes ``apply(X, choices, ctx) -> StageOutput`` (the stage
contract, :mod:`aiindex.stages.base` and ``docs/dev/contract.md``) and a registry of methods
that a config names and users can extend::

    from aiindex.stages import NORMALIZERS

    @NORMALIZERS.register("my_scale")
    def my_scale(X, /, *, factor: float = 2.0, reference=None):
        return X * factor
"""

from __future__ import annotations

from .aggregate import AGGREGATORS, aggregate_group, aggregate_stage, aggregate_tree
from .base import MethodChoice, StageContext, StageOutput
from .denominate import DENOMINATORS
from .impute import IMPUTERS
from .normalize import NORMALIZERS
from .resolve import check_methods, stage_choices, stage_module, stage_option, stage_registry
from .screen import SCREENERS
from .treat import TREATMENTS

__all__ = [
    "AGGREGATORS",
    "DENOMINATORS",
    "IMPUTERS",
    "NORMALIZERS",
    "SCREENERS",
    "TREATMENTS",
    "MethodChoice",
    "StageContext",
    "StageOutput",
    "aggregate_group",
    "aggregate_stage",
    "aggregate_tree",
    "check_methods",
    "stage_choices",
    "stage_module",
    "stage_option",
    "stage_registry",
]
