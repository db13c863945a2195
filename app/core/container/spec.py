"""What the user chose for a container set-up, and what follows from it.

The container runtime comes from detection and the guide's recommendation, the
base image from the chosen tools' Node.js minimums, and GPU access from the
runtime and the operating system.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from app.core.catalog import Catalog
from app.core.container.settings import ContainerSettings
from app.core.detect import Detection, DockerFinding, GpuFinding
from app.core.host import System
from app.core.recommend import Recommendation

Runtime = Literal["docker", "podman"]
RUNTIMES: tuple[Runtime, ...] = ("docker", "podman")
RUNTIME_NAMES = {"docker": "Docker", "podman": "Podman"}


class ContainerError(Exception):
    """A container set-up that cannot be made as asked, with the reason."""


@dataclass(frozen=True)
class ContainerSpec:
    """The choices a container folder is generated from."""

    runtime: Runtime
    tools: tuple[str, ...]
    system: System
    image: str = "ai-cli"
    model_runner: bool = False
    gpu: bool = False

    @property
    def runtime_name(self) -> str:
        return RUNTIME_NAMES[self.runtime]


def make_spec(
    catalog: Catalog,
    settings: ContainerSettings,
    *,
    runtime: Runtime,
    tools: Sequence[str],
    system: System,
    image: str | None = None,
    model_runner: bool = False,
    gpu: bool = False,
) -> ContainerSpec:
    """Check the choices against the catalog and the guide, then freeze them."""
    if runtime not in RUNTIMES:
        raise ContainerError(f"unknown container runtime {runtime!r}; use docker or podman")
    if not tools:
        raise ContainerError("choose at least one tool for the container")
    for tool_id in tools:
        catalog.tool(tool_id)  # raises for an unknown tool
        settings.tool(tool_id)
    if model_runner and runtime != "docker":
        raise ContainerError(
            "Docker Model Runner is part of Docker (Docker Desktop, or the model plugin "
            "of Docker Engine); Podman has no equivalent. Use --runtime docker with "
            "--model-runner."
        )
    return ContainerSpec(
        runtime=runtime,
        tools=tuple(dict.fromkeys(tools)),
        system=system,
        image=image or settings.image,
        model_runner=model_runner,
        gpu=gpu,
    )


@dataclass(frozen=True)
class RuntimeChoice:
    runtime: Runtime
    reason: str


def runtime_of(catalog: Catalog, option_id: str | None) -> Runtime | None:
    """Which command builds images for a recommendation's runtime option, if either does."""
    option = catalog.options.get(option_id) if option_id else None
    items = option.items if option else ()
    if any(i.startswith("docker") for i in items):
        return "docker"
    if any(i.startswith("podman") for i in items):
        return "podman"
    return None


def choose_runtime(
    catalog: Catalog, recommendation: Recommendation, detection: Detection | None = None
) -> RuntimeChoice:
    """Docker or Podman: the runtime of the guide's recommendation for this machine.

    `recommendation` is `recommend()` on this machine's facts, which already
    prefers, among the guide's choices for the system, a runtime that works
    here, then one that is installed: `ai-cli-setup recommend` and every
    container set-up agree because both come from it. When the guide names
    no Docker or Podman for the scenario (Apple Container, native), what
    detection found decides.
    """
    runtime = runtime_of(catalog, recommendation.runtime)
    if runtime is not None:
        return RuntimeChoice(runtime, recommendation.reason + _state(runtime, detection))
    runtime = _detected(detection, recommendation.os)
    named = recommendation.runtime_name or "no container runtime"
    reason = (
        f"The guide recommends {named} here, which builds no Docker image; "
        f"{RUNTIME_NAMES[runtime]} does."
    )
    return RuntimeChoice(runtime, reason + _state(runtime, detection))


