"""Compiling one plan (a data variant and an aggregation alternative) into a program.

A *program* evaluates the aggregate scores of many replications that share one plan and differ
only in their weights. Compiling it takes three steps:

1. **Hoist.** An aggregate none of whose descendants' weights varies has the same scores in
   every replication: it is computed once, here (with the plan's nominal weights), rescaled if
   the config says so, and kept as a constant. For ASEM (weights varied at levels 2 and 3) the
   eight pillars are constants of each plan; only the two sub-indices and the index vary.
2. **Collapse.** The varying aggregates form groups. A varying aggregate joins its parent's
   group when both are weighted means of the same family — arithmetic (``g`` = identity),
   geometric (``g = log``) or power ``p`` (``g = x^p``; harmonic is ``p = -1``) — every unit has
   every child of both (so the weights need no per-unit renormalisation), it is not rescaled and
   its own scores are not asked for. Then ``g(parent) = Σ_f e_f g(f)`` over the group's frontier
   ``f`` with *effective weights* ``e_f`` (the product of the normalised local weights on the path),
   and a group is one matrix product ``E (R × F) @ g(F) (F × n)`` per chunk. A rescaled node
   (``minmax``/``leader`` depend on all units of a replication; even an affine map would add
   per-replication offsets) is a group boundary: it is computed explicitly, rescaled, and enters
   its parent's group as a varying frontier value.
3. **Mask.** A varying aggregate whose children are missing for some unit keeps the exact
   per-unit renormalisation of :func:`aiindex.stages.aggregate.aggregate_group`:
   ``y = g⁻¹(Σ w a g(x) / Σ w a)`` with the fixed availability ``a`` (missing children and
   ``min_share`` do not depend on weights), still as matrix products over units. Aggregators
   that are not weighted means (median, OWA, Copeland, user methods) are called as registered.

Domain checks (positive values for geometric, harmonic and power means) are done here for the
constant inputs and per chunk for the varying ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ...config import Config, MethodChoice
from ...errors import DataError, MethodError
from ...framework import Framework
from ...stages import AGGREGATORS, stage_choices
from ...stages import stage_option as _option
from ...stages.aggregate import value_domain
from ...stages.rescale import rescale_choices
from .factors import _py
from .ops import Family, GroupOp, MaskedOp, Op, Program, SlowOp, family_of, g_fwd, run_op

__all__ = ["compile_program"]


@dataclass
class _Tree:
    """The facts about each aggregate of a plan that compiling needs."""

    cfg: Config
    fw: Framework
    X: np.ndarray
    mpos: dict[str, int]
    apos: dict[str, int]
    node_pos: dict[str, int]
    var_col: dict[int, int]
    base_w: np.ndarray
    units: pd.Index
    choices: dict[str, MethodChoice] = field(default_factory=dict)
    rescale: dict[str, MethodChoice] = field(default_factory=dict)
    A: dict[str, np.ndarray] = field(default_factory=dict)
    ok: dict[str, np.ndarray] = field(default_factory=dict)
    varies: dict[str, bool] = field(default_factory=dict)

    def method(self, p: str) -> tuple[str, dict[str, Any], Family | None]:
        ch = self.choices[p]
        m = AGGREGATORS.canonical(ch.method)
        return m, dict(ch.params), family_of(m, ch.params)


def compile_program(cfg: Config, fw: Framework, norm: pd.DataFrame, *, units: pd.Index,
                    node_codes: Sequence[str], aggregates: Sequence[str],
                    var_nodes: Sequence[int], all_nodes: bool) -> Program:
    """Compile the program of one plan (see the module docstring).

    Parameters
    ----------
    cfg, fw, norm
        The plan's config, framework and normalised data.
    units, node_codes, aggregates
        The engine's units, every node code and the aggregate codes (positions are global).
    var_nodes
        Global indices of the nodes whose weight varies between replications.
    all_nodes
        Compute every aggregate explicitly (``nodes="all"``): no collapse.

    Raises
    ------
    DataError
        A child that is neither a metric of the data nor an aggregate.
    MethodError
        A constant input outside an aggregator's domain (e.g. a zero under a geometric mean).
    """
    metrics = [m for m in fw.metrics if m in norm.columns]
    node_pos = {c: i for i, c in enumerate(node_codes)}
    t = _Tree(cfg, fw, norm.reindex(index=units, columns=metrics).to_numpy(dtype=np.float64),
              {c: i for i, c in enumerate(metrics)}, {c: i for i, c in enumerate(aggregates)},
              node_pos, {int(v): j for j, v in enumerate(var_nodes)},
              np.array([fw.nodes[c].weight if c in fw.nodes else np.nan for c in node_codes]),
              units, stage_choices(cfg, fw, "aggregate"),
              rescale_choices(cfg.rescale, fw.root, fw.aggregates))
    _availability(t)
    fixed: dict[int, np.ndarray] = {}
    for p in fw.aggregates:  # bottom-up
        if not t.varies[p]:
            fixed[t.apos[p]] = _hoist(t, p, fixed)
    explicit = _explicit(t, all_nodes)
    ops: list[Op] = []
    for p in fw.aggregates:
        if t.varies[p] and p in explicit:
            ops.append(_build_op(t, p, explicit, fixed))
    return Program(fixed, ops, {t.apos[p]: t.ok[p] for p in fw.aggregates}, t.apos[fw.root],
                   len(units), t.base_w[np.asarray(var_nodes, dtype=np.intp)])


def _availability(t: _Tree) -> None:
    """Per aggregate: child availability (n, k), whether a unit has a score, whether it varies."""
    fw = t.fw
    avail_m = ~np.isnan(t.X)
    n = len(t.units)
    for p in fw.aggregates:
        kids = fw.children(p)
        missing = [c for c in kids if c not in t.mpos and c not in t.apos]
        if missing:
            raise DataError(f"uncertainty: child(ren) {missing} are not in the data")
        A = np.empty((n, len(kids)), dtype=bool)
        for j, c in enumerate(kids):  # children of one node
            A[:, j] = avail_m[:, t.mpos[c]] if c in t.mpos else t.ok[c]
        ms = float(_option(t.cfg, "aggregate", "min_share", p, fw.nodes[p].level, 0.0))
        cnt = A.sum(axis=1)
        t.A[p] = A
        t.ok[p] = (cnt > 0) & (cnt / max(len(kids), 1) >= ms)
        t.varies[p] = any(t.node_pos[c] in t.var_col or t.varies.get(c, False) for c in kids)


def _explicit(t: _Tree, all_nodes: bool) -> set[str]:
    """Varying aggregates computed explicitly; the others join their parent's group."""
    fw = t.fw
    out = set()
    for p in fw.aggregates:
        if not t.varies[p]:
            continue
        par = fw.parent(p)
        fam = t.method(p)[2]
        if (par is None or all_nodes or p in t.rescale or fam is None
                or t.method(par)[2] != fam or not t.A[p].all() or not t.A[par].all()):
            out.add(p)
    return out


