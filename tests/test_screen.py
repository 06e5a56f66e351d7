"""Tests of aiindex.stages.screen (COINr Screen: byNA / byzeros / byNAandzeros, Force)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aiindex.errors import DataError, MethodError
from aiindex.stages.base import MethodChoice, StageContext
from aiindex.stages.screen import apply, availability_table

U = pd.Index(["A", "B", "C", "D"], name="uCode")
X = pd.DataFrame(
    {
        "m1": [1.0, np.nan, 0.0, np.nan],
        "m2": [2.0, 3.0, 0.0, np.nan],
        "m3": [3.0, 4.0, 0.0, np.nan],
        "m4": [4.0, 5.0, 1.0, np.nan],
    },
    index=U,
)
CTX = StageContext(framework=None)  # type: ignore[arg-type]


def _run(method: str = "availability", **p: object):
    return apply(X, {"*": MethodChoice(method, dict(p))}, CTX)


def test_availability_table_hand() -> None:
    t = availability_table(X)
    assert list(t["availability"]) == [1.0, 0.75, 1.0, 0.0]
    assert t.loc["C", "zero_share"] == pytest.approx(0.75)
    assert np.isnan(t.loc["D", "zero_share"])


def test_by_missing_strict_threshold() -> None:
    out = _run(min_share=0.75)  # B has exactly 0.75: kept (COINr: dropped only if < thresh)
    assert out.info["dropped"] == ["D"]
    assert list(out.data.index) == ["A", "B", "C"]
    out = _run(min_share=0.9)
    assert out.info["dropped"] == ["B", "D"]
    log = out.log.set_index("uCode")
    assert list(out.log.columns) == ["uCode", "availability", "zero_share", "dropped", "reason"]
    assert log.loc["B", "reason"].startswith("availability 0.75 < 0.9")
    assert not log.loc["A", "dropped"] and log.loc["A", "reason"] == ""


def test_by_zeros_and_both() -> None:
    out = _run(by="zeros", min_nonzero=0.5)  # C: non-zero share 0.25 < 0.5; D: no data
    assert out.info["dropped"] == ["C", "D"]
    out = _run(by="both", min_share=0.9, min_nonzero=0.5)
    assert out.info["dropped"] == ["B", "C", "D"]


def test_force_include_exclude() -> None:
    out = _run(min_share=0.9, include=["B"], exclude=["A"])
    assert out.info["dropped"] == ["A", "D"]
    log = out.log.set_index("uCode")
    assert log.loc["A", "reason"] == "forced out"
    assert log.loc["B", "reason"].startswith("forced in despite")
    none = _run("none", exclude=["C"])
    assert none.info["dropped"] == ["C"]


def test_single_string_is_one_code() -> None:
    # "AB" must not be split into "A" and "B" (a string is iterable)
    X2 = X.rename(index={"A": "AB"})
    out = apply(X2, {"*": MethodChoice("availability", {"min_share": 0.9, "include": "B",
                                                         "exclude": "AB"})}, CTX)
    assert out.info["dropped"] == ["AB", "D"]
    log = out.log.set_index("uCode")
    assert log.loc["AB", "reason"] == "forced out"
    assert log.loc["B", "reason"].startswith("forced in despite")
    with pytest.raises(DataError, match=r"\['ZZZ'\]"):
        _run(exclude="ZZZ")


def test_bad_params() -> None:
    with pytest.raises(DataError, match="ZZZ"):
        _run(include=["ZZZ"])
    with pytest.raises(DataError, match="both forced"):
        _run(include=["A"], exclude=["A"])
    with pytest.raises(MethodError, match="by must be"):
        _run(by="NA")
    with pytest.raises(MethodError, match="min_share"):
        _run(min_share=90)


def test_asem_raw_vs_imputed(asem_dir: Path) -> None:
    raw = pd.read_csv(asem_dir / "iData.csv").set_index("uCode")
    meta = pd.read_csv(asem_dir / "iMeta.csv")
    metrics = list(meta.loc[meta["Type"] == "Indicator", "iCode"])
    Xa = raw[metrics].astype(float)
    out = apply(Xa, {"*": MethodChoice("availability", {"min_share": 0.9})}, CTX)
    # on raw data units missing more than 4 of 49 metrics would go; after imputation none
    n_missing = Xa.isna().sum(axis=1)
    assert sorted(out.info["dropped"]) == sorted(n_missing.index[n_missing > 4.9])
    full = apply(Xa.fillna(0.5), {"*": MethodChoice("availability", {"min_share": 0.9})}, CTX)
    assert full.info["dropped"] == []
