"""The per-run log file: DEBUG detail, flushed line by line, secrets masked.

The newest `KEEP` run logs are kept; older ones are removed when a run starts.
A log whose first line cannot be written is not started (the caller says why);
one that fails later (the disk filled up) says so once on stderr and is closed,
never a traceback per line.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import platform
import sys
import time
from collections.abc import Collection
from pathlib import Path

from app import __version__
from app.core.redact import Redactor

KEEP = 10
LOGGER_NAME = "ai_cli_setup"


class _RedactingFilter(logging.Filter):
    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        # A traceback can carry secrets too (a failing URL, an argument): fold it in first.
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        if record.stack_info:
            text += "\n" + record.stack_info
        record.msg = self._redactor(text)
        record.args = None
        record.exc_info = record.exc_text = record.stack_info = None
        return True


def why_unwritable(exc: OSError) -> str:
    """Why a file cannot be written, in a user's words."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full"
    if exc.errno == errno.EROFS:
        return "the folder is read-only"
    return exc.strerror or str(exc)


class _RunLogHandler(logging.FileHandler):
    """The run log's handler: a write that fails closes it, said once, never a traceback."""

    def __init__(self, path: Path, *, fsync: bool) -> None:
        super().__init__(path, encoding="utf-8")
        self._fsync = fsync
        self.failure: OSError | None = None
        self.quiet = True  # while the log starts, its caller says what failed

    def flush(self) -> None:
        super().flush()
        if self._fsync and self.stream is not None:
            with contextlib.suppress(OSError):
                os.fsync(self.stream.fileno())

    def emit(self, record: logging.LogRecord) -> None:
        if self.failure is None:
            super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:
        exc = sys.exc_info()[1]
        if not isinstance(exc, OSError):
            super().handleError(record)  # a bug in a message: logging's own report
            return
        if self.failure is not None:
            return
        self.failure = exc
        stream, self.stream = self.stream, None  # type: ignore[assignment]
        with contextlib.suppress(OSError, ValueError):
            stream.close()  # the unwritten lines go: they can never be written
        if not self.quiet:
            print(
                f"ai-cli-setup: warning: the log file {self.baseFilename} can no longer be "
                f"written: {why_unwritable(exc)}; the rest of this run's output is only on "
                "screen.",
                file=sys.stderr,
            )

    def close(self) -> None:
        with contextlib.suppress(OSError):  # its last lines cannot be written: said already
            super().close()


def start_run_log(
    log_dir: Path,
    redactor: Redactor,
    *,
    fsync: bool = False,
    what: str = "run",
    keep: Collection[str] = (),
) -> Path:
    """Open a new run log under `log_dir` and return its path.

    Its first line names the version and `what` runs (the wizard, a subcommand),
    so a helper handed a folder of logs can tell an install's from a detect's.
    Logs named in `keep` (the last install's) survive the pruning of old ones.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = log_dir / f"run-{stamp}-{os.getpid()}.log"
    handler = _RunLogHandler(path, fsync=fsync)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(_RedactingFilter(redactor))
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(logging.DEBUG)
    for old in [h for h in logger.handlers if getattr(h, "_run_log", False)]:
        logger.removeHandler(old)
        old.close()
    handler._run_log = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.info("ai-cli-setup %s: %s on Python %s", __version__, what, platform.python_version())
    if handler.failure is not None:  # the first line (written and flushed) did not get in
        logger.removeHandler(handler)
        handler.close()
        path.unlink(missing_ok=True)
        failure = handler.failure
        raise OSError(failure.errno, failure.strerror, str(path)) from failure
    handler.quiet = False
    prune_logs(log_dir, keep=KEEP, current=path, also=keep)
    return path


def prune_logs(
    log_dir: Path, keep: int, current: Path | None = None, also: Collection[str] = ()
) -> None:
    """Remove all but the newest `keep` run logs, the current one and those named in `also`."""
    logs = sorted(log_dir.glob("run-*.log"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in logs[keep:]:
        if old != current and old.name not in also:
            old.unlink(missing_ok=True)


def current_log_path() -> Path | None:
    for handler in logging.getLogger(LOGGER_NAME).handlers:
        if getattr(handler, "_run_log", False):
            return Path(handler.baseFilename)  # type: ignore[attr-defined]
    return None
