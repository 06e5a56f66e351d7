"""Benchmark of the vectorised uncertainty engine (not a test).

Times the ASEM uncertainty analysis of ``configs/asem_uncertainty.yaml`` (COINr's documented
specification: winsorisation limit 1..5 × 2 normalisers × level-2 and level-3 weight noise
× arithmetic/geometric) for N = 10,000 and N = 100,000, and a synthetic index of 200 units ×
100 metrics (10 pillars, 2 sub-indices) with the same kinds of factors. Prints replications per
second and the peak resident memory of the process (``resource.getrusage``).

COINr reference (issue 6): 11.2 s for 100 replications and 49.1 s for 500 on a 2-core machine.

Run: ``python benchmarks/bench_uncertainty.py [--quick]``
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from aiindex.analysis.uncertainty import Engine, uncertainty

ROOT = Path(__file__).resolve().parents[1]


def peak_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux: ru_maxrss in kB)."""
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 1024 if sys.platform != "darwin" else r / 1024**2


def synthetic(n_units: int = 200, n_metrics: int = 100, seed: int = 0):
    rng = np.random.default_rng(seed)
    pillars = []
    per = n_metrics // 10
    for p in range(10):
        pillars.append({"code": f"P{p}", "children": [{"code": f"m{p * per + j}"}
                                                      for j in range(per)]})
    fwk = {"code": "Index", "children": [{"code": "S0", "children": pillars[:5]},
                                         {"code": "S1", "children": pillars[5:]}]}
    X = rng.lognormal(0, 1, size=(n_units, n_metrics))
    X[rng.random(X.shape) < 0.03] = np.nan
    data = pd.DataFrame(X, columns=[f"m{i}" for i in range(n_metrics)])
    data.insert(0, "uCode", [f"U{i:03d}" for i in range(n_units)])
    cfg = {
        "name": "synthetic",
        "framework": fwk,
        "treat": {"method": "winsorise", "winmax": 5},
        "normalize": {"method": "minmax", "low": 1, "high": 100},
        "aggregate": {"method": "arithmetic"},
        "uncertainty": {"factors": [
            {"name": "winsorisation", "type": "choice", "stage": "treat",
             "alternatives": [{"winmax": k} for k in range(1, 6)]},
            {"name": "normalisation", "type": "choice", "stage": "normalize",
             "alternatives": [{"method": "minmax", "low": 1, "high": 100},
                              {"method": "zscore", "mean": 10, "sd": 2}]},
            {"name": "w2", "type": "weight_noise", "level": 2, "relative": 0.25},
            {"name": "w3", "type": "weight_noise", "level": 3, "relative": 0.25},
            {"name": "aggregation", "type": "choice", "stage": "aggregate",
             "alternatives": [{"method": "arithmetic"}, {"method": "geometric"}]},
        ]},
    }
    return cfg, data


def bench(label: str, eng: Engine, ns: list[int]) -> None:
    for n in ns:
        t0 = time.perf_counter()
        uncertainty(None, engine=eng, n=n, seed=1)
        dt = time.perf_counter() - t0
        print(f"{label:<28} N={n:>7,}  {dt:7.2f} s  {n / dt:>10,.0f} replications/s  "
              f"peak RSS {peak_mb():7.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="N = 1,000 and 10,000 only")
    args = ap.parse_args()
    ns = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    print(f"peak RSS before: {peak_mb():.0f} MB")
    t0 = time.perf_counter()
    eng = Engine(ROOT / "configs" / "asem_uncertainty.yaml")
    uncertainty(None, engine=eng, n=200, seed=0)  # compiles the 20 plans (10 data variants)
    print(f"ASEM setup (nominal run + 10 data variants + 20 plans): "
          f"{time.perf_counter() - t0:.2f} s")
    bench("ASEM (51 units x 49 metrics)", eng, ns)
    cfg, data = synthetic()
    t0 = time.perf_counter()
    eng2 = Engine(cfg, data=data)
    uncertainty(None, engine=eng2, n=200, seed=0)
    print(f"synthetic setup: {time.perf_counter() - t0:.2f} s")
    bench("synthetic (200 x 100)", eng2, ns)
    print("COINr reference (issue 6): 100 replications 11.2 s, 500 replications 49.1 s "
          "(~0.1 s per replication)")


if __name__ == "__main__":
    main()
