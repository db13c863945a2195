"""Helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
from typing import Any

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
    return [part.strip() for part in value.split(",") if part.strip()]


def folder_arg(value: str) -> str:
    """A folder given on the command line, without trailing separators ("/", "C:\\" stay)."""
    stripped = value.rstrip("/\\")
    if not stripped or re.fullmatch(r"[A-Za-z]:", stripped):
        return value
    return stripped


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
