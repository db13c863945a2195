"""`ai-cli-setup check --profile FILE`: is this machine ready? Read-only."""

from __future__ import annotations

import argparse

from app.commands.common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    folder_arg,
    print_json,
    use_profile,
)
from app.core.readiness import check_readiness
from app.core.session import Session

NAME = "check"
HELP = "check, without changing anything, that this machine meets a profile (exit 0 if ready)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="the profile to check against (required; may also come before the command)",
    )
    parser.add_argument(
        "--npm-prefix", type=folder_arg, metavar="DIR", help="look in this npm prefix first"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


async def run(session: Session, args: argparse.Namespace) -> int:
    if not args.profile:
        raise UsageError("check needs --profile FILE")
    profile = use_profile(session, args.profile)
    assert profile is not None
    readiness = await check_readiness(session, profile, args.npm_prefix)
    if args.json:
        print_json({"ready": readiness.ready, **vars(readiness)})
    else:
        print(f"Checking {profile.name} ({profile.source}), npm prefix {readiness.npm_prefix}")
        for row in readiness.requirements:
            mark = "PASS" if row.passed else "FAIL"
            print(f"{mark}  {row.name}: {row.detail}".rstrip(": "))
            if row.fix:
                print(f"      Fix: {row.fix}")
        print("READY" if readiness.ready else "NOT READY")
    return EXIT_OK if readiness.ready else EXIT_FAILED
