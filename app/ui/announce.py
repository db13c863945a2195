"""Telling screen readers about milestones (not every log line)."""

from __future__ import annotations

import logging

from PySide6 import QtGui
from PySide6.QtWidgets import QWidget

log = logging.getLogger("ai_cli_setup.ui")

# QAccessibleAnnouncementEvent arrived in Qt 6.8; older Qt skips announcements.
_Announcement = getattr(QtGui, "QAccessibleAnnouncementEvent", None)


def announce(widget: QWidget, text: str) -> None:
    """Ask assistive technology to read `text` out, where Qt supports it."""
    log.debug("announce: %s", text)
    if _Announcement is None:
        return
    QtGui.QAccessible.updateAccessibility(_Announcement(widget, text))
