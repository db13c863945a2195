"""Detection wall time against its slowest probe and the sum of its probes, on this machine."""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.core.catalog import default_catalog
from app.core.detect import LiveFacts, detect
from app.core.detect.probes import ProbeContext, all_probes
from app.core.host import Host
from app.core.runner import ProcessRunner

ROUNDS = 5


async def _concurrent(
    runner: ProcessRunner, facts: LiveFacts, only: list[str] | None = None
) -> tuple[float, float]:
    """Wall time of one detection, and its slowest probe as timed inside it."""
    started = time.monotonic()
    detection = await detect(runner, default_catalog(), facts, only=only)
    wall = time.monotonic() - started
    return wall, max(detection.timings.values())


async def _one_by_one(runner: ProcessRunner, facts: LiveFacts) -> dict[str, float]:
    """Each probe run alone, one after another, with its own commands."""
    took = {}
    for probe in all_probes(default_catalog(), runner.host):
        ctx = ProbeContext(runner, facts, default_catalog())
        started = time.monotonic()
        await probe.run(ctx)
        took[probe.key] = time.monotonic() - started
    return took


def _row(measure: str, value: float, unit: str, target: str = "") -> dict:
    ok = None
    if target.startswith("<="):
        ok = value <= float(target[2:])
    return {
        "benchmark": "detect",
        "measure": measure,
        "value": round(value, 3),
        "unit": unit,
        "target": target,
        "ok": ok,
    }


def measure() -> list[dict]:
    host = Host.current()
    runner = ProcessRunner(host)
    facts = LiveFacts(host)
    asyncio.run(_concurrent(runner, facts))  # warm-up: caches, first imports
    # Where the time over the slowest probe goes: the same detection without the
    # HTTPS reachability checks (their TLS set-up is CPU in this process).
    offline = [p.key for p in all_probes(default_catalog(), host) if not p.key.startswith("reach.")]
    walls, slowest, alone_max, alone_sum, offline_walls = [], [], [], [], []
    # Each round runs detection, then every probe alone: both sides of a
    # ratio see the same load on a shared machine.
    for _ in range(ROUNDS):
        wall, slow = asyncio.run(_concurrent(runner, facts))
        offline_walls.append(asyncio.run(_concurrent(runner, facts, offline))[0])
        alone = asyncio.run(_one_by_one(runner, facts))
        walls.append(wall)
        slowest.append(slow)
        alone_max.append(max(alone.values()))
        alone_sum.append(sum(alone.values()))
    median = statistics.median
    return [
        _row("detection wall time", median(walls), "s"),
        _row("slowest probe, run alone", median(alone_max), "s"),
        _row("sum of probes run one by one", median(alone_sum), "s"),
        # The target: all probes at once cost little more than the slowest one alone.
        _row(
            "wall time / slowest probe alone",
            median(w / a for w, a in zip(walls, alone_max, strict=True)),
            "ratio",
            "<= 1.2",
        ),
        # Nothing waits for anything else inside one detection.
        _row(
            "wall time / slowest probe in run",
            median(w / s for w, s in zip(walls, slowest, strict=True)),
            "ratio",
            "<= 1.2",
        ),
        _row(
            "without the HTTPS checks: wall time / slowest probe alone",
            median(w / a for w, a in zip(offline_walls, alone_max, strict=True)),
            "ratio",
        ),
        _row(
            "wall time / sum of probes",
            median(w / a for w, a in zip(walls, alone_sum, strict=True)),
            "ratio",
        ),
    ]


if __name__ == "__main__":
    for row in measure():
        mark = {True: "ok", False: "MISSED", None: ""}[row["ok"]]
        target = f"(target {row['target']})" if row["target"] else ""
        print(f"{row['measure']:<32} {row['value']:>8} {row['unit']:<6} {target} {mark}".rstrip())
