"""The indicator tree (framework): nodes, validation, YAML and COINr ``iMeta`` table I/O.

A framework is a tree: the root (the index) at the top, metrics (leaves) at the bottom, any
number of aggregate levels between. Levels follow COINr: **level 1 = metrics**, and each
aggregate's level is one more than its highest child, so the root has the top level. Weights are
relative among siblings (renormalised within each parent); effective weights multiply them down
from the root and sum to 1 over the metrics.

Two ways in:

* a nested mapping (YAML)::

    code: Index
    children:
      - code: Dim1
        weight: 2
        children:
          - {code: m1, direction: 1, unit: "%", source: "World Bank WDI"}
          - {code: m2, direction: -1}

* a flat table in COINr's ``iMeta`` format (columns ``Level, iCode, iName, Direction, Weight,
  Unit, Target, Denominator, Parent, Type``), read with :meth:`Framework.from_table`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..errors import ConfigError, Problem, ValidationError
from ..yamlio import dump_yaml, load_yaml

__all__ = ["Node", "Framework", "IMETA_COLUMNS"]

IMETA_COLUMNS = [
    "Level",
    "iCode",
    "iName",
    "Direction",
    "Weight",
    "Unit",
    "Target",
    "Denominator",
    "Parent",
    "Type",
]
_STAGES = ("denominate", "impute", "screen", "treat", "normalize", "aggregate")


# --------------------------------------------------------------------------------------- Node
class Node(BaseModel):
    """One node of the indicator tree (a metric or an aggregate).

    Parameters
    ----------
    code
        Unique code (``iCode``); metric codes are data column names.
    name
        Long name.
    level
        Level (1 = metrics); computed from the tree when not given.
    parent
        Code of the parent node; ``None`` for the root.
    weight
        Weight relative to the siblings (non-negative).
    direction
        +1 higher-is-better, -1 lower-is-better (metrics only; aggregates are +1).
    unit, source
        Unit of the raw value and its source.
    target
        Target in raw units (distance-to-target normalisation).
    denominator
        Data column this metric is divided by in the ``denominate`` stage.
    type
        ``"metric"`` or ``"aggregate"``.
    methods
        Per-stage method overrides for this node, e.g. ``{"normalize": {"method": "rank"}}``.
    description
        Free text.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    code: str
    name: str | None = None
    level: int | None = None
    parent: str | None = None
    weight: float = Field(default=1.0, ge=0)
    direction: Literal[1, -1] = 1
    unit: str | None = None
    source: str | None = None
    target: float | None = None
    denominator: str | None = None
    type: Literal["metric", "aggregate"] = "metric"
    methods: dict[str, dict[str, Any]] = Field(default_factory=dict)
    description: str | None = None

    @field_validator("code")
    @classmethod
    def _code_ok(cls, v: str) -> str:
        if not isinstance(v, str) or not v.strip():
            raise ValueError("code must be a non-empty string")
        return v

    @field_validator("methods")
    @classmethod
    def _methods_ok(cls, v: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for stage in v:
            if stage not in _STAGES:
                raise ValueError(f"unknown stage {stage!r} in methods; stages: {list(_STAGES)}")
        return v


_NODE_FIELDS = set(Node.model_fields)


# ---------------------------------------------------------------------------------- Framework
class Framework:
    """An immutable indicator tree.

    Build with :meth:`from_nodes`, :meth:`from_dict` (nested YAML), :meth:`from_yaml` or
    :meth:`from_table` (COINr ``iMeta``). Validation collects every problem (duplicate codes,
    unknown parents, cycles, several roots, bad levels) and raises one
    :class:`~aiindex.errors.ValidationError`.

    Attributes
    ----------
    nodes : dict[str, Node]
        Nodes in framework order, with levels filled in.
    root : str
        Code of the root (the index).
    metrics : list[str]
        Leaf codes in framework order.
    aggregates : list[str]
        Non-leaf codes, bottom-up (lowest level first), framework order within a level.
    extras : pandas.DataFrame
        Non-tree rows of an ``iMeta`` table (``Group`` and ``Denominator`` columns), kept for the
        round trip and for data loading.
    """

    def __init__(
        self,
        nodes: Iterable[Node],
        *,
        extras: pd.DataFrame | None = None,
        name: str | None = None,
        source_file: str | None = None,
    ) -> None:
        nodes = list(nodes)
        self.name = name
        self.extras = (
            extras.reset_index(drop=True) if extras is not None else pd.DataFrame(columns=IMETA_COLUMNS)
        )
        problems = _check_nodes(nodes, source_file)
        if problems:
            raise ValidationError(problems, title="invalid framework")
        self._children: dict[str, list[str]] = {n.code: [] for n in nodes}
        for n in nodes:
            if n.parent is not None:
                self._children[n.parent].append(n.code)
        empty = [n.code for n in nodes if n.type == "aggregate" and not self._children[n.code]]
        if empty:
            raise ValidationError([Problem(f"node {c!r} has no children (an empty group): give "
                                           "it children or remove it", file=source_file, key=c)
                                   for c in empty], title="invalid framework")
        roots = [n.code for n in nodes if n.parent is None]
        self.root = roots[0]
        heights = _heights(self.root, self._children)
        fixed: dict[str, Node] = {}
        for n in nodes:
            is_leaf = not self._children[n.code]
            upd: dict[str, Any] = {"type": "metric" if is_leaf else "aggregate"}
            if n.level is None:
                upd["level"] = heights[n.code]
            fixed[n.code] = n.model_copy(update=upd)
        self.nodes: dict[str, Node] = fixed
        problems = _check_levels(self, source_file)
        if problems:
            raise ValidationError(problems, title="invalid framework")
        self.metrics = [c for c, n in fixed.items() if n.type == "metric"]
        self.aggregates = sorted(
            (c for c, n in fixed.items() if n.type == "aggregate"),
            key=lambda c: (fixed[c].level, list(fixed).index(c)),
        )

    # ---------------------------------------------------------------- navigation
    def children(self, code: str) -> list[str]:
        """Codes of the children of ``code`` (empty for a metric)."""
        self._need(code)
        return list(self._children[code])

    def parent(self, code: str) -> str | None:
        """Code of the parent of ``code`` (``None`` for the root)."""
        self._need(code)
        return self.nodes[code].parent

    def ancestors(self, code: str) -> list[str]:
        """Codes from the parent of ``code`` up to the root."""
        out = []
        p = self.parent(code)
        while p is not None:
            out.append(p)
            p = self.nodes[p].parent
        return out

    def leaves_under(self, code: str) -> list[str]:
        """Metric codes below ``code`` (itself if it is a metric), in framework order."""
        self._need(code)
        if self.nodes[code].type == "metric":
            return [code]
        out: list[str] = []
        for c in self._children[code]:
            out.extend(self.leaves_under(c))
        return out

    def level_codes(self, level: int) -> list[str]:
        """Codes of the nodes at ``level``, in framework order."""
        return [c for c, n in self.nodes.items() if n.level == level]

    @property
    def depth(self) -> int:
        """Level of the root (number of levels, metrics included)."""
        return int(self.nodes[self.root].level or 1)

    @property
    def dimensions(self) -> list[str]:
        """Children of the root ("first-level dimensions")."""
        return self.children(self.root)

    def _need(self, code: str) -> None:
        if code not in self.nodes:
            raise ConfigError(f"unknown framework node {code!r}")

    def __contains__(self, code: object) -> bool:
        return code in self.nodes

    def __len__(self) -> int:
        return len(self.nodes)

    def _summary_line(self) -> str:
        lv = ", ".join(f"L{lvl}: {len(self.level_codes(lvl))}" for lvl in range(1, self.depth + 1))
        return f"Framework(root={self.root!r}, {len(self.metrics)} metrics, {lv})"

    def _tree_order(self) -> list[tuple[int, str]]:
        """``(depth, code)`` of every node, depth first from the root (depth 0)."""
        out: list[tuple[int, str]] = []
        stack = [(0, self.root)]
        while stack:
            d, c = stack.pop()
            out.append((d, c))
            stack.extend((d + 1, k) for k in reversed(self._children[c]))
        return out

    #: nodes up to which ``repr`` lists the metrics too (larger trees: aggregates only)
    REPR_MAX_NODES = 60

    def __repr__(self) -> str:
        """A summary line, then the tree indented by depth: code, name, local weight (share of
        the parent) and effective weight (share of the index)."""
        lw, ew = self.local_weights(), self.effective_weights()
        full = len(self.nodes) <= self.REPR_MAX_NODES
        lines = [self._summary_line(), "local = share of the parent, effective = share of the "
                 "index"]
        for d, c in self._tree_order():
            n = self.nodes[c]
            if n.type == "metric" and not full:
                continue
            kids = self._children[c]
            hidden = sum(self.nodes[k].type == "metric" for k in kids) if not full else 0
            name = f" ({n.name})" if n.name and n.name != c else ""
            lines.append(f"{'  ' * d}{c}{name}: local {lw[c]:.3f}, effective {ew[c]:.3f}"
                         + (f"  (+ {hidden} metrics)" if hidden else ""))
        if not full:
            lines.append(f"({len(self.metrics)} metrics not listed: fw.nodes_frame() has every "
                         "node)")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """The tree as an HTML table indented by depth, with names, local and effective weights
        (every text escaped)."""
        import html

        lw, ew = self.local_weights(), self.effective_weights()
        e = html.escape
        rows = []
        for d, c in self._tree_order():
            n = self.nodes[c]
            style = "font-weight:bold" if n.type == "aggregate" else ""
            rows.append(f"<tr><td style='padding-left:{0.3 + 1.2 * d:.1f}em;{style}'>{e(c)}</td>"
                        f"<td>{e(n.name or '')}</td><td>{n.level}</td><td>{lw[c]:.3f}</td>"
                        f"<td>{ew[c]:.3f}</td></tr>")
        head = ("<thead><tr><th style='text-align:left'>node</th><th>name</th><th>level</th>"
                "<th>local weight<br>(share of parent)</th><th>effective weight<br>(share of "
                "the index)</th></tr></thead>")
        return (f"<div><h4>{e(self._summary_line())}</h4><table class='dataframe'>{head}"
                f"<tbody>{''.join(rows)}</tbody></table></div>")

    # ---------------------------------------------------------------- weights
    def local_weights(self, weights: Mapping[str, float] | pd.Series | None = None) -> pd.Series:
        """Weights renormalised among siblings (root = 1).

        Parameters
        ----------
        weights
            Optional replacement raw weights for some nodes.

        Raises
        ------
        ConfigError
            If all children of a node have zero weight.
        """
        raw = pd.Series({c: n.weight for c, n in self.nodes.items()}, dtype=float)
        if weights is not None:
            w = pd.Series(weights, dtype=float)
            unknown = sorted(set(w.index) - set(raw.index))
            if unknown:
                raise ConfigError(f"weights given for unknown node(s): {unknown}")
            _check_weights(w.to_dict())
            raw.loc[w.index] = w
        out = pd.Series(1.0, index=raw.index)
        for p, kids in self._children.items():
            if not kids:
                continue
            s = raw[kids].sum()
            if s <= 0:
                raise ConfigError(f"all children of {p!r} have zero weight: {kids}")
            out[kids] = raw[kids] / s
        return out

    def effective_weights(self, weights: Mapping[str, float] | pd.Series | None = None) -> pd.Series:
        """Weight of every node in the final index (product of local weights up to the root).

        Sums to 1 over the metrics (and over the nodes of any full level).
        """
        lw = self.local_weights(weights)
        out = pd.Series(1.0, index=lw.index)
        # top-down: root first
        for code in reversed(self.aggregates):
            for c in self._children[code]:
                out[c] = out[code] * lw[c]
        return out

    def weight_matrix(
        self, parent_level: int, weights: Mapping[str, float] | pd.Series | None = None
    ) -> pd.DataFrame:
        """Local weight matrix of one level: rows = children, columns = parents at ``parent_level``.

        Column sums are 1. Children may be at any lower level (unbalanced trees).
        """
        lw = self.local_weights(weights)
        parents = self.level_codes(parent_level)
        kids = [c for p in parents for c in self._children[p]]
        M = pd.DataFrame(0.0, index=kids, columns=parents)
        for p in parents:
            for c in self._children[p]:
                M.loc[c, p] = lw[c]
        return M

    # ---------------------------------------------------------------- pure edits
    def with_weights(self, weights: Mapping[str, float]) -> Framework:
        """A copy with some nodes' raw weights replaced."""
        unknown = sorted(set(weights) - set(self.nodes))
        if unknown:
            raise ConfigError(f"weights given for unknown node(s): {unknown}")
        _check_weights(weights)
        nodes = [
            n.model_copy(update={"weight": float(weights[c])}) if c in weights else n
            for c, n in self.nodes.items()
        ]
        return Framework(_revalidate(nodes), extras=self.extras, name=self.name)

    def drop(self, codes: Iterable[str]) -> Framework:
        """A copy without the given nodes (and everything below them).

        Aggregates left without children are dropped too. Levels are kept as they were.
        """
        codes = list(codes)
        for c in codes:
            self._need(c)
            if c == self.root:
                raise ConfigError("cannot drop the root of the framework")
        gone: set[str] = set()
        for c in codes:
            gone.update(self._subtree(c))
        changed = True
        while changed:
            changed = False
            for c in self.aggregates:
                if c not in gone and c != self.root and all(k in gone for k in self._children[c]):
                    gone.add(c)
                    changed = True
        if all(k in gone for k in self._children[self.root]):
            raise ConfigError(f"dropping {codes} would leave the framework empty")
        nodes = [n for c, n in self.nodes.items() if c not in gone]
        return Framework(_revalidate(nodes), extras=self.extras, name=self.name)

    def _subtree(self, code: str) -> list[str]:
        out = [code]
        for c in self._children[code]:
            out.extend(self._subtree(c))
        return out

    # ---------------------------------------------------------------- dict / YAML
    @classmethod
    def from_nodes(cls, nodes: Iterable[Node | Mapping[str, Any]], **kw: Any) -> Framework:
        """Build from a flat list of nodes (``Node`` objects or mappings with ``parent``)."""
        built, problems = [], []
        for i, n in enumerate(nodes):
            if isinstance(n, Node):
                built.append(n)
                continue
            try:
                built.append(Node(**n))
            except Exception as exc:
                code = n.get("code") if isinstance(n, Mapping) else None
                problems.append(
                    Problem(f"invalid node {code!r}: {_pyd_msg(exc)}", key=f"nodes[{i}]",
                            value=dict(n) if isinstance(n, Mapping) else n)
                )
        if problems:
            raise ValidationError(problems, title="invalid framework")
        return cls(built, **kw)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, source_file: str | None = None) -> Framework:
        """Build from a nested mapping (``code`` + ``children``), or ``{"nodes": [...]}`` (flat),
        or ``{"metrics": [...]}`` (a one-level index under an implicit root ``Index``)."""
        if not isinstance(d, Mapping):
            raise ConfigError(f"framework must be a mapping, got {type(d).__name__}")
        name = d.get("name") if "children" not in d else None
        if "nodes" in d:
            return cls.from_nodes(d["nodes"], name=d.get("name"), source_file=source_file)
        if "metrics" in d and "children" not in d:
            root = {k: v for k, v in d.items() if k not in ("metrics",)}
            root.setdefault("code", "Index")
            root["children"] = d["metrics"]
            d = root
        flat: list[Mapping[str, Any]] = []
        problems: list[Problem] = []
        _flatten(d, None, "framework", flat, problems)
        if problems:
            raise ValidationError(problems, title="invalid framework")
        return cls.from_nodes(flat, name=name or d.get("name"), source_file=source_file)

    def to_dict(self) -> dict[str, Any]:
        """Nested mapping (inverse of :meth:`from_dict`); lossless."""

        def rec(code: str) -> dict[str, Any]:
            n = self.nodes[code]
            out: dict[str, Any] = {}
            for f in Node.model_fields:
                if f in ("parent", "type"):
                    continue
                v = getattr(n, f)
                default = Node.model_fields[f].get_default(call_default_factory=True)
                if f == "code" or v != default:
                    out[f] = v
            if self._children[code]:
                out["children"] = [rec(c) for c in self._children[code]]
            return out

        return rec(self.root)

    @classmethod
    def from_yaml(cls, path: str | Path) -> Framework:
        """Read a nested YAML framework file (or a config file with a ``framework`` key)."""
        d = load_yaml(path)
        if isinstance(d, Mapping) and "framework" in d and "code" not in d:
            d = d["framework"]
        return cls.from_dict(d, source_file=str(path))

    def to_yaml(self, path: str | Path | None = None) -> str:
        """YAML text of :meth:`to_dict` (written to ``path`` if given)."""
        return dump_yaml(self.to_dict(), path)

    # ---------------------------------------------------------------- iMeta table
    @classmethod
    def from_table(cls, table: pd.DataFrame | str | Path, *, name: str | None = None) -> Framework:
        """Build from a COINr ``iMeta`` table (DataFrame or CSV/Excel path).

        Rows of ``Type`` ``Indicator`` and ``Aggregate`` form the tree; ``Group`` and
        ``Denominator`` rows are kept in :attr:`extras`. Every problem is reported at once.
        """
        source = None
        if not isinstance(table, pd.DataFrame):
            source = str(table)
            table = _read_table(Path(table))
        problems: list[Problem] = []
        missing = [c for c in ("iCode", "Parent", "Type") if c not in table.columns]
        if missing:
            raise ValidationError(
                [Problem("iMeta table lacks required column(s)", file=source, value=missing,
                         expected=f"columns {IMETA_COLUMNS}")],
                title="invalid framework table",
            )
        t = table.copy()
        types = t["Type"].astype("string").str.strip()
        tree_mask = types.isin(["Indicator", "Aggregate"])
        bad_type = t.index[~types.isin(["Indicator", "Aggregate", "Group", "Denominator", "Other"])]
        for i in bad_type:
            problems.append(Problem("unknown Type", file=source, row=int(i) + 2, column="Type",
                                    value=t.at[i, "Type"],
                                    expected="Indicator, Aggregate, Group, Denominator or Other"))
        nodes: list[dict[str, Any]] = []
        for i in t.index[tree_mask]:
            row = t.loc[i]
            rec: dict[str, Any] = {"code": _s(row.get("iCode")), "type":
                                   "metric" if types[i] == "Indicator" else "aggregate"}
            for col, key in (("iName", "name"), ("Parent", "parent"), ("Unit", "unit"),
                             ("Denominator", "denominator"), ("Source", "source")):
                if col in t.columns and _s(row.get(col)) is not None:
                    rec[key] = _s(row.get(col))
            for col, key, conv in (("Level", "level", int), ("Weight", "weight", float),
                                   ("Direction", "direction", int), ("Target", "target", float)):
                if col in t.columns and not _isna(row.get(col)):
                    try:
                        rec[key] = conv(float(row.get(col)))
                    except (TypeError, ValueError):
                        problems.append(Problem(f"{col} must be numeric", file=source,
                                                row=int(i) + 2, column=col, value=row.get(col)))
            if rec.get("code") is None:
                problems.append(Problem("empty iCode", file=source, row=int(i) + 2, column="iCode"))
                continue
            nodes.append(rec)
        if problems:
            raise ValidationError(problems, title="invalid framework table")
        extras = t.loc[~tree_mask].reindex(columns=[c for c in IMETA_COLUMNS if c in t.columns])
        built = []
        for rec in nodes:
            try:
                built.append(Node(**rec))
            except Exception as exc:
                problems.append(Problem(f"invalid node {rec.get('code')!r}: {_pyd_msg(exc)}",
                                        file=source, key=rec.get("code")))
        if problems:
            raise ValidationError(problems, title="invalid framework table")
        return cls(built, extras=extras, name=name, source_file=source)

    def to_table(self) -> pd.DataFrame:
        """The framework as a COINr ``iMeta`` table (tree rows, then extras)."""
        rows = []
        for c, n in self.nodes.items():
            rows.append({
                "Level": n.level,
                "iCode": c,
                "iName": n.name,
                "Direction": n.direction,
                "Weight": n.weight,
                "Unit": n.unit,
                "Target": n.target,
                "Denominator": n.denominator,
                "Parent": n.parent,
                "Type": "Indicator" if n.type == "metric" else "Aggregate",
            })
        out = pd.DataFrame(rows, columns=IMETA_COLUMNS)
        if len(self.extras):
            out = pd.concat([out, self.extras.reindex(columns=IMETA_COLUMNS)], ignore_index=True)
        return out

    @property
    def group_columns(self) -> list[str]:
        """Codes of ``Group`` rows of an iMeta table."""
        return self._extras_of("Group")

    @property
    def denominator_columns(self) -> list[str]:
        """Codes of ``Denominator`` rows of an iMeta table, plus denominators named by metrics."""
        named = [n.denominator for n in self.nodes.values() if n.denominator]
        return list(dict.fromkeys(self._extras_of("Denominator") + named))

    def _extras_of(self, kind: str) -> list[str]:
        if not len(self.extras) or "Type" not in self.extras:
            return []
        m = self.extras["Type"].astype("string") == kind
        return [str(v) for v in self.extras.loc[m, "iCode"]]

    def equals(self, other: Framework) -> bool:
        """True when both trees have the same nodes (all fields) and the same sibling order."""
        return self.nodes == other.nodes and self._children == other._children

    def nodes_frame(self) -> pd.DataFrame:
        """All nodes as a DataFrame (one row per node) with effective weights."""
        df = pd.DataFrame([n.model_dump() for n in self.nodes.values()]).set_index("code")
        df["local_weight"] = self.local_weights()
        df["effective_weight"] = self.effective_weights()
        return df


