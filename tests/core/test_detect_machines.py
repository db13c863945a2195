"""Recorded real-world machines, replayed: the conclusions each must reach."""

import asyncio
from pathlib import Path

from app.core.recording import load_recording
from app.core.session import Session

MACHINES = Path(__file__).resolve().parents[1] / "machines"


def replay(name: str):
    session = Session.from_recording(MACHINES / f"{name}.json")
    return session, asyncio.run(session.detect())


def test_every_recorded_machine_loads_and_every_finding_has_evidence():
    names = sorted(p.stem for p in MACHINES.glob("*.json"))
    assert len(names) >= 15
    for name in names:
        assert load_recording(MACHINES / f"{name}.json").note, name
        _, detection = replay(name)
        for key, finding in detection.by_key().items():
            assert finding.evidence, (name, key)
            assert "could not be checked (" not in finding.summary, (name, key, finding.summary)


def test_windows_11_with_docker_desktop_not_running():
    _, d = replay("windows11-docker-desktop-stopped")
    assert d.os.summary.startswith("Windows 11") and d.os.build == "26100"
    assert ("Ubuntu-20.04", 2) in d.os.wsl_distros
    assert d.docker.state == "daemon-down"
    assert d.docker.version == "18.09.2"
    assert d.docker.context == "desktop-linux"
    assert "npipe:////./pipe/docker_engine" in d.docker.summary
    assert "start Docker Desktop" in d.docker.summary
    assert d.package_managers["winget"].version == "1.12.350"
    assert (d.node.version, d.node.npm_version) == ("24.13.0", "11.6.2")
    assert d.node.npm_prefix == "C:\\Users\\<user>\\AppData\\Roaming\\npm"
    assert d.node.prefix_writable is True
    assert d.node.source == "native"
    claude = d.tools["claude-code"]
    assert (claude.version, claude.source) == ("2.1.220", "npm")
    assert claude.copies == ("C:\\Users\\<user>\\AppData\\Roaming\\npm\\claude.cmd",)
    assert d.gpu.state == "other" and d.gpu.adapters[0].vendor == "intel"
    assert d.apple_container.state == "unsupported"
    assert d.reach["npm-registry"].present


def test_macos_apple_silicon_with_homebrew_and_docker_daemon_down():
    _, d = replay("macos-apple-silicon-brew-docker-down")
    assert d.os.apple_silicon and not d.os.rosetta
    assert (d.os.version, d.os.build) == ("15.7.1", "24G231")
    assert d.package_managers["brew"].version == "4.0.1"
    assert "prefix /opt/homebrew" in d.package_managers["brew"].summary
    assert d.node.version == "25.2.1" and d.node.source == "brew"
    assert d.docker.state == "daemon-down" and d.docker.context == "default"
    assert d.docker.version == "26.1.4"
    assert d.tools["claude-code"].source == "native"
    assert d.gpu.state == "apple" and d.gpu.adapters[0].name == "Apple M3"
    # C19: Apple silicon, but macOS 15: not supported, judged from the OS.
    assert d.apple_container.state == "unsupported" and "macOS 26" in d.apple_container.summary


def test_macos_under_rosetta_with_podman_machine_stopped():
    _, d = replay("macos-rosetta-podman-machine-stopped")
    assert d.os.rosetta and d.os.apple_silicon and d.os.arch == "arm64"
    assert d.podman.state == "machine-stopped"
    assert d.podman.machine == "podman-machine-default"
    assert "podman machine start" in d.podman.summary
    assert not d.git.present and "Command Line Tools" in d.git.summary
    assert not d.node.present


def test_linux_docker_permission_denied_with_pending_relogin():
    _, d = replay("linux-docker-permission-denied")
    assert d.docker.state == "permission-denied"  # C15
    assert d.docker.relogin_pending is True
    assert "log out and back in" in d.docker.summary


def test_linux_nvidia_driver_library_mismatch():
    _, d = replay("linux-nvidia-driver-mismatch")
    assert d.gpu.state == "nvidia-driver-mismatch"  # C24
    assert "reboot" in d.gpu.next_step
    assert {a.vendor for a in d.gpu.adapters} == {"intel", "nvidia"}


def test_linux_gpu_on_pci_bus_without_driver():
    _, d = replay("linux-nvidia-on-pci-no-driver")
    assert d.gpu.state == "nvidia-no-driver"  # C24: seen on the bus, no driver
    assert len(d.gpu.adapters) == 2


def test_cuda_workstation():
    _, d = replay("linux-cuda-workstation")
    assert (d.gpu.state, d.gpu.version, d.gpu.memory_mib) == ("nvidia", "580.95.05", 24564)


