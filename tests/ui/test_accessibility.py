"""Every control has a name a screen reader can say; every string is translatable."""

import ast
from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QWidget,
)

from app.ui.wizard import FINISH, SetupWizard
from tests.ui.fake_ops import FakeOperations
from tests.ui.helpers import make_wizard, walk_to

UI = Path(__file__).resolve().parents[2] / "app" / "ui"


def unnamed_controls(page: QWidget) -> list[str]:
    missing = []
    kinds = (QAbstractButton, QAbstractItemView, QLineEdit, QPlainTextEdit, QProgressBar)
    for widget in page.findChildren(QWidget):
        if not isinstance(widget, kinds) or widget.parent() is None:
            continue
        if isinstance(widget.parent(), QAbstractItemView):
            continue  # a view's own scroll bars and header buttons
        text = widget.text() if isinstance(widget, QAbstractButton) else ""
        if not (widget.accessibleName() or text.replace("&", "").strip()):
            missing.append(f"{type(widget).__name__} {widget.objectName()!r}")
    return missing


def test_every_control_on_every_page_has_an_accessible_name(qtbot, qloop, tmp_path):
    ops = FakeOperations(tmp_path)
    ops.step_gate.set()
    wizard: SetupWizard = make_wizard(qtbot, ops)
    walk_to(qtbot, wizard, FINISH)
    for page_id in wizard.pageIds():
        page = wizard.page(page_id)
        assert unnamed_controls(page) == [], page.title()


QT_TEXT_CALLS = {
    "setText",
    "setTitle",
    "setSubTitle",
    "setToolTip",
    "setAccessibleName",
    "setAccessibleDescription",
    "setPlaceholderText",
    "setWindowTitle",
    "QLabel",
    "QPushButton",
    "QCheckBox",
    "QListWidgetItem",
    "QTableWidgetItem",
    "QTreeWidgetItem",
    "text_label",
    "button",
    "announce",
}


def test_user_visible_strings_are_marked_for_translation():
    """A bare string literal with letters passed to a Qt text call is untranslated."""
    offenders = []
    for path in sorted(UI.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in QT_TEXT_CALLS:
                continue
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    words = arg.value
                elif isinstance(arg, ast.JoinedStr):  # only the f-string's own words count
                    words = "".join(v.value for v in arg.values if isinstance(v, ast.Constant))
                else:
                    continue
                words = words.replace("<b>", "").replace("</b>", "")
                if any(ch.isalpha() for ch in words):
                    offenders.append(f"{path.name}:{node.lineno}: {ast.unparse(arg)}")
    assert offenders == []
