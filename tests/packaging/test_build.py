"""packaging/build.py's stderr allowlist, and (slow) a real build that passes --self-test."""

import json
import os
import re
import subprocess

import pytest

from app import __version__
from tests.packaging.conftest import load_script

build = load_script("build")


def test_every_allowlist_line_gives_a_reason(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("# comment\n\n^qt\\.qpa\\.fonts:  # no fonts on a bare CI runner\n")
    assert [p.pattern for p in build.load_allowlist(good)] == ["^qt\\.qpa\\.fonts:"]
    bad = tmp_path / "bad.txt"
    bad.write_text("^anything\n")
    with pytest.raises(SystemExit, match="needs '  # reason'"):
        build.load_allowlist(bad)


def test_only_allowed_stderr_lines_pass():
    allowed = [re.compile(r"^qt\.qpa\.fonts:")]
    stderr = "qt.qpa.fonts: Populating font family aliases\nTraceback (most recent call last):\n"
    assert build.unexpected_lines(stderr, allowed) == ["Traceback (most recent call last):"]


def test_the_shipped_allowlist_loads():
    build.load_allowlist()


def test_the_smoke_test_runs_the_frozen_command_line(tmp_path):
    """build.py checks `--version` too: a bundle missing the subcommands once failed only there."""
    import sys

    def program(name: str, body: str):
        path = tmp_path / name
        path.write_text(f"#!{sys.executable}\n{body}\n")
        path.chmod(0o755)
        return path

    good = program("good", f"print('ai-cli-setup {__version__}')")
    broken = program(
        "broken", "raise ModuleNotFoundError(\"No module named 'app.commands.detect'\")"
    )
    assert build.version_problem(good) is None
    problem = build.version_problem(broken)
    assert problem.startswith(f"--version exited 1 without printing 'ai-cli-setup {__version__}'")
    assert "No module named 'app.commands.detect'" in problem


@pytest.mark.slow
def test_the_frozen_app_builds_and_passes_its_self_test(tmp_path):
    pytest.importorskip("PyInstaller")
    built = build.build("app", tmp_path / "dist", tmp_path / "work")
    outcome = build.self_test(built.executable)
    assert outcome.exit_code == 0, outcome.stdout
    assert outcome.unexpected_stderr == []
    assert "(frozen)" in outcome.stdout
    assert "window shown" in outcome.stdout
    assert "command line: 9 subcommands" in outcome.stdout
    # The subcommands are imported by name: the frozen app must hold them (it once did not).
    env = {**os.environ, "AI_CLI_SETUP_HOME": str(tmp_path / "home")}
    version = subprocess.run(
        [str(built.executable), "--version"], capture_output=True, text=True, timeout=60, env=env
    )
    assert (version.returncode, version.stdout.strip()) == (0, f"ai-cli-setup {__version__}")
    detected = subprocess.run(
        [str(built.executable), "detect", "--json"],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert detected.returncode == 0, detected.stderr
    assert json.loads(detected.stdout)["system"] in ("linux", "darwin", "windows")
    shipped = [p.name for p in built.folder.rglob("*")]
    assert not [n for n in shipped if re.search(r"Qt6?(Qml|Quick)|PyQt|PySide2", n)]
    assert not [n for n in shipped if n.endswith(".qm") and not n.startswith("qtbase_")]
    assert "qtbase_de.qm" in shipped  # the wizard's buttons in German
