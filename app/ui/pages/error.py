"""The page every uncaught error leads to; it names the log file."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QVBoxLayout, QWizard

from app.ui.pages.base import Page, button, text_label


class ErrorPage(Page):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("Something went wrong"))
        self.setSubTitle(
            self.tr("The wizard hit an error it did not expect. Nothing else will run.")
        )
        self.summary = text_label(name=self.tr("Error"))
        self.where = text_label(name=self.tr("Log file"))
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setAccessibleName(self.tr("Error details"))
        self.copy = button(self.tr("Cop&y details"), self.tr("Copy the error details"))
        self.open_logs = button(self.tr("Open &log folder"), self.tr("Open the log folder"))
        self.copy.clicked.connect(self._on_copy_clicked)
        self.open_logs.clicked.connect(self._on_open_logs_clicked)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.copy)
        row.addWidget(self.open_logs)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.where)
        layout.addWidget(self.details, 1)
        layout.addLayout(row)
        self.setFinalPage(True)
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("&Close"))

    def nextId(self) -> int:
        return -1

    def show_error(self, summary: str, details: str) -> None:
        ops = self.setup.ops
        log_file = ops.log_file()
        self.summary.setText(ops.redact(summary))
        self.where.setText(
            self.tr("The log file has every detail: %s") % log_file
            if log_file
            else self.tr("No log file was open.")
        )
        self.details.setPlainText(ops.redact(details))

    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(
            "\n".join([self.summary.text(), self.where.text(), self.details.toPlainText()])
        )

    def _on_open_logs_clicked(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.setup.ops.log_folder())))
