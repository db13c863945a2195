"""The planner: from catalog, detection and choices to ordered install steps (pure).

Nothing here runs a command or reads the machine. Each step carries its
exact argument lists for this system, whether it needs admin rights, a
re-login or a reboot, a rough download size, and why it is skipped when
the machine already has what it is for.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from app.core.catalog import Catalog, Command, Method
from app.core.detect import Detection, DockerFinding, Finding, GpuFinding, NodeFinding
from app.core.host import Host
from app.core.versions import at_least, parse

NPM_ENV = (
    ("npm_config_update_notifier", "false"),
    ("npm_config_fund", "false"),
    ("npm_config_audit", "false"),
)

# Which package manager a Linux distribution uses, by os-release ID / ID_LIKE.
_LINUX_MANAGERS = {
    "debian": "apt",
    "ubuntu": "apt",
    "fedora": "dnf",
    "rhel": "dnf",
    "centos": "dnf",
    "rocky": "dnf",
    "almalinux": "dnf",
}


@dataclass(frozen=True)
class Step:
    """One thing the install does, with everything the user sees before it runs."""

    id: str
    title: str
    commands: tuple[Command, ...] = ()
    tool_id: str | None = None
    needs: tuple[str, ...] = ()  # ids of steps that must succeed first
    env: tuple[tuple[str, str], ...] = ()
    relogin: bool = False
    reboot: bool = False
    download_mb: int = 0
    skip: str = ""  # why nothing needs doing: already there at the right version
    blocked: str = ""  # why the step cannot run on this machine
    note: str = ""  # something the user should know before it runs
    node_min: str = ""  # checked again just before the step runs (C07)
    refresh_path: bool = False  # the step may add folders to PATH (C03, C22)

    @property
    def argv(self) -> tuple[str, ...]:
        """The first command's arguments (what a one-line summary shows)."""
        return self.commands[0].full_argv if self.commands else ()

    @property
    def admin(self) -> bool:
        return any(command.admin for command in self.commands)


