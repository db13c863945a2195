"""Elevation: the commands each back-end builds, quoting, and the outcomes it tells apart."""

from __future__ import annotations

import os
import shlex
import subprocess

import pytest

from app.core.elevation import (
    OsascriptElevator,
    PkexecElevator,
    RunasElevator,
    batch_script,
    shell_script,
)
from app.core.host import Host
from app.core.runner import ProcessRunner
from tests.fakes import ScriptedRunner, linux_host

NASTY = [
    ["echo", 'a "quoted" word'],
    ["echo", "back\\slash", "it's"],
    ["echo", '"; do shell script "touch /tmp/pwned'],
    ["echo", "$(touch /tmp/pwned)", "`id`", "a;b", "x && y", "new\nline"],
]


def applescript_literal(script: str) -> tuple[str, str]:
    """Read the one string literal after `do shell script`; return (its value, what follows)."""
    prefix = "do shell script "
    assert script.startswith(prefix + '"')
    i = len(prefix) + 1
    value = []
    while script[i] != '"':
        if script[i] == "\\":
            i += 1
        value.append(script[i])
        i += 1
    return "".join(value), script[i + 1 :]


def test_osascript_quoting_keeps_every_argument_literal():
    elevator = OsascriptElevator(ScriptedRunner(linux_host()))
    argv = elevator.argv(NASTY)
    assert argv[:2] == ["/usr/bin/osascript", "-e"]
    value, rest = applescript_literal(argv[2])
    # Nothing escapes the string: what follows is only the privileges clause.
    assert rest == " with administrator privileges"
    assert value == shell_script(NASTY) + " 2>&1"
    # And the shell reads back exactly the argument lists it was given.
    lexer = shlex.shlex(value.removesuffix(" 2>&1"), posix=True, punctuation_chars=True)
    commands: list[list[str]] = [[]]
    for token in lexer:
        if token == "&&":
            commands.append([])
        else:
            commands[-1].append(token)
    assert commands == NASTY


