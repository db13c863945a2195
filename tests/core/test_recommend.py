"""The recommender: the guide's table for each system, and the machine's facts on top."""

from __future__ import annotations

import pytest

from app.core.catalog import default_catalog
from app.core.detect import Detection, DockerFinding, Finding, GpuFinding, NodeFinding
from app.core.guide import guide_path, read_guide
from app.core.host import Host
from app.core.recommend import Machine, macos_version_from_darwin, recommend
from tests.fakes import linux_host

COLUMNS = {"macOS": "macos", "Windows": "windows", "Linux": "linux"}


def guide_cells():
    """(scenario name, os, cell text) for every cell of the guide's own table."""
    table = read_guide(guide_path().read_text(encoding="utf-8")).table("Recommendation Summary")
    for row in table.rows:
        for column, text in zip(table.columns[1:], row[1:], strict=True):
            yield row[0], COLUMNS[column], text


@pytest.mark.parametrize(("name", "os_name", "text"), list(guide_cells()))
def test_every_cell_of_the_guides_table_is_what_the_recommender_answers(name, os_name, text):
    catalog = default_catalog()
    scenario = next(s for s in catalog.scenarios.values() if s.name == name)
    result = recommend(catalog, Machine(os=os_name), scenario.id)
    assert result.cell == text
    if text == "N/A":
        assert result.runtime is None
        assert "no container runtime" in result.reason
        return
    first_choice = text.split(" or ")[0]
    option = catalog.options[result.runtime]
    assert any(alias in first_choice for alias in option.aliases), (result.runtime, text)
    assert f"“{text}”" in result.reason and name in result.reason


def test_kubernetes_on_linux_names_podman():
    result = recommend(default_catalog(), Machine(os="linux"), "kubernetes")
    assert result.runtime == "podman"
    assert result.reason.startswith("podman, because the guide's Recommendation Summary")
    assert [p.step_id for p in result.installs] == ["podman.apt"]


def windows_host() -> Host:
    return Host(
        system="windows", release="10", machine="AMD64",
        env={"PATH": "C:\\Windows\\system32"}, home="C:\\Users\\ana",
    )  # fmt: skip


def mac_host(machine: str, darwin: str) -> Host:
    return Host(system="darwin", release=darwin, machine=machine, env={}, home="/Users/ana")


def fedora_host() -> Host:
    return Host(
        system="linux", release="6.8", machine="x86_64", env={}, home="/home/ana",
        os_release={"ID": "fedora", "VERSION_ID": "40", "PRETTY_NAME": "Fedora Linux 40"},
    )  # fmt: skip


def test_a_windows_machine_gets_docker_desktop_with_wsl_and_winget():
    machine = Machine.from_host(windows_host())
    assert (machine.os, machine.arch) == ("windows", "x86_64")
    result = recommend(default_catalog(), machine, "isolated-ai-clis", ["claude-code", "codex-cli"])
    assert result.runtime == "docker-desktop"
    steps = [p.step_id for p in result.installs]
    assert steps == ["wsl.install", "docker-desktop.winget", "claude-code.winget", "codex-cli.npm"]
    wsl = result.installs[0]
    assert wsl.admin and wsl.reboot
    assert any("Free <250 employees" in n for n in result.notes)


def test_windows_server_has_no_runtime_in_the_guide():
    result = recommend(
        default_catalog(), Machine.from_host(windows_host()), "server", ["gemini-cli"]
    )
    assert result.runtime is None
    assert "“N/A”" in result.reason
    assert [p.step_id for p in result.installs] == ["gemini-cli.npm"]


@pytest.mark.parametrize(
    ("darwin", "macos"), [("19.6.0", "10.15"), ("24.1.0", "15"), ("25.0.0", "26")]
)
def test_macos_version_from_the_darwin_release(darwin, macos):
    assert macos_version_from_darwin(darwin) == macos


def test_apple_container_on_apple_silicon_with_macos_26():
    machine = Machine.from_host(mac_host("arm64", "25.1.0"))
    result = recommend(default_catalog(), machine, "beginners", ["gemini-cli"])
    assert result.runtime == "apple-container"
    assert result.setup == ("apple-container.start",)
    assert all(c.passed for c in result.checks)
    assert [p.step_id for p in result.installs] == ["apple-container.pkg", "gemini-cli.brew"]


