"""Parsers never crash: any output gives an answer or "unknown"."""

import asyncio
import codecs

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.catalog import default_catalog
from app.core.detect import detect, parse
from app.core.runner import LineSplitter
from tests.fakes import FakeFacts, ScriptedRunner, linux_host

TEXT_PARSERS = [
    parse.node_version, parse.bare_version, parse.git_version, parse.winget_version,
    parse.brew_version, parse.apt_version, parse.dnf_version, parse.manager_version,
    parse.sw_vers, parse.sysctl_flag, parse.wsl_kernel, parse.wsl_list, parse.libc_from_ldd,
    parse.loads, parse.docker_json, parse.docker_text, parse.docker_socket, parse.docker_problem,
    parse.group_members, parse.podman_info, parse.podman_machines, parse.podman_version,
    parse.container_version, parse.container_status, parse.nvidia_csv, parse.nvidia_error,
    parse.lspci, parse.cim_video, parse.system_profiler_displays,
]  # fmt: skip


def decoded(data: bytes) -> str:
    """Bytes as the runner turns them into text (UTF-16 detection, \\r endings)."""
    splitter = LineSplitter()
    return "\n".join(splitter.feed(data) + splitter.feed(b"", final=True))


outputs = st.one_of(
    st.text(),
    st.binary().map(decoded),
    st.text().map(lambda t: decoded(codecs.BOM_UTF16_LE + t.encode("utf-16-le"))),
    st.text().map(lambda t: t.replace("\n", "\r\r\n")),
    st.just(""),
    st.integers(1000, 200_000).map(lambda n: "x" * n),
    st.sampled_from(
        ['{"Client": null}', "[{}]", '{"SPDisplaysDataType": [1]}', "NAME\n*", "a, 1.2, MiB"]
    ),
)


@settings(max_examples=150, deadline=None)
@given(outputs)
def test_every_parser_survives_any_output(text):
    for parser in TEXT_PARSERS:
        parser(text)
    parse.install_source(text or "/", text, text, text, text)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(outputs, st.sampled_from([0, 1, 127]))
def test_detection_survives_every_command_printing_garbage(text, code):
    runner = ScriptedRunner(linux_host())
    for argv in (("node",), ("npm",), ("git",), ("docker",), ("podman",), ("nvidia-smi",),
                 ("lspci",), ("ldd",), ("apt",), ("claude",), ("gemini",), ("codex",)):  # fmt: skip
        runner.on(*argv, output=text, exit_code=code)
    detection = asyncio.run(detect(runner, default_catalog(), FakeFacts()))
    for key, finding in detection.by_key().items():
        assert finding.evidence, key
        assert "could not be checked" not in finding.summary, (key, finding.summary)


def test_npm_settings_reads_key_value_lines_and_drops_unknown_keys():
    text = "npm warn config x\nprefix=C:\\Users\\u\\AppData\\Roaming\\npm\r\nregistry=https://r/\nnpm-version=undefined\n"
    assert parse.npm_settings(text) == {
        "prefix": "C:\\Users\\u\\AppData\\Roaming\\npm",
        "registry": "https://r/",
    }
    assert parse.npm_settings("/usr\n") == {}
