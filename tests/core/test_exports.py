"""Exports: each file is valid for its tool and carries hostile values as plain data."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.catalog import default_catalog
from app.core.exports import (
    FORMATS,
    export_plan,
    ps_quote,
    to_ansible,
    to_brewfile,
    to_powershell,
    to_shell,
    to_winget,
)
from app.core.planner import Command, Plan, Step

yaml = pytest.importorskip("yaml", reason="PyYAML (the test extra) reads the YAML exports")

CATALOG = default_catalog()

# Values a profile could never carry, but an export must survive anyway.
HOSTILE = (
    "it's",
    'say "hi"',
    "$(touch PWNED)",
    "`touch PWNED`",
    "a; touch PWNED",
    "x && touch PWNED",
    "{{ lookup('pipe', 'touch PWNED') }}",
    "$env:PWNED",
    "\u2019; touch PWNED; \u2018",
    "back\\slash",
    "*",
    "~",
    "two\nlines",
    "#{`touch PWNED`}",
)
HOSTILE_ENV = ("AI_CLI_SETUP_HOSTILE", "$(touch PWNED)'\"`{{ 1 + 1 }}")


def one_command_step(
    id: str, title: str, argv: tuple[str, ...], tool_id: str | None = None, **fields
) -> Step:
    return Step(id, title, commands=(Command(tuple(argv)),), tool_id=tool_id, **fields)


def hostile_plan(prefix: str) -> Plan:
    return Plan(
        (
            one_command_step(
                "npm:gemini-cli",
                "Install Gemini CLI it's $(touch PWNED) {{ 7 * 7 }}",
                ("npm", "install", "-g", "--prefix", prefix, *HOSTILE, "@google/gemini-cli"),
                tool_id="gemini-cli",
                env=(("npm_config_fund", "false"), HOSTILE_ENV),
                note="a note\nwith `touch PWNED` on a second line",
            ),
            one_command_step(
                "npm:codex-cli",
                "Install Codex CLI",
                ("npm", "install", "-g", "--prefix", prefix, "@openai/codex"),
                tool_id="codex-cli",
                blocked="Node >= 99 needed\nrm -rf ~",
            ),
        ),
        prefix,
    )


def script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def fake_npm(tmp_path):
    """An npm that records what it was given and writes a `gemini` shim, like the real one."""
    bindir = tmp_path / "fakebin"
    record = tmp_path / "record.json"
    script(
        bindir / "npm",
        "import json, os, sys\n"
        "args = sys.argv[1:]\n"
        "prefix = args[args.index('--prefix') + 1]\n"
        f"json.dump({{'argv': args, 'env': os.environ.get({HOSTILE_ENV[0]!r})}},"
        f" open({str(record)!r}, 'w'))\n"
        "os.makedirs(os.path.join(prefix, 'bin'), exist_ok=True)\n"
        "shim = os.path.join(prefix, 'bin', 'gemini')\n"
        f"open(shim, 'w').write('#!{sys.executable}\\nprint(\"0.61.0\")\\n')\n"
        "os.chmod(shim, 0o755)\n",
    )
    return bindir, record


def assert_nothing_injected(tmp_path: Path) -> None:
    assert not list(tmp_path.rglob("PWNED")), "a hostile value ran as a command"


def assert_received_exactly(record: Path, plan: Plan) -> None:
    received = json.loads(record.read_text())
    assert received["argv"] == list(plan.steps[0].argv[1:])
    assert received["env"] == HOSTILE_ENV[1]


def test_every_format_has_an_exporter():
    plan = hostile_plan("/tmp/p")
    for fmt in FORMATS:
        assert export_plan(plan, CATALOG, fmt).endswith("\n")
    with pytest.raises(ValueError, match="unknown export format"):
        export_plan(plan, CATALOG, "makefile")


# --- POSIX shell -----------------------------------------------------------


def test_shell_script_passes_shellcheck(tmp_path):
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed (.ci/run installs it with apt-get)")
    path = tmp_path / "plan.sh"
    path.write_text(to_shell(hostile_plan(str(tmp_path / "pre fix'")), CATALOG))
    result = subprocess.run(["shellcheck", "-s", "sh", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_shell_script_runs_with_hostile_values_as_plain_data(tmp_path, fake_npm):
    bindir, record = fake_npm
    plan = hostile_plan(str(tmp_path / "pre fix'$(touch PWNED)"))
    path = tmp_path / "plan.sh"
    path.write_text(to_shell(plan, CATALOG))
    env = {"PATH": f"{bindir}:/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        ["/bin/sh", str(path)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "Gemini CLI: 0.61.0" in result.stdout
    assert "Codex" not in result.stdout  # the blocked step is a comment only
    assert_received_exactly(record, plan)
    assert_nothing_injected(tmp_path)


def path_step_plan(folder: Path) -> Plan:
    """Put a folder on PATH (a step the wizard does itself), then run a command from it."""
    return Plan(
        (
            Step("node.prefix-path", f"Put {folder} on PATH", path_dirs=(str(folder),)),
            one_command_step("run", "Run gemini", ("gemini", "--version")),
        ),
        str(folder.parent),
    )


def test_shell_script_puts_the_folder_on_path_for_its_later_steps(tmp_path):
    folder = tmp_path / "pre fix'$(touch PWNED)" / "bin"
    script(folder / "gemini", "print('0.61.0 from the folder')\n")
    path = tmp_path / "plan.sh"
    text = to_shell(path_step_plan(folder), CATALOG)
    path.write_text(text)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        ["/bin/sh", str(path)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "0.61.0 from the folder" in result.stdout
    assert "add this line to ~/.profile: export PATH=" in text
    assert_nothing_injected(tmp_path)
    if shutil.which("shellcheck"):
        checked = subprocess.run(["shellcheck", "-s", "sh", str(path)], capture_output=True)
        assert checked.returncode == 0, checked.stdout


def test_powershell_script_puts_the_folder_on_path_with_the_systems_separator():
    text = to_powershell(path_step_plan(Path("/home/ada/.npm-global/bin")), CATALOG)
    set_path = "$env:Path = '/home/ada/.npm-global/bin' + [IO.Path]::PathSeparator + $env:Path"
    assert text.index(set_path) < text.index("Invoke-Step 'Run gemini' 'gemini'")


def test_shell_script_fails_when_the_pinned_version_is_not_the_one_installed(tmp_path, fake_npm):
    bindir, _ = fake_npm
    prefix = str(tmp_path / "p")
    argv = ("npm", "install", "-g", "--prefix", prefix, "@google/gemini-cli@0.60.0")
    plan = Plan(
        (one_command_step("npm:gemini-cli", "Install Gemini CLI", argv, "gemini-cli"),), prefix
    )
    path = tmp_path / "plan.sh"
    path.write_text(to_shell(plan, CATALOG))
    env = {"PATH": f"{bindir}:/usr/bin:/bin"}
    result = subprocess.run(["/bin/sh", str(path)], env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert "Gemini CLI is not version 0.60.0" in result.stderr


# --- PowerShell ------------------------------------------------------------


def read_ps_single_quoted(text: str) -> list[str]:
    """Every single-quoted string in `text`, read as PowerShell reads it.

    The language specification (section 2.3.5.2) counts the typographic
    quotes U+2018..U+201B as single quotes; two in a row are one literal quote.
    """
    quotes = "'\u2018\u2019\u201a\u201b"
    strings, i = [], 0
    while i < len(text):
        if text[i] in quotes:
            value, i = [], i + 1
            while True:
                if text[i] in quotes:
                    if i + 1 < len(text) and text[i + 1] in quotes:
                        value.append(text[i])
                        i += 2
                        continue
                    break
                value.append(text[i])
                i += 1
            strings.append("".join(value))
        i += 1
    return strings


def test_powershell_quoting_doubles_every_kind_of_single_quote():
    assert ps_quote("it's") == "'it''s'"
    assert ps_quote("\u2019x\u2018") == "'\u2019\u2019x\u2018\u2018'"
    for value in HOSTILE:
        assert read_ps_single_quoted(ps_quote(value)) == [value]


def test_powershell_script_passes_every_value_as_one_literal_argument(tmp_path):
    plan = hostile_plan(str(tmp_path / "pre fix'"))
    text = to_powershell(plan, CATALOG)
    step = plan.steps[0]
    start = text.index("Invoke-Step 'Install")
    call = text[start : text.index("| Write-Host", start)]
    assert read_ps_single_quoted(call) == [step.title, *step.argv]
    env_line = next(line for line in text.splitlines() if line.startswith("$env:AI_CLI"))
    assert read_ps_single_quoted(env_line) == [HOSTILE_ENV[1]]
    # Outside quotes nothing but the script's own code remains.
    code = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    assert "PWNED" not in _outside_quotes(code)
    assert "Codex CLI" not in "\n".join(
        line for line in text.splitlines() if not line.startswith("#")
    )


def _outside_quotes(line: str) -> str:
    out, inside, i = [], False, 0
    quotes = "'\u2018\u2019\u201a\u201b"
    while i < len(line):
        ch = line[i]
        if ch in quotes:
            if inside and i + 1 < len(line) and line[i + 1] in quotes:
                i += 2
                continue
            inside = not inside
        elif not inside:
            out.append(ch)
        i += 1
    return "".join(out)


def test_powershell_script_parses_with_the_real_parser(tmp_path):
    pwsh = shutil.which("pwsh")
    if pwsh is None:
        pytest.skip(
            "PowerShell is not installed: it is not in Debian's packages and its own "
            "repository is not reachable from this machine"
        )
    path = tmp_path / "plan.ps1"
    path.write_text(to_powershell(hostile_plan("C:\\pre fix'"), CATALOG), encoding="utf-8")
    check = (
        "$e = $null; [System.Management.Automation.Language.Parser]::ParseFile("
        f"{ps_quote(str(path))}, [ref]$null, [ref]$e) | Out-Null; exit $e.Count"
    )
    assert subprocess.run([pwsh, "-NoProfile", "-Command", check]).returncode == 0


# --- Brewfile --------------------------------------------------------------

BREW_DSL = """
require "json"
$entries = []
def tap(name, *args, **opts) = $entries << ["tap", name]
def brew(name, **opts) = $entries << ["brew", name]
def cask(name, **opts) = $entries << ["cask", name]
eval(File.read(ARGV[0]), binding, ARGV[0])
puts JSON.generate($entries)
"""


def test_brewfile_is_valid_ruby_with_the_guides_homebrew_names(tmp_path):
    prefix = str(tmp_path / "p")
    plan = Plan(
        (
            one_command_step(
                "a",
                "Install Claude Code `touch PWNED`",
                ("npm", "install", "@anthropic-ai/claude-code@2.1.197"),
                "claude-code",
            ),
            one_command_step(
                "b", "Install Gemini CLI", ("npm", "install", "@google/gemini-cli"), "gemini-cli"
            ),
            one_command_step(
                "c",
                "Install Codex CLI #{`touch PWNED`}",
                ("npm", "install", "@openai/codex"),
                "codex-cli",
            ),
            one_command_step("d", "Tune something\n`touch PWNED`", ("sysctl", "-w", "x=1")),
        ),
        prefix,
    )
    text = to_brewfile(plan, CATALOG)
    assert "the plan pins 2.1.197" in text
    assert "#   Tune something `touch PWNED`" in text
    if shutil.which("ruby") is None:
        pytest.skip("ruby is not installed (.ci/run installs it with apt-get)")
    path = tmp_path / "Brewfile"
    path.write_text(text)
    dsl = tmp_path / "dsl.rb"
    dsl.write_text(BREW_DSL)
    result = subprocess.run(
        ["ruby", str(dsl), str(path)], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        ["cask", "claude-code"],
        ["brew", "gemini-cli"],
        ["cask", "codex"],
    ]
    assert_nothing_injected(tmp_path)


# --- YAML ------------------------------------------------------------------


class AnsibleLoader(yaml.SafeLoader):
    """A safe loader that also reads Ansible's `!unsafe` tag, as plain text."""


