"""The planner on hand-built machines: golden plans per system, checked against the guide."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shlex
from pathlib import Path

import pytest

from app.core.catalog import default_catalog
from app.core.detect import (
    Detection,
    DockerFinding,
    Finding,
    GpuFinding,
    NodeFinding,
    ReachFinding,
)
from app.core.detect.model import ToolFinding
from app.core.engines import PinnedRelease
from app.core.guide import Form, command_form, guide_path, read_guide
from app.core.host import Host
from app.core.planner import (
    Choices,
    Command,
    build_plan,
    registry_warning,
    render_plan,
    shared_npm_calls,
    wsl_finding,
)

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
ALL_TOOLS = ("claude-code", "gemini-cli", "codex-cli")

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
    executables=frozenset(),  # a described machine: paths are spelt the Windows way
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


def _as_guide_form(command: Command, home: str) -> Form | None:
    """A plan command read the way the guide would write it: sudo, ~, $USER, no --prefix."""
    argv = ["$USER" if a == "ada" else a.replace(home, "~") for a in command.argv]
    if "--prefix" in argv:
        at = argv.index("--prefix")
        del argv[at : at + 2]
    return command_form(("sudo " if command.admin else "") + shlex.join(argv))


@pytest.mark.parametrize("name", sorted(HOSTS))
def test_golden_plan_commands_are_the_guides(name):
    """Every command of a step from the guide is the guide's own, under the heading it cites.

    The guide's sudo is an admin command; its `curl URL | sh` is a download, then a run
    of the file; a step the guide lacks says why in its note.
    """
    plan = golden_plan(name)
    catalog = default_catalog()
    guide = read_guide(guide_path().read_text(encoding="utf-8"))
    checked = 0
    for step in plan.steps:
        method = catalog.step(step.id)
        if not method.guide:
            assert method.note, f"{step.id} on {name} is the product's own choice: say why"
            continue
        under = [command_form(c.text) for c in guide.commands if method.guide in c.headings]
        commands = list(step.commands)
        while commands:
            command = commands.pop(0)
            if command.argv[0] == "curl":
                run = commands.pop(0)
                assert run.argv[-1] == command.argv[3]  # runs the very file it downloaded
                # The guide's setup_20.x is stale: the plan asks for the Node the tools need.
                url = re.sub(r"setup_\d+\.x", "setup_20.x", command.argv[-1])
                form = Form("script", (url, run.argv[0]), admin=run.admin)
            else:
                form = _as_guide_form(command, HOSTS[name].home)
            assert form in under, f"{step.id}: {command.argv} is not the guide's {method.guide!r}"
            checked += 1
    assert checked >= 5


def item_step(plan, item_id):
    """The plan's step for a catalog item (its step ids are the catalog's, `item.method`)."""
    return next(s for s in plan.steps if s.id.split(".")[0] == item_id)


def test_windows_plan_uses_winget_and_plans_wsl_with_a_restart():
    # C16: virtualization missing is a prerequisite step that needs admin and a restart.
    plan = golden_plan("windows-winget")
    ids = [s.id for s in plan.steps]
    assert ids == [
        "git.winget",
        "node.winget",
        "node.user-prefix",
        "claude-code.npm",
        "gemini-cli.npm",
        "codex-cli.npm",
        "uv.script-windows",
        "wsl.install",
        "docker-desktop.winget",
    ]
    assert plan.step("git.winget").argv[:4] == ("winget", "install", "--id", "Git.Git")
    wsl = plan.step("wsl.install")
    assert wsl.admin and wsl.reboot and not wsl.skip
    assert "Virtual Machine Platform" in wsl.note
    assert plan.step("docker-desktop.winget").needs == ("wsl.install",)
    assert not plan.step("node.winget").admin  # winget is not elevated; its installers ask
    assert plan.npm_prefix == r"C:\Users\ada\AppData\Roaming\npm"
    assert plan.step("node.user-prefix").skip  # the user's own folder needs no set-up
    uv = plan.step("uv.script-windows")  # the guide's `irm ... | iex`, never a shell string
    assert uv.commands[0].argv[:3] == ("curl", "-fsSL", "-o")
    assert uv.commands[1].argv[-2:] == ("-File", uv.commands[0].argv[3])


def test_npm_clis_come_after_git_and_node_and_depend_on_node():
    for name in HOSTS:
        plan = golden_plan(name)
        ids = [s.id for s in plan.steps]
        first_cli = ids.index("claude-code.npm")
        git, node = item_step(plan, "git"), item_step(plan, "node")
        assert ids.index(git.id) < first_cli and ids.index(node.id) < first_cli
        assert node.id in plan.step("gemini-cli.npm").needs


def test_homebrew_is_never_run_as_admin():
    plan = golden_plan("macos-brew")
    brew = [c for s in plan.steps for c in s.commands if c.argv[0] == "brew"]
    assert brew and not any(c.admin for c in brew)


def test_linux_docker_adds_the_group_with_a_relogin():
    plan = golden_plan("ubuntu-apt")
    docker = plan.step("docker-engine.apt")  # the guide's block: update, install, group
    assert docker.commands[-1].argv == ("usermod", "-aG", "docker", "ada")
    assert docker.admin and docker.relogin
    assert [c.argv[0] for c in docker.commands] == ["apt-get", "apt-get", "usermod"]


def test_permission_denied_docker_plans_only_the_group_change():
    # C15: the daemon runs, the user lacks access.
    detection = bare(UBUNTU, docker="permission-denied")
    plan = build_plan(default_catalog(), UBUNTU, detection, Choices((), container_runtime="docker"))
    assert plan.step("docker-engine.apt").skip
    group = plan.step("docker-engine.group")
    assert not group.skip and group.relogin and group.admin
    assert group.commands[0].argv == ("usermod", "-aG", "docker", "ada")
    assert "log out" in group.note


def test_installed_podman_is_skipped_and_a_missing_one_planned():
    from app.core.detect import PodmanFinding

    choices = Choices((), container_runtime="podman")
    plan = build_plan(default_catalog(), FEDORA, bare(FEDORA), choices)
    assert plan.step("podman.dnf").commands[0].argv[:3] == ("dnf", "install", "-y")
    found = PodmanFinding("Podman", True, "5.2.1", "/usr/bin/podman", "Podman 5.2.1 works")
    installed = dataclasses.replace(bare(FEDORA), podman=found)
    plan = build_plan(default_catalog(), FEDORA, installed, choices)
    assert plan.step("podman.dnf").skip == "Podman 5.2.1 works."


def test_running_docker_plans_nothing_more():
    detection = bare(UBUNTU, docker="running")
    plan = build_plan(default_catalog(), UBUNTU, detection, Choices((), container_runtime="docker"))
    assert all(s.skip for s in plan.steps)


def test_unwritable_global_prefix_plans_a_user_prefix_and_never_sudo_npm():
    # C06: the global prefix belongs to root.
    node = NodeFinding(
        "Node.js", True, "22.11.0", npm_version="10.9.0", npm_prefix="/usr", prefix_writable=False
    )
    plan = build_plan(default_catalog(), UBUNTU, bare(UBUNTU, node), Choices(ALL_TOOLS))
    step = plan.step("node.user-prefix")
    assert step.commands[0].argv == ("npm", "config", "set", "prefix", "/home/ada/.npm-global")
    assert not step.admin and not step.skip
    assert plan.npm_prefix == "/home/ada/.npm-global"
    for s in plan.steps:
        for c in s.commands:
            assert "sudo" not in c.argv
            if c.argv[0] == "npm":
                assert not c.admin
    assert step.path_dirs == ("/home/ada/.npm-global/bin",)  # on PATH for later steps
    assert plan.step("codex-cli.npm").needs == ("node.user-prefix",)
    assert "/home/ada/.npm-global" in plan.step("codex-cli.npm").argv


def test_a_chosen_prefix_the_user_cannot_write_blocks_the_npm_steps_with_a_way_forward():
    # C06, with the folder chosen by hand: never sudo npm, say which folder to use instead.
    node = NodeFinding(
        "Node.js", True, "22.11.0", npm_version="10.9.0", npm_prefix="/usr", prefix_writable=False
    )
    choices = Choices(ALL_TOOLS, npm_prefix="/opt/shared", npm_prefix_writable=False)
    plan = build_plan(default_catalog(), UBUNTU, bare(UBUNTU, node), choices)
    for tool_id in ALL_TOOLS:
        blocked = plan.step(f"{tool_id}.npm").blocked
        assert "npm cannot install into /opt/shared: writing there needs admin rights." in blocked
        assert "/home/ada/.npm-global" in blocked
    assert not any(c.admin for s in plan.steps if s.tool_id for c in s.commands)


def test_a_registry_that_did_not_answer_is_said_before_the_npm_steps_wait_on_it():
    node = NodeFinding("Node.js", True, "22.11.0", npm_version="10.9.0", npm_prefix="/usr")
    detection = bare(UBUNTU, node)
    plan = build_plan(default_catalog(), UBUNTU, detection, Choices(ALL_TOOLS, "/home/ada/npm"))
    url = "https://registry.example.corp/npm/"

    def reach(**fields) -> Detection:
        finding = ReachFinding("npm registry", False, summary="not reachable", url=url)
        return dataclasses.replace(
            detection, reach={"npm-registry": dataclasses.replace(finding, **fields)}
        )

    refused = reach(present=False, summary="npm registry not reachable: connection refused")
    warning = registry_warning(plan, refused)
    assert warning.startswith(f"The npm registry {url} did not answer (connection refused)")
    assert "proxy of its own (.npmrc)" in warning  # a warning, not a block: npm may know better
    assert all(not s.blocked for s in plan.steps)
    # No claim without an answer either way, when it answered, or with no npm step to run.
    assert registry_warning(plan, reach(present=False, checked=False)) == ""
    assert registry_warning(plan, reach(present=True, summary="npm registry reachable")) == ""
    assert registry_warning(plan, detection) == ""
    nothing_to_fetch = dataclasses.replace(
        plan, steps=tuple(dataclasses.replace(s, skip="there") for s in plan.steps)
    )
    assert registry_warning(nothing_to_fetch, refused) == ""


def test_the_plan_says_which_npm_steps_share_one_npm_call_and_shows_it():
    # The install makes one call for consecutive npm steps: the plan must not claim three.
    node = NodeFinding("Node.js", True, "22.11.0", npm_version="10.9.0", npm_prefix="/usr")
    plan = build_plan(default_catalog(), UBUNTU, bare(UBUNTU, node), Choices(ALL_TOOLS, "/p"))
    [shared] = shared_npm_calls(plan)
    assert [s.tool_id for s in shared] == list(ALL_TOOLS)
    call = "npm install -g --prefix /p @anthropic-ai/claude-code @google/gemini-cli @openai/codex"
    text = "\n".join(render_plan(plan, "Ubuntu"))
    assert "Claude Code, Gemini CLI and Codex CLI are installed with one npm call" in text
    assert f"      $ {call}\n" in text
    # A step that cannot run, or is done, is not in the shared call.
    gemini = plan.step("gemini-cli.npm")
    for change in ({"skip": "there"}, {"blocked": "no"}):
        steps = tuple(dataclasses.replace(s, **change) if s is gemini else s for s in plan.steps)
        assert shared_npm_calls(dataclasses.replace(plan, steps=steps)) == []
    alone = build_plan(default_catalog(), UBUNTU, bare(UBUNTU, node), Choices(ALL_TOOLS[:1], "/p"))
    assert shared_npm_calls(alone) == [] and "one npm call" not in "\n".join(render_plan(alone))


@pytest.mark.parametrize("found", ["12.22.9", "18.19.1"])
def test_old_node_plans_the_upgrade_before_the_clis(found):
    # C07, with a way to upgrade: the upgrade is planned and the CLIs wait for it.
    node = NodeFinding("Node.js", True, found, npm_version="8.5.1", npm_prefix="/usr")
    plan = build_plan(default_catalog(), MACOS, bare(MACOS, node), Choices(ALL_TOOLS))
    upgrade = plan.step("node.brew")
    assert upgrade.commands[0].argv == ("brew", "upgrade", "node")
    assert f"Node >= 20 needed, found {found}." in upgrade.note
    assert not plan.step("gemini-cli.npm").blocked
    assert "node.brew" in plan.step("gemini-cli.npm").needs
    assert plan.step("gemini-cli.npm").node_min == "20"


def test_old_node_without_a_way_to_upgrade_blocks_the_clis():
    # C07, no package manager the catalog knows: blocked with the versions named.
    alpine = Host(system="linux", env={"PATH": "/usr/bin"}, os_release={"ID": "alpine"})
    node = NodeFinding("Node.js", True, "12.22.9", npm_version="6.14.4", npm_prefix="/usr")
    plan = build_plan(default_catalog(), alpine, bare(alpine, node), Choices(("gemini-cli",)))
    assert plan.step("gemini-cli.npm").blocked.startswith("Node >= 20 needed, found 12.22.9.")
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
    assert plan.step("gemini-cli.npm").skip == "Gemini CLI 0.24.0 is already installed."
    codex = plan.step("codex-cli.npm")
    assert codex.title == "Upgrade Codex CLI" and codex.argv[-1] == "@openai/codex@latest"
    assert plan.step("node.nodesource").skip and plan.step("git.apt").skip is not None
    assert not plan.step("claude-code.npm").skip
    assert not plan.step("claude-code.npm").node_min  # Node.js is not touched: no re-check


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


def test_a_timed_out_git_or_node_check_is_never_installed_blind():
    """Seen when a busy machine's probes crashed: the plan ran apt-get and NodeSource as admin."""
    from app.core.detect import Evidence

    timeout = (Evidence(("node", "--version"), None, "no answer within 20 s", "timeout"),)
    node = NodeFinding("Node.js", False, summary="Node.js: timed out after 20 s", evidence=timeout)
    crash = (Evidence(("(probe)", "git"), None, "NameError: boom", "error"),)
    detection = dataclasses.replace(
        bare(UBUNTU, node), git=Finding("git", False, summary="git: crashed", evidence=crash)
    )
    plan = build_plan(default_catalog(), UBUNTU, detection, Choices(("gemini-cli",), "/p"))
    steps = {step.id.split(".")[0]: step for step in plan.steps if step.id != "node.user-prefix"}
    assert "Could not tell whether git is installed" in steps["git"].skip
    assert "Could not tell whether Node.js is installed" in steps["node"].skip
    # The CLI step still checks Node itself before npm runs.
    assert steps["gemini-cli"].node_min == "20" and not steps["gemini-cli"].skip
    # A plainly absent git and Node are planned as before.
    plain = build_plan(default_catalog(), UBUNTU, bare(UBUNTU), Choices(("gemini-cli",), "/p"))
    blind = [s for s in plain.steps if s.id.startswith(("git", "node.")) and s.skip]
    assert [s.id for s in blind] == ["node.user-prefix"]  # skipped only because "/p" was given


