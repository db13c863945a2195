"""Install: overall progress, the steps with their status, the selected step's output."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QSplitter,
    QVBoxLayout,
    QWidget,
    QWizard,
)

from app.ui.announce import announce
from app.ui.logpane import LineBuffer, LogPane
from app.ui.pages.base import Page, button, text_label
from app.ui.present import (
    FAILED_STATES,
    RETRYABLE_STATES,
    fix_text,
    step_icon,
    step_status_text,
)

if TYPE_CHECKING:  # the core loads after the first window: see app/ui/app.py
    import asyncio

    from app.core.install import Event, Plan, StepResult

log = logging.getLogger("ai_cli_setup.ui")


class InstallPage(Page):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("Installing"))
        self.setSubTitle(self.tr("Select a step to see its output. The log file keeps every line."))
        self.progress = QProgressBar()
        self.progress.setAccessibleName(self.tr("Overall progress"))
        self.progress.setFormat(self.tr("%v of %m steps"))
        self.cancel = button(self.tr("Cancel &install"), self.tr("Cancel the install"))
        self.cancel.clicked.connect(self._on_cancel_clicked)
        self.status = text_label(name=self.tr("Install status"))
        self.steps = QListWidget()
        self.steps.setAccessibleName(self.tr("Steps"))
        self.steps.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.steps.currentRowChanged.connect(self._on_steps_current_changed)
        side = self.fontMetrics().height()
        self.steps.setIconSize(QSize(side, side))
        self.log = LogPane()
        self.retry = button(
            self.tr("&Retry"), self.tr("Retry the selected step"), self.tr("Run this step again.")
        )
        self.skip = button(
            self.tr("S&kip"),
            self.tr("Skip the selected step"),
            self.tr("Leave this tool out; the check and the report will say it was skipped."),
        )
        self.show_fix = button(
            self.tr("Show &fix"),
            self.tr("Show the fix for the selected step"),
            self.tr("What went wrong and what to do about it."),
        )
        self.show_fix.setCheckable(True)
        self.open_logs = button(
            self.tr("Open &log folder"),
            self.tr("Open the log folder"),
            self.tr("The folder with this run's log file, to read or send to a helper."),
        )
        self.fix = text_label(name=self.tr("Fix for the selected step"))
        self.fix.setVisible(False)
        self.fix.setFrameShape(self.fix.Shape.StyledPanel)
        self.fix.setMargin(6)
        self.retry.clicked.connect(self._on_retry_clicked)
        self.skip.clicked.connect(self._on_skip_clicked)
        self.show_fix.toggled.connect(self._render_actions)
        self.open_logs.clicked.connect(self._on_open_logs_clicked)

        top = QHBoxLayout()
        top.addWidget(self.progress, 1)
        top.addWidget(self.cancel)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(self.steps)
        split.addWidget(self.log)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)
        actions = QHBoxLayout()
        actions.addWidget(self.retry)
        actions.addWidget(self.skip)
        actions.addWidget(self.show_fix)
        actions.addStretch(1)
        actions.addWidget(self.open_logs)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)
        layout.addWidget(self.fix)
        layout.addLayout(actions)
        QWidget.setTabOrder(self.steps, self.log)

        self.plan: Plan | None = None
        self.results: list[StepResult | None] = []
        self.buffers: list[LineBuffer] = []
        self._task: asyncio.Task[object] | None = None
        self._running_index: int | None = None
        self._follow = True
        self._selecting = False

    # -- starting and running -------------------------------------------------

    def initializePage(self) -> None:
        plan = self.setup.plan
        if plan is None:
            raise RuntimeError("the Install page needs a plan from the Review page")
        self.plan = plan
        self.results = [None] * len(plan.steps)
        self.buffers = [LineBuffer() for _ in plan.steps]
        self.steps.clear()
        for step in plan.steps:
            item = QListWidgetItem(step.title)
            self.steps.addItem(item)
        for index in range(len(plan.steps)):
            self._render_step(index, "pending")
        self.progress.setRange(0, max(1, len(plan.steps)))
        self.progress.setValue(0)
        self._follow = True
        self._select(0)
        self.status.setText(self.tr("Installing into %s…") % plan.npm_prefix)
        self._start(self._run(plan))

    def _start(self, coro: Coroutine[Any, Any, None]) -> None:
        self._task = self.setup.tasks.spawn(coro)
        self._render_actions()
        self.completeChanged.emit()

    async def _run(self, plan: Plan) -> None:
        import asyncio

        try:
            report = await self.setup.ops.install(plan, self._on_event)
        except asyncio.CancelledError:
            self._mark_not_started()
            self._finish(cancelled=True)
            return
        for index, result in enumerate(report.results):
            self.results[index] = result
            self._render_step(index, result.status)
        self._finish()

    async def _retry(self, plan: Plan, index: int) -> None:
        import asyncio

        self._append(index, "— " + self.tr("retrying") + " —")
        try:
            result = await self.setup.ops.retry(plan, index, self._on_event)
        except asyncio.CancelledError:
            self._mark_not_started()
            self._finish(cancelled=True)
            return
        self.results[index] = result
        self._render_step(index, result.status)
        self._finish()

    def _mark_not_started(self) -> None:
        from app.core.install import StepResult

        assert self.plan is not None
        for index, step in enumerate(self.plan.steps):
            if self.results[index] is None:
                result = StepResult(step, "cancelled", message=self.tr("Not started."))
                self.results[index] = result
                self._render_step(index, "cancelled")

    def _finish(self, cancelled: bool = False) -> None:
        self._task = None
        self._running_index = None
        self.log.flush_now()
        attention = [r for r in self.results if r is not None and r.status in FAILED_STATES]
        if cancelled:
            text = self.tr("Cancelled. A step that was running may be incomplete.")
        elif not attention:
            text = self.tr("All steps are finished. Next checks each tool.")
        else:
            text = self.tr(
                "%n step(s) need attention: select one, then Retry, Skip or Show fix.",
                "",
                len(attention),
            )
        if attention:
            first = self.results.index(attention[0])
            self._select(first)
        self.status.setText(text)
        announce(self, text)
        self.setup.results = list(self.results)
        self._render_actions()
        self.completeChanged.emit()

    def _on_event(self, event: Event) -> None:
        from app.core import install as engine  # long loaded: an install is running

        if isinstance(event, engine.StepStarted):
            self._running_index = event.index
            self._render_step(event.index, "running")
            for command in event.step.commands:
                self._append(event.index, f"$ {' '.join(command.argv)}")
            if self._follow:
                self._select(event.index)
            announce(
                self,
                self.tr("Step %d of %d: %s") % (event.index + 1, event.total, event.step.title),
            )
        elif isinstance(event, engine.StepOutput):
            if self._running_index is not None:
                self._append(self._running_index, event.line)
        elif isinstance(event, engine.ElevationNeeded):
            if self._running_index is not None:
                self._append(self._running_index, event.description)
            self.status.setText(self.tr("Waiting for admin rights: %s") % event.step.title)
        elif isinstance(event, engine.StepQuiet):
            self.status.setText(
                self.tr("%s: no output for %d minutes; it is still running.")
                % (event.step.title, int(event.seconds // 60))
            )
        elif isinstance(event, engine.StepFinished):
            result = event.result
            self.results[event.index] = result
            self._render_step(event.index, result.status)
            self._append(event.index, f"=> {step_status_text(result.status)}: {result.message}")
            self.progress.setValue(sum(1 for r in self.results if r is not None))
            announce(self, self.tr("%s: %s") % (result.step.title, step_status_text(result.status)))
            self._render_actions()

    def _append(self, index: int, line: str) -> None:
        replaced = self.buffers[index].add(line)
        if index == self.steps.currentRow():
            self.log.note_added(replaced)

    # -- what the user asks for ----------------------------------------------

    def _on_cancel_clicked(self) -> None:
        if self._task is not None and not self._task.done():
            self.status.setText(self.tr("Cancelling…"))
            self._task.cancel()

    def _on_retry_clicked(self) -> None:
        index = self.steps.currentRow()
        if self.plan is None or self.is_running() or index < 0:
            return
        self.results[index] = None
        self._render_step(index, "pending")
        self.progress.setValue(sum(1 for r in self.results if r is not None))
        self.show_fix.setChecked(False)
        self.status.setText(self.tr("Retrying %s…") % self.plan.steps[index].title)
        self._start(self._retry(self.plan, index))

    def _on_skip_clicked(self) -> None:
        index = self.steps.currentRow()
        result = self.results[index] if 0 <= index < len(self.results) else None
        if result is None or self.is_running():
            return
        self.results[index] = dataclasses.replace(result, status="skipped")
        self._render_step(index, "skipped")
        self._append(index, "=> " + step_status_text("skipped"))
        self.show_fix.setChecked(False)
        self._finish()

    def _on_open_logs_clicked(self) -> None:
        folder = self.setup.ops.log_folder()
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def _on_steps_current_changed(self, row: int) -> None:
        if 0 <= row < len(self.buffers):
            self.log.show_buffer(self.buffers[row])
            if not self._selecting:
                self._follow = row == self._running_index or self._running_index is None
        self._render_actions()

    # -- rendering -------------------------------------------------------------

    def _select(self, row: int) -> None:
        self._selecting = True
        try:
            self.steps.setCurrentRow(row)
        finally:
            self._selecting = False

    def _render_step(self, index: int, status: str) -> None:
        assert self.plan is not None
        item = self.steps.item(index)
        words = step_status_text(status)
        item.setText(f"{self.plan.steps[index].title} — {words}")
        item.setIcon(step_icon(status))
        item.setData(Qt.ItemDataRole.AccessibleTextRole, item.text())
        result = self.results[index]
        item.setToolTip(result.message if result is not None else "")

    def _render_actions(self) -> None:
        index = self.steps.currentRow()
        result = self.results[index] if 0 <= index < len(self.results) else None
        status = result.status if result is not None else ""
        idle = not self.is_running()
        self.cancel.setEnabled(not idle)
        if self.wizard() is not None:
            # The wizard's Cancel would only cancel the install (see SetupWizard.reject).
            self.setup.button(QWizard.WizardButton.CancelButton).setEnabled(idle)
        self.retry.setEnabled(idle and status in RETRYABLE_STATES)
        self.skip.setEnabled(idle and status in FAILED_STATES)
        self.show_fix.setEnabled(status in FAILED_STATES)
        showing = self.show_fix.isChecked() and result is not None and status in FAILED_STATES
        self.fix.setText(fix_text(result) if showing and result is not None else "")
        self.fix.setVisible(showing)

    def is_running(self) -> bool:
        return self._task is not None and not self._task.done()

    def isComplete(self) -> bool:
        return self.plan is not None and not self.is_running()
