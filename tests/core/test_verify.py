"""Verification in a fresh environment: a real login shell on a temp HOME, a stand-in registry."""

from __future__ import annotations

import dataclasses
import shlex
import stat
import sys
from pathlib import Path

import pytest

from app.core.catalog import default_catalog
from app.core.host import Host
from app.core.paths import Paths
from app.core.runner import ProcessRunner, WindowsRegistryPath
from app.core.session import Session
from app.core.verify import fresh_path, verify_tool
from tests.core.test_journal import FakeRegistry
from tests.fakes import ScriptedRunner

PY = sys.executable
MACHINES = Path(__file__).resolve().parents[1] / "machines"


def script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{PY}\n{body}")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def npm_machine(tmp_path: Path, home: Path) -> tuple[Host, Path]:
    """A fake `npm` whose global prefix holds `claude` 2.1.197; its bin is not on PATH (C01)."""
    sysbin = tmp_path / "sysbin"
    prefix = tmp_path / "global"
    script(sysbin / "npm", f"print({str(prefix)!r})")
    script(prefix / "bin" / "claude", "print('2.1.197 (Claude Code)')")
    env = {
        "PATH": f"{sysbin}:/usr/bin:/bin",
        "HOME": str(home),
        "SHELL": "/bin/bash",
    }
    return Host(system="linux", env=env, home=str(home)), prefix


def session_for(host: Host, tmp_path: Path, **kwargs) -> Session:
    paths = Paths.from_env({"AI_CLI_SETUP_HOME": str(tmp_path / "app")})
    return Session(ProcessRunner(host), default_catalog(), paths, **kwargs)


def test_a_new_login_shell_gives_the_path(isolated_home, tmp_path, run_async):
    (isolated_home / ".profile").write_text(f'PATH="{tmp_path}/mine:$PATH"\n')
    host = Host(
        system="linux",
        env={
            "PATH": "/wizard/only:/usr/bin:/bin",
            "HOME": str(isolated_home),
            "SHELL": "/bin/bash",
        },
        home=str(isolated_home),
    )
    fresh = run_async(fresh_path(ProcessRunner(host)))
    assert fresh.origin == "login shell"
    assert fresh.dirs[0] == f"{tmp_path}/mine"
    assert "/wizard/only" not in fresh.dirs  # the wizard's own PATH does not leak in


def test_a_login_shell_that_hangs_falls_back_to_the_current_path_with_a_note(
    isolated_home, tmp_path, run_async
):
    shell = script(tmp_path / "slowsh", "import time; time.sleep(30)")
    host = Host(
        system="linux",
        env={"PATH": "/usr/bin:/bin", "HOME": str(isolated_home), "SHELL": str(shell)},
        home=str(isolated_home),
    )
    fresh = run_async(fresh_path(ProcessRunner(host), timeout=1.0))
    assert fresh.origin == "this process"
    assert fresh.dirs == ("/usr/bin", "/bin")
    assert "did not report its PATH" in fresh.note and "time limit" in fresh.note


def test_c01_installed_not_on_path_then_fixed_then_undone(isolated_home, tmp_path, run_async):
    host, prefix = npm_machine(tmp_path, isolated_home)
    session = session_for(host, tmp_path)
    bin_dir = str(prefix / "bin")

    (item,) = run_async(session.verify(["claude-code"]))
    assert item.status == "not-on-path" and item.passed
    assert item.version == "2.1.197"
    assert item.path == f"{bin_dir}/claude"
    assert item.fix_folder == bin_dir  # named from `npm prefix -g`
    assert bin_dir in item.message and "failed" not in item.message.lower()
    assert item.owner == "npm"
    assert item.path_origin == "login shell"

    # The offered fix: saved in the shell's start-up files, journaled.
    messages = session.add_to_path([item.fix_folder])
    assert "~/.profile" in messages[0]
    (item,) = run_async(session.verify(["claude-code"]))
    assert (item.status, item.on_path) == ("ok", True)  # a new login shell finds it now

    results = run_async(session.undo())
    assert {r.status for r in results} == {"undone"}
    (item,) = run_async(session.verify(["claude-code"]))
    assert item.status == "not-on-path"


def test_c22_a_native_install_in_local_bin_is_verified_by_its_full_path(
    isolated_home, tmp_path, run_async
):
    # The running PATH is stale: ~/.local/bin is not on it, nor on a new login shell's.
    claude = script(isolated_home / ".local" / "bin" / "claude", "print('2.1.200 (Claude Code)')")
    host = Host(
        system="linux",
        env={"PATH": "/usr/bin:/bin", "HOME": str(isolated_home), "SHELL": "/bin/sh"},
        home=str(isolated_home),
    )
    (item,) = run_async(session_for(host, tmp_path).verify(["claude-code"]))
    assert item.status == "not-on-path"
    assert (item.version, item.path) == ("2.1.200", str(claude))
    assert f"installed in {claude.parent}, which is not on PATH yet" in item.message
    assert item.owner == "native"


