"""Calibrate weights to published scores.

Given published index scores for some or all units and either the units' component scores
(e.g. published pillar scores) or a config (raw data + framework), :func:`calibrate` finds the
non-negative weights that reproduce the published scores best.

Model
-----
Components ``X`` (units × k) are grouped into sibling groups (one group when components are
given directly); weights ``w >= 0`` sum to 1 within each group. Component j enters the index with
a fixed multiplier ``m_j`` (the effective weight of its parent; 1 for a single group), so with
arithmetic aggregation the raw score is ``s = (X * m) @ w`` (linear in ``w``) and with geometric
aggregation ``s = exp(log(X) @ w)`` (single group). The published scale maps ``s`` to the
published score:

=========== =================================================================
``none``    ``y = s``
``affine``  ``y = a + b·s`` (a, b fitted by least squares given w)
``leader100`` ``y = 100·s / max(s)`` (max over all units with data)
``minmax``  ``y = 100·(s − min s) / (max s − min s)``
``auto``    every scale above; the simplest one whose RMSE is within 5 % of the best wins
=========== =================================================================

Overdetermined case (more targets than free parameters): least squares. Linear problems
(arithmetic with ``none``; ``affine`` through the variable change ``v = b·w``; geometric with
``none`` in logs) are solved with bounded least squares (``scipy.optimize.lsq_linear``, group
sums enforced by a heavily weighted penalty row), then polished with SLSQP on the exact
objective (which also handles ``leader100``/``minmax`` and the geometric alternatives).

Underdetermined case (a few headline scores): the weights closest to ``prior`` (squared
distance) with every target met within ``tol`` (SLSQP). For arithmetic aggregation with scale
``none`` or ``affine`` the targets are linear in the unknowns and feasibility is certified with
``scipy.optimize.linprog``; if infeasible the smallest achievable maximum error is reported.

Across the tree: with arithmetic aggregation and complete data, the index is linear in the
metrics' *effective* weights, and local weights are recovered from them (local weight of a node =
sum of its leaves' effective weights / sum under its parent). So ``level=1`` (or ``None``)
calibrates the whole tree with one linear problem; ``level=L`` keeps everything below L fixed and
fits the local weights of the nodes at level L, each group of siblings summing to 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..config import resolve_config
from ..errors import ConfigError, DataError, MethodError
from ..framework import Framework
from ..pipeline import build_framework, load_dataset, normalize_stage, prepare
from ..stages import aggregate_stage, stage_choices
from ..yamlio import dump_yaml

__all__ = ["calibrate", "CalibrationResult", "fit_statistics", "decimals"]

Scale = Literal["none", "affine", "leader100", "minmax", "auto"]
_SCALES = ("none", "leader100", "minmax", "affine")  # simplest first (auto)
_AGGS = ("arithmetic", "geometric")
#: a residual counts as "outside the rounding bound" above _SLACK × bound (the fitted weights
#: themselves carry a small error when the data are rounded)
_SLACK = 1.1


# ------------------------------------------------------------------------------- result
@dataclass
class CalibrationResult:
    """Outcome of :func:`calibrate`.

    Attributes
    ----------
    weights : Series
        Fitted local weights (>= 0, summing to 1 within each group of siblings).
    groups : Series
        Component code → group (parent code, or ``"*"`` for directly given components).
    published, fitted, residuals : Series
        Target scores, fitted scores and ``published − fitted`` for the units used.
    max_abs_error, rmse, r2 : float
        Fit statistics on the units used.
    scale : str
        Scale used (the winner when ``scale="auto"``); ``scale_params`` its fitted constants.
    aggregator : str
        Aggregator used.
    mode : str
        ``"least_squares"`` or ``"min_change"`` (underdetermined).
    feasible : bool or None
        Min-change mode: whether every target is met within ``tol``.
    consistent : bool
        Whether the published scores are consistent with the model within ``rounding``.
    rounding : float
        Error bound from the rounding of published scores and components (see
        :func:`calibrate`).
    statement : str
        Plain-language summary of the fit and of the consistency check (incl. alternatives).
    alternatives : DataFrame
        Fit statistics of every aggregator × scale tried.
    excluded : list
        Units left out because a component is missing.
    framework : Framework or None
        The framework with the fitted weights (config mode).
    """

    weights: pd.Series
    groups: pd.Series
    published: pd.Series
    fitted: pd.Series
    residuals: pd.Series
    max_abs_error: float
    rmse: float
    r2: float
    scale: str
    scale_params: dict[str, float]
    aggregator: str
    mode: str
    feasible: bool | None
    consistent: bool
    rounding: float
    statement: str
    alternatives: pd.DataFrame
    excluded: list[str] = field(default_factory=list)
    level: int | None = None
    framework: Framework | None = None

    def framework_weights(self) -> dict[str, float]:
        """Node code → raw weight (the fitted local weights), for ``Framework.with_weights``."""
        return {str(k): float(v) for k, v in self.weights.items()}

    def to_config(self) -> dict[str, Any]:
        """A config fragment ``{"weights": {"explicit": {code: w}}}`` reproducing the fit."""
        return {"weights": {"explicit": {k: round(v, 10) for k, v in
                                         self.framework_weights().items()}}}

    def to_yaml(self, path: str | Path | None = None) -> str:
        """YAML text of :meth:`to_config` (written to ``path`` if given)."""
        return dump_yaml(self.to_config(), path)

    def summary(self) -> str:
        """Weights, fit statistics and the statement as text."""
        lines = [f"calibration ({self.mode}, {self.aggregator} mean, scale {self.scale}"
                 + (f", level {self.level}" if self.level is not None else "") + ")",
                 "weights:"]
        for c, w in self.weights.items():
            g = self.groups[c]
            lines.append(f"  {c:<40s} {w:8.4f}" + (f"   (group {g})" if g != "*" else ""))
        lines.append(f"units {len(self.published)}, max abs error {self.max_abs_error:.4g}, "
                     f"RMSE {self.rmse:.4g}, R² {self.r2:.6f}")
        lines.append(self.statement)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"CalibrationResult({self.mode}, {self.aggregator}/{self.scale}, "
                f"{len(self.weights)} weights, max_abs_error={self.max_abs_error:.4g}, "
                f"rmse={self.rmse:.4g}, r2={self.r2:.6f})")


# ------------------------------------------------------------------------------- helpers
def decimals(values: pd.Series | np.ndarray, max_decimals: int = 6) -> int:
    """Number of decimals the values are given to (smallest d with ``round(v, d) == v``)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    for d in range(max_decimals + 1):
        if np.all(np.abs(np.round(v, d) - v) <= 1e-9 * np.maximum(1.0, np.abs(v))):
            return d
    return max_decimals


