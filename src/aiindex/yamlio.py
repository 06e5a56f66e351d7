"""YAML 1.2 input and output (ruamel.yaml, safe mode).

A YAML 1.2 loader keeps ISO codes such as ``NO`` (Norway) as strings; ``yaml.load`` of PyYAML
would turn them into booleans. Every YAML file of the project is read through :func:`load_yaml`.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ConfigError

__all__ = ["load_yaml", "dump_yaml"]


def _yaml():
    from ruamel.yaml import YAML

    y = YAML(typ="safe", pure=True)  # YAML 1.2: `NO` stays a string
    y.default_flow_style = False
    y.sort_base_mapping_type_on_output = False  # keep key order
    return y


def load_yaml(source: str | Path | io.IOBase) -> Any:
    """Load YAML 1.2 safely (ISO codes such as ``NO`` stay strings).

    Parameters
    ----------
    source
        A path, or an open text stream, or a YAML string containing a newline.
    """
    y = _yaml()
    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source):
        path = Path(source)
        if not path.exists():
            raise ConfigError(f"YAML file not found: {path}")
        try:
            with open(path, encoding="utf-8") as fh:
                return y.load(fh)
        except Exception as exc:  # ruamel raises many types
            if isinstance(exc, ConfigError):
                raise
            raise ConfigError(f"cannot parse YAML file {path}: {exc}") from exc
    try:
        return y.load(source)
    except Exception as exc:
        raise ConfigError(f"cannot parse YAML: {exc}") from exc


def dump_yaml(obj: Any, path: str | Path | None = None) -> str:
    """Dump ``obj`` (plain dicts/lists/scalars) as YAML; write to ``path`` if given."""
    y = _yaml()
    buf = io.StringIO()
    y.dump(_plain(obj), buf)
    text = buf.getvalue()
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def _plain(obj: Any) -> Any:
    """Convert numpy scalars / tuples to plain Python for YAML output."""
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float) and obj.is_integer() and abs(obj) < 1e15:
        return obj  # keep floats as floats (lossless round trip)
    return obj
