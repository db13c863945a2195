"""The catalog: the guide's knowledge as validated, frozen data.

Loaded from TOML files in `resources/catalog/`:

- `tools.toml`: the AI CLIs the wizard offers (`Catalog.tools`, `Tool`).
- `prerequisites.toml`: everything else the guide names: git, Node.js, uv,
  shells, package managers, container runtimes, GPU tooling
  (`Catalog.prerequisites`, `Prerequisite`).
- `troubleshooting.toml`: error signatures (`Catalog.signatures`).
- `recommendations.toml`: the guide's Recommendation Summary as scenarios
  and container runtime options (`Catalog.scenarios`, `Catalog.options`).
- `tables.toml`: the guide's other comparison tables and lists, cell for
  cell (`Catalog.tables`, `Catalog.lists`).

`Catalog.items` is the one lookup over tools and prerequisites. Each item
has install methods (`Method`) and optional set-up methods, each an ordered
list of `Action`s. A method id (such as `git.winget`) is a *step id*: the
name by which troubleshooting fixes, recommendations and profiles refer to
it, so none of them can carry a command of their own. An action is data an
executor turns into an argument list (`Action.argv`); a piped install script
from the guide is a `script` action (URL and interpreter), never a shell
string. The planner (`app.core.planner`) turns a method into the argument
lists of one plan step: placeholders such as {user} and {node_major} filled,
a script downloaded first, then run. A method the guide lacks says why in
its `note`; `download_mb` and `disk_mb` are its rough sizes, downloaded and
installed (the low-disk warning adds them). A broken file fails with its
file name, key and reason; unknown keys are errors, and every cross-reference
is checked at load.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import KW_ONLY, dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from app.core.resources import resource_path

OS_NAMES: Final = ("windows", "macos", "linux")
MANAGERS: Final = ("brew", "brew-cask", "winget", "npm", "apt", "dnf")
INTERPRETERS: Final = ("sh", "bash", "powershell")
PLACEHOLDERS: Final = frozenset(
    {"user", "home", "brew_prefix", "npm_prefix", "localappdata", "programfiles", "appdata",
     "node_major", "npm_bin"}
)  # fmt: skip
ITEM_KINDS: Final = (
    "prerequisite",
    "package-manager",
    "shell",
    "container-runtime",
    "container-tool",
    "gpu-tool",
)

GPU_KINDS: Final = ("none", "nvidia")

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class CatalogError(ValueError):
    """A catalog file that cannot be used, with where and why."""

    def __init__(self, file: Path | str, key: str, reason: str) -> None:
        super().__init__(f"{file}: {key}: {reason}")
        self.file = str(file)
        self.key = key
        self.reason = reason


# ---------------------------------------------------------------- models


@dataclass(frozen=True)
class Action:
    """One thing a method does; `kind` says which fields are used.

    package   a package manager installs `packages` (`manager`)
    script    the guide's `curl URL | sh` / `irm URL | iex`: download `url`,
              show it, run it with `interpreter`
    command   a fixed argument list (`argv`, placeholders such as {user})
    path      put `dir` on the user's PATH
    apt-repo  add an apt repository: signing key and source list
    archive   download a release archive, extract `binary` into `dest`
    download  a file the user downloads and opens (`url`, `instruction`)
    manual    something only the user can do (`instruction`)
    included  nothing to install: part of another item (`item`)
    """

    kind: str
    manager: str = ""
    packages: tuple[str, ...] = ()
    url: str = ""
    interpreter: str = ""
    argv_template: tuple[str, ...] = ()
    dir: str = ""
    key_url: str = ""
    keyring: str = ""
    list_url: str = ""
    list_file: str = ""
    assets: Mapping[str, str] = field(default_factory=dict)
    binary: str = ""
    dest: str = ""
    instruction: str = ""
    item: str = ""
    admin: bool = False
    relogin: bool = False
    reboot: bool = False
    keep_env: bool = False

    @property
    def runnable(self) -> bool:
        """Whether `argv()` gives a command (no download, no manual work)."""
        return self.kind in ("package", "command")

    def argv(
        self, values: Mapping[str, str] | None = None, *, upgrade: bool = False
    ) -> tuple[str, ...]:
        """The exact argument list, without any elevation prefix.

        `values` fills placeholders such as {user}; the executor adds
        sudo/pkexec/runas itself when `admin` is set. `upgrade` gives the
        package manager's way to bring an older copy up to date.
        """
        if self.kind == "package":
            return _package_argv(self.manager, self.packages, upgrade=upgrade)
        if self.kind == "command":
            return tuple(fill(part, values or {}) for part in self.argv_template)
        raise ValueError(f"a {self.kind} action has no argument list of its own")

    def script_argv(self, script_file: str) -> tuple[str, ...]:
        """How to run a downloaded install script (never through a shell string)."""
        if self.kind != "script":
            raise ValueError(f"a {self.kind} action is not a script")
        if self.interpreter == "powershell":
            return ("powershell", "-NoProfile", "-ExecutionPolicy", "Bypass", "-File", script_file)
        return (self.interpreter, script_file)

    def describe(self) -> str:
        """One line for people, shown before anything runs."""
        if self.kind == "package":
            return " ".join(self.argv())
        if self.kind == "command":
            return " ".join(self.argv_template)
        return {
            "script": f"download {self.url} and run it with {self.interpreter}",
            "path": f"add {self.dir} to PATH",
            "apt-repo": f"add the apt repository {self.list_url} (key {self.key_url})",
            "archive": f"download {self.url}, put {self.binary} in {self.dest}",
            "download": f"{self.instruction} ({self.url})",
            "manual": self.instruction,
            "included": f"included with {self.item}",
        }[self.kind]


def _package_argv(
    manager: str, packages: tuple[str, ...], *, upgrade: bool = False
) -> tuple[str, ...]:
    verb = "upgrade" if upgrade else "install"
    if manager == "brew":
        return ("brew", verb, *packages)
    if manager == "brew-cask":
        return ("brew", verb, "--cask", *packages)
    if manager == "winget":
        # Unattended: without these flags winget waits for a keypress on first use.
        return (
            "winget", verb, "--id", packages[0], "--exact",
            "--accept-package-agreements", "--accept-source-agreements",
        )  # fmt: skip
    if manager == "npm":
        return ("npm", "install", "-g", *(f"{p}@latest" if upgrade else p for p in packages))
    if manager == "dnf":
        return ("dnf", verb, "-y", *packages)
    return ("apt-get", "install", "-y", *packages)  # apt upgrades by installing again


def fill(text: str, values: Mapping[str, str]) -> str:
    """Replace {placeholders}; an unknown or missing one is an error."""

    def one(match: re.Match[str]) -> str:
        try:
            return values[match.group(1)]
        except KeyError:
            raise KeyError(f"no value for placeholder {{{match.group(1)}}}") from None

    return _PLACEHOLDER.sub(one, text)


@dataclass(frozen=True)
class Method:
    """One way to install (or set up) an item on some systems: a step."""

    id: str
    item_id: str
    label: str
    os: tuple[str, ...]
    actions: tuple[Action, ...]
    distros: tuple[str, ...] = ()
    recommended: tuple[str, ...] = ()
    guide: str = ""
    installs: bool = True
    note: str = ""  # why the product adds it, when `guide` is empty
    download_mb: int = 0  # rough size of what it downloads
    disk_mb: int = 0  # rough space it takes once installed; 0: about twice the download

    @property
    def admin(self) -> bool:
        return any(a.admin for a in self.actions)

    @property
    def relogin(self) -> bool:
        return any(a.relogin for a in self.actions)

    @property
    def reboot(self) -> bool:
        return any(a.reboot for a in self.actions)

    @property
    def managers(self) -> tuple[str, ...]:
        """The package managers this method needs (brew for a cask too)."""
        found = []
        for action in self.actions:
            if action.kind == "package":
                name = "brew" if action.manager == "brew-cask" else action.manager
                if name not in found:
                    found.append(name)
        return tuple(found)

    def applies_to(self, os_name: str, distros: tuple[str, ...] = ()) -> bool:
        """For this system; `distros` is os-release ID then ID_LIKE (empty: unknown)."""
        if os_name not in self.os:
            return False
        if not self.distros or not distros:
            return True
        return any(d in self.distros for d in distros)


class _Item:
    """What tools and prerequisites share: detection and install methods."""

    id: str
    name: str
    command: str
    version_pattern: str
    version_args: tuple[str, ...]
    install: tuple[Method, ...]
    setup: tuple[Method, ...]
    verify: tuple[str, ...]

    def parse_version(self, output: str) -> str | None:
        pattern = re.compile(self.version_pattern)
        for line in output.splitlines():
            match = pattern.match(line.strip())
            if match:
                return match.group(1)
        return None

    def version_argv(self) -> tuple[str, ...]:
        return (self.command, *self.version_args)

    def verify_argv(self) -> tuple[str, ...]:
        return self.verify or self.version_argv()

    def methods_for(self, os_name: str, distros: tuple[str, ...] = ()) -> tuple[Method, ...]:
        """Install methods for this system, the guide's recommended first."""
        fitting = [m for m in self.install if m.applies_to(os_name, distros)]
        return tuple(sorted(fitting, key=lambda m: os_name not in m.recommended))

    def method_for(
        self, os_name: str, distros: tuple[str, ...], managers: Iterable[str]
    ) -> Method | None:
        """The guide's preferred install method whose package managers are all in `managers`."""
        have = set(managers)
        for method in self.methods_for(os_name, distros):
            if method.installs and have.issuperset(method.managers):
                return method
        return None

    def methods(self) -> Iterator[Method]:
        yield from self.install
        yield from self.setup


