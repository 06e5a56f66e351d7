"""``aiindex report [CONFIG] --out report.html``: a self-contained HTML report."""

from __future__ import annotations

import argparse

from . import _term
from ._common import add_config_arguments, check_out, config_from_args, run_from_args


def configure(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``aiindex report``."""
    add_config_arguments(p, out_help="output HTML file (default report.html)",
                         out_default="report.html")
    p.add_argument("--no-charts", action="store_true", help="leave the charts out")
    p.add_argument("--trends", action="store_true",
                   help="add trends over all years of a multi-year (panel) dataset")
    p.add_argument("--gap", nargs=2, metavar=("A", "B"),
                   help="with panel data: add the gap between units A and B over the years")


def main(args: argparse.Namespace) -> int:
    """Run the config and write the report."""
    from ..outputs.report import write_report

    check_out(args.out, folder=False)
    res = run_from_args(args)
    panel = None
    if args.trends or args.gap:
        from ..pipeline import run_panel

        panel = run_panel(config_from_args(args), data=args.data)
    p = write_report(res, args.out, charts=not args.no_charts, panel=panel,
                     gap=tuple(args.gap) if args.gap else None)
    _term.echo(f"wrote {p}")
    return 0
