"""How the core's results read on screen: words, icons, marks and commands."""

from __future__ import annotations

import os
import shlex
import subprocess
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QStyle

from app.core.catalog import Tool
from app.core.detect import Finding
from app.core.install import Plan, Step, StepResult
from app.core.planner import (
    display_command,
    shared_call_argv,
    shared_call_sentence,
    shared_npm_calls,
)
from app.core.verify import Verification
from app.core.versions import at_least


def _tr(text: str) -> str:
    return QCoreApplication.translate("Status", text)


def step_status_text(status: str) -> str:
    return {
        "pending": _tr("Waiting"),
        "running": _tr("Running"),
        "succeeded": _tr("Done"),
        "failed": _tr("Failed"),
        "cancelled": _tr("Cancelled"),
        "blocked": _tr("Blocked"),
        "skipped": _tr("Skipped"),
        "declined": _tr("Admin rights declined"),
    }.get(status, status)


_STEP_ICONS = {
    "running": QStyle.StandardPixmap.SP_BrowserReload,
    "succeeded": QStyle.StandardPixmap.SP_DialogApplyButton,
    "failed": QStyle.StandardPixmap.SP_MessageBoxCritical,
    "cancelled": QStyle.StandardPixmap.SP_DialogCancelButton,
    "blocked": QStyle.StandardPixmap.SP_MessageBoxWarning,
    "skipped": QStyle.StandardPixmap.SP_MessageBoxInformation,
    "declined": QStyle.StandardPixmap.SP_MessageBoxWarning,
}

_VERIFY_ICONS = {
    "ok": QStyle.StandardPixmap.SP_DialogApplyButton,
    "not-on-path": QStyle.StandardPixmap.SP_MessageBoxWarning,
    "missing": QStyle.StandardPixmap.SP_MessageBoxCritical,
    "broken": QStyle.StandardPixmap.SP_MessageBoxCritical,
    "outdated": QStyle.StandardPixmap.SP_MessageBoxCritical,
    "node-too-old": QStyle.StandardPixmap.SP_MessageBoxCritical,
    "skipped": QStyle.StandardPixmap.SP_MessageBoxInformation,
}


def _icon(pixmap: QStyle.StandardPixmap) -> QIcon:
    return QApplication.style().standardIcon(pixmap)


def step_icon(status: str) -> QIcon:
    """The icon beside a step; a waiting step has none (its text says so)."""
    if status == "pending":
        return _blank_icon()
    return _icon(_STEP_ICONS.get(status, QStyle.StandardPixmap.SP_MessageBoxQuestion))


_FINDING_ICONS = {
    "ok": QStyle.StandardPixmap.SP_DialogApplyButton,
    "problem": QStyle.StandardPixmap.SP_MessageBoxWarning,
    "unknown": QStyle.StandardPixmap.SP_MessageBoxQuestion,
}


def finding_icon(level: str) -> QIcon:
    """Found, needs attention or unknown; "missing" and "not applicable" stay quiet."""
    pixmap = _FINDING_ICONS.get(level)
    return _icon(pixmap) if pixmap is not None else _blank_icon()


def finding_state_text(level: str) -> str:
    """What a screen reader says before a finding's summary."""
    return {
        "ok": _tr("found"),
        "missing": _tr("not found"),
        "problem": _tr("needs attention"),
        "not-applicable": _tr("not needed here"),
        "unknown": _tr("not known"),
    }.get(level, level)


def group_title(group: str) -> str:
    return {
        "computer": _tr("This computer"),
        "prerequisites": _tr("Prerequisites"),
        "tools": _tr("AI CLIs"),
        "containers": _tr("Container runtimes"),
        "managers": _tr("Package and version managers"),
        "network": _tr("Network"),
    }.get(group, _tr("Other"))


def _blank_icon() -> QIcon:
    pixmap = QPixmap(16, 16)
    pixmap.fill(Qt.GlobalColor.transparent)
    return QIcon(pixmap)


def verify_icon(status: str) -> QIcon:
    return _icon(_VERIFY_ICONS.get(status, QStyle.StandardPixmap.SP_MessageBoxQuestion))


def where_text(where: str) -> str:
    """Where a check ran: on this computer, or inside the container image."""
    return _tr("in the container") if where == "container" else _tr("this computer")


def verify_status_text(status: str) -> str:
    return {
        "ok": _tr("Works"),
        "not-on-path": _tr("Works, not on PATH yet"),
        "missing": _tr("Missing"),
        "broken": _tr("Does not start"),
        "outdated": _tr("Too old"),
        "node-too-old": _tr("Needs a newer Node.js"),
        "skipped": _tr("Skipped"),
    }.get(status, status)