def fit_statistics(y: np.ndarray, f: np.ndarray) -> tuple[float, float, float]:
    """Max absolute error, RMSE and R² (1 − SSE/SST) of fitted ``f`` against ``y``."""
    e = y - f
    sst = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - float((e**2).sum()) / sst if sst > 0 else float("nan") if len(y) < 2 else 1.0
    return float(np.abs(e).max()), float(np.sqrt((e**2).mean())), r2


@dataclass
class _Problem:
    """Internal: design of one calibration problem."""

    X_all: np.ndarray  # units with data × k (raw component scores)
    t_idx: np.ndarray  # rows of X_all that have targets
    y: np.ndarray  # targets
    mult: np.ndarray  # k multipliers
    G: np.ndarray  # n_groups × k indicator
    lo: np.ndarray
    hi: np.ndarray
    A_ub: np.ndarray | None = None  # extra linear constraints A_ub @ w <= b_ub (keep_rank)
    b_ub: np.ndarray | None = None

    def extra_ok(self, w: np.ndarray, eps: float = 1e-9) -> bool:
        """Whether ``w`` meets the extra linear constraints (if any)."""
        if self.A_ub is None or self.b_ub is None:
            return True
        return bool(np.all(self.A_ub @ w <= self.b_ub + eps * (1 + np.abs(self.b_ub))))

    @property
    def k(self) -> int:
        return self.X_all.shape[1]

    def raw(self, w: np.ndarray, agg: str) -> np.ndarray:
        if agg == "arithmetic":
            return (self.X_all * self.mult) @ w
        return np.exp(np.log(self.X_all) @ w)

    def predict(self, w: np.ndarray, agg: str, scale: str) -> tuple[np.ndarray, dict[str, float]]:
        s = self.raw(w, agg)
        st = s[self.t_idx]
        if scale == "none":
            return st, {}
        if scale == "affine":
            A = np.column_stack([np.ones_like(st), st])
            if np.ptp(st) <= 0:
                a = float(self.y.mean())
                return np.full_like(st, a), {"a": a, "b": 0.0}
            (a, b), *_ = np.linalg.lstsq(A, self.y, rcond=None)
            return a + b * st, {"a": float(a), "b": float(b)}
        if scale == "leader100":
            mx = s.max()
            if mx <= 0:
                return np.zeros_like(st), {"max": float(mx)}
            return 100.0 * st / mx, {"max": float(mx)}
        if scale == "minmax":
            mx, mn = s.max(), s.min()
            if mx <= mn:
                return np.zeros_like(st), {"max": float(mx), "min": float(mn)}
            return 100.0 * (st - mn) / (mx - mn), {"max": float(mx), "min": float(mn)}
        raise MethodError(f"unknown scale {scale!r}; use one of {(*_SCALES, 'auto')}")

    def normalise(self, w: np.ndarray) -> np.ndarray:
        w = np.clip(w, self.lo, self.hi)
        sums = self.G @ w
        fac = np.where(sums > 0, 1.0 / np.where(sums > 0, sums, 1.0), 0.0)
        out = w * (self.G.T @ fac)
        # a group whose weights all vanished: equal weights
        empty = sums <= 0
        if empty.any():
            out = out + (self.G[empty].T @ (1.0 / self.G[empty].sum(axis=1)))
        return out


