"""Reports: everything a helper needs, nothing personal or secret."""

from __future__ import annotations

import json
import os

from app.core.catalog import default_catalog
from app.core.detect import detect
from app.core.host import Host
from app.core.install import RunReport, StepResult
from app.core.report import Scrubber, build_report, write_report
from app.core.runner import Outcome
from tests.core.test_exports import one_command_step
from tests.fakes import ScriptedRunner

KEY = "sk-ant-api03-AAAAbbbbCCCCdddd1234"
HOME = "/home/maria.lopez"


def maria() -> Host:
    return Host(
        system="linux",
        release="6.1",
        machine="x86_64",
        env={"PATH": "/usr/bin", "HOME": HOME, "USER": "maria.lopez", "ANTHROPIC_API_KEY": KEY},
        home=HOME,
        os_release={"PRETTY_NAME": "Debian GNU/Linux 12 (bookworm)"},
    )


def test_results_findings_and_plan_are_reported_and_scrubbed(run_async, tmp_path):
    host = maria()
    runner = ScriptedRunner(host)
    runner.on("node", "--version", output="v20.20.2\n")
    runner.on("npm", "--version", output="11.19.1\n")
    runner.on("npm", "prefix", "-g", output=f"{HOME}/.npm-global\n")
    detection = run_async(detect(runner, default_catalog()))
    step = one_command_step(
        "npm:gemini-cli",
        "Install Gemini CLI",
        ("npm", "install", "-g", "--prefix", f"{HOME}/.npm-global", "@google/gemini-cli"),
        "gemini-cli",
    )
    output = f"npm error EACCES {HOME}/.npm-global/lib\n```\nkey={KEY}\nmaria.lopez was here"
    run = RunReport(
        [
            StepResult(
                step, "failed", Outcome(step.argv, "failed", 243, output), message="npm failed"
            )
        ]
    )
    report = build_report(host, detection, None, run)
    text = report.to_json() + report.to_markdown()
    assert HOME not in text and "maria.lopez" not in text and KEY not in text
    result = report.data["results"][0]
    assert result["status"] == "failed" and result["exit_code"] == 243
    assert "npm error EACCES ~/.npm-global/lib" in result["output_tail"]
    assert "<user> was here" in result["output_tail"]
    node = next(f for f in report.data["findings"] if f["name"] == "Node.js")
    assert node["npm_prefix"] == "~/.npm-global"
    # A fence inside the output cannot end the Markdown code block early.
    md = report.to_markdown()
    assert "## Results" in md and "| Install Gemini CLI | failed | npm failed |" in md

    json_path, md_path = write_report(report, tmp_path / "out" / "r.json")
    assert (json_path.name, md_path.name) == ("r.json", "r.md")
    assert json.loads(json_path.read_text())["report"] == "ai-cli-setup"


def test_windows_home_and_user_are_masked_whatever_the_case_or_slashes():
    host = Host(
        system="windows",
        env={"USERPROFILE": "C:\\Users\\Pat", "USERNAME": "Pat", "COMPUTERNAME": "PAT-LAPTOP"},
        home="C:\\Users\\Pat",
    )
    scrub = Scrubber(host)
    assert scrub("c:\\users\\pat\\AppData\\Roaming\\npm") == "~\\AppData\\Roaming\\npm"
    assert scrub("C:/Users/Pat/.claude") == "~/.claude"
    assert scrub("owner PAT on PAT-LAPTOP") == "owner <user> on <computer>"
    assert scrub({"C:\\Users\\Pat": ["Pat"]}) == {"~": ["<user>"]}
    # Names inside other words stay.
    assert scrub("Patch Tuesday") == "Patch Tuesday"


def test_the_last_install_is_reported_and_scrubbed(tmp_path):
    from app.core.planner import Choices
    from app.core.runstate import RunState

    state = RunState.start(tmp_path, Choices(("gemini-cli",), f"{HOME}/.npm-global"))
    state.mark("npm:gemini-cli", "failed", f"EACCES on {HOME}/.npm-global for maria.lopez")
    loaded = RunState.load(tmp_path)
    report = build_report(maria(), last_run=loaded)
    last = report.data["last_run"]
    assert last["steps"] == {"npm:gemini-cli": "failed"}
    assert last["messages"]["npm:gemini-cli"] == "EACCES on ~/.npm-global for <user>"
    assert last["choices"]["npm_prefix"] == "~/.npm-global"
    md = report.to_markdown()
    assert "## Last install (did not finish)" in md
    assert "| npm:gemini-cli | failed | EACCES on ~/.npm-global for <user> |" in md


def test_the_last_installs_logs_come_first_however_many_runs_came_after(tmp_path):
    from app.core.planner import Choices
    from app.core.runstate import RunState

    logs = tmp_path / "logs"
    logs.mkdir()
    install_log = logs / "run-20261204-100000-1.log"
    install_log.write_text("npm| added 3 packages\n")
    state = RunState.start(tmp_path, Choices(("gemini-cli",)))
    state.written_to(install_log)
    for n in range(2, 6):  # later detect, plan, verify and report runs
        later = logs / f"run-20261204-1{n}0000-{n}.log"
        later.write_text(f"run {n}\n")
        os.utime(later, (install_log.stat().st_mtime + n,) * 2)
    report = build_report(maria(), last_run=RunState.load(tmp_path), log_dir=logs)
    files = [excerpt["file"] for excerpt in report.data["logs"]]
    assert files == [install_log.name, "run-20261204-150000-5.log", "run-20261204-140000-4.log"]
    assert report.data["logs"][0]["lines"] == ["npm| added 3 packages"]
