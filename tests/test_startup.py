"""What loads before the wizard's first window, and the HTTPS set-up that waits for it.

Start-up time itself is measured by bench/bench_window.py, never here: these
tests check the mechanism (which modules a start imports), not a duration.
"""

import os
import subprocess
import sys

import pytest

import app.cli as app_cli
from app.cli import build_parser, wizard_options
from app.core.host import Host
from tests.conftest import REPO

# The core, detection's HTTP stack and the subcommands load after the first window.
NOT_BEFORE_THE_WINDOW = (
    "asyncio",
    "qasync",
    "requests",
    "truststore",
    "psutil",
    "app.core.session",
    "app.core.detect",
    "app.core.install",
    "app.core.catalog",
    "app.commands",
    "app.ui.pages.install",
    "app.ui.operations",
)


def loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


# Everything of the app that the first window loads: the wizard, its Welcome page
# and their small helpers. Every other module of the app waits (a new one here is a
# choice, made knowing that the first window waits for it).
BEFORE_THE_WINDOW = {
    "app",
    "app.ui",
    "app.ui.app",
    "app.ui.wizard",
    "app.ui.announce",
    "app.ui.tasks",
    "app.ui.pages",
    "app.ui.pages.base",
    "app.ui.pages.welcome",
}
QT_BEFORE_THE_WINDOW = {"PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets"}


def test_the_first_window_is_shown_before_the_core_loads():
    loaded = loaded_after(
        "from app.ui.app import open_window\n"
        "app, wizard = open_window()\n"
        "assert wizard.isVisible() and wizard.currentPage() is wizard.welcome_page\n"
    )
    assert {m for m in loaded if m == "app" or m.startswith("app.")} == BEFORE_THE_WINDOW
    assert {m for m in loaded if m.startswith("PySide6.Qt")} == QT_BEFORE_THE_WINDOW
    assert not {m for m in loaded if m.startswith(NOT_BEFORE_THE_WINDOW)}


def test_the_window_is_whole_before_the_event_loop_takes_input():
    """What the first paint does without, finish_window() adds before the loop runs."""
    loaded_after(
        "from PySide6.QtWidgets import QLabel\n"
        "from app.ui.app import finish_window, open_window\n"
        "from app.ui.wizard import SYSTEM\n"
        "app, wizard = open_window()\n"
        "finish_window(app, wizard)\n"
        "assert not app.windowIcon().isNull()\n"
        "assert len(wizard.pageIds()) == 8 and wizard.page(SYSTEM) is wizard.system_page\n"
        "from PySide6.QtCore import Qt\n"
        "flag = Qt.TextInteractionFlag\n"
        "labels = wizard.welcome_page.findChildren(QLabel)\n"
        "assert len(labels) == 3\n"
        "for label in labels:\n"
        "    selectable = flag.TextSelectableByMouse | flag.TextSelectableByKeyboard\n"
        "    assert label.textInteractionFlags() == selectable, label.text()\n"
    )


# Qt types whose first use builds many Python enums (the `Qt` namespace ~110, ~20 ms;
# QAccessible ~3 ms, QIcon ~2 ms); the first window does without them.
NOT_BUILT_BEFORE_THE_WINDOW = (("QtCore", "Qt"), ("QtGui", "QAccessible"), ("QtGui", "QIcon"))


def test_the_first_window_builds_no_large_qt_namespace():
    loaded = loaded_after(
        "import PySide6.QtCore, PySide6.QtGui\n"
        "from app.ui.app import open_window\n"
        "app, wizard = open_window()\n"
        f"for module, name in {NOT_BUILT_BEFORE_THE_WINDOW!r}:\n"
        "    assert name not in vars(getattr(PySide6, module)), f'{name} was built'\n"
        "    getattr(getattr(PySide6, module), name)\n"
        "    assert name in vars(getattr(PySide6, module)), f'the probe cannot see {name}'\n"
    )
    assert "app.ui.pages.welcome" in loaded


def test_the_wizard_command_line_imports_no_subcommand():
    loaded = loaded_after(
        "from app.cli import wizard_options\n"
        "assert wizard_options(['--profile', 'room.toml'])['global_profile'] == 'room.toml'\n"
    )
    assert not {m for m in loaded if m.startswith(NOT_BEFORE_THE_WINDOW)}


