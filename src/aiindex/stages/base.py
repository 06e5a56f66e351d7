"""The stage contract: the small types every pipeline stage takes and returns.

See ``docs/dev/contract.md``. :class:`MethodChoice` lives in :mod:`aiindex.config` (the config
resolves it) and is re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..config import MethodChoice

if TYPE_CHECKING:  # pragma: no cover
    from ..framework import Framework

__all__ = ["MethodChoice", "StageContext", "StageOutput", "empty_log"]


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
