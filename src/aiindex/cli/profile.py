"""``aiindex profile [CONFIG] UNIT``: one unit's scores and ranks at every level, and its
strongest and weakest metrics by rank (COINr ``get_unit_summary``, ``get_str_weak``).

With one positional argument it is the unit and the bundled default is the config; with two,
the first is the config.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError
from . import _term
from ._common import add_config_arguments, check_out, command_line, run_from_args

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..pipeline import Result


def configure(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``aiindex profile``."""
    add_config_arguments(p, out_help="folder for profile_<UNIT>_levels.csv and "
                                     "profile_<UNIT>_metrics.csv")
    p.add_argument("unit", metavar="UNIT", help="unit code (e.g. NOR)")
    p.add_argument("--n", type=int, default=5, metavar="N",
                   help="strongest and weakest metrics (and dimensions) shown (default 5)")


def _looks_like_config(text: str) -> bool:
    from ..data.bundled import BUNDLED_CONFIGS

    return (text.lower().endswith((".yaml", ".yml")) or text in BUNDLED_CONFIGS
            or text == "default" or Path(text).is_file())


def levels_table(res: Result, unit: str) -> pd.DataFrame:
    """Score, rank and number of ranked units of ``unit`` at every aggregate (root first)."""
    import pandas as pd

    fw = res.framework
    codes = sorted(res.scores.columns, key=lambda c: (-int(fw.nodes[c].level or 0),
                                                      list(fw.nodes).index(c)))
    return pd.DataFrame({
        "level": [fw.nodes[c].level for c in codes],
        "parent": [fw.nodes[c].parent or "" for c in codes],
        "score": res.scores.loc[unit, codes].to_numpy(dtype=float),
        "rank": res.ranks.loc[unit, codes].to_numpy(),
        "of": res.scores[codes].notna().sum().to_numpy(),
    }, index=pd.Index(codes, name="node"))


def main(args: argparse.Namespace) -> int:
    """Print the unit's profile."""
    from ..analysis.audit import unit_profile
    from ..errors import DataError

    if args.config is None and _looks_like_config(args.unit):
        raise ConfigError(f"missing UNIT: {args.unit!r} looks like a config; use "
                          f"`aiindex profile {args.unit} UNIT`")
    if args.n < 1:
        raise ConfigError(f"--n must be >= 1, got {args.n}")
    check_out(args.out, folder=True)
    res = run_from_args(args)
    unit = args.unit
    if unit not in res.scores.index:
        near = [u for u in res.scores.index if str(u).upper() == unit.upper()]
        hint = f"; did you mean {near[0]!r}?" if near else (
            f" (units: {len(res.scores)}; e.g. {list(res.scores.index[:5])})")
        raise DataError(f"unit {unit!r} is not in the result{hint}")
    name = res.names.get(unit) if res.names is not None else None
    title = f"{unit}" + (f" ({name})" if isinstance(name, str) and name else "")
    _term.echo(f"{title} in {res.config.name}" + (f", year {res.year}" if res.year else ""))
    if res.tiers is not None and unit in res.tiers.index:
        _term.echo(f"tier {res.tiers[unit]}")
    lv = levels_table(res, unit)
    _term.echo("\nscores and ranks at every level")
    _term.print_table(lv, decimals=2)
    prof = unit_profile(res, unit, n=args.n)
    for kind in ("metric", "dimension"):
        for side in ("strongest", "weakest"):
            part = prof[(prof["kind"] == kind) & (prof["side"] == side)]
            if len(part):
                _term.echo(f"\n{side} {kind}s by rank")
                _term.print_table(part.set_index("node")[["level", "score", "rank",
                                                           "n_ranked"]], decimals=2)
    if args.out:
        from .._io import OutputDir

        with OutputDir(args.out, command=command_line(), config=res.config) as out:
            out.write_csv(f"profile_{unit}_levels.csv", lv, float_format="%.17g")
            out.write_csv(f"profile_{unit}_metrics.csv", prof, index=False,
                          float_format="%.17g")
        _term.echo(f"\nwrote {len(out.paths)} files to {args.out}")
    return 0
