"""The command line, run as a user runs it: a real process."""

import json
import os
import re
import stat
import subprocess
import sys

import pytest

from app.core.host import Host
from app.core.verify import installed_node_floor
from app.core.versions import range_floor
from tests.conftest import REPO


def cli(*args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


NPM_PACKAGES = {
    "claude-code": "@anthropic-ai/claude-code",
    "gemini-cli": "@google/gemini-cli",
    "codex-cli": "@openai/codex",
}


def test_version_exits_zero():
    result = cli("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("ai-cli-setup ")


def test_bad_usage_exits_two():
    assert cli("install", "--no-such-flag").returncode == 2
    result = cli("install", "--tools", "codex", "--yes")
    assert result.returncode == 2
    assert "unknown tool 'codex'" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("recommend", "--os", "linux"),  # the guide's quotes: “…”
        (
            "detect",
            "--evidence",
            "--replay",
            str(REPO / "tests/machines/debian12-dev-machine-live.json"),
        ),
    ],
)
def test_a_terminal_that_cannot_show_a_character_gets_a_question_mark_not_a_crash(args):
    shown = cli(*args, env={"PYTHONIOENCODING": "utf-8"})
    assert shown.returncode == 0, shown.stderr
    assert any(ord(ch) > 127 for ch in shown.stdout)  # there is something to replace
    ascii_only = cli(*args, env={"PYTHONIOENCODING": "ascii"})
    assert ascii_only.returncode == 0, ascii_only.stderr
    assert ascii_only.stdout == "".join(ch if ord(ch) < 128 else "?" for ch in shown.stdout)


def test_install_without_yes_and_no_terminal_installs_nothing(tmp_path):
    result = cli("install", "--tools", "gemini-cli", "--npm-prefix", str(tmp_path / "p"))
    assert result.returncode == 2
    assert "--yes" in result.stdout
    assert not (tmp_path / "p").exists()


