"""`ai-cli-setup verify`: run each tool's --version as a new terminal would, and report."""

from __future__ import annotations

import argparse
import sys

from app.commands.common import (
    EXIT_FAILED,
    EXIT_OK,
    add_installed_tools_arguments,
    add_replay_argument,
    print_json,
    tools_or_last_install,
)
from app.core.session import Session
from app.core.verify import Verification

NAME = "verify"
HELP = "run each tool's --version and report version, full path and who installed it"

_MARK = {
    "ok": "PASS",
    "not-on-path": "FAIL",  # it runs by its full path, but a new terminal cannot find it
    "missing": "FAIL",
    "broken": "FAIL",
    "outdated": "FAIL",
    "node-too-old": "FAIL",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_installed_tools_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--fix-path",
        action="store_true",
        help="put the folder of each tool that is installed but not on PATH on your PATH "
        "(undo with `ai-cli-setup undo`), then verify again",
    )
    add_replay_argument(parser)


def _print(results: list[Verification]) -> None:
    for item in results:
        owner = f"({item.owner})" if item.owner and item.owner != "unknown" else ""
        line = (
            f"{_MARK[item.status]}  {item.name:<12} {item.version or '-':<12} "
            f"{item.path or ''} {owner}"
        )
        print(line.rstrip())
        if item.status != "ok":
            print(f"      {item.message}")
            if item.fix:
                print(f"      Fix: {item.fix}")
        elif item.copies[1:]:
            print(f"      {item.message}")
        for copy in item.copies[1:]:
            where = "runs first" if copy.runs else "on PATH" if copy.on_path else "not on PATH"
            print(f"      also: {copy.path} ({copy.owner} {copy.version or '?'}, {where})")


async def run(session: Session, args: argparse.Namespace) -> int:
    tools, from_last_install = tools_or_last_install(session, args.tools)
    if from_last_install and not args.json:  # what a tool never asked for does not fail it
        print(f"Checking what the last install chose: {', '.join(tools)} (--tools for others)")
    fresh = await session.fresh_path()
    results = await session.verify(tools, args.npm_prefix, fresh)
    if args.fix_path:
        folders = [r.fix_folder for r in results if r.status == "not-on-path" and r.fix_folder]
        for line in session.add_to_path(folders) if folders else ["Nothing to put on PATH."]:
            print(line, file=sys.stderr if args.json else sys.stdout)
        fresh = await session.fresh_path()
        results = await session.verify(tools, args.npm_prefix, fresh)
    if args.json:
        if fresh.note:
            print(f"note: {fresh.note}", file=sys.stderr)
        print_json(results)
    else:
        print(f"PATH of a new terminal, from: {fresh.origin}")
        if fresh.note:
            print(f"  note: {fresh.note}")
        _print(results)
    # What a new terminal can run, as `check` judges it too (C01): "not on PATH" fails.
    return EXIT_OK if all(item.status == "ok" for item in results) else EXIT_FAILED
