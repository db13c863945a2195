"""`ai-cli-setup install`: plan, install with npm, verify."""

from __future__ import annotations

import argparse
import os
import sys

from app.commands.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    add_profile_argument,
    check_tools,
    tool_list,
    use_profile,
)
from app.core.install import Event, StepFinished, StepOutput, StepStarted
from app.core.logs import current_log_path
from app.core.session import Session

NAME = "install"
HELP = "install AI CLIs with npm and verify them"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tools",
        type=tool_list,
        default=None,
        help="comma-separated tool ids (default: all three CLIs)",
    )
    parser.add_argument(
        "--npm-prefix",
        metavar="DIR",
        help="npm prefix to install into (default: the global one if writable, "
        "else a folder in your home)",
    )
    parser.add_argument("--yes", "-y", action="store_true", help="do not ask before installing")
    add_profile_argument(parser, "take tools, versions, npm prefix and proxy from a profile file")


def print_event(event: Event) -> None:
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


async def run(session: Session, args: argparse.Namespace) -> int:
    profile = use_profile(session, args.profile)
    tools = check_tools(session, args.tools or (profile.tool_ids if profile else None))
    ca_file = profile.network.ca_file if profile else None
    if ca_file and not os.path.isfile(ca_file):
        raise UsageError(f"the profile's CA file {ca_file} is not on this machine; copy it there")
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
    report = await session.install(plan, print_event)
    print("Summary:")
    for result in report.results:
        verification = result.verification
        version = f" {verification.version}" if verification and verification.version else ""
        print(f"  {result.status:<9} {result.step.title}{version}")
        if verification and verification.status == "not-on-path":
            print(f"            {verification.message} {verification.fix}")
    print(f"Log: {current_log_path()}")
    return EXIT_OK if report.succeeded else EXIT_FAILED
