"""Unit screening (stage ``screen``), following COINr ``Screen()`` (``R/screen_units.R``).

:func:`apply` receives a single :class:`MethodChoice` under the key ``"*"``. Methods (registry
:data:`SCREENERS`), signature ``f(table: pd.DataFrame, /, *, <params>) -> pd.Series[bool]``
(``True`` = dropped by the data rule), where ``table`` is :func:`availability_table`:

* ``availability`` — params:

  - ``min_share: float = 0.9``: minimum share of non-missing metrics (COINr ``dat_thresh``);
    a unit is dropped when ``availability < min_share`` (strict, as COINr's
    ``Dat_Avail < dat_thresh``);
  - ``min_nonzero: float = 0.05``: minimum share of non-zero values among the *observed* ones
    (COINr ``nonzero_thresh``); dropped when ``1 - zero_share < min_nonzero``;
  - ``by``: ``"missing"`` (COINr ``"byNA"``, default), ``"zeros"`` (``"byzeros"``) or
    ``"both"`` (``"byNAandzeros"``: dropped if either rule fails). A unit with no observed
    value at all fails the zeros rule too;
  - ``include`` / ``exclude``: unit codes forced in / out, overriding the rules (COINr
    ``Force``); a single string is one code (``include: "AUT"``); unknown codes or a code in both lists → ``DataError``.

* ``none`` — keeps every unit (``include``/``exclude`` still apply).

Whether screening runs before or after imputation is the pipeline's decision: COINr's ASEM
example screens the *imputed* data at 0.9, which drops nobody; screening the raw denominated
data at 0.9 would drop units with more than 4 of 49 metrics missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, MethodError
from ..registry import Registry
from ..stats import unit_availability
from .base import MethodChoice, StageContext, StageOutput

__all__ = ["SCREENERS", "apply", "availability", "availability_table", "none"]

SCREENERS: Registry[Callable[..., pd.Series]] = Registry("screening method")

LOG_COLUMNS = ["uCode", "availability", "zero_share", "dropped", "reason"]


def availability_table(X: pd.DataFrame) -> pd.DataFrame:
    """Per-unit availability (COINr ``get_data_avail``), see :func:`aiindex.stats.unit_availability`.

    Returns
    -------
    pandas.DataFrame
        Index = units; ``n_missing``, ``n_zero``, ``availability``, ``zero_share``.
    """
    return unit_availability(X)


def _reasons_missing(t: pd.DataFrame, min_share: float) -> pd.Series:
    bad = (t["availability"] < min_share).to_numpy()
    txt = [f"availability {a:.4g} < {min_share:g}" for a in t["availability"]]
    return pd.Series(np.where(bad, txt, ""), index=t.index)


def _reasons_zeros(t: pd.DataFrame, min_nonzero: float) -> pd.Series:
    nz = 1 - t["zero_share"].to_numpy(dtype=float)
    nodata = np.isnan(nz)
    with np.errstate(invalid="ignore"):
        bad = nodata | (nz < min_nonzero)
    txt = np.where(
        nodata,
        "no observed value",
        [f"non-zero share {v:.4g} < {min_nonzero:g}" for v in nz],
    )
    return pd.Series(np.where(bad, txt, ""), index=t.index)


@SCREENERS.register("availability", aliases=("byNA",))
def availability(
    table: pd.DataFrame,
    /,
    *,
    min_share: float = 0.9,
    min_nonzero: float = 0.05,
    by: str = "missing",
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
) -> pd.Series:
    """Reason for dropping each unit (``""`` = kept by the rules); see module docstring."""
    for nm, v in (("min_share", min_share), ("min_nonzero", min_nonzero)):
        if not 0 <= v <= 1:
            raise MethodError(f"screen availability: {nm} must be in [0, 1], got {v!r}")
    if by == "missing":
        return _reasons_missing(table, min_share)
    if by == "zeros":
        return _reasons_zeros(table, min_nonzero)
    if by == "both":
        a, z = _reasons_missing(table, min_share), _reasons_zeros(table, min_nonzero)
        both = [(x + "; " + y) if x and y else (x or y) for x, y in zip(a, z, strict=True)]
        return pd.Series(both, index=table.index)
    raise MethodError(f"screen availability: by must be 'missing', 'zeros' or 'both', got {by!r}")


@SCREENERS.register("none")
def none(
    table: pd.DataFrame, /, *, include: Iterable[str] = (), exclude: Iterable[str] = ()
) -> pd.Series:
    """Keep every unit (forced exclusions still apply)."""
    return pd.Series("", index=table.index)


def _codes_param(value: Any, key: str) -> list[str]:
    """Unit codes of ``include``/``exclude``: a single string is one code, not its characters."""
    if value is None:
        return []
    if isinstance(value, str | bytes):
        return [value.decode() if isinstance(value, bytes) else value]
    if not isinstance(value, Iterable):
        raise MethodError(f"screen: {key} must be a unit code or a list of unit codes, "
                          f"got {value!r}")
    return [str(u) for u in value]


def apply(X: pd.DataFrame, choices: Mapping[str, MethodChoice], ctx: StageContext) -> StageOutput:
    """Drop units that fail the screening rule.

    Parameters
    ----------
    X
        Units × metrics.
    choices
        ``{"*": MethodChoice}``.
    ctx
        Unused.

    Returns
    -------
    StageOutput
        ``data``: ``X`` without the dropped units (row order kept); ``log``: one row per unit
        (``uCode, availability, zero_share, dropped, reason``); ``info["dropped"]``: list of
        dropped unit codes; ``info["availability"]``: :func:`availability_table`.
    """
    choice = choices.get("*", MethodChoice("none"))
    name = SCREENERS.canonical(choice.method)
    params: dict[str, Any] = dict(choice.params)
    SCREENERS.check_params(name, params, where="screen")
    table = availability_table(X)
    reasons = SCREENERS.get(name)(table, **params)
    include = _codes_param(params.get("include"), "include")
    exclude = _codes_param(params.get("exclude"), "exclude")
    unknown = sorted(set(include + exclude) - set(map(str, X.index)))
    if unknown:
        raise DataError(f"screen: forced unit(s) {unknown} not found in the data")
    both = sorted(set(include) & set(exclude))
    if both:
        raise DataError(f"screen: unit(s) {both} are both forced in and forced out")
    r = reasons.astype(object).to_numpy(copy=True)
    dropped = r != ""
    codes = X.index.astype(str)
    inc = codes.isin(include)
    exc = codes.isin(exclude)
    r = np.where(inc & dropped, "forced in despite: " + r.astype(str), r)
    dropped = (dropped & ~inc) | exc
    r = np.where(exc, "forced out", r)
    log = pd.DataFrame(
        {
            "uCode": X.index,
            "availability": table["availability"].to_numpy(),
            "zero_share": table["zero_share"].to_numpy(),
            "dropped": dropped,
            "reason": r,
        }
    )
    data = X.loc[~dropped].copy()
    return StageOutput(
        data=data,
        log=log,
        info={"dropped": list(X.index[dropped]), "availability": table},
    )
