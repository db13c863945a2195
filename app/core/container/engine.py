"""Building the image and checking the tools inside it, through the one runner.

The build is one step of the install engine, so its output streams live and
its failures are diagnosed like any other step's. Verification runs each
tool's `--version` in a throw-away container.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from app.core.catalog import Catalog, Signature
from app.core.container.files import DOCKERFILE
from app.core.container.settings import ContainerSettings
from app.core.container.spec import (
    ContainerSpec,
    choose_base_image,
    diagnose_gpu_error,
    gpu_advice,
)
from app.core.detect import DockerFinding
from app.core.install import EventSink, StepResult, run_plan
from app.core.planner import UNPACK_FACTOR, Command, Plan, Step
from app.core.runner import Runner
from app.core.verify import Verification

log = logging.getLogger("ai_cli_setup.container")

CONTAINER_TIMEOUT = 120.0  # a first `run` may unpack the image


def build_step(
    catalog: Catalog,
    settings: ContainerSettings,
    spec: ContainerSpec,
    folder: Path,
    *,
    no_cache: bool = False,
) -> Step:
    """`<runtime> build -t IMAGE -f DIR/Dockerfile DIR`, as the guide builds it."""
    argv = [spec.runtime, "build", *(["--no-cache"] if no_cache else [])]
    if spec.runtime == "podman":
        # Podman builds OCI images by default, and the OCI format has no SHELL:
        # the Dockerfile's pipefail would be dropped with a warning.
        argv += ["--format", "docker"]
    argv += ["-t", spec.image, "-f", str(folder / DOCKERFILE), str(folder)]
    download_mb, disk_mb = build_sizes(catalog, settings, spec)
    base = choose_base_image(catalog, settings, spec.tools).image
    return Step(
        id="container:build",
        title=f"Build the {spec.image} image with {spec.runtime_name}",
        commands=(Command(tuple(argv)),),
        download_mb=download_mb,
        disk_mb=disk_mb,
        note=f"A first build downloads about {download_mb} MB (the base image {base}, "
        f"Debian's packages and the AI CLIs), needs about {disk_mb} MB where "
        f"{spec.runtime_name} keeps its images and runs for minutes; later builds reuse "
        "what they can.",
    )


def build_sizes(
    catalog: Catalog, settings: ContainerSettings, spec: ContainerSpec
) -> tuple[int, int]:
    """Rough MB a first build downloads and takes: base image, packages, each tool's npm size."""
    sizes = settings.sizes
    download = sizes.base_download_mb + sizes.extras_download_mb
    disk = sizes.base_disk_mb + sizes.extras_disk_mb  # the Dockerfile empties npm's cache
    for tool_id in spec.tools:
        npm = next((m for m in catalog.tool(tool_id).install if "npm" in m.managers), None)
        if npm is not None:
            download += npm.download_mb
            disk += npm.disk_mb or npm.download_mb * UNPACK_FACTOR
    return download, disk


@dataclass(frozen=True)
class BuildResult:
    ok: bool
    message: str
    fix: str = ""
    findings: tuple[Signature, ...] = ()
    step: StepResult | None = None


async def build_image(
    runner: Runner,
    catalog: Catalog,
    settings: ContainerSettings,
    spec: ContainerSpec,
    folder: Path,
    *,
    no_cache: bool = False,
    on_event: EventSink | None = None,
) -> BuildResult:
    """Build the image with live output; a failure says why and what to do."""
    report = await run_plan(
        Plan((build_step(catalog, settings, spec, folder, no_cache=no_cache),), npm_prefix=""),
        runner,
        catalog,
        on_event,
    )
    result = report.results[0]
    if result.status == "succeeded":
        return BuildResult(
            True, f"Built the image {spec.image} with {spec.runtime_name}.", step=result
        )
    outcome = result.outcome
    if outcome is not None and outcome.status == "not-found":
        return BuildResult(
            False,
            f"{spec.runtime_name} was not found on this computer, so the image cannot be built.",
            f"Install {spec.runtime_name} (see `ai-cli-setup detect`), or make the folder "
            "again for the other container runtime with --runtime.",
            step=result,
        )
    findings = result.findings
    message = f"The {spec.image} image was not built: {result.message}"
    fix = ""
    if findings:
        first = findings[0]
        message = f"The {spec.image} image was not built. {first.explanation}"
        fix = first.fix
        if first.id == "registry-unreachable":
            base = choose_base_image(catalog, settings, spec.tools).image
            message += f" Base image: {base}."
    return BuildResult(False, message, fix, findings, result)


