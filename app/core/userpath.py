"""Putting a folder on the user's PATH for new terminals, safely (C01, C02).

Windows: the user's `Path` in HKCU\\Environment is read and written whole with
its own type (REG_EXPAND_SZ keeps `%USERPROFILE%`), never through `setx`,
which cuts values at 1024 characters. POSIX: one marked line is added to the
shell's start-up file, the folder quoted so no character in it can run.
"""

from __future__ import annotations

import importlib
import os
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from app.core.host import Host
from app.core.runner import expand_windows_variables

MARK = "# added by ai-cli-setup"


@dataclass(frozen=True)
class PathChange:
    """What adding a folder to the user's PATH did."""

    folder: str
    where: str  # the start-up file, or HKCU\Environment\Path
    changed: bool  # False: the folder was there already
    message: str


class UserEnvironment(Protocol):
    """The Windows user's environment in the registry (HKCU\\Environment)."""

    def read_path(self) -> tuple[str, int] | None: ...

    def write_path(self, value: str, kind: int) -> None: ...


REG_SZ, REG_EXPAND_SZ = 1, 2


class WindowsUserEnvironment:  # pragma: no cover - Windows only
    """The real registry, and the broadcast that tells Explorer PATH changed."""

    def _winreg(self) -> Any:
        return importlib.import_module("winreg")

    def read_path(self) -> tuple[str, int] | None:
        winreg = self._winreg()
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, "Environment") as key:
                value, kind = winreg.QueryValueEx(key, "Path")
                return str(value), int(kind)
        except FileNotFoundError:
            return None

    def write_path(self, value: str, kind: int) -> None:
        winreg = self._winreg()
        access = winreg.KEY_SET_VALUE
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, "Environment", 0, access) as key:
            winreg.SetValueEx(key, "Path", 0, kind, value)
        ctypes = importlib.import_module("ctypes")
        hwnd_broadcast, wm_settingchange, smto_abortifhung = 0xFFFF, 0x1A, 0x2
        result = ctypes.c_ulong()
        ctypes.windll.user32.SendMessageTimeoutW(
            hwnd_broadcast, wm_settingchange, 0, "Environment", smto_abortifhung, 5000,
            ctypes.byref(result),
        )  # fmt: skip


def _same_folder(a: str, b: str, windows: bool) -> bool:
    strip = "\\/" if windows else "/"
    a, b = a.rstrip(strip) or a, b.rstrip(strip) or b
    return a.lower() == b.lower() if windows else a == b


def add_to_windows_user_path(folder: str, host: Host, registry: UserEnvironment) -> PathChange:
    where = r"HKCU\Environment\Path"
    current = registry.read_path()
    value, kind = current if current else ("", REG_EXPAND_SZ)
    entries = [e for e in value.split(";") if e]
    expanded = [expand_windows_variables(e, host.env) for e in entries]
    if any(_same_folder(e, folder, True) for e in [*entries, *expanded]):
        return PathChange(folder, where, False, f"{folder} is already on your PATH.")
    # Whole value, own type: nothing is cut and %VARIABLES% stay unexpanded.
    registry.write_path(";".join([*entries, folder]), kind if kind else REG_EXPAND_SZ)
    return PathChange(
        folder, where, True, f"Added {folder} to your PATH. Open a new terminal to use it."
    )


def startup_files(host: Host) -> list[str]:
    """The files a new terminal of the user's shell reads."""
    shell = os.path.basename(host.env.get("SHELL", ""))
    home = host.home
    if shell == "zsh":
        return [host.join(home, ".zshrc"), host.join(home, ".zprofile")]
    if shell == "fish":
        return [host.join(home, ".config", "fish", "conf.d", "ai-cli-setup.fish")]
    if host.system == "darwin":
        return [host.join(home, ".bash_profile"), host.join(home, ".bashrc")]
    return [host.join(home, ".profile"), host.join(home, ".bashrc")]


def _line(folder: str, file: str) -> str:
    if file.endswith(".fish"):
        return f"fish_add_path {shlex.quote(folder)} {MARK}"
    return f'export PATH={shlex.quote(folder)}:"$PATH" {MARK}'


def add_to_posix_user_path(folder: str, host: Host) -> PathChange:
    files = startup_files(host)
    changed: list[str] = []
    for file in files:
        line = _line(folder, file)
        path = Path(file)
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        if line in text.splitlines():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(("" if not text or text.endswith("\n") else "\n") + line + "\n")
        changed.append(file)
    if not changed:
        return PathChange(folder, files[0], False, f"{folder} is already set up in {files[0]}.")
    return PathChange(
        folder,
        ", ".join(changed),
        True,
        f"Added {folder} to PATH in {', '.join(changed)}. Open a new terminal to use it.",
    )


def add_to_user_path(
    folder: str,
    host: Host,
    registry: UserEnvironment | None = None,
    windows_registry: Callable[[], UserEnvironment] = WindowsUserEnvironment,
) -> PathChange:
    """Put `folder` on PATH for every new terminal of this user; safe to repeat."""
    if host.is_recorded:  # a replayed machine: nothing here is the user's
        return PathChange(folder, "", False, "A recorded machine: nothing was changed.")
    if host.is_windows:
        return add_to_windows_user_path(folder, host, registry or windows_registry())
    return add_to_posix_user_path(folder, host)