@dataclass(frozen=True)
class Tool(_Item):
    """An AI CLI the wizard offers."""

    id: str
    name: str
    command: str
    npm_package: str
    version_pattern: str
    node_min: str
    node_floor: str
    sign_in: str
    _: KW_ONLY
    version_args: tuple[str, ...] = ("--version",)
    install: tuple[Method, ...] = ()
    setup: tuple[Method, ...] = ()
    bin_dirs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    verify: tuple[str, ...] = ()
    docs: str = ""
    min_version: str = ""  # older releases are flagged as outdated by verification
    # Variables for the version command only: settings that skip work a
    # version check does not need (Gemini CLI restarting itself, say).
    version_env: Mapping[str, str] = field(default_factory=dict)

    kind = "ai-cli"


@dataclass(frozen=True)
class Prerequisite(_Item):
    """Anything else the guide names: a prerequisite, runtime or helper tool."""

    id: str
    name: str
    kind: str
    command: str
    version_pattern: str
    _: KW_ONLY
    version_args: tuple[str, ...] = ("--version",)
    commands: Mapping[str, str] = field(default_factory=dict)  # per-OS command name
    min_version: str = ""
    platforms: tuple[str, ...] = OS_NAMES
    builtin: tuple[str, ...] = ()  # systems where it comes pre-installed
    requires_arch: tuple[str, ...] = ()
    requires_os_version: Mapping[str, str] = field(default_factory=dict)
    requires_items: tuple[str, ...] = ()
    requires_gpu: str = "none"  # "none" or a GPU kind of GPU_KINDS
    install: tuple[Method, ...] = ()
    setup: tuple[Method, ...] = ()
    bin_dirs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    app_paths: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    verify: tuple[str, ...] = ()
    gpu_flags: tuple[str, ...] = ()
    licence: str = ""
    notes: str = ""
    docs: str = ""

    def command_on(self, os_name: str) -> str:
        return self.commands.get(os_name, self.command)


