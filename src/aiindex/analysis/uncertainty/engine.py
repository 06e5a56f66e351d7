"""The compiled uncertainty problem: nominal run, data variants, programs, chunk evaluation.

:class:`Engine` ties the steps together:

* **compile** — the config, the framework and the nominal run; the factors
  (:mod:`.factors`); every ``choice`` alternative checked; the data variants (each distinct
  combination of data-stage choices, produced once by the plain pipeline, sharing ``prepare``
  per upstream key) and one program per plan (:mod:`.compile`), built on first use and cached;
* **sample** — design blocks drawn from the seed (:mod:`.design`);
* **evaluate** — a chunk of replications grouped by plan (integer keys), each group run
  through its program, ranked once (:func:`.summary.rank_order`) and added to the summaries.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ...config import Config, resolve_config
from ...errors import ConfigError, DataError, MethodError, ValidationError
from ...framework import Framework
from ...pipeline import (
    build_framework,
    load_dataset,
    normalize_stage,
    pooled_reference,
    prepare,
    run_dataset,
)
from ...stages import check_methods
from ...weights import apply_weights_config
from .compile import compile_program
from .design import DesignArrays, DesignSpec
from .factors import DATA_STAGES, apply_alternative, check_n, parse_factors
from .ops import Program, edge_weights, fast_index, run_op
from .summary import FineCounts, RankSummary, rank_order, ranks_from_order

__all__ = ["Engine", "SECTION_KEYS"]

#: keys of the ``uncertainty`` config section
SECTION_KEYS = {"n", "seed", "chunk_size", "nodes", "factors", "keep_scores", "backend"}
#: plans compiled up front when there are at most this many (else on first use)
_EAGER_PLANS = 256


class Engine:
    """A compiled uncertainty problem: nominal run, factors, cached data variants and programs.

    Parameters
    ----------
    config
        Config path, mapping or :class:`~aiindex.config.Config`.
    data
        Optional data replacing the config's.
    factors
        Factor list replacing ``config.uncertainty.factors``.
    """

    def __init__(self, config: Any, *, data: Any = None,
                 factors: Sequence[Mapping[str, Any]] | None = None) -> None:
        self.cfg = resolve_config(config)
        self.section = dict(self.cfg.uncertainty or {})
        unknown = sorted(set(self.section) - SECTION_KEYS)
        if unknown:
            raise ConfigError(f"uncertainty: unknown key(s) {unknown}; allowed: "
                              f"{sorted(SECTION_KEYS)}")
        self.fw = build_framework(self.cfg)
        problems = check_methods(self.cfg, self.fw)
        if problems:
            raise ValidationError(problems, title="invalid config")
        self.data = data
        self.dataset = load_dataset(self.cfg, self.fw, data)
        self.nominal = run_dataset(self.cfg, self.fw, self.dataset)
        self.factors = parse_factors(factors if factors is not None
                                     else self.section.get("factors"), self.fw, self.cfg)
        self.spec = DesignSpec(self.factors, self.fw)
        self._index()
        self._prep_cache: dict[tuple, Any] = {}
        self._norm_cache: dict[tuple, tuple[Config, Framework, pd.DataFrame]] = {}
        self._programs: dict[tuple[int, bool], Program] = {}
        self._check_alternatives()

    # ------------------------------------------------------------------ compile: layout
    def _index(self) -> None:
        """Positions of units, nodes and factors; the nodes whose weight varies."""
        self.units = pd.Index(self.nominal.scores.index, name="uCode")
        self.node_codes = list(self.fw.nodes)
        self._node_pos = {c: i for i, c in enumerate(self.node_codes)}
        self.aggregates = [c for c in self.fw.nodes if c in set(self.fw.aggregates)]
        self.root = self.fw.root
        F = self.factors
        self._data_f = [i for i, f in enumerate(F) if f.type == "exclusion"
                        or (f.type == "choice" and f.stage in DATA_STAGES)]
        self._agg_f = [i for i, f in enumerate(F) if f.type == "choice" and f.stage == "aggregate"]
        self._set_f = [i for i, f in enumerate(F) if f.type == "weight_sets"]
        self._disc = [i for i, f in enumerate(F) if f.discrete]
        self._plan_f = sorted(self._data_f + self._agg_f)
        self._plan_cols = np.array([self._disc.index(i) for i in self._plan_f], dtype=np.intp)
        levels = [F[i].n_levels for i in self._plan_f]
        self._radix = np.cumprod([1, *levels[:-1]]).astype(np.int64) if levels else \
            np.zeros(0, dtype=np.int64)
        self.n_plans = int(np.prod(levels)) if levels else 1
        var = sorted({self._node_pos[c] for f in F for c in
                      (f.nodes if f.type in ("weight_noise", "dirichlet") else
                       [c for s in f.sets for c in s])})
        self.var_nodes = np.array(var, dtype=np.intp)
        vcol = {v: j for j, v in enumerate(var)}
        self._factor_cols = {i: np.array([vcol[self._node_pos[c]] for c in f.nodes], dtype=np.intp)
                             for i, f in enumerate(F) if f.type in ("weight_noise", "dirichlet")}
        self._set_tables = {}
        for i in self._set_f:
            S = np.full((F[i].n_levels, len(var)), np.nan)
            for s, mapping in enumerate(F[i].sets):
                for c, v in mapping.items():
                    S[s, vcol[self._node_pos[c]]] = v
            self._set_tables[i] = S

    def _check_alternatives(self) -> None:
        """Every ``choice`` alternative, applied alone, must give a valid config.

        Raises
        ------
        MethodError
            Naming the factor, the alternative (0-based index and label) and the stage/metric,
            e.g. an unknown parameter ``winmaxx`` in a ``{winmaxx: 3}`` overlay.
        """
        for f in self.factors:
            if f.type != "choice":
                continue
            for j, lab in enumerate(f.labels):
                where = f"uncertainty factor {f.name!r}, alternative {j} ({lab})"
                try:
                    cfg, fw = self.config_for({f.name: j})
                except (ConfigError, MethodError) as exc:
                    raise type(exc)(f"{where}: {exc}") from exc
                problems = check_methods(cfg, fw)
                if problems:
                    msgs = "; ".join(str(p.message) for p in problems)
                    raise MethodError(f"{where}: {msgs}")

    def __getstate__(self) -> dict[str, Any]:
        # workers get the compiled programs; the prepared stage tables stay here
        state = dict(self.__dict__)
        state["_prep_cache"] = {}
        return state

    @property
    def n_units(self) -> int:
        """Number of units."""
        return len(self.units)

    # ------------------------------------------------------------------ compile: configs
    def config_for(self, choice: Mapping[str, int]) -> tuple[Config, Framework]:
        """Config and framework of one combination of discrete alternatives.

        Parameters
        ----------
        choice
            Factor name → alternative index, for ``choice``/``exclusion`` factors (absent =
            the base config).
        """
        raw = self.cfg.to_dict()
        drop: list[str] = []
        for f in self.factors:
            if f.name not in choice or f.type not in ("choice", "exclusion"):
                continue
            j = int(choice[f.name])
            if f.type == "exclusion":
                drop.extend(f.alternatives[j])
                continue
            raw[f.stage] = apply_alternative(raw.get(f.stage) or {}, f.alternatives[j], f.stage)
        raw["base_dir"], raw["source_file"] = self.cfg.base_dir, self.cfg.source_file
        cfg = resolve_config(raw)
        fw = self.fw.drop(drop) if drop else self.fw
        return cfg, fw

    def _normalized(self, dkey: tuple[int, ...]) -> tuple[Config, Framework, pd.DataFrame]:
        """Config, framework and normalised data of one data variant (cached)."""
        if dkey in self._norm_cache:
            return self._norm_cache[dkey]
        choice = {self.factors[i].name: k for i, k in zip(self._data_f, dkey, strict=True)}
        cfg, fw = self.config_for(choice)
        up = tuple((self.factors[i].name, k) for i, k in zip(self._data_f, dkey, strict=True)
                   if self.factors[i].stage != "normalize")
        if up not in self._prep_cache:
            ds = self.dataset if fw is self.fw else load_dataset(cfg, fw, self.data)
            prep = prepare(cfg, fw, ds)
            # a panel config with pooled normalisation: the variant's pooled bounds, as run()
            self._prep_cache[up] = (prep, pooled_reference(cfg, fw, ds, prep))
        prep, reference = self._prep_cache[up]
        norm = normalize_stage(replace(prep, cfg=cfg, ctx=copy.copy(prep.ctx)),
                               reference=reference).data
        if cfg.weights:
            fw, _ = apply_weights_config(cfg.weights, fw, norm, cfg=cfg)
        self._norm_cache[dkey] = (cfg, fw, norm)
        return self._norm_cache[dkey]

    # ------------------------------------------------------------------ compile: programs
    def plan_codes(self, key: int) -> tuple[int, ...]:
        """Alternatives of the plan factors (data stages, exclusions, aggregation) of a key."""
        return tuple(int(key // r % self.factors[i].n_levels)
                     for i, r in zip(self._plan_f, self._radix, strict=True))

    def describe_plan(self, key: int) -> str:
        """Readable choices of a plan (for error messages)."""
        return ", ".join(f"{self.factors[i].name}={self.factors[i].labels[k]}"
                         for i, k in zip(self._plan_f, self.plan_codes(key), strict=True))

    def program(self, key: int, all_nodes: bool = False) -> Program:
        """The compiled program of one plan (cached).

        Raises
        ------
        ConfigError, DataError, MethodError
            Re-raised (same type) naming the alternatives of the plan.
        """
        k = (int(key), bool(all_nodes))
        if k not in self._programs:
            try:
                self._programs[k] = self._compile(int(key), all_nodes)
            except (ConfigError, DataError, MethodError) as exc:
                raise type(exc)(f"uncertainty replication with "
                                f"{self.describe_plan(key) or 'the base config'}: {exc}") from exc
        return self._programs[k]

    def _compile(self, key: int, all_nodes: bool) -> Program:
        pos = dict(zip(self._plan_f, self.plan_codes(key), strict=True))
        cfg, fw, norm = self._normalized(tuple(pos[i] for i in self._data_f))
        if self._agg_f:
            raw = cfg.to_dict()
            for i in self._agg_f:
                f = self.factors[i]
                raw["aggregate"] = apply_alternative(raw.get("aggregate") or {},
                                                     f.alternatives[pos[i]], "aggregate")
            raw["base_dir"], raw["source_file"] = cfg.base_dir, cfg.source_file
            cfg = resolve_config(raw)
        return compile_program(cfg, fw, norm, units=self.units, node_codes=self.node_codes,
                               aggregates=self.aggregates, var_nodes=self.var_nodes,
                               all_nodes=all_nodes)

    def compile_all(self, all_nodes: bool = False, keys: Sequence[int] | None = None) -> int:
        """Compile the programs of ``keys`` (default: every plan, if there are at most 256).

        Returns the number of programs compiled so far; errors surface before any long run.
        """
        if keys is None:
            keys = range(self.n_plans) if self.n_plans <= _EAGER_PLANS else []
        for k in keys:
            self.program(int(k), all_nodes)
        return len(self._programs)

    @property
    def n_variants(self) -> int:
        """Data variants computed so far."""
        return len(self._norm_cache)

    # ------------------------------------------------------------------ sample
    def sample(self, n: int, seed: int | None = None,
               rng: np.random.Generator | None = None) -> pd.DataFrame:
        """Draw ``n`` replications: the design matrix (labels for discrete factors,
        weight multipliers / weights for the continuous ones).

        With ``seed`` the design follows the block scheme of :mod:`.design` (the same as
        :func:`~aiindex.analysis.uncertainty.uncertainty`); with ``rng`` all ``n`` rows are
        drawn from that generator as one block.
        """
        n = check_n(n)
        if rng is not None:
            return self.spec.frame(self.spec.draw(n, rng))
        entropy = seed if seed is not None else np.random.SeedSequence().entropy
        blocks = [self.spec.block(entropy, b, n) for b in range(-(-n // self.spec.block_size))]
        return pd.concat([self.spec.frame(b) for b in blocks]) if len(blocks) > 1 \
            else self.spec.frame(blocks[0])

    def encode(self, design: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A design DataFrame as (discrete codes (N, d), replacement weights (N, nodes),
        weight multipliers (N, nodes)); kept for callers of earlier versions.

        Raises
        ------
        ConfigError
            A column that belongs to no factor, a factor without its columns, a value that is
            not one of the declared alternatives, a negative or non-finite weight.
        """
        self.spec.check_frame(design)
        check_n(len(design))
        arr = self.spec.encode(design)
        repl_v, mult_v = self.weight_parts(arr)
        N, m = len(design), len(self.node_codes)
        repl, mult = np.full((N, m), np.nan), np.ones((N, m))
        if repl_v is not None:
            repl[:, self.var_nodes] = repl_v
        if mult_v is not None:
            mult[:, self.var_nodes] = mult_v
        return arr.codes, repl, mult

    def weight_parts(self, arr: DesignArrays) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Replacement weights and multipliers (R, varying nodes) of some replications.

        Weight sets first, then Dirichlet weights replace, then noise multiplies (each in
        declared order); ``None`` when no factor of that kind exists.
        """
        repl = None
        for i in self._set_f:
            sub = self._set_tables[i][arr.codes[:, self._disc.index(i)]]
            repl = sub if repl is None else np.where(np.isnan(sub), repl, sub)
        mult = None
        for i, cols in self._factor_cols.items():
            vals = arr.values[:, self.spec.value_slice[i]]
            if self.factors[i].type == "weight_noise":
                mult = np.ones((len(arr), len(self.var_nodes))) if mult is None else mult
                mult[:, fast_index(cols)] *= vals
            else:
                repl = np.full((len(arr), len(self.var_nodes)), np.nan) if repl is None else repl
                repl[:, fast_index(cols)] = vals
        return repl, mult

    def plan_keys(self, codes: np.ndarray) -> np.ndarray:
        """Integer plan key of each replication (mixed radix over the plan factors)."""
        if not len(self._plan_f):
            return np.zeros(codes.shape[0], dtype=np.int64)
        return codes[:, self._plan_cols] @ self._radix

    def describe_key(self, codes_row: np.ndarray) -> str:
        """Readable discrete choices of one replication (for error messages)."""
        return ", ".join(f"{self.factors[i].name}={self.factors[i].labels[int(k)]}"
                         for i, k in zip(self._disc, codes_row, strict=True))

    # ------------------------------------------------------------------ evaluate
    def _group_rows(self, keys: np.ndarray) -> tuple[np.ndarray | None, list[tuple[int, slice]]]:
        """Sort a chunk by plan key once: the permutation (``None`` if one plan) and, per plan
        present, its rows as a slice of the sorted chunk."""
        R = len(keys)
        if self.n_plans == 1:
            return None, [(0, slice(0, R))]
        if self.n_plans <= 1 << 20:
            counts = np.bincount(keys, minlength=self.n_plans)
            present = np.flatnonzero(counts)
        else:
            present, counts_p = np.unique(keys, return_counts=True)
            counts = dict(zip(present.tolist(), counts_p.tolist(), strict=True))
        if len(present) == 1:
            return None, [(int(present[0]), slice(0, R))]
        perm = np.argsort(keys, kind="stable")
        groups, a = [], 0
        for k in present:
            c = int(counts[k])
            groups.append((int(k), slice(a, a + c)))
            a += c
        return perm, groups

    def _run_program(self, prog: Program, Wvar: np.ndarray | None, R: int,
                     describe: Callable[[int], str]) -> dict[int, np.ndarray]:
        vals: dict[int, np.ndarray] = {}
        for op in prog.ops:
            vals[op.target] = run_op(op, edge_weights(op, Wvar), vals, describe, R)
        return vals

    def evaluate(self, arr: DesignArrays, *, nodes: bool = False, scores: bool = False,
                 ranks: bool = False, summary: RankSummary | None = None,
                 fine: FineCounts | None = None, mean_scores: bool = True,
                 parts: tuple[np.ndarray | None, np.ndarray | None] | None = None
                 ) -> dict[str, np.ndarray]:
        """Evaluate a chunk of replications.

        Parameters
        ----------
        arr
            The chunk's design.
        nodes
            Return every aggregate's scores (R, n, aggregates) as ``"nodes"``.
        scores, ranks
            Return root scores / min-tie ranks (R, n) in replication order.
        summary, fine
            Rank summaries to add the chunk to (histograms straight from the sort order).
        mean_scores
            Also add root scores to ``summary`` (for the mean score).
        parts
            Replacement weights and multipliers (default: :meth:`weight_parts` of ``arr``).

        Raises
        ------
        MethodError
            A replication whose aggregation cannot be applied, naming its choices.
        """
        R, n = len(arr), self.n_units
        repl, mult = self.weight_parts(arr) if parts is None else parts
        perm, groups = self._group_rows(self.plan_keys(arr.codes))
        codes = arr.codes
        if perm is not None:  # one gather per chunk; each plan's rows are then a slice
            codes = codes[perm]
            repl = repl[perm] if repl is not None else None
            mult = mult[perm] if mult is not None else None
        out: dict[str, np.ndarray] = {}
        if scores:
            out["scores"] = np.empty((R, n))
        if ranks:
            out["ranks"] = np.empty((R, n))
        if nodes:
            out["nodes"] = np.full((R, n, len(self.aggregates)), np.nan)
        for key, sl in groups:
            prog = self.program(key, nodes)
            Rg = sl.stop - sl.start
            vals = self._run_program(prog, self._wvar(prog, repl, mult, sl), Rg,
                                     lambda r, c=codes[sl]: self.describe_key(c[r]))
            S = vals[prog.root] if prog.root in vals else \
                np.broadcast_to(prog.fixed[prog.root], (Rg, n))
            self._consume(out, sl if perm is None else perm[sl], prog, vals, S, summary, fine,
                          mean_scores)
        return out

    def _wvar(self, prog: Program, repl: np.ndarray | None, mult: np.ndarray | None,
              rows: slice | np.ndarray) -> np.ndarray | None:
        """Raw weights (R, varying nodes) of a group: replacements, else the plan's, × noise."""
        if not len(self.var_nodes):
            return None
        W = prog.base_var[None, :]
        if repl is not None:
            r = repl[rows]
            W = np.where(np.isnan(r), W, r)
        if mult is not None:
            W = W * mult[rows]
        return W

    def _consume(self, out: dict[str, np.ndarray], rows: slice | np.ndarray, prog: Program,
                 vals: Mapping[int, np.ndarray], S: np.ndarray, summary: RankSummary | None,
                 fine: FineCounts | None, mean_scores: bool) -> None:
        """Put a group's results where they are wanted."""
        if "scores" in out:
            out["scores"][rows] = S
        if "nodes" in out:
            for a in range(len(self.aggregates)):  # aggregates of the tree (a handful)
                if a in vals:
                    out["nodes"][rows, :, a] = vals[a]
                elif a in prog.fixed:
                    out["nodes"][rows, :, a] = prog.fixed[a]
        if summary is None and fine is None and "ranks" not in out:
            return
        order, start, nan = rank_order(S, complete=prog.root_complete)
        if summary is not None:
            summary.add(S, order, start, nan, scores=mean_scores)
        if fine is not None:
            fine.add(order, start, nan)
        if "ranks" in out:
            out["ranks"][rows] = ranks_from_order(order, start, S)

    def evaluate_chunk(self, codes: np.ndarray, repl: np.ndarray, mult: np.ndarray,
                       nodes: bool = False) -> dict[str, np.ndarray]:
        """Evaluate R encoded replications (as returned by :meth:`encode`): root scores
        (R, n), ranks (R, n)[, node scores (R, n, a)]; kept for callers of earlier versions."""
        R = len(codes)
        arr = DesignArrays(np.asarray(codes, dtype=np.int64), np.empty((R, 0)))
        parts = (np.asarray(repl)[:, self.var_nodes], np.asarray(mult)[:, self.var_nodes])
        return self.evaluate(arr, nodes=nodes, scores=True, ranks=True, parts=parts)

