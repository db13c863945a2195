"""The install engine with real child processes: retry, skip, stop, quiet warnings, PATH, secrets."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from app.core.catalog import default_catalog
from app.core.elevation import ElevationOutcome
from app.core.host import Host
from app.core.install import (
    ElevationNeeded,
    StepFinished,
    StepOutput,
    StepQuiet,
    run_plan,
)
from app.core.planner import Choices, Command, Plan, Step
from app.core.redact import Redactor
from app.core.runner import (
    LoginPath,
    Outcome,
    ProcessRunner,
    WindowsRegistryPath,
    expand_windows_variables,
)
from app.core.runstate import RunState

PY = sys.executable
SECRET = "sk-ant-api03-" + "Q" * 40


def py(code: str, admin: bool = False) -> Command:
    return Command((PY, "-c", code), admin=admin)


def plan_of(*steps: Step, prefix: str = "/tmp/prefix") -> Plan:
    return Plan(tuple(steps), prefix, "linux", "apt", Choices())


@pytest.fixture
def host(isolated_home):
    home = isolated_home
    return Host(
        system="linux",
        env={"PATH": "/usr/bin:/bin", "HOME": str(home), "ANTHROPIC_API_KEY": SECRET},
        home=str(home),
    )


class RecordingElevator:
    """Stands in for the OS prompt: records each call, answers as told."""

    def __init__(self, status: str = "ok") -> None:
        self.status = status
        self.calls: list[list[tuple[str, ...]]] = []

    def describe(self, commands: Sequence[Sequence[str]]) -> str:
        return "admin: " + " ; ".join(" ".join(c) for c in commands)

    async def run(self, commands, *, env=None, on_line=None) -> ElevationOutcome:
        self.calls.append([tuple(c) for c in commands])
        if on_line:
            on_line("elevated ran")
        return ElevationOutcome(self.status, 0 if self.status == "ok" else None)


def test_a_failed_step_can_be_retried(host, tmp_path, run_async):
    counter = tmp_path / "tries"
    flaky = py(
        f"import pathlib,sys; p=pathlib.Path({str(counter)!r}); n=int(p.read_text() or 0) "
        "if p.exists() else 0; p.write_text(str(n+1)); print('try', n+1); sys.exit(0 if n else 1)"
    )
    decisions = []

    async def decide(result):
        decisions.append(result.status)
        return "retry"

    plan = plan_of(Step("flaky", "Flaky step", (flaky,)))
    report = run_async(run_plan(plan, ProcessRunner(host), default_catalog(), decide=decide))
    assert decisions == ["failed"]
    assert report.results[0].status == "succeeded"
    assert counter.read_text() == "2"


def test_skip_and_continue_block_dependents_and_fail_the_run(host, run_async):
    steps = (
        Step("a", "First", (py("import sys; print('nope'); sys.exit(2)"),)),
        Step("b", "Needs first", (py("print('never')"),), needs=("a",)),
        Step("c", "Independent", (py("print('fine')"),)),
    )
    for choice, status in (("skip", "skipped"), ("continue", "failed")):

        async def decide(_result, choice=choice):
            return choice

        report = run_async(
            run_plan(plan_of(*steps), ProcessRunner(host), default_catalog(), decide=decide)
        )
        assert [r.status for r in report.results] == [status, "blocked", "succeeded"]
        assert "Needs First" in report.results[1].message
        assert not report.succeeded  # so the CLI exits 1
        assert "exit code 2" in report.summary()[0]


def test_stop_keeps_the_failure_and_cancels_the_rest(host, run_async):
    steps = (
        Step("a", "First", (py("import sys; sys.exit(1)"),)),
        Step("b", "Second", (py("print('never')"),)),
    )

    async def decide(_result):
        return "stop"

    report = run_async(
        run_plan(plan_of(*steps), ProcessRunner(host), default_catalog(), decide=decide)
    )
    # The step that failed is reported as failed (its message says why); the user's
    # "stop" cancels only what had not started.
    assert [r.status for r in report.results] == ["failed", "cancelled"]
    assert "exit code 1" in report.results[0].message
    assert report.results[1].message == "Not started: the run was stopped."


def test_a_silent_step_raises_a_quiet_warning(host, run_async):
    step = Step("slow", "Slow", (py("import time; print('start', flush=True); time.sleep(1.2)"),))
    events = []
    run_async(
        run_plan(
            plan_of(step), ProcessRunner(host), default_catalog(), events.append, quiet_after=0.4
        )
    )
    quiet = [e for e in events if isinstance(e, StepQuiet)]
    assert quiet and quiet[0].seconds >= 0.4
    assert events.index(quiet[0]) > next(
        i for i, e in enumerate(events) if isinstance(e, StepOutput)
    )


def test_admin_commands_of_a_step_share_one_prompt_shown_first(host, tmp_path, run_async):
    elevator = RecordingElevator()
    step = Step(
        "node",
        "Install Node.js",
        (
            py("print('downloaded')"),
            Command(("bash", "/tmp/setup.sh"), admin=True),
            Command(("apt-get", "install", "-y", "nodejs"), admin=True),
        ),
        check=("node", "--version"),
    )
    events = []
    report = run_async(
        run_plan(
            plan_of(step), ProcessRunner(host), default_catalog(), events.append, elevator=elevator
        )
    )
    assert elevator.calls == [[("bash", "/tmp/setup.sh"), ("apt-get", "install", "-y", "nodejs")]]
    kinds = [type(e).__name__ for e in events]
    assert kinds.index("ElevationNeeded") < kinds.index("StepFinished")
    shown = next(e for e in events if isinstance(e, ElevationNeeded)).description
    assert "apt-get install -y nodejs" in shown
    lines = [e.line for e in events if isinstance(e, StepOutput)]
    assert lines == ["downloaded", "elevated ran"]
    # node --version then decides: this machine's node (or none) answers.
    assert report.results[0].status in ("succeeded", "failed")


def test_declining_the_prompt_is_its_own_outcome(host, run_async):
    step = Step("wsl", "Turn on WSL", (Command(("wsl.exe", "--install"), admin=True),), reboot=True)
    report = run_async(
        run_plan(
            plan_of(step),
            ProcessRunner(host),
            default_catalog(),
            elevator=RecordingElevator("declined"),
        )
    )
    assert report.results[0].status == "declined"


def test_secrets_never_reach_the_screen_the_log_or_the_run_state(host, tmp_path, run_async, caplog):
    # The key is in the environment and a step prints it.
    leak = py(
        "import os; print('key is', os.environ['ANTHROPIC_API_KEY']); "
        "print('Authorization: Bearer abcdefghijklmnop'); import sys; sys.exit(1)"
    )
    state = RunState.start(tmp_path / "state", Choices(("gemini-cli",)), Redactor(host.env))
    events = []
    caplog.set_level("DEBUG", logger="ai_cli_setup")
    report = run_async(
        run_plan(
            plan_of(Step("leak", "Leaky", (leak,))),
            ProcessRunner(host),
            default_catalog(),
            events.append,
            state=state,
        )
    )
    shown = "\n".join(e.line for e in events if isinstance(e, StepOutput))
    assert "key is [redacted]" in shown
    assert SECRET not in shown and "abcdefghijklmnop" not in shown
    assert SECRET not in report.results[0].message
    saved = (tmp_path / "state" / "install-run.json").read_text()
    assert SECRET not in saved
    assert json.loads(saved)["steps"] == {"leak": "failed"}


def test_c03_windows_path_is_rebuilt_from_the_registry_and_expanded():
    registry = {
        "machine": r"%SystemRoot%\system32;%SystemRoot%;C:\Program Files\nodejs\;%ProgramFiles%\Git\cmd",
        "user": r"%USERPROFILE%\AppData\Roaming\npm;%LOCALAPPDATA%\Microsoft\WindowsApps",
    }
    env = {
        "Path": r"C:\Windows\system32;C:\Windows;C:\wizard\bin",
        "SystemRoot": r"C:\Windows",
        "ProgramFiles": r"C:\Program Files",
        "USERPROFILE": r"C:\Users\ada",
        "LOCALAPPDATA": r"C:\Users\ada\AppData\Local",
    }
    fresh = WindowsRegistryPath(registry.get).refreshed(env)
    assert fresh["Path"].split(";") == [
        r"C:\Windows\system32",
        r"C:\Windows",
        r"C:\Program Files\nodejs" + "\\",
        r"C:\Program Files\Git\cmd",
        r"C:\Users\ada\AppData\Roaming\npm",
        r"C:\Users\ada\AppData\Local\Microsoft\WindowsApps",
        r"C:\wizard\bin",  # the wizard's own folder stays, last
    ]
    assert expand_windows_variables("%unknown%\\x;%systemroot%", env) == r"%unknown%\x;C:\Windows"


class EnvRecordingRunner:
    """Answers every command with success and records the PATH it was given."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.seen: list[tuple[tuple[str, ...], str]] = []

    async def run(
        self,
        argv,
        *,
        env: Mapping[str, str] | None = None,
        cwd=None,
        timeout=None,
        on_line=None,
        extra_dirs=(),
    ) -> Outcome:
        env = env if env is not None else self.host.env
        self.seen.append((tuple(argv), env.get("Path") or env.get("PATH") or ""))
        return Outcome(tuple(argv), "ok", 0, "v22.11.0", 0.0, argv[0])


