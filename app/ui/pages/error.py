"""The page every uncaught error or fatal start-up problem leads to; it names the log file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QVBoxLayout, QWizard

from app.ui.pages.base import Page, button, text_label

if TYPE_CHECKING:
    from app.core.startup import StartupProblem


class ErrorPage(Page):
    def __init__(self) -> None:
        super().__init__()
        self.summary = text_label(name=self.tr("Error"))
        self.advice = text_label(name=self.tr("What to do"))
        self.where = text_label(name=self.tr("Log file"))
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setAccessibleName(self.tr("Error details"))
        self.retry = button(
            self.tr("Continue &without the profile"),
            self.tr("Continue without the profile"),
            self.tr("Opens the wizard with nothing pre-filled; the profile is not used."),
        )
        self.retry.hide()
        self.copy = button(self.tr("Cop&y details"), self.tr("Copy the error details"))
        self.open_logs = button(self.tr("Open &log folder"), self.tr("Open the log folder"))
        self.retry.clicked.connect(self._on_retry_clicked)
        self.copy.clicked.connect(self._on_copy_clicked)
        self.open_logs.clicked.connect(self._on_open_logs_clicked)
        self._log_folder: Path | None = None
        self._on_retry: Callable[[], None] | None = None
        row = QHBoxLayout()
        row.addWidget(self.retry)
        row.addStretch(1)
        row.addWidget(self.copy)
        row.addWidget(self.open_logs)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.advice)
        layout.addWidget(self.where)
        layout.addWidget(self.details, 1)
        layout.addLayout(row)
        self.setFinalPage(True)
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("&Close"))
        self._titles(unexpected=True)

    def nextId(self) -> int:
        return -1

    def _titles(self, *, unexpected: bool) -> None:
        if unexpected:
            self.setTitle(self.tr("Something went wrong"))
            self.setSubTitle(
                self.tr("The wizard hit an error it did not expect. Nothing else will run.")
            )
        else:
            self.setTitle(self.tr("The wizard cannot start"))
            self.setSubTitle(self.tr("Nothing was installed or changed on this computer."))

    def _show_log(self, log_file: Path | None, log_folder: Path | None) -> None:
        self._log_folder = log_folder
        self.where.setText(
            self.tr("The log file has every detail:\n%s") % log_file
            if log_file
            else self.tr("No log file was open.")
        )
        self.open_logs.setEnabled(log_folder is not None and log_folder.is_dir())

    def show_error(self, summary: str, details: str) -> None:
        ops = self.setup.ops
        self._titles(unexpected=True)
        self.summary.setText(ops.redact(summary))
        self.advice.setText("")
        self.advice.hide()
        self.retry.hide()
        self._show_log(ops.log_file(), ops.log_folder())
        self.details.setPlainText(ops.redact(details))

    def show_problem(
        self,
        problem: StartupProblem,
        details: str,
        *,
        log_file: Path | None,
        log_folder: Path | None,
        redact: Callable[[str], str],
        on_retry: Callable[[], None] | None = None,
    ) -> None:
        """A fatal start-up problem: file, key, reason, what to do, and where the log is."""
        self._titles(unexpected=False)
        facts = [problem.headline, "", self.tr("File: %s") % problem.file]
        if problem.key and problem.key != "-":
            facts.append(self.tr("Key: %s") % problem.key)
        facts.append(self.tr("Reason: %s") % problem.reason)
        self.summary.setText(redact("\n".join(facts)))
        self.advice.setText(self.tr("What to do: %s") % problem.way_forward)
        self.advice.show()
        self._on_retry = on_retry
        self.retry.setVisible(on_retry is not None)
        self._show_log(log_file, log_folder)
        self.details.setPlainText(redact(details))

    def _on_retry_clicked(self) -> None:
        if self._on_retry is not None:
            self._on_retry()

    def _on_copy_clicked(self) -> None:
        parts = [self.summary.text(), self.advice.text(), self.where.text()]
        parts.append(self.details.toPlainText())
        QGuiApplication.clipboard().setText("\n".join(p for p in parts if p))

    def _on_open_logs_clicked(self) -> None:
        if self._log_folder is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._log_folder)))
