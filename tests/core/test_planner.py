"""The planner on hand-built machines: golden plans per system, checked against the guide."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from app.core.catalog import default_catalog
from app.core.detect import Detection, DockerFinding, Finding, GpuFinding, NodeFinding
from app.core.host import Host
from app.core.planner import Choices, build_plan, render_plan, wsl_finding

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
GUIDE = Path("/work/shared/guide/installing-ai-clis.md")
ALL_TOOLS = ("claude-code", "gemini-cli", "codex-cli")
UNATTENDED = {"--exact", "--silent", "--accept-package-agreements", "--accept-source-agreements"}

WINDOWS = Host(
    system="windows",
    release="10",
    machine="AMD64",
    env={
        "Path": r"C:\Windows\system32;C:\Windows",
        "APPDATA": r"C:\Users\ada\AppData\Roaming",
        "USERNAME": "ada",
    },
    home=r"C:\Users\ada",
)
MACOS = Host(
    system="darwin",
    release="15.1",
    machine="arm64",
    env={"PATH": "/usr/bin:/bin", "USER": "ada"},
    home="/Users/ada",
)
UBUNTU = Host(
    system="linux",
    release="6.8.0",
    machine="x86_64",
    env={"PATH": "/usr/bin:/bin", "USER": "ada"},
    home="/home/ada",
    os_release={"ID": "ubuntu", "ID_LIKE": "debian", "PRETTY_NAME": "Ubuntu 24.04.1 LTS"},
)
FEDORA = Host(
    system="linux",
    release="6.11.4",
    machine="x86_64",
    env={"PATH": "/usr/bin:/bin", "USER": "ada"},
    home="/home/ada",
    os_release={"ID": "fedora", "PRETTY_NAME": "Fedora Linux 41 (Workstation Edition)"},
)
HOSTS = {"windows-winget": WINDOWS, "macos-brew": MACOS, "ubuntu-apt": UBUNTU, "fedora-dnf": FEDORA}


def bare(host: Host, node: NodeFinding | None = None, docker: str = "absent", **tools) -> Detection:
    """A machine with nothing installed unless said otherwise."""
    return Detection(
        os_name=host.pretty_name,
        system=host.system,
        machine=host.machine,
        node=node or NodeFinding("Node.js", False, summary="Node.js is not installed"),
        git=Finding("git", False),
        docker=DockerFinding("Docker", docker != "absent", summary=docker, state=docker),
        gpu=GpuFinding("GPU", False),
        tools={t: tools.get(t, Finding(t, False)) for t in ALL_TOOLS},
    )


def golden_plan(name: str):
    host = HOSTS[name]
    others = {}
    if host.system == "windows":
        # C16: the recorded error when the Virtual Machine Platform is off.
        others["wsl"] = wsl_finding(
            "The operation could not be started because a required feature is not installed.\n"
            "Error code: Wsl/Service/CreateInstance/CreateVm/HCS/HCS_E_HYPERV_NOT_INSTALLED",
            ok=False,
        )
    choices = Choices(ALL_TOOLS, uv=True, container_runtime="docker")
    download = host.join(host.home, "cache")
    return build_plan(
        default_catalog(), host, bare(host), choices, others=others, download_dir=download
    )


@pytest.mark.parametrize("name", sorted(HOSTS))
def test_golden_plan(name):
    plan = golden_plan(name)
    text = json.dumps(plan.to_dict(), indent=2, ensure_ascii=False) + "\n"
    path = GOLDEN / f"plan-{name}.json"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"re-run with UPDATE_GOLDEN=1 to accept {path}"


def _guide_lines() -> set[str]:
    return {line.strip() for line in GUIDE.read_text(encoding="utf-8").splitlines()}


def _as_guide_writes(argv: list[str], admin: bool, system: str) -> str:
    argv = [a for a in argv if a not in UNATTENDED and not (a == "-y" and argv[-1] == "-y")]
    if system == "windows":
        return subprocess.list2cmdline(argv)
    return ("sudo " if admin else "") + " ".join(argv)


@pytest.mark.skipif(not GUIDE.exists(), reason="the shared guide is not on this machine")
@pytest.mark.parametrize("name", sorted(HOSTS))
def test_golden_plan_commands_are_the_guides(name):
    """Every command of a guide-sourced method is the guide's line (sudo becomes elevation)."""
    plan = golden_plan(name)
    guide = _guide_lines()
    guide_text = GUIDE.read_text(encoding="utf-8")
    catalog = default_catalog()
    checked = 0
    for step in plan.steps:
        if step.id.startswith("npm:"):
            package = step.commands[0].argv[-1]
            assert re.search(rf"npm install -g .*{re.escape(package)}", guide_text), package
            assert step.commands[0].argv[:3] == ("npm", "install", "-g")
            checked += 1
            continue
        if step.id == "npm-prefix":
            assert "npm config set prefix" in guide_text
            continue
        method = catalog.prerequisite(step.id).method(
            plan.system, (plan.manager or "", "script", "system")
        )
        assert method is not None
        if method.source != "guide":
            assert method.note, f"{step.id} on {name} is the product's own choice: say why"
            continue
        for command, source in zip(step.commands, method.commands, strict=True):
            if not source.guide:
                continue
            assert source.guide in guide or f"`{source.guide}`" in guide_text, source.guide
            if "|" in source.guide and "irm" not in source.guide:
                url = re.search(r"https://\S+", source.guide).group(0)
                url = url.replace("setup_20.x", "setup_{node_major}.x")
                assert url in source.argv, (url, source.argv)
            else:
                assert command.full_argv == tuple(
                    a.replace("{user}", "ada") for a in source.full_argv
                )
                argv = [a.replace("{user}", "$USER") for a in source.full_argv]
                assert _as_guide_writes(argv, source.admin, plan.system) == source.guide
            checked += 1
    assert checked >= 5


