"""Writing files so that an interrupted command never leaves a file that looks complete.

* One file: :func:`atomic_path` / :func:`write_text_atomic` write to a temporary name in the
  destination folder and rename it into place (:func:`os.replace` is atomic on one file
  system), so a reader sees the old file, the new file, or nothing, never half a file.
* A folder of outputs (``--out DIR``): :class:`OutputDir` writes every file under a temporary
  name, renames them all at the end and writes ``manifest.json`` **last** (files, sizes,
  SHA-256 checksums, command, config hash, aiindex version, ``"complete": true``). A folder
  without a complete manifest is, by definition, not a finished output. The files of an earlier
  run (listed in its manifest) are removed when the new ones are moved into place, so no stale
  file of another run stays beside them; until then an interrupted run leaves the earlier
  output as it was. A non-empty folder without a manifest is refused (it may hold someone's
  files).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .errors import AIIndexError

__all__ = ["atomic_path", "write_text_atomic", "write_bytes_atomic", "write_with", "OutputDir",
           "MANIFEST", "config_hash", "read_manifest"]

#: name of the manifest written last into an output folder
MANIFEST = "manifest.json"
_PART = ".part"


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path`` that is renamed to ``path`` when the block succeeds.

    The parent folder is created. If the block raises (including ``KeyboardInterrupt``), the
    temporary file is removed and ``path`` is left as it was.

    Raises
    ------
    AIIndexError
        ``path`` is an existing folder, or its parent is a file.
    """
    dest = Path(path)
    if dest.is_dir():
        raise AIIndexError(f"output {dest} is a folder; give a file name")
    if dest.parent.exists() and not dest.parent.is_dir():
        raise AIIndexError(f"cannot write {dest}: {dest.parent} is a file, not a folder")
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=_PART, dir=dest.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, dest)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically, creating its folder; return the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically, creating its folder; return the path."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_with(path: str | Path, writer: Callable[[Path], object]) -> Path:
    """Call ``writer(tmp_path)`` and move the file it wrote to ``path`` atomically."""
    with atomic_path(path) as tmp:
        writer(tmp)
    return Path(path)


