"""The per-run log: newest ten kept, every line redacted (tracebacks too)."""

from __future__ import annotations

import errno
import logging
import os
from pathlib import Path

import pytest

from app.core import logs
from app.core.logs import KEEP, LOGGER_NAME, current_log_path, start_run_log
from app.core.redact import MASK, Redactor

SECRET = "AIzaSyD" + "x" * 32


@pytest.fixture
def run_log(tmp_path):
    yield tmp_path / "logs"
    logger = logging.getLogger(LOGGER_NAME)
    for handler in [h for h in logger.handlers if getattr(h, "_run_log", False)]:
        logger.removeHandler(handler)
        handler.close()


def test_only_the_newest_ten_logs_are_kept(run_log):
    run_log.mkdir()
    for i in range(12):
        old = run_log / f"run-2026010{i:02d}-000000-1.log"
        old.write_text("old")
        os.utime(old, (1_000_000 + i, 1_000_000 + i))
    path = start_run_log(run_log, Redactor())
    kept = sorted(p.name for p in run_log.glob("run-*.log"))
    assert len(kept) == KEEP
    assert path.name in kept
    assert "run-202601000-000000-1.log" not in kept  # the oldest went first


def test_secrets_in_messages_and_tracebacks_are_masked(run_log):
    path = start_run_log(run_log, Redactor({"GEMINI_API_KEY": SECRET}))
    assert current_log_path() == path
    log = logging.getLogger(LOGGER_NAME + ".test")
    log.info("calling with key %s", SECRET)
    try:
        raise RuntimeError(f"request to https://user:hunter22@example.com/?key={SECRET} failed")
    except RuntimeError:
        log.exception("it failed")
    text = path.read_text(encoding="utf-8")
    assert SECRET not in text and "hunter22" not in text
    assert f"calling with key {MASK}" in text
    assert "Traceback" in text and "RuntimeError" in text


def test_the_last_installs_logs_survive_pruning(run_log):
    run_log.mkdir()
    install = run_log / "run-20260101-000000-1.log"
    install.write_text("the install")
    os.utime(install, (1_000_000, 1_000_000))
    for i in range(2, 14):  # a dozen later runs: detect, plan, verify
        later = run_log / f"run-202601{i:02d}-000000-1.log"
        later.write_text("later")
        os.utime(later, (1_000_000 + i, 1_000_000 + i))
    start_run_log(run_log, Redactor(), keep=[install.name])
    assert install.exists()
    assert len(list(run_log.glob("run-*.log"))) == KEEP + 1


full_disk = pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")


def _dev_full(_handler: logging.FileHandler):
    """/dev/full: every write the kernel refuses with ENOSPC, as a full disk does."""
    return open("/dev/full", "w", encoding="utf-8")


@full_disk
def test_a_log_whose_first_line_cannot_be_written_is_not_started(run_log, monkeypatch, capsys):
    monkeypatch.setattr(logs._RunLogHandler, "_open", _dev_full)
    with pytest.raises(OSError) as raised:
        start_run_log(run_log, Redactor(), what="install")
    assert raised.value.errno == errno.ENOSPC
    assert raised.value.filename.startswith(str(run_log / "run-"))
    assert logs.why_unwritable(raised.value) == "the disk is full"
    assert current_log_path() is None  # nothing left to write into
    assert list(run_log.glob("run-*.log")) == []
    assert capsys.readouterr().err == ""  # the caller says why, once


@full_disk
def test_a_log_that_fills_up_says_so_once_and_the_run_goes_on(run_log, capsys):
    path = start_run_log(run_log, Redactor(), what="install")
    handlers = logging.getLogger(LOGGER_NAME).handlers
    [handler] = [h for h in handlers if getattr(h, "_run_log", False)]
    handler.stream.close()
    handler.stream = _dev_full(handler)  # the disk fills up part-way
    log = logging.getLogger(LOGGER_NAME + ".test")
    for i in range(50):
        log.info("line %d", i)
    err = capsys.readouterr().err
    assert err == (
        f"ai-cli-setup: warning: the log file {path} can no longer be written: the disk is "
        "full; the rest of this run's output is only on screen.\n"
    )
    assert "install on Python" in path.read_text(encoding="utf-8")
