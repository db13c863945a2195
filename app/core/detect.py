"""What is on this machine, each finding with the evidence it rests on.

All probes run at once through the runner, each with its own timeout, so
one hung command never holds up the others.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from app.core.catalog import Catalog
from app.core.host import Host
from app.core.runner import Outcome, Runner

PROBE_TIMEOUT = 20.0


@dataclass(frozen=True)
class Evidence:
    """The command a finding rests on and what it printed."""

    argv: tuple[str, ...]
    exit_code: int | None
    excerpt: str
    status: str = "ok"

    @classmethod
    def of(cls, outcome: Outcome, limit: int = 12) -> Evidence:
        lines = outcome.lines
        excerpt = "\n".join(lines[:limit] + (["…"] if len(lines) > limit else []))
        return cls(outcome.argv, outcome.exit_code, excerpt, outcome.status)


@dataclass(frozen=True)
class Finding:
    """One fact: a tool present or absent, its version and where it is."""

    name: str
    present: bool
    version: str | None = None
    path: str | None = None
    summary: str = ""
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class NodeFinding(Finding):
    npm_version: str | None = None
    npm_prefix: str | None = None
    prefix_writable: bool = False


@dataclass(frozen=True)
class DockerFinding(Finding):
    # absent | cli-only | daemon-down | permission-denied | starting | running
    state: str = "absent"
    context: str | None = None
    docker_host: str | None = None
    server_version: str | None = None


@dataclass(frozen=True)
class GpuFinding(Finding):
    # none | nvidia | nvidia-driver-missing | other
    state: str = "none"


@dataclass(frozen=True)
class Detection:
    os_name: str
    system: str
    machine: str
    node: NodeFinding
    git: Finding
    docker: DockerFinding
    gpu: GpuFinding
    tools: Mapping[str, Finding] = field(default_factory=dict)

    def findings(self) -> list[Finding]:
        return [self.node, self.git, self.docker, self.gpu, *self.tools.values()]


def prefix_is_writable(prefix: str, host: Host) -> bool:
    """Whether npm could install into `prefix` without admin rights."""
    target = prefix if host.is_windows else os.path.join(prefix, "lib", "node_modules")
    probe = target
    while probe and not os.path.exists(probe):
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    return bool(probe) and os.access(probe, os.W_OK)


def _first_version(pattern: str, text: str) -> str | None:
    match = re.search(pattern, text, re.M)
    return match.group(1) if match else None


async def detect_node(runner: Runner, host: Host) -> NodeFinding:
    node, npm = await asyncio.gather(
        runner.run(["node", "--version"], timeout=PROBE_TIMEOUT),
        runner.run(["npm", "--version"], timeout=PROBE_TIMEOUT),
    )
    prefix_out = None
    if npm.ok:
        prefix_out = await runner.run(["npm", "prefix", "-g"], timeout=PROBE_TIMEOUT)
    version = _first_version(r"^v?(\d+\.\d+\.\d+)", node.output) if node.ok else None
    npm_version = _first_version(r"^(\d+\.\d+\.\d+)", npm.output) if npm.ok else None
    prefix = prefix_out.output.strip().splitlines()[-1] if prefix_out and prefix_out.ok else None
    writable = prefix_is_writable(prefix, host) if prefix else False
    evidence = [Evidence.of(node), Evidence.of(npm)]
    if prefix_out is not None:
        evidence.append(Evidence.of(prefix_out))
    if version:
        where = f"; npm {npm_version}, global prefix {prefix}" if npm_version else "; npm missing"
        rights = " (writable)" if writable else " (not writable without admin rights)"
        summary = f"Node.js {version}{where}{rights if prefix else ''}"
    else:
        summary = "Node.js is not installed"
    return NodeFinding(
        name="Node.js",
        present=version is not None,
        version=version,
        path=node.executable,
        summary=summary,
        evidence=tuple(evidence),
        npm_version=npm_version,
        npm_prefix=prefix,
        prefix_writable=writable,
    )


async def detect_git(runner: Runner) -> Finding:
    out = await runner.run(["git", "--version"], timeout=PROBE_TIMEOUT)
    version = (
        _first_version(r"^(?:git version )?(\d+\.\d+(?:\.\d+)?)", out.output) if out.ok else None
    )
    summary = f"git {version}" if version else "git is not installed"
    if out.status == "failed" and "xcode-select" in out.output:
        summary = "git needs Apple's Command Line Tools, which are not installed"
    return Finding(
        "git", version is not None, version, out.executable, summary, (Evidence.of(out),)
    )


def classify_docker(version: Outcome) -> str:
    """The Docker state that `docker version` output shows."""
    text = version.output
    if version.status == "not-found":
        return "absent"
    if re.search(r"permission denied while trying to connect", text, re.I):
        return "permission-denied"
    if re.search(r"^Server:", text, re.M) and version.ok:
        return "running"
    if re.search(r"check if the server supports|500 Internal Server Error", text):
        return "starting"
    if re.search(
        r"Cannot connect to the Docker daemon|error during connect|pipe/docker_engine", text
    ):
        return "daemon-down"
    if re.search(r"^Client:", text, re.M):
        return "daemon-down" if not version.ok else "cli-only"
    return "cli-only"


_DOCKER_SUMMARY = {
    "absent": "Docker is not installed",
    "cli-only": "Docker client found; its daemon did not answer",
    "daemon-down": "Docker installed, daemon not reachable",
    "permission-denied": "Docker daemon running, but your user may not use it",
    "starting": "Docker is starting; try again in a moment",
    "running": "Docker is installed and running",
}


async def detect_docker(runner: Runner, host: Host) -> DockerFinding:
    out = await runner.run(["docker", "version"], timeout=PROBE_TIMEOUT)
    state = classify_docker(out)
    client = _first_version(r"^Client:.*?\n\s*Version:\s*(\S+)", out.output) if out.output else None
    if client is None:
        client = _first_version(r"^\s*Version:\s*(\S+)", out.output)
    server = _first_version(r"^Server:[^\n]*\n(?:.*\n)*?\s*Version:\s*(\S+)", out.output)
    context = _first_version(r"^\s*Context:\s*(\S+)", out.output)
    socket = _first_version(r"daemon (?:socket )?at ((?:unix|tcp|npipe)://\S+?)[.:]?\s", out.output)
    summary = _DOCKER_SUMMARY[state]
    if state == "daemon-down" and socket:
        summary += f" (tried {socket})"
    return DockerFinding(
        name="Docker",
        present=state != "absent",
        version=client,
        path=out.executable,
        summary=summary,
        evidence=(Evidence.of(out, limit=20),),
        state=state,
        context=context,
        docker_host=host.env.get("DOCKER_HOST"),
        server_version=server if state == "running" else None,
    )


async def detect_gpu(runner: Runner) -> GpuFinding:
    smi = await runner.run(
        ["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
        timeout=PROBE_TIMEOUT,
    )
    if smi.ok and smi.output.strip():
        name = smi.lines[0].split(",")[0].strip()
        driver = smi.lines[0].split(",")[1].strip() if "," in smi.lines[0] else None
        return GpuFinding(
            "GPU",
            True,
            driver,
            smi.executable,
            f"NVIDIA {name}" if "NVIDIA" not in name else name,
            (Evidence.of(smi),),
            state="nvidia",
        )
    if smi.status == "not-found":
        return GpuFinding(
            "GPU",
            False,
            None,
            None,
            "No NVIDIA GPU driver found",
            (Evidence.of(smi),),
            state="none",
        )
    return GpuFinding(
        "GPU",
        False,
        None,
        smi.executable,
        "nvidia-smi could not talk to a GPU driver",
        (Evidence.of(smi),),
        state="nvidia-driver-missing",
    )


async def detect_tool(
    runner: Runner, tool_id: str, catalog: Catalog, extra_dirs: tuple[str, ...] = ()
) -> Finding:
    tool = catalog.tool(tool_id)
    out = await runner.run(
        [tool.command, "--version"], timeout=PROBE_TIMEOUT, extra_dirs=extra_dirs
    )
    version = tool.parse_version(out.output) if out.ok else None
    if out.status == "not-found":
        summary = f"{tool.name} is not installed"
    elif version:
        summary = f"{tool.name} {version}"
    else:
        summary = f"{tool.name} found at {out.executable}, but it did not report a version"
    return Finding(
        tool.name, out.status != "not-found", version, out.executable, summary, (Evidence.of(out),)
    )


async def detect(runner: Runner, catalog: Catalog) -> Detection:
    """Run every probe at once and gather the findings."""
    host = runner.host
    node, git, docker, gpu, *tools = await asyncio.gather(
        detect_node(runner, host),
        detect_git(runner),
        detect_docker(runner, host),
        detect_gpu(runner),
        *(detect_tool(runner, tool_id, catalog) for tool_id in catalog.tools),
    )
    return Detection(
        os_name=host.pretty_name,
        system=host.system,
        machine=host.machine,
        node=node,
        git=git,
        docker=docker,
        gpu=gpu,
        tools=dict(zip(catalog.tools, tools, strict=True)),
    )