# ------------------------------------------------------------------------------------ helpers
def _flatten(
    d: Mapping[str, Any], parent: str | None, key: str, out: list, problems: list[Problem]
) -> None:
    if not isinstance(d, Mapping):
        problems.append(Problem("framework node must be a mapping", key=key, value=d))
        return
    if "code" not in d:
        problems.append(Problem("framework node lacks 'code'", key=key, value=dict(d)))
        return
    rec = {k: v for k, v in d.items() if k != "children"}
    unknown = sorted(set(rec) - _NODE_FIELDS)
    if unknown:
        problems.append(Problem(f"unknown key(s) {unknown} in node {d['code']!r}", key=key,
                                expected=f"keys among {sorted(_NODE_FIELDS | {'children'})}"))
        return
    if parent is not None:
        if "parent" in rec and rec["parent"] != parent:
            problems.append(Problem(f"node {d['code']!r} nested under {parent!r} names another "
                                    "parent", key=f"{key}.parent", value=rec["parent"]))
        rec["parent"] = parent
    out.append(rec)
    kids = d.get("children") or []
    if "children" in d and not kids:
        problems.append(Problem(f"node {d['code']!r} has no children (an empty group): give it "
                                "children or remove it", key=f"{key}.children"))
        return
    if not isinstance(kids, list):
        problems.append(Problem("children must be a list", key=f"{key}.children", value=kids))
        return
    for i, k in enumerate(kids):
        _flatten(k, str(d["code"]), f"{key}.children[{i}]", out, problems)


