"""The user's saved PATH and the other environment changes the wizard makes, all journaled.

On Windows the user PATH is the `Path` value under HKCU\\Environment, edited
through an injectable store (never `setx`, which cuts values at 1024
characters, C02). Elsewhere a guarded line goes into the shell's start-up
files, so a new terminal (and a new login shell) finds the folder. Every
edit is written to the journal first, so `ai-cli-setup undo` can reverse it.
"""

from __future__ import annotations

import importlib
import ntpath
import os
import posixpath
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from app.core.elevation import Elevator
from app.core.host import Host
from app.core.journal import Journal, UserEnvironment, change_file, read_file, write_file
from app.core.runner import Runner, expand_windows_variables

REG_SZ, REG_EXPAND_SZ = 1, 2
WINDOWS_ENV_LIMIT = 32767  # the longest value an environment variable can have
MARK = "# ai-cli-setup:"
_MARKED = re.compile(re.escape(MARK) + r" put (.+) on PATH \(remove with: ai-cli-setup undo\)$")
# Every start-up file `startup_files` names, for any shell.
STARTUP_NAMES = (".profile", ".bash_profile", ".bash_login", ".bashrc", ".zprofile", ".zshrc")


class UserPathStore(Protocol):
    """Where the user's PATH is kept between sessions."""

    def where(self) -> str:
        """Where the change goes, in the user's words."""
        ...

    def has(self, folder: str) -> bool:
        """Whether the saved PATH names `folder` already."""
        ...

    def add(self, folder: str, journal: Journal, step: str) -> str:
        """Put `folder` on the saved PATH, journaled; returns what was done."""
        ...


# --------------------------------------------------------------- POSIX


def startup_files(home: str, shell: str) -> list[str]:
    """The start-up files a new terminal and a new login shell of `shell` read."""
    name = posixpath.basename(shell or "sh")
    join = posixpath.join
    if name == "zsh":
        return [join(home, ".zprofile"), join(home, ".zshrc")]
    if name == "bash":
        # A login bash reads the first of these that exists; a terminal's bash reads .bashrc.
        login = next(
            (
                join(home, f)
                for f in (".bash_profile", ".bash_login")
                if os.path.isfile(join(home, f))
            ),
            join(home, ".profile"),
        )
        return [login, join(home, ".bashrc")]
    # FIXME(journal): fish and other shells with their own syntax get ~/.profile only.
    return [join(home, ".profile")]


class UnusableFolder(ValueError):
    """A folder that cannot go on PATH (see `Host.path_folder_problem`); nothing was written."""

    def __init__(self, folder: str, problem: str) -> None:
        super().__init__(f"{folder!r} cannot go on PATH: {problem}")
        self.folder = folder
        self.problem = problem


_SHELL = Host("linux")  # what the shells' start-up files follow: ':' between PATH's folders
_WINDOWS = Host("windows")  # the registry's PATH: ';' between its folders


def _usable(host: Host, folder: str) -> None:
    problem = host.path_folder_problem(folder)
    if problem:
        raise UnusableFolder(folder, problem)


def path_lines(folder: str) -> list[str]:
    """The lines that put `folder` in front of PATH once (sh, bash and zsh read them)."""
    _usable(_SHELL, folder)  # a line break would start a line of its own in the shell file
    return _written_lines(folder)


def _written_lines(folder: str) -> list[str]:
    """`path_lines` unchecked: what an earlier version may have written, to take it out."""
    quoted = shlex.quote(folder)
    return [
        f"{MARK} put {folder} on PATH (remove with: ai-cli-setup undo)",
        f'case ":$PATH:" in *:{quoted}:*) ;; *) export PATH={quoted}:"$PATH" ;; esac',
    ]


def remove_marked_lines(home: str, dry_run: bool = False) -> tuple[list[str], list[str]]:
    """Take the wizard's PATH lines out of the start-up files in `home`, keeping the rest.

    A pair is taken out only when both lines are exactly as `path_lines` writes
    them; a marker whose next line was changed is left, and named. Returns (what
    was, or would be, taken out; the marked lines left), each "~/FILE: ...".
    """
    taken: list[str] = []
    left: list[str] = []
    for name in STARTUP_NAMES:
        path = posixpath.join(home, name)
        text = read_file(path)
        if text is None or MARK not in text:
            continue
        lines = text.splitlines(keepends=True)
        kept: list[str] = []
        i = 0
        while i < len(lines):
            line = lines[i].rstrip("\r\n")
            match = _MARKED.match(line)
            if match is None:
                kept.append(lines[i])
                i += 1
                continue
            pair = _written_lines(match.group(1))
            following = lines[i + 1].rstrip("\r\n") if i + 1 < len(lines) else None
            if line == pair[0] and following == pair[1]:
                taken.append(f"~/{name}: {match.group(1)}")
                i += 2
                continue
            left.append(f"~/{name} line {i + 1}: {line}")
            kept.append(lines[i])
            i += 1
        if not dry_run and len(kept) < len(lines):
            write_file(path, "".join(kept))
    return taken, left


