"""Calibrate weights to published scores.

Given published index scores for some or all units and either the units' component scores
(e.g. published pillar scores) or a config (raw data + framework), :func:`calibrate` finds the
non-negative weights that reproduce the published scores best, in three steps:
:func:`setup_problem` (targets, components, groups, bounds, prior, tolerance, mode),
:func:`solve` (every aggregator × scale) and :func:`report` (the chosen fit, its statement).

Model
-----
Components ``X`` (units × k) are grouped into sibling groups (one group when components are
given directly); weights ``w >= 0`` sum to 1 within each group. Component j enters the index with
a fixed multiplier ``m_j`` (the effective weight of its parent; 1 for a single group), so with
arithmetic aggregation the raw score is ``s = (X * m) @ w`` (linear in ``w``) and with geometric
aggregation ``s = exp(log(X) @ w)`` (single group). The published scale maps ``s`` to the
published score; the scales are the methods of the ``rescale`` config section
(:mod:`aiindex.stages.rescale`), so a fitted scale is written into a config as is:

=========== ================================================== ==============================
``none``    ``y = s``                                           ``rescale: {method: none}``
``leader``  ``y = 100·s / max(s)`` (max over all units with     ``{method: leader, value: 100}``
            data; alias ``leader100``)
``minmax``  ``y = 100·(s − min s) / (max s − min s)``           ``{method: minmax, low: 0,
                                                                high: 100}``
``affine``  ``y = a + b·s`` (a, b fitted by least squares)      ``{method: affine, slope: b,
                                                                intercept: a}``
``auto``    every scale above (the default); the simplest one   –
            that fits at the rounding of the published figures
=========== ================================================== ==============================

**Fits at the rounding.** The published figures' decimals ``d_pub`` (and the components'
``d_comp``) bound the error rounding alone can cause:
``0.5·10^-d_pub + 0.5·10^-d_comp·b·Σ m_j w_j`` (``b`` = the scale's slope). A least-squares fit
*fits* when every residual is within 1.1 × that bound (or at most 2 % of the units, at least
one, are outside and the RMSE is within it); a min-change fit fits when every target is met
within its tolerance (default: the same rounding bound). ``auto`` takes the first scale that
fits in the order none, leader, minmax, affine; when none does, the best one (RMSE, or the
smallest achievable max error) and the statement says that no scale fits. A fit that fails
names every aggregator and scale that would fit.

Overdetermined case (more targets than free parameters): least squares. Linear problems
(arithmetic with ``none``; ``affine`` through the variable change ``v = b·w``; geometric with
``none`` in logs) are solved with bounded least squares (``scipy.optimize.lsq_linear``, group
sums enforced by a heavily weighted penalty row), then polished with SLSQP on the exact
objective (which also handles ``leader``/``minmax`` and the geometric alternatives).

Underdetermined case (a few headline scores): the weights closest to ``prior`` (squared
distance) with every target met within ``tol`` (SLSQP). For arithmetic aggregation with scale
``none`` or ``affine`` the targets are linear in the unknowns and feasibility is certified with
``scipy.optimize.linprog`` (within the weight bounds: for ``affine`` as
``lo_j·b <= v_j <= hi_j·b``); if infeasible the smallest achievable maximum error is reported.
When only the LP finds a point, the ``affine`` fit keeps the LP's ``a, b`` (so the reported
predictions are the certified ones). A fit is reported feasible only after checking that every
target is within its tolerance and the weights within their bounds.
How much such a fit pins down is the subject of :mod:`aiindex.analysis.identify`.

Across the tree: with arithmetic aggregation and complete data, the index is linear in the
metrics' *effective* weights, and local weights are recovered from them (local weight of a node =
sum of its leaves' effective weights / sum under its parent). So ``level=1`` (or ``None``)
calibrates the whole tree with one linear problem; ``level=L`` keeps everything below L fixed and
fits the local weights of the nodes at level L, each group of siblings summing to 1.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .. import _progress
from .._io import write_text_atomic
from ..config import Config, resolve_config
from ..errors import ConfigError, DataError, MethodError
from ..framework import Framework
from ..stages.rescale import RESCALERS
from ..yamlio import dump_yaml
from ._linear import linear_design

__all__ = ["calibrate", "CalibrationResult", "CalibrationProblem", "setup_problem", "solve",
           "report", "fit_statistics", "decimals", "read_published", "SCALES", "canonical_scale"]

Scale = Literal["auto", "none", "leader", "leader100", "minmax", "affine"]
#: the scales of the published figures, simplest first (``auto`` tries them in this order)
SCALES = ("none", "leader", "minmax", "affine")
_AGGS = ("arithmetic", "geometric")
#: a residual counts as "outside the rounding bound" above _SLACK × bound (the fitted weights
#: themselves carry a small error when the data are rounded)
_SLACK = 1.1


def canonical_scale(scale: str) -> str:
    """``auto`` or the canonical name of a scale (``leader100`` → ``leader``).

    Raises
    ------
    MethodError
        An unknown scale.
    """
    name = str(scale)
    if name == "auto":
        return name
    if name in RESCALERS and RESCALERS.canonical(name) in SCALES:
        return RESCALERS.canonical(name)
    raise MethodError(f"calibrate: unknown scale {scale!r}; use one of "
                      f"{(*SCALES, 'leader100', 'auto')}")


def rescale_section(scale: str, params: Mapping[str, float]) -> dict[str, Any]:
    """The ``rescale`` config section of a fitted scale (see the module docstring)."""
    if scale == "leader":
        return {"method": "leader", "value": 100.0}
    if scale == "minmax":
        return {"method": "minmax", "low": 0.0, "high": 100.0}
    if scale == "affine":
        return {"method": "affine", "slope": float(params.get("b", 1.0)),
                "intercept": float(params.get("a", 0.0))}
    return {"method": "none"}


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
        Every aggregator × scale tried: ``max_abs_error, rmse, r2, rounding, outside`` (units
        outside the bound), ``fits`` (at the rounding, or within ``tol``), ``feasible`` and the
        weights ``w_<code>``.
    excluded : list
        Units left out because a component is missing.
    framework : Framework or None
        The framework with the fitted weights (config mode).
    tol : ndarray
        Tolerance of each target (min-change mode and :mod:`~aiindex.analysis.identify`).
    config : Config or None
        The calibrated config (config mode), for :meth:`to_overlay`.
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
    tol: np.ndarray | None = None
    config: Config | None = None
    problem: CalibrationProblem | None = field(default=None, repr=False)

    @property
    def rescale(self) -> dict[str, Any]:
        """The fitted scale as a ``rescale`` config section (``{method: none}`` for none)."""
        return rescale_section(self.scale, self.scale_params)

    def framework_weights(self) -> dict[str, float]:
        """Node code → raw weight (the fitted local weights), for ``Framework.with_weights``."""
        return {str(k): float(v) for k, v in self.weights.items()}

    def to_config(self) -> dict[str, Any]:
        """A config fragment reproducing the fit: ``{"weights": {"explicit": {code: w}},
        "rescale": {...}}``."""
        return {"weights": {"explicit": {k: round(v, 10) for k, v in
                                         self.framework_weights().items()}},
                "rescale": self.rescale}

    def to_overlay(self, path: str | Path | None = None, *, base: str | Path | None = None,
                   extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """A complete config overlay: ``extends`` the calibrated config, plus ``extra``
        (e.g. ``--set`` overrides), the fitted weights and the ``rescale``.

        ``aiindex run OVERLAY`` reproduces the fit, and ``aiindex whatif BASE OVERLAY`` takes
        it as a scenario. ``extends`` is written relative to the folder of ``path`` (where the
        overlay will be saved; default: the current folder).

        Raises
        ------
        ConfigError
            No base config file is known (components mode, or a config given as a mapping).
        """
        src = base or (self.config.source_file if self.config is not None else None)
        if src is None:
            raise ConfigError("calibration overlay: no base config file to extend (calibrate "
                              "with config=PATH, or pass base=)")
        folder = Path(path).resolve().parent if path is not None else Path.cwd()
        try:
            rel = os.path.relpath(Path(src).resolve(), folder)
        except ValueError:  # another drive (Windows)
            rel = str(Path(src).resolve())
        out: dict[str, Any] = {"extends": Path(rel).as_posix(),
                               "description": f"calibrated to published scores: "
                                              f"{self.aggregator} mean, scale {self.scale}"
                                              + (f", level {self.level}" if self.level else "")}
        out.update(dict(extra or {}))
        out.update(self.to_config())
        return out

    def to_yaml(self, path: str | Path | None = None, *, base: str | Path | None = None,
                extra: Mapping[str, Any] | None = None) -> str:
        """YAML of :meth:`to_overlay` when a base config is known, else of :meth:`to_config`
        (written to ``path`` if given)."""
        known = base is not None or (self.config is not None and self.config.source_file)
        data = self.to_overlay(path, base=base, extra=extra) if known else self.to_config()
        text = dump_yaml(data)
        if path is not None:
            write_text_atomic(path, text)
        return text

    def scales_table(self) -> pd.DataFrame:
        """Fit of every aggregator × scale (without the weights)."""
        cols = [c for c in self.alternatives.columns if not str(c).startswith("w_")]
        return self.alternatives[cols]

    def summary(self) -> str:
        """Weights, fit statistics, the table of scales and the statement as text."""
        lines = [f"calibration ({self.mode}, {self.aggregator} mean, scale {self.scale}"
                 + (f", level {self.level}" if self.level is not None else "") + ")",
                 "weights:"]
        for c, w in self.weights.items():
            g = self.groups[c]
            lines.append(f"  {c:<40s} {w:8.4f}" + (f"   (group {g})" if g != "*" else ""))
        lines.append(f"units {len(self.published)}, max abs error {self.max_abs_error:.4g}, "
                     f"RMSE {self.rmse:.4g}, R² {self.r2:.6f}")
        t = self.scales_table().drop(columns=["feasible"] if self.mode == "least_squares"
                                     else [])
        with pd.option_context("display.width", 160, "display.max_columns", None):
            lines += ["every aggregator and scale:", t.to_string(index=False,
                                                                  float_format="%.4g")]
        lines.append(self.statement)
        return "\n".join(lines)

    def _summary_line(self) -> str:
        return (f"{self.mode}, {self.aggregator} mean, scale {self.scale}: "
                f"{len(self.weights)} weights, {len(self.published)} units, max abs error "
                f"{self.max_abs_error:.4g}, RMSE {self.rmse:.4g}, R² {self.r2:.6f}")

    def __repr__(self) -> str:
        """The fit, the weights and the statement."""
        w = "\n".join(f"  {c}: {v:.4f}" for c, v in self.weights.items())
        return f"CalibrationResult({self._summary_line()})\nweights:\n{w}\n{self.statement}"

    def _repr_html_(self) -> str:
        """The weights and every aggregator and scale in a notebook (text escaped)."""
        from .._repr import html_card, html_table

        w = pd.DataFrame({"weight": self.weights}).rename_axis("code")
        return html_card(f"Calibration: {self._summary_line()}", [self.statement],
                         html_table(w, decimals=4, what="weights")
                         + html_table(self.scales_table().set_index(["aggregator", "scale"]),
                                      decimals=4, what="fits"))


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
        """Number of components."""
        return self.X_all.shape[1]

    def raw(self, w: np.ndarray, agg: str) -> np.ndarray:
        """Weighted mean of every unit with data (before the scale)."""
        if agg == "arithmetic":
            return (self.X_all * self.mult) @ w
        with np.errstate(over="ignore", invalid="ignore"):  # a solver's trial step may overflow
            return np.exp(np.log(self.X_all) @ w)

    def jacobian(self, w: np.ndarray, agg: str, scale: str) -> np.ndarray | None:
        """Derivative of :meth:`predict` in ``w`` (targets × k); ``None`` for ``affine``."""
        if scale == "affine":
            return None
        D = self.X_all * self.mult if agg == "arithmetic" else np.log(self.X_all)
        s = self.raw(w, agg)
        J = D if agg == "arithmetic" else s[:, None] * D
        Jt, st = J[self.t_idx], s[self.t_idx]
        if scale == "none":
            return Jt
        hi = int(np.argmax(s))
        if scale == "leader":
            M = s[hi] if s[hi] > 0 else 1.0
            return 100.0 * (Jt / M - st[:, None] * J[hi][None, :] / M**2)
        lo = int(np.argmin(s))
        span = s[hi] - s[lo] if s[hi] > s[lo] else 1.0
        return 100.0 * ((Jt - J[lo]) / span
                        - (st - s[lo])[:, None] * (J[hi] - J[lo])[None, :] / span**2)

    def within(self, w: np.ndarray, tol: float = 1e-7) -> bool:
        """Whether ``w`` respects the bounds and the group sums (within ``tol``)."""
        return bool(np.isfinite(w).all() and (w >= self.lo - tol).all()
                    and (w <= self.hi + tol).all()
                    and (np.abs(self.G @ w - 1.0) <= tol).all())

    def predict(self, w: np.ndarray, agg: str, scale: str,
                params: Mapping[str, float] | None = None
                ) -> tuple[np.ndarray, dict[str, float]]:
        """Predicted published scores of the targets and the scale's constants.

        For ``affine``, ``params`` with ``a`` and ``b`` fixes the scale (e.g. the one the
        feasibility LP certified); otherwise (and for every other scale) the constants are
        fitted: ``a, b`` by least squares."""
        s = self.raw(w, agg)
        st = s[self.t_idx]
        if scale == "none":
            return st, {}
        if not np.isfinite(s).all():
            return np.full_like(st, np.nan), {}
        if scale == "affine" and params is not None and {"a", "b"} <= set(params):
            a, b = float(params["a"]), float(params["b"])
            return a + b * st, {"a": a, "b": b}
        if scale == "affine":
            A = np.column_stack([np.ones_like(st), st])
            if np.ptp(st) <= 0:
                a = float(self.y.mean())
                return np.full_like(st, a), {"a": a, "b": 0.0}
            (a, b), *_ = np.linalg.lstsq(A, self.y, rcond=None)
            return a + b * st, {"a": float(a), "b": float(b)}
        if scale == "leader":
            mx = s.max()
            if mx <= 0:
                return np.zeros_like(st), {"max": float(mx)}
            return 100.0 * st / mx, {"max": float(mx)}
        if scale == "minmax":
            mx, mn = s.max(), s.min()
            if mx <= mn:
                return np.zeros_like(st), {"max": float(mx), "min": float(mn)}
            return 100.0 * (st - mn) / (mx - mn), {"max": float(mx), "min": float(mn)}
        raise MethodError(f"unknown scale {scale!r}; use one of {(*SCALES, 'auto')}")

    def normalise(self, w: np.ndarray) -> np.ndarray:
        """``w`` clipped to its bounds and rescaled so that each group sums to 1."""
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
    the affine relaxation for leader/minmax)."""
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
    """Each group's weights sum to 1 (SLSQP)."""
    return [{"type": "eq", "fun": lambda w: P.G @ w - 1.0, "jac": lambda w: P.G}]