def test_every_copy_is_reported_with_the_one_that_runs(isolated_home, tmp_path, run_async):
    early = script(tmp_path / "early" / "gemini", "print('0.20.0')")
    prefix = tmp_path / "prefix"
    ours = script(prefix / "bin" / "gemini", "print('0.61.0')")
    host = Host(
        system="linux",
        env={
            "PATH": f"{early.parent}:{ours.parent}:/usr/bin:/bin",
            "HOME": str(isolated_home),
        },
        home=str(isolated_home),
    )
    item = run_async(verify_tool(ProcessRunner(host), default_catalog(), "gemini-cli", str(prefix)))
    assert (item.status, item.version, item.path) == ("ok", "0.61.0", str(ours))
    assert f"but {early} (unknown 0.20.0) comes first on PATH" in item.message
    assert [(c.path, c.version, c.runs) for c in item.copies] == [
        (str(ours), "0.61.0", False),
        (str(early), "0.20.0", True),
    ]
    assert item.copies[0].owner == "npm"


def test_a_version_below_the_catalog_minimum_is_outdated(isolated_home, tmp_path, run_async):
    catalog = default_catalog()
    tool = dataclasses.replace(catalog.tool("gemini-cli"), min_version="0.30.0")
    catalog = dataclasses.replace(catalog, tools={**catalog.tools, "gemini-cli": tool})
    old = script(tmp_path / "bin" / "gemini", "print('0.20.0')")
    host = Host(system="linux", env={"PATH": str(old.parent)}, home=str(isolated_home))
    item = run_async(verify_tool(ProcessRunner(host), catalog, "gemini-cli"))
    assert (item.status, item.version, item.minimum) == ("outdated", "0.20.0", "0.30.0")
    assert not item.passed
    assert "@google/gemini-cli@latest" in item.fix


def test_c02_windows_registry_path_fix_and_undo(tmp_path, run_async):
    npm_dir = r"C:\Users\ada\AppData\Roaming\npm"
    host = Host(
        system="windows",
        release="10",
        env={
            "Path": r"C:\Windows\system32;C:\Windows;C:\Program Files\nodejs",
            "APPDATA": r"C:\Users\ada\AppData\Roaming",
            "USERPROFILE": r"C:\Users\ada",
        },
        home=r"C:\Users\ada",
        executables=frozenset({npm_dir + r"\claude.cmd", r"C:\Program Files\nodejs\npm.cmd"}),
    )
    runner = ScriptedRunner(host)
    runner.on("npm", "prefix", "-g", output=npm_dir)
    runner.on(npm_dir + r"\claude.cmd", "--version", output="2.1.197 (Claude Code)")
    long_user_path = ";".join(rf"C:\Tools\t{i:04d}" for i in range(90))
    registry = FakeRegistry(long_user_path, machine=r"C:\Windows\system32;C:\Program Files\nodejs")
    session = Session(
        runner,
        default_catalog(),
        Paths.from_env({"AI_CLI_SETUP_HOME": str(tmp_path)}),
        user_env=registry,
        env_source=WindowsRegistryPath(read=registry.read_scope),
    )

    (item,) = run_async(session.verify(["claude-code"]))
    assert (item.status, item.path_origin) == ("not-on-path", "registry")
    assert item.fix_folder == npm_dir and item.owner == "npm"
    session.add_to_path([item.fix_folder])
    assert registry.values["Path"][0] == long_user_path + ";" + npm_dir  # not cut at 1024

    (item,) = run_async(session.verify(["claude-code"]))
    assert (item.status, item.path) == ("ok", npm_dir + r"\claude.cmd")

    (result,) = run_async(session.undo(dry_run=True))
    assert result.status == "would-undo"
    (result,) = run_async(session.undo())
    assert result.status == "undone"
    assert registry.values["Path"][0] == long_user_path


