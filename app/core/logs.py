"""The per-run log file: DEBUG detail, flushed line by line, secrets masked.

The newest `KEEP` run logs are kept; older ones are removed when a run starts.
"""

from __future__ import annotations

import contextlib
import logging
import os
import platform
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


class _FlushingHandler(logging.FileHandler):
    """A file handler that also asks the OS to keep each line."""

    def flush(self) -> None:
        super().flush()
        if self.stream is not None:
            with contextlib.suppress(OSError):
                os.fsync(self.stream.fileno())


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
    handler_cls = _FlushingHandler if fsync else logging.FileHandler
    handler = handler_cls(path, encoding="utf-8")
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