def test_c01_a_writable_prefix_off_path_gets_a_step_that_puts_it_on_path():
    node = NodeFinding(
        "Node.js",
        True,
        "22.11.0",
        npm_version="10.9.0",
        npm_prefix="/opt/npm",
        prefix_writable=True,
    )
    plan = build_plan(default_catalog(), UBUNTU, bare(UBUNTU, node), Choices(ALL_TOOLS))
    step = plan.step("node.prefix-path")
    assert step.path_dirs == ("/opt/npm/bin",) and step.commands == ()
    assert not step.skip and not step.admin and step.refresh_path
    on_path = dataclasses.replace(UBUNTU, env={"PATH": "/opt/npm/bin:/usr/bin", "USER": "ada"})
    plan = build_plan(default_catalog(), on_path, bare(on_path, node), Choices(ALL_TOOLS))
    assert "node.prefix-path" not in [s.id for s in plan.steps]


def test_no_path_step_for_a_folder_nothing_will_be_in():
    # Every CLI is installed elsewhere and on PATH: nothing lands in /opt/npm/bin.
    node = NodeFinding(
        "Node.js",
        True,
        "22.11.0",
        npm_version="10.9.0",
        npm_prefix="/opt/npm",
        prefix_writable=True,
    )
    found = {t: Finding(t, True, "9.9.9", f"/usr/local/bin/{t.split('-')[0]}") for t in ALL_TOOLS}
    plan = build_plan(default_catalog(), UBUNTU, bare(UBUNTU, node, **found), Choices(ALL_TOOLS))
    assert "node.prefix-path" not in [s.id for s in plan.steps]
    # C01: one of them is in /opt/npm/bin already, off PATH: the folder still goes on PATH.
    found["gemini-cli"] = Finding("gemini-cli", True, "9.9.9", "/opt/npm/bin/gemini")
    plan = build_plan(default_catalog(), UBUNTU, bare(UBUNTU, node, **found), Choices(ALL_TOOLS))
    assert plan.step("node.prefix-path").path_dirs == ("/opt/npm/bin",)


