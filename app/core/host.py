"""The description of the machine the core works on.

Every fact about the operating system reaches the core through a `Host`.
`Host.current()` is the one place that reads the live machine; tests and
recorded machines build a `Host` by hand.
"""

from __future__ import annotations

import glob
import ntpath
import os
import platform
import shlex
import subprocess
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal, cast

from app.core import display

System = Literal["linux", "darwin", "windows"]

# On Windows only these are runnable without a shell; `.ps1` and bare
# (extensionless) npm shims are never picked.
_WINDOWS_SUFFIXES = (".exe", ".cmd", ".bat", ".com")


def _frozen(mapping: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Host:
    """What the core may know about the operating system."""

    system: System
    release: str = ""
    machine: str = ""
    env: Mapping[str, str] = field(default_factory=dict)
    home: str = ""
    os_release: Mapping[str, str] = field(default_factory=dict)
    # platform.version(): the Windows build ("10.0.22631"), the kernel build elsewhere.
    version: str = ""
    hostname: str = ""
    # Linux: the text of /proc/version (tells WSL 1 from WSL 2).
    proc_version: str = ""
    # "glibc 2.36", "musl" or "" when unknown.
    libc: str = ""
    # A recorded machine's executables: PATH look-ups answer from this set
    # instead of the live file system. None on a live machine.
    executables: frozenset[str] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "env", _frozen(self.env))
        object.__setattr__(self, "os_release", _frozen(self.os_release))
        if self.executables is not None:
            object.__setattr__(self, "executables", frozenset(self.executables))

    @classmethod
    def current(cls, *, lean: bool = False) -> Host:
        """Describe the machine this process runs on.

        `lean`: only the system and the environment, for what is decided before
        the wizard's window; the rest costs more (on Windows, platform asks
        `cmd /c ver` for the version).
        """
        system = cast("System", display.this_system())
        if lean:
            return cls(system=system, env=dict(os.environ))
        os_release: dict[str, str] = {}
        proc_version = libc = ""
        if system == "linux":
            try:
                os_release = dict(platform.freedesktop_os_release())
            except OSError:
                os_release = {}
            proc_version = _read_text("/proc/version")
            libc = _libc()
        return cls(
            system=system,
            release=platform.release(),
            machine=platform.machine(),
            env=dict(os.environ),
            home=str(Path.home()),
            os_release=os_release,
            version=platform.version(),
            hostname=platform.node(),
            proc_version=proc_version,
            libc=libc,
        )

    @property
    def is_recorded(self) -> bool:
        return self.executables is not None

    def is_executable_file(self, path: str) -> bool:
        if self.executables is not None:
            return path in self.executables
        return os.path.isfile(path) and (self.is_windows or os.access(path, os.X_OK))

    @property
    def is_windows(self) -> bool:
        return self.system == "windows"

    @property
    def has_display(self) -> bool:
        """A window can be opened: see `app.core.display.has_display`."""
        return display.has_display(self.system, self.env)

    def display_answers(self) -> bool:
        """The named display takes a connection: see `app.core.display.display_answers`."""
        return display.display_answers(self.system, self.env)

    @property
    def stop_signals(self) -> tuple[str, ...]:
        """The signals, by name, that ask a running command to stop: Ctrl+C's SIGINT,
        SIGTERM (`kill PID`, a shutdown) and, on POSIX, SIGHUP (its terminal was closed).
        Windows has no SIGHUP."""
        if self.is_windows:
            return ("SIGINT", "SIGTERM")
        return ("SIGINT", "SIGTERM", "SIGHUP")

    @property
    def os_name(self) -> str:
        """The system in the catalog's words: windows, macos or linux."""
        return "macos" if self.system == "darwin" else self.system

    @property
    def distros(self) -> tuple[str, ...]:
        """os-release ID then ID_LIKE (empty off Linux or when unknown)."""
        found = [self.os_release.get("ID", ""), *self.os_release.get("ID_LIKE", "").split()]
        return tuple(d for d in found if d)

    @property
    def pretty_name(self) -> str:
        if self.system == "linux":
            return self.os_release.get("PRETTY_NAME", f"Linux {self.release}")
        if self.system == "darwin":
            return f"macOS {self.release}".strip()
        return f"Windows {self.release}".strip()

    @property
    def path_separator(self) -> str:
        return ";" if self.is_windows else ":"

    def path_folder_problem(self, folder: str) -> str:
        """Why `folder` cannot be an entry of PATH here ("" when it can).

        A separator in its name splits it in two for every shell; a line break
        would also end the line that saves it in a shell start-up file.
        """
        if has_control_character(folder):
            return "its name holds a line break or another control character"
        if self.path_separator in folder:
            return f"its name holds {self.path_separator!r}, which separates the folders of PATH"
        return ""

    def path_dirs(self, env: Mapping[str, str] | None = None) -> list[str]:
        """The PATH folders, in order, without empty entries."""
        source = self.env if env is None else env
        value = source.get("PATH") or source.get("Path") or ""
        return [p for p in value.split(self.path_separator) if p]

    def with_path_prepended(self, dirs: Iterable[str]) -> dict[str, str]:
        """A copy of the environment with `dirs` in front of PATH."""
        env = dict(self.env)
        key = "Path" if self.is_windows and "Path" in env else "PATH"
        merged = [d for d in dirs if d] + self.path_dirs()
        seen: set[str] = set()
        unique = [d for d in merged if not (d in seen or seen.add(d))]
        env[key] = self.path_separator.join(unique)
        return env

    def command_line(self, argv: Iterable[str]) -> str:
        """`argv` as a person types it into this host's shell, each value one argument.

        sh quoting on macOS and Linux (a folder with a space or a quote stays
        whole); on Windows double quotes around a value that needs them, which
        cmd and PowerShell both read (subprocess.list2cmdline, as `npm_install`
        in verify prints its hint).
        """
        if self.is_windows:
            return subprocess.list2cmdline(list(argv))
        return shlex.join(argv)

    def executable_names(self, name: str) -> list[str]:
        """The file names that can run `name` on this system."""
        if self.is_windows:
            if name.lower().endswith(_WINDOWS_SUFFIXES):
                return [name]  # "wsl.exe" names its file already
            return [name + suffix for suffix in _WINDOWS_SUFFIXES]
        return [name]

    def npm_bin_dir(self, prefix: str) -> str:
        """Where `npm install -g --prefix PREFIX` puts command shims."""
        if self.is_windows:
            return prefix
        return os.path.join(prefix, "bin")

    def fallback_bin_dirs(self) -> list[str]:
        """Folders a login shell would have on PATH that an app started from Finder or a
        desktop menu may lack (Homebrew's, the user's own)."""
        if self.is_windows:
            return []
        home = self.home or self.env.get("HOME", "")
        user = [os.path.join(home, ".local", "bin"), os.path.join(home, ".npm-global", "bin")]
        if self.system == "darwin":
            return ["/opt/homebrew/bin", "/opt/homebrew/sbin", "/usr/local/bin", *user]
        return user

    def default_path_dirs(self) -> list[str]:
        """The system's own folders, for a process started with no PATH at all."""
        if self.is_windows:
            root = self.env.get("SystemRoot") or self.env.get("SYSTEMROOT") or "C:\\Windows"
            return [ntpath.join(root, "System32"), root]
        return ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    def join(self, *parts: str) -> str:
        """Join path parts the way this host spells paths."""
        if self.is_windows and self.is_recorded:
            return ntpath.join(*parts)
        return os.path.join(*parts)

    def default_user_npm_prefix(self) -> str:
        """A per-user npm prefix, used when the global one is not writable."""
        if self.is_windows:
            appdata = self.env.get("APPDATA") or self.join(self.home, "AppData", "Roaming")
            return self.join(appdata, "npm")
        return self.join(self.home, ".npm-global")


