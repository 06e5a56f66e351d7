"""YAML 1.2 input and output (ruamel.yaml, safe mode), with limits checked before any work.

A YAML 1.2 loader keeps ISO codes such as ``NO`` (Norway) as strings; ``yaml.load`` of PyYAML
would turn them into booleans. Every YAML file of the project is read through :func:`load_yaml`.

Limits (a config is a few kilobytes; these stop hostile files before they cost time or memory):

* :data:`MAX_YAML_BYTES` (5 MB): a larger file is refused before it is parsed;
* :data:`MAX_YAML_VALUES` (1,000,000): the number of values the document holds once every
  alias (``*name``) is expanded. Anchors and aliases are kept shared while loading, so a
  "billion laughs" file is counted, not expanded, and refused; a self-referencing alias is
  refused too. Anything that later copies or dumps the config (``run --out``, ``report``)
  therefore never meets more than this many values;
* :data:`MAX_YAML_DEPTH` (100): flow brackets (``[`` / ``{``) nested deeper are refused before
  parsing (the parser slows down quadratically with them); block nesting deeper than the
  parser can follow is refused with a clear error.

Files must be UTF-8 (a byte-order mark is allowed).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ConfigError

__all__ = ["load_yaml", "dump_yaml", "MAX_YAML_BYTES", "MAX_YAML_VALUES", "MAX_YAML_DEPTH"]

#: largest YAML file read (bytes)
MAX_YAML_BYTES = 5 * 1024 * 1024
#: most values a YAML document may hold with every alias expanded
MAX_YAML_VALUES = 1_000_000
#: deepest nesting of flow brackets ``[`` / ``{``
MAX_YAML_DEPTH = 100


def _check_depth(text: str, where: str) -> None:
    """Refuse flow brackets nested deeper than :data:`MAX_YAML_DEPTH` (vectorised pre-scan)."""
    if text.count("[") + text.count("{") <= MAX_YAML_DEPTH:
        return
    b = np.frombuffer(text.encode("utf-8", errors="replace"), dtype=np.uint8)
    step = (np.isin(b, (0x5B, 0x7B)).astype(np.int64) - np.isin(b, (0x5D, 0x7D)))
    if np.cumsum(step).max() > MAX_YAML_DEPTH:
        raise ConfigError(f"YAML {where} nests brackets more than {MAX_YAML_DEPTH} levels deep; "
                          "refused")


def _yaml():
    from ruamel.yaml import YAML

    y = YAML(typ="safe", pure=True)  # YAML 1.2: `NO` stays a string
    y.default_flow_style = False
    y.sort_base_mapping_type_on_output = False  # keep key order
    return y


def _read_text(path: Path) -> str:
    """The text of a YAML file, after the size and encoding checks."""
    if not path.exists():
        raise ConfigError(f"YAML file not found: {path}")
    if path.is_dir():
        raise ConfigError(f"YAML path {path} is a folder, expected a file")
    size = path.stat().st_size
    if size > MAX_YAML_BYTES:
        raise ConfigError(f"YAML file {path} is {size / 2**20:.1f} MB, more than the "
                          f"{MAX_YAML_BYTES / 2**20:g} MB limit of a config; refused before "
                          "reading it (keep data in CSV/Excel files, not in the config)")
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ConfigError(f"YAML file {path} is not UTF-8 text (byte 0x{data[exc.start]:02x} "
                          f"on line {line}); save it as UTF-8") from None


def _parse_error(exc: Exception, where: str) -> ConfigError:
    """One line: what ruamel found wrong, and the line and column."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    if mark is not None and problem:
        ctx = getattr(exc, "context", None)
        ctx_mark = getattr(exc, "context_mark", None)
        extra = (f" ({ctx} at line {ctx_mark.line + 1})" if ctx and ctx_mark is not None
                 else f" ({ctx})" if ctx else "")
        msg = f"{problem} at line {mark.line + 1}, column {mark.column + 1}{extra}"
    else:
        msg = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    return ConfigError(f"cannot parse YAML {where}: {msg}")


