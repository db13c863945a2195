"""`ai-cli-setup plan`: what an install would do on this machine, step by step."""

from __future__ import annotations

import argparse
import json

from app.commands.common import EXIT_OK, add_replay_argument, check_tools, tool_list
from app.core.planner import Choices, render_plan
from app.core.session import Session

NAME = "plan"
HELP = "show the install steps for this machine without running them"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tools", type=tool_list, default=None, help="comma-separated tool ids")
    parser.add_argument("--npm-prefix", metavar="DIR", help="npm prefix to install into")
    parser.add_argument("--uv", action="store_true", help="include uv")
    parser.add_argument(
        "--container-runtime", choices=("docker", "podman"), help="include a container runtime"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    add_replay_argument(parser)


async def run(session: Session, args: argparse.Namespace) -> int:
    tools = check_tools(session, args.tools)
    choices = Choices(
        tuple(tools),
        args.npm_prefix or None,
        uv=args.uv,
        container_runtime=args.container_runtime,
    )
    detection = await session.detect()
    await session.detect_extras(choices)
    plan = session.plan(tools, args.npm_prefix, choices)
    if args.format == "json":
        print(json.dumps(plan.to_dict(), indent=2, ensure_ascii=False))
    else:
        print("\n".join(render_plan(plan, detection.os_name)))
    return EXIT_OK
