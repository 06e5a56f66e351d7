"""Program steps (ops) and how one step is evaluated for a chunk of replications.

Three kinds of step, compiled by :mod:`.compile`:

* :class:`GroupOp`: a collapsed group of weighted means of one family with complete children.
  Per chunk: raw weights ``W (R, E)`` of the group's edges, normalised per member
  (``W @ ind`` gives the sums), multiplied down the group's depths into effective weights,
  then ``E_fixed (R, F) @ g(fixed frontier) (F, n)`` plus one broadcast term per varying
  frontier value, and ``g⁻¹``.
* :class:`MaskedOp`: one weighted mean with per-unit availability ``a``:
  ``num = W @ (a·g(x))``, ``den = W @ a`` (matrix products over units), ``y = g⁻¹(num/den)``.
* :class:`SlowOp`: any other aggregator, called as registered (row-wise aggregators once for
  all replications stacked; others once per replication).

Each step ends with the node's rescaling (:mod:`aiindex.stages.rescale`, along the units axis).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...config import MethodChoice
from ...errors import MethodError
from ...stages import AGGREGATORS
from ...stages.aggregate import build_weights
from ...stages.rescale import rescale_array
from .factors import _py

__all__ = ["Family", "Op", "GroupOp", "MaskedOp", "SlowOp", "Program", "family_of", "g_fwd",
           "g_inv", "run_op", "edge_weights", "dot"]

Describe = Callable[[int], str]

Family = tuple[Any, ...]


def family_of(method: str, params: Mapping[str, Any]) -> Family | None:
    """The weighted-mean family of an aggregator: ``("id",)``, ``("log",)``, ``("pow", p)``.

    ``None`` for aggregators that are not weighted quasi-arithmetic means.
    """
    if method == "arithmetic":
        return ("id",)
    if method == "geometric":
        return ("log",)
    if method == "harmonic":
        return ("pow", -1.0)
    if method == "power":
        p = float(params.get("p", 1.0))
        return ("id",) if p == 1.0 else ("log",) if p == 0.0 else ("pow", p)
    return None


def g_fwd(fam: Family, v: np.ndarray) -> np.ndarray:
    """The transform ``g`` of a family (values inside its domain)."""
    if fam[0] == "id":
        return v
    if fam[0] == "log":
        return np.log(v)
    return v ** fam[1]


def g_inv(fam: Family, y: np.ndarray) -> np.ndarray:
    """The inverse transform ``g⁻¹``."""
    if fam[0] == "id":
        return y
    if fam[0] == "log":
        return np.exp(y)
    return y ** (1.0 / fam[1])


@dataclass
class Op:
    """What every program step has: the node it computes and how it is rescaled."""

    target: int  # position in the engine's aggregate list
    code: str
    method: str
    params: dict[str, Any]
    dom: str | None
    e_node: np.ndarray  # global node index of each edge's child (its weight)
    e_base: np.ndarray  # the plan's raw weight of each edge
    e_var: np.ndarray  # column of each edge in the varying-weight matrix, -1 if fixed
    e_code: list[str]
    rescale: MethodChoice | None


@dataclass
class GroupOp(Op):
    """A collapsed group (complete children): effective weights and one matrix product."""

    fam: Family = ("id",)
    e_par: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    ind: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (E, members)
    member_codes: list[str] = field(default_factory=list)
    depth_edges: list[np.ndarray] = field(default_factory=list)
    depth_parent_edge: list[np.ndarray] = field(default_factory=list)
    ff_edges: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    Gf: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (F, n) g(fixed values)
    fv_edges: list[int] = field(default_factory=list)
    fv_src: list[int] = field(default_factory=list)


@dataclass
class MaskedOp(Op):
    """One weighted mean with per-unit availability (missing children, ``min_share``)."""

    fam: Family = ("id",)
    A: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))  # (n, k)
    ok: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # (n,)
    Aall: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (k, n) float
    f_cols: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    AGf: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (k_f, n)
    v_cols: list[int] = field(default_factory=list)
    v_src: list[int] = field(default_factory=list)


@dataclass
class SlowOp(Op):
    """An aggregator that is not a weighted mean, called as registered."""

    A: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    ok: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    Xf: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (n, k), NaN if varying
    v_cols: list[int] = field(default_factory=list)
    v_src: list[int] = field(default_factory=list)


@dataclass
class Program:
    """A compiled plan: constants and the steps that depend on the weights.

    Attributes
    ----------
    fixed
        Aggregate position → scores (n,) of the hoisted aggregates (after rescaling).
    ops
        Steps for the varying aggregates computed explicitly, bottom-up.
    ok
        Aggregate position → (n,) bool: the unit has a score (fixed per plan).
    root
        Position of the root among the aggregates.
    base_var
        The plan's raw weights of the nodes whose weight varies (before replacement and
        multipliers).
    """

    fixed: dict[int, np.ndarray]
    ops: list[Op]
    ok: dict[int, np.ndarray]
    root: int
    n_units: int
    base_var: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def root_complete(self) -> bool:
        """Every unit has a root score."""
        return bool(self.ok[self.root].all())


def fast_index(idx: np.ndarray) -> slice | np.ndarray:
    """A slice when ``idx`` is a run of consecutive positions (a view, no copy), else ``idx``."""
    idx = np.asarray(idx, dtype=np.intp)
    if idx.size and np.array_equal(idx, np.arange(idx[0], idx[0] + idx.size)):
        return slice(int(idx[0]), int(idx[0]) + idx.size)
    return idx


def dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` with a fixed order of summation for every element.

    BLAS products round differently with the shape of the operands and the position of an
    element in a tile, so a replication's scores would depend (in the last bit) on how many
    replications share its chunk and two units with equal inputs could lose their tie;
    ``einsum`` without optimisation sums each element in index order.
    """
    return np.einsum("rk,kn->rn", a, b, optimize=False)


