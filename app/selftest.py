"""`ai-cli-setup --self-test`: prove a build starts, finds its files and detects.

Opens the real wizard on the offscreen Qt platform, runs detection with every
app folder in a temporary base folder, checks the result and exits: 0 when
all is well, 1 with the reason on stderr otherwise. The packaging script runs
the frozen app this way; nothing is installed and nothing outside the
temporary folder is written.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from app import __version__
from app.core.paths import HOME_OVERRIDE

if TYPE_CHECKING:
    from app.core.detect import Detection
    from app.ui.wizard import SetupWizard

TIMEOUT = 90.0
WINDOW_SHOWN = "window shown"


class SelfTestError(Exception):
    """A check failed; the message says which and why."""


def _say(line: str) -> None:
    print(line, flush=True)  # flushed: bench/ times the "window shown" line as it comes


def run_self_test(out: Callable[[str], None] = _say) -> int:
    """Run every check; print one line per check and return the exit code."""
    # Set before Qt loads; an explicit QT_QPA_PLATFORM (e.g. xcb under Xvfb) wins.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_API", "pyside6")
    previous = os.environ.get(HOME_OVERRIDE)
    with tempfile.TemporaryDirectory(prefix="ai-cli-setup-selftest-") as base:
        os.environ[HOME_OVERRIDE] = base
        try:
            _run_checks(Path(base), out)
        except SelfTestError as exc:
            print(f"self-test FAILED: {exc}", file=sys.stderr)
            return 1
        finally:
            if previous is None:
                del os.environ[HOME_OVERRIDE]
            else:
                os.environ[HOME_OVERRIDE] = previous
    out("self-test passed")
    return 0


def _run_checks(base: Path, out: Callable[[str], None]) -> None:
    started = time.perf_counter()
    frozen = getattr(sys, "frozen", False)
    out(
        f"ai-cli-setup {__version__} ({'frozen' if frozen else 'from source'}), Python "
        f"{sys.version.split()[0]}"
    )

    from app.core.catalog import CatalogError
    from app.core.resources import resource_path

    icon = resource_path("icons", "app.png")
    if not icon.is_file():
        raise SelfTestError(f"the icon is missing: {icon}")
    try:
        from app.core.session import Session

        session = Session.for_this_machine()
    except CatalogError as exc:
        raise SelfTestError(f"the catalog does not load: {exc}") from exc
    if not str(session.paths.logs).startswith(str(base)):
        raise SelfTestError(f"the log folder {session.paths.logs} is outside {base}")
    out(f"catalog: {len(session.catalog.tools)} tools; resources in {resource_path()}")

    import qasync
    from PySide6.QtCore import qVersion
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from app.core.logs import start_run_log
    from app.core.redact import Redactor
    from app.ui.wizard import SetupWizard

    app = QApplication.instance() or QApplication([sys.argv[0]])
    start_run_log(session.paths.logs, Redactor(session.host.env))
    app_icon = QIcon(str(icon))
    if app_icon.isNull():
        raise SelfTestError(f"Qt cannot read the icon {icon}")
    app.setWindowIcon(app_icon)
    out(f"Qt {qVersion()} on the {app.platformName()} platform")

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    wizard = SetupWizard.for_session(session)
    wizard.show()
    app.processEvents()
    # bench/ times start-up to this line: keep it right after the first show.
    out(WINDOW_SHOWN)
    try:
        with loop:
            detection = loop.run_until_complete(asyncio.wait_for(_detect_in(wizard), TIMEOUT))
    except TimeoutError as exc:
        raise SelfTestError(f"detection did not finish within {TIMEOUT:.0f} s") from exc
    finally:
        wizard.tasks.cancel_all()
        wizard.close()
    if detection is None:
        raise SelfTestError(f"detection failed: {wizard.detection_error}")
    for finding in detection.findings():
        state = finding.version or ("present" if finding.present else "absent")
        out(f"detected {finding.name}: {state}")
    logs = list(session.paths.logs.glob("*.log"))
    if not logs:
        raise SelfTestError(f"no run log was written under {session.paths.logs}")
    out(f"checks took {time.perf_counter() - started:.2f} s")


async def _detect_in(wizard: SetupWizard) -> Detection | None:
    """Start the wizard's own detection and wait for it to report."""
    finished = asyncio.Event()
    wizard.detection_changed.connect(
        lambda: finished.set() if wizard.detection or wizard.detection_error else None
    )
    wizard.start_detection()
    await finished.wait()
    return wizard.detection
