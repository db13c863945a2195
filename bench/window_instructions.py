"""Instructions to the first window under callgrind: the wizard vs a bare QWizard.

bench_window.py times the two starts on the wall clock, which another busy
process on a 2-core machine moves by +-0.15x. Instruction counts do not move:
each side runs once under `valgrind --tool=callgrind` (about 10 s each), the
same commands as bench_window.py, and stops at its "window shown" line. They
leave out what the kernel does (mapping libraries, page faults), so they check
the wall-clock ratio, not replace it. Not run by bench/run.py (it needs
valgrind): `python bench/window_instructions.py`.
"""

from __future__ import annotations

import compileall
import re
import shutil
import subprocess
import sys
import tempfile
from typing import Any

from benchlib import PYTHON, REPO, WINDOW_SHOWN, offscreen_env, print_rows, row

# Runs one side and ends the process as soon as it has printed the marker.
DRIVER = """
import os, runpy, sys

class StopAtMarker:
    def __init__(self, out):
        self.out = out
    def write(self, text):
        self.out.write(text)
        if {marker!r} in text:
            self.out.flush()
            os._exit(0)
        return len(text)
    def __getattr__(self, name):
        return getattr(self.out, name)

sys.stdout = StopAtMarker(sys.stdout)
if sys.argv[1] == "bare":
    runpy.run_path({bare!r}, run_name="__main__")
else:
    sys.argv = ["app", "--self-test"]
    runpy.run_module("app", run_name="__main__", alter_sys=True)
"""


def instructions(side: str, env: dict[str, str]) -> float:
    driver = DRIVER.format(marker=WINDOW_SHOWN, bare=str(REPO / "bench" / "bare_wizard.py"))
    callgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    result = subprocess.run(
        [*callgrind, PYTHON, "-c", driver, side],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if WINDOW_SHOWN not in result.stdout:
        raise RuntimeError(f"{side} did not show its window: {result.stderr[-2000:]}")
    found = re.search(r"Collected : (\d+)", result.stderr)
    if found is None:
        raise RuntimeError(f"no instruction count from callgrind: {result.stderr[-2000:]}")
    return float(found.group(1))


def measure() -> list[dict[str, Any]]:
    if shutil.which("valgrind") is None:
        raise RuntimeError("valgrind is not installed (Debian: apt-get install valgrind)")
    compileall.compile_dir(REPO / "app", quiet=1)  # as bench_window.py does
    with tempfile.TemporaryDirectory(prefix="bench-window-") as home:
        env = offscreen_env(AI_CLI_SETUP_HOME=home)
        bare = instructions("bare", env)
        app = instructions("app", env)
    return [
        row("window", "bare QWizard, instructions to first window", bare / 1e6, "M"),
        row("window", "wizard, instructions to first window", app / 1e6, "M"),
        row("window", "wizard / bare QWizard, instructions", app / bare, "x"),
    ]


if __name__ == "__main__":
    print_rows(measure())
    sys.exit(0)
