"""The findings detection produces, and the user's overrides of them."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from app.core.redact import Redactor
from app.core.runner import Outcome

EXCERPT_LINES = 12
_MASK = Redactor()

# How a finding reads at a glance: fine, simply not there, in need of
# attention, not relevant on this machine, or not known.
Level = Literal["ok", "missing", "problem", "not-applicable", "unknown"]


@dataclass(frozen=True)
class Evidence:
    """The command a finding rests on and what it printed."""

    argv: tuple[str, ...]
    exit_code: int | None
    excerpt: str
    status: str = "ok"

    @classmethod
    def of(cls, outcome: Outcome, limit: int = EXCERPT_LINES) -> Evidence:
        lines = outcome.lines
        excerpt = "\n".join(lines[:limit] + (["…"] if len(lines) > limit else []))
        if not excerpt and outcome.status != "ok":
            excerpt = outcome.reason or outcome.sentence()
        # Token shapes and passwords in URLs (a registry in `npm config`) never become evidence.
        return cls(outcome.argv, outcome.exit_code, _MASK(excerpt), outcome.status)

    @classmethod
    def fact(cls, what: str, value: object) -> Evidence:
        """A fact read without a command (a file, an API, an environment variable)."""
        return cls(("(read)", what), None, str(value), "ok")


@dataclass(frozen=True)
class Finding:
    """One fact: a tool present or absent, its version and where it is."""

    name: str
    present: bool
    version: str | None = None
    path: str | None = None
    summary: str = ""
    evidence: tuple[Evidence, ...] = ()
    # The user's reason when they corrected this finding by hand.
    override: str | None = None

    @property
    def unknown(self) -> bool:
        """Its probe timed out, crashed or was not run: neither present nor absent is known."""
        return (
            not self.present
            and bool(self.evidence)
            and all(item.status in ("timeout", "error", "not-checked") for item in self.evidence)
        )

    @property
    def level(self) -> Level:
        if self.present:
            return "ok"
        return "unknown" if self.unknown else "missing"


@dataclass(frozen=True)
class OsFinding(Finding):
    system: str = ""
    build: str | None = None
    arch: str = ""
    apple_silicon: bool = False
    rosetta: bool = False
    wsl: int = 0  # 0 = not WSL, else 1 or 2
    wsl_distro: str | None = None
    musl: bool = False
    # Windows: WSL distros installed, as (name, version) pairs.
    wsl_distros: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class ToolFinding(Finding):
    copies: tuple[str, ...] = ()  # every copy on PATH, first one first
    # npm | brew | winget | native | system | nvm | fnm | volta | asdf | unknown
    source: str = "unknown"
    # False: installed (in npm's prefix or ~/.local/bin) but its folder is not on PATH.
    on_path: bool = True
    # The oldest Node.js its installed package declares (engines.node); "" when not known.
    node_needed: str = ""


@dataclass(frozen=True)
class NodeFinding(Finding):
    npm_version: str | None = None
    npm_prefix: str | None = None
    prefix_writable: bool = False
    copies: tuple[str, ...] = ()
    source: str = "unknown"


@dataclass(frozen=True)
class DockerFinding(Finding):
    # absent | cli-only | daemon-down | permission-denied | starting | running | unknown
    state: str = "absent"
    context: str | None = None
    docker_host: str | None = None
    server_version: str | None = None
    relogin_pending: bool = False

    @property
    def level(self) -> Level:
        return _STATE_LEVELS.get(self.state, "problem")


@dataclass(frozen=True)
class PodmanFinding(Finding):
    # absent | running | machine-absent | machine-stopped | machine-unreachable | error | unknown
    state: str = "absent"
    rootless: bool | None = None
    machine: str | None = None

    @property
    def level(self) -> Level:
        return _STATE_LEVELS.get(self.state, "problem")


@dataclass(frozen=True)
class AppleContainerFinding(Finding):
    # unsupported | absent | stopped | running | unknown
    state: str = "absent"
    supported: bool = False

    @property
    def level(self) -> Level:
        return _STATE_LEVELS.get(self.state, "problem")


@dataclass(frozen=True)
class GpuAdapter:
    vendor: str  # nvidia | amd | intel | apple | other
    name: str
    driver: str = ""  # the driver version, where the listing says (Windows CIM)


@dataclass(frozen=True)
class GpuFinding(Finding):
    # none | nvidia | nvidia-no-driver | nvidia-driver-not-loaded | nvidia-driver-mismatch
    # | nvidia-blocked | nvidia-error | apple | other | unknown
    state: str = "none"
    # ok | missing | no-driver | driver-not-loaded | driver-mismatch | blocked | error
    nvidia: str = "missing"
    adapters: tuple[GpuAdapter, ...] = ()
    memory_mib: int | None = None
    next_step: str = ""

    @property
    def level(self) -> Level:
        if self.state in ("nvidia", "apple", "other"):
            return "ok"
        if self.state == "none":
            return "not-applicable"
        return "unknown" if self.state == "unknown" else "problem"


@dataclass(frozen=True)
class ResourcesFinding(Finding):
    memory_bytes: int | None = None
    disk_free_bytes: int | None = None
    disk_path: str | None = None


@dataclass(frozen=True)
class ReachFinding(Finding):
    url: str = ""
    status_code: int | None = None
    proxy: str | None = None
    checked: bool = True

    @property
    def level(self) -> Level:
        if not self.checked:
            return "unknown"
        return "ok" if self.present else "problem"


# Container runtime and GPU states, and how each reads at a glance.
_STATE_LEVELS: dict[str, Level] = {
    "running": "ok",
    "absent": "missing",
    "unknown": "unknown",
    "unsupported": "not-applicable",
}

# The System page's sections, in order, and which findings each holds.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("computer", ("os", "resources", "gpu")),
    ("prerequisites", ("node", "git")),
    ("tools", ("tools.",)),
    ("containers", ("docker", "podman", "apple_container")),
    ("managers", ("package_managers.", "node_managers.")),
    ("network", ("reach.",)),
)


@dataclass(frozen=True)
class Override:
    """A finding the user corrected by hand: field values and the reason given."""

    values: Mapping[str, Any]
    reason: str = "set by hand"


@dataclass(frozen=True)
class Detection:
    os_name: str
    system: str
    machine: str
    node: NodeFinding
    git: Finding
    docker: DockerFinding
    gpu: GpuFinding
    tools: Mapping[str, Finding] = field(default_factory=dict)
    os: OsFinding | None = None
    package_managers: Mapping[str, Finding] = field(default_factory=dict)
    node_managers: Mapping[str, Finding] = field(default_factory=dict)
    podman: PodmanFinding | None = None
    apple_container: AppleContainerFinding | None = None
    resources: ResourcesFinding | None = None
    reach: Mapping[str, ReachFinding] = field(default_factory=dict)
    # How long each probe took, in seconds (the benchmark reads these).
    timings: Mapping[str, float] = field(default_factory=dict)

    def by_key(self) -> dict[str, Finding]:
        """Every finding under a stable key: "node", "tools.claude-code", ..."""
        found: dict[str, Finding] = {}
        for key in ("os", "node", "git", "docker", "podman", "apple_container", "gpu"):
            value = getattr(self, key)
            if value is not None:
                found[key] = value
        for group in ("tools", "package_managers", "node_managers", "reach"):
            for name, finding in getattr(self, group).items():
                found[f"{group}.{name}"] = finding
        if self.resources is not None:
            found["resources"] = self.resources
        return found

    def findings(self) -> list[Finding]:
        return list(self.by_key().values())

    def grouped(self) -> list[tuple[str, list[tuple[str, Finding]]]]:
        """The findings of `by_key()` in the System page's sections (see GROUPS)."""
        remaining = self.by_key()
        sections = []
        for group, keys in GROUPS:
            members = [
                (key, finding)
                for key, finding in remaining.items()
                if key in keys or any(k.endswith(".") and key.startswith(k) for k in keys)
            ]
            for key, _ in members:
                del remaining[key]
            if members:
                sections.append((group, members))
        if remaining:
            sections.append(("other", list(remaining.items())))
        return sections

    def with_overrides(self, overrides: Mapping[str, Override]) -> Detection:
        """A copy with the user's corrections applied; evidence is kept.

        Keys are those of `by_key()`. An unknown key or field raises KeyError,
        so a stale override never silently does nothing.
        """
        result = self
        for key, override in overrides.items():
            result = _apply(result, key, override)
        return result


