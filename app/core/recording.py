"""Recorded machines: write what detection saw, and replay it anywhere.

A recording is versioned JSON (see docs/recordings.md): the host facts, every
command's argv, exit code and output, and the facts read without a command.
Personal details are removed before it is written. `ReplayRunner` and
`ReplayFacts` answer from a recording exactly as the machine did.
"""

from __future__ import annotations

import json
import ntpath
import posixpath
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app import __version__
from app.core.detect.facts import Facts, GpuReading, NvmlReading, Reach
from app.core.host import Host, find_all_on_path, resolve_executable
from app.core.redact import PersonalRedactor
from app.core.runner import LineSink, Outcome, Runner

FORMAT = "ai-cli-setup/recording"
VERSION = 1

# Only these environment variables are kept: what detection and planning read.
ENV_KEPT = frozenset(
    {
        "PATH", "Path", "PATHEXT", "HOME", "USERPROFILE", "APPDATA", "LOCALAPPDATA",
        "ProgramFiles", "ProgramFiles(x86)", "SystemRoot", "ComSpec", "COMSPEC",
        "PROCESSOR_ARCHITECTURE", "SHELL", "LANG", "LC_ALL", "TERM_PROGRAM",
        "USER", "USERNAME", "LOGNAME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR",
        "DOCKER_HOST", "DOCKER_CONTEXT", "CONTAINER_HOST", "CONTAINER_CONNECTION",
        "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY",
        "http_proxy", "https_proxy", "no_proxy", "all_proxy",
        "NVM_DIR", "NVM_HOME", "NVM_SYMLINK", "FNM_DIR", "VOLTA_HOME", "ASDF_DIR",
        "ASDF_DATA_DIR", "NPM_CONFIG_PREFIX", "npm_config_prefix", "WSL_DISTRO_NAME",
        "WSL_INTEROP", "WSLENV", "HOMEBREW_PREFIX",
    }
)  # fmt: skip


class RecordingError(ValueError):
    """A recording that cannot be read, with the reason."""


@dataclass(frozen=True)
class RecordedCommand:
    argv: tuple[str, ...]
    status: str
    exit_code: int | None = None
    output: str = ""
    executable: str | None = None
    reason: str = ""

    def outcome(self, argv: Sequence[str]) -> Outcome:
        return Outcome(
            tuple(argv),
            self.status,  # type: ignore[arg-type]
            self.exit_code,
            self.output,
            0.0,
            self.executable,
            self.reason,
        )


# --- recording ---------------------------------------------------------------


@dataclass
class RecordingRunner:
    """Runs commands through another runner and keeps every outcome."""

    inner: Runner
    commands: list[Outcome] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.host: Host = self.inner.host

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
        outcome = await self.inner.run(
            argv, env=env, cwd=cwd, timeout=timeout, on_line=on_line, extra_dirs=extra_dirs
        )
        self.commands.append(outcome)
        return outcome


@dataclass
class RecordingFacts:
    """Reads facts through another `Facts` and keeps every answer."""

    inner: Facts
    seen: dict[str, Any] = field(default_factory=dict)

    def _keep(self, kind: str, key: str, value: Any) -> Any:
        self.seen.setdefault(kind, {})[key] = value
        return value

    def memory_total(self) -> int | None:
        value = self.inner.memory_total()
        self.seen["memory_total"] = value
        return value

    def disk_free(self, path: str) -> int | None:
        return self._keep("disk_free", path, self.inner.disk_free(path))

    def writable(self, path: str) -> bool:
        return self._keep("writable", path, self.inner.writable(path))

    def exists(self, path: str) -> bool:
        return self._keep("exists", path, self.inner.exists(path))

    def realpath(self, path: str) -> str:
        return self._keep("realpath", path, self.inner.realpath(path))

    async def nvml(self) -> NvmlReading:
        reading = await self.inner.nvml()
        self.seen["nvml"] = {
            "status": reading.status,
            "error": reading.error,
            "gpus": [
                {"name": g.name, "driver": g.driver, "memory_mib": g.memory_mib}
                for g in reading.gpus
            ],
        }
        return reading

    async def reach(self, url: str, timeout: float) -> Reach:
        result = await self.inner.reach(url, timeout)
        entry = {
            "ok": result.ok,
            "status_code": result.status_code,
            "error": result.error,
            "proxy": result.proxy,
        }
        self._keep("reach", url, entry)
        return result


