import json
import subprocess

import pytest

from app.cli import main
from app.core.catalog import default_catalog
from app.core.detect import LiveFacts, classify_docker, detect, npm_prefix_problem
from app.core.detect.probes import ProbeContext, probe_docker
from app.core.host import Host
from app.core.runner import Outcome, ProcessRunner
from tests.fakes import FakeFacts, ScriptedRunner, linux_host

DOCKER_DAEMON_DOWN = """Client:
 Version:           26.1.4
 API version:       1.45
 Context:           default
Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?
"""
DOCKER_PERMISSION = """Client:
 Version:           19.03.9-ce
 API version:       1.40
Got permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get "http://%2Fvar%2Frun%2Fdocker.soc: dial unix /var/run/docker.sock: connect: permission denied
"""
DOCKER_RUNNING = """Client:
 Version:           28.3.0
 Context:           desktop-linux

Server: Docker Desktop 4.43.0 (198134)
 Engine:
  Version:          28.3.0
"""
# `docker version --format '{{json .}}'` on the development machine (no daemon), verbatim.
DOCKER_JSON_DOWN = (
    '{"Client":{"Version":"28.2.2","ApiVersion":"1.50","DefaultAPIVersion":"1.50",'
    '"GitCommit":"e6534b4","GoVersion":"go1.24.3","Os":"linux","Arch":"amd64",'
    '"BuildTime":"Fri May 30 12:07:14 2025","Context":"default"},"Server":null}\n'
    "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?"
)
DOCKER_JSON_UP = (
    '{"Client":{"Version":"28.3.0","Context":"desktop-linux"},'
    '"Server":{"Platform":{"Name":"Docker Desktop 4.25.2"},"Version":"master"}}'
)
JSON_ARGV = ("docker", "version", "--format", "{{json .}}")


def _ctx(runner, facts=None):
    return ProbeContext(runner, facts or FakeFacts(), default_catalog())


@pytest.mark.parametrize(
    ("output", "code", "state"),
    [
        (DOCKER_DAEMON_DOWN, 1, "daemon-down"),
        (DOCKER_PERMISSION, 1, "permission-denied"),
        (DOCKER_RUNNING, 0, "running"),
        (DOCKER_JSON_DOWN, 1, "daemon-down"),
        (DOCKER_JSON_UP, 0, "running"),
        (
            "Client:\n Version: 27\nError response from daemon: check if the server supports the requested API version",
            1,
            "starting",
        ),
    ],
)
def test_docker_states_from_real_outputs(output, code, state):
    outcome = Outcome(JSON_ARGV, "ok" if code == 0 else "failed", code, output)
    assert classify_docker(outcome) == state


def test_docker_absent_when_the_command_is_missing():
    assert classify_docker(Outcome(("docker", "version"), "not-found")) == "absent"


def test_docker_json_answer_gives_versions_and_context(run_async):
    runner = ScriptedRunner(linux_host())
    runner.on(*JSON_ARGV, output=DOCKER_JSON_UP)
    finding = run_async(probe_docker(_ctx(runner)))
    assert (finding.state, finding.version, finding.server_version) == (
        "running",
        "28.3.0",
        "master",  # Docker Desktop 4.25.2 really says "master": not semver, kept as is
    )
    assert finding.context == "desktop-linux"
    assert ("docker", "version") not in runner.calls  # no text fallback needed


def test_docker_falls_back_to_text_and_names_context_socket_and_docker_host(run_async):
    runner = ScriptedRunner(linux_host(DOCKER_HOST="unix:///run/user/1000/docker.sock"))
    runner.on(*JSON_ARGV, output="Cannot connect to the Docker daemon", exit_code=1)
    runner.on("docker", "version", output=DOCKER_DAEMON_DOWN, exit_code=1)
    finding = run_async(probe_docker(_ctx(runner)))
    assert finding.state == "daemon-down"
    assert finding.version == "26.1.4"
    assert finding.context == "default"
    assert finding.docker_host == "unix:///run/user/1000/docker.sock"
    assert "unix:///var/run/docker.sock" in finding.summary
    assert [e.argv for e in finding.evidence][:2] == [JSON_ARGV, ("docker", "version")]
    assert finding.evidence[1].exit_code == 1
    assert "Cannot connect" in finding.evidence[1].excerpt


@pytest.mark.parametrize(
    ("members", "pending"), [("docker:x:999:alice", True), ("docker:x:999:", False)]
)
def test_permission_denied_tells_a_pending_relogin_apart(run_async, members, pending):
    # C15: in the docker group per /etc/group, but not in this login's groups.
    runner = ScriptedRunner(linux_host(USER="alice"))
    runner.on(*JSON_ARGV, output=DOCKER_PERMISSION, exit_code=1)
    runner.on("id", "-nG", output="alice adm sudo\n")
    runner.on("getent", "group", "docker", output=members + "\n")
    finding = run_async(probe_docker(_ctx(runner)))
    assert finding.state == "permission-denied"
    assert finding.relogin_pending is pending
    assert ("log out and back in" in finding.summary) is True
    assert any(e.argv == ("getent", "group", "docker") for e in finding.evidence)


