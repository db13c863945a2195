"""Starting the wizard: its window first, then the core and the qasync event loop."""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING, Any

os.environ.setdefault("QT_API", "pyside6")

from PySide6.QtCore import QEventLoop, QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from app.core.resources import resource_path
from app.ui.qtguard import guard_none_refcount
from app.ui.wizard import SetupWizard

if TYPE_CHECKING:
    from app.core.session import Session

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


def open_window() -> tuple[QApplication, SetupWizard]:
    """Show the wizard and paint it, before anything of the core is imported.

    Only Qt and the pages load first, so the window appears at once; the
    caller then loads the core, sets the wizard's operations and starts the
    event loop (which starts detection). `--self-test` times this too.
    """
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("ai-cli-setup")
    app.setWindowIcon(QIcon(str(resource_path("icons", "app.png"))))
    if isinstance(app, QApplication):
        _install_translators(app)
    wizard = SetupWizard(later=True)
    wizard.show()
    # Paint now. The other pages (wizard.add_pages()) and the core load next,
    # before the event loop runs, so input waits until they are there.
    app.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
    return app, wizard


def run_wizard(session: Session | None = None) -> int:
    app, wizard = open_window()
    guard_none_refcount()  # a few hundred Qt calls so far: far from the limit it guards
    wizard.add_pages()
    import asyncio

    import qasync

    from app.core.logs import start_run_log
    from app.core.redact import Redactor
    from app.core.session import Session
    from app.ui.errors import make_error_handler
    from app.ui.operations import SessionOperations

    session = session or Session.for_this_machine()
    wizard.ops = SessionOperations(session)
    log_path = start_run_log(session.paths.logs, Redactor(session.host.env))
    log.info("wizard started; log %s", log_path)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    # Every uncaught error, in a slot or a task, ends on the error page.
    sys.excepthook = make_error_handler(wizard.show_error)
    loop.set_exception_handler(_on_loop_error)
    # Detection starts as soon as the loop runs; the window is already up.
    QTimer.singleShot(0, wizard.start_detection)
    with loop:
        closed = asyncio.Event()
        app.aboutToQuit.connect(closed.set)
        wizard.finished.connect(lambda _result: app.quit())
        loop.run_until_complete(closed.wait())
    return 0