def test_windows_plan_uses_winget_and_plans_wsl_with_a_restart():
    # C16: virtualization missing is a prerequisite step that needs admin and a restart.
    plan = golden_plan("windows-winget")
    ids = [s.id for s in plan.steps]
    assert ids == [
        "git",
        "node",
        "npm-prefix",
        "npm:claude-code",
        "npm:gemini-cli",
        "npm:codex-cli",
        "uv",
        "wsl",
        "docker",
    ]
    assert plan.step("git").argv[:3] == ("winget", "install", "Git.Git")
    wsl = plan.step("wsl")
    assert wsl.admin and wsl.reboot and not wsl.skip
    assert "Virtual Machine Platform" in wsl.note
    assert plan.step("docker").needs == ("wsl",)
    assert not plan.step("node").admin  # winget is not elevated; its installers ask
    assert plan.npm_prefix == r"C:\Users\ada\AppData\Roaming\npm"
    assert plan.step("npm-prefix").skip  # the user's own folder needs no set-up


def test_npm_clis_come_after_git_and_node_and_depend_on_node():
    for name in HOSTS:
        plan = golden_plan(name)
        ids = [s.id for s in plan.steps]
        first_cli = ids.index("npm:claude-code")
        assert ids.index("git") < first_cli and ids.index("node") < first_cli
        assert "node" in plan.step("npm:gemini-cli").needs


def test_homebrew_is_never_run_as_admin():
    plan = golden_plan("macos-brew")
    brew = [c for s in plan.steps for c in s.commands if c.argv[0] == "brew"]
    assert brew and not any(c.admin for c in brew)


def test_linux_docker_adds_the_group_with_a_relogin():
    plan = golden_plan("ubuntu-apt")
    group = plan.step("docker-group")
    assert group.commands[0].full_argv == ("usermod", "-aG", "docker", "ada")
    assert group.admin and group.relogin
    assert group.needs == ("docker",)


def test_permission_denied_docker_plans_only_the_group_change():
    # C15: the daemon runs, the user lacks access.
    detection = bare(UBUNTU, docker="permission-denied")
    plan = build_plan(default_catalog(), UBUNTU, detection, Choices((), container_runtime="docker"))
    assert plan.step("docker").skip
    assert not plan.step("docker-group").skip
    assert "log out" in plan.step("docker-group").note


def test_unwritable_global_prefix_plans_a_user_prefix_and_never_sudo_npm():
    # C06: the global prefix belongs to root.
    node = NodeFinding(
        "Node.js", True, "22.11.0", npm_version="10.9.0", npm_prefix="/usr", prefix_writable=False
    )
    plan = build_plan(default_catalog(), UBUNTU, bare(UBUNTU, node), Choices(ALL_TOOLS))
    step = plan.step("npm-prefix")
    assert step.commands[0].full_argv == ("npm", "config", "set", "prefix", "/home/ada/.npm-global")
    assert not step.admin and not step.skip
    assert plan.npm_prefix == "/home/ada/.npm-global"
    for s in plan.steps:
        for c in s.commands:
            assert "sudo" not in c.full_argv
            if c.argv[0] == "npm":
                assert not c.admin
    assert plan.step("npm:codex-cli").needs == ("npm-prefix",)
    assert "/home/ada/.npm-global" in plan.step("npm:codex-cli").argv


