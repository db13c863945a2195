"""The work the wizard asks for, behind one small interface.

Pages await these methods and render what they return. `SessionOperations`
forwards to the core's `Session`; tests pass fakes that finish when the
test says.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from app.core.catalog import Catalog
from app.core.detect import Detection, Override
from app.core.host import Host
from app.core.install import (
    Event,
    EventSink,
    Plan,
    RunReport,
    StepFinished,
    StepResult,
    StepStarted,
    run_plan,
)
from app.core.logs import current_log_path
from app.core.profile import Profile
from app.core.recommend import Machine, Recommendation, recommend
from app.core.report import Scrubber
from app.core.session import Session
from app.core.verify import Verification


class Operations(Protocol):
    """Everything a page may ask the core to do."""

    @property
    def catalog(self) -> Catalog: ...

    @property
    def host(self) -> Host: ...

    async def detect(self) -> Detection: ...

    def override(self, key: str, present: bool) -> Detection: ...

    def recommend(self, scenario_id: str, tool_ids: Sequence[str]) -> Recommendation: ...

    def default_prefix(self) -> str: ...

    def plan(self, tool_ids: Sequence[str], prefix: str) -> Plan: ...

    async def install(self, plan: Plan, on_event: EventSink) -> RunReport: ...

    async def retry(self, plan: Plan, index: int, on_event: EventSink) -> StepResult: ...

    async def verify(self, tool_ids: Sequence[str], prefix: str | None) -> list[Verification]: ...

    def log_file(self) -> Path | None: ...

    def log_folder(self) -> Path: ...

    def redact(self, text: str) -> str: ...


def recommend_for(
    catalog: Catalog,
    host: Host,
    detection: Detection | None,
    scenario_id: str,
    tool_ids: Sequence[str],
) -> Recommendation:
    """The guide's recommendation for this machine, as far as detection knows it."""
    return recommend(catalog, Machine.from_host(host, detection), scenario_id, tool_ids)


def with_override(detection: Detection, key: str, present: bool) -> Detection:
    """The detection with one finding's presence set by the user (keys of `by_key()`)."""
    return detection.with_overrides(
        {key: Override({"present": present}, reason="changed on the System page")}
    )


class SessionOperations:
    """The real operations: each one forwards to the core's Session."""

    def __init__(self, session: Session) -> None:
        self.session = session
        # Reports leave the machine: secrets, the home folder and the user name are masked.
        self._redactor = Scrubber(session.host).text

    @property
    def catalog(self) -> Catalog:
        return self.session.catalog

    @property
    def host(self) -> Host:
        return self.session.host

    async def detect(self) -> Detection:
        return await self.session.detect()

    def override(self, key: str, present: bool) -> Detection:
        if self.session.detection is None:
            raise RuntimeError("override() before detect()")
        self.session.detection = with_override(self.session.detection, key, present)
        return self.session.detection

    def recommend(self, scenario_id: str, tool_ids: Sequence[str]) -> Recommendation:
        return recommend_for(self.catalog, self.host, self.session.detection, scenario_id, tool_ids)

    @property
    def profile(self) -> Profile | None:
        """The workshop profile the wizard was opened with, if any."""
        return self.session.profile

    def default_prefix(self) -> str:
        return self.session.default_prefix()

    def plan(self, tool_ids: Sequence[str], prefix: str) -> Plan:
        return self.session.plan(tool_ids, prefix)

    async def install(self, plan: Plan, on_event: EventSink) -> RunReport:
        return await self.session.install(plan, on_event)

    async def retry(self, plan: Plan, index: int, on_event: EventSink) -> StepResult:
        # The steps it waited for ran earlier in this run; it is tried again on its own.
        # FIXME(ui): use run_plan's `decide` (retry/skip/continue) instead of a second run.
        total = len(plan.steps)

        def renumber(event: Event) -> None:
            if isinstance(event, StepStarted | StepFinished):
                event = dataclasses.replace(event, index=index, total=total)
            on_event(event)

        step = dataclasses.replace(plan.steps[index], needs=())
        single = Plan((step,), plan.npm_prefix, plan.system, plan.manager, plan.choices)
        report = await run_plan(single, self.session.runner, self.session.catalog, renumber)
        return report.results[0]

    async def verify(self, tool_ids: Sequence[str], prefix: str | None) -> list[Verification]:
        return await self.session.verify(tool_ids, prefix)

    def log_file(self) -> Path | None:
        return current_log_path()

    def log_folder(self) -> Path:
        return self.session.paths.logs

    def redact(self, text: str) -> str:
        return self._redactor(text)
