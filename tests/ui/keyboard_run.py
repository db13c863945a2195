"""The whole wizard, with the keyboard alone, on a real X server.

Not collected on its own: tests/ui/test_keyboard.py runs it under Xvfb and a
window manager with QT_QPA_PLATFORM=xcb. Keys are real X key events (xdotool)
sent to whichever window has the focus, as a person's keyboard would be;
nothing is clicked and no widget is poked directly.
"""

from __future__ import annotations

import subprocess

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QCheckBox, QPushButton, QWizard

from app.ui.wizard import FINISH, INSTALL, REVIEW, SYSTEM, TOOLS, VERIFY
from tests.ui.fake_ops import FakeOperations
from tests.ui.helpers import make_wizard


def press(qtbot, keys: str) -> None:
    subprocess.run(["xdotool", "key", "--clearmodifiers", keys], check=True, timeout=30)
    qtbot.wait(50)  # let the X server hand the events over


def tab_to(qtbot, matches, limit=40):
    """Press Tab until the focused widget is the one wanted."""
    for _ in range(limit):
        if matches(QApplication.focusWidget()):
            return QApplication.focusWidget()
        before = QApplication.focusWidget()
        press(qtbot, "Tab")
        qtbot.waitUntil(lambda b=before: QApplication.focusWidget() is not b, timeout=5000)
    raise AssertionError(f"Tab never reached the widget; focus is on {QApplication.focusWidget()}")


def labelled(kind, text):
    return lambda w: isinstance(w, kind) and w.text().replace("&", "") == text


def on_page(qtbot, wizard, page_id):
    qtbot.waitUntil(lambda: wizard.currentId() == page_id, timeout=5000)


def test_keyboard_only_run(qtbot, qloop, tmp_path):
    assert QGuiApplication.platformName() == "xcb"
    ops = FakeOperations(tmp_path)
    ops.step_gate.set()
    ops.outcomes = {"gemini-cli": "failed"}
    wizard = make_wizard(qtbot, ops)
    wizard.activateWindow()
    qtbot.waitUntil(wizard.isActiveWindow, timeout=10_000)

    press(qtbot, "alt+n")
    on_page(qtbot, wizard, SYSTEM)
    qtbot.waitUntil(wizard.system_page.isComplete, timeout=5000)
    # Open a finding's evidence with the arrow keys.
    tab_to(qtbot, lambda w: w is wizard.system_page.tree)
    press(qtbot, "Down")
    press(qtbot, "Right")
    qtbot.waitUntil(lambda: wizard.system_page.tree.currentItem().isExpanded(), timeout=5000)
    press(qtbot, "alt+n")
    on_page(qtbot, wizard, TOOLS)

    box = tab_to(qtbot, labelled(QCheckBox, "Claude Code"))
    press(qtbot, "space")
    qtbot.waitUntil(lambda: not box.isChecked(), timeout=5000)
    press(qtbot, "alt+n")
    on_page(qtbot, wizard, REVIEW)
    assert wizard.review_page.table.rowCount() == 2

    press(qtbot, "alt+i")  # the commit button, "Install"
    on_page(qtbot, wizard, INSTALL)
    page = wizard.install_page
    qtbot.waitUntil(page.go_on.isEnabled, timeout=5000)  # the engine asks what to do
    assert page.steps.item(0).text() == "Install Gemini CLI — Failed"
    press(qtbot, "alt+f")  # Show fix
    qtbot.waitUntil(page.fix.isVisible, timeout=5000)
    assert "npm may not write" in page.fix.text()
    tab_to(qtbot, labelled(QPushButton, "Retry"))
    press(qtbot, "space")
    qtbot.waitUntil(lambda: page.steps.item(0).text() == "Install Gemini CLI — Done", timeout=5000)
    qtbot.waitUntil(page.isComplete, timeout=5000)

    press(qtbot, "alt+n")
    on_page(qtbot, wizard, VERIFY)
    qtbot.waitUntil(lambda: wizard.verify_page.isComplete() and bool(wizard.verify_page.results))
    assert [r.status for r in wizard.verify_page.results] == ["ok", "ok"]
    press(qtbot, "alt+n")
    on_page(qtbot, wizard, FINISH)
    press(qtbot, "alt+y")  # Copy report
    qtbot.waitUntil(
        lambda: "Install Gemini CLI" in QGuiApplication.clipboard().text(), timeout=5000
    )
    with qtbot.waitSignal(wizard.finished, timeout=5000) as finished:
        press(qtbot, "alt+f")
    assert finished.args == [QWizard.DialogCode.Accepted.value]
