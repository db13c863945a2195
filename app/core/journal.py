"""The journal: every change the wizard makes to the user's environment, with what was there before.

An entry is written (and flushed) before the change is made, and marked
applied after it. `undo` reverses only what the wizard itself did: when the
user has changed a file or value since, their changes stay and the report
says what could not be undone.

A journal that cannot be read (cut short, not JSON, a newer version) is never
written over: the first write sets it aside as `journal.json.damaged-<time>`
and starts the new journal with a "lost" entry, which `undo` reverses as well
as it can without the lost details (the wizard's marked PATH lines).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from app.core.fileio import write_atomically

FILE_NAME = "journal.json"
VERSION = 1
LOST_ID = 0  # the id of the entry that stands for a damaged journal's changes

log = logging.getLogger("ai_cli_setup.journal")

UndoStatus = Literal["undone", "would-undo", "partly", "nothing", "failed"]


class UserEnvironment(Protocol):
    """The user's saved environment variables (HKCU\\Environment on Windows)."""

    def get(self, name: str) -> tuple[str, int] | None:
        """The value and its registry type, or None when it is not set."""
        ...

    def set(self, name: str, value: str, kind: int) -> None: ...

    def delete(self, name: str) -> None: ...


class GroupEditor(Protocol):
    """Group membership: asked through the runner, changed with admin rights."""

    async def members_of(self, user: str) -> set[str] | None: ...

    async def remove(self, user: str, group: str) -> str:
        """Remove `user` from `group`; "" when done, else why not."""
        ...


# Removes the wizard's marked lines from the shell start-up files (or says which it
# would): returns (the lines taken out, the marked lines left because they changed).
MarkedLines = Callable[[bool], tuple[list[str], list[str]]]


@dataclass
class Journal:
    """The list of changes, kept in one JSON file under Paths.state."""

    path: Path
    entries: list[dict[str, Any]] = field(default_factory=list)
    damage: str = ""  # why the file at `path` could not be read; "" when it could

    @classmethod
    def open(cls, folder: Path) -> Journal:
        """The journal in `folder`: empty when there is none.

        One that cannot be read holds a single "lost" entry (status "applied")
        for whatever changes it recorded, and `damage` says why.
        """
        path = folder / FILE_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path)
        except OSError as exc:
            return cls._damaged(path, exc.strerror or str(exc))
        except ValueError:
            return cls._damaged(path, "it is cut short or not JSON")
        if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
            return cls._damaged(path, "it is not a journal")
        if data.get("version") != VERSION:
            return cls._damaged(
                path, f"it is version {data.get('version')!r}; this ai-cli-setup reads {VERSION}"
            )
        entries = [e for e in data["entries"] if isinstance(e, dict) and "kind" in e]
        return cls(path, entries)

    @classmethod
    def _damaged(cls, path: Path, reason: str) -> Journal:
        lost = {
            "id": LOST_ID,
            "kind": "lost",
            "what": "changes recorded in a damaged journal",
            "step": "",
            "time": time.time(),
            "status": "applied",
            "path": str(path),
            "reason": reason,
            "copy": None,
        }
        return cls(path, [lost], damage=reason)

    def record(self, kind: str, what: str, step: str, **details: Any) -> dict[str, Any]:
        """Write an entry for a change about to be made; returns it, status "pending"."""
        entry = {
            "id": len(self.entries) + 1,
            "kind": kind,
            "what": what,
            "step": step,
            "time": time.time(),
            "status": "pending",
            **details,
        }
        self.entries.append(entry)
        self.save()
        return entry

    def mark(self, entry: dict[str, Any], status: str, **details: Any) -> None:
        entry.update(details, status=status)
        self.save()

    def open_entries(self) -> list[dict[str, Any]]:
        """Changes not undone yet, newest first (the order undo goes in)."""
        return [e for e in reversed(self.entries) if e.get("status") in ("pending", "applied")]

    def save(self) -> None:
        """Atomically: a kill at any moment leaves the old or the new file whole.

        A damaged journal is first set aside, never written over; when it cannot
        be moved, nothing is written and the OSError says why.
        """
        if self.damage:
            self._set_aside()
        text = json.dumps({"version": VERSION, "entries": self.entries}, indent=2)
        write_atomically(self.path, text)

    def _set_aside(self) -> None:
        """Rename the damaged file to `journal.json.damaged-<time>`, noted in its lost entry."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        copy = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        n = 1
        while copy.exists():
            n += 1
            copy = self.path.with_name(f"{self.path.name}.damaged-{stamp}-{n}")
        kept: str | None = str(copy)
        try:
            os.rename(self.path, copy)
        except FileNotFoundError:  # gone since it was read: nothing to keep
            kept = None
        lost = next(e for e in self.entries if e.get("kind") == "lost" and not e.get("copy"))
        lost["copy"] = kept
        log.warning(
            "the journal %s could not be read (%s); kept as %s, a new one started",
            self.path,
            self.damage,
            kept,
        )
        self.damage = ""


# --------------------------------------------------------------- files


def read_file(path: str) -> str | None:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def write_file(path: str, text: str | None) -> None:
    """Write `text` (None removes the file), keeping the file's mode."""
    target = Path(path)
    if text is None:
        target.unlink(missing_ok=True)
        return
    mode = target.stat().st_mode & 0o7777 if target.exists() else None
    write_atomically(target, text, mode=mode, newline="")


