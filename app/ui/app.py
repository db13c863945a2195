"""Starting the wizard on a qasync event loop."""

from __future__ import annotations

import asyncio
import logging
import os
import sys

os.environ.setdefault("QT_API", "pyside6")

import qasync
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.core.logs import start_run_log
from app.core.redact import Redactor
from app.core.session import Session
from app.ui.errors import make_error_handler
from app.ui.wizard import SetupWizard

log = logging.getLogger("ai_cli_setup.ui")


def run_wizard(session: Session | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("ai-cli-setup")
    session = session or Session.for_this_machine()
    log_path = start_run_log(session.paths.logs, Redactor(session.host.env))
    log.info("wizard started; log %s", log_path)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    wizard = SetupWizard.for_session(session)
    # Every uncaught error, in a slot or a task, ends on the error page.
    sys.excepthook = make_error_handler(wizard.show_error)
    loop.set_exception_handler(
        lambda _loop, context: sys.excepthook(
            type(context.get("exception", RuntimeError(context["message"]))),
            context.get("exception", RuntimeError(context["message"])),
            None,
        )
    )
    wizard.show()
    # Detection starts once the window is up, so it appears at once.
    QTimer.singleShot(0, wizard.start_detection)
    with loop:
        closed = asyncio.Event()
        app.aboutToQuit.connect(closed.set)
        wizard.finished.connect(lambda _result: app.quit())
        loop.run_until_complete(closed.wait())
    return 0
