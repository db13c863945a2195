"""`ai-cli-setup install`: plan, show the plan, install step by step, verify, summarise."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
from collections.abc import Callable

from app.commands.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    add_profile_argument,
    ask,
    check_tools,
    folder_arg,
    tool_list,
    use_profile,
)
from app.core.install import (
    Decision,
    ElevationNeeded,
    Event,
    RunNotice,
    StepFinished,
    StepOutput,
    StepQuiet,
    StepResult,
    StepStarted,
)
from app.core.logs import current_log_path
from app.core.planner import Choices, Plan, findings_needed, render_plan
from app.core.profile import Profile
from app.core.session import Session

NAME = "install"
HELP = "install prerequisites and AI CLIs, then verify them"

_ANSWERS: dict[str, Decision] = {
    "r": "retry",
    "s": "skip",
    "c": "continue",
    "t": "stop",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tools",
        type=tool_list,
        default=None,
        help="comma-separated tool ids (default: all three CLIs)",
    )
    parser.add_argument(
        "--npm-prefix",
        type=folder_arg,
        metavar="DIR",
        help="npm prefix to install into (default: the global one if writable, "
        "else a folder in your home)",
    )
    parser.add_argument("--uv", action="store_true", help="also install uv")
    parser.add_argument(
        "--container-runtime",
        choices=("docker", "podman"),
        help="also install a container runtime",
    )
    parser.add_argument("--yes", "-y", action="store_true", help="do not ask before installing")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue the last install from its first unfinished step",
    )
    add_profile_argument(parser, "take tools, versions, npm prefix and proxy from a profile file")


def event_printer(plan: Plan) -> Callable[[Event], None]:
    """Print a run's events, its steps numbered as the plan above them numbers them.

    A step the plan already showed as skipped is not shown again.
    """
    due = [step.id for step in plan.steps if not step.skip]
    numbers = {step_id: n for n, step_id in enumerate(due, 1)}

    def on_event(event: Event) -> None:
        if isinstance(event, StepStarted):
            if event.step.id not in numbers:
                return
            event = dataclasses.replace(event, index=numbers[event.step.id] - 1, total=len(due))
        elif isinstance(event, StepFinished) and event.result.step.id not in numbers:
            return
        show_event(event)

    return on_event


def show_event(event: Event) -> None:
    """`print_event`, with a run of repeated output lines told before anything else."""
    if not isinstance(event, StepOutput):
        _repeats.end()
    print_event(event)


def print_event(event: Event) -> None:
    if isinstance(event, StepStarted):
        print(f"[{event.index + 1}/{event.total}] {event.step.title}", flush=True)
        if event.step.note and not event.step.skip:
            print(f"    note: {event.step.note}", flush=True)
    elif isinstance(event, StepOutput):
        if _repeats.again(event):
            return
        _repeats.end()
        print(f"    | {event.line}", flush=True)
        _repeats.start(event)
    elif isinstance(event, StepQuiet):
        minutes = event.seconds / 60
        print(f"    … no output for {minutes:.0f} min; still running (Ctrl+C cancels)", flush=True)
    elif isinstance(event, ElevationNeeded):
        print(f"    {event.description}", flush=True)
    elif isinstance(event, RunNotice):
        print(f"Note: {event.message}", flush=True)
    elif isinstance(event, StepFinished):
        result = event.result
        shown = _asked_about.pop(id(result.step), "")
        if shown and shown in result.message and result.status != "succeeded":
            print(f"    => {result.status} (the reason is above)", flush=True)
            return
        _print_result(result)


def _print_result(result: StepResult) -> None:
    print(f"    => {result.status}: {result.message}", flush=True)
    for finding in result.findings:
        if finding.explanation not in result.message:  # said once is enough
            print(f"       {finding.explanation} Fix: {finding.fix}", flush=True)


# The failure a prompt was shown with, by step: its final line then does not repeat it.
_asked_about: dict[int, str] = {}


class _Repeats:
    """A run of identical output lines of one step, shown once and then counted.

    npm on a full disk printed ~490 identical `npm warn tar TAR_ENTRY_ERROR
    ENOSPC` lines. Only the terminal is spared them: the run log gets every
    line from the runner.
    """

    def __init__(self) -> None:
        self._last: tuple[str, str] | None = None  # step id, line
        self._more = 0

    def again(self, event: StepOutput) -> bool:
        """Count `event` when it repeats the line shown last; False when it is new."""
        if self._last != (event.step.id, event.line):
            return False
        self._more += 1
        return True

    def start(self, event: StepOutput) -> None:
        self._last, self._more = (event.step.id, event.line), 0

    def end(self) -> None:
        """Say how many times the last line came again, and forget it."""
        if self._last is not None and self._more == 1:  # as short as a count
            print(f"    | {self._last[1]}", flush=True)
        elif self._more > 1:
            print(f"    | … (same line {self._more} more times)", flush=True)
        self._last, self._more = None, 0


_repeats = _Repeats()


async def _ask_after_output(result: StepResult) -> Decision:
    """`ask_after_failure`, the step's repeated lines told before its question."""
    _repeats.end()
    return await ask_after_failure(result)