def test_c03_steps_after_a_winget_install_get_the_registry_path(run_async):
    host = Host(system="windows", env={"Path": r"C:\Windows", "SystemRoot": r"C:\Windows"})
    registry = {"machine": r"%SystemRoot%;C:\Program Files\nodejs\\", "user": None}
    runner = EnvRecordingRunner(host)
    steps = (
        Step(
            "node",
            "Install Node.js",
            (Command(("winget", "install", "OpenJS.NodeJS.LTS")),),
            refresh_path=True,
            check=("node", "--version"),
        ),
        Step("after", "Later step", (Command(("npm", "--version")),), needs=("node",)),
    )
    report = run_async(
        run_plan(
            plan_of(*steps), runner, default_catalog(), env_source=WindowsRegistryPath(registry.get)
        )
    )
    assert [r.status for r in report.results] == ["succeeded", "succeeded"]
    winget_path = next(p for argv, p in runner.seen if argv[0] == "winget")
    npm_path = next(p for argv, p in runner.seen if argv[0] == "npm")
    assert "nodejs" not in winget_path
    assert r"C:\Program Files\nodejs" in npm_path


def test_c22_uv_in_a_new_user_bin_is_verified_and_on_path_for_later_steps(host, run_async):
    home = Path(host.home)
    make_uv = py(
        "import os, stat\n"
        f"d = os.path.join({str(home)!r}, '.local', 'bin'); os.makedirs(d, exist_ok=True)\n"
        "p = os.path.join(d, 'uv')\n"
        f"open(p, 'w').write('#!{PY}\\nprint(\"uv 0.7.8\")\\n'); os.chmod(p, 0o755)\n"
        "print('installing to', d)\n"
    )
    steps = (
        Step("uv", "Install uv", (make_uv,), refresh_path=True, check=("uv", "--version")),
        Step("later", "Uses uv", (Command(("uv", "--version")),), needs=("uv",)),
    )
    assert "/.local/bin" not in host.env["PATH"]
    report = run_async(
        run_plan(
            plan_of(*steps), ProcessRunner(host), default_catalog(), env_source=LoginPath(host)
        )
    )
    assert [r.status for r in report.results] == ["succeeded", "succeeded"]
    assert (
        report.results[0].message == "uv 0.7.8"
    )  # verified by running it, not by the installer's words


