"""User text (unit names, labels, notes) is printed verbatim by the command line, never read as
``rich`` markup: ``Korea [rep.]`` keeps its brackets and ``[/]`` is no error."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from aiindex.cli import _term, main
from aiindex.cli._bars import BarReporter
from hostile_cases import cfg_dict, frame

NAMES = ["Korea [rep.]", "Odd [/] name", "[bold]x[/bold]", ":smile: face"]


class _TTY(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(params=["terminal", "piped"])
def stream(request, monkeypatch) -> io.StringIO:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "200")
    return _TTY() if request.param == "terminal" else io.StringIO()


def test_table_cells_and_headers_verbatim(stream) -> None:
    df = pd.DataFrame({"name": NAMES, "[i]score[/i]": [1.0, 2.0, 3.0, 4.0]},
                      index=pd.Index(["[b]A", "B", "C", "D"], name="code"))
    _term.print_table(df, stream=stream)
    out = stream.getvalue()
    for text in [*NAMES, "[i]score[/i]", "[b]A"]:
        assert text in out, (text, out)


def test_progress_labels_verbatim() -> None:
    s = _TTY()
    bars = BarReporter(stream=s, color=False)
    h = bars.start("unit Odd [/] name [bold]x[/bold]", 2)
    bars.advance(h, 1)
    bars._progress.refresh()
    out = s.getvalue()
    bars.finish(h)
    assert "Odd [/] name [bold]x[/bold]" in out


def test_run_prints_names_verbatim(tmp_path, capsys) -> None:
    df = frame()
    df.loc[:3, "uName"] = NAMES
    df.to_csv(tmp_path / "data.csv", index=False)
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(json.dumps(cfg_dict(data={"file": "data.csv"})), encoding="utf-8")
    assert main(["run", str(cfg)]) == 0
    out = capsys.readouterr().out
    for name in NAMES:
        assert name in out
