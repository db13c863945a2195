"""Journal and undo: shell start-up files on a temp HOME, a stand-in registry, group membership."""

from __future__ import annotations

import asyncio
import json
import subprocess
from functools import partial
from pathlib import Path

import pytest

from app.core.host import Host
from app.core.journal import LOST_ID, Journal, change_file, undo
from app.core.userpath import (
    REG_EXPAND_SZ,
    ChangeTracker,
    RegistryUserPath,
    ShellStartupPath,
    UnusableFolder,
    npm_userconfig,
    path_lines,
    remove_marked_lines,
    startup_files,
)


class FakeRegistry:
    """HKCU\\Environment and the machine Path, as a dict; never `setx`."""

    def __init__(self, user_path: str | None, machine: str = r"C:\Windows\system32;C:\Windows"):
        self.values: dict[str, tuple[str, int]] = {}
        if user_path is not None:
            self.values["Path"] = (user_path, REG_EXPAND_SZ)
        self.machine = machine
        self.writes: list[tuple[str, str | None]] = []

    def get(self, name: str) -> tuple[str, int] | None:
        return self.values.get(name)

    def set(self, name: str, value: str, kind: int) -> None:
        self.writes.append((name, value))
        self.values[name] = (value, kind)

    def delete(self, name: str) -> None:
        self.writes.append((name, None))
        self.values.pop(name, None)

    def read_scope(self, scope: str) -> str | None:
        """For WindowsRegistryPath: the machine or the user Path."""
        if scope == "machine":
            return self.machine
        found = self.values.get("Path")
        return found[0] if found else None


class FakeGroups:
    def __init__(self, members: set[str]) -> None:
        self.members = members
        self.removed: list[tuple[str, str]] = []

    async def members_of(self, user: str) -> set[str] | None:
        return set(self.members)

    async def remove(self, user: str, group: str) -> str:
        self.removed.append((user, group))
        self.members.discard(group)
        return ""


