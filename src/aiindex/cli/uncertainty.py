"""``aiindex uncertainty [CONFIG] [--n N]``: Monte Carlo rank intervals."""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Iterator
from typing import Any

from . import _term
from ._common import add_config_arguments, command_line, config_from_args, positive_int


def configure(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``aiindex uncertainty``."""
    add_config_arguments(p, out_help="folder for design, scores and ranks (streamed as they are "
                                     "computed), rank_stats.csv and manifest.json")
    p.add_argument("--n", type=positive_int, default=None, metavar="N",
                   help="number of replications (default: uncertainty.n of the config)")
    p.add_argument("--seed", type=int, default=None,
                   help="random seed (default: uncertainty.seed of the config); the same seed "
                        "gives the same replications")
    p.add_argument("--backend", choices=["numpy", "dask"], default=None,
                   help="evaluate in this process (numpy) or with Dask (see --workers, "
                        "--scheduler)")
    p.add_argument("--workers", type=int, default=None, metavar="K",
                   help="dask: start a local cluster of K single-threaded worker processes")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="dask: connect to a running dask.distributed scheduler, e.g. "
                        "tcp://10.0.0.5:8786 (a cluster started by dask-jobqueue, Kubernetes...)")
    p.add_argument("--chunk-size", type=int, default=None, metavar="R",
                   help="replications evaluated at once (default: chosen for the CPU cache)")
    p.add_argument("--format", choices=["csv", "parquet"], default="csv",
                   help="with --out: file format of design, scores and ranks (parquet needs "
                        "pyarrow: pip install 'aiindex[parquet]')")
    p.add_argument("--top", type=positive_int, default=20, metavar="N",
                   help="rows of the printed summary (N >= 1, default 20)")
    p.add_argument("--no-scores", action="store_true",
                   help="with --out: do not write scores/ranks (by default they are written up "
                        "to 2e7 cells; uncertainty.keep_scores: true writes them always)")


@contextlib.contextmanager
def _dask(args: argparse.Namespace) -> Iterator[Any]:
    """A dask.distributed client for --workers/--scheduler (closed afterwards), else nothing."""
    if args.workers is None and args.scheduler is None:
        yield None
        return
    from ..errors import ConfigError

    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ConfigError("--workers/--scheduler need dask: pip install 'aiindex[dask]'") from exc
    if args.scheduler is not None:
        with Client(args.scheduler) as client:
            yield client
        return
    if args.workers < 1:
        raise ConfigError(f"--workers must be >= 1, got {args.workers}")
    import dask

    # the workers' statistical profiler (100 stack samples a second) only costs time here
    with dask.config.set({"distributed.worker.profile.enabled": False}), \
            LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                         dashboard_address=None) as cluster, Client(cluster) as client:
        yield client


def main(args: argparse.Namespace) -> int:
    """Run the Monte Carlo analysis, print a summary, stream the outputs to --out."""
    from ..analysis.uncertainty import MAX_KEPT_CELLS, uncertainty
    from ..errors import ConfigError

    if args.top < 0:
        raise ConfigError(f"--top must be >= 0, got {args.top}")
    t0 = time.perf_counter()
    # scores per replication are only written, never printed: keep them only for --out
    keep = False if (args.no_scores or not args.out) else None
    backend = "dask" if (args.workers is not None or args.scheduler is not None) \
        else args.backend
    with _dask(args):
        res = uncertainty(config_from_args(args), n=args.n, seed=args.seed, data=args.data,
                          backend=backend, progress=args.progress, keep_scores=keep,
                          keep_design=False, chunk_size=args.chunk_size, out=args.out,
                          format=args.format, command=command_line())
    dt = time.perf_counter() - t0
    _term.echo(f"{res.nominal.config.name}: {res.n} replications of {len(res.factors)} "
               f"factor(s) ({', '.join(f.name for f in res.factors)}) in {dt:.2f} s")
    _print_summary(res, args.top)
    if "tier_note" in res.info:
        _term.note(res.info["tier_note"])
    if args.out:
        _term.echo(f"\nwrote {len(res.info.get('files', []))} files to {args.out}")
        if not res.info["keep_scores"] and not args.no_scores:
            _term.note(f"scores and ranks not written: {res.n} replications × "
                       f"{len(res.rank_stats)} units exceed {MAX_KEPT_CELLS:,} cells (file "
                       "size bound; --set uncertainty.keep_scores=true writes them)")
    return 0


#: decimals of the printed rank statistics; a rank column whose values are all whole numbers
#: prints as integers (percentiles interpolate between replications, so they may not be)
_DECIMALS = {"nominal_score": 1, "mean_rank": 1, "median_rank": 1, "p5_rank": 1, "p95_rank": 1,
             "interval_width": 1, "mean_score": 1}  # (interval_width: a width in ranks)


def _print_summary(res: Any, top: int) -> None:
    """The rank statistics, ranks as integers; a column without any value (``mean_score`` when
    the normaliser varies) is left out with a note saying why."""
    t = res.summary(top=top)
    empty = [c for c in t.columns if t[c].isna().all() and res.rank_stats[c].isna().all()]
    _term.print_table(t.drop(columns=empty), decimals=_DECIMALS)
    if len(res.rank_stats) > len(t):
        _term.echo(f"... {len(res.rank_stats) - len(t)} more units (--top N prints more; "
                   "--out writes rank_stats.csv)")
    for c in empty:
        why = res.info.get("mean_score_note") if c == "mean_score" else None
        _term.note(f"{c} left out of the table; " + (why or f"{c} has no value for any unit"))
