"""A plain-text report of the run, for the user or a helper; secrets masked."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from app import __version__

if TYPE_CHECKING:
    from app.core.detect import Detection
    from app.core.install import Plan, StepResult
    from app.core.verify import Verification


def build_report(
    *,
    detection: Detection | None,
    plan: Plan | None,
    results: Sequence[StepResult | None],
    verifications: Sequence[Verification],
    log_file: Path | None,
    redact: Callable[[str], str],
) -> str:
    lines = [f"ai-cli-setup {__version__} report, {time.strftime('%Y-%m-%d %H:%M:%S %z')}"]
    if detection is not None:
        lines += ["", f"System: {detection.os_name} ({detection.machine})"]
        lines += [
            f"  {f.summary}" + (f" [{f.path}]" if f.path else "") for f in detection.findings()
        ]
    if plan is not None:
        lines += ["", f"Plan (npm prefix {plan.npm_prefix}):"]
        for index, step in enumerate(plan.steps):
            result = results[index] if index < len(results) else None
            status = result.status if result is not None else "not run"
            commands = "; ".join(" ".join(c.argv) for c in step.commands) or step.skip
            lines.append(f"  [{status}] {step.title}: {commands}")
            if result is not None and result.message:
                lines.append(f"      {result.message}")
    if verifications:
        lines += ["", "Check:"]
        for item in verifications:
            lines.append(
                f"  {item.name}: {item.status}, version {item.version or '-'}, {item.path or '-'}"
            )
            if item.fix:
                lines.append(f"      fix: {item.fix}")
    lines += ["", f"Log file: {log_file or 'none'}"]
    return redact("\n".join(lines) + "\n")
