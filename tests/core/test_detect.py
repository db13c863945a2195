import pytest

from app.core.catalog import default_catalog
from app.core.detect import classify_docker, detect, detect_docker, prefix_is_writable
from app.core.host import Host
from app.core.runner import Outcome, ProcessRunner
from tests.fakes import ScriptedRunner, linux_host

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


@pytest.mark.parametrize(
    ("output", "code", "state"),
    [
        (DOCKER_DAEMON_DOWN, 1, "daemon-down"),
        (DOCKER_PERMISSION, 1, "permission-denied"),
        (DOCKER_RUNNING, 0, "running"),
        (
            "Client:\n Version: 27\nError response from daemon: check if the server supports the requested API version",
            1,
            "starting",
        ),
    ],
)
def test_docker_states_from_real_outputs(output, code, state):
    outcome = Outcome(("docker", "version"), "ok" if code == 0 else "failed", code, output)
    assert classify_docker(outcome) == state


def test_docker_absent_when_the_command_is_missing():
    assert classify_docker(Outcome(("docker", "version"), "not-found")) == "absent"


def test_docker_finding_names_context_socket_and_docker_host(run_async):
    runner = ScriptedRunner(linux_host(DOCKER_HOST="unix:///run/user/1000/docker.sock"))
    runner.on("docker", "version", output=DOCKER_DAEMON_DOWN, exit_code=1)
    finding = run_async(detect_docker(runner, runner.host))
    assert finding.state == "daemon-down"
    assert finding.version == "26.1.4"
    assert finding.context == "default"
    assert finding.docker_host == "unix:///run/user/1000/docker.sock"
    assert "unix:///var/run/docker.sock" in finding.summary
    assert finding.evidence[0].exit_code == 1


def test_recorded_machine_with_old_node_and_no_tools(run_async):
    runner = ScriptedRunner(linux_host())
    runner.on("node", "--version", output="v12.22.9\n")
    runner.on("npm", "--version", output="8.5.1\n")
    runner.on("npm", "prefix", "-g", output="/nonexistent-prefix-for-test\n")
    runner.on("git", "--version", output="git version 2.39.3 (Apple Git-146)\n")
    detection = run_async(detect(runner, default_catalog()))
    assert detection.node.version == "12.22.9"
    assert detection.node.npm_version == "8.5.1"
    assert detection.git.version == "2.39.3"
    assert detection.docker.state == "absent"
    assert detection.gpu.state == "none"
    assert not any(f.present for f in detection.tools.values())


def test_prefix_writability_walks_up_to_an_existing_folder(tmp_path):
    host = Host(system="linux")
    assert prefix_is_writable(str(tmp_path / "new" / "prefix"), host)


def test_this_machine_docker_client_without_daemon(run_async):
    """The development machine and CI: Docker client installed, no daemon."""
    host = Host.current()
    finding = run_async(detect_docker(ProcessRunner(host), host))
    if finding.state == "absent":
        pytest.skip("docker client not installed here")
    assert finding.state in {"daemon-down", "running", "permission-denied"}
    assert finding.version
