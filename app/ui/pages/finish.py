"""Finish: what to do next, including each CLI's first sign-in; the report."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QVBoxLayout

from app.ui.pages.base import Page, button, text_label


class FinishPage(Page):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("Next steps"))
        self.setSubTitle(self.tr("Open a new terminal so it sees the new tools, then sign in."))
        self.steps = text_label(name=self.tr("Next steps"))
        self.save = button(
            self.tr("&Save report…"),
            self.tr("Save the report"),
            self.tr("A text report of this run with passwords and keys masked, for a helper."),
        )
        self.copy = button(self.tr("Cop&y report"), self.tr("Copy the report to the clipboard"))
        self.saved = text_label(name=self.tr("Report status"))
        self.save.clicked.connect(self._on_save_clicked)
        self.copy.clicked.connect(self._on_copy_clicked)
        row = QHBoxLayout()
        row.addWidget(self.saved, 1)
        row.addWidget(self.copy)
        row.addWidget(self.save)
        layout = QVBoxLayout(self)
        layout.addWidget(self.steps)
        layout.addStretch(1)
        layout.addLayout(row)

    def nextId(self) -> int:
        return -1

    def initializePage(self) -> None:
        setup = self.setup
        catalog = setup.ops.catalog
        lines: list[str] = []
        for item in setup.verifications:
            tool = catalog.tool(item.tool_id)
            if item.status == "ok":
                lines.append(f"• {tool.name}: {tool.sign_in}")
            elif item.status == "not-on-path":
                lines.append(f"• {tool.name}: {item.fix} {self.tr('Then:')} {tool.sign_in}")
            else:
                lines.append(
                    "• "
                    + self.tr("%s does not work yet: %s") % (tool.name, item.fix or item.message)
                )
        for tool_id in setup.skipped_tools():
            lines.append("• " + self.tr("%s was skipped.") % catalog.tool(tool_id).name)
        if not lines:
            lines.append(self.tr("Nothing was installed."))
        log_file = setup.ops.log_file()
        if log_file is not None:
            lines += ["", self.tr("This run's log file: %s") % log_file]
        self.steps.setText("\n".join(lines))
        self.saved.setText("")

    def report(self) -> str:
        return self.setup.report_text()

    def ask_save_path(self) -> str:
        """The file to save the report to; empty when the user cancels."""
        path, _filter = QFileDialog.getSaveFileName(
            self,
            self.tr("Save report"),
            str(Path.home() / "ai-cli-setup-report.txt"),
            self.tr("Text files (*.txt)"),
        )
        return path

    def _on_save_clicked(self) -> None:
        path = self.ask_save_path()
        if not path:
            return
        try:
            Path(path).write_text(self.report(), encoding="utf-8")
        except OSError as exc:
            self.saved.setText(self.tr("Could not save the report: %s") % exc)
            return
        self.saved.setText(self.tr("Saved to %s") % path)

    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.report())
        self.saved.setText(self.tr("The report is on the clipboard."))
