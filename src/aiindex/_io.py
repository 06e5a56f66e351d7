"""Writing files so that an interrupted command never leaves a file that looks complete.

* One file: :func:`atomic_path` / :func:`write_text_atomic` write to a temporary name in the
  destination folder and rename it into place (:func:`os.replace` is atomic on one file
  system), so a reader sees the old file, the new file, or nothing, never half a file.
  Temporary names are hidden and keep the file's suffix (``.k3j9x.part-report.html``), so
  writers that choose a format by suffix (matplotlib, Excel) work on them.
* A folder of outputs (``--out DIR``): :class:`OutputDir` writes every file under a temporary
  name, renames them all at the end and writes ``manifest.json`` **last** (files, sizes,
  SHA-256 checksums, command, config hash, aiindex version, ``"complete": true``). A folder
  without a complete manifest is, by definition, not a finished output. The files of an earlier
  run (listed in its manifest) are removed when the new ones are moved into place, so no stale
  file of another run stays beside them; until then an interrupted run leaves the earlier
  output as it was. A non-empty folder without a manifest is refused (it may hold someone's
  files). :meth:`OutputDir.write_folder` adopts the files of a writer that only knows how to
  write into a folder (``obj.to_csv(folder)``).
* A folder or file that cannot be written (a file where a folder is needed, a read-only place)
  is an :class:`~aiindex.errors.OutputError` naming the path, raised before any work is lost.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .errors import AIIndexError, OutputError

__all__ = ["atomic_path", "write_text_atomic", "write_bytes_atomic", "write_with", "OutputDir",
           "MANIFEST", "config_hash", "read_manifest", "check_output"]

#: name of the manifest written last into an output folder
MANIFEST = "manifest.json"
_PART = ".part"


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _mkdir(folder: Path, what: Path) -> None:
    """Create ``folder`` (and its parents) or raise :class:`OutputError` naming ``what``."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"cannot write {what}: {folder} is a file, not a folder") from None
    except NotADirectoryError:
        bad = next((p for p in folder.parents if p.exists() and not p.is_dir()), folder)
        raise OutputError(f"cannot write {what}: {bad} is a file, not a folder") from None
    except OSError as exc:
        raise OutputError(f"cannot write {what}: {_why(exc)} ({exc.filename or folder}); "
                          "choose a folder you can write to") from None


def _tempfile(folder: Path, name: str, what: Path) -> Path:
    """A new hidden temporary file in ``folder`` that keeps the suffix of ``name``."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=f"{_PART}-{name}", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write {what}: {_why(exc)}; choose a folder you can write "
                          "to") from None
    os.close(fd)
    # mkstemp creates the file readable by its owner only (0600); a published output gets the
    # permissions of any file the user creates (0666 less the umask), as a plain open() would
    try:
        os.chmod(tmp, 0o666 & ~_umask())
    except OSError:  # pragma: no cover - a file system without modes
        pass
    return Path(tmp)


def _umask() -> int:
    """The process's file-creation mask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _foreign_entries(folder: Path) -> list[str]:
    """Names in ``folder`` that an aiindex run did not write: everything but the manifest,
    hidden files (``.gitkeep``, editor files) and temporaries of an interrupted run."""
    return sorted(e.name for e in folder.iterdir()
                  if not e.name.startswith(".") and e.name != MANIFEST)


