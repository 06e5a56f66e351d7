"""``aiindex explore [CONFIG] --out explorer.html``: the interactive weight explorer."""

from __future__ import annotations

import argparse

from . import _term
from ._common import add_config_arguments, check_out, run_from_args


def configure(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``aiindex explore``."""
    add_config_arguments(p, out_help="output HTML file (default explorer.html)",
                         out_default="explorer.html")


def main(args: argparse.Namespace) -> int:
    """Run the config and write the explorer page."""
    from ..outputs.explorer import write_explorer

    check_out(args.out, folder=False)
    res = run_from_args(args)
    p = write_explorer(res, args.out)
    _term.echo(f"wrote {p}")
    return 0