Item = Tool | Prerequisite


@dataclass(frozen=True)
class Signature:
    """An error signature: a pattern over a step's output and the way forward."""

    id: str
    pattern: str
    explanation: str
    fix: str  # what to tell the user; always present
    _: KW_ONLY
    step: str = ""  # a catalog step (method) or item id the wizard can offer
    cases: tuple[str, ...] = ()
    guide: str = ""

    def matches(self, text: str) -> bool:
        return re.search(self.pattern, text) is not None


@dataclass(frozen=True)
class RuntimeOption:
    """A choice a Recommendation Summary cell can name, e.g. "podman machine"."""

    id: str
    name: str
    items: tuple[str, ...]
    setup: tuple[str, ...] = ()  # step ids to run after installing the items
    aliases: tuple[str, ...] = ()  # how the guide's cells write it


@dataclass(frozen=True)
class Cell:
    """One Recommendation Summary cell: the guide's words and what they mean."""

    text: str
    options: tuple[str, ...]  # runtime option ids, in the guide's order
    note: str = ""


@dataclass(frozen=True)
class Reason:
    """One of the guide's reasons for a scenario; `os` when it speaks of one system only."""

    text: str
    os: str | None = None


@dataclass(frozen=True)
class Scenario:
    """One row of the Recommendation Summary."""

    id: str
    name: str
    cells: Mapping[str, Cell]
    needs_gpu: bool = False
    why: tuple[Reason, ...] = ()  # the guide's own reasons, where it gives them

    def reasons_for(self, os_name: str) -> tuple[str, ...]:
        """The reasons that hold on `os_name`: the general ones and its own."""
        return tuple(r.text for r in self.why if r.os in (None, os_name))


@dataclass(frozen=True)
class Table:
    """A guide table copied cell for cell, found under `heading`."""

    id: str
    heading: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    index: int = 0  # which table under that heading

    def cell(self, row: str, column: str) -> str:
        col = self.columns.index(column)
        for values in self.rows:
            if values[0] == row:
                return values[col]
        raise KeyError(f"table {self.id} has no row {row!r}")

    def as_dict(self) -> dict[str, dict[str, str]]:
        return {r[0]: dict(zip(self.columns[1:], r[1:], strict=True)) for r in self.rows}


