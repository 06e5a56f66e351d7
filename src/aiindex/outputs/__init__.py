"""Outputs: charts, the HTML report, the weight explorer and the Excel workbook.

Heavy packages are optional extras, imported by the functions that need them: matplotlib for
charts and the report (``aiindex[plot]``), openpyxl for Excel (``aiindex[excel]``).

* :mod:`aiindex.outputs.charts`: every chart as a data function and a ``Result`` wrapper;
* :mod:`aiindex.outputs.report`: :func:`~aiindex.outputs.report.write_report`;
* :mod:`aiindex.outputs.explorer`: :func:`~aiindex.outputs.explorer.write_explorer`;
* :mod:`aiindex.outputs.excel`: :func:`~aiindex.outputs.excel.to_excel`.
"""

from __future__ import annotations

__all__: list[str] = []