def test_c02_windows_npm_folder_off_path_is_put_on_the_user_path():
    node = NodeFinding("Node.js", True, "22.11.0", npm_version="10.9.0")
    plan = build_plan(default_catalog(), WINDOWS, bare(WINDOWS, node), Choices(ALL_TOOLS))
    assert plan.step("node.prefix-path").path_dirs == (r"C:\Users\ada\AppData\Roaming\npm",)
    listed = dataclasses.replace(
        WINDOWS, env={**WINDOWS.env, "Path": r"C:\Windows;C:\Users\ada\AppData\Roaming\npm\\"}
    )
    plan = build_plan(default_catalog(), listed, bare(listed, node), Choices(ALL_TOOLS))
    assert "node.prefix-path" not in [s.id for s in plan.steps]


# --- C07 for pinned releases and installed ones a newer Node.js would make work ----

NODE_20 = NodeFinding(
    "Node.js", True, "20.20.2", npm_version="10.8.2", npm_prefix="/usr", prefix_writable=False
)
CLAUDE_PIN = PinnedRelease("2.1.332", node="22.0.0")  # its engines.node is ">=22.0.0"


def test_a_pinned_release_that_needs_a_newer_node_plans_the_upgrade_first():
    choices = Choices(("claude-code",), "/home/ada/npm", pins={"claude-code": CLAUDE_PIN})
    plan = build_plan(default_catalog(), UBUNTU, bare(UBUNTU, NODE_20), choices)
    upgrade = plan.step("node.nodesource")
    assert not upgrade.skip and not upgrade.blocked
    assert upgrade.title == "Upgrade Node.js 20.20.2 to 22.0.0 or newer"
    assert "Node >= 22.0.0 needed by Claude Code 2.1.332, found 20.20.2." in upgrade.note
    assert upgrade.commands[0].argv[-1] == "https://deb.nodesource.com/setup_22.x"
    claude = plan.step("claude-code.npm")
    assert claude.argv[-1] == "@anthropic-ai/claude-code@2.1.332"
    assert claude.needs == ("node.nodesource",) and claude.node_min == "22.0.0"
    assert "newest release that supports it" not in claude.note
    assert claude.note == "Claude Code 2.1.332, as the profile pins it, needs Node >= 22.0.0."


