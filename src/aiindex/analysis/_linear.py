"""The index as a linear function of the weights of one level (calibration, exact bounds).

With weighted arithmetic means at and above a level L and the weights of every other level
fixed, the index of a unit is ``Σ_j m_j w_j x_j`` over the nodes j of level L: ``x_j`` is the
node's score, ``w_j`` its local weight (the weights of each group of siblings sum to 1) and
``m_j`` the effective weight of its parent. With every aggregate arithmetic, the index is also
linear in the metrics' effective weights (one group, ``m = 1``). :func:`linear_design` builds
that description from a run and checks that it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..errors import ConfigError, MethodError
from ..framework import Framework
from ..stages import stage_choices
from ..stages.aggregate import AGGREGATORS
from ..stages.rescale import rescale_choices

__all__ = ["LinearDesign", "linear_design"]


@dataclass
class LinearDesign:
    """Components, groups, multipliers and nominal weights of a linear index (module docs).

    Attributes
    ----------
    X : DataFrame
        Units × component scores (missing values kept; callers decide).
    groups : Series
        Component → group label (parent code, or ``"*"`` for effective metric weights).
    mult : Series
        Component → multiplier ``m_j``.
    nominal : Series
        Component → nominal local weight (sums to 1 in each group).
    framework : Framework
        The framework of the run (weights of the ``weights`` section applied).
    aggregator : str
        ``"arithmetic"``, or ``"geometric"`` for a single geometric root group.
    level : int or None
        ``None`` for the metrics' effective weights.
    root_rescale : Any
        The root's rescaling choice of the config (``None`` when there is none).
    """

    X: pd.DataFrame
    groups: pd.Series
    mult: pd.Series
    nominal: pd.Series
    framework: Framework
    aggregator: str
    level: int | None
    root_rescale: Any = None


def linear_design(result: Any, level: int | None = None, *, what: str = "this analysis",
                  geometric_root: bool = False) -> LinearDesign:
    """The linear description of ``result``'s index in the weights of ``level``.

    Parameters
    ----------
    result
        A :class:`~aiindex.pipeline.Result`.
    level
        Level whose local weights vary (1 = metrics within their parents); ``None`` = the
        metrics' effective weights (one group).
    what
        Name of the caller, for messages.
    geometric_root
        Accept a geometric mean at the root when it is the only aggregate above ``level``
        (calibration fits it in logs).

    Raises
    ------
    ConfigError
        A level outside the tree, or one that does not cover every metric (unbalanced tree).
    MethodError
        A non-arithmetic aggregator above the level, or a ``rescale`` of an aggregate above the
        level other than the root: the index is then not linear in the weights.
    """
    fw: Framework = result.framework
    cfg = result.config
    lvl = 1 if level is None else int(level)
    if not 1 <= lvl < fw.depth:
        raise ConfigError(f"{what}: level must be in 1..{fw.depth - 1}, got {level}")
    comps = fw.level_codes(lvl)
    covered = {m for c in comps for m in fw.leaves_under(c)}
    uncovered = [m for m in fw.metrics if m not in covered]
    if uncovered:
        raise ConfigError(f"{what} at level {lvl}: metric(s) {uncovered[:10]} have no ancestor "
                          f"at level {lvl} (unbalanced tree); choose another level")
    above = [p for p in fw.aggregates if fw.nodes[p].level > lvl]
    choices = stage_choices(cfg, fw, "aggregate")
    meths = {p: AGGREGATORS.canonical(choices[p].method) if choices[p].method in AGGREGATORS
             else choices[p].method for p in above}
    agg = "arithmetic"
    if set(meths.values()) != {"arithmetic"}:
        if geometric_root and set(meths.values()) == {"geometric"} and above == [fw.root]:
            agg = "geometric"
        else:
            bad = {p: m for p, m in meths.items() if m != "arithmetic"}
            raise MethodError(
                f"{what}: the aggregates above level {lvl} must be weighted arithmetic means, "
                f"but {bad} aggregate otherwise, so the index is not linear in the weights. "
                "Use Monte "
                "Carlo instead: `aiindex uncertainty` with a weight_noise factor "
                "(docs/uncertainty.md)")
    rs = rescale_choices(cfg.rescale, fw.root, fw.aggregates)
    bad_rs = [c for c in rs if c != fw.root and fw.nodes[c].level > lvl]
    if bad_rs:
        raise MethodError(f"{what}: the config rescales aggregate(s) {bad_rs} between level "
                          f"{lvl} and the root; the index is then not linear in the weights "
                          "(remove them from rescale.nodes, or use `aiindex uncertainty`)")
    table = result.stages["aggregated"]
    X = table[comps].astype(float)
    if level is None:
        groups = pd.Series("*", index=comps, dtype=object)
        mult = pd.Series(1.0, index=comps)
        nominal = fw.effective_weights()[comps]
    else:
        eff = fw.effective_weights()
        groups = pd.Series({c: fw.parent(c) for c in comps}, dtype=object)
        mult = pd.Series({c: float(eff[fw.parent(c)]) for c in comps})
        nominal = fw.local_weights()[comps]
    return LinearDesign(X=X, groups=groups, mult=mult, nominal=nominal.astype(float),
                        framework=fw, aggregator=agg, level=level, root_rescale=rs.get(fw.root))
