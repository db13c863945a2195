"""Scenario and tools: what to install, each tool's status and install method."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from app.core.profile import Profile
from app.core.recommend import DEFAULT_SCENARIO
from app.ui.pages.base import Page, text_label
from app.ui.present import tool_method, tool_status, tool_status_text


class ToolsPage(Page):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("Scenario and tools"))
        self.setSubTitle(
            self.tr("What this computer is for, and which CLIs to install (Space toggles a box).")
        )
        self.scenario = QComboBox()
        self.scenario.setAccessibleName(self.tr("Scenario"))
        self.scenario.view().setAccessibleName(self.tr("Scenarios"))
        self.scenario.currentIndexChanged.connect(self._on_scenario_changed)
        scenario_label = QLabel(self.tr("&Scenario:"))
        scenario_label.setBuddy(self.scenario)
        self.recommendation = text_label(name=self.tr("Recommendation for this computer"))
        self.recommendation.setFrameShape(QFrame.Shape.StyledPanel)
        self.recommendation.setMargin(6)
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
        self.isolated = QCheckBox(self.tr("Also set up the isolated &container"))
        self.isolated.setAccessibleDescription(
            self.tr(
                "Writes the guide's Dockerfile and compose file into a folder and builds the "
                "image, so the CLIs can also run inside a container."
            )
        )
        self.isolated.toggled.connect(self._on_isolated_toggled)
        self.container_folder_edit = QLineEdit()
        self.container_folder_edit.setAccessibleName(self.tr("Container folder"))
        self.container_folder_edit.textChanged.connect(self._check_container_folder)
        self.container_label = QLabel(self.tr("Container &folder:"))
        self.container_label.setBuddy(self.container_folder_edit)
        self.container_note = text_label(name=self.tr("About the container folder"))
        container_row = QHBoxLayout()
        container_row.addWidget(self.container_label)
        container_row.addWidget(self.container_folder_edit, 1)
        self.container_box = QFrame()
        box = QVBoxLayout(self.container_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.isolated)
        box.addLayout(container_row)
        box.addWidget(self.container_note)
        scenario_row = QHBoxLayout()
        scenario_row.addWidget(scenario_label)
        scenario_row.addWidget(self.scenario, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(scenario_row)
        layout.addWidget(self.recommendation)
        layout.addWidget(self.container_box)
        layout.addSpacing(6)
        layout.addLayout(self.grid)
        layout.addSpacing(12)
        layout.addWidget(prefix_label)
        layout.addWidget(self.prefix)
        layout.addWidget(self.prefix_note)
        layout.addStretch(1)
        self._resumed = False
        self.container_problem = ""

    def initializePage(self) -> None:
        setup = self.setup
        detection = setup.detection
        catalog = setup.ops.catalog
        if self.scenario.count() == 0:
            self.scenario.blockSignals(True)
            for scenario in catalog.scenarios.values():
                self.scenario.addItem(scenario.name, scenario.id)
            self.scenario.setCurrentIndex(max(0, self.scenario.findData(DEFAULT_SCENARIO)))
            self.scenario.blockSignals(False)
        if not self.boxes:
            headers = [self.tr("Tool"), self.tr("Status"), self.tr("Install method")]
            for col, text in enumerate(headers):
                header = QLabel(f"<b>{text}</b>")
                self.grid.addWidget(header, 0, col)
            for row, (tool_id, tool) in enumerate(catalog.tools.items(), start=1):
                box = QCheckBox(tool.name)
                box.setChecked(True)
                box.toggled.connect(self.completeChanged)
                box.toggled.connect(self._show_recommendation)
                note, method = QLabel(), QLabel(tool_method(tool))
                self.boxes[tool_id], self.notes[tool_id], self.methods[tool_id] = box, note, method
                self.grid.addWidget(box, row, 0)
                self.grid.addWidget(note, row, 1)
                self.grid.addWidget(method, row, 2)
            prefill_from_profile(self, getattr(setup.ops, "profile", None))
        for tool_id, tool in catalog.tools.items():
            finding = detection.tools.get(tool_id) if detection else None
            status = tool_status(tool, finding)
            text = tool_status_text(status)
            if finding is not None and finding.present and finding.version:
                text = f"{text} ({finding.version})"
            self.notes[tool_id].setText(text)
            self.notes[tool_id].setAccessibleName(self.tr("%s status") % tool.name)
            self.boxes[tool_id].setAccessibleDescription(f"{text}; {self.methods[tool_id].text()}")
        resume = setup.resume_from
        if resume is not None and not self._resumed:
            # The unfinished run's choices, once; the user may still change them.
            self._resumed = True
            for tool_id, box in self.boxes.items():
                box.setChecked(tool_id in resume.choices.tools)
            if resume.choices.npm_prefix:
                self.prefix.setText(resume.choices.npm_prefix)
        self._show_recommendation()
        if not self.prefix.text():
            self.prefix.setText(setup.ops.default_prefix())
        if not self.container_folder_edit.text():
            self.container_folder_edit.setText(str(setup.ops.default_container_folder()))
        self._on_isolated_toggled(self.isolated.isChecked())
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

    def _on_scenario_changed(self, _index: int) -> None:
        self._show_recommendation()

    def _show_recommendation(self) -> None:
        scenario_id = self.scenario.currentData()
        if not scenario_id or self.setup.detection is None:
            self.recommendation.setText("")
            return
        result = self.setup.ops.recommend(scenario_id, self.selected_tools())
        lines = [self.tr("Recommendation: %s") % result.reason]
        lines += [check.message for check in result.checks if check.passed is False]
        self.container_box.setVisible(bool(result.runtime))
        if not result.runtime:
            self.isolated.setChecked(False)
        self.recommendation.setText("\n".join(lines))
        guide = {p.item_id: p.label for p in result.installs}
        for tool_id, method in self.methods.items():
            preferred = guide.get(tool_id)
            # FIXME(issue-5): the planner installs with npm; it should follow the guide's method.
            method.setToolTip(self.tr("The guide prefers: %s") % preferred if preferred else "")

    def _on_isolated_toggled(self, on: bool) -> None:
        self.container_folder_edit.setEnabled(on)
        self.container_label.setEnabled(on)
        self._check_container_folder()

    def _check_container_folder(self) -> None:
        folder = self.container_folder()
        problem = self.setup.ops.container_folder_problem(folder) if folder else ""
        self.container_problem = problem
        if problem:
            self.container_note.setText(problem)
        elif folder is not None:
            self.container_note.setText(
                self.tr("The image is built last, after the tools; the Check page runs each CLI ")
                + self.tr("inside it too.")
            )
        else:
            self.container_note.setText("")
        self.completeChanged.emit()

    def container_folder(self) -> Path | None:
        """The folder for the isolated set-up, when the user asked for one."""
        text = self.container_folder_edit.text().strip()
        if not self.isolated.isChecked() or not self.container_box.isVisibleTo(self) or not text:
            return None
        return Path(text).expanduser()

    def selected_tools(self) -> list[str]:
        return [tool_id for tool_id, box in self.boxes.items() if box.isChecked()]

    def isComplete(self) -> bool:
        wanted = self.isolated.isChecked() and self.container_box.isVisibleTo(self)
        folder_ok = not wanted or (
            self.container_folder() is not None and not self.container_problem
        )
        return bool(self.selected_tools()) and bool(self.prefix.text().strip()) and folder_ok


# Profile pre-fill (issue 8): the wizard's only profile-aware code.
def prefill_from_profile(page: ToolsPage, profile: Profile | None) -> None:
    """Choose the profile's scenario, tools and npm prefix; the user can still change them."""
    if profile is None:
        return
    page.setSubTitle(
        page.tr("Chosen by the profile “%s”; change anything you need to.") % profile.name
    )
    if profile.scenario:
        page.scenario.setCurrentIndex(max(0, page.scenario.findData(profile.scenario)))
    for tool_id, box in page.boxes.items():
        box.setChecked(tool_id in profile.tool_ids)
    if profile.npm_prefix:
        page.prefix.setText(profile.npm_prefix)