@dataclass(frozen=True)
class GuideList:
    """A bullet list from the guide, item for item."""

    id: str
    heading: str
    lead: str  # the bold line above the list
    entries: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    tools: Mapping[str, Tool]
    signatures: tuple[Signature, ...]
    _: KW_ONLY
    prerequisites: Mapping[str, Prerequisite] = field(default_factory=dict)
    options: Mapping[str, RuntimeOption] = field(default_factory=dict)
    scenarios: Mapping[str, Scenario] = field(default_factory=dict)
    tables: Mapping[str, Table] = field(default_factory=dict)
    lists: Mapping[str, GuideList] = field(default_factory=dict)

    def tool(self, tool_id: str) -> Tool:
        try:
            return self.tools[tool_id]
        except KeyError:
            known = ", ".join(self.tools)
            raise KeyError(f"unknown tool {tool_id!r} (known: {known})") from None

    def diagnose(self, text: str) -> list[Signature]:
        """Every known error signature found in `text`, in catalog order."""
        return [sig for sig in self.signatures if sig.matches(text)]

    @property
    def items(self) -> Mapping[str, Item]:
        """Tools and prerequisites in one lookup, tools first."""
        return MappingProxyType({**self.tools, **self.prerequisites})

    def item(self, item_id: str) -> Item:
        try:
            return self.items[item_id]
        except KeyError:
            raise KeyError(f"unknown item {item_id!r}") from None

    @property
    def steps(self) -> Mapping[str, Method]:
        """Every install and set-up method by its step id."""
        return MappingProxyType({m.id: m for it in self.items.values() for m in it.methods()})

    def step(self, step_id: str) -> Method:
        try:
            return self.steps[step_id]
        except KeyError:
            raise KeyError(f"unknown step {step_id!r}") from None

    def scenario(self, scenario_id: str) -> Scenario:
        try:
            return self.scenarios[scenario_id]
        except KeyError:
            known = ", ".join(self.scenarios)
            raise KeyError(f"unknown scenario {scenario_id!r} (known: {known})") from None


# ---------------------------------------------------------------- loading


