"""The work the wizard asks for, behind one small interface.

Pages await these methods and render what they return. `SessionOperations`
forwards to the core's `Session`; tests pass fakes that finish when the
test says.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from app.core import container
from app.core.catalog import Catalog
from app.core.detect import Detection, Override
from app.core.diskspace import DiskShortfall
from app.core.host import Host
from app.core.install import Decide, EventSink, Plan, RunReport
from app.core.logs import current_log_path
from app.core.profile import Profile
from app.core.recommend import DEFAULT_SCENARIO, Machine, Recommendation, recommend
from app.core.report import Scrubber
from app.core.runstate import RunState
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

    def plan(
        self,
        tool_ids: Sequence[str],
        prefix: str,
        container_folder: Path | None = None,
        scenario_id: str = DEFAULT_SCENARIO,
    ) -> Plan:
        """The steps; with `container_folder`, the runtime recommended for `scenario_id`
        and the image build join them."""
        ...

    def disk_shortfall(self, plan: Plan) -> DiskShortfall | None:
        """Too little free disk for `plan`: how much is needed and free, and where."""
        ...

    def registry_warning(self, plan: Plan) -> str:
        """Why the plan's npm steps will likely fail for want of the registry, or ""."""
        ...

    def default_container_folder(self) -> Path: ...

    def container_folder_problem(self, folder: Path) -> str: ...

    async def install(
        self, plan: Plan, on_event: EventSink, decide: Decide, *, resume: bool = False
    ) -> RunReport:
        """Run the plan; after a failed step `decide` says retry, skip, continue or stop.

        With `resume`, steps that finished in the last run are not run again.
        """
        ...

    def last_run(self) -> RunState | None:
        """The last install's run-state, when it did not finish."""
        ...

    async def verify(self, tool_ids: Sequence[str], prefix: str | None) -> list[Verification]: ...

    async def verify_container(self, folder: Path) -> list[Verification]: ...

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

    def plan(
        self,
        tool_ids: Sequence[str],
        prefix: str,
        container_folder: Path | None = None,
        scenario_id: str = DEFAULT_SCENARIO,
    ) -> Plan:
        if container_folder is None:
            self.session.isolated = None
            return self.session.plan(tool_ids, prefix)
        scenario_id = scenario_id or DEFAULT_SCENARIO  # no scenario listed: the default
        return self.session.plan_isolated(tool_ids, prefix, container_folder, scenario_id)

    def disk_shortfall(self, plan: Plan) -> DiskShortfall | None:
        return self.session.disk_shortfall(plan)

    def registry_warning(self, plan: Plan) -> str:
        return self.session.registry_warning(plan)

    def default_container_folder(self) -> Path:
        return Path(self.host.home or ".") / "ai-cli-container"

    def container_folder_problem(self, folder: Path) -> str:
        return self.session.container_folder_problem(folder)

    async def install(
        self, plan: Plan, on_event: EventSink, decide: Decide, *, resume: bool = False
    ) -> RunReport:
        state = self.session.last_run() if resume else None
        if state is not None:
            state.finished = False
        self.session.write_isolated()  # the folder the image is built from, if planned
        return await self.session.install(plan, on_event, decide=decide, state=state)

    def last_run(self) -> RunState | None:
        state = self.session.last_run()
        return state if state is not None and not state.finished else None

    async def verify(self, tool_ids: Sequence[str], prefix: str | None) -> list[Verification]:
        return await self.session.verify(tool_ids, prefix)

    async def verify_container(self, folder: Path) -> list[Verification]:
        try:
            return await self.session.verify_container(folder)
        except container.ContainerError as exc:  # the folder was never written
            return [
                Verification(
                    "container", "Container", "missing", message=str(exc), where="container"
                )
            ]

    def log_file(self) -> Path | None:
        return current_log_path()

    def log_folder(self) -> Path:
        return self.session.paths.logs

    def redact(self, text: str) -> str:
        return self._redactor(text)
