"""The install engine against a fake npm on a real temp folder."""

import asyncio
import stat
import sys
from pathlib import Path

import psutil
import pytest

from app.core.catalog import default_catalog
from app.core.detect import NodeFinding
from app.core.host import Host
from app.core.install import (
    StepFinished,
    StepOutput,
    StepStarted,
    plan_npm_install,
    run_plan,
    top_level_engine_warning,
)
from app.core.redact import Redactor
from app.core.runner import ProcessRunner
from app.core.runstate import RunState
from app.core.verify import verify_tool

NODE20 = NodeFinding("Node.js", True, "20.20.2", "/usr/bin/node", npm_version="11.0.0")


def script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def fake_npm(
    bindir: Path,
    tool_body: dict[str, str],
    extra_output: str = "",
    code: int = 0,
    refuses: str = "",
):
    """An `npm` that writes a tool shim into <prefix>/bin like the real one.

    It takes one or more packages after the prefix and logs each call's
    packages to <bindir>/npm-calls.log; `code` is its exit code. A call that
    names the package `refuses` fails with E404 and installs nothing.
    """
    bodies = {pkg: body for pkg, body in tool_body.items()}
    script(
        bindir / "npm",
        "import sys, os, stat\n"
        f"bodies = {bodies!r}\n"
        "args = sys.argv[1:]\n"
        "at = args.index('--prefix')\n"
        "prefix = args[at + 1]\n"
        "pkgs = [a for a in args[at + 2 :] if not a.startswith('-')]\n"
        f"open({str(bindir / 'npm-calls.log')!r}, 'a').write(' '.join(pkgs) + '\\n')\n"
        f"if {refuses!r} in pkgs:\n"
        f"    print('npm error code E404\\nnpm error 404 Not Found - GET https://registry.npmjs.org/' + {refuses!r})\n"
        "    sys.exit(1)\n"
        "print(f'added {len(pkgs)} package(s) in 1s', flush=True)\n"
        f"print({extra_output!r})\n"
        "for pkg in pkgs:\n"
        "    name, body = bodies[pkg]\n"
        "    os.makedirs(os.path.join(prefix, 'bin'), exist_ok=True)\n"
        "    p = os.path.join(prefix, 'bin', name)\n"
        f"    open(p, 'w').write('#!{sys.executable}\\n' + body)\n"
        "    os.chmod(p, 0o755)\n"
        f"sys.exit({code})\n",
    )


@pytest.fixture
def machine(tmp_path):
    bindir = tmp_path / "sysbin"
    bindir.mkdir()
    host = Host(system="linux", env={"PATH": f"{bindir}:/usr/bin:/bin", "HOME": str(tmp_path)})
    return host, bindir, tmp_path / "prefix"


def test_installed_but_not_on_path_is_a_success_with_the_folder_named(machine, run_async):
    # C01: npm exits 0, <prefix>/bin/claude exists, <prefix>/bin is not on PATH.
    host, bindir, prefix = machine
    fake_npm(bindir, {"@anthropic-ai/claude-code": ("claude", "print('2.1.197 (Claude Code)')")})
    catalog = default_catalog()
    plan = plan_npm_install(catalog, host, ["claude-code"], str(prefix), NODE20)
    events = []
    report = run_async(run_plan(plan, ProcessRunner(host), catalog, events.append))
    result = report.results[0]
    assert result.status == "succeeded"
    assert result.verification.status == "not-on-path"
    assert result.verification.version == "2.1.197"
    assert str(prefix / "bin") in result.verification.message
    assert "install failed" not in result.verification.message.lower()
    assert next(e.line for e in events if isinstance(e, StepOutput)) == "added 1 package(s) in 1s"


def test_npm_success_without_a_working_tool_is_a_failure(machine, run_async):
    # C12: codex --version prints a missing optional dependency error.
    host, bindir, prefix = machine
    broken = (
        "import sys\n"
        "print('Error: Missing optional dependency @openai/codex-linux-x64. "
        "Reinstall Codex: npm install -g @openai/codex@latest', file=sys.stderr)\n"
        "sys.exit(1)\n"
    )
    fake_npm(bindir, {"@openai/codex": ("codex", broken)})
    catalog = default_catalog()
    plan = plan_npm_install(catalog, host, ["codex-cli"], str(prefix), NODE20)
    report = run_async(run_plan(plan, ProcessRunner(host), catalog))
    result = report.results[0]
    assert result.status == "failed"
    assert result.verification.status == "broken"
    assert "platform binary" in result.verification.message
    # The fix reinstalls into the folder this install used, not npm's global one.
    expected = f"npm install -g --prefix {prefix} @openai/codex@latest"
    assert expected in result.verification.fix
    assert not report.succeeded


