"""Progress of long computations, reported to whoever listens (the command line, a notebook).

Library code announces its steps; it never prints. A *reporter* decides how progress is shown:
the command line installs one that draws bars (percentage, time left) on stderr, and nothing is
shown otherwise (the default reporter does nothing)::

    from aiindex import _progress

    with _progress.step("replications", total=n) as advance:
        for chunk in chunks:
            ...
            advance(len(chunk))

    with _progress.use(MyReporter()):      # e.g. in the CLI
        aiindex.run_uncertainty(...)

A reporter implements :class:`Reporter`: ``start(label, total) -> handle``, ``advance(handle,
amount)`` and ``finish(handle)``. Steps may nest (a report's sections, the replications inside
one of them). The reporter in force is held in a context variable, so threads and async tasks
each see their own.
"""

from __future__ import annotations

import contextvars
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TextIO

__all__ = ["Reporter", "NullReporter", "TextReporter", "step", "use", "current"]


class Reporter(Protocol):
    """Receives the steps of a computation."""

    def start(self, label: str, total: float | None) -> Any:
        """A step begins; ``total`` units of work (``None``: unknown). Returns a handle."""

    def advance(self, handle: Any, amount: float) -> None:
        """``amount`` more units of the step are done."""

    def finish(self, handle: Any) -> None:
        """The step ended (normally or not)."""


class NullReporter:
    """Shows nothing (the default)."""

    def start(self, label: str, total: float | None) -> Any:  # noqa: D102 - protocol
        return None

    def advance(self, handle: Any, amount: float) -> None:  # noqa: D102 - protocol
        return None

    def finish(self, handle: Any) -> None:  # noqa: D102 - protocol
        return None


class TextReporter:
    """Plain text on a stream (stderr): one line per step, updated at most every ``every``
    seconds with the share done and the time left; used when no richer reporter is installed."""

    def __init__(self, stream: TextIO | None = None, every: float = 0.5) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.every = every

    def start(self, label: str, total: float | None) -> dict[str, Any]:  # noqa: D102
        return {"label": label, "total": total, "done": 0.0, "t0": time.monotonic(),
                "shown": 0.0}

    def advance(self, handle: dict[str, Any], amount: float) -> None:  # noqa: D102
        handle["done"] += amount
        now = time.monotonic()
        if now - handle["shown"] >= self.every:
            handle["shown"] = now
            self._show(handle, now)

    def finish(self, handle: dict[str, Any]) -> None:  # noqa: D102
        self._show(handle, time.monotonic())
        print(file=self.stream, flush=True)

    def _show(self, h: dict[str, Any], now: float) -> None:
        el = now - h["t0"]
        if h["total"]:
            frac = min(1.0, h["done"] / h["total"])
            left = el * (1 - frac) / frac if frac > 0 else float("nan")
            tail = f"{100 * frac:5.1f}%  {el:6.1f} s" + (
                f", about {left:.0f} s left" if frac < 1 and left == left else "")
        else:
            tail = f"{h['done']:g} done, {el:.1f} s"
        print(f"\r{h['label']}: {tail}   ", end="", file=self.stream, flush=True)


_NULL = NullReporter()
_reporter: contextvars.ContextVar[Any] = contextvars.ContextVar("aiindex_progress", default=None)


def current() -> Any:
    """The reporter in force (a :class:`NullReporter` when none is installed)."""
    rep = _reporter.get()
    return _NULL if rep is None else rep


@contextmanager
def use(reporter: Any) -> Iterator[Any]:
    """Install ``reporter`` for the duration of the block."""
    token = _reporter.set(reporter)
    try:
        yield reporter
    finally:
        _reporter.reset(token)


@contextmanager
def step(label: str, total: float | None = None) -> Iterator[Callable[[float], None]]:
    """A step of ``total`` units; the block receives ``advance(amount=1)``."""
    rep = current()
    handle = rep.start(label, total)
    try:
        yield lambda amount=1.0: rep.advance(handle, amount)
    finally:
        rep.finish(handle)