@pytest.mark.parametrize(
    ("argv", "wizard"),
    [
        ([], True),
        (["--self-test"], True),
        (["--profile", "room.toml"], True),
        (["--profile=room.toml", "--self-test"], True),
        (["detect"], False),
        (["--help"], False),
        (["--prof", "room.toml"], False),  # an abbreviation: the whole parser decides
        (["--profile"], False),  # a missing value: the whole parser says so
        (["--profile", "--self-test"], False),
        (["nonsense"], False),
    ],
)
def test_only_the_wizards_own_options_skip_the_subcommands(argv, wizard):
    options = wizard_options(argv)
    assert (options is not None) is wizard
    if options is not None:  # read exactly as the whole parser reads it
        assert options == vars(build_parser().parse_args(argv))


def test_https_uses_the_system_trust_store_from_the_first_request():
    probe = (
        "import ssl, truststore\n"
        "from app.core.detect.facts import http_reach\n"
        "before = ssl.SSLContext is truststore.SSLContext\n"
        "http_reach('http://127.0.0.1:9/', 2.0, {})\n"
        "print(before, ssl.SSLContext is truststore.SSLContext)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["False", "True"], result.stderr


def test_the_command_lines_exit_codes_match_the_subcommands():
    import app.cli
    from app.commands import common

    assert (app.cli.EXIT_FAILED, app.cli.EXIT_USAGE) == (common.EXIT_FAILED, common.EXIT_USAGE)


def wizard_refusing_to_start(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess:
    """The wizard's command line in `env`; it prints its exit code and whether Qt loaded,
    and last on stderr the core modules it loaded."""
    probe = (
        "import sys, app.cli\n"
        "code = app.cli.main(sys.argv[1:])\n"
        "print(code, any(m.startswith('PySide6') for m in sys.modules))\n"
        "print(*sorted(m for m in sys.modules if m.startswith('app.core')), file=sys.stderr)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", probe, *argv],
        cwd=REPO, capture_output=True, text=True, timeout=120, env=env,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_the_wizard_without_a_display_says_what_to_do_instead_of_aborting():
    """On Linux without DISPLAY or WAYLAND_DISPLAY Qt aborted (exit 134) with only
    'could not connect to display'; the message comes before Qt loads."""
    if Host.current().system != "linux":
        pytest.skip("only Linux opens windows through a named X11 or Wayland display")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    for argv in ([], ["--profile", "room.toml"]):
        result = wizard_refusing_to_start(env, *argv)
        assert result.stdout.split() == ["2", "False"], result.stderr
        # The check is as small as the first window's path: no Host, no dataclasses.
        assert result.stderr.splitlines()[-1] == "app.core app.core.display"
        assert result.stderr.startswith("ai-cli-setup: no display found: ")
        assert "neither\nDISPLAY nor WAYLAND_DISPLAY is set" in result.stderr
        for command in ("detect", "plan", "install --yes", "verify"):
            assert f"  ai-cli-setup {command}  " in result.stderr
        assert "QT_QPA_PLATFORM=offscreen" in result.stderr
    entry = subprocess.run(
        [sys.executable, "-m", "app"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert entry.returncode == 2 and entry.stdout == ""
    assert entry.stderr == app_cli.NO_DISPLAY + "\n"


def test_the_wizard_on_a_display_that_does_not_answer_says_so_instead_of_aborting():
    # As after an SSH session whose X forwarding is gone: DISPLAY is set, nothing listens.
    if Host.current().system != "linux":
        pytest.skip("only Linux opens windows through a named X11 or Wayland display")
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as spare:
        spare.bind(("127.0.0.1", 0))
        display = f"127.0.0.1:{spare.getsockname()[1] - 6000}.0"  # closed once it is released
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = wizard_refusing_to_start({**env, "DISPLAY": display})
    assert result.stdout.split() == ["2", "False"], result.stderr
    assert result.stderr.splitlines()[-1] == "app.core app.core.display"
    assert result.stderr.startswith("ai-cli-setup: the display does not answer: ")
    assert f"DISPLAY={display} is set, but nothing answers on it" in result.stderr
    assert "  ai-cli-setup install --yes  " in result.stderr
