"""Writing a file so that a kill at any moment leaves the old or the new one whole."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_NEW_FILE_MODE = 0o666 & ~_umask()  # what open() would give a new file


def write_atomically(
    path: Path, text: str, *, mode: int | None = None, newline: str | None = None
) -> None:
    """Write `text` to a temporary file beside `path`, flush it to disk, then swap it in.

    `mode` sets the file's permission bits; without it the file keeps its own, and
    a new one gets what the umask gives (not the temporary file's owner-only mode).
    `newline` is passed to `open`.
    """
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except OSError:
            mode = _NEW_FILE_MODE
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
