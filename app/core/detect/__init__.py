"""What is on this machine, each finding with the evidence it rests on.

All probes run at once, each with its own time limit, so one hung command
never holds up the others: its finding says "timed out" and the rest stand.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Collection, Sequence
from typing import Any

from app.core.catalog import Catalog
from app.core.detect.facts import Facts, LiveFacts, NoFacts, nearest_existing
from app.core.detect.model import (
    AppleContainerFinding,
    Detection,
    DockerFinding,
    Evidence,
    Finding,
    GpuAdapter,
    GpuFinding,
    NodeFinding,
    OsFinding,
    Override,
    PodmanFinding,
    ReachFinding,
    ResourcesFinding,
    ToolFinding,
)
from app.core.detect.probes import (
    Probe,
    ProbeContext,
    all_probes,
    classify_docker,
    windows_name,
)
from app.core.host import Host
from app.core.runner import Runner

__all__ = [
    "AppleContainerFinding",
    "Detection",
    "DockerFinding",
    "Evidence",
    "Facts",
    "Finding",
    "GpuAdapter",
    "GpuFinding",
    "LiveFacts",
    "NoFacts",
    "NodeFinding",
    "OsFinding",
    "Override",
    "PodmanFinding",
    "ReachFinding",
    "ResourcesFinding",
    "ToolFinding",
    "classify_docker",
    "detect",
    "npm_prefix_problem",
]

PROBE_TIMEOUT = 20.0


def npm_prefix_problem(prefix: str, host: Host) -> str:
    """Why npm could not usefully install into `prefix` here; "" when it could.

    Its name is checked on any machine (the tools' folder must be able to go on
    PATH); the file system only on a live one.
    """
    named = host.path_folder_problem(host.npm_bin_dir(prefix))
    if named:
        return f"{named}, so no terminal could find the tools installed there"
    if host.is_recorded:
        return ""
    target = prefix if host.is_windows else host.join(prefix, "lib", "node_modules")
    existing = nearest_existing(target)
    if existing is not None and not os.path.isdir(existing):
        return f"{existing} is a file, not a folder"
    if not LiveFacts(host).writable(target):
        if existing is not None and _read_only_disk(existing):
            return f"{existing} is on a read-only disk"
        return "writing there needs admin rights"
    return ""


def _read_only_disk(path: str) -> bool:
    """Whether `path` is on a file system mounted read-only (where the OS can tell)."""
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (AttributeError, OSError):  # no statvfs on Windows
        return False


def _unknown(probe: Probe, summary: str, evidence: tuple[Evidence, ...]) -> Finding:
    """A finding that could not be made: never "absent", which would be a claim."""
    extra = {"state": "unknown"} if "state" in probe.kind.__dataclass_fields__ else {}
    return probe.kind(name=probe.name, present=False, summary=summary, evidence=evidence, **extra)


def _timed_out(probe: Probe, ctx: ProbeContext, limit: float) -> Finding:
    evidence = tuple(
        Evidence(argv, None, f"no answer within {limit:g} s", "timeout")
        for argv in sorted(ctx.pending)
    ) or (Evidence(("(probe)", probe.key), None, f"no answer within {limit:g} s", "timeout"),)
    summary = f"{probe.name}: timed out after {limit:g} s, so this is unknown"
    return _unknown(probe, summary, evidence)


def _crashed(probe: Probe, exc: Exception) -> Finding:
    # A probe bug must not sink detection; it becomes an "unknown" finding.
    text = f"{type(exc).__name__}: {exc}"
    evidence = (Evidence(("(probe)", probe.key), None, text, "error"),)
    summary = f"{probe.name}: could not be checked ({text})"
    return _unknown(probe, summary, evidence)


async def _timed(probe: Probe, ctx: ProbeContext, limit: float) -> tuple[Finding, float]:
    started = time.monotonic()
    try:
        finding = await asyncio.wait_for(probe.run(ctx), limit)
    except TimeoutError:
        finding = _timed_out(probe, ctx, limit)
    except Exception as exc:
        finding = _crashed(probe, exc)
    return finding, time.monotonic() - started


async def detect(
    runner: Runner,
    catalog: Catalog,
    facts: Facts | None = None,
    *,
    probe_timeout: float = PROBE_TIMEOUT,
    command_timeout: float | None = None,
    only: Collection[str] | None = None,
    prefixes: Sequence[str] = (),
) -> Detection:
    """Run every probe at once and gather the findings.

    `facts` answers questions that need no command (memory, disk, HTTP);
    without it those findings say "not checked". `only` names the probes to
    run, by key ("node") or group ("tools"); the others say "not checked".
    `prefixes` are npm prefixes of the user's choosing where a CLI that PATH
    misses may be installed.
    """
    host = runner.host
    ctx = ProbeContext(
        runner,
        facts or NoFacts(),
        catalog,
        command_timeout or min(15.0, probe_timeout),
        tuple(prefixes),
    )
    probes = all_probes(catalog, host)
    asked = [p for p in probes if only is None or p.key in only or p.key.split(".")[0] in only]
    try:
        results = await asyncio.gather(
            *(_timed(probe, ctx.for_probe(), probe_timeout) for probe in asked)
        )
    finally:
        ctx.cancel()
    made = {probe.key: result for probe, result in zip(asked, results, strict=True)}
    found: dict[str, Finding] = {}
    for probe in probes:  # in the order findings are shown
        if probe.key in made:
            found[probe.key] = made[probe.key][0]
        else:
            summary = f"{probe.name}: not checked (not needed for this)"
            evidence = (Evidence(("(probe)", probe.key), None, "not asked", "not-checked"),)
            found[probe.key] = _unknown(probe, summary, evidence)
    timings = {key: took for key, (_, took) in made.items()}
    groups: dict[str, dict[str, Any]] = {
        "tools": {},
        "package_managers": {},
        "node_managers": {},
        "reach": {},
    }
    for key, finding in found.items():
        if "." in key:
            group, name = key.split(".", 1)
            groups[group][name] = finding
    os_finding = found["os"]
    return Detection(
        os_name=_os_name(host, os_finding),
        system=host.system,
        machine=host.machine,
        node=found["node"],  # type: ignore[arg-type]
        git=found["git"],
        docker=found["docker"],  # type: ignore[arg-type]
        gpu=found["gpu"],  # type: ignore[arg-type]
        tools=groups["tools"],
        os=os_finding,  # type: ignore[arg-type]
        package_managers=groups["package_managers"],
        node_managers=groups["node_managers"],
        podman=found["podman"],  # type: ignore[arg-type]
        apple_container=found["apple_container"],  # type: ignore[arg-type]
        resources=found["resources"],  # type: ignore[arg-type]
        reach=groups["reach"],
        timings=timings,
    )


def _os_name(host: Host, finding: Finding) -> str:
    if isinstance(finding, OsFinding) and finding.system == "darwin" and finding.version:
        return f"macOS {finding.version}"
    if isinstance(finding, OsFinding) and finding.system == "windows":
        return windows_name(int(finding.build) if finding.build else None)
    return host.pretty_name