def test_c07_cli_step_is_blocked_at_run_time_if_node_is_still_too_old(host, tmp_path, run_async):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    node = bindir / "node"
    node.write_text(f"#!{PY}\nprint('v18.19.1')\n")
    node.chmod(0o755)
    host = Host(system="linux", env={"PATH": f"{bindir}:/usr/bin:/bin"}, home=host.home)
    steps = (
        Step("node", "Upgrade Node.js", (py("print('upgraded?')"),)),
        Step(
            "npm:gemini-cli",
            "Install Gemini CLI",
            (Command(("npm", "install", "-g", "x")),),
            tool_id="gemini-cli",
            needs=("node",),
            node_min="20",
        ),
    )
    # The "upgrade" left node at 18: its own check fails it, and the CLI is blocked.
    report = run_async(run_plan(plan_of(*steps), ProcessRunner(host), default_catalog()))
    assert report.results[0].status == "succeeded"
    assert report.results[1].status == "blocked"
    assert report.results[1].message == "Node >= 20 needed, found 18.19.1."


def test_cancel_mid_step_marks_the_state_and_kills_the_child(host, tmp_path, run_async):
    state = RunState.start(tmp_path / "state", Choices(), Redactor())
    step = Step("hang", "Hangs", (py("import time; print('go', flush=True); time.sleep(60)"),))

    async def go():
        started = asyncio.Event()

        def on_event(event):
            if isinstance(event, StepOutput):
                started.set()

        task = asyncio.ensure_future(
            run_plan(
                plan_of(step, Step("next", "Next", (py("pass"),))),
                ProcessRunner(host),
                default_catalog(),
                on_event,
                state=state,
            )
        )
        await asyncio.wait_for(started.wait(), 20)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run_async(go())
    saved = RunState.load(tmp_path / "state")
    assert saved.statuses["hang"] == "cancelled"
    assert not saved.done("hang") and "next" not in saved.statuses


