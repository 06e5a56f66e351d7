"""mkdocs hook: fill ``docs/reference/cli.md`` with the help of every command, from the parser.

The page holds the marker ``<!-- cli-reference -->``; at build time it is replaced by each
command's ``--help`` text (``aiindex.cli.build_parser``), so the reference cannot drift from the
code.
"""

from __future__ import annotations

import argparse
import io
from contextlib import redirect_stdout

MARKER = "<!-- cli-reference -->"


def _help(argv: list[str]) -> str:
    from aiindex.cli import COMMANDS, build_parser

    command = argv[0] if argv else None
    parser = build_parser(command)
    if command is not None:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[command]
        assert command in COMMANDS
    buf = io.StringIO()
    with redirect_stdout(buf):
        parser.print_help()
    return buf.getvalue().rstrip()


def cli_reference() -> str:
    """Markdown: the top-level help, then one section per command."""
    import os

    from aiindex.cli import COMMANDS

    os.environ.setdefault("COLUMNS", "100")
    parts = ["```text", _help([]), "```", ""]
    for name, (_, help_) in COMMANDS.items():
        parts += [f"## `aiindex {name}`", "", help_[0].upper() + help_[1:] + ".", "",
                  "```text", _help([name]), "```", ""]
    return "\n".join(parts)


def on_page_markdown(markdown: str, page, config, files) -> str:  # noqa: ARG001 - mkdocs API
    if MARKER in markdown:
        return markdown.replace(MARKER, cli_reference())
    return markdown
