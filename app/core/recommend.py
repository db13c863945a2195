"""The guide's recommendation for one machine and scenario, with its reason.

Pure: `recommend(catalog, machine, scenario_id, tools)` reads only the
catalog and the `Machine` facts (built from a `Host` and, when there is one,
a `Detection`). It picks the container runtime the Recommendation Summary
names for this system, checks the hard requirements the guide states, and
picks each item's install method the way the guide ranks them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.core.catalog import Catalog, Item, Method, Prerequisite, RuntimeOption, Scenario
from app.core.host import Host, resolve_executable
from app.core.versions import at_least

OS_LABELS = {"windows": "Windows", "macos": "macOS", "linux": "Linux"}
DEFAULT_SCENARIO = "isolated-ai-clis"
FALLBACK_SCENARIO = "general"
# Which catalog item provides each package manager a method may need.
MANAGER_ITEMS = {"brew": "homebrew", "winget": "winget", "npm": "node"}
# What a system usually has when its package managers were not probed.
USUAL_MANAGERS = {
    "macos": frozenset({"brew", "npm"}),
    "windows": frozenset({"winget", "npm"}),
    "linux": frozenset({"apt", "dnf", "npm"}),
}
RUNNING = ("running", "installed", "daemon-down", "permission-denied", "starting", "cli-only")


@dataclass(frozen=True)
class Machine:
    """The facts about a machine that a recommendation depends on.

    Empty strings and None mean "not known"; the recommender then assumes a
    requirement is met and says so, so `--os macos` shows the guide's table.
    """

    os: str
    arch: str = ""  # x86_64 | arm64
    os_version: str = ""  # macOS "26.1", Ubuntu "24.04", Windows "10.0.22631"
    distros: tuple[str, ...] = ()  # os-release ID then ID_LIKE, e.g. ("ubuntu", "debian")
    gpu: str = "unknown"  # none | nvidia | nvidia-driver-missing | apple | other | unknown
    runtimes: dict[str, str] = field(default_factory=dict)  # item id -> detected state
    present: frozenset[str] = frozenset()  # item ids found installed
    managers: frozenset[str] | None = None  # package managers found; None = not probed
    large_company: bool | None = None  # more than 250 employees (Docker Desktop licence)
    name: str = ""  # how to call the system, e.g. "Debian GNU/Linux 12 (bookworm)"
    musl: bool = False  # Alpine and other musl Linux (C21)
    commands: frozenset[str] = frozenset()  # prerequisite commands found on PATH (musl only)

    @classmethod
    def from_host(cls, host: Host, detection: Any = None, **overrides: Any) -> Machine:
        """Facts from a Host and, optionally, an `app.core.detect.Detection`."""
        os_name = host.os_name
        facts: dict[str, Any] = {
            "os": os_name,
            "arch": normalise_arch(host.machine),
            "os_version": _os_version(host, os_name),
            "distros": host.distros,
            "name": host.pretty_name if os_name != "macos" else "",
        }
        if os_name == "macos" and facts["arch"] == "arm64":
            facts["gpu"] = "apple"
        if detection is not None:
            facts.update(_from_detection(detection, os_name))
        if facts.get("musl"):
            found = {c for c in MUSL_NATIVE_COMMANDS if resolve_executable(c, host)}
            facts["commands"] = frozenset(found)
        facts.update(overrides)
        return cls(**facts)

    def describe(self) -> str:
        parts = [self.name] if self.name else [OS_LABELS.get(self.os, self.os)]
        if self.os_version and not self.name:
            parts.append(self.os_version)
        if self.arch:
            parts.append(f"on {self.arch}")
        return " ".join(parts)


def normalise_arch(machine: str) -> str:
    value = machine.lower()
    if value in ("x86_64", "amd64", "x64"):
        return "x86_64"
    if value in ("arm64", "aarch64"):
        return "arm64"
    return value


def macos_version_from_darwin(release: str) -> str:
    """macOS's version from the Darwin kernel release (`platform.release()`).

    Darwin 20-24 are macOS 11-15; Apple then jumped to 26 for Darwin 25.
    """
    try:
        major = int(release.split(".")[0])
    except ValueError:
        return ""
    if major >= 25:
        return str(major + 1)
    if major >= 20:
        return str(major - 9)
    return f"10.{major - 4}" if major >= 5 else ""


def _os_version(host: Host, os_name: str) -> str:
    if os_name == "macos":
        return macos_version_from_darwin(host.release)
    if os_name == "linux":
        return host.os_release.get("VERSION_ID", "")
    return host.release


def _from_detection(detection: Any, os_name: str) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    os_finding = getattr(detection, "os", None)
    if os_finding is not None and getattr(os_finding, "musl", False):
        facts["musl"] = True
    if os_finding is not None and os_finding.arch:
        # The hardware's architecture: an Apple silicon Mac under Rosetta is arm64.
        facts["arch"] = normalise_arch(os_finding.arch)
    gpu = getattr(detection, "gpu", None)
    state = getattr(gpu, "state", None)
    if isinstance(state, str) and state:
        facts["gpu"] = state
    runtimes: dict[str, str] = {}
    present: set[str] = set()
    docker = getattr(detection, "docker", None)
    if docker is not None and docker.state != "absent":
        runtime = "docker-engine" if os_name == "linux" else "docker-desktop"
        runtimes[runtime] = docker.state
        present.add(runtime)
    for runtime, key in (("podman", "podman"), ("apple-container", "apple_container")):
        finding = getattr(detection, key, None)
        if finding is not None and finding.present:
            runtimes[runtime] = finding.state
            present.add(runtime)
    for name in ("node", "git"):
        finding = getattr(detection, name, None)
        if finding is not None and finding.present:
            present.add(name)
    for manager, item in (("winget", "winget"), ("brew", "homebrew")):
        finding = getattr(detection, "package_managers", {}).get(manager)
        if finding is not None and finding.present:
            present.add(item)
    for tool_id, finding in getattr(detection, "tools", {}).items():
        if finding.present:
            present.add(tool_id)
    facts["runtimes"] = runtimes
    facts["present"] = frozenset(present)
    return facts


@dataclass(frozen=True)
class Check:
    """A hard requirement: met (True), not met (False) or not known (None)."""

    name: str
    passed: bool | None
    message: str


@dataclass(frozen=True)
class PlannedMethod:
    """The install method chosen for one item on this machine."""

    # FIXME(planner): this is a summary of what `planner.build_plan` makes into steps;
    # once the planner takes a recommendation's runtime option, show its steps instead.

    item_id: str
    name: str
    step_id: str
    label: str
    actions: tuple[str, ...]
    admin: bool = False
    relogin: bool = False
    reboot: bool = False
    present: bool = False
    note: str = ""


@dataclass(frozen=True)
class Recommendation:
    scenario_id: str
    scenario_name: str
    os: str
    cell: str  # the guide's words for this scenario and system
    runtime: str | None  # runtime option id, None where the guide names none
    runtime_name: str
    reason: str  # one sentence citing the guide's table
    installs: tuple[PlannedMethod, ...] = ()
    setup: tuple[str, ...] = ()  # step ids to run after installing
    alternatives: tuple[str, ...] = ()  # other options of the cell that fit
    rejected: tuple[tuple[str, str], ...] = ()  # option id, why it does not fit
    checks: tuple[Check, ...] = ()
    notes: tuple[str, ...] = ()


def recommend(
    catalog: Catalog, machine: Machine, scenario_id: str, tools: Sequence[str] = ()
) -> Recommendation:
    """The guide's recommendation for `machine` and the chosen scenario."""
    scenario = catalog.scenario(scenario_id)
    cell = scenario.cells[machine.os]
    where = f"{scenario.name} on {OS_LABELS[machine.os]}"
    judged = [
        (catalog.options[o], option_checks(catalog, catalog.options[o], machine))
        for o in cell.options
    ]
    fitting = [(o, c) for o, c in judged if all(ch.passed is not False for ch in c)]
    rejected = tuple((o.id, _failures(c)) for o, c in judged if (o, c) not in fitting)
    notes: list[str] = [cell.note] if cell.note else []
    if not cell.options:
        reason = (
            f"The guide's Recommendation Summary gives no container runtime for {where} "
            f"(“{cell.text}”), so only the tools are installed."
        )
        return Recommendation(
            scenario.id, scenario.name, machine.os, cell.text, None, "", reason,
            installs=_installs(catalog, machine, [], tools), notes=tuple(notes),
        )  # fmt: skip
    if fitting:
        ranked = sorted(fitting, key=lambda oc: _preference(catalog, oc[0], machine))
        option, checks = ranked[0]
        reason = (
            f"{option.name}, because the guide's Recommendation Summary gives "
            f"“{cell.text}” for {where}{_why_this_one(catalog, option, ranked, machine)}."
        )
        alternatives = tuple(o.id for o, _ in ranked[1:])
    else:
        option, checks, reason = _fallback(catalog, scenario, machine, rejected)
        alternatives = ()
    notes.extend(_notes(catalog, scenario, option, machine))
    notes.extend(_installed_elsewhere(catalog, cell.options, option, machine, where))
    items = list(option.items)
    setup = list(option.setup)
    gpu_checks = _gpu(catalog, scenario, option, machine, items, setup, notes)
    return Recommendation(
        scenario_id=scenario.id,
        scenario_name=scenario.name,
        os=machine.os,
        cell=cell.text,
        runtime=option.id,
        runtime_name=option.name,
        reason=reason,
        installs=_installs(catalog, machine, items, tools),
        setup=tuple(setup),
        alternatives=alternatives,
        rejected=rejected,
        checks=_unique([*(c for _, cs in judged for c in cs), *checks, *gpu_checks]),
        notes=tuple(dict.fromkeys(notes)),
    )


