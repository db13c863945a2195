"""`ai-cli-setup detect`: what is installed on this machine."""

from __future__ import annotations

import argparse

from app.commands.common import EXIT_OK, print_json
from app.core.session import Session

NAME = "detect"
HELP = "show what is installed on this machine"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")


async def run(session: Session, args: argparse.Namespace) -> int:
    detection = await session.detect()
    if args.json:
        print_json(detection)
        return EXIT_OK
    print(f"System: {detection.os_name} ({detection.machine})")
    for finding in detection.findings():
        mark = "+" if finding.present else "-"
        where = f"  [{finding.path}]" if finding.path and finding.present else ""
        print(f" {mark} {finding.summary}{where}")
    return EXIT_OK
