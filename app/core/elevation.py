"""Admin rights for one step at a time: one prompt for all of a step's admin commands.

The wizard itself always runs unprivileged. Each back-end turns a list of
argument lists into one elevated run: Windows `ShellExecuteEx` with the
`runas` verb on a generated batch file, macOS `osascript ... with
administrator privileges`, Linux `pkexec` (or, with no polkit agent, a
`sudo` line for the user to run). "Declined" is its own outcome. Homebrew
is never run as root.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import psutil

from app.core.host import Host
from app.core.runner import LineSink, Runner

ElevationStatus = Literal["ok", "failed", "declined", "unavailable", "refused"]

PKEXEC_DISMISSED = 126  # the user closed the dialog
PKEXEC_NOT_AUTHORISED = 127  # not authorised, or no authentication agent
WINDOWS_ERROR_CANCELLED = 1223  # the user said no to the UAC prompt
APPLESCRIPT_CANCELLED = -128

_POLKIT_AGENTS = (
    "polkit-gnome-authentication-agent-1",
    "polkit-kde-authentication-agent-1",
    "polkit-mate-authentication-agent-1",
    "lxpolkit",
    "lxqt-policykit-agent",
    "xfce-polkit",
    "polkit-agent",
    "gnome-shell",  # GNOME's shell is its own agent
)

# Characters cmd.exe would reinterpret inside a batch file.
_BATCH_UNSAFE = set('&|<>^%"\r\n!')


@dataclass(frozen=True)
class ElevationOutcome:
    status: ElevationStatus
    exit_code: int | None = None
    output: str = ""
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class Elevator(Protocol):
    """Runs one step's admin commands behind a single prompt."""

    def describe(self, commands: Sequence[Sequence[str]]) -> str:
        """What the user is shown before the system asks for the password."""
        ...

    async def run(
        self,
        commands: Sequence[Sequence[str]],
        *,
        env: dict[str, str] | None = None,
        on_line: LineSink | None = None,
    ) -> ElevationOutcome: ...


def refuse_homebrew(commands: Sequence[Sequence[str]]) -> ElevationOutcome | None:
    """Homebrew must never run as root; a plan that asks for it is refused outright."""
    for argv in commands:
        if argv and os.path.basename(argv[0]) == "brew":
            return ElevationOutcome(
                "refused",
                message="Homebrew never runs with admin rights; the wizard refused to do that.",
            )
    return None


def shell_script(commands: Sequence[Sequence[str]]) -> str:
    """One POSIX shell line that runs each command in turn and stops at the first failure.

    Every argument is quoted; nothing from the user is ever interpreted.
    """
    return " && ".join(shlex.join(list(argv)) for argv in commands)


def sudo_instruction(commands: Sequence[Sequence[str]]) -> str:
    """What to type in a terminal when no graphical prompt is possible."""
    lines = "\n".join(f"  sudo {shlex.join(list(argv))}" for argv in commands)
    return (
        "The wizard cannot ask for your password here (no polkit authentication agent is "
        f"running). Open a terminal, run:\n{lines}\nthen press Retry."
    )


def polkit_agent_running() -> bool:
    """Whether a polkit authentication agent runs in this session."""
    for proc in psutil.process_iter(["name"]):
        name = proc.info.get("name") or ""
        if any(name.startswith(agent[:15]) for agent in _POLKIT_AGENTS):
            return True
    return False