def login_path(home: Path, shell: str = "/bin/bash") -> list[str]:
    """PATH as a new login shell with this HOME sees it (a real process)."""
    out = subprocess.run(
        ["env", "-i", f"HOME={home}", "PATH=/usr/bin:/bin", shell, "-lc", 'printf %s "$PATH"'],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return out.stdout.split(":")


def test_bash_gets_the_login_profile_and_bashrc(tmp_path):
    assert startup_files(str(tmp_path), "/bin/bash") == [
        str(tmp_path / ".profile"),
        str(tmp_path / ".bashrc"),
    ]
    (tmp_path / ".bash_profile").write_text("# mine\n")
    assert startup_files(str(tmp_path), "/usr/bin/bash")[0] == str(tmp_path / ".bash_profile")
    assert startup_files(str(tmp_path), "/bin/zsh") == [
        str(tmp_path / ".zprofile"),
        str(tmp_path / ".zshrc"),
    ]
    assert startup_files(str(tmp_path), "") == [str(tmp_path / ".profile")]


def test_a_saved_folder_reaches_a_new_login_shell_and_undo_takes_it_out(isolated_home, tmp_path):
    home = isolated_home
    (home / ".bashrc").write_text("alias ll='ls -l'")  # no newline at the end
    folder = str(tmp_path / "my npm" / "bin")  # a space must survive the quoting
    store = ShellStartupPath(str(home), "/bin/bash")
    journal = Journal.open(tmp_path / "state")
    assert folder not in login_path(home)

    message = store.add(folder, journal, "node.prefix-path")
    assert "~/.profile, ~/.bashrc" in message
    assert login_path(home)[0] == folder
    assert store.has(folder)
    # Idempotent: a second run changes nothing and journals nothing.
    store.add(folder, journal, "node.prefix-path")
    assert len(journal.entries) == 2
    assert (home / ".bashrc").read_text().startswith("alias ll='ls -l'\n# ai-cli-setup:")

    # The journal is on disk before anything else happens, with the earlier contents.
    saved = json.loads((tmp_path / "state" / "journal.json").read_text())
    bashrc = next(e for e in saved["entries"] if e["path"].endswith(".bashrc"))
    assert (bashrc["before"], bashrc["status"]) == ("alias ll='ls -l'", "applied")

    results = asyncio.run(undo(Journal.open(tmp_path / "state")))
    assert [r.status for r in results] == ["undone", "undone"]
    assert (home / ".bashrc").read_text() == "alias ll='ls -l'"
    assert not (home / ".profile").exists()
    assert folder not in login_path(home)
    # A second undo finds nothing left to do.
    assert asyncio.run(undo(Journal.open(tmp_path / "state"))) == []


@pytest.mark.parametrize(
    "folder",
    [
        "/tmp/npm\ntouch /tmp/owned;#/bin",
        "/tmp/npm\r/bin",
        "/tmp/a:b/bin",
        "/tmp/\x1b[2J",
        "/tmp/\x9b2J",
    ],
)
def test_a_folder_that_cannot_go_on_path_writes_no_shell_file(isolated_home, tmp_path, folder):
    # A line break in the folder once became a command of its own in ~/.profile.
    store = ShellStartupPath(str(isolated_home), "/bin/bash")
    journal = Journal.open(tmp_path / "state")
    with pytest.raises(UnusableFolder) as caught:
        store.add(folder, journal, "node.prefix-path")
    assert caught.value.folder == folder
    assert not store.has(folder)
    assert journal.entries == []
    assert sorted(p.name for p in isolated_home.iterdir()) == []
    with pytest.raises(UnusableFolder):
        path_lines(folder)


def test_undo_keeps_what_the_user_changed_since(isolated_home, tmp_path, run_async):
    home = isolated_home
    profile = home / ".profile"
    profile.write_text("export EDITOR=vi\n")
    journal = Journal.open(tmp_path / "state")
    ShellStartupPath(str(home), "/bin/sh").add("/opt/tools/bin", journal, "test")
    with profile.open("a") as handle:
        handle.write("export LANG=C.UTF-8\n")  # the user's own edit, after the wizard's

    dry = run_async(undo(Journal.open(tmp_path / "state"), dry_run=True))
    assert [r.status for r in dry] == ["would-undo"]
    assert "/opt/tools/bin" in profile.read_text()  # a dry run changes nothing

    (result,) = run_async(undo(Journal.open(tmp_path / "state")))
    assert result.status == "partly"
    assert "kept your changes" in result.message
    assert profile.read_text() == "export EDITOR=vi\nexport LANG=C.UTF-8\n"


def test_undo_leaves_a_file_alone_when_the_wizards_lines_are_gone(isolated_home, tmp_path):
    home = isolated_home
    journal = Journal.open(tmp_path / "state")
    ShellStartupPath(str(home), "/bin/sh").add("/opt/tools/bin", journal, "test")
    (home / ".profile").write_text("# rewritten by the user\n")
    (result,) = asyncio.run(undo(Journal.open(tmp_path / "state")))
    assert result.status == "failed"
    assert "left alone" in result.message
    assert (home / ".profile").read_text() == "# rewritten by the user\n"


def test_c02_the_user_path_in_the_registry_is_never_truncated(tmp_path, run_async):
    # setx cuts at 1024 characters; the store writes the whole value, type kept.
    long_path = ";".join(rf"C:\Tools\t{i:04d}\bin" for i in range(80))
    assert len(long_path) > 1024
    registry = FakeRegistry(long_path + r";%USERPROFILE%\.local\bin")
    env = {"USERPROFILE": r"C:\Users\ada", "APPDATA": r"C:\Users\ada\AppData\Roaming"}
    store = RegistryUserPath(registry, env)
    journal = Journal.open(tmp_path / "state")
    folder = r"C:\Users\ada\AppData\Roaming\npm"

    assert store.has(r"C:\Users\ada\.local\bin\\")  # %VARIABLES% and a trailing \ understood
    store.add(folder, journal, "node.prefix-path")
    value, kind = registry.values["Path"]
    assert value == long_path + r";%USERPROFILE%\.local\bin;" + folder
    assert kind == REG_EXPAND_SZ
    store.add(folder.upper(), journal, "node.prefix-path")  # already there: no second write
    assert len(registry.writes) == 1

    (result,) = run_async(undo(Journal.open(tmp_path / "state"), user_env=registry))
    assert result.status == "undone"
    assert registry.values["Path"] == (long_path + r";%USERPROFILE%\.local\bin", REG_EXPAND_SZ)


def test_the_registry_path_takes_no_folder_with_a_separator_or_a_line_break(tmp_path):
    registry = FakeRegistry(r"C:\Tools")
    journal = Journal.open(tmp_path / "state")
    for folder in (r"C:\npm;C:\evil", "C:\\npm\r\nC:\\evil"):
        with pytest.raises(UnusableFolder):
            RegistryUserPath(registry, {}).add(folder, journal, "test")
    assert registry.writes == [] and journal.entries == []


def test_registry_undo_takes_out_only_the_wizards_folder(tmp_path, run_async):
    registry = FakeRegistry(None)  # no user Path at all before
    journal = Journal.open(tmp_path / "state")
    RegistryUserPath(registry, {}).add(r"C:\npm", journal, "test")
    registry.set("Path", r"C:\npm;D:\mine", REG_EXPAND_SZ)  # the user added a folder since
    (result,) = run_async(undo(Journal.open(tmp_path / "state"), user_env=registry))
    assert result.status == "partly"
    assert registry.values["Path"][0] == r"D:\mine"


def test_npm_config_set_and_group_membership_are_journaled_and_undone(
    isolated_home, tmp_path, run_async
):
    home = isolated_home
    npmrc = home / ".npmrc"
    npmrc.write_text("registry=https://registry.npmjs.org/\n")
    host = Host(system="linux", env={"PATH": "/usr/bin:/bin", "HOME": str(home)}, home=str(home))
    assert npm_userconfig(host) == str(home / ".npmrc")
    groups = FakeGroups({"ada", "sudo"})
    journal = Journal.open(tmp_path / "state")
    tracker = ChangeTracker(journal, host, ShellStartupPath(str(home), "/bin/sh"), groups)

    entries = run_async(
        tracker.before("node.user-prefix", ["npm", "config", "set", "prefix", "/p"])
    )
    # Recorded before the change, on disk, with the earlier contents.
    on_disk = json.loads(journal.path.read_text())["entries"][0]
    assert (on_disk["status"], on_disk["before"]) == ("pending", npmrc.read_text())
    with npmrc.open("a") as handle:  # what `npm config set prefix /p` does
        handle.write("prefix=/p\n")
    tracker.after(entries)

    group_entries = run_async(
        tracker.before("docker-engine.group", ["usermod", "-aG", "docker", "ada"])
    )
    groups.members.add("docker")
    tracker.after(group_entries)

    dry = run_async(undo(Journal.open(tmp_path / "state"), groups=groups, dry_run=True))
    assert [r.status for r in dry] == ["would-undo", "would-undo"]
    assert "docker" in groups.members and "prefix=/p" in npmrc.read_text()

    results = run_async(undo(Journal.open(tmp_path / "state"), groups=groups))
    assert [r.status for r in results] == ["undone", "undone"]  # newest first
    assert groups.removed == [("ada", "docker")]
    assert npmrc.read_text() == "registry=https://registry.npmjs.org/\n"


def test_a_user_already_in_the_group_stays_in_it(tmp_path, run_async):
    groups = FakeGroups({"docker"})
    journal = Journal.open(tmp_path / "state")
    host = Host(system="linux", env={}, home=str(tmp_path))
    tracker = ChangeTracker(journal, host, ShellStartupPath(str(tmp_path), ""), groups)
    tracker.after(run_async(tracker.before("s", ["usermod", "-a", "-G", "docker", "ada"])))
    (result,) = run_async(undo(Journal.open(tmp_path / "state"), groups=groups))
    assert result.status == "nothing"
    assert groups.removed == []


def test_a_change_interrupted_before_it_was_made_undoes_to_nothing(tmp_path, run_async):
    target = tmp_path / "settings"
    target.write_text("a\n")
    journal = Journal.open(tmp_path / "state")
    journal.record("file", "a setting", "s", path=str(target), before="a\n", after=None)
    (result,) = run_async(undo(Journal.open(tmp_path / "state")))
    assert result.status == "nothing"
    # And one killed half-way, when the file did change: the wizard cannot tell, so it keeps it.
    journal = Journal.open(tmp_path / "state2")
    journal.record("file", "a setting", "s", path=str(target), before="a\n", after=None)
    target.write_text("a\nb\n")
    (result,) = run_async(undo(Journal.open(tmp_path / "state2")))
    assert result.status == "failed"
    assert target.read_text() == "a\nb\n"


def test_change_file_keeps_the_mode_and_journals_nothing_when_unchanged(tmp_path):
    target = tmp_path / "rc"
    target.write_text("x\n")
    target.chmod(0o600)
    journal = Journal.open(tmp_path / "state")
    change_file(journal, str(target), "x\n", "nothing", "s")
    assert journal.entries == []
    change_file(journal, str(target), "x\ny\n", "one line", "s")
    assert target.stat().st_mode & 0o777 == 0o600
    assert journal.entries[0]["status"] == "applied"


def test_a_missing_journal_is_empty(tmp_path):
    journal = Journal.open(tmp_path)
    assert (journal.entries, journal.damage) == ([], "")


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        (
            '{"version": 1, "entr',
            "cut short or not JSON",
        ),  # cut short, as a full disk or kill leaves it
        ("{}", "not a journal"),
        ('{"version": 99, "entries": []}', "version 99"),
    ],
)
def test_a_damaged_journal_is_set_aside_never_written_over(tmp_path, bad, why):
    (tmp_path / "journal.json").write_text(bad)
    journal = Journal.open(tmp_path)
    assert why in journal.damage
    assert [e["kind"] for e in journal.open_entries()] == ["lost"]

    journal.record("file", "PATH: /x", "s", path=str(tmp_path / "rc"), before=None, after="x")
    [copy] = tmp_path.glob("journal.json.damaged-*")
    assert copy.read_text() == bad  # kept byte for byte
    saved = json.loads((tmp_path / "journal.json").read_text())
    lost = saved["entries"][0]
    assert (lost["kind"], lost["status"], lost["copy"]) == ("lost", "applied", str(copy))
    assert [e["what"] for e in saved["entries"]][1:] == ["PATH: /x"]
    assert Journal.open(tmp_path).damage == ""  # the new journal reads


