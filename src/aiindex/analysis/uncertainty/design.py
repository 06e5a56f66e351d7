"""The design: drawing replications block by block, reading a user's design, and showing it.

A design is held as two arrays (:class:`DesignArrays`): ``codes`` (replications × discrete
factors, the 0-based alternative of each ``choice``/``exclusion``/``weight_sets`` factor) and
``values`` (replications × weight columns: the ``weight_noise`` multipliers and ``dirichlet``
local weights, in design-column order). The DataFrame users see is built from them only when it
is kept or written.

Seeded draws (the scheme)
-------------------------
Replications are numbered ``0 .. N-1`` and cut into *design blocks* of :data:`DESIGN_BLOCK`
(65,536) replications; block ``b`` holds replications ``b·B .. min((b+1)·B, N) - 1``. Block ``b``
is drawn by its own generator, ``numpy.random.Generator(PCG64(SeedSequence(entropy,
spawn_key=(b,))))`` for ``b >= 1`` and ``numpy.random.default_rng(entropy)`` for ``b = 0``
(``entropy`` = the seed, or fresh OS entropy recorded in the result when no seed is given).
Inside a block the factors are drawn in declared order, each for all the block's replications
at once: ``integers(0, L, size)`` for a discrete factor, ``uniform(-r, r, (size, nodes))`` for
``weight_noise`` (multiplier ``1 + u``), ``dirichlet(alpha, size)`` per parent group for
``dirichlet``. So a block, and any chunk inside it, is reproducible from the seed and its block
index alone, whatever the chunk size, the backend or the order in which blocks are evaluated;
and for ``N <= 65,536`` (one block) the draws are exactly those of ``default_rng(seed)`` used
for the whole design, as in earlier versions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...errors import ConfigError
from ...framework import Framework
from .factors import Factor, _py

__all__ = ["DESIGN_BLOCK", "DesignArrays", "DesignSpec", "block_rng"]

#: replications per design block (the unit of seeded drawing)
DESIGN_BLOCK = 65_536


def block_rng(entropy: int, block: int) -> np.random.Generator:
    """The generator of design block ``block`` (see the module docstring)."""
    if block == 0:
        return np.random.default_rng(entropy)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy,
                                                                      spawn_key=(block,))))


@dataclass
class DesignArrays:
    """Replications of a design as arrays.

    Attributes
    ----------
    codes
        (R, discrete factors) int64: alternative index of each discrete factor.
    values
        (R, weight columns) float64: weight-noise multipliers and Dirichlet weights.
    start
        Number of the first replication (for the design's index and messages).
    index
        Labels of the rows when they are not ``start .. start + R - 1`` (a user's design).
    """

    codes: np.ndarray
    values: np.ndarray
    start: int = 0
    index: pd.Index | None = None

    def __len__(self) -> int:
        return self.codes.shape[0]

    def slice(self, a: int, b: int) -> DesignArrays:
        """Rows ``a .. b-1`` (positions inside this block)."""
        idx = self.index[a:b] if self.index is not None else None
        return DesignArrays(self.codes[a:b], self.values[a:b], self.start + a, idx)

    def label(self, r: int) -> object:
        """Label of row ``r`` (its replication number, or the user's index label)."""
        return _py(self.index[r]) if self.index is not None else self.start + r


class DesignSpec:
    """What the design of a list of factors looks like and how it is drawn.

    Parameters
    ----------
    factors
        The parsed factors.
    fw
        The framework (nominal local weights give the Dirichlet parameters).

    Raises
    ------
    ConfigError
        A ``dirichlet`` factor over a node whose nominal weight is 0.
    """

    def __init__(self, factors: Sequence[Factor], fw: Framework) -> None:
        self.factors = list(factors)
        #: replications per design block (part of the seeding scheme; tests make it small)
        self.block_size = DESIGN_BLOCK
        self.disc = [i for i, f in enumerate(self.factors) if f.discrete]
        self.columns = [c for f in self.factors for c in f.columns()]
        self.value_columns = [c for f in self.factors if not f.discrete for c in f.columns()]
        #: factor index -> slice of its columns in ``values``
        self.value_slice: dict[int, slice] = {}
        j = 0
        for i, f in enumerate(self.factors):
            if not f.discrete:
                self.value_slice[i] = slice(j, j + len(f.nodes))
                j += len(f.nodes)
        self._alpha = {i: self._dirichlet_groups(f, fw) for i, f in enumerate(self.factors)
                       if f.type == "dirichlet"}

    @staticmethod
    def _dirichlet_groups(f: Factor, fw: Framework) -> list[tuple[list[int], np.ndarray]]:
        lw = fw.local_weights()
        par: dict[str | None, list[int]] = {}
        for j, c in enumerate(f.nodes):
            par.setdefault(fw.parent(c), []).append(j)
        out = []
        for js in par.values():
            lwj = lw[[f.nodes[j] for j in js]].to_numpy(dtype=np.float64)
            alpha = f.concentration * lwj / lwj.sum()
            if np.any(~(alpha > 0)):
                raise ConfigError(f"dirichlet factor {f.name!r}: nominal weights must be > 0 "
                                  "for a Dirichlet draw")
            out.append((js, alpha))
        return out

    # ------------------------------------------------------------------ drawing
    def draw(self, n: int, rng: np.random.Generator, start: int = 0) -> DesignArrays:
        """Draw ``n`` replications from ``rng``, factor by factor (the block scheme)."""
        codes = np.empty((n, len(self.disc)), dtype=np.int64)
        values = np.empty((n, len(self.value_columns)))
        d = 0
        for i, f in enumerate(self.factors):
            if f.discrete:
                codes[:, d] = rng.integers(0, f.n_levels, size=n)
                d += 1
            elif f.type == "weight_noise":
                values[:, self.value_slice[i]] = 1.0 + rng.uniform(-f.relative, f.relative,
                                                                   size=(n, len(f.nodes)))
            else:
                sl = self.value_slice[i]
                for js, alpha in self._alpha[i]:
                    values[:, [sl.start + j for j in js]] = rng.dirichlet(alpha, size=n)
        return DesignArrays(codes, values, start)

    def block(self, entropy: int, b: int, n_total: int) -> DesignArrays:
        """Design block ``b`` of a seeded design of ``n_total`` replications."""
        a = b * self.block_size
        n = min(self.block_size, n_total - a)
        return self.draw(n, block_rng(entropy, b), start=a)

    # ------------------------------------------------------------------ showing
    def frame(self, arr: DesignArrays) -> pd.DataFrame:
        """The design DataFrame of ``arr`` (labels for discrete factors, numbers otherwise)."""
        cols: dict[str, object] = {}
        d = 0
        for i, f in enumerate(self.factors):
            if f.discrete:
                idx = arr.codes[:, d]
                d += 1
                cols[f.name] = (idx.astype(np.int64) if f.type == "weight_sets" else
                                pd.array(np.asarray(f.labels, dtype=object)[idx],
                                         dtype="string"))
            else:
                sl = self.value_slice[i]
                for j, c in enumerate(f.columns()):
                    cols[c] = arr.values[:, sl.start + j]
        index = (arr.index if arr.index is not None else
                 pd.RangeIndex(arr.start, arr.start + len(arr), name="replication"))
        return pd.DataFrame(cols, index=index)

    # ------------------------------------------------------------------ reading
    def check_frame(self, design: pd.DataFrame) -> None:
        """Columns of a user's design: every factor column, nothing else."""
        if not isinstance(design, pd.DataFrame):
            raise ConfigError("design must be a pandas DataFrame (one row per replication)")
        unknown = [c for c in design.columns if c not in self.columns]
        if unknown:
            raise ConfigError(f"design: unknown factor column(s) {unknown}; declared factor "
                              f"columns: {self.columns}")
        missing = [c for c in self.columns if c not in design.columns]
        if missing:
            raise ConfigError(f"design: missing factor column(s) {missing}")

    def encode(self, design: pd.DataFrame) -> DesignArrays:
        """Read rows of a user's design (labels or 0-based indices; weights >= 0).

        Raises
        ------
        ConfigError
            A value that is not one of a factor's alternatives, a negative or non-finite weight.
        """
        N = len(design)
        codes = np.empty((N, len(self.disc)), dtype=np.int64)
        for d, i in enumerate(self.disc):
            codes[:, d] = _encode_discrete(design[self.factors[i].name], self.factors[i])
        values = (design[self.value_columns].to_numpy(dtype=np.float64) if self.value_columns
                  else np.empty((N, 0)))
        bad = ~np.isfinite(values) | (values < 0)
        if bad.any():
            r, c = np.argwhere(bad)[0]
            col = self.value_columns[c]
            name, node = col[:-1].split("[", 1)
            raise ConfigError(f"design: factor {name!r} has a negative or non-finite value "
                              f"{_py(values[r, c])!r} for node {node!r} in replication "
                              f"{_py(design.index[r])!r}")
        return DesignArrays(codes, values, 0, design.index)


def _encode_discrete(col: pd.Series, f: Factor) -> np.ndarray:
    """Alternative indices of a design column: its labels, or integer indices ``0..L-1``."""
    labels = {lab: j for j, lab in enumerate(f.labels)}
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        v = col.to_numpy(dtype=np.float64, na_value=np.nan)
        ok = np.isfinite(v) & (v == np.floor(v)) & (v >= 0) & (v < f.n_levels)
        if not ok.all():
            _bad_code(col, f, int(np.argmin(ok)))
        return v.astype(np.int64)
    vals = col.to_numpy(dtype=object)
    idx = pd.Series(vals, dtype=object).map(labels)  # strings matching a label (vectorised)
    miss = np.flatnonzero(idx.isna().to_numpy())
    out = idx.to_numpy(dtype=np.float64, na_value=np.nan)
    for pos in miss:  # numeric codes in an object column (rare path, only the unmatched rows)
        v = vals[pos]
        if isinstance(v, int | np.integer | float | np.floating) and not isinstance(v, bool) \
                and float(v).is_integer() and 0 <= int(v) < f.n_levels:
            out[pos] = int(v)
        else:
            _bad_code(col, f, int(pos))
    return out.astype(np.int64)


def _bad_code(col: pd.Series, f: Factor, pos: int) -> None:
    raise ConfigError(f"design: value {_py(col.iloc[pos])!r} of factor {f.name!r} (row "
                      f"{_py(col.index[pos])!r}) is not one of its alternatives "
                      f"{list(f.labels)} or 0..{f.n_levels - 1}")