def _fit_ls(P: _Problem, agg: str, scale: str, starts: list[np.ndarray]) -> np.ndarray:
    """Least-squares weights: the linear solution, polished by SLSQP on the exact model."""
    from scipy.optimize import minimize

    sy = max(float(P.y.std()), 1e-12)

    def obj(w: np.ndarray) -> float:
        f, _ = P.predict(w, agg, scale)
        v = float((((f - P.y) / sy) ** 2).mean())
        return v if np.isfinite(v) else 1e300

    def grad(w: np.ndarray) -> np.ndarray:
        f, _ = P.predict(w, agg, scale)
        J = P.jacobian(w, agg, scale)
        g = 2.0 * ((f - P.y) / sy**2) @ J / len(P.y)
        return g if np.isfinite(g).all() else np.zeros_like(w)

    lin = _lsq_start(P, agg, scale)
    cands: list[np.ndarray] = []
    for c in ([lin] if lin is not None else []) + starts:  # distinct starting points
        if c is not None and not any(np.allclose(c, d) for d in cands):
            cands.append(c)
    best, best_val = None, np.inf
    for w0 in cands:
        val0 = obj(w0)
        if val0 < best_val and P.within(w0):
            best, best_val = w0, val0
        # exact linear solutions need no polishing
        if lin is not None and w0 is lin and scale in ("none",) and agg == "arithmetic":
            continue
        res = minimize(obj, w0, method="SLSQP", jac=None if scale == "affine" else grad,
                       bounds=list(zip(P.lo, P.hi, strict=True)),
                       constraints=_constraints(P), options={"ftol": 1e-14, "maxiter": 500})
        w = P.normalise(res.x)
        v = obj(w)
        if v < best_val and P.within(w):
            best, best_val = w, v
    if best is None:
        raise MethodError(f"calibration: no solution found for {agg} mean, scale {scale}")
    return best


