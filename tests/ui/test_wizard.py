import asyncio

import pytest
from PySide6.QtWidgets import QWizard

from app.core.catalog import default_catalog
from app.core.host import Host
from app.core.paths import Paths
from app.core.runner import ProcessRunner
from app.core.session import Session
from app.ui.operations import SessionOperations
from app.ui.wizard import VERIFY, SetupWizard
from tests.fakes import ScriptedRunner, linux_host


def scripted_session(tmp_path, gate=None):
    runner = ScriptedRunner(linux_host())
    runner.on("node", "--version", output="v20.20.2\n", gate=gate)
    runner.on("npm", "--version", output="11.19.1\n")
    runner.on("npm", "prefix", "-g", output=str(tmp_path / "global") + "\n")
    runner.on("git", "--version", output="git version 2.39.5\n")
    runner.on("gemini", "--version", output="0.24.0\n")
    return Session(runner, default_catalog(), Paths.from_env({"AI_CLI_SETUP_HOME": str(tmp_path)}))


def settled(qtbot, wizard):
    def settle(_widget):
        wizard.tasks.cancel_all()
        qtbot.waitUntil(lambda: len(wizard.tasks) == 0, timeout=10_000)

    qtbot.addWidget(wizard, before_close_func=settle)
    return wizard


def test_window_appears_before_detection_finishes(qtbot, qloop, tmp_path):
    gate = asyncio.Event()
    wizard = settled(qtbot, SetupWizard.for_session(scripted_session(tmp_path, gate)))
    wizard.show()
    wizard.start_detection()
    qtbot.waitExposed(wizard)
    wizard.next()
    page = wizard.system_page
    assert "Looking at this computer" in page.status.text()
    assert not page.isComplete()
    gate.set()
    qtbot.waitUntil(page.isComplete, timeout=5000)
    rows = [page.tree.topLevelItem(i) for i in range(page.tree.topLevelItemCount())]
    assert sum(section.childCount() for section in rows) == len(wizard.detection.findings())
    assert "Debian" in page.status.text()


def test_a_window_shown_before_its_pages_announces_its_page_once_they_are_added(
    qtbot, qloop, tmp_path, monkeypatch
):
    import app.ui.wizard as wizard_module

    said = []
    monkeypatch.setattr(wizard_module, "announce", lambda _w, text: said.append(text))
    wizard = settled(qtbot, SetupWizard(later=True))
    wizard.show()
    assert wizard.currentPage() is wizard.welcome_page
    assert said == []  # the first window does not wait for accessibility
    wizard.add_pages()
    assert said == [wizard.welcome_page.title()]
    wizard.ops = SessionOperations(scripted_session(tmp_path))
    wizard.next()
    assert said == [wizard.welcome_page.title(), wizard.system_page.title()]


def test_tools_page_preselects_all_and_marks_installed(qtbot, qloop, tmp_path):
    wizard = settled(qtbot, SetupWizard.for_session(scripted_session(tmp_path)))
    wizard.show()
    wizard.start_detection()
    wizard.next()
    qtbot.waitUntil(wizard.system_page.isComplete, timeout=5000)
    wizard.next()
    page = wizard.tools_page
    assert page.selected_tools() == ["claude-code", "gemini-cli", "codex-cli"]
    assert page.notes["gemini-cli"].text() == "installed (0.24.0)"
    assert page.notes["claude-code"].text() == "missing"
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
    wizard = settled(qtbot, SetupWizard.for_session(session))
    wizard.show()
    wizard.start_detection()
    wizard.next()
    qtbot.waitUntil(wizard.system_page.isComplete, timeout=60_000)
    wizard.next()
    prefix = tmp_path / "prefix"
    wizard.tools_page.prefix.setText(str(prefix))
    # The three CLIs are preselected; the user keeps them.
    assert wizard.tools_page.selected_tools() == ["claude-code", "gemini-cli", "codex-cli"]
    wizard.next()
    review = wizard.review_page
    rows = {review.table.item(r, 0).text(): r for r in range(review.table.rowCount())}
    gemini = rows["Install Gemini CLI"]
    expected = f"npm install -g --prefix {prefix} @google/gemini-cli"
    assert review.table.item(gemini, 1).text() == expected
    wizard.next()
    install = wizard.install_page
    qtbot.waitUntil(install.isComplete, timeout=600_000)
    # One npm call installed the three: its output is under the first, the others say so.
    install.steps.setCurrentRow(rows["Install Claude Code"])
    assert any("added" in line for line in install.log.shown_lines())
    install.steps.setCurrentRow(rows["Install Codex CLI"])
    assert any(
        "same npm call as “Install Claude Code”" in line for line in install.log.shown_lines()
    )
    texts = [install.steps.item(i).text() for i in range(install.steps.count())]
    for name in ("Claude Code", "Gemini CLI", "Codex CLI"):
        assert texts[rows[f"Install {name}"]] == f"Install {name} — Done", texts
    # Prerequisites this machine already has are listed as skipped, not run again.
    assert all(t.endswith(("Done", "Skipped")) for t in texts), texts
    wizard.next()
    assert wizard.currentId() == VERIFY
    verify = wizard.verify_page
    qtbot.waitUntil(lambda: verify.isComplete() and len(verify.results) == 3, timeout=60_000)
    # Three passes: each tool answered --version from the temporary prefix, which the plan
    # put on PATH (C01), so a new login shell finds it.
    assert [r.status for r in verify.results] == ["ok"] * 3
    assert all(r.passed for r in verify.results)
    paths = [verify.table.item(row, 4).text() for row in range(3)]
    assert paths == [str(prefix / "bin" / c) for c in ("claude", "gemini", "codex")]
    assert verify.table.item(1, 5).text() == "npm"
    wizard.next()
    assert "Run `gemini` and sign in" in wizard.finish_page.steps.text()
