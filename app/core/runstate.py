"""The run-state file: which steps of the last install finished, so it can resume.

Only the user's choices and each step's status are kept, never commands:
a resumed run plans again from the catalog, so the file cannot inject
anything. Written atomically after every change; secrets are redacted.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.fileio import write_atomically
from app.core.planner import Choices
from app.core.redact import Redactor

log = logging.getLogger("ai_cli_setup.runstate")

FILE_NAME = "install-run.json"
VERSION = 1
DONE = ("succeeded", "skipped")
# A step the run did not finish: running when it was killed, cancelled, failed or
# declined (admin rights refused). Resuming runs it again.
UNFINISHED = ("running", "cancelled", "failed", "declined")


@dataclass
class RunState:
    """What a resumed install needs to know about the interrupted one."""

    path: Path
    choices: Choices
    statuses: dict[str, str] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    started: float = field(default_factory=time.time)
    finished: bool = False
    logs: list[str] = field(default_factory=list)  # the run logs it was written to, by name
    redactor: Redactor = field(default_factory=Redactor)
    # Why the file could not be saved ("" while it saves); the run goes on without it.
    problem: str = ""
    error: OSError | None = None  # the first failed save's error
    writer: Callable[[Path, str], None] = write_atomically

    @classmethod
    def start(
        cls,
        folder: Path,
        choices: Choices,
        redactor: Redactor | None = None,
        writer: Callable[[Path, str], None] = write_atomically,
    ) -> RunState:
        state = cls(folder / FILE_NAME, choices, redactor=redactor or Redactor(), writer=writer)
        state.save()
        return state

    @classmethod
    def load(cls, folder: Path, redactor: Redactor | None = None) -> RunState | None:
        """The last run's state, or None when there is none (or it cannot be read)."""
        path = folder / FILE_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("version") != VERSION:
            return None
        raw = data.get("choices", {})
        choices = Choices(
            tools=tuple(str(t) for t in raw.get("tools", [])),
            npm_prefix=raw.get("npm_prefix") or None,
            git=bool(raw.get("git", True)),
            uv=bool(raw.get("uv", False)),
            container_runtime=raw.get("container_runtime") or None,
        )
        return cls(
            path,
            choices,
            {str(k): str(v) for k, v in data.get("steps", {}).items()},
            {str(k): str(v) for k, v in data.get("messages", {}).items()},
            float(data.get("started", 0)),
            bool(data.get("finished", False)),
            [str(name) for name in data.get("logs", []) if isinstance(name, str)],
            redactor or Redactor(),
        )

    def done(self, step_id: str) -> bool:
        """Whether the step finished in this or the interrupted run."""
        return self.statuses.get(step_id) in DONE

    def written_to(self, log: Path | None) -> None:
        """Name the run log this run (or its resumption) writes, for reports."""
        if log is not None and log.name not in self.logs:
            self.logs.append(log.name)
            self.save()

    def unfinished(self, step_id: str) -> bool:
        """Whether the run started this step and did not finish it."""
        return self.statuses.get(step_id) in UNFINISHED

    def mark(self, step_id: str, status: str, message: str = "") -> None:
        self.statuses[step_id] = status
        if message:
            self.messages[step_id] = self.redactor(message)
        self.save()

    def finish(self) -> None:
        self.finished = True
        self.save()

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "started": self.started,
            "finished": self.finished,
            "choices": {
                "tools": list(self.choices.tools),
                "npm_prefix": self.choices.npm_prefix,
                "git": self.choices.git,
                "uv": self.choices.uv,
                "container_runtime": self.choices.container_runtime,
            },
            "steps": self.statuses,
            "messages": self.messages,
            "logs": self.logs,
        }

    def save(self) -> None:
        """Write the file so that a kill at any moment leaves the old or the new one whole.

        A file that cannot be written (a full disk, a read-only folder) never
        stops the install: `problem` says why, once, and resuming this run will
        not be possible. Later saves still try, whole, in case room comes back.
        """
        text = self.redactor(json.dumps(self.to_dict(), indent=2, ensure_ascii=False))
        try:
            self.writer(self.path, text)
        except OSError as exc:
            if self.problem:
                log.debug("run-state still not saved: %s", exc)
                return
            self.error = exc
            self.problem = (
                f"The install goes on, but its progress cannot be saved to {self.path} "
                f"({exc.strerror or exc}), so if it stops part-way it cannot be resumed; "
                "run it again from the start instead."
            )
            log.warning("%s", self.problem)
