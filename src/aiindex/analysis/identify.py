"""What a published score pins down: the identifiability report of a calibration.

A calibration (:func:`aiindex.analysis.calibrate.calibrate`) returns *one* weight vector. This
module describes *all* of them: the **feasible set**, every weight vector (and scale constant)
that reproduces the published figures within their rounding tolerance, and what it implies.

The set. Write the model in the variables ``x = (a, v)``: a unit's predicted published score is
``a + D_u · v`` (``D`` = component scores × multipliers; for a geometric mean without rescaling,
``log`` of the score is ``D_u · v`` with ``D`` = log components). The weights are ``w = v / b``
with ``b`` the sum of a group's ``v`` (every group sums to the same ``b``):

=========== ===================================================================================
``none``    ``a = 0``, ``b = 1``
``affine``  ``a`` free, ``b > 0``
``leader``  ``a = 0``, every unit's ``D_u v <= 100`` (the leader is at 100)
``minmax``  ``0 <= a + D_u v <= 100`` for every unit
=========== ===================================================================================

plus ``|a + D_t v - y_t| <= tol_t`` for every target t and the weight bounds. Every condition is
linear in ``x``, so the set is a polytope. For ``leader``/``minmax`` it is exact when the
published figures include the unit at 100 (and at 0); otherwise it contains the true set and
the ranges below are outer bounds (the report says so).

Over the set, :func:`identifiability` reports

* each weight's ``[min, max]`` (a ratio ``v_j / b`` of linear functions: extremes at vertices,
  or Charnes–Cooper linear programmes);
* each unit's ``[min, max]`` score and ``[best, worst]`` rank, exactly
  (:func:`aiindex.weights.polytope.rank_ranges`: pairwise dominance counts, certified by one LP
  or settled by a mixed-integer programme);
* the rank of the constraint system (linearised at the fit) against the number of free weights;
* a verdict: **identified** (every weight within ``±delta``), **partly identified** (some), or
  **not identified** (none);
* null checks: the *swap test* (how many other assignments of the published values to the target
  units are also feasible: all of them for up to 6 targets, else every transposition up to 20
  targets, else random ones), *leave-one-target-out* (each target's score range and Chebyshev
  prediction from the others), and the *fit on permuted data* (the smallest achievable maximum
  error when the published values are shuffled among the targets, against the real one).

When no weights meet every target within its tolerance, the targets the chosen fit leaves
outside ``1.1 ×`` their tolerance are set aside (if that is at most 2 % of them, at least one),
and if that is not enough the tolerance is widened to the smallest feasible one; the report
says which.
"""

from __future__ import annotations

import html
import itertools
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import _progress
from .._io import OutputDir
from ..errors import MethodError
from ..weights.polytope import Polytope, charnes_cooper, rank_ranges, ratio_extremes
from .calibrate import CalibrationProblem, CalibrationResult, calibrate

__all__ = ["identifiability", "IdentifiabilityReport"]