def _linear_feasible(P: _Problem, scale: str, tol: np.ndarray
                     ) -> tuple[bool, float, np.ndarray | None, dict[str, float] | None]:
    """LP feasibility for arithmetic none/affine: (feasible, smallest achievable ``t`` with
    ``|error_u| <= t · tol_u / max(tol)`` — the smallest max error when the tolerances are
    equal —, a feasible w, and for ``affine`` the LP's scale ``{"a", "b"}``, else ``None``)."""
    from scipy.optimize import linprog

    Xt = P.X_all[P.t_idx] * P.mult
    n, k = Xt.shape
    ng = P.G.shape[0]
    tol = np.broadcast_to(np.asarray(tol, dtype=float), (n,))
    rho = tol / tol.max() if tol.max() > 0 else np.ones(n)
    tmax = float(tol.max())
    if scale == "affine":
        return _affine_lp(P, Xt, rho, tmax)
    # variables (w, t): minimise t s.t. |Xt w - y| <= t, G w = 1
    c = np.zeros(k + 1)
    c[-1] = 1
    A_ub = np.vstack([np.column_stack([Xt, -rho]), np.column_stack([-Xt, -rho])])
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
        return False, float("inf"), None, None
    t = float(res.x[-1])
    w = P.normalise(res.x[:k])
    return t <= tmax * (1 + 1e-9) + 1e-12, t, w, None


