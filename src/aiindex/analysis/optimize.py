"""Weight optimisation at a level against the index, from a config or a result.

:func:`optimize_weights` runs the config (or takes a :class:`~aiindex.pipeline.Result`) and calls
:func:`aiindex.weights.optimize.optimize_level_weights` on its normalised data, framework and
aggregation settings (COINr ``get_opt_weights``). The ``weights`` config section can do the
same inside every run (``weights: {optimize: {level: 2}}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..pipeline import Result, run
from ..weights.optimize import LevelWeights, optimize_level_weights

__all__ = ["optimize_weights"]


def optimize_weights(source: Any, level: int, *, data: Any = None,
                     overrides: Mapping[str, Any] | None = None, **kwargs: Any) -> LevelWeights:
    """Optimise the weights of every node at ``level`` against the index.

    Parameters
    ----------
    source
        A :class:`~aiindex.pipeline.Result`, or a config (path, bundled name, mapping or
        ``Config``) that is run first (with ``data`` and ``overrides``).
    level
        Level of the nodes whose weights are optimised (COINr's ``Level``).
    **kwargs
        ``optype``, ``target``, ``method``, ``cortype``, ``lower``, ``upper``, ``toler``,
        ``maxiter`` of :func:`~aiindex.weights.optimize.optimize_level_weights`.

    Returns
    -------
    LevelWeights
        ``.weights``, ``.table``, ``.objective`` and ``.coinr`` (COINr's stopping point), with
        ``.statement()`` comparing the two and ``.to_config()`` to merge into a config.
    """
    res = source if isinstance(source, Result) else run(source, data=data, overrides=overrides)
    return optimize_level_weights(res.stages["normalized"], res.framework, level,
                                  cfg=res.config, **kwargs)
