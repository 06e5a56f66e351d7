"""``aiindex trends [CONFIG]``: run a config over a panel; trends, rank changes and gaps."""

from __future__ import annotations

import argparse

from . import _term
from ._common import add_config_arguments, check_out, config_from_args, out_dir, positive_int


def configure(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``aiindex trends``."""
    add_config_arguments(p, out_help="folder for panel_*.csv, trends.csv, gap_A_B.csv")
    p.add_argument("--years", type=int, nargs="+", metavar="YEAR",
                   help="years to run (default: the config's data.years, else all)")
    p.add_argument("--bounds", choices=["per_year", "pooled"], default=None,
                   help="normalisation bounds (default: config normalize.pooled, else per_year)")
    p.add_argument("--pool", choices=["all", "selected"], default="all",
                   help="pooled bounds over all years of the data (default) or only --years")
    p.add_argument("--gap", nargs=2, metavar=("A", "B"), help="score gap A − B by year")
    p.add_argument("--node", metavar="CODE", help="node to follow (default: the index)")
    p.add_argument("--top", type=positive_int, default=None, metavar="N",
                   help="print only the first N rows (N >= 1)")
    p.add_argument("--plot", action="store_true",
                   help="with --gap and --out: save a PNG chart (scores and gap over the years)")


def main(args: argparse.Namespace) -> int:
    """Run every year, print the trends (and a gap), write CSVs."""
    from ..analysis.trends import gaps, trends
    from ..pipeline import run_panel

    check_out(args.out, folder=True)

    pr = run_panel(config_from_args(args), years=args.years, bounds=args.bounds, data=args.data,
                   pool=args.pool)
    node = args.node
    tr = trends(pr, node)
    pooled = (f" over {pr.pooled_years[0]}-{pr.pooled_years[-1]} ({len(pr.pooled_years)} years)"
              if pr.pooled_years else "")
    _term.echo(f"{pr.config.name}: years {pr.years[0]}-{pr.years[-1]} ({len(pr.years)}), "
               f"bounds {pr.bounds}{pooled}, node {pr._node(node)}")
    shown = tr.sort_values("change", ascending=False)
    _term.print_table(shown.drop(columns=["note"] if not shown["note"].astype(bool).any()
                                 else []), max_rows=args.top)
    if args.top is not None and args.top < len(tr):
        _term.echo(f"... {len(tr) - args.top} more units (without --top: all of them)")
    _term.note("cagr_pct: compound annual growth rate of the score, in % per year; change: "
               "points; slope: points per year (least squares); rank_change > 0: moved up")
    g = None
    if args.gap:
        a, b = args.gap
        g = gaps(pr, a, b, node)
        _term.echo(f"\nGap {a} − {b}:")
        _term.print_table(g, index=False)
    if args.out:
        with out_dir(args.out, pr.config) as out:
            pr.write_to(out)
            out.write_csv("trends.csv", tr, float_format="%.10g")
            if g is not None:
                gap = f"gap_{args.gap[0]}_{args.gap[1]}"
                out.write_csv(f"{gap}.csv", g, index=False, float_format="%.10g")
                if args.plot:
                    from ..outputs.charts import panel_gap_chart

                    out.write(f"{gap}.png",
                              lambda p: panel_gap_chart(pr, args.gap[0], args.gap[1], node, p))
        _term.echo(f"\nwrote {len(out.paths)} files to {args.out}")
    return 0
