"""Start-up problems: what broke, where, why, and what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.catalog import CatalogError
from app.core.profile import ProfileError
from app.core.startup import open_session, startup_problem


def test_a_catalog_error_names_file_key_reason_and_a_way_forward():
    problem = startup_problem(CatalogError("/x/tools.toml", "tools.a.b", "unknown key"))
    assert problem is not None and problem.exit_code == 1
    lines = problem.lines(Path("/logs/run.log"))
    assert "File: /x/tools.toml" in lines
    assert "Key: tools.a.b" in lines
    assert "Reason: unknown key" in lines
    assert any(line.startswith("What to do: Download ai-cli-setup again") for line in lines)
    assert lines[-1] == "Log: /logs/run.log"


def test_a_whole_file_problem_has_no_key_line_and_says_when_there_is_no_log():
    problem = startup_problem(ProfileError("/p.toml", "-", "file not found"))
    assert problem is not None and problem.exit_code == 2
    lines = problem.lines()
    assert not any(line.startswith("Key:") for line in lines)
    assert lines[-1] == "Log: no log file was written."


def test_an_unwritable_folder_names_it_and_the_override():
    problem = startup_problem(PermissionError(13, "Permission denied", "/ro/logs"))
    assert problem is not None
    assert problem.file == "/ro/logs" and problem.reason == "Permission denied"
    assert "AI_CLI_SETUP_HOME" in problem.way_forward


def test_other_errors_are_bugs_not_startup_problems():
    assert startup_problem(KeyError("x")) is None


def test_open_session_reads_the_profile_and_refuses_a_bad_one(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text("[tools.gemini-cli]\n")
    assert open_session(str(good)).profile is not None
    bad = tmp_path / "bad.toml"
    bad.write_text('[tools.gemini-cli]\nrun = "sh"\n')
    with pytest.raises(ProfileError):
        open_session(str(bad))
