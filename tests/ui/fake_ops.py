"""Fake operations for page tests: each run waits until the test says."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from pathlib import Path

from app.core.catalog import Catalog, Signature, default_catalog
from app.core.container import build_step, default_settings, make_spec
from app.core.detect import Detection, Facts, detect
from app.core.diskspace import DiskShortfall, disk_shortfall
from app.core.host import Host
from app.core.install import (
    Decide,
    ElevationNeeded,
    EventSink,
    Plan,
    RunNotice,
    RunReport,
    StepFinished,
    StepOutput,
    StepResult,
    StepStarted,
    plan_npm_install,
)
from app.core.planner import registry_warning
from app.core.recommend import Recommendation
from app.core.redact import Redactor
from app.core.runstate import RunState
from app.core.verify import Verification
from app.ui.operations import recommend_for, with_override
from tests.fakes import ScriptedRunner, linux_host

SECRET = "sk-ant-api03-very-secret-value"

EACCES = Signature(
    "eacces",
    "EACCES",
    "npm may not write to its global folder.",
    "Install into a folder of your own (the wizard's default).",
)


def scripted_runner(node: str = "v20.20.2", gate: asyncio.Event | None = None) -> ScriptedRunner:
    runner = ScriptedRunner(linux_host(ANTHROPIC_API_KEY=SECRET))
    runner.on("node", "--version", output=node + "\n", gate=gate)
    runner.on("npm", "--version", output="11.19.1\n")
    runner.on("npm", "prefix", "-g", output="/usr/local\n")
    runner.on("git", "--version", output="git version 2.39.5\n")
    runner.on("gemini", "--version", output="0.24.0\n")
    return runner


class FakeOperations:
    """Operations whose installs follow a script and wait on the test's gates."""

    def __init__(self, tmp_path: Path, node: str = "v20.20.2") -> None:
        self.detect_gate: asyncio.Event | None = None
        self.runner = scripted_runner(node)
        self._catalog = default_catalog()
        self.detection: Detection | None = None
        self.facts: Facts | None = None  # memory and free disk, as a recording has them
        self.detect_error: Exception | None = None
        self.tmp_path = tmp_path
        # tool id -> status each install step ends with; default "succeeded".
        self.outcomes: dict[str, str] = {}
        self.retry_outcome = "succeeded"
        self.step_gate = asyncio.Event()  # every step waits for this
        self.output: list[str] = ["added 1 package in 2s"]
        self.elevation_text = "These commands need admin rights:\n  apt-get install x"
        self.prompt_gate: asyncio.Event | None = None
        self.progress: list[str] = []  # redraws (ended by a bare \r) before the output
        self.verify_status: dict[str, str] = {}
        self.verify_calls: list[list[str]] = []
        self.verify_gate: asyncio.Event | None = None
        self.retries: list[int] = []
        self.decisions: list[str] = []
        self.installs: list[bool] = []  # each install's `resume`
        self.statuses: dict[str, str] = {}  # step id -> status in the last run
        self.unfinished: RunState | None = None  # what last_run() returns
        self.container_status: dict[str, str] = {}
        self.container_calls: list[Path] = []
        self.notice = ""  # said once at the start of an install, as the engine does

    @property
    def catalog(self) -> Catalog:
        return self._catalog

    @property
    def host(self) -> Host:
        return self.runner.host

    async def detect(self) -> Detection:
        if self.detect_gate is not None:
            await self.detect_gate.wait()
        if self.detect_error is not None:
            raise self.detect_error
        self.detection = await detect(self.runner, self._catalog, self.facts)
        return self.detection

    def override(self, key: str, present: bool) -> Detection:
        assert self.detection is not None
        self.detection = with_override(self.detection, key, present)
        return self.detection

    def recommend(self, scenario_id: str, tool_ids: Sequence[str]) -> Recommendation:
        return recommend_for(self._catalog, self.host, self.detection, scenario_id, tool_ids)

    def default_prefix(self) -> str:
        return str(self.tmp_path / "prefix")

    def plan(
        self,
        tool_ids: Sequence[str],
        prefix: str,
        container_folder: Path | None = None,
        scenario_id: str = "isolated-ai-clis",
    ) -> Plan:
        assert self.detection is not None
        self.planned_scenario = scenario_id
        plan = plan_npm_install(self._catalog, self.host, tool_ids, prefix, self.detection.node)
        self.container_tools = ()
        if container_folder is None:
            return plan
        self.container_tools = tuple(tool_ids)
        spec = make_spec(
            self._catalog,
            default_settings(),
            runtime=self.container_runtime,
            tools=tool_ids,
            system="linux",
        )
        build = build_step(self._catalog, default_settings(), spec, container_folder)
        return dataclasses.replace(plan, steps=(*plan.steps, build))

    def disk_shortfall(self, plan: Plan) -> DiskShortfall | None:
        return disk_shortfall(plan, self.detection)  # from detection, as on a recorded machine

    def registry_warning(self, plan: Plan) -> str:
        return registry_warning(plan, self.detection)

    def default_container_folder(self) -> Path:
        return self.tmp_path / "ai-cli-container"

    def container_folder_problem(self, folder: Path) -> str:
        if folder.exists() and any(folder.iterdir()):
            return f"{folder} already holds other files; choose an empty or new folder."
        return ""

    def _result(self, plan: Plan, index: int, status: str) -> StepResult:
        step = plan.steps[index]
        if step.blocked:
            return StepResult(step, "blocked", message=step.blocked)
        if status == "failed":
            return StepResult(
                step, "failed", findings=(EACCES,), message="npm failed with exit code 243."
            )
        if status == "declined":
            return StepResult(step, "declined", message="You declined the admin prompt.")  # type: ignore[arg-type]
        return StepResult(step, status, message=f"{step.title} finished.")  # type: ignore[arg-type]

    async def _step(self, plan: Plan, index: int, status: str, on_event: EventSink) -> StepResult:
        step = plan.steps[index]
        if status == "declined":
            on_event(ElevationNeeded(step, self.elevation_text))
            if self.prompt_gate is not None:  # the system's prompt is up until the test says
                await self.prompt_gate.wait()
        for line in self.progress:
            on_event(StepOutput(step, line, progress=True))
        for line in self.output_for(step.tool_id or "", status):
            on_event(StepOutput(step, line))
        await self.step_gate.wait()
        return self._result(plan, index, status)

    def output_for(self, tool_id: str, status: str) -> list[str]:
        return [f"{tool_id}: {line}" for line in self.output]

    async def install(
        self, plan: Plan, on_event: EventSink, decide: Decide, *, resume: bool = False
    ) -> RunReport:
        """The engine's protocol: started, output, a decision after a failure, finished."""
        self.installs.append(resume)
        if self.notice:
            on_event(RunNotice(self.notice))
        report = RunReport()
        total = len(plan.steps)
        for index, step in enumerate(plan.steps):
            on_event(StepStarted(step, index, total))
            if resume and self.statuses.get(step.id) in ("succeeded", "skipped"):
                result = StepResult(step, "succeeded", message="Done in the earlier run.")
                report.results.append(result)
                on_event(StepFinished(result, index, total))
                continue
            tool = step.tool_id or ""
            status = self.retry_outcome if resume else self.outcomes.get(tool, "succeeded")
            try:
                while True:
                    result = await self._step(plan, index, status, on_event)
                    if result.status not in ("failed", "declined"):
                        break
                    choice = await decide(result)
                    self.decisions.append(choice)
                    if choice == "retry":
                        self.retries.append(index)
                        status = self.retry_outcome
                        continue
                    if choice == "skip":
                        result = dataclasses.replace(result, status="skipped")
                    if choice == "stop":
                        result = dataclasses.replace(result, stop_here=True)
                    break
            except asyncio.CancelledError:
                result = StepResult(step, "cancelled", message="Cancelled.")
                self.statuses[step.id] = "cancelled"
                on_event(StepFinished(result, index, total))
                raise
            self.statuses[step.id] = result.status
            report.results.append(result)
            on_event(StepFinished(result, index, total))
        return report

    def last_run(self) -> RunState | None:
        return self.unfinished

    async def verify_container(self, folder: Path) -> list[Verification]:
        self.container_calls.append(folder)
        out = []
        for tool_id in self.container_tools:
            name = self._catalog.tool(tool_id).name
            if self.container_status.get(tool_id, "ok") == "ok":
                out.append(
                    Verification(tool_id, name, "ok", "1.2.3", None, True, where="container")
                )
            else:
                out.append(
                    Verification(
                        tool_id,
                        name,
                        "missing",
                        message="The image has not been built.",
                        fix="Build it first.",
                        where="container",
                    )
                )
        return out

    container_tools: tuple[str, ...] = ()
    container_runtime = "podman"

    async def verify(self, tool_ids: Sequence[str], prefix: str | None) -> list[Verification]:
        self.verify_calls.append(list(tool_ids))
        if self.verify_gate is not None:
            await self.verify_gate.wait()
        out = []
        for tool_id in tool_ids:
            tool = self._catalog.tool(tool_id)
            status = self.verify_status.get(tool_id, "ok")
            path = f"{prefix}/bin/{tool.command}"
            if status == "missing":
                out.append(
                    Verification(
                        tool_id, tool.name, "missing", message="not found", fix="Install it"
                    )
                )
            elif status == "not-on-path":
                out.append(
                    Verification(
                        tool_id,
                        tool.name,
                        "not-on-path",
                        "1.2.3",
                        path,
                        message=f"{tool.name} 1.2.3 is installed in {prefix}/bin, not on PATH.",
                        fix=f"Add {prefix}/bin to your PATH, then open a new terminal.",
                    )
                )
            else:
                out.append(Verification(tool_id, tool.name, "ok", "1.2.3", path, True))
        return out

    def log_file(self) -> Path | None:
        return self.tmp_path / "logs" / "run-1.log"

    def log_folder(self) -> Path:
        return self.tmp_path / "logs"

    def redact(self, text: str) -> str:
        return Redactor(self.host.env)(text)


def replace_status(result: StepResult, status: str) -> StepResult:
    return dataclasses.replace(result, status=status)  # type: ignore[arg-type]