class Recorder:
    """Wraps a runner and facts; `data()` is the redacted recording."""

    def __init__(self, runner: Runner, facts: Facts) -> None:
        self.runner = RecordingRunner(runner)
        self.facts = RecordingFacts(facts)

    def data(self, note: str = "") -> dict[str, Any]:
        host = self.runner.host
        names = {outcome.argv[0] for outcome in self.runner.commands if outcome.argv}
        executables = {o.executable for o in self.runner.commands if o.executable}
        for name in sorted(names):
            executables.update(find_all_on_path(name, host))
        raw = {
            "format": FORMAT,
            "version": VERSION,
            "recorded_by": f"ai-cli-setup {__version__}",
            "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "note": note,
            "host": {
                "system": host.system,
                "release": host.release,
                "version": host.version,
                "machine": host.machine,
                "hostname": host.hostname,
                "home": host.home,
                "os_release": dict(host.os_release),
                "proc_version": host.proc_version,
                "libc": host.libc,
                "env": {k: v for k, v in sorted(host.env.items()) if k in ENV_KEPT},
                "executables": sorted(executables),
            },
            "commands": [_command_json(o) for o in self.runner.commands],
            "facts": self.facts.seen,
        }
        return redact_recording(raw, host)

    def save(self, path: str | Path, note: str = "") -> Path:
        target = Path(path)
        target.write_text(json.dumps(self.data(note), indent=2, ensure_ascii=False) + "\n")
        return target


def _command_json(outcome: Outcome) -> dict[str, Any]:
    return {
        "argv": list(outcome.argv),
        "status": outcome.status,
        "exit_code": outcome.exit_code,
        "output": outcome.output,
        "executable": outcome.executable,
        "reason": outcome.reason,
    }


