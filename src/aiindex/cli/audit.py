"""``aiindex audit [CONFIG]``: correlations, Cronbach's alpha, PCA and flagged pairs."""

from __future__ import annotations

import argparse

from . import _term
from ._common import add_config_arguments, check_out, command_line, run_from_args


def configure(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``aiindex audit``."""
    add_config_arguments(p, out_help="folder for audit_*.csv")
    p.add_argument("--method", choices=["pearson", "spearman", "kendall"], default="pearson",
                   help="correlation coefficient (default pearson)")
    p.add_argument("--threshold", type=float, default=0.9, metavar="R",
                   help="flag sibling pairs correlated above this (default 0.9)")
    p.add_argument("--neg-tol", type=float, default=0.1, metavar="T",
                   help="flag negative correlations only below -NEG_TOL (default 0.1)")


def main(args: argparse.Namespace) -> int:
    """Run the audit and print its summary."""
    from ..analysis.audit import audit

    check_out(args.out, folder=True)
    res = run_from_args(args)
    rep = audit(res, method=args.method, threshold=args.threshold, neg_tol=args.neg_tol)
    _term.echo(f"Audit of {res.config.name}: {len(res.scores)} units, "
               f"{len(res.framework.metrics)} metrics"
               + (f", year {res.year}" if res.year is not None else ""))
    _term.echo(rep.summary())
    if args.out:
        paths = rep.to_csv(args.out, command=command_line())
        _term.echo(f"\nwrote {len(paths)} files to {args.out}")
    return 0