def test_recorded_machine_with_old_node_and_no_tools(run_async):
    runner = ScriptedRunner(linux_host())
    runner.on("node", "--version", output="v12.22.9\n")
    runner.on("npm", "--version", output="8.5.1\n")
    runner.on("npm", "prefix", "-g", output="/nonexistent-prefix-for-test\n")
    runner.on("git", "--version", output="git version 2.39.3 (Apple Git-146)\n")
    detection = run_async(detect(runner, default_catalog()))
    assert detection.node.version == "12.22.9"
    assert detection.node.npm_version == "8.5.1"
    assert detection.node.prefix_writable is False
    assert detection.git.version == "2.39.3"
    assert detection.docker.state == "absent"
    assert detection.gpu.state == "none"
    assert not any(f.present for f in detection.tools.values())
    assert all(f.evidence for f in detection.findings())


def test_prefix_writability_walks_up_to_an_existing_folder(tmp_path):
    host = Host(system="linux")
    assert npm_prefix_problem(str(tmp_path / "new" / "prefix"), host) == ""


@pytest.mark.parametrize("under", ["", "sub"])
def test_a_prefix_that_is_or_is_under_a_file_is_not_writable(tmp_path, under):
    # Root may write to a file; npm still cannot make a folder in it (ENOTDIR).
    (tmp_path / "notes.txt").write_text("x")
    prefix = tmp_path / "notes.txt" / under if under else tmp_path / "notes.txt"
    host = Host(system="linux")
    assert (
        npm_prefix_problem(str(prefix), host) == f"{tmp_path / 'notes.txt'} is a file, not a folder"
    )
    assert not LiveFacts(host).writable(str(prefix / "lib" / "node_modules"))


def test_a_prefix_on_a_read_only_disk_says_so_not_admin_rights(tmp_path):
    # Root may write anywhere but on a read-only mount: "admin rights" would send it astray.
    disk = tmp_path / "ro"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a read-only tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        problem = npm_prefix_problem(str(disk / "npm"), Host(system="linux"))
    finally:
        subprocess.run(["umount", str(disk)], check=True)
    assert problem == f"{disk} is on a read-only disk"


@pytest.mark.parametrize(
    ("system", "prefix", "why"),
    [
        ("linux", "/home/ada/my:npm", "its name holds ':'"),
        ("darwin", "/tmp/npm\ntouch /tmp/owned;#", "line break"),
        ("windows", "C:\\Users\\ada\\a;b", "its name holds ';'"),
    ],
)
def test_a_prefix_whose_name_cannot_go_on_path_is_refused_even_when_recorded(system, prefix, why):
    live = npm_prefix_problem(prefix, Host(system=system))
    recorded = npm_prefix_problem(prefix, Host(system=system, executables=frozenset()))
    assert why in live and live == recorded
    assert live.endswith("so no terminal could find the tools installed there")
    # A colon is only a separator off Windows ("C:" starts every Windows path).
    windows = Host(system="windows", executables=frozenset())
    assert npm_prefix_problem("C:\\Users\\ada\\npm", windows) == ""


def test_this_machine_docker_client_without_daemon(run_async):
    """The development machine and CI: Docker client installed, no daemon."""
    host = Host.current()
    finding = run_async(probe_docker(_ctx(ProcessRunner(host))))
    if finding.state == "absent":
        pytest.skip("docker client not installed here")
    assert finding.state in {"daemon-down", "running", "permission-denied"}
    assert finding.version


def test_detect_json_on_this_machine(capsys):
    """Done means: Docker installed with the daemon unreachable, Node with prefix, no GPU."""
    assert main(["detect", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    docker, node, gpu = data["docker"], data["node"], data["gpu"]
    if docker["state"] == "absent":
        pytest.skip("docker client not installed here")
    assert docker["present"] is True
    assert docker["state"] == "daemon-down"
    assert docker["evidence"][0]["argv"] == list(JSON_ARGV)
    assert docker["evidence"][0]["exit_code"] == 1
    assert "Cannot connect to the Docker daemon" in docker["evidence"][0]["excerpt"]
    assert node["present"] and node["npm_version"] and node["npm_prefix"]
    assert isinstance(node["prefix_writable"], bool)
    assert gpu["state"] in ("none", "other") and gpu["nvidia"] == "missing"
    assert data["resources"]["memory_bytes"] > 0
