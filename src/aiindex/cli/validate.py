"""``aiindex validate [CONFIG]``: list every problem of a config and its data at once.

Exit code 0 when valid, 1 when problems were found (each listed), 2 when the check itself could
not run.
"""

from __future__ import annotations

import argparse

from . import _term
from ._common import add_config_arguments, parse_set, resolve_config_arg


def configure(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``aiindex validate``."""
    add_config_arguments(p)


def main(args: argparse.Namespace) -> int:
    """Validate and print the problems."""
    from ..pipeline import validate

    config = resolve_config_arg(args.config)
    notes: list[str] = []
    problems = validate(config, data=args.data, notes=notes,
                        overrides=parse_set(args.set) or None)
    for n in notes:
        _term.note(n)
    if not problems:
        _term.echo(f"OK: {config} is valid")
        return 0
    _term.echo(f"{len(problems)} problem(s) in {config}:")
    for i, p in enumerate(problems, 1):
        _term.note(str(p), prefix=f"  {i}. ")
    return 1
