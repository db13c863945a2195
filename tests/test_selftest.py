"""`ai-cli-setup --self-test`, run as the build script runs it: a real process."""

import os
import subprocess
import sys

from app import selftest
from tests.conftest import REPO


def test_self_test_opens_the_wizard_detects_and_exits_zero(tmp_path):
    # As on a build machine: no display, no platform chosen; the self-test takes offscreen.
    no_display = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    env = {k: v for k, v in os.environ.items() if k not in no_display}
    result = subprocess.run(
        [sys.executable, "-m", "app", "--self-test"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "window shown" in lines
    assert any(line.startswith("detected Node.js:") for line in lines)
    assert lines[-1] == "self-test passed"
    assert result.stderr == ""


def test_self_test_keeps_its_files_in_a_temporary_folder(tmp_path, monkeypatch):
    home = tmp_path / "app-home"
    monkeypatch.setenv("AI_CLI_SETUP_HOME", str(home))
    seen: list[str] = []
    # Fails on purpose at the first check, after the base folder is switched.
    monkeypatch.setattr(selftest, "_run_checks", lambda base, out: seen.append(str(base)))
    assert selftest.run_self_test(out=seen.append) == 0
    assert seen[0] != str(home)
    assert not os.path.exists(seen[0])  # removed afterwards


def test_a_missing_resource_fails_with_the_reason(tmp_path, monkeypatch, capsys):
    from app.core import resources

    monkeypatch.setattr(resources, "resources_dir", lambda: tmp_path / "nowhere")
    assert selftest.run_self_test(out=lambda line: None) == 1
    assert "the icon is missing" in capsys.readouterr().err


def test_the_self_test_builds_the_whole_command_line(monkeypatch):
    """A frozen build without a subcommand's module fails its self-test (as it did: the spec
    did not list the modules app.commands imports by name, and `--version` crashed)."""
    import app.commands

    seen: list[str] = []
    selftest._check_command_line(seen.append)
    assert seen == [
        f"command line: {len(app.commands.NAMES)} subcommands ({', '.join(app.commands.NAMES)})"
    ]

    monkeypatch.setattr(app.commands, "NAMES", (*app.commands.NAMES, "nosuch"))
    try:
        selftest._check_command_line(seen.append)
    except selftest.SelfTestError as exc:
        assert "a subcommand's module is missing: No module named 'app.commands.nosuch'" in str(exc)
    else:
        raise AssertionError("a missing subcommand module passed the self-test")