def test_finished_steps_of_an_earlier_run_are_not_run_again(host, tmp_path, run_async):
    marker = tmp_path / "ran"
    state = RunState.start(tmp_path / "state", Choices(), Redactor())
    state.mark("a", "succeeded")
    steps = (
        Step("a", "First", (py(f"open({str(marker)!r}, 'a').write('a')"),)),
        Step("b", "Second", (py(f"open({str(marker)!r}, 'a').write('b')"),), needs=("a",)),
    )
    events = []
    report = run_async(
        run_plan(
            plan_of(*steps), ProcessRunner(host), default_catalog(), events.append, state=state
        )
    )
    assert marker.read_text() == "b"
    assert report.results[0].message == "Done in the earlier run."
    assert report.succeeded
    assert [e.result.status for e in events if isinstance(e, StepFinished)] == ["succeeded"] * 2


TLS_NPM = "npm error code SELF_SIGNED_CERT_IN_CHAIN\nnpm error errno SELF_SIGNED_CERT_IN_CHAIN\nnpm error request to https://registry.npmjs.org/@google%2fgemini-cli failed, reason: self-signed certificate in certificate chain"
TLS_GIT = "fatal: unable to access 'https://github.com/x/y.git/': SSL certificate problem: unable to get local issuer certificate"
TLS_UV = (
    "error: Request failed after 3 retries\n  Caused by: invalid peer certificate: UnknownIssuer"
)
E404_CUSTOM = "npm error code E404\nnpm error 404 Not Found - GET https://artifactory.example.com/api/npm/npm-remote/@anthropic-ai%2fclaude-code - Not found\nnpm error 404  '@anthropic-ai/claude-code@*' is not in this registry."
E404_DEFAULT = "npm error code E404\nnpm error 404 Not Found - GET https://registry.npmjs.org/codexx - Not found"