def _lsq_start(P: _Problem, agg: str, scale: str) -> np.ndarray | None:
    """Linear least-squares solution (exact model for arithmetic none/affine, geometric none;
    the affine relaxation for leader100/minmax)."""
    from scipy.optimize import lsq_linear

    Xt = P.X_all[P.t_idx]
    if agg == "arithmetic":
        D, y = Xt * P.mult, P.y
    else:
        D, y = np.log(Xt), np.log(np.clip(P.y, 1e-300, None))
        if (P.y <= 0).any():
            return None
        if scale != "none":
            return None
    ng = P.G.shape[0]
    rho = 1e3 * max(1.0, float(np.sqrt((D**2).sum(axis=0).max())))
    if scale == "none":
        A = np.vstack([D, rho * P.G])
        b = np.concatenate([y, rho * np.ones(ng)])
        lb, ub = P.lo, P.hi
    else:  # affine relaxation: y = a + D v, v = b w, equal group sums
        Aeq = P.G[1:] - P.G[0] if ng > 1 else np.zeros((0, P.k))
        A = np.vstack([np.column_stack([np.ones(len(y)), D]),
                       np.column_stack([np.zeros(len(Aeq)), rho * Aeq])])
        b = np.concatenate([y, np.zeros(len(Aeq))])
        lb = np.concatenate([[-np.inf], np.zeros(P.k)])
        ub = np.concatenate([[np.inf], np.full(P.k, np.inf)])
    scl = np.sqrt((A**2).sum(axis=0))
    scl = np.where(scl > 0, scl, 1.0)
    res = lsq_linear(A / scl, b, bounds=(lb * scl, ub * scl), method="bvls", tol=1e-12)
    x = res.x / scl
    w = x if scale == "none" else x[1:]
    if not np.isfinite(w).all() or (P.G @ np.clip(w, 0, None) <= 0).all():
        return None
    return P.normalise(w)


def _constraints(P: _Problem) -> list[dict[str, Any]]:
    return [{"type": "eq", "fun": lambda w: P.G @ w - 1.0, "jac": lambda w: P.G}]


def _fit_ls(P: _Problem, agg: str, scale: str, starts: list[np.ndarray]) -> np.ndarray:
    from scipy.optimize import minimize

    sy = max(float(P.y.std()), 1e-12)

    def obj(w: np.ndarray) -> float:
        f, _ = P.predict(w, agg, scale)
        return float((((f - P.y) / sy) ** 2).mean())

    lin = _lsq_start(P, agg, scale)
    cands = ([lin] if lin is not None else []) + starts
    best, best_val = None, np.inf
    for w0 in cands:
        if w0 is None:
            continue
        val0 = obj(w0)
        if val0 < best_val:
            best, best_val = w0, val0
        # exact linear solutions need no polishing
        if lin is not None and w0 is lin and scale in ("none",) and agg == "arithmetic":
            continue
        res = minimize(obj, w0, method="SLSQP", bounds=list(zip(P.lo, P.hi, strict=True)),
                       constraints=_constraints(P), options={"ftol": 1e-14, "maxiter": 500})
        w = P.normalise(res.x)
        v = obj(w)
        if v < best_val:
            best, best_val = w, v
    if best is None:
        raise MethodError(f"calibration: no solution found for {agg} mean, scale {scale}")
    return best


