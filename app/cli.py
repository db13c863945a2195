"""The `ai-cli-setup` command: the wizard without arguments, subcommands otherwise.

Exit codes: 0 success, 1 something failed, 2 bad usage.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from app import __version__

if TYPE_CHECKING:
    import argparse
    from collections.abc import Coroutine
    from pathlib import Path
    from typing import Any

EXIT_FAILED, EXIT_USAGE = 1, 2  # as in app.commands.common, which the wizard does not load
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command Ctrl+C stopped

# The wizard on Linux without X11 or Wayland: what to do instead.
NO_DISPLAY = """\
ai-cli-setup: no display found: the setup wizard needs a desktop session, and neither
DISPLAY nor WAYLAND_DISPLAY is set (as over SSH, in a container or in CI).
Open the wizard from a terminal in your desktop session, or use the subcommands:
  ai-cli-setup detect          what this computer has
  ai-cli-setup plan            the install steps, with their exact commands; nothing is run
  ai-cli-setup install --yes   install and verify the CLIs, in this terminal
  ai-cli-setup verify          check that each CLI works
(ai-cli-setup --help lists them all. Tests open the wizard with QT_QPA_PLATFORM=offscreen.)"""

# Nothing more is imported here: the wizard's first window waits for every module
# imported before it. The parser and the subcommands import theirs when used.


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, every subcommand's module imported to build it."""
    import argparse

    from app.commands import ALL

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
    for command in ALL:
        command.add_arguments(sub.add_parser(command.NAME, help=command.HELP))
    return parser


def wizard_options(argv: Sequence[str]) -> dict[str, object] | None:
    """The wizard's own options in `argv`, read as the whole parser reads them.

    None when `argv` holds anything else (a subcommand, --help, an
    abbreviation, a typo): the whole parser decides then. The wizard starts
    without argparse or any subcommand module.
    """
    options: dict[str, object] = {"global_profile": None, "self_test": False, "command": None}
    rest = list(argv)
    while rest:
        token = rest.pop(0)
        if token == "--self-test":
            options["self_test"] = True
        elif token.startswith("--profile="):
            options["global_profile"] = token.partition("=")[2]
        elif token == "--profile" and rest and not rest[0].startswith("-"):
            options["global_profile"] = rest.pop(0)
        else:
            return None
    return options


def _wizard(profile_path: str | None) -> int:
    """Open the wizard; a broken catalog or a refused profile is shown in its window."""
    from app.core.host import Host

    host = Host.current(lean=True)
    # Without a display Qt's xcb and wayland platforms abort the process (exit 134),
    # saying only that they could not connect: say why here, before Qt loads.
    if not host.has_display and not host.env.get("QT_QPA_PLATFORM"):
        print(NO_DISPLAY, file=sys.stderr)
        return EXIT_USAGE
    # Qt is imported only for the wizard, which shows its window before loading the core.
    from app.ui.app import run_wizard

    return run_wizard(profile_path)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    wizard = wizard_options(argv)
    if wizard is not None:
        if wizard["self_test"]:
            from app.selftest import run_self_test

            return run_self_test()
        profile = wizard["global_profile"]
        return _wizard(profile if isinstance(profile, str) else None)
    try:
        args = build_parser().parse_args(argv)
        if args.self_test:
            from app.selftest import run_self_test

            return run_self_test()
        if args.command is None:
            return _wizard(args.global_profile)
        return _command(args)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 for --help
        return int(exc.code or 0)
    except KeyboardInterrupt:  # Ctrl+C while the command starts, before its own handler
        print("\nCancelled.", file=sys.stderr)
        return EXIT_INTERRUPTED


