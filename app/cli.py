"""The `ai-cli-setup` command: the wizard without arguments, subcommands otherwise.

Exit codes: 0 success, 1 something failed, 2 bad usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from app import __version__

# Only what parsing needs is imported here: the wizard's first window waits for
# every module imported before it. Subcommands import theirs when they run.


def build_parser(commands: bool = True) -> argparse.ArgumentParser:
    """The whole command line; without `commands`, only the wizard's own options."""
    parser = argparse.ArgumentParser(
        prog="ai-cli-setup",
        description="Install and verify Claude Code, Gemini CLI and Codex CLI. "
        "Without a subcommand the setup wizard opens.",
    )
    parser.add_argument("--version", action="version", version=f"ai-cli-setup {__version__}")
    parser.add_argument(
        "--profile",
        dest="global_profile",
        metavar="FILE",
        help="open the wizard pre-filled from a profile file (see docs/profiles.md)",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="open the wizard offscreen, run detection in a temporary folder and exit "
        "(0 when the build works)",
    )
    if not commands:
        parser.set_defaults(command=None)
        return parser
    from app.commands import ALL

    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in ALL:
        command.add_arguments(sub.add_parser(command.NAME, help=command.HELP))
    return parser


def opens_wizard(argv: Sequence[str]) -> bool:
    """Whether `argv` holds only the wizard's own options, spelt out in full.

    Then no subcommand module is imported to parse it; anything else (a
    subcommand, --help, an abbreviation, a typo) goes to the whole parser.
    """
    rest = list(argv)
    while rest:
        token = rest.pop(0)
        if token == "--self-test" or token.startswith("--profile="):
            continue
        if token == "--profile" and rest and not rest[0].startswith("-"):
            rest.pop(0)
            continue
        return False
    return True


def _wizard(profile_path: str | None) -> int:
    """Open the wizard; a profile is read (and may be refused) before any window."""
    session = None
    if profile_path:
        from app.commands.common import EXIT_USAGE
        from app.core.profile import ProfileError, load_profile
        from app.core.session import Session

        session = Session.for_this_machine()
        try:
            session.profile = load_profile(profile_path, session.catalog, session.host)
        except ProfileError as exc:
            print(f"ai-cli-setup: error: profile refused: {exc}", file=sys.stderr)
            return EXIT_USAGE
    # Qt is imported only for the wizard, which shows its window before loading the core.
    from app.ui.app import run_wizard

    return run_wizard(session)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(commands=not opens_wizard(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 for --help
        return int(exc.code or 0)
    if args.self_test:
        from app.selftest import run_self_test

        return run_self_test()
    if args.command is None:
        return _wizard(args.global_profile)
    return _command(args)


def _command(args: argparse.Namespace) -> int:
    """Run one subcommand; its module and the core are imported now."""
    import asyncio

    from app.commands import load
    from app.commands.common import EXIT_FAILED, EXIT_USAGE, UsageError, session_from_args
    from app.core.catalog import CatalogError
    from app.core.logs import start_run_log
    from app.core.redact import Redactor
    from app.core.tls import use_system_trust_store

    use_system_trust_store()  # the wizard's HTTP does this itself, at its first request
    if args.global_profile and getattr(args, "profile", None) is None:
        if not hasattr(args, "profile"):
            print(f"ai-cli-setup: error: {args.command} takes no profile", file=sys.stderr)
            return EXIT_USAGE
        args.profile = args.global_profile
    try:
        session = session_from_args(args)
    except CatalogError as exc:
        print(f"ai-cli-setup: the catalog is broken: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except UsageError as exc:
        print(f"ai-cli-setup: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    log_path = start_run_log(session.paths.logs, Redactor(session.host.env))
    command = load(args.command)
    try:
        return asyncio.run(command.run(session, args))
    except UsageError as exc:
        print(f"ai-cli-setup: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"Cancelled. The log is in {log_path}", file=sys.stderr)
        return EXIT_FAILED
