import asyncio
import contextlib
import itertools
import os
import signal
import sys
import time

import psutil
import pytest

from app.core.host import Host
from app.core.runner import LineSplitter, ProcessRunner, end_leftovers


@pytest.fixture
def runner():
    return ProcessRunner(Host.current())


def py(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_lines_arrive_while_the_command_still_runs(runner, run_async):
    seen: list[tuple[float, str]] = []
    code = "import sys,time\nprint('first', flush=True)\ntime.sleep(1.0)\nprint('second')"

    async def go():
        start = time.monotonic()
        outcome = await runner.run(
            py(code), on_line=lambda line: seen.append((time.monotonic() - start, line))
        )
        return outcome, time.monotonic() - start

    outcome, total = run_async(go())
    assert outcome.ok and outcome.exit_code == 0
    assert [line for _, line in seen] == ["first", "second"]
    # "first" was delivered before the process slept, not at the end.
    assert seen[0][0] < total - 0.5


def test_failure_keeps_exit_code_and_output(runner, run_async):
    outcome = run_async(runner.run(py("print('boom'); raise SystemExit(3)")))
    assert outcome.status == "failed"
    assert outcome.exit_code == 3
    assert "boom" in outcome.output
    assert "exit code 3" in outcome.sentence()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
def test_a_process_killed_from_outside_says_so_not_exit_code_minus_nine(runner, run_async):
    """Seen as "npm failed with exit code -9." after `kill -9` of npm mid-install."""
    outcome = run_async(runner.run(py("import os, signal; os.kill(os.getpid(), signal.SIGKILL)")))
    assert outcome.status == "failed"
    assert "was stopped by SIGKILL (killed from outside" in outcome.sentence()
    assert "-9" not in outcome.sentence()


def test_missing_executable_is_reported_not_raised(runner, run_async):
    outcome = run_async(runner.run(["no-such-tool-xyz", "--version"]))
    assert outcome.status == "not-found"
    assert "not found" in outcome.sentence()


def test_shell_strings_are_not_accepted(runner, run_async):
    with pytest.raises(TypeError):
        run_async(runner.run("echo hi; rm -rf /"))  # type: ignore[arg-type]


def test_a_shell_metacharacter_in_an_argument_stays_literal(runner, run_async, tmp_path):
    marker = tmp_path / "pwned"
    outcome = run_async(runner.run(["echo", f"x; touch {marker}"]))
    assert outcome.output == f"x; touch {marker}"
    assert not marker.exists()


def test_timeout_stops_the_command(runner, run_async):
    start = time.monotonic()
    outcome = run_async(runner.run(py("import time; time.sleep(30)"), timeout=0.5))
    assert outcome.status == "timeout"
    assert time.monotonic() - start < 10


def test_a_timed_out_tree_ends_with_the_childs_real_exit_code(runner, run_async, caplog, tmp_path):
    # The child is reaped by asyncio, not behind its back: no "unknown child process"
    # warning and no made-up exit code 255. A child that ignores SIGTERM is killed.
    pid_file = tmp_path / "grandchild.pid"
    code = (
        "import signal,subprocess,sys,time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "p=subprocess.Popen([sys.executable,'-c','import time; time.sleep(60)'])\n"
        f"open({str(pid_file)!r},'w').write(str(p.pid))\n"
        "print('started', flush=True)\n"
        "time.sleep(60)\n"
    )
    outcome = run_async(runner.run(py(code), timeout=2))
    assert outcome.status == "timeout"
    assert outcome.exit_code == -signal.SIGKILL
    assert "Unknown child process" not in caplog.text
    grandchild = int(pid_file.read_text())
    assert (
        not psutil.pid_exists(grandchild)
        or psutil.Process(grandchild).status() == psutil.STATUS_ZOMBIE
    )


def test_cancel_ends_the_whole_process_tree_quickly(runner, run_async, tmp_path):
    pid_file = tmp_path / "grandchild.pid"
    code = (
        "import subprocess,sys,time\n"
        f"p=subprocess.Popen([sys.executable,'-c','import time; time.sleep(60)'])\n"
        f"open({str(pid_file)!r},'w').write(str(p.pid))\n"
        "print('started', flush=True)\n"
        "time.sleep(60)\n"
    )

    async def go():
        started = asyncio.Event()
        task = asyncio.ensure_future(runner.run(py(code), on_line=lambda _line: started.set()))
        await asyncio.wait_for(started.wait(), 20)
        t0 = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.monotonic() - t0

    elapsed = run_async(go())
    grandchild = int(pid_file.read_text())
    assert elapsed < 5
    assert (
        not psutil.pid_exists(grandchild)
        or psutil.Process(grandchild).status() == psutil.STATUS_ZOMBIE
    )


def test_splitter_replaces_invalid_utf8_and_strips_colours():
    splitter = LineSplitter()
    lines = splitter.feed(b"\x1b[31mred\x1b[0m ok\nbad \xff byte\n")
    assert lines == ["red ok", "bad \ufffd byte"]


def test_splitter_treats_carriage_returns_as_line_ends():
    splitter = LineSplitter()
    lines = splitter.feed(b"10%\r50%\r100%\r\ndone\n")
    assert lines == ["10%", "50%", "100%", "done"]


def test_splitter_marks_lines_a_bare_carriage_return_ended():
    splitter = LineSplitter()
    lines = splitter.feed_marked(b"10%\r50%\r100%\r\ndone\n")
    assert lines == [("10%", True), ("50%", True), ("100%", False), ("done", False)]


def test_a_crlf_split_across_reads_is_one_line_end():
    splitter = LineSplitter()
    first = splitter.feed_marked(b"fetched\r")
    rest = splitter.feed_marked(b"\nnext\r") + splitter.feed_marked(b"", final=True)
    assert first == []
    assert rest == [("fetched", False), ("next", True)]


def test_progress_lines_reach_the_sink_marked_and_the_log_without_it(runner, run_async, caplog):
    code = (
        "import sys; w=sys.stdout.write; w('start\\n'); "
        "[w(f'{n}%\\r') for n in (10, 50, 100)]; w('\\ndone\\n')"
    )
    seen: list[str] = []
    caplog.set_level("DEBUG", logger="ai_cli_setup.runner")
    outcome = run_async(runner.run(py(code), on_line=seen.append))
    # The last redraw is followed by a newline, so "100%" is a finished line.
    assert seen == ["start", "10%\r", "50%\r", "100%", "done"]
    assert outcome.lines == ["start", "10%", "50%", "100%", "done"]
    logged = [r.getMessage() for r in caplog.records if "| " in r.getMessage()]
    assert [m.split("| ", 1)[1] for m in logged] == outcome.lines
    assert not any("\r" in m for m in logged)


def test_a_flood_is_handed_on_in_slices_in_order(runner, run_async):
    lines = 20_000  # about 14 reads' worth
    code = f"import sys\nfor n in range({lines}): sys.stdout.write(f'line-{{n}}\\n')"
    seen: list[str] = []
    ticks: list[int] = []

    def slow_sink(line: str) -> None:  # a sink that takes real time per line, like a pane
        seen.append(line)
        until = time.perf_counter() + 50e-6
        while time.perf_counter() < until:
            pass

    async def ticker():
        while True:
            ticks.append(len(seen))
            await asyncio.sleep(0)

    async def go():
        task = asyncio.ensure_future(ticker())
        try:
            return await runner.run(py(code), on_line=slow_sink)
        finally:
            task.cancel()

    outcome = run_async(go())
    assert outcome.ok
    assert seen == [f"line-{n}" for n in range(lines)]
    # Between two turns of the loop the pump handed on one slice, not a whole read
    # (about 1,400 lines of this size).
    longest = max(b - a for a, b in itertools.pairwise(ticks))
    assert longest < 500


def test_splitter_reads_utf16_from_wsl():
    data = "  NAME      STATE     VERSION\r\n* Ubuntu    Running   2\r\n".encode("utf-16-le")
    splitter = LineSplitter()
    lines = splitter.feed(data[:7]) + splitter.feed(data[7:]) + splitter.feed(b"", final=True)
    assert lines == ["  NAME      STATE     VERSION", "* Ubuntu    Running   2"]


def test_splitter_keeps_a_multibyte_character_split_across_chunks():
    data = "héllo\n".encode()
    splitter = LineSplitter()
    assert splitter.feed(data[:2]) == []
    assert splitter.feed(data[2:]) == ["héllo"]


def test_an_app_started_from_finder_still_finds_user_and_homebrew_folders(tmp_path, run_async):
    # Finder gives apps PATH=/usr/bin:/bin:/usr/sbin:/sbin; a login shell has more.
    home = tmp_path / "home"
    tool = home / ".local" / "bin" / "uv"
    tool.parent.mkdir(parents=True)
    tool.write_text(
        f"#!{sys.executable}\nimport os\nprint('uv 0.7.8'); print(os.environ['PATH'])\n"
    )
    tool.chmod(0o755)
    host = Host(system="darwin", env={"PATH": "/usr/bin:/bin:/usr/sbin:/sbin"}, home=str(home))
    assert host.fallback_bin_dirs()[:3] == [
        "/opt/homebrew/bin",
        "/opt/homebrew/sbin",
        "/usr/local/bin",
    ]
    outcome = run_async(ProcessRunner(host).run(["uv", "--version"]))
    assert outcome.ok and outcome.lines[0] == "uv 0.7.8"
    # The child gets the folder too, appended after what PATH already had.
    assert outcome.lines[1].startswith("/usr/bin:/bin:/usr/sbin:/sbin:")
    assert outcome.lines[1].endswith(str(tool.parent))


def test_a_process_with_no_path_at_all_still_finds_the_systems_commands(tmp_path, run_async):
    # `PATH= ai-cli-setup install` planned git and Node.js again, as admin, with apt-get,
    # and then said apt-get was not found: both were in /usr/bin all along.
    host = Host(system="linux", env={"PATH": ""}, home=str(tmp_path))
    outcome = run_async(ProcessRunner(host).run(["sh", "-c", "echo $PATH"]))
    assert outcome.ok and outcome.executable in ("/usr/bin/sh", "/bin/sh")
    there = [d for d in host.default_path_dirs() if os.path.isdir(d)]
    assert outcome.lines[0].split(":")[: len(there)] == there
    # A PATH of its own (a test's fake machine, a restricted shell) gets no system folders.
    fake = tmp_path / "bin"
    fake.mkdir()
    host = Host(system="linux", env={"PATH": str(fake)}, home=str(tmp_path))
    assert run_async(ProcessRunner(host).run(["sh", "-c", "true"])).status == "not-found"


def test_end_leftovers_ends_what_a_torn_down_loop_left_running(runner):
    # The loop closes while a command still runs (a wizard closed mid-probe): no
    # clean-up ran, so the command line and the wizard end what is left at exit.
    loop = asyncio.new_event_loop()
    try:
        up = asyncio.Event()
        slow = py("print('up', flush=True); import time; time.sleep(60)")
        task = loop.create_task(runner.run(slow, on_line=lambda _line: up.set()))
        loop.run_until_complete(asyncio.wait_for(up.wait(), 20))
        (pid,) = end_leftovers()
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
        assert end_leftovers() == []  # nothing twice
    finally:
        task.cancel()
        with contextlib.suppress(BaseException):
            loop.run_until_complete(task)
        loop.close()
