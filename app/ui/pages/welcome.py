"""Welcome: what will happen and what will not."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QCheckBox, QFrame, QVBoxLayout

from app.ui.pages.base import Page, make_selectable, text_label

if TYPE_CHECKING:
    from app.core.runstate import RunState


class WelcomePage(Page):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("Set up AI coding assistants"))
        self.setSubTitle(self.tr("Claude Code, Gemini CLI and Codex CLI, installed and checked."))
        will = text_label(
            self.tr(
                "What will happen:\n"
                "• The wizard looks at this computer and shows what it found, with the evidence.\n"
                "• You choose the tools; it recommends how to install them.\n"
                "• You see every command of the plan before anything runs.\n"
                "• Each step's output is shown live and kept in a log file.\n"
                "• Each tool is checked by running it, and you get its first sign-in steps."
            ),
            self.tr("What will happen"),
            selectable=False,
        )
        wont = text_label(
            self.tr(
                "What will not happen:\n"
                "• Nothing is installed or changed before you press Install on the Review page.\n"
                "• Nothing is sent anywhere: the wizard has no telemetry.\n"
                "• Nothing asks for admin rights without showing you the step first.\n"
                "• No API keys or passwords are written to logs or reports."
            ),
            self.tr("What will not happen"),
            selectable=False,
        )
        self.resume = QCheckBox(self.tr("&Continue the install that did not finish"))
        self.resume.setAccessibleName(self.tr("Continue the unfinished install"))
        self.resume_note = text_label(
            name=self.tr("About the unfinished install"), selectable=False
        )
        self.texts = (will, wont, self.resume_note)  # selectable once the window is up
        self.resume_box = QFrame()
        self.resume_box.setFrameShape(QFrame.Shape.StyledPanel)
        box = QVBoxLayout(self.resume_box)
        box.addWidget(self.resume)
        box.addWidget(self.resume_note)
        self.resume_box.setVisible(False)
        self.state: RunState | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(self.resume_box)
        layout.addWidget(will)
        layout.addSpacing(12)
        layout.addWidget(wont)
        layout.addStretch(1)

    def make_text_selectable(self) -> None:
        """Called by the wizard right after its first paint (see text_label)."""
        for label in self.texts:
            make_selectable(label)

    def initializePage(self) -> None:
        if not self.setup.has_ops:
            return  # the first window shows before the core; this runs again once it is there
        self.state = state = self.setup.ops.last_run()
        self.resume_box.setVisible(state is not None)
        self.resume.setChecked(state is not None)
        if state is None:
            return
        catalog = self.setup.ops.catalog
        names = ", ".join(catalog.tool(t).name for t in state.choices.tools if t in catalog.tools)
        done = sum(1 for status in state.statuses.values() if status in ("succeeded", "skipped"))
        started = time.strftime("%Y-%m-%d %H:%M", time.localtime(state.started))
        self.resume_note.setText(
            self.tr(
                "An install started %s (%s) stopped before its end; %d step(s) had finished. "
                "Continuing chooses the same tools, and steps that finished are not run again."
            )
            % (started, names or self.tr("no AI CLIs"), done)
        )

    def validatePage(self) -> bool:
        self.setup.resume_from = self.state if self.resume.isChecked() else None
        return True
