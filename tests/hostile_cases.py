"""A catalogue of hostile and broken inputs (issue 13), shared by ``test_hostile*.py``.

Every case builds its inputs in a temporary folder and says how to run them through the command
line (``argv`` for :func:`aiindex.cli.main`) and through the Python API (``api``), and what must
happen: a clear error (exit code, an :class:`aiindex.errors.AIIndexError` subclass, words that
name the culprit) or a documented result (``check``). Each case has a class label:

* ``traceback``: used to reach the user as a traceback or an "internal error";
* ``silent-number``: used to give a wrong number (or a NaN) without a word;
* ``script``: user text that could run as script in a page;
* ``formula``: user text that could become a live Excel formula;
* ``half-written``: an interrupted or refused write that could leave a file that looks complete;
* ``vague``: an error that did not name the real problem;
* ``resource``: input that could exhaust memory or time before any check.

The answer to "which bug does it catch?" is the case's docstring.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import aiindex
from aiindex.errors import AIIndexError, ConfigError, DataError, MethodError, ValidationError

ROOT = Path(__file__).resolve().parents[1]
CLASSES = ("traceback", "silent-number", "script", "formula", "half-written", "vague", "resource")

UNITS = ["AUT", "BEL", "CHE", "DEU", "ESP", "FRA", "GBR", "ITA"]
NAMES = ["Austria", "Belgium", "Switzerland", "Germany", "Spain", "France", "United Kingdom",
         "Italy"]
VALUES = {
    "m1": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
    "m2": [8.0, 6.0, 7.0, 5.0, 3.0, 4.0, 2.0, 1.0],
    "m3": [2.5, 3.5, 1.5, 4.5, 6.5, 5.5, 8.5, 7.5],
    "m4": [10.0, 20.0, 15.0, 30.0, 25.0, 40.0, 35.0, 50.0],
}
FW = {"code": "Idx", "name": "Test index", "children": [
    {"code": "D1", "name": "Dimension one", "children": [{"code": "m1"}, {"code": "m2"}]},
    {"code": "D2", "name": "Dimension two", "children": [{"code": "m3"}, {"code": "m4"}]}]}

#: markup that, if it ever ran, changes the page's title and marks <body data-pwned>
XSS = '<img src=x onerror="document.title=\'PWNED\';document.body.dataset.pwned=1">'


# ------------------------------------------------------------------------------------ the spec
@dataclass
class Spec:
    """How to run one bad input and what must happen (see the module docstring)."""

    argv: list[str] | None = None
    api: Callable[[], Any] | None = None
    match: tuple[str, ...] = ()
    exit: int = 2
    exc: type[BaseException] = AIIndexError
    check: Callable[[Any], None] | None = None
    check_cli: Callable[[str], None] | None = None
    frames: list[pd.DataFrame] = field(default_factory=list)
    absent: list[Path] = field(default_factory=list)
    stream: str = "stderr"  # where the CLI's message goes (validate: stdout)
    multi_line: bool = False
    patch: Callable[[Any], None] | None = None  # gets pytest's monkeypatch
    max_seconds: float | None = None
    after: Callable[[], None] | None = None  # extra checks once both paths ran

    @property
    def outcome(self) -> bool:
        """True for a defined result (the API call succeeds), False for an expected error."""
        return self.check is not None or self.check_cli is not None


@dataclass
class Case:
    id: str
    cls: str
    build: Callable[[Path], Spec]
    asem: bool = False

    @property
    def doc(self) -> str:
        return (self.build.__doc__ or "").strip()


CASES: list[Case] = []


def case(cid: str, cls: str, *, asem: bool = False) -> Callable[[Callable[[Path], Spec]], Any]:
    assert cls in CLASSES, cls

    def deco(fn: Callable[[Path], Spec]) -> Callable[[Path], Spec]:
        assert fn.__doc__, f"case {cid} must say which bug it catches"
        assert cid not in {c.id for c in CASES}, cid
        CASES.append(Case(cid, cls, fn, asem))
        return fn

    return deco


# ------------------------------------------------------------------------------------ builders
def frame(**cols: Any) -> pd.DataFrame:
    """The small made-up dataset (8 units, 4 metrics), with columns replaced or added."""
    d: dict[str, Any] = {"uCode": list(UNITS), "uName": list(NAMES)}
    d.update({k: list(v) for k, v in VALUES.items()})
    for k, v in cols.items():
        if v is None:
            d.pop(k, None)
        else:
            d[k] = v
    return pd.DataFrame(d)


def cfg_dict(framework: Any = None, **sections: Any) -> dict[str, Any]:
    """A config mapping with the small framework (the data are passed separately)."""
    out: dict[str, Any] = {"name": "Hostile test", "framework": framework or FW}
    out.update(sections)
    return out


def comma_frame(**cols: Any) -> pd.DataFrame:
    """The small dataset with numbers written with decimal commas (``2,5``)."""
    df = frame()
    for m in VALUES:
        df[m] = [f"{v:g}".replace(".", ",") for v in df[m]]
    for k, v in cols.items():
        df[k] = v
    return df


def write_csv(t: Path, df: pd.DataFrame, name: str = "data.csv", **kw: Any) -> Path:
    p = t / name
    df.to_csv(p, index=False, **kw)
    return p


def write_cfg(t: Path, data: str | dict | None = "data.csv", name: str = "cfg.yaml",
              **sections: Any) -> Path:
    """Write a config (JSON is YAML 1.2) next to its data; ``data=None`` leaves it out."""
    cfg = cfg_dict(**sections)
    if data is not None:
        cfg["data"] = {"file": data} if isinstance(data, str) else data
    p = t / name
    p.write_text(json.dumps(cfg, indent=1), encoding="utf-8")
    return p


def std(t: Path, df: pd.DataFrame | None = None, **sections: Any) -> Path:
    """The small dataset as ``data.csv`` and a config ``cfg.yaml`` pointing at it."""
    write_csv(t, frame() if df is None else df)
    return write_cfg(t, **sections)


def run_api(cfg: Any, data: Any = None, **kw: Any) -> Callable[[], Any]:
    return lambda: aiindex.run(str(cfg) if isinstance(cfg, Path) else cfg, data=data, **kw)


def validate_api(cfg: Any, data: Any = None) -> Callable[[], Any]:
    """``aiindex.validate``: its problems raised as one ValidationError (for the checks)."""

    def call() -> None:
        problems = aiindex.validate(str(cfg) if isinstance(cfg, Path) else cfg, data=data)
        if problems:
            raise ValidationError(problems, title="validate")

    return call


def asem_cfg(t: Path, name: str = "asem.yaml", data_file: str | None = None, **over: Any) -> Path:
    """configs/asem.yaml with absolute paths (and ``over`` deep-merged), written to ``t``."""
    from aiindex.config import deep_merge
    from aiindex.yamlio import load_yaml
    from conftest import shared_path

    d = shared_path("asem")
    base = load_yaml(ROOT / "configs" / "asem.yaml")
    base["framework"] = {"file": str(d / "iMeta.csv")}
    base["data"] = {**base["data"], "file": data_file or str(d / "iData.csv")}
    cfg = deep_merge(base, over)
    p = t / name
    p.write_text(json.dumps(cfg, indent=1), encoding="utf-8")
    return p


def asem_data(t: Path) -> pd.DataFrame:
    from conftest import shared_path

    return pd.read_csv(shared_path("asem", "iData.csv"), dtype=str, keep_default_na=False)


def ro_place(t: Path) -> Path:
    """A folder where nothing can be written (a read-only folder; as root, under /sys)."""
    ro = t / "readonly"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        (ro / ".probe").touch()
    except PermissionError:
        return ro / "out"
    (ro / ".probe").unlink()
    ro.chmod(0o755)
    return Path("/sys/aiindex-hostile-test/out")


def interrupt_on_call(target: str, n: int = 1) -> Callable[[Any], None]:
    """A patch: the ``n``-th call of ``target`` (e.g. ``pandas.DataFrame.to_csv``) does its work
    and then raises KeyboardInterrupt, as a Ctrl-C in the middle of writing would."""
    mod_name, _, attr = target.rpartition(".")

    def patch(mp: Any) -> None:
        import importlib

        parts = mod_name.split(".")
        for i in range(len(parts), 0, -1):
            try:
                owner: Any = importlib.import_module(".".join(parts[:i]))
            except ModuleNotFoundError:
                continue
            for p in parts[i:]:
                owner = getattr(owner, p)
            break
        orig = getattr(owner, attr)
        calls = {"n": 0}

        def wrapper(*a: Any, **k: Any) -> Any:
            out = orig(*a, **k)
            calls["n"] += 1
            if calls["n"] == n:
                raise KeyboardInterrupt
            return out

        mp.setattr(owner, attr, wrapper)

    return patch


def no_files(p: Path) -> bool:
    return not p.exists() or (p.is_dir() and not any(x.is_file() for x in p.rglob("*")))


def _has(text: str, *words: str) -> None:
    low = text.lower()
    for w in words:
        assert w.lower() in low, f"{w!r} not in {text!r}"


# ============================================================================ traceback
@case("empty_file", "traceback")
def _(t: Path) -> Spec:
    """An empty (0-byte) data file: pandas' EmptyDataError reached the user."""
    (t / "data.csv").write_text("")
    cfg = write_cfg(t)
    return Spec(["run", str(cfg)], run_api(cfg), ("data.csv", "empty"), exc=DataError)


@case("latin1_csv", "traceback")
def _(t: Path) -> Spec:
    """A latin-1 CSV: a UnicodeDecodeError without the option that fixes it."""
    df = frame(uName=["Österreich", *NAMES[1:]])
    write_csv(t, df, encoding="latin-1")
    cfg = write_cfg(t)
    return Spec(["run", str(cfg)], run_api(cfg), ("data.csv", "UTF-8", "data.encoding"),
                exc=DataError)


