"""Benchmarks of the uncertainty engine: speed, peak memory, many units, COINr (not a test).

Sections (all by default; ``--only NAME`` runs one):

``speed``
    ASEM (``configs/asem_uncertainty.yaml``, COINr's documented specification) and a synthetic
    index of 200 units × 100 metrics: one-off setup, then µs per replication at N = 10⁴, 10⁵,
    10⁶ (scores not kept; medians of ``--repeats`` runs).
``rss``
    Peak resident memory of the command line in a fresh process per run
    (``resource.getrusage(RUSAGE_SELF).ru_maxrss`` at exit): ``aiindex uncertainty
    configs/asem_uncertainty.yaml --n N`` for N = 10⁴, 10⁵, 10⁶, and ``--n 10⁷ --out DIR``
    (design streamed to CSV, and to Parquet).
``units``
    50,000 units × 20 metrics (binned rank histograms, two passes): µs per replication and
    peak memory at N = ``--units-n`` (default 1,000) in a fresh process, and the engine's own
    memory estimate for 10⁵ replications (memory does not grow with N).
``coinr``
    The COINr figures given in issue 16 (COINr 1.1.14 on this machine kind; not re-measured)
    beside ours: seconds per replication, uncertainty N = 100 and 500, sensitivity.

Other contributors may share the machine: absolute times are noisy, so runs alternate and
medians are printed. Run: ``python benchmarks/bench_uncertainty.py [--only rss] [--quick]``
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "asem_uncertainty.yaml"

#: COINr 1.1.14 on a 2-core machine of this kind (issue 16; given, not re-measured here)
COINR = {"s_per_rep": 0.1117, "ua_100": 11.2, "ua_500": 49.1, "sa_600": 63.1}


def synthetic(n_units: int = 200, n_metrics: int = 100, seed: int = 0,
              pillars: int = 10) -> tuple[dict, pd.DataFrame]:
    """A random index: ``pillars`` pillars in 2 sub-indices, 3 % missing cells, COINr-like
    factors (winsorisation 1-5, min-max or z-scores, level-2/3 weight noise, arithmetic or
    geometric)."""
    rng = np.random.default_rng(seed)
    per = n_metrics // pillars
    pil = [{"code": f"P{p}", "children": [{"code": f"m{p * per + j}"} for j in range(per)]}
           for p in range(pillars)]
    half = pillars // 2
    fwk = {"code": "Index", "children": [{"code": "S0", "children": pil[:half]},
                                         {"code": "S1", "children": pil[half:]}]}
    X = rng.lognormal(0, 1, size=(n_units, n_metrics))
    X[rng.random(X.shape) < 0.03] = np.nan
    data = pd.DataFrame(X, columns=[f"m{i}" for i in range(n_metrics)])
    data.insert(0, "uCode", [f"U{i:06d}" for i in range(n_units)])
    cfg = {
        "name": "synthetic", "framework": fwk,
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


def many_units(n_units: int = 50_000) -> tuple[dict, pd.DataFrame]:
    """50,000 units × 20 metrics (4 pillars), weight noise and two aggregators."""
    cfg, data = synthetic(n_units, 20, seed=1, pillars=4)
    cfg.pop("treat")
    cfg["uncertainty"]["factors"] = [cfg["uncertainty"]["factors"][i] for i in (2, 3, 4)]
    return cfg, data


def _median_time(fn, repeats: int) -> float:
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def section_speed(args: argparse.Namespace) -> None:
    from aiindex.analysis.uncertainty import Engine, uncertainty

    ns = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    for label, make in (("ASEM (51 units x 49 metrics)", lambda: Engine(CONFIG)),
                        ("synthetic (200 x 100)", _syn_engine)):
        t0 = time.perf_counter()
        eng = make()
        uncertainty(None, engine=eng, n=1000, seed=0)  # data variants and programs
        print(f"{label}: setup (nominal run, {eng.n_variants} data variants, "
              f"{len(eng._programs)} programs) {time.perf_counter() - t0:.2f} s")
        for n in ns:
            dt = _median_time(lambda n=n, eng=eng: uncertainty(None, engine=eng, n=n, seed=1,
                                                      keep_scores=False, keep_design=False),
                              1 if n >= 1_000_000 else args.repeats)
            print(f"  N = {n:>9,}  {dt:7.2f} s  {dt / n * 1e6:7.2f} µs/rep  "
                  f"{n / dt:>12,.0f} replications/s")


def _syn_engine():
    from aiindex.analysis.uncertainty import Engine

    cfg, data = synthetic()
    return Engine(cfg, data=data)


_RSS_CODE = """
import contextlib, io, resource, sys, time
from aiindex.cli import main
t0 = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    rc = main(sys.argv[1:])
print(rc, time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _rss_run(argv: list[str]) -> tuple[int, float, float]:
    out = subprocess.run([sys.executable, "-c", _RSS_CODE, *argv], capture_output=True,
                         text=True, check=False)
    line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    if out.returncode or not line:
        raise RuntimeError(f"{argv}: {out.stderr.strip()[-500:]}")
    rc, dt, kb = line.split()
    return int(rc), float(dt), float(kb) / 1024


def section_rss(args: argparse.Namespace) -> None:
    print("peak RSS of `aiindex uncertainty configs/asem_uncertainty.yaml ...` "
          "(fresh process each; time includes start-up and setup)")
    base = ["uncertainty", str(CONFIG), "--quiet"]
    for n in (10_000, 100_000, 1_000_000):
        rc, dt, mb = _rss_run([*base, "--n", str(n)])
        print(f"  --n {n:>10,}                 {mb:7.1f} MB  {dt:7.1f} s  (exit {rc})")
    if args.quick:
        return
    for fmt in ("csv", "parquet"):
        with tempfile.TemporaryDirectory() as d:
            rc, dt, mb = _rss_run([*base, "--n", "10000000", "--out", str(Path(d) / "o"),
                                   "--format", fmt])
            size = sum(p.stat().st_size for p in (Path(d) / "o").iterdir()) / 2**20
            print(f"  --n 10,000,000 --out ({fmt:<7}) {mb:7.1f} MB  {dt:7.1f} s  "
                  f"(exit {rc}, {size:,.0f} MB written)")


_UNITS_CODE = """
import resource, sys, time
sys.path.insert(0, {bench!r})
from bench_uncertainty import many_units
from aiindex.analysis.uncertainty import Engine, uncertainty
from aiindex.analysis.uncertainty.run import RunOptions, auto_chunk, estimate_memory
cfg, data = many_units()
t0 = time.perf_counter()
eng = Engine(cfg, data=data)
setup = time.perf_counter() - t0
n = int(sys.argv[1])
t0 = time.perf_counter()
res = uncertainty(None, engine=eng, n=n, seed=1, keep_scores=False, keep_design=False)
dt = time.perf_counter() - t0
opts = RunOptions(n=100_000, chunk=auto_chunk(eng.n_units, eng.n_plans),
                  width=res.info["rank_histogram_width"])
est = sum(b for _, b, _ in estimate_memory(eng, opts, len(eng.spec.columns)))
print(setup, dt, res.info["chunk_size"], res.info["rank_histogram_width"], est,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def section_units(args: argparse.Namespace) -> None:
    code = _UNITS_CODE.format(bench=str(Path(__file__).parent))
    out = subprocess.run([sys.executable, "-c", code, str(args.units_n)], capture_output=True,
                         text=True, check=True)
    setup, dt, cs, width, est, kb = out.stdout.split()
    n = args.units_n
    print(f"50,000 units x 20 metrics, N = {n:,} (fresh process): setup {float(setup):.1f} s, "
          f"{float(dt):.1f} s = {float(dt) / n * 1e3:.1f} ms/rep (two passes), chunk {cs}, "
          f"rank bins of {width}; peak RSS {float(kb) / 1024:,.0f} MB; engine's estimate for "
          f"N = 100,000 beyond the engine itself: {float(est) / 2**20:,.0f} MB")


def section_coinr(args: argparse.Namespace) -> None:
    from aiindex.analysis.sensitivity import sensitivity
    from aiindex.analysis.uncertainty import Engine, uncertainty

    def fresh(n: int) -> float:  # a new engine (nominal run, data variants, programs) and n runs
        t0 = time.perf_counter()
        uncertainty(None, engine=Engine(CONFIG), n=n, seed=1)
        return time.perf_counter() - t0

    ua100 = statistics.median(fresh(100) for _ in range(args.repeats))
    ua500 = statistics.median(fresh(500) for _ in range(args.repeats))
    eng = Engine(CONFIG)
    uncertainty(None, engine=eng, n=1000, seed=0)
    per = _median_time(lambda: uncertainty(None, engine=eng, n=100_000, seed=1,
                                           keep_scores=False), args.repeats) / 100_000
    t0 = time.perf_counter()
    sa = sensitivity(None, engine=Engine(CONFIG), n=128, seed=1, n_resamples=999)
    sa_t = time.perf_counter() - t0
    rows = [
        ("seconds per replication (ours: N = 100,000, engine compiled)",
         COINR["s_per_rep"], per),
        ("uncertainty, N = 100 (ours: a fresh engine each time)", COINR["ua_100"], ua100),
        ("uncertainty, N = 500 (ours: a fresh engine each time)", COINR["ua_500"], ua500),
        (f"sensitivity: COINr 600 runs, ours {sa.n_evaluations} (fresh engine, 999 resamples)",
         COINR["sa_600"], sa_t),
    ]
    rows = [(w, f"{c:.4g} s", f"{o:.3g} s", f"{c / o:,.0f}x") for w, c, o in rows]
    print(f"{'ASEM':<76} {'COINr 1.1.14':>12} {'aiindex':>10} {'ratio':>8}")
    for r in rows:
        print(f"{r[0]:<76} {r[1]:>12} {r[2]:>10} {r[3]:>8}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=["speed", "rss", "units", "coinr"], default=None)
    ap.add_argument("--quick", action="store_true", help="fewer and smaller runs")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--units-n", type=int, default=1000,
                    help="replications of the 50,000-unit run")
    args = ap.parse_args()
    sections = {"speed": section_speed, "rss": section_rss, "units": section_units,
                "coinr": section_coinr}
    for name, fn in sections.items():
        if args.only in (None, name):
            print(f"== {name}")
            fn(args)


if __name__ == "__main__":
    main()
