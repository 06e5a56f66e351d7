"""Exact rank bounds of an index over a set of weights (``aiindex bounds``).

Monte Carlo rank intervals are estimates: they report the ranks the draws happened to reach.
For an index built by weighted arithmetic means, the best and worst rank a unit can reach over a
set of weights can be computed exactly (:mod:`aiindex.weights.polytope`): with the weights of one
level varying (the others fixed), or the metrics' effective weights, the index is linear in the
varying weights (:mod:`aiindex.analysis._linear`), and the weight set is a polytope
(:class:`aiindex.weights.sets.WeightSet`):

* ``relative=r``: every raw weight within ``(1 ± r)`` of its nominal value, renormalised among
  siblings (the set the uncertainty engine's ``weight_noise`` factor samples);
* ``simplex=True``: any non-negative local weights;
* ``lower``/``upper``: bounds on the local weights;
* ``constraints``: linear constraints ``Σ coefficient·w <= bound`` on the local weights.

For each unit :func:`rank_bounds` reports the best and worst attainable rank, the range of its
score, the units above it for every weight in the set ("necessarily above") and for some
("possibly above"), a weight vector attaining each bound, and optionally SMAA rank-acceptability
indices (Lahdelma & Salminen 2001): the share of the set (drawn uniformly) where the unit takes
each rank. Other aggregators (geometric, median, Copeland, ...) make the index non-linear in the
weights: use Monte Carlo (``aiindex uncertainty``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._io import OutputDir
from ..errors import ConfigError, DataError, MethodError
from ..weights.polytope import counts_above
from ..weights.sets import WeightSet
from ._linear import LinearDesign, linear_design

__all__ = ["rank_bounds", "RankBounds", "acceptability"]


@dataclass
class RankBounds:
    """Result of :func:`rank_bounds`.

    Attributes
    ----------
    table : DataFrame
        One row per unit (nominal order): ``nominal_score, nominal_rank, score_min, score_max,
        best_rank, worst_rank, n_necessarily_above, n_possibly_above, necessarily_above,
        possibly_above`` (codes, ``;``-separated), ``how_best``, ``how_worst`` (``dominance``,
        ``certificate`` or ``milp``: see :mod:`aiindex.weights.polytope`). Scores are on the
        weighted mean's scale (before a ``rescale`` of the root, which keeps the ranks).
    witnesses : DataFrame
        Per unit and bound (``best``/``worst``): the local weights attaining it.
    acceptability : DataFrame or None
        SMAA rank-acceptability indices (units × ranks 1..n; rows sum to 1), when sampled.
    weight_set : WeightSet
        The set of local weights.
    design : LinearDesign
        Components, groups and multipliers.
    info : dict
        ``seconds``, ``n_samples``, ``seed``, ``set`` (description).
    """

    table: pd.DataFrame
    witnesses: pd.DataFrame
    acceptability: pd.DataFrame | None
    weight_set: WeightSet
    design: LinearDesign
    info: dict[str, Any] = field(default_factory=dict)
    config: Any = None

    def summary(self, top: int | None = None) -> pd.DataFrame:
        """Nominal rank, best, worst, the number of units necessarily and possibly above and,
        with SMAA, the modal rank and its share."""
        cols = ["nominal_rank", "best_rank", "worst_rank", "n_necessarily_above",
                "n_possibly_above"]
        out = self.table[cols].copy()
        if self.acceptability is not None:
            acc = self.acceptability
            out["modal_rank"] = acc.to_numpy().argmax(axis=1) + 1
            out["modal_share"] = acc.to_numpy().max(axis=1)
        return out if top is None else out.head(top)

    def to_csv(self, path: str | Path, *, command: str = "") -> list[Path]:
        """Write ``rank_bounds.csv``, ``witnesses.csv``, ``above.csv`` (one row per unit and
        rival: ``necessarily``/``possibly``) and ``acceptability.csv`` (when sampled) into the
        folder ``path`` (atomically, with a manifest)."""
        with OutputDir(path, command=command, config=self.config,
                       extra={"weight_set": self.info.get("set", "")}) as out:
            out.write_csv("rank_bounds.csv", self.table, float_format="%.10g")
            out.write_csv("witnesses.csv", self.witnesses, float_format="%.10g")
            out.write_csv("above.csv", self.relations(), index=False)
            if self.acceptability is not None:
                out.write_csv("acceptability.csv", self.acceptability, float_format="%.6g")
        return out.paths

    def relations(self) -> pd.DataFrame:
        """Long table ``uCode, other, relation`` (``necessarily`` or ``possibly`` above)."""
        rows = []
        for rel in ("necessarily", "possibly"):
            s = self.table[f"{rel}_above"].str.split(";").explode()
            s = s[s.notna() & (s != "")]
            rows.append(pd.DataFrame({"uCode": s.index, "other": s.to_numpy(),
                                      "relation": rel}))
        return pd.concat(rows, ignore_index=True)

    def _summary_line(self) -> str:
        t = self.table
        return (f"{len(t)} units, {len(self.weight_set.codes)} weights, "
                f"{self.info.get('set', '')}; widest range "
                f"{int((t['worst_rank'] - t['best_rank']).max())} ranks")

    def __repr__(self) -> str:
        """A summary line and the best and worst rank of the first and last units."""
        from .._repr import text_table

        return (f"RankBounds({self._summary_line()})\n"
                + text_table(self.summary(), decimals=3, what="units (.table has them all)"))

    def _repr_html_(self) -> str:
        """The bounds in a notebook (every unit reachable; text escaped)."""
        from .._repr import html_card, html_table

        return html_card(f"Exact rank bounds: {self._summary_line()}",
                         body=html_table(self.summary(), decimals=3, what="units"))


def _weight_set(d: LinearDesign, *, relative: float | None, simplex: bool,
                lower: Mapping[str, float] | None, upper: Mapping[str, float] | None,
                constraints: Sequence[Mapping[str, float]] | None,
                bounds_rhs: Sequence[float] | None, weight_set: WeightSet | None
                ) -> tuple[WeightSet, str]:
    codes = list(d.X.columns)
    groups = d.groups.to_dict()
    if weight_set is not None:
        if sorted(weight_set.codes) != sorted(codes):
            raise ConfigError(f"weight_set covers {weight_set.codes}, the level has {codes}")
        ws, desc = weight_set, "given weight set"
    elif (relative is not None) + bool(simplex) + (lower is not None or upper is not None) > 1:
        raise ConfigError("give one of relative=, simplex=True or lower=/upper=")
    elif simplex:
        ws, desc = WeightSet.simplex(codes, groups), "simplex (any local weights)"
    elif lower is not None or upper is not None:
        if lower is None or upper is None:
            raise ConfigError("bounds on the weights need both lower= and upper=")
        unknown = sorted((set(lower) | set(upper)) - set(codes))
        if unknown:
            raise ConfigError(f"weight bounds for unknown component(s) {unknown}; the level "
                              f"has {codes}")
        lo = {c: float(lower.get(c, 0.0)) for c in codes}
        hi = {c: float(upper.get(c, 1.0)) for c in codes}
        ws, desc = WeightSet.box(lo, hi, groups), "bounds on the local weights"
    else:
        r = 0.25 if relative is None else float(relative)
        ws = WeightSet.relative(d.nominal.to_dict(), r, groups)
        desc = f"raw weights within ±{r:g} of nominal (relative), renormalised"
    if constraints:
        if bounds_rhs is None or len(bounds_rhs) != len(constraints):
            raise ConfigError("constraints need one bound each (bounds_rhs)")
        ws = ws.constrain(list(constraints), list(bounds_rhs))
        desc += f", {len(constraints)} linear constraint(s)"
    return ws, desc


def acceptability(A: np.ndarray, W: np.ndarray, eps: float, units: Sequence[str]
                  ) -> pd.DataFrame:
    """Rank-acceptability indices: the share of the weight draws ``W`` (rows) where each unit
    (scored ``A @ w``) takes each rank (ties within ``eps`` share the better rank)."""
    n = A.shape[0]
    ranks = 1 + counts_above(W @ A.T, eps)  # (draws, units)
    idx = (np.arange(n)[None, :] * n + ranks - 1).ravel()
    counts = np.bincount(idx, minlength=n * n).reshape(n, n)
    return pd.DataFrame(counts / len(W), index=pd.Index(list(units), name="uCode"),
                        columns=pd.Index(range(1, n + 1), name="rank"))


def rank_bounds(config: Any = None, *, level: int | None = None, effective: bool = False,
                relative: float | None = None, simplex: bool = False,
                lower: Mapping[str, float] | None = None,
                upper: Mapping[str, float] | None = None,
                constraints: Sequence[Mapping[str, float]] | None = None,
                bounds_rhs: Sequence[float] | None = None,
                weight_set: WeightSet | None = None, smaa: int = 0, seed: int | None = 0,
                data: Any = None, overrides: Mapping[str, Any] | None = None,
                result: Any = None) -> RankBounds:
    """Exact best and worst rank of every unit over a set of weights.

    Parameters
    ----------
    config
        A config (path, mapping, :class:`~aiindex.config.Config`; default: the bundled index).
    level
        Level whose local weights vary (others fixed); default: the children of the root.
    effective
        Vary the metrics' effective weights instead (one group; ``level`` ignored).
    relative, simplex, lower, upper
        The weight set (module docstring); default ``relative=0.25``.
    constraints, bounds_rhs
        Extra linear constraints: ``constraints[i]`` maps codes to coefficients,
        ``Σ coefficient·w <= bounds_rhs[i]`` on the local weights.
    weight_set
        A ready :class:`~aiindex.weights.sets.WeightSet` (instead of the options above).
    smaa, seed
        Number of uniform draws from the set for rank-acceptability indices (0: none), and
        their seed.
    data, overrides, result
        Passed to :func:`aiindex.run` (or an existing result to use instead).

    Returns
    -------
    RankBounds

    Raises
    ------
    MethodError
        A non-arithmetic aggregator or a rescale between the level and the root (use
        ``aiindex uncertainty``), or a decreasing rescale of the root.
    DataError
        A unit with missing scores at the level (its weights would be renormalised over the
        components it has, which is not linear).
    ConfigError
        A bad weight set (unknown codes, empty set, conflicting options).
    """
    t0 = time.perf_counter()
    if result is None:
        from ..data.bundled import default_config_path
        from ..pipeline import run

        result = run(default_config_path() if config is None else config, data=data,
                     overrides=overrides)
    fw = result.framework
    lvl = None if effective else (fw.depth - 1 if level is None else level)
    d = linear_design(result, lvl, what="exact rank bounds")
    _check_root_rescale(d)
    miss = d.X.index[d.X.isna().any(axis=1)].tolist()
    if miss:
        raise DataError(f"exact rank bounds need complete scores at level {lvl}: unit(s) "
                        f"{miss[:10]} miss some (their weights are renormalised over the "
                        "components they have, which is not linear); impute them, or use "
                        "`aiindex uncertainty`")
    ws, desc = _weight_set(d, relative=relative, simplex=simplex, lower=lower, upper=upper,
                           constraints=constraints, bounds_rhs=bounds_rhs, weight_set=weight_set)
    codes = ws.codes
    A = (d.X[codes] * d.mult[codes]).to_numpy(dtype=float)
    rr = ws.rank_ranges(A)
    units = [str(u) for u in d.X.index]
    acc = None
    if smaa:
        acc = acceptability(A, ws.sample(int(smaa), seed), rr.eps, units)
    table = _table(d, ws, A, rr, units)
    if acc is not None:
        acc = acc.loc[table.index]
    return RankBounds(table=table, witnesses=_witnesses(rr, units, codes), acceptability=acc,
                      weight_set=ws, design=d, config=result.config,
                      info={"seconds": time.perf_counter() - t0, "set": desc,
                            "n_samples": int(smaa), "seed": seed, "level": lvl,
                            "eps": rr.eps})


def _witnesses(rr: Any, units: list[str], codes: list[str]) -> pd.DataFrame:
    """Local weights attaining each unit's best and worst rank (index ``uCode, bound``)."""
    parts = [pd.DataFrame(W, index=pd.Index(units, name="uCode"), columns=codes).assign(bound=b)
             for W, b in ((rr.witness_best, "best"), (rr.witness_worst, "worst"))]
    return pd.concat(parts).reset_index().set_index(["uCode", "bound"]).sort_index()


