"""aiindex: build, audit and stress-test composite indices.

>>> import aiindex
>>> result = aiindex.run()            # the bundled default index
>>> result.table().head()

Public entry points: :func:`load_config`, :func:`run`, :func:`validate`, :class:`Framework`,
:class:`Result`. Heavy optional packages (matplotlib, openpyxl, dask) are imported only by the
functions that need them.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version as _pkg_version

try:
    __version__ = _pkg_version("aiindex")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

from .config import Config, load_config, resolve_config
from .data import Dataset, load_data
from .errors import AIIndexError, ConfigError, DataError, MethodError, Problem, ValidationError
from .pipeline import Result, run, validate
from .spec import Framework, Node, dump_yaml, load_yaml

__all__ = [
    "__version__",
    "AIIndexError",
    "Config",
    "ConfigError",
    "DataError",
    "Dataset",
    "Framework",
    "MethodError",
    "Node",
    "Problem",
    "Result",
    "ValidationError",
    "dump_yaml",
    "load_config",
    "load_data",
    "load_yaml",
    "resolve_config",
    "run",
    "validate",
]
