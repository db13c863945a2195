"""A log pane that keeps up with floods of output.

Lines are queued and appended in batches by a timer (about 30 times a
second at most); the widget keeps a bounded number of lines while the
run log on disk keeps them all.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFontDatabase, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QWidget

MAX_LINES = 5000
FLUSH_MS = 33


class LogPane(QPlainTextEdit):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMaximumBlockCount(MAX_LINES)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setAccessibleName(self.tr("Installer output"))
        self._pending: list[str] = []
        self._timer = QTimer(self)
        self._timer.setInterval(FLUSH_MS)
        self._timer.timeout.connect(self._flush)

    def append_line(self, line: str) -> None:
        self._pending.append(line)
        if not self._timer.isActive():
            self._timer.start()

    def _flush(self) -> None:
        if not self._pending:
            self._timer.stop()
            return
        lines = self._pending[-MAX_LINES:]
        self._pending.clear()
        bar = self.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 2
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        if not self.document().isEmpty():
            cursor.insertBlock()
        cursor.insertText("\n".join(lines))
        if at_bottom:
            bar.setValue(bar.maximum())

    def flush_now(self) -> None:
        self._flush()