def _affine_lp(P: _Problem, Xt: np.ndarray, rho: np.ndarray, tmax: float
               ) -> tuple[bool, float, np.ndarray | None, dict[str, float] | None]:
    """The affine case of :func:`_linear_feasible`: variables ``(a, v, t)`` with ``v = b·w``
    (``b`` = the slope = every group's sum of ``v``, equal sums, ``b >= 1e-6``), so the
    weight bounds ``lo <= w <= hi`` read ``lo_j·b <= v_j <= hi_j·b``."""
    from scipy.optimize import linprog

    n, k = Xt.shape
    ng = P.G.shape[0]
    c = np.zeros(k + 2)
    c[-1] = 1
    one, r1 = np.ones((n, 1)), rho[:, None]
    same = P.G.T @ P.G  # same[j] @ v = the sum of v over j's group (= b)
    eye = np.eye(k)
    low, fin = P.lo > 0, np.isfinite(P.hi)
    bnd = np.vstack([P.lo[low, None] * same[low] - eye[low],  # lo_j·b - v_j <= 0
                     eye[fin] - P.hi[fin, None] * same[fin]])  # v_j - hi_j·b <= 0
    zb = np.zeros((len(bnd), 1))
    A_ub = np.vstack([np.hstack([one, Xt, -r1]), np.hstack([-one, -Xt, -r1]),
                      np.concatenate([[0], -P.G[0], [0]])[None, :], np.hstack([zb, bnd, zb])])
    b_ub = np.concatenate([P.y, -P.y, [-1e-6], np.zeros(len(bnd))])
    Aeq = P.G[1:] - P.G[0]
    A_eq = np.hstack([np.zeros((len(Aeq), 1)), Aeq, np.zeros((len(Aeq), 1))]) if ng > 1 else None
    b_eq = np.zeros(len(Aeq)) if ng > 1 else None
    res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq,
                  bounds=[(None, None)] + [(0, None)] * k + [(0, None)], method="highs")
    if res.status != 0:
        return False, float("inf"), None, None
    t = float(res.x[-1])
    v = res.x[1:k + 1]
    b = float(P.G[0] @ v)
    w = P.normalise(v / b)  # w = v / b; normalise only removes solver round-off
    return t <= tmax * (1 + 1e-9) + 1e-12, t, w, {"a": float(res.x[0]), "b": b}


def _meets(P: _Problem, w: np.ndarray, agg: str, scale: str, tol: np.ndarray,
           params: Mapping[str, float] | None = None) -> bool:
    """Whether ``w`` (with the scale ``params``, if given) meets every target within its
    tolerance, the bounds, the group sums and the extra constraints."""
    f, _ = P.predict(w, agg, scale, params)
    e = np.abs(f - P.y)
    return bool(np.isfinite(e).all() and (e <= tol * (1 + 1e-6) + 1e-9).all()
                and P.extra_ok(w, 1e-7) and P.within(w))


def _affine_polish(P: _Problem, prior: np.ndarray, tol: np.ndarray, w0: np.ndarray,
                   par0: Mapping[str, float]) -> tuple[np.ndarray, dict[str, float]]:
    """Min change for the affine scale with its constants free: the weights closest to
    ``prior`` for which some ``a + b·s`` (``b >= 0``) meets every target, by SLSQP in
    ``(w, a, b)`` from a feasible point ``(w0, par0)`` (e.g. the LP's)."""
    from scipy.optimize import minimize

    D = (P.X_all * P.mult)[P.t_idx]
    k, ng = P.k, P.G.shape[0]

    def err(x: np.ndarray) -> np.ndarray:
        return x[k] + x[k + 1] * (D @ x[:k]) - P.y

    def jerr(x: np.ndarray) -> np.ndarray:
        return np.column_stack([x[k + 1] * D, np.ones(len(D)), D @ x[:k]])

    cons = [{"type": "eq", "fun": lambda x: P.G @ x[:k] - 1.0,
             "jac": lambda x: np.hstack([P.G, np.zeros((ng, 2))])},
            {"type": "ineq", "fun": lambda x: np.concatenate([tol - err(x), tol + err(x)]),
             "jac": lambda x: np.vstack([-jerr(x), jerr(x)])}]
    x0 = np.concatenate([w0, [par0["a"], par0["b"]]])
    res = minimize(lambda x: float(((x[:k] - prior) ** 2).sum()), x0, method="SLSQP",
                   jac=lambda x: np.concatenate([2 * (x[:k] - prior), [0.0, 0.0]]),
                   bounds=[*zip(P.lo, P.hi, strict=True), (None, None), (0, None)],
                   constraints=cons, options={"ftol": 1e-14, "maxiter": 1000})
    return P.normalise(res.x[:k]), {"a": float(res.x[k]), "b": float(res.x[k + 1])}


