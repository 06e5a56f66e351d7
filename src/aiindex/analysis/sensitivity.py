"""Variance-based sensitivity analysis (Sobol' first- and total-order indices).

The factors are those of the config's ``uncertainty`` section (see :mod:`aiindex.uncertainty`);
``scipy.stats.sobol_indices`` (Saltelli 2010 estimators) draws its ``A``/``B`` matrices and our
vectorised engine evaluates all ``n (d + 2)`` points at once. Options come from a
``sensitivity`` config section or keyword arguments::

    sensitivity:
      n: 1024          # base sample size (power of 2); n * (d + 2) evaluations
      seed: 1
      n_sets: 1024     # pre-drawn weight vectors per grouped weight factor
      grouped: true    # one Sobol' factor per weight factor (false: weight_noise per node)
      units: [NOR]     # extra outputs: these units' rank (or score)
      measure: rank    # rank | score
      estimator: saltelli2010   # saltelli2010 (default) | jansen | coinr
      min_varying: 0.01         # an output whose A/B evaluations differ from their most
                                # frequent value in fewer than this share gets NaN indices

How factors enter scipy
-----------------------
* A discrete factor (``choice``, ``exclusion``, ``weight_sets``) with ``L`` alternatives is
  ``scipy.stats.randint(0, L)``: the sampled value is the alternative's index.
* A **grouped** weight factor (``weight_noise`` or ``dirichlet`` over all nodes of a level, the
  default) is *one* Sobol' factor: ``n_sets`` weight vectors are pre-drawn (seeded) from the
  factor's own distribution, and the Sobol' input ``randint(0, n_sets)`` indexes them. The index
  of a group therefore measures the effect of "the weights of that level" as a whole; with
  ``n_sets`` large the pre-drawn sets approximate the continuous distribution.
* With ``grouped: false`` each node of a ``weight_noise`` factor is its own continuous factor,
  ``uniform(1 - r, 2 r)`` for its multiplier (``dirichlet`` factors are always grouped, since
  their components are not independent).

Outputs (rows of the result): ``mean_abs_rank_shift`` — the mean over units of
``|rank - nominal rank|`` of the root — and, for each unit in ``units``, its rank (or score).
Confidence intervals: percentile bootstrap over the ``n`` sample points (the ``A``, ``B``
and ``AB`` evaluations resampled together, the chosen estimator applied to every resample);
scipy's own BCa ``SobolResult.bootstrap`` fails when an output is constant in a resample
(e.g. a unit whose rank never changes).

Estimators
----------
With ``f_A``, ``f_B`` the outputs at the ``n`` rows of ``A`` and ``B`` and ``f_ABi`` those at
``A`` with column ``i`` taken from ``B`` (:func:`sobol_estimates`):

* ``saltelli2010`` (default; ``scipy.stats.sobol_indices``): outputs centred by the mean ``m``
  of ``f_A`` and ``f_B``, ``V`` their population variance (ddof 0);
  ``S_i = mean((f_B - m) (f_ABi - f_A)) / V``, ``ST_i = mean((f_A - f_ABi)²) / (2 V)``
  (Saltelli et al. 2010, Table 2 (b) and (f)).
* ``jansen``: ``S_i = 1 - mean((f_B - f_ABi)²) / (2 V)``, ``ST_i`` as above (Jansen 1999,
  as listed in Saltelli et al. 2010, Table 2); invariant to a shift of the output.
* ``coinr``: COINr's ``SA_estimate()``: no centring and the sample variance (ddof 1) of
  ``f_A`` and ``f_B``: ``S_i = mean(f_B (f_ABi - f_A)) / V₁``,
  ``ST_i = sum((f_A - f_ABi)²) / (2 n V₁)``. Uncentred, ``S_i``'s sampling error grows with the
  output's mean (e.g. ranks around 25): this is why it can differ from ``saltelli2010`` by more
  than 0.1 on the same evaluations.

An output that **barely varies** gets ``NaN`` indices and a ``note`` instead of ``0`` or a
meaningless ratio of two tiny numbers: its variance over the ``2n`` ``A``/``B`` evaluations is
at most ``(1e-10 · max|y|)²`` (numerically constant), or fewer than ``min_varying`` (default
1 %) of those evaluations differ from its most frequent value (e.g. a unit ranked first in all
but one evaluation). Bootstrap intervals that leave ``[0, 1]`` are noted in ``note`` and
reported in one ``UserWarning``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import _progress
from ..errors import ConfigError, DataError
from ..stats import most_frequent_count
from .uncertainty import DEFAULT_CHUNK, Engine, Factor

__all__ = ["ESTIMATORS", "SensitivityResult", "sensitivity", "sobol", "sobol_estimates"]

_SECTION_KEYS = {"n", "seed", "n_sets", "grouped", "units", "measure", "confidence_level",
                 "n_resamples", "estimator", "min_varying"}

#: Sobol' estimators (see the module docstring)
ESTIMATORS = ("saltelli2010", "jansen", "coinr")

#: relative tolerance of "numerically constant": var(y) <= (CONSTANT_RTOL * max|y|)**2
CONSTANT_RTOL = 1e-10


@dataclass
class SensitivityResult:
    """Sobol' indices per output and factor.

    Attributes
    ----------
    indices : DataFrame
        Tidy: ``output, factor, first_order, first_low, first_high, total_order, total_low,
        total_high`` (bounds of the bootstrap confidence interval), ``note`` (why the indices
        are ``NaN``, or that an interval leaves ``[0, 1]``; empty otherwise).
    outputs : list[str]
    factors : list[str]
    n_evaluations : int
        ``n (d + 2)`` model evaluations.
    info : dict
    """

    indices: pd.DataFrame
    outputs: list[str]
    factors: list[str]
    n_evaluations: int
    info: dict[str, Any] = field(default_factory=dict)

    def table(self, output: str = "mean_abs_rank_shift") -> pd.DataFrame:
        """Indices of one output, one row per factor, sorted by total order."""
        t = self.indices[self.indices["output"] == output].set_index("factor")
        return t.drop(columns="output").sort_values("total_order", ascending=False)

    def to_csv(self, directory: str | Path) -> list[Path]:
        """Write sobol_indices.csv."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        p = d / "sobol_indices.csv"
        self.indices.to_csv(p, index=False, float_format="%.17g")
        return [p]


