"""The README's set-up commands and .ci/run agree; the README example runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bash_blocks(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def test_two_setup_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    blocks = _bash_blocks(readme)
    assert len(blocks) == 2, "README keeps exactly two set-up commands"
    run_cmd, test_cmd = blocks
    assert run_cmd.endswith("aiindex run")
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_cmd in ci, ".ci/run must run the README's test command verbatim"


def test_readme_python_example_runs(tmp_path, monkeypatch, asem_dir):
    readme = (ROOT / "README.md").read_text()
    code = re.findall(r"```python\n(.*?)```", readme, flags=re.S)[0]
    monkeypatch.chdir(ROOT)
    code = code.replace('"out/"', repr(str(tmp_path)))
    exec(compile(code, "README", "exec"), {})
    assert (tmp_path / "scores.csv").exists()
