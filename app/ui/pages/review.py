"""Review: the plan, each step's exact command and marks; nothing has run yet."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizard,
)

from app.ui.pages.base import Page, button, text_label
from app.ui.present import (
    command_text,
    finding_icon,
    plan_as_script,
    shared_call_notes,
    step_icon,
    step_marks,
)

if TYPE_CHECKING:
    from app.core.diskspace import DiskShortfall


class ReviewPage(Page):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("Review the plan"))
        self.setSubTitle(
            self.tr("Nothing has run yet. These are the exact commands; Install starts them.")
        )
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, self.tr("&Install"))
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(
            [self.tr("Step"), self.tr("Command"), self.tr("Needs")]
        )
        self.table.setAccessibleName(self.tr("Plan steps"))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # a command's end matters too
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.notes = text_label(name=self.tr("Plan notes"))
        self.copy = button(
            self.tr("Copy as &script"),
            self.tr("Copy the plan as a script"),
            self.tr("Puts every command on the clipboard, to read or run by hand."),
        )
        self.copy.clicked.connect(self._on_copy_clicked)
        self.copied = text_label(name=self.tr("Copy status"))
        # Said above the steps, before Install is pressed: too little free disk, and
        # an npm registry that did not answer during detection.
        self.disk_icon, self.disk, disk_row = _warning_row(self.tr("Disk space warning"))
        self.network_icon, self.network, network_row = _warning_row(self.tr("Network warning"))
        row = QHBoxLayout()
        row.addWidget(self.copied, 1)
        row.addWidget(self.copy)
        layout = QVBoxLayout(self)
        layout.addLayout(disk_row)
        layout.addLayout(network_row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.notes)
        layout.addLayout(row)

    def initializePage(self) -> None:
        setup = self.setup
        plan = setup.make_plan()
        windows = setup.ops.host.is_windows
        self.table.setRowCount(len(plan.steps))
        notes = [self.tr("Everything goes into %s.") % plan.npm_prefix]
        for row, step in enumerate(plan.steps):
            title = QTableWidgetItem(step.title)
            if step.blocked:
                title.setIcon(step_icon("blocked"))
                notes.append(self.tr("%s cannot run: %s") % (step.title, step.blocked))
            elif step.note:
                notes.append(f"{step.title}: {step.note}")
            marks = step_marks(step).words() or [self.tr("nothing special")]
            text = command_text(step, windows) or self.tr("nothing to do: %s") % step.skip
            command = QTableWidgetItem(text)
            command.setToolTip(command.text())
            self.table.setItem(row, 0, title)
            self.table.setItem(row, 1, command)
            self.table.setItem(row, 2, QTableWidgetItem(", ".join(marks)))
        notes += shared_call_notes(plan, windows)
        self.table.resizeColumnToContents(0)
        self.table.resizeColumnToContents(2)
        self.notes.setText("\n".join(notes))
        self._show_disk(setup.ops.disk_shortfall(plan))
        warning = setup.ops.registry_warning(plan)
        self.network.setText(warning)
        self.network.setVisible(bool(warning))
        self.network_icon.setVisible(bool(warning))
        self.copied.setText("")
        self.completeChanged.emit()

    def _show_disk(self, shortfall: DiskShortfall | None) -> None:
        if shortfall is not None:
            self.disk.setText(
                self.tr(
                    "Not enough free disk space: this plan needs about %d MB (it downloads "
                    "about %d MB and unpacks them), and only %d MB is free at %s. Free some "
                    "space, or go Back and choose another install folder, before you press "
                    "Install."
                )
                % (shortfall.needed_mb, shortfall.download_mb, shortfall.free_mb, shortfall.where)
            )
        self.disk.setVisible(shortfall is not None)
        self.disk_icon.setVisible(shortfall is not None)

    def _on_copy_clicked(self) -> None:
        setup = self.setup
        if setup.plan is None:
            return
        QGuiApplication.clipboard().setText(plan_as_script(setup.plan, setup.ops.host.is_windows))
        self.copied.setText(self.tr("The plan is on the clipboard."))

    def isComplete(self) -> bool:
        plan = self.setup.plan
        return plan is not None and plan.runnable


def _warning_row(name: str) -> tuple[QLabel, QLabel, QHBoxLayout]:
    """A hidden warning: its icon, its text label (named `name` for screen readers), the row."""
    icon = QLabel()
    icon.setPixmap(finding_icon("problem").pixmap(24, 24))
    label = text_label(name=name)
    row = QHBoxLayout()
    row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
    row.addWidget(label, 1)
    icon.hide()
    label.hide()
    return icon, label, row