# npm 11 on Node 20 against a local HTTPS server: its own self-signed certificate, a
# chain ending in a root it does not know, a chain without that root, a leaf alone.
TLS_NPM_REAL = {
    code: f"npm error code {code}\nnpm error errno {code}\nnpm error request to "
    f"https://localhost:8443/@google%2fgemini-cli failed, reason: {reason}"
    for code, reason in [
        ("DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate"),
        ("SELF_SIGNED_CERT_IN_CHAIN", "self-signed certificate in certificate chain"),
        ("UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "unable to get local issuer certificate"),
        ("UNABLE_TO_VERIFY_LEAF_SIGNATURE", "unable to verify the first certificate"),
    ]
}
TLS_CURL = (
    "curl: (60) SSL certificate problem: self-signed certificate\n"
    "More details here: https://curl.se/docs/sslcerts.html"
)
ETARGET_NPM = (
    "npm error code ETARGET\n"
    "npm error notarget No matching version found for @google/gemini-cli@999.0.0.\n"
    "npm error notarget In most cases you or one of your dependencies are requesting a package "
    "version that doesn't exist."
)
ETARGET_VIEW = (
    "npm error code E404\n"
    "npm error 404 No match found for version 999.0.0\n"
    "npm error 404  The requested resource '@google/gemini-cli@999.0.0' could not be found or "
    "you do not have permission to access it."
)
CURL_DNS = "curl: (6) Could not resolve host: astral.sh"


@pytest.mark.parametrize("text", [TLS_NPM, TLS_GIT, TLS_UV, TLS_CURL, *TLS_NPM_REAL.values()])
def test_c11_tls_interception_gets_the_ca_hint_never_disabling_checks(text):
    found = [s.id for s in default_catalog().diagnose(text)]
    assert found[0] == "tls-intercepted"
    sig = default_catalog().diagnose(text)[0]
    assert "CA certificate" in sig.fix
    assert "cafile" in sig.fix and "NODE_EXTRA_CA_CERTS" in sig.fix and "ca_file" in sig.fix
    assert "strict-ssl" not in sig.fix and "NODE_TLS_REJECT_UNAUTHORIZED" not in sig.fix


@pytest.mark.parametrize(
    ("output", "signature", "words"),
    [
        (TLS_NPM_REAL["DEPTH_ZERO_SELF_SIGNED_CERT"], "tls-intercepted", "CA certificate"),
        (TLS_NPM_REAL["UNABLE_TO_VERIFY_LEAF_SIGNATURE"], "tls-intercepted", "CA certificate"),
        (ETARGET_NPM, "npm-no-matching-version", "no release"),
        (ETARGET_VIEW, "npm-no-matching-version", "no release"),
        (CURL_DNS, "download-host-unresolved", "look up the server"),
    ],
)
def test_a_failed_step_names_the_cause_of_real_npm_and_curl_errors(
    host, run_async, output, signature, words
):
    step = Step("npm", "Install", (py(f"import sys; print({output!r}); sys.exit(1)"),))
    result = run_async(run_plan(plan_of(step), ProcessRunner(host), default_catalog())).results[0]
    assert result.status == "failed"
    assert [s.id for s in result.findings][:1] == [signature]
    assert words in result.message and "Fix:" in result.message


def test_c11_e404_for_a_scoped_package_on_a_custom_registry_gets_the_registry_hint(host, run_async):
    assert [s.id for s in default_catalog().diagnose(E404_CUSTOM)] == ["npm-custom-registry"]
    assert default_catalog().diagnose(E404_DEFAULT) == []
    step = Step("npm", "Install", (py(f"import sys; print({E404_CUSTOM!r}); sys.exit(1)"),))
    result = run_async(run_plan(plan_of(step), ProcessRunner(host), default_catalog())).results[0]
    assert result.status == "failed"
    assert "custom registry" in result.message and "registry.npmjs.org" in result.message


def test_c03_the_session_sees_the_refreshed_path_after_the_install(run_async, tmp_path):
    from app.core.paths import Paths
    from app.core.session import Session

    host = Host(system="linux", env={"PATH": "/usr/bin:/bin"}, home=str(tmp_path))
    (tmp_path / ".local" / "bin").mkdir(parents=True)
    runner = EnvRecordingRunner(host)
    session = Session(
        runner, default_catalog(), Paths.from_env({"AI_CLI_SETUP_HOME": str(tmp_path)})
    )
    step = Step("uv", "Install uv", (Command(("sh", "install.sh")),), refresh_path=True)
    run_async(session.install(plan_of(step)))
    assert session.host.env["PATH"].endswith(str(tmp_path / ".local" / "bin"))


def test_a_step_that_puts_a_folder_on_path_hands_it_to_later_steps(run_async, tmp_path):
    # C06's user prefix: npm's new bin folder is on PATH for the CLI installs after it.
    host = Host(system="linux", env={"PATH": "/usr/bin:/bin"}, home=str(tmp_path))
    runner = EnvRecordingRunner(host)
    prefix = Step(
        "node.user-prefix",
        "Use your own npm folder",
        (Command(("npm", "config", "set", "prefix", "/h/.npm-global")),),
        refresh_path=True,
        path_dirs=("/h/.npm-global/bin",),
    )
    later = Step("later", "Install a CLI", (Command(("claude", "--version")),), needs=(prefix.id,))
    report = run_async(run_plan(plan_of(prefix, later), runner, default_catalog()))
    assert [r.status for r in report.results] == ["succeeded", "succeeded"]
    assert "/h/.npm-global/bin" not in next(p for a, p in runner.seen if a[0] == "npm")
    assert next(p for a, p in runner.seen if a[0] == "claude").startswith("/h/.npm-global/bin:")


def test_progress_redraws_reach_the_screen_marked_and_the_diagnosis_clean(host, run_async):
    code = (
        "import sys; w=sys.stdout.write; [w(f'fetch {n}/3\\r') for n in (1, 2, 3)]; w('\\nok\\n')"
    )
    events = []
    report = run_async(
        run_plan(
            plan_of(Step("bar", "Bar", (py(code),))),
            ProcessRunner(host),
            default_catalog(),
            events.append,
        )
    )
    shown = [(e.line, e.progress) for e in events if isinstance(e, StepOutput)]
    assert shown == [("fetch 1/3", True), ("fetch 2/3", True), ("fetch 3/3", False), ("ok", False)]
    assert "\r" not in report.results[0].outcome.output
