"""Is there room for a plan? Free disk against what its steps download and unpack."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.core.detect import Detection
from app.core.planner import Plan

MIB = 1024 * 1024


@dataclass(frozen=True)
class DiskShortfall:
    """Too little free disk for a plan: how much is needed and free, and where."""

    where: str
    free_bytes: int
    needed_bytes: int
    download_mb: int

    @property
    def free_mb(self) -> int:
        return self.free_bytes // MIB

    @property
    def needed_mb(self) -> int:
        return self.needed_bytes // MIB

    def sentence(self) -> str:
        return (
            f"Only {self.free_mb} MB free at {self.where}; the plan downloads about "
            f"{self.download_mb} MB and needs about {self.needed_mb} MB once unpacked. "
            "Free some space or choose another npm folder."
        )


def disk_shortfall(
    plan: Plan,
    detection: Detection | None,
    free_at: Callable[[str], int | None] | None = None,
) -> DiskShortfall | None:
    """A shortfall when the plan's folder has less free disk than it needs, else None.

    `free_at(path)` measures the plan's npm folder itself; when it cannot
    (a recorded machine, a folder not measured), detection's resources
    finding (free disk where npm's global folder is) stands in. With neither
    known, no claim is made either way.
    """
    if not plan.disk_mb:
        return None
    needed = plan.disk_mb * MIB
    where, free = plan.npm_prefix, None
    if free_at is not None and plan.npm_prefix:
        free = free_at(plan.npm_prefix)
    resources = detection.resources if detection is not None else None
    if free is None and resources is not None and resources.disk_free_bytes is not None:
        where, free = resources.disk_path or "the npm folder", resources.disk_free_bytes
    if free is None or free >= needed:
        return None
    return DiskShortfall(where, free, needed, plan.download_mb)
