"""``aiindex run [CONFIG]``: run an index, print the ranked table, optionally write CSVs."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ..errors import AIIndexError
from . import _term
from ._common import add_config_arguments, check_out, command_line, positive_int, run_from_args

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..pipeline import Result


def configure(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``aiindex run``."""
    add_config_arguments(p, out_help="folder for scores.csv, ranks.csv and one CSV per stage")
    p.add_argument("--top", type=positive_int, default=None, metavar="N",
                   help="print only the first N rows (N >= 1)")


def _table(res: Result) -> tuple[pd.DataFrame, str | None]:
    """The ranked table; with ``output.show_imputed`` each unit's score share resting on imputed
    cells (in %), or why that column is left out (e.g. geometric aggregation)."""
    table = res.table()
    if not (res.config.output or {}).get("show_imputed"):
        return table, None
    from ..analysis.provenance import imputed_share

    try:
        share = imputed_share(res)["imputed_score"]
    except AIIndexError as exc:
        return table, str(exc)
    return table.assign(**{"imputed_%": share.reindex(table.index) * 100}), None


def main(args: argparse.Namespace) -> int:
    """Run the config and print the ranked table."""
    check_out(args.out, folder=True)
    res = run_from_args(args)
    _term.echo(f"{res.config.name}: {len(res.scores)} units, {len(res.framework.metrics)} "
               "metrics" + (f", year {res.year}" if res.year is not None else ""))
    table, why = _table(res)
    _term.print_table(table, max_rows=args.top)
    if why:
        _term.echo()
        _term.note(f"output.show_imputed: the share of each score resting on imputed cells is "
                   f"not shown: {why}")
    if args.top is not None and args.top < len(table):
        _term.echo(f"... {len(table) - args.top} more rows (without --top: all of them)")
    years = res.info.get("panel_years") or []
    if len(years) > 1:
        pooled = " (normalisation bounds pooled over all years)" if \
            res.config.normalize.flag("pooled") else ""
        _term.echo()
        _term.note(f"panel data ({years[0]}-{years[-1]}): showing {res.year}{pooled}; "
                   "`aiindex trends CONFIG` runs every year")
    unused = res.info.get("unused_columns")
    if unused:
        _term.echo()
        _term.note(f"unused data columns (not in the framework): {', '.join(unused)}")
    unmatched = res.info.get("unmatched_names")
    if unmatched:
        _term.echo()
        _term.note("unit codes of the names file that match no unit of the data: "
                   + ", ".join(map(str, unmatched[:20])))
    note = (res.config.output or {}).get("note") if res.config.output else None
    if note:
        _term.echo()
        for para in str(note).strip().split("\n\n"):
            _term.note(para, prefix="")
    if args.out:
        paths = res.to_csv(args.out, command=command_line())
        _term.echo(f"\nwrote {len(paths)} files to {args.out}")
    return 0
