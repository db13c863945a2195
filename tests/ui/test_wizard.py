import asyncio

import pytest
from PySide6.QtWidgets import QWizard

from app.core.catalog import default_catalog
from app.core.host import Host
from app.core.paths import Paths
from app.core.runner import ProcessRunner
from app.core.session import Session
from app.ui.wizard import SetupWizard
from tests.fakes import ScriptedRunner, linux_host


def scripted_session(tmp_path, gate=None):
    runner = ScriptedRunner(linux_host())
    runner.on("node", "--version", output="v20.20.2\n", gate=gate)
    runner.on("npm", "--version", output="11.19.1\n")
    runner.on("npm", "prefix", "-g", output=str(tmp_path / "global") + "\n")
    runner.on("git", "--version", output="git version 2.39.5\n")
    runner.on("gemini", "--version", output="0.24.0\n")
    return Session(runner, default_catalog(), Paths.from_env({"AI_CLI_SETUP_HOME": str(tmp_path)}))


def test_window_appears_before_detection_finishes(qtbot, qloop, tmp_path):
    gate = asyncio.Event()
    wizard = SetupWizard(scripted_session(tmp_path, gate))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.start_detection()
    qtbot.waitExposed(wizard)
    wizard.next()
    page = wizard.system_page
    assert "Looking at this computer" in page.status.text()
    assert not page.isComplete()
    gate.set()
    qtbot.waitUntil(page.isComplete, timeout=5000)
    assert page.tree.topLevelItemCount() == 7
    assert "Debian" in page.status.text()


def test_choose_page_preselects_all_and_marks_installed(qtbot, qloop, tmp_path):
    wizard = SetupWizard(scripted_session(tmp_path))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.start_detection()
    wizard.next()
    qtbot.waitUntil(wizard.system_page.isComplete, timeout=5000)
    wizard.next()
    page = wizard.choose_page
    assert page.selected_tools() == ["claude-code", "gemini-cli", "codex-cli"]
    assert page.notes["gemini-cli"].text() == "installed: 0.24.0"
    assert page.notes["claude-code"].text() == "not installed"
    for box in page.boxes.values():
        box.setChecked(False)
    assert not page.isComplete()
    assert wizard.wizardStyle() == QWizard.WizardStyle.ModernStyle


@pytest.mark.network
@pytest.mark.slow
def test_full_run_installs_for_real_and_verifies(qtbot, qloop, tmp_path, npm_cache, monkeypatch):
    monkeypatch.setenv("npm_config_cache", str(npm_cache))
    host = Host.current()
    session = Session(ProcessRunner(host), default_catalog(), Paths.from_env(host.env))
    wizard = SetupWizard(session)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.start_detection()
    wizard.next()
    qtbot.waitUntil(wizard.system_page.isComplete, timeout=60_000)
    wizard.next()
    prefix = tmp_path / "prefix"
    wizard.choose_page.prefix.setText(str(prefix))
    for tool_id, box in wizard.choose_page.boxes.items():
        box.setChecked(tool_id == "gemini-cli")
    wizard.next()
    install = wizard.install_page
    qtbot.waitUntil(install.isComplete, timeout=300_000)
    assert "added" in install.log.toPlainText()
    texts = [install.steps.item(i).text() for i in range(install.steps.count())]
    assert "Done — Install Gemini CLI" in texts
    # Prerequisites this machine already has are listed as skipped, not run again.
    assert all(t.startswith(("Done", "Skipped")) for t in texts), texts
    wizard.next()
    verify = wizard.verify_page
    qtbot.waitUntil(lambda: verify.isComplete() and bool(verify.results), timeout=60_000)
    assert [r.status for r in verify.results] == ["not-on-path"]
    assert verify.table.item(0, 3).text() == str(prefix / "bin" / "gemini")
