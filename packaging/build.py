"""Build the frozen app for this OS and prove it starts: `python packaging/build.py`.

Windows gives dist/ai-cli-setup/ai-cli-setup.exe, macOS dist/AI CLI Setup.app,
Linux dist/ai-cli-setup/. After building, the script runs the frozen app with
`--self-test` and `--version` and fails on a non-zero exit or on stderr lines that
are not in packaging/stderr-allowlist.txt.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PACKAGING = Path(__file__).resolve().parent
REPO = PACKAGING.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(PACKAGING))

import bundle  # noqa: E402 -- packaging/bundle.py, found through the path above

from app import __version__  # noqa: E402

SPEC = PACKAGING / "ai-cli-setup.spec"
ALLOWLIST = PACKAGING / "stderr-allowlist.txt"
SELF_TEST_TIMEOUT = 180.0
# macOS signing identity ("Developer ID Application: ..."); CI sets it from a secret.
IDENTITY_VARIABLE = "AI_CLI_SETUP_CODESIGN_IDENTITY"


@dataclass(frozen=True)
class Built:
    target: str
    folder: Path  # what is shipped: the .app on macOS, the one-folder elsewhere
    executable: Path
    seconds: float


@dataclass(frozen=True)
class SelfTest:
    exit_code: int
    stdout: str
    unexpected_stderr: list[str]
    seconds: float

    @property
    def passed(self) -> bool:
        return self.exit_code == 0 and not self.unexpected_stderr


# FIXME(linux): the Linux folder runs on glibc >= the build machine's (Debian 12: 2.36)
# and bundles the xcb libraries found there; build on the oldest distro to support.
def bundle_paths(dist: Path, target: str) -> tuple[Path, Path]:
    """The shipped folder and the executable inside it, for this OS."""
    name = bundle.NAME if target == "app" else "hello-pyside6"
    if sys.platform == "darwin":
        app_name = bundle.DISPLAY_NAME if target == "app" else name
        folder = dist / f"{app_name}.app"
        return folder, folder / "Contents" / "MacOS" / name
    folder = dist / name
    exe = name + (".exe" if sys.platform == "win32" else "")
    return folder, folder / exe


def build(target: str, dist: Path, work: Path) -> Built:
    if shutil.which("pyinstaller") is None and not _has_pyinstaller():
        raise SystemExit("PyInstaller is missing: pip install -e '.[dev]'")
    work.mkdir(parents=True, exist_ok=True)
    dropped = work / f"dropped-{target}.txt"
    command = [
        sys.executable, "-m", "PyInstaller", str(SPEC),
        "--noconfirm", "--clean", "--log-level", "WARN",
        "--distpath", str(dist), "--workpath", str(work / target),
        "--",
        "--target", target, "--version", __version__, "--log-dropped", str(dropped),
        "--codesign-identity", os.environ.get(IDENTITY_VARIABLE, ""),
    ]  # fmt: skip
    print("+", " ".join(command), flush=True)
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO, check=True)
    seconds = time.perf_counter() - started
    folder, executable = bundle_paths(dist, target)
    if not executable.is_file():
        raise SystemExit(f"PyInstaller finished but {executable} is missing")
    return Built(target, folder, executable, seconds)


def _has_pyinstaller() -> bool:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        return False
    return True


def folder_size(folder: Path) -> int:
    """Bytes on disk, each file once (macOS bundles cross-link with symlinks)."""
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(root, name)
            if not path.is_symlink():
                total += path.stat().st_size
    return total


def load_allowlist(path: Path = ALLOWLIST) -> list[re.Pattern[str]]:
    """One regular expression per line, each followed by `  # reason`."""
    patterns = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pattern, sep, reason = line.partition("  # ")
        if not sep or not reason.strip():
            raise SystemExit(f"{path}:{number}: every allowed line needs '  # reason'")
        patterns.append(re.compile(pattern.strip()))
    return patterns


def unexpected_lines(stderr: str, allowed: list[re.Pattern[str]]) -> list[str]:
    return [
        line
        for line in stderr.splitlines()
        if line.strip() and not any(p.search(line) for p in allowed)
    ]


def self_test(executable: Path, env: dict[str, str] | None = None, wrapper=()) -> SelfTest:
    run_env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})}
    started = time.perf_counter()
    result = subprocess.run(
        [*wrapper, str(executable), "--self-test"],
        capture_output=True,
        text=True,
        errors="replace",
        env=run_env,
        timeout=SELF_TEST_TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    return SelfTest(
        result.returncode,
        result.stdout,
        unexpected_lines(result.stderr, load_allowlist()),
        seconds,
    )


def version_problem(executable: Path) -> str | None:
    """What is wrong with the frozen app's `--version` (it goes through the whole command line)."""
    result = subprocess.run(
        [str(executable), "--version"],
        capture_output=True, text=True, errors="replace", timeout=SELF_TEST_TIMEOUT,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    expected = f"ai-cli-setup {__version__}"
    if result.returncode == 0 and result.stdout.strip() == expected:
        return None
    tail = " / ".join((result.stdout + result.stderr).strip().splitlines()[-3:])
    return f"--version exited {result.returncode} without printing {expected!r}: {tail}"


def report_self_test(label: str, outcome: SelfTest) -> bool:
    print(f"--- self-test ({label}): exit {outcome.exit_code} in {outcome.seconds:.1f} s")
    print(outcome.stdout.rstrip())
    for line in outcome.unexpected_stderr:
        print(f"unexpected stderr: {line}")
    return outcome.passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--target",
        choices=("app", "hello"),
        default="app",
        help="hello builds the benchmarks' hello-world window the same way",
    )
    parser.add_argument("--dist", type=Path, default=REPO / "dist")
    parser.add_argument("--work", type=Path, default=REPO / "build" / "pyinstaller")
    parser.add_argument("--skip-self-test", action="store_true")
    parser.add_argument(
        "--self-test-only",
        action="store_true",
        help="do not build: self-test the bundle already in --dist (e.g. after signing)",
    )
    parser.add_argument(
        "--xvfb",
        action="store_true",
        help="Linux: also self-test on the real xcb platform under xvfb-run",
    )
    args = parser.parse_args(argv)

    if args.self_test_only:
        folder, executable = bundle_paths(args.dist, args.target)
        if not executable.is_file():
            print(f"no bundle to test: {executable} is missing", file=sys.stderr)
            return 1
    else:
        built = build(args.target, args.dist, args.work)
        folder, executable = built.folder, built.executable
        size = folder_size(folder)
        print(f"built {folder} in {built.seconds:.0f} s: {size / 1e6:.1f} MB on disk")
        if args.skip_self_test:
            return 0
    ok = report_self_test("offscreen", self_test(executable))
    if args.xvfb:
        if shutil.which("xvfb-run") is None:
            print("--xvfb: xvfb-run is not installed (apt-get install xvfb)", file=sys.stderr)
            return 1
        xcb = self_test(executable, {"QT_QPA_PLATFORM": "xcb"}, ("xvfb-run", "-a"))
        ok = report_self_test("xcb under Xvfb", xcb) and ok
    if args.target == "app":
        problem = version_problem(executable)
        print(f"--- {executable.name} --version: {problem or 'ok'}")
        ok = ok and problem is None
    runs = "offscreen and under Xvfb" if args.xvfb else "offscreen"
    verdict = "passes" if ok else "FAILS"
    print(f"{executable}: the frozen app {verdict} its self-test ({runs})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
