"""``aiindex export [CONFIG] --xlsx FILE [--csv DIR]``: every stage to Excel and/or CSV."""

from __future__ import annotations

import argparse

from ..errors import AIIndexError
from . import _term
from ._common import add_config_arguments, check_out, command_line, run_from_args


def configure(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``aiindex export``."""
    add_config_arguments(p)
    p.add_argument("--xlsx", metavar="FILE.xlsx",
                   help="output Excel workbook (one sheet per stage; needs openpyxl: "
                        "pip install '.[excel]')")
    p.add_argument("--csv", metavar="DIR", help="also write CSV files to this folder")


def main(args: argparse.Namespace) -> int:
    """Run the config and export it."""
    if not (args.xlsx or args.csv):
        raise AIIndexError("export: give --xlsx FILE and/or --csv FOLDER")
    check_out(args.xlsx, folder=False)
    check_out(args.csv, folder=True)
    res = run_from_args(args)
    written = []
    if args.xlsx:
        from ..outputs.excel import to_excel

        written.append(to_excel(res, args.xlsx))
    if args.csv:
        written.extend(res.to_csv(args.csv, command=command_line()))
    _term.echo("wrote " + ", ".join(str(p) for p in written[:3])
          + (f" (+{len(written) - 3} more)" if len(written) > 3 else ""))
    return 0
