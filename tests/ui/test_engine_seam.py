"""The Install page on the real engine: elevation shown first, declined, retried, resumed."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from app.core.catalog import default_catalog
from app.core.elevation import ElevationOutcome
from app.core.paths import Paths
from app.core.session import Session
from app.ui.operations import SessionOperations
from tests.fakes import ScriptedRunner, linux_host
from tests.ui.helpers import INSTALL, make_wizard, walk_to


class DecliningElevator:
    """The system's password prompt: the user says no, then yes; records what was on screen."""

    def __init__(self, runner: ScriptedRunner) -> None:
        self.runner = runner
        self.answers = ["declined", "ok"]
        self.page = None
        self.seen: list[tuple[bool, str]] = []  # the page's admin panel when the prompt came

    def describe(self, commands: Sequence[Sequence[str]]) -> str:
        return "These commands need admin rights:\n" + "\n".join(
            "  " + " ".join(c) for c in commands
        )

    async def run(self, commands, *, env=None, on_line=None) -> ElevationOutcome:
        panel = self.page.elevation
        self.seen.append((panel.isVisible(), panel.text()))
        answer = self.answers.pop(0)
        if answer == "declined":
            return ElevationOutcome("declined", 126, "", "You declined the admin prompt.")
        if on_line:
            on_line("Setting up git (1:2.39.5-0+deb12u2) ...")
        self.runner.on("git", "--version", output="git version 2.39.5\n")
        return ElevationOutcome("ok", 0)


@pytest.fixture
def seam(tmp_path):
    host = linux_host(AI_CLI_SETUP_HOME=str(tmp_path / "home"), USER="ada")
    runner = ScriptedRunner(host)
    runner.on("node", "--version", output="v20.20.2\n")
    runner.on("npm", "--version", output="11.19.1\n")
    runner.on("npm", "prefix", "-g", output=str(tmp_path / "prefix") + "\n")
    runner.on("gemini", "--version", output="0.24.0\n")  # installed: its step is skipped
    elevator = DecliningElevator(runner)
    session = Session(runner, default_catalog(), Paths.from_env(host.env), elevator=elevator)
    return session, elevator


def test_declined_elevation_is_its_own_outcome_and_retry_asks_again(qtbot, qloop, seam):
    session, elevator = seam
    ops = SessionOperations(session)
    wizard = make_wizard(qtbot, ops)
    page = wizard.install_page
    elevator.page = page
    walk_to(qtbot, wizard, INSTALL, tools=["gemini-cli"])
    qtbot.waitUntil(page.go_on.isEnabled, timeout=5000)  # the engine asks
    titles = [s.title for s in page.plan.steps]
    git = next(i for i, t in enumerate(titles) if "git" in t.lower())
    # The exact commands were on screen when the system's prompt came up.
    visible, shown = elevator.seen[0]
    assert visible
    admin = [c for c in page.plan.steps[git].commands if c.admin]
    assert admin and " ".join(admin[0].argv) in shown
    assert page.steps.item(git).text().endswith("Admin rights declined")
    assert page.results[git].status == "declined"
    page.show_fix.click()
    assert "You declined the admin prompt." in page.fix.text()
    assert "needs admin rights" in page.fix.text()
    page.retry.click()  # the engine's own retry: the prompt comes again
    qtbot.waitUntil(page.isComplete, timeout=5000)
    assert len(elevator.seen) == 2
    assert page.steps.item(git).text().endswith("Done")
    assert "Setting up git" in "\n".join(page.buffers[git].lines)
    state = session.last_run()
    assert (
        state is not None
        and state.finished
        and state.statuses[page.plan.steps[git].id] == ("succeeded")
    )
