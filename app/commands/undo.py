"""`ai-cli-setup undo`: reverse the changes the wizard made to your environment."""

from __future__ import annotations

import argparse

from app.commands.common import EXIT_FAILED, EXIT_OK, print_json
from app.core.journal import LOST_ID
from app.core.session import Session

NAME = "undo"
HELP = "reverse what the wizard changed (PATH, shell start-up files, npm settings, groups)"

_MARK = {
    "undone": "UNDONE",
    "would-undo": "WOULD",
    "partly": "PARTLY",
    "nothing": "-",
    "failed": "KEPT",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dry-run", action="store_true", help="say what would be undone, change nothing"
    )
    parser.add_argument("--json", action="store_true", help="print what was undone as JSON")


async def run(session: Session, args: argparse.Namespace) -> int:
    """Exit 1 when something was not undone, or a damaged journal hid what was changed."""
    results = await session.undo(dry_run=args.dry_run)
    if args.json:
        print_json(results)
    elif not results:
        print("The wizard has not changed anything that could be undone.")
    for item in results if not args.json else ():
        print(f"{_MARK[item.status]:<7} {item.what}: {item.message}")
    unsure = any(r.status == "failed" or r.entry_id == LOST_ID for r in results)
    return EXIT_FAILED if unsure else EXIT_OK
