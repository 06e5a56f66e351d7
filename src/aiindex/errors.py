"""Exceptions and the problem report used throughout aiindex.

Every error names its culprit (file, row, column, YAML key, value, what was expected).
Validation collects *all* problems before raising one :class:`ValidationError`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "AIIndexError",
    "ConfigError",
    "DataError",
    "MethodError",
    "OutputError",
    "Problem",
    "ValidationError",
]


class AIIndexError(Exception):
    """Base class of every error raised by aiindex."""


class ConfigError(AIIndexError, ValueError):
    """A configuration (YAML or mapping) is invalid."""


class DataError(AIIndexError, ValueError):
    """Input data are invalid for the requested operation."""


class MethodError(AIIndexError, ValueError):
    """A method is unknown, or was given invalid parameters or input."""


class OutputError(AIIndexError, OSError):
    """An output cannot be written (a folder where a file is expected, a read-only place, ...)."""


@dataclass(frozen=True)
class Problem:
    """One problem found while validating a config or a dataset.

    Parameters
    ----------
    message
        What is wrong, in one sentence.
    file
        The file concerned, if any.
    row
        Row label or number (1-based for files) concerned, if any.
    column
        Column concerned, if any.
    key
        Dotted YAML key concerned, if any (e.g. ``normalize.method``).
    value
        The offending value, if any.
    expected
        What was expected instead.
    """

    message: str
    file: str | None = None
    row: Any = None
    column: str | None = None
    key: str | None = None
    value: Any = None
    expected: str | None = None

    def __str__(self) -> str:
        parts = []
        for name in ("file", "row", "column", "key"):
            v = getattr(self, name)
            if v is not None:
                parts.append(f"{name}={v}")
        where = f"[{', '.join(parts)}] " if parts else ""
        tail = ""
        if self.value is not None:
            tail += f" (got {self.value!r}"
            tail += f"; expected {self.expected})" if self.expected else ")"
        elif self.expected:
            tail += f" (expected {self.expected})"
        return f"{where}{self.message}{tail}"

    def to_dict(self) -> dict[str, Any]:
        """Return the problem as a plain dict (for tables)."""
        return asdict(self)


@dataclass
class ValidationError(AIIndexError, ValueError):
    """Several problems found at once; ``problems`` lists them all."""

    problems: list[Problem] = field(default_factory=list)
    title: str = "validation failed"

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [f"{self.title}: {len(self.problems)} problem(s)"]
        lines += [f"  {i}. {p}" for i, p in enumerate(self.problems, 1)]
        return "\n".join(lines)

    def to_frame(self):  # pragma: no cover - thin wrapper
        """Return the problems as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame([p.to_dict() for p in self.problems])
