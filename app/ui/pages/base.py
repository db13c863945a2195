"""What every page shares: the wizard it belongs to and small widget helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from PySide6.QtWidgets import QLabel, QPushButton, QWizardPage

if TYPE_CHECKING:
    from app.ui.wizard import SetupWizard


class Page(QWizardPage):
    @property
    def setup(self) -> SetupWizard:
        wizard = self.wizard()
        if wizard is None:
            raise RuntimeError(f"{type(self).__name__} is not in a wizard")
        return cast("SetupWizard", wizard)


def text_label(text: str = "", name: str = "") -> QLabel:
    """A wrapped label whose text can be selected and reached with the keyboard."""
    label = QLabel(text)
    label.setWordWrap(True)
    # Set by name, not as Qt.TextFormat.PlainText: the first use of the `Qt` namespace
    # builds all its ~110 Python enums (~20 ms), and the Welcome page's labels are made
    # before the first window, which needs none of them.
    label.setProperty("textFormat", "PlainText")
    label.setProperty("textInteractionFlags", "TextSelectableByMouse|TextSelectableByKeyboard")
    if name:
        label.setAccessibleName(name)
    return label


def button(text: str, name: str, description: str = "") -> QPushButton:
    widget = QPushButton(text)
    widget.setAccessibleName(name)
    widget.setAutoDefault(False)
    if description:
        widget.setAccessibleDescription(description)
        widget.setToolTip(description)
    return widget
