"""Secrets in the environment never reach what the command line prints."""

import io
import json
import os
import subprocess
import sys

from app.core.redact import RedactingWriter, Redactor
from tests.conftest import REPO
from tests.test_cli import cli

KEY = "sk-ant-api03-" + "x1y2z3" * 8
PROXY = "http://alice:s3cretpw@127.0.0.1:9"


def test_detect_never_prints_a_proxy_password_or_an_api_key():
    env = {
        "HTTPS_PROXY": PROXY,
        "HTTP_PROXY": PROXY,
        "ANTHROPIC_API_KEY": KEY,
        "npm_config_registry": "http://127.0.0.1:9",
    }
    for args in (("detect", "--evidence"), ("detect", "--json")):
        result = cli(*args, env=env)
        assert result.returncode == 0, result.stderr
        for text in (result.stdout, result.stderr):
            assert "s3cretpw" not in text and KEY not in text
    data = json.loads(result.stdout)
    assert data["reach"]["npm-registry"]["proxy"] == "http://[redacted]@127.0.0.1:9"


def test_the_redacting_writer_masks_whole_lines_and_flushes_prompts():
    target = io.StringIO()
    writer = RedactingWriter(target, Redactor({"OPENAI_API_KEY": "abcdef123456"}))
    writer.write("key is abc")
    writer.write("def123456 and\n")  # a secret split over two writes
    writer.write("Install now? ")
    writer.flush()
    assert target.getvalue() == "key is [redacted] and\nInstall now? "


def test_an_unwritable_app_folder_is_a_sentence_not_a_traceback(tmp_path):
    """Seen with AI_CLI_SETUP_HOME on a read-only mount and on a full disk."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    env = {"AI_CLI_SETUP_HOME": str(blocker)}
    result = cli("verify", "--tools", "codex-cli", env=env)
    assert "Traceback" not in result.stderr
    assert "warning: no log file for this run" in result.stderr
    result = cli(
        "install", "--tools", "codex-cli", "--npm-prefix", str(tmp_path / "p"), "--yes", env=env
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "nothing was installed or changed" in result.stderr
    assert f"neither this run's log nor its progress can be written ({blocker}" in result.stderr
    assert not (tmp_path / "p").exists()


def test_the_wizard_on_an_unwritable_app_folder_says_why_without_a_traceback(tmp_path):
    """Said on stderr and in the window (tests/ui/test_startup_problem.py), which stays
    open for the person to read: the test closes it."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    env = {**os.environ, "AI_CLI_SETUP_HOME": str(blocker), "QT_QPA_PLATFORM": "offscreen"}
    with subprocess.Popen(
        [sys.executable, "-m", "app"],
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
    assert "Traceback" not in text
    assert "cannot be written" in text and f"File: {blocker}" in text
    assert "AI_CLI_SETUP_HOME" in text
