"""Unit names as shown by every output: the name, or the unit's code when it has none."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

__all__ = ["unit_name", "unit_names"]


def unit_name(names: pd.Series | Mapping[Any, Any] | None, code: Any) -> str:
    """The name of unit ``code`` in ``names``; its code when the name is missing (``None``,
    NaN, ``pd.NA``) or blank, so a missing name never shows as ``"nan"``."""
    n = None if names is None else names.get(code)
    if n is None or (not isinstance(n, str) and bool(pd.isna(n))):
        return str(code)
    text = str(n)
    return text if text.strip() else str(code)


def unit_names(codes: Iterable[Any], names: pd.Series | Mapping[Any, Any] | None) -> list[str]:
    """:func:`unit_name` of every code."""
    return [unit_name(names, c) for c in codes]
