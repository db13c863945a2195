"""The planner: from catalog, detection and choices to ordered install steps (pure).

Nothing here runs a command or reads the machine. Each step carries its
exact argument lists for this system, whether it needs admin rights, a
re-login or a reboot, a rough download size, and why it is skipped when
the machine already has what it is for.
"""

from __future__ import annotations

import ntpath
import posixpath
import shlex
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from app.core.catalog import Action, Catalog, Item, Method, Prerequisite, Tool, fill
from app.core.detect import Detection, DockerFinding, Finding, GpuFinding, NodeFinding
from app.core.engines import PinnedRelease
from app.core.host import Host
from app.core.versions import at_least, parse

NPM_ENV = (
    ("npm_config_update_notifier", "false"),
    ("npm_config_fund", "false"),
    ("npm_config_audit", "false"),
)

# Which package manager a Linux distribution uses, by os-release ID / ID_LIKE.
# FIXME(detect): probe which package managers are there instead of inferring them.
_LINUX_MANAGERS = {
    "debian": "apt",
    "ubuntu": "apt",
    "fedora": "dnf",
    "rhel": "dnf",
    "centos": "dnf",
    "rocky": "dnf",
    "almalinux": "dnf",
}
# The catalog item `--container-runtime` installs, per system.
_RUNTIME_ITEMS = {
    "docker": {"linux": "docker-engine", "macos": "docker-desktop", "windows": "docker-desktop"},
    "podman": {"linux": "podman", "macos": "podman", "windows": "podman"},
}
USER_PREFIX_STEP = "node.user-prefix"
PREFIX_PATH_STEP = "node.prefix-path"
DOCKER_GROUP_STEP = "docker-engine.group"


@dataclass(frozen=True)
class Command:
    """One argument list a step runs; a step's admin commands share one elevation prompt."""

    argv: tuple[str, ...]
    admin: bool = False


@dataclass(frozen=True)
class Step:
    """A catalog step (install or set-up method) made concrete for this machine.

    `id` is the catalog's step id (such as `git.apt`), so troubleshooting
    fixes and the run state name the same thing; an item with no method
    here keeps the item id, with the reason it is blocked.
    """

    id: str
    title: str
    commands: tuple[Command, ...] = ()
    tool_id: str | None = None
    needs: tuple[str, ...] = ()  # ids of steps that must succeed first
    env: tuple[tuple[str, str], ...] = ()
    relogin: bool = False
    reboot: bool = False
    download_mb: int = 0
    disk_mb: int = 0  # space once installed, downloads kept in caches included
    skip: str = ""  # why nothing needs doing: already there at the right version
    blocked: str = ""  # why the step cannot run on this machine
    note: str = ""  # something the user should know before it runs
    node_min: str = ""  # checked again just before the step runs, after a Node.js step (C07)
    refresh_path: bool = False  # the step may add folders to PATH (C03, C22)
    check: tuple[str, ...] = ()  # the command that shows an installed prerequisite works
    path_dirs: tuple[str, ...] = ()  # folders the step puts on PATH for later steps

    @property
    def argv(self) -> tuple[str, ...]:
        """The first command's arguments (what a one-line summary shows)."""
        return self.commands[0].argv if self.commands else ()

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
    # False when the user's own `npm_prefix` is a folder they may not write to (C06).
    npm_prefix_writable: bool = True
    npm_prefix_problem: str = ""  # why not, when known ("/srv/x is a file, not a folder")
    # FIXME(planner): nothing fills `latest` yet (`npm view PKG version`); until then an
    # installed CLI is skipped rather than upgraded.
    latest: Mapping[str, str] = field(default_factory=dict)  # newest known version per tool
    # Tools to install at one exact release (a profile's `version`), with the Node.js each
    # release needs as the registry said it (see `app.core.engines.published_node_floor`).
    pins: Mapping[str, PinnedRelease] = field(default_factory=dict)


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

    @property
    def disk_mb(self) -> int:
        """Free disk the steps that run need: downloads (kept in caches) and what they unpack to."""
        return sum(s.disk_mb for s in self.steps if not s.skip and not s.blocked)

    def step(self, step_id: str) -> Step:
        return next(s for s in self.steps if s.id == step_id)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description: what `plan --format json` prints."""
        return {
            "system": self.system,
            "manager": self.manager,
            "npm_prefix": self.npm_prefix,
            "download_mb": self.download_mb,
            "disk_mb": self.disk_mb,
            "steps": [
                {
                    "id": s.id,
                    "title": s.title,
                    "action": "skip" if s.skip else "blocked" if s.blocked else "run",
                    "commands": [{"argv": list(c.argv), "admin": c.admin} for c in s.commands],
                    "needs": list(s.needs),
                    "admin": s.admin,
                    "relogin": s.relogin,
                    "reboot": s.reboot,
                    "download_mb": s.download_mb,
                    "disk_mb": s.disk_mb,
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
    for distro in host.distros:
        if distro in _LINUX_MANAGERS:
            return _LINUX_MANAGERS[distro]
    return None


def display_command(argv: Sequence[str], system: str) -> str:
    """How a command is shown to the user (it is never run through a shell)."""
    if system == "windows":
        return subprocess.list2cmdline(list(argv))
    return shlex.join(argv)


@dataclass(frozen=True)
class _Concrete:
    """A method's actions as this machine runs them."""

    commands: tuple[Command, ...] = ()
    path_dirs: tuple[str, ...] = ()
    blocked: str = ""


