"""The Review page warns, before Install, when the disk has too little room for the plan
or the npm registry did not answer."""

from __future__ import annotations

import pytest

from app.core.detect.facts import Reach
from app.ui.wizard import REVIEW
from tests.fakes import FakeFacts
from tests.ui.fake_ops import FakeOperations
from tests.ui.helpers import make_wizard, walk_to

MIB = 1024 * 1024


@pytest.fixture
def ops(tmp_path):
    return FakeOperations(tmp_path)


def test_review_warns_with_needed_free_and_where_when_the_disk_is_small(qtbot, qloop, ops):
    # As a recording of a machine with 40 MB left where npm installs.
    ops.facts = FakeFacts(memory=8 * 1024**3, free={"/usr/local": 40 * MIB})
    wizard = make_wizard(qtbot, ops)
    walk_to(qtbot, wizard, REVIEW, tools=["claude-code", "gemini-cli"])
    page = wizard.review_page
    plan = wizard.plan
    assert plan is not None and plan.download_mb > 20  # more than 40 MB once unpacked
    assert page.disk.isVisible() and page.disk_icon.isVisible()
    text = page.disk.text()
    assert f"needs about {plan.disk_mb} MB" in text
    assert "only 40 MB is free at /usr/local" in text
    assert "before you press Install" in text


def test_review_says_nothing_about_disk_when_there_is_room(qtbot, qloop, ops):
    ops.facts = FakeFacts(memory=8 * 1024**3, free={"/usr/local": 50 * 1024**3})
    wizard = make_wizard(qtbot, ops)
    walk_to(qtbot, wizard, REVIEW, tools=["claude-code", "gemini-cli"])
    assert not wizard.review_page.disk.isVisible()


def test_review_makes_no_claim_when_free_disk_is_unknown(qtbot, qloop, ops):
    wizard = make_wizard(qtbot, ops)  # no facts: free disk not known
    walk_to(qtbot, wizard, REVIEW, tools=["claude-code"])
    assert wizard.review_page.disk.text() == ""
    assert not wizard.review_page.disk.isVisible()


def test_review_says_when_the_npm_registry_did_not_answer(qtbot, qloop, ops):
    # FakeFacts answers no URL: as a machine whose network is down.
    ops.facts = FakeFacts(memory=8 * 1024**3)
    wizard = make_wizard(qtbot, ops)
    walk_to(qtbot, wizard, REVIEW, tools=["gemini-cli"])
    page = wizard.review_page
    assert page.network.isVisible() and page.network_icon.isVisible()
    assert "The npm registry https://registry.npmjs.org/ did not answer" in page.network.text()
    assert page.isComplete()  # a warning: Install stays possible (npm may have its own proxy)


def test_review_says_nothing_about_the_network_when_the_registry_answered(qtbot, qloop, ops):
    url = "https://registry.npmjs.org/"
    ops.facts = FakeFacts(memory=8 * 1024**3, reachable={url: Reach(url, True, 200)})
    wizard = make_wizard(qtbot, ops)
    walk_to(qtbot, wizard, REVIEW, tools=["gemini-cli"])
    assert not wizard.review_page.network.isVisible()
    assert wizard.review_page.network.text() == ""
