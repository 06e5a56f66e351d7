"""Benchmark of exact rank bounds (not a test): :meth:`aiindex.weights.sets.WeightSet.rank_ranges`.

Times the best and worst rank of every unit over a weight set of 10 weights (raw weights within
±25% of unequal nominal weights, renormalised: the set the uncertainty engine's weight noise
samples) for 50 and 200 units. Each unit's component scores follow a common factor plus noise
(pairwise correlation about 0.7, typical of the components of a composite index, where units
differ more in level than in profile). Prints the median of several runs, and for information
one harder case: 50 units with independent uniform components (rank ranges several times
wider, many more mixed-integer programmes).

Targets (issue 14): 50 units × 10 weights under 5 s, 200 units under 60 s.

Run: ``python benchmarks/bench_bounds.py [--runs N]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter

import numpy as np

from aiindex.weights.sets import WeightSet


def case(n_units: int, k: int = 10, *, correlated: bool = True, seed: int = 0
         ) -> tuple[WeightSet, np.ndarray]:
    """A weight set of ``k`` weights (±25% of unequal nominal weights) and component scores."""
    rng = np.random.default_rng(seed)
    if correlated:
        f = rng.normal(size=(n_units, 1))
        X = 50 + 15 * (f + 0.65 * rng.normal(size=(n_units, k)))
    else:
        X = rng.uniform(0, 100, (n_units, k))
    w0 = dict(zip([f"c{i}" for i in range(k)], rng.uniform(0.5, 1.5, k), strict=True))
    return WeightSet.relative(w0, 0.25), X


def time_case(n_units: int, runs: int, *, correlated: bool = True) -> dict[str, object]:
    """Median seconds over ``runs`` fresh runs, and how the bounds were settled."""
    times, how = [], Counter()
    for r in range(runs):
        ws, X = case(n_units, correlated=correlated, seed=r)
        t0 = time.perf_counter()
        rr = ws.rank_ranges(X)
        times.append(time.perf_counter() - t0)
        how.update(rr.how_best.tolist() + rr.how_worst.tolist())
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
            "how": dict(how), "mean_width": float((rr.worst - rr.best).mean())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="runs per case (default 5)")
    args = ap.parse_args()
    rows = [("50 units x 10 weights", 50, True, 5.0), ("200 units x 10 weights", 200, True, 60.0),
            ("50 units x 10 weights, independent uniform (harder)", 50, False, None)]
    for label, n, corr, target in rows:
        r = time_case(n, args.runs, correlated=corr)
        tgt = f" (target < {target:g} s: {'met' if r['median_s'] < target else 'NOT met'})" \
            if target else ""
        print(f"{label}: median {r['median_s']:.2f} s over {args.runs} runs "
              f"[{r['min_s']:.2f}-{r['max_s']:.2f}]{tgt}; mean rank range "
              f"{r['mean_width']:.1f}; bounds settled by {r['how']}", flush=True)


if __name__ == "__main__":
    main()
