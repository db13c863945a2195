"""`ai-cli-setup --self-test`: prove a build starts, finds its files and detects.

Opens the real wizard on the offscreen Qt platform, runs detection with every
app folder in a temporary base folder, checks the result and exits: 0 when
all is well, 1 with the reason on stderr otherwise. The packaging script runs
the frozen app this way; nothing is installed and nothing outside the
temporary folder is written.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from app import __version__

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

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
    with tempfile.TemporaryDirectory(prefix="ai-cli-setup-selftest-") as base:
        try:
            _run_checks(Path(base), out)
        except SelfTestError as exc:
            print(f"self-test FAILED: {exc}", file=sys.stderr)
            return 1
    out("self-test passed")
    return 0


@contextlib.contextmanager
def _app_folders_in(base: Path) -> Iterator[None]:
    """Every app folder (logs, state, caches) under `base` while the checks run."""
    from app.core.paths import HOME_OVERRIDE

    previous = os.environ.get(HOME_OVERRIDE)
    os.environ[HOME_OVERRIDE] = str(base)
    try:
        yield
    finally:
        if previous is None:
            del os.environ[HOME_OVERRIDE]
        else:
            os.environ[HOME_OVERRIDE] = previous


def _run_checks(base: Path, out: Callable[[str], None]) -> None:
    started = time.perf_counter()
    frozen = getattr(sys, "frozen", False)
    out(
        f"ai-cli-setup {__version__} ({'frozen' if frozen else 'from source'}), Python "
        f"{sys.version.split()[0]}"
    )

    from app.core.resources import resource_path

    icon = resource_path("icons", "app.png")
    if not icon.is_file():
        raise SelfTestError(f"the icon is missing: {icon}")

    # The wizard's own start: the window first, the core behind it (app/ui/app.py).
    from app.ui.app import finish_window, open_window

    app, wizard = open_window()
    # bench/ times start-up to this line: keep it right after the first window.
    out(WINDOW_SHOWN)
    finish_window(app, wizard)
    with _app_folders_in(base):
        try:
            detection = _load_and_detect(base, app, wizard, icon, out)
        finally:
            wizard.tasks.cancel_all()
            wizard.close()
        for finding in detection.findings():
            state = finding.version or ("present" if finding.present else "absent")
            # The summary says it as `detect` does ("Debian GNU/Linux 12", "not reachable: ...").
            out(
                f"detected {finding.name}: {state}"
                + (f" ({finding.summary})" if finding.summary else "")
            )
        if not list(wizard.ops.log_folder().glob("*.log")):
            raise SelfTestError(f"no run log was written under {wizard.ops.log_folder()}")
    _check_command_line(out)
    out(f"checks took {time.perf_counter() - started:.2f} s")


def _check_command_line(out: Callable[[str], None]) -> None:
    """Every subcommand's module loads and the whole command line builds.

    The subcommands are imported by name (app/commands/__init__.py), which a
    frozen build only holds if its spec lists them; the window never needs them.
    """
    from app.cli import build_parser
    from app.commands import NAMES

    try:
        parser = build_parser()
    except ImportError as exc:
        raise SelfTestError(f"a subcommand's module is missing: {exc}") from exc
    help_text = parser.format_help()
    missing = [name for name in NAMES if name not in help_text]
    if missing:
        raise SelfTestError(f"the command line lacks {', '.join(missing)}")
    out(f"command line: {len(NAMES)} subcommands ({', '.join(NAMES)})")


def _load_and_detect(
    base: Path, app: QApplication, wizard: SetupWizard, icon: Path, out: Callable[[str], None]
) -> Detection:
    """What run_wizard does after the window: the core, the log, the loop, detection."""
    import asyncio

    import qasync
    from PySide6.QtCore import qVersion

    from app.core.catalog import CatalogError
    from app.core.logs import start_run_log
    from app.core.redact import Redactor
    from app.core.resources import resource_path
    from app.core.session import Session
    from app.ui.operations import SessionOperations

    if app.windowIcon().isNull():
        raise SelfTestError(f"Qt cannot read the icon {icon}")
    out(f"Qt {qVersion()} on the {app.platformName()} platform")
    try:
        session = Session.for_this_machine()
    except CatalogError as exc:
        raise SelfTestError(f"the catalog does not load: {exc}") from exc
    if not str(session.paths.logs).startswith(str(base)):
        raise SelfTestError(f"the log folder {session.paths.logs} is outside {base}")
    out(f"catalog: {len(session.catalog.tools)} tools; resources in {resource_path()}")
    wizard.ops = SessionOperations(session)
    start_run_log(session.paths.logs, Redactor(session.host.env), what="--self-test")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        with loop:
            detection = loop.run_until_complete(asyncio.wait_for(_detect_in(wizard), TIMEOUT))
    except TimeoutError as exc:
        raise SelfTestError(f"detection did not finish within {TIMEOUT:.0f} s") from exc
    if detection is None:
        raise SelfTestError(f"detection failed: {wizard.detection_error}")
    return detection


async def _detect_in(wizard: SetupWizard) -> Detection | None:
    """Start the wizard's own detection and wait for it to report."""
    import asyncio

    finished = asyncio.Event()
    wizard.detection_changed.connect(
        lambda: finished.set() if wizard.detection or wizard.detection_error else None
    )
    wizard.start_detection()
    await finished.wait()
    return wizard.detection
