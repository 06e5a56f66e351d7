"""The ``aiindex`` command line: one module per command, imported only when that command runs.

``aiindex --help`` and ``aiindex --version`` import no command module, no pandas and no scipy:
the table :data:`COMMANDS` names each command's module and one-line help, and :func:`main`
imports the module of the chosen command only. Each command module has

* ``configure(parser)``: add the command's arguments;
* ``main(args) -> int``: run it and return the exit code.

Errors never reach the user as a traceback: :func:`main` turns a bad input into one line and exit
code 2, an interruption (Ctrl-C) into exit code 130, and anything else into an "internal error,
please report" line and exit code 1 (``--debug`` shows the traceback). Nothing imports
:mod:`aiindex.cli`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

__all__ = ["COMMANDS", "main", "build_parser"]

#: command → (module under aiindex.cli, one-line help), in the order ``--help`` lists them
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("run", "run an index and print the ranked table"),
    "validate": ("validate", "check a config and its data; list every problem"),
    "stats": ("stats", "per-metric statistics and per-unit data availability"),
    "calibrate": ("calibrate", "fit weights that reproduce published scores"),
    "whatif": ("whatif", "run what-if scenarios (YAML overlays) against the base index"),
    "uncertainty": ("uncertainty", "Monte Carlo rank intervals over the config's uncertainty "
                                   "factors"),
    "bounds": ("bounds", "exact best and worst ranks over a set of weights (arithmetic means)"),
    "sensitivity": ("sensitivity", "Sobol' first/total-order indices of the uncertainty "
                                   "factors"),
    "audit": ("audit", "statistical audit: correlations, Cronbach's alpha, PCA, flagged pairs"),
    "trends": ("trends", "run a config over a panel: trends, rank changes, gaps between units"),
    "anchors": ("anchors", "score an index against published facts (scorecard by edition)"),
    "report": ("report", "write a self-contained HTML report"),
    "export": ("export", "export every stage to an Excel workbook and/or CSV files"),
    "explore": ("explore", "write the interactive weight explorer (HTML)"),
    "compare": ("compare", "compare two or more results: score and rank changes, rank correlations"),
    "profile": ("profile", "a unit's scores and ranks at every level, its strongest and weakest metrics"),
}

_EPILOG = ("Every CONFIG is optional: without it a command uses the bundled Global AI Innovation "
           "Index public-proxy index (2023). `aiindex COMMAND --help` shows a command's options.")


def _version() -> str:
    from .._version import __version__

    return __version__


def _base_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="aiindex", description="Build, audit and stress-test composite indices.",
        epilog=_EPILOG)
    ap.add_argument("--version", action="version", version=f"aiindex {_version()}")
    ap.add_argument("--debug", action="store_true", dest="debug_global",
                    help="show the full traceback of an error (for bug reports)")
    ap.add_argument("--quiet", action="store_true", dest="quiet_global",
                    help="no progress bars")
    return ap


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; only ``command``'s module is imported (all commands get a stub).

    Parameters
    ----------
    command
        The command whose arguments are added in full; ``None`` adds none (``--help``).
    """
    ap = _base_parser()
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")
    for name, (mod, help_) in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_[0].upper() + help_[1:] + ".")
        p.add_argument("--debug", action="store_true",
                       help="show the full traceback of an error (for bug reports)")
        p.add_argument("--quiet", action="store_true",
                       help="no progress bars (they are drawn on standard error, on a terminal "
                            "only)")
        if name == command:
            m = importlib.import_module(f"{__name__}.{mod}")
            m.configure(p)
            p.set_defaults(func=m.main)
    return ap


def _command_of(argv: Sequence[str]) -> str | None:
    """The first argument that names a command (options before it are global)."""
    for a in argv:
        if a in COMMANDS:
            return a
        if not a.startswith("-"):
            return None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``aiindex`` console script; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = _command_of(argv)
    ap = build_parser(command)
    if not argv:
        ap.print_help()
        return 0
    args = ap.parse_args(argv)
    if getattr(args, "func", None) is None:
        ap.print_help()
        return 2
    debug = bool(args.debug or args.debug_global or os.environ.get("AIINDEX_DEBUG"))
    from ._errors import handle

    return handle(lambda: _with_bars(args), debug=debug, command=command)


def _with_bars(args: argparse.Namespace) -> int:
    """Run the command with progress bars on standard error when it is a terminal and
    ``--quiet`` was not given (``args.progress`` tells the command whether they are drawn)."""
    from ._bars import wanted

    args.progress = wanted(bool(args.quiet or args.quiet_global))
    if not args.progress:
        return args.func(args)
    from .. import _progress
    from ._bars import BarReporter

    rep = BarReporter()
    try:
        with _progress.use(rep):
            return args.func(args)
    finally:
        rep.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
