"""``aiindex bounds [CONFIG] --level L --relative 0.25``: exact best and worst ranks over a set
of weights."""

from __future__ import annotations

import argparse

from . import _term
from ._common import add_config_arguments, check_out, command_line, positive_int, run_from_args


def configure(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``aiindex bounds``."""
    add_config_arguments(p, out_help="folder for rank_bounds.csv, witnesses.csv, above.csv and "
                                     "acceptability.csv")
    p.add_argument("--level", type=int, default=None, metavar="L",
                   help="level whose weights vary, the others fixed (default: the children of "
                        "the root)")
    p.add_argument("--effective", action="store_true",
                   help="vary the metrics' effective weights instead of one level's")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--relative", type=float, default=None, metavar="R",
                   help="each raw weight within ±R of its nominal value (e.g. 0.25), "
                        "renormalised among siblings (default 0.25)")
    g.add_argument("--simplex", action="store_true",
                   help="any non-negative local weights (each group of siblings sums to 1)")
    g.add_argument("--bounds", metavar="FILE.csv", default=None,
                   help="bounds on the local weights: a CSV with columns code,lower,upper")
    p.add_argument("--smaa", type=int, default=0, metavar="N",
                   help="also draw N weight vectors uniformly from the set for SMAA "
                        "rank-acceptability indices")
    p.add_argument("--seed", type=int, default=0, help="seed of the SMAA draws (default 0)")
    p.add_argument("--units", nargs="+", default=None, metavar="CODE",
                   help="print only these units (and list the units above them)")
    p.add_argument("--top", type=positive_int, default=30, metavar="N",
                   help="rows printed (N >= 1, default 30)")


def _read_bounds(path: str) -> tuple[dict[str, float], dict[str, float]]:
    import pandas as pd

    from ..errors import DataError

    t = pd.read_csv(path, dtype={"code": str}, keep_default_na=False)
    need = {"code", "lower", "upper"}
    if not need <= set(t.columns):
        raise DataError(f"{path}: expected the columns code,lower,upper; got {list(t.columns)}")
    lo = pd.to_numeric(t["lower"], errors="coerce")
    hi = pd.to_numeric(t["upper"], errors="coerce")
    bad = t.loc[lo.isna() | hi.isna(), "code"].tolist()
    if bad:
        raise DataError(f"{path}: non-numeric bound(s) for {bad}")
    return dict(zip(t["code"], lo, strict=True)), dict(zip(t["code"], hi, strict=True))


def main(args: argparse.Namespace) -> int:
    """Compute and print the bounds; write CSVs with ``--out``."""
    from ..analysis.bounds import rank_bounds

    check_out(args.out, folder=True)
    lower = upper = None
    if args.bounds:
        lower, upper = _read_bounds(args.bounds)
    res = run_from_args(args)
    rb = rank_bounds(result=res, level=args.level, effective=args.effective,
                     relative=args.relative, simplex=args.simplex, lower=lower, upper=upper,
                     smaa=args.smaa, seed=args.seed)
    lvl = "effective metric weights" if args.effective else f"level {rb.info['level']}"
    _term.echo(f"{res.config.name}: exact rank bounds over {lvl} ({len(rb.weight_set.codes)} "
               f"weights; {rb.info['set']}), {len(rb.table)} units, {rb.info['seconds']:.2f} s")
    summ = rb.summary()
    if args.units:
        summ = summ.loc[[u for u in args.units if u in summ.index]]
    _term.print_table(summ.head(args.top), decimals=3)
    if len(summ) > args.top:
        _term.echo(f"... {len(summ) - args.top} more units (--top N prints more; --out writes "
                   "rank_bounds.csv)")
    if args.units:
        for u in args.units:
            if u in rb.table.index:
                row = rb.table.loc[u]
                _term.echo(f"\n{u}: ranks {row['best_rank']}-{row['worst_rank']}; necessarily above: "
                           f"{row['necessarily_above'] or '-'}; possibly above: "
                           f"{row['possibly_above'] or '-'}")
    if args.out:
        paths = rb.to_csv(args.out, command=command_line())
        _term.echo(f"\nwrote {len(paths)} files to {args.out}")
    return 0
