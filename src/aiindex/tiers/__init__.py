"""Tiers: one-dimensional methods, profile clustering, refinement rules and tier stability.

* one-dimensional tiering of a score by a registered method (:data:`TIERERS`: ``jenks``,
  ``thresholds``, ``sizes``, ``largest_gaps``, ``quantiles``, ``head_tail``) and
  :func:`choose_k`, and the score band of every tier (:func:`tier_bands`) (:mod:`aiindex.tiers.methods`);
* Ward or k-means clusters of dimension profiles (:func:`tiers_profile`);
* rule-based refinement (:func:`refine_tiers`), e.g. the 2023 Global AI Innovation Index rule;
* tier stability over replicated scores (:func:`tier_probabilities`);
* the ``tiers`` config section (:func:`apply_tiers_config`).
"""

from __future__ import annotations

from .methods import (
    TIERERS,
    TierResult,
    choose_k,
    head_tail,
    jenks,
    largest_gaps,
    quantiles,
    sizes,
    thresholds,
    tier_bands,
    tiers_1d,
)
from .profile import tiers_profile
from .rules import refine_tiers
from .section import apply_tiers_config
from .stability import tier_probabilities

__all__ = [
    "TIERERS",
    "TierResult",
    "apply_tiers_config",
    "choose_k",
    "head_tail",
    "jenks",
    "largest_gaps",
    "quantiles",
    "refine_tiers",
    "tier_bands",
    "sizes",
    "thresholds",
    "tier_probabilities",
    "tiers_1d",
    "tiers_profile",
]
