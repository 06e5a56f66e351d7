"""``aiindex run [CONFIG]``: run an index, print the ranked table, optionally write CSVs."""

from __future__ import annotations

import argparse

from ._common import (
    add_config_arguments,
    check_out,
    command_line,
    fmt_table,
    positive_int,
    run_from_args,
)


def configure(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``aiindex run``."""
    add_config_arguments(p, out_help="folder for scores.csv, ranks.csv and one CSV per stage")
    p.add_argument("--top", type=positive_int, default=None, metavar="N",
                   help="print only the first N rows (N >= 1)")


def main(args: argparse.Namespace) -> int:
    """Run the config and print the ranked table."""
    check_out(args.out, folder=True)
    res = run_from_args(args)
    print(f"{res.config.name}: {len(res.scores)} units, {len(res.framework.metrics)} metrics"
          + (f", year {res.year}" if res.year is not None else ""))
    table = res.table()
    if (res.config.output or {}).get("show_imputed"):
        # output.show_imputed: each unit's score share resting on imputed cells (in %)
        from ..analysis.provenance import imputed_share

        table["imputed_%"] = imputed_share(res)["imputed_score"].reindex(table.index) * 100
    print(fmt_table(table, max_rows=args.top))
    years = res.info.get("panel_years") or []
    if len(years) > 1:
        pooled = " (normalisation bounds pooled over all years)" if \
            res.config.normalize.flag("pooled") else ""
        print(f"\npanel data ({years[0]}-{years[-1]}): showing {res.year}{pooled}; "
              "`aiindex trends CONFIG` runs every year")
    unused = res.info.get("unused_columns")
    if unused:
        print(f"\nnote: unused data columns (not in the framework): {', '.join(unused)}")
    note = (res.config.output or {}).get("note") if res.config.output else None
    if note:
        print()
        print(str(note).strip())
    if args.out:
        paths = res.to_csv(args.out, command=command_line())
        print(f"\nwrote {len(paths)} files to {args.out}")
    return 0
