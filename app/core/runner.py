"""The one door through which every command runs.

`Runner.run` takes an argument list (never a shell string), resolves the
executable first, streams decoded output line by line, enforces a timeout,
and ends the whole process tree when cancelled. It returns an `Outcome`
that can say in one sentence what happened.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import importlib
import logging
import os
import re
import signal
import subprocess
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import psutil

from app.core.host import Host, resolve_executable
from app.core.terminal import clean_line

log = logging.getLogger("ai_cli_setup.runner")

Status = Literal["ok", "failed", "not-found", "timeout", "cancelled", "error"]
# A line handed to a LineSink ends in PROGRESS ("\r") when the command ended it with a
# bare carriage return: a progress redraw the next line replaces. Nothing else does.
LineSink = Callable[[str], None]
PROGRESS = "\r"

KEEP_LINES = 4000
KILL_GRACE = 3.0
READ_SIZE = 16384
# A flood of output is handed on in slices: after this long, the pump yields to
# the event loop, so a window fed by `on_line` stays responsive (bench_logpane).
YIELD_AFTER = 0.004


@dataclass(frozen=True)
class Outcome:
    """What one command did."""

    argv: tuple[str, ...]
    status: Status
    exit_code: int | None = None
    output: str = ""
    duration: float = 0.0
    executable: str | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def lines(self) -> list[str]:
        return self.output.splitlines()

    def sentence(self) -> str:
        name = os.path.basename(self.argv[0]) if self.argv else "command"
        if self.status == "ok":
            return f"{name} finished in {self.duration:.1f} s."
        if self.status == "not-found":
            return f"{name} was not found on this computer."
        if self.status == "timeout":
            return f"{name} did not finish within its time limit and was stopped."
        if self.status == "cancelled":
            return f"{name} was cancelled."
        if self.status == "error":
            return f"{name} could not be started: {self.reason}"
        if self.exit_code is not None and self.exit_code < 0:
            return f"{name} was stopped by {_signal_name(-self.exit_code)} before it finished."
        return f"{name} failed with exit code {self.exit_code}."


def _signal_name(number: int) -> str:
    """`SIGKILL (killed from outside, for example when memory ran out)` for 9."""
    try:
        name = signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
    why = {
        "SIGKILL": " (killed from outside, for example when memory ran out)",
        "SIGTERM": " (asked to stop from outside)",
        "SIGSEGV": " (it crashed)",
    }.get(name, "")
    return f"{name}{why}"


class Runner(Protocol):
    """Anything that can run a command for the core."""

    host: Host

    async def run(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        timeout: float | None = None,
        on_line: LineSink | None = None,
        extra_dirs: Sequence[str] = (),
    ) -> Outcome: ...


class LineSplitter:
    """Turns a byte stream into text lines.

    Invalid UTF-8 is replaced rather than fatal, UTF-16 (as `wsl.exe`
    prints) is recognised from its byte-order mark or NUL pattern, and a
    carriage return ends a line the way a terminal's progress bar does.
    """

    def __init__(self) -> None:
        self._decoder: codecs.IncrementalDecoder | None = None
        self._pending = ""

    def _choose_decoder(self, first: bytes) -> codecs.IncrementalDecoder:
        if first.startswith(codecs.BOM_UTF16_LE) or (
            len(first) >= 4 and first[1] == 0 and first[3] == 0 and first[0] != 0
        ):
            return codecs.getincrementaldecoder("utf-16-le")(errors="replace")
        return codecs.getincrementaldecoder("utf-8")(errors="replace")

    def feed(self, data: bytes, final: bool = False) -> list[str]:
        return [line for line, _progress in self.feed_marked(data, final)]

    def feed_marked(self, data: bytes, final: bool = False) -> list[tuple[str, bool]]:
        """Complete lines, each with whether a bare carriage return ended it."""
        if self._decoder is None:
            if not data and not final:
                return []
            self._decoder = self._choose_decoder(data)
        text = self._pending + self._decoder.decode(data, final=final)
        text = text.replace("\ufeff", "").replace("\r\n", "\n")
        self._pending = ""
        if not final and text.endswith("\r"):
            # The \n of a \r\n may come in the next read.
            text, self._pending = text[:-1], "\r"
        parts = re.split(r"(\r|\n)", text)
        if not final:
            self._pending = parts.pop() + self._pending
        elif parts and parts[-1] == "":
            parts.pop()
        else:
            parts.append("\n")
        return [(clean_line(parts[i]), parts[i + 1] == "\r") for i in range(0, len(parts) - 1, 2)]


# Children started and not yet reaped: what `end_leftovers` ends when the event
# loop is torn down before a cancelled command could end its own.
_LIVE: set[int] = set()


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _terminate(procs: Sequence[psutil.Process]) -> None:
    for other in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            other.terminate()


async def end_tree(proc: asyncio.subprocess.Process, grace: float = KILL_GRACE) -> None:
    """End a child process and all its descendants: terminate, wait, then kill.

    The signals go out before the first await, so a second cancellation (a
    second Ctrl+C) cannot stop them. The child itself is waited for through
    asyncio, never by psutil: a child reaped behind asyncio's back leaves its
    watcher warning of an "unknown child process" and reporting exit code 255.
    """
    descendants = _descendants(proc.pid)
    _terminate(descendants)
    with contextlib.suppress(ProcessLookupError):
        proc.terminate()

    async def child_gone() -> bool:
        try:
            await asyncio.wait_for(proc.wait(), grace)
        except TimeoutError:
            return False
        return True

    gone, (_, alive) = await asyncio.gather(
        child_gone(), asyncio.to_thread(psutil.wait_procs, descendants, timeout=grace)
    )
    for other in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            other.kill()
    if not gone:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
    await asyncio.to_thread(psutil.wait_procs, alive, timeout=grace)


def end_leftovers(grace: float = KILL_GRACE) -> list[int]:
    """End every child still running, with its descendants; return their pids.

    For when the event loop is gone (a second Ctrl+C ends `asyncio.run` at
    once, cancelling the commands' own clean-up): nothing is left running
    after the app says it stopped.
    """
    ended = sorted(_LIVE)
    family: list[psutil.Process] = []
    for pid in ended:
        with contextlib.suppress(psutil.NoSuchProcess):
            root = psutil.Process(pid)
            family += [*root.children(recursive=True), root]
    _terminate(family)
    _, alive = psutil.wait_procs(family, timeout=grace)
    for other in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            other.kill()
    psutil.wait_procs(alive, timeout=grace)
    _LIVE.clear()
    return ended


def path_key(env: Mapping[str, str]) -> str:
    """The name PATH has in `env` (Windows keeps it as `Path`)."""
    return "Path" if "Path" in env and "PATH" not in env else "PATH"


def with_fallback_dirs(host: Host, env: Mapping[str, str]) -> dict[str, str]:
    """`env` with the host's usual bin folders that exist appended to PATH, once each.

    With no PATH at all (`PATH= ai-cli-setup ...`), the system's own folders come
    first: git in /usr/bin is not "missing", to be installed again as admin.
    """
    result = dict(env)
    key = path_key(result)
    dirs = host.path_dirs(result)
    usual = host.fallback_bin_dirs()
    if not dirs:
        usual = [*host.default_path_dirs(), *usual]
    extra = [d for d in dict.fromkeys(usual) if d not in dirs and os.path.isdir(d)]
    if extra:
        result[key] = host.path_separator.join(dirs + extra)
    return result


def expand_windows_variables(value: str, env: Mapping[str, str]) -> str:
    """Expand `%NAME%` the way Windows does (names are case-insensitive; unknown ones stay)."""
    lower = {k.lower(): v for k, v in env.items()}
    return re.sub(r"%([^%;]+)%", lambda m: lower.get(m.group(1).lower(), m.group(0)), value)


class EnvironmentSource(Protocol):
    """Where a fresh PATH comes from after a step may have changed it (C03, C22)."""

    def refreshed(self, env: Mapping[str, str]) -> dict[str, str]: ...


RegistryRead = Callable[[str], str | None]  # "machine" | "user" -> the raw Path value


def read_windows_registry_path(scope: str) -> str | None:  # pragma: no cover - Windows only
    try:
        winreg: Any = importlib.import_module("winreg")
    except ImportError:  # a recorded Windows machine replayed elsewhere
        return None

    if scope == "machine":
        root = winreg.HKEY_LOCAL_MACHINE
        key = r"SYSTEM\CurrentControlSet\Control\Session Manager\Environment"
    else:
        root, key = winreg.HKEY_CURRENT_USER, "Environment"
    try:
        with winreg.OpenKey(root, key) as handle:
            value, _kind = winreg.QueryValueEx(handle, "Path")
            return str(value)
    except OSError:
        return None


class WindowsRegistryPath:
    """PATH as a new process would get it: machine Path, then user Path, variables expanded.

    Folders only the running process had (the wizard's own) are kept at the end.
    """

    def __init__(self, read: RegistryRead = read_windows_registry_path) -> None:
        self.read = read

    def refreshed(self, env: Mapping[str, str]) -> dict[str, str]:
        result = dict(env)
        key = path_key(result)
        fresh: list[str] = []
        for scope in ("machine", "user"):
            raw = self.read(scope)
            if raw:
                fresh += [expand_windows_variables(p, env) for p in raw.split(";") if p]
        if not fresh:
            return result
        seen = {p.rstrip("\\").lower() for p in fresh}
        old = [p for p in result.get(key, "").split(";") if p]
        kept = [p for p in old if p.rstrip("\\").lower() not in seen]
        result[key] = ";".join(fresh + kept)
        return result


class LoginPath:
    """Unix: the usual bin folders that now exist (uv's ~/.local/bin, say) join PATH."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def refreshed(self, env: Mapping[str, str]) -> dict[str, str]:
        return with_fallback_dirs(self.host, env)


def environment_source(host: Host) -> EnvironmentSource:
    return WindowsRegistryPath() if host.is_windows else LoginPath(host)


class ProcessRunner:
    """Runs real commands on this machine with asyncio subprocesses."""

    def __init__(self, host: Host) -> None:
        self.host = host

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
        if isinstance(argv, (str, bytes)):
            raise TypeError("a command is a list of arguments, never a shell string")
        argv = tuple(argv)
        if not argv or not all(isinstance(a, str) for a in argv):
            raise TypeError("a command is a non-empty list of strings")
        run_env = with_fallback_dirs(self.host, self.host.env if env is None else env)
        path_dirs = self.host.path_dirs(run_env)
        exe = resolve_executable(argv[0], self.host, extra_dirs, path=path_dirs)
        if exe is None:
            log.info("not found: %s", argv[0])
            return Outcome(argv, "not-found", reason=f"{argv[0]} is not on PATH")
        full = (exe, *argv[1:])
        if self.host.is_windows and exe.lower().endswith((".cmd", ".bat")):
            # Batch files run through cmd.exe whatever we ask; do it openly
            # and refuse arguments that cmd.exe would reinterpret.
            for arg in argv[1:]:
                if any(ch in arg for ch in '&|<>^%"\r\n'):
                    return Outcome(
                        argv, "error", reason=f"unsafe argument for a batch file: {arg!r}"
                    )
            comspec = run_env.get("COMSPEC") or run_env.get("ComSpec") or "cmd.exe"
            full = (comspec, "/d", "/s", "/c", subprocess.list2cmdline(full))

        log.info("run: %s", subprocess.list2cmdline(argv))
        kwargs: dict[str, object] = {}
        if self.host.is_windows:
            kwargs["creationflags"] = getattr(subprocess, "CREATE_NO_WINDOW", 0) | getattr(
                subprocess, "CREATE_NEW_PROCESS_GROUP", 0
            )
        else:
            kwargs["start_new_session"] = True

        started = time.monotonic()
        try:
            proc = await asyncio.create_subprocess_exec(
                *full,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=run_env,
                cwd=cwd,
                **kwargs,  # type: ignore[arg-type]
            )
        except OSError as exc:
            log.warning("could not start %s: %s", exe, exc)
            return Outcome(argv, "error", executable=exe, reason=str(exc))

        _LIVE.add(proc.pid)
        kept: deque[str] = deque(maxlen=KEEP_LINES)
        splitter = LineSplitter()
        name = os.path.basename(exe)

        async def emit(lines: list[tuple[str, bool]]) -> None:
            slice_started = time.monotonic()
            for n, (line, progress) in enumerate(lines, 1):
                kept.append(line)
                log.debug("%s| %s", name, line)
                if on_line is not None:
                    on_line(line + PROGRESS if progress else line)
                if n % 32 == 0 and time.monotonic() - slice_started > YIELD_AFTER:
                    await asyncio.sleep(0)
                    slice_started = time.monotonic()

        async def pump() -> None:
            assert proc.stdout is not None
            while True:
                chunk = await proc.stdout.read(READ_SIZE)
                if not chunk:
                    await emit(splitter.feed_marked(b"", final=True))
                    return
                await emit(splitter.feed_marked(chunk))

        status: Status = "ok"
        try:
            try:
                await asyncio.wait_for(pump(), timeout)
            except TimeoutError:
                status = "timeout"
                await end_tree(proc)
            code = await proc.wait()
        except asyncio.CancelledError:
            log.info("cancelled: %s", name)
            await asyncio.shield(end_tree(proc))
            raise
        finally:
            if proc.returncode is not None:
                _LIVE.discard(proc.pid)
        duration = time.monotonic() - started
        if status == "ok" and code != 0:
            status = "failed"
        log.info("%s exited with %s after %.1f s", name, code, duration)
        return Outcome(argv, status, code, "\n".join(kept), duration, exe)