def _installed_elsewhere(
    catalog: Catalog,
    cell_options: Sequence[str],
    option: RuntimeOption,
    machine: Machine,
    where: str,
) -> list[str]:
    """A runtime found here that the guide's cell does not name: said, never chosen."""
    named = {i for o in cell_options for i in catalog.options[o].items}
    notes = []
    for item_id in machine.runtimes:
        if item_id in named or item_id in option.items or item_id not in catalog.items:
            continue
        name = catalog.item(item_id).name
        notes.append(
            f"{name} is installed here too, but the guide names {option.name} for {where}; "
            f"choose {name} yourself to use it instead."
        )
    return notes


def _unique(checks: Iterable[Check]) -> tuple[Check, ...]:
    return tuple(dict.fromkeys(checks))


def option_checks(catalog: Catalog, option: RuntimeOption, machine: Machine) -> list[Check]:
    """The guide's hard requirements for every item of a runtime option."""
    checks: list[Check] = []
    for item_id in option.items:
        item = catalog.item(item_id)
        if isinstance(item, Prerequisite):
            checks.extend(item_checks(item, machine))
    return checks


def item_checks(item: Prerequisite, machine: Machine) -> list[Check]:
    checks = []
    label = OS_LABELS[machine.os]
    if machine.os not in item.platforms:
        systems = ", ".join(OS_LABELS[p] for p in item.platforms)
        only = f"{systems} only" if len(item.platforms) == 1 else f"for {systems}"
        checks.append(Check(f"{item.id}:os", False, f"{item.name} is {only}, not {label}."))
        return checks
    if item.requires_arch:
        need = " or ".join("Apple silicon" if a == "arm64" else a for a in item.requires_arch)
        if not machine.arch:
            checks.append(
                Check(f"{item.id}:arch", None, f"{item.name} needs {need} (not checked).")
            )
        elif machine.arch not in item.requires_arch:
            checks.append(
                Check(
                    f"{item.id}:arch", False, f"{item.name} needs {need}; this is {machine.arch}."
                )
            )
        else:
            checks.append(Check(f"{item.id}:arch", True, f"{item.name} needs {need}: yes."))
    minimum = item.requires_os_version.get(machine.os)
    if minimum:
        need = f"{label} {minimum} or newer"
        if not machine.os_version:
            checks.append(
                Check(f"{item.id}:os-version", None, f"{item.name} needs {need} (not checked).")
            )
        elif not at_least(machine.os_version, minimum):
            message = f"{item.name} needs {need}; this is {label} {machine.os_version}."
            checks.append(Check(f"{item.id}:os-version", False, message))
        else:
            checks.append(Check(f"{item.id}:os-version", True, f"{item.name} needs {need}: yes."))
    return checks