@dataclass
class ShellStartupPath:
    """PATH kept in the shell's start-up files (~/.profile, ~/.bashrc, ~/.zprofile, ...)."""

    home: str
    shell: str

    def files(self) -> list[str]:
        return startup_files(self.home, self.shell)

    def where(self) -> str:
        home = self.home.rstrip("/")
        return ", ".join(f.replace(home, "~", 1) for f in self.files())

    def has(self, folder: str) -> bool:
        if _SHELL.path_folder_problem(folder):
            return False  # never saved: it cannot be
        line = path_lines(folder)[1]
        return all(line in (read_file(f) or "").splitlines() for f in self.files())

    def add(self, folder: str, journal: Journal, step: str) -> str:
        lines = path_lines(folder)
        changed = []
        for path in self.files():
            before = read_file(path)
            if lines[1] in (before or "").splitlines():
                continue
            text = before or ""
            if text and not text.endswith("\n"):
                text += "\n"
            change_file(journal, path, text + "\n".join(lines) + "\n", f"PATH: {folder}", step)
            changed.append(path)
        if not changed:
            return f"{folder} is already on PATH in {self.where()}."
        home = self.home.rstrip("/")
        names = ", ".join(p.replace(home, "~", 1) for p in changed)
        return f"Added {folder} to PATH in {names}; new terminals will find it."


# --------------------------------------------------------------- Windows


class WinregEnvironment:  # pragma: no cover - Windows only
    """HKCU\\Environment through winreg; tells running programs that it changed."""

    KEY = "Environment"

    def _winreg(self) -> Any:
        return importlib.import_module("winreg")

    def get(self, name: str) -> tuple[str, int] | None:
        winreg = self._winreg()
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, self.KEY) as key:
                value, kind = winreg.QueryValueEx(key, name)
                return str(value), int(kind)
        except OSError:
            return None

    def set(self, name: str, value: str, kind: int) -> None:
        winreg = self._winreg()
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, self.KEY, 0, winreg.KEY_SET_VALUE) as key:
            winreg.SetValueEx(key, name, 0, kind, value)
        self._broadcast()

    def delete(self, name: str) -> None:
        winreg = self._winreg()
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, self.KEY, 0, winreg.KEY_SET_VALUE) as key:
            winreg.DeleteValue(key, name)
        self._broadcast()

    def _broadcast(self) -> None:
        """WM_SETTINGCHANGE "Environment": Explorer hands new programs the new PATH."""
        import ctypes

        result = ctypes.c_ulong()
        ctypes.windll.user32.SendMessageTimeoutW(  # type: ignore[attr-defined]
            0xFFFF, 0x001A, 0, "Environment", 0x0002, 5000, ctypes.byref(result)
        )


@dataclass
class RegistryUserPath:
    """The user `Path` value in HKCU\\Environment (variables such as %USERPROFILE% kept)."""

    store: UserEnvironment
    env: dict[str, str]

    def where(self) -> str:
        return "your user PATH (HKCU\\Environment)"

    def _folders(self) -> list[str]:
        found = self.store.get("Path")
        raw = found[0] if found else ""
        return [expand_windows_variables(p, self.env) for p in raw.split(";") if p]

    def has(self, folder: str) -> bool:
        key = folder.rstrip("\\").lower()
        return any(p.rstrip("\\").lower() == key for p in self._folders())

    def add(self, folder: str, journal: Journal, step: str) -> str:
        _usable(_WINDOWS, folder)
        if self.has(folder):
            return f"{folder} is already on {self.where()}."
        found = self.store.get("Path")
        before, kind = (found[0], found[1]) if found else (None, REG_EXPAND_SZ)
        after = f"{before.rstrip(';')};{folder}" if before else folder
        if len(after) > WINDOWS_ENV_LIMIT:
            raise OSError(f"your user PATH would be longer than {WINDOWS_ENV_LIMIT} characters")
        entry = journal.record(
            "registry",
            f"PATH: {folder}",
            step,
            name="Path",
            before=before,
            after=after,
            type=kind,
        )
        self.store.set("Path", after, kind)
        journal.mark(entry, "applied")
        return f"Added {folder} to {self.where()}; new terminals will find it."


