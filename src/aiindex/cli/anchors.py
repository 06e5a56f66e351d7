"""``aiindex anchors [CONFIG]``: score an index against every published fact, by edition."""

from __future__ import annotations

import argparse

from ._common import add_config_arguments, command_line, config_from_args, fmt_table


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

    res = anchors(config_from_args(args), published=args.published, levels=args.levels)
    print(res.summary())
    t = res.table
    if not args.show_all:
        t = t[t["status"].isin(["pass", "fail"])]
    cols = ["id", "published", "ours", "tolerance", "status", "source"]
    print()
    print(fmt_table(t.set_index("id")[cols[1:]]))
    print("\nTier sizes (tier 1 first) under the config's rule and the alternatives:")
    print(fmt_table(res.tiers.set_index(["edition", "rule"])))
    if args.out:
        paths = res.to_csv(args.out, command=command_line())
        print(f"\nwrote {len(paths)} files to {args.out}")
    return 0
