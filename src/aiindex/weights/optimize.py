"""Weight optimisation at a level against the index (COINr ``get_opt_weights``).

The weights of **all** nodes at one level ``L`` are optimised together so that their
correlations with the index (the root) match target importances (``balance``) or add up to a
maximum (``infomax``). Every candidate re-aggregates the levels above ``L`` with the config's
aggregation methods (:func:`aiindex.stages.aggregate.aggregate_group`, with the same
availability thresholds and rescaling as a run); the scores at levels ``<= L`` do not depend on
those weights and are computed once.

COINr's definition (``R/weights.R``, ``get_opt_weights()``; correlations from ``get_corr()``
with ``pval = 0``, ``withparent = TRUE``): with ``r_j`` the correlation (Pearson by default,
pairwise-complete units) of node ``j`` at level ``L`` with the index and ``t`` the target
importances normalised to sum 1,

* ``balance``: minimise ``log( mean_j (t_j - r_j / sum_k r_k)² )`` (the log of the mean squared
  difference between the targets and the normalised correlations);
* ``infomax``: minimise ``-sum_j r_j``.

COINr parametrises the level's weights as one unconstrained vector ``v`` (start: the targets for
``balance``, the nominal weights for ``infomax``), uses ``w = v / sum(v)`` (aggregation then
renormalises within each parent) and runs R's ``optim()`` (Nelder–Mead) with
``reltol = 0.1``, ``maxit = 500``. It stops as soon as the objective values of the simplex lie
within ``0.1 · (|f(start)| + 0.1)`` of each other, usually far from the optimum.

``method="coinr"`` reproduces that optimiser: :func:`nelder_mead_r` is a port of R's ``nmmin``
(the Nelder–Mead of ``optim``; J. C. Nash, *Compact Numerical Methods for Computers*, 2nd ed.,
1990, as adapted in R's ``src/appl/optim.c``). ``method="slsqp"`` (default) optimises the local
weights (each parent's children sum to 1, bounds ``[lower, upper]``) with SLSQP from the nominal
weights and from COINr's stopping point, and keeps the best point found, so its objective is at
least as good as COINr's whenever COINr's point has non-negative weights. Both results are
returned, with COINr's objective, so the comparison is stated, not assumed.

Differences from COINr, by design: targets are paired with correlations **by code** (COINr's
``get_corr()`` joins with R's ``merge()``, which sorts the correlations by code, while the targets
and weights stay in framework order; with unequal targets whose codes are not in alphabetical
order COINr compares mismatched pairs); COINr reports the correlations of the *last* evaluated
candidate as ``Obtained``, aiindex those at the returned weights. Like COINr, the port aggregates
candidates with negative weights (renormalised within each parent, as COINr's means do); a
candidate that cannot be aggregated (a parent whose weights sum to ``<= 0``) scores as R scores a
non-finite value (1e35) and is counted (``n_unevaluable``). ``slsqp`` keeps weights ``>= 0``
(a run cannot use negative weights), so when COINr's stopping point has a negative weight its
objective may be better than ``slsqp``'s, and :meth:`LevelWeights.statement` says so.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..config import MethodChoice
from ..errors import ConfigError, DataError, MethodError
from ..stages.aggregate import AGGREGATORS, aggregate_stage, aggregate_tree
from ..stages.rescale import rescale_array, rescale_choices
from ..stages.resolve import stage_choices, stage_option

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config
    from ..framework import Framework

__all__ = ["OPTYPES", "OPT_METHODS", "LevelWeights", "NelderMeadResult", "level_correlations",
           "nelder_mead_r", "optimize_level_weights"]

#: optimisation types (COINr ``optype``)
OPTYPES = ("balance", "infomax")
#: optimisers: ``slsqp`` (ours, default) and ``coinr`` (R's Nelder–Mead, COINr's settings)
OPT_METHODS = ("slsqp", "coinr")
#: R's value for a non-finite objective inside ``nmmin`` (``big``)
R_BIG = 1.0e35


# ------------------------------------------------------------------------- R's Nelder–Mead
@dataclass
class NelderMeadResult:
    """Output of :func:`nelder_mead_r` (R ``optim()``'s ``par``, ``value``, ``counts``,
    ``convergence``).

    Attributes
    ----------
    x : ndarray
        Best vertex (``par``).
    fmin : float
        Its objective value (``value``).
    fncount : int
        Objective evaluations (``counts["function"]``).
    fail : int
        ``0`` converged (the simplex's values within the tolerance), ``1`` ``maxit`` reached,
        ``10`` the simplex did not shrink (``convergence``).
    """

    x: np.ndarray
    fmin: float
    fncount: int
    fail: int


class _Simplex:
    """The state of R's ``nmmin``: ``P`` holds the ``n + 1`` vertices in columns ``0..n`` (their
    coordinates in rows ``0..n-1`` and objective values in row ``n``) and the centroid (or the
    reflected point) in column ``n + 1``; ``L`` and ``H`` are 1-based, as in R."""

    def __init__(self, fn: Callable[[np.ndarray], float], x0: np.ndarray) -> None:
        self.fn, self.n = fn, x0.size
        self.P = np.zeros((self.n + 1, self.n + 2))
        self.count = 0
        self.L = 1

    def f(self, x: np.ndarray) -> float:
        self.count += 1
        v = float(self.fn(x.copy()))
        return v if math.isfinite(v) else R_BIG

    def build(self, x0: np.ndarray, f0: float) -> float:
        """The initial simplex; returns its size measure (R's ``size``)."""
        n, P = self.n, self.P
        P[n, 0], P[:n, 0] = f0, x0
        step = max(0.1 * float(np.abs(x0).max()), 0.0) if n else 0.0
        step = step if step != 0.0 else 0.1
        size = 0.0
        for j in range(2, n + 2):
            P[:n, j - 1] = x0
            trystep = step
            while P[j - 2, j - 1] == x0[j - 2]:
                P[j - 2, j - 1] = x0[j - 2] + trystep
                trystep *= 10
            size += trystep
        return size

    def evaluate_vertices(self) -> None:
        for j in range(self.n + 1):
            if j + 1 != self.L:
                self.P[self.n, j] = self.f(self.P[: self.n, j])

    def scan(self) -> tuple[int, float, float]:
        """Lowest (``L``, updated) and highest (``H``) vertex, as R scans them."""
        n, P = self.n, self.P
        VL = VH = P[n, self.L - 1]
        H = self.L
        for j in range(1, n + 2):
            if j != self.L:
                v = P[n, j - 1]
                if v < VL:
                    self.L, VL = j, v
                if v > VH:
                    H, VH = j, v
        return H, VL, VH

    def shrink(self, beta: float) -> float:
        """Shrink every vertex towards the lowest; returns the new size measure."""
        n, P, lo = self.n, self.P, self.L - 1
        size = 0.0
        for j in range(n + 1):
            if j + 1 != self.L:
                P[:n, j] = beta * (P[:n, j] - P[:n, lo]) + P[:n, lo]
                size += float(np.abs(P[:n, j] - P[:n, lo]).sum())
        return size


def nelder_mead_r(fn: Callable[[np.ndarray], float], x0: Sequence[float] | np.ndarray, *,
                  reltol: float = 1.490116119384765625e-08, abstol: float = -math.inf,
                  maxit: int = 500, alpha: float = 1.0, beta: float = 0.5,
                  gamma: float = 2.0) -> NelderMeadResult:
    """Minimise ``fn`` with the Nelder–Mead algorithm exactly as R's ``optim()`` runs it.

    A port of ``nmmin`` in R's ``src/appl/optim.c`` (defaults of ``optim()``: ``reltol`` =
    ``sqrt(.Machine$double.eps)``, ``alpha = 1``, ``beta = 0.5``, ``gamma = 2``): the initial
    simplex steps ``0.1 · max|x0|`` along each axis; the search stops when the highest and
    lowest vertex values differ by at most ``reltol · (|f(x0)| + reltol)`` (a tolerance fixed at
    the start), when the lowest value is ``<= abstol``, or after ``maxit`` evaluations. A
    non-finite value counts as 1e35, except at ``x0``, where it is an error.

    Raises
    ------
    MethodError
        ``fn(x0)`` is not finite (R: "function cannot be evaluated at initial parameters").
    """
    x0 = np.asarray(x0, dtype=np.float64).ravel().copy()
    s = _Simplex(fn, x0)
    if maxit <= 0:
        return NelderMeadResult(x0, float(fn(x0.copy())), 0, 0)
    f0 = float(fn(x0.copy()))
    if not math.isfinite(f0):
        raise MethodError("Nelder-Mead: the function cannot be evaluated at the initial "
                          f"parameters {x0.tolist()} (value {f0})")
    s.count, n, P, C = 1, x0.size, s.P, x0.size + 1
    convtol = reltol * (abs(f0) + reltol)
    oldsize = s.build(x0, f0)
    fail, calcvert = 0, True
    while True:
        if calcvert:
            s.evaluate_vertices()
            calcvert = False
        H, VL, VH = s.scan()
        if VH <= VL + convtol or VL <= abstol:
            break
        P[:n, C] = (P[:n, : n + 1].sum(axis=1) - P[:n, H - 1]) / n
        x = (1.0 + alpha) * P[:n, C] - alpha * P[:n, H - 1]
        VR = s.f(x)
        if VR < VL:  # reflection better than the best: try an extension
            P[n, C] = VR
            xe = gamma * x + (1 - gamma) * P[:n, C]
            P[:n, C] = x
            fe = s.f(xe)
            P[:n, H - 1], P[n, H - 1] = (xe, fe) if fe < VR else (P[:n, C].copy(), VR)
        else:
            if VR < VH:
                P[:n, H - 1], P[n, H - 1] = x, VR
            xc = (1 - beta) * P[:n, H - 1] + beta * P[:n, C]
            fc = s.f(xc)
            if fc < P[n, H - 1]:
                P[:n, H - 1], P[n, H - 1] = xc, fc
            elif VR >= VH:
                calcvert = True
                size = s.shrink(beta)
                if size < oldsize:
                    oldsize = size
                else:
                    fail = 10
                    break
        if s.count > maxit:
            break
    if s.count > maxit:
        fail = 1
    return NelderMeadResult(P[:n, s.L - 1].copy(), float(P[n, s.L - 1]), s.count, fail)


# ------------------------------------------------------------------------- correlations
def level_correlations(X: np.ndarray, y: np.ndarray, cortype: str = "pearson") -> np.ndarray:
    """Correlation of each column of ``X`` with ``y`` over the pairwise-complete units (R's
    ``cor(..., use = "pairwise.complete.obs")``); ``NaN`` where undefined (fewer than 2
    units, or no variance)."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if cortype == "pearson":
        M = ~np.isnan(X) & ~np.isnan(y)[:, None]
        n = M.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            Xm = np.where(M, X, 0.0)
            Ym = np.where(M, y[:, None], 0.0)
            dx = np.where(M, X - Xm.sum(axis=0) / n, 0.0)
            dy = np.where(M, y[:, None] - Ym.sum(axis=0) / n, 0.0)
            r = (dx * dy).sum(axis=0) / np.sqrt((dx**2).sum(axis=0) * (dy**2).sum(axis=0))
        return np.where(n >= 2, r, np.nan)
    if cortype not in ("spearman", "kendall"):
        raise ConfigError(f"cortype must be pearson, spearman or kendall, got {cortype!r}")
    from scipy import stats

    fn = stats.spearmanr if cortype == "spearman" else stats.kendalltau
    out = np.full(X.shape[1], np.nan)
    for j in range(X.shape[1]):  # loop over the level's nodes (not units)
        ok = ~np.isnan(X[:, j]) & ~np.isnan(y)
        if ok.sum() >= 2 and np.ptp(X[ok, j]) > 0 and np.ptp(y[ok]) > 0:
            out[j] = float(fn(X[ok, j], y[ok])[0])
    return out


def coinr_objective(r: np.ndarray, target: np.ndarray | None, optype: str) -> float:
    """COINr's objective: ``log(mean((t - r/sum(r))²))`` (balance) or ``-sum(r)`` (infomax);
    ``NaN`` when a correlation is undefined."""
    r = np.asarray(r, dtype=np.float64)
    if optype == "infomax":
        return float(-r.sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        mse = float(np.mean((np.asarray(target) - r / r.sum()) ** 2))
        return math.log(mse) if mse > 0 else (-math.inf if mse == 0 else math.nan)


# ------------------------------------------------------------------------- the problem
@dataclass
class _Step:
    """One aggregate above level ``L``: its children, aggregator and options, precompiled."""

    code: str
    kids: list[str]
    fn: Callable[..., np.ndarray]
    params: dict[str, Any]
    min_share: float
    rescale: MethodChoice | None


@dataclass
class _LevelProblem:
    """Scores at levels ``<= L`` (fixed) and the steps that re-aggregate the levels above.

    :meth:`index` does what :func:`aiindex.stages.aggregate.aggregate_group` does (availability
    threshold, weights renormalised over the available children, the registered aggregator,
    rescaling) on numpy arrays, without the per-call validation: the nominal weights are checked
    once with ``aggregate_group`` itself (:func:`_problem`), and a candidate for which a unit
    with data gets no score is refused (``MethodError``). Tested equal to ``aggregate_stage``.
    """

    fw: Any
    level: int
    codes: list[str]
    fixed: pd.DataFrame
    steps: list[_Step]
    cortype: str
    n_eval: int = 0

    def __post_init__(self) -> None:
        self._arr = {c: self.fixed[c].to_numpy(dtype=np.float64) for c in self.fixed.columns}
        self._X = self.fixed[self.codes].to_numpy(dtype=np.float64)

    def index(self, w: Mapping[str, float]) -> np.ndarray:
        """Root scores with raw weights ``w`` for the level-``L`` nodes (others: framework)."""
        from ..stages.aggregate import build_weights

        self.n_eval += 1
        scores: dict[str, np.ndarray] = {}
        for st in self.steps:
            X = np.column_stack([scores[c] if c in scores else self._arr[c] for c in st.kids])
            avail = ~np.isnan(X)
            X[avail.sum(axis=1) / len(st.kids) < st.min_share, :] = np.nan
            wk = np.array([w[c] if c in w else self.fw.nodes[c].weight for c in st.kids])
            W = build_weights(X, wk)
            has = (W > 0).any(axis=1)
            y = np.asarray(st.fn(X, W, **st.params), dtype=np.float64)
            if (~has & ~np.isnan(X).all(axis=1)).any() or not np.isfinite(y[has]).all():
                raise MethodError(f"weights optimisation: candidate weights {dict(w)} leave a "
                                  f"unit with data without a score at {st.code!r}")
            y = np.where(has, y, np.nan)
            if st.rescale is not None:
                y = rescale_array(y, st.rescale, node=st.code)
            scores[st.code] = y
        return scores[self.fw.root]

    def correlations(self, w: Mapping[str, float]) -> np.ndarray:
        return level_correlations(self._X, self.index(w), self.cortype)


def _problem(normalized: pd.DataFrame, fw: Framework, level: int, cfg: Config | None,
             cortype: str) -> _LevelProblem:
    if not isinstance(level, int | np.integer) or not 1 <= int(level) < fw.depth:
        raise ConfigError(f"weights optimisation: level must be an integer in 1..{fw.depth - 1} "
                          f"(the root is level {fw.depth}), got {level!r}")
    codes = fw.level_codes(int(level))
    if len(codes) < 2:
        raise ConfigError(f"weights optimisation: level {level} has {len(codes)} node(s) "
                          f"{codes}; it needs at least 2")
    missing = [m for m in fw.metrics if m not in normalized.columns]
    if missing:
        raise DataError(f"weights optimisation: no normalised data for metric(s) {missing[:10]}")
    if cfg is not None:
        agg = aggregate_stage(cfg, fw, normalized)
        choices = stage_choices(cfg, fw, "aggregate")
        min_share = {c: float(stage_option(cfg, "aggregate", "min_share", c, fw.nodes[c].level,
                                           0.0)) for c in fw.aggregates}
        resc = rescale_choices(cfg.rescale, fw.root, fw.aggregates)
    else:
        agg = aggregate_tree(normalized, fw, {})
        choices, min_share, resc = {}, {}, {}
    fixed = pd.concat([normalized[fw.metrics], agg], axis=1)
    steps = []
    for c in (c for c in fw.aggregates if fw.nodes[c].level > level):
        ch = choices.get(c, MethodChoice("arithmetic"))
        name = AGGREGATORS.canonical(ch.method)
        AGGREGATORS.check_params(name, dict(ch.params), where=f"parent {c!r}")
        steps.append(_Step(c, fw.children(c), AGGREGATORS.get(name), dict(ch.params),
                           float(min_share.get(c, 0.0)), (resc or {}).get(c)))
    prob = _LevelProblem(fw, int(level), codes, fixed, steps, cortype)
    nominal = prob.index({c: fw.nodes[c].weight for c in codes})
    if not np.allclose(nominal, agg[fw.root].to_numpy(dtype=np.float64), rtol=1e-12,
                       atol=1e-12, equal_nan=True):  # pragma: no cover - a bug if it happens
        raise MethodError("weights optimisation: the fast re-aggregation does not reproduce "
                          "the index at the nominal weights; please report")
    prob.n_eval = 0
    return prob


# ------------------------------------------------------------------------- result
@dataclass
class LevelWeights:
    """Optimised weights of the nodes at one level (see the module docstring).

    Attributes
    ----------
    level, optype, method : int, str, str
    weights : Series
        Local weights of the level's nodes (each parent's children sum to 1).
    table : DataFrame
        Per node: ``parent``, ``target`` (balance), ``nominal_weight``, ``weight``,
        ``nominal_correlation``, ``correlation`` (with the index, at ``weight``), ``share``
        (``correlation / sum``), ``coinr_weight``, ``coinr_correlation`` (at COINr's stopping
        point; local weights, negative where COINr's are).
    objective, nominal_objective : float
        COINr's objective at ``weights`` and at the nominal weights.
    coinr : dict
        COINr's optimiser (:func:`nelder_mead_r`, ``reltol = toler``, ``maxit``): ``objective``
        (R's ``optOut$value``), ``level_weights`` (COINr's ``wopt``: summing to 1 over the
        level), ``n_evaluations``, ``convergence``, ``n_unevaluable`` (candidates that could
        not be aggregated, e.g. a parent whose weights sum to <= 0, scored 1e35 as R scores a
        non-finite value).
    n_evaluations : int
        Index re-aggregations, both optimisers together.
    converged : bool
    message : str
    """

    level: int
    optype: str
    method: str
    weights: pd.Series
    table: pd.DataFrame
    objective: float
    nominal_objective: float
    coinr: dict[str, Any]
    n_evaluations: int
    converged: bool
    message: str
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def improvement(self) -> float:
        """COINr's objective minus ours (>= 0: ours is at least as good)."""
        return float(self.coinr["objective"] - self.objective)

    def statement(self) -> str:
        """One sentence comparing the objective with COINr's stopping point."""
        what = "log mean squared difference" if self.optype == "balance" else "-sum of correlations"
        c = self.coinr
        better = self.objective <= c["objective"] + 1e-12
        cmp = "at least as good as" if better else "worse than"
        why = ""
        if not better and (c["level_weights"] < 0).any():
            why = " (COINr's stopping point has negative weights, which a run cannot use)"
        return (f"{self.optype} at level {self.level} ({len(self.weights)} nodes against the "
                f"index), method {self.method}: objective ({what}) {self.objective:.6g}, "
                f"{cmp} COINr's Nelder-Mead stop (reltol {c['reltol']:g}: {c['objective']:.6g} "
                f"after {c['n_evaluations']} evaluations, convergence {c['convergence']})"
                f"{why}; nominal weights {self.nominal_objective:.6g}")

    def to_config(self) -> dict[str, Any]:
        """``{"weights": {"explicit": {code: weight}}}`` to merge into a config.

        Raises
        ------
        ConfigError
            A weight is negative (possible with ``method="coinr"``, as in COINr).
        """
        neg = {c: float(v) for c, v in self.weights.items() if v < 0}
        if neg:
            raise ConfigError(f"weights optimisation: negative weight(s) {neg} (COINr's "
                              "optimiser allows them); a run needs weights >= 0")
        return {"weights": {"explicit": {c: float(v) for c, v in self.weights.items()}}}

    def to_csv(self, directory: str | Path) -> list[Path]:
        """Write ``level_weights.csv`` (the table) through :class:`aiindex._io.OutputDir`."""
        from .._io import OutputDir

        with OutputDir(directory, command="optimize_level_weights",
                       extra={"statement": self.statement()}) as out:
            out.write_csv("level_weights.csv", self.table, float_format="%.17g")
        return out.paths


# ------------------------------------------------------------------------- optimisers
def _targets(target: Any, codes: list[str], optype: str) -> np.ndarray | None:
    if optype == "infomax":
        return None
    if target is None or target == "equal":
        return np.full(len(codes), 1.0 / len(codes))
    if not isinstance(target, Mapping):
        raise ConfigError("weights optimisation: target must be a mapping {code: importance} "
                          f"or 'equal', got {type(target).__name__}")
    unknown = sorted(set(map(str, target)) - set(codes))
    missing = [c for c in codes if c not in target]
    if unknown or missing:
        raise ConfigError(f"weights optimisation: target must name every node of the level "
                          f"{codes}; unknown {unknown}, missing {missing}")
    t = np.array([float(target[c]) for c in codes])
    if not np.all(np.isfinite(t)) or (t < 0).any() or t.sum() <= 0:
        raise ConfigError(f"weights optimisation: target importances must be >= 0 with a "
                          f"positive sum, got {dict(zip(codes, t.tolist(), strict=True))}")
    return t / t.sum()


def _groups(fw: Any, codes: list[str]) -> list[np.ndarray]:
    parents = [fw.nodes[c].parent for c in codes]
    return [np.array([i for i, p in enumerate(parents) if p == q])
            for q in dict.fromkeys(parents)]


def _local(v: np.ndarray, groups: list[np.ndarray], *,
           signed: bool = False) -> np.ndarray | None:
    """Weights renormalised within each parent; ``None`` if a group's sum is not positive or
    (unless ``signed``) a weight is negative."""
    if not np.all(np.isfinite(v)) or (not signed and (v < 0).any()):
        return None
    out = v.astype(np.float64).copy()
    for g in groups:
        s = out[g].sum()
        if s <= 0:
            return None
        out[g] = out[g] / s
    return out


def _run_coinr(prob: _LevelProblem, t: np.ndarray | None, optype: str, toler: float,
               maxiter: int) -> dict[str, Any]:
    """COINr's get_opt_weights optimiser: Nelder-Mead on v, w = v / sum(v)."""
    codes, bad = prob.codes, [0]

    def objfunc(v: np.ndarray) -> float:
        with np.errstate(divide="ignore", invalid="ignore"):
            w = v / v.sum()
        try:  # negative weights are aggregated as COINr does (renormalised within parents)
            r = prob.correlations(dict(zip(codes, w, strict=True)))
        except (MethodError, ValueError, FloatingPointError):
            bad[0] += 1  # e.g. a parent whose weights sum to <= 0: non-finite, as in R
            return math.nan
        return coinr_objective(r, t, optype)

    x0 = t.copy() if t is not None else np.array([prob.fw.nodes[c].weight for c in codes])
    res = nelder_mead_r(objfunc, x0, reltol=toler, maxit=maxiter)
    wopt = res.x / res.x.sum()
    return {"objective": res.fmin, "level_weights": pd.Series(wopt, index=codes),
            "n_evaluations": res.fncount, "convergence": res.fail, "n_unevaluable": bad[0],
            "reltol": toler, "maxit": maxiter}


def _run_slsqp(prob: _LevelProblem, t: np.ndarray | None, optype: str,
               starts: list[np.ndarray], lower: float, upper: float) -> tuple[np.ndarray, bool,
                                                                              str]:
    """SLSQP on the local weights from each start; the best point seen (starts included)."""
    from scipy.optimize import minimize

    codes, groups = prob.codes, _groups(prob.fw, prob.codes)

    def f(w: np.ndarray) -> float:
        r = prob.correlations(dict(zip(codes, np.clip(w, 0.0, None), strict=True)))
        if optype == "infomax":
            return float(-r.sum())
        return float(np.mean((t - r / r.sum()) ** 2))  # COINr's objective before the log

    cons = [{"type": "eq", "fun": (lambda w, g=g: w[g].sum() - 1.0)} for g in groups]
    best, fbest, ok, msg = starts[0], f(starts[0]), False, "start"
    for x0 in starts:
        f0 = f(x0)
        if f0 < fbest:
            best, fbest = x0, f0
        res = minimize(f, x0, method="SLSQP", bounds=[(lower, upper)] * len(codes),
                       constraints=cons, options={"ftol": 1e-15, "maxiter": 500})
        x = np.clip(res.x, 0.0, None)
        w = _local(np.where(x < 1e-12, 0.0, x), groups)  # rounding dust to exact zeros
        if w is not None and f(w) < fbest:
            best, fbest, ok, msg = w, f(w), bool(res.success), str(res.message)
    return best, ok, msg


def optimize_level_weights(normalized: pd.DataFrame, framework: Framework, level: int, *,
                           cfg: Config | None = None, optype: str = "balance",
                           target: Mapping[str, float] | str | None = None,
                           method: str = "slsqp", cortype: str = "pearson",
                           lower: float = 0.0, upper: float = 1.0, toler: float = 0.1,
                           maxiter: int = 500) -> LevelWeights:
    """Optimise the weights of every node at ``level`` against the index (COINr
    ``get_opt_weights(optype, Level = level)``).

    Parameters
    ----------
    normalized
        Units × metrics, normalised (``result.stages["normalized"]``).
    framework
        The framework; its weights are the nominal weights (and, below ``level``, stay fixed).
    level
        Level of the nodes whose weights are optimised (COINr's ``Level``; 1 = metrics); the
        root's level is excluded.
    cfg
        The config whose ``aggregate`` and ``rescale`` sections re-aggregate the index
        (``None``: weighted arithmetic means, no threshold, no rescaling).
    optype
        ``"balance"`` or ``"infomax"``.
    target
        Balance only: ``{code: importance}`` for every node of the level (relative), or
        ``"equal"`` / ``None`` (equal importance, COINr's ``itarg = "equal"``).
    method
        ``"slsqp"`` (default): the best of SLSQP from the nominal weights and from COINr's
        stopping point; ``"coinr"``: COINr's Nelder–Mead stopping point itself.
    cortype
        ``"pearson"`` (COINr's default), ``"spearman"`` or ``"kendall"``.
    lower, upper
        Bounds of each local weight (``slsqp``).
    toler, maxiter
        ``reltol`` and ``maxit`` of COINr's ``optim()`` call (defaults 0.1 and 500).

    Returns
    -------
    LevelWeights

    Raises
    ------
    ConfigError
        Bad level, optype, method, target or bounds.
    MethodError
        COINr's objective is not finite at its starting point (e.g. a correlation undefined).
    """
    if optype not in OPTYPES:
        raise ConfigError(f"weights optimisation: optype must be one of {list(OPTYPES)}, got "
                          f"{optype!r}")
    if method not in OPT_METHODS:
        raise ConfigError(f"weights optimisation: method must be one of {list(OPT_METHODS)}, "
                          f"got {method!r}")
    if not 0.0 <= lower < upper:
        raise ConfigError(f"weights optimisation: need 0 <= lower < upper, got {lower}, {upper}")
    prob = _problem(normalized, framework, level, cfg, cortype)
    codes, groups = prob.codes, _groups(framework, prob.codes)
    t = _targets(target, codes, optype)
    nominal = _local(np.array([framework.nodes[c].weight for c in codes]), groups)
    if nominal is None:
        raise ConfigError(f"weights optimisation: the nominal weights of level {level} have a "
                          "parent whose children all weigh 0")
    coinr = _run_coinr(prob, t, optype, toler, maxiter)
    c_signed = _local(coinr["level_weights"].to_numpy(), groups, signed=True)
    if method == "coinr":
        if c_signed is None:
            raise MethodError("weights optimisation: COINr's optimiser stopped at weights with a "
                              "parent whose weights sum to <= 0: "
                              f"{coinr['level_weights'].round(4).to_dict()}")
        w, ok = c_signed, coinr["convergence"] == 0
        msg = f"R optim convergence code {coinr['convergence']}"
        if (w < 0).any():
            msg += "; COINr's weights include negative values, which a run cannot use"
    else:
        c_local = _local(coinr["level_weights"].to_numpy(), groups)
        starts = [nominal] + ([c_local] if c_local is not None else [])
        w, ok, msg = _run_slsqp(prob, t, optype, starts, lower, upper)
    return _result(prob, optype, method, t, nominal, w, c_signed, coinr, ok, msg)


def _result(prob: _LevelProblem, optype: str, method: str, t: np.ndarray | None,
            nominal: np.ndarray, w: np.ndarray, c_local: np.ndarray | None,
            coinr: dict[str, Any], ok: bool, msg: str) -> LevelWeights:
    codes, fw = prob.codes, prob.fw

    def corr(x: np.ndarray | None) -> np.ndarray:
        if x is None:
            return np.full(len(codes), np.nan)
        return prob.correlations(dict(zip(codes, x, strict=True)))

    r_nom, r, r_c = corr(nominal), corr(w), corr(c_local)
    table = pd.DataFrame({
        "parent": [fw.nodes[c].parent for c in codes],
        "target": t if t is not None else np.nan,
        "nominal_weight": nominal, "weight": w,
        "nominal_correlation": r_nom, "correlation": r, "share": r / r.sum(),
        "coinr_weight": c_local if c_local is not None else np.nan,
        "coinr_correlation": r_c,
    }, index=pd.Index(codes, name="node"))
    weights = pd.Series(w, index=pd.Index(codes, dtype=object), name="weight")
    return LevelWeights(prob.level, optype, method, weights, table,
                        coinr_objective(r, t, optype), coinr_objective(r_nom, t, optype),
                        coinr, prob.n_eval, ok, msg, {"cortype": prob.cortype})
