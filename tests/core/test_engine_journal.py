"""An install that changes the user's environment journals it first; undo reverses it."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

from app.core.catalog import default_catalog
from app.core.detect import NodeFinding
from app.core.host import Host
from app.core.install import run_plan
from app.core.journal import Journal
from app.core.paths import Paths
from app.core.planner import Choices, Command, Plan, Step, build_plan
from app.core.runner import ProcessRunner
from app.core.session import Session
from app.core.userpath import ChangeTracker, ShellStartupPath
from tests.core.test_engine import RecordingElevator
from tests.core.test_journal import FakeGroups
from tests.core.test_planner import bare
from tests.fakes import ScriptedRunner, linux_host

PY = sys.executable

# `npm config set prefix DIR` writes the user config file, like the real one.
NPM = f"""#!{PY}
import os, sys
args = sys.argv[1:]
rc = os.environ["npm_config_userconfig"]
if args[:3] == ["config", "set", "prefix"]:
    with open(rc, "a") as f:
        f.write("prefix=" + args[3] + "\\n")
    sys.exit(0)
if args[:2] == ["prefix", "-g"]:
    print("/usr"); sys.exit(0)
sys.exit(1)
"""


def test_a_user_prefix_install_is_journaled_and_undone(isolated_home, tmp_path, run_async):
    home = isolated_home
    sysbin = tmp_path / "sysbin"
    sysbin.mkdir()
    (sysbin / "npm").write_text(NPM)
    (sysbin / "npm").chmod(0o755 | stat.S_IXUSR)
    (home / ".npmrc").write_text("fund=false\n")
    env = {
        "PATH": f"{sysbin}:/usr/bin:/bin",
        "HOME": str(home),
        "SHELL": "/bin/bash",
        "USER": "ada",
        "npm_config_userconfig": str(home / ".npmrc"),
    }
    host = Host(system="linux", env=env, home=str(home), os_release={"ID": "debian"})
    node = NodeFinding(
        "Node.js", True, "22.11.0", npm_version="10.9.0", npm_prefix="/usr", prefix_writable=False
    )
    plan = build_plan(default_catalog(), host, bare(host, node), Choices(("gemini-cli",)))
    prefix_only = type(plan)(
        (plan.step("node.user-prefix"),), plan.npm_prefix, plan.system, plan.manager
    )
    session = Session(
        ProcessRunner(host), default_catalog(), Paths.from_env({"AI_CLI_SETUP_HOME": str(tmp_path)})
    )
    report = run_async(session.install(prefix_only))
    (result,) = report.results
    assert result.status == "succeeded", result.message
    user_bin = str(home / ".npm-global" / "bin")
    assert f"Added {user_bin} to PATH in ~/.profile, ~/.bashrc" in result.message
    assert (home / ".npmrc").read_text() == f"fund=false\nprefix={home / '.npm-global'}\n"

    saved = json.loads((tmp_path / "state" / "journal.json").read_text())["entries"]
    assert [(e["kind"], Path(e["path"]).name, e["status"]) for e in saved] == [
        ("file", ".npmrc", "applied"),
        ("file", ".profile", "applied"),
        ("file", ".bashrc", "applied"),
    ]
    assert saved[0]["before"] == "fund=false\n"

    results = run_async(session.undo())
    assert [r.status for r in results] == ["undone", "undone", "undone"]
    assert (home / ".npmrc").read_text() == "fund=false\n"
    assert not (home / ".profile").exists() and not (home / ".bashrc").exists()


def test_the_docker_group_change_is_journaled_before_the_prompt(tmp_path, run_async):
    # C15's fix: usermod runs behind the elevation prompt; membership before it is recorded.
    host = linux_host(USER="ada")
    groups = FakeGroups({"ada"})
    journal = Journal.open(tmp_path)
    changes = ChangeTracker(journal, host, ShellStartupPath(str(tmp_path), ""), groups)
    elevator = RecordingElevator()
    usermod = Command(("usermod", "-aG", "docker", "ada"), admin=True)
    step = Step("docker-engine.group", "Let ada use Docker", (usermod,), relogin=True)
    plan = Plan((step,), "/tmp/p", "linux", "apt", Choices())
    report = run_async(
        run_plan(plan, ScriptedRunner(host), default_catalog(), elevator=elevator, changes=changes)
    )
    assert report.results[0].status == "succeeded"
    assert elevator.calls == [[("usermod", "-aG", "docker", "ada")]]
    (entry,) = Journal.open(tmp_path).entries
    assert (entry["kind"], entry["was_member"], entry["status"]) == ("group", False, "applied")
