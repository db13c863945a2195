"""`ai-cli-setup container`: the AI CLIs in a container, made, built and checked."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.commands.common import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    check_tools,
    print_json,
    tool_list,
)
from app.commands.install import show_event
from app.core import container
from app.core.logs import current_log_path
from app.core.session import Session

NAME = "container"
HELP = "make, build and verify a container with the AI CLIs (Docker or Podman)"

_MARK = {"ok": "PASS", "not-on-path": "PASS", "missing": "FAIL", "broken": "FAIL"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    init = actions.add_parser("init", help="write a Dockerfile, compose file, .env and README")
    init.add_argument("folder", metavar="DIR", type=Path)
    init.add_argument(
        "--runtime",
        choices=container.RUNTIMES,
        help="container runtime (default: the one detected here, as the guide recommends)",
    )
    init.add_argument(
        "--tools",
        type=tool_list,
        default=None,
        help="comma-separated tool ids (default: all three CLIs)",
    )
    init.add_argument(
        "--model-runner",
        action="store_true",
        help="reach Docker Model Runner's local models from the container",
    )
    init.add_argument("--gpu", action="store_true", help="give the container the NVIDIA GPU")
    init.add_argument("--image", help="image name (default: ai-cli)")
    init.add_argument(
        "--keys-from-env",
        action="store_true",
        help="copy the chosen tools' API keys from this environment into .env",
    )
    init.add_argument(
        "--force", action="store_true", help="replace files made before (.env is always kept)"
    )

    build = actions.add_parser("build", help="build the image, with live output")
    build.add_argument("folder", metavar="DIR", type=Path)
    build.add_argument(
        "--no-cache", action="store_true", help="rebuild every layer (newest CLI versions)"
    )

    verify = actions.add_parser("verify", help="run each tool's --version inside the image")
    verify.add_argument("folder", metavar="DIR", type=Path)
    verify.add_argument("--json", action="store_true", help="print the checks as JSON")


async def run(session: Session, args: argparse.Namespace) -> int:
    try:
        if args.action == "init":
            return await _init(session, args)
        if args.action == "build":
            return await _build(session, args)
        return await _verify(session, args)
    except container.FolderConflict as exc:
        print(f"ai-cli-setup: {exc}")
        return EXIT_FAILED
    except container.ContainerError as exc:
        raise UsageError(str(exc)) from None


async def _init(session: Session, args: argparse.Namespace) -> int:
    tools = check_tools(session, args.tools)
    settings = container.default_settings()
    detection = await session.detect()
    if args.runtime:
        choice = container.RuntimeChoice(args.runtime, "chosen with --runtime.")
    else:  # the runtime `ai-cli-setup recommend` names for this machine
        choice = session.container_runtime(tools)
    spec = container.make_spec(
        session.catalog,
        settings,
        runtime=choice.runtime,
        tools=tools,
        system=session.host.system,
        image=args.image,
        model_runner=args.model_runner,
        gpu=args.gpu,
    )
    keys: dict[str, str] = {}
    if args.keys_from_env:
        for tool_id in spec.tools:
            name = settings.tool(tool_id).api_key
            if session.host.env.get(name):
                keys[name] = session.host.env[name]
    folder = args.folder.expanduser().resolve()
    report = container.init_folder(
        folder,
        spec,
        session.catalog,
        settings,
        gpu=detection.gpu,
        api_keys=keys,
        force=args.force,
    )
    base = container.choose_base_image(session.catalog, settings, spec.tools)
    print(f"Container runtime: {spec.runtime_name} ({choice.reason.rstrip('.')}).")
    print(f"Base image: {base.image} ({base.reason}).")
    print(f"Wrote in {folder}: {', '.join(report.written)}")
    if report.kept:
        print(f"Kept as it was: {', '.join(report.kept)}")
    if keys:
        print(f"API keys put in .env (owner-only): {', '.join(sorted(keys))}")
    for warning in report.warnings:
        print(f"Warning: {warning}")
    advice = container.gpu_advice(spec, detection.gpu)
    for note in advice.notes:
        print(f"GPU: {note}")
    if advice.setup:
        print("GPU set-up, once, with admin rights (also in the folder's README):")
        for line in advice.setup:
            print(f"    {line}")
    print("Next:")
    for action in ("build", "verify"):
        argv = ["ai-cli-setup", "container", action, str(folder)]
        print(f"    {session.host.command_line(argv)}")
    return EXIT_OK


async def _build(session: Session, args: argparse.Namespace) -> int:
    folder = args.folder.expanduser().resolve()
    result = await session.build_container(folder, show_event, no_cache=args.no_cache)
    print(result.message)
    if result.fix:
        print(f"Fix: {result.fix}")
    print(f"Log: {current_log_path()}")
    return EXIT_OK if result.ok else EXIT_FAILED


async def _verify(session: Session, args: argparse.Namespace) -> int:
    folder = args.folder.expanduser().resolve()
    spec = container.read_spec(folder)
    if spec.gpu:
        await session.detect()  # the Docker context names the cause of a GPU failure
    results = await session.verify_container(folder)
    if args.json:
        print_json(results)
    else:
        print(f"Inside the {spec.image} image ({spec.runtime_name}):")
        for item in results:
            print(f"{_MARK[item.status]}  {item.name:<20} {item.version or '-'}".rstrip())
            if item.status != "ok":
                print(f"      {item.message}")
                if item.fix:
                    print(f"      Fix: {item.fix}")
    return EXIT_OK if all(item.passed for item in results) else EXIT_FAILED
