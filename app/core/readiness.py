"""Is this machine ready for a profile? Read-only checks, one line each.

Nothing here installs or changes anything: it detects, runs each tool's
`--version`, and compares what it finds with what the profile asks for.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

from app.core.detect import Detection
from app.core.host import Host
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
    """The oldest Node.js the profile's tools run on: a pinned release's own need (its
    engines.node, as the registry said) where known, else the catalog's floor."""
    floors = []
    for tool_id in profile.tool_ids:
        pin = session.pins.get(tool_id)
        choice = profile.choice(tool_id)
        pinned = pin is not None and choice is not None and pin.version == choice.version
        own = pin.node if pinned and pin is not None else ""
        floors.append(own or session.catalog.tool(tool_id).node_floor)
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


def _tool_requirements(
    host: Host, profile: Profile, tool_id: str, result: Verification
) -> list[Requirement]:
    """Installed, at the profile's version, and on PATH; one row each."""
    choice = profile.choice(tool_id)
    name = result.name
    install = host.command_line(["ai-cli-setup", "install", "--profile", profile.source, "--yes"])
    if result.status == "missing":
        rows = [Requirement(f"{name} installed", False, result.message, install)]
        if choice and choice.version:
            rows.append(Requirement(f"{name} is version {choice.version}", False, "not installed"))
        if choice and choice.min_version:
            rows.append(Requirement(f"{name} >= {choice.min_version}", False, "not installed"))
        return [*rows, Requirement(f"{name} on PATH", False, "not installed")]
    if not result.passed:
        # Installed, but it does not work here (a newer Node.js needed, broken, too old):
        # say so on every row, with the fix verification found, never "not installed".
        found = f"{result.version} at {result.path}" if result.version else f"at {result.path}"
        unusable = f"installed ({found}) but not usable: {result.message}"
        fix = result.fix or install
        if result.status == "node-too-old":
            fix = f"{install} (it upgrades Node.js first)"
        rows = [Requirement(f"{name} installed", False, unusable, fix)]
        if choice and choice.version:
            rows.append(_unusable_row(f"{name} is version {choice.version}", result))
        if choice and choice.min_version:
            rows.append(_unusable_row(f"{name} >= {choice.min_version}", result))
        where = f"`{result.path}` is on PATH" if result.on_path else "not on PATH"
        rows.append(Requirement(f"{name} on PATH", False, f"{where}; not usable (see above)"))
        return rows
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


def _unusable_row(name: str, result: Verification) -> Requirement:
    """A version requirement of a tool that is installed but does not work here."""
    found = f"found {result.version}" if result.version else "its version is not known"
    return Requirement(name, False, f"{found}, installed but not usable (see above)")


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
    results = list(
        await asyncio.gather(
            *(verify_tool(session.runner, session.catalog, t, prefix) for t in profile.tool_ids)
        )
    )
    off_path = [i for i, r in enumerate(results) if r.status == "not-on-path"]
    if off_path:
        # Not on this terminal's PATH, yet perhaps on a new terminal's (after `verify
        # --fix-path` in this one): then it is on PATH, as `verify` says, not a fix to loop on.
        fresh = await session.fresh_path()
        again = await asyncio.gather(
            *(
                verify_tool(session.runner, session.catalog, profile.tool_ids[i], prefix, fresh)
                for i in off_path
            )
        )
        for i, result in zip(off_path, again, strict=True):
            if result.status == "ok":
                results[i] = result
    for tool_id, result in zip(profile.tool_ids, results, strict=True):
        rows += _tool_requirements(session.host, profile, tool_id, result)
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
