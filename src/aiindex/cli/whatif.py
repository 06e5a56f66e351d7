"""``aiindex whatif [CONFIG] SCENARIO.yaml [...]``: what-if scenarios against the base index.

With one path, it is the scenario and the bundled default is the config; with several, the
first is the config (write ``default`` to use the bundled default with several scenarios).
"""

from __future__ import annotations

import argparse

from . import _term
from ._common import add_config_arguments, check_out, config_from_args, out_dir, positive_int


def configure(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``aiindex whatif``."""
    add_config_arguments(p, out_help="folder for whatif.csv")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO.yaml",
                   help="scenario files (YAML overlays: weights, drop, add, stage sections)")
    p.add_argument("--top", type=positive_int, default=10, metavar="N",
                   help="movers printed per scenario (N >= 1, default 10)")


def main(args: argparse.Namespace) -> int:
    """Run the scenarios, print the biggest movers, write CSVs."""
    from ..analysis.scenarios import whatif

    check_out(args.out, folder=True)
    table = whatif(config_from_args(args), args.scenarios, data=args.data)
    for name, g in table.groupby("scenario", sort=False):
        if name == "base":
            continue
        ch = g["rank_change"].astype("Float64")
        _term.echo(f"scenario {name}: mean |rank change| {float(ch.abs().mean()):.2f}, "
                   f"{int((ch != 0).sum())} unit(s) moved")
        g2 = g.assign(abs_change=ch.abs()).sort_values("abs_change", ascending=False)
        cols = ["uCode", "base_rank", "rank", "rank_change", "score"] + (
            ["base_tier", "tier", "tier_change"] if "tier" in g else [])
        _term.print_table(g2[cols].head(args.top).set_index("uCode"), decimals=2)
        _term.echo()
    if args.out:
        with out_dir(args.out, scenarios=[str(s) for s in args.scenarios]) as out:
            p = out.write_csv("whatif.csv", table, index=False, float_format="%.17g")
        _term.echo(f"wrote {p}")
    return 0
