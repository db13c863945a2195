"""Install plans and their execution.

A plan is an ordered list of steps, each an exact argument list. Running a
plan streams every line to the caller, then verifies what the step was for:
a step succeeds only when its tool answers `--version`.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from app.core.catalog import Catalog, Signature
from app.core.detect import NodeFinding
from app.core.host import Host
from app.core.runner import Outcome, Runner
from app.core.verify import Verification, verify_tool
from app.core.versions import at_least

log = logging.getLogger("ai_cli_setup.install")

STEP_TIMEOUT = 30 * 60.0

StepStatus = Literal["pending", "running", "succeeded", "failed", "cancelled", "blocked", "skipped"]


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    argv: tuple[str, ...]
    tool_id: str | None = None
    env: tuple[tuple[str, str], ...] = ()
    blocked: str = ""  # why the step cannot run on this machine, if it cannot
    note: str = ""  # something the user should know before it runs


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]
    npm_prefix: str

    @property
    def runnable(self) -> bool:
        return any(not s.blocked for s in self.steps)


@dataclass(frozen=True)
class StepResult:
    step: Step
    status: StepStatus
    outcome: Outcome | None = None
    verification: Verification | None = None
    findings: tuple[Signature, ...] = ()
    message: str = ""


@dataclass(frozen=True)
class StepStarted:
    step: Step
    index: int
    total: int


@dataclass(frozen=True)
class StepOutput:
    step: Step
    line: str


@dataclass(frozen=True)
class StepFinished:
    result: StepResult
    index: int
    total: int


Event = StepStarted | StepOutput | StepFinished
EventSink = Callable[[Event], None]


@dataclass
class RunReport:
    results: list[StepResult] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return bool(self.results) and all(r.status == "succeeded" for r in self.results)


def plan_npm_install(
    catalog: Catalog, host: Host, tool_ids: Sequence[str], prefix: str, node: NodeFinding
) -> Plan:
    """One `npm install -g` step per chosen CLI, blocked where Node cannot run it."""
    steps = []
    for tool_id in tool_ids:
        tool = catalog.tool(tool_id)
        blocked = note = ""
        if not node.present:
            blocked = f"Node.js {tool.node_min} or newer is needed and none was found."
        elif not node.npm_version:
            blocked = "npm was not found next to Node.js."
        elif not at_least(node.version, tool.node_floor):
            blocked = f"Node >= {tool.node_floor} needed, found {node.version}."
        elif not at_least(node.version, tool.node_min):
            note = (
                f"The newest {tool.name} needs Node >= {tool.node_min}; with Node "
                f"{node.version} npm installs the newest release that supports it."
            )
        steps.append(
            Step(
                id=f"npm:{tool_id}",
                title=f"Install {tool.name}",
                argv=("npm", "install", "-g", "--prefix", prefix, tool.npm_package),
                tool_id=tool_id,
                env=(
                    ("npm_config_update_notifier", "false"),
                    ("npm_config_fund", "false"),
                    ("npm_config_audit", "false"),
                ),
                blocked=blocked,
                note=note,
            )
        )
    return Plan(tuple(steps), prefix)


def top_level_engine_warning(output: str, package: str) -> bool:
    """Whether npm warned that `package` itself does not support this Node."""
    joined = " ".join(output.splitlines())
    for match in re.finditer(r"EBADENGINE.{0,200}?package:\s*'(@?[^@']+)@", joined):
        if match.group(1) == package:
            return True
    return False


async def run_plan(
    plan: Plan, runner: Runner, catalog: Catalog, on_event: EventSink | None = None
) -> RunReport:
    """Run every step in order; a failure does not stop the steps after it."""
    report = RunReport()
    total = len(plan.steps)
    emit = on_event or (lambda event: None)
    for index, step in enumerate(plan.steps):
        emit(StepStarted(step, index, total))
        if step.blocked:
            result = StepResult(step, "blocked", message=step.blocked)
        else:
            try:
                result = await _run_step(step, plan, runner, catalog, emit)
            except asyncio.CancelledError:
                result = StepResult(
                    step, "cancelled", message="Cancelled; this step may be incomplete."
                )
                report.results.append(result)
                emit(StepFinished(result, index, total))
                for later in plan.steps[index + 1 :]:
                    report.results.append(StepResult(later, "cancelled", message="Not started."))
                raise
        log.info("step %s: %s %s", step.id, result.status, result.message)
        report.results.append(result)
        emit(StepFinished(result, index, total))
    return report


async def _run_step(
    step: Step, plan: Plan, runner: Runner, catalog: Catalog, emit: EventSink
) -> StepResult:
    env = dict(runner.host.env)
    env.update(step.env)
    outcome = await runner.run(
        step.argv, env=env, timeout=STEP_TIMEOUT, on_line=lambda line: emit(StepOutput(step, line))
    )
    findings = tuple(catalog.diagnose(outcome.output))
    if step.tool_id is None:
        status = "succeeded" if outcome.ok else "failed"
        return StepResult(step, status, outcome, None, findings, outcome.sentence())
    tool = catalog.tool(step.tool_id)
    verification = await verify_tool(runner, catalog, step.tool_id, plan.npm_prefix)
    if top_level_engine_warning(outcome.output, tool.npm_package):
        message = f"npm warned that {tool.name} does not support this Node.js version."
        return StepResult(step, "failed", outcome, verification, findings, message)
    if not outcome.ok:
        blocker = findings[0].explanation if findings else ""
        return StepResult(
            step,
            "failed",
            outcome,
            verification,
            findings,
            f"{outcome.sentence()} {blocker}".strip(),
        )
    if not verification.passed:
        return StepResult(step, "failed", outcome, verification, findings, verification.message)
    return StepResult(step, "succeeded", outcome, verification, findings, verification.message)
