"""``aiindex uncertainty [CONFIG] [--n N]``: Monte Carlo rank intervals."""

from __future__ import annotations

import argparse
import time

from ._common import add_config_arguments, config_from_args, fmt_table, positive_int


def configure(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``aiindex uncertainty``."""
    add_config_arguments(p, out_help="folder for design.csv, rank_stats.csv, scores.csv, "
                                     "ranks.csv")
    p.add_argument("--n", type=int, default=None,
                   help="number of replications (default: uncertainty.n of the config)")
    p.add_argument("--seed", type=int, default=None,
                   help="random seed (default: uncertainty.seed of the config); the same seed "
                        "gives the same replications")
    p.add_argument("--backend", choices=["numpy", "dask"], default=None,
                   help="evaluate in this process (numpy) or on a Dask cluster")
    p.add_argument("--top", type=positive_int, default=20, metavar="N",
                   help="rows of the printed summary (N >= 1, default 20)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--no-scores", action="store_true",
                   help="with --out: do not write scores.csv/ranks.csv (scores per replication "
                        "are kept only with --out, up to 2e7 cells)")


def main(args: argparse.Namespace) -> int:
    """Run the Monte Carlo analysis, print a summary, write CSVs."""
    from ..analysis.uncertainty import MAX_KEPT_CELLS, uncertainty

    t0 = time.perf_counter()
    # scores per replication are only written, never printed: keep them only for --out
    keep = False if (args.no_scores or not args.out) else None
    res = uncertainty(config_from_args(args), n=args.n, seed=args.seed, data=args.data,
                      backend=args.backend, progress=not args.quiet, keep_scores=keep)
    dt = time.perf_counter() - t0
    print(f"{res.nominal.config.name}: {res.n} replications of {len(res.factors)} factor(s) "
          f"({', '.join(f.name for f in res.factors)}) in {dt:.2f} s")
    print(fmt_table(res.summary(top=args.top), decimals=1))
    for k in ("mean_score_note", "tier_note"):
        if k in res.info:
            print(f"note: {res.info[k]}")
    if args.out:
        paths = res.to_csv(args.out)
        print(f"\nwrote {len(paths)} files to {args.out}")
        if res.scores is None and not args.no_scores:
            print(f"scores.csv and ranks.csv not written: {res.n} replications × "
                  f"{len(res.rank_stats)} units exceed {MAX_KEPT_CELLS:,} cells (memory bound)")
    return 0
