"""Fisher-Jenks: aiindex (divide and conquer per layer) against jenkspy (not a test).

One score vector of n = 5,000 (gamma-distributed, seeded) for k = 4, 5 and 8, alternating the
two implementations, medians of ``--repeats`` runs; checks that both give the same breaks. Also
times the batched version used for tier probabilities (10,000 replications × 46 units, k = 4).

Run: ``python benchmarks/bench_jenks.py [--n 5000] [--repeats 7]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def main() -> None:
    import jenkspy

    from aiindex.tiers import jenks, tier_probabilities

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    x = np.random.default_rng(1).gamma(2.0, 10.0, size=args.n)
    print(f"n = {args.n:,}, medians of {args.repeats} alternating runs")
    for k in (4, 5, 8):
        tj, ta = [], []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            ref = jenkspy.jenks_breaks(x.tolist(), n_classes=k)
            tj.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            t = jenks(x, k=k)
            ta.append(time.perf_counter() - t0)
        upper = [x[t == c].max() for c in range(k, 0, -1)]
        same = np.allclose(upper, ref[1:], rtol=0, atol=1e-12)
        a, j = statistics.median(ta), statistics.median(tj)
        print(f"  k = {k}: aiindex {a * 1e3:7.1f} ms   jenkspy {j * 1e3:7.1f} ms   "
              f"ratio {a / j:.2f}   same breaks: {same}")
    X = 50 + 10 * np.random.default_rng(2).normal(size=(10_000, 46))
    t0 = time.perf_counter()
    tier_probabilities(X, method="jenks", params={"k": 4}, units=[f"u{i}" for i in range(46)])
    print(f"  tier probabilities, 10,000 replications x 46 units, k = 4: "
          f"{time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