def edge_weights(op: Op, Wvar: np.ndarray | None) -> np.ndarray:
    """Raw weights (R, E) of an op's edges: the plan's weights, varying ones from ``Wvar``."""
    var = op.e_var >= 0
    if Wvar is None or not var.any():
        return op.e_base[None, :]
    if var.all():  # every edge varies: a view or one gather
        return Wvar[:, fast_index(op.e_var)]
    W = np.empty((Wvar.shape[0], len(op.e_base)))
    W[:] = op.e_base
    W[:, var] = Wvar[:, op.e_var[var]]
    return W


def run_op(op: Op, W: np.ndarray, vals: Mapping[int, np.ndarray], describe: Describe,
           R: int | None = None) -> np.ndarray:
    """Scores (R, n) of the node an op computes (rescaled when configured).

    Parameters
    ----------
    op
        The step.
    W
        Raw edge weights, (R, E) or (1, E) when they do not vary.
    vals
        Aggregate position → (R, n) scores of the varying explicit nodes computed before.
    describe
        Replication row → its discrete choices (for error messages).
    R
        Replications of the chunk (default: from ``W``).
    """
    if isinstance(op, GroupOp):
        y = _run_group(op, W, vals, describe)
    elif isinstance(op, MaskedOp):
        y = _run_masked(op, W, vals, describe)
    else:
        y = _run_slow(op, W, vals, R or W.shape[0])
    if R is not None and y.shape[0] != R:
        y = np.broadcast_to(y, (R, y.shape[1]))
    if op.rescale is not None:
        y = rescale_array(y, op.rescale, node=op.code)
    return y


def _check_var_domain(op: Op, V: np.ndarray, avail: np.ndarray | None, child: str,
                      describe: Describe, units_hint: str = "") -> None:
    if op.dom is None:
        return
    bad = (V <= 0) if op.dom == "positive" else (V < 0)
    if avail is not None:
        bad &= avail[None, :]
    if bad.any():
        r, i = np.argwhere(bad)[0]
        raise MethodError(f"aggregate method {op.method!r} needs {op.dom} values: child "
                          f"{child!r} is {_py(V[r, i])!r} for unit number {int(i)} in a "
                          f"replication ({describe(int(r))})")


def _check_finite(op: Op, y: np.ndarray, ok: np.ndarray | None) -> None:
    fin = np.isfinite(y) if ok is None else (np.isfinite(y) | ~ok[None, :])
    if not fin.all():
        raise MethodError(f"uncertainty: aggregation by {op.method!r} produced a non-finite "
                          f"score for {op.code!r}")