class _Reader:
    """Reads one file's tables strictly, naming file and key on any fault."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, reason: str) -> CatalogError:
        return CatalogError(self.path, key, reason)

    def table(
        self, key: str, raw: object, required: set[str], optional: Iterable[str] = ()
    ) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise self.fail(key, "expected a table")
        unknown = sorted(set(raw) - required - set(optional))
        if unknown:
            raise self.fail(f"{key}.{unknown[0]}", "unknown key")
        missing = sorted(required - set(raw))
        if missing:
            raise self.fail(f"{key}.{missing[0]}", "required key is missing")
        return raw

    def text(self, key: str, raw: object, *, empty: bool = False) -> str:
        if not isinstance(raw, str) or (not empty and not raw.strip()):
            raise self.fail(key, "expected a non-empty string")
        return raw

    def texts(self, key: str, raw: object, *, allowed: tuple[str, ...] = ()) -> tuple[str, ...]:
        if not isinstance(raw, list):
            raise self.fail(key, "expected a list of strings")
        out = tuple(self.text(f"{key}[{i}]", v) for i, v in enumerate(raw))
        for i, value in enumerate(out):
            if allowed and value not in allowed:
                raise self.fail(f"{key}[{i}]", f"{value!r} is not one of {', '.join(allowed)}")
        return out

    def flag(self, key: str, raw: object) -> bool:
        if not isinstance(raw, bool):
            raise self.fail(key, "expected true or false")
        return raw

    def count(self, key: str, raw: object) -> int:
        if not isinstance(raw, int) or isinstance(raw, bool) or raw < 0:
            raise self.fail(key, "expected a whole number")
        return raw

    def regex(self, key: str, raw: object) -> str:
        text = self.text(key, raw)
        try:
            re.compile(text)
        except re.error as exc:
            raise self.fail(key, f"bad regular expression: {exc}") from None
        return text

    def placeholders(self, key: str, text: str) -> str:
        for name in _PLACEHOLDER.findall(text):
            if name not in PLACEHOLDERS:
                raise self.fail(key, f"unknown placeholder {{{name}}}")
        return text

    def one_of(self, key: str, raw: object, allowed: tuple[str, ...]) -> str:
        value = self.text(key, raw)
        if value not in allowed:
            raise self.fail(key, f"{value!r} is not one of {', '.join(allowed)}")
        return value

    def variables(self, key: str, raw: object) -> dict[str, str]:
        """Environment variables: NAME = "value", never PATH (the runner owns it)."""
        if not isinstance(raw, dict):
            raise self.fail(key, 'expected a table of NAME = "value"')
        for name in raw:
            if not re.fullmatch(r"[A-Z][A-Z0-9_]*", name) or name == "PATH":
                raise self.fail(f"{key}.{name}", "not an environment variable name this may set")
        return {name: self.text(f"{key}.{name}", value) for name, value in raw.items()}

    def per_os(self, key: str, raw: object, *, lists: bool = True) -> dict[str, Any]:
        table = self.table(key, raw, set(), set(OS_NAMES))
        if lists:
            return {
                os_name: tuple(
                    self.placeholders(f"{key}.{os_name}", v)
                    for v in self.texts(f"{key}.{os_name}", value)
                )
                for os_name, value in table.items()
            }
        return {os_name: self.text(f"{key}.{os_name}", v) for os_name, v in table.items()}


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise CatalogError(path, "-", "file is missing") from None
    except OSError as exc:
        raise CatalogError(path, "-", f"cannot be read ({exc.strerror or exc})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogError(path, "-", f"not valid TOML ({exc})") from None


_ACTION_FIELDS: Final[dict[str, tuple[set[str], set[str]]]] = {
    "package": ({"manager", "packages"}, {"admin", "relogin", "reboot"}),
    "script": ({"url", "interpreter"}, {"admin", "keep_env"}),
    "command": ({"argv"}, {"admin", "relogin", "reboot"}),
    "path": ({"dir"}, set()),
    "apt-repo": ({"key_url", "keyring", "list_url", "list_file"}, set()),
    "archive": ({"url", "assets", "binary", "dest"}, {"admin"}),
    "download": ({"url", "instruction"}, {"admin"}),
    "manual": ({"instruction"}, {"admin", "relogin", "reboot"}),
    "included": ({"item"}, set()),
}


def _action(r: _Reader, key: str, raw: object) -> Action:
    if not isinstance(raw, dict):
        raise r.fail(key, "expected a table")
    kind = r.one_of(f"{key}.kind", raw.get("kind", ""), tuple(_ACTION_FIELDS))
    required, optional = _ACTION_FIELDS[kind]
    data = r.table(key, raw, required | {"kind"}, optional)
    values: dict[str, Any] = {"kind": kind}
    for name in ("admin", "relogin", "reboot", "keep_env"):
        if name in data:
            values[name] = r.flag(f"{key}.{name}", data[name])
    for name in ("url", "key_url", "list_url", "keyring", "list_file", "binary", "dest"):
        if name in data:
            values[name] = r.text(f"{key}.{name}", data[name])
    for name in ("instruction", "item"):
        if name in data:
            values[name] = r.text(f"{key}.{name}", data[name])
    if "dir" in data:
        values["dir"] = r.placeholders(f"{key}.dir", r.text(f"{key}.dir", data["dir"]))
    if kind == "package":
        manager = r.one_of(f"{key}.manager", data["manager"], MANAGERS)
        values["manager"] = manager
        values["packages"] = r.texts(f"{key}.packages", data["packages"])
        if not values["packages"]:
            raise r.fail(f"{key}.packages", "at least one package is needed")
        if manager == "winget" and len(values["packages"]) != 1:
            raise r.fail(f"{key}.packages", "winget installs one package id per action")
        if manager in ("brew", "brew-cask") and values.get("admin"):
            raise r.fail(f"{key}.admin", "Homebrew never runs as root")
        values.setdefault("admin", manager in ("apt", "dnf"))
    if kind == "script":
        r.placeholders(f"{key}.url", values["url"])
        values["interpreter"] = r.one_of(f"{key}.interpreter", data["interpreter"], INTERPRETERS)
    if kind == "command":
        argv = r.texts(f"{key}.argv", data["argv"])
        if not argv:
            raise r.fail(f"{key}.argv", "an empty argument list")
        for i, part in enumerate(argv):
            r.placeholders(f"{key}.argv[{i}]", part)
        if argv[0] in ("sudo", "pkexec", "sh", "bash", "cmd", "powershell"):
            raise r.fail(f"{key}.argv", f"{argv[0]!r}: set admin = true or use a script action")
        values["argv_template"] = argv
    if kind == "archive":
        assets = r.table(f"{key}.assets", data["assets"], set(), {"x86_64", "arm64"})
        values["assets"] = {a: r.text(f"{key}.assets.{a}", v) for a, v in assets.items()}
    if kind == "apt-repo":
        values["admin"] = True
    return Action(**values)


def _method(r: _Reader, key: str, raw: object, item_id: str) -> Method:
    data = r.table(
        key,
        raw,
        {"id", "label", "os", "actions"},
        {"distros", "recommended", "guide", "installs", "note", "download_mb", "disk_mb"},
    )
    method_id = r.text(f"{key}.id", data["id"])
    if not method_id.startswith(f"{item_id}."):
        raise r.fail(f"{key}.id", f"a step id of {item_id} starts with '{item_id}.'")
    os_list = r.texts(f"{key}.os", data["os"], allowed=OS_NAMES)
    recommended = r.texts(f"{key}.recommended", data.get("recommended", []), allowed=os_list)
    if not isinstance(data["actions"], list) or not data["actions"]:
        raise r.fail(f"{key}.actions", "expected a non-empty list of actions")
    actions = tuple(_action(r, f"{key}.actions[{i}]", a) for i, a in enumerate(data["actions"]))
    guide = r.text(f"{key}.guide", data.get("guide", ""), empty=True)
    note = r.text(f"{key}.note", data.get("note", ""), empty=True)
    if not guide and not note:
        raise r.fail(f"{key}.note", "a step not in the guide says why in a note")
    return Method(
        id=method_id,
        item_id=item_id,
        label=r.text(f"{key}.label", data["label"]),
        os=os_list,
        actions=actions,
        distros=r.texts(f"{key}.distros", data.get("distros", [])),
        recommended=recommended,
        guide=guide,
        installs=r.flag(f"{key}.installs", data.get("installs", True)),
        note=note,
        download_mb=r.count(f"{key}.download_mb", data.get("download_mb", 0)),
        disk_mb=r.count(f"{key}.disk_mb", data.get("disk_mb", 0)),
    )


def _methods(r: _Reader, key: str, raw: object, item_id: str) -> tuple[Method, ...]:
    if not isinstance(raw, list):
        raise r.fail(key, "expected a list of methods")
    return tuple(_method(r, f"{key}[{i}]", m, item_id) for i, m in enumerate(raw))


_COMMON_OPTIONAL = {"version_args", "install", "setup", "bin_dirs", "verify", "docs"}
_TOOL_REQUIRED = {
    "name", "command", "npm_package", "version_pattern", "node_min", "node_floor", "sign_in",
}  # fmt: skip
_PREREQ_REQUIRED = {"name", "kind", "command", "version_pattern"}
_PREREQ_OPTIONAL = _COMMON_OPTIONAL | {
    "commands", "min_version", "platforms", "builtin", "requires_arch", "requires_os_version",
    "requires_items", "requires_gpu", "app_paths", "gpu_flags", "licence", "notes",
}  # fmt: skip


def _common(r: _Reader, key: str, data: dict[str, Any], item_id: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        "version_args": r.texts(f"{key}.version_args", data.get("version_args", ["--version"])),
        "install": _methods(r, f"{key}.install", data.get("install", []), item_id),
        "setup": _methods(r, f"{key}.setup", data.get("setup", []), item_id),
        "bin_dirs": r.per_os(f"{key}.bin_dirs", data.get("bin_dirs", {})),
        "verify": r.texts(f"{key}.verify", data.get("verify", [])),
        "docs": r.text(f"{key}.docs", data.get("docs", ""), empty=True),
    }
    return values


def _tool(r: _Reader, key: str, raw: object, tool_id: str) -> Tool:
    data = r.table(key, raw, _TOOL_REQUIRED, _COMMON_OPTIONAL | {"min_version", "version_env"})
    plain: dict[str, Any] = {name: r.text(f"{key}.{name}", data[name]) for name in _TOOL_REQUIRED}
    plain["version_pattern"] = r.regex(f"{key}.version_pattern", data["version_pattern"])
    plain["min_version"] = r.text(f"{key}.min_version", data.get("min_version", ""), empty=True)
    plain["version_env"] = r.variables(f"{key}.version_env", data.get("version_env", {}))
    return Tool(id=tool_id, **plain, **_common(r, key, data, tool_id))


def _prerequisite(r: _Reader, key: str, raw: object, item_id: str) -> Prerequisite:
    data = r.table(key, raw, _PREREQ_REQUIRED, _PREREQ_OPTIONAL)
    get = data.get
    return Prerequisite(
        id=item_id,
        name=r.text(f"{key}.name", data["name"]),
        kind=r.one_of(f"{key}.kind", data["kind"], ITEM_KINDS),
        command=r.text(f"{key}.command", data["command"]),
        version_pattern=r.regex(f"{key}.version_pattern", data["version_pattern"]),
        commands=r.per_os(f"{key}.commands", get("commands", {}), lists=False),
        min_version=r.text(f"{key}.min_version", get("min_version", ""), empty=True),
        platforms=r.texts(f"{key}.platforms", get("platforms", list(OS_NAMES)), allowed=OS_NAMES),
        builtin=r.texts(f"{key}.builtin", get("builtin", []), allowed=OS_NAMES),
        requires_arch=r.texts(
            f"{key}.requires_arch", get("requires_arch", []), allowed=("x86_64", "arm64")
        ),
        requires_os_version=r.per_os(
            f"{key}.requires_os_version", get("requires_os_version", {}), lists=False
        ),
        requires_items=r.texts(f"{key}.requires_items", get("requires_items", [])),
        requires_gpu=r.one_of(f"{key}.requires_gpu", get("requires_gpu", "none"), GPU_KINDS),
        app_paths=r.per_os(f"{key}.app_paths", get("app_paths", {})),
        gpu_flags=r.texts(f"{key}.gpu_flags", get("gpu_flags", [])),
        licence=r.text(f"{key}.licence", get("licence", ""), empty=True),
        notes=r.text(f"{key}.notes", get("notes", ""), empty=True),
        **_common(r, key, data, item_id),
    )


def _items(path: Path, top: str, build: Any) -> dict[str, Any]:
    r = _Reader(path)
    data = _read(path)
    unknown = sorted(set(data) - {top})
    if unknown:
        raise r.fail(unknown[0], "unknown key")
    section = data.get(top, {})
    if not isinstance(section, dict):
        raise r.fail(top, "expected a table")
    return {item_id: build(r, f"{top}.{item_id}", raw, item_id) for item_id, raw in section.items()}


def _signatures(path: Path) -> tuple[Signature, ...]:
    r = _Reader(path)
    data = _read(path)
    unknown = sorted(set(data) - {"signature"})
    if unknown:
        raise r.fail(unknown[0], "unknown key")
    out = []
    for i, raw in enumerate(data.get("signature", [])):
        key = f"signature[{i}]"
        sig = r.table(key, raw, {"id", "pattern", "explanation", "fix"}, {"step", "cases", "guide"})
        out.append(
            Signature(
                id=r.text(f"{key}.id", sig["id"]),
                pattern=r.regex(f"{key}.pattern", sig["pattern"]),
                explanation=r.text(f"{key}.explanation", sig["explanation"]),
                fix=r.text(f"{key}.fix", sig["fix"]),
                step=r.text(f"{key}.step", sig.get("step", ""), empty=True),
                cases=r.texts(f"{key}.cases", sig.get("cases", [])),
                guide=r.text(f"{key}.guide", sig.get("guide", ""), empty=True),
            )
        )
    ids = [s.id for s in out]
    for i, sig_id in enumerate(ids):
        if sig_id in ids[:i]:
            raise r.fail(f"signature[{i}].id", f"duplicate id {sig_id!r}")
    return tuple(out)


def _recommendations(path: Path) -> tuple[dict[str, RuntimeOption], dict[str, Scenario]]:
    r = _Reader(path)
    data = r.table("-", _read(path), {"options", "scenario"})
    options: dict[str, RuntimeOption] = {}
    for option_id, raw in r.table("options", data["options"], set(), set(data["options"])).items():
        key = f"options.{option_id}"
        opt = r.table(key, raw, {"name", "items", "aliases"}, {"setup"})
        options[option_id] = RuntimeOption(
            id=option_id,
            name=r.text(f"{key}.name", opt["name"]),
            items=r.texts(f"{key}.items", opt["items"]),
            setup=r.texts(f"{key}.setup", opt.get("setup", [])),
            aliases=r.texts(f"{key}.aliases", opt["aliases"]),
        )
    scenarios: dict[str, Scenario] = {}
    if not isinstance(data["scenario"], list):
        raise r.fail("scenario", "expected a list of scenarios")
    for i, raw in enumerate(data["scenario"]):
        key = f"scenario[{i}]"
        row = r.table(key, raw, {"id", "name", *OS_NAMES}, {"needs_gpu", "why"})
        cells = {}
        for os_name in OS_NAMES:
            ckey = f"{key}.{os_name}"
            cell = r.table(ckey, row[os_name], {"text", "options"}, {"note"})
            chosen = r.texts(f"{ckey}.options", cell["options"], allowed=tuple(options))
            cells[os_name] = Cell(
                text=r.text(f"{ckey}.text", cell["text"]),
                options=chosen,
                note=r.text(f"{ckey}.note", cell.get("note", ""), empty=True),
            )
        scenario_id = r.text(f"{key}.id", row["id"])
        if scenario_id in scenarios:
            raise r.fail(f"{key}.id", f"duplicate id {scenario_id!r}")
        scenarios[scenario_id] = Scenario(
            id=scenario_id,
            name=r.text(f"{key}.name", row["name"]),
            cells=cells,
            needs_gpu=r.flag(f"{key}.needs_gpu", row.get("needs_gpu", False)),
            why=_reasons(r, f"{key}.why", row.get("why", [])),
        )
    return options, scenarios


def _reasons(r: _Reader, key: str, raw: object) -> tuple[Reason, ...]:
    """A scenario's reasons: plain strings, or { text, os } for a reason about one system."""
    if not isinstance(raw, list):
        raise r.fail(key, "expected a list of reasons")
    reasons = []
    for i, item in enumerate(raw):
        if isinstance(item, str):
            reasons.append(Reason(r.text(f"{key}[{i}]", item)))
            continue
        row = r.table(f"{key}[{i}]", item, {"text", "os"}, set())
        os_name = r.text(f"{key}[{i}].os", row["os"])
        if os_name not in OS_NAMES:
            raise r.fail(f"{key}[{i}].os", f"{os_name!r} is not one of {', '.join(OS_NAMES)}")
        reasons.append(Reason(r.text(f"{key}[{i}].text", row["text"]), os_name))
    return tuple(reasons)


