"""Each page in each of its states, driven by fake operations."""

import asyncio

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QWizard

from app.ui.wizard import ERROR, FINISH, INSTALL, REVIEW, SYSTEM, TOOLS
from tests.ui.fake_ops import SECRET, FakeOperations
from tests.ui.helpers import make_wizard, walk_to


@pytest.fixture
def ops(tmp_path):
    return FakeOperations(tmp_path)


def test_welcome_says_what_will_and_will_not_happen(qtbot, qloop, ops):
    wizard = make_wizard(qtbot, ops)
    text = " ".join(
        label.text() for label in wizard.welcome_page.findChildren(type(wizard.system_page.status))
    )
    assert "Nothing is installed or changed before you press Install" in text
    assert "no telemetry" in text
    assert wizard.wizardStyle() == QWizard.WizardStyle.ModernStyle


def test_text_labels_are_plain_selectable_text(qtbot, qloop, ops):
    """text_label sets its format and flags by name; they must be the enums they name."""
    wizard = make_wizard(qtbot, ops)
    labels = [wizard.welcome_page.resume_note, wizard.system_page.status, wizard.finish_page.steps]
    for label in labels:
        assert label.textFormat() == Qt.TextFormat.PlainText
        assert label.textInteractionFlags() == (
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        assert label.wordWrap()


def finding_rows(page):
    """The System page's finding rows (children of its section rows)."""
    for row in range(page.tree.topLevelItemCount()):
        section = page.tree.topLevelItem(row)
        for index in range(section.childCount()):
            yield section.child(index)


def item_for(page, key):
    """The System page's row for the finding with this key."""
    for item in finding_rows(page):
        if item.data(0, Qt.UserRole) == key:
            return item
    raise AssertionError(f"no row for {key!r}")


def test_system_page_while_detecting_then_with_evidence(qtbot, qloop, ops):
    ops.detect_gate = asyncio.Event()
    wizard = make_wizard(qtbot, ops)
    wizard.next()
    page = wizard.system_page
    assert "Looking at this computer" in page.status.text()
    assert not page.isComplete()
    assert not page.rescan.isEnabled()
    ops.detect_gate.set()
    qtbot.waitUntil(page.isComplete, timeout=5000)
    assert "Debian" in page.status.text()
    assert len(list(finding_rows(page))) == len(wizard.detection.by_key())
    sections = [page.tree.topLevelItem(i).text(0) for i in range(page.tree.topLevelItemCount())]
    assert sections[:4] == ["This computer", "Prerequisites", "AI CLIs", "Container runtimes"]
    node = item_for(page, "node")
    assert node.text(0).startswith("Node.js 20.20.2") or "20.20.2" in node.text(0)
    assert node.child(0).text(0).startswith("$ node --version")
    assert node.child(0).child(0).text(0) == "v20.20.2"
    assert node.data(0, Qt.ItemDataRole.AccessibleTextRole).startswith("found: ")


def test_system_page_shows_a_failed_detection_and_rescans(qtbot, qloop, ops):
    ops.detect_error = OSError("probe exploded")
    wizard = make_wizard(qtbot, ops)
    wizard.next()
    page = wizard.system_page
    qtbot.waitUntil(lambda: "could not finish" in page.status.text(), timeout=5000)
    assert "probe exploded" in page.status.text()
    assert not page.isComplete()
    ops.detect_error = None
    qtbot.mouseClick(page.rescan, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(page.isComplete, timeout=5000)


def test_override_marks_a_finding_and_changes_the_plan(qtbot, qloop, tmp_path):
    ops = FakeOperations(tmp_path, node="v18.19.1")
    wizard = make_wizard(qtbot, ops)
    walk_to(qtbot, wizard, SYSTEM)
    page = wizard.system_page
    qtbot.waitUntil(page.isComplete, timeout=5000)
    page.tree.setCurrentItem(item_for(page, "git"))
    assert page.override.isEnabled()
    qtbot.mouseClick(page.override, Qt.MouseButton.LeftButton)
    git = item_for(page, "git")
    assert "set by you" in git.text(0)
    assert "treated as not installed" in git.text(0)
    assert wizard.detection.git.present is False
    assert page.tree.currentItem().data(0, Qt.UserRole) == "git"


def test_tools_page_shows_status_and_method(qtbot, qloop, ops):
    wizard = make_wizard(qtbot, ops)
    walk_to(qtbot, wizard, TOOLS)
    page = wizard.tools_page
    assert page.selected_tools() == ["claude-code", "gemini-cli", "codex-cli"]
    assert page.notes["gemini-cli"].text() == "installed (0.24.0)"
    assert page.notes["claude-code"].text() == "missing"
    assert page.methods["codex-cli"].text() == "npm package @openai/codex"
    assert page.prefix.text() == ops.default_prefix()
    for box in page.boxes.values():
        box.setChecked(False)
    assert not page.isComplete()


def test_review_lists_exact_commands_and_copies_a_script(qtbot, qloop, ops):
    wizard = make_wizard(qtbot, ops)
    walk_to(qtbot, wizard, REVIEW, tools=["gemini-cli", "codex-cli"])
    page = wizard.review_page
    prefix = ops.default_prefix()
    assert page.table.rowCount() == 2
    assert page.table.item(0, 1).text() == f"npm install -g --prefix {prefix} @google/gemini-cli"
    assert page.table.item(1, 2).text() == "about 165 MB download"  # the catalog's size
    shared = f"npm install -g --prefix {prefix} @google/gemini-cli @openai/codex"
    assert "Gemini CLI and Codex CLI are installed with one npm call" in page.notes.text()
    assert page.notes.text().endswith(shared)  # the one call that runs, shown as well
    assert wizard.button(QWizard.WizardButton.CommitButton).text() == "&Install"
    qtbot.mouseClick(page.copy, Qt.MouseButton.LeftButton)
    script = QGuiApplication.clipboard().text()
    assert script.startswith("#!/bin/sh")
    assert f"npm install -g --prefix {prefix} @openai/codex" in script
    assert ops.retries == [] and "on the clipboard" in page.copied.text()


def test_review_marks_a_blocked_step_and_admin_marks(qtbot, qloop, tmp_path):
    ops = FakeOperations(tmp_path, node="v18.19.1")
    wizard = make_wizard(qtbot, ops)
    walk_to(qtbot, wizard, REVIEW, tools=["gemini-cli"])
    page = wizard.review_page
    assert "Node >= 20 needed, found 18.19.1" in page.notes.text()
    assert not page.isComplete()  # nothing in the plan can run


def test_step_marks_render_what_the_plan_says():
    from app.core.planner import Command, Step
    from app.ui.present import step_marks

    step = Step("x", "X", (Command(("x",), admin=True),), reboot=True, download_mb=48)
    assert step_marks(step).words() == [
        "needs admin rights",
        "needs a restart",
        "about 48 MB download",
    ]
    assert step_marks(Step("y", "Y", (Command(("y",)),))).words() == []


def start_install(qtbot, ops, tools):
    wizard = make_wizard(qtbot, ops)
    walk_to(qtbot, wizard, INSTALL, tools=tools)
    page = wizard.install_page
    qtbot.waitUntil(
        lambda: page.results and page.steps.item(0).text().endswith("Running"), timeout=5000
    )
    return wizard, page


def test_install_running_shows_the_selected_steps_output(qtbot, qloop, ops):
    wizard, page = start_install(qtbot, ops, ["gemini-cli", "codex-cli"])
    assert page.is_running() and not page.isComplete()
    assert page.cancel.isEnabled()
    assert not page.retry.isEnabled() and not page.skip.isEnabled()
    assert page.steps.item(1).text() == "Install Codex CLI — Waiting"
    assert page.log.shown_lines()[-1] == "gemini-cli: added 1 package in 2s"
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def test_install_succeeded(qtbot, qloop, ops):
    wizard, page = start_install(qtbot, ops, ["gemini-cli", "codex-cli"])
    ops.step_gate.set()
    qtbot.waitUntil(page.isComplete, timeout=5000)
    assert [page.steps.item(i).text() for i in range(2)] == [
        "Install Gemini CLI — Done",
        "Install Codex CLI — Done",
    ]
    assert page.progress.value() == 2
    assert "All steps are finished" in page.status.text()
    assert not page.cancel.isEnabled()
    assert not page.show_fix.isEnabled()
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def test_install_says_once_that_progress_cannot_be_saved_and_goes_on(qtbot, qloop, ops):
    ops.notice = "The install goes on, but its progress cannot be saved to /ro/install-run.json"
    _wizard, page = start_install(qtbot, ops, ["gemini-cli"])
    assert page.notice.isVisible() and page.notice.text() == ops.notice
    ops.step_gate.set()
    qtbot.waitUntil(page.isComplete, timeout=5000)
    assert page.notice.isVisible()  # still there when the run is over
    assert page.steps.item(0).text() == "Install Gemini CLI — Done"


def wait_for_question(qtbot, ops, page):
    """Let the steps finish and wait until the engine asks about a failed one."""
    ops.step_gate.set()
    qtbot.waitUntil(page.go_on.isEnabled, timeout=5000)


def test_a_failure_asks_and_retry_goes_through_the_engine(qtbot, qloop, ops):
    ops.outcomes = {"gemini-cli": "failed"}
    _wizard, page = start_install(qtbot, ops, ["gemini-cli", "codex-cli"])
    wait_for_question(qtbot, ops, page)
    assert page.is_running() and not page.isComplete()  # the engine waits for the answer
    assert page.steps.currentRow() == 0  # the failed step is selected
    assert page.steps.item(0).text() == "Install Gemini CLI — Failed"
    assert page.steps.item(1).text() == "Install Codex CLI — Waiting"
    assert "Retry it, skip it, or continue without it?" in page.status.text()
    assert page.retry.isEnabled() and page.skip.isEnabled() and page.show_fix.isEnabled()
    assert not page.fix.isVisible()
    page.show_fix.click()
    assert page.fix.isVisible()
    assert "npm may not write to its global folder." in page.fix.text()
    assert "Fix: Install into a folder of your own" in page.fix.text()
    # The question is about the failed step only.
    page.steps.setCurrentRow(1)
    assert not page.retry.isEnabled() and not page.skip.isEnabled() and not page.fix.isVisible()
    page.steps.setCurrentRow(0)
    ops.step_gate = asyncio.Event()
    page.retry.click()
    qtbot.waitUntil(lambda: page.steps.item(0).text().endswith("Running"), timeout=5000)
    assert not page.go_on.isEnabled() and not page.isComplete()
    assert page.log.shown_lines()[-2:] == ["— retrying —", "gemini-cli: added 1 package in 2s"]
    ops.step_gate.set()
    qtbot.waitUntil(page.isComplete, timeout=5000)
    assert ops.decisions == ["retry"] and ops.retries == [0] and ops.installs == [False]
    assert page.steps.item(0).text() == "Install Gemini CLI — Done"
    assert page.steps.item(1).text() == "Install Codex CLI — Done"
    assert "All steps are finished" in page.status.text()


def test_skip_goes_through_the_engine_and_leaves_the_tool_out(qtbot, qloop, ops):
    ops.outcomes = {"gemini-cli": "failed"}
    wizard, page = start_install(qtbot, ops, ["gemini-cli", "codex-cli"])
    wait_for_question(qtbot, ops, page)
    page.skip.click()
    qtbot.waitUntil(page.isComplete, timeout=5000)
    assert ops.decisions == ["skip"]
    assert page.steps.item(0).text() == "Install Gemini CLI — Skipped"
    assert page.steps.item(1).text() == "Install Codex CLI — Done"
    assert not page.skip.isEnabled() and not page.retry.isEnabled()
    wizard.next()
    verify = wizard.verify_page
    qtbot.waitUntil(lambda: verify.isComplete() and bool(verify.results), timeout=5000)
    assert ops.verify_calls == [["codex-cli"]]
    assert verify.table.item(1, 2).text() == "Skipped"
    assert "1 skipped" in verify.details.text()


def test_continue_past_a_failure_then_retry_resumes_the_run(qtbot, qloop, ops):
    ops.outcomes = {"gemini-cli": "failed"}
    _wizard, page = start_install(qtbot, ops, ["gemini-cli", "codex-cli"])
    wait_for_question(qtbot, ops, page)
    page.go_on.click()
    qtbot.waitUntil(page.isComplete, timeout=5000)
    assert ops.decisions == ["continue"]
    assert page.steps.item(0).text() == "Install Gemini CLI — Failed"
    assert page.steps.item(1).text() == "Install Codex CLI — Done"
    assert "1 step(s) need attention" in page.status.text()
    assert page.steps.currentRow() == 0
    assert page.retry.isEnabled() and not page.skip.isEnabled() and not page.go_on.isEnabled()
    page.retry.click()  # a resumed run: Codex finished, so only Gemini runs again
    qtbot.waitUntil(page.isComplete, timeout=5000)
    assert ops.installs == [False, True]
    assert page.steps.item(0).text() == "Install Gemini CLI — Done"
    assert page.steps.item(1).text() == "Install Codex CLI — Done"
    page.steps.setCurrentRow(1)
    assert page.log.shown_lines().count("codex-cli: added 1 package in 2s") == 1


def test_install_cancelled(qtbot, qloop, ops):
    _wizard, page = start_install(qtbot, ops, ["gemini-cli", "codex-cli"])
    page.cancel.click()
    qtbot.waitUntil(page.isComplete, timeout=5000)
    assert page.steps.item(0).text() == "Install Gemini CLI — Cancelled"
    assert page.steps.item(1).text() == "Install Codex CLI — Cancelled"
    assert page.status.text().startswith("Cancelled.")
    assert "Retry runs it and the rest again" in page.status.text()
    assert page.retry.isEnabled()  # a cancelled step can be run again
    assert not page.cancel.isEnabled()


def test_install_elevation_declined(qtbot, qloop, ops):
    ops.outcomes = {"codex-cli": "declined"}
    _wizard, page = start_install(qtbot, ops, ["codex-cli"])
    # Shown before the system's prompt: the exact commands.
    assert page.elevation.isVisible()
    assert "apt-get install x" in page.elevation.text()
    assert page.status.text() == "Waiting for admin rights: Install Codex CLI"
    wait_for_question(qtbot, ops, page)
    assert page.steps.item(0).text() == "Install Codex CLI — Admin rights declined"
    assert not page.elevation.isVisible()
    page.show_fix.click()
    assert "needs admin rights" in page.fix.text()
    page.go_on.click()
    qtbot.waitUntil(page.isComplete, timeout=5000)
    assert page.steps.item(0).text() == "Install Codex CLI — Admin rights declined"
    assert page.retry.isEnabled()


def test_log_pane_follows_the_selected_step(qtbot, qloop, ops):
    ops.outcomes = {"gemini-cli": "failed"}
    _wizard, page = start_install(qtbot, ops, ["gemini-cli", "codex-cli"])
    wait_for_question(qtbot, ops, page)
    page.go_on.click()
    qtbot.waitUntil(page.isComplete, timeout=5000)
    page.steps.setCurrentRow(1)
    lines = page.log.shown_lines()
    assert lines[0].startswith("$ npm install -g --prefix")
    assert lines[0].endswith("@openai/codex")
    assert "codex-cli: added 1 package in 2s" in lines
    assert not any(line.startswith("gemini-cli:") for line in lines)


def test_open_log_folder(qtbot, qloop, ops, monkeypatch):
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    _wizard, page = start_install(qtbot, ops, ["codex-cli"])
    page.open_logs.click()
    assert [u.toLocalFile() for u in opened] == [str(ops.log_folder())]


def test_verify_rows_and_rerun(qtbot, qloop, ops):
    ops.verify_status = {"gemini-cli": "not-on-path", "codex-cli": "missing"}
    wizard, page = start_install(qtbot, ops, ["claude-code", "gemini-cli", "codex-cli"])
    ops.step_gate.set()
    qtbot.waitUntil(page.isComplete, timeout=5000)
    wizard.next()
    verify = wizard.verify_page
    qtbot.waitUntil(lambda: verify.isComplete() and bool(verify.results), timeout=5000)
    row = [verify.table.item(1, c).text() for c in range(7)]
    prefix = ops.default_prefix()
    assert row[:6] == [
        "Gemini CLI",
        "this computer",
        "Works, not on PATH yet",
        "1.2.3",
        f"{prefix}/bin/gemini",
        "npm (this wizard's folder)",
    ]
    assert f"Add {prefix}/bin to your PATH" in row[6]
    assert verify.table.item(2, 2).text() == "Missing"
    status = verify.table.item(0, 2).data(Qt.ItemDataRole.AccessibleTextRole)
    assert status == "Claude Code (this computer): Works"
    assert "2 of 3 tools work." in verify.details.text()
    ops.verify_status = {}
    verify.rerun.click()
    qtbot.waitUntil(lambda: len(ops.verify_calls) == 2 and verify.isComplete(), timeout=5000)
    assert verify.table.item(2, 2).text() == "Works"


def test_finish_gives_sign_in_steps_and_a_redacted_report(qtbot, qloop, ops, tmp_path, monkeypatch):
    ops.verify_status = {"gemini-cli": "not-on-path"}
    wizard, page = start_install(qtbot, ops, ["claude-code", "gemini-cli"])
    ops.step_gate.set()
    qtbot.waitUntil(page.isComplete, timeout=5000)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.verify_page.isComplete() and bool(wizard.verify_page.results))
    wizard.next()
    assert wizard.currentId() == FINISH
    finish = wizard.finish_page
    text = finish.steps.text()
    assert "Claude Code: Run `claude` in a project folder and sign in" in text
    assert "Gemini CLI: Add" in text and "Then: Run `gemini`" in text
    assert str(ops.log_file()) in text
    wizard.detection = type(wizard.detection)(
        **{**wizard.detection.__dict__, "os_name": f"Debian ANTHROPIC_API_KEY={SECRET}"}
    )
    finish.copy.click()
    report = QGuiApplication.clipboard().text()
    assert SECRET not in report and "[redacted]" in report
    assert "[succeeded] Install Claude Code" in report
    target = tmp_path / "report.txt"
    monkeypatch.setattr(finish, "ask_save_path", lambda: str(target))
    finish.save.click()
    assert target.read_text(encoding="utf-8") == report
    assert str(target) in finish.saved.text()
    assert wizard.button(QWizard.WizardButton.FinishButton).isVisible()


def test_uncaught_error_goes_to_the_error_page(qtbot, qloop, ops):
    from app.ui.errors import make_error_handler

    wizard = make_wizard(qtbot, ops)
    walk_to(qtbot, wizard, TOOLS)
    handler = make_error_handler(wizard.show_error)
    try:
        raise ValueError(f"boom with {SECRET}")
    except ValueError as exc:
        handler(type(exc), exc, exc.__traceback__)
    assert wizard.currentId() == ERROR
    page = wizard.error_page
    assert str(ops.log_file()) in page.where.text()
    assert "ValueError: boom" in page.summary.text()
    assert SECRET not in page.details.toPlainText()
    assert "Traceback" in page.details.toPlainText()


def test_an_error_in_a_task_reaches_the_excepthook(qtbot, qloop, ops):
    wizard = make_wizard(qtbot, ops)

    async def fails():
        raise RuntimeError("task failed")

    with qtbot.captureExceptions() as caught:
        wizard.tasks.spawn(fails())
        qtbot.waitUntil(lambda: bool(caught), timeout=5000)
    assert "task failed" in str(caught[0][1])


def test_step_changes_and_pages_are_announced(qtbot, qloop, ops, monkeypatch):
    import app.ui.pages.install as install_module
    import app.ui.wizard as wizard_module

    said = []
    monkeypatch.setattr(install_module, "announce", lambda _w, text: said.append(text))
    monkeypatch.setattr(wizard_module, "announce", lambda _w, text: said.append(text))
    ops.outcomes = {"codex-cli": "failed"}
    _wizard, page = start_install(qtbot, ops, ["gemini-cli", "codex-cli"])
    wait_for_question(qtbot, ops, page)
    page.go_on.click()
    qtbot.waitUntil(page.isComplete, timeout=5000)
    assert "Installing" in said  # the page title
    steps = said[said.index("Installing") :]
    assert steps[1:] == [
        "Step 1 of 2: Install Gemini CLI",
        "Install Gemini CLI: Done",
        "Step 2 of 2: Install Codex CLI",
        "Install Codex CLI: Failed. Retry it, skip it, or continue without it?",
        "Install Codex CLI: Failed",
        "1 step(s) need attention: select one, then Retry or Show fix.",
    ]


def test_the_real_announcement_event_is_accepted(qtbot):
    from PySide6.QtWidgets import QLabel

    from app.ui.announce import announce

    label = QLabel("x")
    qtbot.addWidget(label)
    announce(label, "Step 1 of 3 finished")  # must not raise on this Qt


def test_verify_while_checking(qtbot, qloop, ops):
    ops.verify_gate = asyncio.Event()
    wizard, page = start_install(qtbot, ops, ["codex-cli"])
    ops.step_gate.set()
    qtbot.waitUntil(page.isComplete, timeout=5000)
    wizard.next()
    verify = wizard.verify_page
    assert verify.details.text() == "Checking…"
    assert not verify.isComplete() and not verify.rerun.isEnabled()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    ops.verify_gate.set()
    qtbot.waitUntil(verify.isComplete, timeout=5000)
    assert verify.rerun.isEnabled()
    assert verify.details.text() == "1 of 1 tools work."


def test_escape_while_installing_cancels_the_install_not_the_wizard(qtbot, qloop, ops):
    wizard, page = start_install(qtbot, ops, ["gemini-cli"])
    assert not wizard.button(QWizard.WizardButton.CancelButton).isEnabled()
    qtbot.keyClick(wizard, Qt.Key.Key_Escape)
    qtbot.waitUntil(page.isComplete, timeout=5000)
    assert wizard.isVisible()
    assert page.steps.item(0).text() == "Install Gemini CLI — Cancelled"
    assert wizard.button(QWizard.WizardButton.CancelButton).isEnabled()


def test_tools_page_recommends_for_the_chosen_scenario(qtbot, qloop, ops):
    wizard = make_wizard(qtbot, ops)
    walk_to(qtbot, wizard, TOOLS)
    page = wizard.tools_page
    assert page.scenario.currentData() == "isolated-ai-clis"
    text = page.recommendation.text()
    assert text.startswith("Recommendation: ")
    assert "because the guide's Recommendation Summary gives" in text
    assert "on Linux" in text
    kubernetes = page.scenario.findData("kubernetes")
    page.scenario.setCurrentIndex(kubernetes)
    assert page.recommendation.text().startswith("Recommendation: podman, because")
    assert page.methods["gemini-cli"].toolTip() == "The guide prefers: npm"


def test_an_unfinished_run_is_offered_and_continued(qtbot, qloop, ops, tmp_path):
    from app.core.planner import Choices
    from app.core.runstate import RunState

    prefix = str(tmp_path / "earlier-prefix")
    state = RunState.start(tmp_path / "state", Choices(("codex-cli", "gemini-cli"), prefix))
    state.mark("codex-cli.npm", "succeeded")
    state.mark("gemini-cli.npm", "running")
    ops.unfinished = RunState.load(tmp_path / "state")
    ops.statuses = dict(state.statuses)
    wizard = make_wizard(qtbot, ops)
    welcome = wizard.welcome_page
    assert welcome.resume_box.isVisible() and welcome.resume.isChecked()
    assert "Codex CLI, Gemini CLI" in welcome.resume_note.text()
    assert "1 step(s) had finished" in welcome.resume_note.text()
    walk_to(qtbot, wizard, TOOLS)
    assert wizard.tools_page.selected_tools() == ["gemini-cli", "codex-cli"]
    assert wizard.tools_page.prefix.text() == prefix
    walk_to(qtbot, wizard, INSTALL)
    page = wizard.install_page
    ops.step_gate.set()
    qtbot.waitUntil(page.isComplete, timeout=5000)
    assert ops.installs == [True]
    texts = [page.steps.item(i).text() for i in range(2)]
    assert texts == ["Install Gemini CLI — Done", "Install Codex CLI — Done"]
    page.steps.setCurrentRow(1)  # finished in the earlier run: not run, nothing printed
    assert page.log.shown_lines() == []


def test_without_an_unfinished_run_nothing_is_offered(qtbot, qloop, ops):
    wizard = make_wizard(qtbot, ops)
    assert not wizard.welcome_page.resume_box.isVisible()
    walk_to(qtbot, wizard, TOOLS)
    assert wizard.resume_from is None


def test_isolated_scenario_builds_the_image_and_checks_inside_it(qtbot, qloop, ops, tmp_path):
    ops.container_status = {"codex-cli": "missing"}
    wizard = make_wizard(qtbot, ops)
    walk_to(qtbot, wizard, TOOLS)
    tools = wizard.tools_page
    assert tools.scenario.currentData() == "isolated-ai-clis"
    assert tools.container_box.isVisible() and not tools.isolated.isChecked()
    assert not tools.container_folder_edit.isEnabled()
    for tool_id, box in tools.boxes.items():
        box.setChecked(tool_id in ("gemini-cli", "codex-cli"))
    # A folder with someone else's files is refused before anything is written.
    folder = tmp_path / "ai-cli-container"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    tools.isolated.setChecked(True)
    assert tools.container_folder() == folder
    assert not tools.isComplete() and "already holds other files" in tools.container_note.text()
    (folder / "notes.txt").unlink()
    tools.container_folder_edit.setText(str(folder) + "/")
    assert tools.isComplete()
    wizard.next()
    review = wizard.review_page
    last = review.table.rowCount() - 1
    assert review.table.item(last, 0).text() == "Build the ai-cli image with Podman"
    command = review.table.item(last, 1).text()
    assert command.startswith("podman build --format docker -t ai-cli -f ")
    assert command.endswith(f"{folder}/Dockerfile {folder}")
    wizard.next()
    page = wizard.install_page
    ops.step_gate.set()
    qtbot.waitUntil(page.isComplete, timeout=5000)
    assert page.steps.item(2).text() == "Build the ai-cli image with Podman — Done"
    wizard.next()
    verify = wizard.verify_page
    qtbot.waitUntil(lambda: verify.isComplete() and bool(verify.results), timeout=5000)
    assert ops.container_calls == [folder]
    rows = [
        [verify.table.item(r, c).text() for c in range(3)] for r in range(verify.table.rowCount())
    ]
    assert rows == [
        ["Gemini CLI", "this computer", "Works"],
        ["Codex CLI", "this computer", "Works"],
        ["Gemini CLI", "in the container", "Works"],
        ["Codex CLI", "in the container", "Missing"],
    ]
    assert verify.details.text() == "2 of 2 tools work. 1 of 2 work in the container."


def test_a_recommendation_without_a_runtime_hides_the_container_choice(qtbot, qloop, ops):
    import dataclasses

    wizard = make_wizard(qtbot, ops)
    walk_to(qtbot, wizard, TOOLS)
    tools = wizard.tools_page
    tools.isolated.setChecked(True)
    assert tools.container_folder() is not None
    real = ops.recommend
    ops.recommend = lambda *a: dataclasses.replace(real(*a), runtime=None)
    tools.scenario.setCurrentIndex(tools.scenario.findData("general"))
    assert not tools.container_box.isVisible() and not tools.isolated.isChecked()
    assert tools.container_folder() is None and tools.isComplete()


def test_progress_redraws_replace_each_other_in_the_pane(qtbot, qloop, ops):
    ops.progress = ["⠙ fetch 1/3", "⠹ fetch 2/3", "⠸ fetch 3/3"]
    _wizard, page = start_install(qtbot, ops, ["gemini-cli"])
    prefix = ops.default_prefix()
    assert page.log.shown_lines() == [
        f"$ npm install -g --prefix {prefix} @google/gemini-cli",
        "gemini-cli: added 1 package in 2s",
    ]
    assert page.buffers[0].total == 5  # every line arrived; the redraws were replaced


def test_tool_status_words():
    from app.core.catalog import default_catalog
    from app.core.detect import Finding
    from app.ui.present import tool_status

    gemini = default_catalog().tool("gemini-cli")
    assert tool_status(gemini, None) == "missing"
    assert tool_status(gemini, Finding("Gemini CLI", True, "0.24.0")) == "installed"
    assert tool_status(gemini, Finding("Gemini CLI", True, "0.24.0"), "0.25.1") == "outdated"
