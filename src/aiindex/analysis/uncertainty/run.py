"""Running an analysis: tasks over design blocks, backends, streaming outputs, memory limits.

The replications are cut into *tasks* (one design block of :data:`.design.DESIGN_BLOCK`
replications, or a slice of a user's design); a task draws (or reads) its design, evaluates it
chunk by chunk and returns its summaries (rank histograms, sums, tier counts), which merge by
addition. Only what is asked to be kept grows with the number of replications: scores, ranks
and design kept in memory, or streamed to files under ``out`` as they are produced, so that a
run with ``out`` needs the same memory for 10⁵ or 10⁷ replications.

Backends: ``numpy`` runs the tasks in this process; ``dask`` scatters the engine to the
workers of the active ``dask.distributed`` client once and submits one task per block
(``(block index, seed)``, no arrays), reducing the workers' summaries in a tree; without a
client it uses dask's local threaded scheduler.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ... import _progress as _prog
from ..._io import OutputDir
from ...errors import ConfigError
from ...tiers import tier_probabilities
from .design import DESIGN_BLOCK, DesignArrays, DesignSpec
from .engine import Engine
from .sink import Sink
from .summary import (
    FineCounts,
    RankSummary,
    TierCounts,
    UncertaintyResult,
    bin_width,
    binned_statistics,
    merge_all,
    rank_statistics,
    score_note,
    stats_frame,
    tier_table,
)

__all__ = ["RunOptions", "SampledSource", "FrameSource", "run_analysis", "auto_chunk",
           "estimate_memory", "available_memory"]

#: bytes of one (replications × units) float64 array of a plan group that fit the CPU cache
_CACHE_BYTES = 1 << 19
_TIER_RESERVED = {"method", "node", "refine", "rules", "on", "profile", "dimensions"}
_RULES_NOTE = ("the tiers section has refinement rules; they are not re-applied per "
               "replication (each replication is tiered by the 1-D method only), so "
               "nominal_tier, p_nominal and flag refer to the base tiers before the rules")


def auto_chunk(n_units: int, n_plans: int) -> int:
    """Replications per chunk: each plan group's (replications × units) arrays stay in cache.

    A chunk holds about ``n_plans`` groups; per group ``_CACHE_BYTES / (8 · units)``
    replications (ASEM: 20 plans × 1,285 → 16,384 after rounding to a power of two), at most
    one design block, and at least 256 — or fewer for very many units, so that one
    (replications × units) array stays under 16 MB (50,000 units: 32).
    """
    per_group = _CACHE_BYTES / (8 * max(n_units, 1))
    cs = per_group * min(max(n_plans, 1), 16)
    low = max(1, min(256, (16 << 20) // (8 * max(n_units, 1))))
    cs = max(cs, low)
    return int(min(DESIGN_BLOCK, 2 ** int(np.floor(np.log2(max(cs, 1)) + 0.5))))


# =========================================================================== sources
class SampledSource:
    """Replications drawn from a seed, block by block (reproducible per block)."""

    def __init__(self, spec: DesignSpec, n: int, entropy: int) -> None:
        self.spec, self.n, self.entropy = spec, n, entropy
        self._last: tuple[int, DesignArrays] | None = None  # the block drawn last

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_last": None}

    def tasks(self, max_rows: int | None = None) -> list[tuple[int, int]]:
        """One task per design block (or parts of at most ``max_rows`` replications)."""
        B = self.spec.block_size
        step = min(B, max_rows or B)
        return [(a, min(a + step, b0 + B, self.n)) for b0 in range(0, self.n, B)
                for a in range(b0, min(b0 + B, self.n), step)]

    def arrays(self, a: int, b: int) -> DesignArrays:
        """The design of replications ``a .. b-1`` (inside one block)."""
        k = a // self.spec.block_size
        last = self._last
        if last is None or last[0] != k:
            last = (k, self.spec.block(self.entropy, k, self.n))
            self._last = last
        blk = last[1]
        return blk.slice(a - blk.start, b - blk.start)

    def frame(self, arr: DesignArrays) -> pd.DataFrame:
        """The design DataFrame of some rows."""
        return self.spec.frame(arr)


class FrameSource:
    """Replications of a user's design DataFrame, read slice by slice."""

    def __init__(self, spec: DesignSpec, design: pd.DataFrame, task_size: int) -> None:
        spec.check_frame(design)
        self.spec, self.design, self.n = spec, design, len(design)
        self.task_size = task_size

    def tasks(self, max_rows: int | None = None) -> list[tuple[int, int]]:
        """Slices of ``task_size`` rows (at most ``max_rows``)."""
        ts = min(self.task_size, max_rows or self.task_size)
        return [(a, min(a + ts, self.n)) for a in range(0, self.n, ts)]

    def arrays(self, a: int, b: int) -> DesignArrays:
        """Rows ``a .. b-1`` of the design, encoded."""
        arr = self.spec.encode(self.design.iloc[a:b])
        arr.start = a
        return arr

    def frame(self, arr: DesignArrays) -> pd.DataFrame:
        """The user's rows (as given)."""
        return self.design.iloc[arr.start:arr.start + len(arr)]


