"""Starting the wizard: its window first, then the core and the qasync event loop."""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING, Any

os.environ.setdefault("QT_API", "pyside6")

from PySide6.QtCore import QEventLoop, QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtWidgets import QApplication

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
    """Show the wizard with its Welcome page and paint it, before anything else loads.

    Only Qt and the Welcome page load first, so the window appears at once; the
    caller then calls finish_window(), loads the core, sets the wizard's
    operations and starts the event loop (which starts detection). Until the
    loop runs, input waits. `--self-test` times this too.
    """
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("ai-cli-setup")
    if isinstance(app, QApplication):
        _install_translators(app)  # before the wizard: its buttons' words
    wizard = SetupWizard(later=True)
    wizard.show()
    # Paint now, without taking input: nothing can answer it yet.
    app.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
    return app, wizard


def finish_window(app: QApplication, wizard: SetupWizard) -> None:
    """What the first paint does without, done before the event loop takes input.

    The window icon (the window manager draws it; QIcon's first use costs ~2 ms)
    and the other pages, which also make the Welcome page's text selectable and
    announce it.
    """
    from PySide6.QtGui import QIcon

    from app.core.resources import resource_path

    app.setWindowIcon(QIcon(str(resource_path("icons", "app.png"))))
    wizard.add_pages()


def run_wizard(session: Session | None = None) -> int:
    app, wizard = open_window()
    from app.ui.qtguard import guard_none_refcount

    guard_none_refcount()  # a few hundred Qt calls so far: far from the limit it guards
    finish_window(app, wizard)
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