def sobol(func: Callable[[np.ndarray], np.ndarray], dists: Sequence[Any], names: Sequence[str],
          outputs: Sequence[str], *, n: int = 1024, seed: int | None = None,
          confidence_level: float = 0.95, n_resamples: int = 999,
          estimator: str = "saltelli2010", min_varying: float = 0.01) -> SensitivityResult:
    """First/total-order Sobol' indices of a vectorised model, with bootstrap intervals.

    Parameters
    ----------
    func
        ``(d, m) -> (s, m)``, vectorised over the ``m`` points.
    dists
        One scipy distribution (with ``ppf``) per input.
    names, outputs
        Labels of the ``d`` inputs and ``s`` outputs.
    n
        Base sample size, a power of 2 (``n (d + 2)`` evaluations).
    seed
        Seed of the sampling and of the bootstrap.
    estimator
        ``"saltelli2010"`` (default), ``"jansen"`` or ``"coinr"`` (see :func:`sobol_estimates`).
    min_varying
        An output whose ``2n`` ``A``/``B`` evaluations differ from their most frequent value in
        fewer than this share (or that is numerically constant) gets ``NaN`` indices and a note.

    Warns
    -----
    UserWarning
        When a bootstrap interval leaves ``[0, 1]`` (the rows say which in ``note``).
    """
    from scipy.stats import sobol_indices

    if not isinstance(n, int | np.integer) or n <= 0 or (int(n) & (int(n) - 1)):
        raise ConfigError(f"sensitivity: n must be a positive power of 2, got {n!r}")
    if len(dists) != len(names) or not len(names):
        raise ConfigError("sensitivity: need one distribution per factor (and >= 1 factor)")
    _check_estimator_options(estimator, min_varying)
    rng = np.random.default_rng(seed)
    calls: list[np.ndarray] = []

    def recording(x: np.ndarray) -> np.ndarray:
        y = np.atleast_2d(np.asarray(func(x), dtype=np.float64))
        # an extra, non-constant output row (the first input) keeps scipy on its array path:
        # with a single constant output it fails instead of returning null indices
        y = np.vstack([y, np.atleast_2d(x)[:1]])
        calls.append(y)  # scipy evaluates A, B, then AB (stacked), in this order
        return y

    sobol_indices(func=recording, n=int(n), dists=list(dists), rng=rng)
    d = len(names)
    f_A, f_B = calls[0][:-1], calls[1][:-1]
    f_AB = np.moveaxis(calls[2].reshape((-1, int(n), d)), -1, 0)[:, :-1]
    S1, ST = sobol_estimates(f_A, f_B, f_AB, estimator)  # (s, d) each
    flat = _barely_varying(np.concatenate([f_A, f_B], axis=1), min_varying)
    brng = np.random.default_rng(rng.integers(0, 2**63))
    lo1, hi1, loT, hiT = _bootstrap(f_A, f_B, f_AB, estimator, n_resamples, confidence_level,
                                    brng)
    table = _indices_table(outputs, names, (S1, lo1, hi1, ST, loT, hiT), flat)
    return SensitivityResult(table, list(outputs), list(names), int(n) * (d + 2),
                             {"confidence_level": confidence_level, "n_resamples": n_resamples,
                              "estimator": estimator, "min_varying": min_varying})


