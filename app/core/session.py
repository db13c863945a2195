"""One set-up session: detect, plan, install, verify.

The command line and the wizard both drive this object; neither does the
work itself.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from app.core import container
from app.core.catalog import Catalog, default_catalog
from app.core.detect import Detection, Facts, Finding, LiveFacts, detect, npm_prefix_problem
from app.core.diskspace import DiskShortfall, disk_shortfall
from app.core.elevation import Elevator, elevator_for
from app.core.engines import PinnedRelease, published_node_floor
from app.core.host import Host
from app.core.install import Decide, EventSink, Plan, RunReport, probe_extras, run_plan
from app.core.journal import Journal, UndoResult, UserEnvironment, undo
from app.core.logs import current_log_path
from app.core.paths import Paths
from app.core.planner import NPM_ENV, Choices, build_plan, registry_warning
from app.core.profile import Profile, apply_profile, choices_for, network_env
from app.core.recommend import DEFAULT_SCENARIO, Machine, recommend
from app.core.recording import replay
from app.core.redact import Redactor
from app.core.runner import EnvironmentSource, ProcessRunner, Runner
from app.core.runstate import RunState
from app.core.userpath import (
    ChangeTracker,
    RunnerGroups,
    UnusableFolder,
    remove_marked_lines,
    user_path_store,
)
from app.core.verify import FreshPath, Verification, fresh_path, verify_tool

log = logging.getLogger("ai_cli_setup.session")


class UnrecordedInstall(OSError):
    """An install that does not start: neither its log nor its progress can be written."""


@dataclass
class Session:
    runner: Runner
    catalog: Catalog
    paths: Paths
    detection: Detection | None = field(default=None)
    profile: Profile | None = field(default=None)  # pins and network setting for every plan
    extras: dict[str, Finding] = field(default_factory=dict)  # uv, WSL: not in Detection yet
    # Memory, disk, NVML and HTTP answers; None means "not checked".
    facts: Facts | None = field(default=None)
    elevator: Elevator | None = field(default=None)  # None: this system's own prompt
    # The container folder the last plan builds (the isolated scenario), with its spec.
    isolated: tuple[Path, container.ContainerSpec] | None = field(default=None)
    # Windows: HKCU\Environment and the registry PATH (None: the real registry).
    user_env: UserEnvironment | None = field(default=None)
    env_source: EnvironmentSource | None = field(default=None)
    # What the registry says each of the profile's pinned releases needs of Node.js (C07).
    pins: dict[str, PinnedRelease] = field(default_factory=dict)

    @classmethod
    def for_this_machine(cls, host: Host | None = None, catalog: Catalog | None = None) -> Session:
        host = host or Host.current()
        catalog = catalog or default_catalog()
        return cls(ProcessRunner(host), catalog, Paths.from_env(host.env), facts=LiveFacts(host))

    @classmethod
    def from_recording(cls, path: str | Path) -> Session:
        """A session that sees a recorded machine; logs still go to this one's folders."""
        runner, facts = replay(path)
        return cls(runner, default_catalog(), Paths.from_env(Host.current().env), facts=facts)

    @property
    def host(self) -> Host:
        return self.runner.host

    async def detect(
        self, only: Collection[str] | None = None, npm_prefix: str | None = None
    ) -> Detection:
        """What is on this machine; `only` limits it to some probes (see `detect`).

        A CLI that PATH misses is looked for in `npm_prefix`, the profile's and the
        folder the last install put the CLIs in too: installed there is "not on
        PATH", never "not installed" (C01).
        """
        last = self.last_run()
        chosen = (
            npm_prefix,
            self.profile.npm_prefix if self.profile else None,
            last.choices.npm_prefix if last else None,
        )
        prefixes = list(dict.fromkeys(p for p in chosen if p))
        detection, _ = await asyncio.gather(
            detect(self.runner, self.catalog, self.facts, only=only, prefixes=prefixes),
            self.look_up_pins(),
        )
        self.detection = detection
        return detection

    async def look_up_pins(self) -> dict[str, PinnedRelease]:
        """Ask the registry which Node.js each release the profile pins needs (C07).

        A plan for a pinned release then upgrades Node.js first, or says it cannot
        tell (offline, a recorded machine) instead of claiming the release will run.
        """
        pinned = [c for c in self.profile.tools if c.version] if self.profile else []
        if not pinned:
            self.pins = {}
            return self.pins
        assert self.profile is not None
        env = {**self.host.env, **dict(NPM_ENV), **dict(network_env(self.profile.network))}
        found = await asyncio.gather(
            *(
                published_node_floor(
                    self.runner, self.catalog.tool(c.id).npm_package, str(c.version), env
                )
                for c in pinned
            )
        )
        self.pins = {c.id: release for c, release in zip(pinned, found, strict=True)}
        return self.pins

    def default_prefix(self) -> str:
        """The global npm prefix when it is writable, else a user prefix."""
        node = self.detection.node if self.detection else None
        if node and node.npm_prefix and node.prefix_writable:
            return node.npm_prefix
        return self.host.default_user_npm_prefix()

    async def detect_extras(self, choices: Choices) -> dict[str, Finding]:
        """Findings the planner needs for `choices` that detect() does not make yet."""
        self.extras = await probe_extras(
            self.runner, uv=choices.uv, wsl=bool(choices.container_runtime)
        )
        return self.extras

    def plan(
        self, tool_ids: Sequence[str], prefix: str | None = None, choices: Choices | None = None
    ) -> Plan:
        """The ordered steps for the chosen tools (and, with `choices`, uv and a runtime)."""
        if self.detection is None:
            raise RuntimeError("detect() must run before plan()")
        choices = choices or Choices(tuple(tool_ids), prefix or None)
        if self.profile is not None:
            choices = choices_for(self.profile, choices)
            if self.profile.containers and self.profile.runtime == "auto":
                # The runtime `recommend` and `container init` name for this machine.
                scenario = self.profile.scenario or DEFAULT_SCENARIO
                runtime = (
                    choices.container_runtime
                    or self.container_runtime(choices.tools, scenario).runtime
                )
                choices = dataclasses.replace(choices, container_runtime=runtime)
        if self.profile is not None:
            choices = dataclasses.replace(choices, pins=self._pinned(self.profile))
        if choices.npm_prefix:
            problem = npm_prefix_problem(choices.npm_prefix, self.host)
            choices = dataclasses.replace(
                choices, npm_prefix_writable=not problem, npm_prefix_problem=problem
            )
        plan = build_plan(
            self.catalog,
            self.host,
            self.detection,
            choices,
            others=self.extras,
            # A recorded machine downloads into its own folders, not this one's.
            download_dir="" if self.host.is_recorded else str(self.paths.cache / "downloads"),
        )
        if self.profile is None:
            return plan
        return apply_profile(plan, self.profile, self.catalog, self.detection)

    def _pinned(self, profile: Profile) -> dict[str, PinnedRelease]:
        """The profile's pinned releases, with what the registry said about each."""
        pins = {}
        for choice in profile.tools:
            if not choice.version:
                continue
            known = self.pins.get(choice.id)
            if known is None or known.version != choice.version:
                known = PinnedRelease(choice.version, unknown="the registry was not asked")
            pins[choice.id] = known
        return pins

    def disk_shortfall(self, plan: Plan) -> DiskShortfall | None:
        """Too little free disk for `plan` at its npm folder, as far as this session knows."""
        # A recorded machine's folders are measured in its recording, not on this disk.
        measure = self.facts.disk_free if self.facts and not self.host.is_recorded else None
        return disk_shortfall(plan, self.detection, measure)

    def disk_warning(self, plan: Plan) -> str:
        """A sentence when the npm folder's disk looks too small for the plan, else ""."""
        shortfall = self.disk_shortfall(plan)
        return shortfall.sentence() if shortfall else ""

    def registry_warning(self, plan: Plan) -> str:
        """A sentence when the plan's npm steps need a registry that did not answer, else ""."""
        return registry_warning(plan, self.detection)

    def container_runtime(
        self, tool_ids: Sequence[str], scenario_id: str = DEFAULT_SCENARIO
    ) -> container.RuntimeChoice:
        """Docker or Podman for a container set-up: the recommendation for this machine."""
        if self.detection is None:
            raise RuntimeError("detect() must run before container_runtime()")
        machine = Machine.from_host(self.host, self.detection)
        advice = recommend(self.catalog, machine, scenario_id, tool_ids)
        return container.choose_runtime(self.catalog, advice, self.detection)

    def isolated_spec(
        self, tool_ids: Sequence[str], scenario_id: str = DEFAULT_SCENARIO
    ) -> container.ContainerSpec:
        """The container set-up for `tool_ids`, with the runtime this machine should use."""
        choice = self.container_runtime(tool_ids, scenario_id)
        return container.make_spec(
            self.catalog,
            container.default_settings(),
            runtime=choice.runtime,
            tools=tool_ids,
            system=self.host.system,
        )

    def plan_isolated(
        self,
        tool_ids: Sequence[str],
        prefix: str | None,
        folder: Path,
        scenario_id: str = DEFAULT_SCENARIO,
    ) -> Plan:
        """The tools, the container runtime, and last the image of `folder` built."""
        spec = self.isolated_spec(tool_ids, scenario_id)
        choices = Choices(tuple(tool_ids), prefix or None, container_runtime=spec.runtime)
        plan = self.plan(tool_ids, prefix, choices)
        # FIXME(container): the build does not wait for the runtime's steps (`needs`); when
        # the runtime failed to install, the build fails with "not found" and says so.
        self.isolated = (folder, spec)
        build = container.build_step(self.catalog, container.default_settings(), spec, folder)
        return dataclasses.replace(plan, steps=(*plan.steps, build))

    def container_folder_problem(self, folder: Path) -> str:
        """Why the wizard may not write its container files into `folder` ("" when it may)."""
        if (folder / container.MANIFEST).exists() or not folder.exists():
            return ""
        if not folder.is_dir():
            return f"{folder} is a file, not a folder."
        if any(folder.iterdir()):
            return f"{folder} already holds other files; choose an empty or new folder."
        return ""

    def write_isolated(self) -> container.WriteReport | None:
        """Write the files of the planned container folder (a folder it made before is renewed)."""
        if self.isolated is None:
            return None
        folder, spec = self.isolated
        gpu = self.detection.gpu if self.detection else None
        force = (folder / container.MANIFEST).exists()
        settings = container.default_settings()
        return container.init_folder(folder, spec, self.catalog, settings, gpu=gpu, force=force)

    @staticmethod
    def redo_unfinished(plan: Plan, state: RunState | None) -> Plan:
        """`plan` with the steps the resumed run did not finish due again.

        Detection may find such a tool: a killed npm can leave a package whose
        `--version` answers while files are missing, and a failed step (C08, an
        engine npm warned about) can leave one that answers but should not stay.
        """
        if state is None:
            return plan
        steps = tuple(
            dataclasses.replace(step, skip="")
            if step.skip and step.commands and state.unfinished(step.id)
            else step
            for step in plan.steps
        )
        return dataclasses.replace(plan, steps=steps)

    async def install(
        self,
        plan: Plan,
        on_event: EventSink | None = None,
        *,
        decide: Decide | None = None,
        state: RunState | None = None,
    ) -> RunReport:
        plan = self.redo_unfinished(plan, state)
        if state is None:
            state = RunState.start(self.paths.state, plan.choices, Redactor(self.host.env))
            if state.error is not None and current_log_path() is None:
                # Neither a log nor a run-state can be written: nothing would record what
                # this install changes, so it does not start (a full disk, a read-only mount).
                error = state.error
                where = error.filename or state.path
                raise UnrecordedInstall(error.errno, error.strerror, str(where)) from error
        state.written_to(current_log_path())
        try:
            (self.paths.cache / "downloads").mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # only steps that download need it; they say so themselves
            log.warning("the downloads folder cannot be made: %s", exc)
        report = await run_plan(
            plan,
            self.runner,
            self.catalog,
            on_event,
            decide=decide,
            state=state,
            elevator=self.elevator,
            env_source=self.env_source,
            changes=self.changes(),
        )
        # C03: detection and verification after the install see the refreshed PATH too.
        self.runner.host = dataclasses.replace(self.host, env=report.env)
        return report

    def last_run(self) -> RunState | None:
        """The run-state of the last install, for `install --resume`."""
        return RunState.load(self.paths.state, Redactor(self.host.env))

    def journal(self) -> Journal:
        """Every change the wizard made to the user's environment (Paths.state)."""
        return Journal.open(self.paths.state)

    def changes(self) -> ChangeTracker | None:
        """Journals and makes the changes an install (or a fix) makes to the environment.

        None on a recorded machine, whose files are not this machine's (unless a
        stand-in Windows registry was given).
        """
        host = self.host
        if host.is_recorded and self.user_env is None:
            return None
        return ChangeTracker(
            self.journal(),
            host,
            user_path_store(host, self.user_env),
            RunnerGroups(self.runner, self.elevator or elevator_for(host, self.runner)),
        )

    async def fresh_path(self) -> FreshPath:
        """The PATH a new terminal gets (login shell on Unix, registry on Windows)."""
        return await fresh_path(self.runner, self.env_source)

    async def verify(
        self, tool_ids: Sequence[str], prefix: str | None = None, fresh: FreshPath | None = None
    ) -> list[Verification]:
        """Each tool as a new terminal would find it; else where the last install put it."""
        fresh = fresh or await self.fresh_path()
        results = list(
            await asyncio.gather(
                *(verify_tool(self.runner, self.catalog, t, prefix, fresh) for t in tool_ids)
            )
        )
        last = self.last_run() if not prefix else None
        folder = last.choices.npm_prefix if last is not None else None
        missing = [i for i, result in enumerate(results) if result.status == "missing"]
        if folder and missing:
            # C01: installed with --npm-prefix, verified without it: "not on PATH", never
            # "install it" again.
            found = await asyncio.gather(
                *(
                    verify_tool(self.runner, self.catalog, tool_ids[i], folder, fresh)
                    for i in missing
                )
            )
            for i, result in zip(missing, found, strict=True):
                if result.status != "missing":
                    results[i] = result
        return results

    def add_to_path(self, folders: Sequence[str], step: str = "verify --fix-path") -> list[str]:
        """Save folders on the user's PATH (journaled, undoable): verification's fix (C01)."""
        changes = self.changes()
        if changes is None:
            return ["This is a recorded machine; nothing was changed."]
        said = []
        for folder in dict.fromkeys(folders):
            try:
                said += changes.add_to_path([folder], step)
            except UnusableFolder as exc:
                said.append(
                    f"Not put on PATH: {folder}: {exc.problem}. Install the tools into "
                    "another folder (--npm-prefix) and run this again."
                )
        return said

    async def undo(self, dry_run: bool = False) -> list[UndoResult]:
        """Reverse what the wizard changed in the user's environment, and nothing else."""
        host = self.host
        journal = self.journal()
        home = host.home or host.env.get("HOME", "")
        results = await undo(
            journal,
            user_env=self.user_env or (_winreg() if host.is_windows else None),
            groups=RunnerGroups(self.runner, self.elevator or elevator_for(host, self.runner)),
            marked=None if host.is_windows else partial(remove_marked_lines, home),
            dry_run=dry_run,
        )
        reversed_ids = {r.entry_id for r in results if r.status in ("undone", "partly")}
        state = self.last_run() if reversed_ids and not dry_run else None
        if state is not None:
            # A resumed install runs these steps again instead of "done in the earlier run".
            for entry in journal.entries:
                step = str(entry.get("step", ""))
                if entry.get("id") in reversed_ids and state.done(step):
                    state.mark(step, "undone", "Undone by `ai-cli-setup undo`.")
        return results

    async def verify_container(self, folder: Path) -> list[Verification]:
        """The tools inside the image of a `container init` folder (where="container")."""
        spec = container.read_spec(folder)
        docker = self.detection.docker if self.detection else None
        return await container.verify_in_container(
            self.runner, self.catalog, spec, docker=docker, folder=folder
        )

    async def build_container(
        self, folder: Path, on_event: EventSink | None = None, *, no_cache: bool = False
    ) -> container.BuildResult:
        """Build the image of a `container init` folder, streaming its output."""
        spec = container.read_spec(folder)
        return await container.build_image(
            self.runner,
            self.catalog,
            container.default_settings(),
            spec,
            folder,
            no_cache=no_cache,
            on_event=on_event,
        )


def _winreg() -> UserEnvironment:  # pragma: no cover - Windows only
    from app.core.userpath import WinregEnvironment

    return WinregEnvironment()