@pytest.mark.parametrize(
    ("machine", "darwin", "failing"),
    [
        ("x86_64", "25.0.0", ["apple-container:arch"]),
        ("arm64", "24.6.0", ["apple-container:os-version"]),
        ("x86_64", "23.0.0", ["apple-container:arch", "apple-container:os-version"]),
    ],
)
def test_apple_container_needs_apple_silicon_and_macos_26(machine, darwin, failing):
    result = recommend(
        default_catalog(), Machine.from_host(mac_host(machine, darwin)), "single-container"
    )
    assert result.runtime == "docker-desktop"  # the guide's General development choice
    assert [c.name for c in result.checks if c.passed is False] == failing
    assert "“Apple Container (macOS 26+)”" in result.reason
    assert "“Docker Desktop” for General development" in result.reason
    assert result.rejected[0][0] == "apple-container"


def test_an_old_mac_serving_headless_gets_podman_machine():
    result = recommend(default_catalog(), Machine.from_host(mac_host("x86_64", "24.0.0")), "server")
    assert result.runtime == "podman-machine"
    assert result.setup == ("podman.machine-init", "podman.machine-start")
    assert [p.step_id for p in result.installs] == ["podman.brew"]


def test_no_gpu_in_containers_on_macos_so_native_or_model_runner():
    result = recommend(default_catalog(), Machine.from_host(mac_host("arm64", "25.0.0")), "gpu")
    assert result.runtime == "native"
    assert result.alternatives == ("docker-model-runner",)
    assert result.installs == ()
    assert any("no GPU" in n for n in result.notes)
    assert any(n.startswith("Docker Model Runner: Host-side GPU inference") for n in result.notes)


def test_isolated_ai_clis_on_a_mac_brings_model_runner_with_docker_desktop():
    result = recommend(default_catalog(), Machine(os="macos"), "isolated-ai-clis", ["codex-cli"])
    assert [p.step_id for p in result.installs] == [
        "docker-desktop.brew", "docker-model-runner.enable", "codex-cli.brew",
    ]  # fmt: skip
    assert any(n.startswith("Docker Model Runner enables GPU-accelerated") for n in result.notes)


def test_docker_engine_is_linux_only():
    catalog = default_catalog()
    from app.core.recommend import option_checks

    checks = option_checks(catalog, catalog.options["docker"], Machine(os="windows"))
    assert [(c.passed, c.message) for c in checks] == [
        (False, "Docker Engine is Linux only, not Windows.")
    ]


def test_a_large_company_gets_the_licence_free_choice_of_a_cell():
    catalog = default_catalog()
    machine = Machine(os="macos", large_company=True)
    result = recommend(catalog, machine, "large-images")
    assert result.runtime == "podman-desktop"
    assert "needs no paid licence" in result.reason
    small = recommend(catalog, Machine(os="macos"), "large-images")
    assert small.runtime == "docker-desktop"


def test_fedora_gets_podman_because_the_guide_has_no_dnf_docker():
    machine = Machine.from_host(fedora_host(), managers=frozenset({"dnf"}))
    assert machine.distros == ("fedora",)
    result = recommend(default_catalog(), machine, "general", ["gemini-cli"])
    assert result.runtime == "podman"
    assert (
        "docker (Docker Engine) has no recommended install method for this Linux" in result.reason
    )
    assert [p.step_id for p in result.installs] == ["podman.dnf", "node.dnf", "gemini-cli.npm"]


def detection(
    docker_state: str = "absent", gpu_state: str = "none", node: bool = True
) -> Detection:
    return Detection(
        os_name="Debian GNU/Linux 12 (bookworm)",
        system="linux",
        machine="x86_64",
        node=NodeFinding("Node.js", node, "20.19.0" if node else None),
        git=Finding("git", True, "2.39.5"),
        docker=DockerFinding("Docker", docker_state != "absent", state=docker_state),
        gpu=GpuFinding("GPU", gpu_state == "nvidia", state=gpu_state),
        tools={"gemini-cli": Finding("Gemini CLI", True, "0.61.0")},
    )


def test_linux_prefers_the_runtime_already_installed():
    catalog = default_catalog()
    machine = Machine.from_host(linux_host(), detection(docker_state="daemon-down"))
    assert machine.runtimes == {"docker-engine": "daemon-down"}
    result = recommend(catalog, machine, "isolated-ai-clis", ["gemini-cli", "claude-code"])
    assert result.runtime == "docker"
    assert "already installed here" in result.reason
    planned = {p.item_id: p for p in result.installs}
    assert planned["docker-engine"].present and planned["gemini-cli"].present
    assert not planned["claude-code"].present
    assert planned["docker-engine"].relogin


