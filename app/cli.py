"""The `ai-cli-setup` command: the wizard without arguments, subcommands otherwise.

Exit codes: 0 success, 1 something failed, 2 bad usage.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from app import __version__
from app.commands import ALL as COMMANDS
from app.commands.common import EXIT_FAILED, EXIT_USAGE, UsageError, session_from_args
from app.core.catalog import CatalogError
from app.core.logs import start_run_log
from app.core.profile import ProfileError, load_profile
from app.core.redact import RedactingWriter, Redactor
from app.core.session import Session

log = logging.getLogger("ai_cli_setup.cli")


def build_parser() -> argparse.ArgumentParser:
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
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.add_arguments(sub.add_parser(command.NAME, help=command.HELP))
    return parser


_trust_store_in_use = False


def use_system_trust_store() -> None:
    """Verify the wizard's own HTTPS against the OS trust store (corporate CAs included).

    Called once at start, before any HTTP call; TLS verification stays on.
    """
    global _trust_store_in_use
    if not _trust_store_in_use:
        import truststore

        truststore.inject_into_ssl()
        _trust_store_in_use = True


def _wizard(profile_path: str | None) -> int:
    session = Session.for_this_machine()
    if profile_path:
        try:
            session.profile = load_profile(profile_path, session.catalog, session.host)
        except ProfileError as exc:
            print(f"ai-cli-setup: error: profile refused: {exc}", file=sys.stderr)
            return EXIT_USAGE
    from app.ui.app import run_wizard  # Qt is imported only for the wizard

    return run_wizard(session)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 for --help
        return int(exc.code or 0)
    use_system_trust_store()
    if args.self_test:
        from app.selftest import run_self_test

        return run_self_test()
    if args.command is None:
        try:
            return _wizard(args.global_profile)
        except CatalogError as exc:  # raised before the window could open
            # FIXME(ui): a double-clicked app has no terminal; show this in a message box.
            print(f"ai-cli-setup: the catalog is broken: {exc}", file=sys.stderr)
            return EXIT_FAILED
        except OSError as exc:  # the log folder cannot be written
            print(f"ai-cli-setup: {_os_error(exc)}", file=sys.stderr)
            return EXIT_FAILED
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
    redactor = Redactor(session.host.env)
    try:
        log_path: Path | None = start_run_log(session.paths.logs, redactor)
    except OSError as exc:
        log_path = None
        logging.getLogger("ai_cli_setup").addHandler(logging.NullHandler())  # no stray traces
        print(f"ai-cli-setup: warning: no log file for this run: {exc}", file=sys.stderr)
    command = next(c for c in COMMANDS if args.command == c.NAME)
    # Whatever a command prints passes the redactor: no secret reaches the terminal.
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout = RedactingWriter(stdout, redactor)
    sys.stderr = RedactingWriter(stderr, redactor)
    try:
        return asyncio.run(command.run(session, args))
    except UsageError as exc:
        print(f"ai-cli-setup: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        where = f" The log is in {log_path}" if log_path else ""
        print(f"Cancelled.{where}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:  # a full disk, a read-only folder: a sentence, not a traceback
        log.exception("%s failed", args.command)
        print(f"ai-cli-setup: {_os_error(exc)}{_see(log_path)}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:
        log.exception("%s failed", args.command)
        print(
            f"ai-cli-setup: unexpected error: {type(exc).__name__}: {exc}{_see(log_path)}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = stdout, stderr


def _os_error(exc: OSError) -> str:
    where = f" {exc.filename}" if exc.filename else ""
    return f"could not write or read{where}: {exc.strerror or exc}"


def _see(log_path: Path | None) -> str:
    return f" (details in {log_path})" if log_path else ""
