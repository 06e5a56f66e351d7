"""The uncertainty engine against the floor: a minimal evaluation written independently of it.

The ASEM uncertainty analysis of ``configs/asem_uncertainty.yaml`` (COINr's documented
specification: winsorisation limit 1..5 × min-max 1-100 or z-scores 10 ± 2 × level-2 and level-3
weights × (1 + U(-0.25, 0.25)) × arithmetic or geometric mean). The floor does only what the
computation needs, from public data stages:

1. **setup (not timed)**: for each of the 5 × 2 data variants and 2 aggregators, one plain
   ``aiindex.run`` gives the pillar scores (level 2, which no factor varies) — 20 runs;
2. **per replication (timed)**: draw the design with the documented seeding scheme
   (``aiindex.analysis.uncertainty.design``: blocks of 65,536 replications, block 0 from
   ``default_rng(seed)``, factors drawn in declared order), multiply the nominal level-2 and
   level-3 weights by the noise, normalise them within each parent, form the effective pillar
   weights (R × 8) and take one matrix product per (variant, aggregator) group with the pillar
   scores (their logarithms for the geometric mean, then ``exp``), rank by one ``argsort`` per
   replication (ties share the smallest rank) and add the ranks to per-unit histograms.

It prints engine and floor µs per replication measured side by side in one process
(alternating, medians of several runs; the machine may be shared, so ratios matter more than
absolute times), their ratio, and checks that both give identical ranks for every replication
(the engine run with its ranks kept) and identical rank histograms.

Run: ``python benchmarks/bench_floor.py [--n 100000] [--repeats 5] [--seed 1]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

import aiindex
from aiindex.analysis.uncertainty import Engine, uncertainty

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "asem_uncertainty.yaml"
BLOCK = 65_536


class Floor:
    """The minimal evaluation of the ASEM analysis (independent of the engine's code)."""

    def __init__(self) -> None:
        base = aiindex.run(CONFIG)
        fw = base.framework
        self.units = list(base.scores.index)
        self.pillars = fw.level_codes(2)
        self.subs = fw.level_codes(3)
        self.parent = np.array([self.subs.index(fw.parent(p)) for p in self.pillars])
        self.w2 = np.array([fw.nodes[p].weight for p in self.pillars])
        self.w3 = np.array([fw.nodes[s].weight for s in self.subs])
        norms = [{"method": "minmax", "low": 1, "high": 100},
                 {"method": "zscore", "mean": 10, "sd": 2, "low": None, "high": None}]
        # G[w, m, a] = pillar scores (8, units) of winsorisation w, normaliser m, aggregator a;
        # logarithms for the geometric mean
        self.G = {}
        for w in range(5):
            for m, norm in enumerate(norms):
                for a, agg in enumerate(("arithmetic", "geometric")):
                    r = aiindex.run(CONFIG, overrides={"treat": {"winmax": w + 1},
                                                       "normalize": norm,
                                                       "aggregate": {"method": agg}})
                    P = r.scores[self.pillars].reindex(self.units).to_numpy().T.copy()
                    self.G[w, m, a] = np.log(P) if a == 1 else P

    def draw(self, n: int, seed: int, b: int) -> tuple[np.ndarray, ...]:
        """Block ``b`` of the design (the documented scheme)."""
        rng = (np.random.default_rng(seed) if b == 0 else
               np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed,
                                                                          spawn_key=(b,)))))
        m = min(BLOCK, n - b * BLOCK)
        wins = rng.integers(0, 5, size=m)
        norm = rng.integers(0, 2, size=m)
        u2 = 1.0 + rng.uniform(-0.25, 0.25, size=(m, len(self.pillars)))
        u3 = 1.0 + rng.uniform(-0.25, 0.25, size=(m, len(self.subs)))
        agg = rng.integers(0, 2, size=m)
        return wins, norm, u2, u3, agg

    def run(self, n: int, seed: int, ranks_out: np.ndarray | None = None,
            chunk: int = 16_384) -> np.ndarray:
        """Rank histograms (units × ranks) of ``n`` replications; ranks into ``ranks_out``.

        Each design block is evaluated in chunks of ``chunk`` replications (so that a
        group's arrays stay in the CPU cache).
        """
        k = len(self.units)
        hist = np.zeros(k * k, dtype=np.int64)
        for b in range(-(-n // BLOCK)):
            block = self.draw(n, seed, b)
            for c0 in range(0, len(block[0]), chunk):
                part = tuple(x[c0:c0 + chunk] for x in block)
                self._chunk(part, hist, ranks_out, b * BLOCK + c0)
        return hist.reshape(k, k)

    def _chunk(self, part: tuple[np.ndarray, ...], hist: np.ndarray,
               ranks_out: np.ndarray | None, first: int) -> None:
        k = len(self.units)
        wins, norm, u2, u3, agg = part
        W2 = self.w2 * u2
        W3 = self.w3 * u3
        s2 = np.zeros((len(W2), len(self.subs)))
        for j in range(len(self.subs)):
            s2[:, j] = W2[:, self.parent == j].sum(axis=1)
        E = W2 / s2[:, self.parent] * (W3 / W3.sum(axis=1, keepdims=True))[:, self.parent]
        key = (wins * 2 + norm) * 2 + agg
        order = np.argsort(key, kind="stable")
        cnt = np.bincount(key, minlength=20)
        ends = np.cumsum(cnt)
        for g in np.flatnonzero(cnt):
            rows = order[ends[g] - cnt[g]:ends[g]]
            w, m, a = g // 4, (g // 2) % 2, g % 2
            S = E[rows] @ self.G[w, m, a]
            if a == 1:
                S = np.exp(S)
            neg = -S
            o = np.argsort(neg, axis=1)
            sv = np.take_along_axis(neg, o, axis=1)
            new = np.ones(sv.shape, dtype=bool)
            new[:, 1:] = sv[:, 1:] != sv[:, :-1]
            start = np.maximum.accumulate(np.where(new, np.arange(k), 0), axis=1)
            hist += np.bincount((o * k + start).ravel(), minlength=k * k)
            if ranks_out is not None:
                rk = np.empty(S.shape)
                np.put_along_axis(rk, o, start + 1.0, axis=1)
                ranks_out[first + rows] = rk


def engine_run(eng: Engine, n: int, seed: int):
    return uncertainty(None, engine=eng, n=n, seed=seed, keep_scores=False, keep_design=False)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    n = args.n
    t0 = time.perf_counter()
    floor = Floor()
    print(f"floor setup (20 plain runs): {time.perf_counter() - t0:.2f} s")
    t0 = time.perf_counter()
    eng = Engine(CONFIG)
    engine_run(eng, 1000, 0)  # compiles the 20 programs
    print(f"engine setup (nominal run, 10 data variants, 20 programs): "
          f"{time.perf_counter() - t0:.2f} s")
    # identical ranks, replication by replication (engine with its ranks kept)
    m = min(n, 100_000)
    ref = uncertainty(None, engine=eng, n=m, seed=args.seed, keep_scores=True)
    mine = np.empty((m, len(floor.units)))
    floor.run(m, args.seed, mine)
    same = np.array_equal(ref.ranks.to_numpy(), mine)
    print(f"ranks identical on all {m:,} replications: {same}")
    te, tf = [], []
    for _ in range(args.repeats):  # alternate, so that both see the same machine load
        t0 = time.perf_counter()
        res = engine_run(eng, n, args.seed)
        te.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        hist = floor.run(n, args.seed)
        tf.append(time.perf_counter() - t0)
    ok = np.allclose(res.rank_stats["mean_rank"].to_numpy(),
                     hist @ np.arange(1, hist.shape[1] + 1) / n, rtol=0, atol=1e-12)
    e, f = statistics.median(te), statistics.median(tf)
    print(f"N = {n:,}, {args.repeats} alternating runs (medians):")
    print(f"  engine {e / n * 1e6:8.3f} µs/rep   (runs: {', '.join(f'{t:.3f}' for t in te)} s)")
    print(f"  floor  {f / n * 1e6:8.3f} µs/rep   (runs: {', '.join(f'{t:.3f}' for t in tf)} s)")
    print(f"  ratio engine / floor = {e / f:.2f}   (rank histograms agree: {ok})")


if __name__ == "__main__":
    main()
