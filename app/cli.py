"""The `ai-cli-setup` command: the wizard without arguments, subcommands otherwise.

Exit codes: 0 success, 1 something failed, 2 bad usage.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from collections.abc import Sequence
from typing import Any

from app import __version__
from app.core.catalog import CatalogError
from app.core.install import Event, StepFinished, StepOutput, StepStarted
from app.core.logs import start_run_log
from app.core.redact import Redactor
from app.core.session import Session

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _tool_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ai-cli-setup",
        description="Install and verify Claude Code, Gemini CLI and Codex CLI. "
        "Without a subcommand the setup wizard opens.",
    )
    parser.add_argument("--version", action="version", version=f"ai-cli-setup {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    detect = sub.add_parser("detect", help="show what is installed on this machine")
    detect.add_argument("--json", action="store_true", help="print the findings as JSON")

    install = sub.add_parser("install", help="install AI CLIs with npm and verify them")
    install.add_argument(
        "--tools",
        type=_tool_list,
        default=None,
        help="comma-separated tool ids (default: all three CLIs)",
    )
    install.add_argument(
        "--npm-prefix",
        metavar="DIR",
        help="npm prefix to install into (default: the global one if writable, "
        "else a folder in your home)",
    )
    install.add_argument("--yes", "-y", action="store_true", help="do not ask before installing")

    verify = sub.add_parser("verify", help="run each tool's --version and report")
    verify.add_argument("--tools", type=_tool_list, default=None)
    verify.add_argument("--npm-prefix", metavar="DIR", help="look in this npm prefix first")
    verify.add_argument("--json", action="store_true")
    return parser


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _print_json(value: Any) -> None:
    print(json.dumps(_jsonable(value), indent=2, ensure_ascii=False))


def _check_tools(session: Session, tools: list[str] | None) -> list[str]:
    if tools is None:
        return list(session.catalog.tools)
    unknown = [t for t in tools if t not in session.catalog.tools]
    if unknown:
        known = ", ".join(session.catalog.tools)
        raise _UsageError(f"unknown tool {unknown[0]!r}; known tools: {known}")
    return tools


class _UsageError(Exception):
    pass


async def _cmd_detect(session: Session, args: argparse.Namespace) -> int:
    detection = await session.detect()
    if args.json:
        _print_json(detection)
        return EXIT_OK
    print(f"System: {detection.os_name} ({detection.machine})")
    for finding in detection.findings():
        mark = "+" if finding.present else "-"
        where = f"  [{finding.path}]" if finding.path and finding.present else ""
        print(f" {mark} {finding.summary}{where}")
    return EXIT_OK


def _print_event(event: Event) -> None:
    if isinstance(event, StepStarted):
        print(f"[{event.index + 1}/{event.total}] {event.step.title}", flush=True)
        if event.step.note:
            print(f"    note: {event.step.note}", flush=True)
    elif isinstance(event, StepOutput):
        print(f"    | {event.line}", flush=True)
    elif isinstance(event, StepFinished):
        result = event.result
        print(f"    => {result.status}: {result.message}", flush=True)
        for finding in result.findings:
            print(f"       {finding.explanation} Fix: {finding.fix}", flush=True)


async def _cmd_install(session: Session, args: argparse.Namespace) -> int:
    tools = _check_tools(session, args.tools)
    await session.detect()
    plan = session.plan(tools, args.npm_prefix)
    print(f"Plan (npm prefix {plan.npm_prefix}):")
    for step in plan.steps:
        print(f"  - {step.title}: {' '.join(step.argv)}")
        if step.blocked:
            print(f"      blocked: {step.blocked}")
    if not args.yes:
        if not sys.stdin or not sys.stdin.isatty():
            print("Nothing was installed. Re-run with --yes to install without asking.")
            return EXIT_USAGE
        if input("Install now? [y/N] ").strip().lower() not in ("y", "yes"):
            print("Nothing was installed.")
            return EXIT_FAILED
    report = await session.install(plan, _print_event)
    print("Summary:")
    for result in report.results:
        version = (
            f" {result.verification.version}"
            if result.verification and result.verification.version
            else ""
        )
        print(f"  {result.status:<9} {result.step.title}{version}")
        if result.verification and result.verification.status == "not-on-path":
            print(f"            {result.verification.message} {result.verification.fix}")
    return EXIT_OK if report.succeeded else EXIT_FAILED


async def _cmd_verify(session: Session, args: argparse.Namespace) -> int:
    tools = _check_tools(session, args.tools)
    results = await session.verify(tools, args.npm_prefix)
    if args.json:
        _print_json(results)
    else:
        for item in results:
            mark = {"ok": "PASS", "not-on-path": "PASS", "missing": "FAIL", "broken": "FAIL"}[
                item.status
            ]
            line = f"{mark}  {item.name:<12} {item.version or '-':<12} {item.path or ''}"
            print(line.rstrip())
            if item.status != "ok":
                print(f"      {item.message}")
                if item.fix:
                    print(f"      Fix: {item.fix}")
    return EXIT_OK if all(item.passed for item in results) else EXIT_FAILED


_COMMANDS = {"detect": _cmd_detect, "install": _cmd_install, "verify": _cmd_verify}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 for --help
        return int(exc.code or 0)
    if args.command is None:
        from app.ui.app import run_wizard  # Qt is imported only for the wizard

        return run_wizard()
    try:
        session = Session.for_this_machine()
    except CatalogError as exc:
        print(f"ai-cli-setup: the catalog is broken: {exc}", file=sys.stderr)
        return EXIT_FAILED
    log_path = start_run_log(session.paths.logs, Redactor(session.host.env))
    try:
        code = asyncio.run(_COMMANDS[args.command](session, args))
    except _UsageError as exc:
        print(f"ai-cli-setup: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"Cancelled. The log is in {log_path}", file=sys.stderr)
        return EXIT_FAILED
    if args.command == "install":
        print(f"Log: {log_path}")
    return code
