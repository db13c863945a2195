"""Peak memory of the wizard during an install of the three CLIs.

The real wizard runs offscreen in its own process (bench/wizard_install.py)
and installs into a temporary prefix with a temporary npm cache; psutil
samples its resident memory every SAMPLE_EVERY seconds. npm's own processes
are reported apart: they are the installer's memory, not the wizard's.
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil
from benchlib import PYTHON, REPO, offscreen_env, print_rows, row

SAMPLE_EVERY = 0.05
MB = 1024 * 1024


def measure() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        root = Path(tmp)
        (root / "home").mkdir()
        env = offscreen_env(
            HOME=str(root / "home"),
            AI_CLI_SETUP_HOME=str(root / "app-home"),
            npm_config_cache=str(root / "npm-cache"),
            npm_config_userconfig=str(root / "home" / ".npmrc"),
        )
        argv = [PYTHON, str(REPO / "bench" / "wizard_install.py"), str(root / "prefix")]
        process = subprocess.Popen(
            argv, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        peaks = {"wizard": 0, "children": 0, "idle": 0}
        phase = {"now": "starting"}

        def sample() -> None:
            me = psutil.Process(process.pid)
            while process.poll() is None:
                try:
                    rss = me.memory_info().rss
                    kids = sum(c.memory_info().rss for c in me.children(recursive=True))
                except psutil.Error:
                    break
                if phase["now"] == "idle":
                    peaks["idle"] = max(peaks["idle"], rss)
                elif phase["now"] == "installing":
                    peaks["wizard"] = max(peaks["wizard"], rss)
                    peaks["children"] = max(peaks["children"], kids)
                time.sleep(SAMPLE_EVERY)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        assert process.stdout is not None
        for line in process.stdout:
            if line.strip() == "idle":
                phase["now"] = "idle"
                time.sleep(0.9)
                phase["now"] = "installing"
        code = process.wait(timeout=900)
        sampler.join()
    if code != 0:
        raise RuntimeError(f"the wizard's install failed (exit {code})")
    return [
        row("memory", "wizard, idle on Tools", peaks["idle"] / MB, "MB"),
        row("memory", "wizard, peak during install", peaks["wizard"] / MB, "MB"),
        row("memory", "npm processes, peak during install", peaks["children"] / MB, "MB"),
    ]


if __name__ == "__main__":
    print_rows(measure())
