"""Helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import re
import sys
import threading
from typing import Any

from app.core.host import has_control_character
from app.core.profile import Profile, ProfileError, load_profile
from app.core.recording import RecordingError
from app.core.session import Session

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad input from the user: reported on stderr, exit code 2."""


def add_replay_argument(parser: argparse.ArgumentParser) -> None:
    """`--replay FILE`: work on a recorded machine instead of this one."""
    parser.add_argument(
        "--replay",
        metavar="FILE",
        help="use a recording (from `detect --record`) instead of this machine",
    )


def session_from_args(args: argparse.Namespace) -> Session:
    """The session a subcommand works on: this machine, or the recording named by --replay."""
    path = getattr(args, "replay", None)
    if not path:
        return Session.for_this_machine()
    try:
        return Session.from_recording(path)
    except RecordingError as exc:
        raise UsageError(str(exc)) from None


def tool_list(value: str) -> list[str]:
    """--tools: comma-separated ids; none at all is a mistake (an empty variable), not "all"."""
    tools = list(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    if not tools:
        raise argparse.ArgumentTypeError(
            "no tool ids in it; give one or more of claude-code, gemini-cli, codex-cli, "
            "or leave --tools out"
        )
    return tools


async def ask(prompt: str) -> str:
    """A line the user types, read without holding up Ctrl+C or the exit.

    `input` blocks its thread until Enter: in the loop's thread nothing else runs,
    and in asyncio's executor the exit waits for it. A daemon thread reads the raw
    file descriptor instead: one left blocked holds none of Python's stream locks,
    which would abort the interpreter as it exits.
    """
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[str] = loop.create_future()

    def settle(data: bytes | None, error: BaseException | None) -> None:
        if answer.done():
            return
        if error is not None:
            answer.set_exception(error)
        elif not data:
            answer.set_exception(EOFError("no more input"))
        else:
            answer.set_result(data.decode(errors="replace").rstrip("\r\n"))

    def read() -> None:
        try:
            data, error = os.read(sys.stdin.fileno(), 4096), None
        except (OSError, ValueError) as exc:
            data, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is waiting
            loop.call_soon_threadsafe(settle, data, error)

    sys.stdout.write(prompt)
    sys.stdout.flush()
    threading.Thread(target=read, name="ask", daemon=True).start()
    return await answer


def folder_arg(value: str) -> str:
    """A folder given on the command line: never empty, one line, `~` expanded, absolute,
    without trailing separators ("/", "C:\\" stay).

    An empty value (an unset variable in a script) would otherwise mean npm's own global
    folder, and a line break would end up in the shell start-up file that saves PATH.
    """
    if not value.strip():
        raise argparse.ArgumentTypeError("the folder is empty; give one, such as ~/.npm-global")
    if has_control_character(value):
        raise argparse.ArgumentTypeError(
            "the folder's name holds a line break or another control character"
        )
    value = value.strip()  # a space pasted with it is not part of a folder's name
    if value[0] in "\"'":
        raise argparse.ArgumentTypeError(f"the folder {value} starts with a quote; leave it out")
    if re.search(r"\$\{?[A-Za-z_]|%[A-Za-z_]+%", value):
        raise argparse.ArgumentTypeError(
            f"the folder {value} holds a variable the shell did not expand (it was in single "
            "quotes); write the folder out, or use double quotes"
        )
    if value.startswith("~"):
        value = os.path.expanduser(value)  # "~/x" in quotes, which the shell left alone
        if value.startswith("~"):
            raise argparse.ArgumentTypeError(f"{value.split('/')[0]} is no user's home folder")
    if not (os.path.isabs(value) or re.match(r"[A-Za-z]:|\\\\", value)):
        value = os.path.abspath(value)  # npm would take it from the current folder too
    stripped = value.rstrip("/\\")
    if not stripped or re.fullmatch(r"[A-Za-z]:", stripped):
        return value
    return stripped


def add_installed_tools_arguments(parser: argparse.ArgumentParser) -> None:
    """--tools and --npm-prefix of the commands that look at what is installed."""
    parser.add_argument(
        "--tools",
        type=tool_list,
        default=None,
        help="comma-separated tool ids (default: the last install's, else all three)",
    )
    parser.add_argument(
        "--npm-prefix", type=folder_arg, metavar="DIR", help="look in this npm prefix first"
    )


def tools_or_last_install(session: Session, chosen: list[str] | None) -> tuple[list[str], bool]:
    """The `chosen` tools, else those the last install chose, else all of them; and
    whether they are the last install's."""
    if not chosen:
        last = session.last_run()
        if last is not None:
            return check_tools(session, list(last.choices.tools)), True
    return check_tools(session, chosen or None), False


def check_tools(session: Session, tools: list[str] | None) -> list[str]:
    if tools is None:
        return list(session.catalog.tools)
    unknown = [t for t in tools if t not in session.catalog.tools]
    if unknown:
        known = ", ".join(session.catalog.tools)
        raise UsageError(f"unknown tool {unknown[0]!r}; known tools: {known}")
    return tools


def jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(jsonable(v) for v in value)
    return value


def print_json(value: Any) -> None:
    print(json.dumps(jsonable(value), indent=2, ensure_ascii=False))


def use_profile(session: Session, path: str | None) -> Profile | None:
    """Load the profile at `path` into the session; a bad profile is bad usage (exit 2)."""
    if not path:
        return None
    try:
        profile = load_profile(path, session.catalog, session.host)
    except ProfileError as exc:
        raise UsageError(f"profile refused: {exc}") from None
    session.profile = profile
    return profile


def add_profile_argument(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--profile", metavar="FILE", default=None, help=help_text)
