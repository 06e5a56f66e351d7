"""The API reference (docs/reference/api.md) covers every public name, and every public function
has a numpy-style docstring (Parameters when it takes parameters, Returns when it returns)."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
API = ROOT / "docs" / "reference" / "api.md"
#: the top level and the subpackages that state their public names (``__all__``)
PACKAGES = ["aiindex", "aiindex.framework", "aiindex.data", "aiindex.stages", "aiindex.weights",
            "aiindex.tiers", "aiindex.pipeline"]


def public_names() -> list[tuple[str, Any]]:
    """``(dotted name, object)`` of every public name, each object once."""
    seen: dict[int, tuple[str, Any]] = {}
    for p in PACKAGES:
        mod = importlib.import_module(p)
        for n in mod.__all__:
            if n != "__version__":
                obj = getattr(mod, n)
                seen.setdefault(id(obj), (f"{p}.{n}", obj))
    return list(seen.values())


def documented(text: str) -> set[int]:
    """Ids of the objects named by the page's ``::: dotted.path`` directives."""
    out = set()
    for target in re.findall(r"^::: ([\w.]+)", text, flags=re.M):
        mod, _, attr = target.rpartition(".")
        try:
            obj = getattr(importlib.import_module(mod), attr)
        except (ImportError, AttributeError, ValueError):
            obj = importlib.import_module(target)
        out.add(id(obj))
    return out


def _has(doc: str, section: str) -> bool:
    return re.search(rf"^\s*{section}\n\s*-{{3,}}\s*$", doc, flags=re.M) is not None


def docstring_problems(name: str, obj: Any) -> list[str]:
    """What a public function or class misses of a numpy-style docstring."""
    if not (inspect.isfunction(obj) or inspect.isclass(obj)):
        return []
    doc = inspect.getdoc(obj) or ""
    if not doc.strip():
        return [f"{name}: no docstring"]
    if inspect.isclass(obj):
        return []
    sig = inspect.signature(obj)
    out = []
    if any(p.name not in ("self", "cls") for p in sig.parameters.values()) and \
            not _has(doc, "Parameters"):
        out.append(f"{name}: no Parameters section")
    if sig.return_annotation not in (inspect.Signature.empty, None, "None") and not (
            _has(doc, "Returns") or _has(doc, "Yields")):
        out.append(f"{name}: no Returns section")
    return out


def test_every_public_name_is_in_the_api_reference():
    ids = documented(API.read_text())
    missing = [n for n, o in public_names() if id(o) not in ids]
    assert not missing, f"missing from docs/reference/api.md: {missing}"


def test_every_public_function_has_a_numpy_docstring():
    problems = [p for n, o in public_names() for p in docstring_problems(n, o)]
    assert not problems, "\n".join(problems)


def test_the_checks_can_fail():
    def f(x: int) -> int:
        """Twice ``x``."""
        return 2 * x

    def g(x: int) -> int:
        """Twice ``x``.

        Parameters
        ----------
        x
            A number.

        Returns
        -------
        int
        """
        return 2 * x

    assert docstring_problems("f", f) == ["f: no Parameters section", "f: no Returns section"]
    assert docstring_problems("g", g) == []
    assert id(g) not in documented("::: aiindex.run\n")


@pytest.mark.parametrize("target", re.findall(r"^::: ([\w.]+)", API.read_text(), flags=re.M))
def test_every_directive_resolves(target):
    documented(f"::: {target}\n")
