"""Verify: each tool run for real; version, path, owner, status and fix."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from app.core.verify import Verification
from app.ui.announce import announce
from app.ui.pages.base import Page, button, text_label
from app.ui.present import owner_of, verify_icon, verify_status_text, where_text

COLUMNS = 7


class VerifyPage(Page):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("Check"))
        self.setSubTitle(
            self.tr("Each tool is run with --version; only a tool that answers passes.")
        )
        self.table = QTableWidget(0, COLUMNS)
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Tool"),
                self.tr("Where"),
                self.tr("Status"),
                self.tr("Version"),
                self.tr("Path"),
                self.tr("Installed by"),
                self.tr("Fix"),
            ]
        )
        self.table.setAccessibleName(self.tr("Check results"))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setSectionResizeMode(
            COLUMNS - 1, QHeaderView.ResizeMode.Stretch
        )
        self.details = text_label(name=self.tr("Check summary"))
        self.rerun = button(
            self.tr("Re-&run checks"),
            self.tr("Run the checks again"),
            self.tr("For example after adding a folder to PATH."),
        )
        self.rerun.clicked.connect(self._on_rerun_clicked)
        row = QHBoxLayout()
        row.addWidget(self.details, 1)
        row.addWidget(self.rerun)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        self.results: list[Verification] = []
        self.skipped: list[str] = []
        self._running = False

    def initializePage(self) -> None:
        self._start()

    def _on_rerun_clicked(self) -> None:
        self._start()

    def _start(self) -> None:
        setup = self.setup
        self._running = True
        self.rerun.setEnabled(False)
        self.details.setText(self.tr("Checking…"))
        self.completeChanged.emit()
        self.skipped = setup.skipped_tools()
        tools = [t for t in setup.selected_tools() if t not in self.skipped]
        prefix = setup.plan.npm_prefix if setup.plan else None
        setup.tasks.spawn(self._verify(tools, prefix, setup.container_folder))

    async def _verify(self, tools: list[str], prefix: str | None, folder: Path | None) -> None:
        try:
            results = await self.setup.ops.verify(tools, prefix)
            if folder is not None:  # the tools inside the image, beside the native ones
                results += await self.setup.ops.verify_container(folder)
            self.results = results
            self.setup.verifications = list(self.results)
        finally:
            self._running = False
            self.rerun.setEnabled(True)
        self.show_results(prefix)
        self.completeChanged.emit()

    def show_results(self, prefix: str | None) -> None:
        catalog = self.setup.ops.catalog
        rows: list[tuple[str, str, str, list[str]]] = []
        for item in self.results:
            cells = [
                item.version or "—",
                item.path or "—",
                owner_of(item, prefix),
                item.fix or (item.message if item.status != "ok" else ""),
            ]
            rows.append((item.name, where_text(item.where), item.status, cells))
        for tool_id in self.skipped:
            name = catalog.tool(tool_id).name
            rows.append((name, where_text("native"), "skipped", ["—", "—", "—", ""]))
        self.table.setRowCount(len(rows))
        for row, (name, where, status, cells) in enumerate(rows):
            status_item = QTableWidgetItem(verify_icon(status), verify_status_text(status))
            status_item.setData(
                Qt.ItemDataRole.AccessibleTextRole,
                f"{name} ({where}): {verify_status_text(status)}",
            )
            self.table.setItem(row, 0, QTableWidgetItem(name))
            self.table.setItem(row, 1, QTableWidgetItem(where))
            self.table.setItem(row, 2, status_item)
            for col, text in enumerate(cells, start=3):
                cell = QTableWidgetItem(text)
                cell.setToolTip(text)
                self.table.setItem(row, col, cell)
        for col in range(COLUMNS - 1):
            self.table.resizeColumnToContents(col)
        self.table.resizeRowsToContents()
        native = [item for item in self.results if item.where != "container"]
        boxed = [item for item in self.results if item.where == "container"]
        passed = sum(1 for item in native if item.passed)
        summary = self.tr("%d of %d tools work.") % (passed, len(native))
        if boxed:
            summary += " " + self.tr("%d of %d work in the container.") % (
                sum(1 for item in boxed if item.passed),
                len(boxed),
            )
        if self.skipped:
            summary += " " + self.tr("%d skipped.") % len(self.skipped)
        self.details.setText(summary)
        announce(self, summary)

    def isComplete(self) -> bool:
        return not self._running
