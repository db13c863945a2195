"""A report a helper can read: machine facts, findings, plan, results, logs.

Everything passes through one scrubber before it is returned: secrets are
masked, the home folder becomes `~`, and the user and machine names are
replaced. The wizard's Finish page and `ai-cli-setup report` share it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import __version__
from app.core.detect import Detection
from app.core.host import Host
from app.core.install import RunReport
from app.core.planner import Plan
from app.core.redact import Redactor
from app.core.runstate import RunState
from app.core.session import Session
from app.core.verify import Verification

USER_MASK = "<user>"
HOST_MASK = "<computer>"
LOG_LINES = 60
LOG_FILES = 3


class Scrubber:
    """Masks secrets, the home folder, the user name and the computer name."""

    def __init__(self, host: Host) -> None:
        self._redact = Redactor(host.env)
        homes = {host.home, host.env.get("HOME", ""), host.env.get("USERPROFILE", "")}
        homes |= {os.path.realpath(h) for h in homes if h}
        flags = re.IGNORECASE if host.is_windows else 0
        spellings = set()
        for home in (h.rstrip("/\\") for h in homes):
            if len(home) > 1:
                spellings |= {home, home.replace("\\", "/"), home.replace("/", "\\")}
        ordered = sorted(spellings, key=len, reverse=True)
        self._home = (
            re.compile("|".join(re.escape(h) for h in ordered) + r"(?![A-Za-z0-9_.-])", flags)
            if ordered
            else None
        )
        names = {host.env.get(k, "") for k in ("USER", "USERNAME", "LOGNAME")}
        names |= {os.path.basename(h.rstrip("/\\")) for h in homes if h}
        names = {n for n in names if len(n) >= 2}
        machines = {host.env.get(k, "") for k in ("HOSTNAME", "COMPUTERNAME")}
        # FIXME(host): Host has no computer-name field yet; the environment is all we see.
        masks = {n: USER_MASK for n in names} | {m: HOST_MASK for m in machines if len(m) >= 2}
        # Longest first, so a computer named after its user is masked whole.
        self._names = [
            (re.compile(rf"(?<![A-Za-z0-9]){re.escape(n)}(?![A-Za-z0-9])", flags), masks[n])
            for n in sorted(masks, key=len, reverse=True)
        ]

    def text(self, value: str) -> str:
        value = self._redact(value)
        if self._home is not None:
            value = self._home.sub("~", value)
        for pattern, mask in self._names:
            value = pattern.sub(mask, value)
        return value

    def __call__(self, value: Any) -> Any:
        """Scrub every string inside a JSON-shaped value, keys included."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self(k): self(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self(v) for v in value]
        return value


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def log_excerpts(
    log_dir: Path | None,
    lines: int = LOG_LINES,
    files: int = LOG_FILES,
    first: Sequence[str] = (),
) -> list[dict]:
    """The last `lines` lines of the run logs named in `first` (the last install's),
    then of the newest others, `files` in all."""
    if log_dir is None or not log_dir.is_dir():
        return []
    newest = sorted(log_dir.glob("run-*.log"), key=lambda p: p.stat().st_mtime, reverse=True)
    named = [log_dir / name for name in reversed(first) if (log_dir / name).is_file()]
    logs = list(dict.fromkeys([*named, *newest]))
    excerpts = []
    for path in logs[:files]:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        excerpts.append({"file": path.name, "lines": text.splitlines()[-lines:]})
    return excerpts


@dataclass(frozen=True)
class Report:
    """A scrubbed report; `data` holds only JSON types."""

    data: Mapping[str, Any]

    def to_json(self) -> str:
        return json.dumps(self.data, indent=2, ensure_ascii=False) + "\n"

    def to_markdown(self) -> str:
        return _markdown(self.data)


def build_report(
    host: Host,
    detection: Detection | None = None,
    plan: Plan | None = None,
    run: RunReport | None = None,
    verifications: Sequence[Verification] = (),
    log_dir: Path | None = None,
    last_run: RunState | None = None,
) -> Report:
    """Gather what a helper needs to see, scrubbed before it leaves this function."""
    results = []
    for result in run.results if run else []:
        results.append(
            {
                "step": result.step.id,
                "title": result.step.title,
                "status": result.status,
                "message": result.message,
                "exit_code": result.outcome.exit_code if result.outcome else None,
                "output_tail": result.outcome.lines[-20:] if result.outcome else [],
                "findings": [_plain(f) for f in result.findings],
            }
        )
    data = {
        "report": "ai-cli-setup",
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "system": host.system,
            "os": host.pretty_name,
            "release": host.release,
            "architecture": host.machine,
        },
        "versions": {
            "ai-cli-setup": __version__,
            "python": platform.python_version(),
            **_tool_versions(detection, verifications),
        },
        "findings": [_plain(f) for f in detection.findings()] if detection else [],
        "plan": plan.to_dict() if plan else None,
        "results": results,
        "last_run": last_run.to_dict() if last_run else None,
        "verification": [_plain(v) for v in verifications],
        "logs": log_excerpts(log_dir, first=last_run.logs if last_run else ()),
    }
    return Report(Scrubber(host)(data))