def _fit_min_change(P: _Problem, agg: str, scale: str, prior: np.ndarray, tol: np.ndarray,
                    starts: list[np.ndarray]
                    ) -> tuple[np.ndarray, bool, float, dict[str, float] | None]:
    """The weights closest to ``prior`` with every target met within its tolerance:
    ``(w, feasible, max abs error, scale constants)`` (for an infeasible linear model, the
    LP's smallest achievable ``t``). The constants are ``None`` (fitted by :meth:`_Problem.
    predict`) unless the fit is the affine LP's: then its ``{"a", "b"}``, which the result
    must keep. ``feasible`` is only reported for weights that were checked: within the bounds
    and every target within its tolerance with the returned constants."""
    from scipy.optimize import minimize

    w_feas, lp_par = None, None
    if agg == "arithmetic" and scale in ("none", "affine"):
        ok, lp_best, w_feas, lp_par = _linear_feasible(P, scale, tol)
        if not ok:
            if w_feas is None:
                return _fit_ls(P, agg, scale, starts), False, lp_best, None
            return w_feas, False, lp_best, lp_par

    def errs(w: np.ndarray) -> np.ndarray:
        f, _ = P.predict(w, agg, scale)
        e = f - P.y
        return e if np.isfinite(e).all() else np.where(np.isfinite(e), e, 1e12)

    within_tol: dict[str, Any] = {"type": "ineq",
                                  "fun": lambda w: np.concatenate([tol - errs(w), tol + errs(w)])}
    if scale != "affine":
        within_tol["jac"] = lambda w: np.vstack([-P.jacobian(w, agg, scale),
                                                 P.jacobian(w, agg, scale)])
    cons = [*_constraints(P), within_tol]
    if P.A_ub is not None and P.b_ub is not None:
        A, b = P.A_ub, P.b_ub
        cons.append({"type": "ineq", "fun": lambda w: b - A @ w, "jac": lambda w: -A})
    cands: list[np.ndarray] = []
    for c in [prior, w_feas, *starts]:  # distinct starting points
        if c is not None and not any(np.allclose(c, d) for d in cands):
            cands.append(c)
    linear = agg == "arithmetic" and scale in ("none", "affine")
    best, best_d = None, np.inf
    for w0 in cands:
        res = minimize(lambda w: float(((w - prior) ** 2).sum()), w0, method="SLSQP",
                       jac=lambda w: 2 * (w - prior), bounds=list(zip(P.lo, P.hi, strict=True)),
                       constraints=cons,
                       options={"ftol": 1e-14, "maxiter": 1000 if linear else 300})
        w = P.normalise(res.x)
        if _meets(P, w, agg, scale, tol):
            d = float(((w - prior) ** 2).sum())
            if d < best_d:
                best, best_d = w, d
    if best is not None:
        return best, True, float(np.abs(errs(best)).max()), None
    if w_feas is not None:  # the LP says feasible: its point, checked
        return _lp_point(P, agg, scale, prior, tol, w_feas, lp_par)
    w = _fit_ls(P, agg, scale, starts)
    return w, False, float(np.abs(errs(w)).max()), None


def _lp_point(P: _Problem, agg: str, scale: str, prior: np.ndarray, tol: np.ndarray,
              w: np.ndarray, par: dict[str, float] | None
              ) -> tuple[np.ndarray, bool, float, dict[str, float] | None]:
    """The fallback of :func:`_fit_min_change` when SLSQP found nothing but the LP certified a
    point: for ``affine`` moved towards the prior (:func:`_closer_affine`); feasible only if
    the point meets every target within its tolerance (with the LP's constants), the bounds
    and the extra constraints."""
    if scale == "affine" and par is not None:
        w, par = _closer_affine(P, agg, prior, tol, w, par)
    f, _ = P.predict(w, agg, scale, par)
    return w, _meets(P, w, agg, scale, tol, par), float(np.abs(f - P.y).max()), par


def _closer_affine(P: _Problem, agg: str, prior: np.ndarray, tol: np.ndarray, w: np.ndarray,
                   par: dict[str, float]) -> tuple[np.ndarray, dict[str, float]]:
    """``(w, par)`` moved towards the prior with the affine constants free
    (:func:`_affine_polish`) when the result still meets everything (else unchanged)."""
    wp, pp = _affine_polish(P, prior, tol, w, par)
    if _meets(P, wp, agg, "affine", tol, pp) and \
            ((wp - prior) ** 2).sum() < ((w - prior) ** 2).sum() - 1e-12:
        return wp, pp
    return w, par


# ------------------------------------------------------------------------------- set-up
@dataclass
class CalibrationProblem:
    """Step 1 of :func:`calibrate`: everything that defines the fit (see :func:`setup_problem`).

    Attributes
    ----------
    P : _Problem
        Arrays: components of every unit with data, the target rows, multipliers, groups,
        bounds (and the keep-rank constraints).
    codes, groups : list, Series
        Component codes and their groups.
    targets : Series
        Published scores of the units used; ``excluded`` lists those left out.
    aggregator, scale, mode : str
        Aggregator, requested scale (``auto`` or one) and ``least_squares``/``min_change``.
    prior, equal : ndarray
        Prior weights (min-change mode) and equal weights, normalised within groups.
    tol : ndarray
        Tolerance of each target.
    d_pub, d_comp : int
        Decimals of the published scores and of the targets' components.
    units : Index
        Units of the rows of ``P.X_all``.
    """

    P: _Problem
    codes: list[str]
    groups: pd.Series
    targets: pd.Series
    excluded: list[str]
    aggregator: str
    scale: str
    mode: str
    prior: np.ndarray
    equal: np.ndarray
    tol: np.ndarray
    d_pub: int
    d_comp: int
    units: pd.Index
    rounding: float | None = None
    level: int | None = None
    framework: Framework | None = None
    config: Config | None = None
    keep_rank: bool = False

    @property
    def n_free(self) -> int:
        """Free weights: components minus groups (each group's weights sum to 1)."""
        return len(self.codes) - self.P.G.shape[0]

    def rounding_bound(self, w: np.ndarray, params: Mapping[str, float], agg: str,
                       scale: str) -> float:
        """The largest error rounding alone can cause for this fit (module docstring)."""
        if self.rounding is not None:
            return float(self.rounding)
        b = abs(params.get("b", 1.0))
        if scale in ("leader", "minmax"):
            span = params.get("max", 1.0) - params.get("min", 0.0)
            b = 100.0 / span if span > 0 else 1.0
        m = float((self.P.mult * w).sum()) if agg == "arithmetic" else 1.0
        return 0.5 * 10.0**-self.d_pub + 0.5 * 10.0**-self.d_comp * b * m