def _run_argv(spec: ContainerSpec, *args: str) -> list[str]:
    return [spec.runtime, "run", "--rm", "--pull=never", *args]


async def _image_problem(runner: Runner, catalog: Catalog, spec: ContainerSpec) -> tuple[str, str]:
    """Why the image cannot be checked ("" when it is there), and the fix."""
    out = await runner.run(
        [spec.runtime, "image", "inspect", spec.image], timeout=CONTAINER_TIMEOUT
    )
    if out.ok:
        return "", ""
    if out.status == "not-found":
        return f"{spec.runtime_name} was not found on this computer.", (
            f"Install {spec.runtime_name} (see `ai-cli-setup detect`)."
        )
    signatures = catalog.diagnose(out.output)
    if signatures:
        return signatures[0].explanation, signatures[0].fix
    return f"The image {spec.image} has not been built with {spec.runtime_name}.", ""


async def _verify_tool(
    runner: Runner, catalog: Catalog, spec: ContainerSpec, tool_id: str
) -> Verification:
    tool = catalog.tool(tool_id)
    out = await runner.run(
        _run_argv(spec, spec.image, tool.command, *tool.version_args), timeout=CONTAINER_TIMEOUT
    )
    version = tool.parse_version(out.output) if out.ok else None
    where = f"the {spec.image} image ({spec.runtime_name})"
    if version:
        return Verification(
            tool_id,
            tool.name,
            "ok",
            version,
            None,
            True,
            message=f"{tool.name} {version} in {where}",
            output=out.output,
            where="container",
        )
    if out.exit_code == 127 or "executable file not found" in out.output:
        return Verification(
            tool_id,
            tool.name,
            "missing",
            message=f"{tool.name} is not in {where}.",
            fix="Make the folder with this tool (container init --tools ...), then build again.",
            output=out.output,
            where="container",
        )
    signatures = catalog.diagnose(out.output)
    explanation = signatures[0].explanation if signatures else "It printed no version."
    return Verification(
        tool_id,
        tool.name,
        "broken",
        message=f"{tool.name} did not run in {where}: {out.sentence()} {explanation}",
        fix=signatures[0].fix if signatures else "Rebuild the image: container build --no-cache",
        output=out.output,
        where="container",
    )


async def check_gpu(
    runner: Runner, catalog: Catalog, spec: ContainerSpec, docker: DockerFinding | None
) -> Verification:
    """Whether a container of this image sees the NVIDIA GPU (`nvidia-smi -L`)."""
    flags = gpu_advice(spec).run_flags
    out = await runner.run(
        _run_argv(spec, *flags, spec.image, "nvidia-smi", "-L"), timeout=CONTAINER_TIMEOUT
    )
    name = "GPU in the container"
    if out.ok and "GPU" in out.output:
        first = out.lines[0] if out.lines else ""
        return Verification(
            "gpu", name, "ok", None, None, True, message=first, output=out.output, where="container"
        )
    diagnosis = diagnose_gpu_error(out.output, docker)
    if diagnosis:
        message, fix = f"{diagnosis.explanation} ({diagnosis.cause})", diagnosis.fix
    else:
        signatures = catalog.diagnose(out.output)
        message = signatures[0].explanation if signatures else out.sentence()
        fix = signatures[0].fix if signatures else ""
    return Verification(
        "gpu", name, "broken", message=message, fix=fix, output=out.output, where="container"
    )


async def verify_in_container(
    runner: Runner,
    catalog: Catalog,
    spec: ContainerSpec,
    *,
    tools: Sequence[str] | None = None,
    docker: DockerFinding | None = None,
    folder: Path | None = None,
) -> list[Verification]:
    """Each tool's `--version` inside the image, shaped like the native checks."""
    chosen = list(tools or spec.tools)
    problem, fix = await _image_problem(runner, catalog, spec)
    if problem:
        where = runner.host.command_line([str(folder)]) if folder else "DIR"
        build = f"ai-cli-setup container build {where}"
        return [
            Verification(
                t,
                catalog.tool(t).name,
                "missing",
                message=problem,
                fix=fix or f"Build it first: {build}",
                where="container",
            )
            for t in chosen
        ]
    checks = [_verify_tool(runner, catalog, spec, t) for t in chosen]
    if gpu_advice(spec).enabled:
        checks.append(check_gpu(runner, catalog, spec, docker))
    results = list(await asyncio.gather(*checks))
    for item in results:
        log.info("container check %s: %s %s", item.tool_id, item.status, item.message)
    return results
