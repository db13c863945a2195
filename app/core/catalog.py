"""The catalog: the guide's knowledge as validated, frozen data.

Loaded from TOML files in `resources/catalog/`. A broken file fails with its
file name, key and reason; unknown keys are errors, not silently ignored.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from app.core.resources import resource_path


class CatalogError(ValueError):
    """A catalog file that cannot be used, with where and why."""

    def __init__(self, file: Path | str, key: str, reason: str) -> None:
        super().__init__(f"{file}: {key}: {reason}")
        self.file = str(file)
        self.key = key
        self.reason = reason


@dataclass(frozen=True)
class Tool:
    id: str
    name: str
    command: str
    npm_package: str
    version_pattern: str
    node_min: str
    node_floor: str
    sign_in: str

    def parse_version(self, output: str) -> str | None:
        pattern = re.compile(self.version_pattern)
        for line in output.splitlines():
            match = pattern.match(line.strip())
            if match:
                return match.group(1)
        return None


@dataclass(frozen=True)
class Signature:
    id: str
    pattern: str
    explanation: str
    fix: str

    def matches(self, text: str) -> bool:
        return re.search(self.pattern, text) is not None


@dataclass(frozen=True)
class Catalog:
    tools: Mapping[str, Tool]
    signatures: tuple[Signature, ...]

    def tool(self, tool_id: str) -> Tool:
        try:
            return self.tools[tool_id]
        except KeyError:
            known = ", ".join(self.tools)
            raise KeyError(f"unknown tool {tool_id!r} (known: {known})") from None

    def diagnose(self, text: str) -> list[Signature]:
        """Every known error signature found in `text`, in catalog order."""
        return [sig for sig in self.signatures if sig.matches(text)]


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise CatalogError(path, "-", "file is missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(path, "-", f"not valid TOML ({exc})") from None


def _record(path: Path, key: str, raw: object, cls: type, **extra: str) -> Any:
    if not isinstance(raw, dict):
        raise CatalogError(path, key, "expected a table")
    fields = [f for f in cls.__dataclass_fields__ if f not in extra]
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise CatalogError(path, f"{key}.{unknown[0]}", "unknown key")
    missing = [f for f in fields if f not in raw]
    if missing:
        raise CatalogError(path, f"{key}.{missing[0]}", "required key is missing")
    for name in fields:
        if not isinstance(raw[name], str) or not raw[name].strip():
            raise CatalogError(path, f"{key}.{name}", "expected a non-empty string")
    for name in ("pattern", "version_pattern"):
        if name in raw:
            try:
                re.compile(raw[name])
            except re.error as exc:
                raise CatalogError(
                    path, f"{key}.{name}", f"bad regular expression: {exc}"
                ) from None
    return cls(**extra, **raw)


def load_catalog(folder: Path) -> Catalog:
    tools_file = folder / "tools.toml"
    data = _read(tools_file)
    unknown = sorted(set(data) - {"tools"})
    if unknown:
        raise CatalogError(tools_file, unknown[0], "unknown key")
    tools = {
        tool_id: _record(tools_file, f"tools.{tool_id}", raw, Tool, id=tool_id)
        for tool_id, raw in data.get("tools", {}).items()
    }
    sig_file = folder / "troubleshooting.toml"
    sig_data = _read(sig_file)
    unknown = sorted(set(sig_data) - {"signature"})
    if unknown:
        raise CatalogError(sig_file, unknown[0], "unknown key")
    signatures = tuple(
        _record(sig_file, f"signature[{i}]", raw, Signature)
        for i, raw in enumerate(sig_data.get("signature", []))
    )
    return Catalog(tools=tools, signatures=signatures)


@cache
def default_catalog() -> Catalog:
    return load_catalog(resource_path("catalog"))