def _wizard_block(folder: str) -> str:
    return "".join(line + "\n" for line in path_lines(folder))


def test_undo_of_a_damaged_journal_takes_out_the_marked_lines_and_keeps_the_users(
    isolated_home, tmp_path, run_async
):
    home = isolated_home
    state = tmp_path / "state"
    store = ShellStartupPath(str(home), "/bin/bash")
    (home / ".bash_profile").write_text("export EDITOR=vi\n")
    store.add("/opt/a/bin", Journal.open(state), "node.prefix-path")
    with (home / ".bashrc").open("a") as handle:
        handle.write("alias ll='ls -l'\n")  # the user's own line after the wizard's
    # Another marked pair the user edited by hand: not the wizard's any more, so kept.
    edited = path_lines("/opt/b/bin")[0] + "\nexport PATH=/opt/b/bin:/mine:$PATH\n"
    with (home / ".bash_profile").open("a") as handle:
        handle.write(edited)
    journal_file = state / "journal.json"
    journal_file.write_bytes(journal_file.read_bytes()[:20])  # cut short

    marked = partial(remove_marked_lines, str(home))
    dry = run_async(undo(Journal.open(state), marked=marked, dry_run=True))
    assert [(r.entry_id, r.status) for r in dry] == [(LOST_ID, "failed")]
    assert "~/.bashrc: /opt/a/bin" in dry[0].message and "Would take out" in dry[0].message
    assert "/opt/a/bin" in (home / ".bashrc").read_text()  # a dry run changes nothing
    assert not list(state.glob("journal.json.damaged-*"))

    (result,) = run_async(undo(Journal.open(state), marked=marked))
    assert result.status == "failed"  # the edited pair is left, and named
    [copy] = state.glob("journal.json.damaged-*")
    assert "could not be read (it is cut short or not JSON)" in result.message
    assert f"kept as {copy}" in result.message
    assert "~/.bash_profile: /opt/a/bin" in result.message
    assert "~/.bash_profile line 4: " + path_lines("/opt/b/bin")[0] in result.message
    assert "~/.npmrc" in result.message  # what it cannot know about, said
    assert (home / ".bashrc").read_text() == "alias ll='ls -l'\n"
    assert (home / ".bash_profile").read_text() == "export EDITOR=vi\n" + edited
    assert len(copy.read_bytes()) == 20

    # Once the user has removed the edited pair, undo finishes and has nothing more to do.
    (home / ".bash_profile").write_text("export EDITOR=vi\n")
    (again,) = run_async(undo(Journal.open(state), marked=partial(remove_marked_lines, str(home))))
    assert again.status == "nothing"
    assert (
        run_async(undo(Journal.open(state), marked=partial(remove_marked_lines, str(home)))) == []
    )
    assert [p.name for p in state.glob("journal.json.damaged-*")] == [copy.name]


