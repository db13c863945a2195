"""Atomic writes keep a file's permissions; a new file gets the umask's, not owner-only."""

from __future__ import annotations

import os
import stat

import pytest

from app.core.fileio import write_atomically

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


def mode_of(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_existing_file_keeps_its_mode(tmp_path):
    rc = tmp_path / ".bashrc"
    rc.write_text("old\n")
    rc.chmod(0o640)
    write_atomically(rc, "new\n")
    assert rc.read_text() == "new\n"
    assert mode_of(rc) == 0o640


def test_a_new_file_gets_what_the_umask_gives(tmp_path):
    umask = os.umask(0o027)
    try:
        from importlib import reload

        import app.core.fileio as fileio

        reload(fileio)  # the umask is read once, as the app starts
        fileio.write_atomically(tmp_path / "new.txt", "x")
    finally:
        os.umask(umask)
        reload(fileio)
    assert mode_of(tmp_path / "new.txt") == 0o640


def test_an_explicit_mode_wins(tmp_path):
    path = tmp_path / "state.json"
    path.write_text("{}")
    write_atomically(path, "{}", mode=0o600)
    assert mode_of(path) == 0o600
