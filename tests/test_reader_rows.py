"""Row numbers of data problems as in the file (blank CSV lines, empty Excel rows), unit codes
that are fractional numbers, and unit names from ``data.names`` matched like the data's codes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from aiindex.config import resolve_config
from aiindex.data import load_data
from aiindex.errors import ValidationError
from aiindex.framework import Framework
from aiindex.pipeline.build import load_dataset

FW = Framework.from_dict({"code": "I", "children": [{"code": "a"}, {"code": "b"}]})


def _problems(src, **kw):
    with pytest.raises(ValidationError) as ei:
        load_data(src, FW, **kw)
    return ei.value.problems


def _csv(tmp_path: Path, text: str, name: str = "d.csv") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode())  # no newline translation: the lines are exactly as written
    return p


def _xlsx(tmp_path: Path, cells: dict[tuple[int, int], object], name: str = "d.xlsx") -> Path:
    """A workbook with ``cells[(row, column)]`` (1-based, as Excel shows them)."""
    wb = openpyxl.Workbook()
    for (r, c), v in cells.items():
        wb.active.cell(row=r, column=c, value=v)
    p = tmp_path / name
    wb.save(p)
    return p


# ------------------------------------------------------------------ row numbers of CSV files


@pytest.mark.parametrize("text, line", [
    ("uCode,a,b\nX,1,2\n\nY,abc,3\n", 4),                  # a blank line in the middle
    ("\n\nuCode,a,b\nX,1,2\nY,abc,3\n", 5),                # two blank lines before the header
    ("uCode,a,b\n\nX,1,2\n \t \nY,abc,3\n\n\n", 5),         # blank and whitespace-only lines
    ("uCode,a,b\nX,1,2\nY,abc,3\n\n\n", 3),                # blank lines at the end only
    ("uCode,a,b\r\nX,1,2\r\n\r\nY,abc,3\r\n", 4),          # Windows line ends
    ("uCode,a,b\rX,1,2\r\rY,abc,3\r", 4),                  # old Mac line ends
    ("\nuCode;a;b\nX;1;2\n\nY;abc;3\n", 5),                # ';' sniffed after a blank line
    ("uCode\ta\tb\nX\t1\t2\n\nY\tabc\t3\n", 4),            # tab-separated
])
def test_csv_problem_names_the_line_of_the_file(tmp_path, text, line):
    (prob,) = _problems(_csv(tmp_path, text))
    assert (prob.row, prob.column, prob.value) == (line, "a", "abc")


def test_every_kind_of_row_problem_counts_blank_lines(tmp_path):
    # line: 1 header, 2 X, 3 blank, 4 X again, 5 blank, 6 empty code and an infinite b
    p = _csv(tmp_path, "uCode,a,b\nX,1,2\n\nX,3,4\n\n,5,inf\n")
    got = sorted((q.message.split(" (unit")[0], q.row, q.column) for q in _problems(p))
    assert got == [("duplicate unit code", 2, "uCode"), ("duplicate unit code", 4, "uCode"),
                   ("empty unit code", 6, "uCode"),
                   ("infinite value (or a number too large for a float)", 6, "b")]


def test_year_problems_count_blank_lines(tmp_path):
    # line 5 has a fractional year, line 6 none
    p = _csv(tmp_path, "uCode,Time,a,b\nX,2020,1,2\n\n\nY,2020.5,3,4\nZ,,5,6\n")
    got = sorted((q.message, q.row) for q in _problems(p))
    assert got == [("a year must be a whole number", 5), ("missing year", 6)]


def test_a_multi_line_quoted_name_counts_its_lines(tmp_path):
    # the name of X spans lines 2-3, so Y is on line 4 (pandas itself counts it as record 3)
    p = _csv(tmp_path, 'uCode,uName,a,b\nX,"Ex\nample",1,2\nY,Why,abc,3\n')
    (prob,) = _problems(p)
    assert prob.row == 4 and prob.value == "abc"


def test_comma_only_line_is_still_a_row_with_an_empty_code(tmp_path):
    # ',,' is a row of empty cells (not a blank line): its unit code is missing, on line 4
    p = _csv(tmp_path, "uCode,a,b\nX,1,2\n\n,,\nY,3,4\n")
    (prob,) = _problems(p)
    assert (prob.message, prob.row) == ("empty unit code", 4)


# ------------------------------------------------------------------ Excel, DataFrame, long


def test_xlsx_problem_names_the_sheet_row(tmp_path):
    # sheet row 1 empty, 2 header, 3 X, 4 empty, 5 Y with a text value
    cells = {(2, 1): "uCode", (2, 2): "a", (2, 3): "b", (3, 1): "X", (3, 2): 1, (3, 3): 2,
             (5, 1): "Y", (5, 2): "abc", (5, 3): 3}
    (prob,) = _problems(_xlsx(tmp_path, cells))
    assert (prob.row, prob.column, prob.value) == (5, "a", "abc")


def test_dataframe_rows_stay_zero_based_positions():
    df = pd.DataFrame({"uCode": ["X", "Y", "Z"], "a": ["1", "2", "abc"], "b": [1, 2, 3]})
    (prob,) = _problems(df)
    assert prob.row == 2


def test_long_table_rows_unchanged(tmp_path):
    # long file: the value of (Y, a) is on line 4; a long DataFrame keeps 0-based positions
    (prob,) = _problems(_csv(tmp_path, "uCode,metric,value\nX,a,1\nX,b,2\nY,a,abc\nY,b,3\n"))
    assert (prob.row, prob.column, prob.value) == (4, "value", "abc")
    long = pd.DataFrame({"uCode": ["X", "X", "Y", "Y"], "metric": ["a", "b", "a", "b"],
                         "value": ["1", "2", "abc", "3"]})
    (prob,) = _problems(long)
    assert prob.row == 2
    # a blank line in a long file counts like in a wide one
    (prob,) = _problems(_csv(tmp_path, "uCode,metric,value\nX,a,1\n\nX,b,2\nY,a,abc\nY,b,3\n"))
    assert prob.row == 5


# ------------------------------------------------------------------ fractional unit codes

_CODE_MSG = "a unit code must be text or a whole number"


def test_fractional_numeric_code_is_a_problem_not_a_type_error():
    df = pd.DataFrame({"uCode": [1.5, 2.0], "a": [1, 2], "b": [3, 4]})
    (prob,) = _problems(df)
    assert (prob.message, prob.row, prob.column, prob.value) == (_CODE_MSG, 0, "uCode", 1.5)
    (prob,) = _problems(pd.DataFrame({"uCode": [1.0, np.inf], "a": [1, 2], "b": [3, 4]}))
    assert (prob.message, prob.row) == (_CODE_MSG, 1)


def test_whole_numeric_codes_become_text():
    ds = load_data(pd.DataFrame({"uCode": [1.0, 20.0], "a": [1, 2], "b": [3, 4]}), FW)
    assert list(ds.metrics.index) == ["1", "20"]


def test_xlsx_fractional_code_names_file_and_row(tmp_path):
    # sheet: header, 123 (a number cell: code "123"), an empty row, 1.5 on row 4
    cells = {(1, 1): "uCode", (1, 2): "a", (1, 3): "b", (2, 1): 123, (2, 2): 1, (2, 3): 2,
             (4, 1): 1.5, (4, 2): 3, (4, 3): 4}
    p = _xlsx(tmp_path, cells)
    (prob,) = _problems(p)
    assert (prob.message, prob.file, prob.row, prob.column) == (_CODE_MSG, str(p), 4, "uCode")
    del cells[(4, 1)]
    cells[(4, 1)] = "B"
    assert list(load_data(_xlsx(tmp_path, cells, "ok.xlsx"), FW).metrics.index) == ["123", "B"]


# ------------------------------------------------------------------ unit names (data.names)


def _cfg(names):
    return resolve_config({"framework": {"code": "I", "children": [{"code": "a"}, {"code": "b"}]},
                           "data": {"names": names}})


DATA = pd.DataFrame({"uCode": ["AUT", "123", "BEL"], "a": [1, 2, 3], "b": [4, 5, 6]})


def test_names_file_codes_are_stripped(tmp_path):
    p = _csv(tmp_path, "code,name\n AUT ,Austria\nBEL,Belgium\n", "names.csv")
    ds = load_dataset(_cfg(str(p)), FW, DATA)
    assert ds.names.to_dict() == {"AUT": "Austria", "123": "123", "BEL": "Belgium"}


def test_names_xlsx_number_code_matches_text_code(tmp_path):
    cells = {(1, 1): "code", (1, 2): "name", (2, 1): 123, (2, 2): "One-two-three",
             (3, 1): "ZZZ", (3, 2): "Nobody"}
    ds = load_dataset(_cfg(str(_xlsx(tmp_path, cells, "names.xlsx"))), FW, DATA)
    assert ds.names.to_dict() == {"AUT": "AUT", "123": "One-two-three", "BEL": "BEL"}
    assert ds.extra["unmatched_names"] == ["ZZZ"]


def test_names_mapping_in_the_config_is_stripped_too():
    ds = load_dataset(_cfg({" BEL": "Belgium"}), FW, DATA)
    assert ds.names["BEL"] == "Belgium" and "unmatched_names" not in ds.extra


def test_unmatched_names_are_a_note_of_validate_and_in_the_run_info(tmp_path):
    """Catches a names file whose codes match no unit passing silently."""
    from aiindex.pipeline import run, validate

    p = _csv(tmp_path, "code,name\nAUT,Austria\nZZZ,Nobody\n", "names.csv")
    cfg = {"framework": {"code": "I", "children": [{"code": "a"}, {"code": "b"}]},
           "data": {"names": str(p)}}
    notes: list[str] = []
    assert validate(cfg, DATA, notes=notes) == []
    assert any("match no unit" in n and "ZZZ" in n for n in notes)
    assert run(cfg, DATA).info["unmatched_names"] == ["ZZZ"]


def test_aiindex_run_notes_unmatched_names(tmp_path, capsys):
    """The command line says which names-file codes match no unit (a misspelt code)."""
    from aiindex.cli import main
    from aiindex.yamlio import dump_yaml

    _csv(tmp_path, "code,name\nAUT,Austria\nZZZ,Nobody\n", "names.csv")
    DATA.to_csv(tmp_path / "data.csv", index=False)
    dump_yaml({"framework": {"code": "I", "children": [{"code": "a"}, {"code": "b"}]},
               "data": {"file": "data.csv", "names": "names.csv"},
               "normalize": {"method": "minmax"}, "aggregate": {"method": "arithmetic"}},
              tmp_path / "c.yaml")
    assert main(["run", str(tmp_path / "c.yaml"), "--quiet"]) == 0
    assert "match no unit of the data: ZZZ" in capsys.readouterr().out
