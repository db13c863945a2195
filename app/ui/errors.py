"""One handler for every uncaught error: log it, then show the error page."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from types import TracebackType

log = logging.getLogger("ai_cli_setup.ui")

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


def make_error_handler(show: Callable[[str, str], None]) -> ExceptHook:
    """An excepthook that logs the traceback and calls `show(summary, details)`."""

    def handle(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        details = "".join(traceback.format_exception(kind, exc, tb))
        log.error("uncaught error\n%s", details)
        try:
            show(f"{kind.__name__}: {exc}", details)
        except Exception:  # the error page itself failed: stderr is all that is left
            sys.__excepthook__(kind, exc, tb)

    return handle
