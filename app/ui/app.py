"""Starting the wizard on a qasync event loop."""

from __future__ import annotations

import asyncio
import logging
import os
import sys

os.environ.setdefault("QT_API", "pyside6")

import qasync
from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from app.core.logs import start_run_log
from app.core.redact import Redactor
from app.core.resources import resource_path
from app.core.session import Session
from app.ui.wizard import SetupWizard

log = logging.getLogger("ai_cli_setup.ui")


def run_wizard(session: Session | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("ai-cli-setup")
    app.setWindowIcon(QIcon(str(resource_path("icons", "app.png"))))
    session = session or Session.for_this_machine()
    log_path = start_run_log(session.paths.logs, Redactor(session.host.env))
    log.info("wizard started; log %s", log_path)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    wizard = SetupWizard(session)
    wizard.show()
    # Detection starts once the window is up, so it appears at once.
    QTimer.singleShot(0, wizard.start_detection)
    with loop:
        closed = asyncio.Event()
        app.aboutToQuit.connect(closed.set)
        wizard.finished.connect(lambda _result: app.quit())
        loop.run_until_complete(closed.wait())
    return 0