def resolve_executable(
    name: str, host: Host, extra_dirs: Iterable[str] = (), path: Iterable[str] | None = None
) -> str | None:
    """Find the file that runs `name`, searching `extra_dirs` then PATH.

    An absolute path is accepted as it is when it exists.
    """
    if os.path.isabs(name) or (host.is_windows and ntpath.isabs(name)):
        if host.executables is not None:
            return name if name in host.executables else None
        return name if os.path.isfile(name) else None
    folders = list(extra_dirs) + list(host.path_dirs() if path is None else path)
    for folder in folders:
        for candidate in host.executable_names(name):
            full = host.join(folder, candidate)
            if host.is_executable_file(full):
                return full
    return None


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read(4096).strip()
    except OSError:
        return ""


def _libc() -> str:
    if glob.glob("/lib/ld-musl-*.so.1"):
        return "musl"
    name, version = platform.libc_ver()
    return f"{name} {version}".strip()


def find_all_on_path(name: str, host: Host) -> list[str]:
    """Every copy of `name` on PATH, first one first."""
    found: list[str] = []
    for folder in host.path_dirs():
        hit = resolve_executable(name, host, path=[folder])
        if hit and hit not in found:
            found.append(hit)
    return found


def has_control_character(text: str) -> bool:
    """A line break, tab, escape or any other control character (C0, DEL or C1)."""
    return any(unicodedata.category(ch) == "Cc" for ch in text)
