"""``aiindex sensitivity [CONFIG] [--n N]``: Sobol' indices of the uncertainty factors."""

from __future__ import annotations

import argparse
import time

from ._common import add_config_arguments, check_out, config_from_args, fmt_table, out_dir


def configure(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``aiindex sensitivity``."""
    add_config_arguments(p, out_help="folder for sobol_indices.csv")
    p.add_argument("--n", type=int, default=None,
                   help="base sample size, a power of 2 (n * (factors + 2) evaluations)")
    p.add_argument("--seed", type=int, default=None,
                   help="random seed (default: sensitivity.seed of the config)")
    p.add_argument("--units", nargs="*", default=None, help="units whose rank is an output")
    p.add_argument("--measure", choices=["rank", "score"], default=None,
                   help="output measured for --units: their rank or their score")


def main(args: argparse.Namespace) -> int:
    """Compute and print Sobol' indices."""
    from ..analysis.sensitivity import sensitivity

    check_out(args.out, folder=True)
    t0 = time.perf_counter()
    res = sensitivity(config_from_args(args), n=args.n, seed=args.seed,
                      units=args.units, measure=args.measure, data=args.data)
    dt = time.perf_counter() - t0
    print(f"Sobol' indices from {res.n_evaluations} evaluations in {dt:.2f} s "
          f"({int(100 * res.info['confidence_level'])}% bootstrap intervals)")
    for o in res.outputs:
        print(f"\n{o}:")
        print(fmt_table(res.table(o)[["first_order", "first_low", "first_high", "total_order",
                                      "total_low", "total_high"]], decimals=3))
    if args.out:
        with out_dir(args.out, seed=args.seed) as out:
            out.write_folder(res.to_csv)  # the result writes itself; its files are adopted
        print(f"\nwrote {len(out.paths)} file(s) to {args.out}")
    return 0