def test_ubuntu_with_node_12_upgrades_node_before_the_installs_run():
    session, d = replay("ubuntu-node12")
    assert d.node.version == "12.22.9"  # C07
    assert d.node.prefix_writable is False  # C06: root-owned /usr/local
    plan = session.plan(["gemini-cli", "claude-code"])
    upgrade = plan.step("node.nodesource")
    assert "Node >= 20 needed, found 12.22.9." in upgrade.note
    gemini = plan.step("gemini-cli.npm")
    assert "node.nodesource" in gemini.needs and gemini.node_min == "20"  # checked again
    assert plan.npm_prefix == "/home/<user>/.npm-global"  # a user prefix, never sudo


def test_alpine_is_detected_as_musl():
    _, d = replay("alpine-musl")
    assert d.os.musl is True  # C21
    assert "musl" in d.os.summary
    assert d.node.version == "22.19.0"


def test_wsl2_distro_with_nvm_and_gpu_blocked():
    _, d = replay("wsl2-ubuntu-nvm-gpu-blocked")
    assert (d.os.wsl, d.os.wsl_distro) == (2, "Ubuntu-24.04")
    assert d.node_managers["nvm"].present
    assert d.node.source == "nvm"
    assert d.gpu.state == "nvidia-blocked"
    assert "WSL" in d.gpu.next_step


def test_windows_10_without_wsl_and_claude_off_path():
    _, d = replay("windows10-no-wsl-claude-not-on-path")
    assert d.os.summary.startswith("Windows 10") and "WSL is not installed" in d.os.summary
    claude = d.tools["claude-code"]  # C02: found through npm's prefix, not PATH
    assert claude.present and claude.on_path is False and claude.version == "2.0.28"
    assert claude.path == "C:\\Users\\<user>\\AppData\\Roaming\\npm\\claude.cmd"
    assert "not on PATH" in claude.summary and claude.copies == ()
    assert d.gpu.state == "nvidia" and d.gpu.version == "31.0.15.3742"
    assert not d.docker.present and not d.git.present


def test_windows_11_with_docker_desktop_running():
    _, d = replay("windows11-docker-desktop-running")
    assert d.docker.state == "running"
    assert (d.docker.version, d.docker.server_version) == ("28.3.0", "28.3.0")
    assert d.docker.context == "desktop-linux"
    assert [name for name, _ in d.os.wsl_distros] == ["Ubuntu", "docker-desktop"]


def test_fedora_with_rootless_podman():
    _, d = replay("fedora-podman-rootless")
    assert (d.podman.state, d.podman.rootless, d.podman.version) == ("running", True, "2.0.6")
    assert d.package_managers["dnf"].version == "4.2.23"
    assert not d.docker.present


def test_intel_mac_without_homebrew():
    _, d = replay("macos-intel-no-homebrew")
    assert not d.os.apple_silicon and not d.os.rosetta
    assert not d.package_managers["brew"].present
    assert d.git.version == "2.24.3" and d.git.source == "system"
    assert d.gpu.state == "other" and d.gpu.adapters[0].vendor == "amd"
    assert d.apple_container.state == "unsupported" and "Apple silicon" in d.apple_container.summary


def test_debian_with_a_root_owned_prefix_plans_a_user_prefix():
    session, d = replay("debian-node18-root-prefix")
    assert (d.node.version, d.node.npm_version) == ("18.19.1", "9.2.0")
    assert d.node.prefix_writable is False  # C06
    plan = session.plan(["claude-code", "gemini-cli"])
    assert plan.npm_prefix == "/home/<user>/.npm-global"
    assert not any("sudo" in c.argv for step in plan.steps for c in step.commands)


def test_the_development_machine_recorded_live():
    _, d = replay("debian12-dev-machine-live")
    assert d.docker.state == "daemon-down"  # C14, the real thing
    assert d.docker.context == "default" and d.docker.version
    assert d.node.present and d.node.npm_prefix and d.node.prefix_writable is True
    assert d.podman.state == "running" and d.podman.rootless is False
    assert d.gpu.state == "none"
    assert d.reach["npm-registry"].present and not d.reach["github"].present
    assert "does not resolve" in d.reach["github"].summary


def test_the_recommender_sees_podman_apple_container_and_package_managers():
    from app.core.recommend import Machine

    session, d = replay("macos-rosetta-podman-machine-stopped")
    machine = Machine.from_host(session.host, d)
    assert machine.runtimes["podman"] == "machine-stopped" and "podman" in machine.present
    assert machine.arch == "arm64"  # the hardware's, though this program runs under Rosetta
    session, d = replay("macos-apple-silicon-brew-docker-down")
    assert "homebrew" in Machine.from_host(session.host, d).present
    session, d = replay("windows11-docker-desktop-stopped")
    machine = Machine.from_host(session.host, d)
    assert "winget" in machine.present and machine.runtimes["docker-desktop"] == "daemon-down"
