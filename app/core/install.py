"""The install engine: runs a plan step by step, streaming every line.

Each step's commands run through the one runner; a step's admin commands
share one elevation prompt, shown before it is asked. PATH is refreshed
after a step that may change it and handed to every later step. A failed
step can be retried, skipped or passed; its dependents are then blocked.
Success is decided by verification (the tool answers `--version`), never
by what an installer printed. Every line is redacted before it is shown.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from app.core.catalog import Catalog, Signature
from app.core.detect import Finding
from app.core.elevation import ElevationOutcome, Elevator, elevator_for
from app.core.host import Host
from app.core.planner import (
    Command,
    Plan,
    Step,
    npm_install_key,
    plan_npm_install,
    shared_call_argv,
    wsl_finding,
)
from app.core.redact import Redactor
from app.core.runner import (
    PROGRESS,
    EnvironmentSource,
    LineSink,
    Outcome,
    Runner,
    environment_source,
    path_key,
    with_fallback_dirs,
)
from app.core.runstate import RunState
from app.core.userpath import ChangeTracker, UnusableFolder
from app.core.verify import Verification, verify_tool, with_npm_prefix
from app.core.versions import at_least

__all__ = [
    "Event",
    "Plan",
    "RunNotice",
    "RunReport",
    "Step",
    "StepFinished",
    "StepOutput",
    "StepQuiet",
    "StepStarted",
    "plan_npm_install",
    "run_plan",
]

log = logging.getLogger("ai_cli_setup.install")

STEP_TIMEOUT = 30 * 60.0
QUIET_AFTER = 3 * 60.0  # warn after this long without a line of output

StepStatus = Literal[
    "pending", "running", "succeeded", "failed", "declined", "cancelled", "blocked", "skipped"
]
Decision = Literal["retry", "skip", "continue", "stop"]


@dataclass(frozen=True)
class StepResult:
    step: Step
    status: StepStatus
    outcome: Outcome | None = None
    verification: Verification | None = None
    findings: tuple[Signature, ...] = ()
    message: str = ""
    stop_here: bool = False  # the user stopped the run after this (failed) step

    @property
    def stops_the_run(self) -> bool:
        return self.stop_here or self.status == "cancelled"


@dataclass(frozen=True)
class StepStarted:
    step: Step
    index: int
    total: int


@dataclass(frozen=True)
class StepOutput:
    step: Step
    line: str
    progress: bool = False  # ended by a bare \r: the next line replaces it on screen


@dataclass(frozen=True)
class StepQuiet:
    """A step printed nothing for `seconds`; it may be waiting or stuck."""

    step: Step
    seconds: float


@dataclass(frozen=True)
class ElevationNeeded:
    """Shown before the system asks for admin rights: exactly what will run."""

    step: Step
    description: str


@dataclass(frozen=True)
class StepFinished:
    result: StepResult
    index: int
    total: int


@dataclass(frozen=True)
class RunNotice:
    """Something the whole run needs said once, such as progress that cannot be saved."""

    message: str


Event = StepStarted | StepOutput | StepQuiet | ElevationNeeded | StepFinished | RunNotice
EventSink = Callable[[Event], None]
Decide = Callable[[StepResult], Awaitable[Decision]]


@dataclass
class RunReport:
    results: list[StepResult] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)  # the environment after the last step

    @property
    def succeeded(self) -> bool:
        """Every step done or already satisfied."""
        return bool(self.results) and all(
            r.status == "succeeded" or (r.status == "skipped" and r.step.skip) for r in self.results
        )

    def summary(self) -> list[str]:
        """One line per step, for the end of a run."""
        return [f"{r.status:<9} {r.step.title}: {r.message}".rstrip(": ") for r in self.results]


class _EnvRunner:
    """The runner, seen with a refreshed environment (what verification must use)."""

    def __init__(self, runner: Runner, env: Mapping[str, str]) -> None:
        self.inner = runner
        self.host: Host = dataclasses.replace(runner.host, env=dict(env))

    async def run(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        timeout: float | None = None,
        on_line: LineSink | None = None,
        extra_dirs: Sequence[str] = (),
    ) -> Outcome:
        return await self.inner.run(
            argv,
            env=self.host.env if env is None else env,
            cwd=cwd,
            timeout=timeout,
            on_line=on_line,
            extra_dirs=extra_dirs,
        )


def top_level_engine_warning(output: str, package: str) -> bool:
    """Whether npm warned that `package` itself does not support this Node."""
    joined = " ".join(output.splitlines())
    for match in re.finditer(r"EBADENGINE.{0,200}?package:\s*'(@?[^@']+)@", joined):
        if match.group(1) == package:
            return True
    return False


async def _continue(_result: StepResult) -> Decision:
    return "continue"


async def run_plan(
    plan: Plan,
    runner: Runner,
    catalog: Catalog,
    on_event: EventSink | None = None,
    *,
    decide: Decide | None = None,
    state: RunState | None = None,
    elevator: Elevator | None = None,
    env_source: EnvironmentSource | None = None,
    redactor: Redactor | None = None,
    quiet_after: float = QUIET_AFTER,
    step_timeout: float = STEP_TIMEOUT,
    changes: ChangeTracker | None = None,
) -> RunReport:
    """Run every step in order. After a failure `decide` chooses: retry, skip, continue, stop.

    With `state`, each step's status is saved as it changes, and steps that
    finished in an earlier run are not run again (`install --resume`).
    With `changes`, every change to the user's environment is journaled
    before it is made, and a step's PATH folders are saved for new terminals.
    Consecutive npm installs into the prefix share one npm call (see
    `_run_batch`); each step still gets its own events and its own result.
    """
    host = runner.host
    emit = _NoticeSink(on_event or (lambda event: None), state)
    decide = decide or _continue
    redactor = redactor or Redactor(host.env)
    engine = _Engine(
        plan,
        runner,
        catalog,
        emit,
        elevator or elevator_for(host, runner),
        env_source or environment_source(host),
        redactor,
        quiet_after,
        step_timeout,
        changes,
    )
    report = RunReport()
    total = len(plan.steps)
    satisfied: set[str] = set()
    stopped = ""
    index = 0
    while index < total:
        step = plan.steps[index]
        ready = not stopped and (state is None or not state.done(step.id))
        batch = await engine.batch_at(index, satisfied, state) if ready else []
        if len(batch) > 1:
            stopped = await _run_batch(engine, batch, index, report, satisfied, state, decide)
            index += len(batch)
            continue
        emit(StepStarted(step, index, total))
        unmet = [n for n in step.needs if n not in satisfied]
        if stopped:
            result = StepResult(step, "cancelled", message=stopped)
        elif step.skip:
            result = StepResult(step, "skipped", message=step.skip)
        elif state is not None and state.done(step.id):
            result = StepResult(step, "succeeded", message="Done in the earlier run.")
        elif step.blocked:
            result = StepResult(step, "blocked", message=step.blocked)
        elif unmet:
            titles = ", ".join(plan.step(n).title for n in unmet)
            result = StepResult(step, "blocked", message=f"Needs {titles}, which did not finish.")
        else:
            if state is not None:
                state.mark(step.id, "running")
            try:
                result = await engine.attempt(step, decide)
            except asyncio.CancelledError:
                result = StepResult(
                    step, "cancelled", message="Cancelled; this step may be incomplete."
                )
                _finish(report, result, state, emit, index, total)
                for later in plan.steps[index + 1 :]:
                    report.results.append(StepResult(later, "cancelled", message="Not started."))
                raise
            if result.stops_the_run:
                stopped = "Not started: the run was stopped."
        _satisfy(engine, satisfied, result)
        _finish(report, result, state, emit, index, total)
        index += 1
    if state is not None:
        state.finish()
        emit.say_problem()
    report.env = dict(engine.env)
    return report


def _satisfy(engine: _Engine, satisfied: set[str], result: StepResult) -> None:
    """Let later steps that need this one run; hand them any PATH it changed."""
    step = result.step
    if result.status == "succeeded" or (result.status == "skipped" and step.skip):
        satisfied.add(step.id)
        if result.status == "succeeded" and step.refresh_path:
            engine.refresh_env(step)


async def _run_batch(
    engine: _Engine,
    batch: list[Step],
    start: int,
    report: RunReport,
    satisfied: set[str],
    state: RunState | None,
    decide: Decide,
) -> str:
    """Install `batch` (npm steps) with one npm call; return why the run stopped, if it did.

    The call's output streams to the first step; the others say where it is.
    Each step's result is its own tool's verification (and C08: an EBADENGINE
    warning for its package fails it). If the call fails, each step runs again
    on its own, so the failure is pinned on the right tool.
    """
    emit, total, first = engine.emit, len(engine.plan.steps), batch[0]
    emit(StepStarted(first, start, total))
    if state is not None:
        for step in batch:
            state.mark(step.id, "running")
    stopped, index = "", start
    try:
        results = await engine.run_batch(batch)
        for offset, step in enumerate(batch):
            index = start + offset
            if offset:
                emit(StepStarted(step, index, total))
            if results is None:  # the call failed: each step on its own finds the culprit
                if offset == 0:
                    emit(StepOutput(first, _ON_THEIR_OWN))
                result = await engine.attempt(step, decide) if not stopped else None
                result = result or StepResult(step, "cancelled", message=stopped)
            else:
                if offset:
                    emit(StepOutput(step, _OUTPUT_WITH % first.title))
                result = results[offset]
                if result.status in ("failed", "declined") and not stopped:
                    result = await engine.attempt(step, decide, first=result)
            if result.stops_the_run and not stopped:
                stopped = "Not started: the run was stopped."
            _satisfy(engine, satisfied, result)
            _finish(report, result, state, emit, index, total)
    except asyncio.CancelledError:
        # The step running and the rest of the one call may be half installed.
        for at in range(index, start + len(batch)):
            message = "Cancelled; this step may be incomplete."
            _finish(
                report,
                StepResult(batch[at - start], "cancelled", message=message),
                state,
                emit,
                at,
                total,
            )
        for later in engine.plan.steps[start + len(batch) :]:
            report.results.append(StepResult(later, "cancelled", message="Not started."))
        raise
    return stopped


_OUTPUT_WITH = "Installed by the same npm call as “%s”: its output is under that step."
_ON_THEIR_OWN = "— the one npm call failed; each tool is now installed on its own —"


class _NoticeSink:
    """The event sink, saying once (before the next event) that the run-state is not saved."""

    def __init__(self, emit: EventSink, state: RunState | None) -> None:
        self._emit = emit
        self._state = state
        self._said = False

    def say_problem(self) -> None:
        if self._said or self._state is None or not self._state.problem:
            return
        self._said = True
        self._emit(RunNotice(self._state.problem))

    def __call__(self, event: Event) -> None:
        self.say_problem()
        self._emit(event)


def _finish(
    report: RunReport,
    result: StepResult,
    state: RunState | None,
    emit: EventSink,
    index: int,
    total: int,
) -> None:
    log.info("step %s: %s %s", result.step.id, result.status, result.message)
    report.results.append(result)
    if state is not None:
        state.mark(result.step.id, result.status, result.message)
    emit(StepFinished(result, index, total))


@dataclass
class _Engine:
    plan: Plan
    runner: Runner
    catalog: Catalog
    emit: EventSink
    elevator: Elevator
    env_source: EnvironmentSource
    redactor: Redactor
    quiet_after: float
    step_timeout: float
    changes: ChangeTracker | None = None
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        host = self.runner.host
        self.env = with_fallback_dirs(host, host.env)

    def refresh_env(self, step: Step) -> None:
        """PATH as a new terminal would see it now, handed to every later step (C03, C22)."""
        self.env = self.env_source.refreshed(self.env)
        host = self.runner.host
        dirs = host.path_dirs(self.env)
        added = [folder for folder in step.path_dirs if folder not in dirs]
        if added:
            self.env[path_key(self.env)] = host.path_separator.join([*added, *dirs])
        log.info("PATH for later steps: %s", self.env.get(path_key(self.env), ""))

    async def attempt(
        self, step: Step, decide: Decide, *, first: StepResult | None = None
    ) -> StepResult:
        """Run `step` until it works or `decide` says otherwise; `first`: its result so far."""
        while True:
            result = first or await self.run_step(step)
            first = None
            if result.status not in ("failed", "declined"):
                return result
            choice = await decide(result)
            log.info("step %s %s; decision: %s", step.id, result.status, choice)
            if choice == "retry":
                continue
            if choice == "skip":
                return dataclasses.replace(
                    result, status="skipped", message=f"Skipped after: {result.message}"
                )
            if choice == "stop":  # it stays failed: that is what happened to it
                return dataclasses.replace(result, stop_here=True)
            return result

    async def run_step(self, step: Step) -> StepResult:
        env = dict(self.env)
        env.update(step.env)
        if step.node_min:
            blocked = await self._node_too_old(step, env)
            if blocked:
                return StepResult(step, "blocked", message=blocked)

        lines: list[str] = []
        last = [time.monotonic()]

        on_line = self._line_sink(step, lines, last)
        watchdog = asyncio.ensure_future(self._watch(step, last))
        try:
            outcome, elevation = await self._run_commands(step, env, on_line)
        finally:
            watchdog.cancel()
        output = "\n".join(lines)
        findings = self._diagnose(output)
        if elevation is not None and elevation.status != "ok":
            status: StepStatus = "declined" if elevation.status == "declined" else "failed"
            return StepResult(step, status, outcome, None, findings, elevation.message)
        if outcome is not None and not outcome.ok:
            blocker = findings[0].explanation if findings else ""
            fix = f" Fix: {findings[0].fix}" if findings else ""
            message = self.redactor(f"{outcome.sentence()} {blocker}{fix}".strip())
            verification = None
            if step.tool_id is not None:
                verification = await self._verify(step, env)
            return StepResult(step, "failed", outcome, verification, findings, message)
        saved = ""
        if step.path_dirs and self.changes is not None:
            try:
                saved = " ".join(self.changes.add_to_path(step.path_dirs, step.id))
            except OSError as exc:  # the journal or a start-up file cannot be written
                where = f" to {exc.filename}" if exc.filename else ""
                message = (
                    f"Could not save {' '.join(step.path_dirs)} on your PATH: writing{where} "
                    f"failed ({exc.strerror or exc}). Put that folder on PATH yourself, or "
                    "fix this and run `ai-cli-setup verify --fix-path` once the tools are in."
                )
                return StepResult(step, "failed", outcome, None, findings, message)
            except UnusableFolder as exc:
                message = (
                    f"Could not save {exc.folder} on your PATH: {exc.problem}. No terminal can "
                    "find commands there: install the tools into another folder (--npm-prefix)."
                )
                return StepResult(step, "failed", outcome, None, findings, message)
        if step.tool_id is not None:
            return await self._verified_tool(step, env, outcome, output, findings)
        result = await self._verified_prerequisite(step, outcome, findings)
        if saved and result.status == "succeeded":
            result = dataclasses.replace(result, message=f"{result.message} {saved}".strip())
        return result

    def _line_sink(self, step: Step, lines: list[str], last: list[float]) -> LineSink:
        """Redact each line, keep it in `lines`, show it under `step`; note when in `last`."""

        def on_line(line: str) -> None:
            progress = line.endswith(PROGRESS)
            clean = self.redactor(line.removesuffix(PROGRESS))
            lines.append(clean)
            last[0] = time.monotonic()
            self.emit(StepOutput(step, clean, progress))

        return on_line

    async def batch_at(self, index: int, satisfied: set[str], state: RunState | None) -> list[Step]:
        """The npm steps from `index` on that can share one npm call (two or more, or none).

        Each is a plain `npm install -g --prefix P PACKAGE` with the same
        arguments and environment, ready to run: nothing skipped, blocked,
        done before or waiting on a step that has not succeeded, and Node
        new enough (C07).
        """
        batch: list[Step] = []
        for step in self.plan.steps[index:]:
            key = npm_install_key(step, self.plan.npm_prefix)
            if key is None or (batch and key != npm_install_key(batch[0], self.plan.npm_prefix)):
                break
            if step.skip or step.blocked or any(n not in satisfied for n in step.needs):
                break
            if state is not None and state.done(step.id):
                break
            if step.node_min and await self._node_too_old(step, self._env_for(step)):
                break
            batch.append(step)
        return batch if len(batch) > 1 else []

    def _env_for(self, step: Step) -> dict[str, str]:
        env = dict(self.env)
        env.update(step.env)
        return env

    async def run_batch(self, steps: Sequence[Step]) -> list[StepResult] | None:
        """One npm call for every step's package; each step's verified result, None if it failed."""
        first = steps[0]
        env = self._env_for(first)
        argv = shared_call_argv(steps)
        lines: list[str] = []
        last = [time.monotonic()]

        on_line = self._line_sink(first, lines, last)
        names = ", ".join(self.catalog.tool(s.tool_id).name for s in steps if s.tool_id)
        self.emit(StepOutput(first, f"One npm call installs {names}:"))
        self.emit(StepOutput(first, f"$ {' '.join(argv)}"))
        # Each step's own change is journaled (undo works per tool), before the call.
        journaled = [e for step in steps for e in await self._journal(step, step.argv)]
        watchdog = asyncio.ensure_future(self._watch(first, last))
        try:
            outcome = await self.runner.run(
                argv, env=env, timeout=self.step_timeout, on_line=on_line
            )
        finally:
            watchdog.cancel()
        if self.changes is not None:
            self.changes.after(journaled)
        if not outcome.ok:
            log.info("one npm call for %d steps failed: %s", len(steps), outcome.sentence())
            return None
        output = "\n".join(lines)
        findings = self._diagnose(output)
        return list(
            await asyncio.gather(
                *(self._verified_tool(s, env, outcome, output, findings) for s in steps)
            )
        )

    async def _run_commands(
        self, step: Step, env: dict[str, str], on_line: LineSink
    ) -> tuple[Outcome | None, ElevationOutcome | None]:
        """Each run of plain commands directly, each run of admin commands behind one prompt."""
        outcome: Outcome | None = None
        for admin, group in _groups(step.commands):
            if admin:
                argvs = [c.argv for c in group]
                self.emit(ElevationNeeded(step, self.elevator.describe(argvs)))
                journaled = [e for argv in argvs for e in await self._journal(step, argv)]
                elevation = await self.elevator.run(argvs, env=env, on_line=on_line)
                if not elevation.ok:
                    return outcome, elevation
                if self.changes is not None:
                    self.changes.after(journaled)
                continue
            for command in group:
                journaled = await self._journal(step, command.argv)
                outcome = await self.runner.run(
                    command.argv, env=env, timeout=self.step_timeout, on_line=on_line
                )
                if self.changes is not None:
                    self.changes.after(journaled)
                if not outcome.ok:
                    return outcome, None
        return outcome, None

    async def _journal(self, step: Step, argv: Sequence[str]) -> list[dict[str, Any]]:
        """Journal entries for what `argv` changes, written before it runs."""
        if self.changes is None:
            return []
        return await self.changes.before(step.id, argv)

    async def _watch(self, step: Step, last: list[float]) -> None:
        """Emit StepQuiet each time the step stays silent for `quiet_after` seconds."""
        warned_for = 0.0
        while True:
            wait = max(0.05, last[0] + self.quiet_after - time.monotonic())
            await asyncio.sleep(wait)
            silent = time.monotonic() - last[0]
            if silent >= self.quiet_after and last[0] != warned_for:
                warned_for = last[0]
                log.info("step %s: no output for %.0f s", step.id, silent)
                self.emit(StepQuiet(step, silent))

    def _diagnose(self, output: str) -> tuple[Signature, ...]:
        """The known causes in `output`; a fix that runs npm installs into the plan's folder."""
        host, prefix = self.runner.host, self.plan.npm_prefix
        return tuple(
            dataclasses.replace(sig, fix=with_npm_prefix(sig.fix, host, prefix))
            for sig in self.catalog.diagnose(output)
        )

    async def _node_too_old(self, step: Step, env: dict[str, str]) -> str:
        probe = await self.runner.run(["node", "--version"], env=env, timeout=30)
        match = re.search(r"v?(\d+\.\d+\.\d+)", probe.output) if probe.ok else None
        found = match.group(1) if match else None
        if found is None:
            return f"Node >= {step.node_min} needed, and node was not found on PATH."
        if not at_least(found, step.node_min):
            return f"Node >= {step.node_min} needed, found {found}."
        return ""

    async def _verify(self, step: Step, env: dict[str, str]) -> Verification:
        assert step.tool_id is not None
        view = _EnvRunner(self.runner, env)
        return await verify_tool(view, self.catalog, step.tool_id, self.plan.npm_prefix)

    async def _verified_tool(
        self,
        step: Step,
        env: dict[str, str],
        outcome: Outcome | None,
        output: str,
        findings: tuple[Signature, ...],
    ) -> StepResult:
        assert step.tool_id is not None
        tool = self.catalog.tool(step.tool_id)
        verification = await self._verify(step, env)
        if top_level_engine_warning(output, tool.npm_package):
            message = f"npm warned that {tool.name} does not support this Node.js version."
            return StepResult(step, "failed", outcome, verification, findings, message)
        status: StepStatus = "succeeded" if verification.passed else "failed"
        message = verification.message
        if not verification.passed and findings:
            # npm said "done" but its output names the cause (a full disk, say): lead with it.
            message = f"{findings[0].explanation} Fix: {findings[0].fix} ({message})"
        message = self.redactor(message)
        return StepResult(step, status, outcome, verification, findings, message)

    async def _verified_prerequisite(
        self, step: Step, outcome: Outcome | None, findings: tuple[Signature, ...]
    ) -> StepResult:
        if not step.check or step.reboot:
            done = "Done." if not step.reboot else "Done; restart the computer to finish."
            if step.relogin:
                done = "Done; log out and back in for it to take effect."
            return StepResult(step, "succeeded", outcome, None, findings, done)
        env = self.env_source.refreshed(self.env)
        check = await self.runner.run(list(step.check), env=env, timeout=60)
        if check.ok:
            first = check.lines[0] if check.lines else ""
            return StepResult(step, "succeeded", outcome, None, findings, first)
        message = (
            f"The installer finished, but `{' '.join(step.check)}` did not work: {check.sentence()}"
        )
        return StepResult(step, "failed", outcome, None, findings, message)


async def probe_extras(runner: Runner, *, uv: bool, wsl: bool) -> dict[str, Finding]:
    """What the planner needs beyond Detection: uv, and on Windows the state of WSL (C16)."""
    # FIXME(detect): these belong in detect.py's Detection; kept here until it has them.
    found: dict[str, Finding] = {}
    if uv:
        out = await runner.run(["uv", "--version"], timeout=20)
        match = re.search(r"uv (\d+\.\d+\.\d+)", out.output) if out.ok else None
        version = match.group(1) if match else None
        found["uv"] = Finding("uv", version is not None, version, out.executable)
    if wsl and runner.host.is_windows:
        out = await runner.run(["wsl.exe", "--status"], timeout=20)
        found["wsl"] = wsl_finding(out.output, out.ok)
    return found


def _groups(commands: Sequence[Command]) -> list[tuple[bool, list[Command]]]:
    """Consecutive commands with the same admin need, in order."""
    groups: list[tuple[bool, list[Command]]] = []
    for command in commands:
        if groups and groups[-1][0] == command.admin:
            groups[-1][1].append(command)
        else:
            groups.append((command.admin, [command]))
    return groups