@case("latin1_csv_with_encoding", "traceback")
def _(t: Path) -> Spec:
    """``data.encoding: latin-1`` reads the latin-1 file (the option named by the error exists)."""
    df = frame(uName=["Österreich", *NAMES[1:]])
    write_csv(t, df, encoding="latin-1")
    cfg = write_cfg(t, data={"file": "data.csv", "encoding": "latin-1"})

    def check(res: Any) -> None:
        assert res.names["AUT"] == "Österreich"

    return Spec(["run", str(cfg)], run_api(cfg), check=check, exit=0,
                check_cli=lambda out: _has(out, "Österreich"))


@case("unknown_encoding", "traceback")
def _(t: Path) -> Spec:
    """``data.encoding: klingon``: Python's LookupError surfaced as an internal error."""
    cfg = std(t, data={"file": "data.csv", "encoding": "klingon"})
    return Spec(["run", str(cfg)], run_api(cfg), ("klingon", "encoding"))


@case("binary_as_csv", "traceback")
def _(t: Path) -> Spec:
    """A binary file (PNG bytes) named .csv: decode errors or garbage columns."""
    (t / "data.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01" * 20)
    cfg = write_cfg(t)
    return Spec(["run", str(cfg)], run_api(cfg), ("data.csv",), exc=DataError)


@case("missing_excel_sheet", "traceback")
def _(t: Path) -> Spec:
    """``data.sheet`` names a sheet the workbook lacks: pandas' ValueError reached the user."""
    with pd.ExcelWriter(t / "data.xlsx") as xw:
        frame().to_excel(xw, sheet_name="Data", index=False)
        pd.DataFrame({"note": ["hello"]}).to_excel(xw, sheet_name="README", index=False)
    cfg = write_cfg(t, data={"file": "data.xlsx", "sheet": "Dat"})
    return Spec(["run", str(cfg)], run_api(cfg), ("'Dat'", "Data", "README"), exc=DataError)


@case("excel_not_a_zip", "traceback")
def _(t: Path) -> Spec:
    """A text file named .xlsx: zipfile.BadZipFile reached the user."""
    (t / "data.xlsx").write_text("uCode,m1\nAUT,1\n")
    cfg = write_cfg(t, data="data.xlsx")
    return Spec(["run", str(cfg)], run_api(cfg), ("data.xlsx", "Excel"), exc=DataError)


@case("unsupported_suffix", "traceback")
def _(t: Path) -> Spec:
    """A data file of a type aiindex does not read (.parquet) was parsed as CSV."""
    (t / "data.parquet").write_bytes(b"PAR1\x00\x01\x02garbage")
    cfg = write_cfg(t, data="data.parquet")
    return Spec(["run", str(cfg)], run_api(cfg), ("data.parquet", ".csv", ".xlsx"),
                exc=DataError)


@case("data_is_a_folder", "traceback")
def _(t: Path) -> Spec:
    """``--data`` pointing at a folder: IsADirectoryError."""
    cfg = std(t)
    (t / "folder").mkdir()
    return Spec(["run", str(cfg), "--data", str(t / "folder")],
                run_api(cfg, data=str(t / "folder")), ("folder", "data"), exc=DataError)


@case("data_missing_file", "traceback")
def _(t: Path) -> Spec:
    """``--data`` naming a file that does not exist."""
    cfg = std(t)
    return Spec(["run", str(cfg), "--data", str(t / "nope.csv")],
                run_api(cfg, data=str(t / "nope.csv")), ("nope.csv", "not found"))


@case("config_missing_file", "traceback")
def _(t: Path) -> Spec:
    """A config path that does not exist."""
    p = t / "nope.yaml"
    return Spec(["run", str(p)], run_api(p), ("nope.yaml", "not found"))


@case("config_is_a_folder", "traceback")
def _(t: Path) -> Spec:
    """A config path that is a folder."""
    (t / "cfgdir").mkdir()
    return Spec(["run", str(t / "cfgdir")], run_api(t / "cfgdir"), ("cfgdir", "folder"))


@case("yaml_syntax_error", "traceback")
def _(t: Path) -> Spec:
    """A YAML syntax error: the message must give the file and the line."""
    write_csv(t, frame())
    p = t / "cfg.yaml"
    p.write_text("name: x\nframework: {code: I, children: [\ndata: data.csv\n")
    return Spec(["run", str(p)], run_api(p), ("cfg.yaml", "line"), exc=ConfigError)


@case("yaml_tab_indent", "traceback")
def _(t: Path) -> Spec:
    """A tab used for indentation (a YAML scanner error)."""
    p = t / "cfg.yaml"
    p.write_text("name: x\nnormalize:\n\tmethod: minmax\n")
    return Spec(["validate", str(p)], validate_api(p), ("cfg.yaml", "line"), exit=1,
                stream="stdout", multi_line=True)


@case("config_not_mapping", "traceback")
def _(t: Path) -> Spec:
    """A config whose top level is a list."""
    p = t / "cfg.yaml"
    p.write_text("- a\n- b\n")
    return Spec(["run", str(p)], run_api(p), ("cfg.yaml", "mapping"))


@case("config_latin1", "traceback")
def _(t: Path) -> Spec:
    """A config file saved as latin-1 (not UTF-8): a UnicodeDecodeError."""
    p = t / "cfg.yaml"
    p.write_bytes("name: Índice\nframework: {code: I}\n".encode("latin-1"))
    return Spec(["run", str(p)], run_api(p), ("cfg.yaml", "UTF-8"), exc=ConfigError)


@case("config_nul_bytes", "traceback")
def _(t: Path) -> Spec:
    """A config containing NUL bytes (a binary file given as a config)."""
    p = t / "cfg.yaml"
    p.write_bytes(b"name: x\x00\x00\nframework: 3\n")
    return Spec(["run", str(p)], run_api(p), ("cfg.yaml",), exc=ConfigError)


@case("min_share_text", "traceback")
def _(t: Path) -> Spec:
    """``aggregate.min_share: abc``: float('abc') in the middle of aggregation."""
    cfg = std(t, aggregate={"method": "arithmetic", "min_share": "abc"})
    return Spec(["run", str(cfg)], run_api(cfg), ("min_share", "abc", "number"))


@case("min_share_text_validate", "traceback")
def _(t: Path) -> Spec:
    """``validate`` reports a wrongly typed option together with the other problems."""
    cfg = std(t, aggregate={"method": "arithmetic", "min_share": "abc"},
              normalize={"method": "minmax", "low": "zero", "high": 100})
    return Spec(["validate", str(cfg)], validate_api(cfg),
                ("min_share", "abc", "normalize.low", "zero"), exit=1, stream="stdout",
                multi_line=True)


@case("param_wrong_type_low", "traceback")
def _(t: Path) -> Spec:
    """``normalize.low: zero``: a TypeError/ValueError deep inside the normaliser."""
    cfg = std(t, normalize={"method": "minmax", "low": "zero", "high": 100})
    return Spec(["run", str(cfg)], run_api(cfg), ("low", "zero", "number"))


@case("winmax_text", "traceback")
def _(t: Path) -> Spec:
    """``treat.winmax: "3"`` (a quoted string) compared with an int."""
    cfg = std(t, treat={"method": "winsorise", "winmax": "3"})
    return Spec(["run", str(cfg)], run_api(cfg), ("winmax", "'3'", "integer"))


@case("tiers_k_float", "traceback")
def _(t: Path) -> Spec:
    """``tiers.k: 2.5``: a fractional number of tiers."""
    cfg = std(t, tiers={"method": "jenks", "k": 2.5})
    return Spec(["run", str(cfg)], run_api(cfg), ("k", "2.5", "integer"))


@case("tiers_breaks_text", "traceback")
def _(t: Path) -> Spec:
    """``tiers.breaks: [high, low]``: text where numbers are needed."""
    cfg = std(t, tiers={"method": "thresholds", "breaks": ["high", "low"]})
    return Spec(["run", str(cfg)], run_api(cfg), ("breaks", "high", "number"))


@case("data_section_wrong_type", "traceback")
def _(t: Path) -> Spec:
    """``data.groups: EurAsia`` (a string where a list is needed) was iterated letter by letter."""
    cfg = std(t, data={"file": "data.csv", "groups": "EurAsia"})
    return Spec(["run", str(cfg)], run_api(cfg), ("data.groups", "EurAsia", "list"))


@case("inf_published_score", "traceback")
def _(t: Path) -> Spec:
    """An ``inf`` published score for calibrate: an optimiser failure with a traceback."""
    cfg = std(t)
    pub = t / "pub.csv"
    pub.write_text("uCode,score\nAUT,50\nBEL,inf\nCHE,40\n")

    def api() -> Any:
        from aiindex.analysis.calibrate import read_published

        return read_published(pub)

    return Spec(["calibrate", str(cfg), "--published", str(pub)], api,
                ("pub.csv", "BEL", "inf"), exc=DataError)


@case("published_empty", "traceback")
def _(t: Path) -> Spec:
    """An empty published-scores file: EmptyDataError."""
    cfg = std(t)
    pub = t / "pub.csv"
    pub.write_text("")

    def api() -> Any:
        from aiindex.analysis.calibrate import read_published

        return read_published(pub)

    return Spec(["calibrate", str(cfg), "--published", str(pub)], api, ("pub.csv", "empty"),
                exc=DataError)


@case("published_duplicate_unit", "silent-number")
def _(t: Path) -> Spec:
    """A unit listed twice in the published scores (which one is fitted?)."""
    cfg = std(t)
    pub = t / "pub.csv"
    pub.write_text("uCode,score\nAUT,50\nAUT,60\nCHE,40\n")

    def api() -> Any:
        from aiindex.analysis.calibrate import read_published

        return read_published(pub)

    return Spec(["calibrate", str(cfg), "--published", str(pub)], api,
                ("pub.csv", "AUT", "twice"), exc=DataError)


