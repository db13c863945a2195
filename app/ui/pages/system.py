"""System: what detection found, with the evidence; Re-scan and override."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QProgressBar,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from app.ui.pages.base import Page, button, text_label
from app.ui.present import finding_icon, finding_state_text, group_title

if TYPE_CHECKING:
    from app.core.detect import Finding

KEY_ROLE = Qt.ItemDataRole.UserRole


class SystemPage(Page):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("This computer"))
        self.setSubTitle(
            self.tr("What the wizard found. Expand a line (→ key) to see the command it ran.")
        )
        self.status = text_label(name=self.tr("Detection status"))
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([self.tr("Finding"), self.tr("Where")])
        self.tree.setAccessibleName(self.tr("Findings"))
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.currentItemChanged.connect(self._on_tree_current_changed)
        self.rescan = button(
            self.tr("&Re-scan"),
            self.tr("Re-scan this computer"),
            self.tr("Run every check again, for example after installing something yourself."),
        )
        self.override = button(
            self.tr("&Override"),
            self.tr("Override the selected finding"),
            self.tr("Tell the wizard it is wrong: mark the selected item installed or missing."),
        )
        self.override.setEnabled(False)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # no end known: a moving bar while the checks run
        self.busy.setAccessibleName(self.tr("Checking this computer"))
        self.busy.setTextVisible(False)
        self.rescan.clicked.connect(self._on_rescan_clicked)
        self.override.clicked.connect(self._on_override_clicked)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.override)
        row.addWidget(self.rescan)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.busy)
        layout.addWidget(self.tree, 1)
        self._connected = False

    def initializePage(self) -> None:
        if not self._connected:
            self.setup.detection_changed.connect(self.show_findings)
            self._connected = True
        self.show_findings()

    def _on_rescan_clicked(self) -> None:
        self.setup.start_detection()

    def _on_override_clicked(self) -> None:
        item = self.tree.currentItem()
        # From an evidence line up to the finding it belongs to; a section has no key.
        while item is not None and item.data(0, KEY_ROLE) is None:
            item = item.parent()
        if item is None:
            return
        key = item.data(0, KEY_ROLE)
        self.setup.override_finding(key, not item.data(1, KEY_ROLE))

    def _on_tree_current_changed(self, current: QTreeWidgetItem | None, _old: object) -> None:
        self.override.setEnabled(self._overridable(current))

    def _overridable(self, item: QTreeWidgetItem | None) -> bool:
        while item is not None and item.data(0, KEY_ROLE) is None:
            item = item.parent()
        return item is not None and self.setup.detection is not None

    def show_findings(self) -> None:
        setup = self.setup
        detection = setup.detection
        selected = self.tree.currentItem()
        selected_key = selected.data(0, KEY_ROLE) if selected else None
        self.tree.clear()
        if setup.detection_error:
            self.status.setText(
                self.tr("The checks could not finish: %s. Press Re-scan to try again.")
                % setup.detection_error
            )
        elif detection is None:
            self.status.setText(self.tr("Looking at this computer…"))
        else:
            self.status.setText(self.tr("%s (%s)") % (detection.os_name, detection.machine))
            for group, members in detection.grouped():
                section = QTreeWidgetItem([group_title(group), ""])
                font = section.font(0)
                font.setBold(True)
                section.setFont(0, font)
                section.setFirstColumnSpanned(True)
                self.tree.addTopLevelItem(section)
                for key, finding in members:
                    item = self._finding_item(key, finding)
                    section.addChild(item)
                    if key == selected_key:
                        self.tree.setCurrentItem(item)
                # Sections with something to look at open; the rest stay short.
                section.setExpanded(
                    any(f.level != "not-applicable" for _, f in members) and group != "managers"
                )
        busy = detection is None and not setup.detection_error
        self.busy.setVisible(busy)
        self.rescan.setEnabled(not busy)
        self.override.setEnabled(not busy and self._overridable(self.tree.currentItem()))
        self.completeChanged.emit()

    def _finding_item(self, key: str, finding: Finding) -> QTreeWidgetItem:
        item = QTreeWidgetItem([finding.summary, finding.path or ""])
        item.setIcon(0, finding_icon(finding.level))
        item.setToolTip(0, finding.summary)
        item.setData(0, KEY_ROLE, key)
        item.setData(1, KEY_ROLE, finding.present)
        state = finding_state_text(finding.level)
        item.setData(0, Qt.ItemDataRole.AccessibleTextRole, f"{state}: {finding.summary}")
        for evidence in finding.evidence:
            command = " ".join(evidence.argv)
            exit_code = "—" if evidence.exit_code is None else str(evidence.exit_code)
            child = QTreeWidgetItem([self.tr("$ %s  (exit %s)") % (command, exit_code), ""])
            item.addChild(child)
            for line in evidence.excerpt.splitlines():
                child.addChild(QTreeWidgetItem([line, ""]))
        return item

    def isComplete(self) -> bool:
        return self.setup.detection is not None