def _detected(detection: Detection | None, os_name: str) -> Runtime:
    """Running first, then installed; with neither, the usual runtime of the system."""
    docker = detection.docker.state if detection else "absent"
    podman = detection.podman if detection else None
    if docker == "running":
        return "docker"
    if podman is not None and podman.present:
        return "podman"
    if docker != "absent":
        return "docker"
    return "podman" if os_name == "linux" else "docker"


def _state(runtime: Runtime, detection: Detection | None) -> str:
    """What still has to happen before `runtime` can build here ("" when nothing)."""
    if detection is None:
        return ""
    if runtime == "docker":
        state, summary = detection.docker.state, detection.docker.summary
    elif detection.podman is not None:
        state, summary = detection.podman.state, detection.podman.summary
    else:
        return ""
    name = RUNTIME_NAMES[runtime]
    if state == "running":
        return ""
    if state == "absent":
        return f" {name} is not installed yet; install it first."
    return f" {name} is installed ({summary}); start it to build."


@dataclass(frozen=True)
class BaseImage:
    image: str
    node_major: int
    reason: str


def choose_base_image(
    catalog: Catalog, settings: ContainerSettings, tools: Sequence[str]
) -> BaseImage:
    """The Node.js image new enough for every chosen tool's newest release."""
    floor = int(settings.node_floor)
    needs = [(int(catalog.tool(t).node_min.split(".")[0]), catalog.tool(t).name) for t in tools]
    top, name = max(needs)
    if top >= floor:
        reason = f"Node.js {top}, because the newest {name} needs Node >= {top}"
    else:
        reason = (
            f"Node.js {floor}: the chosen tools need Node >= {top}, and "
            f"{settings.node_floor_reason}"
        )
    major = max(top, floor)
    return BaseImage(settings.base_image.format(node=major), major, reason)


@dataclass(frozen=True)
class GpuAdvice:
    """How (and whether) the container gets the GPU, and what to set up first."""

    enabled: bool
    run_flags: tuple[str, ...] = ()
    setup: tuple[str, ...] = ()  # shell lines for the user to run; never run by us
    notes: tuple[str, ...] = ()


NVIDIA_TOOLKIT_INSTALL = (
    "curl -fsSL https://nvidia.github.io/libnvidia-container/gpgkey | sudo gpg --dearmor "
    "-o /usr/share/keyrings/nvidia-container-toolkit-keyring.gpg",
    "curl -s -L https://nvidia.github.io/libnvidia-container/stable/deb/"
    "nvidia-container-toolkit.list | sed 's#deb https://#deb [signed-by=/usr/share/"
    "keyrings/nvidia-container-toolkit-keyring.gpg] https://#g' | sudo tee "
    "/etc/apt/sources.list.d/nvidia-container-toolkit.list",
    "sudo apt-get update && sudo apt-get install -y nvidia-container-toolkit",
)
DOCKER_TOOLKIT_CONFIGURE = (
    "sudo nvidia-ctk runtime configure --runtime=docker",
    "sudo systemctl restart docker",
)
PODMAN_CDI_GENERATE = ("sudo nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml",)
ROOTLESS_PODMAN_NOTE = (
    "Rootless Podman (the default for a normal user) needs `no-cgroups = true` in "
    "/etc/nvidia-container-runtime/config.toml for GPU access."
)
MACOS_NO_GPU = (
    "Containers on macOS get no GPU: they run inside a Linux virtual machine "
    "(Apple's Hypervisor.framework), which exposes neither Metal, MLX, the Neural "
    "Engine nor Core ML. This holds for Docker, Podman and Apple's container tool."
)
MACOS_ALTERNATIVES = (
    "For GPU-accelerated local models, use Docker Model Runner (re-run with "
    "--runtime docker --model-runner): the model runs on the Mac with Metal and the "
    "container reaches it over HTTP. Or run the tools natively: `ai-cli-setup install`."
)


def gpu_flags(runtime: Runtime) -> tuple[str, ...]:
    """The `run` flags that hand the NVIDIA GPU to a container."""
    return ("--gpus", "all") if runtime == "docker" else ("--device", "nvidia.com/gpu=all")