async def ask_after_failure(result: StepResult) -> Decision:
    """In a terminal, the user chooses what happens after a failed step, knowing why it failed."""
    _print_result(result)
    _asked_about[id(result.step)] = result.message
    prompt = "    [r]etry, [s]kip, [c]ontinue, s[t]op? "
    while True:
        try:
            answer = await ask(prompt)
        except EOFError:  # Ctrl+D, or the terminal went away: stop here
            print()
            return "stop"
        choice = _ANSWERS.get(answer.strip().lower()[:1])
        if choice:
            return choice


def _choices(session: Session, args: argparse.Namespace) -> Choices:
    profile = use_profile(session, args.profile)  # a resumed run keeps its pins and proxy
    if args.resume:
        state = session.last_run()
        if state is None:
            raise UsageError("there is no earlier install to resume")
        _check_resume_arguments(args, state.choices)
        if profile is not None:
            _check_resume_profile(profile, state.choices)
        return state.choices
    tools = check_tools(session, args.tools or (profile.tool_ids if profile else None))
    ca_file = profile.network.ca_file if profile else None
    if ca_file and not os.path.isfile(ca_file):
        raise UsageError(f"the profile's CA file {ca_file} is not on this machine; copy it there")
    return Choices(
        tuple(tools),
        args.npm_prefix or None,
        uv=args.uv,
        container_runtime=args.container_runtime,
    )


def _check_resume_arguments(args: argparse.Namespace, last: Choices) -> None:
    """--resume finishes the last install as planned: a new choice is refused, not dropped."""
    given = [
        option
        for option, value in (
            ("--tools", args.tools),
            ("--npm-prefix", args.npm_prefix),
            ("--uv", args.uv),
            ("--container-runtime", args.container_runtime),
        )
        if value is not None and value is not False  # --tools '' is given too
    ]
    if given:
        prefix = f" into {last.npm_prefix}" if last.npm_prefix else ""
        them = "it" if len(given) == 1 else "them"
        raise UsageError(
            f"--resume finishes the last install as it was planned ({', '.join(last.tools)}"
            f"{prefix}) and takes no {' or '.join(given)}; leave {them} out, or run install"
            " without --resume to plan a new one"
        )


def _check_resume_profile(profile: Profile, last: Choices) -> None:
    """A profile may give a resumed run its pins and proxy, not other tools or another prefix."""
    other_tools = profile.tool_ids and set(profile.tool_ids) != set(last.tools)
    other_prefix = profile.npm_prefix and profile.npm_prefix != last.npm_prefix
    if other_tools or other_prefix:
        wanted = ", ".join(profile.tool_ids or last.tools)
        into = profile.npm_prefix or last.npm_prefix
        raise UsageError(
            f"the profile asks for {wanted}{f' into {into}' if into else ''}, but the install "
            f"being resumed is {', '.join(last.tools)}"
            f"{f' into {last.npm_prefix}' if last.npm_prefix else ''}; run install with the "
            "profile and without --resume to plan the profile's install"
        )


def _cut_off_hint(plan_prefix: str) -> str:
    return (
        "Stopped part-way: the step that was running may be half-done, and npm may have left "
        f"files in {plan_prefix}. `ai-cli-setup install --resume` runs it again from there; "
        "`ai-cli-setup undo` removes what this run finished."
    )


async def run(session: Session, args: argparse.Namespace) -> int:
    choices = _choices(session, args)
    detection = await session.detect(findings_needed(choices), choices.npm_prefix)
    await session.detect_extras(choices)
    state = session.last_run() if args.resume else None
    plan = session.redo_unfinished(session.plan(choices.tools, choices.npm_prefix, choices), state)
    for line in render_plan(plan, detection.os_name):
        print(line)
    if not plan.runnable and not args.resume:
        blocked = sum(1 for s in plan.steps if s.blocked and not s.skip)
        if blocked:
            steps = "step is" if blocked == 1 else "steps are"
            print(f"Nothing can run: {blocked} {steps} blocked, each with its reason above.")
        else:
            print("Nothing to do.")
    for warning in (session.disk_warning(plan), session.registry_warning(plan)):
        if warning:
            print(f"Warning: {warning}")
    interactive = bool(sys.stdin) and sys.stdin.isatty()
    if not args.yes and (plan.runnable or args.resume):  # nothing to agree to otherwise
        if not interactive:
            print("Nothing was installed. Re-run with --yes to install without asking.")
            return EXIT_USAGE
        try:
            answer = await ask("Install now? [y/N] ")
        except EOFError:  # Ctrl+D: no
            print()
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing was installed.")
            return EXIT_FAILED
    if state is not None:
        state.finished = False
    decide = _ask_after_output if interactive and not args.yes else None
    try:
        report = await session.install(plan, event_printer(plan), decide=decide, state=state)
    except asyncio.CancelledError:  # Ctrl+C: the engine has marked what was cut off
        print(_cut_off_hint(plan.npm_prefix), file=sys.stderr, flush=True)
        raise
    print("Summary:")
    for result in report.results:
        verification = result.verification
        version = f" {verification.version}" if verification and verification.version else ""
        print(f"  {result.status:<9} {result.step.title}{version}")
        if verification and verification.status == "not-on-path":
            print(f"            {verification.message} {verification.fix}")
        elif result.status in ("failed", "blocked", "declined"):
            print(f"            {result.message}")
    print(f"Log: {current_log_path()}")
    return EXIT_OK if report.succeeded else EXIT_FAILED