def _check_estimator_options(estimator: Any, min_varying: Any) -> None:
    if estimator not in ESTIMATORS:
        raise ConfigError(f"sensitivity: estimator must be one of {list(ESTIMATORS)}, got "
                          f"{estimator!r}")
    if not (isinstance(min_varying, int | float) and 0 <= float(min_varying) < 1):
        raise ConfigError(f"sensitivity: min_varying must be a share in [0, 1), got "
                          f"{min_varying!r}")


def sobol_estimates(f_A: np.ndarray, f_B: np.ndarray, f_AB: np.ndarray,
                    estimator: str = "saltelli2010") -> tuple[np.ndarray, np.ndarray]:
    """First- and total-order Sobol' indices from the evaluations of a Saltelli design.

    Parameters
    ----------
    f_A, f_B
        Outputs at the rows of ``A`` and ``B``: shape ``(..., n)`` (e.g. ``(s, n)`` for ``s``
        outputs, or ``(s, B, n)`` for bootstrap resamples).
    f_AB
        Outputs at ``A`` with column ``i`` from ``B``: shape ``(d, ..., n)``.
    estimator
        ``"saltelli2010"``, ``"jansen"`` or ``"coinr"``; formulas in the module docstring.

    Returns
    -------
    first, total : numpy.ndarray
        Shape ``(..., d)``. A null variance gives ``NaN`` (:func:`sobol` explains it in a note).
    """
    f_A, f_B, f_AB = (np.asarray(a, dtype=np.float64) for a in (f_A, f_B, f_AB))
    both = np.concatenate([f_A, f_B], axis=-1)
    if estimator == "coinr":
        var = np.var(both, axis=-1, ddof=1)
    elif estimator in ("saltelli2010", "jansen"):
        var = np.var(both, axis=-1)
        if estimator == "saltelli2010":
            mean = np.mean(both, axis=-1, keepdims=True)
            f_A, f_B, f_AB = f_A - mean, f_B - mean, f_AB - mean
    else:
        raise ConfigError(f"sensitivity: estimator must be one of {list(ESTIMATORS)}, got "
                          f"{estimator!r}")
    with np.errstate(divide="ignore", invalid="ignore"):
        total = 0.5 * np.mean((f_A - f_AB) ** 2, axis=-1) / var
        if estimator == "jansen":
            first = 1.0 - 0.5 * np.mean((f_B - f_AB) ** 2, axis=-1) / var
        else:  # saltelli2010 (centred) and coinr (uncentred): the same expression
            first = np.mean(f_B * (f_AB - f_A), axis=-1) / var
    bad = ~(var > 0)
    first, total = np.where(bad, np.nan, first), np.where(bad, np.nan, total)
    return np.moveaxis(first, 0, -1), np.moveaxis(total, 0, -1)


