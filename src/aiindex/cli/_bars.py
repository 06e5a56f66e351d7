"""Progress bars of the command line: a :mod:`aiindex._progress` reporter drawn with ``rich``.

The library announces its steps (``_progress.step(label, total)``); :func:`aiindex.cli.main`
installs :class:`BarReporter` around a command when standard error is a terminal and
``--quiet`` is not given. Each step is a bar with its share done, the time elapsed and the time
left; nested steps (the years of a panel inside a report) are indented under their parent. The
bars are drawn on standard error and cleared when the last step ends, so the printed results
stay clean (and piped standard output never holds a bar).
"""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO

__all__ = ["BarReporter", "wanted"]


def wanted(quiet: bool, stream: TextIO | None = None) -> bool:
    """Bars only on a terminal (standard error by default), not with ``--quiet`` or
    ``TERM=dumb``."""
    s = sys.stderr if stream is None else stream
    if quiet or os.environ.get("TERM") == "dumb":
        return False
    try:
        return bool(s.isatty())
    except (AttributeError, ValueError):
        return False


class BarReporter:
    """A :class:`aiindex._progress.Reporter` drawing ``rich`` progress bars on a stream.

    Parameters
    ----------
    stream
        Where to draw (default: standard error).
    color
        Colours (default: unless ``NO_COLOR`` is set).
    """

    def __init__(self, stream: TextIO | None = None, color: bool | None = None) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.color = (not os.environ.get("NO_COLOR")) if color is None else color
        self._progress: Any = None
        self._open: list[Any] = []

    def _start_display(self) -> Any:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            SpinnerColumn,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        con = Console(file=self.stream, force_terminal=True, markup=False, emoji=False,
                      color_system="auto" if self.color else None, no_color=not self.color)
        # labels hold user text (unit names, file names): never read as rich markup
        prog = Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False),
                        BarColumn(),
                        TaskProgressColumn(), TextColumn("elapsed"), TimeElapsedColumn(),
                        TextColumn("left"), TimeRemainingColumn(), console=con, transient=True,
                        redirect_stdout=False, redirect_stderr=False, refresh_per_second=8)
        prog.start()
        return prog

    def start(self, label: str, total: float | None) -> Any:
        """Add a bar (``total`` ``None``: a spinner without a share)."""
        if self._progress is None:
            self._progress = self._start_display()
        task = self._progress.add_task("  " * len(self._open) + label, total=total)
        self._open.append(task)
        return task

    def advance(self, handle: Any, amount: float) -> None:
        """Move a bar on by ``amount`` units."""
        if self._progress is not None and handle in self._open:
            self._progress.advance(handle, amount)

    def finish(self, handle: Any) -> None:
        """Remove a finished bar; the display closes with the last one."""
        if self._progress is None or handle not in self._open:
            return
        self._open.remove(handle)
        self._progress.remove_task(handle)
        if not self._open:
            self.close()

    def close(self) -> None:
        """Stop drawing (also after an error)."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        self._open.clear()