def _apply(detection: Detection, key: str, override: Override) -> Detection:
    current = detection.by_key().get(key)
    if current is None:
        raise KeyError(f"no finding {key!r} to override")
    names = {f.name for f in dataclasses.fields(current)}
    unknown = sorted(set(override.values) - names - {"summary"})
    if unknown or "evidence" in override.values:
        raise KeyError(f"{key}: cannot override {(unknown or ['evidence'])[0]!r}")
    summary = override.values.get("summary") or _summary_after(current, override)
    changed = dataclasses.replace(
        current, **{**override.values, "summary": summary, "override": override.reason}
    )
    if "." in key:
        group, name = key.split(".", 1)
        members = dict(getattr(detection, group))
        members[name] = changed
        changes: dict[str, Any] = {group: members}
    else:
        changes = {key: changed}
    return dataclasses.replace(detection, **changes)


def _summary_after(finding: Finding, override: Override) -> str:
    values = override.values
    if values.get("present") is False:
        text = f"{finding.name}: treated as not installed"
    elif "state" in values:
        text = f"{finding.name}: treated as {values['state']}"
    elif values.get("version"):
        text = f"{finding.name} {values['version']}"
    elif values.get("present") is True:
        text = f"{finding.name}: treated as installed"
    else:
        text = finding.summary
    return f"{text} (set by you: {override.reason}; detected: {finding.summary})"
