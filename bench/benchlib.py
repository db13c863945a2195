"""Helpers the benchmark modules share: rows, the table, and timing a child process."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
# app/selftest.py and packaging/hello.py print this right after the first show().
WINDOW_SHOWN = "window shown"
COLUMNS = ("benchmark", "measure", "value", "unit", "target", "ok")


def row(benchmark: str, measure: str, value: float, unit: str, target: str = "") -> dict[str, Any]:
    """One result; `ok` is worked out from a target such as "<= 1.3"."""
    return {
        "benchmark": benchmark,
        "measure": measure,
        "value": float(value),
        "unit": unit,
        "target": target,
        "ok": meets(value, target),
    }


def meets(value: float, target: str) -> bool | None:
    if not target:
        return None
    op, _, limit = target.partition(" ")
    bound = float(limit)
    return {"<=": value <= bound, ">=": value >= bound, "<": value < bound}[op]


def format_value(value: float) -> str:
    if value != value:  # NaN: the measure could not be taken
        return "n/a"
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.2f}" if abs(value) >= 1 else f"{value:.3f}"


def format_table(rows: Sequence[Mapping[str, Any]], markdown: bool = False) -> str:
    cells = [
        [
            str(r["benchmark"]),
            str(r["measure"]),
            format_value(float(r["value"])),
            str(r["unit"]),
            str(r["target"]) or "—",
            {True: "yes", False: "NO", None: ""}[r["ok"]],
        ]
        for r in rows
    ]
    if markdown:
        lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in line) + " |" for line in cells]
        return "\n".join(lines)
    widths = [max(len(x) for x in col) for col in zip(COLUMNS, *cells, strict=False)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(COLUMNS, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in cells]
    return "\n".join(lines)


def print_rows(rows: Sequence[Mapping[str, Any]]) -> None:
    print(format_table(rows))


def user_env(**extra: str) -> dict[str, str]:
    """This environment as a user's machine has it: Python keeps its bytecode caches.

    The development machine sets PYTHONDONTWRITEBYTECODE=1, so every run would
    compile the app's sources again, while PySide6 (the floor's side) comes with
    the .pyc files pip wrote; an installed app has them too.
    """
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **extra}


def settle_disk() -> None:
    """Let the disk write out what the last benchmark wrote (an install is ~750 MB).

    Writing it out in the background slowed whatever was timed next, by seconds for
    an install and by a third for the window's start-up.
    """
    if hasattr(os, "sync"):
        os.sync()


def compile_app() -> None:
    """Write the app's .pyc files before anything is timed, as `pip install` does."""
    import compileall

    compileall.compile_dir(REPO / "app", quiet=1)


def offscreen_env(**extra: str) -> dict[str, str]:
    return user_env(QT_QPA_PLATFORM="offscreen", QT_API="pyside6", **extra)


def time_to_line(
    argv: Sequence[str], marker: str, env: Mapping[str, str], timeout: float = 120
) -> float:
    """Seconds from starting `argv` until it prints `marker`; the process is then waited for."""
    # stderr goes to a file, not a pipe nobody reads while timing; shown if the run fails.
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as errors:
        started = time.perf_counter()
        with subprocess.Popen(
            list(argv),
            stdout=subprocess.PIPE,
            stderr=errors,
            stdin=subprocess.DEVNULL,
            env=dict(env),
            cwd=REPO,
            text=True,
        ) as process:
            assert process.stdout is not None
            seconds = None
            for line in process.stdout:
                if line.strip() == marker:
                    seconds = time.perf_counter() - started
                    break
            process.stdout.read()
            code = process.wait(timeout=timeout)
        if seconds is None or code != 0:
            errors.seek(0)
            tail = " / ".join(errors.read().strip().splitlines()[-3:]) or "nothing on stderr"
            what = f"ended without printing {marker!r}" if seconds is None else f"exited {code}"
            raise RuntimeError(f"{' '.join(argv)} {what}: {tail}")
    return seconds


def interleaved_medians(
    commands: Mapping[str, Sequence[str]],
    marker: str,
    env: Mapping[str, str],
    repeats: int,
    warmup: int = 1,
) -> dict[str, float]:
    """Median time-to-marker for each command, runs interleaved so drift hits all alike."""
    for _ in range(warmup):
        for argv in commands.values():
            time_to_line(argv, marker, env)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, argv in commands.items():
            samples[name].append(time_to_line(argv, marker, env))
    return {name: statistics.median(values) for name, values in samples.items()}
