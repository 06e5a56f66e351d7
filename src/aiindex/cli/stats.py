"""``aiindex stats [CONFIG] [--stage S]``: per-metric statistics and per-unit availability."""

from __future__ import annotations

import argparse

from ..errors import AIIndexError
from . import _term
from ._common import add_config_arguments, check_out, out_dir, run_from_args


def configure(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``aiindex stats``."""
    add_config_arguments(p, out_help="folder for the CSV tables")
    p.add_argument("--stage", default="raw", metavar="STAGE",
                   help="stage table to describe: raw, denominated, imputed, screened, treated, "
                        "normalized or aggregated (default: raw)")
    p.add_argument("--strict", action="store_true",
                   help="flag outliers with COINr's strict rule (|skew| > 2 and kurtosis > 3.5) "
                        "instead of >= (the rule the treat stage uses)")


def main(args: argparse.Namespace) -> int:
    """Print the statistics of one stage table."""
    from ..stats import metric_stats, unit_availability

    check_out(args.out, folder=True)
    res = run_from_args(args)
    if args.stage not in res.stages:
        raise AIIndexError(f"unknown stage {args.stage!r}; stages: {list(res.stages)}")
    X = res.stages[args.stage][res.framework.metrics]
    ms, ua = metric_stats(X, strict=args.strict), unit_availability(X)
    _term.echo(f"metric statistics of stage {args.stage!r} ({X.shape[0]} units x {X.shape[1]} "
               "metrics)")
    _term.print_table(ms, decimals=3)
    low = ua.sort_values("availability").head(10)
    _term.echo("\nlowest data availability by unit")
    _term.print_table(low, decimals=3)
    if args.out:
        with out_dir(args.out, res.config, stage=args.stage) as out:
            out.write_csv(f"metric_stats_{args.stage}.csv", ms)
            out.write_csv(f"unit_availability_{args.stage}.csv", ua)
        _term.echo(f"\nwrote {len(out.paths)} files to {args.out}")
    return 0
