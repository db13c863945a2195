"""`ai-cli-setup plan`: what would run, as text, JSON or a file for a fleet tool."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.commands.common import (
    EXIT_OK,
    UsageError,
    add_profile_argument,
    check_tools,
    print_json,
    tool_list,
    use_profile,
)
from app.core.exports import FORMATS, export_plan
from app.core.install import Plan
from app.core.session import Session

NAME = "plan"
HELP = "show the install plan, or export it as a script, Brewfile, winget or Ansible file"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tools", type=tool_list, default=None)
    parser.add_argument("--npm-prefix", metavar="DIR")
    parser.add_argument(
        "--format",
        choices=("text", "json", *FORMATS),
        default="text",
        help="text or json to read; bash, powershell, brewfile, winget or ansible to export",
    )
    parser.add_argument("--out", metavar="FILE", help="write to FILE instead of the terminal")
    add_profile_argument(parser, "plan what a profile file asks for")


def render_text(plan: Plan) -> str:
    lines = [f"Plan (npm prefix {plan.npm_prefix}):"]
    for step in plan.steps:
        env = " ".join(f"{k}={v}" for k, v in step.env)
        lines.append(f"  - {step.title}: {' '.join(step.argv)}")
        if env:
            lines.append(f"      env: {env}")
        if step.note:
            lines.append(f"      note: {step.note}")
        if step.blocked:
            lines.append(f"      blocked: {step.blocked}")
    return "\n".join(lines) + "\n"


async def run(session: Session, args: argparse.Namespace) -> int:
    profile = use_profile(session, args.profile)
    tools = check_tools(session, args.tools or (profile.tool_ids if profile else None))
    await session.detect()
    plan = session.plan(tools, args.npm_prefix)
    if args.format == "json":
        if args.out:
            raise UsageError("--out is for the export formats; redirect JSON instead")
        print_json(plan)
        return EXIT_OK
    text = (
        render_text(plan)
        if args.format == "text"
        else export_plan(plan, session.catalog, args.format)
    )
    if args.out:
        out = Path(args.out)
        out.write_text(text, encoding="utf-8")
        if args.format in ("bash", "powershell"):
            out.chmod(0o755)
        print(f"Wrote {args.format} to {out}")
    else:
        print(text, end="")
    return EXIT_OK
