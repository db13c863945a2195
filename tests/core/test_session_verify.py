"""C01/C02: `verify` finds a tool installed off PATH and never says "install it" again."""

from pathlib import Path

from app.core.catalog import default_catalog
from app.core.host import Host
from app.core.paths import Paths
from app.core.planner import Choices
from app.core.runner import ProcessRunner
from app.core.runstate import RunState
from app.core.session import Session
from tests.conftest import REPO
from tests.core.test_install import script
from tests.fakes import ScriptedRunner, linux_host
from tests.test_cli import cli

VERSION = "print('0.61.0')\n"


def session(runner, tmp_path: Path) -> Session:
    root = tmp_path / "app-home"
    return Session(runner, default_catalog(), Paths(root / "logs", root / "state", root / "c"))


def test_c01_a_tool_in_npms_global_prefix_off_path_is_not_on_path(tmp_path, run_async):
    prefix = tmp_path / "npm-global"
    script(prefix / "bin" / "gemini", VERSION)
    sysbin = tmp_path / "sysbin"
    script(sysbin / "npm", f"print({str(prefix)!r})\n")
    host = Host(system="linux", env={"PATH": f"{sysbin}:/usr/bin:/bin", "HOME": str(tmp_path)})
    [result] = run_async(session(ProcessRunner(host), tmp_path).verify(["gemini-cli"]))
    assert result.status == "not-on-path", result.message
    assert str(prefix / "bin") in result.fix
    assert "npm install" not in result.fix


def test_c01_verify_looks_where_the_last_install_put_the_tools(tmp_path, run_async):
    prefix = tmp_path / "chosen prefix ü"  # spaces and non-ASCII in the folder
    script(prefix / "bin" / "gemini", VERSION)
    host = Host(system="linux", env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    s = session(ProcessRunner(host), tmp_path)
    RunState.start(s.paths.state, Choices(("gemini-cli",), str(prefix))).finish()
    [result] = run_async(s.verify(["gemini-cli"]))
    assert result.status == "not-on-path" and result.path == str(prefix / "bin" / "gemini")


def test_a_tool_found_nowhere_is_still_missing(tmp_path, run_async):
    runner = ScriptedRunner(linux_host())
    runner.on("npm", "prefix", "-g", output="/usr\n")
    [result] = run_async(session(runner, tmp_path).verify(["codex-cli"]))
    assert result.status == "missing" and "@openai/codex" in result.fix


def test_c02_verify_replays_windows_claude_cmd_off_path_with_its_folder():
    machine = REPO / "tests" / "machines" / "windows10-no-wsl-claude-not-on-path.json"
    result = cli("verify", "--tools", "claude-code", "--replay", str(machine))
    assert result.returncode == 1, result.stdout + result.stderr  # a new terminal cannot run it
    assert "claude.cmd" in result.stdout
    assert "installed in C:\\Users\\<user>\\AppData\\Roaming\\npm, which is not on PATH" in (
        result.stdout
    )
    assert "npm install" not in result.stdout


def test_a_plan_bigger_than_the_free_disk_at_the_npm_folder_is_warned_about(tmp_path):
    """Seen with a 2 MB tmpfs as --npm-prefix: npm 'added 5 packages' and nothing ran."""
    from app.core.planner import Plan, Step
    from tests.fakes import FakeFacts

    runner = ScriptedRunner(linux_host())
    s = session(runner, tmp_path)
    plan = Plan(
        (Step("gemini-cli.npm", "Install Gemini CLI", download_mb=30, disk_mb=60),), "/small"
    )
    s.facts = FakeFacts(free={"/small": 2 * 1024 * 1024})
    assert "Only 2 MB free at /small" in s.disk_warning(plan)
    s.facts = FakeFacts(free={"/small": 10 * 1024**3})
    assert s.disk_warning(plan) == ""
    s.facts = FakeFacts()  # unknown free space: no claim either way
    assert s.disk_warning(plan) == ""