def _failures(checks: Iterable[Check]) -> str:
    return "; ".join(c.message.rstrip(".") for c in checks if c.passed is False) + "."


def _preference(catalog: Catalog, option: RuntimeOption, machine: Machine) -> tuple[int, ...]:
    """Lower is better: working here now, installed, licence-free for large companies,
    installable. A Docker whose daemon is down loses to a Podman that runs."""
    works = _works(option, machine)
    installed = any(
        machine.runtimes.get(i) in RUNNING or i in machine.present for i in option.items
    )
    licensed = machine.large_company is True and _licence_limited(catalog, option)
    installable = all(_recommended(catalog.item(i), machine) for i in option.items)
    return (not works, not installed, licensed, not installable)


def _works(option: RuntimeOption, machine: Machine) -> bool:
    """Whether the option's runtime was found running: it can build images now."""
    return any(machine.runtimes.get(i) == "running" for i in option.items)


# How a detected runtime state reads after "installed but".
_NOT_WORKING = {
    "daemon-down": "its daemon is not running",
    "permission-denied": "this user may not use it yet",
    "cli-only": "only its client is there",
    "starting": "still starting",
    "machine-absent": "has no machine yet",
    "machine-stopped": "its machine is stopped",
    "machine-unreachable": "its machine does not answer",
    "stopped": "its service is stopped",
}


