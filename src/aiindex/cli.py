"""The ``aiindex`` command line.

Core commands (``run``, ``validate``) live here; the modules of later stages add their own
sub-commands through a ``register_cli(subparsers)`` function (see :data:`COMMAND_MODULES`), so
that this file stays small and ``import aiindex`` stays light.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import AIIndexError

if TYPE_CHECKING:  # pragma: no cover
    from .pipeline import Result

__all__ = ["main", "parse_set", "add_config_arguments", "run_from_args", "COMMAND_MODULES"]

#: modules that contribute sub-commands via ``register_cli(subparsers)``
COMMAND_MODULES = (
    "aiindex.calibrate",
    "aiindex.scenarios",
    "aiindex.uncertainty",
    "aiindex.report",
    "aiindex.audit",
    "aiindex.panel",
)


def parse_set(items: Sequence[str] | None) -> dict[str, Any]:
    """Turn ``["normalize.method=zscore", "aggregate.min_share=0.5"]`` into a nested mapping.

    Values are parsed as YAML scalars (numbers, booleans, lists), so ``a.b=[1, 2]`` works.
    """
    from .spec import load_yaml

    out: dict[str, Any] = {}
    for item in items or []:
        if "=" not in item:
            raise AIIndexError(f"--set expects KEY=VALUE, got {item!r}")
        key, val = item.split("=", 1)
        parsed = load_yaml(val + "\n") if val.strip() else None
        cur = out
        parts = key.strip().split(".")
        for p in parts[:-1]:
            cur = cur.setdefault(p, {})
        cur[parts[-1]] = parsed
    return out


def add_config_arguments(p: argparse.ArgumentParser, *, optional: bool = False,
                         config_help: str | None = None, overrides: bool = True,
                         out_help: str | None = None, out_default: str | None = None) -> None:
    """Add the arguments every config-running sub-command shares.

    Parameters
    ----------
    p
        The sub-command's parser.
    optional
        The ``config`` positional may be left out (``None``: the bundled example).
    config_help
        Help of the ``config`` positional (a default text when ``optional``).
    overrides
        Add ``--set KEY=VALUE`` (repeatable; read with :func:`parse_set`).
    out_help, out_default
        Add ``--out`` with this help and default when ``out_help`` is given.
    """
    if optional:
        p.add_argument("config", nargs="?", default=None,
                       help=config_help or "config YAML (default: the bundled example)")
    else:
        p.add_argument("config", help=config_help)
    p.add_argument("--data", default=None, help="data file replacing the config's data")
    if overrides:
        p.add_argument("--set", action="append", metavar="KEY=VALUE",
                       help="override a config key, e.g. --set normalize.method=zscore")
    if out_help is not None:
        p.add_argument("--out", default=out_default, help=out_help)


def run_from_args(args: argparse.Namespace) -> Result:
    """Run ``args.config`` (default: the bundled example) with ``args.data`` and ``--set``."""
    from .pipeline import run

    return run(resolve_config_arg(args.config), data=args.data,
               overrides=parse_set(getattr(args, "set", None)))


def _fmt_table(df, decimals: int = 2, max_rows: int | None = None) -> str:
    import pandas as pd

    d = df if max_rows is None else df.head(max_rows)
    with pd.option_context("display.max_rows", None, "display.max_columns", None,
                           "display.width", 200, "display.float_format",
                           lambda v: f"{v:.{decimals}f}"):
        return d.to_string()


def cmd_run(args: argparse.Namespace) -> int:
    """``aiindex run``: run a config and print the ranked table."""
    res = run_from_args(args)
    print(f"{res.config.name}: {len(res.scores)} units, {len(res.framework.metrics)} metrics"
          + (f", year {res.year}" if res.year is not None else ""))
    print(_fmt_table(res.table(), max_rows=args.top))
    years = res.info.get("panel_years") or []
    if len(years) > 1:
        pooled = " (normalisation bounds pooled over all years)" if \
            res.config.normalize.option("pooled", False) else ""
        print(f"\npanel data ({years[0]}-{years[-1]}): showing {res.year}{pooled}; "
              "`aiindex trends CONFIG` runs every year")
    note = (res.config.output or {}).get("note") if res.config.output else None
    if note:
        print()
        print(str(note).strip())
    if args.out:
        paths = res.to_csv(args.out)
        print(f"\nwrote {len(paths)} files to {args.out}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """``aiindex validate``: list every problem of a config and its data."""
    from .pipeline import validate

    problems = validate(args.config, data=args.data)
    if not problems:
        print(f"OK: {args.config} is valid")
        return 0
    print(f"{len(problems)} problem(s) in {args.config}:")
    for i, p in enumerate(problems, 1):
        print(f"  {i}. {p}")
    return 1


def cmd_stats(args: argparse.Namespace) -> int:
    """``aiindex stats``: per-metric statistics and per-unit availability of one stage."""
    from .stats import metric_stats, unit_availability

    res = run_from_args(args)
    if args.stage not in res.stages:
        raise AIIndexError(f"unknown stage {args.stage!r}; stages: {list(res.stages)}")
    X = res.stages[args.stage][res.framework.metrics]
    ms, ua = metric_stats(X), unit_availability(X)
    print(f"metric statistics of stage {args.stage!r} ({X.shape[0]} units x {X.shape[1]} metrics)")
    print(_fmt_table(ms, decimals=3))
    low = ua.sort_values("availability").head(10)
    print("\nlowest data availability by unit")
    print(_fmt_table(low, decimals=3))
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        ms.to_csv(Path(args.out) / f"metric_stats_{args.stage}.csv")
        ua.to_csv(Path(args.out) / f"unit_availability_{args.stage}.csv")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    from . import __version__

    ap = argparse.ArgumentParser(prog="aiindex", description="Build, audit and stress-test "
                                 "composite indices.")
    ap.add_argument("--version", action="version", version=f"aiindex {__version__}")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("run", help="run an index and print the ranked table")
    add_config_arguments(
        p, optional=True,
        config_help="config YAML (default: the bundled Global AI Innovation Index example)",
        out_help="folder for scores.csv, ranks.csv and one CSV per stage")
    p.add_argument("--top", type=int, default=None, help="print only the first N rows")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("validate", help="check a config and its data; list every problem")
    add_config_arguments(p, overrides=False)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("stats", help="per-metric statistics and per-unit data availability")
    add_config_arguments(p, optional=True, out_help="folder for the CSV tables")
    p.add_argument("--stage", default="raw", help="stage table to describe (default: raw)")
    p.set_defaults(func=cmd_stats)

    for mod in COMMAND_MODULES:
        try:
            m = importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name == mod:
                continue
            raise
        reg = getattr(m, "register_cli", None)
        if reg is not None:
            reg(sub)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``aiindex`` console script."""
    ap = build_parser()
    args = ap.parse_args(argv)
    if not getattr(args, "command", None):
        args = ap.parse_args(["run", *(argv or [])])
    try:
        return int(args.func(args) or 0)
    except AIIndexError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `aiindex run | head`: the reader closed the pipe
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def resolve_config_arg(path: str | None) -> str | Path:
    """A config argument, or the bundled default when ``None``."""
    if path is None:
        from .defaults import default_config_path

        return default_config_path()
    return path


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