def test_a_change_after_the_damage_is_undone_and_so_are_the_lost_ones(
    isolated_home, tmp_path, run_async
):
    home = isolated_home
    state = tmp_path / "state"
    store = ShellStartupPath(str(home), "/bin/sh")
    store.add("/opt/old/bin", Journal.open(state), "s")
    (state / "journal.json").write_text("")  # emptied
    store.add("/opt/new/bin", Journal.open(state), "s")  # the next change sets it aside
    assert (home / ".profile").read_text() == _wizard_block("/opt/old/bin") + _wizard_block(
        "/opt/new/bin"
    )
    results = run_async(undo(Journal.open(state), marked=partial(remove_marked_lines, str(home))))
    assert [(r.what, r.status) for r in results] == [
        ("PATH: /opt/new/bin", "undone"),
        ("changes recorded in a damaged journal", "partly"),
    ]
    assert (home / ".profile").read_text() == ""


def test_a_damaged_journal_still_takes_out_a_pair_written_for_a_folder_now_refused(
    isolated_home, tmp_path, run_async
):
    # Versions before the PATH-separator check wrote pairs for such folders: undo finds them.
    home = isolated_home
    state = tmp_path / "state"
    old_pair = (
        "# ai-cli-setup: put /opt/my:npm/bin on PATH (remove with: ai-cli-setup undo)\n"
        'case ":$PATH:" in *:/opt/my:npm/bin:*) ;; *) export PATH=/opt/my:npm/bin:"$PATH" ;; esac\n'
    )
    (home / ".profile").write_text("export EDITOR=vi\n" + old_pair)
    state.mkdir()
    (state / "journal.json").write_text("{")
    results = run_async(undo(Journal.open(state), marked=partial(remove_marked_lines, str(home))))
    assert [r.status for r in results] == ["partly"]
    assert "~/.profile: /opt/my:npm/bin" in results[0].message
    assert (home / ".profile").read_text() == "export EDITOR=vi\n"
