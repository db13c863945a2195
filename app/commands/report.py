"""`ai-cli-setup report`: a redacted report to send to whoever helps you."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.commands.common import (
    EXIT_OK,
    add_installed_tools_arguments,
    add_profile_argument,
    tools_or_last_install,
    use_profile,
)
from app.core.report import default_report_path, session_report, write_report
from app.core.session import Session

NAME = "report"
HELP = (
    "write a redacted report (machine, findings, plan, versions, log excerpts) as JSON and Markdown"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        metavar="FILE",
        help="where to write (FILE.json and FILE.md; default: the app's state folder)",
    )
    add_installed_tools_arguments(parser)
    add_profile_argument(parser, "report against the tools and prefix of a profile file")


async def run(session: Session, args: argparse.Namespace) -> int:
    profile = use_profile(session, args.profile)
    tools, _ = tools_or_last_install(session, args.tools or (profile.tool_ids if profile else None))
    last = session.last_run()
    prefix = (  # the folder the CLIs were installed in, not npm's default one
        args.npm_prefix
        or (profile.npm_prefix if profile else None)
        or (last.choices.npm_prefix if last else None)
    )
    await session.detect(npm_prefix=prefix)
    plan = session.plan(tools, prefix)
    verifications = await session.verify(tools, plan.npm_prefix)
    report = session_report(session, plan, None, verifications)
    out = Path(args.out) if args.out else default_report_path(session.paths.state)
    json_path, md_path = write_report(report, out)
    print(f"Wrote {json_path}")
    print(f"Wrote {md_path}")
    print("Secrets, your home folder and your user name are masked; read it before you share it.")
    return EXIT_OK
