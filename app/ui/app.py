"""Starting the wizard on a qasync event loop."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from typing import Any

os.environ.setdefault("QT_API", "pyside6")

import qasync
from PySide6.QtCore import QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from app.core.logs import start_run_log
from app.core.redact import Redactor
from app.core.resources import resource_path
from app.core.session import Session
from app.ui.errors import make_error_handler
from app.ui.qtguard import guard_none_refcount
from app.ui.wizard import SetupWizard

log = logging.getLogger("ai_cli_setup.ui")


def _on_loop_error(_loop: object, context: dict[str, Any]) -> None:
    """Errors asyncio would only print go to the same handler as the rest."""
    exc = context.get("exception") or RuntimeError(context.get("message", "asyncio error"))
    sys.excepthook(type(exc), exc, exc.__traceback__)


def _install_translators(app: QApplication) -> None:
    """Qt's own words (the wizard's buttons) in the user's language."""
    # FIXME(i18n): ship the wizard's own .qm files once there are translations.
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(QLocale.system(), "qtbase", "_", folder):
        app.installTranslator(translator)


def run_wizard(session: Session | None = None) -> int:
    guard_none_refcount()
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("ai-cli-setup")
    app.setWindowIcon(QIcon(str(resource_path("icons", "app.png"))))
    if isinstance(app, QApplication):
        _install_translators(app)
    session = session or Session.for_this_machine()
    log_path = start_run_log(session.paths.logs, Redactor(session.host.env))
    log.info("wizard started; log %s", log_path)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    wizard = SetupWizard.for_session(session)
    # Every uncaught error, in a slot or a task, ends on the error page.
    sys.excepthook = make_error_handler(wizard.show_error)
    loop.set_exception_handler(_on_loop_error)
    wizard.show()
    # Detection starts once the window is up, so it appears at once.
    QTimer.singleShot(0, wizard.start_detection)
    with loop:
        closed = asyncio.Event()
        app.aboutToQuit.connect(closed.set)
        wizard.finished.connect(lambda _result: app.quit())
        loop.run_until_complete(closed.wait())
    return 0
