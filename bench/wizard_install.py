"""Drive the real wizard through an install, offscreen; used by bench_memory.

Usage: wizard_install.py NPM_PREFIX. Prints "idle" on the Tools page once
detection is done and "done" when the install page finishes; exits 0 when
every step succeeded or was skipped as already done.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import qasync
from PySide6.QtWidgets import QApplication

from app.core.session import Session
from app.ui.wizard import SetupWizard


async def drive(wizard: SetupWizard, prefix: str) -> bool:
    detected = asyncio.Event()
    wizard.detection_changed.connect(lambda: wizard.detection and detected.set())
    wizard.start_detection()
    await detected.wait()
    while wizard.currentPage() is not wizard.tools_page:
        _next(wizard)
    print("idle", flush=True)
    await asyncio.sleep(1.0)  # lets the parent sample the idle wizard
    wizard.tools_page.prefix.setText(prefix)
    finished = asyncio.Event()
    page = wizard.install_page
    page.completeChanged.connect(lambda: page.isComplete() and finished.set())
    while wizard.currentPage() is not page:  # Review, then Install starts the plan
        _next(wizard)
    await finished.wait()
    print("done", flush=True)
    return bool(wizard.results) and all(
        # Prerequisites already there are skipped, with the reason; that is success too.
        r is not None and r.status in ("succeeded", "skipped")
        for r in wizard.results
    )


def _next(wizard: SetupWizard) -> None:
    before = wizard.currentPage()
    wizard.next()
    if wizard.currentPage() is before:
        raise RuntimeError(f"the wizard would not leave {type(before).__name__}")


def main() -> int:
    app = QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    wizard = SetupWizard.for_session(Session.for_this_machine())
    wizard.show()
    with loop:
        ok = loop.run_until_complete(drive(wizard, sys.argv[1]))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