def _linear_feasible(P: _Problem, scale: str, tol: float) -> tuple[bool, float, np.ndarray | None]:
    """LP feasibility for arithmetic none/affine: (feasible, smallest max error, a feasible w)."""
    from scipy.optimize import linprog

    Xt = P.X_all[P.t_idx] * P.mult
    n, k = Xt.shape
    ng = P.G.shape[0]
    if scale == "none":
        # variables (w, t): minimise t s.t. |Xt w - y| <= t, G w = 1
        c = np.zeros(k + 1)
        c[-1] = 1
        A_ub = np.vstack([np.column_stack([Xt, -np.ones(n)]),
                          np.column_stack([-Xt, -np.ones(n)])])
        b_ub = np.concatenate([P.y, -P.y])
        if P.A_ub is not None and P.b_ub is not None:
            A_ub = np.vstack([A_ub, np.column_stack([P.A_ub, np.zeros(len(P.A_ub))])])
            b_ub = np.concatenate([b_ub, P.b_ub])
        A_eq = np.column_stack([P.G, np.zeros(ng)])
        b_eq = np.ones(ng)
        bounds = [*zip(P.lo, [None if not np.isfinite(h) else h for h in P.hi], strict=True),
                  (0, None)]
        res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=bounds,
                      method="highs")
        if res.status != 0:
            return False, float("inf"), None
        t = float(res.x[-1])
        w = P.normalise(res.x[:k])
        return t <= tol * (1 + 1e-9) + 1e-12, t, w
    # affine: variables (a, v, t), v = b w, equal group sums, sum of group 0 >= 1e-6
    c = np.zeros(k + 2)
    c[-1] = 1
    one = np.ones((n, 1))
    A_ub = np.vstack([np.hstack([one, Xt, -one]), np.hstack([-one, -Xt, -one]),
                      np.concatenate([[0], -P.G[0], [0]])[None, :]])
    b_ub = np.concatenate([P.y, -P.y, [-1e-6]])
    Aeq = P.G[1:] - P.G[0]
    A_eq = np.hstack([np.zeros((len(Aeq), 1)), Aeq, np.zeros((len(Aeq), 1))]) if ng > 1 else None
    b_eq = np.zeros(len(Aeq)) if ng > 1 else None
    res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq,
                  bounds=[(None, None)] + [(0, None)] * k + [(0, None)], method="highs")
    if res.status != 0:
        return False, float("inf"), None
    t = float(res.x[-1])
    return t <= tol * (1 + 1e-9) + 1e-12, t, P.normalise(res.x[1:k + 1])


def _fit_min_change(P: _Problem, agg: str, scale: str, prior: np.ndarray, tol: float,
                    starts: list[np.ndarray]) -> tuple[np.ndarray, bool, float]:
    from scipy.optimize import minimize

    w_feas = None
    lp_best = None
    if agg == "arithmetic" and scale in ("none", "affine"):
        ok, lp_best, w_feas = _linear_feasible(P, scale, tol)
        if not ok:
            w = w_feas if w_feas is not None else _fit_ls(P, agg, scale, starts)
            return w, False, lp_best

    def errs(w: np.ndarray) -> np.ndarray:
        f, _ = P.predict(w, agg, scale)
        return f - P.y

    cons = _constraints(P) + [
        {"type": "ineq", "fun": lambda w: tol - errs(w)},
        {"type": "ineq", "fun": lambda w: tol + errs(w)},
    ]
    if P.A_ub is not None and P.b_ub is not None:
        A, b = P.A_ub, P.b_ub
        cons.append({"type": "ineq", "fun": lambda w: b - A @ w, "jac": lambda w: -A})
    cands = [c for c in [prior, w_feas, *starts] if c is not None]
    best, best_d = None, np.inf
    for w0 in cands:
        res = minimize(lambda w: float(((w - prior) ** 2).sum()), w0, method="SLSQP",
                       jac=lambda w: 2 * (w - prior), bounds=list(zip(P.lo, P.hi, strict=True)),
                       constraints=cons, options={"ftol": 1e-14, "maxiter": 1000})
        w = P.normalise(res.x)
        if np.abs(errs(w)).max() <= tol * (1 + 1e-6) + 1e-9 and P.extra_ok(w, 1e-7):
            d = float(((w - prior) ** 2).sum())
            if d < best_d:
                best, best_d = w, d
    if best is not None:
        return best, True, float(np.abs(errs(best)).max())
    if w_feas is not None:  # LP says feasible: return its point
        return w_feas, True, float(np.abs(errs(w_feas)).max())
    w = _fit_ls(P, agg, scale, starts)
    return w, False, float(np.abs(errs(w)).max())


# ------------------------------------------------------------------------------- config mode
def _config_design(config: Any, level: int | None, data: Any, overrides: Mapping[str, Any] | None
                   ) -> tuple[pd.DataFrame, pd.Series, pd.Series, Framework, str, pd.Series]:
    """Components (scores at ``level``), groups, multipliers, framework, aggregator, prior."""

    cfg = resolve_config(config, overrides)
    fw = build_framework(cfg)
    ds = load_dataset(cfg, fw, data)
    prep = prepare(cfg, fw, ds)
    normalized = normalize_stage(prep).data
    lvl = 1 if level is None else int(level)
    if not 1 <= lvl < fw.depth:
        raise ConfigError(f"calibration level must be in 1..{fw.depth - 1}, got {level}")
    comps = fw.level_codes(lvl)
    covered = {m for c in comps for m in fw.leaves_under(c)}
    uncovered = [m for m in fw.metrics if m not in covered]
    if uncovered:
        raise ConfigError(f"calibration at level {lvl}: metric(s) {uncovered[:10]} have no "
                          f"ancestor at level {lvl} (unbalanced tree); choose another level")
    choices = stage_choices(cfg, fw, "aggregate")
    above = [p for p in fw.aggregates if fw.nodes[p].level > lvl]
    meths = {choices[p].method for p in above}
    if level is None or lvl == 1:
        parents_groups = pd.Series("*", index=comps, dtype=object)
        mult = pd.Series(1.0, index=comps)
        prior = fw.effective_weights()[comps]
    else:
        parents_groups = pd.Series({c: fw.parent(c) for c in comps}, dtype=object)
        eff = fw.effective_weights()
        mult = pd.Series({c: float(eff[fw.parent(c)]) for c in comps})
        prior = fw.local_weights()[comps]
    agg = "arithmetic"
    if meths != {"arithmetic"}:
        if meths == {"geometric"} and len(above) == 1:
            agg = "geometric"
        else:
            raise MethodError(f"calibration through the tree needs arithmetic aggregation above "
                              f"level {lvl}; the config uses {sorted(meths)}")
    if lvl == 1:
        X = normalized[comps]
    else:
        scores = aggregate_stage(cfg, fw, normalized)
        X = scores[comps]
    return X, parents_groups, mult, fw, agg, prior


