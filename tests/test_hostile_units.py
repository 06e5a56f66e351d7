"""Unit tests of the pieces behind issue 13 (typed values, YAML limits, safe JSON, decimal
commas, overflow-safe statistics, early output checks, adopted folder writers)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pytest

from aiindex._io import MANIFEST, OutputDir, check_output, read_manifest
from aiindex.data.readers import _to_float
from aiindex.errors import ConfigError, MethodError, OutputError
from aiindex.outputs.explorer import json_for_html
from aiindex.registry import Registry, describe_type, type_error
from aiindex.stats import kurtosis, metric_stats, skewness
from aiindex.yamlio import _check_expansion, load_yaml


# ------------------------------------------------------------------------------ typed values
@pytest.mark.parametrize("value,hint,ok", [
    (True, bool, True), ("no", bool, False), ("yes", bool, False), (1, bool, False),
    (np.bool_(True), bool, True), (3, int, True), (3.0, int, False), ("3", int, False),
    (np.int64(3), int, True), (True, int, False), (2, float, True), (2.5, float, True),
    (float("nan"), float, False), (float("inf"), float, False), ("2", float, False),
    (None, int | None, True), ([1, 2.5], Sequence[float], True), ((1, 2), Sequence[float], True),
    ("ab", Sequence[float], False), (["a"], Sequence[float], False),
    ("a", Literal["a", "b"], True), ("c", Literal["a", "b"], False), (3, str, False),
])
def test_type_error(value, hint, ok) -> None:
    assert (type_error(value, hint) is None) is ok


def test_describe_type_and_bool_hint() -> None:
    assert describe_type(int | None) == "an integer or null"
    assert describe_type(Sequence[float]) == "a list of numbers"
    assert describe_type(Literal["a", "b"]) == "one of 'a', 'b'"
    assert "yes/no/on/off" in type_error("no", bool)


def test_registry_types_come_from_annotations() -> None:
    reg: Registry = Registry("widget")

    @reg.register("w")
    def w(x, /, *, k: int = 2, flag: bool = False, free=None):  # noqa: ANN001, ANN202
        return x

    assert reg.param_types("w")["k"] is int
    assert reg.type_errors("w", {"k": 2, "flag": True, "free": "anything"}) == []
    bad = reg.type_errors("w", {"k": "2", "flag": "off"})
    assert [b[0] for b in bad] == ["k", "flag"]
    with pytest.raises(MethodError, match=r"parameter k must be an integer, got '2'"):
        reg.call("w", 1, k="2")


# ------------------------------------------------------------------------------ YAML limits
def test_alias_expansion_is_counted_not_expanded() -> None:
    shared = [1, 2, 3]
    doc = {"a": shared, "b": [shared, shared]}  # 1 + 2 keys + (1+3) + (1 + 2*(1+3)) = 16
    assert _check_expansion(doc, "t") == 16
    layer = ["x"] * 10
    for _ in range(8):
        layer = [layer] * 10
    with pytest.raises(ConfigError, match="billion laughs"):
        _check_expansion(layer, "t")
    loop: list = [1]
    loop.append(loop)
    with pytest.raises(ConfigError, match="refers to itself"):
        _check_expansion(loop, "t")


def test_yaml_errors_are_one_line_with_line_numbers(tmp_path: Path) -> None:
    p = tmp_path / "c.yaml"
    p.write_text("a: 1\nb: [1, 2\nc: 3\n")
    with pytest.raises(ConfigError) as ei:
        load_yaml(p)
    assert "\n" not in str(ei.value) and "line" in str(ei.value) and "c.yaml" in str(ei.value)
    assert load_yaml("a: &x {b: 1}\nc: *x\n") == {"a": {"b": 1}, "c": {"b": 1}}


# ------------------------------------------------------------------------------ safe JSON
def test_json_for_html_escapes_what_could_end_the_block() -> None:
    obj = {"n": "</script><!-- a & b > c \u2028 \u2029 é"}
    text = json_for_html(obj)
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in text
    assert "é" in text and json.loads(text) == obj


# ------------------------------------------------------------------------------ decimal commas
@pytest.mark.parametrize("text,value", [
    ("1,5", 1.5), ("1.234,5", 1234.5), ("-1.000.000,25", -1000000.25), ("12", 12.0),
    ("1234,5", 1234.5), (",5", 0.5), ("1,5e3", 1500.0), ("NA", np.nan),
    ("12.5", None), ("1.23,5", None), ("1.2345", None), ("1,2,3", None), ("1.234.5", None),
])
def test_decimal_comma_strictness(text: str, value: float | None) -> None:
    problems: list = []
    out = _to_float(pd.Series([text], dtype=object), name="m", source="f", row_offset=2,
                    problems=problems, decimal=",")
    if value is None:
        assert problems and problems[0].value == text and problems[0].row == 2
    else:
        assert not problems
        np.testing.assert_equal(out.iloc[0], value)


def test_excel_numbers_are_not_text_and_booleans_are_errors() -> None:
    problems: list = []
    out = _to_float(pd.Series([12.5, "1,5", None, True], dtype=object), name="m", source="f",
                    row_offset=2, problems=problems, decimal=",")
    assert out.iloc[0] == 12.5 and out.iloc[1] == 1.5 and np.isnan(out.iloc[2])
    assert [p.row for p in problems] == [5] and problems[0].value is True


# ------------------------------------------------------------------------------ statistics
def test_skew_kurt_scaling_is_exact_and_overflow_safe() -> None:
    rng = np.random.default_rng(1)
    x = rng.lognormal(size=40)
    d = x - x.mean()  # the unscaled textbook formulas
    n = x.size
    g = np.sqrt(n) * np.sum(d**3) / np.sum(d**2) ** 1.5 * np.sqrt(n * (n - 1)) / (n - 2)
    assert skewness(x) == g  # bit for bit: scaling by a power of two is exact
    y = np.array([1.0, 2, 3, 4, 5, 6, 7, 1e308])
    assert np.isclose(skewness(y), np.sqrt(8)) and np.isclose(kurtosis(y), 8.0)
    ms = metric_stats(pd.DataFrame({"y": y}))
    assert np.isfinite(ms.loc["y", ["mean", "sd", "skew", "kurt"]].astype(float)).all()
    assert np.isclose(ms.loc["y", "mean"], 1.25e307)


# ------------------------------------------------------------------------------ outputs
def test_check_output(tmp_path: Path) -> None:
    f = tmp_path / "f.txt"
    f.write_text("x")
    with pytest.raises(OutputError, match="is a file"):
        check_output(f, folder=True)
    with pytest.raises(OutputError, match="is a folder"):
        check_output(tmp_path, folder=False)
    with pytest.raises(OutputError, match="f.txt is a file"):
        check_output(f / "sub" / "r.html", folder=False)
    with pytest.raises(OutputError, match="not empty"):
        check_output(tmp_path, folder=True)
    check_output(tmp_path / "new" / "deeper", folder=True)
    assert not (tmp_path / "new").exists()  # nothing created


def test_write_folder_adopts_files_atomically(tmp_path: Path) -> None:
    def writer(d: Path) -> list[Path]:
        (d / "b.csv").write_text("b")
        (d / "a.csv").write_text("a")
        return [d / "b.csv", d / "a.csv"]

    with OutputDir(tmp_path / "o", command="t") as out:
        paths = out.write_folder(writer)
        out.write_text("c.txt", "c")
        assert not (tmp_path / "o" / "b.csv").exists()
    assert [p.name for p in paths] == ["b.csv", "a.csv"]
    assert [f["name"] for f in read_manifest(tmp_path / "o")["files"]] == ["b.csv", "a.csv",
                                                                          "c.txt"]
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == [
        "a.csv", "b.csv", "c.txt", MANIFEST]

    def broken(d: Path) -> None:
        (d / "x.csv").write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), OutputDir(tmp_path / "p") as out:
        out.write_folder(broken)
    assert not any((tmp_path / "p").iterdir())
