"""Weights: registered weighting schemes and the ``weights`` config section.

Schemes (:data:`WEIGHTERS`): explicit, equal, budget, entropy, CRITIC, PCA/FA, first PC, benefit
of the doubt, AHP, balance, maximise correlation. :func:`apply_weights_config` applies them per
level or per group of siblings during a run. Calibration to published scores, which runs the
pipeline, is in :mod:`aiindex.analysis.calibrate`.
"""

from __future__ import annotations

from .schemes import (
    PCA_RANK_TOL,
    SAATY_RI,
    WEIGHTERS,
    AHPResult,
    BoDResult,
    ahp_weights,
    benefit_of_the_doubt,
    varimax,
)
from .section import apply_weights_config, compute_weights, effective_weights_table

__all__ = [
    "PCA_RANK_TOL",
    "SAATY_RI",
    "WEIGHTERS",
    "AHPResult",
    "BoDResult",
    "ahp_weights",
    "apply_weights_config",
    "benefit_of_the_doubt",
    "compute_weights",
    "effective_weights_table",
    "varimax",
]
