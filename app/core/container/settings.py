"""The container set-up's own data (`resources/container/container.toml`), validated."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any

from app.core.catalog import CatalogError
from app.core.resources import resource_path


@dataclass(frozen=True)
class ToolInContainer:
    """What the container needs to know about one tool beyond the catalog."""

    config_dir: str
    volume: str
    api_key: str
    alias: str


@dataclass(frozen=True)
class ModelRunner:
    api_base: str
    model: str
    host: str


@dataclass(frozen=True)
class Sizes:
    """Rough MB a first image build downloads and unpacks, besides the AI CLIs."""

    base_download_mb: int
    base_disk_mb: int
    extras_download_mb: int
    extras_disk_mb: int


@dataclass(frozen=True)
class ContainerSettings:
    image: str
    container_name: str
    base_image: str
    node_floor: str
    node_floor_reason: str
    system_packages: tuple[str, ...]
    user: str
    workspace: str
    tools: Mapping[str, ToolInContainer]
    model_runner: ModelRunner
    sizes: Sizes

    def tool(self, tool_id: str) -> ToolInContainer:
        try:
            return self.tools[tool_id]
        except KeyError:
            raise KeyError(f"no container settings for tool {tool_id!r}") from None


def _strings(path: Path, key: str, raw: object, cls: type) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise CatalogError(path, key, "expected a table")
    names = [f.name for f in fields(cls)]
    for name in sorted(set(raw) - set(names)):
        raise CatalogError(path, f"{key}.{name}", "unknown key")
    for name in names:
        value = raw.get(name)
        if not isinstance(value, str) or not value.strip():
            raise CatalogError(path, f"{key}.{name}", "expected a non-empty string")
    return {name: raw[name] for name in names}


def _sizes(path: Path, raw: object) -> Sizes:
    if not isinstance(raw, dict):
        raise CatalogError(path, "sizes", "expected a table")
    names = [f.name for f in fields(Sizes)]
    for name in sorted(set(raw) - set(names)):
        raise CatalogError(path, f"sizes.{name}", "unknown key")
    for name in names:
        value = raw.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise CatalogError(path, f"sizes.{name}", "expected a whole number of MB, 0 or more")
    return Sizes(**{name: raw[name] for name in names})


def load_settings(path: Path) -> ContainerSettings:
    try:
        with path.open("rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
    except FileNotFoundError:
        raise CatalogError(path, "-", "file is missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(path, "-", f"not valid TOML ({exc})") from None
    tools_raw = data.pop("tools", {})
    runner_raw = data.pop("model_runner", None)
    sizes_raw = data.pop("sizes", None)
    packages = data.pop("system_packages", None)
    if not isinstance(packages, list) or not all(isinstance(p, str) for p in packages):
        raise CatalogError(path, "system_packages", "expected a list of strings")
    if not isinstance(tools_raw, dict):
        raise CatalogError(path, "tools", "expected a table")
    top = _strings(path, "(top level)", data, _Top)
    if "{node}" not in top["base_image"]:
        raise CatalogError(path, "base_image", "must contain {node}")
    return ContainerSettings(
        **top,
        system_packages=tuple(packages),
        tools={
            tool_id: ToolInContainer(**_strings(path, f"tools.{tool_id}", raw, ToolInContainer))
            for tool_id, raw in tools_raw.items()
        },
        model_runner=ModelRunner(**_strings(path, "model_runner", runner_raw, ModelRunner)),
        sizes=_sizes(path, sizes_raw),
    )


@dataclass(frozen=True)
class _Top:
    """The plain string keys at the top of container.toml."""

    image: str
    container_name: str
    base_image: str
    node_floor: str
    node_floor_reason: str
    user: str
    workspace: str


@cache
def default_settings() -> ContainerSettings:
    return load_settings(resource_path("container", "container.toml"))
