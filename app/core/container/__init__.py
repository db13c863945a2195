"""Isolated AI CLIs: the guide's container set-up, generated, built and verified.

The wizard and the `container` subcommand use only the names below.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from app.core.catalog import Catalog
from app.core.container.engine import (
    BuildResult,
    build_image,
    build_step,
    check_gpu,
    verify_in_container,
)
from app.core.container.files import (
    ENV_FILE,
    MANIFEST,
    FolderConflict,
    WriteReport,
    read_spec,
    render_env,
    render_files,
    write_folder,
)
from app.core.container.settings import ContainerSettings, default_settings
from app.core.container.spec import (
    RUNTIMES,
    ContainerError,
    ContainerSpec,
    GpuAdvice,
    GpuDiagnosis,
    RuntimeChoice,
    choose_base_image,
    choose_runtime,
    diagnose_gpu_error,
    gpu_advice,
    make_spec,
    runtime_of,
)
from app.core.detect import GpuFinding

__all__ = [
    "ENV_FILE",
    "MANIFEST",
    "RUNTIMES",
    "BuildResult",
    "ContainerError",
    "ContainerSettings",
    "ContainerSpec",
    "FolderConflict",
    "GpuAdvice",
    "GpuDiagnosis",
    "RuntimeChoice",
    "WriteReport",
    "build_image",
    "build_step",
    "check_gpu",
    "choose_base_image",
    "choose_runtime",
    "default_settings",
    "diagnose_gpu_error",
    "gpu_advice",
    "init_folder",
    "make_spec",
    "read_spec",
    "runtime_of",
    "verify_in_container",
]


def init_folder(
    folder: Path,
    spec: ContainerSpec,
    catalog: Catalog,
    settings: ContainerSettings,
    *,
    gpu: GpuFinding | None = None,
    api_keys: Mapping[str, str] | None = None,
    force: bool = False,
) -> WriteReport:
    """Render every file for `spec` and write them into `folder`.

    `api_keys` (variable name to value) go into `.env` only; they are never
    logged, and an existing `.env` is kept as it is.
    """
    files = render_files(spec, catalog, settings, folder, gpu)
    env_text = render_env(spec, settings, api_keys or {})
    return write_folder(folder, files, env_text, force=force)
