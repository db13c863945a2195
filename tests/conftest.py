"""Shared fixtures: every path the app writes to points into a temp folder."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """The app's folders and HOME live under the test's temp folder."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("AI_CLI_SETUP_HOME", str(tmp_path / "app-home"))
    monkeypatch.setenv("npm_config_userconfig", str(home / ".npmrc"))
    return home


@pytest.fixture(scope="session")
def npm_cache(tmp_path_factory):
    """One npm cache for the whole test session, never the user's."""
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed")
    return tmp_path_factory.mktemp("npm-cache")


@pytest.fixture
def run_async():
    """Run a coroutine to completion on a fresh asyncio loop."""

    def runner(coro):
        return asyncio.run(coro)

    return runner