def session_report(
    session: Session,
    plan: Plan | None = None,
    run: RunReport | None = None,
    verifications: Sequence[Verification] = (),
) -> Report:
    """The report for what a session has seen and done.

    `last_run` is the run-state of the newest install, from this or an earlier run.

    FIXME(ui): the Finish page saves its own text report (masked by the same
    Scrubber); it does not offer this JSON and Markdown report yet.
    """
    return build_report(
        session.host,
        session.detection,
        plan,
        run,
        verifications,
        log_dir=session.paths.logs,
        last_run=session.last_run(),
    )


def _tool_versions(
    detection: Detection | None, verifications: Iterable[Verification]
) -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    if detection:
        for finding in detection.findings():
            versions[finding.name] = finding.version
    for item in verifications:
        versions[item.name] = item.version
    return versions


def _fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}text\n{text}\n{ticks}"


def _cell(value: object) -> str:
    return str(value if value is not None else "-").replace("|", "\\|").replace("\n", " ")


def _markdown(data: Mapping[str, Any]) -> str:
    out = [f"# ai-cli-setup report ({data['created']})", ""]
    machine = data["machine"]
    out += [
        "## Machine",
        "",
        f"- {_cell(machine['os'])}, {_cell(machine['architecture'])} ({_cell(machine['system'])})",
        "",
        "## Versions",
        "",
        "| what | version |",
        "|---|---|",
        *(f"| {_cell(k)} | {_cell(v)} |" for k, v in data["versions"].items()),
        "",
        "## Findings",
        "",
    ]
    for finding in data["findings"]:
        mark = "present" if finding["present"] else "absent"
        out.append(f"### {_cell(finding['name'])}: {mark}")
        out += ["", _cell(finding["summary"]), ""]
        for evidence in finding["evidence"]:
            command = " ".join(evidence["argv"])
            out += [f"`{command}` → {evidence['status']} (exit {evidence['exit_code']})", ""]
            if evidence["excerpt"]:
                out += [_fence(evidence["excerpt"]), ""]
    plan = data["plan"]
    if plan:
        out += ["## Plan", "", f"npm prefix: `{plan['npm_prefix']}`", ""]
        for step in plan["steps"]:
            out.append(f"1. {_cell(step['title'])} ({step['action']})")
            for command in step["commands"]:
                admin = " (admin)" if command["admin"] else ""
                out.append(f"   - `{' '.join(command['argv'])}`{admin}")
            for why in ("skip", "blocked"):
                if step[why]:
                    out.append(f"   - {why}: {_cell(step[why])}")
        out.append("")
    if data["results"]:
        out += ["## Results", "", "| step | status | message |", "|---|---|---|"]
        out += [
            f"| {_cell(r['title'])} | {r['status']} | {_cell(r['message'])} |"
            for r in data["results"]
        ]
        out.append("")
    last = data["last_run"]
    if last and last["steps"]:
        state = "finished" if last["finished"] else "did not finish"
        out += [f"## Last install ({state})", "", "| step | status | message |", "|---|---|---|"]
        out += [
            f"| {_cell(step)} | {_cell(status)} | {_cell(last['messages'].get(step, ''))} |"
            for step, status in last["steps"].items()
        ]
        out.append("")
    if data["verification"]:
        out += ["## Verification", "", "| tool | status | version | path |", "|---|---|---|---|"]
        out += [
            f"| {_cell(v['name'])} | {v['status']} | {_cell(v['version'])} | {_cell(v['path'])} |"
            for v in data["verification"]
        ]
        out.append("")
    for log in data["logs"]:
        out += [f"## Log excerpt: {log['file']}", "", _fence("\n".join(log["lines"])), ""]
    return "\n".join(out).rstrip() + "\n"


def write_report(report: Report, out: Path) -> tuple[Path, Path]:
    """Write `out` as JSON and Markdown side by side; returns both paths."""
    base = out.with_suffix("") if out.suffix.lower() in (".json", ".md") else out
    json_path = base.with_name(base.name + ".json")
    md_path = base.with_name(base.name + ".md")
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(report.to_json(), encoding="utf-8")
    md_path.write_text(report.to_markdown(), encoding="utf-8")
    return json_path, md_path


def default_report_path(state_dir: Path) -> Path:
    return state_dir / "reports" / time.strftime("report-%Y%m%d-%H%M%S")
