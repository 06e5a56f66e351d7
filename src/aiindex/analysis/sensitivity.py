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
and ``AB`` evaluations resampled together and passed back to ``sobol_indices`` as a dict);
scipy's own BCa ``SobolResult.bootstrap`` fails when an output is constant in a resample
(e.g. a unit whose rank never changes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataError
from .uncertainty import DEFAULT_CHUNK, Engine, Factor

__all__ = ["SensitivityResult", "sensitivity", "sobol"]

_SECTION_KEYS = {"n", "seed", "n_sets", "grouped", "units", "measure", "confidence_level",
                 "n_resamples"}


@dataclass
class SensitivityResult:
    """Sobol' indices per output and factor.

    Attributes
    ----------
    indices : DataFrame
        Tidy: ``output, factor, first_order, first_low, first_high, total_order, total_low,
        total_high`` (bounds of the bootstrap confidence interval).
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
          confidence_level: float = 0.95, n_resamples: int = 999) -> SensitivityResult:
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
    """
    from scipy.stats import sobol_indices

    if not isinstance(n, int | np.integer) or n <= 0 or (int(n) & (int(n) - 1)):
        raise ConfigError(f"sensitivity: n must be a positive power of 2, got {n!r}")
    if len(dists) != len(names) or not len(names):
        raise ConfigError("sensitivity: need one distribution per factor (and >= 1 factor)")
    rng = np.random.default_rng(seed)
    calls: list[np.ndarray] = []

    def recording(x: np.ndarray) -> np.ndarray:
        y = np.atleast_2d(np.asarray(func(x), dtype=np.float64))
        # an extra, non-constant output row (the first input) keeps scipy on its array path:
        # with a single constant output it fails instead of returning null indices
        y = np.vstack([y, np.atleast_2d(x)[:1]])
        calls.append(y)  # scipy evaluates A, B, then AB (stacked), in this order
        return y

    res = sobol_indices(func=recording, n=int(n), dists=list(dists), rng=rng)
    d, s_out = len(names), len(outputs) + 1

    def shaped(v: Any) -> np.ndarray:
        return np.asarray(v, dtype=np.float64).reshape(s_out, d)[:-1]

    S1, ST = shaped(res.first_order), shaped(res.total_order)
    # percentile bootstrap over the n sample points (scipy's BCa bootstrap fails on outputs
    # that are constant in a resample, e.g. a unit whose rank never changes)
    f_A, f_B = calls[0], calls[1]
    f_AB = np.moveaxis(calls[2].reshape((-1, int(n), d)), -1, 0)
    b1 = np.empty((n_resamples, *S1.shape))
    bT = np.empty((n_resamples, *ST.shape))
    brng = np.random.default_rng(rng.integers(0, 2**63))
    # all resamples at once (in chunks bounding memory): the same estimator as scipy's
    chunk = max(1, int(2e7 // max(1, f_AB.size)))
    for a0 in range(0, n_resamples, chunk):
        idx = brng.integers(0, int(n), (min(chunk, n_resamples - a0), int(n)))
        s_b, t_b = _saltelli_2010_batch(f_A[:, idx], f_B[:, idx], f_AB[:, :, idx])
        b1[a0:a0 + len(idx)] = s_b[:, :-1]
        bT[a0:a0 + len(idx)] = t_b[:, :-1]
    a = (1 - confidence_level) / 2
    lo1, hi1 = np.quantile(b1, a, axis=0), np.quantile(b1, 1 - a, axis=0)
    loT, hiT = np.quantile(bT, a, axis=0), np.quantile(bT, 1 - a, axis=0)
    rows = []
    for i, o in enumerate(outputs):
        for j, f in enumerate(names):
            rows.append({"output": o, "factor": f, "first_order": S1[i, j],
                         "first_low": lo1[i, j], "first_high": hi1[i, j],
                         "total_order": ST[i, j], "total_low": loT[i, j],
                         "total_high": hiT[i, j]})
    return SensitivityResult(pd.DataFrame(rows), list(outputs), list(names),
                             int(n) * (len(names) + 2),
                             {"confidence_level": confidence_level, "n_resamples": n_resamples})


def _saltelli_2010_batch(f_A: np.ndarray, f_B: np.ndarray,
                         f_AB: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First- and total-order indices for a batch of bootstrap resamples.

    ``f_A``, ``f_B``: (s, B, n); ``f_AB``: (d, s, B, n). The estimator of
    ``scipy.stats.sobol_indices`` (Saltelli et al. 2010, Table 2 (b) and (f), after centring by
    the mean of ``f_A`` and ``f_B``; a null variance gives null indices), applied to every
    resample at once. Returns two (B, s, d) arrays.
    """
    mean = np.mean(np.stack([f_A, f_B]), axis=(0, -1))[..., None]
    f_A, f_B, f_AB = f_A - mean, f_B - mean, f_AB - mean
    var = np.var(np.stack([f_A, f_B]), axis=(0, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        s1 = np.mean(f_B * (f_AB - f_A), axis=-1) / var
        st = 0.5 * np.mean((f_A - f_AB) ** 2, axis=-1) / var
    s1[~np.isfinite(s1)] = 0.0
    st[~np.isfinite(st)] = 0.0
    return np.transpose(s1, (2, 1, 0)), np.transpose(st, (2, 1, 0))


def sensitivity(config: Any, *, n: int | None = None, seed: int | None = None,
                units: Sequence[str] | None = None, measure: str | None = None,
                n_sets: int | None = None, grouped: bool | None = None,
                confidence_level: float | None = None, n_resamples: int | None = None,
                data: Any = None, factors: Sequence[Mapping[str, Any]] | None = None,
                engine: Engine | None = None) -> SensitivityResult:
    """Sobol' indices of the config's uncertainty factors (see the module docstring).

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
    if measure not in ("rank", "score"):
        raise ConfigError(f"sensitivity: measure must be 'rank' or 'score', got {measure!r}")
    bad = [u for u in units if u not in eng.units]
    if bad:
        raise ConfigError(f"sensitivity: unknown unit(s) {bad}")
    if n_sets <= 0:
        raise ConfigError(f"sensitivity: n_sets must be > 0, got {n_sets}")
    pre = eng.sample(n_sets, seed=None, rng=np.random.default_rng(
        np.random.SeedSequence(seed).spawn(1)[0] if seed is not None else None))
    names: list[str] = []
    dists: list[Any] = []
    decoders: list[Callable[[np.ndarray], dict[str, np.ndarray]]] = []
    for f in eng.factors:
        names_f, dists_f, dec = _factor_inputs(f, pre, n_sets, grouped, stats)
        names += names_f
        dists += dists_f
        decoders.append(dec)
    sizes = [len(_factor_inputs(f, pre, n_sets, grouped, stats)[0]) for f in eng.factors]
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
        if not np.isfinite(out).all():
            raise DataError("sensitivity: an output is missing in some evaluation (a unit "
                            "without a score); Sobol' indices need finite outputs")
        return out

    res = sobol(func, dists, names, outputs, n=int(n), seed=seed, confidence_level=cl,
                n_resamples=nr)
    res.info.update({"grouped": grouped, "n_sets": n_sets, "measure": measure})
    return res


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
