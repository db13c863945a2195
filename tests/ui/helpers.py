"""Building a wizard on fake operations and walking it to a page."""

from __future__ import annotations

from app.ui.wizard import FINISH, INSTALL, REVIEW, SYSTEM, TOOLS, VERIFY, SetupWizard


def make_wizard(qtbot, ops) -> SetupWizard:
    wizard = SetupWizard(ops)

    def settle() -> None:
        # Cancelled tasks still touch their widgets; let them end first.
        wizard.tasks.cancel_all()
        qtbot.waitUntil(lambda: len(wizard.tasks) == 0, timeout=5000)

    qtbot.addWidget(wizard, before_close_func=lambda _w: settle())
    wizard.show()
    wizard.start_detection()
    return wizard


def walk_to(qtbot, wizard: SetupWizard, page_id: int, tools: list[str] | None = None) -> None:
    """Press Next until `page_id` shows, waiting for each page to be complete."""
    while wizard.currentId() < page_id:
        current = wizard.currentPage()
        qtbot.waitUntil(current.isComplete, timeout=5000)
        if wizard.currentId() == TOOLS and tools is not None:
            for tool_id, box in wizard.tools_page.boxes.items():
                box.setChecked(tool_id in tools)
        wizard.next()


__all__ = ["FINISH", "INSTALL", "REVIEW", "SYSTEM", "TOOLS", "VERIFY", "make_wizard", "walk_to"]