def _src(t: _Tree, c: str, fixed: Mapping[int, np.ndarray]) -> tuple[np.ndarray | None, int]:
    """A child's constant values (n,) or ``None`` and its aggregate position if it varies."""
    if c in t.mpos:
        return t.X[:, t.mpos[c]], -1
    pos = t.apos[c]
    if pos in fixed:
        return fixed[pos], -1
    return None, pos


def _edges(t: _Tree, kids: Sequence[str]) -> dict[str, Any]:
    idx = np.array([t.node_pos[c] for c in kids], dtype=np.intp)
    return {"e_node": idx, "e_base": t.base_w[idx],
            "e_var": np.array([t.var_col.get(int(i), -1) for i in idx], dtype=np.intp),
            "e_code": list(kids)}


def _common(t: _Tree, p: str, kids: Sequence[str]) -> dict[str, Any]:
    method, params, _ = t.method(p)
    return {"target": t.apos[p], "code": p, "method": method, "params": params,
            "dom": value_domain(method, params), "rescale": t.rescale.get(p), **_edges(t, kids)}


def _check_const_domain(t: _Tree, op: Op, V: np.ndarray, A: np.ndarray,
                        kids: Sequence[str]) -> None:
    """Constant children outside the aggregator's domain (at available cells)."""
    if op.dom is None or not V.size:
        return
    with np.errstate(invalid="ignore"):
        bad = A & ((V <= 0) if op.dom == "positive" else (V < 0))
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise MethodError(f"aggregate method {op.method!r} needs {op.dom} values: child "
                          f"{kids[j]!r} is {_py(V[i, j])!r} for unit {t.units[i]!r} "
                          f"({int(bad.sum())} such value(s)); normalise to a positive range "
                          "(e.g. minmax low=1)")


