"""All probes at once; a hung probe times out alone."""

import asyncio
from dataclasses import dataclass, field
from typing import ClassVar

from app.core.catalog import default_catalog
from app.core.detect import detect
from app.core.runner import Outcome
from tests.fakes import FakeFacts, ScriptedRunner, linux_host


def test_a_hung_command_times_out_alone_and_detection_completes(run_async):
    never = asyncio.Event()  # never set: `docker version` never finishes
    runner = ScriptedRunner(linux_host())
    runner.on("docker", "version", output="", gate=never)
    runner.on("node", "--version", output="v22.19.0\n")
    runner.on("npm", "--version", output="11.6.0\n")
    runner.on("git", "--version", output="git version 2.47.1\n")
    detection = run_async(detect(runner, default_catalog(), FakeFacts(), probe_timeout=0.5))
    assert "timed out" in detection.docker.summary
    assert detection.docker.present is False
    assert detection.docker.state == "unknown"  # not "absent": nothing was learnt
    evidence = detection.docker.evidence
    assert [e.status for e in evidence] == ["timeout"] * len(evidence)
    assert ("docker", "version", "--format", "{{json .}}") in [e.argv for e in evidence]
    # The other probes were not held up by it.
    assert detection.node.version == "22.19.0"
    assert detection.git.version == "2.47.1"
    assert "timed out" not in detection.gpu.summary


@dataclass
class CountingRunner(ScriptedRunner):
    """Every command waits until the test has seen enough of them running at once."""

    in_flight: int = 0
    peak: int = 0
    enough: asyncio.Event = field(default_factory=asyncio.Event)
    wanted: int = 10

    async def run(self, argv, **kwargs) -> Outcome:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        if self.in_flight >= self.wanted:
            self.enough.set()
        try:
            await asyncio.wait_for(self.enough.wait(), 0.5)
        except TimeoutError:
            pass
        finally:
            self.in_flight -= 1
        return await super().run(argv, **kwargs)


def test_probes_run_at_the_same_time(run_async):
    async def scenario():
        runner = CountingRunner(linux_host())
        detection = await detect(runner, default_catalog(), FakeFacts())
        return runner, detection

    runner, detection = run_async(scenario())
    # Sequential probes would never have more than one command in flight.
    assert runner.peak >= runner.wanted
    assert detection.node.summary == "Node.js is not installed"


def test_a_command_several_probes_need_runs_once(run_async):
    runner = ScriptedRunner(linux_host())
    runner.on("npm", "prefix", "-g", output="/usr/local\n")
    run_async(detect(runner, default_catalog(), FakeFacts()))
    # node, each tool and resources all read the global prefix: npm here is
    # too old for the combined `npm config get`, so it is asked once alone.
    assert runner.calls.count(("npm", "prefix", "-g")) == 1
    assert runner.calls.count(("npm", "config", "get", "prefix", "registry", "npm-version")) == 1


def test_a_probe_that_crashes_becomes_an_unknown_finding(run_async):
    class Broken(FakeFacts):
        def memory_total(self):
            raise RuntimeError("psutil exploded")

    runner = ScriptedRunner(linux_host())
    detection = run_async(detect(runner, default_catalog(), Broken()))
    assert "could not be checked" in detection.resources.summary
    assert detection.resources.present is False
    assert "psutil exploded" in detection.resources.evidence[0].excerpt
    assert detection.node.summary == "Node.js is not installed"


def test_a_plan_of_tools_alone_waits_for_no_runtime_gpu_or_site_but_npms_registry(run_async):
    from app.core.planner import Choices, findings_needed

    class Counting(FakeFacts):
        reached: ClassVar[list[str]] = []

        async def reach(self, url, timeout):
            self.reached.append(url)
            return await super().reach(url, timeout)

    runner = ScriptedRunner(linux_host())
    runner.on("node", "--version", output="v22.11.0\n")
    only = findings_needed(Choices(("claude-code", "codex-cli")))
    detection = run_async(detect(runner, default_catalog(), Counting(), only=only))
    programs = {argv[0] for argv in runner.calls}
    assert {"node", "npm", "git", "claude", "codex"} <= programs
    assert not programs & {"docker", "podman", "nvidia-smi", "lspci"}
    # The npm registry only: its silence is said before npm waits on it.
    assert Counting.reached == ["https://registry.npmjs.org/"]
    assert detection.node.version == "22.11.0"
    assert detection.docker.unknown and "not checked" in detection.docker.summary
    assert (
        set(detection.timings)
        == {key for key in detection.timings if key in only or key.split(".")[0] in only}
        and "podman" not in detection.timings
    )

    # A container runtime in the plan needs them all.
    runner = ScriptedRunner(linux_host())
    assert findings_needed(Choices(("claude-code",), container_runtime="podman")) is None
    run_async(detect(runner, default_catalog(), FakeFacts(), only=None))
    assert {"docker", "podman"} <= {argv[0] for argv in runner.calls}