def test_a_pinned_release_whose_node_need_is_unknown_says_so_and_claims_nothing():
    pin = PinnedRelease("2.1.332", unknown="`npm view` could not tell: the registry is offline")
    choices = Choices(("claude-code",), "/home/ada/npm", pins={"claude-code": pin})
    plan = build_plan(default_catalog(), UBUNTU, bare(UBUNTU, NODE_20), choices)
    assert plan.step("node.nodesource").skip  # nothing known to upgrade for
    note = plan.step("claude-code.npm").note
    assert "newest release that supports it" not in note
    assert "which Node.js it needs is not known (`npm view` could not tell" in note
    assert "EBADENGINE" in note


def test_a_pinned_release_on_a_node_that_cannot_be_upgraded_here_is_blocked_with_the_need():
    alpine = Host(system="linux", env={"PATH": "/usr/bin"}, os_release={"ID": "alpine"})
    choices = Choices(("claude-code",), "/home/ada/npm", pins={"claude-code": CLAUDE_PIN})
    plan = build_plan(default_catalog(), alpine, bare(alpine, NODE_20), choices)
    blocked = plan.step("claude-code.npm").blocked
    assert blocked.startswith("Node >= 22.0.0 needed by Claude Code 2.1.332, found 20.20.2.")
    assert "install it yourself" in blocked


