"""Workshop profiles: a validated TOML file that pre-fills every choice.

A profile chooses among the catalog's tools and the parameters of their
steps (pinned versions, npm prefix, proxy, CA file). It never carries a
command: unknown keys are errors, every string is checked for shell syntax,
and each value must have the shape its key needs.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from packaging.version import InvalidVersion, Version

from app.core.catalog import Catalog
from app.core.detect import Detection
from app.core.host import Host
from app.core.planner import Choices, Plan, Step

FORMAT = 1

# A profile is a few KB. Nothing larger is read, and nothing it says is echoed at length.
MAX_BYTES: Final = 256 * 1024
MAX_NAME: Final = 200  # characters in `name`, which `check` and the wizard show
MAX_VALUE: Final = 4096  # characters in any other value (PATH_MAX on Linux)
_SHOWN: Final = 80  # characters of a key or value quoted in an error message

Runtime = Literal["auto", "docker", "podman", "none"]
RUNTIMES: tuple[str, ...] = ("auto", "docker", "podman", "none")

# Anything a shell, cmd.exe or PowerShell would read as syntax. Backslash and
# colon stay allowed: Windows paths need them, and exports quote every value.
_SHELL_SYNTAX = re.compile(r"[;&|`$<>(){}\[\]*?!\"'%^\n\r\t\x00-\x1f\x7f]")
_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)
_VERSION_CHARS = re.compile(r"^[0-9][0-9A-Za-z.+-]*$")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_HOST = re.compile(r"^[A-Za-z0-9.-]+$")
_NO_PROXY_ENTRY = re.compile(r"^\*$|^\.?[A-Za-z0-9.-]+(?::\d+)?$|^[0-9A-Fa-f:.]+(?:/\d+)?$")

_TOP_KEYS = {
    "format",
    "name",
    "scenario",
    "runtime",
    "containers",
    "npm_prefix",
    "node_min",
    "tools",
    "network",
}
_TOOL_KEYS = {"version", "min_version"}
_NETWORK_KEYS = {"proxy", "no_proxy", "ca_file"}
_COMMAND_WORDS = {"command", "commands", "script", "run", "exec", "shell", "post_install"}


def _shown(text: str) -> str:
    """`text` as an error message may quote it: one printable line, cut short."""
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


class ProfileError(ValueError):
    """A profile that cannot be used: which file, which key, and why."""

    def __init__(self, file: Path | str, key: str, reason: str) -> None:
        key = _shown(key)  # a key is the file's own text: a TOML key can hold anything
        # "-" stands for "no key": the whole file is the problem (missing, unreadable).
        where = f"{file}: {key}" if key and key != "-" else str(file)
        super().__init__(f"{where}: {reason}")
        self.file = str(file)
        self.key = key
        self.reason = reason


@dataclass(frozen=True)
class ToolChoice:
    """One chosen tool, optionally pinned or held to a minimum version."""

    id: str
    version: str | None = None  # install exactly this release
    min_version: str | None = None  # `check` accepts this release or newer


@dataclass(frozen=True)
class Network:
    """One proxy and CA setting for every tool the plan runs."""

    proxy: str | None = None
    no_proxy: str | None = None
    ca_file: str | None = None

    @property
    def configured(self) -> bool:
        return bool(self.proxy or self.ca_file)


@dataclass(frozen=True)
class Profile:
    # FIXME(recommend): `scenario` pre-selects the wizard's scenario; `install` and `plan`
    # do not use it, as the planner does not follow the recommendation yet.
    source: str
    name: str
    tools: tuple[ToolChoice, ...]
    scenario: str | None = None
    runtime: Runtime = "auto"
    containers: bool = False
    npm_prefix: str | None = None
    node_min: str | None = None
    network: Network = Network()

    @property
    def tool_ids(self) -> list[str]:
        return [choice.id for choice in self.tools]

    def choice(self, tool_id: str) -> ToolChoice | None:
        return next((c for c in self.tools if c.id == tool_id), None)


class _Checker:
    """Validates one parsed file, naming the file and key on every error."""

    def __init__(self, source: str, host: Host | None) -> None:
        self.source = source
        self.host = host

    def fail(self, key: str, reason: str) -> ProfileError:
        return ProfileError(self.source, key, reason)

    def keys(self, table: Mapping[str, Any], allowed: set[str], where: str) -> None:
        for key in table:
            full = f"{where}.{key}" if where else key
            if key.lower() in _COMMAND_WORDS:
                raise self.fail(
                    full, "a profile cannot carry commands; it only chooses catalog steps"
                )
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                raise self.fail(full, f"unknown key (known keys here: {known})")

    def text(self, value: object, key: str, *, free: bool = False, limit: int = MAX_VALUE) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "expected a non-empty string")
        if len(value) > limit:
            raise self.fail(key, f"is {len(value)} characters long; at most {limit} are allowed")
        if "\n" in value or "\r" in value or "\x00" in value:
            raise self.fail(key, "must be a single line")
        control = next((c for c in value if unicodedata.category(c) == "Cc"), None)
        if control is not None:  # a terminal would obey an escape sequence in a name
            raise self.fail(key, f"contains a control character (U+{ord(control):04X})")
        if not free and _SHELL_SYNTAX.search(value):
            bad = _SHELL_SYNTAX.search(value).group(0)  # type: ignore[union-attr]
            raise self.fail(key, f"contains {bad!r}; a profile value cannot be a command")
        if free and re.search(r"[`$;|&<>]", value):
            raise self.fail(key, "looks like a command; a profile value cannot be one")
        return value.strip()

    def version(self, value: object, key: str, *, npm: bool) -> str:
        text = self.text(value, key)
        if not _VERSION_CHARS.match(text):
            raise self.fail(key, f"{_shown(text)!r} is not a version number")
        if _SEMVER.match(text):
            return text
        if npm:
            raise self.fail(key, f"{_shown(text)!r} is not an npm version such as 1.2.3")
        try:
            Version(text)
        except InvalidVersion:
            raise self.fail(key, f"{_shown(text)!r} is not a version number") from None
        return text

    def path(self, value: object, key: str) -> str:
        text = self.text(value, key)
        expanded = text
        if text == "~" or text.startswith(("~/", "~\\")):
            if self.host is not None:
                expanded = self.host.home + text[1:]
        elif not (os.path.isabs(text) or re.match(r"^[A-Za-z]:[\\/]", text)):
            raise self.fail(key, f"{_shown(text)!r} must be an absolute folder or start with ~/")
        if any(part == ".." for part in re.split(r"[\\/]", text)):
            raise self.fail(key, "must not contain '..'")
        return expanded

    def proxy(self, value: object, key: str) -> str:
        text = self.text(value, key)
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https"):
            raise self.fail(key, "expected an http:// or https:// proxy address")
        if parts.username or parts.password:
            raise self.fail(
                key,
                "credentials do not belong in a profile; set HTTPS_PROXY with them on the machine",
            )
        if not parts.hostname or not _HOST.match(parts.netloc.rsplit(":", 1)[0]):
            raise self.fail(key, f"{_shown(text)!r} has no valid host name")
        try:
            parts.port  # noqa: B018 - urlsplit checks the port when it is read
        except ValueError:
            raise self.fail(key, f"{_shown(text)!r} has an invalid port") from None
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise self.fail(key, "expected only scheme, host and port")
        return text.rstrip("/")

    def no_proxy(self, value: object, key: str) -> str:
        text = self.text(value, key)
        entries = [e.strip() for e in text.split(",") if e.strip()]
        for entry in entries:
            if not _NO_PROXY_ENTRY.match(entry):
                raise self.fail(key, f"{_shown(entry)!r} is not a host name, domain or address")
        return ",".join(entries)


def parse_profile(
    data: Mapping[str, Any], source: str, catalog: Catalog, host: Host | None = None
) -> Profile:
    """Validate parsed TOML; `host` expands `~` in paths."""
    check = _Checker(source, host)
    check.keys(data, _TOP_KEYS, "")
    fmt = data.get("format", FORMAT)
    if fmt != FORMAT or isinstance(fmt, bool):
        raise check.fail("format", f"this version reads profile format {FORMAT}")
    stem = Path(source).stem[:MAX_NAME]  # a long file name is no reason to refuse
    name = check.text(data.get("name", stem), "name", free=True, limit=MAX_NAME)
    raw_tools = data.get("tools")
    if not isinstance(raw_tools, dict) or not raw_tools:
        raise check.fail("tools", "expected at least one [tools.<id>] table")
    tools = []
    for tool_id, raw in raw_tools.items():
        key = f"tools.{tool_id}"
        if tool_id not in catalog.tools:
            known = ", ".join(catalog.tools)
            raise check.fail(key, f"not a tool in the catalog (known: {known})")
        if not isinstance(raw, dict):
            raise check.fail(key, "expected a table, e.g. [tools.claude-code]")
        check.keys(raw, _TOOL_KEYS, key)
        version = raw.get("version")
        minimum = raw.get("min_version")
        if version is not None and minimum is not None:
            raise check.fail(key, "give either version or min_version, not both")
        tools.append(
            ToolChoice(
                tool_id,
                check.version(version, f"{key}.version", npm=True) if version else None,
                check.version(minimum, f"{key}.min_version", npm=False) if minimum else None,
            )
        )
    scenario = None
    if "scenario" in data:
        scenario = check.text(data["scenario"], "scenario")
        if not _ID.match(scenario):
            raise check.fail("scenario", f"{_shown(scenario)!r} is not a scenario id")
        if scenario not in catalog.scenarios:
            known = ", ".join(catalog.scenarios)
            raise check.fail("scenario", f"not a scenario in the catalog (known: {known})")
    runtime = data.get("runtime", "auto")
    if runtime not in RUNTIMES:
        raise check.fail("runtime", f"expected one of {', '.join(RUNTIMES)}")
    containers = data.get("containers", False)
    if not isinstance(containers, bool):
        raise check.fail("containers", "expected true or false")
    prefix = check.path(data["npm_prefix"], "npm_prefix") if "npm_prefix" in data else None
    node_min = (
        check.version(data["node_min"], "node_min", npm=False) if "node_min" in data else None
    )
    network = Network()
    if "network" in data:
        raw_net = data["network"]
        if not isinstance(raw_net, dict):
            raise check.fail("network", "expected a table")
        check.keys(raw_net, _NETWORK_KEYS, "network")
        network = Network(
            proxy=check.proxy(raw_net["proxy"], "network.proxy") if "proxy" in raw_net else None,
            no_proxy=(
                check.no_proxy(raw_net["no_proxy"], "network.no_proxy")
                if "no_proxy" in raw_net
                else None
            ),
            ca_file=(
                check.path(raw_net["ca_file"], "network.ca_file") if "ca_file" in raw_net else None
            ),
        )
    return Profile(
        source=source,
        name=name,
        tools=tuple(tools),
        scenario=scenario,
        runtime=runtime,
        containers=containers,
        npm_prefix=prefix,
        node_min=node_min,
        network=network,
    )


def load_profile(path: Path | str, catalog: Catalog, host: Host | None = None) -> Profile:
    """Read and validate a profile file: a regular file of at most MAX_BYTES."""
    path = Path(path)
    text = _read(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(path, "-", f"not valid TOML ({exc})") from None
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise ProfileError(path, "-", "not valid TOML (values nested too deeply)") from None
    except MemoryError:
        raise ProfileError(path, "-", "not valid TOML (too large to read)") from None
    return parse_profile(data, str(path), catalog, host)


def _read(path: Path) -> str:
    """The text of the profile at `path`; never a device, a folder or a pipe, never too much."""
    try:
        _regular_file(path, path.stat().st_mode)
        # O_NONBLOCK: should a pipe replace the file after stat, opening it does not wait.
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        with os.fdopen(os.open(path, flags), "rb") as handle:
            _regular_file(path, os.fstat(handle.fileno()).st_mode)
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ProfileError(path, "-", "file not found") from None
    except OSError as exc:
        raise ProfileError(path, "-", f"cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_BYTES:
        raise ProfileError(
            path, "-", f"larger than {MAX_BYTES // 1024} KB; a profile is a few KB of TOML"
        )
    try:
        return data.decode("utf-8-sig")  # Notepad's UTF-8 starts with a byte-order mark
    except UnicodeDecodeError as exc:
        raise ProfileError(path, "-", f"not valid TOML ({exc})") from None


def _regular_file(path: Path, mode: int) -> None:
    """Refuse what is not a file: reading a device or a pipe could never end."""
    if not stat.S_ISREG(mode):
        raise ProfileError(path, "-", f"cannot be read: it is {_kind(mode)}, not a file")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def network_env(network: Network) -> tuple[tuple[str, str], ...]:
    """The environment that points npm, git, uv, curl and Node at one proxy and CA.

    TLS verification stays on everywhere: the CA file is added to what each
    tool trusts, never used to switch checking off.
    """
    env: list[tuple[str, str]] = []
    if network.proxy:
        for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
            env.append((name, network.proxy))
        env += [
            ("npm_config_proxy", network.proxy),
            ("npm_config_https_proxy", network.proxy),
            # git reads http_proxy too; the config entry makes it explicit.
            ("GIT_CONFIG_COUNT", "1"),
            ("GIT_CONFIG_KEY_0", "http.proxy"),
            ("GIT_CONFIG_VALUE_0", network.proxy),
        ]
    if network.no_proxy:
        env += [
            ("NO_PROXY", network.no_proxy),
            ("no_proxy", network.no_proxy),
            ("npm_config_noproxy", network.no_proxy),
        ]
    if network.ca_file:
        env += [
            ("npm_config_cafile", network.ca_file),
            ("NODE_EXTRA_CA_CERTS", network.ca_file),
            ("GIT_SSL_CAINFO", network.ca_file),
            ("SSL_CERT_FILE", network.ca_file),
            ("UV_NATIVE_TLS", "true"),
            ("CURL_CA_BUNDLE", network.ca_file),
        ]
    return tuple(env)


def container_build_args(network: Network) -> tuple[str, ...]:
    """`--build-arg` pairs that carry the proxy into a container build."""
    args: list[str] = []
    if network.proxy:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            args += ["--build-arg", f"{name}={network.proxy}"]
    if network.no_proxy:
        for name in ("NO_PROXY", "no_proxy"):
            args += ["--build-arg", f"{name}={network.no_proxy}"]
    # FIXME(containers): the CA file has to be copied into the image by the
    # generated Dockerfile (issue 7); a build argument cannot carry a file.
    return tuple(args)


def _pin(argv: tuple[str, ...], package: str, version: str) -> tuple[str, ...]:
    """`argv` with the package (bare, or `@latest`) replaced by `package@version`."""
    return tuple(
        f"{package}@{version}" if a == package or a.startswith(package + "@") else a for a in argv
    )


def _pinned_step(step: Step, package: str, version: str, found: str | None) -> Step:
    """The step installing `package@version`; a pin un-skips a tool at another version."""
    commands = tuple(replace(c, argv=_pin(c.argv, package, version)) for c in step.commands)
    step = replace(step, commands=commands)
    if step.skip and found != version:
        note = f"Installed: {found or 'unknown'}; the profile pins {version}."
        step = replace(step, skip="", note=note)
    return step


def choices_for(profile: Profile, base: Choices) -> Choices:
    """`base` with the profile's npm prefix and container runtime where `base` has none."""
    runtime = base.container_runtime
    if runtime is None and profile.containers and profile.runtime in ("docker", "podman"):
        runtime = profile.runtime
    # runtime = "auto" is decided by Session.plan: the recommendation for this machine.
    return replace(
        base, npm_prefix=base.npm_prefix or profile.npm_prefix, container_runtime=runtime
    )


def apply_profile(
    plan: Plan, profile: Profile, catalog: Catalog, detection: Detection | None = None
) -> Plan:
    """The plan with the profile's pinned versions and network setting on every step."""
    extra = network_env(profile.network)
    names = {name for name, _ in extra}
    steps = []
    for step in plan.steps:
        choice = profile.choice(step.tool_id) if step.tool_id else None
        if choice and choice.version:
            finding = detection.tools.get(choice.id) if detection else None
            found = finding.version if finding else None
            package = catalog.tool(choice.id).npm_package
            step = _pinned_step(step, package, choice.version, found)
        env = tuple((k, v) for k, v in step.env if k not in names) + extra
        steps.append(replace(step, env=env))
    return replace(plan, steps=tuple(steps))