class _Builder:
    """Collects steps for one plan."""

    def __init__(self, catalog: Catalog, host: Host, values: dict[str, str]) -> None:
        self.catalog = catalog
        self.host = host
        self.manager = package_manager(host)
        self.steps: list[Step] = []
        self.values = values

    def method(self, item: Item) -> Method | None:
        managers = {self.manager} if self.manager else set()
        return item.method_for(self.host.os_name, self.host.distros, managers)

    def concrete(self, method: Method, *, upgrade: bool = False) -> _Concrete:
        commands: list[Command] = []
        dirs: list[str] = []
        for action in method.actions:
            try:
                if action.kind == "path":
                    dirs.append(fill(action.dir, self.values))
                    continue
                commands.extend(self.commands(method, action, upgrade))
            except (KeyError, ValueError) as exc:
                return _Concrete(blocked=f"{action.describe()}: {exc.args[0]}")
        if any(not part for c in commands for part in c.argv):
            return _Concrete(blocked="The wizard could not tell your login name.")
        return _Concrete(tuple(commands), tuple(dirs))

    def commands(self, method: Method, action: Action, upgrade: bool) -> list[Command]:
        if action.kind == "script":
            # The guide's `curl URL | sh`: downloaded to a file first, then run from it.
            # FIXME(planner): a fresh Ubuntu desktop has no curl; download through the
            # wizard's own HTTP (requests + truststore) instead.
            suffix = ".ps1" if action.interpreter == "powershell" else ".sh"
            script = self.host.join(self.values["download"], method.id + suffix)
            url = fill(action.url, self.values)
            return [
                Command(("curl", "-fsSL", "-o", script, url)),
                Command(action.script_argv(script), action.admin),
            ]
        if action.runnable:
            return [Command(action.argv(self.values, upgrade=upgrade), action.admin)]
        raise ValueError("the wizard cannot do this itself yet; do it, then run it again.")

    def add(self, step: Step) -> Step:
        self.steps.append(step)
        return step

    def prerequisite(
        self,
        item_id: str,
        *,
        skip: str = "",
        upgrade: bool = False,
        needs: tuple[str, ...] = (),
        title: str = "",
        note: str = "",
    ) -> Step:
        item = self.catalog.item(item_id)
        method = self.method(item)
        title = title or f"{'Upgrade' if upgrade else 'Install'} {item.name}"
        if method is None:
            blocked = (
                ""
                if skip
                else f"The catalog has no way to install {item.name} on "
                f"{self.host.pretty_name}; install it yourself, then run the wizard again."
            )
            return self.add(Step(item_id, title, needs=needs, skip=skip, blocked=blocked))
        command = item.command_on(self.host.os_name) if isinstance(item, Prerequisite) else ""
        return self.method_step(
            method,
            title,
            skip=skip,
            needs=needs,
            upgrade=upgrade,
            note=" ".join(n for n in (note, method.note) if n),
            check=(command or item.command, "--version"),
        )

    def setup(
        self, step_id: str, *, skip: str = "", needs: tuple[str, ...] = (), title: str = ""
    ) -> Step:
        method = self.catalog.step(step_id)
        note = "" if skip else method.note
        return self.method_step(method, title or method.label, skip=skip, needs=needs, note=note)

    def method_step(
        self,
        method: Method,
        title: str,
        *,
        skip: str = "",
        needs: tuple[str, ...] = (),
        upgrade: bool = False,
        note: str = "",
        check: tuple[str, ...] = (),
    ) -> Step:
        """A catalog method as one step of this plan; nothing to run when `skip` says why."""
        concrete = self.concrete(method, upgrade=upgrade)
        if not method.applies_to(self.host.os_name, self.host.distros):
            concrete = _Concrete(blocked=f"{method.label} is not for {self.host.pretty_name}.")
        return self.add(
            Step(
                method.id,
                title,
                commands=() if skip else concrete.commands,
                needs=needs,
                relogin=method.relogin,
                reboot=method.reboot,
                download_mb=method.download_mb,
                disk_mb=_disk_mb(method),
                skip=skip,
                blocked="" if skip else concrete.blocked,
                note=note,
                refresh_path=bool(check or concrete.path_dirs),
                check=check,
                path_dirs=concrete.path_dirs,
            )
        )


