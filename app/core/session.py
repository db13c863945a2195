"""One set-up session: detect, plan, install, verify.

The command line and the wizard both drive this object; neither does the
work itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.core.catalog import Catalog, default_catalog
from app.core.detect import Detection, Facts, LiveFacts, detect
from app.core.host import Host
from app.core.install import EventSink, Plan, RunReport, plan_npm_install, run_plan
from app.core.paths import Paths
from app.core.recording import replay
from app.core.runner import ProcessRunner, Runner
from app.core.verify import Verification, verify_tool


@dataclass
class Session:
    runner: Runner
    catalog: Catalog
    paths: Paths
    detection: Detection | None = field(default=None)
    # Memory, disk, NVML and HTTP answers; None means "not checked".
    facts: Facts | None = field(default=None)

    @classmethod
    def for_this_machine(cls, host: Host | None = None) -> Session:
        host = host or Host.current()
        return cls(
            ProcessRunner(host), default_catalog(), Paths.from_env(host.env), facts=LiveFacts(host)
        )

    @classmethod
    def from_recording(cls, path: str | Path) -> Session:
        """A session that sees a recorded machine; logs still go to this one's folders."""
        runner, facts = replay(path)
        return cls(runner, default_catalog(), Paths.from_env(Host.current().env), facts=facts)

    @property
    def host(self) -> Host:
        return self.runner.host

    async def detect(self) -> Detection:
        self.detection = await detect(self.runner, self.catalog, self.facts)
        return self.detection

    def default_prefix(self) -> str:
        """The global npm prefix when it is writable, else a user prefix."""
        node = self.detection.node if self.detection else None
        if node and node.npm_prefix and node.prefix_writable:
            return node.npm_prefix
        return self.host.default_user_npm_prefix()

    def plan(self, tool_ids: Sequence[str], prefix: str | None = None) -> Plan:
        if self.detection is None:
            raise RuntimeError("detect() must run before plan()")
        return plan_npm_install(
            self.catalog, self.host, tool_ids, prefix or self.default_prefix(), self.detection.node
        )

    async def install(self, plan: Plan, on_event: EventSink | None = None) -> RunReport:
        return await run_plan(plan, self.runner, self.catalog, on_event)

    async def verify(
        self, tool_ids: Sequence[str], prefix: str | None = None
    ) -> list[Verification]:
        return list(
            await asyncio.gather(
                *(verify_tool(self.runner, self.catalog, t, prefix) for t in tool_ids)
            )
        )