@case("scenario_weight_text", "traceback")
def _(t: Path) -> Spec:
    """A scenario weight ``heavy``: float('heavy') raised a ValueError traceback."""
    cfg = std(t)
    sc = t / "sc.yaml"
    sc.write_text("name: s\nweights: {explicit: {D1: heavy}}\n")
    return Spec(["whatif", str(cfg), str(sc)], lambda: aiindex.whatif(str(cfg), [sc]),
                ("D1", "heavy", "number"))


@case("scenario_yaml_error", "traceback")
def _(t: Path) -> Spec:
    """A scenario file with a YAML syntax error."""
    cfg = std(t)
    sc = t / "sc.yaml"
    sc.write_text("name: s\nweights: {D1: [\n")
    return Spec(["whatif", str(cfg), str(sc)], lambda: aiindex.whatif(str(cfg), [sc]),
                ("sc.yaml", "line"))


@case("out_is_a_file", "traceback")
def _(t: Path) -> Spec:
    """``run --out`` naming an existing file: mkdir raised FileExistsError."""
    cfg = std(t)
    f = t / "taken.txt"
    f.write_text("precious")

    def after() -> None:
        assert f.read_text() == "precious"

    return Spec(["run", str(cfg), "--out", str(f)],
                lambda: aiindex.run(str(cfg)).to_csv(f), ("taken.txt", "file"), after=after)


@case("out_under_a_file", "traceback")
def _(t: Path) -> Spec:
    """``run --out file.txt/sub``: NotADirectoryError."""
    cfg = std(t)
    f = t / "taken.txt"
    f.write_text("precious")
    return Spec(["run", str(cfg), "--out", str(f / "sub")],
                lambda: aiindex.run(str(cfg)).to_csv(f / "sub"), ("taken.txt",))


@case("out_read_only", "traceback")
def _(t: Path) -> Spec:
    """``run --out`` in a read-only place: PermissionError."""
    cfg = std(t)
    out = ro_place(t)
    return Spec(["run", str(cfg), "--out", str(out)],
                lambda: aiindex.run(str(cfg)).to_csv(out), (str(out), "cannot write"))


@case("report_out_read_only", "traceback")
def _(t: Path) -> Spec:
    """``report --out`` in a read-only place."""
    cfg = std(t)
    out = ro_place(t) / "r.html"

    def api() -> Any:
        from aiindex.outputs.report import write_report

        return write_report(aiindex.run(str(cfg)), out, charts=False)

    return Spec(["report", str(cfg), "--no-charts", "--out", str(out)], api,
                ("r.html", "cannot write"))


@case("report_out_is_folder", "traceback")
def _(t: Path) -> Spec:
    """``report --out`` naming a folder."""
    cfg = std(t)
    (t / "rep").mkdir()

    def api() -> Any:
        from aiindex.outputs.report import write_report

        return write_report(aiindex.run(str(cfg)), t / "rep", charts=False)

    return Spec(["report", str(cfg), "--no-charts", "--out", str(t / "rep")], api,
                ("rep", "folder"))


@case("ragged_row", "traceback")
def _(t: Path) -> Spec:
    """A CSV row with more fields than the header: pandas' ParserError."""
    text = frame().to_csv(index=False).splitlines()
    text[3] += ",99,100"
    (t / "data.csv").write_text("\n".join(text) + "\n")
    cfg = write_cfg(t)
    return Spec(["run", str(cfg)], run_api(cfg), ("data.csv", "line 4", "fields"),
                exc=DataError)