@dataclass(frozen=True)
class Choices:
    """What the user asked for."""

    tools: tuple[str, ...] = ()
    npm_prefix: str | None = None
    git: bool = True
    uv: bool = False
    container_runtime: str | None = None  # "docker" | "podman" | None
    # FIXME(planner): nothing fills `latest` yet (`npm view PKG version`); until then an
    # installed CLI is skipped rather than upgraded.
    latest: Mapping[str, str] = field(default_factory=dict)  # newest known version per tool


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]
    npm_prefix: str
    system: str = ""
    manager: str | None = None
    choices: Choices = field(default_factory=Choices)

    @property
    def runnable(self) -> bool:
        return any(not s.blocked and not s.skip for s in self.steps)

    @property
    def download_mb(self) -> int:
        return sum(s.download_mb for s in self.steps if not s.skip and not s.blocked)

    def step(self, step_id: str) -> Step:
        return next(s for s in self.steps if s.id == step_id)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description: what `plan --format json` prints."""
        return {
            "system": self.system,
            "manager": self.manager,
            "npm_prefix": self.npm_prefix,
            "download_mb": self.download_mb,
            "steps": [
                {
                    "id": s.id,
                    "title": s.title,
                    "action": "skip" if s.skip else "blocked" if s.blocked else "run",
                    "commands": [{"argv": list(c.full_argv), "admin": c.admin} for c in s.commands],
                    "needs": list(s.needs),
                    "admin": s.admin,
                    "relogin": s.relogin,
                    "reboot": s.reboot,
                    "download_mb": s.download_mb,
                    "skip": s.skip,
                    "blocked": s.blocked,
                    "note": s.note,
                }
                for s in self.steps
            ],
        }


def package_manager(host: Host) -> str | None:
    """The package manager the plan uses on this system, or None when none is known."""
    if host.system == "windows":
        return "winget"
    if host.system == "darwin":
        return "brew"
    ids = [host.os_release.get("ID", ""), *host.os_release.get("ID_LIKE", "").split()]
    for distro in ids:
        if distro in _LINUX_MANAGERS:
            return _LINUX_MANAGERS[distro]
    return None


def display_command(argv: Sequence[str], system: str) -> str:
    """How a command is shown to the user (it is never run through a shell)."""
    if system == "windows":
        return subprocess.list2cmdline(list(argv))
    return shlex.join(argv)


class _Builder:
    """Collects steps for one plan."""

    def __init__(
        self,
        catalog: Catalog,
        host: Host,
        detection: Detection,
        download_dir: str,
        node_major: str,
    ) -> None:
        self.catalog = catalog
        self.host = host
        self.detection = detection
        self.manager = package_manager(host)
        self.steps: list[Step] = []
        self.values = {
            "download": download_dir,
            "node_major": node_major,
            "user": host.env.get("USER") or host.env.get("LOGNAME") or "",
        }

    def method(self, prereq_id: str) -> Method | None:
        prereq = self.catalog.prerequisite(prereq_id)
        order = tuple(m for m in (self.manager, "script", "system") if m)
        return prereq.method(self.host.system, order)

    def fill(self, commands: Sequence[Command]) -> tuple[Command, ...]:
        def one(arg: str) -> str:
            for key, value in self.values.items():
                arg = arg.replace("{" + key + "}", value)
            return arg

        return tuple(
            replace(c, argv=tuple(one(a) for a in c.argv), append=tuple(one(a) for a in c.append))
            for c in commands
        )

    def prerequisite(
        self,
        prereq_id: str,
        *,
        skip: str = "",
        upgrade: bool = False,
        needs: tuple[str, ...] = (),
        title: str = "",
        note: str = "",
    ) -> Step:
        prereq = self.catalog.prerequisite(prereq_id)
        method = self.method(prereq_id)
        verb = "Upgrade" if upgrade else "Install"
        title = title or f"{verb} {prereq.name}"
        if method is None:
            where = self.host.pretty_name
            step = Step(
                prereq_id,
                title,
                needs=needs,
                skip=skip,
                blocked=""
                if skip
                else f"The catalog has no way to install {prereq.name} on "
                f"{where}; install it yourself, then run the wizard again.",
            )
        else:
            commands = method.upgrade if upgrade and method.upgrade else method.commands
            notes = " ".join(n for n in (note, method.note) if n)
            step = Step(
                prereq_id,
                title,
                commands=self.fill(commands),
                needs=needs,
                relogin=method.relogin,
                reboot=method.reboot,
                download_mb=method.download_mb,
                skip=skip,
                note=notes,
                refresh_path=True,
            )
        self.steps.append(step)
        return step


def _present(finding: Finding | None) -> bool:
    return bool(finding and finding.present and finding.version)


def _node_need(catalog: Catalog, tools: Sequence[str]) -> tuple[str, str]:
    """The Node.js versions the chosen tools need: (hard floor, newest releases' minimum)."""
    floors = [catalog.tool(t).node_floor for t in tools] or ["0"]
    mins = [catalog.tool(t).node_min for t in tools] or ["0"]
    key = lambda v: parse(v) or (0,)  # noqa: E731 - a sort key, read in place
    return max(floors, key=key), max(mins, key=key)


def default_npm_prefix(host: Host, node: NodeFinding, manager: str | None) -> tuple[str, bool]:
    """Where npm installs, and whether the user-level prefix must be set up first (C06)."""
    if node.present and node.npm_prefix:
        if node.prefix_writable:
            return node.npm_prefix, False
        return host.default_user_npm_prefix(), True
    if host.system == "windows":
        return host.default_user_npm_prefix(), False  # %APPDATA%\npm, the user's own
    if host.system == "darwin" and manager == "brew":
        return ("/opt/homebrew" if host.machine == "arm64" else "/usr/local"), False
    return host.default_user_npm_prefix(), True  # a distribution's Node.js lives in /usr


def build_plan(
    catalog: Catalog,
    host: Host,
    detection: Detection,
    choices: Choices,
    *,
    others: Mapping[str, Finding] | None = None,
    download_dir: str = "",
) -> Plan:
    """The ordered steps that take this machine to what `choices` asks for.

    `others` holds findings that detection does not make yet, by
    prerequisite id: "uv", and "wsl" (present when WSL 2 and the Virtual
    Machine Platform are ready; see `wsl_finding`).
    """
    # FIXME(detect): uv and WSL findings belong in Detection; they come in through `others`.
    others = others or {}
    tools = [t for t in choices.tools if catalog.tool(t)]
    floor, newest_min = _node_need(catalog, tools)
    node_major = str(max((parse(newest_min) or (20,))[0], 20))
    download_dir = download_dir or host.join(host.home or "~", ".cache", "ai-cli-setup")
    b = _Builder(catalog, host, detection, download_dir, node_major)
    node = detection.node

    if choices.git and tools:
        git = detection.git
        skip = f"git {git.version} is already installed." if _present(git) else ""
        b.prerequisite("git", skip=skip)

    prefix, needs_user_prefix = default_npm_prefix(host, node, b.manager)
    if choices.npm_prefix:
        prefix, needs_user_prefix = choices.npm_prefix, False
    npm_needs: list[str] = []
    if tools:
        node_step = _plan_node(b, node, floor, newest_min)
        if not node_step.skip:
            npm_needs.append("node")
        prefix_step = _plan_prefix(b, node, prefix, needs_user_prefix, choices)
        if not prefix_step.skip:
            npm_needs.append("npm-prefix")
        node_blocked = node_step.blocked
    for tool_id in tools:
        b.steps.append(
            _npm_step(catalog, host, detection, tool_id, prefix, choices, tuple(npm_needs))
        )
        if node_blocked:
            b.steps[-1] = replace(b.steps[-1], blocked=node_blocked)

    if choices.uv:
        uv = others.get("uv")
        have = f"uv {uv.version} is already installed." if uv and _present(uv) else ""
        b.prerequisite("uv", skip=have)

    if choices.container_runtime:
        _plan_container_runtime(b, detection, choices.container_runtime, others.get("wsl"))

    return Plan(tuple(b.steps), prefix, host.system, b.manager, choices)


def _plan_node(b: _Builder, node: NodeFinding, floor: str, newest_min: str) -> Step:
    if not node.present:
        return b.prerequisite(
            "node", note=f"The chosen tools need Node.js {floor} or newer ({newest_min} is best)."
        )
    if not at_least(node.version, floor):
        step = b.prerequisite(
            "node",
            upgrade=True,
            title=f"Upgrade Node.js {node.version} to {newest_min} or newer",
            note=f"Node >= {floor} needed, found {node.version}.",
        )
        if step.blocked:  # C07: no way to upgrade it here, so the CLIs cannot be installed
            b.steps[-1] = step = replace(
                step, blocked=f"Node >= {floor} needed, found {node.version}. {step.blocked}"
            )
        return step
    if not node.npm_version:
        return b.prerequisite("node", note="npm was not found next to Node.js; reinstalling.")
    return b.prerequisite(
        "node", skip=f"Node.js {node.version} is already installed (>= {floor} needed)."
    )


def _plan_prefix(
    b: _Builder, node: NodeFinding, prefix: str, needs_user_prefix: bool, choices: Choices
) -> Step:
    node_planned = any(s.id == "node" and not s.skip for s in b.steps)
    if needs_user_prefix:
        # FIXME(journal): `npm config set prefix` edits ~/.npmrc; record it for undo (issue 5.5).
        where = node.npm_prefix or "the system's folder"
        step = Step(
            "npm-prefix",
            f"Use your own npm folder {prefix}",
            commands=(Command(("npm", "config", "set", "prefix", prefix)),),
            needs=("node",) if node_planned else (),
            note=f"npm's global folder ({where}) needs admin rights; tools go into your own "
            "folder instead. npm is never run with sudo.",
            refresh_path=True,
        )
    else:
        why = (
            f"npm installs into {prefix}, as asked."
            if choices.npm_prefix
            else f"npm's global folder {prefix} is yours to write to."
        )
        step = Step("npm-prefix", "Choose npm's folder", skip=why)
    b.steps.append(step)
    return step


def _npm_step(
    catalog: Catalog,
    host: Host,
    detection: Detection,
    tool_id: str,
    prefix: str,
    choices: Choices,
    needs: tuple[str, ...],
) -> Step:
    tool = catalog.tool(tool_id)
    found = detection.tools.get(tool_id)
    latest = choices.latest.get(tool_id)
    package, title, skip, note = tool.npm_package, f"Install {tool.name}", "", ""
    if _present(found):
        assert found is not None
        if latest and not at_least(found.version, latest):
            package, title = f"{tool.npm_package}@latest", f"Upgrade {tool.name}"
            note = f"{tool.name} {found.version} is installed; {latest} is the newest."
        else:
            skip = f"{tool.name} {found.version} is already installed."
    elif found and found.present:
        note = f"{tool.name} is there but does not report a version; installing it again."
    node = detection.node
    old_enough = node.present and at_least(node.version, tool.node_floor)
    if not skip and old_enough and not at_least(node.version, tool.node_min):
        note = (
            f"The newest {tool.name} needs Node >= {tool.node_min}; with Node "
            f"{node.version} npm installs the newest release that supports it."
        )
    return Step(
        f"npm:{tool_id}",
        title,
        commands=(Command(("npm", "install", "-g", "--prefix", prefix, package)),),
        tool_id=tool_id,
        needs=needs,
        env=NPM_ENV,
        download_mb=catalog.download_mb.get(tool_id, 0),
        skip=skip,
        note=note,
        node_min=tool.node_floor,
    )


def _plan_container_runtime(
    b: _Builder, detection: Detection, runtime: str, wsl: Finding | None
) -> None:
    needs: tuple[str, ...] = ()
    if b.host.system == "windows":
        ready = wsl is not None and wsl.present
        skip = "WSL 2 and the Virtual Machine Platform are ready." if ready else ""
        note = (
            wsl.summary
            if wsl is not None and wsl.summary
            else "The wizard could not tell whether WSL is ready."
        )
        step = b.prerequisite("wsl", skip=skip, note="" if ready else note)
        if not step.skip:
            needs = ("wsl",)
    if runtime == "podman":
        # FIXME(detect): Detection has no Podman finding yet; Podman is always planned.
        b.prerequisite("podman", needs=needs)
        return
    docker = detection.docker
    state = docker.state
    if state == "absent":
        b.prerequisite("docker", needs=needs)
    else:
        b.prerequisite("docker", skip=f"{docker.summary}.")
    if b.host.system == "linux" and b.values["user"] and b.values["user"] != "root":
        skip = "Your user can already talk to the Docker daemon." if state == "running" else ""
        needs = ("docker",) if state == "absent" else ()
        b.prerequisite(
            "docker-group",
            skip=skip,
            needs=needs,
            title=f"Let {b.values['user']} use Docker",
            note="Takes effect after you log out and back in." if not skip else "",
        )


def wsl_finding(output: str, ok: bool) -> Finding:
    """What `wsl --status` (or a failed container start) says about WSL 2 (C16)."""
    text = output.replace("\x00", "")
    missing_vm = any(
        marker in text
        for marker in (
            "HCS_E_HYPERV_NOT_INSTALLED",
            "Virtual Machine Platform",
            "WSL_E_VIRTUAL_MACHINE_PLATFORM_REQUIRED",
            "virtualization",
        )
    )
    not_installed = "is not installed" in text or "WSL_E_WSL_OPTIONAL_COMPONENT_REQUIRED" in text
    if missing_vm:
        summary = (
            "Windows' Virtual Machine Platform (virtualization) is off, so WSL 2 cannot run "
            "containers. Turning it on needs admin rights and a restart."
        )
        return Finding("WSL", False, None, None, summary)
    if not ok or not_installed:
        return Finding("WSL", False, None, None, "WSL is not installed.")
    return Finding("WSL", True, "2", None, "WSL 2 is ready.")


def render_plan(plan: Plan, host_name: str = "") -> list[str]:
    """The plan as lines of text, as `ai-cli-setup plan` prints it."""
    manager = f" with {plan.manager}" if plan.manager else ""
    lines = [f"Plan for {host_name or plan.system}{manager}; npm folder {plan.npm_prefix}"]
    number = 0
    for step in plan.steps:
        if step.skip:
            lines.append(f"  -  {step.title}: skipped. {step.skip}")
            continue
        number += 1
        marks = [m for m, on in (("admin", step.admin), ("re-login", step.relogin)) if on]
        marks += ["restart"] if step.reboot else []
        size = f"  ~{step.download_mb} MB" if step.download_mb else ""
        tags = "".join(f" [{m}]" for m in marks)
        lines.append(f"  {number:>2}. {step.title}{tags}{size}")
        if step.blocked:
            lines.append(f"      blocked: {step.blocked}")
        for command in step.commands:
            admin = " (admin)" if command.admin else ""
            lines.append(f"      $ {display_command(command.full_argv, plan.system)}{admin}")
        if step.needs:
            lines.append(f"      after: {', '.join(plan.step(n).title for n in step.needs)}")
        if step.note:
            lines.append(f"      note: {step.note}")
    total = plan.download_mb
    lines.append(f"About {total} MB to download." if total else "Nothing to download.")
    return lines


def plan_npm_install(
    catalog: Catalog, host: Host, tool_ids: Sequence[str], prefix: str, node: NodeFinding
) -> Plan:
    """Only the `npm install -g` steps, blocked where Node.js cannot run a CLI (C07)."""
    steps = []
    detection = Detection(
        "",
        host.system,
        host.machine,
        node,
        Finding("git", False),
        DockerFinding("Docker", False),
        GpuFinding("GPU", False),
    )
    for tool_id in tool_ids:
        tool = catalog.tool(tool_id)
        step = _npm_step(catalog, host, detection, tool_id, prefix, Choices(), ())
        if not node.present:
            step = replace(
                step, blocked=f"Node.js {tool.node_min} or newer is needed and none was found."
            )
        elif not node.npm_version:
            step = replace(step, blocked="npm was not found next to Node.js.")
        elif not at_least(node.version, tool.node_floor):
            step = replace(step, blocked=f"Node >= {tool.node_floor} needed, found {node.version}.")
        steps.append(step)
    return Plan(tuple(steps), prefix, host.system, None, Choices(tuple(tool_ids), prefix))