def change_file(journal: Journal, path: str, after: str, what: str, step: str) -> None:
    """Record `path` as it is, then write `after` into it."""
    before = read_file(path)
    if before == after:
        return
    entry = journal.record("file", what, step, path=path, before=before, after=after)
    write_file(path, after)
    journal.mark(entry, "applied")


# --------------------------------------------------------------- undo


@dataclass(frozen=True)
class UndoResult:
    entry_id: int
    what: str
    status: UndoStatus
    message: str


def _remove_ours(
    current: Sequence[str], before: Sequence[str], after: Sequence[str], same: Any = None
) -> tuple[list[str], list[str], list[str]]:
    """`current` without the items the wizard added (after minus before), plus the ones it
    removed (before minus after) when they are not back already.

    Returns (result, items taken out, items the wizard added that are gone now).
    """
    key = same or (lambda item: item)
    added = list(after)
    for item in before:
        match = next((a for a in added if key(a) == key(item)), None)
        if match is not None:
            added.remove(match)
    removed = [b for b in before if not any(key(b) == key(a) for a in after)]
    result = list(current)
    taken, gone = [], []
    for item in added:
        match = next((c for c in result if key(c) == key(item)), None)
        if match is None:
            gone.append(item)
        else:
            result.remove(match)
            taken.append(item)
    for item in removed:
        if not any(key(c) == key(item) for c in result):
            result.append(item)
    return result, taken, gone


def _lines(text: str | None) -> list[str]:
    return (text or "").splitlines()


def _join_lines(lines: Sequence[str]) -> str:
    return "".join(line + "\n" for line in lines)


def _undo_file(entry: dict[str, Any], dry_run: bool) -> UndoResult:
    path, before, after = entry["path"], entry.get("before"), entry.get("after")
    current = read_file(path)
    eid, what = int(entry["id"]), str(entry["what"])
    if after is not None and current == after:
        if not dry_run:
            write_file(path, before)
        gone = "remove" if before is None else "restore"
        if dry_run:
            return UndoResult(eid, what, "would-undo", f"Would {gone} {path}.")
        return UndoResult(eid, what, "undone", f"{'Removed' if before is None else 'Restored'} "
                          f"{path} as it was before.")  # fmt: skip
    if current == before:
        return UndoResult(eid, what, "nothing", f"{path} is already as it was before.")
    if after is None:
        return UndoResult(
            eid,
            what,
            "failed",
            f"The wizard was stopped while changing {path}; it cannot tell its change from "
            "yours, so the file was left alone.",
        )
    result, taken, gone = _remove_ours(_lines(current), _lines(before), _lines(after))
    if not taken:
        return UndoResult(
            eid,
            what,
            "failed",
            f"{path} was changed since the wizard edited it and its lines are gone; "
            "the file was left alone.",
        )
    if not dry_run:
        write_file(path, _join_lines(result))
    left = f" Could not find: {'; '.join(gone)}." if gone else ""
    return UndoResult(
        eid,
        what,
        "would-undo" if dry_run else "partly",
        f"{path} was changed since; {'would take' if dry_run else 'took'} out only the "
        f"wizard's lines ({'; '.join(taken)}) and kept your changes.{left}",
    )


def _path_entries(value: str | None) -> list[str]:
    return [p for p in (value or "").split(";") if p]


def _undo_registry(
    entry: dict[str, Any], store: UserEnvironment | None, dry_run: bool
) -> UndoResult:
    eid, what, name = int(entry["id"]), str(entry["what"]), str(entry["name"])
    if store is None:
        return UndoResult(eid, what, "failed", "The Windows registry cannot be reached here.")
    before, after = entry.get("before"), entry.get("after")
    kind = int(entry.get("type", 2))
    found = store.get(name)
    current = found[0] if found else None
    where = f"HKCU\\Environment {name}"
    if current == after:
        if not dry_run:
            if before is None:
                store.delete(name)
            else:
                store.set(name, before, kind)
        status: UndoStatus = "would-undo" if dry_run else "undone"
        return UndoResult(eid, what, status, f"{where} set back to its earlier value.")
    if current == before:
        return UndoResult(eid, what, "nothing", f"{where} is already as it was before.")
    result, taken, _gone = _remove_ours(
        _path_entries(current), _path_entries(before), _path_entries(after), _same_folder_key
    )
    if not taken:
        return UndoResult(
            eid, what, "failed", f"{where} was changed since and no longer has the wizard's part."
        )
    if not dry_run:
        store.set(name, ";".join(result), found[1] if found else kind)
    return UndoResult(
        eid,
        what,
        "would-undo" if dry_run else "partly",
        f"{where} was changed since; only {'; '.join(taken)} taken out, your changes kept.",
    )


