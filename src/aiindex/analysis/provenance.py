"""How much of each unit's score rests on imputed values.

:func:`imputed_share` compares the raw data with the imputed stage of a
:class:`~aiindex.pipeline.Result`: a cell is *imputed* when the raw value was missing and the
``impute`` stage filled it (e.g. carried forward from an earlier year); a cell is *missing* when
it is still empty after imputation (its weight is then shared by its siblings). With arithmetic
aggregation a unit's score is linear in its normalised values, so aggregating the normalised
values of the imputed cells only (the others set to 0, the same cells available) gives the
points the imputed cells contribute; aggregating an indicator (1 imputed, 0 observed) gives the
share of the unit's weight that sits on imputed cells.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import MethodError
from ..stages import AGGREGATORS, aggregate_stage, stage_choices

__all__ = ["imputed_share"]


def _check_linear(result: Any) -> None:
    """The decomposition needs arithmetic means everywhere and no rescaling of aggregates."""
    fw = result.framework
    choices = stage_choices(result.config, fw, "aggregate")
    other = {c: ch.method for c, ch in choices.items() if c in fw.aggregates
             and (AGGREGATORS.canonical(ch.method) if ch.method in AGGREGATORS
                  else ch.method) != "arithmetic"}
    if other:
        raise MethodError(f"imputed_share needs arithmetic aggregation at every node; "
                          f"{other} use other aggregators")
    rs = result.config.rescale
    if rs and str(rs.get("method", "none")) != "none":
        raise MethodError("imputed_share needs aggregates that are not rescaled; the config has "
                          f"a rescale section ({rs.get('method')!r})")


def imputed_share(result: Any) -> pd.DataFrame:
    """Per unit: imputed and missing cells, and the share of the score resting on imputed cells.

    Parameters
    ----------
    result
        A :class:`~aiindex.pipeline.Result` of a config with arithmetic aggregation.

    Returns
    -------
    DataFrame
        Index = units (the scored ones), columns:

        * ``imputed_cells``, ``missing_cells``: counts over the framework's metrics (a metric
          no unit has, e.g. one dropped from an edition, is not counted as missing);
        * ``imputed_weight``: share of the unit's effective weight on imputed cells (0-1);
        * ``imputed_score``: share of the unit's index score contributed by imputed cells
          (0-1; 0 for a unit whose score is 0).

    Raises
    ------
    MethodError
        A node uses a non-arithmetic aggregator, or the aggregates are rescaled (the
        decomposition would not hold).
    """
    _check_linear(result)
    fw, cfg = result.framework, result.config
    norm = result.stages["normalized"]
    metrics = [m for m in fw.metrics if m in norm.columns]
    raw = result.stages["raw"].reindex(index=norm.index, columns=metrics)
    filled = result.stages["imputed"].reindex(index=norm.index, columns=metrics)
    imputed = raw.isna() & filled.notna()
    missing = norm[metrics].isna()
    indicator = imputed.astype(float).where(~missing)
    part = norm[metrics].where(imputed | missing, 0.0)
    root = fw.root
    weight = aggregate_stage(cfg, fw, indicator)[root]
    points = aggregate_stage(cfg, fw, part)[root]
    score = result.scores[root].reindex(norm.index)
    share = (points / score.where(score != 0)).where(score != 0, 0.0)
    out = pd.DataFrame({
        "imputed_cells": imputed.sum(axis=1).astype(int),
        "missing_cells": (missing & norm[metrics].notna().any()).sum(axis=1).astype(int),
        "imputed_weight": weight.fillna(0.0).astype(float),
        "imputed_score": share.where(score.notna()).astype(float),
    })
    if not np.isfinite(out["imputed_score"].dropna().to_numpy()).all():
        raise MethodError("imputed_share: a non-finite share (negative or zero scores?)")
    return out.rename_axis("uCode")
