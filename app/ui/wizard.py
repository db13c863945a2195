"""The setup wizard and its pages.

Pages render the session's state and forward what the user asks for; all
work happens in the core, awaited on the qasync loop.
"""

from __future__ import annotations

import asyncio
import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.core.detect import Detection
from app.core.install import (
    ElevationNeeded,
    Event,
    Plan,
    RunReport,
    StepFinished,
    StepOutput,
    StepQuiet,
    StepStarted,
)
from app.core.session import Session
from app.core.verify import Verification
from app.ui.logpane import LogPane
from app.ui.tasks import TaskKeeper

log = logging.getLogger("ai_cli_setup.ui")

_STATUS_TEXT = {
    "pending": "Waiting",
    "running": "Running…",
    "succeeded": "Done",
    "failed": "Failed",
    "cancelled": "Cancelled",
    "blocked": "Blocked",
    "skipped": "Skipped",
    "declined": "Declined",
}


def _wrapped(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class SetupWizard(QWizard):
    """Welcome, System, Choose, Install, Verify."""

    detection_changed = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.tasks = TaskKeeper()
        self.detection: Detection | None = None
        self.detection_error: str = ""
        self.plan: Plan | None = None
        self.report: RunReport | None = None
        self.setWindowTitle(self.tr("AI CLI Setup"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setMinimumSize(760, 540)
        self.welcome_page = WelcomePage()
        self.system_page = SystemPage()
        self.choose_page = ChoosePage()
        self.install_page = InstallPage()
        self.verify_page = VerifyPage()
        for page in (
            self.welcome_page,
            self.system_page,
            self.choose_page,
            self.install_page,
            self.verify_page,
        ):
            self.addPage(page)

    def start_detection(self) -> None:
        self.detection = None
        self.detection_error = ""
        self.detection_changed.emit()
        self.tasks.spawn(self._detect())

    async def _detect(self) -> None:
        try:
            self.detection = await self.session.detect()
        except Exception as exc:  # shown on the page; the log has the traceback
            log.exception("detection failed")
            self.detection_error = str(exc)
        self.detection_changed.emit()

    def selected_tools(self) -> list[str]:
        return self.choose_page.selected_tools()

    def done(self, result: int) -> None:
        self.tasks.cancel_all()
        super().done(result)


class WelcomePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("Set up AI coding assistants"))
        self.setSubTitle(self.tr("Claude Code, Gemini CLI and Codex CLI, installed and checked."))
        layout = QVBoxLayout(self)
        layout.addWidget(
            _wrapped(
                self.tr(
                    "This wizard looks at this computer, shows you what it found, and recommends "
                    "how to install the AI command-line tools you choose.\n\n"
                    "Nothing is installed until you have seen the plan and pressed Install. "
                    "Every command and its output is shown and kept in a log file.\n\n"
                    "Nothing is sent anywhere: the wizard has no telemetry."
                )
            )
        )
        layout.addStretch(1)


class SystemPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("This computer"))
        self.setSubTitle(self.tr("What the wizard found. Expand a line to see the evidence."))
        self.status = QLabel()
        self.status.setAccessibleName(self.tr("Detection status"))
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([self.tr("Finding"), self.tr("Where")])
        self.tree.setAccessibleName(self.tr("Findings"))
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.rescan = QPushButton(self.tr("&Re-scan"))
        self.rescan.setAccessibleName(self.tr("Re-scan this computer"))
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.rescan)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.tree, 1)

    def initializePage(self) -> None:
        wizard = self.wizard()
        assert isinstance(wizard, SetupWizard)
        if not getattr(self, "_connected", False):
            wizard.detection_changed.connect(self._render)
            self.rescan.clicked.connect(wizard.start_detection)
            self._connected = True
        self._render()

    def _render(self) -> None:
        wizard = self.wizard()
        if not isinstance(wizard, SetupWizard):
            return
        self.tree.clear()
        detection = wizard.detection
        if wizard.detection_error:
            self.status.setText(self.tr("Detection failed: %s") % wizard.detection_error)
        elif detection is None:
            self.status.setText(self.tr("Looking at this computer…"))
        else:
            self.status.setText(self.tr("%s (%s)") % (detection.os_name, detection.machine))
            for finding in detection.findings():
                item = QTreeWidgetItem(
                    [("✔ " if finding.present else "✘ ") + finding.summary, finding.path or ""]
                )
                item.setData(
                    0,
                    Qt.ItemDataRole.AccessibleTextRole,
                    (self.tr("found: ") if finding.present else self.tr("missing: "))
                    + finding.summary,
                )
                for evidence in finding.evidence:
                    command = " ".join(evidence.argv)
                    child = QTreeWidgetItem([f"$ {command}  (exit {evidence.exit_code})", ""])
                    item.addChild(child)
                    for line in evidence.excerpt.splitlines():
                        child.addChild(QTreeWidgetItem([line, ""]))
                self.tree.addTopLevelItem(item)
        self.rescan.setEnabled(detection is not None or bool(wizard.detection_error))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        wizard = self.wizard()
        return isinstance(wizard, SetupWizard) and wizard.detection is not None


class ChoosePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("Choose the tools"))
        self.setSubTitle(self.tr("The three CLIs are chosen; untick any you do not want."))
        self.boxes: dict[str, QCheckBox] = {}
        self.notes: dict[str, QLabel] = {}
        self.form = QFormLayout()
        self.prefix = QLineEdit()
        self.prefix.setAccessibleName(self.tr("npm prefix folder"))
        self.prefix_note = _wrapped("")
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        prefix_row = QFormLayout()
        prefix_row.addRow(self.tr("Install into (npm &prefix):"), self.prefix)
        layout.addLayout(prefix_row)
        layout.addWidget(self.prefix_note)
        layout.addStretch(1)

    def initializePage(self) -> None:
        wizard = self.wizard()
        assert isinstance(wizard, SetupWizard)
        detection = wizard.detection
        catalog = wizard.session.catalog
        if not self.boxes:
            for tool_id, tool in catalog.tools.items():
                box = QCheckBox(tool.name)
                box.setChecked(True)
                box.toggled.connect(self.completeChanged)
                note = QLabel()
                self.boxes[tool_id], self.notes[tool_id] = box, note
                self.form.addRow(box, note)
        for tool_id, note in self.notes.items():
            finding = detection.tools.get(tool_id) if detection else None
            if finding and finding.present:
                note.setText(
                    self.tr("installed: %s") % (finding.version or self.tr("version unknown"))
                )
            else:
                note.setText(self.tr("not installed"))
            self.boxes[tool_id].setAccessibleDescription(note.text())
        if not self.prefix.text():
            self.prefix.setText(wizard.session.default_prefix())
        node = detection.node if detection else None
        if node and node.npm_prefix and not node.prefix_writable:
            self.prefix_note.setText(
                self.tr(
                    "The global npm folder %s needs admin rights, so the tools go into a folder "
                    "of your own instead. Never run npm with sudo."
                )
                % node.npm_prefix
            )

    def selected_tools(self) -> list[str]:
        return [tool_id for tool_id, box in self.boxes.items() if box.isChecked()]

    def isComplete(self) -> bool:
        return bool(self.selected_tools()) and bool(self.prefix.text().strip())