def _present(finding: Finding | None) -> bool:
    return bool(finding and finding.present and finding.version)


def _node_need(
    catalog: Catalog, tools: Sequence[str], detection: Detection, choices: Choices
) -> tuple[str, str, str]:
    """The Node.js versions the chosen tools need: (hard floor, newest releases' minimum,
    which tool's release sets the floor above the catalog's, "" when none does).

    A pinned release needs what the registry says it does (its engines.node), not what
    the newest release or the catalog's floor needs; so does a release already
    installed that is kept (its package.json's engines.node, C07/C08 after the install).
    """
    key = lambda v: parse(v) or (0,)  # noqa: E731 - a sort key, read in place
    floors: list[tuple[str, str]] = [("0", "")]
    mins = ["0"]
    for tool_id in tools:
        tool = catalog.tool(tool_id)
        floor, best, why = tool.node_floor, tool.node_min, ""
        pin = choices.pins.get(tool_id)
        need = _release_need(detection.tools.get(tool_id), pin)
        if need is not None:
            release, node = need
            why = f"{tool.name} {release}"
            if pin is not None:  # that release is what is installed: it alone decides
                floor = best = node
            elif not at_least(floor, node):  # a newer Node.js keeps the installed one working
                floor, best = node, max(best, node, key=key)
        floors.append((floor, why if floor != tool.node_floor else ""))
        mins.append(best)
    floor, why = max(floors, key=lambda pair: key(pair[0]))
    return floor, max([*mins, floor], key=key), why


def _release_need(found: Finding | None, pin: PinnedRelease | None) -> tuple[str, str] | None:
    """(release, the Node.js it needs): the pinned one, else the one installed, if it says."""
    if pin is not None:
        if pin.node:
            return pin.version, pin.node
        kept = found is not None and found.version == pin.version
        node = getattr(found, "node_needed", "") if kept else ""
        return (pin.version, node) if node else None
    node = getattr(found, "node_needed", "") if _present(found) else ""
    if node and found is not None and found.version:
        return found.version, node
    return None


