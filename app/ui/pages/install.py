"""Install: overall progress, the steps with their status, the selected step's output."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

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

from app.core.install import (
    Decision,
    ElevationNeeded,
    Event,
    Plan,
    RunNotice,
    StepFinished,
    StepOutput,
    StepQuiet,
    StepResult,
    StepStarted,
)
from app.ui.announce import announce
from app.ui.logpane import LineBuffer, LogPane
from app.ui.pages.base import Page, button, text_label
from app.ui.present import (
    DONE_STATES,
    FAILED_STATES,
    RETRYABLE_STATES,
    fix_text,
    step_icon,
    step_status_text,
)

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
        self.go_on = button(
            self.tr("C&ontinue"),
            self.tr("Continue past the failed step"),
            self.tr("Leave this step failed and go on; steps that need it will not run."),
        )
        # Said once for the whole run, e.g. that its progress cannot be saved for resuming.
        self.notice = text_label(name=self.tr("Note about this install"))
        self.notice.setVisible(False)
        self.notice.setFrameShape(self.notice.Shape.StyledPanel)
        self.notice.setMargin(6)
        self.elevation = text_label(name=self.tr("Commands that need admin rights"))
        self.elevation.setVisible(False)
        self.elevation.setFrameShape(self.elevation.Shape.StyledPanel)
        self.elevation.setMargin(6)
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
        self.go_on.clicked.connect(self._on_go_on_clicked)
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
        actions.addWidget(self.go_on)
        actions.addWidget(self.show_fix)
        actions.addStretch(1)
        actions.addWidget(self.open_logs)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.notice)
        layout.addWidget(self.elevation)
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
        # While the engine waits for the user after a failed step: the step and the answer.
        self._asking: tuple[int, asyncio.Future[Decision]] | None = None
        self._earlier: set[int] = set()  # steps a resumed run does not run again
        self._told: dict[int, StepResult] = {}  # results already shown while asking

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
        resume = self.setup.resume_from
        self._earlier = set()
        if resume is not None:
            self._earlier = {i for i, s in enumerate(plan.steps) if resume.done(s.id)}
        self.status.setText(self.tr("Installing into %s…") % plan.npm_prefix)
        self.notice.setVisible(False)
        self._start(self._run(plan, resume=resume is not None))

    def _start(self, coro: Coroutine[Any, Any, None]) -> None:
        self._task = self.setup.tasks.spawn(coro)
        self._render_actions()
        self.completeChanged.emit()

    async def _run(self, plan: Plan, resume: bool = False) -> None:
        try:
            report = await self.setup.ops.install(plan, self._on_event, self._decide, resume=resume)
        except asyncio.CancelledError:
            self._asking = None
            self._mark_not_started()
            self._finish(cancelled=True)
            return
        for index, result in enumerate(report.results):
            self.results[index] = result
            self._render_step(index, result.status)
        self._finish()

    async def _decide(self, result: StepResult) -> Decision:
        """The engine asks after a failed or declined step; the user answers with a button."""
        assert self.plan is not None
        index = self.plan.steps.index(result.step)
        self.results[index] = result
        self._render_step(index, result.status)
        self.elevation.setVisible(False)
        self._append(index, f"=> {step_status_text(result.status)}: {result.message}")
        self._told[index] = result
        answer: asyncio.Future[Decision] = asyncio.get_running_loop().create_future()
        self._asking = (index, answer)
        self._select(index)
        text = self.tr("%s: %s. Retry it, skip it, or continue without it?") % (
            result.step.title,
            step_status_text(result.status),
        )
        self.status.setText(text)
        announce(self, text)
        self._render_actions()
        try:
            choice = await answer
        finally:
            self._asking = None
        self.show_fix.setChecked(False)
        if choice == "retry":
            self.results[index] = None
            self._render_step(index, "running")
            self._append(index, "— " + self.tr("retrying") + " —")
            self.status.setText(self.tr("Retrying %s…") % result.step.title)
        self._render_actions()
        return choice

    def _mark_not_started(self) -> None:
        assert self.plan is not None
        for index, step in enumerate(self.plan.steps):
            if self.results[index] is None:
                result = StepResult(step, "cancelled", message=self.tr("Not started."))
                self.results[index] = result
                self._render_step(index, "cancelled")

    def _finish(self, cancelled: bool = False) -> None:
        self._task = None
        self._running_index = None
        self.elevation.setVisible(False)
        self.log.flush_now()
        attention = [r for r in self.results if r is not None and r.status in FAILED_STATES]
        if cancelled:
            text = self.tr(
                "Cancelled. A step that was running may be incomplete: Retry runs it and "
                "the rest again, or the wizard offers to finish this install when it next starts."
            )
        elif not attention:
            text = self.tr("All steps are finished. Next checks each tool.")
        else:
            text = self.tr(
                "%n step(s) need attention: select one, then Retry or Show fix.",
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
        if isinstance(event, StepStarted):
            if event.index in self._earlier:
                return  # finished in the earlier run; the engine only confirms it
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
        elif isinstance(event, StepOutput):
            if self._running_index is not None:
                self._append(self._running_index, event.line + ("\r" if event.progress else ""))
        elif isinstance(event, ElevationNeeded):
            self._show_elevation(event)
        elif isinstance(event, StepQuiet):
            self.status.setText(
                self.tr("%s: no output for %d minutes; it is still running.")
                % (event.step.title, int(event.seconds // 60))
            )
        elif isinstance(event, RunNotice):
            self.notice.setText(event.message)
            self.notice.setVisible(True)
            announce(self, event.message)
        elif isinstance(event, StepFinished):
            result = event.result
            self.results[event.index] = result
            self._render_step(event.index, result.status)
            self.progress.setValue(sum(1 for r in self.results if r is not None))
            if event.index in self._earlier:
                return
            self.elevation.setVisible(False)
            if self._told.pop(event.index, None) != result:  # not yet said while asking
                self._append(event.index, f"=> {step_status_text(result.status)}: {result.message}")
            announce(self, self.tr("%s: %s") % (result.step.title, step_status_text(result.status)))
            self._render_actions()

    def _show_elevation(self, event: ElevationNeeded) -> None:
        """The exact commands, on screen before the system's password prompt appears."""
        if self._running_index is not None:
            for line in event.description.splitlines():
                self._append(self._running_index, line)
        self.status.setText(self.tr("Waiting for admin rights: %s") % event.step.title)
        self.elevation.setText(event.description)
        self.elevation.setVisible(True)
        announce(self, event.description)
        # The prompt is a separate window that may take the focus at once: paint now.
        self.elevation.repaint()
        self.status.repaint()

    def _append(self, index: int, line: str) -> None:
        replaced = self.buffers[index].add(line)
        if index == self.steps.currentRow():
            self.log.note_added(replaced)

    # -- what the user asks for ----------------------------------------------

    def _on_cancel_clicked(self) -> None:
        if self._task is not None and not self._task.done():
            self.status.setText(self.tr("Cancelling…"))
            self._task.cancel()

    def _answer(self, choice: Decision) -> bool:
        """Give the waiting engine the user's answer; False when nothing is waiting."""
        if self._asking is None or self._asking[1].done():
            return False
        self._asking[1].set_result(choice)
        return True

    def _on_retry_clicked(self) -> None:
        if self._answer("retry"):
            return
        index = self.steps.currentRow()
        if self.plan is None or self.is_running() or index < 0:
            return
        # A new run of the plan that resumes the last one: steps that finished are not
        # run again, and the steps that failed, were cancelled or waited for them are.
        self._earlier = {
            i for i, r in enumerate(self.results) if r is not None and r.status in DONE_STATES
        }
        for i in range(len(self.results)):
            if i not in self._earlier:
                self.results[i] = None
                self._render_step(i, "pending")
        self.progress.setValue(sum(1 for r in self.results if r is not None))
        self.show_fix.setChecked(False)
        self._append(index, "— " + self.tr("retrying") + " —")
        self._follow = True
        self.status.setText(self.tr("Retrying %s…") % self.plan.steps[index].title)
        self._start(self._run(self.plan, resume=True))

    def _on_skip_clicked(self) -> None:
        self._answer("skip")

    def _on_go_on_clicked(self) -> None:
        self._answer("continue")

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
        asked = self._asking is not None and self._asking[0] == index
        self.cancel.setEnabled(not idle)
        if self.wizard() is not None:
            # The wizard's Cancel would only cancel the install (see SetupWizard.reject).
            self.setup.button(QWizard.WizardButton.CancelButton).setEnabled(idle)
        self.retry.setEnabled(asked or (idle and status in RETRYABLE_STATES))
        self.skip.setEnabled(asked)
        self.go_on.setEnabled(asked)
        self.show_fix.setEnabled(status in FAILED_STATES)
        showing = self.show_fix.isChecked() and result is not None and status in FAILED_STATES
        self.fix.setText(fix_text(result) if showing and result is not None else "")
        self.fix.setVisible(showing)

    def is_running(self) -> bool:
        return self._task is not None and not self._task.done()

    def isComplete(self) -> bool:
        return self.plan is not None and not self.is_running()
