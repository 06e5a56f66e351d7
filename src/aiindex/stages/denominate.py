"""Denomination (stage ``denominate``): divide a metric by a denominator column.

Replicates COINr ``Denominate.data.frame()`` (``bluefoxr/COINr`` ``R/denominate.R``): each metric
with a denominator is computed as ``x / (d / ScaleFactor)``, i.e. ``x / d * scale``; with the
default ``scale = 1`` this is exactly ``x / d``. The denominator column is looked up in
``ctx.denominators`` (units × denominator columns, index ``uCode``) and matched by unit code.

Methods (registry :data:`DENOMINATORS`), signature
``f(x: pd.Series, d: pd.Series | None, /, *, <params>) -> pd.Series``:

* ``divide`` (params ``denominator: str | None = None``, ``scale: float = 1.0``): the denominator
  column defaults to the framework node's ``denominator``; a metric with no denominator (neither
  in the params nor in the framework) is returned unchanged. The divisor is ``d / scale``
  (COINr's ``ScaleFactor`` semantics).
* ``none``: unchanged.

Missing values: a missing denominator gives a missing result (COINr propagates ``NA``: the ASEM
``Energy`` denominator is missing for LAO, so its ``Elec`` and ``Gas`` become ``NA`` and are
imputed later). Every such cell is logged (columns ``uCode, metric, denominator, reason``), it is
not an error. A missing metric value stays missing (not logged).

Errors (:class:`~aiindex.errors.DataError`): a zero denominator for a unit whose metric value is
present or missing (it would give inf/NaN) names metric, unit and denominator column; an unknown
denominator column; units of ``X`` absent from ``ctx.denominators``; a non-numeric denominator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from ..errors import DataError
from ..registry import Registry
from .base import MethodChoice, StageContext, StageOutput, empty_log

__all__ = ["DENOMINATORS", "apply", "divide", "none"]

DENOMINATORS: Registry[Callable[..., pd.Series]] = Registry("denominator method")

LOG_COLUMNS = ["uCode", "metric", "denominator", "reason"]


@DENOMINATORS.register("divide", aliases=("denominate",))
def divide(
    x: pd.Series,
    d: pd.Series | None,
    /,
    *,
    denominator: str | None = None,
    scale: float = 1.0,
) -> pd.Series:
    """Return ``x / (d / scale)`` (COINr ``Denominate``), ``x`` unchanged when ``d`` is None.

    Parameters
    ----------
    x
        Metric values (name = metric code).
    d
        Denominator values aligned with ``x`` (name = denominator column), or None.
    denominator
        Name of the denominator column (resolved by :func:`apply`; kept here for the YAML
        parameter check).
    scale
        Multiplier of the result (COINr ``ScaleFactor``).

    Raises
    ------
    DataError
        A zero denominator.
    """
    if d is None:
        return x.copy()
    if not np.isfinite(scale) or scale == 0:
        raise DataError(f"denominate {x.name!r}: scale must be a finite non-zero number, got {scale!r}")
    dv = d.to_numpy(dtype=float)
    zero = dv == 0
    if zero.any():
        units = list(x.index[zero])
        raise DataError(
            f"denominate metric {x.name!r}: denominator column {d.name!r} is zero for unit(s) "
            f"{units}; division by zero"
        )
    inf = np.isinf(dv)
    if inf.any():
        raise DataError(
            f"denominate metric {x.name!r}: denominator column {d.name!r} is infinite for unit(s) "
            f"{list(x.index[inf])}"
        )
    return pd.Series(x.to_numpy(dtype=float) / (dv / scale), index=x.index, name=x.name)


@DENOMINATORS.register("none")
def none(x: pd.Series, d: pd.Series | None, /) -> pd.Series:
    """Leave the metric unchanged."""
    return x.copy()


def _denominator_column(metric: str, choice: MethodChoice, ctx: StageContext) -> str | None:
    col = choice.params.get("denominator")
    if col is None:
        node = ctx.framework.nodes.get(metric) if ctx.framework is not None else None
        col = getattr(node, "denominator", None) if node is not None else None
    if col is None or (isinstance(col, float) and np.isnan(col)) or col == "":
        return None
    return str(col)


def apply(X: pd.DataFrame, choices: Mapping[str, MethodChoice], ctx: StageContext) -> StageOutput:
    """Denominate every metric whose choice is ``divide`` and that has a denominator.

    Parameters
    ----------
    X
        Units × metrics.
    choices
        Metric → :class:`MethodChoice`; metrics without a choice are left unchanged.
    ctx
        Uses ``ctx.denominators`` and ``ctx.framework.nodes[metric].denominator``.

    Returns
    -------
    StageOutput
        ``data``: denominated table; ``log``: one row per cell made missing by a missing
        denominator (``uCode, metric, denominator, reason``); ``info["denominated"]``: Series
        metric → denominator column used (only denominated metrics); ``info["scale"]``: Series
        metric → scale.
    """
    out = X.copy()
    logs: list[pd.DataFrame] = []
    used: dict[str, str] = {}
    scales: dict[str, float] = {}
    for metric in X.columns:
        choice = choices.get(metric, MethodChoice("none"))
        name = DENOMINATORS.canonical(choice.method)
        DENOMINATORS.check_params(name, choice.params, where=f"denominate/{metric}")
        if name == "none":
            continue
        col = _denominator_column(metric, choice, ctx) if name == "divide" else None
        d = None
        if col is not None:
            d = _lookup(ctx.denominators, col, X.index, metric)
        params = {k: v for k, v in choice.params.items() if k != "denominator"}
        res = DENOMINATORS.get(name)(X[metric], d, **params)
        out[metric] = res.to_numpy(dtype=float)
        if d is not None:
            used[metric] = col  # type: ignore[assignment]
            scales[metric] = float(params.get("scale", 1.0))
            miss = d.isna().to_numpy()
            if miss.any():
                xo = X[metric].notna().to_numpy()
                logs.append(
                    pd.DataFrame(
                        {
                            "uCode": X.index[miss],
                            "metric": metric,
                            "denominator": col,
                            "reason": np.where(
                                xo[miss],
                                "missing denominator value: result set to missing",
                                "missing denominator value (metric value also missing)",
                            ),
                        }
                    )
                )
    log = pd.concat(logs, ignore_index=True) if logs else empty_log(LOG_COLUMNS)
    return StageOutput(
        data=out,
        log=log,
        info={"denominated": pd.Series(used, dtype=object), "scale": pd.Series(scales, dtype=float)},
    )


def _lookup(den: pd.DataFrame | None, col: str, units: pd.Index, metric: str) -> pd.Series:
    if den is None:
        raise DataError(
            f"denominate metric {metric!r}: needs denominator column {col!r} but no "
            "denominator data were given"
        )
    if col not in den.columns:
        raise DataError(
            f"denominate metric {metric!r}: unknown denominator column {col!r}; "
            f"available: {list(den.columns)}"
        )
    missing_units = units.difference(den.index)
    if len(missing_units):
        raise DataError(
            f"denominate metric {metric!r}: unit(s) {list(missing_units)} not found in the "
            f"denominator data (column {col!r})"
        )
    s = den[col]
    if not pd.api.types.is_numeric_dtype(s):
        raise DataError(f"denominator column {col!r} is not numeric (dtype {s.dtype})")
    s = s.loc[units].astype(float)
    s.name = col
    return s