@case("xls_old_format", "traceback")
def _(t: Path) -> Spec:
    """An old .xls file: needs xlrd (ImportError) or fails as a corrupt file."""
    (t / "data.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    cfg = write_cfg(t, data="data.xls")
    return Spec(["run", str(cfg)], run_api(cfg), ("data.xls", ".xlsx"), exc=DataError)


@case("framework_number", "traceback")
def _(t: Path) -> Spec:
    """``framework: 3``: a number where a tree is expected."""
    write_csv(t, frame())
    p = t / "cfg.yaml"
    p.write_text("name: x\nframework: 3\ndata: data.csv\n")
    return Spec(["run", str(p)], run_api(p), ("framework",))


@case("set_without_equals", "traceback")
def _(t: Path) -> Spec:
    """``--set normalize.method`` without ``=VALUE``."""
    cfg = std(t)
    return Spec(["run", str(cfg), "--set", "normalize.method"],
                lambda: aiindex.run(str(cfg), overrides={"normalize": "bogus"}),
                ("normalize",))


@case("set_yaml_error", "traceback")
def _(t: Path) -> Spec:
    """``--set aggregate.min_share=[``: a YAML error inside --set."""
    cfg = std(t)
    return Spec(["run", str(cfg), "--set", "aggregate.min_share=["],
                lambda: aiindex.run(str(cfg), overrides={"aggregate": {"min_share": "["}}),
                ("min_share",))


@case("denominator_zero", "traceback")
def _(t: Path) -> Spec:
    """A denominator of 0 made an infinite ratio."""
    fw = {"code": "Idx", "children": [
        {"code": "D1", "children": [{"code": "m1", "denominator": "pop"}, {"code": "m2"}]},
        {"code": "D2", "children": [{"code": "m3"}, {"code": "m4"}]}]}
    df = frame(pop=[10.0, 0.0, 5.0, 3.0, 2.0, 8.0, 4.0, 6.0])
    cfg = cfg_dict(framework=fw, denominate={"method": "divide"})
    return Spec(None, run_api(cfg, data=df), ("m1", "BEL", "denominator"), frames=[df])


@case("trends_cross_section", "traceback")
def _(t: Path) -> Spec:
    """``trends`` on data without years."""
    cfg = std(t)
    return Spec(["trends", str(cfg)], lambda: aiindex.run_panel(str(cfg)), ("year",))


@case("trends_top_negative", "silent-number")
def _(t: Path) -> Spec:
    """``trends --top -3`` printed all but 3 rows."""
    cfg = std(t)
    return Spec(["trends", str(cfg), "--top", "-3"], None, ("--top", "-3"))


@case("whatif_top_negative", "silent-number")
def _(t: Path) -> Spec:
    """``whatif --top -3`` printed all but 3 rows of movers."""
    cfg = std(t)
    sc = t / "sc.yaml"
    sc.write_text("weights: {explicit: {D1: 2}}\n")
    return Spec(["whatif", str(cfg), str(sc), "--top", "-3"], None, ("--top", "-3"))


@case("run_top_negative", "silent-number")
def _(t: Path) -> Spec:
    """``run --top -3`` printed all but 3 rows."""
    cfg = std(t)
    return Spec(["run", str(cfg), "--top", "-3"], None, ("--top", "-3"))


# ============================================================================ silent numbers
@case("header_only", "silent-number")
def _(t: Path) -> Spec:
    """A header-only file "succeeded" with 0 units."""
    (t / "data.csv").write_text("uCode,uName,m1,m2,m3,m4\n")
    cfg = write_cfg(t)
    return Spec(["run", str(cfg)], run_api(cfg), ("data.csv", "no rows"), exc=DataError)


@case("empty_dataframe", "silent-number")
def _(t: Path) -> Spec:
    """An API DataFrame with the columns but no rows."""
    df = frame().iloc[0:0]
    return Spec(None, run_api(cfg_dict(), data=df), ("no rows",), frames=[df])


@case("duplicate_column_csv", "silent-number")
def _(t: Path) -> Spec:
    """A duplicated column name: pandas renamed the second to ``m2.1`` and used the first."""
    text = frame().to_csv(index=False).replace("m4", "m2", 1)
    (t / "data.csv").write_text(text)
    cfg = write_cfg(t)
    return Spec(["run", str(cfg)], run_api(cfg), ("data.csv", "'m2'", "4", "6"),
                exc=DataError)


@case("duplicate_column_excel", "silent-number")
def _(t: Path) -> Spec:
    """A duplicated column name in an Excel sheet."""
    df = frame()
    df.columns = ["uCode", "uName", "m1", "m2", "m3", "m2"]
    df.to_excel(t / "data.xlsx", index=False)
    cfg = write_cfg(t, data="data.xlsx")
    return Spec(["run", str(cfg)], run_api(cfg), ("data.xlsx", "'m2'", "duplicate"),
                exc=DataError)


@case("duplicate_column_dataframe", "silent-number")
def _(t: Path) -> Spec:
    """A DataFrame with a duplicated column label (``df['m2']`` is then a table)."""
    df = frame()
    df.columns = ["uCode", "uName", "m1", "m2", "m3", "m2"]
    return Spec(None, run_api(cfg_dict(), data=df), ("'m2'", "duplicate"), frames=[df])


@case("decimal_comma_stray_point", "silent-number")
def _(t: Path) -> Spec:
    """``data.decimal: ','`` turned a stray ``12.5`` into 125."""
    df = comma_frame(m1=["1,5", "2,5", "12.5", "4", "5", "6", "7", "8"])
    write_csv(t, df, sep=";")
    cfg = write_cfg(t, data={"file": "data.csv", "decimal": ","})
    return Spec(["run", str(cfg)], run_api(cfg), ("12.5", "m1", "decimal"))


@case("decimal_comma_bad_group", "silent-number")
def _(t: Path) -> Spec:
    """``1.23,5`` is not a thousands group of three digits (was read as 123.5)."""
    df = comma_frame(m1=["1,5", "2,5", "1.23,5", "4", "5", "6", "7", "8"])
    write_csv(t, df, sep=";")
    cfg = write_cfg(t, data={"file": "data.csv", "decimal": ","})
    return Spec(["run", str(cfg)], run_api(cfg), ("1.23,5", "m1"))


@case("decimal_comma_thousands_ok", "silent-number")
def _(t: Path) -> Spec:
    """``1.234,5`` with ``data.decimal: ','`` is 1234.5 (groups of exactly three digits)."""
    df = comma_frame(m1=["1.234,5", "2,5", "3", "4", "5", "6", "-1.000.000,25", "8"])
    write_csv(t, df, sep=";")
    cfg = write_cfg(t, data={"file": "data.csv", "decimal": ","})

    def check(res: Any) -> None:
        raw = res.stages["raw"]["m1"]
        assert raw["AUT"] == 1234.5 and raw["BEL"] == 2.5 and raw["GBR"] == -1000000.25

    return Spec(["run", str(cfg)], run_api(cfg), check=check, exit=0)


@case("decimal_invalid_mark", "silent-number")
def _(t: Path) -> Spec:
    """``data.decimal: ';'``: an unusable decimal mark."""
    cfg = std(t, data={"file": "data.csv", "decimal": ";"})
    return Spec(["run", str(cfg)], run_api(cfg), ("data.decimal", "';'"))


@case("all_missing_metric", "silent-number")
def _(t: Path) -> Spec:
    """A metric with no value at all dropped out and its siblings were silently re-weighted."""
    df = frame(m2=[np.nan] * 8)
    return Spec(None, run_api(cfg_dict(), data=df), ("m2", "no data"), frames=[df])


@case("all_missing_metric_csv", "silent-number")
def _(t: Path) -> Spec:
    """The same in a file through the command line (all cells ``NA``)."""
    cfg = std(t, frame(m3=["NA"] * 8))
    return Spec(["run", str(cfg)], run_api(cfg), ("m3", "no data"))


@case("all_missing_unit", "silent-number")
def _(t: Path) -> Spec:
    """A unit with no value for any metric got a missing score without a word."""
    df = frame()
    df.loc[2, ["m1", "m2", "m3", "m4"]] = np.nan
    return Spec(None, run_api(cfg_dict(), data=df), ("CHE", "no data"), frames=[df])


@case("outlier_1e308", "silent-number")
def _(t: Path) -> Spec:
    """A 1e308 outlier overflowed skew/kurtosis to NaN, so the treatment was skipped."""
    df = frame(m1=[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 1e308],
               m2=[1.0, 2.0, 1.5, 2.5, 3.0, 2.0, 1.0, 2.0])
    cfg = cfg_dict(treat={"method": "winsorise", "winmax": 5})

    def check(res: Any) -> None:
        t_ = res.info["treat"]["treatment"].loc["m1"]
        assert np.isfinite(t_["skew_before"]) and np.isfinite(t_["kurt_before"])
        assert t_["n_winsorised"] >= 1 or t_["log_applied"]
        assert res.stages["treated"]["m1"].max() < 1e300
        assert np.isfinite(res.scores.to_numpy()).all()

    return Spec(None, run_api(cfg, data=df), check=check, frames=[df])


@case("outlier_huge_negative_and_positive", "silent-number")
def _(t: Path) -> Spec:
    """Values of -1e308 and 1e308: max - min overflows in min-max; the NaN it made must be a
    clear error naming the method, metric and units, never a NaN score."""
    df = frame(m1=[-1e308, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 1e308])
    return Spec(None, run_api(cfg_dict(), data=df), ("minmax", "m1", "ITA"), exc=MethodError,
                frames=[df])


@case("skew_stats_1e308", "silent-number")
def _(t: Path) -> Spec:
    """``aiindex stats`` on a 1e308 outlier: skew and kurtosis must not be NaN."""
    cfg = std(t, frame(m1=[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 1e308]))

    def api() -> Any:
        return aiindex.metric_stats(aiindex.run(str(cfg)).stages["raw"])

    def check(ms: Any) -> None:
        assert np.isfinite(ms.loc["m1", "skew"]) and ms.loc["m1", "outlier"]
        assert abs(ms.loc["m1", "skew"] - np.sqrt(8)) < 1e-9

    return Spec(["stats", str(cfg)], api, check=check, exit=0,
                check_cli=lambda out: _has(out, "m1"))


@case("single_unit", "silent-number")
def _(t: Path) -> Spec:
    """One unit got index 50 and rank 1 silently."""
    df = frame().iloc[:1]
    return Spec(None, run_api(cfg_dict(), data=df), ("1 unit", "AUT", "at least 2"),
                frames=[df])


@case("single_unit_csv", "silent-number")
def _(t: Path) -> Spec:
    """The same through the command line."""
    cfg = std(t, frame().iloc[:1])
    return Spec(["run", str(cfg)], run_api(cfg), ("1 unit", "at least 2"))


@case("screen_drops_all", "silent-number")
def _(t: Path) -> Spec:
    """A screen that removes every unit left an empty index."""
    df = frame(m1=[np.nan] * 7 + [1.0])
    cfg = cfg_dict(screen={"method": "availability", "min_share": 1.0})
    return Spec(None, run_api(cfg, data=df), ("screen", "unit"), frames=[df])


@case("year_without_time_column", "silent-number")
def _(t: Path) -> Spec:
    """``data.year: 2020`` was ignored when the data have no time column."""
    cfg = std(t, data={"file": "data.csv", "year": 2020})
    return Spec(["run", str(cfg)], run_api(cfg), ("data.year", "2020", "Time"))


@case("year_not_in_single_year_data", "silent-number")
def _(t: Path) -> Spec:
    """``data.year: 2020`` with data of 2018 only was ignored."""
    cfg = std(t, frame(Time=[2018] * 8), data={"file": "data.csv", "year": 2020})
    return Spec(["run", str(cfg)], run_api(cfg), ("2020", "2018"))


@case("year_fractional", "silent-number")
def _(t: Path) -> Spec:
    """A year of 2018.5 was truncated to 2018."""
    cfg = std(t, frame(Time=[2018.5] + [2018] * 7))
    return Spec(["run", str(cfg)], run_api(cfg), ("Time", "2018.5"))


@case("year_text_in_config", "silent-number")
def _(t: Path) -> Spec:
    """``data.year: soon``: neither a year nor latest/all."""
    cfg = std(t, frame(Time=[2018] * 4 + [2019] * 4, uCode=UNITS[:4] * 2),
              data={"file": "data.csv", "year": "soon"})
    return Spec(["run", str(cfg)], run_api(cfg), ("data.year", "soon"))


@case("inf_in_csv", "silent-number")
def _(t: Path) -> Spec:
    """An ``inf`` cell in the data."""
    cfg = std(t, frame(m3=["inf", 1, 2, 3, 4, 5, 6, 7]))
    return Spec(["run", str(cfg)], run_api(cfg), ("m3", "inf"))


@case("overflowing_number_in_csv", "silent-number")
def _(t: Path) -> Spec:
    """``1e999`` parses to inf."""
    cfg = std(t, frame(m3=["1e999", 1, 2, 3, 4, 5, 6, 7]))
    return Spec(["run", str(cfg)], run_api(cfg), ("m3", "1e999"))


@case("inf_in_dataframe", "silent-number")
def _(t: Path) -> Spec:
    """``-inf`` in an API DataFrame."""
    df = frame(m4=[-np.inf, 1, 2, 3, 4, 5, 6, 7.0])
    return Spec(None, run_api(cfg_dict(), data=df), ("m4", "infinite"), frames=[df])


@case("nan_text_is_missing", "silent-number")
def _(t: Path) -> Spec:
    """``NaN`` text is a documented missing marker; the unit's score uses its other metrics."""
    cfg = std(t, frame(m1=["NaN", 2, 3, 4, 5, 6, 7, 8]))

    def check(res: Any) -> None:
        assert np.isnan(res.stages["raw"].loc["AUT", "m1"])
        assert np.isfinite(res.index["AUT"])

    return Spec(["run", str(cfg)], run_api(cfg), check=check, exit=0)


@case("thousands_comma_point_decimal", "silent-number")
def _(t: Path) -> Spec:
    """``1,234`` in a point-decimal file is ambiguous (an error, not 1234 or 1.234)."""
    cfg = std(t, frame(m1=["1,234", 2, 3, 4, 5, 6, 7, 8]))
    return Spec(["run", str(cfg)], run_api(cfg), ("m1", "1,234"))


@case("boolean_yes_pooled", "silent-number")
def _(t: Path) -> Spec:
    """``pooled: no`` (a string in YAML 1.2) was truthy: pooled bounds silently."""
    write_csv(t, frame())
    p = t / "cfg.yaml"
    p.write_text("name: x\nframework: " + json.dumps(FW) + "\ndata: data.csv\n"
                 "normalize: {method: minmax, pooled: no}\n")
    return Spec(["run", str(p)], run_api(p), ("pooled", "'no'", "true", "false"))


@case("boolean_force_win", "silent-number")
def _(t: Path) -> Spec:
    """``force_win: no`` was truthy: winsorised anyway."""
    write_csv(t, frame())
    p = t / "cfg.yaml"
    p.write_text("name: x\nframework: " + json.dumps(FW) + "\ndata: data.csv\n"
                 "treat: {method: winsorise, force_win: no}\n")
    return Spec(["run", str(p)], run_api(p), ("force_win", "'no'", "true", "false"))


@case("boolean_trunc", "silent-number")
def _(t: Path) -> Spec:
    """``trunc: off`` (goalposts) was truthy: values truncated."""
    write_csv(t, frame())
    p = t / "cfg.yaml"
    p.write_text("name: x\nframework: " + json.dumps(FW) + "\ndata: data.csv\n"
                 "normalize: {method: goalposts, gposts: [0, 10], trunc: off}\n")
    return Spec(["run", str(p)], run_api(p), ("trunc", "'off'", "true", "false"))


@case("boolean_standardize", "silent-number")
def _(t: Path) -> Spec:
    """``tiers.standardize: "no"`` was truthy (profile clustering on standardised scores)."""
    cfg = std(t, tiers={"method": "kmeans", "k": 2, "standardize": "no"})
    return Spec(["run", str(cfg)], run_api(cfg), ("standardize", "'no'", "true", "false"))


@case("boolean_grouped", "silent-number")
def _(t: Path) -> Spec:
    """``sensitivity.grouped: "off"`` was truthy."""
    cfg = std(t, sensitivity={"n": 8, "grouped": "off"})
    return Spec(["validate", str(cfg)], validate_api(cfg),
                ("grouped", "'off'", "true", "false"), exit=1, stream="stdout", multi_line=True)


@case("boolean_set_yes", "silent-number")
def _(t: Path) -> Spec:
    """``--set normalize.pooled=yes`` from the command line."""
    cfg = std(t)
    return Spec(["run", str(cfg), "--set", "normalize.pooled=yes"],
                lambda: aiindex.run(str(cfg), overrides={"normalize": {"pooled": "yes"}}),
                ("pooled", "'yes'", "true"))


@case("boolean_true_works", "silent-number")
def _(t: Path) -> Spec:
    """``pooled: true`` stays accepted (the boolean rule rejects only non-booleans)."""
    cfg = std(t, normalize={"method": "minmax", "pooled": True})

    def check(res: Any) -> None:
        assert res.index.notna().all()

    return Spec(["run", str(cfg)], run_api(cfg), check=check, exit=0)


@case("weights_explicit_text", "silent-number")
def _(t: Path) -> Spec:
    """``weights.explicit: {D1: "2"}``: a quoted number was accepted as a weight."""
    cfg = std(t, weights={"explicit": {"D1": "2"}})
    return Spec(["run", str(cfg)], run_api(cfg), ("weights.explicit.D1", "'2'", "number"))


@case("min_share_out_of_range", "silent-number")
def _(t: Path) -> Spec:
    """``aggregate.min_share: 1.5`` can never be met (every score missing)."""
    cfg = std(t, aggregate={"method": "arithmetic", "min_share": 1.5})
    return Spec(["run", str(cfg)], run_api(cfg), ("min_share", "1.5"))


@case("unused_columns_note", "silent-number")
def _(t: Path) -> Spec:
    """Data columns the framework does not use (a typo of a metric code) were ignored silently."""
    cfg = std(t, frame(m5=[1.0] * 8, extra=[2.0] * 8))

    def check(res: Any) -> None:
        assert res.info["unused_columns"] == ["m5", "extra"]

    return Spec(["run", str(cfg)], run_api(cfg), check=check, exit=0,
                check_cli=lambda out: _has(out, "unused", "m5", "extra"))


@case("unused_columns_validate", "silent-number")
def _(t: Path) -> Spec:
    """``validate`` lists unused data columns as a note (the config stays valid)."""
    cfg = std(t, frame(m5=[1.0] * 8))

    def api() -> list:
        notes: list[str] = []
        assert aiindex.validate(str(cfg), notes=notes) == []
        return notes

    return Spec(["validate", str(cfg)], api, check=lambda notes: _has(" ".join(notes), "m5"),
                exit=0, check_cli=lambda out: _has(out, "unused", "m5"))


@case("mixed_types_dataframe", "silent-number")
def _(t: Path) -> Spec:
    """A DataFrame column holding a list object among numbers."""
    df = frame(m1=[1.0, [2, 3], 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])
    return Spec(None, run_api(cfg_dict(), data=df), ("m1", "BEL"), frames=[df])


@case("bool_column_dataframe", "silent-number")
def _(t: Path) -> Spec:
    """A boolean metric column (True/False) was read as 1/0 without a word."""
    df = frame(m1=[True, False] * 4)
    return Spec(None, run_api(cfg_dict(), data=df), ("m1",), frames=[df])


@case("negative_with_geometric", "silent-number")
def _(t: Path) -> Spec:
    """Geometric mean of non-positive values (a z-score) must be an error, not a NaN."""
    cfg = std(t, normalize={"method": "zscore"}, aggregate={"method": "geometric"})
    return Spec(["run", str(cfg)], run_api(cfg), ("geometric",))


@case("unit_code_whitespace_duplicate", "silent-number")
def _(t: Path) -> Spec:
    """``AUT`` and ``AUT `` are the same unit twice."""
    cfg = std(t, frame(uCode=["AUT", "AUT ", *UNITS[2:]]))
    return Spec(["run", str(cfg)], run_api(cfg), ("AUT", "duplicate"), multi_line=True)


# ============================================================================ script
def _hostile_frame() -> pd.DataFrame:
    return frame(uName=[XSS, "</script><script>document.body.dataset.pwned=2</script>", "__DATA__",
                        "__TITLE__ \u2028 <!-- x", 'Quote " \' & <b>', *NAMES[5:]],
                 uCode=["<b>AUT</b>", "BEL\"'", *UNITS[2:]])


def _hostile_fw() -> dict:
    return {"code": "Idx", "name": "</script><!--", "children": [
        {"code": "D1", "name": XSS, "children": [{"code": "m1", "name": "__DATA__"},
                                                 {"code": "m2"}]},
        {"code": "D2", "name": '" onfocus="document.body.dataset.pwned=3" autofocus x="',
         "children": [
            {"code": "m3"}, {"code": "m4"}]}]}


def _static_page_checks(text: str) -> None:
    """The page carries user text only as JSON in one application/json block and inserts it
    with textContent: no innerHTML, no raw payload outside that block, template filled once."""
    import re

    blocks = re.findall(r'<script type="application/json" id="aiindex-data">(.*?)</script>',
                        text, re.S)
    assert len(blocks) == 1, "exactly one data block"
    data = json.loads(blocks[0])
    outside = text.replace(blocks[0], "")
    assert "innerHTML" not in outside and "outerHTML" not in outside
    assert "insertAdjacentHTML" not in outside and "document.write" not in outside
    assert "\u2028" not in text and "<!--" not in blocks[0]
    _only_template_markup(text)
    return data


def _only_template_markup(text: str) -> None:
    """The page's markup is the template's: no tag or event-handler attribute from user text."""
    from html.parser import HTMLParser

    class Tags(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: list[str] = []
            self.handlers: list[str] = []

        def handle_starttag(self, tag: str, attrs: list) -> None:
            self.tags.append(tag)
            self.handlers += [a for a, _ in attrs if a.lower().startswith("on")]

    p = Tags()
    p.feed(text)
    assert not p.handlers, p.handlers
    assert p.tags.count("script") == 2 and "img" not in p.tags and "b" not in p.tags


@case("explorer_hostile_unit_names", "script")
def _(t: Path) -> Spec:
    """Unit names/codes such as ``<img onerror=...>`` went into the explorer via innerHTML."""
    df = _hostile_frame()
    write_csv(t, df)
    cfg = write_cfg(t)
    out = t / "e.html"

    def api() -> str:
        from aiindex.outputs.explorer import explorer_html

        return explorer_html(aiindex.run(str(cfg)))

    def check(text: str) -> None:
        d = _static_page_checks(text)
        names = {u["name"] for u in d["units"]}
        assert XSS in names and "__DATA__" in names

    def after() -> None:
        check(out.read_text(encoding="utf-8"))

    return Spec(["explore", str(cfg), "--out", str(out)], api, check=check, exit=0,
                check_cli=lambda _: None, after=after, frames=[df])


@case("explorer_hostile_node_names", "script")
def _(t: Path) -> Spec:
    """Node names (framework) with markup and an attribute breakout in the slider labels."""
    write_csv(t, frame())
    cfg = write_cfg(t, framework=_hostile_fw())

    def api() -> str:
        from aiindex.outputs.explorer import explorer_html

        return explorer_html(aiindex.run(str(cfg)))

    def check(text: str) -> None:
        d = _static_page_checks(text)
        assert d["names"]["D1"] == XSS

    return Spec(["explore", str(cfg), "--out", str(t / "e.html")], api, check=check, exit=0,
                check_cli=lambda _: None)


@case("explorer_data_marker_in_title", "script")
def _(t: Path) -> Spec:
    """A config name containing ``__DATA__`` injected the raw JSON into the page title."""
    write_csv(t, frame())
    cfg = write_cfg(t)
    raw = json.loads(cfg.read_text())
    raw["name"] = ("Index __DATA__ __VERSION__ </title><script>document.body.dataset.pwned=4"
                   "</script>")
    cfg.write_text(json.dumps(raw))

    def api() -> str:
        from aiindex.outputs.explorer import explorer_html

        return explorer_html(aiindex.run(str(cfg)))

    def check(text: str) -> None:
        d = _static_page_checks(text)
        assert d["title"] == raw["name"]
        head = text.split("</title>", 1)[0]
        assert '"units"' not in head and "<script>" not in head
        assert text.count('id="aiindex-data"') == 1

    return Spec(["explore", str(cfg), "--out", str(t / "e.html")], api, check=check, exit=0,
                check_cli=lambda _: None)


@case("explorer_unicode_separators", "script")
def _(t: Path) -> Spec:
    """U+2028/U+2029 in a name break JavaScript string literals in older engines."""
    df = frame(uName=["A\u2028B", "C\u2029D", *NAMES[2:]])

    def api() -> str:
        from aiindex.outputs.explorer import explorer_html

        return explorer_html(aiindex.run(cfg_dict(), data=df))

    def check(text: str) -> None:
        assert "\u2028" not in text and "\u2029" not in text
        d = _static_page_checks(text)
        assert d["units"][0]["name"] == "A\u2028B"

    return Spec(None, api, check=check, frames=[df])


@case("report_hostile_names", "script")
def _(t: Path) -> Spec:
    """The HTML report with hostile unit and node names: every text escaped."""
    df = _hostile_frame()
    write_csv(t, df)
    cfg = write_cfg(t, framework=_hostile_fw())
    out = t / "r.html"

    def api() -> str:
        from aiindex.outputs.report import report_html

        return report_html(aiindex.run(str(cfg)), charts=False)

    def check(text: str) -> None:
        assert "<img src=x" not in text and "<script>document" not in text
        assert "<b>AUT</b>" not in text and 'onfocus="document' not in text
        assert "&lt;img src=x onerror=" in text

    def after() -> None:
        check(out.read_text(encoding="utf-8"))

    return Spec(["report", str(cfg), "--no-charts", "--out", str(out)], api, check=check,
                exit=0, check_cli=lambda _: None, after=after)


@case("repr_html_hostile", "script")
def _(t: Path) -> Spec:
    """``Result._repr_html_`` (notebooks) with hostile names and config name."""
    df = _hostile_frame()
    cfg = cfg_dict(framework=_hostile_fw())
    cfg["name"] = "<script>window.__pwned=5</script>"

    def check(text: str) -> None:
        assert "<script>" not in text and "<img src=x" not in text and "<b>AUT" not in text

    return Spec(None, lambda: aiindex.run(cfg, data=df)._repr_html_(), check=check, frames=[df])


# ============================================================================ formula
FORMULAS = {"eq": '=HYPERLINK("http://evil.example","click")', "plus": "+1+1",
            "minus": "-2+3", "at": "@SUM(A1:A2)", "tab": "\t=1+1", "cr": "\r=1+1"}


def _excel_spec(t: Path, df: pd.DataFrame, cfg: dict, texts: list[str]) -> Spec:
    write_csv(t, df, quoting=1)  # quote every field: a bare CR would end the row
    p = write_cfg(t, **{k: v for k, v in cfg.items() if k not in ("name",)})
    if "name" in cfg:
        raw = json.loads(p.read_text())
        raw["name"] = cfg["name"]
        p.write_text(json.dumps(raw))
    out = t / "o.xlsx"

    def api() -> Path:
        return aiindex.to_excel(aiindex.run(str(p)), t / "api.xlsx")

    def check(path: Path) -> None:
        import openpyxl

        wb = openpyxl.load_workbook(path)
        found = set()
        # XML stores a carriage return as a line feed (line-end normalisation): still text
        texts_read = {x.replace("\r", "\n") for x in texts}
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    assert c.data_type != "f", f"formula cell {ws.title}!{c.coordinate}: {c.value!r}"
                    if isinstance(c.value, str) and c.value in texts_read:
                        found.add(c.value)
        assert found == texts_read, f"texts not kept literally: {texts_read - found}"
        res = wb["Results"]
        nums = [c.value for row in res.iter_rows(min_row=2) for c in row
                if isinstance(c.value, int | float)]
        assert nums, "numbers are still numbers"

    return Spec(["export", str(p), "--xlsx", str(out)], api, check=check, exit=0,
                check_cli=lambda _: check(out))


for _key, _text in FORMULAS.items():
    def _mk(text: str = _text) -> Callable[[Path], Spec]:
        def build(t: Path) -> Spec:
            return _excel_spec(t, frame(uName=[text, *NAMES[1:]]), {}, [text])

        build.__doc__ = f"A unit name {text!r} was written to Excel as a live formula."
        return build

    case(f"excel_unit_name_{_key}", "formula")(_mk())


@case("excel_unit_code_formula", "formula")
def _(t: Path) -> Spec:
    """A unit code ``=1+1`` (the index column of every sheet)."""
    return _excel_spec(t, frame(uCode=["=1+1", *UNITS[1:]]), {}, ["=1+1"])


@case("excel_node_code_formula", "formula")
def _(t: Path) -> Spec:
    """A metric code ``=cmd|' /C calc'!A0`` (column headers and the Framework sheet)."""
    code = "=cmd|' /C calc'!A0"
    fw = json.loads(json.dumps(FW).replace('"m4"', json.dumps(code)))
    df = frame().rename(columns={"m4": code})
    return _excel_spec(t, df, {"framework": fw}, [code])


@case("excel_config_name_formula", "formula")
def _(t: Path) -> Spec:
    """A config name ``@SUM(1+1)`` in the Config sheet (YAML text lines)."""
    return _excel_spec(t, frame(), {"name": "@SUM(1+1)"}, ["name: '@SUM(1+1)'"])


@case("excel_negative_numbers_stay_numbers", "formula")
def _(t: Path) -> Spec:
    """Negative numbers must stay numbers (not text) while ``-2+3`` text is protected."""
    df = frame(m1=[-5.0, -1.5, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0], uName=["-2+3", *NAMES[1:]])
    spec = _excel_spec(t, df, {}, ["-2+3"])
    inner = spec.check

    def check(path: Path) -> None:
        import openpyxl

        inner(path)
        ws = openpyxl.load_workbook(path)["Raw"]
        vals = [c.value for row in ws.iter_rows(min_row=2) for c in row]
        assert -5.0 in vals and -1.5 in vals

    spec.check = check
    return spec


# ============================================================================ half-written
def _interrupt_spec(argv: list[str], api: Callable[[], Any] | None, target: str, n: int,
                    out: Path) -> Spec:
    return Spec(argv, api, ("interrupted",), exit=130, exc=KeyboardInterrupt,
                patch=interrupt_on_call(target, n), absent=[out])


@case("interrupt_run_out", "half-written")
def _(t: Path) -> Spec:
    """Ctrl-C during ``run --out``: scores.csv was left cut under its final name."""
    cfg = std(t)
    out = t / "out"
    return _interrupt_spec(["run", str(cfg), "--out", str(out)],
                           lambda: aiindex.run(str(cfg)).to_csv(out),
                           "pandas.DataFrame.to_csv", 2, out)


@case("interrupt_stats_out", "half-written")
def _(t: Path) -> Spec:
    """Ctrl-C during ``stats --out`` (files written straight under their final names)."""
    cfg = std(t)
    out = t / "out"
    return _interrupt_spec(["stats", str(cfg), "--out", str(out)], None,
                           "pandas.DataFrame.to_csv", 2, out)


@case("interrupt_whatif_out", "half-written")
def _(t: Path) -> Spec:
    """Ctrl-C during ``whatif --out``."""
    cfg = std(t)
    sc = t / "sc.yaml"
    sc.write_text("weights: {explicit: {D1: 2}}\n")
    out = t / "out"
    return _interrupt_spec(["whatif", str(cfg), str(sc), "--out", str(out)], None,
                           "pandas.DataFrame.to_csv", 1, out)


@case("interrupt_audit_out", "half-written")
def _(t: Path) -> Spec:
    """Ctrl-C during ``audit --out``."""
    cfg = std(t)
    out = t / "out"

    def api() -> Any:
        return aiindex.run_audit(aiindex.run(str(cfg))).to_csv(out)

    return _interrupt_spec(["audit", str(cfg), "--out", str(out)], api,
                           "pandas.DataFrame.to_csv", 2, out)


def _panel_cfg(t: Path) -> Path:
    rng = np.random.default_rng(3)
    rows = []
    for y in (2018, 2019, 2020):
        for i, u in enumerate(UNITS):
            rows.append({"uCode": u, "Time": y, **{m: float(v[i] + rng.uniform(0, 1))
                                                   for m, v in VALUES.items()}})
    return std(t, pd.DataFrame(rows))


@case("interrupt_trends_out", "half-written")
def _(t: Path) -> Spec:
    """Ctrl-C during ``trends --out``."""
    cfg = _panel_cfg(t)
    out = t / "out"
    return _interrupt_spec(["trends", str(cfg), "--out", str(out)],
                           lambda: aiindex.run_panel(str(cfg)).to_csv(out),
                           "pandas.DataFrame.to_csv", 2, out)


@case("interrupt_export_csv", "half-written")
def _(t: Path) -> Spec:
    """Ctrl-C during ``export --csv``."""
    cfg = std(t)
    out = t / "out"
    return _interrupt_spec(["export", str(cfg), "--csv", str(out)], None,
                           "pandas.DataFrame.to_csv", 3, out)


@case("interrupt_export_xlsx", "half-written")
def _(t: Path) -> Spec:
    """Ctrl-C while the workbook is saved: a truncated .xlsx under its final name."""
    cfg = std(t)
    out = t / "o.xlsx"
    return _interrupt_spec(["export", str(cfg), "--xlsx", str(out)],
                           lambda: aiindex.to_excel(aiindex.run(str(cfg)), out),
                           "openpyxl.workbook.workbook.Workbook.save", 1, out)


@case("interrupt_report", "half-written")
def _(t: Path) -> Spec:
    """Ctrl-C while the report is written."""
    cfg = std(t)
    out = t / "r.html"

    def api() -> Any:
        from aiindex.outputs.report import write_report

        return write_report(aiindex.run(str(cfg)), out, charts=False)

    return _interrupt_spec(["report", str(cfg), "--no-charts", "--out", str(out)], api,
                           "pathlib.Path.write_text", 1, out)


@case("interrupt_explore", "half-written")
def _(t: Path) -> Spec:
    """Ctrl-C while the explorer page is written."""
    cfg = std(t)
    out = t / "e.html"
    return _interrupt_spec(["explore", str(cfg), "--out", str(out)],
                           lambda: aiindex.write_explorer(aiindex.run(str(cfg)), out),
                           "pathlib.Path.write_text", 1, out)


@case("interrupt_calibrate_out", "half-written")
def _(t: Path) -> Spec:
    """Ctrl-C while calibrate writes its YAML fragment."""
    cfg = std(t)
    res = aiindex.run(str(cfg))
    pub = t / "pub.csv"
    res.index.rename("score").rename_axis("uCode").to_csv(pub)
    out = t / "w.yaml"
    return _interrupt_spec(["calibrate", str(cfg), "--published", str(pub), "--out", str(out)],
                           None, "pathlib.Path.write_text", 1, out)


@case("interrupt_sensitivity_out", "half-written")
def _(t: Path) -> Spec:
    """Ctrl-C while ``sensitivity --out`` writes sobol_indices.csv."""
    cfg = std(t, uncertainty={"n": 8, "seed": 1, "factors": [
        {"name": "w", "type": "weight_noise", "level": 2, "relative": 0.2},
        {"name": "norm", "type": "choice", "stage": "normalize", "alternatives": [
            {"method": "minmax"}, {"method": "rank"}]}]},
        sensitivity={"n": 8, "seed": 1, "n_sets": 8, "n_resamples": 9})
    out = t / "out"
    return _interrupt_spec(["sensitivity", str(cfg), "--out", str(out)], None,
                           "pandas.DataFrame.to_csv", 1, out)


@case("interrupt_keeps_earlier_run", "half-written")
def _(t: Path) -> Spec:
    """An interrupted ``run --out`` over an earlier output keeps that output whole."""
    cfg = std(t)
    out = t / "out"
    aiindex.run(str(cfg)).to_csv(out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    spec = _interrupt_spec(["run", str(cfg), "--out", str(out)],
                           lambda: aiindex.run(str(cfg)).to_csv(out),
                           "pandas.DataFrame.to_csv", 2, out)
    spec.absent = []

    def after() -> None:
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before

    spec.after = after
    return spec


@case("stale_files_removed", "half-written")
def _(t: Path) -> Spec:
    """Files of an earlier ``stats --out`` (another stage) stayed beside the new ones."""
    cfg = std(t)
    out = t / "out"
    from aiindex.cli import main

    assert main(["stats", str(cfg), "--stage", "normalized", "--out", str(out)]) == 0

    def check_cli(_: str) -> None:
        names = sorted(p.name for p in out.iterdir())
        assert "metric_stats_normalized.csv" not in names and "manifest.json" in names

    return Spec(["stats", str(cfg), "--out", str(out)], None, check_cli=check_cli, exit=0)


@case("out_foreign_folder_refused", "half-written")
def _(t: Path) -> Spec:
    """``stats --out`` into a folder of someone else's files mixed outputs into it."""
    cfg = std(t)
    out = t / "theirs"
    out.mkdir()
    (out / "thesis.docx").write_text("precious")

    def after() -> None:
        assert sorted(p.name for p in out.iterdir()) == ["thesis.docx"]

    return Spec(["stats", str(cfg), "--out", str(out)], None, ("theirs", "not empty"),
                after=after)


@case("manifest_everywhere", "half-written")
def _(t: Path) -> Spec:
    """Every folder output (whatif here) ends with a complete manifest.json."""
    cfg = std(t)
    sc = t / "sc.yaml"
    sc.write_text("weights: {explicit: {D1: 2}}\n")
    out = t / "out"

    def check_cli(_: str) -> None:
        from aiindex._io import read_manifest

        m = read_manifest(out)
        assert [f["name"] for f in m["files"]] == ["whatif.csv"]

    return Spec(["whatif", str(cfg), str(sc), "--out", str(out)], None, check_cli=check_cli,
                exit=0)


# ============================================================================ vague
@case("empty_group_yaml", "vague")
def _(t: Path) -> Spec:
    """A group with ``children: []`` was reported as a metric missing from the data."""
    fw = json.loads(json.dumps(FW))
    fw["children"].append({"code": "D3", "children": []})
    cfg = cfg_dict(framework=fw)
    return Spec(None, run_api(cfg, data=frame()), ("D3", "no children"))


@case("empty_group_imeta", "vague")
def _(t: Path) -> Spec:
    """An Aggregate row of an iMeta table without children."""
    meta = pd.DataFrame({
        "iCode": ["m1", "m2", "D1", "D2", "Idx"], "Parent": ["D1", "D1", "Idx", "Idx", None],
        "Type": ["Indicator", "Indicator", "Aggregate", "Aggregate", "Aggregate"]})
    meta.to_csv(t / "meta.csv", index=False)
    cfg = write_cfg(t, framework={"file": "meta.csv"})
    write_csv(t, frame())
    return Spec(["run", str(cfg)], run_api(cfg), ("D2", "no children"))


@case("root_only_framework", "vague")
def _(t: Path) -> Spec:
    """A framework of the root alone was reported as "metric missing from the data"."""
    cfg = std(t, framework={"code": "Idx"})
    return Spec(["run", str(cfg)], run_api(cfg), ("Idx", "only"))


@case("negative_explicit_weight", "vague")
def _(t: Path) -> Spec:
    """A negative explicit weight was reported as "all children have zero weight"."""
    cfg = std(t, weights={"explicit": {"D1": -1}})
    return Spec(["run", str(cfg)], run_api(cfg), ("D1", "negative"))


@case("negative_scenario_weight", "vague")
def _(t: Path) -> Spec:
    """A negative scenario weight: with_weights skipped validation."""
    cfg = std(t)
    sc = t / "sc.yaml"
    sc.write_text("weights: {explicit: {D1: -2}}\n")
    return Spec(["whatif", str(cfg), str(sc)], lambda: aiindex.whatif(str(cfg), [sc]),
                ("D1", "negative"))


@case("scenario_weights_old_form", "vague")
def _(t: Path) -> Spec:
    """A scenario in the retired raw-weights form ``weights: {D1: 2}`` gets the new form."""
    cfg = std(t)
    sc = t / "sc.yaml"
    sc.write_text("weights: {D1: 2}\n")
    return Spec(["whatif", str(cfg), str(sc)], lambda: aiindex.whatif(str(cfg), [sc]),
                ("D1", "explicit: {D1: 2}"))


@case("negative_node_weight", "vague")
def _(t: Path) -> Spec:
    """A negative weight in the framework names the node."""
    fw = json.loads(json.dumps(FW))
    fw["children"][0]["weight"] = -1
    return Spec(None, run_api(cfg_dict(framework=fw), data=frame()), ("D1", "weight"))


@case("node_weight_infinite", "silent-number")
def _(t: Path) -> Spec:
    """A framework weight ``.inf`` made every local weight of its siblings NaN."""
    write_csv(t, frame())
    fw = json.dumps(FW).replace('"code": "D2"', '"code": "D2", "weight": .inf')
    p = t / "cfg.yaml"
    p.write_text("name: x\ndata: data.csv\nframework: " + fw + "\n")
    return Spec(["run", str(p)], run_api(p), ("D2", "weight", "finite"))


@case("zero_weights_group", "vague")
def _(t: Path) -> Spec:
    """All children of a node with weight 0 (a genuine zero-weight group): names the node."""
    fw = json.loads(json.dumps(FW))
    for c in fw["children"][1]["children"]:
        c["weight"] = 0
    return Spec(None, run_api(cfg_dict(framework=fw), data=frame()), ("D2", "zero"))


@case("excel_first_sheet_not_data", "vague")
def _(t: Path) -> Spec:
    """An Excel file whose first sheet is a README: the error did not say which sheet was read."""
    with pd.ExcelWriter(t / "data.xlsx") as xw:
        pd.DataFrame({"About": ["This workbook holds the data"]}).to_excel(
            xw, sheet_name="README", index=False)
        frame().to_excel(xw, sheet_name="Data", index=False)
    cfg = write_cfg(t, data="data.xlsx")
    return Spec(["run", str(cfg)], run_api(cfg), ("'README'", "Data", "data.sheet"),
                multi_line=True)


@case("metric_missing_suggests", "vague")
def _(t: Path) -> Spec:
    """A metric column named with another case (``M1``) names the close match."""
    cfg = std(t, frame().rename(columns={"m1": "M1"}))
    return Spec(["run", str(cfg)], run_api(cfg), ("'m1'", "M1"))


@case("unknown_stage_method", "vague")
def _(t: Path) -> Spec:
    """An unknown normaliser lists the registered ones."""
    cfg = std(t, normalize={"method": "minmaxx"})
    return Spec(["run", str(cfg)], run_api(cfg), ("minmaxx", "minmax"))


@case("unknown_tiers_node", "vague")
def _(t: Path) -> Spec:
    """``tiers.node`` naming a node that does not exist."""
    cfg = std(t, tiers={"method": "jenks", "k": 2, "node": "D9"})
    return Spec(["run", str(cfg)], run_api(cfg), ("tiers.node", "D9"))


@case("no_unit_column", "vague")
def _(t: Path) -> Spec:
    """No unit-code column: the message names the column looked for and the columns found."""
    cfg = std(t, frame().rename(columns={"uCode": "iso"}))
    return Spec(["run", str(cfg)], run_api(cfg), ("uCode", "iso", "data.unit_column"))


# ============================================================================ resource
BOMB = ("a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10)
                  + "]\n" for i in range(8)))


def bomb(key: str = "notes") -> str:
    """``key:`` holding a "billion laughs" (9 levels of 10 aliases: 10**9 strings expanded)."""
    return f"{key}:\n" + "".join("  " + ln + "\n" for ln in BOMB.splitlines())


def _cfg_text(**extra: Any) -> str:
    return "name: x\ndata: data.csv\nframework: " + json.dumps(FW) + "\n" + "".join(
        f"{k}: {json.dumps(v)}\n" for k, v in extra.items())


@case("alias_bomb_config", "resource")
def _(t: Path) -> Spec:
    """A "billion laughs" config was accepted, then expanded when ``run --out`` dumped it."""
    write_csv(t, frame())
    p = t / "bomb.yaml"
    p.write_text(_cfg_text() + bomb())
    return Spec(["run", str(p), "--out", str(t / "out")], run_api(p), ("bomb.yaml", "alias"),
                exc=ConfigError, max_seconds=5, absent=[t / "out"])


@case("alias_bomb_scenario", "resource")
def _(t: Path) -> Spec:
    """A billion-laughs scenario file (deep-merged into the config)."""
    cfg = std(t)
    sc = t / "sc.yaml"
    sc.write_text("name: s\n" + bomb())
    return Spec(["whatif", str(cfg), str(sc)], lambda: aiindex.whatif(str(cfg), [sc]),
                ("sc.yaml", "alias"), max_seconds=5)


@case("alias_bomb_framework_file", "resource")
def _(t: Path) -> Spec:
    """A billion-laughs framework YAML file."""
    (t / "fw.yaml").write_text(bomb("x") + "code: Idx\nchildren: [{code: m1}]\n")
    cfg = std(t, framework={"file": "fw.yaml"})
    return Spec(["run", str(cfg)], run_api(cfg), ("fw.yaml", "alias"), max_seconds=5)


@case("alias_bomb_report", "resource")
def _(t: Path) -> Spec:
    """``report`` dumps the resolved config: a bomb in ``notes`` exploded memory there."""
    write_csv(t, frame())
    p = t / "cfg.yaml"
    p.write_text(_cfg_text() + bomb())
    out = t / "r.html"
    return Spec(["report", str(p), "--no-charts", "--out", str(out)], run_api(p),
                ("cfg.yaml", "alias"), max_seconds=5, absent=[out])


@case("recursive_alias", "resource")
def _(t: Path) -> Spec:
    """A self-referencing alias (``&a [*a]``) made an infinitely nested structure."""
    p = t / "cfg.yaml"
    p.write_text("notes: &a [1, *a]\nname: x\nframework: {code: I}\n")
    return Spec(["run", str(p)], run_api(p), ("cfg.yaml",), max_seconds=5, exc=ConfigError)


@case("deep_nesting", "resource")
def _(t: Path) -> Spec:
    """10,000 nested brackets: RecursionError inside the YAML parser."""
    p = t / "cfg.yaml"
    p.write_text("notes: " + "[" * 10000 + "]" * 10000 + "\nname: x\n")
    return Spec(["run", str(p)], run_api(p), ("cfg.yaml", "nest"), max_seconds=10,
                exc=ConfigError)


@case("huge_config", "resource")
def _(t: Path) -> Spec:
    """A 50 MB config took over a minute to parse; the size cap must stop it first."""
    p = t / "cfg.yaml"
    with open(p, "w") as fh:
        fh.write("name: x\nnotes:\n")
        line = "  - " + "y" * 95 + "\n"
        fh.write(line * (50 * 1024 * 1024 // len(line)))
    return Spec(["run", str(p)], run_api(p), ("cfg.yaml", "MB"), max_seconds=5, exc=ConfigError)


@case("huge_scenario", "resource")
def _(t: Path) -> Spec:
    """A 6 MB scenario file is refused before parsing."""
    cfg = std(t)
    sc = t / "sc.yaml"
    sc.write_text("description: '" + "z" * (6 * 1024 * 1024) + "'\n")
    return Spec(["whatif", str(cfg), str(sc)], lambda: aiindex.whatif(str(cfg), [sc]),
                ("sc.yaml", "MB"), max_seconds=5)


@case("anchors_small_ok", "resource")
def _(t: Path) -> Spec:
    """Anchors and aliases within the budget still work (a shared parameter block)."""
    write_csv(t, frame())
    p = t / "cfg.yaml"
    p.write_text(_cfg_text() + "notes: {bounds: &b {method: minmax, low: 0, high: 10}}\n"
                 "normalize: *b\n")

    def check(res: Any) -> None:
        assert res.stages["normalized"].max().max() == 10

    return Spec(["run", str(p)], run_api(p), check=check, exit=0)


# ============================================================================ ASEM (real data)
@case("asem_latin1", "traceback", asem=True)
def _(t: Path) -> Spec:
    """The real ASEM data saved as latin-1 (one accented name)."""
    df = asem_data(t)
    df.loc[0, "uName"] = "Österreich"
    df.to_csv(t / "iData.csv", index=False, encoding="latin-1")
    cfg = asem_cfg(t, data_file=str(t / "iData.csv"))
    return Spec(["run", str(cfg)], run_api(cfg), ("iData.csv", "data.encoding"))


@case("asem_duplicate_column", "silent-number", asem=True)
def _(t: Path) -> Spec:
    """ASEM with the header of ``Ship`` renamed ``LPI`` (a duplicate of an earlier column)."""
    df = asem_data(t)
    cols = list(df.columns)
    pos_lpi, pos_ship = cols.index("LPI"), cols.index("Ship")
    cols[pos_ship] = "LPI"
    df.columns = cols
    df.to_csv(t / "iData.csv", index=False)
    cfg = asem_cfg(t, data_file=str(t / "iData.csv"))
    return Spec(["run", str(cfg)], run_api(cfg),
                ("'LPI'", str(pos_lpi + 1), str(pos_ship + 1)))


@case("asem_all_missing_metric", "silent-number", asem=True)
def _(t: Path) -> Spec:
    """ASEM with every value of ``Flights`` blank: its siblings were re-weighted silently."""
    df = asem_data(t)
    df["Flights"] = ""
    df.to_csv(t / "iData.csv", index=False)
    cfg = asem_cfg(t, data_file=str(t / "iData.csv"))
    return Spec(["run", str(cfg)], run_api(cfg), ("Flights", "no data"))


@case("asem_decimal_comma", "silent-number", asem=True)
def _(t: Path) -> Spec:
    """ASEM (point decimals) read with ``data.decimal: ','``: 390.799 became 390799..."""
    cfg = asem_cfg(t, data={"decimal": ","})
    return Spec(["run", str(cfg)], run_api(cfg), ("data.decimal", "iData.csv"),
                multi_line=True)


@case("asem_pooled_no", "silent-number", asem=True)
def _(t: Path) -> Spec:
    """ASEM with ``normalize.pooled: "no"``."""
    cfg = asem_cfg(t, normalize={"pooled": "no"})
    return Spec(["validate", str(cfg)], validate_api(cfg), ("pooled", "'no'", "true"),
                exit=1, stream="stdout", multi_line=True)


@case("asem_year_absent", "silent-number", asem=True)
def _(t: Path) -> Spec:
    """ASEM (2018 only) with ``data.year: 2020`` ran 2018 without a word."""
    cfg = asem_cfg(t, data={"year": 2020})
    return Spec(["run", str(cfg)], run_api(cfg), ("2020", "2018"))


@case("asem_outlier_1e308", "silent-number", asem=True)
def _(t: Path) -> Spec:
    """ASEM with a 1e308 value of ``Goods``: treatment was skipped (NaN skew)."""
    df = asem_data(t)
    df.loc[3, "Goods"] = "1e308"
    df.to_csv(t / "iData.csv", index=False)
    cfg = asem_cfg(t, data_file=str(t / "iData.csv"))

    def check(res: Any) -> None:
        tr = res.info["treat"]["treatment"].loc["Goods"]
        assert np.isfinite(tr["skew_before"]) and (tr["n_winsorised"] > 0 or tr["log_applied"])
        assert np.isfinite(res.index.to_numpy()).all()

    return Spec(None, run_api(cfg), check=check)


@case("asem_excel_first_sheet", "vague", asem=True)
def _(t: Path) -> Spec:
    """ASEM as Excel with a README sheet first."""
    with pd.ExcelWriter(t / "iData.xlsx") as xw:
        pd.DataFrame({"About": ["ASEM data"]}).to_excel(xw, sheet_name="README", index=False)
        asem_data(t).to_excel(xw, sheet_name="iData", index=False)
    cfg = asem_cfg(t, data_file=str(t / "iData.xlsx"))
    return Spec(["run", str(cfg)], run_api(cfg), ("'README'", "iData", "data.sheet"),
                multi_line=True)


@case("asem_excel_formula_names", "formula", asem=True)
def _(t: Path) -> Spec:
    """ASEM exported to Excel with a unit named ``=HYPERLINK(...)``."""
    df = asem_data(t)
    df.loc[0, "uName"] = FORMULAS["eq"]
    df.to_csv(t / "iData.csv", index=False)
    cfg = asem_cfg(t, data_file=str(t / "iData.csv"))
    out = t / "a.xlsx"

    def check(path: Path) -> None:
        import openpyxl

        wb = openpyxl.load_workbook(path)
        assert all(c.data_type != "f" for ws in wb.worksheets for row in ws.iter_rows()
                   for c in row)
        vals = [c.value for row in wb["Results"].iter_rows() for c in row]
        assert FORMULAS["eq"] in vals

    return Spec(["export", str(cfg), "--xlsx", str(out)],
                lambda: aiindex.to_excel(aiindex.run(str(cfg)), t / "api.xlsx"), check=check,
                exit=0, check_cli=lambda _: check(out))


@case("asem_interrupt_run_out", "half-written", asem=True)
def _(t: Path) -> Spec:
    """Ctrl-C while ASEM's ``run --out`` writes its stage tables."""
    cfg = asem_cfg(t)
    out = t / "out"
    return _interrupt_spec(["run", str(cfg), "--out", str(out)],
                           lambda: aiindex.run(str(cfg)).to_csv(out),
                           "pandas.DataFrame.to_csv", 5, out)


@case("asem_alias_bomb", "resource", asem=True)
def _(t: Path) -> Spec:
    """ASEM config extended by a file with a billion-laughs ``notes`` key."""
    asem_cfg(t, name="base.yaml")
    p = t / "bomb.yaml"
    p.write_text("extends: base.yaml\n" + bomb())
    return Spec(["run", str(p), "--out", str(t / "out")], run_api(p), ("bomb.yaml", "alias"),
                max_seconds=5, absent=[t / "out"])


def by_class(results: dict[str, bool]) -> dict[str, tuple[int, int]]:
    """Class → (cases passing, cases) from ``{case id: passed}``."""
    out: dict[str, tuple[int, int]] = {}
    for c in CASES:
        ok, n = out.get(c.cls, (0, 0))
        out[c.cls] = (ok + bool(results.get(c.id)), n + 1)
    return out


__all__ = ["CASES", "CLASSES", "Case", "Spec", "by_class", "no_files"]
