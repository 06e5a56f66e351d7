"""The command line as a whole: help on every argument, CONFIG and --set everywhere, output
fitted to the terminal (plain when piped), progress bars only on a terminal."""

from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aiindex import _progress
from aiindex.cli import COMMANDS, _bars, _term, build_parser, main

ROOT = Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class FakeTTY(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def _subparser(command: str) -> argparse.ArgumentParser:
    ap = build_parser(command)
    sub = next(a for a in ap._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[command]


# ----------------------------------------------------------------------------- parsers
@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_option_and_positional_has_help(command):
    p = build_parser() if command is None else _subparser(command)
    missing = [a.dest for a in p._actions
               if not isinstance(a, argparse._HelpAction | argparse._SubParsersAction)
               and (not a.help or a.help == argparse.SUPPRESS)]
    assert not missing, f"aiindex {command or ''}: arguments without help: {missing}"


def test_the_help_walk_can_fail():
    p = argparse.ArgumentParser()
    p.add_argument("--x")
    assert [a.dest for a in p._actions if not isinstance(a, argparse._HelpAction)
            and not a.help] == ["x"]


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "compare"])
def test_config_is_optional_and_takes_set(command):
    p = _subparser(command)
    by_dest = {a.dest: a for a in p._actions}
    assert by_dest["config"].nargs == "?" and by_dest["config"].default is None
    assert "set" in by_dest and by_dest["set"].option_strings == ["--set"]
    assert "bundled" in by_dest["config"].help
    assert "quiet" in by_dest


def test_compare_takes_set_and_an_optional_base_config():
    by_dest = {a.dest: a for a in _subparser("compare")._actions}
    assert "set" in by_dest and by_dest["config"].default is None


def test_sensitivity_estimators_match_the_library():
    from aiindex.analysis.sensitivity import ESTIMATORS
    from aiindex.cli import sensitivity

    assert sensitivity.ESTIMATORS == ESTIMATORS
    by_dest = {a.dest: a for a in _subparser("sensitivity")._actions}
    assert list(by_dest["estimator"].choices) == list(ESTIMATORS)


def test_stats_has_strict():
    assert "strict" in {a.dest for a in _subparser("stats")._actions}