def test_c02_on_the_recorded_windows_machine(tmp_path, run_async):
    # A real Windows 10 recording: claude.cmd in %APPDATA%\npm, which PATH does not name.
    session = Session.from_recording(MACHINES / "windows10-no-wsl-claude-not-on-path.json")
    npm_dir = r"C:\Users\<user>\AppData\Roaming\npm"
    (item,) = run_async(session.verify(["claude-code"]))
    assert (item.status, item.path_origin) == ("not-on-path", "the recording")
    assert (item.fix_folder, item.owner, item.version) == (npm_dir, "npm", "2.0.28")
    assert item.path == npm_dir + r"\claude.cmd"
    assert session.add_to_path([npm_dir]) == ["This is a recorded machine; nothing was changed."]

    # With a stand-in registry, the fix goes into the user Path and verification agrees.
    registry = FakeRegistry(r"%USERPROFILE%\AppData\Local\Microsoft\WindowsApps")
    session.user_env = registry
    session.env_source = WindowsRegistryPath(read=registry.read_scope)
    session.add_to_path([npm_dir])
    assert registry.values["Path"][0].endswith(";" + npm_dir)
    (item,) = run_async(session.verify(["claude-code"]))
    assert (item.status, item.path_origin) == ("ok", "registry")


def test_the_version_check_runs_with_the_tools_own_settings(isolated_home, tmp_path, run_async):
    # Gemini CLI restarts itself with a bigger heap unless told not to; its
    # version check does not need that, and it halves the time it takes.
    assert default_catalog().tool("gemini-cli").version_env == {"GEMINI_CLI_NO_RELAUNCH": "true"}
    seen = tmp_path / "seen"
    gemini = script(
        tmp_path / "bin" / "gemini",
        f"import os\nopen({str(seen)!r}, 'w').write(os.environ.get('GEMINI_CLI_NO_RELAUNCH', '-'))\n"
        "print('0.61.0')",
    )
    host = Host(system="linux", env={"PATH": str(gemini.parent)}, home=str(isolated_home))
    item = run_async(verify_tool(ProcessRunner(host), default_catalog(), "gemini-cli"))
    assert (item.status, item.version) == ("ok", "0.61.0")
    assert seen.read_text() == "true"
    assert "GEMINI_CLI_NO_RELAUNCH" not in host.env  # only that command's environment


def test_a_missing_tool_in_a_given_prefix_is_fixed_into_that_prefix(
    isolated_home, tmp_path, run_async
):
    """After `verify --npm-prefix P`, the hint installs into P, not npm's global folder."""
    prefix = tmp_path / "my prefix"
    host = Host(system="linux", env={"PATH": "/usr/bin:/bin"}, home=str(isolated_home))
    item = run_async(verify_tool(ProcessRunner(host), default_catalog(), "codex-cli", str(prefix)))
    assert item.status == "missing"
    assert item.fix == f"Install it: npm install -g --prefix '{prefix}' @openai/codex"

    windows = Host(system="windows", env={"PATH": r"C:\Windows"}, home=r"C:\Users\ada")
    scripted = ScriptedRunner(windows, {})
    item = run_async(verify_tool(scripted, default_catalog(), "codex-cli", r"C:\npm tools"))
    assert item.fix == r'Install it: npm install -g --prefix "C:\npm tools" @openai/codex'


def test_an_outdated_tool_in_a_given_prefix_is_upgraded_there(isolated_home, tmp_path, run_async):
    catalog = default_catalog()
    tool = dataclasses.replace(catalog.tool("gemini-cli"), min_version="0.30.0")
    catalog = dataclasses.replace(catalog, tools={**catalog.tools, "gemini-cli": tool})
    old = script(tmp_path / "p" / "bin" / "gemini", "print('0.20.0')")
    host = Host(system="linux", env={"PATH": "/usr/bin:/bin"}, home=str(isolated_home))
    item = run_async(verify_tool(ProcessRunner(host), catalog, "gemini-cli", str(old.parents[1])))
    assert item.status == "outdated"
    assert item.fix.endswith(f"npm install -g --prefix {old.parents[1]} @google/gemini-cli@latest")


def npm_layout(prefix: Path, package: str, command: str, engines: str, version: str) -> Path:
    """npm's Unix layout: PREFIX/bin/COMMAND -> PREFIX/lib/node_modules/PACKAGE/cli.py."""
    root = prefix / "lib" / "node_modules" / package
    root.mkdir(parents=True)
    (root / "package.json").write_text(
        f'{{"name": "{package}", "version": "{version}", "engines": {{"node": "{engines}"}}}}'
    )
    script(root / "cli.py", f"print({version!r})")
    (prefix / "bin").mkdir(parents=True)
    (prefix / "bin" / command).symlink_to(f"../lib/node_modules/{package}/cli.py")
    return prefix / "bin" / command