# FIXME(gpu): whether the toolkit is already configured (`docker info` runtimes, a CDI spec in
# /etc/cdi or /var/run/cdi) is not detected, so the set-up steps are always listed.
def gpu_advice(spec: ContainerSpec, gpu: GpuFinding | None = None) -> GpuAdvice:
    """GPU access for `spec`, per runtime and operating system (the guide's GPU table)."""
    if not spec.gpu:
        return GpuAdvice(False)
    if spec.system == "darwin":
        return GpuAdvice(False, notes=(MACOS_NO_GPU, MACOS_ALTERNATIVES))
    notes: list[str] = []
    setup: tuple[str, ...] = ()
    if spec.system == "linux":
        configure = DOCKER_TOOLKIT_CONFIGURE if spec.runtime == "docker" else PODMAN_CDI_GENERATE
        setup = NVIDIA_TOOLKIT_INSTALL + configure
        notes.append(
            "GPU access needs the NVIDIA driver on this machine and the NVIDIA Container "
            f"Toolkit configured for {spec.runtime_name} (the set-up commands below)."
        )
        if spec.runtime == "podman":
            notes.append(ROOTLESS_PODMAN_NOTE)
    elif spec.runtime == "docker":
        notes.append(
            "Docker Desktop passes an NVIDIA GPU through with its WSL 2 back end; the "
            "NVIDIA driver for Windows is all the host needs."
        )
    else:
        notes.append(
            "GPU access with Podman on Windows is limited and experimental; Docker "
            "Desktop (WSL 2) is the guide's choice for GPU work on Windows."
        )
    if gpu is not None and gpu.state != "nvidia":
        notes.append(
            f"No working NVIDIA GPU was found here ({gpu.summary}); the files ask for "
            "one, so they work only on a machine that has it."
        )
    return GpuAdvice(True, gpu_flags(spec.runtime), setup, tuple(notes))


@dataclass(frozen=True)
class GpuDiagnosis:
    """Why Docker could not hand a GPU to a container (case C18)."""

    cause: Literal["toolkit-not-configured", "non-default-context", "snap-docker"]
    explanation: str
    fix: str


GPU_DRIVER_ERROR = 'could not select device driver "" with capabilities: [[gpu]]'


def diagnose_gpu_error(output: str, docker: DockerFinding | None) -> GpuDiagnosis | None:
    """Name the cause of Docker's "could not select device driver" error, if it is that."""
    if GPU_DRIVER_ERROR not in output:
        return None
    path = (docker.path or "") if docker else ""
    context = docker.context if docker else None
    docker_host = docker.docker_host if docker else None
    if "/snap/" in path:
        return GpuDiagnosis(
            "snap-docker",
            f"Docker here is the snap package ({path}). The snap keeps its own daemon "
            "settings, so an NVIDIA Container Toolkit set up for /etc/docker does not "
            "reach it.",
            "Install Docker from Docker's or your distribution's packages instead of the "
            "snap, then run: sudo nvidia-ctk runtime configure --runtime=docker && "
            "sudo systemctl restart docker",
        )
    if (context and context != "default") or docker_host:
        target = f"context {context!r}" if context and context != "default" else docker_host
        return GpuDiagnosis(
            "non-default-context",
            f"The docker command talks to another daemon ({target}) than the one the "
            "NVIDIA Container Toolkit was configured for.",
            "Switch back with `docker context use default` (and unset DOCKER_HOST), or "
            "set up GPU support in the daemon that context points to.",
        )
    return GpuDiagnosis(
        "toolkit-not-configured",
        "Docker has no NVIDIA runtime: the NVIDIA Container Toolkit is not installed or "
        "not configured for Docker.",
        "Install the NVIDIA Container Toolkit, then: sudo nvidia-ctk runtime configure "
        "--runtime=docker && sudo systemctl restart docker",
    )