def test_bare_aiindex_prints_help(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: aiindex") and all(c in out for c in COMMANDS)


@pytest.mark.parametrize("argv", [["--help"], ["--version"], []])
def test_help_and_version_import_neither_rich_nor_pandas(argv):
    code = ("import contextlib, io, sys\nfrom aiindex.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    try:\n        main({argv!r})\n    except SystemExit:\n        pass\n"
            "print(' '.join(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.split()
    assert not {"rich", "pandas", "scipy", "numpy"} & set(out)


# ----------------------------------------------------------------------------- cells
def test_cells_integers_fixed_decimals_and_missing():
    df = pd.DataFrame({"rank": [1.0, 2.0, np.nan], "score": [1.0, 2.345, np.nan],
                       "n": pd.array([3, None, 5], dtype="Int64"), "name": ["a", None, "c"],
                       "flag": [True, False, True], "mean_rank": [1.5, 2.0, 3.0]})
    cells, numeric = _term.format_cells(df, decimals={"score": 1})
    assert cells[0] == ["1", "2", _term.MISSING]  # a rank column of whole numbers
    assert cells[1] == ["1.0", "2.3", _term.MISSING]  # scores keep their decimals
    assert cells[2] == ["3", _term.MISSING, "5"]
    assert cells[3] == ["a", "", "c"]
    assert cells[4] == ["yes", "no", "yes"]
    assert cells[5] == ["1.50", "2.00", "3.00"]  # not whole numbers: decimals
    assert numeric == [True, True, True, False, False, True]


def _table(n_cols: int = 9, n_rows: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.uniform(0, 100, (n_rows, n_cols)),
                      columns=[f"dimension_{i}" for i in range(n_cols)],
                      index=pd.Index([f"U{i}" for i in range(n_rows)], name="uCode"))
    df.insert(0, "name", ["Bosnia and Herzegovina", "Chad", "United Kingdom", "Peru"][:n_rows])
    return df


def test_piped_output_is_plain_and_keeps_its_natural_width(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    buf = io.StringIO()
    _term.print_table(_table(), stream=buf)
    text = buf.getvalue()
    assert not ANSI.search(text) and "─" not in text
    lines = text.splitlines()
    assert len(lines) == 5 and "Bosnia and Herzegovina" in lines[1]
    assert lines[0].split() == ["uCode", "name", *[f"dimension_{i}" for i in range(9)]]
    # numbers right-aligned: every value of a column ends at the same place
    ends = {ln.rindex(ln.split()[-1]) + len(ln.split()[-1]) for ln in lines}
    assert len(ends) == 1


@pytest.mark.parametrize("cols", [80, 50, 30])
def test_a_wide_table_fits_the_width_in_blocks_without_losing_a_cell(monkeypatch, cols):
    monkeypatch.setenv("COLUMNS", str(cols))
    df = _table()
    buf = io.StringIO()
    _term.print_table(df, stream=buf)
    text = buf.getvalue()
    assert max(len(ln) for ln in text.splitlines()) <= cols
    flat = " ".join(text.split())
    for v in df.drop(columns="name").to_numpy().ravel():
        assert f"{v:.2f}" in flat
    blocks = text.count("(column")
    assert blocks > 1  # 10 columns of 11+ characters do not fit
    for u in df.index:  # row labels repeated in every block
        assert sum(ln.startswith(f"{u} ") for ln in text.splitlines()) == blocks
    assert "Bosnia" in text and "Herzegovina" in text  # names wrap at words, never cut


def test_terminal_output_has_colours_unless_no_color(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    tty = FakeTTY()
    _term.print_table(_table(2, 2), stream=tty)
    assert ANSI.search(tty.getvalue())
    monkeypatch.setenv("NO_COLOR", "1")
    tty = FakeTTY()
    _term.print_table(_table(2, 2), stream=tty)
    assert not ANSI.search(tty.getvalue())


def test_notes_wrap_at_word_boundaries(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    text = ("mean_score is NaN: factor(s) ['normalisation'] vary the normaliser, so "
            "replications' scores are on different scales")
    buf = io.StringIO()
    _term.note(text, stream=buf)
    lines = buf.getvalue().splitlines()
    assert len(lines) > 1 and all(len(ln) <= 40 for ln in lines)
    assert lines[0].startswith("note: ") and all(ln.startswith(" " * 6) for ln in lines[1:])
    assert " ".join(" ".join(lines)[len("note: "):].split()) == text  # no word cut
    monkeypatch.delenv("COLUMNS")
    buf = io.StringIO()
    _term.note(text, stream=buf)
    assert buf.getvalue() == f"note: {text}\n"  # piped: one line


# ----------------------------------------------------------------------------- progress
def test_bars_only_on_a_terminal_and_not_quiet(monkeypatch):
    monkeypatch.delenv("TERM", raising=False)
    assert _bars.wanted(False, FakeTTY())
    assert not _bars.wanted(True, FakeTTY())
    assert not _bars.wanted(False, io.StringIO())
    monkeypatch.setenv("TERM", "dumb")
    assert not _bars.wanted(False, FakeTTY())


def test_bar_reporter_draws_share_and_time_left_and_clears():
    tty = FakeTTY()
    rep = _bars.BarReporter(tty, color=False)
    with _progress.use(rep), _progress.step("replications", total=4) as advance:
        with _progress.step("inner", total=None) as adv2:
            adv2(3)
        advance(2)
        rep._progress.refresh()
        assert "replications" in tty.getvalue() and "50%" in tty.getvalue()
        advance(2)
    assert rep._progress is None  # the display closed with its last step


def test_main_installs_bars_only_on_a_terminal(monkeypatch):
    seen = []

    def spy(args):
        seen.append(type(_progress.current()).__name__)
        return 0

    import aiindex.cli.validate as val

    monkeypatch.setattr(val, "main", spy)
    monkeypatch.delenv("TERM", raising=False)
    monkeypatch.setattr(sys, "stderr", FakeTTY())
    assert main(["validate"]) == 0
    assert main(["validate", "--quiet"]) == 0
    assert main(["--quiet", "validate"]) == 0
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert main(["validate"]) == 0
    assert seen == ["BarReporter", "NullReporter", "NullReporter", "NullReporter"]


# ----------------------------------------------------------------------------- commands
def test_uncertainty_prints_integer_ranks_and_no_empty_column(capsys, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    assert main(["uncertainty", "asem_uncertainty", "--n", "64", "--seed", "1",
                 "--top", "5"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    head = next(i for i, ln in enumerate(lines) if ln.startswith("uCode"))
    assert "mean_score" not in lines[head].split()
    assert "mean_score left out of the table; mean_score is NaN" in out
    for ln in lines[head + 1:head + 6]:
        f = ln.split()
        assert re.fullmatch(r"\d+", f[1]), ln  # the nominal rank
        # median, percentiles and width: integers when whole, else one decimal
        assert all(re.fullmatch(r"\d+(\.\d)?", x) for x in f[4:8]), ln
    cols = [ln.split() for ln in lines[head + 1:head + 6]]
    for j in range(4, 8):  # never "4.0": a column of whole numbers prints as integers
        assert not all(c[j].endswith(".0") for c in cols)


def test_trends_prints_growth_in_percent(capsys):
    assert main(["trends", "asem_panel", "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "cagr_pct" in out and "% per year" in out
    row = next(ln for ln in out.splitlines() if ln.startswith("MLT"))
    # MLT grows from 48.10 to 66.09 over 4 years: 100 * ((66.09/48.10)**(1/4) - 1) = 8.27
    assert "8.2" in row.split()[7]


def test_validate_takes_set(capsys):
    assert main(["validate", "asem", "--set", "normalize.method=nope"]) == 1
    assert "nope" in capsys.readouterr().out
    assert main(["validate", "asem", "--set", "treat.winmax=3"]) == 0