FAILED_STATES = frozenset({"failed", "cancelled", "blocked", "declined"})
RETRYABLE_STATES = frozenset({"failed", "cancelled", "blocked", "declined"})
DONE_STATES = frozenset({"succeeded", "skipped"})  # what a resumed run does not run again


@dataclass(frozen=True)
class StepMarks:
    """What the user should know about a step before it runs."""

    admin: bool = False
    relogin: bool = False
    reboot: bool = False
    size_mb: float | None = None

    def words(self) -> list[str]:
        out = []
        if self.admin:
            out.append(_tr("needs admin rights"))
        if self.reboot:
            out.append(_tr("needs a restart"))
        elif self.relogin:
            out.append(_tr("needs signing out and in"))
        if self.size_mb is not None:
            out.append(_tr("about %s MB download") % f"{self.size_mb:g}")
        return out


def step_marks(step: Step) -> StepMarks:
    return StepMarks(
        admin=step.admin,
        relogin=step.relogin,
        reboot=step.reboot,
        size_mb=float(step.download_mb) if step.download_mb else None,
    )


def command_text(step: Step, windows: bool) -> str:
    """The step's exact commands as the user would type them, one a line."""
    system = "windows" if windows else "linux"
    return "\n".join(
        display_command(c.argv, system) + (_tr(" (admin)") if c.admin else "")
        for c in step.commands
    )


def shared_call_notes(plan: Plan, windows: bool) -> list[str]:
    """Which steps the install makes one npm call for, and that call, one note each."""
    system = "windows" if windows else "linux"
    return [
        f"{shared_call_sentence(steps)} {display_command(shared_call_argv(steps), system)}"
        for steps in shared_npm_calls(plan)
    ]


def plan_as_script(plan: Plan, windows: bool) -> str:
    """The plan as a script the user can read or run by hand."""
    lines: list[str] = []
    if windows:
        lines.append("# " + _tr("AI CLI Setup plan (PowerShell)"))
    else:
        lines += ["#!/bin/sh", "# " + _tr("AI CLI Setup plan"), "set -e"]
    for step in plan.steps:
        lines.append(f"\n# {step.title}")
        if step.skip:
            lines.append("# " + _tr("skipped: %s") % step.skip)
        if step.blocked:
            lines.append("# " + _tr("blocked: %s") % step.blocked)
        off = "# " if step.blocked or step.skip else ""
        if windows:
            lines += [f"{off}$env:{name} = '{value}'" for name, value in step.env]
        env = " ".join(f"{name}={shlex.quote(value)}" for name, value in step.env)
        for command in step.commands:
            if windows:
                admin = "  # " + _tr("in an elevated PowerShell") if command.admin else ""
                line = "& " + subprocess.list2cmdline(command.argv) + admin
            else:
                line = ("sudo " if command.admin else "") + shlex.join(command.argv)
                line = (env + " " if env and not command.admin else "") + line
            lines.append(off + line)
    return "\n".join(lines) + "\n"


def tool_status(tool: Tool, finding: Finding | None, latest: str | None = None) -> str:
    """installed, outdated (older than `latest`, the newest release) or missing."""
    # FIXME(planner): nothing looks up the newest release yet (Choices.latest), so the
    # wizard never says "outdated" today; the planner skips an installed CLI.
    if finding is None or not finding.present:
        return "missing"
    if latest and not at_least(finding.version, latest):
        return "outdated"
    return "installed"


def tool_status_text(status: str) -> str:
    return {
        "installed": _tr("installed"),
        "outdated": _tr("outdated"),
        "missing": _tr("missing"),
    }[status]


def tool_method(tool: Tool) -> str:
    # FIXME(issue-3): the catalog's install methods per OS; npm is the only one today.
    return _tr("npm package %s") % tool.npm_package


def owner_of(item: Verification, prefix: str | None) -> str:
    """Who installed the tool, as far as is known."""
    if item.where == "container":
        return _tr("the image build")
    if item.owner:
        return item.owner
    if item.path and prefix and os.path.realpath(item.path).startswith(os.path.realpath(prefix)):
        return _tr("npm (this wizard's folder)")
    return "—" if not item.path else _tr("unknown")


def fix_text(result: StepResult) -> str:
    """What went wrong with a step and what to do about it."""
    parts = [result.message] if result.message else []
    for signature in result.findings:
        parts.append(signature.explanation)
        parts.append(_tr("Fix: %s") % signature.fix)
    verification = result.verification
    if verification is not None and verification.fix:
        parts.append(_tr("Fix: %s") % verification.fix)
    if result.status == "declined":
        parts.append(_tr("The step needs admin rights. Retry and accept the prompt, or skip it."))
    if result.status == "blocked":
        parts.append(_tr("Retry after fixing what it waits for; it runs again with its needs."))
    if len(parts) <= 1:
        parts.append(_tr("The log pane above shows the step's full output."))
    return "\n".join(dict.fromkeys(parts))
