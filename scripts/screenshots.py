"""Screenshots of every wizard page and state, for the README and for review.

Run: python scripts/screenshots.py [OUT_DIR]. The wizard runs offscreen on
fake operations (the ones the tests use), light and dark, and at 150% scale.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import qasync  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QColor, QPalette  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.ui.wizard import (  # noqa: E402
    ERROR,
    FINISH,
    INSTALL,
    REVIEW,
    SYSTEM,
    TOOLS,
    VERIFY,
    SetupWizard,
)
from tests.ui.fake_ops import FakeOperations  # noqa: E402

SIZE = (900, 660)

NPM_OK = [
    "npm warn deprecated node-domexception@1.0.0: Use your platform's native DOMException instead",
    "",
    "added 1 package in 3s",
]
NPM_EACCES = [
    "npm error code EACCES",
    "npm error syscall mkdir",
    "npm error path /usr/local/lib/node_modules/@google",
    "npm error errno -13",
    "npm error Error: EACCES: permission denied, mkdir '/usr/local/lib/node_modules/@google'",
    "npm error The operation was rejected by your operating system.",
    "npm error A complete log of this run can be found in: ~/.npm/_logs/debug-0.log",
]
DOCKER_DOWN = (
    "Client:\n Version:           20.10.24+dfsg1\n API version:       1.41\n"
    " Context:           default\n"
    "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
    "Is the docker daemon running?\n"
)


class DemoOperations(FakeOperations):
    """Fake operations with output that looks like npm's."""

    def __init__(self, tmp: Path) -> None:
        super().__init__(tmp)
        self.runner.on("docker", "version", output=DOCKER_DOWN, exit_code=1)
        self.container_runtime = "docker"  # what the recommendation names here
        self.elevation_text = (
            "These commands need admin rights; your system will ask once:\n"
            "  apt-get update\n  apt-get install -y git"
        )

    def default_prefix(self) -> str:
        return str(Path.home() / ".local")

    def default_container_folder(self) -> Path:
        return Path.home() / "ai-cli-container"

    def log_file(self) -> Path:
        return Path.home() / ".local/state/ai-cli-setup/log/run-20261203-101500-4242.log"

    def output_for(self, tool_id: str, status: str) -> list[str]:
        return NPM_EACCES if status == "failed" else NPM_OK


def dark_palette() -> QPalette:
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#2b2b2b",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1e1e1e",
        QPalette.ColorRole.AlternateBase: "#2f2f2f",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#3a3a3a",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.Highlight: "#3d6fb4",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#3a3a3a",
        QPalette.ColorRole.ToolTipText: "#e6e6e6",
        QPalette.ColorRole.PlaceholderText: "#9a9a9a",
        QPalette.ColorRole.Link: "#8ab4f8",
        QPalette.ColorRole.Light: "#505050",
        QPalette.ColorRole.Midlight: "#444444",
        QPalette.ColorRole.Mid: "#333333",
        QPalette.ColorRole.Dark: "#1a1a1a",
        QPalette.ColorRole.Shadow: "#000000",
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.WindowText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a7a"))
    return palette