@pytest.mark.parametrize("found", ["12.22.9", "18.19.1"])
def test_old_node_plans_the_upgrade_before_the_clis(found):
    # C07, with a way to upgrade: the upgrade is planned and the CLIs wait for it.
    node = NodeFinding("Node.js", True, found, npm_version="8.5.1", npm_prefix="/usr")
    plan = build_plan(default_catalog(), MACOS, bare(MACOS, node), Choices(ALL_TOOLS))
    upgrade = plan.step("node")
    assert upgrade.commands[0].full_argv == ("brew", "upgrade", "node")
    assert f"Node >= 20 needed, found {found}." in upgrade.note
    assert not plan.step("npm:gemini-cli").blocked
    assert "node" in plan.step("npm:gemini-cli").needs
    assert plan.step("npm:gemini-cli").node_min == "20"


def test_old_node_without_a_way_to_upgrade_blocks_the_clis():
    # C07, no package manager the catalog knows: blocked with the versions named.
    alpine = Host(system="linux", env={"PATH": "/usr/bin"}, os_release={"ID": "alpine"})
    node = NodeFinding("Node.js", True, "12.22.9", npm_version="6.14.4", npm_prefix="/usr")
    plan = build_plan(default_catalog(), alpine, bare(alpine, node), Choices(("gemini-cli",)))
    assert plan.step("npm:gemini-cli").blocked.startswith("Node >= 20 needed, found 12.22.9.")
    assert not plan.runnable or plan.step("node").blocked


def test_installed_tools_are_skipped_and_older_ones_upgraded():
    node = NodeFinding(
        "Node.js", True, "22.11.0", npm_version="10.9.0", npm_prefix="/p", prefix_writable=True
    )
    detection = bare(
        UBUNTU,
        node,
        **{
            "gemini-cli": Finding("Gemini CLI", True, "0.24.0", "/p/bin/gemini"),
            "codex-cli": Finding("Codex CLI", True, "0.80.0", "/p/bin/codex"),
        },
    )
    choices = Choices(ALL_TOOLS, latest={"gemini-cli": "0.24.0", "codex-cli": "0.87.0"})
    plan = build_plan(default_catalog(), UBUNTU, detection, choices)
    assert plan.step("npm:gemini-cli").skip == "Gemini CLI 0.24.0 is already installed."
    codex = plan.step("npm:codex-cli")
    assert codex.title == "Upgrade Codex CLI" and codex.argv[-1] == "@openai/codex@latest"
    assert plan.step("node").skip and plan.step("git").skip is not None
    assert not plan.step("npm:claude-code").skip


def test_the_text_plan_shows_commands_marks_and_skips():
    text = "\n".join(render_plan(golden_plan("ubuntu-apt"), "Ubuntu 24.04.1 LTS"))
    assert "Plan for Ubuntu 24.04.1 LTS with apt" in text
    assert "$ apt-get install -y nodejs (admin)" in text
    assert "[admin] [re-login]" in text
    assert "setup_22.x" in text  # the newest Claude Code needs Node 22; the guide's 20 is stale
    assert re.search(r"About \d+ MB to download\.", text)
    for line in text.splitlines():
        if line.strip().startswith("$ "):
            shlex.split(line.strip()[2:].removesuffix(" (admin)"))  # shown quoted, parseable


def test_wsl_finding_reads_the_known_failures():
    assert not wsl_finding("HCS_E_HYPERV_NOT_INSTALLED", ok=False).present
    off = wsl_finding("Please enable the Virtual Machine Platform Windows feature", ok=False)
    assert "restart" in off.summary
    utf16ish = "W\x00S\x00L\x00 \x00i\x00s\x00 \x00n\x00o\x00t\x00 \x00i\x00n\x00s\x00t\x00a\x00l\x00l\x00e\x00d"
    assert wsl_finding(utf16ish + " is not installed", ok=False).summary == "WSL is not installed."
    assert wsl_finding("Default Version: 2", ok=True).present