def _same_folder_key(folder: str) -> str:
    return folder.rstrip("\\/").lower()


async def _undo_group(
    entry: dict[str, Any], groups: GroupEditor | None, dry_run: bool
) -> UndoResult:
    eid, what = int(entry["id"]), str(entry["what"])
    user, group = str(entry["user"]), str(entry["group"])
    if entry.get("was_member"):
        return UndoResult(eid, what, "nothing", f"{user} was in {group} before the wizard ran.")
    if groups is None:
        return UndoResult(eid, what, "failed", "Group membership cannot be changed here.")
    members = await groups.members_of(user)
    if members is not None and group not in members:
        return UndoResult(eid, what, "nothing", f"{user} is not in the {group} group any more.")
    if dry_run:
        return UndoResult(
            eid, what, "would-undo", f"Would remove {user} from {group} (needs admin rights)."
        )
    problem = await groups.remove(user, group)
    if problem:
        return UndoResult(eid, what, "failed", problem)
    return UndoResult(
        eid, what, "undone", f"Removed {user} from {group}; log out and back in for it to apply."
    )


def _undo_lost(entry: dict[str, Any], marked: MarkedLines | None, dry_run: bool) -> UndoResult:
    """What can be undone of a damaged journal's changes: the wizard's marked PATH lines.

    The status is "failed" (the entry stays open) while marked lines are left
    that could not be taken out safely.
    """
    kept = (
        f"it is kept as {entry['copy']}"
        if entry.get("copy")
        else f"it is left as it is (undo sets it aside as {FILE_NAME}.damaged-<time>)"
    )
    said = (
        f"The journal {entry['path']} could not be read ({entry.get('reason')}), so the "
        f"changes it recorded are not known; {kept}."
    )
    taken, left = marked(dry_run) if marked is not None else ([], [])
    rest = (
        " The wizard may also have changed npm settings (~/.npmrc) or added you to a group "
        "(such as docker); those are only in the damaged journal: check them yourself."
    )
    if marked is None:
        # FIXME(windows): the wizard's folders in the user Path value carry no marker.
        rest = (
            " Folders the wizard added to your user PATH (HKCU\\Environment) cannot be told "
            "from yours without it: check that value yourself." + rest
        )
    parts = [said]
    if taken:
        verb = "Would take out" if dry_run else "Took out"
        parts.append(f"{verb} the wizard's marked PATH lines: {'; '.join(taken)}.")
    elif marked is not None and not left:
        parts.append("No PATH lines of the wizard's are left in your shell start-up files.")
    if left:
        parts.append(
            "Changed since, so left for you to remove (each with the line after it): "
            f"{'; '.join(left)}."
        )
    done: UndoStatus = "would-undo" if dry_run else "partly"
    status: UndoStatus = "failed" if left else done if taken else "nothing"
    return UndoResult(LOST_ID, str(entry["what"]), status, " ".join(parts) + rest)


async def undo(
    journal: Journal,
    *,
    user_env: UserEnvironment | None = None,
    groups: GroupEditor | None = None,
    marked: MarkedLines | None = None,
    dry_run: bool = False,
) -> list[UndoResult]:
    """Reverse the journal's changes, newest first; only what the wizard itself did.

    `marked` takes the wizard's marked lines out of the shell start-up files:
    all `undo` can do for a damaged journal's changes. Without a dry run, a
    damaged journal is set aside before anything is changed.
    """
    if journal.damage and not dry_run:
        journal.save()
    results: list[UndoResult] = []
    for entry in journal.open_entries():
        kind = entry.get("kind")
        try:
            if kind == "lost":
                result = _undo_lost(entry, marked, dry_run)
            elif kind == "file":
                result = _undo_file(entry, dry_run)
            elif kind == "registry":
                result = _undo_registry(entry, user_env, dry_run)
            elif kind == "group":
                result = await _undo_group(entry, groups, dry_run)
            else:
                result = UndoResult(int(entry["id"]), str(entry.get("what")), "failed",
                                    f"Unknown kind of change {kind!r}.")  # fmt: skip
        except OSError as exc:
            result = UndoResult(int(entry["id"]), str(entry["what"]), "failed", str(exc))
        results.append(result)
        if not dry_run and result.status in ("undone", "partly", "nothing"):
            journal.mark(entry, "undone", undone=time.time(), undo_message=result.message)
    return results