def default_npm_prefix(host: Host, node: NodeFinding, manager: str | None) -> tuple[str, bool]:
    """Where npm installs, and whether the user-level prefix must be set up first (C06)."""
    if node.present and node.npm_prefix and node.prefix_writable:
        return node.npm_prefix, False
    if host.system == "windows":
        # %APPDATA%\npm: the user's own, and on PATH since Node.js was installed.
        return host.default_user_npm_prefix(), False
    if node.present and node.npm_prefix:
        return host.default_user_npm_prefix(), True
    if host.system == "darwin" and manager == "brew":
        return ("/opt/homebrew" if host.machine == "arm64" else "/usr/local"), False
    return host.default_user_npm_prefix(), True  # a distribution's Node.js lives in /usr


# What build_plan reads from Detection, by probe key or group: an install of
# tools alone need not wait for the container runtimes, the GPU or the network.
_TOOL_FINDINGS = frozenset(
    {
        "os",
        "node",
        "git",
        "resources",
        "tools",
        "package_managers",
        "node_managers",
        "reach.npm-registry",  # a registry that does not answer is said before npm waits on it
    }
)


# Where a method does not say, what a download takes once unpacked, the download kept.
UNPACK_FACTOR = 2


def _disk_mb(method: Method) -> int:
    return method.download_mb + (method.disk_mb or method.download_mb * UNPACK_FACTOR)


def findings_needed(choices: Choices) -> frozenset[str] | None:
    """The detection probes a plan for `choices` rests on; None for all of them."""
    return None if choices.container_runtime else _TOOL_FINDINGS


def registry_warning(plan: Plan, detection: Detection | None) -> str:
    """A sentence when the plan's npm steps need a registry that did not answer, else "".

    A warning, not a block: npm may reach the registry through a proxy of its own
    (.npmrc) that the check does not use.
    """
    reach = detection.reach.get("npm-registry") if detection else None
    npm_steps = [s for s in plan.steps if s.argv[:1] == ("npm",) and not s.skip and not s.blocked]
    if reach is None or not reach.checked or reach.present or not npm_steps:
        return ""
    why = reach.summary.split(": ", 1)[-1]
    return (
        f"The npm registry {reach.url} did not answer ({why}), so the npm steps will "
        "most likely fail after npm's retries. Check the network, or the proxy "
        "(HTTPS_PROXY), first; if npm reaches it through a proxy of its own (.npmrc), "
        "go ahead."
    )


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
    floor, newest_min, floor_why = _node_need(catalog, tools, detection, choices)
    node = detection.node
    prefix, needs_user_prefix = default_npm_prefix(host, node, package_manager(host))
    if choices.npm_prefix:
        prefix, needs_user_prefix = choices.npm_prefix, False
    values = {
        "download": download_dir or host.join(host.home or "~", ".cache", "ai-cli-setup"),
        "node_major": str(max((parse(newest_min) or (20,))[0], 20)),
        "user": host.env.get("USER") or host.env.get("LOGNAME") or host.env.get("USERNAME", ""),
        "home": host.home,
        "npm_prefix": prefix,
        "npm_bin": host.npm_bin_dir(prefix),
    }
    b = _Builder(catalog, host, values)

    if choices.git and tools:
        git = detection.git
        skip = f"git {git.version} is already installed." if _present(git) else ""
        if git.unknown:
            skip = _not_blind("git", git)
        b.prerequisite("git", skip=skip)

    npm_needs: list[str] = []
    node_blocked = node_min = ""
    bin_off_path = False
    if tools:
        node_step = _plan_node(b, node, floor, newest_min, floor_why)
        if not node_step.skip:
            npm_needs.append(node_step.id)
        if not node_step.skip or node.unknown:  # each CLI step checks Node before it runs
            node_min = floor
        prefix_step = _plan_prefix(b, node, node_step, prefix, needs_user_prefix, choices)
        if not prefix_step.skip:
            npm_needs.append(prefix_step.id)
        elif node.present and choices.npm_prefix_writable and not _on_path(host, values["npm_bin"]):
            bin_off_path = True  # C01, C02: npm's shims land where a new terminal won't look
        node_blocked = node_step.blocked
    if choices.npm_prefix and not choices.npm_prefix_writable and not node_blocked:
        # Never `sudo npm`: the user picks a folder of their own instead.
        why = choices.npm_prefix_problem or "writing there needs admin rights"
        node_blocked = (
            f"npm cannot install into {prefix}: {why}. Choose a folder of your own, such "
            f"as {host.default_user_npm_prefix()}"
        )
        if why.endswith("admin rights"):
            node_blocked += "; the wizard never runs npm as admin"
        node_blocked += "."
    upgraded = bool(tools) and node.present and not at_least(node.version, floor)
    tool_steps = [
        _npm_step(
            catalog.tool(tool_id),
            host,
            detection,
            prefix,
            choices,
            tuple(npm_needs),
            node_upgraded=upgraded,
        )
        for tool_id in tools
    ]
    if bin_off_path and _uses_folder(host, values["npm_bin"], tool_steps, detection):
        b.setup(PREFIX_PATH_STEP, title=f"Put {values['npm_bin']} on PATH")
    for step in tool_steps:
        b.add(replace(step, node_min=node_min, blocked=node_blocked or step.blocked))

    if choices.uv:
        uv = others.get("uv")
        have = f"uv {uv.version} is already installed." if uv and _present(uv) else ""
        b.prerequisite("uv", skip=have)

    if choices.container_runtime:
        _plan_container_runtime(b, detection, choices.container_runtime, others.get("wsl"))

    return Plan(tuple(b.steps), prefix, host.system, b.manager, choices)


