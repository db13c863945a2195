"""The isolated scenario through the Session: plan, folder, build step, checks inside."""

from __future__ import annotations

import json

from app.core import container
from app.core.catalog import default_catalog
from app.core.paths import Paths
from app.core.session import Session
from tests.fakes import ScriptedRunner, linux_host


def session_with_podman(tmp_path) -> Session:
    host = linux_host(AI_CLI_SETUP_HOME=str(tmp_path / "app"), USER="ada")
    runner = ScriptedRunner(host)
    runner.on("node", "--version", output="v22.12.0\n")
    runner.on("npm", "--version", output="10.9.0\n")
    runner.on("git", "--version", output="git version 2.39.5\n")
    runner.on("podman", "--version", output="podman version 4.3.1\n")
    return Session(runner, default_catalog(), Paths.from_env(host.env))


def test_the_plan_ends_with_the_image_build_and_the_folder_is_written(tmp_path, run_async):
    session = session_with_podman(tmp_path)
    run_async(session.detect())
    folder = tmp_path / "box"
    spec = session.isolated_spec(["gemini-cli"])
    plan = session.plan_isolated(["gemini-cli"], str(tmp_path / "prefix"), folder)
    assert plan.choices.container_runtime == spec.runtime
    build = plan.steps[-1]
    assert build.id == "container:build"
    assert build.argv[:2] == (spec.runtime, "build")
    assert build.argv[-1] == str(folder)
    assert plan.steps[-2].title != build.title  # the tools and runtime come first
    assert session.container_folder_problem(folder) == ""
    report = session.write_isolated()
    assert report is not None and (folder / "Dockerfile").exists()
    assert json.loads((folder / container.MANIFEST).read_text())["tools"] == ["gemini-cli"]
    assert (folder / container.ENV_FILE).stat().st_mode & 0o777 == 0o600
    # The wizard's own folder may be renewed; anyone else's files are not overwritten.
    assert session.container_folder_problem(folder) == ""
    assert session.write_isolated() is not None
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    assert "already holds other files" in session.container_folder_problem(other)
