"""Shared small types for the pipeline stages (see docs/dev/contract.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from .spec import Framework

__all__ = ["MethodChoice", "StageContext", "StageOutput", "empty_log"]


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


@dataclass
class StageContext:
    """Everything a stage may need besides the metric table itself."""

    framework: Framework
    groups: pd.DataFrame | None = None
    denominators: pd.DataFrame | None = None
    names: pd.Series | None = None
    year: int | None = None
    panel: pd.DataFrame | None = None
    reference: pd.DataFrame | None = None
    stages: dict[str, pd.DataFrame] = field(default_factory=dict)


@dataclass
class StageOutput:
    """What a stage returns: the new table, a tidy log, and per-metric/unit summaries."""

    data: pd.DataFrame
    log: pd.DataFrame = field(default_factory=lambda: pd.DataFrame())
    info: dict[str, Any] = field(default_factory=dict)


def empty_log(columns: list[str]) -> pd.DataFrame:
    """An empty tidy log with the given columns."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