def load_yaml(source: str | Path | io.IOBase) -> Any:
    """Load YAML 1.2 safely (ISO codes such as ``NO`` stay strings).

    Parameters
    ----------
    source
        A path, or an open text stream, or a YAML string containing a newline.

    Returns
    -------
    Any
        The document as plain Python data (dicts, lists, scalars).

    Raises
    ------
    ConfigError
        The file is missing, too large, not UTF-8, not valid YAML, nested too deeply, or
        expands (through aliases) to more than :data:`MAX_YAML_VALUES` values.
    """
    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source):
        path = Path(source)
        text, where = _read_text(path), f"file {path}"
    elif isinstance(source, str):
        if len(source) > MAX_YAML_BYTES:
            raise ConfigError(f"YAML text of {len(source) / 2**20:.1f} MB is more than the "
                              f"{MAX_YAML_BYTES / 2**20:g} MB limit")
        text, where = source, "text"
    else:
        text, where = source.read(MAX_YAML_BYTES + 1), "stream"
        if len(text) > MAX_YAML_BYTES:
            raise ConfigError(f"YAML stream is more than the {MAX_YAML_BYTES / 2**20:g} MB limit")
    _check_depth(text, where)
    try:
        obj = _yaml().load(text)
    except RecursionError:
        raise ConfigError(f"YAML {where} is nested too deeply to read") from None
    except Exception as exc:  # ruamel raises many types
        raise _parse_error(exc, where) from None
    _check_expansion(obj, where)
    return obj


def _check_expansion(obj: Any, where: str, limit: int | None = None) -> int:
    """Count the values of ``obj`` with shared (aliased) parts counted once per use, without
    expanding them; raise :class:`ConfigError` over ``limit`` or on a self-reference."""
    limit = MAX_YAML_VALUES if limit is None else limit
    if not isinstance(obj, dict | list):
        return 1
    size: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[tuple[Any, bool]] = [(obj, False)]
    while stack:
        node, done = stack.pop()
        kids = list(node.items()) if isinstance(node, dict) else node
        key = id(node)
        if done:
            flat = [v for kv in kids for v in kv] if isinstance(node, dict) else kids
            total = 1 + sum(size.get(id(v), 1) if isinstance(v, dict | list) else 1
                            for v in flat)
            size[key] = total
            open_.discard(key)
            if total > limit:
                raise ConfigError(
                    f"YAML {where} expands to more than {limit:,} values through anchors and "
                    "aliases (&name / *name); refused (a 'billion laughs' document?)")
            continue
        if key in size:
            continue
        open_.add(key)
        stack.append((node, True))
        for v in (node.values() if isinstance(node, dict) else node):
            if isinstance(v, dict | list):
                if id(v) in open_:
                    raise ConfigError(f"YAML {where} has an alias that refers to itself "
                                      "(a recursive structure); refused")
                if id(v) not in size:
                    stack.append((v, False))
    return size.get(id(obj), 1)


def dump_yaml(obj: Any, path: str | Path | None = None) -> str:
    """Dump ``obj`` (plain dicts/lists/scalars) as YAML; write to ``path`` (atomically) if given.

    Parameters
    ----------
    obj
        Plain data: dicts, lists and scalars.
    path
        File to write (atomically); ``None`` only returns the text.

    Returns
    -------
    str
        The YAML text.
    """
    y = _yaml()
    y.width = 4096  # a long path stays on its key's line (the default 80 moved it to the next)
    buf = io.StringIO()
    y.dump(_plain(obj), buf)
    text = buf.getvalue()
    if path is not None:
        from ._io import write_text_atomic

        write_text_atomic(path, text)
    return text


def _plain(obj: Any) -> Any:
    """Convert numpy scalars / tuples to plain Python for YAML output."""
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj
