"""`install` as a user runs it, on a fake machine: killed part-way, the log is whole, resume finishes."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from app import __version__ as app_version
from app.core.runstate import VERSION as RUN_STATE_VERSION
from tests.conftest import REPO

PY = sys.executable
SECRET = "sk-ant-api03-" + "Z" * 40

NPM = f"""#!{PY}
import os, sys, time
here = os.path.dirname(os.path.abspath(__file__))
args = sys.argv[1:]
if args == ["--version"]:
    print("10.9.0"); sys.exit(0)
if args[:2] == ["prefix", "-g"]:
    print(os.path.join(here, "global")); sys.exit(0)
at = args.index("--prefix")
prefix = args[at + 1]
pkgs = [a for a in args[at + 2 :] if not a.startswith("-")]
with open(os.path.join(here, "calls.txt"), "a") as f:
    f.write(" ".join(pkgs) + "\\n")
for pkg in pkgs:
    print("fetching " + pkg, flush=True)
    print("using key " + os.environ.get("ANTHROPIC_API_KEY", "none"), flush=True)
    for i in range(1, 4):
        print(f"{{pkg}} line-{{i}}", flush=True)
    if pkg == "@openai/codex" and not os.path.exists(os.path.join(here, "unhang")):
        open(os.path.join(here, "npm.pid"), "w").write(str(os.getpid()))
        print("halfway-marker", flush=True)
        time.sleep(120)
    name, out = {{"@google/gemini-cli": ("gemini", "0.24.0"), "@openai/codex": ("codex", "codex-cli 0.87.0")}}[pkg]
    os.makedirs(os.path.join(prefix, "bin"), exist_ok=True)
    shim = os.path.join(prefix, "bin", name)
    open(shim, "w").write("#!{PY}\\nprint(%r)\\n" % out)
    os.chmod(shim, 0o755)
print(f"added {{len(pkgs)}} packages in 1s", flush=True)
"""


def fake_machine(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    bindir = tmp_path / "fakebin"
    bindir.mkdir()
    for name, body in {
        "npm": NPM,
        "node": f"#!{PY}\nprint('v22.11.0')\n",
        "git": f"#!{PY}\nprint('git version 2.45.0')\n",
    }.items():
        (bindir / name).write_text(body)
        (bindir / name).chmod(0o755)
    env = {**os.environ, "PATH": str(bindir), "ANTHROPIC_API_KEY": SECRET, "PYTHONUNBUFFERED": "1"}
    return bindir, env


def cli_args(prefix: Path, *extra: str) -> list[str]:
    return [
        PY,
        "-m",
        "app",
        "install",
        "--tools",
        "gemini-cli,codex-cli",
        "--npm-prefix",
        str(prefix),
        "--yes",
        *extra,
    ]


def start_until_halfway(
    prefix: Path, env: dict[str, str], stderr: int = subprocess.PIPE
) -> tuple[subprocess.Popen[str], list[str]]:
    """`install` on the fake machine, once its npm call hangs half-way; and what it printed."""
    proc = subprocess.Popen(
        cli_args(prefix),
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=stderr,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    printed: list[str] = []
    deadline = time.monotonic() + 120
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        printed.append(line.rstrip("\n"))
        if "halfway-marker" in line:
            break
    assert any("halfway-marker" in line for line in printed), "\n".join(printed)
    return proc, printed


@pytest.mark.slow
def test_killed_install_leaves_a_whole_log_and_resume_finishes(tmp_path):
    bindir, env = fake_machine(tmp_path)
    prefix = tmp_path / "prefix"
    app_home = Path(env["AI_CLI_SETUP_HOME"])
    proc, printed = start_until_halfway(prefix, env, stderr=subprocess.STDOUT)
    os.kill(proc.pid, signal.SIGKILL)  # mid-step, no chance to clean up
    proc.wait(10)
    proc.stdout.close()
    npm_pid = int((bindir / "npm.pid").read_text())
    with contextlib.suppress(ProcessLookupError):
        os.kill(npm_pid, signal.SIGKILL)

    logs = list((app_home / "logs").glob("run-*.log"))
    assert len(logs) == 1
    log_text = logs[0].read_text(encoding="utf-8")
    shown = [line[6:] for line in printed if line.startswith("    | ")]
    # npm's own lines, after the engine's note of which npm call runs.
    assert shown[0] == "One npm call installs Gemini CLI, Codex CLI:"
    assert shown[1].startswith("$ npm install -g --prefix ") and shown[1].endswith(" @openai/codex")
    streamed = shown[2:]
    assert len(streamed) >= 10
    for line in streamed:
        assert f"npm| {line}" in log_text, line
    assert "halfway-marker" in log_text
    # The key was in the environment and printed by npm: never shown, never written.
    assert SECRET not in "\n".join(printed) and SECRET not in log_text
    assert "using key [redacted]" in "\n".join(printed)
    state = json.loads((app_home / "state" / "install-run.json").read_text())
    # Both tools were in the one npm call that was killed: neither is done.
    assert state["steps"]["gemini-cli.npm"] == "running"
    assert state["steps"]["codex-cli.npm"] == "running"
    assert SECRET not in json.dumps(state)

    (bindir / "unhang").write_text("")
    resumed = subprocess.run(
        [PY, "-m", "app", "install", "--resume", "--yes"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    calls = (bindir / "calls.txt").read_text().splitlines()
    assert calls == ["@google/gemini-cli @openai/codex"] * 2
    assert (prefix / "bin" / "codex").exists()
    state = json.loads((app_home / "state" / "install-run.json").read_text())
    assert state["finished"] and state["steps"]["codex-cli.npm"] == "succeeded"


def test_resume_without_an_earlier_run_is_a_usage_error(tmp_path):
    _bindir, env = fake_machine(tmp_path)
    result = subprocess.run(
        [PY, "-m", "app", "install", "--resume", "--yes"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert "no earlier install to resume" in result.stderr


def test_a_failed_step_ends_with_a_summary_and_exit_code_1(tmp_path):
    bindir, env = fake_machine(tmp_path)
    (bindir / "npm").write_text(
        f"#!{PY}\nimport sys\nargs=sys.argv[1:]\n"
        "if args == ['--version']: print('10.9.0'); sys.exit(0)\n"
        "if args[:2] == ['prefix','-g']: print('/nowhere'); sys.exit(0)\n"
        "print('npm error code EACCES'); sys.exit(243)\n"
    )
    result = subprocess.run(
        cli_args(tmp_path / "p"),
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1
    summary = result.stdout.split("Summary:")[1]
    assert "failed    Install Gemini CLI" in summary
    assert "failed    Install Codex CLI" in summary  # continued past the first failure
    assert "install folder" in summary


def test_repeated_output_lines_are_shown_once_and_counted_but_all_logged(tmp_path):
    bindir, env = fake_machine(tmp_path)
    full = "npm warn tar TAR_ENTRY_ERROR ENOSPC: no space left on device, write"
    printed = [full] * 490 + ["npm error code ENOSPC"] + ["twice"] * 2 + ["x"] * 3
    (bindir / "npm").write_text(
        f"#!{PY}\nimport sys\nargs=sys.argv[1:]\n"
        "if args == ['--version']: print('10.9.0'); sys.exit(0)\n"
        "if 'install' not in args: sys.exit(1)\n"
        f"print({chr(10).join(printed)!r}); sys.exit(228)\n"
    )
    app_home = Path(env["AI_CLI_SETUP_HOME"])
    args = cli_args(tmp_path / "p")
    args[args.index("--tools") + 1] = "gemini-cli"
    result = subprocess.run(
        args,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout.splitlines()
    step = out[out.index("[2/2] Install Gemini CLI") + 1 :]
    end = next(n for n, line in enumerate(step) if line.startswith("    => failed:"))
    assert "The disk is full." in step[end]
    assert step[:end] == [
        f"    | {full}",
        "    | … (same line 489 more times)",
        "    | npm error code ENOSPC",
        "    | twice",
        "    | twice",  # once more is as short as its count
        "    | x",
        "    | … (same line 2 more times)",
    ]
    (log,) = (app_home / "logs").glob("run-*.log")
    logged = [
        line.partition("npm| ")[2]
        for line in log.read_text(encoding="utf-8").splitlines()
        if "npm| " in line
    ]
    assert logged[-len(printed) :] == printed  # the log keeps every line


def plan_output(env: dict[str, str], *args: str) -> str:
    """What `ai-cli-setup plan ARGS` prints; it must succeed."""
    result = subprocess.run(
        [PY, "-m", "app", "plan", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_plan_json_on_this_fake_machine(tmp_path):
    _bindir, env = fake_machine(tmp_path)
    plan = json.loads(plan_output(env, "--tools", "gemini-cli", "--format", "json"))
    # Step ids are the catalog's; which git and Node.js methods depends on this Linux.
    actions = {s["id"]: s["action"] for s in plan["steps"]}
    assert actions.pop("node.user-prefix") == "skip"
    assert actions.pop("gemini-cli.npm") == "run"
    # C01: npm's global bin folder is not on this PATH, so the plan offers to put it there.
    assert actions.pop("node.prefix-path") == "run"
    assert sorted(i.split(".")[0] for i in actions) == ["git", "node"]
    assert set(actions.values()) == {"skip"}


def test_verify_of_a_missing_tool_exits_1(tmp_path):
    _bindir, env = fake_machine(tmp_path)
    result = subprocess.run(
        [PY, "-m", "app", "verify", "--tools", "gemini-cli", "--npm-prefix", str(tmp_path / "e")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "FAIL" in result.stdout


def test_plan_replays_a_recorded_windows_machine_with_the_guides_winget_commands(tmp_path):
    recording = REPO / "tests" / "machines" / "windows10-no-wsl-claude-not-on-path.json"
    env = {**os.environ, "AI_CLI_SETUP_HOME": str(tmp_path)}
    text = plan_output(env, "--replay", str(recording), "--container-runtime", "docker")
    assert "Plan for Windows 10 with winget" in text
    # The guide's `winget install Git.Git` and `winget install Docker.DockerDesktop`, unattended.
    assert "$ winget install --id Git.Git --exact" in text
    assert "$ winget install --id Docker.DockerDesktop --exact" in text
    assert "Install Windows Subsystem for Linux [admin] [restart]" in text  # C16
    assert "sudo" not in text


def test_verify_fix_path_and_undo_from_the_command_line(tmp_path):
    # C01 end to end: installed, not on PATH; `verify --fix-path` saves it; `undo` takes it out.
    _bindir, env = fake_machine(tmp_path)
    home = tmp_path / "userhome"
    home.mkdir()
    shim = home / "prefix" / "bin" / "gemini"
    shim.parent.mkdir(parents=True)
    shim.write_text(f"#!{PY}\nprint('0.24.0')\n")
    shim.chmod(0o755)
    env = {**env, "HOME": str(home), "SHELL": "/bin/bash"}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [PY, "-m", "app", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
        )

    prefix = str(home / "prefix")
    first = cli("verify", "--tools", "gemini-cli", "--npm-prefix", prefix, "--json")
    assert first.returncode == 1, first.stderr  # a new terminal cannot run it: as `check` says
    (item,) = json.loads(first.stdout)
    assert (item["status"], item["fix_folder"]) == ("not-on-path", str(shim.parent))
    assert item["path_origin"] == "login shell"

    fixed = cli("verify", "--tools", "gemini-cli", "--npm-prefix", prefix, "--fix-path")
    assert fixed.returncode == 0, fixed.stderr
    assert f"Added {shim.parent} to PATH in ~/.profile, ~/.bashrc" in fixed.stdout
    assert "PASS  Gemini CLI" in fixed.stdout and "not on PATH yet" not in fixed.stdout
    # `check` in the same terminal, whose own PATH predates the fix: a new terminal has it,
    # so it is on PATH, as verify says; it once sent the user back to --fix-path for ever.
    room = tmp_path / "room.toml"
    room.write_text(f'name = "room"\nnpm_prefix = "{prefix}"\n\n[tools.gemini-cli]\n')
    checked = cli("check", "--profile", str(room))
    assert f"PASS  Gemini CLI on PATH: `{shim}`" in checked.stdout, checked.stdout

    dry = cli("undo", "--dry-run")
    assert dry.returncode == 0 and dry.stdout.count("WOULD") == 2
    assert str(shim.parent) in (home / ".profile").read_text()
    undone = cli("undo")
    assert undone.returncode == 0 and undone.stdout.count("UNDONE") == 2
    assert not (home / ".profile").exists()
    again = cli("undo")
    assert "has not changed anything" in again.stdout


def test_undo_after_the_journal_was_cut_short_takes_out_the_wizards_path_lines(tmp_path):
    _bindir, env = fake_machine(tmp_path)
    home = tmp_path / "userhome"
    shim = home / "prefix" / "bin" / "gemini"
    shim.parent.mkdir(parents=True)
    shim.write_text(f"#!{PY}\nprint('0.24.0')\n")
    shim.chmod(0o755)
    (home / ".bash_profile").write_text("export EDITOR=vi\n")
    env = {**env, "HOME": str(home), "SHELL": "/bin/bash"}
    state = Path(env["AI_CLI_SETUP_HOME"]) / "state"

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [PY, "-m", "app", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
        )

    verify = ("verify", "--tools", "gemini-cli", "--npm-prefix", str(home / "prefix"))
    assert cli(*verify, "--fix-path").returncode == 0
    assert str(shim.parent) in (home / ".bash_profile").read_text()
    journal = state / "journal.json"
    journal.write_bytes(journal.read_bytes()[:20])

    # The user takes the lines out of one file; the next fix puts them back and sets what
    # is left of the journal aside (never over it), and says so.
    (home / ".bash_profile").write_text("export EDITOR=vi\n")
    fixed = cli(*verify, "--fix-path")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    [copy] = state.glob("journal.json.damaged-*")
    assert len(copy.read_bytes()) == 20
    assert (
        "The undo journal could not be read (it is cut short or not JSON); "
        f"it is kept as {copy}" in fixed.stdout
    )

    undone = cli("undo")
    assert undone.returncode == 1, undone.stdout + undone.stderr
    said = undone.stdout
    assert f"UNDONE  PATH: {shim.parent}: Restored {home / '.bash_profile'}" in said
    assert f"The journal {journal} could not be read" in said and f"kept as {copy}" in said
    assert f"Took out the wizard's marked PATH lines: ~/.bashrc: {shim.parent}." in said
    assert "has not changed anything" not in said
    assert (home / ".bash_profile").read_text() == "export EDITOR=vi\n"
    assert (home / ".bashrc").read_text() == ""
    again = cli("undo")
    assert again.returncode == 0 and "has not changed anything" in again.stdout


@pytest.mark.slow
def test_ctrl_c_mid_install_says_what_may_be_half_done_and_how_to_resume(tmp_path):
    bindir, env = fake_machine(tmp_path)
    prefix = tmp_path / "prefix"
    app_home = Path(env["AI_CLI_SETUP_HOME"])
    proc, _printed = start_until_halfway(prefix, env)
    proc.send_signal(signal.SIGINT)  # what Ctrl+C sends
    out, err = proc.communicate(timeout=60)
    with contextlib.suppress(ProcessLookupError, FileNotFoundError, ValueError):
        os.kill(int((bindir / "npm.pid").read_text()), signal.SIGKILL)

    assert proc.returncode == 130, out + err  # as a shell reports Ctrl+C
    assert f"npm may have left files in {prefix}" in err
    assert "ai-cli-setup install --resume" in err and "ai-cli-setup undo" in err
    assert "Traceback" not in err and "Unknown child process" not in err
    state = json.loads((app_home / "state" / "install-run.json").read_text())
    assert state["steps"]["codex-cli.npm"] == "cancelled"
    assert not state["finished"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "words"),
    [
        (signal.SIGTERM, "was asked to end (SIGTERM"),
        (signal.SIGHUP, "terminal it ran in was closed"),
    ],
)
def test_sigterm_or_sighup_mid_install_stops_it_as_ctrl_c_does(tmp_path, signum, words):
    bindir, env = fake_machine(tmp_path)
    prefix = tmp_path / "prefix"
    app_home = Path(env["AI_CLI_SETUP_HOME"])
    proc, _printed = start_until_halfway(prefix, env)
    npm = psutil.Process(int((bindir / "npm.pid").read_text()))
    proc.send_signal(signum)  # `kill PID`; a closed terminal
    out, err = proc.communicate(timeout=60)
    try:
        assert proc.returncode == 128 + signum, out + err  # as a shell reports it
        assert f"npm may have left files in {prefix}" in err
        assert "ai-cli-setup install --resume" in err and "ai-cli-setup undo" in err
        assert words in err and "Traceback" not in err
        assert not npm.is_running() or npm.status() == psutil.STATUS_ZOMBIE
    finally:
        with contextlib.suppress(psutil.NoSuchProcess):
            npm.kill()
    state = json.loads((app_home / "state" / "install-run.json").read_text())
    assert state["steps"]["codex-cli.npm"] == "cancelled"
    assert not state["finished"]
    (log,) = (app_home / "logs").glob("run-*.log")
    assert f"{signal.Signals(signum).name} received" in log.read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="a terminal that hangs up: POSIX's pty")
def test_closing_the_terminal_mid_install_stops_it_cleanly(tmp_path):
    import pty

    bindir, env = fake_machine(tmp_path)
    app_home = Path(env["AI_CLI_SETUP_HOME"])
    pid, terminal = pty.fork()  # the install's own terminal, as a terminal window gives it
    if pid == 0:
        os.chdir(REPO)
        os.execve(PY, cli_args(tmp_path / "prefix"), env)
    shown = b""
    with contextlib.suppress(OSError):
        while b"halfway-marker" not in shown:
            shown += os.read(terminal, 4096)
    npm = psutil.Process(int((bindir / "npm.pid").read_text()))
    os.close(terminal)  # the window closes: SIGHUP, and every later write fails
    _, status = os.waitpid(pid, 0)
    try:
        assert os.waitstatus_to_exitcode(status) == 128 + signal.SIGHUP, shown
        assert not npm.is_running() or npm.status() == psutil.STATUS_ZOMBIE
    finally:
        with contextlib.suppress(psutil.NoSuchProcess):
            npm.kill()
    (log,) = (app_home / "logs").glob("run-*.log")
    text = log.read_text(encoding="utf-8")
    assert "SIGHUP received" in text and "install stopped by SIGHUP" in text
    assert "Input/output error" not in text and "\nTraceback" not in text
    state = json.loads((app_home / "state" / "install-run.json").read_text())
    assert state["steps"]["codex-cli.npm"] == "cancelled"


def test_resume_refuses_new_choices_rather_than_ignoring_them(tmp_path):
    _bindir, env = fake_machine(tmp_path)
    app_home = Path(env["AI_CLI_SETUP_HOME"])
    (app_home / "state").mkdir(parents=True)
    earlier = tmp_path / "earlier-prefix"
    (app_home / "state" / "install-run.json").write_text(
        json.dumps(
            {
                "version": RUN_STATE_VERSION,
                "choices": {"tools": ["gemini-cli"], "npm_prefix": str(earlier)},
                "steps": {"gemini-cli.npm": "cancelled"},
                "finished": False,
            }
        )
    )
    resume = [PY, "-m", "app", "install", "--resume", "--yes"]
    result = subprocess.run(
        [*resume, "--tools", "codex-cli", "--npm-prefix", str(tmp_path / "other")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"as it was planned (gemini-cli into {earlier})" in result.stderr
    assert "takes no --tools or --npm-prefix" in result.stderr
    empty = subprocess.run(
        [*resume, "--npm-prefix="], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert empty.returncode == 2 and "argument --npm-prefix: the folder is empty" in empty.stderr
    profile = tmp_path / "room.toml"
    profile.write_text(f'npm_prefix = "{tmp_path / "other"}"\n\n[tools.codex-cli]\n')
    other = subprocess.run(
        [*resume, "--profile", str(profile)], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert other.returncode == 2, other.stdout + other.stderr
    assert f"the profile asks for codex-cli into {tmp_path / 'other'}" in other.stderr
    assert f"being resumed is gemini-cli into {earlier}" in other.stderr
    assert not (tmp_path / "fakebin" / "calls.txt").exists()


def test_after_an_install_into_a_chosen_prefix_plan_does_not_install_again(tmp_path):
    # The prefix's bin folder is not on this process's PATH (a new terminal would have
    # it): the CLI is there all the same, with --npm-prefix or from the last install.
    _bindir, env = fake_machine(tmp_path)
    prefix = tmp_path / "prefix"
    install = [PY, "-m", "app", "install", "--tools", "gemini-cli", "--npm-prefix", str(prefix)]
    done = subprocess.run(
        [*install, "--yes"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # The run numbers its steps as the plan printed above it does; skipped ones are not repeated.
    started = [line for line in done.stdout.splitlines() if line.startswith("[")]
    assert started == [f"[1/2] Put {prefix}/bin on PATH", "[2/2] Install Gemini CLI"]
    for extra in (["--npm-prefix", str(prefix)], []):
        text = plan_output(env, "--tools", "gemini-cli", *extra)
        assert "Install Gemini CLI: skipped. Gemini CLI 0.24.0 is already installed." in text
        assert "~25 MB" not in text


def test_each_run_log_opens_with_the_command_it_belongs_to(tmp_path):
    _bindir, env = fake_machine(tmp_path)
    plan_output(env, "--tools", "gemini-cli")
    (log,) = (Path(env["AI_CLI_SETUP_HOME"]) / "logs").glob("run-*.log")
    first = log.read_text(encoding="utf-8").splitlines()[0]
    assert f"ai-cli-setup {app_version}: plan on Python " in first


def test_verify_checks_what_the_last_install_chose_unless_told_otherwise(tmp_path):
    _bindir, env = fake_machine(tmp_path)
    prefix = tmp_path / "prefix"
    install = [PY, "-m", "app", "install", "--tools", "gemini-cli", "--npm-prefix", str(prefix)]
    done = subprocess.run(
        [*install, "--yes"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr

    def verify(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [PY, "-m", "app", "verify", *extra],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    chosen = verify()
    assert chosen.returncode == 0, chosen.stdout + chosen.stderr
    assert "Checking what the last install chose: gemini-cli" in chosen.stdout
    assert "Codex" not in chosen.stdout and "Claude" not in chosen.stdout
    named = verify("--tools", "gemini-cli,codex-cli")
    assert named.returncode == 1  # Codex CLI was asked for by name and is not there
    assert "FAIL  Codex CLI" in named.stdout

    # The report is about that install: its prefix, its tool, its log first.
    out = tmp_path / "report"
    subprocess.run(
        [PY, "-m", "app", "report", "--out", str(out)], cwd=REPO, env=env, check=True, timeout=120
    )
    data = json.loads(out.with_suffix(".json").read_text())
    assert data["plan"]["npm_prefix"] == str(prefix)
    assert [v["name"] for v in data["verification"]] == ["Gemini CLI"]
    assert data["logs"][0]["file"] == data["last_run"]["logs"][0]


@pytest.mark.slow
def test_a_second_ctrl_c_leaves_no_npm_running(tmp_path):
    # The second SIGINT ends asyncio.run at once, cancelling the runner's own clean-up:
    # the command line ends what is still running before it exits.
    bindir, env = fake_machine(tmp_path)
    proc, _printed = start_until_halfway(tmp_path / "prefix", env)
    npm = psutil.Process(int((bindir / "npm.pid").read_text()))
    proc.send_signal(signal.SIGINT)
    time.sleep(0.002)  # the first has started the clean-up; the second cuts it short
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    try:
        assert proc.returncode == 130, out + err
        assert "Cancelled." in err and "Traceback" not in err
        assert not npm.is_running() or npm.status() == psutil.STATUS_ZOMBIE
    finally:
        with contextlib.suppress(psutil.NoSuchProcess):
            npm.kill()


def test_resume_after_undo_puts_back_what_undo_took_out(tmp_path):
    _bindir, env = fake_machine(tmp_path)
    home = tmp_path / "userhome"
    home.mkdir()
    env = {**env, "HOME": str(home), "SHELL": "/bin/bash"}
    prefix = tmp_path / "prefix"

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [PY, "-m", "app", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
        )

    done = cli("install", "--tools", "gemini-cli", "--npm-prefix", str(prefix), "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{prefix}/bin" in (home / ".profile").read_text()
    assert cli("undo").returncode == 0
    assert not (home / ".profile").exists()

    resumed = cli("install", "--resume", "--yes")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "Done in the earlier run" not in resumed.stdout.split("Install Gemini CLI")[0]
    assert f"{prefix}/bin" in (home / ".profile").read_text()


def test_resume_runs_a_failed_step_again_even_where_its_tool_now_answers(tmp_path):
    # C08: npm exits 0 over an engine it warned about, leaving a `gemini` that answers
    # --version. Detection finds it afterwards; resuming must not call it installed.
    bindir, env = fake_machine(tmp_path)
    (bindir / "npm").write_text(
        f"#!{PY}\nimport os, sys\nargs = sys.argv[1:]\n"
        "if args == ['--version']: print('10.9.0'); sys.exit(0)\n"
        f"if args[:2] == ['prefix', '-g']: print({str(bindir / 'global')!r}); sys.exit(0)\n"
        "prefix = args[args.index('--prefix') + 1]\n"
        f"open({str(bindir / 'calls.txt')!r}, 'a').write('call\\n')\n"
        'print("npm warn EBADENGINE Unsupported engine {")\n'
        "print(\"npm warn EBADENGINE   package: '@google/gemini-cli@0.61.0',\")\n"
        "print(\"npm warn EBADENGINE   required: { node: '>=99' },\")\n"
        "print(\"npm warn EBADENGINE   current: { node: 'v22.11.0', npm: '10.9.0' }\")\n"
        "print('npm warn EBADENGINE }')\n"
        "os.makedirs(os.path.join(prefix, 'bin'), exist_ok=True)\n"
        "shim = os.path.join(prefix, 'bin', 'gemini')\n"
        f"open(shim, 'w').write('#!{PY}\\nprint(\"0.61.0\")\\n')\n"
        "os.chmod(shim, 0o755)\n"
    )
    install = [PY, "-m", "app", "install", "--tools", "gemini-cli"]
    install += ["--npm-prefix", str(tmp_path / "prefix"), "--yes"]
    first = subprocess.run(install, cwd=REPO, env=env, capture_output=True, text=True)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "failed    Install Gemini CLI" in first.stdout
    resumed = subprocess.run(
        [PY, "-m", "app", "install", "--resume", "--yes"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert resumed.returncode == 1, resumed.stdout + resumed.stderr
    assert "failed    Install Gemini CLI" in resumed.stdout
    assert (bindir / "calls.txt").read_text().count("call") == 2


def test_a_prefix_given_with_a_trailing_slash_is_the_same_folder(tmp_path):
    _bindir, env = fake_machine(tmp_path)
    text = plan_output(env, "--tools", "gemini-cli", "--npm-prefix", f"{tmp_path}/p/")
    assert f"npm folder {tmp_path}/p\n" in text
    assert f"--prefix {tmp_path}/p @google/gemini-cli" in text


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--npm-prefix", "", "the folder is empty"),  # an unset variable in a script
        ("--npm-prefix", "  ", "the folder is empty"),
        ("--npm-prefix", "{tmp}/p\ntouch {tmp}/owned;#", "the folder's name holds a line break"),
        ("--tools", "", "no tool ids in it"),
        ("--tools", " , ", "no tool ids in it"),
    ],
)
def test_an_empty_or_multi_line_argument_is_refused_before_anything_runs(
    tmp_path, isolated_home, option, value, said
):
    # An empty --npm-prefix once meant npm's global folder, an empty --tools all three
    # CLIs, and a line break in the folder became a command in ~/.profile.
    bindir, env = fake_machine(tmp_path)
    value = value.format(tmp=tmp_path)
    args = {"--npm-prefix": str(tmp_path / "prefix"), "--tools": "gemini-cli", option: value}
    argv = [PY, "-m", "app", "install", "--yes"]
    result = subprocess.run(
        [*argv, *(x for pair in args.items() for x in pair)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"argument {option}: {said}" in result.stderr
    assert not (bindir / "calls.txt").exists()
    assert list(isolated_home.iterdir()) == []
    assert not (tmp_path / "owned").exists()


def test_a_prefix_whose_name_cannot_go_on_path_installs_nothing(tmp_path, isolated_home):
    bindir, env = fake_machine(tmp_path)
    result = subprocess.run(
        cli_args(tmp_path / "my:npm"), cwd=REPO, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert "its name holds ':', which separates the folders of PATH" in result.stdout
    assert "Nothing can run" in result.stdout
    assert not (bindir / "calls.txt").exists()
    assert list(isolated_home.iterdir()) == []


@pytest.mark.slow
@pytest.mark.parametrize("key", ["ctrl-c", "ctrl-d"])
@pytest.mark.parametrize("at", ["before the install", "after a failed step"])
def test_ctrl_c_or_ctrl_d_at_a_prompt_ends_the_run_at_once(tmp_path, at, key):
    # At a terminal the install asks before it starts and after a failed step; Ctrl+C
    # there must end the run, not wait for Enter; Ctrl+D answers "no" or "stop".
    bindir, env = fake_machine(tmp_path)
    (bindir / "npm").write_text(
        f"#!{PY}\nimport sys\nargs = sys.argv[1:]\n"
        "if args == ['--version']: print('10.9.0'); sys.exit(0)\n"
        f"if args[:2] == ['prefix', '-g']: print({str(bindir / 'global')!r}); sys.exit(0)\n"
        "print('npm error code E500'); sys.exit(1)\n"
    )
    controller, terminal = os.openpty()
    command = [PY, "-m", "app", "install", "--tools", "gemini-cli"]
    proc = subprocess.Popen(
        [*command, "--npm-prefix", str(tmp_path / "prefix")],
        cwd=REPO,
        env=env,
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
    )
    os.close(terminal)

    def read_until(text: bytes) -> str:
        seen = b""
        deadline = time.monotonic() + 60
        while text not in seen:
            assert time.monotonic() < deadline, seen.decode(errors="replace")
            seen += os.read(controller, 4096)
        return seen.decode(errors="replace")

    try:
        read_until(b"Install now? [y/N]")
        if at == "after a failed step":
            os.write(controller, b"y\n")
            before_prompt = read_until(b"[r]etry, [s]kip, [c]ontinue, s[t]op?")
            assert "=> failed: " in before_prompt  # the reason comes before the question
        if key == "ctrl-c":
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=20) == 130
        else:
            os.write(controller, b"\x04")  # the terminal's end of input
            expected = "Summary:" if at == "after a failed step" else "Nothing was installed."
            read_until(expected.encode())
            assert proc.wait(timeout=20) == 1
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(controller)


@pytest.mark.slow
def test_ctrl_c_while_a_command_starts_prints_no_traceback(tmp_path):
    # Before the command's own handler is in place: imports, the parser, the session.
    # The clock starts once Python itself is up: a Ctrl+C while the interpreter is still
    # importing its site module is Python's to report, before any of the app's code runs
    # (a slow CI machine spent more than 50 ms there).
    _bindir, env = fake_machine(tmp_path)
    start_app = (
        "import pathlib, sys, app; sys.argv = ['app', 'detect'];"
        " main = pathlib.Path(app.__file__).with_name('__main__.py');"
        " code = compile(main.read_text(), str(main), 'exec');"
        " print('python is up', file=sys.stderr, flush=True);"
        " exec(code, {'__name__': '__main__'})"
    )
    for delay in (0.0, 0.05, 0.15, 0.3, 0.45):
        proc = subprocess.Popen(
            [PY, "-c", start_app],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stderr.readline() == "python is up\n"
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
        assert "Traceback" not in err, (delay, err)
        # 130, or killed by SIGINT itself, which a shell reports as 130 too.
        assert proc.returncode in (130, -signal.SIGINT, 0), (delay, proc.returncode)


def test_a_plan_whose_every_step_is_blocked_says_so_and_asks_nothing(tmp_path):
    # Not "Nothing to do." over a blocked step, and no "Re-run with --yes" for a run that
    # could install nothing: the reason is on screen and in the log, and the exit is 1.
    _bindir, env = fake_machine(tmp_path)
    (tmp_path / "notes.txt").write_text("x")
    prefix = tmp_path / "notes.txt" / "npm"
    command = [PY, "-m", "app", "install", "--tools", "codex-cli", "--npm-prefix", str(prefix)]
    result = subprocess.run(
        command, cwd=REPO, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Nothing to do." not in result.stdout
    assert "Nothing can run: 1 step is blocked, each with its reason above." in result.stdout
    assert "Re-run with --yes" not in result.stdout
    reason = f"{tmp_path / 'notes.txt'} is a file, not a folder"
    assert "blocked   Install Codex CLI" in result.stdout and reason in result.stdout
    log_file = next(s[5:] for s in result.stdout.splitlines() if s.startswith("Log: "))
    assert reason in Path(log_file).read_text()
    assert "Traceback" not in result.stderr


def test_c07_a_pinned_release_that_needs_a_newer_node_is_planned_checked_and_verified(tmp_path):
    # A workshop pins Claude Code 2.1.332 (engines.node >=22.0.0) on a machine with Node 20.
    # Only plan, check and verify run: the plan upgrades Node.js, which is not for a test.
    bindir, env = fake_machine(tmp_path)
    (bindir / "node").write_text(f"#!{PY}\nprint('v20.20.2')\n")
    (bindir / "npm").write_text(
        f"#!{PY}\nimport sys\nargs = sys.argv[1:]\n"
        "if args == ['--version']: print('10.8.2'); sys.exit(0)\n"
        f"if args[:2] == ['prefix', '-g']: print({str(bindir / 'global')!r}); sys.exit(0)\n"
        "if args == ['view', '@anthropic-ai/claude-code@2.1.332', 'engines.node', '--json']:\n"
        "    print('\">=22.0.0\"'); sys.exit(0)\n"
        "print('npm error unexpected ' + ' '.join(args)); sys.exit(1)\n"
    )
    prefix = tmp_path / "prefix"
    profile = tmp_path / "room.toml"
    profile.write_text(f'npm_prefix = "{prefix}"\n\n[tools.claude-code]\nversion = "2.1.332"\n')

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [PY, "-m", "app", *args], cwd=REPO, env=env, capture_output=True, text=True
        )

    planned = plan_output(env, "--profile", str(profile))
    assert "Upgrade Node.js 20.20.2 to 22.0.0 or newer" in planned
    assert "Node >= 22.0.0 needed by Claude Code 2.1.332, found 20.20.2." in planned
    assert f"npm install -g --prefix {prefix} @anthropic-ai/claude-code@2.1.332" in planned
    assert "newest release that supports it" not in planned

    # What npm leaves after warning EBADENGINE: a claude that answers on Node 20.
    package = prefix / "lib" / "node_modules" / "@anthropic-ai" / "claude-code"
    package.mkdir(parents=True)
    (package / "package.json").write_text(
        '{"name": "@anthropic-ai/claude-code", "version": "2.1.332",'
        ' "engines": {"node": ">=22.0.0"}}'
    )
    (package / "cli.py").write_text(f"#!{PY}\nprint('2.1.332 (Claude Code)')\n")
    (package / "cli.py").chmod(0o755)
    (prefix / "bin").mkdir()
    (prefix / "bin" / "claude").symlink_to(package / "cli.py")

    again = plan_output(env, "--profile", str(profile))
    assert "Claude Code 2.1.332 is already installed" not in again
    assert "Upgrade Node.js 20.20.2 to 22.0.0 or newer" in again
    assert "Claude Code 2.1.332 is installed but needs Node.js 22.0.0 or newer" in again

    checked = run("check", "--profile", str(profile))
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "not installed" not in checked.stdout
    assert "FAIL  Node.js >= 22.0.0: found 20.20.2" in checked.stdout
    assert (
        f"FAIL  Claude Code installed: installed (2.1.332 at {prefix / 'bin' / 'claude'}) "
        "but not usable: Claude Code 2.1.332 needs Node.js 22.0.0 or newer" in checked.stdout
    )
    assert f"Fix: ai-cli-setup install --profile {profile} --yes" in checked.stdout

    verified = run("verify", "--tools", "claude-code", "--npm-prefix", str(prefix))
    assert verified.returncode == 1
    command = f"ai-cli-setup plan --tools claude-code --npm-prefix {prefix}"
    assert f"(`{command}` plans it)" in verified.stdout
    # ... and it does: the command it names plans the upgrade.
    named = plan_output(env, "--tools", "claude-code", "--npm-prefix", str(prefix))
    assert "Upgrade Node.js 20.20.2 to 22.0.0 or newer" in named
    assert "Claude Code 2.1.332 is already installed" not in named
