"""The import graph of a package, read from its source (no module is imported).

Used by ``tests/test_architecture.py`` on aiindex and on small fake packages. Every ``import`` and
``from ... import`` statement counts, at module level and inside functions; imports under
``if TYPE_CHECKING:`` are recorded with ``type_only=True``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Edge", "module_name", "import_edges", "find_cycles", "layer_of", "upward_edges"]


@dataclass(frozen=True)
class Edge:
    """``source`` imports ``target`` (both dotted module names) at ``file:line``."""

    source: str
    target: str
    file: str
    line: int
    type_only: bool


def module_name(path: Path, root: Path) -> str:
    """Dotted name of the module at ``path`` in the package whose folder is ``root``."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else (
                test.attr if isinstance(test, ast.Attribute) else None)
            if name == "TYPE_CHECKING":
                for sub in node.body:
                    for n in ast.walk(sub):
                        if hasattr(n, "lineno"):
                            lines.add(n.lineno)
    return lines


def import_edges(root: Path) -> list[Edge]:
    """Every import between modules of the package at ``root`` (a folder with ``__init__.py``)."""
    pkg = root.name
    modules = {module_name(p, root): p for p in root.rglob("*.py")}
    edges: list[Edge] = []
    for mod, path in sorted(modules.items()):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        tc = _type_checking_lines(tree)
        is_pkg = path.name == "__init__.py"
        base = mod.split(".") if is_pkg else mod.split(".")[:-1]
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    up = base[: len(base) - (node.level - 1)]
                    frm = ".".join(up + ([node.module] if node.module else []))
                else:
                    frm = node.module or ""
                for a in node.names:  # `from pkg import sub` imports the submodule pkg.sub
                    sub = f"{frm}.{a.name}"
                    targets.append(sub if sub in modules else frm)
            else:
                continue
            for t in targets:
                if t == pkg or t.startswith(pkg + "."):
                    while t not in modules and "." in t:  # `import pkg.a.b` names a module
                        t = t.rsplit(".", 1)[0]
                    if t != mod:
                        edges.append(Edge(mod, t, str(path), node.lineno, node.lineno in tc))
    return edges


def find_cycles(edges: list[Edge]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), over run-time imports."""
    graph: dict[str, set[str]] = {}
    for e in edges:
        if not e.type_only:
            graph.setdefault(e.source, set()).add(e.target)
            graph.setdefault(e.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def layer_of(module: str, layers: list[tuple[str, list[str]]]) -> int | None:
    """Position of the layer whose prefixes match ``module`` (longest match), or ``None``."""
    best: tuple[int, int] | None = None
    for i, (_, prefixes) in enumerate(layers):
        for p in prefixes:
            if module == p or module.startswith(p + "."):
                if best is None or len(p) > best[1]:
                    best = (i, len(p))
    return None if best is None else best[0]


def upward_edges(edges: list[Edge], layers: list[tuple[str, list[str]]],
                 exempt: tuple[str, ...] = ()) -> list[Edge]:
    """Imports from a lower layer of a module of a higher one (type-only imports included)."""
    bad = []
    for e in edges:
        if e.source in exempt:
            continue
        a, b = layer_of(e.source, layers), layer_of(e.target, layers)
        if a is None or b is None or b > a:
            bad.append(e)
    return bad
