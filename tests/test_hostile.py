"""Hostile and broken input (issue 13): the catalogue run through the CLI and the Python API,
and hypothesis strategies that generate malformed CSV text and YAML configs.

Every catalogue case (``hostile_cases.py``) runs in one test through both paths it has:

* **CLI**: ``aiindex.cli.main(argv)`` with captured output: the exit code, one ``aiindex ...``
  line naming the culprit (no "Traceback", no "internal error"), or the documented output;
* **API**: the Python call raises the expected :class:`~aiindex.errors.AIIndexError` subclass
  whose message names the culprit, or returns the documented result.

Both check that the caller's DataFrames are unchanged and that no partial output is left (no
``*.part*`` temporary, nothing under a final name that should not be there).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import aiindex
from aiindex.cli import main
from aiindex.errors import AIIndexError
from hostile_cases import CASES, Case, Spec, no_files

IDS = [f"{c.cls}:{c.id}" for c in CASES]


def _build(case: Case, tmp_path: Path, request: Any) -> Spec:
    if case.asem:
        request.getfixturevalue("asem_dir")
    return case.build(tmp_path)


def _no_partial(tmp_path: Path, spec: Spec) -> None:
    parts = [p for p in tmp_path.rglob("*") if ".part" in p.name]
    assert not parts, f"temporary files left: {parts}"
    for p in spec.absent:
        assert no_files(p), f"output left under a final name: {p}"


def _message_words(text: str, spec: Spec) -> None:
    low = text.lower()
    missing = [w for w in spec.match if w.lower() not in low]
    assert not missing, f"message does not name {missing}: {text!r}"


def test_catalogue_size_and_classes() -> None:
    assert len(CASES) >= 80
    from hostile_cases import CLASSES

    assert {c.cls for c in CASES} == set(CLASSES)


def _check_cli(spec: Spec, tmp: Path, monkeypatch: Any, capsys: Any) -> None:
    """The command line: exit code, one line naming the culprit (or the documented output), no
    traceback, the caller's frames unchanged, no partial output."""
    copies = [f.copy(deep=True) for f in spec.frames]
    capsys.readouterr()
    if spec.patch:
        spec.patch(monkeypatch)
    monkeypatch.delenv("AIINDEX_DEBUG", raising=False)
    t0 = time.perf_counter()
    try:
        code = main(spec.argv)
    except SystemExit as exc:  # argparse
        code = exc.code
    elapsed = time.perf_counter() - t0
    monkeypatch.undo()
    out, err = capsys.readouterr()
    assert "Traceback" not in err + out and "internal error" not in err
    if spec.max_seconds is not None:
        assert elapsed < spec.max_seconds, f"took {elapsed:.1f} s"
    assert code == spec.exit, f"exit {code}, expected {spec.exit}: {err or out}"
    if spec.outcome:
        if spec.check_cli:
            spec.check_cli(out)
    else:
        text = out if spec.stream == "stdout" else err
        lines = [ln for ln in text.splitlines() if ln.strip()]
        assert lines, "no message"
        if spec.stream == "stderr":
            assert lines[0].startswith(("aiindex", "usage:")), lines[0]
            if not spec.multi_line and not lines[0].startswith("usage:"):
                assert len(lines) == 1, f"more than one line: {text!r}"
        _message_words(text, spec)
    for a, b in zip(copies, spec.frames, strict=True):
        pd.testing.assert_frame_equal(a, b)
    _no_partial(tmp, spec)
    if spec.after:
        spec.after()


def _check_api(spec: Spec, tmp: Path, monkeypatch: Any) -> None:
    """The Python API: the expected AIIndexError subclass naming the culprit (or the documented
    result), the caller's frames unchanged, no partial output."""
    copies = [f.copy(deep=True) for f in spec.frames]
    if spec.patch:
        spec.patch(monkeypatch)
    t0 = time.perf_counter()
    if spec.outcome:
        result = spec.api()
        monkeypatch.undo()
        if spec.check is not None:
            spec.check(result)
    else:
        with pytest.raises(BaseException) as ei:
            spec.api()
        monkeypatch.undo()
        assert isinstance(ei.value, spec.exc), f"{type(ei.value).__name__}: {ei.value}"
        if spec.exc is not KeyboardInterrupt:
            assert isinstance(ei.value, AIIndexError)
            _message_words(str(ei.value), spec)
    if spec.max_seconds is not None:
        assert time.perf_counter() - t0 < spec.max_seconds
    for a, b in zip(copies, spec.frames, strict=True):
        pd.testing.assert_frame_equal(a, b)
    _no_partial(tmp, spec)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_case(case: Case, tmp_path: Path, request: Any, monkeypatch: Any, capsys: Any) -> None:
    """One bad input through the command line and through the Python API (each path the input
    has: ``--top`` exists only on the command line, a DataFrame only in Python), each built
    afresh in its own folder."""
    paths = []
    cli, api = tmp_path / "cli", tmp_path / "api"
    cli.mkdir()
    api.mkdir()
    spec = _build(case, cli, request)
    if spec.argv is not None:
        _check_cli(spec, cli, monkeypatch, capsys)
        paths.append("cli")
    spec = _build(case, api, request)
    if spec.api is not None:
        _check_api(spec, api, monkeypatch)
        paths.append("api")
    assert paths, "a case must run through the CLI, the API or both"