def test_shell_script_runs_arguments_literally(tmp_path):
    marker = tmp_path / "pwned"
    commands = [["echo", f"$(touch {marker})"], ["echo", f"; touch {marker}"]]
    result = subprocess.run(
        ["/bin/sh", "-c", shell_script(commands)], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines() == [f"$(touch {marker})", f"; touch {marker}"]
    assert not marker.exists()


def test_osascript_cancel_is_declined(run_async):
    runner = ScriptedRunner(linux_host())
    runner.on(
        "/usr/bin/osascript",
        output="0:67: execution error: User canceled. (-128)",
        exit_code=1,
    )
    outcome = run_async(OsascriptElevator(runner).run([["softwareupdate", "-l"]]))
    assert outcome.status == "declined"


@pytest.mark.parametrize(
    "elevator",
    [
        lambda r: OsascriptElevator(r),
        lambda r: PkexecElevator(r, agent_running=lambda: True),
        lambda r: RunasElevator(Host(system="windows"), shell_execute=lambda f, p: 0),
    ],
)
def test_homebrew_is_never_run_as_root(elevator, run_async):
    runner = ScriptedRunner(linux_host())
    outcome = run_async(elevator(runner).run([["/opt/homebrew/bin/brew", "install", "node"]]))
    assert outcome.status == "refused"
    assert "Homebrew" in outcome.message
    assert runner.calls == []


def test_pkexec_command_passes_what_the_commands_need(run_async):
    runner = ScriptedRunner(linux_host())
    elevator = PkexecElevator(runner, agent_running=lambda: True)
    env = {"PATH": "/usr/bin:/bin", "https_proxy": "http://proxy:3128", "SECRET_TOKEN": "x" * 20}
    argv = elevator.argv([["apt-get", "update"], ["apt-get", "install", "-y", "git"]], env)
    assert argv[:3] == ["pkexec", "--disable-internal-agent", "/usr/bin/env"]
    assert "DEBIAN_FRONTEND=noninteractive" in argv
    assert "https_proxy=http://proxy:3128" in argv
    assert not any("SECRET_TOKEN" in a for a in argv)
    assert argv[-3:] == ["/bin/sh", "-c", "apt-get update && apt-get install -y git"]


@pytest.mark.parametrize(
    ("code", "status"), [(0, "ok"), (1, "failed"), (126, "declined"), (127, "unavailable")]
)
def test_pkexec_exit_codes_are_distinct_outcomes(code, status, run_async):
    runner = ScriptedRunner(linux_host())
    runner.on("pkexec", output="", exit_code=code)
    outcome = run_async(
        PkexecElevator(runner, agent_running=lambda: True).run([["apt-get", "update"]])
    )
    assert outcome.status == status
    assert len(runner.calls) == 1  # one prompt
    if status == "unavailable":
        assert "sudo apt-get update" in outcome.message


def test_without_a_polkit_agent_the_user_gets_a_sudo_line(run_async):
    runner = ScriptedRunner(linux_host())
    commands = [["usermod", "-aG", "docker", "ada"]]
    outcome = run_async(PkexecElevator(runner, agent_running=lambda: False).run(commands))
    assert outcome.status == "unavailable"
    assert "sudo usermod -aG docker ada" in outcome.message
    assert runner.calls == []


def test_batch_script_runs_each_command_and_stops_at_a_failure():
    script = batch_script(
        [
            ["dism.exe", "/online", "/enable-feature", "/featurename:VirtualMachinePlatform"],
            ["wsl.exe", "--install", "--no-distribution"],
        ],
        r"C:\Temp\x\elevated.log",
    )
    lines = script.split("\r\n")
    assert lines[0] == "@echo off"
    assert (
        r'dism.exe /online /enable-feature /featurename:VirtualMachinePlatform >> "C:\Temp\x\elevated.log" 2>&1'
        in lines
    )
    assert lines.count("if errorlevel 1 exit /b %errorlevel%") == 2
    assert r'wsl.exe --install --no-distribution >> "C:\Temp\x\elevated.log" 2>&1' in lines


@pytest.mark.parametrize("arg", ["a&b", "a|b", "50%", 'say "hi"', "x^y", "a>b", "!x!"])
def test_batch_script_refuses_what_cmd_would_reinterpret(arg):
    with pytest.raises(ValueError, match="unsafe"):
        batch_script([["echo", arg]], r"C:\Temp\log")


def test_runas_runs_one_prompt_and_reads_the_log(tmp_path, run_async):
    calls = []

    def fake_shell_execute(program: str, params: str) -> int:
        calls.append((program, params))
        script = params.split(" ", 2)[2]
        log = os.path.join(os.path.dirname(script), "elevated.log")
        with open(log, "w", encoding="utf-8") as handle:
            handle.write("Enabling feature(s)\nThe operation completed successfully.\n")
        return 0

    host = Host(system="windows", env={"COMSPEC": r"C:\Windows\system32\cmd.exe"})
    elevator = RunasElevator(host, fake_shell_execute, work_dir=str(tmp_path))
    lines: list[str] = []
    outcome = run_async(
        elevator.run([["dism.exe", "/online"], ["wsl.exe", "--install"]], on_line=lines.append)
    )
    assert outcome.status == "ok"
    assert len(calls) == 1
    assert calls[0][0] == r"C:\Windows\system32\cmd.exe"
    assert calls[0][1].startswith("/d /c ") and calls[0][1].endswith("step.cmd")
    assert lines == ["Enabling feature(s)", "The operation completed successfully."]


def test_runas_declined_is_its_own_outcome(tmp_path, run_async):
    elevator = RunasElevator(
        Host(system="windows"), lambda program, params: -1223, work_dir=str(tmp_path)
    )
    assert run_async(elevator.run([["wsl.exe", "--install"]])).status == "declined"


def test_pkexec_streams_through_the_real_runner(tmp_path, run_async):
    # pkexec itself is stood in for by a script that runs its command, as pkexec does.
    fake = tmp_path / "pkexec"
    fake.write_text('#!/bin/sh\nshift\nexec "$@"\n')
    fake.chmod(0o755)
    host = Host(system="linux", env={"PATH": f"{tmp_path}:/usr/bin:/bin"})
    lines: list[str] = []
    outcome = run_async(
        PkexecElevator(ProcessRunner(host), agent_running=lambda: True).run(
            [["echo", "one"], ["echo", "two words"]], env=dict(host.env), on_line=lines.append
        )
    )
    assert outcome.status == "ok", outcome
    assert lines == ["one", "two words"]