def _not_blind(what: str, finding: Finding) -> str:
    """The skip reason for a prerequisite whose check timed out or crashed."""
    return (
        f"Could not tell whether {what} is installed ({finding.summary}), so it is not "
        "installed blind. Re-scan, or correct the finding by hand."
    )


def _uses_folder(host: Host, folder: str, steps: Sequence[Step], detection: Detection) -> bool:
    """Whether a chosen CLI will be installed into npm's `folder` or is there already."""
    if any(not step.skip for step in steps):
        return True
    key = _folder_key(host)
    split = ntpath.dirname if host.is_windows else posixpath.dirname
    found = (detection.tools.get(step.tool_id or "") for step in steps)
    return any(f is not None and f.path and key(split(f.path)) == key(folder) for f in found)


def _folder_key(host: Host) -> Callable[[str], str]:
    """A folder as `host` compares folders: Windows ignores case and a trailing backslash."""
    if host.is_windows:
        return lambda folder: folder.rstrip("\\").lower()
    return lambda folder: folder.rstrip("/")


def _on_path(host: Host, folder: str) -> bool:
    key = _folder_key(host)
    return key(folder) in {key(p) for p in host.path_dirs()}


def _plan_node(b: _Builder, node: NodeFinding, floor: str, newest_min: str, why: str = "") -> Step:
    """Node.js as the chosen tools need it; `why` names a release that needs `floor`."""
    if node.unknown:
        return b.prerequisite("node", skip=_not_blind("Node.js", node))
    if not node.present:
        return b.prerequisite(
            "node", note=f"The chosen tools need Node.js {floor} or newer ({newest_min} is best)."
        )
    if not at_least(node.version, floor):
        needed = f"Node >= {floor} needed{f' by {why}' if why else ''}, found {node.version}."
        step = b.prerequisite(
            "node",
            upgrade=True,
            title=f"Upgrade Node.js {node.version} to {newest_min} or newer",
            note=needed,
        )
        if step.blocked:  # C07: no way to upgrade it here, so the CLIs cannot be installed
            b.steps[-1] = step = replace(step, blocked=f"{needed} {step.blocked}")
        return step
    if not node.npm_version:
        return b.prerequisite("node", note="npm was not found next to Node.js; reinstalling.")
    return b.prerequisite(
        "node", skip=f"Node.js {node.version} is already installed (>= {floor} needed)."
    )


