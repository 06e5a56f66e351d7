"""One handler for every command: no traceback reaches a command-line user.

* bad input (:class:`~aiindex.errors.AIIndexError`, a missing or unreadable file, a file that is
  not text in the expected encoding, no memory for what was asked): one ``error:`` line, exit 2;
* Ctrl-C: one ``interrupted`` line, exit 130 (outputs are written atomically, so no file that
  looks complete is left behind);
* a closed pipe (``aiindex run | head``): exit 0 quietly;
* anything else is a bug: one ``internal error`` line asking for a report, exit 1.

``--debug`` (or ``AIINDEX_DEBUG=1``) re-raises, so the traceback is shown.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

__all__ = ["handle", "EXIT_BAD_INPUT", "EXIT_INTERNAL", "EXIT_INTERRUPTED"]

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1
EXIT_INTERRUPTED = 130

_REPORT = "please report it with the command and the output of `--debug`"


def _describe_os_error(exc: OSError) -> str:
    what = {
        FileNotFoundError: "file or folder not found",
        IsADirectoryError: "is a folder, expected a file",
        NotADirectoryError: "is not a folder",
        PermissionError: "permission denied",
        FileExistsError: "already exists",
    }.get(type(exc), exc.strerror or type(exc).__name__)
    where = f": {exc.filename}" if getattr(exc, "filename", None) else ""
    return f"{what}{where}"


def _one_line(exc: BaseException) -> str:
    """The message of an error as one line; several problems keep one line each."""
    from ..errors import ValidationError

    if isinstance(exc, ValidationError):
        if len(exc.problems) == 1:
            return f"{exc.title}: {exc.problems[0]}"
        return str(exc)
    return " ".join(line.strip() for line in str(exc).splitlines() if line.strip())


def handle(func: Callable[[], int | None], *, debug: bool = False,
           command: str | None = None) -> int:
    """Run ``func`` and turn what it raises into one line on stderr and an exit code."""
    from ..errors import AIIndexError

    prefix = f"aiindex {command}: " if command else "aiindex: "
    try:
        return int(func() or 0)
    except BrokenPipeError:  # the reader closed the pipe (e.g. `aiindex run | head`)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        if debug:
            raise
        print(f"\n{prefix}interrupted; no partial output was left under a final name",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    except AIIndexError as exc:
        if debug:
            raise
        print(f"{prefix}error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        if debug:
            raise
        print(f"{prefix}error: {_describe_os_error(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except UnicodeDecodeError as exc:
        if debug:
            raise
        print(f"{prefix}error: a file is not UTF-8 text ({exc.reason} at byte {exc.start}); "
              "save it as UTF-8 or set data.encoding in the config", file=sys.stderr)
        return EXIT_BAD_INPUT
    except MemoryError:
        if debug:
            raise
        print(f"{prefix}error: not enough memory for this run; reduce the number of "
              "replications (--n) or the chunk size (uncertainty.chunk_size)", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        if debug:
            raise
        print(f"{prefix}internal error ({type(exc).__name__}: {exc}); {_REPORT}",
              file=sys.stderr)
        return EXIT_INTERNAL
