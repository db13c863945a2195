"""`ai-cli-setup plan`: what an install would do, or the plan as a file for a fleet tool."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.commands.common import (
    EXIT_OK,
    UsageError,
    add_profile_argument,
    add_replay_argument,
    check_tools,
    folder_arg,
    tool_list,
    use_profile,
)
from app.core.exports import FORMATS, export_plan
from app.core.planner import Choices, render_plan
from app.core.session import Session

NAME = "plan"
HELP = "show the install steps, or export them as a script, Brewfile, winget or Ansible file"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tools", type=tool_list, default=None, help="comma-separated tool ids")
    parser.add_argument(
        "--npm-prefix", type=folder_arg, metavar="DIR", help="npm prefix to install into"
    )
    parser.add_argument("--uv", action="store_true", help="include uv")
    parser.add_argument(
        "--container-runtime", choices=("docker", "podman"), help="include a container runtime"
    )
    parser.add_argument(
        "--format",
        choices=("text", "json", *FORMATS),
        default="text",
        help="text or json to read; bash, powershell, brewfile, winget or ansible to export",
    )
    parser.add_argument("--out", metavar="FILE", help="write to FILE instead of the terminal")
    add_profile_argument(parser, "plan what a profile file asks for")
    add_replay_argument(parser)


async def run(session: Session, args: argparse.Namespace) -> int:
    profile = use_profile(session, args.profile)
    tools = check_tools(session, args.tools or (profile.tool_ids if profile else None))
    choices = Choices(
        tuple(tools),
        args.npm_prefix or None,
        uv=args.uv,
        container_runtime=args.container_runtime,
    )
    detection = await session.detect(npm_prefix=args.npm_prefix)
    await session.detect_extras(choices)
    plan = session.plan(tools, args.npm_prefix, choices)
    if args.format == "json":
        text = json.dumps(plan.to_dict(), indent=2, ensure_ascii=False) + "\n"
    elif args.format == "text":
        text = "\n".join(render_plan(plan, detection.os_name)) + "\n"
    else:
        text = export_plan(plan, session.catalog, args.format)
    warnings = [w for w in (session.disk_warning(plan), session.registry_warning(plan)) if w]
    if not args.out:
        print(text, end="")
    # Beside a plan to read; on stderr when the output is a file or JSON for a program.
    to_stderr = args.format != "text" or bool(args.out)
    for warning in warnings:
        print(f"Warning: {warning}", file=sys.stderr if to_stderr else sys.stdout)
    if not args.out:
        return EXIT_OK
    out = Path(args.out)
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror}") from None
    if args.format in ("bash", "powershell"):
        out.chmod(0o755)
    print(f"Wrote {args.format} to {out}")
    return EXIT_OK
