"""The files of a container folder: rendered from templates, written with care.

Existing files are never overwritten silently, and `.env` (API keys) is
created with owner-only permissions and its content is never logged.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shlex
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from app import __version__
from app.core.catalog import Catalog
from app.core.container.settings import ContainerSettings
from app.core.container.spec import (
    ContainerError,
    ContainerSpec,
    choose_base_image,
    gpu_advice,
)
from app.core.detect import GpuFinding
from app.core.fileio import write_atomically
from app.core.resources import resource_path

log = logging.getLogger("ai_cli_setup.container")

DOCKERFILE = "Dockerfile"
COMPOSE = "docker-compose.yml"
README = "README.md"
ENV_FILE = ".env"
IGNORE = ".dockerignore"
MANIFEST = ".ai-cli-setup.json"
ENV_MODE = 0o600

_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")
_KEY_VALUE = re.compile(r"[^\s\"'#\\]+")


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill `{{name}}` placeholders; a missing value is an error, never blank."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"template value {name!r} is missing")
        return values[name]

    return _PLACEHOLDER.sub(fill, template)


def _template(name: str) -> str:
    return resource_path("container", name).read_text(encoding="utf-8")


def _quoted(argv: Sequence[str]) -> str:
    return shlex.join(argv)


def run_command(spec: ContainerSpec, settings: ContainerSettings, gpu: Sequence[str]) -> str:
    """The guide's `run` line: this folder as workspace, one named volume per tool."""
    argv = [spec.runtime, "run", "-it", "--rm", *gpu, "--env-file", ENV_FILE]
    for tool_id in spec.tools:
        tool = settings.tool(tool_id)
        argv += ["-v", f"{tool.volume}:/home/{settings.user}/{tool.config_dir}"]
    workspace = f'-v "$(pwd)":{settings.workspace}'
    return f"{_quoted(argv)} {workspace} {shlex.quote(spec.image)}"


def compose_command(spec: ContainerSpec) -> str:
    tool = "docker compose" if spec.runtime == "docker" else "podman-compose"
    return f"{tool} run --rm ai-cli"


def render_dockerfile(spec: ContainerSpec, catalog: Catalog, settings: ContainerSettings) -> str:
    tools = [catalog.tool(t) for t in spec.tools]
    base = choose_base_image(catalog, settings, spec.tools)
    home = f"/home/{settings.user}"
    dirs = [f"{home}/{settings.tool(t).config_dir}" for t in spec.tools] + [settings.workspace]
    indent = " " * len("RUN mkdir -p ")
    bashrc = [
        f"echo \"alias {settings.tool(t.id).alias}='{t.command}'\" >> ~/.bashrc" for t in tools
    ] + ["echo 'export PATH=\"$HOME/.local/bin:$PATH\"' >> ~/.bashrc"]
    return render(
        _template("Dockerfile.tmpl"),
        {
            "tool_names": ", ".join(t.name for t in tools),
            "base_reason": base.reason,
            "base_image": base.image,
            "system_packages": "\n".join(f"    {p} \\" for p in settings.system_packages),
            "npm_packages": " ".join(t.npm_package for t in tools),
            "user": settings.user,
            "config_dirs": f" \\\n{indent}".join(dirs),
            "bashrc_lines": " && \\\n    ".join(bashrc),
            "workspace": settings.workspace,
        },
    )


# FIXME(container): `useradd` gives `ai` uid 1001 (the node image has `node` at 1000), so
# files it writes into the bind-mounted workspace belong to uid 1001 on a Linux host, and
# rootless Podman maps it to a sub-uid; a matching uid or --userns=keep-id is not set up yet.
def render_compose(spec: ContainerSpec, catalog: Catalog, settings: ContainerSettings) -> str:
    home = f"/home/{settings.user}"
    mine = [settings.tool(t) for t in spec.tools]
    environment = [f"      - {t.api_key}=${{{t.api_key}:-}}" for t in mine]
    extra: list[str] = []
    if spec.model_runner:
        runner = settings.model_runner
        environment += [
            "      # OpenAI-compatible endpoint for local LLM",
            f"      - OPENAI_API_BASE={runner.api_base}",
            f"      - LOCAL_LLM_MODEL={runner.model}",
        ]
        extra += ["    extra_hosts:", f'      - "{runner.host}"']
    advice = gpu_advice(spec)
    if advice.enabled and spec.runtime == "docker":
        extra += [
            "    deploy:",
            "      resources:",
            "        reservations:",
            "          devices:",
            "            - driver: nvidia",
            "              count: all",
            "              capabilities: [gpu]",
        ]
    elif advice.enabled:
        extra += ["    devices:", f"      - {advice.run_flags[-1]}"]
    return render(
        _template("docker-compose.yml.tmpl"),
        {
            "tool_names": ", ".join(catalog.tool(t).name for t in spec.tools),
            "compose_run": compose_command(spec),
            "image": spec.image,
            "container_name": settings.container_name,
            "workspace": settings.workspace,
            "volume_mounts": "\n".join(f"      - {t.volume}:{home}/{t.config_dir}" for t in mine),
            "environment": "\n".join(environment),
            "service_extra": "\n".join(extra) + ("\n" if extra else ""),
            "named_volumes": "\n".join(f"  {t.volume}:" for t in mine),
        },
    ).replace("\n\n\nvolumes:", "\n\nvolumes:")


