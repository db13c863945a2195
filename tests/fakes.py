"""A scripted runner: answers commands from a table, as a recorded machine would."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from app.core.detect.facts import NvmlReading, Reach
from app.core.host import Host, resolve_executable
from app.core.runner import LineSink, Outcome


@dataclass
class Answer:
    output: str = ""
    exit_code: int = 0
    gate: asyncio.Event | None = None  # the command "runs" until the test sets it


@dataclass
class ScriptedRunner:
    """Replies to argv prefixes; anything unscripted is "not found"."""

    host: Host
    answers: dict[tuple[str, ...], Answer] = field(default_factory=dict)
    calls: list[tuple[str, ...]] = field(default_factory=list)

    def on(self, *argv: str, output: str = "", exit_code: int = 0, gate=None) -> None:
        self.answers[tuple(argv)] = Answer(output, exit_code, gate)

    def _match(self, argv: tuple[str, ...]) -> Answer | None:
        name = os.path.basename(argv[0])
        for key in (argv, (name, *argv[1:])):
            for length in range(len(key), 0, -1):
                if key[:length] in self.answers:
                    return self.answers[key[:length]]
        return None

    async def run(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        timeout: float | None = None,
        on_line: LineSink | None = None,
        extra_dirs: Sequence[str] = (),
    ) -> Outcome:
        argv = tuple(argv)
        self.calls.append(argv)
        answer = self._match(argv)
        if answer is None:
            return Outcome(argv, "not-found", reason=f"{argv[0]} is not on PATH")
        if answer.gate is not None:
            await answer.gate.wait()
        for line in answer.output.splitlines():
            if on_line:
                on_line(line)
        status = "ok" if answer.exit_code == 0 else "failed"
        exe = resolve_executable(argv[0], self.host) or f"/usr/bin/{argv[0]}"
        return Outcome(argv, status, answer.exit_code, answer.output, 0.01, exe)


def linux_host(**env: str) -> Host:
    base = {"PATH": "/usr/bin:/bin", "HOME": "/home/user"}
    base.update(env)
    return Host(
        system="linux",
        release="6.1",
        machine="x86_64",
        env=base,
        home="/home/user",
        os_release={"PRETTY_NAME": "Debian GNU/Linux 12 (bookworm)", "ID": "debian"},
    )


@dataclass
class FakeFacts:
    """Facts a test sets by hand; anything unset is unknown."""

    memory: int | None = None
    free: dict[str, int] = field(default_factory=dict)
    writable_paths: set[str] = field(default_factory=set)
    existing: set[str] = field(default_factory=set)
    links: dict[str, str] = field(default_factory=dict)
    nvml_reading: NvmlReading = field(
        default_factory=lambda: NvmlReading("unavailable", error="not installed")
    )
    reachable: dict[str, Reach] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def memory_total(self) -> int | None:
        return self.memory

    def disk_free(self, path: str) -> int | None:
        return self.free.get(path)

    def writable(self, path: str) -> bool:
        return path in self.writable_paths

    def exists(self, path: str) -> bool:
        return path in self.existing

    def realpath(self, path: str) -> str:
        return self.links.get(path, path)

    async def nvml(self) -> NvmlReading:
        return self.nvml_reading

    async def reach(self, url: str, timeout: float) -> Reach:
        self.asked.append(url)
        return self.reachable.get(url, Reach(url, False, error="unreachable in this test"))