def _run_group(op: GroupOp, W: np.ndarray, vals: Mapping[int, np.ndarray],
               describe: Describe) -> np.ndarray:
    wsum = dot(W, op.ind)  # (R, members)
    if not (wsum > 0).all():
        r, m = np.argwhere(~(wsum > 0))[0]
        raise MethodError(f"aggregate parent {op.member_codes[m]!r}: all child weights are "
                          f"zero in a replication ({describe(int(r))})")
    eff = W / wsum[:, op.e_par]
    for edges, pe in zip(op.depth_edges[1:], op.depth_parent_edge[1:], strict=True):
        eff[:, fast_index(edges)] *= eff[:, pe]  # down the levels: local x parent's effective
    S = dot(eff[:, fast_index(op.ff_edges)], op.Gf) if len(op.ff_edges) else 0.0
    for e, src in zip(op.fv_edges, op.fv_src, strict=True):
        V = vals[src]
        _check_var_domain(op, V, None, op.e_code[e], describe)
        with np.errstate(divide="ignore", invalid="ignore"):
            S = S + eff[:, [e]] * g_fwd(op.fam, V)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        y = g_inv(op.fam, S)
    _check_finite(op, y, None)
    return y


def _run_masked(op: MaskedOp, W: np.ndarray, vals: Mapping[int, np.ndarray],
                describe: Describe) -> np.ndarray:
    den = dot(W, op.Aall)  # (R, n)
    num = dot(W[:, op.f_cols], op.AGf) if len(op.f_cols) else np.zeros_like(den)
    for c, src in zip(op.v_cols, op.v_src, strict=True):
        a = op.A[:, c]
        V = vals[src]
        _check_var_domain(op, V, a, op.e_code[c], describe)
        with np.errstate(divide="ignore", invalid="ignore"):
            num = num + W[:, [c]] * np.where(a, g_fwd(op.fam, np.where(a, V, 1.0)), 0.0)
    zero = (den <= 0) & op.ok[None, :]
    if zero.any():
        r, i = np.argwhere(zero)[0]
        raise MethodError(f"aggregate parent {op.code!r}: unit number {int(i)} has data only "
                          f"for zero-weight children (replication {describe(int(r))})")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        y = g_inv(op.fam, num / np.where(den > 0, den, 1.0))
    y = np.where(op.ok[None, :], y, np.nan)
    _check_finite(op, y, op.ok)
    return y


def _run_slow(op: SlowOp, W: np.ndarray, vals: Mapping[int, np.ndarray], R: int) -> np.ndarray:
    """Aggregators that are not weighted means (median, OWA, Copeland, user methods).

    Row-wise aggregators (registered with ``row_wise=True``) see each unit on its own, so all
    replications are stacked into one ``(R·n, k)`` call. Aggregators that compare units with
    each other (Copeland) or user methods without that flag take one call per replication.
    """
    func = AGGREGATORS.get(op.method)
    row_wise = bool(AGGREGATORS.meta(op.method).get("row_wise"))
    n, k = op.Xf.shape
    X = np.broadcast_to(op.Xf, (R, n, k)).copy()
    for c, src in zip(op.v_cols, op.v_src, strict=True):
        X[:, :, c] = vals[src]
    X = np.where(op.A[None], X, np.nan)
    w = np.broadcast_to(W, (R, k))
    if row_wise:
        Wraw = np.where(np.isnan(X), 0.0, w[:, None, :])
        tot = Wraw.sum(axis=-1, keepdims=True)
        Wn = np.where(tot > 0, Wraw / np.where(tot > 0, tot, 1.0), 0.0)
        y = np.asarray(func(X.reshape(-1, k), Wn.reshape(-1, k), **op.params),
                       dtype=np.float64).reshape(R, n)
    else:
        y = np.empty((R, n))
        for r in range(R):  # units are compared with each other: one call per replication
            y[r] = func(X[r], build_weights(X[r], w[r]), **op.params)
    y = np.where(op.ok[None, :], y, np.nan)
    _check_finite(op, y, op.ok)
    return y
