"""The frozen app vs a hello-world PySide6 window frozen the same way: size and start-up.

Both are built by packaging/build.py (same spec, same trimming, no UPX) into a
scratch folder; start-up is the median time until each prints "window shown"
on the offscreen platform (the app with `--self-test`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchlib import PYTHON, REPO, WINDOW_SHOWN, interleaved_medians, offscreen_env, print_rows, row

sys.path.insert(0, str(REPO / "packaging"))
from build import bundle_paths, folder_size

REPEATS = int(os.environ.get("BENCH_REPEATS", "7"))
MB = 1e6


def _build(target: str, dist: Path, work: Path) -> tuple[Path, Path]:
    command = [
        PYTHON, str(REPO / "packaging" / "build.py"), "--target", target,
        "--dist", str(dist), "--work", str(work), "--skip-self-test",
    ]  # fmt: skip
    subprocess.run(command, cwd=REPO, check=True, capture_output=True, text=True)
    return bundle_paths(dist, target)


def measure() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="bench-bundle-") as tmp:
        root = Path(tmp)
        app_folder, app_exe = _build("app", root / "dist", root / "work")
        hello_folder, hello_exe = _build("hello", root / "dist", root / "work")
        app_size, hello_size = folder_size(app_folder), folder_size(hello_folder)
        env = offscreen_env(AI_CLI_SETUP_HOME=str(root / "app-home"))
        medians = interleaved_medians(
            {"hello": [str(hello_exe), "--self-test"], "app": [str(app_exe), "--self-test"]},
            WINDOW_SHOWN,
            env,
            REPEATS,
        )
    return [
        row("bundle", "hello-world bundle size", hello_size / MB, "MB"),
        row("bundle", "app bundle size", app_size / MB, "MB"),
        row("bundle", "app / hello-world size", app_size / hello_size, "x", "<= 1.1"),
        row("bundle", "hello-world frozen, first window", medians["hello"], "s"),
        row("bundle", "app frozen, first window", medians["app"], "s"),
        row("bundle", "app / hello-world start-up", medians["app"] / medians["hello"], "x"),
    ]


if __name__ == "__main__":
    print_rows(measure())