def redact_recording(data: Any, host: Host) -> Any:
    """The recording with personal details and secrets removed from every string."""
    env = host.env
    user = env.get("USER") or env.get("USERNAME") or env.get("LOGNAME") or ""
    if not user and host.home:
        user = ntpath.basename(host.home) if host.is_windows else posixpath.basename(host.home)
    redactor = PersonalRedactor(user, host.home, host.hostname, env, host.is_windows)

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return redactor(value)
        if isinstance(value, dict):
            return {walk(k): walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(data)


# --- replay ----------------------------------------------------------------------


@dataclass(frozen=True)
class Recording:
    host: Host
    commands: tuple[RecordedCommand, ...]
    facts: Mapping[str, Any]
    note: str = ""
    source: str = ""


def _normalise(argv: Sequence[str]) -> tuple[str, ...]:
    """argv with the program named by its bare name: C:\\x\\node.exe -> node."""
    name = ntpath.basename(posixpath.basename(argv[0])).lower()
    for suffix in (".exe", ".cmd", ".bat", ".com"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return (name, *argv[1:])


def _require(data: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    value = data.get(key)
    if not isinstance(value, kind):
        raise RecordingError(f"{where}: {key!r} must be a {kind.__name__}")
    return value


def parse_recording(data: Any, source: str = "") -> Recording:
    """A `Recording` from decoded JSON; RecordingError says what is wrong."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise RecordingError(f"{source or 'recording'}: not an ai-cli-setup recording")
    version = data.get("version")
    if version != VERSION:
        raise RecordingError(
            f"{source}: recording format version {version!r}; this program reads {VERSION}"
        )
    raw_host = _require(data, "host", dict, source)
    system = raw_host.get("system")
    if system not in ("linux", "darwin", "windows"):
        raise RecordingError(f"{source}: host.system must be linux, darwin or windows")
    commands = []
    for index, raw in enumerate(_require(data, "commands", list, source)):
        where = f"{source}: commands[{index}]"
        if not isinstance(raw, dict):
            raise RecordingError(f"{where}: expected an object")
        argv = _require(raw, "argv", list, where)
        if not argv or not all(isinstance(a, str) for a in argv):
            raise RecordingError(f"{where}: argv must be a non-empty list of strings")
        commands.append(
            RecordedCommand(
                tuple(argv),
                str(raw.get("status", "ok")),
                raw.get("exit_code"),
                str(raw.get("output") or ""),
                raw.get("executable"),
                str(raw.get("reason") or ""),
            )
        )
    executables = set(raw_host.get("executables") or [])
    executables.update(c.executable for c in commands if c.executable)
    host = Host(
        system=system,
        release=str(raw_host.get("release", "")),
        machine=str(raw_host.get("machine", "")),
        env=dict(raw_host.get("env") or {}),
        home=str(raw_host.get("home", "")),
        os_release=dict(raw_host.get("os_release") or {}),
        version=str(raw_host.get("version", "")),
        hostname=str(raw_host.get("hostname", "")),
        proc_version=str(raw_host.get("proc_version", "")),
        libc=str(raw_host.get("libc", "")),
        executables=frozenset(executables),
    )
    facts = data.get("facts") or {}
    if not isinstance(facts, dict):
        raise RecordingError(f"{source}: 'facts' must be an object")
    return Recording(host, tuple(commands), facts, str(data.get("note", "")), source)


def load_recording(path: str | Path) -> Recording:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise RecordingError(f"{path}: cannot be read ({exc.strerror})") from None
    except ValueError as exc:
        raise RecordingError(f"{path}: not valid JSON ({exc})") from None
    return parse_recording(data, str(path))


@dataclass
class ReplayRunner:
    """A `Runner` that answers every command from a recording."""

    recording: Recording
    calls: list[tuple[str, ...]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.host: Host = self.recording.host

    def _find(self, argv: tuple[str, ...], exe: str) -> RecordedCommand | None:
        """The recorded run of `argv`: exactly, else the same program by its bare name.

        `exe` is where `argv[0]` resolves on the recorded machine, so a bare
        `claude` never borrows the answer of a copy that is not on PATH.
        """
        for command in self.recording.commands:
            if command.argv == argv:
                return command
        wanted = _normalise(argv)
        for command in self.recording.commands:
            if _normalise(command.argv) == wanted and command.executable in (exe, None):
                return command
        return None

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
        argv = tuple(argv)
        self.calls.append(argv)
        exe = resolve_executable(argv[0], self.host, extra_dirs)
        if exe is None:
            return Outcome(argv, "not-found", reason=f"{argv[0]} is not on PATH")
        command = self._find(argv, exe)
        if command is None:
            return Outcome(argv, "error", reason="this command is not in the recording")
        if on_line is not None:
            for line in command.output.splitlines():
                on_line(line)
        return command.outcome(argv)


@dataclass
class ReplayFacts:
    """`Facts` answered from a recording; anything it did not see is unknown."""

    recording: Recording

    def _get(self, kind: str, key: str) -> Any:
        table = self.recording.facts.get(kind)
        return table.get(key) if isinstance(table, dict) else None

    def memory_total(self) -> int | None:
        value = self.recording.facts.get("memory_total")
        return value if isinstance(value, int) else None

    def disk_free(self, path: str) -> int | None:
        value = self._get("disk_free", path)
        return value if isinstance(value, int) else None

    def writable(self, path: str) -> bool:
        return self._get("writable", path) is True

    def exists(self, path: str) -> bool:
        return self._get("exists", path) is True

    def realpath(self, path: str) -> str:
        value = self._get("realpath", path)
        return value if isinstance(value, str) else path

    async def nvml(self) -> NvmlReading:
        raw = self.recording.facts.get("nvml")
        if not isinstance(raw, dict):
            return NvmlReading("unavailable", error="not in the recording")
        gpus = tuple(
            GpuReading(str(g.get("name", "")), str(g.get("driver", "")), g.get("memory_mib"))
            for g in raw.get("gpus") or []
            if isinstance(g, dict)
        )
        return NvmlReading(str(raw.get("status", "unavailable")), gpus, str(raw.get("error", "")))

    async def reach(self, url: str, timeout: float) -> Reach:
        raw = self._get("reach", url)
        if not isinstance(raw, dict):
            return Reach(url, False, error="not in the recording", checked=False)
        return Reach(
            url,
            bool(raw.get("ok")),
            raw.get("status_code"),
            str(raw.get("error") or ""),
            raw.get("proxy"),
        )


def replay(path: str | Path) -> tuple[ReplayRunner, ReplayFacts]:
    """A runner and facts that answer as the recorded machine did."""
    recording = load_recording(path)
    return ReplayRunner(recording), ReplayFacts(recording)