class PkexecElevator:
    """Linux: `pkexec` through the normal runner, so output streams as usual."""

    def __init__(
        self, runner: Runner, agent_running: Callable[[], bool] = polkit_agent_running
    ) -> None:
        self.runner = runner
        self.agent_running = agent_running

    def argv(self, commands: Sequence[Sequence[str]], env: dict[str, str] | None) -> list[str]:
        # pkexec clears the environment; what the commands need is passed explicitly.
        keep = {"DEBIAN_FRONTEND": "noninteractive"}
        for name in ("PATH", "http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
            if env and env.get(name):
                keep[name] = env[name]
        assignments = [f"{k}={v}" for k, v in keep.items()]
        return [
            "pkexec",
            "--disable-internal-agent",
            "/usr/bin/env",
            *assignments,
            "/bin/sh",
            "-c",
            shell_script(commands),
        ]

    def describe(self, commands: Sequence[Sequence[str]]) -> str:
        return _describe("These commands need admin rights; your system will ask once:", commands)

    async def run(
        self,
        commands: Sequence[Sequence[str]],
        *,
        env: dict[str, str] | None = None,
        on_line: LineSink | None = None,
    ) -> ElevationOutcome:
        refused = refuse_homebrew(commands)
        if refused:
            return refused
        if not self.agent_running():
            return ElevationOutcome("unavailable", message=sudo_instruction(commands))
        outcome = await self.runner.run(self.argv(commands, env), env=env, on_line=on_line)
        if outcome.status == "not-found":
            return ElevationOutcome("unavailable", message=sudo_instruction(commands))
        if outcome.exit_code == PKEXEC_DISMISSED:
            return ElevationOutcome(
                "declined", outcome.exit_code, outcome.output, "You declined the admin prompt."
            )
        if outcome.exit_code == PKEXEC_NOT_AUTHORISED:
            return ElevationOutcome(
                "unavailable", outcome.exit_code, outcome.output, sudo_instruction(commands)
            )
        status: ElevationStatus = "ok" if outcome.ok else "failed"
        return ElevationOutcome(status, outcome.exit_code, outcome.output, outcome.sentence())


def _describe(
    intro: str,
    commands: Sequence[Sequence[str]],
    join: Callable[[list[str]], str] = shlex.join,
) -> str:
    """`intro`, then each command as the user would type it, indented."""
    return "\n".join([intro, *(f"  {join(list(argv))}" for argv in commands)])


def applescript_string(text: str) -> str:
    """`text` as an AppleScript string literal: backslashes and double quotes escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class OsascriptElevator:
    """macOS: the system's own password dialog through `osascript`."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner

    def argv(self, commands: Sequence[Sequence[str]]) -> list[str]:
        script = (
            f"do shell script {applescript_string(shell_script(commands) + ' 2>&1')}"
            " with administrator privileges"
        )
        return ["/usr/bin/osascript", "-e", script]

    def describe(self, commands: Sequence[Sequence[str]]) -> str:
        return _describe(
            "These commands need admin rights; macOS will ask for your password once:", commands
        )

    async def run(
        self,
        commands: Sequence[Sequence[str]],
        *,
        env: dict[str, str] | None = None,
        on_line: LineSink | None = None,
    ) -> ElevationOutcome:
        refused = refuse_homebrew(commands)
        if refused:
            return refused
        # FIXME(macos): output arrives only when the script ends; tail a log file to stream it.
        outcome = await self.runner.run(self.argv(commands), env=env, on_line=on_line)
        if f"({APPLESCRIPT_CANCELLED})" in outcome.output:
            return ElevationOutcome(
                "declined", outcome.exit_code, outcome.output, "You declined the admin prompt."
            )
        status: ElevationStatus = "ok" if outcome.ok else "failed"
        return ElevationOutcome(status, outcome.exit_code, outcome.output, outcome.sentence())


class ShellExecute(Protocol):
    """Starts `file params` elevated and returns its exit code (Windows' ShellExecuteEx)."""

    def __call__(self, file: str, params: str) -> int: ...


def batch_script(commands: Sequence[Sequence[str]], log_path: str) -> str:
    """A batch file that runs each command, appends its output to `log_path`, stops at a failure.

    Arguments that cmd.exe would reinterpret are refused, never escaped.
    """
    lines = ["@echo off", "setlocal"]
    for argv in commands:
        for arg in argv:
            if _BATCH_UNSAFE & set(arg):
                raise ValueError(f"unsafe argument for an elevated batch file: {arg!r}")
        if _BATCH_UNSAFE & set(log_path):
            raise ValueError(f"unsafe log path: {log_path!r}")
        lines.append(f'{subprocess.list2cmdline(list(argv))} >> "{log_path}" 2>&1')
        lines.append("if errorlevel 1 exit /b %errorlevel%")
    lines.append("exit /b 0")
    return "\r\n".join(lines) + "\r\n"


def windows_shell_execute(file: str, params: str) -> int:  # pragma: no cover - Windows only
    """ShellExecuteExW with the `runas` verb; waits and returns the exit code."""
    import ctypes
    from ctypes import wintypes

    class SHELLEXECUTEINFOW(ctypes.Structure):
        _fields_ = [
            ("cbSize", wintypes.DWORD),
            ("fMask", ctypes.c_ulong),
            ("hwnd", wintypes.HWND),
            ("lpVerb", wintypes.LPCWSTR),
            ("lpFile", wintypes.LPCWSTR),
            ("lpParameters", wintypes.LPCWSTR),
            ("lpDirectory", wintypes.LPCWSTR),
            ("nShow", ctypes.c_int),
            ("hInstApp", wintypes.HINSTANCE),
            ("lpIDList", ctypes.c_void_p),
            ("lpClass", wintypes.LPCWSTR),
            ("hkeyClass", wintypes.HKEY),
            ("dwHotKey", wintypes.DWORD),
            ("hIconOrMonitor", wintypes.HANDLE),
            ("hProcess", wintypes.HANDLE),
        ]

    see_mask_nocloseprocess, sw_hide = 0x40, 0
    info = SHELLEXECUTEINFOW()
    info.cbSize = ctypes.sizeof(info)
    info.fMask = see_mask_nocloseprocess
    info.lpVerb, info.lpFile, info.lpParameters, info.nShow = "runas", file, params, sw_hide
    shell32 = ctypes.windll.shell32  # type: ignore[attr-defined]
    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    if not shell32.ShellExecuteExW(ctypes.byref(info)):
        error = ctypes.GetLastError()  # type: ignore[attr-defined]
        return -WINDOWS_ERROR_CANCELLED if error == WINDOWS_ERROR_CANCELLED else -error
    kernel32.WaitForSingleObject(info.hProcess, 0xFFFFFFFF)
    code = wintypes.DWORD()
    kernel32.GetExitCodeProcess(info.hProcess, ctypes.byref(code))
    kernel32.CloseHandle(info.hProcess)
    return int(code.value)


class RunasElevator:
    """Windows: one UAC prompt per step, running a generated batch file elevated."""

    def __init__(
        self,
        host: Host,
        shell_execute: ShellExecute = windows_shell_execute,
        work_dir: str | None = None,
    ) -> None:
        self.host = host
        self.shell_execute = shell_execute
        self.work_dir = work_dir

    def launch(self, script_path: str) -> tuple[str, str]:
        """The program and parameters ShellExecuteEx is given."""
        comspec = self.host.env.get("COMSPEC") or self.host.env.get("ComSpec") or "cmd.exe"
        return comspec, subprocess.list2cmdline(["/d", "/c", script_path])

    def describe(self, commands: Sequence[Sequence[str]]) -> str:
        return _describe(
            "These commands need admin rights; Windows will ask once:",
            commands,
            join=subprocess.list2cmdline,
        )

    async def run(
        self,
        commands: Sequence[Sequence[str]],
        *,
        env: dict[str, str] | None = None,
        on_line: LineSink | None = None,
    ) -> ElevationOutcome:
        refused = refuse_homebrew(commands)
        if refused:
            return refused
        folder = tempfile.mkdtemp(prefix="ai-cli-setup-", dir=self.work_dir)
        log_path = os.path.join(folder, "elevated.log")
        script_path = os.path.join(folder, "step.cmd")
        try:
            script = batch_script(commands, log_path)
        except ValueError as exc:
            return ElevationOutcome("refused", message=str(exc))
        with open(script_path, "w", encoding="utf-8", newline="") as handle:
            handle.write(script)
        program, params = self.launch(script_path)
        # FIXME(windows): tail log_path while the elevated script runs instead of at the end.
        code = await asyncio.to_thread(self.shell_execute, program, params)
        output = ""
        if os.path.exists(log_path):
            with open(log_path, encoding="utf-8", errors="replace") as handle:
                output = handle.read()
        for line in output.splitlines():
            if on_line is not None:
                on_line(line)
        if code == -WINDOWS_ERROR_CANCELLED:
            return ElevationOutcome("declined", None, output, "You declined the admin prompt.")
        if code < 0:
            return ElevationOutcome("unavailable", None, output, f"Windows error {-code}.")
        status: ElevationStatus = "ok" if code == 0 else "failed"
        return ElevationOutcome(status, code, output, f"exit code {code}")


class DirectElevator:
    """Already running with admin rights (root in a container, say): no prompt is needed."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner

    def describe(self, commands: Sequence[Sequence[str]]) -> str:
        intro = "These commands need admin rights, which the wizard already has:"
        return _describe(intro, commands)

    async def run(
        self,
        commands: Sequence[Sequence[str]],
        *,
        env: dict[str, str] | None = None,
        on_line: LineSink | None = None,
    ) -> ElevationOutcome:
        refused = refuse_homebrew(commands)
        if refused:
            return refused
        output: list[str] = []
        for argv in commands:
            outcome = await self.runner.run(argv, env=env, on_line=on_line)
            output.append(outcome.output)
            if not outcome.ok:
                return ElevationOutcome(
                    "failed", outcome.exit_code, "\n".join(output), outcome.sentence()
                )
        return ElevationOutcome("ok", 0, "\n".join(output))


def elevator_for(host: Host, runner: Runner, is_admin: bool | None = None) -> Elevator:
    """The elevation back-end for this system."""
    if is_admin is None:
        is_admin = host.system != "windows" and hasattr(os, "geteuid") and os.geteuid() == 0
    if is_admin:
        return DirectElevator(runner)
    if host.system == "windows":
        return RunasElevator(host)
    if host.system == "darwin":
        return OsascriptElevator(runner)
    return PkexecElevator(runner)