def _gpu_section(spec: ContainerSpec, gpu: GpuFinding | None) -> str:
    advice = gpu_advice(spec, gpu)
    if not spec.gpu:
        return ""
    lines = ["## GPU", ""]
    lines += [f"{note}\n" for note in advice.notes]
    if advice.enabled:
        flags = " ".join(advice.run_flags)
        lines += [
            f"`{spec.runtime} run` gets the GPU with `{flags}`; the compose file asks for it too.\n"
        ]
    if advice.setup:
        lines += ["One-time set-up on this machine (needs admin rights):", "", "```sh"]
        lines += [*advice.setup, "```", ""]
    if advice.enabled:
        check = [spec.runtime, "run", "--rm", *advice.run_flags, spec.image, "nvidia-smi", "-L"]
        lines += ["Check that the container sees the GPU:", "", "```sh", _quoted(check), "```"]
    return "\n".join(lines) + "\n"


# FIXME(container): the set-up commands are Docker Desktop's; Docker Engine on Linux gets
# Model Runner from its docker-model-plugin package instead.
def _model_runner_section(spec: ContainerSpec, settings: ContainerSettings) -> str:
    if not spec.model_runner:
        return ""
    runner = settings.model_runner
    return "\n".join(
        [
            "## Local models with Docker Model Runner",
            "",
            "The model runs on the host (with Metal on a Mac) and the container reaches it at",
            f"`{runner.api_base}` (`OPENAI_API_BASE`; model name in `LOCAL_LLM_MODEL`).",
            "One-time set-up on the host:",
            "",
            "```sh",
            "docker desktop enable model-runner",
            f"docker model pull {runner.model}",
            "docker model list",
            "```",
            "",
            "Inside the container: `curl -s $OPENAI_API_BASE/models | jq`",
            "",
        ]
    )


def render_readme(
    spec: ContainerSpec,
    catalog: Catalog,
    settings: ContainerSettings,
    folder: Path,
    gpu: GpuFinding | None = None,
) -> str:
    tools = [catalog.tool(t) for t in spec.tools]
    advice = gpu_advice(spec, gpu)
    build = [spec.runtime, "build", "-t", spec.image, "-f", DOCKERFILE, "."]
    verify = [
        _quoted([spec.runtime, "run", "--rm", spec.image, t.command, "--version"]) for t in tools
    ]
    return (
        render(
            _template("README.md.tmpl"),
            {
                "tool_names": ", ".join(t.name for t in tools),
                "runtime_name": spec.runtime_name,
                "base_image": choose_base_image(catalog, settings, spec.tools).image,
                "user": settings.user,
                "folder": shlex.quote(str(folder)),
                "build_command": _quoted(build),
                "verify_commands": "\n".join(verify),
                "rebuild_command": _quoted([*build[:2], "--no-cache", *build[2:]]),
                "compose_run": compose_command(spec),
                "run_command": run_command(spec, settings, advice.run_flags),
                "sign_in": "\n".join(f"- **{t.name}**: {t.sign_in}" for t in tools),
                "gpu_section": _gpu_section(spec, gpu),
                "model_runner_section": _model_runner_section(spec, settings),
            },
        ).rstrip()
        + "\n"
    )