def _command(args: argparse.Namespace) -> int:
    """Run one subcommand; its module and the core are imported now."""
    import asyncio
    import logging
    import signal
    import threading

    from app.commands import load
    from app.commands.common import UsageError, session_from_args
    from app.core.catalog import CatalogError
    from app.core.logs import start_run_log, why_unwritable
    from app.core.paths import HOME_OVERRIDE
    from app.core.redact import RedactingWriter, Redactor
    from app.core.runner import end_leftovers
    from app.core.session import UnrecordedInstall
    from app.core.startup import startup_problem

    log = logging.getLogger("ai_cli_setup.cli")
    if args.global_profile and getattr(args, "profile", None) is None:
        if not hasattr(args, "profile"):
            print(f"ai-cli-setup: error: {args.command} takes no profile", file=sys.stderr)
            return EXIT_USAGE
        args.profile = args.global_profile
    try:
        session = session_from_args(args)
    except CatalogError as exc:
        problem = startup_problem(exc)
        print("ai-cli-setup: " + "\n  ".join(problem.lines() if problem else []), file=sys.stderr)
        return EXIT_FAILED
    except UsageError as exc:
        print(f"ai-cli-setup: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    redactor = Redactor(session.host.env)
    try:
        last = session.last_run()  # its logs are kept however many runs come after it
        log_path: Path | None = start_run_log(
            session.paths.logs, redactor, what=args.command, keep=last.logs if last else ()
        )
    except OSError as exc:  # a full disk, a read-only folder: as `install` then refuses to start
        log_path = None
        logging.getLogger("ai_cli_setup").addHandler(logging.NullHandler())  # no stray traces
        print(
            f"ai-cli-setup: warning: no log file for this run: {exc.filename or 'the log'} "
            f"cannot be written ({why_unwritable(exc)}); free some disk space, or set "
            f"{HOME_OVERRIDE} to a folder you can write to.",
            file=sys.stderr,
        )
    command = load(args.command)
    # Whatever a command prints passes the redactor: no secret reaches the terminal.
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout = RedactingWriter(stdout, redactor)
    sys.stderr = RedactingWriter(stderr, redactor)
    previous_handler = signal.getsignal(signal.SIGINT)
    try:
        return asyncio.run(_interruptible(command.run(session, args)))
    except UsageError as exc:
        print(f"ai-cli-setup: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (KeyboardInterrupt, asyncio.CancelledError):
        # Where Ctrl+C could tear the event loop down before a command it cancelled
        # has ended, what is still running is ended here, not left writing on its own.
        for pid in end_leftovers():
            log.info("ended pid %s, still running after Ctrl+C", pid)
        where = f" The log is in {log_path}" if log_path else ""
        print(f"\nCancelled.{where}", file=sys.stderr)  # off the line the terminal's ^C is on
        return EXIT_INTERRUPTED
    except OSError as exc:  # a full disk, a read-only folder: a sentence, not a traceback
        if isinstance(exc, UnrecordedInstall):
            print(
                "ai-cli-setup: nothing was installed or changed: neither this run's log nor its "
                f"progress can be written ({exc.filename}: {why_unwritable(exc)}), so nothing "
                f"would record what it changes. Free some disk space, or set {HOME_OVERRIDE} to "
                "a folder you can write to, and run it again.",
                file=sys.stderr,
            )
            return EXIT_FAILED
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
        if not _interrupted and threading.current_thread() is threading.main_thread():
            # After a Ctrl+C the handler stays: a late press while the process exits
            # would otherwise end it with a KeyboardInterrupt traceback.
            signal.signal(signal.SIGINT, previous_handler)


def _os_error(exc: OSError) -> str:
    where = f" {exc.filename}" if exc.filename else ""
    return f"could not write or read{where}: {exc.strerror or exc}"


def _see(log_path: Path | None) -> str:
    return f" (details in {log_path})" if log_path else ""


_interrupted = False  # Ctrl+C was pressed during a subcommand


async def _interruptible(work: Coroutine[Any, Any, int]) -> int:
    """Run `work`; Ctrl+C cancels it once, and a later Ctrl+C does not cut its clean-up short.

    asyncio.run's own handler raises KeyboardInterrupt at the second press, wherever
    the loop is, and closes the loop while cancelled commands are still being ended.
    `_command` puts the previous handler back unless Ctrl+C was pressed. Prompts read
    in a thread of their own (`commands.common.ask`), so a press there cancels too.
    """
    import asyncio
    import contextlib
    import os
    import signal
    import threading

    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    presses = 0

    def on_interrupt(_signum: int, _frame: object) -> None:
        global _interrupted
        nonlocal presses
        presses += 1
        _interrupted = True
        if presses == 1:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nothing to stop
                loop.call_soon_threadsafe(task.cancel)
        elif presses == 2:
            os.write(2, "Stopping: ending the commands that were running…\n".encode())

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, on_interrupt)
    return await work