def _local_from_effective(fw: Framework, eff: pd.Series) -> dict[str, float]:
    """Local (raw) weights of every non-root node from the metrics' effective weights."""
    sums = {c: float(eff.reindex(fw.leaves_under(c)).fillna(0).sum()) for c in fw.nodes}
    out: dict[str, float] = {}
    lw = fw.local_weights()
    for p in fw.aggregates:
        kids = fw.children(p)
        tot = sum(sums[c] for c in kids)
        for c in kids:
            out[c] = sums[c] / tot if tot > 0 else float(lw[c])
    return out


# ------------------------------------------------------------------------------- main
def _check_prior(prior: pd.Series | Mapping[str, float], codes: list[str],
                 groups: pd.Series) -> np.ndarray:
    """Prior weights of ``codes`` as an array; a :class:`ConfigError` naming the offending
    components when a weight is missing, non-numeric, non-finite or negative, or when every
    weight of a group of siblings (or all of them) is zero: such a prior is never silently
    replaced by equal weights or clipped."""
    try:
        ps = pd.Series(prior, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"calibrate: prior weights must be numbers: {exc}") from None
    ps.index = ps.index.map(str)
    miss = [c for c in codes if c not in ps.index]
    if miss:
        raise ConfigError(f"calibrate: prior lacks weight(s) for {miss}")
    p = ps[codes]
    bad = {c: float(v) for c, v in p.items() if not np.isfinite(v)}
    if bad:
        raise ConfigError(f"calibrate: prior weight(s) must be finite; got {bad}")
    neg = {c: float(v) for c, v in p.items() if v < 0}
    if neg:
        raise ConfigError(f"calibrate: prior weight(s) must be >= 0; got negative {neg}")
    if (p == 0).all():
        raise ConfigError(f"calibrate: prior weights are all zero for {codes}")
    g = pd.Series(groups.to_numpy(), index=codes)
    zero = [grp for grp, s in p.groupby(g.to_numpy(), sort=False) if (s == 0).all()]
    if zero:
        members = {str(grp): list(g.index[g == grp]) for grp in zero}
        raise ConfigError(f"calibrate: prior weights are all zero within group(s) {members}; "
                          "each group of siblings needs a positive prior weight")
    return p.to_numpy(dtype=float)