# ------------------------------------------------------------------------------- the set
@dataclass
class _Model:
    """The calibration model in the variables ``x = (a, v)``."""

    base: Polytope  # scale and weight constraints (no targets)
    D: np.ndarray  # units with data × k
    t_idx: np.ndarray
    y: np.ndarray
    geometric: bool
    den: np.ndarray  # b = den · x
    exact: bool
    note: str

    def target_rows(self, y: np.ndarray, tol: np.ndarray, rows: np.ndarray | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
        """``A x <= b`` for ``|prediction_t - y_t| <= tol_t`` (in logs for a geometric mean)."""
        idx = self.t_idx if rows is None else self.t_idx[rows]
        y = np.asarray(y, dtype=float)
        tol = np.asarray(tol, dtype=float)
        A = np.column_stack([np.ones(len(idx)) * (not self.geometric), self.D[idx]])
        if self.geometric:
            with np.errstate(divide="ignore", invalid="ignore"):
                lo = np.where(y - tol > 0, np.log(np.maximum(y - tol, 1e-300)), -np.inf)
            hi = np.log(y + tol)
        else:
            lo, hi = y - tol, y + tol
        keep = np.isfinite(lo)
        return np.vstack([A, -A[keep]]), np.concatenate([hi, -lo[keep]])

    def feasible(self, y: np.ndarray, tol: np.ndarray, rows: np.ndarray | None = None
                 ) -> Polytope:
        """The feasible set for targets ``y`` (the target rows ``rows``)."""
        A, b = self.target_rows(y, tol, rows)
        return self.base.add(A, b)

    def scores(self, x: np.ndarray) -> np.ndarray:
        """Predicted published scores of every unit at ``x`` (rows)."""
        s = np.atleast_2d(x)[:, 1:] @ self.D.T
        return np.exp(s) if self.geometric else s + np.atleast_2d(x)[:, :1]


def _model(problem: CalibrationProblem, agg: str, scale: str, tol: np.ndarray) -> _Model:
    """Scale and weight constraints of the calibration model (module docstring)."""
    P = problem.P
    k = P.k
    geometric = agg == "geometric"
    if geometric and scale != "none":
        raise MethodError("identifiability: a geometric mean is supported without rescaling "
                          f"(scale none), not with scale {scale!r}")
    D = np.log(P.X_all) if geometric else P.X_all * P.mult
    G, G0 = P.G, P.G[0]
    Z = lambda m: np.zeros((m, 1))  # noqa: E731 - the a column
    rows, rhs, eq, eq_rhs = [], [], [], []
    lb = np.concatenate([[-np.inf], np.zeros(k)])
    ub = np.full(k + 1, np.inf)
    note, exact = "", True
    if scale == "none":
        lb[0] = ub[0] = 0.0
        lb[1:], ub[1:] = P.lo, P.hi
        eq.append(np.hstack([Z(len(G)), G]))
        eq_rhs.append(np.ones(len(G)))
        if P.A_ub is not None and P.b_ub is not None:
            rows.append(np.hstack([Z(len(P.A_ub)), P.A_ub]))
            rhs.append(P.b_ub)
    else:
        eye = np.eye(k)
        eq.append(np.hstack([Z(len(G) - 1), G[1:] - G0]))
        eq_rhs.append(np.zeros(len(G) - 1))
        rows += [np.concatenate([[0.0], -G0])[None, :]]
        rhs += [np.array([-1e-9])]
        fin = np.isfinite(P.hi)
        rows += [np.hstack([Z(k), P.lo[:, None] * G0[None, :] - eye]),
                 np.hstack([Z(int(fin.sum())), eye[fin] - P.hi[fin, None] * G0[None, :]])]
        rhs += [np.zeros(k), np.zeros(int(fin.sum()))]
        tc = float(np.max(tol))
        if scale in ("leader", "minmax"):
            n = len(D)
            if scale == "leader":
                lb[0] = ub[0] = 0.0
            rows.append(np.hstack([np.ones((n, 1)), D]))
            rhs.append(np.full(n, 100.0 + tc))
            if scale == "minmax":
                rows.append(np.hstack([-np.ones((n, 1)), -D]))
                rhs.append(np.full(n, tc))
            top = P.y.max() >= 100.0 - tc
            bottom = scale == "leader" or P.y.min() <= tc
            exact = bool(top and bottom)
            if not exact:
                note = ("the published figures do not include the unit at 100"
                        + (" and the unit at 0" if scale == "minmax" else "")
                        + ": the set contains the true one, and its ranges are outer bounds")
    base = Polytope.make(k + 1, A_ub=np.vstack(rows) if rows else None,
                         b_ub=np.concatenate(rhs) if rhs else None,
                         A_eq=np.vstack(eq) if eq else None,
                         b_eq=np.concatenate(eq_rhs) if eq_rhs else None, lb=lb, ub=ub)
    return _Model(base=base, D=D, t_idx=P.t_idx, y=P.y, geometric=geometric,
                  den=np.concatenate([[0.0], G0]), exact=exact, note=note)


def _chebyshev(m: _Model, y: np.ndarray, tol: np.ndarray, rows: np.ndarray | None = None
               ) -> tuple[float, np.ndarray | None]:
    """Smallest ``t`` with every ``|error_u| <= t · tol_u / max(tol)`` (the smallest achievable
    maximum error for equal tolerances) and a point attaining it."""
    A, b = m.target_rows(y, np.zeros(len(y)), rows)
    rho = np.asarray(tol, dtype=float) / max(float(np.max(tol)), 1e-300)
    r = np.concatenate([rho, rho])[: len(A)]
    base = m.base
    poly = Polytope.make(base.dim + 1,
                         A_ub=np.vstack([np.hstack([A, -r[:, None]]),
                                         np.hstack([base.A_ub, np.zeros((len(base.A_ub), 1))])]),
                         b_ub=np.concatenate([b, base.b_ub]),
                         A_eq=np.hstack([base.A_eq, np.zeros((len(base.A_eq), 1))]),
                         b_eq=base.b_eq, lb=np.concatenate([base.lb, [0.0]]),
                         ub=np.concatenate([base.ub, [np.inf]]))
    res = poly.lp(np.concatenate([np.zeros(base.dim), [1.0]]))
    if not res.ok or res.x is None:
        return float("inf"), None
    return float(res.x[-1]), res.x[:-1]


def _settle_set(m: _Model, res: CalibrationResult, tol: np.ndarray
                ) -> tuple[Polytope, np.ndarray, np.ndarray, str]:
    """The feasible set at ``tol``; when empty, without the fit's outliers, else at the smallest
    feasible tolerance. Returns the set, the target rows used, the tolerances and a note."""
    rows = np.arange(len(m.y))
    poly = m.feasible(m.y, tol)
    if not poly.is_empty:
        return poly, rows, tol, ""
    out = np.abs(res.residuals.to_numpy()) > 1.1 * tol + 1e-9
    if 0 < out.sum() <= max(1, int(0.02 * len(m.y))):
        keep = np.nonzero(~out)[0]
        poly = m.feasible(m.y[keep], tol[keep], keep)
        if not poly.is_empty:
            names = ", ".join(map(str, res.residuals.index[out]))
            return poly, keep, tol, (f"no weights meet every target within its tolerance; "
                                     f"the fit's outlier(s) {names} are set aside")
    t, _ = _chebyshev(m, m.y, tol)
    scale = max(1.0, t / max(float(np.max(tol)), 1e-300)) * (1 + 1e-6) + 1e-12
    wide = tol * scale
    return (m.feasible(m.y, wide), rows, wide,
            f"no weights meet every target within its tolerance; the tolerances are widened "
            f"× {scale:.3g} to the smallest feasible (max ±{float(np.max(wide)):.4g})")


def _verdict(half: np.ndarray, delta: float, n_targets: int, n_free: int, rank: int) -> str:
    within = int((half <= delta + 1e-12).sum())
    k = len(half)
    under = (f" ({n_targets} target(s) for {n_free} free weight(s), constraint rank {rank}: "
             "the targets cannot determine the weights even without rounding)"
             if rank < n_free else "")
    if within == k:
        return f"identified: every weight within ±{delta:g}" + under
    if within:
        return f"partly identified: {within} of {k} weights within ±{delta:g}" + under
    return f"not identified: no weight is pinned down within ±{delta:g}" + under


def _rank_of_system(res: CalibrationResult) -> int:
    """Rank of the targets' Jacobian in the free directions of the weights (at the fit)."""
    from scipy.linalg import null_space

    P = res.problem.P
    w = res.problem.P.normalise(np.asarray(res.alternatives.loc[
        (res.alternatives["aggregator"] == res.aggregator)
        & (res.alternatives["scale"] == res.scale),
        [f"w_{c}" for c in res.problem.codes]].iloc[0], dtype=float))
    J = P.jacobian(w, res.aggregator, res.scale)
    N = null_space(P.G)
    if J is None:  # affine: a, b and the weights' free directions
        s = P.raw(w, res.aggregator)[P.t_idx]
        b = abs(res.scale_params.get("b", 1.0))
        Dt = (P.X_all * P.mult)[P.t_idx]
        M = np.column_stack([np.ones(len(s)), s, b * Dt @ N])
    else:
        M = J @ N
    return int(np.linalg.matrix_rank(M, tol=1e-9 * max(1.0, float(np.abs(M).max(initial=0)))))


# ------------------------------------------------------------------------------- null checks
def _permutations(n: int, n_perm: int, rng: np.random.Generator
                  ) -> tuple[str, list[np.ndarray]]:
    """The swap test's assignments (identity excluded): all of them for n <= 6, every
    transposition for n <= 20, else ``n_perm`` random transpositions and permutations."""
    ident = np.arange(n)
    if n <= 6:
        perms = [np.array(p) for p in itertools.permutations(range(n))][1:]
        return "every other assignment", perms
    pairs = list(itertools.combinations(range(n), 2))
    if n > 20:
        pairs = [pairs[i] for i in rng.choice(len(pairs), size=min(n_perm, len(pairs)),
                                              replace=False)]
    perms = []
    for i, j in pairs:
        p = ident.copy()
        p[[i, j]] = p[[j, i]]
        perms.append(p)
    kind = "every transposition" if n <= 20 else f"{len(pairs)} random transpositions"
    if n > 20:
        perms += [rng.permutation(n) for _ in range(n_perm)]
        kind += f" and {n_perm} random permutations"
    return kind, perms


def _swap_test(m: _Model, rows: np.ndarray, tol: np.ndarray, n_perm: int,
               rng: np.random.Generator) -> dict[str, Any]:
    y = m.y[rows]
    kind, perms = _permutations(len(y), n_perm, rng)
    perms = [p for p in perms if not np.array_equal(y[p], y)]  # moves equal values: no-op
    ok = [not m.feasible(y[p], tol[rows], rows).is_empty for p in perms]
    return {"kind": kind, "perms": perms, "ok": ok}


def _leave_one_out(m: _Model, rows: np.ndarray, tol: np.ndarray, units: pd.Index
                   ) -> pd.DataFrame:
    """Each target's score range and Chebyshev prediction from the other targets."""
    out = []
    for i in range(len(rows)):  # one small LP pair per target
        others = np.delete(rows, i)
        t_row = m.t_idx[rows[i]]
        c = np.concatenate([[0.0 if m.geometric else 1.0], m.D[t_row]])
        if len(others):
            poly = m.feasible(m.y[others], tol[others], others)
            _, x = _chebyshev(m, m.y[others], tol[others], others)
        else:
            poly, x = m.base, m.base.point
        lo = hi = float("nan")
        if not poly.is_empty:
            lo, hi = poly.extremes(c[None, :], use_vertices=False, unbounded="inf")
            lo, hi = float(lo[0]), float(hi[0])
        pred = float(m.scores(x)[0, t_row]) if x is not None else float("nan")
        if m.geometric:
            lo, hi = math.exp(lo) if np.isfinite(lo) else lo, math.exp(hi) if np.isfinite(hi) \
                else hi
        y = float(m.y[rows[i]])
        out.append({"uCode": str(units[t_row]), "published": y, "predicted": pred,
                    "error": y - pred, "range_min": lo, "range_max": hi,
                    "within_range": bool(lo - tol[rows[i]] <= y <= hi + tol[rows[i]])})
    return pd.DataFrame(out).set_index("uCode")


def _permuted_fit(m: _Model, rows: np.ndarray, tol: np.ndarray, n: int,
                  rng: np.random.Generator) -> pd.DataFrame:
    """Smallest achievable max error on the real targets and on ``n`` shuffles of them."""
    y = m.y[rows]
    out = [{"data": "published", "max_error": _chebyshev(m, y, tol[rows], rows)[0]}]
    for i in range(n if len(y) > 1 else 0):
        out.append({"data": f"permutation {i + 1}",
                    "max_error": _chebyshev(m, y[rng.permutation(len(y))], tol[rows], rows)[0]})
    return pd.DataFrame(out)


# ------------------------------------------------------------------------------- report
@dataclass
class IdentifiabilityReport:
    """Result of :func:`identifiability` (see the module docstring).

    Attributes
    ----------
    verdict : str
        ``identified: ...``, ``partly identified: ...`` or ``not identified: ...``.
    weights : DataFrame
        Per weight: ``group, fitted, min, max, half_width, within`` (``±delta``).
    units : DataFrame
        Per unit with data: ``target, published, fitted, residual, score_min, score_max,
        rank_fitted, rank_best, rank_worst, n_necessarily_above, n_possibly_above``.
    swaps : DataFrame
        Swap test: ``assignment`` (``A→B``: unit B takes A's published value; assignments that
        only move equal values are skipped), ``feasible``.
    loo : DataFrame
        Leave-one-target-out: ``published, predicted, error, range_min, range_max,
        within_range``.
    permuted : DataFrame
        Smallest achievable max error on the published targets and on shuffles of them.
    info : dict
        ``n_targets, n_free, rank, tol_min, tol_max, scale, aggregator, exact, note,
        swap_kind, seconds``.
    calibration : CalibrationResult
        The calibration analysed.
    """

    verdict: str
    weights: pd.DataFrame
    units: pd.DataFrame
    swaps: pd.DataFrame
    loo: pd.DataFrame
    permuted: pd.DataFrame
    info: dict[str, Any] = field(default_factory=dict)
    calibration: CalibrationResult | None = field(default=None, repr=False)

    @property
    def identified(self) -> bool:
        """Whether every weight is within ``±delta``."""
        return self.verdict.startswith("identified")

    def null_checks(self) -> pd.DataFrame:
        """The three null checks in one table (``check, result``)."""
        i = self.info
        pm = self.permuted
        real = float(pm["max_error"].iloc[0])
        shuffled = pm["max_error"].iloc[1:]
        rows = [("swap test", f"{int(self.swaps['feasible'].sum())} of {len(self.swaps)} other "
                              f"assignment(s) of the published values ({i['swap_kind']}) are "
                              "also feasible"),
                ("leave one target out", f"{int(self.loo['within_range'].sum())} of "
                                         f"{len(self.loo)} target(s) inside the range the "
                                         f"others allow; median |error| of the prediction "
                                         f"{float(self.loo['error'].abs().median()):.4g}")]
        if len(shuffled):
            rows.append(("fit on permuted data",
                         f"smallest max error {real:.4g} on the published values, median "
                         f"{float(shuffled.median()):.4g} over {len(shuffled)} shuffles "
                         f"({int((shuffled <= i['tol_max'] * (1 + 1e-9)).sum())} within the "
                         "tolerance)"))
        return pd.DataFrame(rows, columns=["check", "result"])

    def summary(self, units: list[str] | None = None) -> str:
        """The verdict, the weight ranges, the null checks and the widest rank ranges."""
        i = self.info
        lines = [f"Identifiability ({i['aggregator']} mean, scale {i['scale']}): "
                 f"{self.verdict}",
                 f"{i['n_targets']} target(s), {i['n_free']} free weight(s), constraint rank "
                 f"{i['rank']}; tolerance ±{i['tol_min']:.3g}"
                 + (f"–{i['tol_max']:.3g}" if i['tol_max'] > i['tol_min'] else "")]
        if i.get("note"):
            lines.append(f"note: {i['note']}")
        with pd.option_context("display.width", 160, "display.max_columns", None):
            lines += ["weights over the feasible set:",
                      self.weights.to_string(float_format=lambda v: f"{v:.4f}")]
            lines += ["null checks:", self.null_checks().to_string(index=False)]
            u = self.units
            has_ranks = "rank_best" in u
            wide = u.assign(width=u["rank_worst"] - u["rank_best"]) if has_ranks else \
                u.assign(width=u["score_max"] - u["score_min"])
            sel = u.loc[[c for c in units if c in u.index]] if units else \
                wide.sort_values(["width", "rank_fitted"], ascending=[False, True]).head(10)
            cols = ["published", "fitted", "score_min", "score_max", "rank_fitted"] + (
                ["rank_best", "rank_worst"] if has_ranks else [])
            lines += [("rank" if has_ranks else "score") + " ranges over the feasible set"
                      + ("" if units else " (widest)") + ":",
                      sel[cols].to_string(float_format=lambda v: f"{v:.2f}")]
        return "\n".join(lines)

    def to_csv(self, path: str | Path, *, command: str = "") -> list[Path]:
        """Write ``weights.csv``, ``units.csv``, ``swaps.csv``, ``loo.csv``, ``permuted.csv``,
        ``null_checks.csv``, ``residuals.csv`` and ``summary.txt`` into the folder ``path``
        (atomically, with a manifest)."""
        cal = self.calibration
        with OutputDir(path, command=command, config=getattr(cal, "config", None),
                       extra={"verdict": self.verdict}) as out:
            out.write_csv("weights.csv", self.weights, float_format="%.10g")
            out.write_csv("units.csv", self.units, float_format="%.10g")
            out.write_csv("swaps.csv", self.swaps, index=False)
            out.write_csv("loo.csv", self.loo, float_format="%.10g")
            out.write_csv("permuted.csv", self.permuted, index=False, float_format="%.10g")
            out.write_csv("null_checks.csv", self.null_checks(), index=False)
            if cal is not None:
                out.write_csv("residuals.csv", cal.residuals.to_frame(), float_format="%.10g")
            out.write_text("summary.txt", self.summary() + "\n")
        return out.paths

    def html_section(self, heading: str = "What the published scores pin down") -> str:
        """The report as an HTML section (every text escaped), for :mod:`aiindex.outputs.report`."""
        def table(df: pd.DataFrame, index: bool = True) -> str:
            return df.to_html(index=index, float_format=lambda v: f"{v:.4g}", escape=True,
                              border=0, na_rep="—")

        i = self.info
        u = self.units
        cols = ["target", "published", "fitted", "score_min", "score_max", "rank_fitted"] + (
            ["rank_best", "rank_worst"] if "rank_best" in u else [])
        parts = [f"<h2 id='identifiability'>{html.escape(heading)}</h2>",
                 f"<p><strong>{html.escape(self.verdict)}</strong></p>",
                 f"<p>{i['n_targets']} published target(s), {i['n_free']} free weight(s), "
                 f"constraint rank {i['rank']}; {html.escape(str(i['aggregator']))} mean, scale "
                 f"{html.escape(str(i['scale']))}; tolerance ±{i['tol_max']:.3g}.</p>"]
        if i.get("note"):
            parts.append(f"<p class='note'>{html.escape(str(i['note']))}</p>")
        parts += ["<h3>Weights over the feasible set</h3>", table(self.weights),
                  "<h3>Null checks</h3>", table(self.null_checks(), index=False),
                  "<h3>Scores and ranks over the feasible set</h3>",
                  "<div class='scroll'>" + table(u.sort_values(["rank_fitted"])[cols])
                  + "</div>"]
        return "".join(parts)

    def __repr__(self) -> str:
        """The verdict and the range of every weight over the feasible set."""
        with pd.option_context("display.width", 120, "display.max_columns", None):
            w = self.weights.to_string(float_format=lambda v: f"{v:.4f}")
        return f"IdentifiabilityReport({self.verdict!r})\nweights over the feasible set:\n{w}"

    def _repr_html_(self) -> str:
        """:meth:`html_section` in a notebook (every text escaped)."""
        return self.html_section()


def identifiability(calibration: CalibrationResult | pd.Series | Any,
                    components: pd.DataFrame | None = None, *,
                    tol: float | Any = None, delta: float = 0.01, n_perm: int = 100,
                    n_fit_perm: int = 20, seed: int | None = 0, ranks: bool = True,
                    **calibrate_kwargs: Any) -> IdentifiabilityReport:
    """How much the published scores of a calibration pin down (module docstring).

    Parameters
    ----------
    calibration
        A :class:`~aiindex.analysis.calibrate.CalibrationResult`, or the published scores to
        calibrate first (with ``components`` or ``config=`` and the other
        ``calibrate_kwargs``).
    tol
        Tolerance of each target (a number or a mapping unit → tolerance); default the
        calibration's: the rounding bound of the published figures (least squares) or its
        ``tol`` (a few headline scores).
    delta
        A weight is pinned down when its range over the set is within ``±delta``.
    n_perm, n_fit_perm, seed
        Random assignments of the swap test (more than 20 targets), shuffles of the fit on
        permuted data, and their seed.
    ranks
        Compute the exact rank ranges of every unit (mixed-integer programmes).

    Returns
    -------
    IdentifiabilityReport

    Raises
    ------
    MethodError
        A geometric mean with a rescaled scale (not linear in the weights).
    """
    t0 = time.perf_counter()
    res = calibration if isinstance(calibration, CalibrationResult) else calibrate(
        calibration, components, **calibrate_kwargs)
    problem = res.problem
    if problem is None:
        raise MethodError("identifiability needs a CalibrationResult from calibrate()")
    P = problem.P
    if tol is None:
        base_tol = problem.tol if res.mode == "min_change" else np.full(len(P.y), res.rounding)
    else:
        from .calibrate import _tolerances

        base_tol = _tolerances(tol, problem.targets, float(np.max(problem.tol)))
    m = _model(problem, res.aggregator, res.scale, base_tol)
    poly, rows, tol_used, note = _settle_set(m, res, np.asarray(base_tol, dtype=float))
    note = "; ".join(x for x in (m.note, note) if x)
    rng = np.random.default_rng(seed)
    with _progress.step("identifiability checks", total=5) as advance:
        weights = _weight_table(res, problem, m, poly, delta)
        advance()
        units = _unit_table(res, problem, m, poly, ranks)
        advance()
        sw = _swap_test(m, rows, tol_used, n_perm, rng)
        advance()
        loo = _leave_one_out(m, rows, tol_used, problem.units)
        advance()
        permuted = _permuted_fit(m, rows, tol_used, n_fit_perm, rng)
        advance()
    names = problem.targets.index[rows].to_numpy()
    swaps = pd.DataFrame({"assignment": ["; ".join(f"{names[j]}→{names[i]}" for i, j in
                                                   enumerate(p) if i != j) for p in sw["perms"]],
                          "feasible": sw["ok"]})
    n_free, rank = problem.n_free, _rank_of_system(res)
    verdict = _verdict(weights["half_width"].to_numpy(), delta, len(rows), n_free, rank)
    info = {"n_targets": int(len(rows)), "n_free": int(n_free), "rank": int(rank),
            "tol_min": float(np.min(tol_used)), "tol_max": float(np.max(tol_used)),
            "scale": res.scale, "aggregator": res.aggregator, "exact": m.exact, "note": note,
            "swap_kind": sw["kind"], "delta": delta, "seconds": time.perf_counter() - t0}
    return IdentifiabilityReport(verdict=verdict, weights=weights, units=units, swaps=swaps,
                                 loo=loo, permuted=permuted, info=info, calibration=res)


def _weight_table(res: CalibrationResult, problem: CalibrationProblem, m: _Model,
                  poly: Polytope, delta: float) -> pd.DataFrame:
    k = len(problem.codes)
    N = np.hstack([np.zeros((k, 1)), np.eye(k)])
    lo, hi = ratio_extremes(poly, N, m.den)
    P = problem.P
    lo, hi = np.clip(lo, P.lo, P.hi), np.clip(hi, P.lo, P.hi)  # solver noise at the bounds
    fitted = res.alternatives.loc[(res.alternatives["aggregator"] == res.aggregator)
                                  & (res.alternatives["scale"] == res.scale),
                                  [f"w_{c}" for c in problem.codes]].iloc[0].to_numpy(float)
    half = (hi - lo) / 2
    return pd.DataFrame({"group": problem.groups.to_numpy(), "fitted": fitted, "min": lo,
                         "max": hi, "half_width": half, "within": half <= delta + 1e-12},
                        index=pd.Index(problem.codes, name="weight"))


def _unit_table(res: CalibrationResult, problem: CalibrationProblem, m: _Model,
                poly: Polytope, ranks: bool) -> pd.DataFrame:
    units = problem.units
    n = len(units)
    S = np.hstack([np.zeros((n, 1)), m.D])  # ranks: D v (a and b > 0 are common)
    C = S if m.geometric else np.hstack([np.ones((n, 1)), m.D])
    lo, hi = poly.extremes(C, unbounded="inf")
    if m.geometric:
        lo, hi = np.exp(lo), np.exp(hi)
    pub = problem.targets.reindex(units)
    x_fit = _fit_point(res, problem)
    fitted = m.scores(x_fit)[0]
    from ..weights.polytope import counts_above

    out = pd.DataFrame({"target": units.isin(problem.targets.index), "published": pub.to_numpy(),
                        "fitted": fitted, "residual": pub.to_numpy() - fitted,
                        "score_min": lo, "score_max": hi,
                        "rank_fitted": 1 + counts_above(fitted[None, :], 1e-9 * max(
                            1.0, float(np.abs(fitted).max())))[0]},
                       index=pd.Index(units, name="uCode"))
    if ranks:
        if np.isfinite(lo).all() and np.isfinite(hi).all():
            rr = rank_ranges(poly, S)
        else:  # scores unbounded (an affine scale b -> inf): ranks of w = v / b, a bounded set
            rr = rank_ranges(charnes_cooper(poly, m.den), np.hstack([S, np.zeros((n, 1))]))
        out["rank_best"], out["rank_worst"] = rr.best, rr.worst
        out["n_necessarily_above"] = rr.necessarily_above.sum(axis=1)
        out["n_possibly_above"] = rr.possibly_above.sum(axis=1)
    return out.sort_values("rank_fitted", kind="stable")


def _fit_point(res: CalibrationResult, problem: CalibrationProblem) -> np.ndarray:
    """The chosen fit as ``x = (a, v)``."""
    w = res.alternatives.loc[(res.alternatives["aggregator"] == res.aggregator)
                             & (res.alternatives["scale"] == res.scale),
                             [f"w_{c}" for c in problem.codes]].iloc[0].to_numpy(float)
    par = res.scale_params
    s = problem.P.raw(w, res.aggregator)
    if res.scale == "affine":
        a, b = par.get("a", 0.0), par.get("b", 1.0)
    elif res.scale == "leader":
        a, b = 0.0, 100.0 / s.max() if s.max() > 0 else 1.0
    elif res.scale == "minmax":
        span = s.max() - s.min()
        b = 100.0 / span if span > 0 else 1.0
        a = -b * s.min()
    else:
        a, b = 0.0, 1.0
    return np.concatenate([[a], b * w])