def check_output(path: str | Path, *, folder: bool) -> None:
    """Fail early (before a long run) when ``path`` cannot take the output: a file where a
    folder is needed or the reverse, a parent that is a file, a folder that is not writable, or
    (``folder``) a non-empty folder without an aiindex manifest. Nothing is created.

    Raises
    ------
    OutputError
        Naming the path and what to do.
    """
    p = Path(path)
    if folder and p.exists() and not p.is_dir():
        raise OutputError(f"--out {p} is a file; give a folder")
    if not folder and p.is_dir():
        raise OutputError(f"output {p} is a folder; give a file name")
    if folder and p.is_dir():
        entries = _foreign_entries(p)
        if entries and not (p / MANIFEST).exists():
            raise OutputError(
                f"output folder {p} is not empty and has no {MANIFEST} of an earlier aiindex "
                f"run ({', '.join(entries[:8])}); write to a new or empty folder")
    base = p if folder and p.is_dir() else p.parent
    while not base.exists():
        base = base.parent
    if not base.is_dir():
        raise OutputError(f"cannot write {p}: {base} is a file, not a folder")
    if not os.access(base, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {p}: permission denied in {base}; choose a folder you "
                          "can write to")


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path`` that is renamed to ``path`` when the block succeeds.

    The parent folder is created. If the block raises (including ``KeyboardInterrupt``), the
    temporary file is removed and ``path`` is left as it was.

    Raises
    ------
    OutputError
        ``path`` is an existing folder, a parent is a file, or the folder cannot be written.
    """
    dest = Path(path)
    if dest.is_dir():
        raise OutputError(f"output {dest} is a folder; give a file name")
    _mkdir(dest.parent, dest)
    tmp_path = _tempfile(dest.parent, dest.name, dest)
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
    OutputError
        ``path`` is a file or cannot be written; the folder holds files but no manifest of an
        earlier aiindex run.
    AIIndexError
        A file name is written twice or is not a plain name.
    """

    def __init__(self, path: str | Path, *, command: str = "", config: Any = None,
                 extra: Mapping[str, Any] | None = None) -> None:
        self.root = Path(path)
        self.command = command
        self.config = config
        self.extra = dict(extra or {})
        self._tmp: dict[str, Path] = {}
        self._dirs: list[Path] = []
        self.paths: list[Path] = []
        self.removed: list[str] = []

    # ------------------------------------------------------------------ set-up
    def _prepare(self) -> None:
        if self.root.exists() and not self.root.is_dir():
            raise OutputError(f"--out {self.root} is a file; give a folder")
        _mkdir(self.root, self.root)
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise OutputError(f"cannot write {self.root}: permission denied; choose a folder "
                              "you can write to")
        manifest = self.root / MANIFEST
        entries = _foreign_entries(self.root)
        self._old: list[str] = []
        if manifest.exists():
            try:
                old = json.loads(manifest.read_text(encoding="utf-8"))
                self._old = [str(f["name"]) for f in old.get("files", [])]
            except (ValueError, KeyError, TypeError, AttributeError):
                raise OutputError(f"{manifest} is not an aiindex manifest; write to an empty "
                                  "folder or remove it") from None
        elif entries:
            shown = ", ".join(entries[:8])
            raise OutputError(
                f"output folder {self.root} is not empty and has no {MANIFEST} of an earlier "
                f"aiindex run ({shown}{', ...' if len(entries) > 8 else ''}); write to a new "
                "or empty folder, or remove those files")
        # the folder is ours (or empty but for hidden files): remove temporaries of a killed run
        for stale in self.root.glob(f".*{_PART}*"):
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                stale.unlink(missing_ok=True)

    def __enter__(self) -> OutputDir:
        self._prepare()
        return self

    # ------------------------------------------------------------------ writing
    def _check_name(self, name: str) -> None:
        if Path(name).name != name or name in ("", ".", "..", MANIFEST) or name.startswith("."):
            raise AIIndexError(f"output file name {name!r} must be a plain file name")
        if name in self._tmp:
            raise AIIndexError(f"output file {name!r} written twice")

    def _tmp_for(self, name: str) -> Path:
        self._check_name(name)
        self._tmp[name] = _tempfile(self.root, name, self.root / name)
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

    def write_folder(self, writer: Callable[[Path], object]) -> list[Path]:
        """Call ``writer(folder)`` on an empty hidden folder and adopt the files it writes there.

        For objects that write themselves into a folder (``result.to_csv(folder)``): their files
        appear with the others at the end of the block. Sub-folders are refused.

        Returns
        -------
        list of Path
            The final paths of the adopted files (in the order ``writer`` returned them, when it
            returns paths; else by name).
        """
        try:
            stage = Path(tempfile.mkdtemp(prefix=".", suffix=f"{_PART}-dir", dir=self.root))
        except OSError as exc:
            raise OutputError(f"cannot write {self.root}: {_why(exc)}") from None
        self._dirs.append(stage)
        returned = writer(stage)
        files = sorted(stage.iterdir())
        if isinstance(returned, list | tuple):
            order = {Path(p).name: i for i, p in enumerate(returned)}
            files.sort(key=lambda p: (order.get(p.name, len(order)), p.name))
        out = []
        for p in files:
            if p.is_dir():
                raise AIIndexError(f"output writer made a sub-folder {p.name!r}; only files "
                                   "are adopted")
            self._check_name(p.name)
            self._tmp[p.name] = p
            out.append(self.root / p.name)
        return out

    # ------------------------------------------------------------------ finishing
    def _manifest(self) -> dict[str, Any]:
        from ._version import __version__

        files = [{"name": n, "bytes": (self.root / n).stat().st_size,
                  "sha256": _sha256(self.root / n)} for n in self._tmp]
        return {"complete": True, "command": self.command, "aiindex_version": __version__,
                "config_hash": config_hash(self.config),
                "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                **self.extra, "files": files}

    def _discard(self) -> None:
        for p in self._tmp.values():
            p.unlink(missing_ok=True)
        for d in self._dirs:
            shutil.rmtree(d, ignore_errors=True)

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            self._discard()
            return
        try:
            self._commit()
        except BaseException:
            self._discard()
            raise

    def _commit(self) -> None:
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
        for d in self._dirs:
            shutil.rmtree(d, ignore_errors=True)
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
