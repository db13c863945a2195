"""The setup wizard: its pages, the state they share, and where errors go.

Pages render this state and forward what the user asks for; every piece of
work is an awaited call on `Operations`. The window needs none of the core:
it is built and shown first, and its operations are set once the core has
loaded (see app/ui/app.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget, QWizard, QWizardPage

from app.ui.announce import announce
from app.ui.pages.welcome import WelcomePage
from app.ui.tasks import TaskKeeper

if TYPE_CHECKING:
    from app.core.detect import Detection
    from app.core.install import Plan, StepResult
    from app.core.runstate import RunState
    from app.core.session import Session
    from app.core.startup import StartupProblem
    from app.core.verify import Verification
    from app.ui.operations import Operations
    from app.ui.pages.error import ErrorPage
    from app.ui.pages.finish import FinishPage
    from app.ui.pages.install import InstallPage
    from app.ui.pages.review import ReviewPage
    from app.ui.pages.system import SystemPage
    from app.ui.pages.tools import ToolsPage
    from app.ui.pages.verify import VerifyPage

log = logging.getLogger("ai_cli_setup.ui")

WELCOME, SYSTEM, TOOLS, REVIEW, INSTALL, VERIFY, FINISH, ERROR = range(8)


class SetupWizard(QWizard):
    """Welcome, System, Tools, Review, Install, Verify, Finish (and Error)."""

    detection_changed = Signal()

    # Built by add_pages(), after the first window when started by app/ui/app.py.
    system_page: SystemPage
    tools_page: ToolsPage
    review_page: ReviewPage
    install_page: InstallPage
    verify_page: VerifyPage
    finish_page: FinishPage
    error_page: ErrorPage

    def __init__(
        self, ops: Operations | None = None, parent: QWidget | None = None, *, later: bool = False
    ) -> None:
        """The wizard with all its pages; with `later`, Welcome only until add_pages()."""
        super().__init__(parent)
        self._ops = ops
        self.tasks = TaskKeeper()
        self.detection: Detection | None = None
        self.detection_error = ""
        self.plan: Plan | None = None
        self.results: list[StepResult | None] = []
        self.verifications: list[Verification] = []
        self.container_folder: Path | None = None  # set up by the plan (isolated scenario)
        self.resume_from: RunState | None = None  # the unfinished run the user continues
        self.setWindowTitle(self.tr("AI CLI Setup"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setMinimumSize(780, 560)
        self.welcome_page = WelcomePage()
        self.setPage(WELCOME, self.welcome_page)
        self.setStartId(WELCOME)
        self._pages_added = False
        self.currentIdChanged.connect(self._on_current_id_changed)
        if later:
            # Stands in for the System page, so Welcome shows "Next" as it will.
            self.setPage(SYSTEM, QWizardPage())
        else:
            self.add_pages()

    def add_pages(self) -> None:
        """Build the pages after Welcome; the first window is shown without them."""
        self.welcome_page.make_text_selectable()
        from app.ui.pages.error import ErrorPage
        from app.ui.pages.finish import FinishPage
        from app.ui.pages.install import InstallPage
        from app.ui.pages.review import ReviewPage
        from app.ui.pages.system import SystemPage
        from app.ui.pages.tools import ToolsPage
        from app.ui.pages.verify import VerifyPage

        self.system_page = SystemPage()
        self.tools_page = ToolsPage()
        self.review_page = ReviewPage()
        self.install_page = InstallPage()
        self.verify_page = VerifyPage()
        self.finish_page = FinishPage()
        self.error_page = ErrorPage()
        pages = (
            self.tools_page,
            self.review_page,
            self.install_page,
            self.verify_page,
            self.finish_page,
            self.error_page,
        )
        for page_id, page in enumerate(pages, start=TOOLS):
            self.setPage(page_id, page)
        # Tools is there now, so Welcome keeps its "Next" while the stand-in goes.
        stand_in = self.page(SYSTEM)
        if stand_in is not None:
            self.removePage(SYSTEM)
            stand_in.deleteLater()
        self.setPage(SYSTEM, self.system_page)
        self._pages_added = True
        if self.currentId() != -1:  # shown before its pages: say the page it shows
            self._on_current_id_changed(self.currentId())

    @classmethod
    def for_session(cls, session: Session) -> SetupWizard:
        from app.ui.operations import SessionOperations

        return cls(SessionOperations(session))

    @property
    def ops(self) -> Operations:
        """The work pages ask for; set before the event loop runs."""
        if self._ops is None:
            raise RuntimeError("the wizard has no operations yet")
        return self._ops

    @ops.setter
    def ops(self, ops: Operations) -> None:
        self._ops = ops
        if self.currentId() == WELCOME:
            self.welcome_page.initializePage()  # its offer to resume needs the operations

    @property
    def has_ops(self) -> bool:
        return self._ops is not None

    # -- detection -------------------------------------------------------------

    def start_detection(self) -> None:
        self.detection = None
        self.detection_error = ""
        self.detection_changed.emit()
        self.tasks.spawn(self._detect())

    async def _detect(self) -> None:
        try:
            self.detection = await self.ops.detect()
        except Exception as exc:  # shown on the page; the log has the traceback
            log.exception("detection failed")
            self.detection_error = str(exc) or type(exc).__name__
        self.detection_changed.emit()
        if self.detection is not None:
            announce(self, self.tr("The checks of this computer are finished."))

    def override_finding(self, key: str, present: bool) -> None:
        self.detection = self.ops.override(key, present)
        self.detection_changed.emit()

    # -- choices and results ---------------------------------------------------

    def selected_tools(self) -> list[str]:
        return self.tools_page.selected_tools()

    def make_plan(self) -> Plan:
        self.container_folder = self.tools_page.container_folder()
        prefix = self.tools_page.prefix.text().strip()
        scenario = self.tools_page.scenario.currentData()  # the recommendation shown there
        self.plan = self.ops.plan(self.selected_tools(), prefix, self.container_folder, scenario)
        self.results = [None] * len(self.plan.steps)
        return self.plan

    def skipped_tools(self) -> list[str]:
        return [
            r.step.tool_id
            for r in self.results
            if r is not None and r.status == "skipped" and r.step.tool_id
        ]

    def report_text(self) -> str:
        from app.ui.report import build_report

        return build_report(
            detection=self.detection,
            plan=self.plan,
            results=self.results,
            verifications=self.verifications,
            log_file=self.ops.log_file(),
            redact=self.ops.redact,
        )

    # -- errors and closing ----------------------------------------------------

    def show_error(self, summary: str, details: str) -> None:
        """Leave whatever page is showing for the error page."""
        self.tasks.cancel_all()
        self.setStartId(ERROR)
        self.restart()
        self.error_page.show_error(summary, details)

    def show_startup_problem(
        self,
        problem: StartupProblem,
        details: str,
        *,
        log_file: Path | None,
        log_folder: Path | None,
        redact: Callable[[str], str],
        on_retry: Callable[[], None] | None = None,
    ) -> None:
        """The wizard cannot start (a broken catalog, a refused profile): say so here."""
        self.tasks.cancel_all()
        self.setStartId(ERROR)
        self.restart()
        self.error_page.show_problem(
            problem,
            details,
            log_file=log_file,
            log_folder=log_folder,
            redact=redact,
            on_retry=on_retry,
        )

    def start_over(self) -> None:
        """Back to Welcome with the operations set now, and detection started."""
        self.setStartId(WELCOME)
        self.restart()  # initialises Welcome, whose offer to resume needs the operations
        self.start_detection()

    def _on_current_id_changed(self, page_id: int) -> None:
        if not self._pages_added:
            # add_pages() says it, after the first paint: the first use of QAccessible
            # builds its Python enums (~3 ms), which the first window does not need.
            return
        page = self.page(page_id)
        if page is not None:
            announce(page, page.title())

    def reject(self) -> None:
        """Escape, Cancel or closing the window while installing cancels the install first."""
        if self.install_page.is_running():
            self.install_page.cancel.click()
            return
        super().reject()

    def done(self, result: int) -> None:
        self.tasks.cancel_all()
        super().done(result)
