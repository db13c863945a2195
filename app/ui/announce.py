"""Telling screen readers about milestones (not every log line)."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QWidget

log = logging.getLogger("ai_cli_setup.ui")

try:  # Qt 6.8 and newer
    from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
except ImportError:  # pragma: no cover - older Qt: announcements are skipped
    QAccessibleAnnouncementEvent = None


def announce(widget: QWidget, text: str) -> None:
    """Ask assistive technology to read `text` out, where Qt supports it."""
    log.debug("announce: %s", text)
    if QAccessibleAnnouncementEvent is None:
        return
    event = QAccessibleAnnouncementEvent(widget, text)
    QAccessible.updateAccessibility(event)
