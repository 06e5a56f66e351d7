"""The package's layers: imports point down only, no cycle, a light import and a lazy CLI.

The layers (docs/dev/architecture.md) in order; a module may import from its own layer (without
a cycle) and from the layers before it, never from those after it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from import_graph import find_cycles, import_edges, upward_edges

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "src" / "aiindex"

#: layer name → module prefixes (the longest matching prefix decides; "aiindex" = the core)
LAYERS: list[tuple[str, list[str]]] = [
    ("core", ["aiindex"]),
    ("framework", ["aiindex.framework"]),
    ("data", ["aiindex.data"]),
    ("stages", ["aiindex.stages"]),
    ("methods", ["aiindex.weights", "aiindex.tiers"]),
    ("pipeline", ["aiindex.pipeline"]),
    ("analysis", ["aiindex.analysis"]),
    ("outputs", ["aiindex.outputs"]),
    ("cli", ["aiindex.cli"]),
]

#: functions allowed over MAX_FUNCTION_LINES, with the reason (closing notes repeat it)
LONG_FUNCTIONS: dict[str, str] = {
}
MAX_FUNCTION_LINES = 100


def _edges():
    return import_edges(PKG)


def test_no_import_cycle():
    cycles = find_cycles(_edges())
    assert not cycles, f"import cycles: {cycles}"


def test_imports_point_down_the_layers():
    # the root facade names everything for type checkers only (under TYPE_CHECKING)
    bad = [e for e in upward_edges(_edges(), LAYERS)
           if not (e.source == "aiindex" and e.type_only)]
    assert not bad, "upward imports:\n" + "\n".join(
        f"{e.file}:{e.line}: {e.source} imports {e.target}" for e in bad)


def test_nothing_imports_the_cli():
    bad = [e for e in _edges() if e.target.startswith("aiindex.cli")
           and not e.source.startswith("aiindex.cli")]
    assert not bad, [f"{e.file}:{e.line}" for e in bad]


def _fake_package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "fakepkg"
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))
    for d in [root, *[p for p in root.rglob("*") if p.is_dir()]]:
        (d / "__init__.py").touch()
    return root


def test_checker_finds_a_cycle_through_a_function_level_import(tmp_path):
    root = _fake_package(tmp_path, {
        "a.py": "from .b import g\n",
        "b.py": "def g():\n    from .c import h\n    return h\n",
        "c.py": "import fakepkg.a\n",
        "d.py": "from . import a\n",
    })
    cycles = find_cycles(import_edges(root))
    assert cycles == [["fakepkg.a", "fakepkg.b", "fakepkg.c"]]


def test_checker_ignores_type_only_cycles_but_flags_upward_imports(tmp_path):
    root = _fake_package(tmp_path, {
        "low/x.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                    "    from ..high.y import Y\n",
        "high/y.py": "from ..low.x import X\n",
        "low/z.py": "def f():\n    from ..high import y\n",
    })
    edges = import_edges(root)
    assert find_cycles(edges) == []
    layers = [("low", ["fakepkg", "fakepkg.low"]), ("high", ["fakepkg.high"])]
    bad = {(e.source, e.target, e.type_only) for e in upward_edges(edges, layers)}
    assert bad == {("fakepkg.low.x", "fakepkg.high.y", True),
                   ("fakepkg.low.z", "fakepkg.high.y", False)}


def _loaded_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\n"
                          "print(' '.join(sorted(sys.modules)))"],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return set(out.stdout.split())


HEAVY = {"pandas", "scipy", "matplotlib", "openpyxl", "dask", "numpy"}


def test_import_aiindex_is_light():
    mods = _loaded_after("import aiindex")
    assert not mods & HEAVY, sorted(mods & HEAVY)


@pytest.mark.parametrize("argv", [["--version"], ["--help"], []])
def test_help_and_version_import_no_command(argv):
    code = ("import contextlib, io\nfrom aiindex.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    try:\n        main({argv!r})\n    except SystemExit:\n        pass")
    mods = _loaded_after(code)
    assert not mods & HEAVY, sorted(mods & HEAVY)
    commands = {m for m in mods if m.startswith("aiindex.cli.") and m not in
                ("aiindex.cli._errors", "aiindex.cli._common")}
    assert not commands, commands


def test_a_command_imports_only_its_module():
    code = ("import contextlib, io\nfrom aiindex.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n        main(['validate', '--help'])\n    except SystemExit:\n        pass")
    mods = _loaded_after(code)
    # helpers of the command line (_common, _errors, _term, ...) start with "_"
    commands = {m for m in mods if m.startswith("aiindex.cli.")
                and not m.rsplit(".", 1)[1].startswith("_")}
    assert commands == {"aiindex.cli.validate"}
    assert not mods & {"pandas", "scipy", "matplotlib"}


def test_an_in_process_uncertainty_run_imports_no_dask():
    """Catches a Dask-only helper importing ``distributed`` (0.6 s, ~20 MB) in every run."""
    code = ("import contextlib, io\nfrom aiindex.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    main(['uncertainty', 'asem_uncertainty', '--n', '200', '--quiet'])")
    mods = _loaded_after(code)
    assert not mods & {"dask", "distributed", "matplotlib"}, sorted(mods & {"dask", "distributed"})


def test_no_function_longer_than_a_screen():
    long = []
    for p in sorted(PKG.rglob("*.py")):
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = node.end_lineno - node.lineno + 1
                key = f"{p.relative_to(PKG)}:{node.name}"
                if n > MAX_FUNCTION_LINES and key not in LONG_FUNCTIONS:
                    long.append(f"{key} ({n} lines)")
    assert not long, "functions over 100 lines: " + ", ".join(long)
