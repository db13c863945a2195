"""`ai-cli-setup detect`: what is installed on this machine, and why we think so."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from app.commands.common import EXIT_OK, add_replay_argument, print_json
from app.core.detect import Detection, NoFacts
from app.core.recording import Recorder
from app.core.session import Session

NAME = "detect"
HELP = "show what is installed on this machine"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    parser.add_argument(
        "--evidence", action="store_true", help="show the command and output behind each finding"
    )
    parser.add_argument(
        "--record",
        metavar="FILE",
        help="also write a recording of this machine (personal details removed) to FILE",
    )
    add_replay_argument(parser)


def print_detection(detection: Detection, evidence: bool = False) -> None:
    print(f"System: {detection.os_name} ({detection.machine})")
    for finding in detection.findings():
        mark = "+" if finding.present else "-"
        where = f"  [{finding.path}]" if finding.path and finding.present else ""
        print(f" {mark} {finding.summary}{where}")
        if not evidence:
            continue
        for item in finding.evidence:
            code = "" if item.exit_code is None else f" (exit {item.exit_code})"
            print(f"     $ {' '.join(item.argv)}{code} [{item.status}]")
            for line in item.excerpt.splitlines():
                print(f"       {line}")


async def run(session: Session, args: argparse.Namespace) -> int:
    recorder = None
    if args.record:
        recorder = Recorder(session.runner, session.facts or NoFacts())
        session = dataclasses.replace(session, runner=recorder.runner, facts=recorder.facts)
    detection = await session.detect()
    if recorder is not None:
        path = recorder.save(args.record)
        print(f"Recording written to {path}", file=sys.stderr)
    if args.json:
        print_json(detection)
    else:
        print_detection(detection, args.evidence)
    return EXIT_OK