# =========================================================================== options
@dataclass
class RunOptions:
    """What a run computes and keeps (resolved by the public functions)."""

    n: int
    chunk: int
    nodes: bool = False
    keep_scores: bool = False
    keep_design: bool = False
    backend: str = "numpy"
    progress: bool = False
    out: Path | None = None
    fmt: str = "csv"
    command: str = ""
    seed: int | None = None
    entropy: int | None = None
    tiers: dict[str, Any] | None = None
    mean_scores: bool = True
    width: int = 1

    @property
    def node_scores(self) -> bool:
        """Every aggregate's scores are computed: kept in memory with ``nodes="all"``."""
        return self.nodes and self.keep_scores and self.out is None

    @property
    def collect(self) -> bool:
        """Per-replication outputs leave the tasks (kept or written)."""
        return self.keep_scores or self.keep_design or self.out is not None


@dataclass
class TaskOut:
    """What one task returns: its summaries and, when collected, its per-replication rows."""

    summary: RankSummary | None = None
    fine: FineCounts | None = None
    tiers: TierCounts | None = None
    rows: list[tuple[DesignArrays, dict[str, np.ndarray]]] = field(default_factory=list)
    reps: int = 0

    def merge(self, other: TaskOut) -> TaskOut:
        """Summaries of both tasks (rows are consumed before merging)."""
        def m(a: Any, b: Any) -> Any:
            return b if a is None else a if b is None else a.merge(b)

        return TaskOut(m(self.summary, other.summary), m(self.fine, other.fine),
                       m(self.tiers, other.tiers), [], self.reps + other.reps)


_MALLOC_TUNED = False


def _tune_worker_malloc() -> None:
    """In a Dask worker process, let glibc keep freed memory for the next chunk (once).

    Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which also fixes glibc's
    mmap threshold at 128 kB: every (replications × units) temporary is then mapped, faulted
    page by page and unmapped again, which doubles the CPU time of a task. Raising both
    thresholds (``mallopt``; 64 MB and 256 MB) in the worker gives in-process speed; memory
    freed by a task stays available to the next one instead of going back to the system.
    """
    global _MALLOC_TUNED
    if _MALLOC_TUNED or not sys.platform.startswith("linux"):
        return
    if "distributed" not in sys.modules:  # a Dask worker has imported it; do not import it here
        return
    _MALLOC_TUNED = True
    try:
        from distributed import get_worker

        get_worker()
    except (ImportError, ValueError):
        return  # not in a Dask worker: leave the process as it is
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 64 << 20)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 256 << 20)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        pass


