"""The user corrects a finding; the correction is visible and the evidence kept."""

import pytest

from app.core.catalog import default_catalog
from app.core.detect import Override, detect
from tests.fakes import FakeFacts, ScriptedRunner, linux_host


@pytest.fixture
def detection(run_async):
    runner = ScriptedRunner(linux_host())
    runner.on("node", "--version", output="v20.20.2\n")
    runner.on("npm", "--version", output="10.8.2\n")
    runner.on("npm", "prefix", "-g", output="/usr/local\n")
    runner.on(
        "docker",
        "version",
        output="Cannot connect to the Docker daemon at unix:///var/run/docker.sock.",
        exit_code=1,
    )
    return run_async(detect(runner, default_catalog(), FakeFacts()))


def test_override_changes_the_finding_and_keeps_the_evidence(detection):
    assert detection.docker.state == "daemon-down"
    changed = detection.with_overrides(
        {"docker": Override({"state": "running"}, "I start Docker Desktop before the workshop")}
    )
    docker = changed.docker
    assert docker.state == "running"
    assert docker.override == "I start Docker Desktop before the workshop"
    assert "set by you" in docker.summary and "daemon not reachable" in docker.summary
    assert docker.evidence == detection.docker.evidence
    assert detection.docker.state == "daemon-down"  # the original is untouched


def test_override_reaches_grouped_findings_and_the_plan_sees_it(detection):
    changed = detection.with_overrides(
        {
            "tools.claude-code": Override(
                {"present": True, "version": "2.1.197"}, "installed by IT"
            ),
            "node": Override({"prefix_writable": True}, "I own /usr/local"),
        }
    )
    assert (
        changed.tools["claude-code"].present and changed.tools["claude-code"].version == "2.1.197"
    )
    assert changed.by_key()["tools.claude-code"].override == "installed by IT"
    assert changed.node.prefix_writable is True
    assert changed.tools["gemini-cli"] == detection.tools["gemini-cli"]


@pytest.mark.parametrize(
    ("key", "values"),
    [("nonsense", {"present": True}), ("docker", {"colour": "blue"}), ("git", {"evidence": ()})],
)
def test_unknown_keys_and_fields_are_refused(detection, key, values):
    with pytest.raises(KeyError):
        detection.with_overrides({key: Override(values)})


def test_findings_read_at_a_glance_by_level():
    from app.core.detect import DockerFinding, GpuFinding, ReachFinding

    assert DockerFinding("Docker", True, state="daemon-down").level == "problem"
    assert DockerFinding("Docker", True, state="running").level == "ok"
    assert DockerFinding("Docker", False, state="absent").level == "missing"
    assert GpuFinding("GPU", False, state="none").level == "not-applicable"
    assert GpuFinding("GPU", False, state="nvidia-driver-mismatch").level == "problem"
    assert ReachFinding("npm registry", False, checked=False).level == "unknown"
    assert ReachFinding("npm registry", False).level == "problem"


def test_grouped_holds_every_finding_once_in_section_order(detection):
    sections = detection.grouped()
    keys = [key for _, members in sections for key, _ in members]
    assert sorted(keys) == sorted(detection.by_key())
    assert [group for group, _ in sections][:2] == ["computer", "prerequisites"]
