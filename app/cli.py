"""The `ai-cli-setup` command: the wizard without arguments, subcommands otherwise.

Exit codes: 0 success, 1 something failed, 2 bad usage, 128 + the signal's number
when a signal stopped a subcommand (130 Ctrl+C, 143 SIGTERM, 129 SIGHUP), and 141
(as SIGPIPE) when the reader of its output closed it (`ai-cli-setup detect | head`).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from app import __version__

if TYPE_CHECKING:
    import argparse
    import signal
    from collections.abc import Coroutine
    from pathlib import Path
    from typing import Any

EXIT_FAILED, EXIT_USAGE = 1, 2  # as in app.commands.common, which the wizard does not load
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command Ctrl+C stopped

# What a subcommand that a signal stopped says last, after the command's own hint.
STOPPED_BY = {
    "SIGINT": "Cancelled.",
    "SIGTERM": "Stopped: ai-cli-setup was asked to end (SIGTERM, as `kill` or a shutdown sends).",
    "SIGHUP": "Stopped: the terminal it ran in was closed (SIGHUP).",
}

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

# A display is named but does not answer (an SSH session's X forwarding that is gone).
DISPLAY_GONE = (
    "ai-cli-setup: the display does not answer: the setup wizard needs a desktop session, and\n"
    "{display} is set, but nothing answers on it (an X server that has ended, or an SSH\n"
    "session's X forwarding that is gone).\n" + NO_DISPLAY.split("\n", 2)[2]
)


def _named_display(env: Mapping[str, str]) -> str:
    names = [f"{key}={env[key]}" for key in ("WAYLAND_DISPLAY", "DISPLAY") if env.get(key)]
    return " and ".join(names)


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
    import os

    from app.core import display  # small: the first window waits for what loads here

    # Without a display Qt's xcb and wayland platforms abort the process (exit 134),
    # saying only that they could not connect: say why here, before Qt loads.
    system, env = display.this_system(), os.environ
    if not env.get("QT_QPA_PLATFORM"):
        if not display.has_display(system, env):
            print(NO_DISPLAY, file=sys.stderr)
            return EXIT_USAGE
        if not display.display_answers(system, env):
            print(DISPLAY_GONE.format(display=_named_display(env)), file=sys.stderr)
            return EXIT_USAGE
    # Qt is imported only for the wizard, which shows its window before loading the core.
    from app.ui.app import run_wizard

    return run_wizard(profile_path)


def tolerate_unshowable_characters() -> None:
    """Print what the terminal's encoding cannot show ("…", "—" in ASCII) as "?", never crash.

    stdout is strict by default, so one such character ended a command with a
    UnicodeEncodeError; stderr already escapes them and is left as it is.
    """
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    tolerate_unshowable_characters()
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
    import contextlib
    import logging
    import signal
    import threading

    from app.commands import load
    from app.commands.common import UsageError, session_from_args
    from app.core.catalog import CatalogError
    from app.core.host import Host
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
    # The session's host may be a recorded machine: the signals are this process's.
    stop_signals = [getattr(signal, name) for name in Host.current(lean=True).stop_signals]
    previous_handlers = {signum: signal.getsignal(signum) for signum in stop_signals}
    try:
        return asyncio.run(_interruptible(command.run(session, args), stop_signals))
    except UsageError as exc:
        print(f"ai-cli-setup: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (KeyboardInterrupt, asyncio.CancelledError):
        stopped_by = _stopped_by or signal.SIGINT  # a KeyboardInterrupt is Ctrl+C's
        # Where a second signal could tear the event loop down before a command it
        # cancelled has ended, what is still running is ended here, not left running.
        for pid in end_leftovers():
            log.info("ended pid %s, still running after %s", pid, stopped_by.name)
        log.warning("%s stopped by %s", args.command, stopped_by.name)
        where = f" The log is in {log_path}" if log_path else ""
        with contextlib.suppress(OSError):  # the terminal may be gone (SIGHUP)
            # Off the line the terminal's ^C is on.
            print(f"\n{STOPPED_BY[stopped_by.name]}{where}", file=sys.stderr)
        return 128 + stopped_by.value
    except BrokenPipeError:  # `ai-cli-setup detect | head`: the reader had enough
        import os

        log.info("%s: the output's reader closed it", args.command)
        with contextlib.suppress(OSError, ValueError):  # no second error at exit's flush
            os.dup2(os.open(os.devnull, os.O_WRONLY), stdout.fileno())
        return 128 + getattr(signal, "SIGPIPE", 13)  # as a Unix tool stopped by SIGPIPE
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
        for stream in (sys.stdout, sys.stderr):  # one that cannot flush keeps no other's text
            with contextlib.suppress(OSError):
                stream.flush()
        sys.stdout, sys.stderr = stdout, stderr
        if not _stopped_by and threading.current_thread() is threading.main_thread():
            # After a stop the handlers stay: a late Ctrl+C while the process exits
            # would otherwise end it with a KeyboardInterrupt traceback.
            for signum, handler in previous_handlers.items():
                if handler is not None:  # None: not set from Python, nothing to put back
                    signal.signal(signum, handler)


def _os_error(exc: OSError) -> str:
    where = f" {exc.filename}" if exc.filename else ""
    return f"could not write or read{where}: {exc.strerror or exc}"


def _see(log_path: Path | None) -> str:
    return f" (details in {log_path})" if log_path else ""


_stopped_by: signal.Signals | None = None  # the signal that stopped a subcommand


async def _interruptible(work: Coroutine[Any, Any, int], signals: Sequence[int]) -> int:
    """Run `work`; the first of `signals` cancels it, and later ones do not cut its clean-up short.

    Ctrl+C (SIGINT), SIGTERM and SIGHUP take the same path: the command ends
    what it runs and says what may be half-done; `_command` says which signal
    it was. asyncio.run's own handler would raise KeyboardInterrupt at the
    second press, wherever the loop is, and close the loop while cancelled
    commands are still being ended. `_command` puts the previous handlers back
    unless a signal came. Prompts read in a thread of their own
    (`commands.common.ask`), so a signal there cancels too.
    """
    import asyncio
    import contextlib
    import logging
    import os
    import signal
    import threading

    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    log = logging.getLogger("ai_cli_setup.cli")
    received = 0
    terminals = [fd for fd in (1, 2) if os.isatty(fd)]  # stdout, stderr

    def stop(signum: signal.Signals) -> None:  # on the loop, where logging is safe
        log.warning("%s received: stopping the command", signum.name)
        task.cancel()

    def on_signal(signum: int, _frame: object) -> None:
        global _stopped_by
        nonlocal received
        received += 1
        if _stopped_by is None:
            _stopped_by = signal.Signals(signum)
        if signal.Signals(signum).name == "SIGHUP":  # this one, whichever came first
            _leave_closed_terminal(terminals)
        if received == 1:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nothing to stop
                loop.call_soon_threadsafe(stop, _stopped_by)
        elif received == 2:
            with contextlib.suppress(OSError):
                os.write(2, "Stopping: ending the commands that were running…\n".encode())

    if threading.current_thread() is threading.main_thread():
        for signum in signals:
            signal.signal(signum, on_signal)
    return await work


def _leave_closed_terminal(terminals: Sequence[int]) -> None:
    """Point each of `terminals` (file descriptors) that has hung up at the null device.

    After a terminal closes every write to it fails (EIO), and it no longer
    answers as a terminal; the run log keeps what would have been shown. A
    terminal still open (SIGHUP sent by `kill`), a pipe or a file keeps its output.
    """
    import os

    null = os.open(os.devnull, os.O_WRONLY)
    try:
        for fd in terminals:
            if not os.isatty(fd):
                os.dup2(null, fd)
    finally:
        os.close(null)