def _tables(path: Path) -> tuple[dict[str, Table], dict[str, GuideList]]:
    r = _Reader(path)
    data = r.table("-", _read(path), set(), {"table", "list"})
    tables: dict[str, Table] = {}
    for i, raw in enumerate(data.get("table", [])):
        key = f"table[{i}]"
        t = r.table(key, raw, {"id", "heading", "columns", "rows"}, {"index"})
        columns = r.texts(f"{key}.columns", t["columns"])
        if not isinstance(t["rows"], list):
            raise r.fail(f"{key}.rows", "expected a list of rows")
        rows = []
        for j, row in enumerate(t["rows"]):
            cells = r.texts(f"{key}.rows[{j}]", row)
            if len(cells) != len(columns):
                raise r.fail(f"{key}.rows[{j}]", f"{len(cells)} cells for {len(columns)} columns")
            rows.append(cells)
        index = r.count(f"{key}.index", t.get("index", 0))
        table_id = r.text(f"{key}.id", t["id"])
        if table_id in tables:
            raise r.fail(f"{key}.id", f"duplicate id {table_id!r}")
        tables[table_id] = Table(
            table_id, r.text(f"{key}.heading", t["heading"]), columns, tuple(rows), index
        )
    lists: dict[str, GuideList] = {}
    for i, raw in enumerate(data.get("list", [])):
        key = f"list[{i}]"
        gl = r.table(key, raw, {"id", "heading", "lead", "entries"})
        list_id = r.text(f"{key}.id", gl["id"])
        if list_id in lists:
            raise r.fail(f"{key}.id", f"duplicate id {list_id!r}")
        lists[list_id] = GuideList(
            list_id,
            r.text(f"{key}.heading", gl["heading"]),
            r.text(f"{key}.lead", gl["lead"]),
            r.texts(f"{key}.entries", gl["entries"]),
        )
    return tables, lists