def user_path_store(host: Host, user_env: UserEnvironment | None = None) -> UserPathStore:
    """The saved PATH of this system's user."""
    if host.is_windows:
        return RegistryUserPath(user_env or WinregEnvironment(), dict(host.env))
    return ShellStartupPath(host.home or host.env.get("HOME", ""), host.env.get("SHELL", ""))


# --------------------------------------------------------------- other changes


def npm_userconfig(host: Host) -> str:
    """The file `npm config set` writes (npm_config_userconfig, else ~/.npmrc)."""
    for key, value in host.env.items():
        if key.lower() == "npm_config_userconfig" and value:
            return value
    return host.join(host.home, ".npmrc")


def _group_change(argv: Sequence[str]) -> tuple[str, str] | None:
    """(group, user) of `usermod -aG GROUP USER` (or `-a -G`), else None."""
    if not argv or posixpath.basename(argv[0]) != "usermod" or len(argv) < 3:
        return None
    flags = " ".join(argv[1:-1])
    match = re.search(r"(?:-aG|-a -G|-G -a)\s+(\S+)", flags)
    return (match.group(1), argv[-1]) if match else None


class RunnerGroups:
    """Group membership asked with `id -nG`, changed with `gpasswd -d` behind a prompt."""

    def __init__(self, runner: Runner, elevator: Elevator) -> None:
        self.runner = runner
        self.elevator = elevator

    async def members_of(self, user: str) -> set[str] | None:
        out = await self.runner.run(["id", "-nG", user], timeout=15)
        return set(out.output.split()) if out.ok else None

    async def remove(self, user: str, group: str) -> str:
        outcome = await self.elevator.run([["gpasswd", "-d", user, group]])
        return "" if outcome.ok else outcome.message or f"gpasswd ended with {outcome.status}"


@dataclass
class ChangeTracker:
    """What the install engine calls around each command that changes the user's environment."""

    journal: Journal
    host: Host
    path_store: UserPathStore
    groups: RunnerGroups | None = None

    async def before(self, step: str, argv: Sequence[str]) -> list[dict[str, Any]]:
        """Journal entries for what `argv` is about to change (written before it runs)."""
        entries = []
        name = ntpath.basename(argv[0]).lower() if argv else ""  # "/" and "\\" both split
        verb = list(argv[1:3])
        if name in ("npm", "npm.cmd") and verb in (["config", "set"], ["config", "delete"]):
            path = npm_userconfig(self.host)
            entries.append(
                self.journal.record(
                    "file", f"npm setting: {' '.join(argv[3:])}", step, path=path,
                    before=read_file(path), after=None,
                )
            )  # fmt: skip
        change = _group_change(argv)
        if change is not None:
            group, user = change
            members = await self.groups.members_of(user) if self.groups else None
            entries.append(
                self.journal.record(
                    "group", f"{user} in group {group}", step, user=user, group=group,
                    was_member=members is not None and group in members,
                )
            )  # fmt: skip
        return entries

    def after(self, entries: Sequence[dict[str, Any]]) -> None:
        """The commands ran: note what each file holds now."""
        for entry in entries:
            if entry["kind"] == "file":
                self.journal.mark(entry, "applied", after=read_file(entry["path"]))
            else:
                self.journal.mark(entry, "applied")

    def add_to_path(self, folders: Sequence[str], step: str) -> list[str]:
        """Put each folder on the user's saved PATH unless this process's PATH has it."""
        running = set(self.host.path_dirs())
        damage = self.journal.damage
        done = [
            self.path_store.add(folder, self.journal, step)
            for folder in folders
            if folder not in running
        ]
        lost = self.journal.entries[0] if self.journal.entries else {}
        if damage and not self.journal.damage and lost.get("kind") == "lost":
            done.insert(
                0,
                f"The undo journal could not be read ({damage}); it is kept as "
                f"{lost.get('copy')} and a new one was started. `ai-cli-setup undo` still "
                "takes out the PATH lines the wizard wrote before.",
            )
        return done