def _check_root_rescale(d: LinearDesign) -> None:
    ch = d.root_rescale
    if ch is not None and ch.method == "affine" and float(ch.params.get("slope", 1.0)) < 0:
        raise MethodError("exact rank bounds: the root's rescale has a negative slope, which "
                          "reverses the ranks; use a positive slope")


def _table(d: LinearDesign, ws: WeightSet, A: np.ndarray, rr: Any,
           units: list[str]) -> pd.DataFrame:
    """The per-unit table, in nominal order."""
    w0 = d.nominal[ws.codes].to_numpy(dtype=float)
    s0 = A @ w0
    nominal_rank = 1 + counts_above(s0[None, :], rr.eps)[0]
    u = np.array(units, dtype=object)

    def names(mask: np.ndarray) -> list[str]:
        return [";".join(u[row]) for row in mask]

    t = pd.DataFrame({
        "nominal_score": s0, "nominal_rank": nominal_rank,
        "score_min": rr.score_min, "score_max": rr.score_max,
        "best_rank": rr.best, "worst_rank": rr.worst,
        "n_necessarily_above": rr.necessarily_above.sum(axis=1),
        "n_possibly_above": rr.possibly_above.sum(axis=1),
        "necessarily_above": names(rr.necessarily_above),
        "possibly_above": names(rr.possibly_above),
        "how_best": rr.how_best.astype(str), "how_worst": rr.how_worst.astype(str),
    }, index=pd.Index(units, name="uCode"))
    return t.sort_values(["nominal_rank", "nominal_score"], ascending=[True, False],
                         kind="stable")