def _targets(published: pd.Series | Mapping[str, float]) -> pd.Series:
    pub = pd.Series(published, dtype=float).copy()
    pub.index = pub.index.map(str)
    if pub.isna().any():
        raise DataError(f"calibrate: published score missing for unit(s) "
                        f"{pub.index[pub.isna()].tolist()[:20]}")
    if pub.index.duplicated().any():
        raise DataError(f"calibrate: duplicated unit(s) in published scores "
                        f"{pub.index[pub.index.duplicated()].tolist()[:20]}")
    return pub


def _config_design(config: Any, level: int | None, data: Any,
                   overrides: Mapping[str, Any] | None) -> tuple[Any, ...]:
    """Config mode: the run's components at ``level`` (weights section applied), groups,
    multipliers, framework, aggregator, prior and the resolved config."""
    from ..pipeline import run

    cfg = resolve_config(config, overrides)
    res = run(cfg, data=data)
    lvl = None if level is None or int(level) == 1 else int(level)
    d = linear_design(res, lvl, what="calibration", geometric_root=True)
    rs = dict(cfg.rescale or {})
    if rs.get("nodes") not in (None, "root", [res.framework.root]) \
            and str(rs.get("method", "none")) != "none":
        raise MethodError(f"calibration: the config rescales aggregates other than the root "
                          f"(rescale.nodes = {rs.get('nodes')!r}); calibration fits the root's "
                          "scale, so rescale the root only")
    return d.X, d.groups, d.mult, d.framework, d.aggregator, d.nominal, cfg


def _weight_bounds(codes: list[str], bounds: tuple[float, float | None],
                   upper: Mapping[str, float] | None) -> tuple[np.ndarray, np.ndarray]:
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
    return lo, hi


def _tolerances(tol: float | Mapping[str, float] | None, targets: pd.Series,
                default: float) -> np.ndarray:
    """Tolerance per target: a number, a mapping unit → tolerance (others: ``default``), or
    ``None`` (``default``, the rounding of the published figures)."""
    if tol is None:
        return np.full(len(targets), default)
    if isinstance(tol, Mapping):
        unknown = sorted(set(map(str, tol)) - set(targets.index))
        if unknown:
            raise DataError(f"calibrate: tolerances for unit(s) without a published score "
                            f"{unknown}")
        t = pd.Series({str(k): float(v) for k, v in tol.items()}, dtype=float)
        out = t.reindex(targets.index).fillna(default).to_numpy(dtype=float)
    else:
        out = np.full(len(targets), float(tol))
    if not (np.isfinite(out).all() and (out >= 0).all()):
        raise ConfigError(f"calibrate: tolerances must be finite and >= 0, got {tol!r}")
    return out


def setup_problem(published: pd.Series | Mapping[str, float],
                  components: pd.DataFrame | None = None, *, config: Any = None,
                  level: int | None = None, scale: Scale = "auto",
                  prior: pd.Series | Mapping[str, float] | None = None,
                  tol: float | Mapping[str, float] | None = None,
                  aggregator: Literal["arithmetic", "geometric"] = "arithmetic",
                  bounds: tuple[float, float | None] = (0, None),
                  mode: Literal["auto", "least_squares", "min_change"] = "auto",
                  keep_rank: bool = False, rank_margin: float = 0.0,
                  upper: Mapping[str, float] | None = None, rounding: float | None = None,
                  data: Any = None, overrides: Mapping[str, Any] | None = None
                  ) -> CalibrationProblem:
    """Step 1 of :func:`calibrate` (same parameters): validate the inputs and build the
    problem."""
    if (components is None) == (config is None):
        raise ConfigError("calibrate: give exactly one of components= or config=")
    if aggregator not in _AGGS:
        raise MethodError(f"calibrate: unknown aggregator {aggregator!r}; use {_AGGS}")
    scale = canonical_scale(scale)
    pub = _targets(published)
    fw = cfg = None
    if config is not None:
        X, groups, mult, fw, aggregator, fw_prior, cfg = _config_design(config, level, data,
                                                                         overrides)
        prior = fw_prior if prior is None else prior
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
    G = (groups[codes].to_numpy()[None, :] == np.array(gcodes, dtype=object)[:, None]
         ).astype(float)
    lo, hi = _weight_bounds(codes, bounds, upper)
    P = _Problem(Xc.to_numpy(dtype=float), Xc.index.get_indexer(targets.index),
                 targets.to_numpy(dtype=float), mult[codes].to_numpy(dtype=float), G, lo, hi)
    if keep_rank:
        if aggregator != "arithmetic" or scale not in ("none", "auto") \
                or mode == "least_squares":
            raise MethodError("calibrate: keep_rank needs aggregator='arithmetic', scale='none' "
                              "and the min-change mode (a few headline scores)")
        if not np.isfinite(rank_margin) or rank_margin < 0:
            raise MethodError(f"calibrate: rank_margin must be >= 0, got {rank_margin}")
        P.A_ub, P.b_ub = _rank_constraints(P, rank_margin)
        scale = "none"
    equal_w = P.normalise(np.ones(len(codes)))
    prior_w = equal_w if prior is None else P.normalise(_check_prior(prior, codes,
                                                                     groups[codes]))
    d_pub, d_comp = decimals(P.y), decimals(P.X_all[P.t_idx])
    sum_m = float((G * P.mult).max(axis=1).sum())
    default_tol = rounding if rounding is not None else (
        0.5 * 10.0**-d_pub + 0.5 * 10.0**-d_comp * sum_m)
    use_mode = "min_change" if keep_rank else mode
    if use_mode == "auto":
        n_free = len(codes) - len(gcodes)
        extra = 2 if scale in ("affine", "auto") else 0
        use_mode = "min_change" if len(targets) <= n_free + extra else "least_squares"
    if len(targets) < 2 and use_mode == "least_squares":
        raise DataError("calibrate: least squares needs at least 2 published scores")
    return CalibrationProblem(
        P=P, codes=codes, groups=groups[codes], targets=targets, excluded=excluded,
        aggregator=aggregator, scale=scale, mode=use_mode, prior=prior_w, equal=equal_w,
        tol=_tolerances(tol, targets, default_tol), d_pub=d_pub, d_comp=d_comp,
        units=Xc.index, rounding=rounding, level=level, framework=fw, config=cfg,
        keep_rank=keep_rank)