def test_linux_gpu_with_nvidia_adds_the_container_toolkit():
    machine = Machine.from_host(linux_host(), detection(gpu_state="nvidia"))
    result = recommend(default_catalog(), machine, "gpu")
    assert result.runtime == "docker"
    assert [p.step_id for p in result.installs] == [
        "docker-engine.apt",
        "nvidia-container-toolkit.apt",
    ]
    assert result.setup == ("nvidia-container-toolkit.docker",)
    assert any("`--gpus all`" in n for n in result.notes)
    assert [c.passed for c in result.checks] == [True]


def test_linux_gpu_without_a_gpu_says_so_and_skips_the_toolkit():
    machine = Machine.from_host(linux_host(), detection(gpu_state="none"))
    result = recommend(default_catalog(), machine, "gpu")
    assert [c.passed for c in result.checks] == [False]
    assert "nvidia-container-toolkit" not in [p.item_id for p in result.installs]


def test_homebrew_is_planned_when_a_mac_has_none():
    machine = Machine(os="macos", arch="arm64", os_version="15.2", managers=frozenset())
    result = recommend(default_catalog(), machine, "general", ["gemini-cli"])
    assert [p.step_id for p in result.installs] == [
        "homebrew.script", "docker-desktop.brew", "gemini-cli.brew",
    ]  # fmt: skip


def test_linux_without_homebrew_takes_claude_codes_official_installer():
    machine = Machine.from_host(linux_host(), managers=frozenset({"apt", "npm"}))
    result = recommend(default_catalog(), machine, "kubernetes", ["claude-code"])
    assert [p.step_id for p in result.installs] == ["podman.apt", "claude-code.native"]
    with_brew = Machine.from_host(linux_host(), managers=frozenset({"apt", "brew"}))
    again = recommend(default_catalog(), with_brew, "kubernetes", ["claude-code"])
    assert again.installs[-1].step_id == "claude-code.brew"


def test_unknown_scenario_names_the_known_ones():
    with pytest.raises(KeyError, match="kubernetes"):
        recommend(default_catalog(), Machine(os="linux"), "kubernets")


def test_an_installed_docker_desktop_brings_no_wsl_step():
    machine = Machine.from_host(windows_host(), present=frozenset({"docker-desktop"}))
    result = recommend(default_catalog(), machine, "general")
    assert [(p.step_id, p.present) for p in result.installs] == [("docker-desktop.winget", True)]
    assert "already installed here" not in result.reason  # the cell offers one choice only


def _claude(machine: Machine):
    result = recommend(default_catalog(), machine, "isolated-ai-clis", ["claude-code"])
    return next(p for p in result.installs if p.item_id == "claude-code")


def test_c21_alpine_without_ripgrep_gets_npm_with_the_reason():
    alpine = Machine(os="linux", arch="x86_64", distros=("alpine",), musl=True)
    planned = _claude(alpine)
    assert planned.step_id == "claude-code.npm"
    assert "apk add libgcc libstdc++ ripgrep" in planned.note
    assert "rg is missing here, so npm is offered instead" in planned.note


def test_c21_alpine_with_ripgrep_keeps_the_official_installer_and_names_its_needs():
    alpine = Machine(
        os="linux", arch="x86_64", distros=("alpine",), musl=True, commands=frozenset({"rg"})
    )
    planned = _claude(alpine)
    assert planned.step_id == "claude-code.native"
    assert "USE_BUILTIN_RIPGREP=0" in planned.note
    # glibc Linux is unchanged.
    assert _claude(Machine(os="linux", arch="x86_64")).step_id == "claude-code.native"


def test_c21_the_recorded_alpine_machine_is_offered_npm():
    import asyncio

    from app.core.session import Session
    from tests.conftest import REPO

    session = Session.from_recording(REPO / "tests" / "machines" / "alpine-musl.json")
    detection = asyncio.run(session.detect())
    machine = Machine.from_host(session.host, detection)
    assert machine.musl and _claude(machine).step_id == "claude-code.npm"


def test_a_reason_about_one_system_is_given_on_that_system_only():
    """The guide's macOS-only reason (Docker Model Runner, Metal) is not shown on Linux."""
    catalog = default_catalog()
    on_linux = recommend(catalog, Machine(os="linux"), "isolated-ai-clis").notes
    on_mac = recommend(catalog, Machine(os="macos"), "isolated-ai-clis").notes
    assert not any("Docker Model Runner" in n for n in on_linux)
    assert any(n.startswith("On Linux, either docker or podman") for n in on_linux)
    assert not any(n.startswith("On Linux") for n in on_mac)
    assert "Containers isolate the AI tools from your system (security)" in on_linux + on_mac
