"""The keyboard-only run, under Xvfb with a window manager (see keyboard_run.py)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


@pytest.fixture
def xserver(tmp_path):
    missing = [tool for tool in ("Xvfb", "openbox", "xdotool") if shutil.which(tool) is None]
    if missing:
        pytest.skip(
            f"{', '.join(missing)} not installed (apt-get install -y xvfb openbox xdotool): "
            "the keyboard-only run needs a real X server, a window manager for focus and "
            "real key events"
        )
    read, write = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as handle:
        display = ":" + handle.readline().strip()
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    # Without a window manager no window is ever activated, so focus never arrives.
    manager = subprocess.Popen(
        ["openbox", "--sm-disable"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield env
    finally:
        for proc in (manager, xvfb):
            proc.terminate()
            proc.wait(timeout=10)


def test_the_wizard_can_be_completed_with_the_keyboard_alone(xserver, tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--basetemp={tmp_path / 'run'}",
            str(HERE / "keyboard_run.py"),
        ],
        cwd=REPO,
        env=xserver,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
