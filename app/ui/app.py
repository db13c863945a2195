"""Starting the wizard: its window first, then the core and the qasync event loop."""

from __future__ import annotations

import logging
import os
import sys
from functools import partial
from typing import TYPE_CHECKING, Any

os.environ.setdefault("QT_API", "pyside6")

from PySide6.QtCore import QEventLoop, QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtWidgets import QApplication

from app.ui.wizard import SetupWizard

if TYPE_CHECKING:
    from pathlib import Path

    from app.core.host import Host
    from app.core.startup import StartupProblem

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


def load_core(
    wizard: SetupWizard,
    profile_path: str | None = None,
    *,
    host: Host | None = None,
    catalog_folder: Path | None = None,
) -> StartupProblem | None:
    """Load the core into the shown wizard: the run log, the session, the profile.

    A problem that stops the start (a broken catalog, a refused profile, a log
    folder that cannot be written) is shown in the window, where a person who
    double-clicked the app sees it, and on stderr; None when the wizard can run.
    """
    import traceback

    from app.core.host import Host
    from app.core.logs import start_run_log
    from app.core.paths import Paths
    from app.core.redact import Redactor
    from app.core.report import Scrubber
    from app.core.runstate import RunState
    from app.core.startup import open_session, startup_problem
    from app.ui.operations import SessionOperations

    host = host or Host.current()
    paths = Paths.from_env(host.env)
    log_path: Path | None = None
    try:
        last = RunState.load(paths.state)  # its logs are kept however many runs follow
        log_path = start_run_log(
            paths.logs, Redactor(host.env), what="the wizard", keep=last.logs if last else ()
        )
        session = open_session(profile_path, host, catalog_folder)
    except Exception as exc:
        problem = startup_problem(exc)
        if problem is None:
            raise
        if log_path is not None:
            log.error("the wizard cannot start: %s", exc, exc_info=True)
        print("ai-cli-setup: " + "\n  ".join(problem.lines(log_path)), file=sys.stderr)
        # A refused profile: the wizard can still open without it.
        retry = partial(_without_profile, wizard, host, catalog_folder) if profile_path else None
        wizard.show_startup_problem(
            problem,
            "".join(traceback.format_exception(exc)),
            log_file=log_path,
            log_folder=paths.logs if log_path else None,
            redact=Scrubber(host).text,
            on_retry=retry,
        )
        return problem
    wizard.ops = SessionOperations(session)
    log.info("wizard started; log %s", log_path)
    return None


def _without_profile(wizard: SetupWizard, host: Host, catalog_folder: Path | None) -> None:
    if load_core(wizard, None, host=host, catalog_folder=catalog_folder) is None:
        wizard.start_over()


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


def run_wizard(profile_path: str | None = None) -> int:
    app, wizard = open_window()
    from app.ui.qtguard import guard_none_refcount

    guard_none_refcount()  # a few hundred Qt calls so far: far from the limit it guards
    finish_window(app, wizard)
    import asyncio

    import qasync

    from app.ui.errors import make_error_handler

    problem = load_core(wizard, profile_path)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    # Every uncaught error, in a slot or a task, ends on the error page.
    sys.excepthook = make_error_handler(wizard.show_error)
    loop.set_exception_handler(_on_loop_error)
    if problem is None:
        # Detection starts as soon as the loop runs; the window is already up.
        QTimer.singleShot(0, wizard.start_detection)
    with loop:
        closed = asyncio.Event()
        app.aboutToQuit.connect(closed.set)
        wizard.finished.connect(lambda _result: app.quit())
        loop.run_until_complete(closed.wait())
    # The window closed while a command's clean-up was still under way (a detection
    # probe, an install the user cancelled and then quit): nothing is left running.
    from app.core.runner import end_leftovers

    for pid in end_leftovers():
        log.info("ended pid %s, still running when the wizard closed", pid)
    if problem is not None and not wizard.has_ops:
        return problem.exit_code
    return 0
