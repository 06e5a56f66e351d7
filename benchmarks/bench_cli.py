"""Whole-process time of `aiindex --version`, `aiindex --help` and `aiindex run` (bundled default).

Each command runs in a fresh Python process (what a user waits for), several times; the figure is
the median wall time. With ``--baseline SRC`` the same commands run against another source tree
(e.g. a checkout of the release before the layered package) side by side, alternating runs so
that both see the same machine load.

    python benchmarks/bench_cli.py                      # this checkout
    python benchmarks/bench_cli.py --baseline ../old/src --repeat 15
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {"--version": ["--version"], "--help": ["--help"], "run": ["run"]}


def _time(src: Path, argv: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(src)}
    code = ("import sys; sys.argv = ['aiindex', *sys.argv[1:]]\n"
            "from aiindex.cli import main\n"
            "try:\n    rc = main()\nexcept SystemExit as e:\n    rc = e.code\n")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *argv], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=Path, default=None,
                    help="src folder of another checkout to compare with")
    ap.add_argument("--repeat", type=int, default=11)
    args = ap.parse_args()
    trees = {"this checkout": ROOT / "src"}
    if args.baseline is not None:
        trees = {"baseline": args.baseline.resolve(), **trees}
    print(f"median whole-process wall time over {args.repeat} runs (Python {sys.version.split()[0]})")
    print(f"{'command':<12}" + "".join(f"{k:>16}" for k in trees) + ("   ratio" if len(trees) == 2
                                                                       else ""))
    for name, argv in COMMANDS.items():
        times: dict[str, list[float]] = {k: [] for k in trees}
        for src in trees.values():  # warm the file cache
            _time(src, argv)
        for _ in range(args.repeat):
            for k, src in trees.items():
                times[k].append(_time(src, argv))
        med = {k: statistics.median(v) for k, v in times.items()}
        row = f"{name:<12}"
        row += "".join(f"{med[k]:>15.3f}s" for k in trees)
        if len(trees) == 2:
            a, b = med.values()
            row += f"   {a / b:5.1f}x"
        print(row)


if __name__ == "__main__":
    main()