def calibrate(published: pd.Series, components: pd.DataFrame | None = None, *,
              config: Any = None, level: int | None = None, scale: Scale = "none",
              prior: pd.Series | Mapping[str, float] | None = None, tol: float = 0.05,
              aggregator: Literal["arithmetic", "geometric"] = "arithmetic",
              bounds: tuple[float, float | None] = (0, None),
              mode: Literal["auto", "least_squares", "min_change"] = "auto",
              keep_rank: bool = False, rank_margin: float = 0.0,
              upper: Mapping[str, float] | None = None,
              rounding: float | None = None, data: Any = None,
              overrides: Mapping[str, Any] | None = None) -> CalibrationResult:
    """Find the non-negative weights that reproduce published scores.

    Parameters
    ----------
    published
        Published index scores, indexed by unit code (NaN not allowed; drop them first).
    components
        Units × components (e.g. published pillar scores). Exactly one of ``components`` and
        ``config`` is required.
    config
        A config (path, mapping or :class:`~aiindex.config.Config`): the pipeline is run up to
        normalisation and the scores at ``level`` are the components (see module docstring).
    level
        Config mode: level whose local weights are fitted; ``None``/1 = metrics (whole tree).
    scale
        ``none``, ``affine``, ``leader100``, ``minmax`` or ``auto``.
    prior
        Prior weights for the underdetermined case (default: the framework's weights in config
        mode, else equal weights); normalised within groups. Weights must be finite and
        >= 0 with a positive weight in every group of siblings, else ``ConfigError`` (a bad
        prior is never clipped or replaced by equal weights).
    tol
        Tolerance on each target in the underdetermined case (score units).
    aggregator
        ``arithmetic`` or ``geometric`` (components mode; config mode reads the tree). The other
        one is fitted too for the consistency statement.
    bounds
        Bounds on each weight (``(0, None)`` = non-negative).
    mode
        ``auto`` (min-change when there are no more targets than free parameters),
        ``least_squares`` or ``min_change``.
    upper
        Per-component upper bounds on the weights (e.g. to cap sparse components); a bound of 0
        excludes the component.
    keep_rank, rank_margin
        Min-change mode with an arithmetic mean and no rescaling only: also keep the published
        order of the target units, and keep every other unit at least ``rank_margin`` points
        below the lowest target (e.g. "the UK is third"). Infeasible constraints are reported
        like infeasible targets.
    rounding
        Error bound used for the consistency statement; default ``0.5·10^-d_pub +
        0.5·10^-d_comp·(sum of |b|·multipliers)`` from the decimals of published scores
        and components (:func:`decimals`), i.e. the largest error rounding alone can cause.
    data, overrides
        Config mode: replacement data and config overrides passed to the pipeline.

    Returns
    -------
    CalibrationResult

    Raises
    ------
    DataError
        Targets for units not in the data, missing published values, too few units.
    MethodError
        Unknown scale/aggregator, geometric mean with non-positive values.
    ConfigError
        Both or neither of ``components``/``config``; a missing, negative, non-finite or
        all-zero prior weight (named).
    """
    if (components is None) == (config is None):
        raise ConfigError("calibrate: give exactly one of components= or config=")
    if aggregator not in _AGGS:
        raise MethodError(f"calibrate: unknown aggregator {aggregator!r}; use {_AGGS}")
    if scale not in (*_SCALES, "auto"):
        raise MethodError(f"calibrate: unknown scale {scale!r}; use {(*_SCALES, 'auto')}")
    pub = pd.Series(published, dtype=float).copy()
    pub.index = pub.index.map(str)
    if pub.isna().any():
        raise DataError(f"calibrate: published score missing for unit(s) "
                        f"{pub.index[pub.isna()].tolist()[:20]}")
    if pub.index.duplicated().any():
        raise DataError(f"calibrate: duplicated unit(s) in published scores "
                        f"{pub.index[pub.index.duplicated()].tolist()[:20]}")
    fw = None
    if config is not None:
        X, groups, mult, fw, aggregator, fw_prior = _config_design(config, level, data, overrides)
        if prior is None:
            prior = fw_prior
    else:
        X = components.copy()
        X.columns = [str(c) for c in X.columns]
        groups = pd.Series("*", index=X.columns, dtype=object)
        mult = pd.Series(1.0, index=X.columns)
    X.index = X.index.map(str)
    codes = list(X.columns)
    unknown = [u for u in pub.index if u not in X.index]
    if unknown:
        raise DataError(f"calibrate: published scores for unit(s) not in the data: {unknown[:20]}"
                        + (f" (+{len(unknown) - 20} more)" if len(unknown) > 20 else ""))
    complete = X.notna().all(axis=1)
    excluded = [u for u in pub.index if not complete[u]]
    Xc = X.loc[complete]
    if (Xc.to_numpy(dtype=float) < 0).any() and aggregator == "geometric":
        raise MethodError("calibrate: geometric mean needs positive component scores")
    targets = pub.drop(excluded)
    if len(targets) == 0:
        raise DataError(f"calibrate: no unit with published score has complete components "
                        f"({excluded[:20]} excluded)")
    gcodes = list(dict.fromkeys(groups[codes]))
    G = np.array([[1.0 if groups[c] == g else 0.0 for c in codes] for g in gcodes])
    lo = np.full(len(codes), float(bounds[0] or 0.0))
    hi = np.full(len(codes), np.inf if bounds[1] is None else float(bounds[1]))
    if upper:
        unknown_u = sorted(set(upper) - set(codes))
        if unknown_u:
            raise ConfigError(f"calibrate: upper bounds for unknown component(s) {unknown_u}")
        for c, v in upper.items():
            if not np.isfinite(float(v)) or float(v) < 0:
                raise ConfigError(f"calibrate: upper bound of {c!r} must be >= 0, got {v}")
            hi[codes.index(c)] = min(hi[codes.index(c)], float(v))
    if (lo < 0).any() or (lo > hi).any():
        raise ConfigError(f"calibrate: invalid bounds {bounds}; need 0 <= lower <= upper")
    t_idx = Xc.index.get_indexer(targets.index)
    P = _Problem(Xc.to_numpy(dtype=float), t_idx, targets.to_numpy(dtype=float),
                 mult[codes].to_numpy(dtype=float), G, lo, hi)
    if keep_rank:
        if aggregator != "arithmetic" or scale != "none" or mode == "least_squares":
            raise MethodError("calibrate: keep_rank needs aggregator='arithmetic', scale='none' "
                              "and the min-change mode (a few headline scores)")
        if not np.isfinite(rank_margin) or rank_margin < 0:
            raise MethodError(f"calibrate: rank_margin must be >= 0, got {rank_margin}")
        P.A_ub, P.b_ub = _rank_constraints(P, rank_margin)
    equal_w = P.normalise(np.ones(len(codes)))
    if prior is None:
        prior_w = equal_w
    else:
        prior_w = P.normalise(_check_prior(prior, codes, groups[codes]))
    n_free = len(codes) - len(gcodes)
    scales = list(_SCALES) if scale == "auto" else [scale]
    use_mode = "min_change" if keep_rank else mode
    if use_mode == "auto":
        extra = 2 if "affine" in scales else 0
        use_mode = "min_change" if len(targets) <= n_free + extra else "least_squares"
    if len(targets) < 2 and use_mode == "least_squares":
        raise DataError("calibrate: least squares needs at least 2 published scores")

    aggs = [aggregator] + [a for a in _AGGS if a != aggregator]
    if (P.X_all <= 0).any() or (P.y <= 0).any():
        aggs = [a for a in aggs if a == "arithmetic"] or aggs[:1]
        if aggregator == "geometric":
            raise MethodError("calibrate: geometric mean needs positive component and published "
                              "scores")
    rows = []
    fits: dict[tuple[str, str], tuple[np.ndarray, bool | None, float]] = {}
    for agg in aggs:
        for sc in scales if agg == aggregator else ["none" if scale == "auto" else scale]:
            if use_mode == "least_squares":
                w = _fit_ls(P, agg, sc, [prior_w, equal_w])
                feas = None
                mx = None
            else:
                w, feas, mx = _fit_min_change(P, agg, sc, prior_w, tol, [equal_w])
            f, par = P.predict(w, agg, sc)
            m_abs, rmse, r2 = fit_statistics(P.y, f)
            fits[(agg, sc)] = (w, feas, m_abs)
            rows.append({"aggregator": agg, "scale": sc, "max_abs_error": m_abs, "rmse": rmse,
                         "r2": r2, "feasible": feas, **{f"w_{c}": v for c, v in
                                                         zip(codes, w, strict=True)}})
    alt = pd.DataFrame(rows)
    mine = alt[alt["aggregator"] == aggregator]
    if scale == "auto":
        best = mine["rmse"].min()
        ok = mine[mine["rmse"] <= best * 1.05 + 1e-9 * max(1.0, float(np.abs(P.y).max()))]
        chosen = str(ok.iloc[0]["scale"])  # order: none, leader100, minmax, affine
    else:
        chosen = scale
    w, feas, _ = fits[(aggregator, chosen)]
    f, par = P.predict(w, aggregator, chosen)
    m_abs, rmse, r2 = fit_statistics(P.y, f)
    if rounding is None:
        d_pub = decimals(P.y)
        d_comp = decimals(P.X_all[P.t_idx])
        b = abs(par.get("b", 1.0))
        if chosen in ("leader100", "minmax"):
            span = par.get("max", 1.0) - par.get("min", 0.0)
            b = 100.0 / span if span > 0 else 1.0
        rounding = 0.5 * 10.0**-d_pub + 0.5 * 10.0**-d_comp * b * float(
            (P.mult * w).sum() if aggregator == "arithmetic" else 1.0)
    resid = pd.Series(P.y - f, index=targets.index, name="residual")
    weights = pd.Series(w, index=pd.Index(codes, dtype=object), name="weight")
    consistent, statement = _statement(alt, aggregator, chosen, resid, rounding, use_mode, feas,
                                       tol, fits, len(codes))
    out_fw = None
    if fw is not None:
        if level is None or level == 1:
            out_fw = fw.with_weights(_local_from_effective(fw, weights))
            if level is None:
                weights = pd.Series(_local_from_effective(fw, weights), dtype=float)
                weights.name = "weight"
                groups = pd.Series({c: fw.parent(c) for c in weights.index}, dtype=object)
        else:
            out_fw = fw.with_weights(weights.to_dict())
    return CalibrationResult(
        weights=weights, groups=groups.reindex(weights.index), published=targets,
        fitted=pd.Series(f, index=targets.index, name="fitted"), residuals=resid,
        max_abs_error=m_abs, rmse=rmse, r2=r2, scale=chosen, scale_params=par,
        aggregator=aggregator, mode=use_mode, feasible=feas, consistent=consistent,
        rounding=float(rounding), statement=statement, alternatives=alt, excluded=excluded,
        level=level, framework=out_fw)


