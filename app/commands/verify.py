"""`ai-cli-setup verify`: run each tool's --version and report."""

from __future__ import annotations

import argparse
import sys

from app.commands.common import (
    EXIT_FAILED,
    EXIT_OK,
    add_replay_argument,
    check_tools,
    print_json,
    tool_list,
)
from app.core.session import Session
from app.core.userpath import add_to_user_path

NAME = "verify"
HELP = "run each tool's --version and report version and full path"

_MARK = {"ok": "PASS", "not-on-path": "PASS", "missing": "FAIL", "broken": "FAIL"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tools", type=tool_list, default=None)
    parser.add_argument("--npm-prefix", metavar="DIR", help="look in this npm prefix first")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--add-to-path",
        action="store_true",
        help="put the folder of each tool that is not on PATH on your PATH for new terminals",
    )
    add_replay_argument(parser)


async def run(session: Session, args: argparse.Namespace) -> int:
    tools = check_tools(session, args.tools)
    results = await session.verify(tools, args.npm_prefix)
    if args.json:
        print_json(results)
    else:
        for item in results:
            line = (
                f"{_MARK[item.status]}  {item.name:<12} {item.version or '-':<12} {item.path or ''}"
            )
            print(line.rstrip())
            if item.status != "ok":
                print(f"      {item.message}")
                if item.fix:
                    print(f"      Fix: {item.fix}")
                if item.status == "not-on-path" and not args.add_to_path:
                    print("      Or let the wizard do it: ai-cli-setup verify --add-to-path")
    if args.add_to_path:
        folders = [session.host.dirname(i.path) for i in results if i.status == "not-on-path"]
        for folder in dict.fromkeys(f for f in folders if f):
            change = add_to_user_path(folder, session.host)
            print(change.message, file=sys.stderr if args.json else sys.stdout)
    return EXIT_OK if all(item.passed for item in results) else EXIT_FAILED