# ------------------------------------------------------------------------------- solve
def solve(problem: CalibrationProblem) -> tuple[pd.DataFrame, dict[tuple[str, str], Any]]:
    """Step 2 of :func:`calibrate`: fit every aggregator × scale.

    Returns
    -------
    alternatives : DataFrame
        One row per fit: ``aggregator, scale, max_abs_error, rmse, r2, rounding, outside,
        fits, feasible`` and the weights ``w_<code>``.
    fits : dict
        ``(aggregator, scale)`` → ``(weights, feasible, max error or LP bound, params)``.
    """
    P = problem.P
    aggs = [problem.aggregator] + [a for a in _AGGS if a != problem.aggregator]
    if (P.X_all <= 0).any() or (P.y <= 0).any():
        if problem.aggregator == "geometric":
            raise MethodError("calibrate: geometric mean needs positive component and published "
                              "scores")
        aggs = ["arithmetic"]
    scales = ["none"] if problem.keep_rank else list(SCALES)
    if problem.keep_rank:
        aggs = aggs[:1]
    rows, fits = [], {}
    with _progress.step("calibration fits", total=len(aggs) * len(scales)) as advance:
        for agg, sc in ((a, s) for a in aggs for s in scales):
            try:
                w, feas, mx, fixed = _fit_one(problem, agg, sc)
            except (np.linalg.LinAlgError, ValueError, MethodError) as exc:
                if agg == problem.aggregator and sc == problem.scale:
                    raise MethodError(f"calibrate: the {agg} mean with scale {sc} could not "
                                      f"be fitted ({exc})") from None
                continue  # an alternative that cannot be fitted is not offered
            finally:
                advance()
            f, par = P.predict(w, agg, sc, fixed)
            m_abs, rmse, r2 = fit_statistics(P.y, f)
            bound = problem.rounding_bound(w, par, agg, sc)
            outside, ok = _consistency(P.y - f, bound)
            fits[(agg, sc)] = (w, feas, m_abs if mx is None else mx, par)
            rows.append({"aggregator": agg, "scale": sc, "max_abs_error": m_abs, "rmse": rmse,
                         "r2": r2, "rounding": bound, "outside": outside,
                         "fits": bool(feas) if problem.mode == "min_change" else ok,
                         "feasible": feas,
                         **{f"w_{c}": v for c, v in zip(problem.codes, w, strict=True)}})
    return pd.DataFrame(rows), fits


def _fit_one(problem: CalibrationProblem, agg: str, scale: str
             ) -> tuple[np.ndarray, bool | None, float | None, dict[str, float] | None]:
    """One fit: ``(weights, feasible, max error or LP bound, fixed scale constants)`` (the
    last three ``None`` in least-squares mode; the constants ``None`` unless the affine LP
    set them, see :func:`_fit_min_change`)."""
    if problem.mode == "least_squares":
        return _fit_ls(problem.P, agg, scale, [problem.prior, problem.equal]), None, None, None
    return _fit_min_change(problem.P, agg, scale, problem.prior, problem.tol, [problem.equal])


def _consistency(resid: np.ndarray, rounding: float) -> tuple[int, bool]:
    """Units outside ``_SLACK × rounding`` and whether the fit counts as consistent (every
    residual inside, or at most 2 % of the units — at least one — with the RMSE inside)."""
    out = int((np.abs(resid) > _SLACK * rounding + 1e-9).sum())
    few = max(1, int(np.floor(0.02 * len(resid))))
    rm = float(np.sqrt(np.mean(np.asarray(resid) ** 2)))
    return out, out == 0 or (out <= few and rm <= rounding)


# ------------------------------------------------------------------------------- report
def _choose(problem: CalibrationProblem, alt: pd.DataFrame) -> tuple[str, bool]:
    """The scale reported: the requested one, or with ``auto`` the first (simplest) that fits,
    else the best; and whether it fits."""
    mine = alt[alt["aggregator"] == problem.aggregator]
    if problem.scale != "auto":
        row = mine[mine["scale"] == problem.scale].iloc[0]
        return problem.scale, bool(row["fits"])
    ok = mine[mine["fits"]]
    if len(ok):
        return str(ok.iloc[0]["scale"]), True
    key = "rmse" if problem.mode == "least_squares" else "max_abs_error"
    return str(mine.sort_values(key, kind="stable").iloc[0]["scale"]), False