async def until(condition: Callable[[], object], timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise TimeoutError("the wizard did not reach the expected state")


async def settle() -> None:
    for _ in range(5):  # a few turns of the loop and two log-pane flushes
        await asyncio.sleep(0.04)


class Shooter:
    def __init__(self, out: Path, suffix: str, tmp: Path) -> None:
        self.out, self.suffix, self.tmp = out, suffix, tmp
        self.taken: list[Path] = []

    def wizard(self, ops: FakeOperations) -> SetupWizard:
        wizard = SetupWizard(ops)
        wizard.resize(*SIZE)
        wizard.show()
        wizard.start_detection()
        return wizard

    async def shoot(self, wizard: SetupWizard, name: str) -> None:
        await settle()
        path = self.out / f"{name}{self.suffix}.png"
        wizard.grab().save(str(path))
        self.taken.append(path)

    async def walk(self, wizard: SetupWizard, page_id: int, tools: list[str] | None = None):
        while wizard.currentId() < page_id:
            await until(wizard.currentPage().isComplete)
            if wizard.currentId() == TOOLS and tools is not None:
                for tool_id, box in wizard.tools_page.boxes.items():
                    box.setChecked(tool_id in tools)
            wizard.next()

    async def close(self, wizard: SetupWizard) -> None:
        wizard.tasks.cancel_all()
        await until(lambda: len(wizard.tasks) == 0)
        wizard.close()
        wizard.deleteLater()

    async def run(self, only: set[str] | None) -> None:
        def wanted(name: str) -> bool:
            return only is None or name in only

        ops = DemoOperations(self.tmp)
        ops.detect_gate = asyncio.Event()
        wizard = self.wizard(ops)
        if wanted("1-welcome"):
            await self.shoot(wizard, "1-welcome")
        wizard.next()
        if wanted("2-system-detecting"):
            await self.shoot(wizard, "2-system-detecting")
        ops.detect_gate.set()
        await until(wizard.system_page.isComplete)
        tree = wizard.system_page.tree
        docker = tree.topLevelItem(2)
        docker.setExpanded(True)
        docker.child(0).setExpanded(True)
        tree.setCurrentItem(docker)
        if wanted("2-system"):
            await self.shoot(wizard, "2-system")
        await self.walk(wizard, TOOLS)
        if wanted("3-tools"):
            await self.shoot(wizard, "3-tools")
        await self.walk(wizard, REVIEW)
        if wanted("4-review"):
            await self.shoot(wizard, "4-review")
        ops.outcomes = {"gemini-cli": "failed"}
        await self.walk(wizard, INSTALL)
        page = wizard.install_page
        await until(lambda: page.steps.item(0).text().endswith("Running"))
        if wanted("5-install-running"):
            await self.shoot(wizard, "5-install-running")
        ops.step_gate.set()
        await until(page.go_on.isEnabled)  # the engine asks: retry, skip or continue
        page.show_fix.setChecked(True)
        if wanted("5-install-failed"):
            await self.shoot(wizard, "5-install-failed")
        page.show_fix.setChecked(False)
        page.skip.click()
        await until(page.isComplete)
        await self.walk(wizard, VERIFY)
        ops.verify_status = {"claude-code": "not-on-path"}
        wizard.verify_page.rerun.click()
        await until(lambda: wizard.verify_page.isComplete() and wizard.verify_page.results)
        if wanted("6-verify"):
            await self.shoot(wizard, "6-verify")
        await self.walk(wizard, FINISH)
        if wanted("7-finish"):
            await self.shoot(wizard, "7-finish")
        await self.close(wizard)

        for state, outcome in (
            ("cancelled", None),
            ("admin", "declined"),
            ("declined", "declined"),
            ("done", ""),
        ):
            name = f"5-install-{state}"
            if not wanted(name):
                continue
            ops = DemoOperations(self.tmp)
            ops.outcomes = {"codex-cli": outcome} if outcome else {}
            wizard = self.wizard(ops)
            await self.walk(wizard, INSTALL, tools=["claude-code", "codex-cli"])
            page = wizard.install_page
            await until(lambda page=page: page.steps.item(0).text().endswith("Running"))
            if outcome is None:
                page.cancel.click()
                await until(page.isComplete)
            elif state == "admin":  # the commands, shown before the system's prompt
                ops.prompt_gate = asyncio.Event()
                ops.step_gate.set()
                await until(page.elevation.isVisible)
            elif outcome == "declined":
                ops.step_gate.set()
                await until(page.go_on.isEnabled)
                page.go_on.click()
                await until(page.isComplete)
                page.steps.setCurrentRow(1)
                page.show_fix.setChecked(True)
            else:
                ops.step_gate.set()
                await until(page.isComplete)
            await self.shoot(wizard, name)
            await self.close(wizard)

        if wanted("1-welcome-resume"):
            from app.core.planner import Choices
            from app.core.runstate import RunState

            ops = DemoOperations(self.tmp)
            state = RunState.start(self.tmp / "state", Choices(("claude-code", "codex-cli")))
            state.mark("claude-code.npm", "succeeded")
            state.mark("codex-cli.npm", "running")
            ops.unfinished = state
            wizard = self.wizard(ops)
            await self.shoot(wizard, "1-welcome-resume")
            await self.close(wizard)

        if wanted("3-tools-container") or wanted("6-verify-container"):
            ops = DemoOperations(self.tmp)
            ops.container_status = {"codex-cli": "missing"}
            wizard = self.wizard(ops)
            await self.walk(wizard, TOOLS)
            for tool_id, box in wizard.tools_page.boxes.items():
                box.setChecked(tool_id in ("claude-code", "codex-cli"))
            wizard.tools_page.isolated.setChecked(True)
            if wanted("3-tools-container"):
                await self.shoot(wizard, "3-tools-container")
            await self.walk(wizard, REVIEW)
            if wanted("4-review-container"):
                await self.shoot(wizard, "4-review-container")
            ops.step_gate.set()
            await self.walk(wizard, VERIFY)
            page = wizard.verify_page
            await until(lambda: page.isComplete() and page.results)
            if wanted("6-verify-container"):
                await self.shoot(wizard, "6-verify-container")
            await self.close(wizard)

        if wanted("4-review-low-disk"):
            from tests.fakes import FakeFacts

            ops = DemoOperations(self.tmp)
            # As a recording of a laptop with 300 MB left where npm installs.
            ops.facts = FakeFacts(memory=8 * 1024**3, free={"/usr/local": 300 * 1024 * 1024})
            wizard = self.wizard(ops)
            await self.walk(wizard, REVIEW)
            await self.shoot(wizard, "4-review-low-disk")
            await self.close(wizard)

        if wanted("9-startup-problem"):
            import shutil

            from app.core.resources import resource_path
            from app.ui.app import load_core

            folder = self.tmp / "damaged-catalog"
            shutil.copytree(resource_path("catalog"), folder, dirs_exist_ok=True)
            tools = folder / "tools.toml"
            text = tools.read_text(encoding="utf-8")
            tools.write_text(text.replace("npm_package =", "npm_pakage =", 1), encoding="utf-8")
            wizard = SetupWizard()  # no operations: the core did not load
            wizard.resize(*SIZE)
            wizard.show()
            os.environ["AI_CLI_SETUP_HOME"] = str(self.tmp / "app-home")  # its log goes there
            assert load_core(wizard, None, catalog_folder=folder) is not None
            await self.shoot(wizard, "9-startup-problem")
            await self.close(wizard)

        if wanted("8-error"):
            ops = DemoOperations(self.tmp)
            wizard = self.wizard(ops)
            await self.walk(wizard, SYSTEM)
            try:
                raise KeyError("unknown tool 'claude' (known: claude-code, gemini-cli, codex-cli)")
            except KeyError as exc:
                import traceback

                details = "".join(traceback.format_exception(exc))
                wizard.show_error(f"KeyError: {exc}", details)
            assert wizard.currentId() == ERROR
            await self.shoot(wizard, "8-error")
            await self.close(wizard)


def main() -> int:
    args = sys.argv[1:]
    out = Path(args[0]) if args and not args[0].startswith("--") else REPO / "docs" / "screenshots"
    dark = "--dark" in args
    only = None
    for arg in args:
        if arg.startswith("--only="):
            only = set(arg.removeprefix("--only=").split(","))
    suffix = os.environ.get("SHOT_SUFFIX", "")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    if dark:
        app.setPalette(dark_palette())
        app.styleHints().setColorScheme(Qt.ColorScheme.Dark)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp, loop:
        shooter = Shooter(out, suffix, Path(tmp))
        loop.run_until_complete(shooter.run(only))
    for path in shooter.taken:
        print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)
    if not dark and not suffix:
        # The same wizard in a dark palette and at 150% scale, as separate processes.
        me = [sys.executable, __file__, str(out)]
        some = "--only=5-install-failed,6-verify,4-review,6-verify-container"
        subprocess.run(
            [*me, "--dark", some], env={**os.environ, "SHOT_SUFFIX": "-dark"}, check=True
        )
        subprocess.run(
            [*me, some],
            check=True,
            env={**os.environ, "SHOT_SUFFIX": "-150", "QT_SCALE_FACTOR": "1.5"},
        )
    sys.stdout.flush()
    os._exit(0)  # FIXME(qt): see bench/bench_logpane.py; PySide6 can abort at exit.


if __name__ == "__main__":
    main()