def run_task(eng: Engine, source: Any, a: int, b: int, opts: RunOptions,
             targets: np.ndarray | None = None,
             emit: Callable[[DesignArrays, dict[str, np.ndarray]], None] | None = None
             ) -> TaskOut:
    """Evaluate replications ``a .. b-1`` chunk by chunk (pass 1, or pass 2 with ``targets``).

    Per-replication rows (when collected) go to ``emit`` chunk by chunk, or are returned in
    ``TaskOut.rows`` (from a Dask worker).
    """
    _tune_worker_malloc()
    arr_all = source.arrays(a, b)
    out = TaskOut(reps=b - a)
    if targets is None:
        out.summary = RankSummary(eng.n_units, opts.width)
        out.tiers = TierCounts() if opts.tiers is not None else None
    else:
        out.fine = FineCounts(targets, opts.width)
    collect = opts.collect and targets is None
    for c0 in range(0, len(arr_all), opts.chunk):
        arr = arr_all.slice(c0, min(c0 + opts.chunk, len(arr_all)))
        res = eng.evaluate(arr, nodes=opts.node_scores and collect,
                           scores=collect or out.tiers is not None, ranks=collect,
                           summary=out.summary, fine=out.fine, mean_scores=opts.mean_scores)
        if out.tiers is not None:
            out.tiers.add(_tier_probs(eng, opts.tiers, res["scores"]), len(arr))
        if collect and emit is not None:
            emit(arr, res)
        elif collect:
            out.rows.append((arr, res))
    return out


# =========================================================================== tiers
def tiers_spec(eng: Engine) -> dict[str, Any] | None:
    """The config's tiers section when the nominal run has tiers."""
    t = eng.cfg.tiers
    if not t or eng.nominal.tiers is None:
        return None
    return dict(t)


def nominal_tiers(eng: Engine, spec: Mapping[str, Any]) -> tuple[pd.Series, str]:
    """Nominal tiers comparable with the replications' tiers, and their basis.

    Replications are tiered by the 1-D method only; with ``rules`` the comparable nominal tiers
    are the base tiers before refinement (``result.info["tiers"].params["base"]``).
    """
    if spec.get("rules"):
        tr = eng.nominal.info.get("tiers")
        base = getattr(tr, "params", {}).get("base") if tr is not None else None
        if base is None:
            raise ConfigError("uncertainty: the tiers section has rules but the nominal result "
                              "holds no base tiers (result.info['tiers'].params['base'])")
        return base, "base"
    return eng.nominal.tiers, "final"


def _tier_probs(eng: Engine, spec: Mapping[str, Any], S: np.ndarray) -> pd.DataFrame:
    params = {k: v for k, v in spec.items() if k not in _TIER_RESERVED}
    return tier_probabilities(S, method=str(spec.get("method", "jenks")), params=params,
                              units=list(eng.units))


# =========================================================================== memory
def available_memory() -> int | None:
    """Bytes of memory this process may still use (cgroup limit, ``MemAvailable``), or None."""
    found = []
    try:
        lim = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if lim != "max":
            cur = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
            found.append(int(lim) - cur)
    except (OSError, ValueError):
        pass
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    return min(found) if found else None