def report(problem: CalibrationProblem, alt: pd.DataFrame,
           fits: Mapping[tuple[str, str], Any]) -> CalibrationResult:
    """Step 3 of :func:`calibrate`: the chosen fit, its statistics and statement."""
    P = problem.P
    agg = problem.aggregator
    chosen, ok = _choose(problem, alt)
    w, feas, best_err, par0 = fits[(agg, chosen)]
    f, par = P.predict(w, agg, chosen, par0)  # the fit's own constants (e.g. the affine LP's)
    m_abs, rmse, r2 = fit_statistics(P.y, f)
    rounding = problem.rounding_bound(w, par, agg, chosen)
    resid = pd.Series(P.y - f, index=problem.targets.index, name="residual")
    weights = pd.Series(w, index=pd.Index(problem.codes, dtype=object), name="weight")
    groups = problem.groups
    statement = _statement(problem, alt, chosen, ok, resid, rounding, feas, best_err)
    fw, out_fw = problem.framework, None
    level = problem.level
    if fw is not None:
        if level is None or level == 1:
            local = _local_from_effective(fw, weights)
            out_fw = fw.with_weights(local)
            if level is None:
                weights = pd.Series(local, dtype=float, name="weight")
                groups = pd.Series({c: fw.parent(c) for c in weights.index}, dtype=object)
        else:
            out_fw = fw.with_weights(weights.to_dict())
    return CalibrationResult(
        weights=weights, groups=groups.reindex(weights.index), published=problem.targets,
        fitted=pd.Series(f, index=problem.targets.index, name="fitted"), residuals=resid,
        max_abs_error=m_abs, rmse=rmse, r2=r2, scale=chosen, scale_params=par,
        aggregator=agg, mode=problem.mode, feasible=feas, consistent=ok,
        rounding=float(rounding), statement=statement, alternatives=alt,
        excluded=problem.excluded, level=level, framework=out_fw, tol=problem.tol,
        config=problem.config, problem=problem)


def calibrate(published: pd.Series | Mapping[str, float],
              components: pd.DataFrame | None = None, *,
              config: Any = None, level: int | None = None, scale: Scale = "auto",
              prior: pd.Series | Mapping[str, float] | None = None,
              tol: float | Mapping[str, float] | None = None,
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
        A config (path, mapping or :class:`~aiindex.config.Config`): the pipeline is run (with
        its ``weights`` section) and the scores at ``level`` are the components (see module
        docstring). Its ``rescale`` may only concern the root (the fit replaces it).
    level
        Config mode: level whose local weights are fitted; ``None``/1 = metrics (whole tree).
    scale
        ``auto`` (default: the simplest scale that fits at the rounding), ``none``, ``leader``
        (alias ``leader100``), ``minmax`` or ``affine``.
    prior
        Prior weights for the underdetermined case (default: the framework's weights in config
        mode, else equal weights); normalised within groups. Weights must be finite and
        >= 0 with a positive weight in every group of siblings, else ``ConfigError`` (a bad
        prior is never clipped or replaced by equal weights).
    tol
        Tolerance on each target in the underdetermined case (score units): a number or a
        mapping unit → tolerance; default the rounding bound of the published figures
        (``0.5·10^-d_pub + 0.5·10^-d_comp·Σ m``).
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
    problem = setup_problem(published, components, config=config, level=level, scale=scale,
                            prior=prior, tol=tol, aggregator=aggregator, bounds=bounds,
                            mode=mode, keep_rank=keep_rank, rank_margin=rank_margin,
                            upper=upper, rounding=rounding, data=data, overrides=overrides)
    alt, fits = solve(problem)
    return report(problem, alt, fits)


def _others_that_fit(alt: pd.DataFrame, agg: str, scale: str) -> str:
    """'aggregator mean with scale s (RMSE ...)' for every other fit that fits."""
    ok = alt[alt["fits"] & ~((alt["aggregator"] == agg) & (alt["scale"] == scale))]
    return "; ".join(f"the weighted {r['aggregator']} mean with scale {r['scale']} (max abs "
                     f"error {r['max_abs_error']:.4g}, RMSE {r['rmse']:.4g})"
                     for _, r in ok.iterrows())


def _statement(problem: CalibrationProblem, alt: pd.DataFrame, scale: str, ok: bool,
               resid: pd.Series, rounding: float, feas: bool | None,
               best_err: float) -> str:
    """The plain-language verdict on the chosen fit, naming the fits that would work."""
    agg, n = problem.aggregator, len(resid)
    others = _others_that_fit(alt, agg, scale)
    tol = problem.tol
    tol_txt = f"±{tol[0]:g}" if np.ptp(tol) == 0 else f"their tolerances (±{tol.min():g}–"\
        f"{tol.max():g})"
    auto_fail = problem.scale == "auto" and not ok
    if problem.mode == "min_change":
        if feas:
            return (f"Non-negative weights reproduce all {n} published score(s) within "
                    f"{tol_txt} with a weighted {agg} mean (scale {scale}); the weights "
                    f"shown are the closest to the prior. Max abs error "
                    f"{float(resid.abs().max()):.4g}.")
        parts = [f"No non-negative weights reproduce the {n} published score(s) within "
                 f"{tol_txt} with a weighted {agg} mean (scale {scale}"
                 + (", nor with any other scale" if auto_fail else "")
                 + f"): the smallest achievable maximum error is {best_err:.4g}. The weights "
                 "shown minimise it."]
    else:
        limit = _SLACK * rounding + 1e-9
        out = resid[resid.abs() > limit]
        rm = float(np.sqrt((resid**2).mean()))
        verdict = ("ARE consistent" if ok and out.empty else
                   f"are consistent except for {len(out)} unit(s) "
                   f"({', '.join(map(str, out.index[:5]))})" if ok else "are NOT consistent")
        parts = [f"The published scores {verdict} with a weighted {agg} mean of the "
                 f"{len(problem.codes)} components (scale {scale}) at the level of rounding: "
                 f"max abs error {resid.abs().max():.4g} vs rounding bound {rounding:.3g}, "
                 f"RMSE {rm:.4g}, {len(out)} of {n} units outside the bound."]
        if auto_fail:
            parts.append("No scale (none, leader, minmax, affine) fits at the rounding; the "
                         f"best, {scale}, is shown.")
    if not ok:
        parts.append(f"It would fit with {others}: calibrate with that scale/aggregator."
                     if others else "No other aggregator or scale tried fits either.")
    elif others:
        parts.append(f"Also consistent: {others}.")
    return " ".join(parts)


# ------------------------------------------------------------------------------- pieces
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
