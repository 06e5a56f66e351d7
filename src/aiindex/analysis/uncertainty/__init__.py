"""Uncertainty analysis: Monte Carlo over methodological choices, evaluated vectorised.

The ``uncertainty`` section of a config declares *factors*::

    uncertainty:
      n: 1000            # replications
      seed: 42
      chunk_size: 16384  # replications evaluated at once (default: chosen for the CPU cache)
      nodes: root        # or "all": keep the scores of every aggregate node
      factors:
        - {name: winsorisation, type: choice, stage: treat,
           alternatives: [{winmax: 1}, {winmax: 2}, {winmax: 3}, {winmax: 4}, {winmax: 5}]}
        - {name: normalisation, type: choice, stage: normalize,
           alternatives: [{method: minmax, low: 1, high: 100}, {method: zscore, mean: 10, sd: 2}]}
        - {name: w_pillars, type: weight_noise, level: 2, relative: 0.25}
        - {name: w_dirichlet, type: dirichlet, level: 3, concentration: 50}
        - {name: my_sets, type: weight_sets, sets: [{Conn: 1, Sust: 2}, {Conn: 2, Sust: 1}]}
        - {name: drop_one, type: exclusion, alternatives: [[], [Goods], [Services]]}
        - {name: aggregation, type: choice, stage: aggregate,
           alternatives: [{method: arithmetic}, {method: geometric}]}

Factor types
------------
``choice``
    One of the ``alternatives`` of a stage section (``denominate``, ``impute``, ``screen``,
    ``treat``, ``normalize``, ``aggregate``), drawn uniformly. An alternative is an overlay on
    the stage section: if it names ``method`` it replaces the method *and all its parameters*
    (``overrides``, ``levels`` and stage options such as ``min_share`` are kept); otherwise it
    deep-merges parameters (e.g. ``{winmax: 3}``). An optional ``label`` names it in the design.
``exclusion``
    One of ``alternatives``, each a list of node codes to drop (``[]`` = keep all).
``weight_noise``
    Every node of ``level`` (or the listed ``nodes``) gets its raw weight multiplied by
    ``1 + U(-relative, relative)``, independently per node and replication (COINr's approach).
``dirichlet``
    The local weights of the children of each parent at ``level`` are drawn from a Dirichlet
    distribution with parameters ``concentration × nominal local weights`` (mean = nominal).
``weight_sets``
    One of an explicit list of weight mappings ``{node: weight}`` (a YAML list or a CSV file with
    one row per set and one column per node), drawn uniformly.

Weight sets replace raw weights first, then Dirichlet weights, then the multipliers
(``weight_noise``) apply. Weights are relative among siblings and renormalised per unit over
the children that have data (the policy of :mod:`aiindex.stages.aggregate`). The config's
``rescale`` section applies to every replication as to a plain run.

Layout of the package
---------------------
* :mod:`.factors` — parsing the factors;
* :mod:`.design` — drawing the design block by block from the seed (the scheme is documented
  there), reading a user's design;
* :mod:`.compile` and :mod:`.ops` — data variants become *programs*: hoisted constants,
  collapsed groups of weighted means (one matrix product), masked steps, other aggregators;
* :mod:`.engine` — :class:`Engine`: compile, sample, evaluate a chunk;
* :mod:`.summary` — ranks straight from one sort into histograms; the result;
* :mod:`.run` — tasks, backends (numpy, dask), streaming to ``out``, memory limits.

Every replication equals (to floating-point precision) a plain pipeline run with the same
choices; tests check this, including random trees (hypothesis).

Memory
------
Rank statistics come from per-unit rank histograms (exact; binned with a second pass beyond
4,096 units), tier probabilities from per-chunk counts. What is kept per replication is
decided up front: scores and ranks (``keep_scores``; by default only when
``N × units × nodes kept <= MAX_KEPT_CELLS``) and the design (``keep_design``; by default
under the same bound and not when writing to ``out``). With ``out=DIR`` they are streamed to
files as they are produced (CSV, or Parquet with ``format="parquet"``), so memory does not grow
with ``N``. Before allocating, the run estimates its peak memory and refuses (a
:class:`~aiindex.errors.ConfigError` naming the estimate, the memory available and the options
that reduce it) when it would not fit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...errors import ConfigError
from .design import DESIGN_BLOCK
from .engine import Engine
from .factors import FACTOR_TYPES, Factor, apply_alternative, check_n, parse_factors
from .run import FrameSource, RunOptions, SampledSource, auto_chunk, run_analysis
from .summary import UncertaintyResult, rank_statistics

__all__ = [
    "Factor",
    "Engine",
    "UncertaintyResult",
    "parse_factors",
    "sample_design",
    "evaluate_design",
    "uncertainty",
    "rank_statistics",
    "resolve_keep_scores",
    "apply_alternative",
    "run_config",
    "FACTOR_TYPES",
    "MAX_KEPT_CELLS",
    "DEFAULT_CHUNK",
    "DESIGN_BLOCK",
]

#: ``keep_scores=None`` keeps per-replication scores only up to this many cells
#: (replications × units × nodes kept): 2·10⁷ cells = 160 MB per float64 table.
MAX_KEPT_CELLS = 20_000_000
#: chunk size of callers that evaluate designs themselves (e.g. Sobol' sensitivity);
#: runs choose theirs for the CPU cache (:func:`.run.auto_chunk`) unless ``chunk_size`` is set
DEFAULT_CHUNK = 16_384


def resolve_keep_scores(keep_scores: bool | None, n_replications: int, n_units: int,
                        n_nodes: int = 1) -> bool:
    """Whether per-replication scores are kept (or written).

    ``None`` (the default) keeps them only when ``n_replications × n_units × n_nodes`` (the
    cells of the largest kept table; ``n_nodes`` = number of aggregates with ``nodes="all"``,
    else 1) is at most :data:`MAX_KEPT_CELLS`; rank statistics and tier probabilities never need
    them (histograms / per-chunk accumulation), so memory stays bounded for any ``N``.
    """
    if keep_scores is None:
        return n_replications * n_units * max(n_nodes, 1) <= MAX_KEPT_CELLS
    if not isinstance(keep_scores, bool | np.bool_):
        raise ConfigError(f"uncertainty: keep_scores must be true, false or null (automatic), "
                          f"got {keep_scores!r}")
    return bool(keep_scores)


def _keep_design(keep_design: bool | None, n: int, n_cols: int, out: Any) -> bool:
    if keep_design is None:
        return out is None and n * max(n_cols, 1) <= MAX_KEPT_CELLS
    if not isinstance(keep_design, bool | np.bool_):
        raise ConfigError(f"uncertainty: keep_design must be true, false or null (automatic), "
                          f"got {keep_design!r}")
    return bool(keep_design)


def _options(eng: Engine, n: int, *, chunk_size: int | None, nodes: str,
             keep_scores: bool | None, keep_design: bool | None, backend: str,
             progress: bool, out: str | Path | None, format: str, command: str,
             seed: int | None, entropy: int | None) -> RunOptions:
    """Resolve and check the options of a run."""
    if nodes not in ("root", "all"):
        raise ConfigError(f"uncertainty: nodes must be 'root' or 'all', got {nodes!r}")
    if format not in ("csv", "parquet"):
        raise ConfigError(f"uncertainty: format must be 'csv' or 'parquet', got {format!r}")
    all_nodes = nodes == "all"
    ks = resolve_keep_scores(keep_scores, n, eng.n_units,
                             len(eng.aggregates) if all_nodes else 1)
    cs = chunk_size or eng.section.get("chunk_size") or auto_chunk(eng.n_units, eng.n_plans)
    if isinstance(cs, bool) or not isinstance(cs, int | np.integer) or int(cs) <= 0:
        raise ConfigError(f"uncertainty: chunk_size must be a positive integer, got {cs!r}")
    return RunOptions(n=n, chunk=int(cs), nodes=all_nodes, keep_scores=ks,
                      keep_design=_keep_design(keep_design, n, len(eng.spec.columns), out),
                      backend=str(backend), progress=progress,
                      out=Path(out) if out is not None else None, fmt=format, command=command,
                      seed=seed, entropy=entropy)


def sample_design(config: Any, n: int, *, seed: int | None = None,
                  factors: Sequence[Mapping[str, Any]] | None = None,
                  data: Any = None) -> pd.DataFrame:
    """Draw the design matrix of ``n`` replications (seeded) without evaluating it."""
    return Engine(config, data=data, factors=factors).sample(n, seed)


def uncertainty(config: Any, *, n: int | None = None, seed: int | None = None, data: Any = None,
                factors: Sequence[Mapping[str, Any]] | None = None,
                chunk_size: int | None = None, nodes: str | None = None,
                keep_scores: bool | None = None, keep_design: bool | None = None,
                backend: str | None = None, progress: bool = False,
                engine: Engine | None = None, out: str | Path | None = None,
                format: str = "csv", command: str = "") -> UncertaintyResult:
    """Monte Carlo uncertainty analysis of a config's ``uncertainty`` section.

    Parameters
    ----------
    config
        Config path, mapping or :class:`~aiindex.config.Config`.
    n, seed, chunk_size, nodes, keep_scores, backend
        Override ``uncertainty.n`` (default 1000), ``seed``, ``chunk_size`` (default: chosen
        for the CPU cache), ``nodes`` (``"root"``/``"all"``), ``keep_scores`` and ``backend``
        (``"numpy"``/``"dask"``; dask uses the active ``dask.distributed`` client if any).
        ``keep_scores``: ``True`` keeps scores and ranks per replication, ``False`` never,
        ``None`` (default) only when ``n × units × nodes kept <= MAX_KEPT_CELLS`` (2·10⁷);
        rank statistics and tier probabilities do not need them.
    keep_design
        Keep the design DataFrame in memory: ``None`` (default) when not writing to ``out``
        and ``n × design columns <= MAX_KEPT_CELLS``.
    data
        Data replacing the config's.
    factors
        Factor list replacing the config's.
    progress
        Show a progress bar (tqdm if installed, else a counter on stderr).
    engine
        A compiled :class:`Engine` to reuse (its data variants and programs are cached).
    out
        A folder: design, scores and ranks (as kept) are streamed there chunk by chunk, then
        ``rank_stats.csv`` and ``tier_probabilities.csv``, ``manifest.json`` last
        (:class:`aiindex._io.OutputDir`); the result then holds no per-replication table.
    format
        ``"csv"`` or ``"parquet"`` (needs ``pyarrow``: ``pip install 'aiindex[parquet]'``) for
        the streamed files.
    command
        Recorded in the manifest.

    Returns
    -------
    UncertaintyResult

    Raises
    ------
    ConfigError
        ``n <= 0``, unknown factor type or key, a factor that cannot be applied, a run that
        would not fit in memory (or its files on disk).
    MethodError
        An alternative naming an unregistered method; a replication whose method cannot be
        applied (e.g. a geometric mean of a zero).
    """
    eng = engine if engine is not None else Engine(config, data=data, factors=factors)
    sec = eng.section
    n = check_n(n if n is not None else sec.get("n", 1000))
    seed = seed if seed is not None else sec.get("seed")
    entropy = int(seed) if seed is not None else int(np.random.SeedSequence().entropy)
    opts = _options(eng, n, chunk_size=chunk_size, nodes=nodes or sec.get("nodes", "root"),
                    keep_scores=sec.get("keep_scores") if keep_scores is None else keep_scores,
                    keep_design=keep_design, backend=backend or sec.get("backend", "numpy"),
                    progress=progress, out=out, format=format, command=command, seed=seed,
                    entropy=entropy)
    return run_analysis(eng, SampledSource(eng.spec, n, entropy), opts)


def evaluate_design(config: Any, design: pd.DataFrame, *, data: Any = None,
                    factors: Sequence[Mapping[str, Any]] | None = None,
                    chunk_size: int | None = None, nodes: str = "root",
                    keep_scores: bool | None = None, keep_design: bool | None = None,
                    backend: str = "numpy", progress: bool = False,
                    engine: Engine | None = None, out: str | Path | None = None,
                    format: str = "csv", command: str = "") -> UncertaintyResult:
    """Evaluate a user-given design (one row per replication, one column per factor).

    Discrete factors take an alternative's label (as in :func:`sample_design`'s output) or its
    0-based index; ``weight_noise`` columns ``name[node]`` take multipliers, ``dirichlet``
    columns local weights. Every declared factor column must be present. ``keep_scores``,
    ``keep_design``, ``out`` and ``format`` as in :func:`uncertainty`.

    Parameters
    ----------
    config
        The config with an ``uncertainty`` section (path, bundled name, mapping or Config).
    design
        One row per replication, one column per factor (see above).
    data, factors
        Data replacing the config's; factors replacing its ``uncertainty.factors``.
    chunk_size, nodes, keep_scores, keep_design, backend, progress, engine, out, format, command
        As in :func:`uncertainty`.

    Returns
    -------
    UncertaintyResult
        Rank statistics (and kept tables) of the given replications.
    """
    eng = engine if engine is not None else Engine(config, data=data, factors=factors)
    eng.spec.check_frame(design)
    n = check_n(len(design))
    opts = _options(eng, n, chunk_size=chunk_size, nodes=nodes, keep_scores=keep_scores,
                    keep_design=keep_design, backend=backend, progress=progress, out=out,
                    format=format, command=command, seed=None, entropy=None)
    return run_analysis(eng, FrameSource(eng.spec, design, DESIGN_BLOCK), opts)


def run_config(result: Any, *, engine: Engine | None = None) -> UncertaintyResult | None:
    """The uncertainty analysis configured in ``result.config`` (``None`` if none is configured).

    Used by :mod:`aiindex.outputs.report` to add rank intervals to the HTML report; ``engine``
    reuses a compiled :class:`Engine` (the report shares one with the sensitivity analysis).
    """
    cfg = result.config
    if not cfg.uncertainty:
        return None
    return uncertainty(cfg, engine=engine)