def _rank_constraints(P: _Problem, margin: float) -> tuple[np.ndarray, np.ndarray]:
    """Linear constraints keeping the published order of the targets, with every other unit at
    least ``margin`` below the lowest target: ``A @ w <= b`` (arithmetic mean, no rescaling)."""
    D = P.X_all * P.mult
    order = np.argsort(-P.y, kind="stable")
    ti = P.t_idx[order]
    others = np.setdiff1d(np.arange(len(D)), P.t_idx)
    # consecutive targets keep their order; every other unit stays below the lowest target
    A = np.vstack([D[ti[1:]] - D[ti[:-1]], D[others] - D[ti[-1]]])
    return A, np.full(len(A), -margin)


def _statement(alt: pd.DataFrame, agg: str, scale: str, resid: pd.Series, rounding: float,
               mode: str, feas: bool | None, tol: float, fits: Mapping[Any, Any],
               k: int) -> tuple[bool, str]:
    n = len(resid)
    if mode == "min_change":
        row = alt[(alt["aggregator"] == agg) & (alt["scale"] == scale)].iloc[0]
        if feas:
            return True, (f"Non-negative weights reproduce all {n} published score(s) within "
                          f"±{tol:g} with a weighted {agg} mean (scale {scale}); the weights "
                          f"shown are the closest to the prior. Max abs error "
                          f"{row['max_abs_error']:.4g}.")
        mx = fits[(agg, scale)][2]
        return False, (f"No non-negative weights reproduce the {n} published score(s) within "
                       f"±{tol:g} with a weighted {agg} mean (scale {scale}): the smallest "
                       f"achievable maximum error is {mx:.4g}. The weights shown minimise it.")
    limit = _SLACK * rounding + 1e-9
    out = resid[resid.abs() > limit]
    few = max(1, int(np.floor(0.02 * n)))
    rm = float(np.sqrt((resid**2).mean()))
    if out.empty:
        consistent, verdict = True, "ARE consistent"
    elif len(out) <= few and rm <= rounding:
        consistent, verdict = True, (f"are consistent except for {len(out)} unit(s) "
                                     f"({', '.join(map(str, out.index[:5]))})")
    else:
        consistent, verdict = False, "are NOT consistent"
    parts = [f"The published scores {verdict} with a weighted {agg} mean of the {k} components"
             f" (scale {scale}) at the level of rounding: max abs error "
             f"{resid.abs().max():.4g} vs rounding bound {rounding:.3g}, RMSE {rm:.4g}, "
             f"{len(out)} of {n} units outside the bound."]
    for _, r in alt.iterrows():
        if r["aggregator"] != agg:
            parts.append(f"Weighted {r['aggregator']} mean (scale {r['scale']}): max abs error "
                         f"{r['max_abs_error']:.4g}, RMSE {r['rmse']:.4g} — "
                         + ("also consistent." if r["max_abs_error"] <= limit else
                            "not consistent."))
    if len(alt[alt["aggregator"] == agg]) > 1:
        parts.append("Scales tried: " + ", ".join(
            f"{r['scale']} (RMSE {r['rmse']:.4g})" for _, r in alt.iterrows()
            if r["aggregator"] == agg) + f"; best: {scale}.")
    return consistent, " ".join(parts)