def _plan_prefix(
    b: _Builder,
    node: NodeFinding,
    node_step: Step,
    prefix: str,
    needs_user_prefix: bool,
    choices: Choices,
) -> Step:
    if not needs_user_prefix:
        why = (
            f"npm installs into {prefix}, as asked."
            if choices.npm_prefix
            else f"npm's global folder {prefix} is yours to write to."
        )
        return b.setup(USER_PREFIX_STEP, title="Choose npm's folder", skip=why)
    step = b.setup(
        USER_PREFIX_STEP,
        title=f"Use your own npm folder {prefix}",
        needs=(node_step.id,) if not node_step.skip else (),
    )
    where = node.npm_prefix or "the system's folder"
    b.steps[-1] = step = replace(
        step,
        note=f"npm's global folder ({where}) needs admin rights; tools go into your own "
        "folder instead. npm is never run with sudo.",
    )
    return step


def _npm_step(
    tool: Tool,
    host: Host,
    detection: Detection,
    prefix: str,
    choices: Choices,
    needs: tuple[str, ...],
    *,
    node_upgraded: bool = False,
) -> Step:
    """The tool's npm method, into `prefix` (the guide's other methods are not planned yet).

    `node_upgraded`: the plan upgrades Node.js before this step, so what the machine's
    Node.js supports now is not what npm will see.
    """
    # FIXME(planner): offer the guide's recommended method per system (Homebrew cask,
    # WinGet, the native installer), which the catalog has, instead of npm everywhere.
    method = next(
        (m for m in tool.install if m.managers == ("npm",) and m.applies_to(host.os_name)), None
    )
    step_id = method.id if method else tool.id
    found = detection.tools.get(tool.id)
    latest = choices.latest.get(tool.id)
    pin = choices.pins.get(tool.id)
    node = detection.node
    title, skip, note, upgrade = f"Install {tool.name}", "", "", False
    unusable = False
    if _present(found):
        assert found is not None
        needed = getattr(found, "node_needed", "")
        unusable = bool(needed and node.present and not at_least(node.version, needed))
        if pin is not None and found.version != pin.version:
            note = f"Installed: {found.version}; the profile pins {pin.version}."
        elif unusable:
            # C07/C08 after an install: it answers, but declares a newer Node.js than this
            # one; it is not "already installed" until it works.
            note = (
                f"{tool.name} {found.version} is installed but needs Node.js {needed} or "
                f"newer, and this Node.js is {node.version}; it is installed again once "
                "Node.js is new enough."
            )
        elif latest and not at_least(found.version, latest):
            title, upgrade = f"Upgrade {tool.name}", True
            note = f"{tool.name} {found.version} is installed; {latest} is the newest."
        else:
            skip = f"{tool.name} {found.version} is already installed."
    elif found and found.present:
        note = f"{tool.name} is there but does not report a version; installing it again."
    if pin is not None and not skip and not unusable:
        note = " ".join(n for n in (note, _pin_note(tool, pin, node)) if n)
    old_enough = node.present and at_least(node.version, tool.node_floor)
    stays_old = old_enough and not at_least(node.version, tool.node_min) and not node_upgraded
    if pin is None and not skip and not unusable and stays_old:
        note = (
            f"The newest {tool.name} needs Node >= {tool.node_min}; with Node "
            f"{node.version} npm installs the newest release that supports it."
        )
    if method is None:
        blocked = f"The catalog has no npm method for {tool.name}."
        return Step(step_id, title, tool_id=tool.id, needs=needs, skip=skip, blocked=blocked)
    # npm install -g PACKAGE, with the prefix made explicit so it never needs sudo.
    (action,) = method.actions
    argv = action.argv(upgrade=upgrade)
    if pin is not None:  # PACKAGE (or PACKAGE@latest) becomes PACKAGE@VERSION
        package = tool.npm_package
        argv = tuple(
            f"{package}@{pin.version}" if a == package or a.startswith(package + "@") else a
            for a in argv
        )
    return Step(
        step_id,
        title,
        commands=(Command((*argv[:3], "--prefix", prefix, *argv[3:])),),
        tool_id=tool.id,
        needs=needs,
        env=NPM_ENV,
        download_mb=method.download_mb,
        disk_mb=_disk_mb(method),
        skip=skip,
        note=note,
    )


