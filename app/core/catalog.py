"""The catalog: the guide's knowledge as validated, frozen data.

Loaded from TOML files in `resources/catalog/`. A broken file fails with its
file name, key and reason; unknown keys are errors, not silently ignored.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
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
class Command:
    """One command of an install method: the argument list and whether it needs admin rights."""

    argv: tuple[str, ...]
    admin: bool = False
    append: tuple[str, ...] = ()  # flags that keep the command from waiting for a keypress
    guide: str = ""  # the guide's line this command comes from, verbatim

    @property
    def full_argv(self) -> tuple[str, ...]:
        return self.argv + self.append


@dataclass(frozen=True)
class Method:
    """How one prerequisite is installed on one system with one package manager."""

    prerequisite: str
    system: str
    manager: str
    source: str
    commands: tuple[Command, ...]
    upgrade: tuple[Command, ...] = ()
    relogin: bool = False
    reboot: bool = False
    download_mb: int = 0
    note: str = ""


@dataclass(frozen=True)
class Prerequisite:
    id: str
    name: str
    methods: tuple[Method, ...] = ()

    def method(self, system: str, managers: tuple[str, ...]) -> Method | None:
        """The first method for `system` whose manager is in `managers`, in that order."""
        for manager in managers:
            for method in self.methods:
                if method.system == system and method.manager == manager:
                    return method
        return None


@dataclass(frozen=True)
class Catalog:
    tools: Mapping[str, Tool]
    signatures: tuple[Signature, ...]
    # INTERIM (issue 5): per-OS install methods, read from methods.toml until issue 3's
    # catalog carries them.
    prerequisites: Mapping[str, Prerequisite] = field(default_factory=dict)
    download_mb: Mapping[str, int] = field(default_factory=dict)

    def prerequisite(self, prereq_id: str) -> Prerequisite:
        try:
            return self.prerequisites[prereq_id]
        except KeyError:
            raise KeyError(f"unknown prerequisite {prereq_id!r}") from None

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
    prerequisites, download_mb = _load_methods(folder / "methods.toml")
    return Catalog(
        tools=tools,
        signatures=signatures,
        prerequisites=prerequisites,
        download_mb=download_mb,
    )


_METHOD_KEYS = {"system", "manager", "source", "commands", "upgrade", "relogin", "reboot"}
_METHOD_KEYS |= {"download_mb", "note"}
_COMMAND_KEYS = {"argv", "admin", "append", "guide"}


def _strings(path: Path, key: str, raw: object) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(a, str) and a for a in raw):
        raise CatalogError(path, key, "expected a list of non-empty strings")
    return tuple(raw)


def _commands(path: Path, key: str, raw: object) -> tuple[Command, ...]:
    if not isinstance(raw, list):
        raise CatalogError(path, key, "expected a list of commands")
    commands = []
    for i, item in enumerate(raw):
        where = f"{key}[{i}]"
        if not isinstance(item, dict):
            raise CatalogError(path, where, "expected a table")
        unknown = sorted(set(item) - _COMMAND_KEYS)
        if unknown:
            raise CatalogError(path, f"{where}.{unknown[0]}", "unknown key")
        argv = _strings(path, f"{where}.argv", item.get("argv"))
        if not argv:
            raise CatalogError(path, f"{where}.argv", "a command needs at least one argument")
        commands.append(
            Command(
                argv=argv,
                admin=bool(item.get("admin", False)),
                append=_strings(path, f"{where}.append", item.get("append", [])),
                guide=str(item.get("guide", "")),
            )
        )
    return tuple(commands)


def _load_methods(path: Path) -> tuple[dict[str, Prerequisite], dict[str, int]]:
    if not path.exists():
        return {}, {}
    data = _read(path)
    unknown = sorted(set(data) - {"prerequisite", "method", "download_mb"})
    if unknown:
        raise CatalogError(path, unknown[0], "unknown key")
    methods: dict[str, list[Method]] = {}
    for prereq_id, entries in data.get("method", {}).items():
        if prereq_id not in data.get("prerequisite", {}):
            raise CatalogError(path, f"method.{prereq_id}", "no [prerequisite] of that name")
        for i, raw in enumerate(entries):
            key = f"method.{prereq_id}[{i}]"
            unknown = sorted(set(raw) - _METHOD_KEYS)
            if unknown:
                raise CatalogError(path, f"{key}.{unknown[0]}", "unknown key")
            if raw.get("system") not in ("windows", "darwin", "linux"):
                raise CatalogError(path, f"{key}.system", "expected windows, darwin or linux")
            if raw.get("source") not in ("guide", "product"):
                raise CatalogError(path, f"{key}.source", "expected guide or product")
            if raw.get("source") == "product" and not raw.get("note"):
                raise CatalogError(path, f"{key}.note", "a product method says why in a note")
            methods.setdefault(prereq_id, []).append(
                Method(
                    prerequisite=prereq_id,
                    system=raw["system"],
                    manager=str(raw.get("manager", "")),
                    source=raw["source"],
                    commands=_commands(path, f"{key}.commands", raw.get("commands")),
                    upgrade=_commands(path, f"{key}.upgrade", raw.get("upgrade", [])),
                    relogin=bool(raw.get("relogin", False)),
                    reboot=bool(raw.get("reboot", False)),
                    download_mb=int(raw.get("download_mb", 0)),
                    note=str(raw.get("note", "")),
                )
            )
    prerequisites = {
        prereq_id: Prerequisite(
            prereq_id, str(raw.get("name", prereq_id)), tuple(methods.get(prereq_id, []))
        )
        for prereq_id, raw in data.get("prerequisite", {}).items()
    }
    download_mb = {k: int(v) for k, v in data.get("download_mb", {}).items()}
    return prerequisites, download_mb


@cache
def default_catalog() -> Catalog:
    return load_catalog(resource_path("catalog"))
