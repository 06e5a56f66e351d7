"""aiindex: build, audit and stress-test composite indices.

>>> import aiindex
>>> result = aiindex.run()            # the bundled default index
>>> result.table().head()

Public entry points: :func:`load_config`, :func:`run`, :func:`validate`, :class:`Framework`,
:class:`Result`. Heavy optional packages (matplotlib, openpyxl, dask) are imported only by the
functions that need them.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _pkg_version

try:
    __version__ = _pkg_version("aiindex")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

from .aggregate import AGGREGATORS, aggregate_group, aggregate_tree
from .config import Config, load_config, resolve_config
from .data import Dataset, load_data
from .errors import AIIndexError, ConfigError, DataError, MethodError, Problem, ValidationError
from .normalize import NORMALIZERS
from .pipeline import Result, run, validate
from .ranks import rank, rank_array, rank_within
from .spec import Framework, Node, dump_yaml, load_yaml
from .stats import metric_stats, unit_availability
from .tiers import (
    TIERERS,
    TierResult,
    choose_k,
    refine_tiers,
    tier_probabilities,
    tiers_1d,
    tiers_profile,
)

#: names imported lazily on first use (keeps ``import aiindex`` light)
_LAZY = {
    "whatif": ("scenarios", "whatif"), "leave_one_out": ("scenarios", "leave_one_out"),
    "decompose": ("scenarios", "decompose"),
    "run_uncertainty": ("uncertainty", "uncertainty"),
    "evaluate_design": ("uncertainty", "evaluate_design"),
    "run_sensitivity": ("sensitivity", "sensitivity"),
    "calibrate_weights": ("calibrate", "calibrate"),
    "importance": ("weights", "importance"), "WEIGHTERS": ("weights", "WEIGHTERS"),
    "run_audit": ("audit", "audit"), "cronbach_alpha": ("audit", "cronbach_alpha"),
    "run_panel": ("panel", "run_panel"), "trends": ("panel", "trends"),
    "gaps": ("panel", "gaps"), "to_excel": ("excel", "to_excel"),
    "write_report": ("report", "write_report"), "write_explorer": ("explore", "write_explorer"),
}
# (modules such as ``aiindex.uncertainty`` share a name with their main function, so the
# functions are exported under unambiguous names: run_uncertainty, calibrate_weights, ...)


def __getattr__(name: str):  # PEP 562: lazy access to the heavier modules
    if name in _LAZY:
        import importlib

        mod, attr = _LAZY[name]
        return getattr(importlib.import_module(f".{mod}", __name__), attr)
    raise AttributeError(f"module 'aiindex' has no attribute {name!r}")


__all__ = [
    "__version__",
    "AGGREGATORS",
    "NORMALIZERS",
    "TIERERS",
    "TierResult",
    "aggregate_group",
    "aggregate_tree",
    "choose_k",
    "metric_stats",
    "rank",
    "rank_array",
    "rank_within",
    "refine_tiers",
    "tier_probabilities",
    "tiers_1d",
    "tiers_profile",
    "unit_availability",
    *sorted(_LAZY),
    "AIIndexError",
    "Config",
    "ConfigError",
    "DataError",
    "Dataset",
    "Framework",
    "MethodError",
    "Node",
    "Problem",
    "Result",
    "ValidationError",
    "dump_yaml",
    "load_config",
    "load_data",
    "load_yaml",
    "resolve_config",
    "run",
    "validate",
]
