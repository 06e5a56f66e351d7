"""The README sheet prints without the config, whatever the config's name."""

from __future__ import annotations

import openpyxl
import pytest

import aiindex
from aiindex.outputs.excel import to_excel
from hostile_cases import cfg_dict, frame


@pytest.mark.parametrize("name", ["Configured AI index", "Config", "My index"])
def test_readme_print_area_ends_before_the_config(tmp_path, name) -> None:
    res = aiindex.run(cfg_dict(name=name), data=frame())
    p = to_excel(res, tmp_path / "w.xlsx")
    ws = openpyxl.load_workbook(p)["README"]
    assert ws["A1"].value == name
    rows = [r[0] for r in ws.iter_rows(values_only=True)]
    head = rows.index("Config (resolved YAML, also on the Config sheet)") + 1
    assert ws.print_area == f"'README'!$A$1:$B${head - 1}"
    assert rows[head - 2] == "Config"  # the last printed row: the last sheet listed