def estimate_memory(eng: Engine, opts: RunOptions, n_design_cols: int) -> list[tuple[str, float, str]]:
    """Peak memory of a run beyond the engine itself: (what, bytes, option that reduces it)."""
    N, n, a = opts.n, eng.n_units, len(eng.aggregates)
    kmax = max((len(eng.fw.children(p)) for p in eng.fw.aggregates), default=1)
    cs = min(opts.chunk, N)
    nb = -(-n // opts.width)
    items = [
        ("rank histograms", 8.0 * n * nb * 2 + (8.0 * n * 6 * opts.width
                                                if opts.width > 1 else 0.0), ""),
        ("one chunk of replications", 8.0 * cs * n * (10 + kmax + (a if opts.nodes else 0))
         + 16.0 * min(DESIGN_BLOCK, N) * max(n_design_cols, 1), "a smaller chunk_size"),
        ("data variants and programs", 8.0 * min(eng.n_plans, 256) * n
         * (len(eng.fw.metrics) * 3 + a), "fewer data-stage alternatives"),
    ]
    if opts.keep_scores and opts.out is None:
        items.append((f"scores and ranks of {N:,} replications kept in memory",
                      16.0 * N * n * (a if opts.nodes else 1),
                      "keep_scores=False (--no-scores), out= (stream them to files) or a "
                      "smaller n (--n)"))
    if opts.keep_design:
        items.append((f"the design of {N:,} replications kept in memory",
                      24.0 * N * max(n_design_cols, 1),
                      "keep_design=False, out= (stream it to files) or a smaller n (--n)"))
    if opts.tiers is not None:
        items.append(("tiering a chunk", 8.0 * cs * n * 12, "a smaller chunk_size"))
    if opts.backend == "dask" and opts.collect:
        items.append(("rows of the Dask tasks in flight", 4 * 64.0 * 2**20,
                      "keep_scores=False and keep_design=False"))
    return items


def _fmt_bytes(b: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if b < 1024 or unit == "PB":
            return f"{b:,.0f} {unit}" if unit == "B" else f"{b:,.1f} {unit}"
        b /= 1024
    return f"{b:.1f}"  # pragma: no cover


def check_limits(eng: Engine, opts: RunOptions, n_design_cols: int) -> float:
    """Refuse a run whose memory (or output files) would not fit; returns the estimate.

    Raises
    ------
    ConfigError
        Naming the estimate, what is available and the options that reduce it.
    """
    items = estimate_memory(eng, opts, n_design_cols)
    total = sum(b for _, b, _ in items)
    avail = available_memory()
    if avail is not None and total > 0.9 * avail:
        big = sorted(items, key=lambda t: -t[1])
        what = "; ".join(f"{w} {_fmt_bytes(b)}" for w, b, _ in big[:2])
        fixes = "; ".join(dict.fromkeys(o for _, b, o in big if o and b > 0.1 * total))
        raise ConfigError(f"uncertainty: {opts.n:,} replications would need about "
                          f"{_fmt_bytes(total)} of memory ({what}) but {_fmt_bytes(avail)} is "
                          f"available; reduce it with: {fixes}")
    if opts.out is not None:
        _check_disk(eng, opts, n_design_cols)
    return total


def _check_disk(eng: Engine, opts: RunOptions, n_design_cols: int) -> None:
    per_cell = 8.0 if opts.fmt == "parquet" else 22.0
    need = per_cell * opts.n * (n_design_cols + 1)
    if opts.keep_scores:
        need += per_cell * opts.n * eng.n_units * 1.6
    p = Path(opts.out)
    while not p.exists() and p != p.parent:
        p = p.parent
    free = shutil.disk_usage(p).free
    if need > 0.95 * free:
        raise ConfigError(f"uncertainty: the files of {opts.n:,} replications would take about "
                          f"{_fmt_bytes(need)} under {opts.out} but {_fmt_bytes(free)} is free; "
                          "write fewer columns (--no-scores, the default beyond "
                          "MAX_KEPT_CELLS), use --format parquet or a smaller --n")


# =========================================================================== collecting
class Collector:
    """Receives per-replication rows in replication order: keeps them and/or streams them."""

    def __init__(self, eng: Engine, source: Any, opts: RunOptions, sink: Any) -> None:
        self.eng, self.source, self.opts, self.sink = eng, source, opts, sink
        N, n = opts.n, eng.n_units
        mem = opts.out is None
        self.scores = np.empty((N, n)) if opts.keep_scores and mem else None
        self.ranks = np.empty((N, n)) if opts.keep_scores and mem else None
        self.nodes = (np.empty((N, n, len(eng.aggregates))) if opts.keep_scores and mem
                      and opts.nodes else None)
        self.frames: list[pd.DataFrame] = []

    def add(self, arr: DesignArrays, res: Mapping[str, np.ndarray]) -> None:
        """One chunk's rows."""
        a, b = arr.start, arr.start + len(arr)
        if self.scores is not None:
            self.scores[a:b], self.ranks[a:b] = res["scores"], res["ranks"]
        if self.nodes is not None:
            self.nodes[a:b] = res["nodes"]
        if self.opts.keep_design:
            self.frames.append(self.source.frame(arr))
        if self.sink is not None:
            spec = self.source.spec if isinstance(self.source, SampledSource) else None
            self.sink.write(spec, arr, lambda: self.source.frame(arr), res)

    def design(self) -> pd.DataFrame | None:
        """The kept design (one DataFrame)."""
        if not self.frames:
            return None
        return pd.concat(self.frames) if len(self.frames) > 1 else self.frames[0]


# =========================================================================== backends
@contextmanager
def _progress(total: int, enabled: bool) -> Iterator[Any]:
    """A progress step over the replications, shown by the reporter in force (see
    :mod:`aiindex._progress`; the command line installs one on a terminal) whether or not
    ``enabled``; ``enabled`` without one installed: plain text on stderr."""
    rep = _prog.current()
    if not enabled and isinstance(rep, _prog.NullReporter):
        yield None
        return
    with (_prog.use(_prog.TextReporter()) if isinstance(rep, _prog.NullReporter)
          else nullcontext()), _prog.step("replications", total=total) as advance:
        yield advance


def _run_numpy(eng: Engine, source: Any, opts: RunOptions, targets: np.ndarray | None,
               consume: Callable[..., None], emit: Callable[..., None] | None) -> None:
    for a, b in source.tasks():
        consume(run_task(eng, source, a, b, opts, targets, emit))


def _dask_client() -> Any:
    try:
        from distributed import get_client
    except ImportError:
        return None
    try:
        return get_client()
    except ValueError:
        return None


def _run_dask(eng: Engine, source: Any, opts: RunOptions, targets: np.ndarray | None,
              consume: Callable[..., None], emit: Callable[..., None] | None) -> None:
    try:
        import dask
    except ImportError as exc:  # pragma: no cover - optional
        raise ConfigError("backend='dask' needs dask: pip install 'aiindex[dask]'") from exc
    # collected rows travel back with their task: keep a task's rows under about 64 MB
    rows = (64 << 20) // (16 * eng.n_units) if opts.collect and targets is None else None
    tasks = source.tasks(max(opts.chunk, rows) if rows is not None else None)
    client = _dask_client()
    if client is None:  # dask's local threaded scheduler, a window of tasks at a time
        window, todo = 2 * (os.cpu_count() or 1), list(tasks)
        for i in range(0, len(todo), window):  # memory: the outputs of one window, not all
            parts = dask.compute(*[dask.delayed(run_task)(eng, source, a, b, opts, targets)
                                   for a, b in todo[i:i + window]], scheduler="threads")
            for p in parts:
                consume(p)
        return
    eng_f = client.scatter(eng, broadcast=True, hash=False)
    src_f = client.scatter(source, broadcast=True, hash=False)
    tg_f = client.scatter(targets, broadcast=True, hash=False) if targets is not None else None

    def submit(ab: tuple[int, int]) -> Any:
        return client.submit(run_task, eng_f, src_f, ab[0], ab[1], opts, tg_f, pure=False)

    if opts.collect and targets is None:  # rows come back in order, a few tasks in flight
        window = 2 * max(1, len(client.scheduler_info().get("workers", {})))
        pending: deque[Any] = deque()
        for ab in tasks:
            pending.append(submit(ab))
            if len(pending) >= window:
                consume(pending.popleft().result())
        while pending:
            consume(pending.popleft().result())
        return
    from distributed import as_completed

    futs = [submit(ab) for ab in tasks]
    sizes = {f.key: b - a for f, (a, b) in zip(futs, tasks, strict=True)}
    for f in as_completed(futs):
        consume(sizes[f.key])  # a progress tick; the summaries stay on the workers
    while len(futs) > 1:  # tree reduction on the workers
        futs = [client.submit(_merge2, futs[i], futs[i + 1]) if i + 1 < len(futs) else futs[i]
                for i in range(0, len(futs), 2)]
    consume(futs[0].result(), tick=False)


def _merge2(a: TaskOut, b: TaskOut) -> TaskOut:
    return a.merge(b)


# =========================================================================== the run
def _one_pass(eng: Engine, source: Any, opts: RunOptions, targets: np.ndarray | None,
              collector: Collector | None, bar: Any) -> TaskOut:
    """Every task once; returns the merged summaries. ``consume`` takes a task's output (or a
    number of replications done, from the dask backend) in replication order when rows are
    collected."""
    parts: list[TaskOut] = []

    def consume(t: TaskOut | int, tick: bool = True) -> None:
        reps = t if isinstance(t, int) else t.reps
        if bar is not None and targets is None and tick:
            bar(reps)
        if isinstance(t, int):
            return
        if collector is not None:
            for arr, res in t.rows:
                collector.add(arr, res)
        t.rows = []
        parts.append(t)

    emit = collector.add if collector is not None else None
    (_run_dask if opts.backend == "dask" else _run_numpy)(eng, source, opts, targets, consume,
                                                          emit)
    return merge_all(parts)


def run_analysis(eng: Engine, source: Any, opts: RunOptions) -> UncertaintyResult:
    """Run an analysis (see the module docstring) and build its result."""
    if opts.backend not in ("numpy", "dask"):
        raise ConfigError(f"uncertainty: backend must be 'numpy' or 'dask', got "
                          f"{opts.backend!r}")
    opts.width = bin_width(eng.n_units)
    opts.tiers = tiers_spec(eng)
    note = score_note(eng.factors)
    opts.mean_scores = note is None
    est = check_limits(eng, opts, len(source.spec.columns))
    eng.compile_all(opts.node_scores)
    if opts.out is None:
        return _finish(eng, source, opts, None, est, note)
    extra = {"seed": opts.seed, "entropy": opts.entropy, "replications": opts.n}
    with OutputDir(opts.out, command=opts.command or "aiindex.analysis.uncertainty",
                   config=eng.cfg, extra=extra) as od:
        sink = Sink(od, eng.units, opts.fmt, opts.keep_scores)
        try:
            res = _finish(eng, source, opts, sink, est, note)
        finally:
            sink.close()
        od.write_csv("rank_stats.csv", res.rank_stats, float_format="%.17g")
        if res.tier_probabilities is not None:
            od.write_csv("tier_probabilities.csv", res.tier_probabilities,
                         float_format="%.17g")
    res.info["files"] = [str(p) for p in od.paths]
    return res


def _finish(eng: Engine, source: Any, opts: RunOptions, sink: Sink | None, est: float,
            note: str | None) -> UncertaintyResult:
    collector = Collector(eng, source, opts, sink) if opts.collect else None
    with _progress(opts.n, opts.progress) as bar:
        first = _one_pass(eng, source, opts, None, collector, bar)
    summary = first.summary
    if opts.width == 1:
        st = rank_statistics(summary.counts, eng.units)
    else:
        fine = _one_pass(eng, source, opts, summary.targets(), None, None).fine
        st = binned_statistics(summary, fine, eng.units)
    info: dict[str, Any] = {"n": opts.n}
    if note is not None:
        info["mean_score_note"] = note
    stats = stats_frame(st, eng.nominal, eng.root, eng.units, summary, note)
    tp = None
    if opts.tiers is not None:
        nom, basis = nominal_tiers(eng, opts.tiers)
        tp = tier_table(first.tiers, nom, basis, eng.units)
        if opts.tiers.get("rules"):
            info["tier_note"] = _RULES_NOTE
    info.update({"chunk_size": opts.chunk, "backend": opts.backend,
                 "keep_scores": opts.keep_scores, "keep_design": opts.keep_design,
                 "plans": len(eng._programs), "data_variants": eng.n_variants,
                 "entropy": opts.entropy, "memory_estimate": est,
                 "rank_histogram_width": opts.width})
    return _result(eng, source, opts, collector, stats, tp, info)


def _result(eng: Engine, source: Any, opts: RunOptions, collector: Collector | None,
            stats: pd.DataFrame, tp: pd.DataFrame | None, info: dict[str, Any]
            ) -> UncertaintyResult:
    design = collector.design() if collector is not None else None
    idx = design.index if design is not None else pd.RangeIndex(opts.n, name="replication")
    sc = rk = node_df = None
    if collector is not None and collector.scores is not None:
        sc = pd.DataFrame(collector.scores, index=idx, columns=eng.units)
        rk = pd.DataFrame(collector.ranks, index=idx, columns=eng.units)
    if collector is not None and collector.nodes is not None:
        node_df = {c: pd.DataFrame(collector.nodes[:, :, j], index=idx, columns=eng.units)
                   for j, c in enumerate(eng.aggregates)}
    return UncertaintyResult(design=design, scores=sc, ranks=rk, rank_stats=stats,
                             tier_probabilities=tp, factors=list(eng.factors),
                             nominal=eng.nominal, seed=opts.seed, node_scores=node_df, info=info)

