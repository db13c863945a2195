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


def text_label(text: str = "", name: str = "", *, selectable: bool = True) -> QLabel:
    """A wrapped label whose text can be selected and reached with the keyboard.

    With `selectable=False` the caller calls make_selectable() later: Qt's first
    selectable label sets up its text machinery (~3 ms), which the first window's
    paint does without (it paints the same pixels either way).
    """
    label = QLabel(text)
    label.setWordWrap(True)
    # Set by name, not as Qt.TextFormat.PlainText: the first use of the `Qt` namespace
    # builds all its ~110 Python enums (~20 ms), and the Welcome page's labels are made
    # before the first window, which needs none of them.
    label.setProperty("textFormat", "PlainText")
    if selectable:
        make_selectable(label)
    if name:
        label.setAccessibleName(name)
    return label


def make_selectable(label: QLabel) -> None:
    """The label's text can be selected with the mouse and the keyboard."""
    label.setProperty("textInteractionFlags", "TextSelectableByMouse|TextSelectableByKeyboard")


def button(text: str, name: str, description: str = "") -> QPushButton:
    widget = QPushButton(text)
    widget.setAccessibleName(name)
    widget.setAutoDefault(False)
    if description:
        widget.setAccessibleDescription(description)
        widget.setToolTip(description)
    return widget