@pytest.mark.parametrize(("node", "status"), [("v18.19.1", "node-too-old"), ("v20.11.0", "ok")])
def test_c08_a_tool_that_answers_on_a_node_older_than_its_engines_does_not_pass(
    isolated_home, tmp_path, run_async, node, status
):
    # npm exits 0 over an EBADENGINE warning; the tool still prints its version on that
    # Node.js. Verification reads the installed package's engines.node and the node it
    # runs with, so a later `verify` says what the install step said.
    prefix = tmp_path / "prefix"
    gemini = npm_layout(prefix, "@google/gemini-cli", "gemini", ">=20.0.0", "0.61.0")
    nodebin = script(tmp_path / "nodebin" / "node", f"print({node!r})")
    host = Host(
        system="linux",
        env={"PATH": f"{gemini.parent}:{nodebin.parent}:/usr/bin:/bin"},
        home=str(isolated_home),
    )
    item = run_async(verify_tool(ProcessRunner(host), default_catalog(), "gemini-cli", str(prefix)))
    assert (item.status, item.version) == (status, "0.61.0")
    if status == "node-too-old":
        assert not item.passed
        assert item.message == (
            f"Gemini CLI 0.61.0 needs Node.js 20.0.0 or newer, and the Node.js it runs with "
            f"is {node[1:]} ({nodebin})."
        )
        # The command it names plans that upgrade: it looks in the same folder.
        plan = shlex.join(
            ["ai-cli-setup", "plan", "--tools", "gemini-cli", "--npm-prefix", str(prefix)]
        )
        assert item.fix == (
            f"Upgrade Node.js to 20.0.0 or newer (`{plan}` plans it), then run "
            "`ai-cli-setup verify` again."
        )


def test_the_node_next_to_a_tool_is_the_one_its_engines_are_checked_against(
    isolated_home, tmp_path, run_async
):
    # nvm-style: the tool's shim and its node share a folder; an older node comes first
    # on PATH but is not the one the shim runs.
    prefix = tmp_path / "nvm"
    gemini = npm_layout(prefix, "@google/gemini-cli", "gemini", ">=20", "0.61.0")
    script(gemini.parent / "node", "print('v22.11.0')")
    old = script(tmp_path / "old" / "node", "print('v18.19.1')")
    host = Host(
        system="linux",
        env={"PATH": f"{old.parent}:{gemini.parent}:/usr/bin:/bin"},
        home=str(isolated_home),
    )
    item = run_async(verify_tool(ProcessRunner(host), default_catalog(), "gemini-cli"))
    assert (item.status, item.version) == ("ok", "0.61.0")


def test_c08_windows_layout_reads_engines_beside_the_cmd_shim(tmp_path, run_async):
    # npm on Windows: PREFIX\gemini.cmd beside PREFIX\node_modules\@google\gemini-cli.
    prefix = tmp_path / "npm"
    package = prefix / "node_modules" / "@google" / "gemini-cli"
    package.mkdir(parents=True)
    (package / "package.json").write_text(
        '{"name": "@google/gemini-cli", "engines": {"node": ">=20"}}'
    )
    (prefix / "gemini.cmd").write_text("@echo off\n")
    nodejs = tmp_path / "nodejs"
    nodejs.mkdir()
    (nodejs / "node.exe").write_text("")
    host = Host(
        system="windows",
        env={"PATH": f"{prefix};{nodejs}", "PATHEXT": ".COM;.EXE;.BAT;.CMD"},
        home=str(tmp_path),
    )
    scripted = ScriptedRunner(host, {})
    scripted.on(str(prefix / "gemini.cmd"), "--version", output="0.61.0")
    scripted.on(str(nodejs / "node.exe"), "--version", output="v18.19.1")
    item = run_async(verify_tool(scripted, default_catalog(), "gemini-cli", str(prefix)))
    assert item.status == "node-too-old"
    assert "the Node.js it runs with is 18.19.1" in item.message


def test_a_copy_without_a_package_json_is_not_checked_against_node(
    isolated_home, tmp_path, run_async
):
    # A native installer's copy (or one whose package.json is unreadable) has no engines
    # to compare; node is not even asked.
    claude = script(tmp_path / "bin" / "claude", "print('2.1.200 (Claude Code)')")
    script(tmp_path / "bin" / "node", "print('v12.22.9')")
    host = Host(system="linux", env={"PATH": str(claude.parent)}, home=str(isolated_home))
    scripted = ScriptedRunner(host, {})
    scripted.on(str(claude), "--version", output="2.1.200 (Claude Code)")
    scripted.on("node", "--version", output="v12.22.9")
    item = run_async(verify_tool(scripted, default_catalog(), "claude-code"))
    assert item.status == "ok"
    assert not [c for c in scripted.calls if c[0].endswith("node")]
