"""Dask backend: 1 vs 2 single-threaded worker processes, and Dask vs in-process (not a test).

The ASEM uncertainty analysis (``configs/asem_uncertainty.yaml``), scores not kept. Three ways
are timed alternately, ``--repeats`` times each, and the medians compared:

* in-process (``backend="numpy"``, one core);
* a ``LocalCluster`` of 1 worker process with 1 thread;
* a ``LocalCluster`` of 2 worker processes with 1 thread each.

Each Dask run includes scattering the compiled engine to the workers and the tree reduction of
their summaries (clusters are started once, before timing). Targets (issue 16, on a 2-core
machine): 2 workers >= 1.7x faster than 1; Dask with 1 worker < 15% slower than in-process.

Run: ``python benchmarks/bench_dask.py [--n 1000000] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _kernel(seed: int) -> float:
    """A fixed numpy job (matrix products and sorts, one thread): the machine's ceiling."""
    import numpy as np

    rng = np.random.default_rng(seed)
    a = rng.random((300, 300))
    acc = 0.0
    for i in range(40):
        acc += float((a @ a).sum()) + float(np.sort(rng.random(100_000))[i])
    return acc


def _ceiling(client, k: int) -> float:
    """Wall time of 4 kernel tasks on a cluster of k workers (same tasks for every k)."""
    t0 = time.perf_counter()
    client.gather(client.map(_kernel, range(4), pure=False))
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # one thread per worker, BLAS included
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    import dask
    from distributed import Client, LocalCluster

    # the statistical profiler samples every worker's stack 100 times a second: off, as for
    # `aiindex uncertainty --workers` (the engine's tasks also tune the workers' malloc)
    dask.config.set({"distributed.worker.profile.enabled": False})

    from aiindex.analysis.uncertainty import Engine, uncertainty

    eng = Engine(ROOT / "configs" / "asem_uncertainty.yaml")
    uncertainty(None, engine=eng, n=1000, seed=0)  # compiles the 20 programs
    kw = {"n": args.n, "seed": 1, "keep_scores": False, "keep_design": False}
    clusters = {k: LocalCluster(n_workers=k, threads_per_worker=1, processes=True,
                                dashboard_address=None) for k in (1, 2)}
    times: dict[str, list[float]] = {"in-process": [], "dask 1 worker": [], "dask 2 workers": []}
    cpu: dict[str, list[float]] = {k: [] for k in times}  # CPU seconds (client + workers)
    split: list[list[float]] = []  # CPU seconds per worker of the 2-worker runs
    main_cpu: dict[str, list[float]] = {k: [] for k in times}  # this process (client+scheduler)
    ceiling: dict[int, list[float]] = {1: [], 2: []}  # the fixed numpy job on each cluster
    ref = None
    try:
        for k in (1, 2):  # warm the workers up (imports) before timing
            with Client(clusters[k]):
                uncertainty(None, engine=eng, n=1000, seed=0, backend="dask")
        for _ in range(args.repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            ref = uncertainty(None, engine=eng, **kw)
            times["in-process"].append(time.perf_counter() - t0)
            cpu["in-process"].append(time.process_time() - c0)
            for k, label in ((1, "dask 1 worker"), (2, "dask 2 workers")):
                with Client(clusters[k]) as client:
                    ceiling[k].append(_ceiling(client, k))
                    w0 = client.run(time.process_time)
                    t0, c0 = time.perf_counter(), time.process_time()
                    res = uncertainty(None, engine=eng, backend="dask", **kw)
                    times[label].append(time.perf_counter() - t0)
                    mine = time.process_time() - c0
                    w1 = client.run(time.process_time)
                per = [w1[w] - w0[w] for w in w0]
                cpu[label].append(mine + sum(per))
                main_cpu[label].append(mine)
                if k == 2:
                    split.append(per)
                assert res.rank_stats.equals(ref.rank_stats), "dask differs from in-process"
    finally:
        for c in clusters.values():
            c.close()
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"ASEM, N = {args.n:,}, {args.repeats} alternating runs (medians; results identical)")
    for k, v in times.items():
        print(f"  {k:<15} {med[k]:7.2f} s  {med[k] / args.n * 1e6:6.2f} µs/rep   "
              f"CPU {statistics.median(cpu[k]):6.2f} s   (wall runs: "
              f"{', '.join(f'{t:.2f}' for t in v)})")
    print(f"  CPU of this process (client, scheduler and nannies of the local cluster): "
          f"1 worker {statistics.median(main_cpu['dask 1 worker']):.2f} s, 2 workers "
          f"{statistics.median(main_cpu['dask 2 workers']):.2f} s")
    print(f"  CPU per worker in the 2-worker runs: "
          f"{'; '.join(' + '.join(f'{c:.2f}' for c in s) for s in split)} s")
    c_in, c_1 = statistics.median(cpu["in-process"]), statistics.median(cpu["dask 1 worker"])
    print(f"  CPU overhead of dask (1 worker) over in-process: {100 * (c_1 / c_in - 1):+.1f}% "
          "(what the wall-clock overhead is on an idle machine)")
    print(f"  speed-up 2 workers vs 1:            {med['dask 1 worker'] / med['dask 2 workers']:.2f}x"
          "  (target >= 1.7)")
    pair = [a / b for a, b in zip(times["dask 1 worker"], times["dask 2 workers"], strict=True)]
    ceil = [a / b for a, b in zip(ceiling[1], ceiling[2], strict=True)]
    print(f"  same, median of per-round ratios:   {statistics.median(pair):.2f}x  (rounds: "
          f"{', '.join(f'{r:.2f}' for r in pair)})")
    print(f"  machine ceiling, a fixed numpy job on the same clusters (2 vs 1 workers): "
          f"{statistics.median(ceil):.2f}x  (rounds: {', '.join(f'{r:.2f}' for r in ceil)}); "
          f"engine efficiency {statistics.median(pair) / statistics.median(ceil):.0%} of it")
    print(f"  overhead dask 1 worker / in-process: "
          f"{100 * (med['dask 1 worker'] / med['in-process'] - 1):+.1f}%  (target < 15%)")
    print(f"  dask 2 workers vs in-process:        "
          f"{med['in-process'] / med['dask 2 workers']:.2f}x faster")


if __name__ == "__main__":
    main()
