"""Too little free disk for a plan is said by `plan`, `install` and the core, with need, free and where."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys

from app.commands import install as install_command
from app.core.catalog import default_catalog
from app.core.detect import Detection, detect
from app.core.diskspace import disk_shortfall
from app.core.paths import Paths
from app.core.planner import Plan, Step
from app.core.session import Session
from tests.conftest import REPO
from tests.fakes import FakeFacts, ScriptedRunner, linux_host

MIB = 1024 * 1024
PLAN = Plan(
    (Step("gemini-cli.npm", "Install Gemini CLI", download_mb=30, disk_mb=60),),
    "/home/u/.npm-global",
)


def detection_with_free(free: int | None) -> Detection:
    """A detection of a machine with `free` bytes left where npm's global folder is."""
    runner = ScriptedRunner(linux_host())
    runner.on("npm", "prefix", "-g", output="/usr/local\n")
    facts = FakeFacts(memory=8 * 1024**3, free={} if free is None else {"/usr/local": free})
    return asyncio.run(detect(runner, default_catalog(), facts))


def test_the_plans_own_folder_is_measured_first():
    shortfall = disk_shortfall(PLAN, detection_with_free(10**12), {PLAN.npm_prefix: 5 * MIB}.get)
    assert shortfall is not None
    assert (shortfall.where, shortfall.free_mb, shortfall.needed_mb) == (PLAN.npm_prefix, 5, 60)
    assert "Only 5 MB free at /home/u/.npm-global" in shortfall.sentence()
    assert (
        "about 30 MB" in shortfall.sentence()
        and "about 60 MB once unpacked" in shortfall.sentence()
    )


def test_detections_free_disk_stands_in_when_the_folder_was_not_measured():
    shortfall = disk_shortfall(PLAN, detection_with_free(20 * MIB), lambda _path: None)
    assert shortfall is not None and shortfall.where == "/usr/local" and shortfall.free_mb == 20
    assert disk_shortfall(PLAN, detection_with_free(61 * MIB)) is None
    assert disk_shortfall(PLAN, detection_with_free(None)) is None  # not known: no claim
    assert disk_shortfall(PLAN, None) is None
    nothing = Plan(
        (
            Step(
                "gemini-cli.npm", "Install Gemini CLI", skip="installed", download_mb=30, disk_mb=60
            ),
        ),
        "/p",
    )
    assert disk_shortfall(nothing, detection_with_free(1)) is None


def small_disk_recording(tmp_path, free: int) -> str:
    """ubuntu-node12 as recorded, but with `free` bytes left where npm installs."""
    data = json.loads((REPO / "tests" / "machines" / "ubuntu-node12.json").read_text())
    assert "/usr/local" in data["facts"]["disk_free"]
    data["facts"]["disk_free"]["/usr/local"] = free
    path = tmp_path / "small-disk.json"
    path.write_text(json.dumps(data))
    return str(path)


def run_plan(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "AI_CLI_SETUP_HOME": str(tmp_path / "app")}
    return subprocess.run(
        [sys.executable, "-m", "app", "plan", "--tools", "claude-code,gemini-cli", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_plan_warns_on_a_recorded_machine_with_a_small_disk(tmp_path):
    recording = small_disk_recording(tmp_path, 40 * MIB)
    text = run_plan(tmp_path, "--replay", recording)
    assert text.returncode == 0, text.stderr
    assert "Warning: Only 40 MB free at /usr/local; the plan downloads about" in text.stdout
    as_json = run_plan(tmp_path, "--replay", recording, "--format", "json")
    json.loads(as_json.stdout)  # the JSON stays JSON; the warning goes beside it
    assert "Warning: Only 40 MB free at /usr/local" in as_json.stderr
    roomy = run_plan(tmp_path, "--replay", small_disk_recording(tmp_path, 30 * 1024**3))
    assert roomy.returncode == 0 and "Warning" not in roomy.stdout + roomy.stderr


def test_install_warns_before_asking(tmp_path, capsys, run_async):
    runner = ScriptedRunner(linux_host())
    runner.on("node", "--version", output="v22.11.0\n")
    runner.on("npm", "--version", output="10.9.0\n")
    runner.on("npm", "prefix", "-g", output="/usr/local\n")
    prefix = str(tmp_path / "prefix")
    session = Session(runner, default_catalog(), Paths.from_env(os.environ))
    session.facts = FakeFacts(memory=8 * 1024**3, free={prefix: 25 * MIB, "/usr/local": 25 * MIB})
    args = argparse.Namespace(
        profile=None, resume=False, tools=["gemini-cli"], npm_prefix=prefix, uv=False,
        container_runtime=None, yes=False,
    )  # fmt: skip
    code = run_async(install_command.run(session, args))
    out = capsys.readouterr().out
    assert code == 2 and "Nothing was installed" in out  # not a terminal: it did not ask
    assert f"Warning: Only 25 MB free at {prefix}; the plan downloads about" in out