AnsibleLoader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


def test_winget_configuration_is_valid_dsc_yaml():
    prefix = "C:\\Users\\pat\\npm it's"
    plan = hostile_plan(prefix)
    doc = yaml.safe_load(to_winget(plan, CATALOG))
    props = doc["properties"]
    assert props["configurationVersion"] == "0.2.0"
    resources = props["resources"]
    ids = [r["id"] for r in resources]
    assert len(ids) == len(set(ids))
    for res in resources:
        assert set(res) <= {"resource", "id", "dependsOn", "directives", "settings"}
        assert "/" in res["resource"]
        assert all(dep in ids for dep in res.get("dependsOn", []))
    node, gemini = resources  # the blocked Codex step is a comment only
    assert node["settings"] == {"id": "OpenJS.NodeJS.LTS", "source": "winget"}
    assert gemini["resource"] == "PSDscResources/Script"
    assert gemini["dependsOn"] == ["node"]
    set_script = gemini["settings"]["SetScript"]
    step = plan.steps[0]
    # The npm arguments reach PowerShell as single-quoted literals, exactly.
    assert read_ps_single_quoted(set_script)[-len(step.argv) : -1] == list(step.argv[1:])
    assert HOSTILE_ENV[1] in read_ps_single_quoted(set_script)
    assert "PWNED" not in _outside_quotes(set_script)
    assert "gemini.cmd" in gemini["settings"]["TestScript"]


