"""aiindex: build, audit and stress-test composite indices.

>>> import aiindex
>>> result = aiindex.run()            # the bundled default index
>>> result.table().head()

The top-level namespace is the public API, stated once in :data:`__all__`; every name is
imported on first use (PEP 562), so ``import aiindex`` loads neither pandas, scipy nor
matplotlib. The subpackages name the layers of the pipeline, each importing only from those
before it (``docs/dev/architecture.md``):

``framework`` → ``data`` → ``stages`` → ``weights``, ``tiers`` → ``pipeline`` → ``analysis`` →
``outputs`` → ``cli``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

#: public name → (module, attribute); imported on first access
_API: dict[str, tuple[str, str]] = {
    # config, errors
    "Config": ("aiindex.config", "Config"),
    "load_config": ("aiindex.config", "load_config"),
    "resolve_config": ("aiindex.config", "resolve_config"),
    "AIIndexError": ("aiindex.errors", "AIIndexError"),
    "ConfigError": ("aiindex.errors", "ConfigError"),
    "DataError": ("aiindex.errors", "DataError"),
    "MethodError": ("aiindex.errors", "MethodError"),
    "Problem": ("aiindex.errors", "Problem"),
    "ValidationError": ("aiindex.errors", "ValidationError"),
    "load_yaml": ("aiindex.yamlio", "load_yaml"),
    "dump_yaml": ("aiindex.yamlio", "dump_yaml"),
    "rank": ("aiindex.ranks", "rank"),
    "rank_array": ("aiindex.ranks", "rank_array"),
    "rank_within": ("aiindex.ranks", "rank_within"),
    "metric_stats": ("aiindex.stats", "metric_stats"),
    "unit_availability": ("aiindex.stats", "unit_availability"),
    # framework, data
    "Framework": ("aiindex.framework", "Framework"),
    "Node": ("aiindex.framework", "Node"),
    "Dataset": ("aiindex.data", "Dataset"),
    "load_data": ("aiindex.data", "load_data"),
    # stages
    "NORMALIZERS": ("aiindex.stages", "NORMALIZERS"),
    "AGGREGATORS": ("aiindex.stages", "AGGREGATORS"),
    "aggregate_group": ("aiindex.stages", "aggregate_group"),
    "aggregate_tree": ("aiindex.stages", "aggregate_tree"),
    # weights, tiers
    "WEIGHTERS": ("aiindex.weights", "WEIGHTERS"),
    "TIERERS": ("aiindex.tiers", "TIERERS"),
    "TierResult": ("aiindex.tiers", "TierResult"),
    "choose_k": ("aiindex.tiers", "choose_k"),
    "refine_tiers": ("aiindex.tiers", "refine_tiers"),
    "tier_probabilities": ("aiindex.tiers", "tier_probabilities"),
    "tiers_1d": ("aiindex.tiers", "tiers_1d"),
    "tiers_profile": ("aiindex.tiers", "tiers_profile"),
    # pipeline
    "Result": ("aiindex.pipeline", "Result"),
    "run": ("aiindex.pipeline", "run"),
    "validate": ("aiindex.pipeline", "validate"),
    "run_panel": ("aiindex.pipeline", "run_panel"),
    "PanelResult": ("aiindex.pipeline", "PanelResult"),
    # analysis
    "whatif": ("aiindex.analysis.scenarios", "whatif"),
    "leave_one_out": ("aiindex.analysis.scenarios", "leave_one_out"),
    "decompose": ("aiindex.analysis.scenarios", "decompose"),
    "run_uncertainty": ("aiindex.analysis.uncertainty", "uncertainty"),
    "evaluate_design": ("aiindex.analysis.uncertainty", "evaluate_design"),
    "run_sensitivity": ("aiindex.analysis.sensitivity", "sensitivity"),
    "calibrate_weights": ("aiindex.analysis.calibrate", "calibrate"),
    "identifiability": ("aiindex.analysis.identify", "identifiability"),
    "rank_bounds": ("aiindex.analysis.bounds", "rank_bounds"),
    "compare": ("aiindex.analysis.compare", "compare"),
    "importance": ("aiindex.analysis.importance", "importance"),
    "run_audit": ("aiindex.analysis.audit", "audit"),
    "cronbach_alpha": ("aiindex.analysis.audit", "cronbach_alpha"),
    "trends": ("aiindex.analysis.trends", "trends"),
    "gaps": ("aiindex.analysis.trends", "gaps"),
    # outputs
    "to_excel": ("aiindex.outputs.excel", "to_excel"),
    "write_report": ("aiindex.outputs.report", "write_report"),
    "write_explorer": ("aiindex.outputs.explorer", "write_explorer"),
}
# (modules such as ``aiindex.analysis.uncertainty`` share a name with their main function, so
# those functions are exported under unambiguous names: run_uncertainty, calibrate_weights, ...)

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:  # PEP 562: import on first use
    if name in _API:
        mod, attr = _API[name]
        value = getattr(importlib.import_module(mod), attr)
        globals()[name] = value  # later look-ups skip __getattr__
        return value
    raise AttributeError(f"module 'aiindex' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .analysis.audit import audit as run_audit  # noqa: F401
    from .analysis.audit import cronbach_alpha  # noqa: F401
    from .analysis.bounds import rank_bounds  # noqa: F401
    from .analysis.calibrate import calibrate as calibrate_weights  # noqa: F401
    from .analysis.compare import compare  # noqa: F401
    from .analysis.identify import identifiability  # noqa: F401
    from .analysis.importance import importance  # noqa: F401
    from .analysis.scenarios import decompose, leave_one_out, whatif  # noqa: F401
    from .analysis.sensitivity import sensitivity as run_sensitivity  # noqa: F401
    from .analysis.trends import gaps, trends  # noqa: F401
    from .analysis.uncertainty import evaluate_design  # noqa: F401
    from .analysis.uncertainty import uncertainty as run_uncertainty  # noqa: F401
    from .config import Config, load_config, resolve_config  # noqa: F401
    from .data import Dataset, load_data  # noqa: F401
    from .errors import (  # noqa: F401
        AIIndexError,
        ConfigError,
        DataError,
        MethodError,
        Problem,
        ValidationError,
    )
    from .framework import Framework, Node  # noqa: F401
    from .outputs.excel import to_excel  # noqa: F401
    from .outputs.explorer import write_explorer  # noqa: F401
    from .outputs.report import write_report  # noqa: F401
    from .pipeline import PanelResult, Result, run, run_panel, validate  # noqa: F401
    from .ranks import rank, rank_array, rank_within  # noqa: F401
    from .stages import AGGREGATORS, NORMALIZERS, aggregate_group, aggregate_tree  # noqa: F401
    from .stats import metric_stats, unit_availability  # noqa: F401
    from .tiers import (  # noqa: F401
        TIERERS,
        TierResult,
        choose_k,
        refine_tiers,
        tier_probabilities,
        tiers_1d,
        tiers_profile,
    )
    from .weights import WEIGHTERS  # noqa: F401
    from .yamlio import dump_yaml, load_yaml  # noqa: F401
