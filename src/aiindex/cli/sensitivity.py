"""``aiindex sensitivity [CONFIG] [--n N]``: Sobol' indices of the uncertainty factors."""

from __future__ import annotations

import argparse
import time
import warnings
from typing import Any

from . import _term
from ._common import add_config_arguments, check_out, config_from_args, out_dir, positive_int

#: the estimators of :data:`aiindex.analysis.sensitivity.ESTIMATORS` (named here so that
#: ``--help`` imports no numerical package; a test checks they agree)
ESTIMATORS = ("saltelli2010", "jansen", "coinr")
_COLUMNS = ["first_order", "first_low", "first_high", "total_order", "total_low", "total_high"]


def configure(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``aiindex sensitivity``."""
    add_config_arguments(p, out_help="folder for sobol_indices.csv")
    p.add_argument("--n", type=positive_int, default=None, metavar="N",
                   help="base sample size, a power of 2: n * (factors + 2) evaluations "
                        "(default: sensitivity.n of the config, else 1024)")
    p.add_argument("--seed", type=int, default=None,
                   help="random seed (default: sensitivity.seed of the config); the same seed "
                        "gives the same indices")
    p.add_argument("--units", nargs="*", default=None, metavar="CODE",
                   help="units whose rank (or score, see --measure) is an output besides the "
                        "mean absolute rank shift")
    p.add_argument("--measure", choices=["rank", "score"], default=None,
                   help="output measured for --units: their rank or their score "
                        "(default: sensitivity.measure of the config, else rank)")
    p.add_argument("--estimator", choices=list(ESTIMATORS), default=None,
                   help="Sobol' estimator: saltelli2010 (Saltelli et al. 2010, the default), "
                        "jansen (Jansen 1999) or coinr (COINr's SA_estimate, uncentred); "
                        "default: sensitivity.estimator of the config")


def main(args: argparse.Namespace) -> int:
    """Compute and print Sobol' indices, with the notes of indices that are NaN or whose
    interval leaves [0, 1]."""
    from ..analysis.sensitivity import sensitivity

    check_out(args.out, folder=True)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        # intervals leaving [0, 1] are printed as notes under each table instead
        warnings.filterwarnings("ignore", message="Sobol' bootstrap intervals leave",
                                category=UserWarning)
        res = sensitivity(config_from_args(args), n=args.n, seed=args.seed,
                          units=args.units, measure=args.measure, data=args.data,
                          estimator=args.estimator)
    dt = time.perf_counter() - t0
    _term.echo(f"Sobol' indices ({res.info['estimator']} estimator) from {res.n_evaluations} "
               f"evaluations in {dt:.2f} s ({int(100 * res.info['confidence_level'])}% "
               "bootstrap intervals)")
    for o in res.outputs:
        _term.echo(f"\n{o}:")
        t = res.table(o)
        _term.print_table(t[_COLUMNS], decimals=3)
        _notes(t)
    if args.out:
        with out_dir(args.out, seed=args.seed) as out:
            out.write_folder(res.to_csv)  # the result writes itself; its files are adopted
        _term.echo(f"\nwrote {len(out.paths)} file(s) to {args.out}")
    return 0


def _notes(t: Any) -> None:
    """One note per factor whose indices are NaN or whose interval leaves [0, 1]; an output
    whose indices are all NaN for the same reason gets a single note."""
    noted = t[t["note"].astype(str) != ""]
    if noted.empty:
        return
    reasons = noted["note"].astype(str).unique()
    if len(noted) == len(t) and len(reasons) == 1:
        _term.note(f"every factor: {reasons[0]}")
        return
    for factor, why in noted["note"].items():
        _term.note(f"{factor}: {why}")
    if any("leaves [0, 1]" in r for r in reasons):
        _term.note("an interval leaving [0, 1] is sampling error of an index near 0 or 1 (or of "
                   "an output that varies little); a larger --n narrows it")