def config_hash(config: Any) -> str | None:
    """SHA-256 of a config's resolved content (``to_dict()``, sorted JSON), or ``None``."""
    if config is None:
        return None
    d = config.to_dict() if hasattr(config, "to_dict") else config
    d = {k: v for k, v in dict(d).items() if k not in ("base_dir", "source_file")}
    text = json.dumps(d, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class OutputDir:
    """A folder of outputs written as one unit (see the module docstring).

    Parameters
    ----------
    path
        The folder (created if needed).
    command
        What produced it (e.g. ``"aiindex run configs/asem.yaml"``), for the manifest.
    config
        The resolved config (its hash goes into the manifest), or ``None``.
    extra
        More manifest entries (e.g. the seed).

    Examples
    --------
    >>> with OutputDir("out", command="aiindex run") as out:        # doctest: +SKIP
    ...     out.write("scores.csv", lambda p: scores.to_csv(p))
    ...     out.write_text("note.txt", "hello")
    >>> out.paths                                                   # doctest: +SKIP
    [PosixPath('out/scores.csv'), PosixPath('out/note.txt'), PosixPath('out/manifest.json')]

    Raises
    ------
    AIIndexError
        ``path`` is a file; the folder holds files but no manifest of an earlier aiindex run;
        a file name is written twice or is not a plain name.
    """

    def __init__(self, path: str | Path, *, command: str = "", config: Any = None,
                 extra: Mapping[str, Any] | None = None) -> None:
        self.root = Path(path)
        self.command = command
        self.config = config
        self.extra = dict(extra or {})
        self._tmp: dict[str, Path] = {}
        self.paths: list[Path] = []
        self.removed: list[str] = []

    # ------------------------------------------------------------------ set-up
    def _prepare(self) -> None:
        if self.root.exists() and not self.root.is_dir():
            raise AIIndexError(f"--out {self.root} is a file; give a folder")
        self.root.mkdir(parents=True, exist_ok=True)
        for stale in self.root.glob(f".*{_PART}"):  # temporaries of a killed run
            stale.unlink(missing_ok=True)
        manifest = self.root / MANIFEST
        entries = [p for p in self.root.iterdir() if p.name != MANIFEST]
        self._old: list[str] = []
        if manifest.exists():
            try:
                old = json.loads(manifest.read_text(encoding="utf-8"))
                self._old = [str(f["name"]) for f in old.get("files", [])]
            except (ValueError, KeyError, TypeError, AttributeError):
                raise AIIndexError(f"{manifest} is not an aiindex manifest; write to an empty "
                                   "folder or remove it") from None
        elif entries:
            shown = ", ".join(sorted(p.name for p in entries)[:8])
            raise AIIndexError(
                f"output folder {self.root} is not empty and has no {MANIFEST} of an earlier "
                f"aiindex run ({shown}{', ...' if len(entries) > 8 else ''}); write to a new "
                "or empty folder, or remove those files")

    def __enter__(self) -> OutputDir:
        self._prepare()
        return self

    # ------------------------------------------------------------------ writing
    def _tmp_for(self, name: str) -> Path:
        if Path(name).name != name or name in ("", ".", "..", MANIFEST):
            raise AIIndexError(f"output file name {name!r} must be a plain file name")
        if name in self._tmp:
            raise AIIndexError(f"output file {name!r} written twice")
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=_PART, dir=self.root)
        os.close(fd)
        self._tmp[name] = Path(tmp)
        return self._tmp[name]

    def write(self, name: str, writer: Callable[[Path], object]) -> Path:
        """Call ``writer(tmp_path)`` to write file ``name``; it appears at the end of the block."""
        writer(self._tmp_for(name))
        return self.root / name

    def write_text(self, name: str, text: str) -> Path:
        """Write text file ``name`` (UTF-8)."""
        return self.write(name, lambda p: p.write_text(text, encoding="utf-8"))

    def write_csv(self, name: str, df: Any, **kw: Any) -> Path:
        """Write a DataFrame as CSV file ``name`` (keyword arguments go to ``to_csv``)."""
        return self.write(name, lambda p: df.to_csv(p, **kw))

    # ------------------------------------------------------------------ finishing
    def _manifest(self) -> dict[str, Any]:
        from ._version import __version__

        files = [{"name": n, "bytes": (self.root / n).stat().st_size,
                  "sha256": _sha256(self.root / n)} for n in self._tmp]
        return {"complete": True, "command": self.command, "aiindex_version": __version__,
                "config_hash": config_hash(self.config),
                "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                **self.extra, "files": files}

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            for p in self._tmp.values():
                p.unlink(missing_ok=True)
            return
        manifest = self.root / MANIFEST
        # an interruption from here on leaves an incomplete manifest naming every file, so the
        # next run removes them all
        pending = sorted(set(self._old) | set(self._tmp))
        write_text_atomic(manifest, json.dumps(
            {"complete": False, "files": [{"name": n} for n in pending]}, indent=2) + "\n")
        for name in self._old:
            p = self.root / name
            if name not in self._tmp and p.is_file() and Path(name).name == name:
                p.unlink()
                self.removed.append(name)
        for name, tmp in self._tmp.items():
            os.replace(tmp, self.root / name)
        write_text_atomic(manifest, json.dumps(self._manifest(), indent=2) + "\n")
        self.paths = [self.root / n for n in self._tmp] + [manifest]


def read_manifest(path: str | Path) -> dict[str, Any]:
    """The manifest of an output folder; raises when it is missing or incomplete."""
    p = Path(path) / MANIFEST
    if not p.exists():
        raise AIIndexError(f"{Path(path)} has no {MANIFEST}: not a complete aiindex output")
    m = json.loads(p.read_text(encoding="utf-8"))
    if m.get("complete") is not True:
        raise AIIndexError(f"{p} does not mark a complete output")
    return m
