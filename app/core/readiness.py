"""Is this machine ready for a profile? Read-only checks, one line each.

Nothing here installs or changes anything: it detects, runs each tool's
`--version`, and compares what it finds with what the profile asks for.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

from app.core.detect import Detection
from app.core.profile import Profile
from app.core.recommend import DEFAULT_SCENARIO
from app.core.session import Session
from app.core.verify import Verification, verify_tool
from app.core.versions import at_least


@dataclass(frozen=True)
class Requirement:
    """One thing the profile needs, and whether this machine has it."""

    name: str
    passed: bool
    detail: str = ""
    fix: str = ""


@dataclass(frozen=True)
class Readiness:
    profile: str
    npm_prefix: str
    requirements: tuple[Requirement, ...]

    @property
    def ready(self) -> bool:
        return all(r.passed for r in self.requirements)


def _node_needed(session: Session, profile: Profile) -> str:
    floors = [session.catalog.tool(t).node_floor for t in profile.tool_ids]
    if profile.node_min:
        floors.append(profile.node_min)
    needed = "0"
    for floor in floors:
        if at_least(floor, needed):
            needed = floor
    return needed


def _node_requirements(detection: Detection, needed: str) -> list[Requirement]:
    node = detection.node
    found = f"found {node.version} at {node.path}" if node.present else "not found"
    node_ok = node.present and at_least(node.version, needed)
    npm_ok = bool(node.npm_version)
    return [
        Requirement(
            f"Node.js >= {needed}",
            node_ok,
            found,
            "" if node_ok else f"Install Node.js {needed} or newer (the LTS release).",
        ),
        Requirement(
            "npm",
            npm_ok,
            f"npm {node.npm_version}" if npm_ok else "npm was not found next to Node.js",
            "" if npm_ok else "Reinstall Node.js; npm comes with it.",
        ),
    ]


def _tool_requirements(profile: Profile, tool_id: str, result: Verification) -> list[Requirement]:
    """Installed, at the profile's version, and on PATH; one row each."""
    choice = profile.choice(tool_id)
    name = result.name
    install = f"ai-cli-setup install --profile {profile.source} --yes"
    if not result.passed:
        rows = [Requirement(f"{name} installed", False, result.message, install)]
        if choice and choice.version:
            rows.append(Requirement(f"{name} is version {choice.version}", False, "not installed"))
        if choice and choice.min_version:
            rows.append(Requirement(f"{name} >= {choice.min_version}", False, "not installed"))
        return [*rows, Requirement(f"{name} on PATH", False, "not installed")]
    rows = [Requirement(f"{name} installed", True, f"{result.version} at {result.path}")]
    if choice and choice.version:
        ok = result.version == choice.version
        rows.append(
            Requirement(
                f"{name} is version {choice.version}",
                ok,
                f"found {result.version}",
                "" if ok else install,
            )
        )
    if choice and choice.min_version:
        ok = at_least(result.version, choice.min_version)
        rows.append(
            Requirement(
                f"{name} >= {choice.min_version}",
                ok,
                f"found {result.version}",
                "" if ok else install,
            )
        )
    on_path = result.status == "ok"
    rows.append(
        Requirement(
            f"{name} on PATH",
            on_path,
            f"`{result.path}`" if on_path else result.message,
            "" if on_path else result.fix,
        )
    )
    return rows


def _runtime_requirement(session: Session, detection: Detection, profile: Profile) -> Requirement:
    """The profile's runtime, or with "auto" the one recommended here, and whether it works."""
    wanted = profile.runtime
    if wanted == "none":
        return Requirement(
            "container runtime: none chosen", True, "the profile sets runtime = none"
        )
    if wanted == "auto":
        scenario = profile.scenario or DEFAULT_SCENARIO
        wanted = session.container_runtime(profile.tool_ids, scenario).runtime
    if wanted == "docker":
        docker_ok = detection.docker.state == "running"
        return Requirement(
            "container runtime: Docker running",
            docker_ok,
            detection.docker.summary,
            "" if docker_ok else "Start Docker (Docker Desktop, or: sudo systemctl start docker).",
        )
    podman = detection.podman
    podman_ok = podman is not None and podman.state == "running"
    return Requirement(
        "container runtime: Podman",
        podman_ok,
        podman.summary if podman is not None else "Podman was not checked",
        ""
        if podman_ok
        else "Install Podman (see the guide's container runtime section)."
        if podman is None or not podman.present
        else "Start Podman (on macOS and Windows: podman machine start).",
    )


async def check_readiness(
    session: Session, profile: Profile, prefix: str | None = None
) -> Readiness:
    """Every requirement of `profile` on this machine, without changing anything."""
    detection = await session.detect()
    prefix = prefix or profile.npm_prefix or session.default_prefix()
    rows = _node_requirements(detection, _node_needed(session, profile))
    results = await asyncio.gather(
        *(verify_tool(session.runner, session.catalog, t, prefix) for t in profile.tool_ids)
    )
    for tool_id, result in zip(profile.tool_ids, results, strict=True):
        rows += _tool_requirements(profile, tool_id, result)
    ca_file = profile.network.ca_file
    if ca_file:
        readable = os.path.isfile(ca_file) and os.access(ca_file, os.R_OK)
        rows.append(
            Requirement(
                "corporate CA file readable",
                readable,
                ca_file,
                "" if readable else "Copy your organisation's CA file to this path.",
            )
        )
    if profile.containers:
        rows.append(_runtime_requirement(session, detection, profile))
    return Readiness(profile.source, prefix, tuple(rows))
