"""C07 for pinned releases: what a release needs of Node.js, asked before the plan is made."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from app.core.catalog import default_catalog
from app.core.engines import PinnedRelease, published_node_floor
from app.core.paths import Paths
from app.core.planner import render_plan
from app.core.profile import parse_profile
from app.core.session import Session
from tests.fakes import FakeFacts, ScriptedRunner, linux_host

VIEW = ("npm", "view", "@anthropic-ai/claude-code@2.1.332", "engines.node", "--json")


@pytest.mark.parametrize(
    ("output", "code", "expected"),
    [
        ('">=22.0.0"\n', 0, PinnedRelease("2.1.332", node="22.0.0")),
        ('"^18.17.0 || >=20.5.0"', 0, PinnedRelease("2.1.332", node="18.17.0")),
        ("", 0, PinnedRelease("2.1.332")),  # the release declares no engines.node
        (
            "npm error code E404\nnpm error 404 No match found for version 2.1.332",
            1,
            PinnedRelease(
                "2.1.332", unknown="`npm view` could not tell: the registry has no such release"
            ),
        ),
        (
            "npm error code ENOTFOUND\nnpm error network request failed",
            1,
            PinnedRelease(
                "2.1.332",
                unknown="`npm view` could not tell: the npm registry could not be reached",
            ),
        ),
        ('"*"', 0, PinnedRelease("2.1.332", unknown="its engines.node '*' is not read")),
    ],
)
def test_the_registry_says_what_a_pinned_release_needs_or_why_it_cannot(
    run_async, output, code, expected
):
    runner = ScriptedRunner(linux_host())
    runner.on(*VIEW, output=output, exit_code=code)
    found = run_async(
        published_node_floor(runner, "@anthropic-ai/claude-code", "2.1.332", {"PATH": "/usr/bin"})
    )
    assert found == expected
    assert runner.calls == [VIEW]


def test_a_recorded_machine_asks_no_registry(run_async):
    host = dataclasses.replace(linux_host(), executables=frozenset({"/usr/bin/npm"}))
    assert host.is_recorded
    runner = ScriptedRunner(host)
    found = run_async(published_node_floor(runner, "@anthropic-ai/claude-code", "2.1.332"))
    assert not found.known and "recorded machine" in found.unknown
    assert runner.calls == []


def debian_node20(tmp_path: Path, view: str = '">=22.0.0"', code: int = 0) -> Session:
    runner = ScriptedRunner(linux_host(USER="ada"))
    runner.on("node", "--version", output="v20.20.2")
    runner.on("npm", "--version", output="10.8.2")
    runner.on("npm", "prefix", "-g", output="/usr")
    runner.on("npm", "config", "get", "prefix", output="/usr")
    runner.on("git", "--version", output="git version 2.39.5")
    runner.on(*VIEW, output=view, exit_code=code)
    root = tmp_path / "app-home"
    paths = Paths(root / "logs", root / "state", root / "cache")
    session = Session(runner, default_catalog(), paths, facts=FakeFacts())
    session.profile = parse_profile(
        {"npm_prefix": str(tmp_path / "npm"), "tools": {"claude-code": {"version": "2.1.332"}}},
        "room.toml",
        session.catalog,
    )
    return session


def test_a_profile_pin_is_looked_up_with_detection_and_the_plan_upgrades_node(tmp_path, run_async):
    session = debian_node20(tmp_path)
    run_async(session.detect())
    assert session.pins == {"claude-code": PinnedRelease("2.1.332", node="22.0.0")}
    plan = session.plan(["claude-code"])
    text = "\n".join(render_plan(plan))
    assert "Upgrade Node.js 20.20.2 to 22.0.0 or newer" in text
    assert "newest release that supports it" not in text
    claude = plan.step("claude-code.npm")
    assert claude.argv[-1] == "@anthropic-ai/claude-code@2.1.332"
    assert "node.nodesource" in claude.needs


def test_offline_the_plan_says_the_pins_need_is_unknown(tmp_path, run_async):
    session = debian_node20(tmp_path, "npm error code EAI_AGAIN", 1)
    run_async(session.detect())
    plan = session.plan(["claude-code"])
    assert plan.step("node.nodesource").skip
    note = plan.step("claude-code.npm").note
    assert "which Node.js it needs is not known" in note
    assert "the npm registry could not be reached" in note
    assert "newest release that supports it" not in note