def test_a_fix_that_reinstalls_with_npm_names_the_install_folder(machine, run_async):
    # The catalog's fix says `npm install -g @openai/codex@latest`: run as shown, it
    # would install into npm's global folder, not the one this install chose.
    host, bindir, prefix = machine
    missing = "Error: Missing optional dependency @openai/codex-linux-x64"
    fake_npm(bindir, {"@openai/codex": ("codex", "print('codex-cli 0.87.0')")}, missing, code=1)
    catalog = default_catalog()
    plan = plan_npm_install(catalog, host, ["codex-cli"], str(prefix), NODE20)
    report = run_async(run_plan(plan, ProcessRunner(host), catalog))
    result = report.results[0]
    assert result.status == "failed"
    fix = f"Reinstall Codex CLI: npm install -g --prefix {prefix} @openai/codex@latest"
    assert [f.fix for f in result.findings] == [fix]
    assert result.message.endswith(f"Fix: {fix}")


def test_engine_warning_for_the_cli_itself_fails_the_step(machine, run_async):
    # C08: npm exits 0 but printed EBADENGINE for the top-level package.
    host, bindir, prefix = machine
    warning = (
        "npm warn EBADENGINE Unsupported engine {\n"
        "npm warn EBADENGINE   package: '@google/gemini-cli@0.61.0',\n"
        "npm warn EBADENGINE   required: { node: '>=20' },\n"
        "npm warn EBADENGINE   current: { node: 'v18.19.1', npm: '9.2.0' }\n"
        "npm warn EBADENGINE }"
    )
    fake_npm(bindir, {"@google/gemini-cli": ("gemini", "print('0.61.0')")}, extra_output=warning)
    catalog = default_catalog()
    plan = plan_npm_install(catalog, host, ["gemini-cli"], str(prefix), NODE20)
    report = run_async(run_plan(plan, ProcessRunner(host), catalog))
    assert report.results[0].status == "failed"
    assert "does not support this Node.js" in report.results[0].message
    assert "npm-ebadengine" in [f.id for f in report.results[0].findings]


def test_engine_warning_for_a_dependency_is_not_the_cli_failing():
    text = (
        "npm warn EBADENGINE Unsupported engine {\nnpm warn EBADENGINE   package: 'undici@7.0.0',"
    )
    assert not top_level_engine_warning(text, "@google/gemini-cli")
    assert top_level_engine_warning(
        text.replace("undici", "@google/gemini-cli"), "@google/gemini-cli"
    )


def test_eacces_is_reported_as_the_blocker(machine, run_async):
    # C06: npm fails with EACCES and also warns EBADENGINE for a dependency.
    host, bindir, prefix = machine
    script(
        bindir / "npm",
        "import sys\n"
        "print(\"npm warn EBADENGINE Unsupported engine { package: 'undici@7.0.0' }\")\n"
        "print('npm error code EACCES')\n"
        "print(\"npm error Error: EACCES: permission denied, mkdir '/usr/lib/node_modules/@google'\")\n"
        "sys.exit(243)\n",
    )
    catalog = default_catalog()
    plan = plan_npm_install(catalog, host, ["gemini-cli"], str(prefix), NODE20)
    result = run_async(run_plan(plan, ProcessRunner(host), catalog)).results[0]
    assert result.status == "failed"
    assert [f.id for f in result.findings][:2] == ["npm-eacces", "npm-ebadengine"]
    assert "permission" in result.message or "install folder" in result.message


@pytest.mark.parametrize("node_version", ["12.22.9", "18.19.1"])
def test_too_old_node_blocks_before_anything_runs(node_version, run_async):
    # C07: Node too old for a CLI that needs 20+.
    node = NodeFinding("Node.js", True, node_version, "/usr/bin/node", npm_version="8.5.1")
    catalog = default_catalog()
    plan = plan_npm_install(catalog, Host(system="linux"), ["gemini-cli"], "/tmp/p", node)
    assert plan.steps[0].blocked == f"Node >= 20 needed, found {node_version}."
    report = run_async(
        run_plan(plan, ProcessRunner(Host(system="linux", env={"PATH": ""})), catalog)
    )
    assert report.results[0].status == "blocked"


