"""What the commands share: the CONFIG argument, ``--data``/``--set``/``--out``, running a
config from the arguments and printing a table."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import AIIndexError

if TYPE_CHECKING:  # pragma: no cover
    from ..pipeline import Result

__all__ = ["parse_set", "add_config_arguments", "run_from_args", "resolve_config_arg",
           "config_from_args", "command_line", "CONFIG_HELP", "positive_int", "out_dir",
           "check_out"]

#: help of the CONFIG positional (optional in every command)
CONFIG_HELP = ("config YAML file, or the name of a bundled config (default: the bundled "
               "Global AI Innovation Index public-proxy index, 2023)")


def parse_set(items: Sequence[str] | None) -> dict[str, Any]:
    """Turn ``["normalize.method=zscore", "aggregate.min_share=0.5"]`` into a nested mapping.

    Values are parsed as YAML scalars (numbers, booleans, lists), so ``a.b=[1, 2]`` works.
    """
    from ..yamlio import load_yaml

    out: dict[str, Any] = {}
    for item in items or []:
        if "=" not in item:
            raise AIIndexError(f"--set expects KEY=VALUE, got {item!r}")
        key, val = item.split("=", 1)
        try:
            parsed = load_yaml(val + "\n") if val.strip() else None
        except AIIndexError as exc:
            raise AIIndexError(f"--set {key.strip()}: cannot read the value {val!r} ({exc})"
                               ) from None
        _set_key(out, key.strip().split("."), parsed)
    return out


def _set_key(out: dict[str, Any], parts: list[str], value: Any) -> None:
    """Set ``out[a][b]... = value``; a key given both a value and sub-keys (``--set
    normalize=minmax --set normalize.high=10``) is an error naming it."""
    cur = out
    for i, p in enumerate(parts[:-1]):
        nxt = cur.setdefault(p, {})
        if not isinstance(nxt, dict):
            head = ".".join(parts[:i + 1])
            raise AIIndexError(f"--set {'.'.join(parts)}: {head} was already set to a value "
                               f"({nxt!r}), so it has no sub-key {parts[i + 1]!r}; set "
                               f"{head} either as a whole or by its sub-keys")
        cur = nxt
    last = parts[-1]
    if isinstance(cur.get(last), dict) and cur[last] and not isinstance(value, dict):
        key = ".".join(parts)
        raise AIIndexError(f"--set {key}: sub-keys of {key} were already set "
                           f"({', '.join(sorted(cur[last]))}); set {key} either as a whole or "
                           "by its sub-keys")
    cur[last] = value


def positive_int(text: str) -> int:
    """An argparse type: a whole number >= 1 (``--top``, ``--n``)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {n}")
    return n


def out_dir(path: str, config: Any = None, **extra: Any) -> Any:
    """The :class:`aiindex._io.OutputDir` of a command's ``--out`` folder: every file appears
    at the end, ``manifest.json`` (with this command line) last."""
    from .._io import OutputDir

    return OutputDir(path, command=command_line(), config=config, extra=extra or None)


def check_out(path: str | None, *, folder: bool) -> None:
    """Check an output path before any work (see :func:`aiindex._io.check_output`)."""
    if path:
        from .._io import check_output

        check_output(path, folder=folder)


def add_config_arguments(p: argparse.ArgumentParser, *, overrides: bool = True,
                         out_help: str | None = None, out_default: str | None = None) -> None:
    """Add the arguments every config-running command shares.

    Parameters
    ----------
    p
        The command's parser.
    overrides
        Add ``--set KEY=VALUE`` (repeatable; read with :func:`parse_set`).
    out_help, out_default
        Add ``--out`` with this help and default when ``out_help`` is given.
    """
    p.add_argument("config", nargs="?", default=None, metavar="CONFIG", help=CONFIG_HELP)
    p.add_argument("--data", default=None, metavar="FILE",
                   help="data file (CSV or Excel) replacing the config's data")
    if overrides:
        p.add_argument("--set", action="append", metavar="KEY=VALUE",
                       help="override a config key, e.g. --set normalize.method=zscore "
                            "(repeatable)")
    if out_help is not None:
        p.add_argument("--out", default=out_default, metavar="PATH", help=out_help)


def resolve_config_arg(path: str | None) -> str | Path:
    """A CONFIG argument: a file path, the name of a bundled config, or ``None`` (the default)."""
    from ..data.bundled import BUNDLED_CONFIGS, bundled_config, default_config_path

    if path is None:
        return default_config_path()
    if path in BUNDLED_CONFIGS and not Path(path).exists():
        return bundled_config(path)
    return path


def config_from_args(args: argparse.Namespace) -> Any:
    """The CONFIG argument with its ``--set`` overrides applied (a path when there are none)."""
    path = resolve_config_arg(args.config)
    sets = parse_set(getattr(args, "set", None))
    if not sets:
        return path
    from ..config import resolve_config

    return resolve_config(path, sets)


def run_from_args(args: argparse.Namespace) -> Result:
    """Run ``args.config`` (default: the bundled example) with ``args.data`` and ``--set``."""
    from ..pipeline import run

    return run(resolve_config_arg(args.config), data=args.data,
               overrides=parse_set(getattr(args, "set", None)))


def command_line() -> str:
    """The command as typed (``aiindex run ...``), for manifests."""
    import sys

    return " ".join(["aiindex", *sys.argv[1:]])