def _recommended(item: Item, machine: Machine) -> bool:
    """Whether the item has an install method recommended for this system (and distribution)."""
    method = _method(item, machine)
    return method is not None and machine.os in method.recommended


def _licence_limited(catalog: Catalog, option: RuntimeOption) -> bool:
    return any("paid" in getattr(catalog.item(i), "licence", "").lower() for i in option.items)


def _why_this_one(
    catalog: Catalog,
    option: RuntimeOption,
    ranked: list[tuple[RuntimeOption, list[Check]]],
    machine: Machine,
) -> str:
    if len(ranked) < 2:
        return ""
    best, runner_up = (
        _preference(catalog, option, machine),
        _preference(catalog, ranked[1][0], machine),
    )
    other = ranked[1][0]
    if best[0] < runner_up[0]:
        states = [machine.runtimes[i] for i in other.items if i in machine.runtimes]
        if states:
            why = _NOT_WORKING.get(states[0], f"not working ({states[0]})")
            return f", and it works here now ({other.name} is installed but {why})"
        return ", and it works here now"
    if best[1] < runner_up[1]:
        return ", and it is already installed here"
    if best[2] < runner_up[2]:
        return f", and it needs no paid licence ({other.name} does above 250 employees)"
    if best[3] < runner_up[3]:
        return f", and {other.name} has no recommended install method for this Linux"
    return ", which names it first"


def _fallback(
    catalog: Catalog,
    scenario: Scenario,
    machine: Machine,
    rejected: tuple[tuple[str, str], ...],
) -> tuple[RuntimeOption, list[Check], str]:
    """No option of the cell fits: use the guide's General development choice."""
    general = catalog.scenario(FALLBACK_SCENARIO).cells[machine.os]
    why_not = "; ".join(reason.rstrip(".") for _, reason in rejected)
    for option_id in general.options:
        option = catalog.options[option_id]
        checks = option_checks(catalog, option, machine)
        if all(c.passed is not False for c in checks):
            reason = (
                f"{option.name}, because the guide's Recommendation Summary gives "
                f"“{scenario.cells[machine.os].text}” for {scenario.name} on "
                f"{OS_LABELS[machine.os]}, which does not fit here ({why_not}), and gives "
                f"“{general.text}” for General development."
            )
            return option, checks, reason
    raise LookupError(f"no runtime in the guide fits {machine.describe()}")


def _notes(
    catalog: Catalog, scenario: Scenario, option: RuntimeOption, machine: Machine
) -> list[str]:
    notes = list(scenario.reasons_for(machine.os))
    tables = catalog.tables
    if "docker-desktop" in option.items and "docker-desktop-vs-engine" in tables:
        licence = tables["docker-desktop-vs-engine"].cell("License", "Docker Desktop")
        notes.append(f"Docker Desktop licence: {licence} (the guide's Desktop vs CLI-only table).")
        if machine.large_company:
            enterprise = catalog.scenarios.get("enterprise")
            free = (
                f" {enterprise.name}: “{enterprise.cells[machine.os].text}”." if enterprise else ""
            )
            notes.append(
                "Your organisation has more than 250 employees: "
                f"Docker Desktop needs a paid subscription. The guide's licence-free choice,{free}"
            )
    if "apple-container" in option.items and "apple-container-avoid" in catalog.lists:
        avoid = catalog.lists["apple-container-avoid"].entries
        notes.append(f"Avoid Apple Container when: {'; '.join(avoid[:3])}.")
    if machine.os == "macos" and scenario.needs_gpu and "macos-gpu-workarounds" in tables:
        for row in tables["macos-gpu-workarounds"].rows:
            if row[0] in (option.name, "Native execution", "Docker Model Runner"):
                notes.append(f"{row[0]}: {row[1]} ({row[2]}).")
    return notes