def test_node_below_the_newest_release_gets_a_note_not_a_block():
    catalog = default_catalog()
    plan = plan_npm_install(catalog, Host(system="linux"), ["claude-code"], "/tmp/p", NODE20)
    assert plan.steps[0].blocked == ""
    assert "Node >= 22" in plan.steps[0].note


def test_verify_reports_missing_with_the_install_command(tmp_path, run_async):
    host = Host(system="linux", env={"PATH": str(tmp_path)})
    result = run_async(
        verify_tool(ProcessRunner(host), default_catalog(), "gemini-cli", str(tmp_path))
    )
    assert result.status == "missing"
    assert "@google/gemini-cli" in result.fix


def test_finished_events_carry_every_step(machine, run_async):
    host, bindir, prefix = machine
    fake_npm(
        bindir,
        {
            "@google/gemini-cli": ("gemini", "print('0.61.0')"),
            "@openai/codex": ("codex", "print('codex-cli 0.171.0')"),
        },
    )
    catalog = default_catalog()
    plan = plan_npm_install(catalog, host, ["gemini-cli", "codex-cli"], str(prefix), NODE20)
    events = []
    report = run_async(run_plan(plan, ProcessRunner(host), catalog, events.append))
    finished = [e for e in events if isinstance(e, StepFinished)]
    assert [(e.index, e.total) for e in finished] == [(0, 2), (1, 2)]
    assert report.succeeded
    assert [r.verification.version for r in report.results] == ["0.61.0", "0.171.0"]


def test_npm_done_on_a_full_disk_leads_with_the_full_disk(machine, run_async):
    """Seen with a 2 MB tmpfs prefix: npm exits 0 after TAR_ENTRY_ERROR ENOSPC, the shim is empty."""
    host, bindir, prefix = machine
    enospc = "npm warn tar TAR_ENTRY_ERROR ENOSPC: no space left on device, write"
    script(
        bindir / "npm",
        "import sys, os\n"
        "args = sys.argv[1:]\n"
        "prefix = args[args.index('--prefix') + 1]\n"
        f"print({enospc!r})\n"
        "os.makedirs(os.path.join(prefix, 'bin'), exist_ok=True)\n"
        "p = os.path.join(prefix, 'bin', 'gemini')\n"
        "open(p, 'w').close()\n"  # written before the disk filled up: empty
        "os.chmod(p, 0o755)\n",
    )
    catalog = default_catalog()
    plan = plan_npm_install(catalog, host, ["gemini-cli"], str(prefix), NODE20)
    result = run_async(run_plan(plan, ProcessRunner(host), catalog)).results[0]
    assert result.status == "failed"
    assert result.message.startswith("The disk is full. Fix: Free some disk space")
    assert "could not be started" in result.message
    assert "started but did not print" not in result.message  # it never started


THREE = {
    "@anthropic-ai/claude-code": ("claude", "print('2.1.197 (Claude Code)')"),
    "@google/gemini-cli": ("gemini", "print('0.61.0')"),
    "@openai/codex": ("codex", "print('codex-cli 0.171.0')"),
}
TOOLS = ["claude-code", "gemini-cli", "codex-cli"]


def npm_calls(bindir: Path) -> list[str]:
    return (bindir / "npm-calls.log").read_text().splitlines()


def test_consecutive_npm_installs_share_one_npm_call(machine, run_async):
    host, bindir, prefix = machine
    fake_npm(bindir, THREE)
    catalog = default_catalog()
    plan = plan_npm_install(catalog, host, TOOLS, str(prefix), NODE20)
    events = []
    report = run_async(run_plan(plan, ProcessRunner(host), catalog, events.append))
    assert npm_calls(bindir) == ["@anthropic-ai/claude-code @google/gemini-cli @openai/codex"]
    assert report.succeeded
    assert [r.verification.version for r in report.results] == ["2.1.197", "0.61.0", "0.171.0"]
    # Each step still starts and finishes in order, with its own result.
    order = [
        (type(e).__name__, e.index) for e in events if isinstance(e, StepStarted | StepFinished)
    ]
    assert order == [
        ("StepStarted", 0),
        ("StepFinished", 0),
        ("StepStarted", 1),
        ("StepFinished", 1),
        ("StepStarted", 2),
        ("StepFinished", 2),
    ]
    # npm's output is under the first step; the others say where it is.
    by_step = {}
    for e in events:
        if isinstance(e, StepOutput):
            by_step.setdefault(e.step.tool_id, []).append(e.line)
    assert "added 3 package(s) in 1s" in by_step["claude-code"]
    assert by_step["gemini-cli"] == [
        "Installed by the same npm call as “Install Claude Code”: its output is under that step."
    ]
    assert by_step["codex-cli"] == by_step["gemini-cli"]