def _check_weights(weights: Mapping[str, Any]) -> None:
    """Replacement raw weights: finite numbers >= 0, each error naming its node."""
    for c, w in weights.items():
        if isinstance(w, bool) or not isinstance(w, int | float | np.integer | np.floating):
            raise ConfigError(f"weight of {c!r} must be a number, got {w!r}")
        if not np.isfinite(w):
            raise ConfigError(f"weight of {c!r} is not finite ({w!r})")
        if w < 0:
            raise ConfigError(f"weight of {c!r} is negative ({w!r}); weights are relative among "
                              "siblings and must be >= 0")


def _revalidate(nodes: list[Node]) -> list[Node]:
    """Reset computed fields (type; keep given levels) before rebuilding."""
    return [n.model_copy(update={"type": "metric"}) for n in nodes]


def _check_nodes(nodes: list[Node], source: str | None) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, n in enumerate(nodes):
        if n.code in seen:
            problems.append(Problem(f"duplicate node code {n.code!r}", file=source, key=n.code))
        seen[n.code] = i
    codes = set(seen)
    for n in nodes:
        if n.parent is not None and n.parent not in codes:
            problems.append(Problem(f"node {n.code!r} has unknown parent {n.parent!r}",
                                    file=source, key=n.code, column="Parent", value=n.parent,
                                    expected="the code of another node"))
        if n.parent == n.code:
            problems.append(Problem(f"node {n.code!r} is its own parent", file=source, key=n.code))
    roots = [n.code for n in nodes if n.parent is None]
    if not nodes:
        problems.append(Problem("framework has no nodes", file=source))
    elif len(nodes) == 1:
        problems.append(Problem(f"framework has only the root node {nodes[0].code!r}: add the "
                                "metrics under it (children)", file=source, key=nodes[0].code))
    elif len(roots) != 1:
        problems.append(Problem("framework must have exactly one root (a node without parent)",
                                file=source, value=roots, expected="one root"))
    # cycles: walk up from each node
    parent = {n.code: n.parent for n in nodes}
    reported: set[frozenset[str]] = set()
    for start in parent:
        path, cur = [], start
        while cur is not None and cur in parent and cur not in path:
            path.append(cur)
            cur = parent[cur]
        if cur is not None and cur in path:
            cyc = path[path.index(cur):]
            key = frozenset(cyc)
            if key not in reported:
                reported.add(key)
                problems.append(Problem("cycle in the framework: " + " -> ".join(cyc + [cur]),
                                        file=source, key=cur))
    return problems


