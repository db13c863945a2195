"""Welcome: what will happen and what will not."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout

from app.ui.pages.base import Page, text_label


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
        )
        layout = QVBoxLayout(self)
        layout.addWidget(will)
        layout.addSpacing(12)
        layout.addWidget(wont)
        layout.addStretch(1)