def _masked_or_slow(t: _Tree, p: str, fixed: Mapping[int, np.ndarray]) -> Op:
    """The per-unit step of aggregate ``p`` (children values constant or varying)."""
    kids = t.fw.children(p)
    A = t.A[p] & t.ok[p][:, None]
    n = len(t.units)
    Xf = np.full((n, len(kids)), np.nan)
    v_cols, v_src = [], []
    for j, c in enumerate(kids):
        vals, pos = _src(t, c, fixed)
        if vals is None:
            v_cols.append(j)
            v_src.append(pos)
        else:
            Xf[:, j] = vals
    common = _common(t, p, kids)
    fam = t.method(p)[2]
    if fam is None:
        return SlowOp(**common, A=A, ok=t.ok[p], Xf=Xf, v_cols=v_cols, v_src=v_src)
    f_cols = np.array([j for j in range(len(kids)) if j not in set(v_cols)], dtype=np.intp)
    op = MaskedOp(**common, fam=fam, A=A, ok=t.ok[p], Aall=A.T.astype(np.float64),
                  f_cols=f_cols, v_cols=v_cols, v_src=v_src)
    _check_const_domain(t, op, Xf[:, f_cols], A[:, f_cols], [kids[j] for j in f_cols])
    with np.errstate(divide="ignore", invalid="ignore"):
        Af = A[:, f_cols]
        op.AGf = np.where(Af, g_fwd(fam, np.where(Af, Xf[:, f_cols], 1.0)), 0.0).T.copy()
    return op


def _hoist(t: _Tree, p: str, fixed: Mapping[int, np.ndarray]) -> np.ndarray:
    """Scores of an aggregate that no factor varies: computed once with the plan's weights."""
    op = _masked_or_slow(t, p, fixed)
    y = run_op(op, np.broadcast_to(op.e_base, (1, len(op.e_base))), {}, lambda r: "")
    return y[0]


def _build_op(t: _Tree, p: str, explicit: set[str], fixed: Mapping[int, np.ndarray]) -> Op:
    if t.method(p)[2] is None or not t.A[p].all():
        return _masked_or_slow(t, p, fixed)
    return _group(t, p, explicit, fixed)


def _group(t: _Tree, p: str, explicit: set[str], fixed: Mapping[int, np.ndarray]) -> GroupOp:
    """The collapsed group rooted at ``p``: members, edges by depth, frontier."""
    fam = t.method(p)[2]
    assert fam is not None
    members, edges, e_par, e_depth, e_parent_edge = [p], [], [], [], []
    stack = [(p, 0, -1)]
    while stack:  # walk the group top-down (nodes of the tree, not units or replications)
        m, depth, via = stack.pop(0)
        mi = members.index(m)
        for c in t.fw.children(m):
            edges.append(c)
            e_par.append(mi)
            e_depth.append(depth)
            e_parent_edge.append(via)
            if c in t.apos and t.varies[c] and c not in explicit:
                members.append(c)
                stack.append((c, depth + 1, len(edges) - 1))
    op = GroupOp(**_common(t, p, edges), fam=fam, e_par=np.array(e_par, dtype=np.intp),
                 member_codes=members)
    op.ind = np.zeros((len(edges), len(members)))
    op.ind[np.arange(len(edges)), op.e_par] = 1.0
    depth_arr = np.array(e_depth)
    pe = np.array(e_parent_edge, dtype=np.intp)
    op.depth_edges = [np.flatnonzero(depth_arr == d) for d in range(int(depth_arr.max()) + 1)]
    op.depth_parent_edge = [pe[e] for e in op.depth_edges]
    _frontier(t, op, edges, set(members), fixed)
    return op


def _frontier(t: _Tree, op: GroupOp, edges: Sequence[str], members: set[str],
              fixed: Mapping[int, np.ndarray]) -> None:
    ff, fvals = [], []
    for e, c in enumerate(edges):
        if c in members:
            continue
        vals, pos = _src(t, c, fixed)
        if vals is None:
            op.fv_edges.append(e)
            op.fv_src.append(pos)
        else:
            ff.append(e)
            fvals.append(vals)
    op.ff_edges = np.array(ff, dtype=np.intp)
    V = np.column_stack(fvals) if fvals else np.zeros((len(t.units), 0))
    _check_const_domain(t, op, V, np.ones(V.shape, dtype=bool), [edges[e] for e in ff])
    op.Gf = np.ascontiguousarray(g_fwd(op.fam, V).T)