def _heights(root: str, children: Mapping[str, list[str]]) -> dict[str, int]:
    out: dict[str, int] = {}

    def rec(c: str) -> int:
        kids = children[c]
        h = 1 if not kids else 1 + max(rec(k) for k in kids)
        out[c] = h
        return h

    rec(root)
    return out


def _check_levels(fw: Framework, source: str | None) -> list[Problem]:
    problems: list[Problem] = []
    for c, n in fw.nodes.items():
        if n.type == "metric" and n.level != 1:
            problems.append(Problem(f"metric {c!r} must be at level 1", file=source, key=c,
                                    column="Level", value=n.level, expected="1"))
        if n.parent is not None:
            pl = fw.nodes[n.parent].level
            if pl is not None and n.level is not None and pl <= n.level:
                problems.append(Problem(f"parent {n.parent!r} of {c!r} must be at a higher level",
                                        file=source, key=c, column="Level",
                                        value=f"{n.level} under {pl}"))
        if n.type == "aggregate" and n.direction != 1:
            problems.append(Problem(f"aggregate {c!r} has direction -1; directions apply to "
                                    "metrics only", file=source, key=c, column="Direction",
                                    value=n.direction, expected="1"))
    return problems


def _read_table(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise ConfigError(f"framework table not found: {path}")
    if path.is_dir():
        raise ConfigError(f"framework table {path} is a folder, expected a CSV or Excel file")
    try:
        if path.suffix.lower() in (".xlsx", ".xls"):
            return pd.read_excel(path, dtype={"iCode": str, "Parent": str})
        return pd.read_csv(path, dtype={"iCode": str, "Parent": str, "Denominator": str,
                                        "iName": str, "Unit": str, "Type": str},
                           keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"framework table {path} is not UTF-8 text; save it as UTF-8") from None
    except Exception as exc:  # noqa: BLE001 - pandas/openpyxl errors of a broken file
        raise ConfigError(f"cannot read framework table {path}: "
                          f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
                          ) from None


def _isna(v: Any) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA


def _s(v: Any) -> str | None:
    if _isna(v):
        return None
    s = str(v).strip()
    return s or None


def _pyd_msg(exc: Exception) -> str:
    errs = getattr(exc, "errors", None)
    if callable(errs):
        return "; ".join(
            f"{'.'.join(str(x) for x in e.get('loc', ()))}: {e.get('msg')}" for e in errs()
        )
    return str(exc)
