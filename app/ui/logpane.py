"""A log pane that keeps up with floods of output.

Lines go into a bounded buffer per step (the run log on disk keeps them
all) and reach the widget in batches, about 30 times a second at most.
ANSI colour codes are stripped, and a line ending in a carriage return is
a progress line: the next line replaces it instead of adding to it.
"""

from __future__ import annotations

from collections import deque

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFontDatabase, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from app.core.terminal import clean_line

MAX_LINES = 2000
FLUSH_MS = 33
# Appending this many lines at once costs more than redrawing (measured by
# bench/bench_logpane.py), so during a flood the pane redraws only the newest
# FLOOD_TAIL lines, and the whole buffer once the flood calms down.
REDRAW_AT = 400
FLOOD_TAIL = 300


class LineBuffer:
    """The newest lines of one stream, with progress lines collapsed."""

    def __init__(self, limit: int = MAX_LINES) -> None:
        self.lines: deque[str] = deque(maxlen=limit)
        self.provisional = False  # the last line ended in \r
        self.total = 0

    def add(self, raw: str) -> bool:
        """Add one line; True when it replaced the previous (progress) line."""
        provisional = raw.endswith("\r")
        # Inside a line, \r rewinds to its start: only the last part shows.
        parts = [p for p in raw.split("\r") if p]
        text = clean_line(parts[-1] if parts else "")
        replaced = self.provisional and bool(self.lines)
        if replaced:
            self.lines[-1] = text
        else:
            self.lines.append(text)
        self.provisional = provisional
        self.total += 1
        return replaced


class LogPane(QPlainTextEdit):
    """Shows one LineBuffer; appends arrive in timed batches."""

    def __init__(self, parent: QWidget | None = None, limit: int = MAX_LINES) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMaximumBlockCount(limit)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setAccessibleName(self.tr("Output of the selected step"))
        self.setAccessibleDescription(
            self.tr("The newest %d lines; the log file keeps every line.") % limit
        )
        self._limit = limit
        self._buffer = LineBuffer(limit)
        self._pending: list[str] = []
        self._replace_last = False
        self._flooded = False  # showing only the newest lines of a flood
        self._timer = QTimer(self)
        self._timer.setInterval(FLUSH_MS)
        self._timer.timeout.connect(self._flush)

    @property
    def buffer(self) -> LineBuffer:
        return self._buffer

    def show_buffer(self, buffer: LineBuffer) -> None:
        """Show another stream (the selected step's) in full."""
        self._timer.stop()
        self._pending.clear()
        self._replace_last = False
        self._flooded = False
        self._buffer = buffer
        self.setPlainText("\n".join(buffer.lines))
        self._scroll_to_end()

    def append_line(self, line: str) -> None:
        """Add a line to the shown stream."""
        self.note_added(self._buffer.add(line))

    def note_added(self, replaced: bool) -> None:
        """The shown buffer gained a line (or replaced its last one)."""
        if replaced and self._pending:
            self._pending[-1] = self._buffer.lines[-1]
        else:
            if replaced:
                self._replace_last = True
            self._pending.append(self._buffer.lines[-1])
            if len(self._pending) > self._limit:
                del self._pending[: -self._limit]
        if not self._timer.isActive():
            self._timer.start()

    def _flush(self) -> None:
        if not self._pending:
            if self._flooded:  # the flood is over: show the whole buffer once
                self._flooded = False
                self._redraw(list(self._buffer.lines), self._at_bottom())
            self._timer.stop()
            return
        lines, self._pending = self._pending, []
        at_bottom = self._at_bottom()
        if len(lines) >= REDRAW_AT:
            tail = list(self._buffer.lines)[-FLOOD_TAIL:]
            self._redraw(tail, at_bottom)
            self._flooded = True
            return
        if self._flooded:
            self._flooded = False
            self._redraw(list(self._buffer.lines), at_bottom)
            return
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        if self._replace_last:
            cursor.select(QTextCursor.SelectionType.BlockUnderCursor)
            cursor.removeSelectedText()
            self._replace_last = False
        if not self.document().isEmpty():
            cursor.insertBlock()
        cursor.insertText("\n".join(lines))
        cursor.endEditBlock()
        if at_bottom:
            self._scroll_to_end()

    def _at_bottom(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - 2

    def _redraw(self, lines: list[str], at_bottom: bool) -> None:
        self._replace_last = False
        self.setPlainText("\n".join(lines))
        if at_bottom:
            self._scroll_to_end()

    def _scroll_to_end(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def flush_now(self) -> None:
        self._flush()

    def shown_lines(self) -> list[str]:
        self._flush()
        return self.toPlainText().split("\n") if not self.document().isEmpty() else []