def _pin_note(tool: Tool, pin: PinnedRelease, node: NodeFinding) -> str:
    """What a pinned release needs of Node.js, as far as the registry said."""
    if not pin.known:
        return (
            f"The profile pins {tool.name} {pin.version}; which Node.js it needs is not known "
            f"({pin.unknown}). If it needs a newer one than this machine's, npm warns "
            "EBADENGINE and the step fails."
        )
    if pin.node and node.present and not at_least(node.version, pin.node):
        return f"{tool.name} {pin.version}, as the profile pins it, needs Node >= {pin.node}."
    return ""


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
            needs = (step.id,)
    item_id = _RUNTIME_ITEMS[runtime][b.host.os_name]
    if runtime == "podman":
        # FIXME(planner): a stopped podman machine (C17) should plan podman.machine-start.
        podman = detection.podman
        have = f"{podman.summary}." if podman is not None and podman.present else ""
        b.prerequisite(item_id, needs=needs, skip=have)
        return
    docker = detection.docker
    if docker.state == "absent":
        b.prerequisite(item_id, needs=needs)  # on Linux this adds the user to the group
        return
    b.prerequisite(item_id, skip=f"{docker.summary}.")
    user = b.values["user"]
    if b.host.system == "linux" and user and user != "root":
        # C15: the daemon is there; the user may still lack access to it.
        running = docker.state == "running"
        b.setup(
            DOCKER_GROUP_STEP,
            skip="Your user can already talk to the Docker daemon." if running else "",
            title=f"Let {user} use Docker",
        )
        if not running:
            b.steps[-1] = replace(b.steps[-1], note="Takes effect after you log out and back in.")


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


def npm_install_key(step: Step, prefix: str) -> tuple[object, ...] | None:
    """What must match for steps to share one npm call; None if the step cannot."""
    if step.tool_id is None or len(step.commands) != 1 or step.admin or step.path_dirs:
        return None
    argv = step.commands[0].argv
    head = argv[:-1]
    if argv[:2] != ("npm", "install") or "-g" not in head or "--prefix" not in head:
        return None
    at = head.index("--prefix")
    if at + 1 >= len(head) or head[at + 1] != prefix or argv[-1].startswith("-"):
        return None
    return (head, step.env, step.refresh_path)


def shared_npm_calls(plan: Plan) -> list[tuple[Step, ...]]:
    """Runs of two or more npm steps the install makes one npm call for, when each is ready
    as it comes (the install checks that again as it goes)."""
    runs: list[list[Step]] = []
    for step in plan.steps:
        key = npm_install_key(step, plan.npm_prefix)
        if key is None or step.skip or step.blocked:
            runs.append([])
            continue
        if runs and runs[-1] and npm_install_key(runs[-1][0], plan.npm_prefix) == key:
            runs[-1].append(step)
        else:
            runs.append([step])
    return [tuple(run) for run in runs if len(run) > 1]


def shared_call_argv(steps: Sequence[Step]) -> tuple[str, ...]:
    """The one npm call for `steps`: the first one's arguments, every step's package."""
    return (*steps[0].argv[:-1], *(step.argv[-1] for step in steps))


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
            lines.append(f"      $ {display_command(command.argv, plan.system)}{admin}")
        if step.needs:
            lines.append(f"      after: {', '.join(plan.step(n).title for n in step.needs)}")
        if step.note:
            lines.append(f"      note: {step.note}")
    for steps in shared_npm_calls(plan):
        lines.append(shared_call_sentence(steps))
        lines.append(f"      $ {display_command(shared_call_argv(steps), plan.system)}")
    total = plan.download_mb
    lines.append(f"About {total} MB to download." if total else "Nothing to download.")
    return lines


def shared_call_sentence(steps: Sequence[Step]) -> str:
    """What a shared npm call does, in words (the plan's text and the wizard's notes)."""
    *rest, last = [s.title.removeprefix("Install ") for s in steps]
    names = f"{', '.join(rest)} and {last}"
    return (
        f"{names} are installed with one npm call, which is quicker; each is then checked on "
        "its own, and if that call fails each is installed on its own:"
    )


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
        step = _npm_step(tool, host, detection, prefix, Choices(), ())
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