def _check_references(folder: Path, catalog: Catalog) -> None:
    """Every id one file names must exist; step ids must be unique."""
    seen: dict[str, str] = {}
    for item in catalog.items.values():
        file = "tools.toml" if item.id in catalog.tools else "prerequisites.toml"
        if item.id in catalog.tools and item.id in catalog.prerequisites:
            raise CatalogError(folder / file, item.id, "an id used by a tool and a prerequisite")
        for method in item.methods():
            if method.id in seen:
                raise CatalogError(folder / file, method.id, "duplicate step id")
            seen[method.id] = file
            for i, action in enumerate(method.actions):
                if action.kind == "included" and action.item not in catalog.items:
                    key = f"{method.id}.actions[{i}].item"
                    raise CatalogError(folder / file, key, f"unknown item {action.item!r}")
    for item in catalog.prerequisites.values():
        for needed in item.requires_items:
            if needed not in catalog.items:
                key = f"prerequisites.{item.id}.requires_items"
                raise CatalogError(folder / "prerequisites.toml", key, f"unknown item {needed!r}")
    known_refs = set(seen) | set(catalog.items)
    for i, sig in enumerate(catalog.signatures):
        if sig.step and sig.step not in known_refs:
            key = f"signature[{i}].step"
            raise CatalogError(folder / "troubleshooting.toml", key, f"unknown step {sig.step!r}")
    for option in catalog.options.values():
        for item_id in option.items:
            if item_id not in catalog.items:
                key = f"options.{option.id}.items"
                raise CatalogError(
                    folder / "recommendations.toml", key, f"unknown item {item_id!r}"
                )
        for step_id in option.setup:
            if step_id not in seen:
                key = f"options.{option.id}.setup"
                raise CatalogError(
                    folder / "recommendations.toml", key, f"unknown step {step_id!r}"
                )


def load_catalog(folder: Path) -> Catalog:
    tools = _items(folder / "tools.toml", "tools", _tool)
    optional = {
        name: folder / name
        for name in ("prerequisites.toml", "recommendations.toml", "tables.toml")
        if (folder / name).exists()
    }
    prerequisites = (
        _items(optional["prerequisites.toml"], "prerequisites", _prerequisite)
        if "prerequisites.toml" in optional
        else {}
    )
    options, scenarios = (
        _recommendations(optional["recommendations.toml"])
        if "recommendations.toml" in optional
        else ({}, {})
    )
    tables, lists = _tables(optional["tables.toml"]) if "tables.toml" in optional else ({}, {})
    catalog = Catalog(
        tools=MappingProxyType(tools),
        signatures=_signatures(folder / "troubleshooting.toml"),
        prerequisites=MappingProxyType(prerequisites),
        options=MappingProxyType(options),
        scenarios=MappingProxyType(scenarios),
        tables=MappingProxyType(tables),
        lists=MappingProxyType(lists),
    )
    _check_references(folder, catalog)
    return catalog


@cache
def default_catalog() -> Catalog:
    return load_catalog(resource_path("catalog"))