class InstallPage(QWizardPage):
    run_finished = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("Installing"))
        self.setSubTitle(self.tr("Each step's output appears below as it happens."))
        self.progress = QProgressBar()
        self.progress.setAccessibleName(self.tr("Overall progress"))
        self.steps = QListWidget()
        self.steps.setAccessibleName(self.tr("Steps"))
        self.steps.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.log = LogPane()
        self.cancel = QPushButton(self.tr("&Cancel install"))
        self.cancel.setAccessibleName(self.tr("Cancel the install"))
        self.cancel.clicked.connect(self._on_cancel_clicked)
        self.status = _wrapped("")
        self.status.setAccessibleName(self.tr("Install status"))
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.steps)
        split.addWidget(self.log)
        split.setStretchFactor(1, 3)
        row = QHBoxLayout()
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)
        self._task: asyncio.Task[None] | None = None
        self._finished = False

    def initializePage(self) -> None:
        wizard = self.wizard()
        assert isinstance(wizard, SetupWizard)
        chooser = wizard.choose_page
        plan = wizard.session.plan(chooser.selected_tools(), chooser.prefix.text().strip())
        wizard.plan = plan
        self.steps.clear()
        self.log.clear()
        for step in plan.steps:
            item = QListWidgetItem(f"{_STATUS_TEXT['pending']} — {step.title}")
            item.setToolTip(" ".join(step.argv))
            self.steps.addItem(item)
        self.progress.setRange(0, max(1, len(plan.steps)))
        self.progress.setValue(0)
        self._finished = False
        self.cancel.setEnabled(True)
        self.status.setText(self.tr("Installing into %s") % plan.npm_prefix)
        self._task = wizard.tasks.spawn(self._run(wizard, plan))
        self.completeChanged.emit()

    async def _run(self, wizard: SetupWizard, plan: Plan) -> None:
        report: RunReport | None = None
        try:
            # FIXME(ui): no Retry/Skip buttons yet; a failed step is passed (decide=continue).
            report = await wizard.session.install(plan, self._on_event)
        except asyncio.CancelledError:
            self.status.setText(
                self.tr(
                    "Cancelled. A step that was running may be incomplete; the log has every line."
                )
            )
        wizard.report = report
        if report is not None:
            failed = [r for r in report.results if r.status not in ("succeeded", "skipped")]
            self.status.setText(
                self.tr("All steps succeeded.")
                if not failed
                else self.tr("%d of %d steps did not succeed; see Verify for details.")
                % (len(failed), len(report.results))
            )
        self.log.flush_now()
        self._finished = True
        self.cancel.setEnabled(False)
        self.completeChanged.emit()
        self.run_finished.emit()

    def _on_event(self, event: Event) -> None:
        if isinstance(event, StepOutput):
            self.log.append_line(event.line)
        elif isinstance(event, ElevationNeeded):
            self.log.append_line(event.description)
        elif isinstance(event, StepQuiet):
            self.status.setText(
                self.tr("No output for %d minutes; the step is still running.")
                % int(event.seconds // 60)
            )
        elif isinstance(event, StepStarted):
            self.steps.item(event.index).setText(f"{_STATUS_TEXT['running']} — {event.step.title}")
            self.steps.setCurrentRow(event.index)
            self.log.append_line(f"$ {' '.join(event.step.argv)}")
        elif isinstance(event, StepFinished):
            result = event.result
            item = self.steps.item(event.index)
            item.setText(f"{_STATUS_TEXT[result.status]} — {result.step.title}")
            item.setToolTip(result.message)
            self.progress.setValue(event.index + 1)
            self.log.append_line(f"=> {result.status}: {result.message}")

    def _on_cancel_clicked(self) -> None:
        if self._task is not None and not self._task.done():
            self.status.setText(self.tr("Cancelling…"))
            self._task.cancel()

    def isComplete(self) -> bool:
        return self._finished

    def is_running(self) -> bool:
        return self._task is not None and not self._task.done()


class VerifyPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("Check"))
        self.setSubTitle(
            self.tr("Each tool is run with --version; only a tool that answers passes.")
        )
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(
            [self.tr("Tool"), self.tr("Result"), self.tr("Version"), self.tr("Path")]
        )
        self.table.setAccessibleName(self.tr("Verification results"))
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.details = _wrapped("")
        self.rerun = QPushButton(self.tr("Re-&run checks"))
        self.rerun.clicked.connect(self._start)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.details)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.rerun)
        layout.addLayout(row)
        self.results: list[Verification] = []
        self._running = False

    def initializePage(self) -> None:
        self._start()

    def _start(self) -> None:
        wizard = self.wizard()
        assert isinstance(wizard, SetupWizard)
        self._running = True
        self.rerun.setEnabled(False)
        self.details.setText(self.tr("Checking…"))
        self.completeChanged.emit()
        prefix = wizard.plan.npm_prefix if wizard.plan else None
        wizard.tasks.spawn(self._verify(wizard, wizard.selected_tools(), prefix))

    async def _verify(self, wizard: SetupWizard, tools: list[str], prefix: str | None) -> None:
        try:
            self.results = await wizard.session.verify(tools, prefix)
        finally:
            self._running = False
            self.rerun.setEnabled(True)
        self._render()
        self.completeChanged.emit()

    def _render(self) -> None:
        labels = {
            "ok": self.tr("Pass"),
            "not-on-path": self.tr("Pass, not on PATH"),
            "missing": self.tr("Fail: missing"),
            "broken": self.tr("Fail: broken"),
        }
        self.table.setRowCount(len(self.results))
        notes = []
        for row, item in enumerate(self.results):
            cells = [item.name, labels[item.status], item.version or "—", item.path or "—"]
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
            if item.status != "ok":
                notes.append(f"{item.name}: {item.message} {item.fix}".strip())
        self.table.resizeColumnsToContents()
        passed = sum(1 for item in self.results if item.passed)
        summary = self.tr("%d of %d tools pass.") % (passed, len(self.results))
        self.details.setText("\n".join([summary, *notes]))

    def isComplete(self) -> bool:
        return not self._running
