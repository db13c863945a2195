"""Run every benchmark in bench/ and print one table: `python bench/run.py`.

Each `bench/bench_<name>.py` defines `measure() -> list[dict]` (keys benchmark,
measure, value, unit, target, ok). Modules run one after another in this
process; each takes its side-by-side measurements itself, so every ratio in
the table comes from this run. A module that fails gives an error row and
the others still run.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(BENCH.parent))

from benchlib import format_table, settle_disk  # noqa: E402 -- found through the path above

KEYS = ("benchmark", "measure", "value", "unit", "target", "ok")


def discover(only: list[str] | None = None) -> list[Path]:
    modules = sorted(BENCH.glob("bench_*.py"))
    if only:
        # "window", "bench_window" and "bench/bench_window.py" all name bench_window.py.
        wanted = {Path(name).stem.removeprefix("bench_") for name in only}
        modules = [m for m in modules if m.stem.removeprefix("bench_") in wanted]
    return modules


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def checked(rows: Any, source: str) -> list[dict[str, Any]]:
    """The module's rows, or a ValueError naming what breaks the protocol."""
    if not isinstance(rows, list):
        raise ValueError(f"{source}: measure() returned {type(rows).__name__}, not a list")
    for r in rows:
        missing = [k for k in KEYS if k not in r]
        if missing:
            raise ValueError(f"{source}: a row lacks {', '.join(missing)}")
    return rows


def error_row(name: str, exc: BaseException) -> dict[str, Any]:
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return {
        "benchmark": name,
        "measure": f"ERROR: {reason[:90]}",
        "value": float("nan"),
        "unit": "",
        "target": "",
        "ok": False,
    }


def run_all(paths: list[Path], verbose: bool = True) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in paths:
        name = path.stem.removeprefix("bench_")
        started = time.perf_counter()
        if verbose:
            print(f"running {path.name} …", file=sys.stderr, flush=True)
        settle_disk()  # the last benchmark's writes must not slow this one
        try:
            rows += checked(load(path).measure(), path.name)
        except Exception as exc:  # one broken benchmark must not hide the others
            traceback.print_exc()
            rows.append(error_row(name, exc))
        if verbose:
            print(f"  {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the benchmarks and print one table.")
    parser.add_argument("only", nargs="*", help="names to run, e.g. window bundle (default: all)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)
    paths = discover(args.only)
    if not paths:
        names = ", ".join(m.stem.removeprefix("bench_") for m in discover())
        print(f"no benchmark named {', '.join(args.only)}; there are: {names}", file=sys.stderr)
        return 2
    rows = run_all(paths)
    print(format_table(rows, markdown=args.markdown))
    return 1 if any(r["ok"] is False for r in rows if r["measure"].startswith("ERROR")) else 0


if __name__ == "__main__":
    sys.exit(main())
