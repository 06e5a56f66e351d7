"""Every command and Python block of docs/getting-started.md works in an empty folder outside
the source folder, with the installed ``aiindex`` command and ``python``.

The page's install block (marked ``<!-- getting-started: install ... -->``) is the only one not
run: the test uses the package installed in the running environment. YAML blocks with a
``title="FILE"`` are written to ``FILE`` first, as a reader would save them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import aiindex

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "getting-started.md"
FENCE = re.compile(r"(?:<!--(?P<comment>[^>]*)-->\s*\n)?```(?P<lang>\w+)(?P<attrs>[^\n]*)\n"
                   r"(?P<body>.*?)```", re.S)

pytestmark = pytest.mark.slow


def blocks(text: str) -> list[tuple[str, str, str, str]]:
    """``(lang, attrs, body, comment)`` of every fenced block, in page order."""
    return [(m["lang"], m["attrs"].strip(), m["body"], (m["comment"] or "").strip())
            for m in FENCE.finditer(text)]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "AIINDEX_DEBUG")}
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    # the package this test imported (a source folder on PYTHONPATH, or the installed one)
    env["PYTHONPATH"] = str(Path(aiindex.__file__).resolve().parents[1])
    env["MPLBACKEND"] = "Agg"
    return env


def _run(cmd: list[str], cwd: Path, env: dict[str, str], what: str) -> None:
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, f"{what} failed ({p.returncode}):\n{p.stdout[-2000:]}\n{p.stderr}"
    assert "Traceback" not in p.stderr, f"{what}:\n{p.stderr}"


def test_page_has_one_install_block_and_commands():
    bl = blocks(PAGE.read_text())
    skipped = [b for b in bl if "install" in b[3]]
    assert len(skipped) == 1 and "pip install ." in skipped[0][2]
    assert "pypi" not in PAGE.read_text().lower()  # no registry host name
    assert sum(b[0] == "bash" for b in bl) >= 5 and sum(b[0] == "python" for b in bl) >= 2


def test_install_extras_exist():
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    for m in re.finditer(r'pip install "?\.\[([\w,]+)\]', PAGE.read_text()):
        assert set(m[1].split(",")) <= set(extras), m[0]


def test_every_command_runs_in_an_empty_folder(tmp_path):
    exe = Path(sys.executable).parent / "aiindex"
    if not exe.exists():
        pytest.skip(f"no aiindex command beside {sys.executable}")
    work = tmp_path / "empty"
    work.mkdir()
    assert not work.resolve().is_relative_to(ROOT)
    env = _env()
    ran = 0
    for i, (lang, attrs, body, comment) in enumerate(blocks(PAGE.read_text())):
        if "install" in comment:
            continue
        if lang == "yaml" and (m := re.search(r'title="([^"]+)"', attrs)):
            (work / m[1]).write_text(body)
        elif lang == "bash":
            for line in body.splitlines():
                cmd = line.split("  #")[0].strip()
                if cmd:
                    _run(["bash", "-c", cmd], work, env, f"`{cmd}`")
                    ran += 1
        elif lang == "python":
            script = work / f"_block{i}.py"
            script.write_text(body)
            _run([sys.executable, str(script)], work, env, f"Python block {i}:\n{body}")
            ran += 1
    assert ran >= 15
    for f in ("results/manifest.json", "results_py/scores.csv", "report.html", "asem.xlsx",
              "explorer.html", "my_data.csv"):
        assert (work / f).is_file(), f
