"""``aiindex compare A B [C ...]``: scores and ranks of two or more results side by side.

Each source is a config (a YAML file with ``framework`` or ``extends``, the name of a bundled
config, or ``default``), a scenario YAML file (an overlay, applied to ``--config``, else to the
first config given, else to the bundled default) or an output folder written by
``aiindex run --out``. The first source is the base (``--base`` changes it).
"""

from __future__ import annotations

import argparse

from . import _term
from ._common import check_out, command_line, parse_set, positive_int


def configure(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``aiindex compare``."""
    p.add_argument("sources", nargs="+", metavar="SOURCE",
                   help="two or more: config YAML (with framework/extends), bundled config name "
                        "or 'default', scenario YAML (applied to the base config), or an output "
                        "folder of `aiindex run --out`")
    p.add_argument("--config", default=None, metavar="CONFIG",
                   help="base config of scenario sources (default: the first config given, "
                        "else the bundled default)")
    p.add_argument("--names", nargs="+", default=None, metavar="NAME",
                   help="labels of the sources, one per source, in order")
    p.add_argument("--base", default=None, metavar="NAME",
                   help="label (or 1-based position) of the base source (default: the first)")
    p.add_argument("--node", default=None, metavar="CODE",
                   help="node whose movers are printed (default: the root)")
    p.add_argument("--top", type=positive_int, default=10, metavar="N",
                   help="movers printed per source (N >= 1, default 10)")
    p.add_argument("--data", default=None, metavar="FILE",
                   help="data file (CSV or Excel) replacing the data of configs and scenarios")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a config key in every config and scenario run, e.g. "
                        "--set normalize.method=zscore (repeatable)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="folder for compare_scores.csv, compare_differences.csv, "
                        "compare_correlations.csv and compare_movers.csv")


def _base(arg: str | None) -> int | str:
    if arg is None:
        return 0
    return int(arg) - 1 if arg.isdigit() else arg


def main(args: argparse.Namespace) -> int:
    """Compare the sources; print rank correlations and the biggest movers; write CSVs."""
    from ..analysis.compare import compare
    from ._common import resolve_config_arg

    check_out(args.out, folder=True)
    cfg = resolve_config_arg(args.config) if args.config is not None else None
    c = compare(*args.sources, names=args.names, base=_base(args.base), config=cfg,
                data=args.data, overrides=parse_set(args.set) or None, top=args.top)
    node = args.node or c.root
    kinds = c.info["kinds"]
    _term.echo(f"base: {c.base} ({kinds[c.base]}); compared: "
               + ", ".join(f"{n} ({kinds[n]})" for n in c.names[1:])
               + f"; {len(c.nodes)} node(s) in common")
    _term.echo(c.summary())
    movers = c.movers_at(node, top=args.top)
    for name in c.names[1:]:
        m = movers[movers["source"] == name]
        _term.echo(f"\n{name}: units that moved most at {node} (rank_change > 0 = moved up)")
        if m.empty:
            _term.echo("  no unit changed rank")
            continue
        cols = ["uCode", "base_rank", "rank", "rank_change", "base_score", "score"]
        _term.print_table(m[cols].set_index("uCode"), decimals=2)
    if args.out:
        paths = c.to_csv(args.out, command=command_line())
        _term.echo(f"\nwrote {len(paths)} files to {args.out}")
    return 0