# ================================================================== hypothesis: malformed input
FW = {"code": "I", "children": [{"code": "D", "children": [{"code": "a"}, {"code": "b"}]},
                                {"code": "E", "children": [{"code": "c"}]}]}

_number = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False, width=32).map(lambda v: f"{v:g}"),
    st.integers(-10**6, 10**6).map(str))
_odd = st.sampled_from(["", "NA", "n/a", "-", "..", "inf", "-inf", "1e999", "nan", "abc", "1,5",
                        "1.234,5", "12%", "  7 ", "TRUE", "\u00e9", '"q"', "=1+1", "0x10",
                        "1e308", "-1e308"])


def _one_in(k: int) -> st.SearchStrategy[bool]:
    """True about once in ``k`` draws (False is the simple case hypothesis shrinks to)."""
    return st.sampled_from([False] * (k - 1) + [True])


@st.composite
def _cell(draw: Any) -> str:
    """Mostly a number (so that many files are valid and the result is checked), sometimes an
    odd text (a marker, garbage, an overflow, a decimal comma)."""
    return draw(_odd) if draw(_one_in(6)) else draw(_number)


@st.composite
def csv_texts(draw: Any) -> str:
    """A CSV text: a header (sometimes with a duplicate or a missing metric), sometimes ragged
    rows, odd separators, random cells."""
    header = ["uCode", "a", "b", "c"]
    if draw(_one_in(6)):
        header.append(draw(st.sampled_from(["a", "uName", "zz", "", "b"])))
    if draw(_one_in(10)):
        header.remove(draw(st.sampled_from(["a", "b", "c", "uCode"])))
    n = draw(st.sampled_from([2, 3, 4, 5, 6, 7, 0, 1]))
    rows = []
    for i in range(n):
        k = len(header) + (draw(st.sampled_from([-1, 1])) if draw(_one_in(15)) else 0)
        cells = [draw(_cell()) for _ in range(max(k - 1, 0))]
        code = draw(st.sampled_from(["", "U0", " U1 "])) if draw(_one_in(10)) else f"U{i}"
        rows.append([code, *cells])
    sep = draw(st.sampled_from([",", ",", ",", ";", "\t"]))
    text = "\n".join(sep.join(r) for r in [header, *rows]) + draw(st.sampled_from(["\n", ""]))
    return text


@st.composite
def raw_bytes(draw: Any) -> bytes:
    """The CSV text in an encoding (mostly UTF-8), or now and then random bytes."""
    text = draw(csv_texts())
    enc = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "latin-1", "utf-16", "utf-8-sig"]))
    data = text.encode(enc, errors="replace")
    if draw(_one_in(20)):
        data = draw(st.binary(min_size=1, max_size=200))
    return data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(data=raw_bytes(), decimal=st.sampled_from([".", ","]))
def test_malformed_csv_gives_clear_error_or_correct_result(tmp_path: Path, data: bytes,
                                                           decimal: str) -> None:
    p = tmp_path / "d.csv"
    p.write_bytes(data)
    cfg = {"name": "h", "framework": FW, "data": {"file": str(p), "decimal": decimal}}
    try:
        res = aiindex.run(cfg)
    except AIIndexError as exc:
        assert str(exc).strip()
        return
    raw = res.stages["raw"]
    # a correct result: every unit kept, and every score that is NaN comes from missing data
    assert len(raw) >= 2
    agg = res.stages["aggregated"]
    assert np.isfinite(agg.to_numpy()[~np.isnan(agg.to_numpy())]).all()
    for node in ("D", "E", "I"):
        leaves = res.framework.leaves_under(node)
        no_data = raw[leaves].isna().all(axis=1)
        assert (res.stages["aggregated"][node].isna() == no_data).all(), node