def test_detect_json_describes_this_machine():
    result = cli("detect", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["system"] == "linux"
    assert data["node"]["version"]
    assert set(data["tools"]) == {"claude-code", "gemini-cli", "codex-cli"}
    assert data["docker"]["state"] in {"absent", "daemon-down", "running", "permission-denied"}


@pytest.mark.network
@pytest.mark.slow
def test_install_and_verify_the_three_clis_for_real(tmp_path, npm_cache):
    """The walking skeleton: npm installs into a temp prefix, --version verifies."""
    prefix = tmp_path / "prefix"
    env = {"npm_config_cache": str(npm_cache)}
    result = cli(
        "install",
        "--tools",
        "claude-code,gemini-cli,codex-cli",
        "--npm-prefix",
        str(prefix),
        "--yes",
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # npm's own lines were streamed through, step by step.
    assert re.search(r"^\[\d/\d\] Install Claude Code$", result.stdout, re.M)
    assert "    | added " in result.stdout
    log_line = next(s for s in result.stdout.splitlines() if s.startswith("Log: "))
    with open(log_line[5:], encoding="utf-8") as handle:
        log_text = handle.read()
    assert "npm| added " in log_text

    verify = cli("verify", "--npm-prefix", str(prefix), "--json", env=env)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    results = {item["tool_id"]: item for item in json.loads(verify.stdout)}
    floors = {}
    for tool_id, command in [
        ("claude-code", "claude"),
        ("gemini-cli", "gemini"),
        ("codex-cli", "codex"),
    ]:
        item = results[tool_id]
        # C01: the install put the temp prefix's bin folder on PATH (the temp HOME's
        # ~/.profile), so a new login shell finds each tool.
        assert (item["status"], item["on_path"], item["owner"]) == ("ok", True, "npm")
        # The version the tool reports is the version npm put there.
        package = prefix / "lib" / "node_modules" / NPM_PACKAGES[tool_id] / "package.json"
        assert item["version"] == json.loads(package.read_text())["version"]
        assert item["path"] == str(prefix / "bin" / command)
        # C08: verification reads the engines.node of what npm put there (npm's real
        # layout, Claude Code's hard-linked binary included) to check the node it runs with.
        engines = json.loads(package.read_text()).get("engines", {}).get("node")
        floor = installed_node_floor(Host.current(), item["path"], NPM_PACKAGES[tool_id])
        assert floor == (range_floor(engines) if engines else None), (tool_id, engines)
        floors[tool_id] = floor
    assert floors["gemini-cli"], "Gemini CLI declares engines.node; it was not read"
    # The catalog's sizes, which the low-disk warning rests on, hold for what npm put there.
    from app.core.catalog import default_catalog

    catalog = default_catalog()
    methods = [catalog.step(f"{tool_id}.npm") for tool_id in NPM_PACKAGES]
    files = {  # each file once: Claude Code hard-links its native binary into bin/
        (st.st_dev, st.st_ino): st.st_size
        for st in (f.lstat() for f in prefix.rglob("*"))
        if stat.S_ISREG(st.st_mode)
    }
    on_disk = sum(files.values())
    said = sum(m.disk_mb for m in methods) * 1024 * 1024
    assert said / 2 <= on_disk <= said, (on_disk // 2**20, said // 2**20)
    # Nothing landed in the real global prefix or the real home.
    assert not (prefix.parent / "home" / ".npm").exists()


def test_folder_arguments_lose_trailing_separators_but_not_roots():
    from app.commands.common import folder_arg

    assert folder_arg("/home/ada/npm/") == "/home/ada/npm"
    assert folder_arg("C:\\Users\\ada\\npm\\") == "C:\\Users\\ada\\npm"
    assert folder_arg("/") == "/"
    assert folder_arg("C:\\") == "C:\\"


def test_folder_arguments_are_absolute_with_the_home_folder_expanded(tmp_path, monkeypatch):
    import argparse

    from app.commands.common import folder_arg

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", "/home/ada")
    assert folder_arg("npm/") == str(tmp_path / "npm")  # npm, too, reads it from here
    assert folder_arg("~/npm") == "/home/ada/npm"  # "~/npm" in quotes reaches us as it is
    assert folder_arg("C:npm") == "C:npm"  # a Windows path is left to Windows
    assert folder_arg(" /tmp/npm ") == "/tmp/npm"  # a space pasted with it
    bad_values = ["", " ", "/tmp/a\nb", "/tmp/a\x00b", "/tmp/a\tb", "/tmp/\x9b2J", '"~/x"', "'/x'"]
    bad_values += ["$HOME/x", "${HOME}/x", "%USERPROFILE%\\npm", "~nosuchuser-ai-cli/x"]
    for bad in bad_values:
        with pytest.raises(argparse.ArgumentTypeError):
            folder_arg(bad)


@pytest.mark.parametrize("args", [("detect", "--evidence"), ("recommend", "--list")])
def test_a_reader_that_closes_the_pipe_ends_the_command_quietly(args):
    # `ai-cli-setup detect | head -1`: the rest has nowhere to go; that is not an error to show.
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first line
    with proc.stderr:
        stderr = proc.stderr.read()
    assert proc.wait(timeout=120) == 141, stderr
    assert stderr == ""


def test_a_tool_named_twice_is_planned_once():
    from app.commands.common import tool_list

    assert tool_list("gemini-cli, gemini-cli,codex-cli,gemini-cli") == ["gemini-cli", "codex-cli"]


def test_plan_warns_when_the_npm_registry_does_not_answer(tmp_path):
    # `plan` reads as the install would start: the registry's silence is said here too.
    result = cli(
        "plan", "--tools", "gemini-cli", "--npm-prefix", str(tmp_path / "npm"),
        env={"npm_config_registry": "http://127.0.0.1:9/"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Warning: The npm registry http://127.0.0.1:9/ did not answer" in result.stdout