def test_a_pinned_release_this_node_runs_plans_no_upgrade_and_no_note():
    old = PinnedRelease("2.1.197", node="18.0.0")
    choices = Choices(("claude-code",), "/home/ada/npm", pins={"claude-code": old})
    plan = build_plan(default_catalog(), UBUNTU, bare(UBUNTU, NODE_20), choices)
    assert plan.step("node.nodesource").skip == (
        "Node.js 20.20.2 is already installed (>= 18.0.0 needed)."
    )
    claude = plan.step("claude-code.npm")
    assert claude.argv[-1] == "@anthropic-ai/claude-code@2.1.197" and claude.note == ""


def test_an_installed_tool_that_needs_a_newer_node_is_not_already_installed():
    # C07/C08 after an install: `claude --version` answers on Node 20, but its package
    # declares >=22. `verify` says "needs a newer Node.js"; the plan must fix that.
    claude = ToolFinding(
        "Claude Code", True, "2.1.332", "/home/ada/npm/bin/claude", node_needed="22.0.0"
    )
    detection = bare(UBUNTU, NODE_20, **{"claude-code": claude})
    for choices in (
        Choices(("claude-code",), "/home/ada/npm"),
        Choices(("claude-code",), "/home/ada/npm", pins={"claude-code": CLAUDE_PIN}),
    ):
        plan = build_plan(default_catalog(), UBUNTU, detection, choices)
        assert not plan.step("node.nodesource").skip
        step = plan.step("claude-code.npm")
        assert not step.skip and step.needs == ("node.nodesource",)
        assert "2.1.332 is installed but needs Node.js 22.0.0 or newer" in step.note
        assert "newest release that supports it" not in step.note


def test_an_installed_tool_that_runs_on_this_node_is_still_skipped():
    claude = ToolFinding(
        "Claude Code", True, "2.1.197", "/home/ada/npm/bin/claude", node_needed="18.0.0"
    )
    plan = build_plan(
        default_catalog(),
        UBUNTU,
        bare(UBUNTU, NODE_20, **{"claude-code": claude}),
        Choices(("claude-code",), "/home/ada/npm"),
    )
    assert plan.step("claude-code.npm").skip == "Claude Code 2.1.197 is already installed."
    assert plan.step("node.nodesource").skip
