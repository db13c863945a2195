"""Scenario and tools: what to install, each tool's status and install method."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QLineEdit, QVBoxLayout

from app.ui.pages.base import Page, text_label
from app.ui.present import tool_method, tool_status, tool_status_text


class ToolsPage(Page):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("Choose the tools"))
        self.setSubTitle(
            self.tr("The three CLIs are chosen; untick any you do not want. Space toggles a box.")
        )
        # FIXME(issue-3): the guide's scenarios and the recommender's answer with its reason
        # go above the tools once app/core/recommend.py exists.
        self.boxes: dict[str, QCheckBox] = {}
        self.notes: dict[str, QLabel] = {}
        self.methods: dict[str, QLabel] = {}
        self.grid = QGridLayout()
        self.grid.setColumnStretch(2, 1)
        self.prefix = QLineEdit()
        self.prefix.setAccessibleName(self.tr("Install folder (npm prefix)"))
        self.prefix.textChanged.connect(self.completeChanged)
        prefix_label = QLabel(self.tr("Install &into (npm prefix):"))
        prefix_label.setBuddy(self.prefix)
        self.prefix_note = text_label(name=self.tr("About the install folder"))
        layout = QVBoxLayout(self)
        layout.addLayout(self.grid)
        layout.addSpacing(12)
        layout.addWidget(prefix_label)
        layout.addWidget(self.prefix)
        layout.addWidget(self.prefix_note)
        layout.addStretch(1)

    def initializePage(self) -> None:
        setup = self.setup
        detection = setup.detection
        catalog = setup.ops.catalog
        if not self.boxes:
            headers = [self.tr("Tool"), self.tr("Status"), self.tr("Install method")]
            for col, text in enumerate(headers):
                header = QLabel(f"<b>{text}</b>")
                self.grid.addWidget(header, 0, col)
            for row, (tool_id, tool) in enumerate(catalog.tools.items(), start=1):
                box = QCheckBox(tool.name)
                box.setChecked(True)
                box.toggled.connect(self.completeChanged)
                note, method = QLabel(), QLabel(tool_method(tool))
                self.boxes[tool_id], self.notes[tool_id], self.methods[tool_id] = box, note, method
                self.grid.addWidget(box, row, 0)
                self.grid.addWidget(note, row, 1)
                self.grid.addWidget(method, row, 2)
        for tool_id, tool in catalog.tools.items():
            finding = detection.tools.get(tool_id) if detection else None
            status = tool_status(tool, finding)
            text = tool_status_text(status)
            if finding is not None and finding.present and finding.version:
                text = f"{text} ({finding.version})"
            self.notes[tool_id].setText(text)
            self.notes[tool_id].setAccessibleName(self.tr("%s status") % tool.name)
            self.boxes[tool_id].setAccessibleDescription(f"{text}; {self.methods[tool_id].text()}")
        if not self.prefix.text():
            self.prefix.setText(setup.ops.default_prefix())
        node = detection.node if detection else None
        if node and node.npm_prefix and not node.prefix_writable:
            self.prefix_note.setText(
                self.tr(
                    "The global npm folder %s needs admin rights, so the tools go into a folder "
                    "of your own instead. Never run npm with sudo."
                )
                % node.npm_prefix
            )
        else:
            self.prefix_note.setText("")

    def selected_tools(self) -> list[str]:
        return [tool_id for tool_id, box in self.boxes.items() if box.isChecked()]

    def isComplete(self) -> bool:
        return bool(self.selected_tools()) and bool(self.prefix.text().strip())
