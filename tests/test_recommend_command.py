"""`ai-cli-setup recommend`, run as a user runs it: a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import REPO


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", "recommend", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
        stdin=subprocess.DEVNULL,
    )


def test_list_prints_scenario_ids_first_one_a_line():
    result = cli("--list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 12
    assert lines[7] == "kubernetes\tKubernetes workflows"
    assert all(line.split("\t")[0].islower() for line in lines)


def test_kubernetes_on_linux_names_podman():
    result = cli("--scenario", "kubernetes", "--os", "linux")
    assert result.returncode == 0, result.stderr
    assert "Recommendation: podman\n" in result.stdout
    assert "Why: podman, because the guide's Recommendation Summary gives “podman”" in result.stdout
    assert "apt-get install -y podman podman-compose" in result.stdout


def test_json_for_another_system():
    result = cli(
        "--scenario", "single-container", "--os", "macos", "--tools", "gemini-cli", "--json"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["machine"]["os"] == "macos"
    rec = data["recommendation"]
    assert rec["runtime"] == "apple-container"
    assert [p["step_id"] for p in rec["installs"]] == ["apple-container.pkg", "gemini-cli.brew"]
    assert {c["passed"] for c in rec["checks"]} == {None}  # not checked: another system


def test_this_machine_uses_detection():
    result = cli("--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["machine"]["os"] == "linux"
    assert data["recommendation"]["scenario_id"] == "isolated-ai-clis"
    assert data["recommendation"]["reason"].endswith(".")


def test_unknown_scenario_is_bad_usage():
    result = cli("--scenario", "kubernets")
    assert result.returncode == 2
    assert "unknown scenario 'kubernets'" in result.stderr
    assert "kubernetes" in result.stderr


def test_a_cli_the_guide_installs_another_way_says_the_app_uses_npm():
    """Claude Code's official installer on Linux is the guide's; `install` uses npm."""
    result = cli("--scenario", "isolated-ai-clis", "--os", "linux")
    assert result.returncode == 0, result.stderr
    assert "Claude Code: Official installer (auto-updates) [claude-code.native]" in result.stdout
    assert (
        "  (Claude Code: the guide's way by hand; `ai-cli-setup install` and the wizard use npm"
        in result.stdout
    )
    assert "Gemini CLI: the guide's way" not in result.stdout  # its guide method is npm already
