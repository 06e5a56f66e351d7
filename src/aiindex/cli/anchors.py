"""``aiindex anchors [CONFIG]``: score an index against every published fact, by edition."""

from __future__ import annotations

import argparse

from . import _term
from ._common import add_config_arguments, check_out, command_line, config_from_args


def configure(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``aiindex anchors``."""
    add_config_arguments(p, out_help="folder for anchors.csv, anchors_summary.csv, "
                                     "tier_alternatives.csv, scores.csv, ranks.csv")
    p.add_argument("--published", default=None, metavar="FILE",
                   help="published-facts YAML (default: the config's output.anchors)")
    p.add_argument("--levels", action="store_true",
                   help="also compare score levels (only meaningful for an index calibrated to "
                        "the published scale; otherwise they are 'not comparable')")
    p.add_argument("--all", action="store_true", dest="show_all",
                   help="print every fact (default: the scored ones and the counts)")


def main(args: argparse.Namespace) -> int:
    """Print the scorecard and the tier rules; write CSVs with ``--out``."""
    from ..analysis.anchors import anchors

    check_out(args.out, folder=True)
    res = anchors(config_from_args(args), published=args.published, levels=args.levels)
    _term.echo(res.summary())
    t = res.table
    if not args.show_all:
        t = t[t["status"].isin(["pass", "fail"])]
    cols = ["id", "published", "ours", "tolerance", "status", "source"]
    _term.echo()
    _term.print_table(t.set_index("id")[cols[1:]])
    _term.echo("\nTier sizes (tier 1 first) under the config's rule and the alternatives:")
    _term.print_table(res.tiers.set_index(["edition", "rule"]))
    if args.out:
        paths = res.to_csv(args.out, command=command_line())
        _term.echo(f"\nwrote {len(paths)} files to {args.out}")
    return 0
