"""`recommend`, `container init`, the wizard's container plan and `check` name one container runtime."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from app.cli import build_parser
from app.commands import container as container_command
from app.commands import recommend as recommend_command
from app.core.container import read_spec, runtime_of
from app.core.profile import parse_profile
from app.core.readiness import _runtime_requirement
from app.core.session import Session
from tests.conftest import REPO

MACHINES = sorted((REPO / "tests" / "machines").glob("*.json"))


def recorded(path: Path) -> Session:
    return Session.from_recording(path)


def recommended_runtime(path: Path, capsys) -> str | None:
    args = build_parser().parse_args(["recommend", "--json", "--replay", str(path)])
    assert asyncio.run(recommend_command.run(recorded(path), args)) == 0
    answer = json.loads(capsys.readouterr().out)
    session = recorded(path)
    return runtime_of(session.catalog, answer["recommendation"]["runtime"])


def initialised_runtime(path: Path, folder: Path, capsys) -> str:
    args = build_parser().parse_args(["container", "init", str(folder)])
    assert asyncio.run(container_command.run(recorded(path), args)) == 0
    capsys.readouterr()
    return read_spec(folder).runtime


@pytest.mark.parametrize("machine", MACHINES, ids=lambda p: p.stem)
def test_recommend_and_container_init_agree(machine, tmp_path, capsys):
    said = recommended_runtime(machine, capsys)
    made = initialised_runtime(machine, tmp_path / "box", capsys)
    assert said == made, f"recommend says {said}, container init wrote {made}"


def test_docker_without_its_daemon_and_a_working_podman_give_podman_everywhere(tmp_path, capsys):
    """This machine, recorded: Docker's client without a daemon, Podman 4.3 working."""
    machine = REPO / "tests" / "machines" / "debian12-dev-machine-live.json"
    assert recommended_runtime(machine, capsys) == "podman"
    assert initialised_runtime(machine, tmp_path / "box", capsys) == "podman"
    session = recorded(machine)
    detection = asyncio.run(session.detect())
    # The wizard's isolated scenario plans the same runtime and builds with it.
    plan = session.plan_isolated(["gemini-cli"], str(tmp_path / "prefix"), tmp_path / "w")
    assert plan.choices.container_runtime == "podman"
    assert plan.steps[-1].commands[0].argv[0] == "podman"
    # A workshop profile with runtime = "auto" checks for that one too.
    profile = parse_profile(
        {"format": 1, "containers": True, "tools": {"gemini-cli": {}}}, "room.toml", session.catalog
    )
    assert profile.runtime == "auto"
    requirement = _runtime_requirement(session, detection, profile)
    assert requirement.name == "container runtime: Podman" and requirement.passed
    session.profile = profile
    assert session.plan(["gemini-cli"], str(tmp_path / "prefix")).choices.container_runtime == (
        "podman"
    )