def test_a_failed_batched_call_is_pinned_on_the_tool_that_failed(machine, run_async):
    host, bindir, prefix = machine
    fake_npm(bindir, THREE, refuses="@google/gemini-cli")
    catalog = default_catalog()
    plan = plan_npm_install(catalog, host, TOOLS, str(prefix), NODE20)
    events = []
    report = run_async(run_plan(plan, ProcessRunner(host), catalog, events.append))
    # The one call failed, so each tool was installed on its own to find which.
    assert npm_calls(bindir) == [
        "@anthropic-ai/claude-code @google/gemini-cli @openai/codex",
        "@anthropic-ai/claude-code",
        "@google/gemini-cli",
        "@openai/codex",
    ]
    assert [r.status for r in report.results] == ["succeeded", "failed", "succeeded"]
    failed = report.results[1].outcome
    assert failed.exit_code == 1 and "E404" in failed.output
    assert (prefix / "bin" / "claude").exists() and (prefix / "bin" / "codex").exists()
    assert not (prefix / "bin" / "gemini").exists()


def test_ebadengine_for_one_package_of_a_batch_fails_only_its_step(machine, run_async):
    # C08 inside one npm call: the warning names gemini-cli, so only that step fails.
    host, bindir, prefix = machine
    warning = (
        "npm warn EBADENGINE Unsupported engine {\n"
        "npm warn EBADENGINE   package: '@google/gemini-cli@0.61.0',\n"
        "npm warn EBADENGINE   required: { node: '>=20' },\n"
        "npm warn EBADENGINE   current: { node: 'v18.19.1', npm: '9.2.0' }\n"
        "npm warn EBADENGINE }"
    )
    fake_npm(bindir, THREE, extra_output=warning)
    catalog = default_catalog()
    plan = plan_npm_install(catalog, host, TOOLS, str(prefix), NODE20)
    report = run_async(run_plan(plan, ProcessRunner(host), catalog))
    assert len(npm_calls(bindir)) == 1
    assert [r.status for r in report.results] == ["succeeded", "failed", "succeeded"]
    assert "does not support this Node.js version" in report.results[1].message


def test_resume_puts_the_unfinished_steps_of_a_batch_in_one_call(machine, tmp_path, run_async):
    host, bindir, prefix = machine
    fake_npm(bindir, THREE)
    catalog = default_catalog()
    plan = plan_npm_install(catalog, host, TOOLS, str(prefix), NODE20)
    state = RunState.start(tmp_path / "state", plan.choices, Redactor())
    for step in plan.steps:
        state.mark(step.id, "running")  # a batch killed part-way: nothing confirmed...
    state.mark(plan.steps[0].id, "succeeded")  # ...but the first step had finished
    report = run_async(run_plan(plan, ProcessRunner(host), catalog, state=state))
    assert npm_calls(bindir) == ["@google/gemini-cli @openai/codex"]
    assert report.results[0].message == "Done in the earlier run."
    assert report.succeeded
    assert RunState.load(tmp_path / "state").finished


def test_cancel_during_a_batch_kills_npm_and_marks_every_step_of_it(machine, tmp_path, run_async):
    host, bindir, prefix = machine
    script(
        bindir / "npm",
        "import os, time\n"
        f"open({str(tmp_path / 'npm.pid')!r}, 'w').write(str(os.getpid()))\n"
        "print('resolving', flush=True)\ntime.sleep(60)\n",
    )
    catalog = default_catalog()
    plan = plan_npm_install(catalog, host, TOOLS, str(prefix), NODE20)
    state = RunState.start(tmp_path / "state", plan.choices, Redactor())
    finished = []

    async def go():
        started = asyncio.Event()

        def on_event(event):
            if isinstance(event, StepOutput) and event.line == "resolving":
                started.set()
            if isinstance(event, StepFinished):
                finished.append(event.result.status)

        task = asyncio.ensure_future(
            run_plan(plan, ProcessRunner(host), catalog, on_event, state=state)
        )
        await asyncio.wait_for(started.wait(), 20)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run_async(go())
    assert finished == ["cancelled"] * 3
    saved = RunState.load(tmp_path / "state")
    assert [saved.statuses[s.id] for s in plan.steps] == ["cancelled"] * 3
    # This test's npm, not any npm: other work on the machine may run one.
    pid = int((tmp_path / "npm.pid").read_text())
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
