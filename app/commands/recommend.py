"""`ai-cli-setup recommend`: the guide's recommendation for this machine, and why."""

from __future__ import annotations

import argparse

from app.commands.common import (
    EXIT_OK,
    UsageError,
    add_replay_argument,
    check_tools,
    print_json,
    tool_list,
)
from app.core.recommend import DEFAULT_SCENARIO, OS_LABELS, Machine, Recommendation, recommend
from app.core.session import Session

NAME = "recommend"
HELP = "show the guide's recommended container runtime and install methods, with the reason"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--list", action="store_true", help="list the scenarios (id, then name)")
    parser.add_argument(
        "--scenario",
        metavar="ID",
        default=DEFAULT_SCENARIO,
        help=f"what the machine is for (default: {DEFAULT_SCENARIO}; see --list)",
    )
    parser.add_argument(
        "--os",
        choices=sorted(OS_LABELS),
        help="answer for this system instead of this machine (its facts are then unknown)",
    )
    parser.add_argument("--tools", type=tool_list, default=None, help="AI CLIs to install")
    parser.add_argument(
        "--large-company",
        action="store_true",
        help="the organisation has more than 250 employees (Docker Desktop licence)",
    )
    parser.add_argument("--json", action="store_true", help="print the recommendation as JSON")
    add_replay_argument(parser)


async def run(session: Session, args: argparse.Namespace) -> int:
    catalog = session.catalog
    if args.list:
        for scenario in catalog.scenarios.values():
            print(f"{scenario.id}\t{scenario.name}")
        return EXIT_OK
    if args.scenario not in catalog.scenarios:
        known = ", ".join(catalog.scenarios)
        raise UsageError(f"unknown scenario {args.scenario!r}; known scenarios: {known}")
    tools = check_tools(session, args.tools)
    large = True if args.large_company else None
    here = Machine.from_host(session.host)
    if args.os and args.os != here.os:
        machine = Machine(os=args.os, large_company=large)
    else:
        detection = await session.detect()
        machine = Machine.from_host(session.host, detection, large_company=large)
    result = recommend(catalog, machine, args.scenario, tools)
    if args.json:
        print_json({"machine": machine, "recommendation": result})
    else:
        _print(result, machine, set(catalog.tools))
    return EXIT_OK


def _print(result: Recommendation, machine: Machine, tool_ids: set[str]) -> None:
    print(f"Scenario: {result.scenario_name} ({result.scenario_id}) on {machine.describe()}")
    print(f"The guide says: {result.cell}")
    print(f"Recommendation: {result.runtime_name or 'no container runtime'}")
    print(f"Why: {result.reason}")
    if result.installs:
        print("Install:")
        for planned in result.installs:
            flags = [
                label
                for label, on in (
                    ("already installed", planned.present),
                    ("admin", planned.admin),
                    ("re-login", planned.relogin),
                    ("reboot", planned.reboot),
                )
                if on
            ]
            extra = f"  ({', '.join(flags)})" if flags else ""
            print(f"  {planned.name}: {planned.label} [{planned.step_id}]{extra}")
            for action in planned.actions:
                print(f"      {action}")
            if planned.note:
                print(f"      note: {planned.note}")
    by_hand = [p.name for p in result.installs if p.item_id in tool_ids and "npm" not in p.step_id]
    if by_hand:
        # The planner installs every AI CLI with npm; say so where the guide names another way.
        print(
            f"  ({' and '.join(by_hand)}: the guide's way by hand; `ai-cli-setup install` "
            "and the wizard use npm, the one way they install and verify on every system.)"
        )
    if result.setup:
        print(f"Then: {', '.join(result.setup)}")
    for check in result.checks:
        mark = {True: "ok", False: "NO", None: "??"}[check.passed]
        print(f"  [{mark}] {check.message}")
    for note in result.notes:
        print(f"Note: {note}")
