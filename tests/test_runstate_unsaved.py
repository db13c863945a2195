"""An install whose run-state cannot be saved goes on, says so once, and logs everything."""

from __future__ import annotations

import errno
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.catalog import default_catalog
from app.core.install import RunNotice, StepFinished, run_plan
from app.core.logs import start_run_log
from app.core.planner import Choices, Step
from app.core.redact import Redactor
from app.core.runner import ProcessRunner
from app.core.runstate import RunState
from tests.conftest import REPO
from tests.core.test_engine import host as host  # a fixture, used by name
from tests.core.test_engine import plan_of, py
from tests.test_cli_install import cli_args, fake_machine


class FullDisk:
    """A writer that fails as a full disk does, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, path: Path, text: str) -> None:
        self.calls += 1
        raise OSError(errno.ENOSPC, "No space left on device", str(path))


def test_a_failing_writer_neither_stops_the_run_nor_repeats_itself(host, tmp_path, run_async):
    log_path = start_run_log(tmp_path / "logs", Redactor(host.env))
    writer = FullDisk()
    state = RunState.start(tmp_path / "state", Choices(), Redactor(), writer=writer)
    assert "No space left on device" in state.problem and "cannot be resumed" in state.problem
    steps = [Step(f"s{i}", f"Step {i}", commands=(py(f"print('line-{i}')"),)) for i in range(3)]
    events = []
    report = run_async(
        run_plan(
            plan_of(*steps), ProcessRunner(host), default_catalog(), events.append, state=state
        )
    )
    assert [r.status for r in report.results] == ["succeeded"] * 3
    notices = [e for e in events if isinstance(e, RunNotice)]
    assert len(notices) == 1 and notices[0].message == state.problem
    assert events.index(notices[0]) == 0  # said before the first step, not at the end
    assert writer.calls > 3  # every change was still tried
    assert [e.result.step.id for e in events if isinstance(e, StepFinished)] == ["s0", "s1", "s2"]
    log_text = log_path.read_text(encoding="utf-8")
    assert log_text.count("progress cannot be saved") == 1
    for i in range(3):
        assert f"line-{i}" in log_text and f"step s{i}: succeeded" in log_text


def test_a_writer_failing_part_way_is_said_when_it_fails(host, tmp_path, run_async):
    fail = {"now": False}

    def writer(path: Path, text: str) -> None:
        if fail["now"]:
            raise PermissionError(errno.EROFS, "Read-only file system", str(path))

    state = RunState.start(tmp_path / "state", Choices(), Redactor(), writer=writer)
    assert state.problem == ""
    steps = [
        Step("a", "Step a", commands=(py("print('a')"),)),
        Step("b", "Step b", commands=(py("print('b')"),)),
    ]
    events = []

    def sink(event) -> None:
        events.append(event)
        if isinstance(event, StepFinished) and event.result.step.id == "a":
            fail["now"] = True  # the folder turns read-only after the first step

    report = run_async(
        run_plan(plan_of(*steps), ProcessRunner(host), default_catalog(), sink, state=state)
    )
    assert report.succeeded
    notices = [i for i, e in enumerate(events) if isinstance(e, RunNotice)]
    assert len(notices) == 1 and "Read-only file system" in events[notices[0]].message
    first_after = next(i for i, e in enumerate(events) if isinstance(e, StepFinished))
    assert notices[0] > first_after


def _install(prefix: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """`install --yes` of the fake machine's CLIs into `prefix`, as a real process."""
    return subprocess.run(
        cli_args(prefix), cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_install_with_an_unwritable_state_folder_finishes_and_says_why_once(tmp_path):
    bindir, env = fake_machine(tmp_path)
    (bindir / "unhang").write_text("")  # the fake npm finishes at once
    app_home = Path(env["AI_CLI_SETUP_HOME"])
    app_home.mkdir(parents=True, exist_ok=True)
    (app_home / "state").write_text("")  # a file where the state folder goes: even root fails
    prefix = tmp_path / "prefix"
    env["PATH"] = f"{bindir}:{prefix / 'bin'}"  # already on PATH: no PATH change is planned
    result = _install(prefix, env)
    printed = result.stdout
    assert result.returncode == 0, printed + result.stderr
    assert printed.count("Note: The install goes on, but its progress cannot be saved") == 1
    assert str(app_home / "state" / "install-run.json") in printed
    assert "cannot be resumed" in printed
    assert (prefix / "bin" / "gemini").exists() and (prefix / "bin" / "codex").exists()
    [log] = (app_home / "logs").glob("run-*.log")
    log_text = log.read_text(encoding="utf-8")
    assert log_text.count("progress cannot be saved") == 1
    assert "@google/gemini-cli line-3" in log_text and "@openai/codex line-3" in log_text
    assert "step codex-cli.npm: succeeded" in log_text
    # Resume then says there is nothing to resume, rather than continuing a stale run.
    resumed = subprocess.run(
        [*cli_args(prefix)[:3], "install", "--resume", "--yes"], cwd=REPO, env=env,
        capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert resumed.returncode == 2 and "no earlier install to resume" in resumed.stderr


def test_install_that_nothing_could_record_does_not_start_and_says_what_to_do(tmp_path):
    """Neither the log nor the state folder can be made (a file where the app's folder goes)."""
    bindir, env = fake_machine(tmp_path)
    (bindir / "unhang").write_text("")
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    env["AI_CLI_SETUP_HOME"] = str(blocked / "app")
    prefix = tmp_path / "prefix"
    env["PATH"] = f"{bindir}:{prefix / 'bin'}"  # already on PATH: no PATH change is planned
    result = _install(prefix, env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "no log file for this run" in result.stderr
    assert "nothing was installed or changed" in result.stderr
    assert "set AI_CLI_SETUP_HOME to a folder you can write to" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (prefix / "bin").exists()


# The command line, its run log written to /dev/full (the kernel answers ENOSPC, as a full
# disk does): from the start, or from the line after the first.
_FULL_DISK = """
import logging, sys
import app.core.logs as logs
full = lambda *_: open("/dev/full", "w", encoding="utf-8")
if sys.argv[1] == "start":
    logs._RunLogHandler._open = full
else:
    real = logs.start_run_log
    def start(*args, **kwargs):
        path = real(*args, **kwargs)
        for handler in logging.getLogger(logs.LOGGER_NAME).handlers:
            handler.stream.close()
            handler.stream = full()
        return path
    logs.start_run_log = start
from app.cli import main
sys.exit(main(sys.argv[2:]))
"""
full_disk = pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")


def _install_on_full_disk(when: str, prefix: Path, env: dict[str, str]):
    argv = [sys.executable, "-c", _FULL_DISK, when, *cli_args(prefix)[3:]]
    return subprocess.run(
        argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


@full_disk
def test_install_whose_log_and_state_cannot_be_written_does_not_start(tmp_path):
    bindir, env = fake_machine(tmp_path)
    (bindir / "unhang").write_text("")
    app_home = Path(env["AI_CLI_SETUP_HOME"])
    app_home.mkdir(parents=True, exist_ok=True)
    (app_home / "state").write_text("")  # the progress cannot be saved either
    prefix = tmp_path / "prefix"
    env["PATH"] = f"{bindir}:{prefix / 'bin'}"
    result = _install_on_full_disk("start", prefix, env)
    assert result.returncode == 1, result.stdout + result.stderr
    warning, refusal = result.stderr.splitlines()
    assert warning.startswith(f"ai-cli-setup: warning: no log file for this run: {app_home}")
    assert "cannot be written (the disk is full); free some disk space" in warning
    assert refusal.startswith("ai-cli-setup: nothing was installed or changed")
    assert not (prefix / "bin").exists()
    assert list((app_home / "logs").glob("run-*.log")) == []


@full_disk
def test_install_whose_log_fills_up_says_so_once_and_finishes(tmp_path):
    bindir, env = fake_machine(tmp_path)
    (bindir / "unhang").write_text("")
    prefix = tmp_path / "prefix"
    env["PATH"] = f"{bindir}:{prefix / 'bin'}"
    result = _install_on_full_disk("later", prefix, env)
    assert result.returncode == 0, result.stdout + result.stderr
    [log] = (Path(env["AI_CLI_SETUP_HOME"]) / "logs").glob("run-*.log")
    assert result.stderr == (
        f"ai-cli-setup: warning: the log file {log} can no longer be written: the disk is "
        "full; the rest of this run's output is only on screen.\n"
    )
    assert "@openai/codex line-3" in result.stdout  # the output goes on, on screen
    assert (prefix / "bin" / "gemini").exists() and (prefix / "bin" / "codex").exists()