def _gpu(
    catalog: Catalog,
    scenario: Scenario,
    option: RuntimeOption,
    machine: Machine,
    items: list[str],
    setup: list[str],
    notes: list[str],
) -> list[Check]:
    """GPU scenarios: the toolkit and flags on Linux, CUDA on Windows."""
    if not scenario.needs_gpu or machine.os == "macos":
        return []
    has_nvidia = machine.gpu == "nvidia"
    known = machine.gpu != "unknown"
    if has_nvidia:
        message = "An NVIDIA GPU with a working driver was found."
    elif known:
        message = "No NVIDIA GPU with a working driver was found; GPU containers need one."
    else:
        message = "GPU containers need an NVIDIA GPU with a working driver (not checked)."
    check = Check("nvidia-gpu", True if has_nvidia else (False if known else None), message)
    runtime = next(
        (catalog.item(i) for i in option.items if getattr(catalog.item(i), "gpu_flags", ())), None
    )
    if isinstance(runtime, Prerequisite):
        notes.append(f"Give containers the GPU with `{' '.join(runtime.gpu_flags)}`.")
    if machine.os == "linux" and (has_nvidia or not known):
        items.append("nvidia-container-toolkit")
        setup.append(
            "nvidia-container-toolkit.podman"
            if runtime is not None and runtime.id.startswith("podman")
            else "nvidia-container-toolkit.docker"
        )
    return [check]


def _method(item: Item, machine: Machine) -> Method | None:
    """The guide's preferred method whose package managers this machine has, else its first."""
    managers = USUAL_MANAGERS[machine.os] if machine.managers is None else machine.managers
    chosen = item.method_for(machine.os, machine.distros, managers)
    if chosen is not None:
        return chosen
    return next((m for m in item.methods_for(machine.os, machine.distros) if m.installs), None)


def _installs(
    catalog: Catalog, machine: Machine, items: Sequence[str], tools: Sequence[str]
) -> tuple[PlannedMethod, ...]:
    wanted: list[str] = []

    def add(item_id: str) -> None:
        if item_id in wanted:
            return
        item = catalog.item(item_id)
        if isinstance(item, Prerequisite) and machine.os not in item.platforms:
            return
        if item_id in machine.present:  # what it needed is there already
            wanted.append(item_id)
            return
        for needed in getattr(item, "requires_items", ()):
            add(needed)
        method = _method(item, machine)
        if method is not None:
            for manager in method.managers:
                provider = MANAGER_ITEMS.get(manager)
                if provider and provider != item_id and _missing(machine, manager, provider):
                    add(provider)
        wanted.append(item_id)

    for item_id in [*items, *tools]:
        add(item_id)
    planned = []
    for item_id in wanted:
        item = catalog.item(item_id)
        method = _method(item, machine)
        if method is None:
            continue
        method, musl_note = _on_musl(item, method, machine)
        planned.append(
            PlannedMethod(
                item_id=item.id,
                name=item.name,
                step_id=method.id,
                label=method.label,
                actions=tuple(a.describe() for a in method.actions),
                admin=method.admin,
                relogin=method.relogin,
                reboot=method.reboot,
                present=item.id in machine.present,
                note=" ".join(n for n in (method.note, musl_note) if n),
            )
        )
    return tuple(planned)


# C21: an official installer's native binary on musl needs libgcc, libstdc++ and
# ripgrep from the distribution (`apk add libgcc libstdc++ ripgrep`) and
# USE_BUILTIN_RIPGREP=0 (Anthropic's set-up notes for Alpine).
# FIXME(catalog): this belongs in the catalog as per-method prerequisites.
MUSL_NATIVE_COMMANDS = ("rg",)
MUSL_NATIVE_PACKAGES = "apk add libgcc libstdc++ ripgrep"


def _on_musl(item: Item, method: Method, machine: Machine) -> tuple[Method, str]:
    """On musl, an official installer only when its prerequisites are there; else npm."""
    if not machine.musl or not any(a.kind == "script" for a in method.actions):
        return method, ""
    needs = f"On musl Linux the official installer needs `{MUSL_NATIVE_PACKAGES}`"
    missing = [c for c in MUSL_NATIVE_COMMANDS if c not in machine.commands]
    npm = next(
        (m for m in item.methods_for(machine.os, machine.distros) if "npm" in m.managers), None
    )
    if not missing:
        return method, f"{needs} and USE_BUILTIN_RIPGREP=0; ripgrep is here."
    if npm is None:
        return method, f"{needs}; {', '.join(missing)} is missing here: install it first."
    return npm, f"{needs}; {', '.join(missing)} is missing here, so npm is offered instead."


def _missing(machine: Machine, manager: str, provider: str) -> bool:
    if provider in machine.present:
        return False
    if machine.managers is None:
        return False  # not probed: do not plan what may already be there
    return manager not in machine.managers