def test_ansible_playbook_carries_argv_and_env_exactly():
    plan = hostile_plan("/tmp/pre fix'")
    play = yaml.load(to_ansible(plan, CATALOG), Loader=AnsibleLoader)
    assert play[0]["hosts"] == "all"
    tasks = play[0]["tasks"]
    install = tasks[0]
    assert install["ansible.builtin.command"]["argv"] == list(plan.steps[0].argv)
    assert install["environment"] == dict(plan.steps[0].env)
    verify = tasks[1]
    assert verify["ansible.builtin.command"]["argv"] == ["/tmp/pre fix'/bin/gemini", "--version"]
    assert all("Codex" not in t["name"] for t in tasks)


def _ansible_playbook() -> str | None:
    beside = Path(sys.executable).with_name("ansible-playbook")
    return str(beside) if beside.exists() else shutil.which("ansible-playbook")


def run_playbook(path: Path, tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    command = _ansible_playbook()
    if command is None:
        pytest.skip("ansible-core is not installed (it is in the `test` extra)")
    full_env = {
        **os.environ,
        "LC_ALL": "C.UTF-8",
        "ANSIBLE_HOME": str(tmp_path / "ansible-home"),
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
        "ANSIBLE_NOCOLOR": "1",
        **env,
    }
    return subprocess.run(
        [
            command,
            "-i",
            "localhost,",
            "-c",
            "local",
            "-e",
            f"ansible_python_interpreter={sys.executable}",
            str(path),
        ],
        cwd=tmp_path,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.slow
def test_ansible_runs_hostile_values_as_plain_data(tmp_path, fake_npm):
    """ansible-playbook for real, with an npm that records what reached it."""
    bindir, record = fake_npm
    plan = hostile_plan(str(tmp_path / "pre fix'"))
    path = tmp_path / "site.yml"
    path.write_text(to_ansible(plan, CATALOG))
    result = run_playbook(path, tmp_path, {"PATH": f"{bindir}:{os.environ['PATH']}"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"0.61.0"' in result.stdout
    assert_received_exactly(record, plan)
    assert_nothing_injected(tmp_path)


# --- the planner's steps (issue 5): several commands, admin flags, skips ----


def planner_plan(prefix: str) -> Plan:
    return Plan(
        (
            Step(
                "git",
                "Install git",
                (
                    Command(("apt-get", "update"), admin=True),
                    Command(("apt-get", "install", "git", "-y"), admin=True),
                ),
                tool_id="git",
                env=(("DEBIAN_FRONTEND", "noninteractive"),),
            ),
            Step("node", "Install Node.js", skip="Node.js 20.20.2 is already installed."),
            Step(
                "npm:gemini-cli",
                "Install Gemini CLI",
                (Command(("npm", "install", "-g", "--prefix", prefix, "@google/gemini-cli")),),
                tool_id="gemini-cli",
            ),
        ),
        prefix,
    )


def test_planner_steps_export_every_command_with_its_admin_rights(tmp_path):
    plan = planner_plan(str(tmp_path / "p"))
    shell = to_shell(plan, CATALOG)
    assert "sudo env DEBIAN_FRONTEND=noninteractive apt-get update\n" in shell
    assert "sudo env DEBIAN_FRONTEND=noninteractive apt-get install git -y\n" in shell
    assert "# Already done: Node.js 20.20.2 is already installed." in shell
    assert "npm install -g --prefix" in shell
    if shutil.which("shellcheck"):
        path = tmp_path / "plan.sh"
        path.write_text(shell)
        assert subprocess.run(["shellcheck", "-s", "sh", str(path)]).returncode == 0

    ps = to_powershell(plan, CATALOG)
    assert "#Requires -RunAsAdministrator" in ps
    assert "Invoke-Step 'Install git' 'apt-get' @('install', 'git', '-y')" in ps

    tasks = yaml.load(to_ansible(plan, CATALOG), Loader=AnsibleLoader)[0]["tasks"]
    git = [t for t in tasks if t["name"] == "Install git"]
    assert [t["ansible.builtin.command"]["argv"] for t in git] == [
        ["apt-get", "update"],
        ["apt-get", "install", "git", "-y"],
    ]
    assert all(t["become"] is True for t in git)
    assert "become" not in next(t for t in tasks if t["name"] == "Install Gemini CLI")
    assert not any(t["name"] == "Install Node.js" for t in tasks)

    resources = yaml.safe_load(to_winget(plan, CATALOG))["properties"]["resources"]
    git_res = next(r for r in resources if r["directives"]["description"] == "Install git")
    assert git_res["settings"] == {"id": "Git.Git", "source": "winget"}
    assert git_res["directives"]["securityContext"] == "elevated"