def _barely_varying(Y: np.ndarray, min_varying: float) -> list[str]:
    """Per output row of ``Y`` (its ``2n`` A/B evaluations): why it barely varies, or ``""``."""
    m = Y.shape[1]
    scale = np.max(np.abs(Y), axis=1)
    var = np.var(Y, axis=1)
    differ = m - most_frequent_count(Y.T)
    out = []
    for v, sc, k in zip(var, scale, differ, strict=True):
        if not v > (CONSTANT_RTOL * sc) ** 2:
            out.append("output is constant over the A and B evaluations: no variance to "
                       "apportion")
        elif k < min_varying * m:
            out.append(f"output barely varies: only {int(k)} of {m} A/B evaluations differ "
                       f"from its most frequent value (min_varying {min_varying:g})")
        else:
            out.append("")
    return out


def _bootstrap(f_A: np.ndarray, f_B: np.ndarray, f_AB: np.ndarray, estimator: str,
               n_resamples: int, confidence_level: float,
               brng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Percentile bootstrap over the ``n`` sample points: (lo1, hi1, loT, hiT), each (s, d).

    All resamples at once (in chunks bounding memory); resamples in which an output has no
    variance are left out of that output's quantiles.
    """
    n = f_A.shape[-1]
    s_out, d = f_A.shape[0], f_AB.shape[0]
    b1 = np.empty((n_resamples, s_out, d))
    bT = np.empty((n_resamples, s_out, d))
    chunk = max(1, int(2e7 // max(1, f_AB.size)))
    for a0 in range(0, n_resamples, chunk):
        idx = brng.integers(0, n, (min(chunk, n_resamples - a0), n))
        s_b, t_b = sobol_estimates(f_A[:, idx], f_B[:, idx], f_AB[:, :, idx], estimator)
        b1[a0:a0 + len(idx)] = np.moveaxis(s_b, 1, 0)
        bT[a0:a0 + len(idx)] = np.moveaxis(t_b, 1, 0)
    a = (1 - confidence_level) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices -> NaN bounds
        return (np.nanquantile(b1, a, axis=0), np.nanquantile(b1, 1 - a, axis=0),
                np.nanquantile(bT, a, axis=0), np.nanquantile(bT, 1 - a, axis=0))


_COLS = ("first_order", "first_low", "first_high", "total_order", "total_low", "total_high")


def _indices_table(outputs: Sequence[str], names: Sequence[str], arrays: Sequence[np.ndarray],
                   flat: Sequence[str]) -> pd.DataFrame:
    """The tidy table; NaN with the reason for barely varying outputs; notes and one warning
    for intervals outside [0, 1]."""
    s_out, d = len(outputs), len(names)
    vals = {c: np.asarray(a, dtype=np.float64).reshape(s_out, d) for c, a in zip(_COLS, arrays,
                                                                             strict=True)}
    note = np.full((s_out, d), "", dtype=object)
    for i, why in enumerate(flat):
        if why:
            for c in _COLS:
                vals[c][i] = np.nan
            note[i] = why
    with np.errstate(invalid="ignore"):
        out1 = (vals["first_low"] < 0) | (vals["first_high"] > 1)
        outT = (vals["total_low"] < 0) | (vals["total_high"] > 1)
    for mask, kind in ((out1, "first"), (outT, "total")):
        for i, j in zip(*np.nonzero(mask), strict=True):
            lo, hi = vals[f"{kind}_low"][i, j], vals[f"{kind}_high"][i, j]
            txt = f"{kind}-order interval [{lo:.3f}, {hi:.3f}] leaves [0, 1]"
            note[i, j] = f"{note[i, j]}; {txt}" if note[i, j] else txt
    if (out1 | outT).any():
        k = int((out1 | outT).sum())
        warnings.warn(f"Sobol' bootstrap intervals leave [0, 1] for {k} index row(s) (see the "
                      "'note' column): sampling error of indices near 0 or 1, or of an output "
                      "that varies little; a larger n narrows them", UserWarning, stacklevel=3)
    return pd.DataFrame({"output": np.repeat(list(outputs), d), "factor": np.tile(list(names),
                         s_out), **{c: vals[c].ravel() for c in _COLS}, "note": note.ravel()})


def sensitivity(config: Any, *, n: int | None = None, seed: int | None = None,
                units: Sequence[str] | None = None, measure: str | None = None,
                n_sets: int | None = None, grouped: bool | None = None,
                confidence_level: float | None = None, n_resamples: int | None = None,
                data: Any = None, factors: Sequence[Mapping[str, Any]] | None = None,
                engine: Engine | None = None, estimator: str | None = None,
                min_varying: float | None = None) -> SensitivityResult:
    """Sobol' indices of the config's uncertainty factors (see the module docstring).

    Keyword arguments override the config's ``sensitivity`` section; ``estimator``
    (``saltelli2010``, ``jansen``, ``coinr``) and ``min_varying`` are passed to :func:`sobol`.

    Parameters
    ----------
    config
        Config with an ``uncertainty`` section (its factors) and optionally a ``sensitivity``
        section (the defaults of the options below).
    n, seed
        Base sample size, a power of 2 (``n (d + 2)`` evaluations); seed of the sampling and
        of the bootstrap.
    units, measure
        Units whose rank (``measure="rank"``) or score is an output.
    n_sets, grouped
        Pre-drawn weight vectors per grouped weight factor; one Sobol' factor per weight factor
        (``False``: one per node of a ``weight_noise`` factor).
    confidence_level, n_resamples, estimator, min_varying
        Bootstrap intervals and the estimator, passed to :func:`sobol`.
    data, factors, engine
        Data replacing the config's, factors replacing its own, a compiled engine to reuse.

    Returns
    -------
    SensitivityResult
        Outputs ``mean_abs_rank_shift`` and ``rank[<unit>]`` (or ``score[<unit>]``).

    Raises
    ------
    ConfigError
        Unknown option, ``n`` not a power of 2, unknown unit, bad ``measure``.
    DataError
        A unit without a score in some evaluation (Sobol' needs finite outputs).
    """
    from scipy import stats

    eng = engine if engine is not None else Engine(config, data=data, factors=factors)
    sec = dict(eng.cfg.sensitivity or {})
    unknown = sorted(set(sec) - _SECTION_KEYS)
    if unknown:
        raise ConfigError(f"sensitivity: unknown key(s) {unknown}; allowed: {sorted(_SECTION_KEYS)}")
    n = n if n is not None else sec.get("n", 1024)
    seed = seed if seed is not None else sec.get("seed")
    units = list(units if units is not None else sec.get("units") or [])
    measure = measure or sec.get("measure", "rank")
    n_sets = int(n_sets if n_sets is not None else sec.get("n_sets", 1024))
    grouped = bool(sec.get("grouped", True) if grouped is None else grouped)
    cl = float(confidence_level if confidence_level is not None
               else sec.get("confidence_level", 0.95))
    nr = int(n_resamples if n_resamples is not None else sec.get("n_resamples", 999))
    est = estimator if estimator is not None else sec.get("estimator", "saltelli2010")
    mv = min_varying if min_varying is not None else sec.get("min_varying", 0.01)
    _check_options(eng, est, mv, measure, units, n_sets)
    pre = eng.sample(n_sets, seed=None, rng=np.random.default_rng(
        np.random.SeedSequence(seed).spawn(1)[0] if seed is not None else None))
    names, dists, decoders, sizes = _all_inputs(eng, pre, n_sets, grouped, stats)
    nominal = eng.nominal.ranks[eng.root].reindex(eng.units).to_numpy(dtype=np.float64,
                                                                        na_value=np.nan)
    upos = [eng.units.get_loc(u) for u in units]
    outputs = ["mean_abs_rank_shift"] + [f"{measure}[{u}]" for u in units]

    def func(x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(x)
        cols: dict[str, Any] = {}
        j = 0
        for dec, k in zip(decoders, sizes, strict=True):
            cols.update(dec(x[j:j + k]))
            j += k
        design = pd.DataFrame(cols)
        codes, repl, mult = eng.encode(design)
        m = len(design)
        out = np.empty((len(outputs), m))
        for a in range(0, m, DEFAULT_CHUNK):
            b = min(a + DEFAULT_CHUNK, m)
            res = eng.evaluate_chunk(codes[a:b], repl[a:b], mult[a:b])
            R = res["ranks"]
            with np.errstate(invalid="ignore"):
                out[0, a:b] = np.nanmean(np.abs(R - nominal[None, :]), axis=1)
            src = R if measure == "rank" else res["scores"]
            if upos:
                out[1:, a:b] = src[:, upos].T
            advance(b - a)
        if not np.isfinite(out).all():
            raise DataError("sensitivity: an output is missing in some evaluation (a unit "
                            "without a score); Sobol' indices need finite outputs")
        return out

    with _progress.step("Sobol' evaluations", total=int(n) * (len(names) + 2)) as advance:
        res = sobol(func, dists, names, outputs, n=int(n), seed=seed, confidence_level=cl,
                    n_resamples=nr, estimator=est, min_varying=float(mv))
    res.info.update({"grouped": grouped, "n_sets": n_sets, "measure": measure})
    return res


def _check_options(eng: Engine, estimator: Any, min_varying: Any, measure: Any,
                   units: Sequence[str], n_sets: int) -> None:
    """The options of :func:`sensitivity`, checked before any evaluation."""
    _check_estimator_options(estimator, min_varying)
    if measure not in ("rank", "score"):
        raise ConfigError(f"sensitivity: measure must be 'rank' or 'score', got {measure!r}")
    bad = [u for u in units if u not in eng.units]
    if bad:
        raise ConfigError(f"sensitivity: unknown unit(s) {bad}")
    if n_sets <= 0:
        raise ConfigError(f"sensitivity: n_sets must be > 0, got {n_sets}")


def _all_inputs(eng: Engine, pre: pd.DataFrame, n_sets: int, grouped: bool, stats: Any
                ) -> tuple[list[str], list[Any], list[Callable[..., dict[str, np.ndarray]]],
                           list[int]]:
    """Sobol' inputs of every factor: names, distributions, decoders and inputs per factor."""
    names: list[str] = []
    dists: list[Any] = []
    decoders: list[Callable[[np.ndarray], dict[str, np.ndarray]]] = []
    sizes: list[int] = []
    for f in eng.factors:
        names_f, dists_f, dec = _factor_inputs(f, pre, n_sets, grouped, stats)
        names += names_f
        dists += dists_f
        decoders.append(dec)
        sizes.append(len(names_f))
    return names, dists, decoders, sizes


def _factor_inputs(f: Factor, pre: pd.DataFrame, n_sets: int, grouped: bool,
                   stats: Any) -> tuple[list[str], list[Any],
                                        Callable[[np.ndarray], dict[str, np.ndarray]]]:
    """Sobol' inputs of one factor: names, distributions and a decoder (rows → design cols)."""
    if f.discrete:
        labels = np.asarray(f.labels, dtype=object)

        def dec(x: np.ndarray) -> dict[str, np.ndarray]:
            idx = np.clip(np.floor(x[0]).astype(np.int64), 0, f.n_levels - 1)
            return {f.name: idx if f.type == "weight_sets" else labels[idx]}

        return [f.name], [stats.randint(0, f.n_levels)], dec
    cols = f.columns()
    if f.type == "weight_noise" and not grouped:
        def dec_u(x: np.ndarray) -> dict[str, np.ndarray]:
            return {c: x[j] for j, c in enumerate(cols)}

        return cols, [stats.uniform(loc=1 - f.relative, scale=2 * f.relative) for _ in cols], dec_u
    table = pre[cols].to_numpy(dtype=np.float64)

    def dec_g(x: np.ndarray) -> dict[str, np.ndarray]:
        idx = np.clip(np.floor(x[0]).astype(np.int64), 0, n_sets - 1)
        sub = table[idx]
        return {c: sub[:, j] for j, c in enumerate(cols)}

    return [f.name], [stats.randint(0, n_sets)], dec_g


# =========================================================================== CLI


def run_config(result: Any, *, engine: Engine | None = None) -> SensitivityResult | None:
    """The sensitivity analysis configured in ``result.config`` (``None`` unless the config has
    both an ``uncertainty`` and a ``sensitivity`` section). Used by :mod:`aiindex.report`, which
    passes the compiled ``engine`` it shares with the uncertainty analysis."""
    cfg = result.config
    if not (cfg.uncertainty and cfg.sensitivity):
        return None
    return sensitivity(cfg, engine=engine)