def read_published(path: str | Path) -> pd.Series:
    """Read a published-scores CSV (``uCode,score``; the first column is the unit code if those
    names are absent).

    Raises
    ------
    DataError
        A missing, empty or unreadable file, other columns, a missing, non-numeric or
        non-finite score, or a unit listed twice (each names the file and the units).
    """
    from ..data.readers import read_table

    p = Path(path)
    if not p.exists():
        raise DataError(f"published scores file not found: {p}")
    # every cell as text, no NA guessing: unit codes such as Namibia's "NA" stay codes
    df = read_table(p)
    if "uCode" in df.columns and "score" in df.columns:
        ucol, scol = "uCode", "score"
    elif df.shape[1] == 2:
        ucol, scol = df.columns[0], df.columns[1]
    else:
        raise DataError(f"{p}: expected the columns uCode,score (or exactly two columns: "
                        f"unit code, score); got {list(df.columns)}")
    codes = df[ucol].astype(str).str.strip()
    s = pd.to_numeric(df[scol].astype(str).str.strip(), errors="coerce")
    bad = codes[s.isna()].tolist()
    if bad:
        raise DataError(f"{p}: non-numeric or missing score for unit(s) {bad[:20]}")
    inf = codes[~np.isfinite(s.to_numpy(dtype=float))].tolist()
    if inf:
        raise DataError(f"{p}: infinite score (inf) for unit(s) {inf[:20]}; published scores "
                        "must be finite numbers")
    dup = codes[codes.duplicated()].unique().tolist()
    if dup:
        raise DataError(f"{p}: unit(s) {dup[:20]} listed twice; give one score per unit")
    return pd.Series(s.to_numpy(dtype=float), index=codes.to_numpy(), name="published")