_key = st.sampled_from(["name", "framework", "data", "normalize", "aggregate", "treat", "impute",
                        "screen", "tiers", "weights", "notes", "normalise", "pooled", "min_share",
                        "method", "k", "x"])
_scalar = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(-2, 2),
                    st.sampled_from(["yes", "no", "off", "minmax", "zscore", "abc", "", "1",
                                     "jenks", "arithmetic", "geometric", "[", "{", "*a", "&a"]))
_value = st.recursive(_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(_key, inner, max_size=3)), max_leaves=6)
_wrong = st.sampled_from(["no", "yes", "3", "abc", None, [1], {"a": 1}, True, 2.5, float("nan")])


def _maybe(right: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a value of the right type, now and then one of the wrong type."""
    return st.one_of(right, right, right, _wrong)


@st.composite
def stage_configs(draw: Any) -> dict:
    """Configs with real methods and parameters, some of the wrong type or out of range."""
    cfg: dict[str, Any] = {}
    if draw(st.booleans()):
        cfg["normalize"] = {"method": draw(st.sampled_from(["minmax", "zscore", "rank",
                                                            "minmaxx"])),
                            **({"low": draw(_maybe(st.integers(-5, 5))),
                                "high": draw(_maybe(st.integers(6, 200)))}
                               if draw(st.booleans()) else {}),
                            **({"pooled": draw(_maybe(st.booleans()))}
                               if draw(st.booleans()) else {})}
    if draw(st.booleans()):
        cfg["aggregate"] = {"method": draw(st.sampled_from(["arithmetic", "geometric", "power",
                                                            "median"])),
                            "min_share": draw(_maybe(st.floats(-0.5, 1.5)))}
    if draw(st.booleans()):
        cfg["treat"] = {"method": draw(st.sampled_from(["winsorise", "none", "log_ct"]))}
        if cfg["treat"]["method"] == "winsorise":
            cfg["treat"].update(winmax=draw(_maybe(st.integers(0, 6))),
                                force_win=draw(_maybe(st.booleans())))
    if draw(st.booleans()):
        cfg["tiers"] = draw(st.sampled_from([
            {"method": "jenks", "k": draw(_maybe(st.integers(1, 6)))},
            {"method": "thresholds", "breaks": draw(_maybe(st.lists(st.floats(0, 100),
                                                                   min_size=1, max_size=3)))},
            {"method": "quantiles", "k": draw(_maybe(st.integers(1, 4)))}]))
    if draw(st.booleans()):
        cfg["weights"] = {"explicit": {"D": draw(_maybe(st.floats(0, 5))), "E": 1}}
    return cfg


_DF = pd.DataFrame({"uCode": ["A", "B", "C", "D", "E"], "a": [1.0, 2, 3, 4, 5],
                    "b": [5.0, 3, 4, 1, 2], "c": [2.0, 2.5, 1, 4, 3]})


def _config_outcome(p: Path) -> None:
    """Run the config file ``p`` on the complete data: a clear error, or finite scores for
    every unit (the data have no missing value, so no NaN may appear)."""
    df = _DF.copy()
    try:
        res = aiindex.run(str(p), data=df)
    except AIIndexError as exc:
        assert str(exc).strip()
    else:
        assert np.isfinite(res.scores.to_numpy()).all()
        assert np.isfinite(res.stages["normalized"].to_numpy()).all()
    pd.testing.assert_frame_equal(df, _DF)
    problems = aiindex.validate(str(p), data=df)  # never raises: every problem as a list
    assert isinstance(problems, list)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(cfg=stage_configs())
def test_typed_configs_give_clear_error_or_correct_result(tmp_path: Path, cfg: dict) -> None:
    import json

    p = tmp_path / "c.yaml"
    p.write_text(json.dumps({"name": "h", "framework": FW, **cfg}, allow_nan=True)
                 .replace("NaN", ".nan"))
    _config_outcome(p)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(extra=st.dictionaries(_key, _value, max_size=4), text_noise=st.sampled_from(
    ["", "", "\n: :", "\n- x", "\nkey: [", "\n\tx: 1", "\n&a x: *b"]))
def test_random_configs_give_clear_error_or_correct_result(tmp_path: Path, extra: dict,
                                                           text_noise: str) -> None:
    import json

    p = tmp_path / "c.yaml"
    p.write_text(json.dumps({"name": "h", "framework": FW, **extra}) + text_noise)
    _config_outcome(p)