def render_env(spec: ContainerSpec, settings: ContainerSettings, keys: Mapping[str, str]) -> str:
    """The `.env` text: one line per chosen tool's API key, values from `keys`."""
    names = [settings.tool(t).api_key for t in spec.tools]
    unknown = sorted(set(keys) - set(names))
    if unknown:
        raise ContainerError(f"{unknown[0]} is not an API key of the chosen tools")
    lines = [
        "# API keys for the AI CLIs in this container, read by compose. Owner-only (mode 600).",
        "# Never commit or share this file. Leave a value empty to sign in instead.",
    ]
    for name in names:
        value = keys.get(name, "")
        if value and not _KEY_VALUE.fullmatch(value):
            # The value itself is never put in the message.
            raise ContainerError(f"{name} has spaces, quotes or line breaks; paste the key alone")
        lines.append(f"{name}={value}")
    return "\n".join(lines) + "\n"


def manifest(spec: ContainerSpec) -> str:
    data = {
        "generator": "ai-cli-setup",
        "generator_version": __version__,
        "runtime": spec.runtime,
        "tools": list(spec.tools),
        "system": spec.system,
        "image": spec.image,
        "model_runner": spec.model_runner,
        "gpu": spec.gpu,
    }
    return json.dumps(data, indent=2) + "\n"


def read_spec(folder: Path) -> ContainerSpec:
    """The choices a folder was generated with, from its manifest."""
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ContainerError(
            f"{folder} has no {MANIFEST}; make the folder with `ai-cli-setup container init`"
        ) from None
    except (OSError, ValueError) as exc:
        raise ContainerError(f"{path} cannot be read: {exc}") from None
    try:
        return ContainerSpec(
            runtime=data["runtime"],
            tools=tuple(data["tools"]),
            system=data["system"],
            image=data["image"],
            model_runner=bool(data["model_runner"]),
            gpu=bool(data["gpu"]),
        )
    except (KeyError, TypeError) as exc:
        raise ContainerError(f"{path} is incomplete ({exc})") from None


def render_files(
    spec: ContainerSpec,
    catalog: Catalog,
    settings: ContainerSettings,
    folder: Path,
    gpu: GpuFinding | None = None,
) -> dict[str, str]:
    """Every file of the folder except `.env`, by name."""
    return {
        DOCKERFILE: render_dockerfile(spec, catalog, settings),
        COMPOSE: render_compose(spec, catalog, settings),
        README: render_readme(spec, catalog, settings, folder, gpu),
        IGNORE: "# Keep secrets and version control out of the build context.\n.env\n.git\n",
        MANIFEST: manifest(spec),
    }


@dataclass(frozen=True)
class WriteReport:
    folder: Path
    written: tuple[str, ...]
    kept: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


class FolderConflict(ContainerError):
    """Files that already exist and would be overwritten."""

    def __init__(self, folder: Path, names: Sequence[str]) -> None:
        self.folder = folder
        self.names = tuple(names)
        listed = ", ".join(self.names)
        super().__init__(
            f"{folder} already has {listed}; nothing was written. "
            "Use --force to replace them (an existing .env is always kept)."
        )


def _replace_file(path: Path, text: str) -> None:
    write_atomically(path, text, newline="\n")


def create_private_file(path: Path, text: str) -> None:
    """Create `path` readable and writable by its owner only, from the first byte.

    The mode is given to `os.open`, so the file never exists with wider
    permissions; an existing file is an error, never overwritten.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    # FIXME(windows): the mode only sets read-only there; ACLs are not narrowed.
    fd = os.open(path, flags, ENV_MODE)
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def env_file_warning(path: Path) -> str | None:
    """A warning when an existing `.env` can be read by other users."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if os.name == "posix" and mode & 0o077:
        return (
            f"{path} can be read by other users (mode {mode:o}); "
            f"make it private with: chmod 600 {shlex.quote(str(path))}"
        )
    return None


def write_folder(
    folder: Path, files: Mapping[str, str], env_text: str, *, force: bool = False
) -> WriteReport:
    """Write the folder's files; refuse to overwrite unless `force`, never touch `.env`."""
    folder.mkdir(parents=True, exist_ok=True)
    existing = [name for name in files if (folder / name).exists()]
    if existing and not force:
        raise FolderConflict(folder, existing)
    for name, text in files.items():
        _replace_file(folder / name, text)
        log.info("wrote %s", folder / name)
    env_path = folder / ENV_FILE
    kept: list[str] = []
    warnings: list[str] = []
    if env_path.exists():
        kept.append(ENV_FILE)
        warning = env_file_warning(env_path)
        if warning:
            warnings.append(warning)
        log.info("kept the existing %s", env_path)
    else:
        create_private_file(env_path, env_text)
        log.info("wrote %s (owner-only)", env_path)
    written = tuple(files) + (() if kept else (ENV_FILE,))
    return WriteReport(folder, written, tuple(kept), tuple(warnings))
