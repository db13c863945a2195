"""`ai-cli-setup --profile FILE`: the Tools page opens with the profile's choices."""

import tomllib

from app.core.catalog import default_catalog
from app.core.profile import parse_profile
from app.ui.wizard import SetupWizard
from tests.fakes import linux_host
from tests.ui.test_wizard import scripted_session, settled


def test_tools_page_is_prefilled_from_the_profile(qtbot, qloop, tmp_path):
    session = scripted_session(tmp_path)
    text = (
        f'scenario = "kubernetes"\nnpm_prefix = "{tmp_path / "room"}"\n'
        '[tools.gemini-cli]\nversion = "0.61.0"\n'
    )
    session.profile = parse_profile(
        tomllib.loads(text), "room.toml", default_catalog(), linux_host()
    )
    wizard = settled(qtbot, SetupWizard.for_session(session))
    wizard.show()
    wizard.start_detection()
    wizard.next()
    qtbot.waitUntil(wizard.system_page.isComplete, timeout=5000)
    wizard.next()
    page = wizard.tools_page
    assert page.selected_tools() == ["gemini-cli"]
    assert page.scenario.currentData() == "kubernetes"
    assert page.prefix.text() == str(tmp_path / "room")
    assert page.subTitle() == "Chosen by the profile “room”; change anything you need to."
    # The person at the laptop can still change the choice.
    page.boxes["codex-cli"].setChecked(True)
    assert page.selected_tools() == ["gemini-cli", "codex-cli"]
    # The plan carries the profile's pin.
    plan = session.plan(page.selected_tools(), page.prefix.text())
    gemini = next(step for step in plan.steps if step.tool_id == "gemini-cli")
    assert gemini.argv[-1] == "@google/gemini-cli@0.61.0"
