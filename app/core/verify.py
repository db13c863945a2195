"""Verification: does each tool run, which version, from where, installed by whom.

Success is decided here, by running the tool, never by an installer's words.
The tool is looked up on the PATH a new terminal would have (a new login
shell on Unix, the registry on Windows), not the wizard's own.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ntpath
import os
import re
import shlex
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from app.core.catalog import Catalog, Signature, Tool, fill
from app.core.detect.parse import install_source
from app.core.engines import installed_node_floor
from app.core.host import Host, find_all_on_path, resolve_executable
from app.core.runner import EnvironmentSource, Outcome, Runner, WindowsRegistryPath, path_key
from app.core.versions import at_least

VERIFY_TIMEOUT = 60.0
LOGIN_TIMEOUT = 10.0
# What a login starts from before /etc/profile (or macOS's path_helper) adds to it.
LOGIN_BASE_PATH = "/usr/local/bin:/usr/bin:/bin"
_MARKER = "@@ai-cli-setup-path@@"
# A fixed script: nothing from the user's input is ever part of it.
_PRINT_PATH = f'printf "\\n{_MARKER}%s\\n" "$PATH"'
_LOGIN_ENV = ("HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TMPDIR", "XDG_CONFIG_HOME")

Status = Literal["ok", "not-on-path", "missing", "broken", "outdated", "node-too-old"]


@dataclass(frozen=True)
class FreshPath:
    """The PATH a new terminal gets, and where it was read from."""

    dirs: tuple[str, ...]
    origin: str  # "login shell", "registry" or "this process"
    note: str = ""  # why the wizard's own PATH was used instead


@dataclass(frozen=True)
class Copy:
    """One copy of a tool's command found on this machine."""

    path: str
    owner: str  # npm, brew, winget, native, system, ... (detection's words)
    version: str | None = None
    on_path: bool = True
    runs: bool = False  # the copy a new terminal runs when the command is typed


@dataclass(frozen=True)
class Verification:
    tool_id: str
    name: str
    status: Status
    version: str | None = None
    path: str | None = None
    on_path: bool = False
    other_copies: tuple[str, ...] = ()
    message: str = ""
    fix: str = ""
    output: str = ""
    where: str = "native"  # "native", or "container" for a check inside the image
    owner: str = ""  # who installed it
    minimum: str = ""  # the catalog's minimum version, when it has one
    fix_folder: str = ""  # the folder the wizard can put on PATH (C01, C02, C22)
    copies: tuple[Copy, ...] = ()  # every copy, with the one that runs marked
    path_origin: str = ""  # which PATH was searched: login shell, registry, this process

    @property
    def passed(self) -> bool:
        """Installed at a good version and runnable (possibly only by its full path)."""
        return self.status in ("ok", "not-on-path")


async def fresh_path(
    runner: Runner, env_source: EnvironmentSource | None = None, timeout: float = LOGIN_TIMEOUT
) -> FreshPath:
    """PATH as a new terminal would see it; the wizard's own PATH, with a note, if unknown."""
    host = runner.host
    current = tuple(host.path_dirs())
    if host.is_windows:
        source = env_source or WindowsRegistryPath()
        env = source.refreshed(host.env)
        dirs = tuple(host.path_dirs(env))
        if env != dict(host.env):
            return FreshPath(dirs, "registry")
        if host.is_recorded:
            return FreshPath(current, "the recording")
        return FreshPath(current, "this process", "The registry's PATH could not be read.")
    if host.is_recorded:
        return FreshPath(current, "the recording")
    shell = host.env.get("SHELL") or "/bin/sh"
    keep = [f"{k}={host.env[k]}" for k in _LOGIN_ENV if host.env.get(k)]
    # /usr/bin/env by its full path: the wizard's own PATH may be too bare to find it.
    argv = ["/usr/bin/env", "-i", *keep, f"SHELL={shell}", f"PATH={LOGIN_BASE_PATH}"]
    out = await runner.run([*argv, shell, "-lc", _PRINT_PATH], timeout=timeout)
    found = [line for line in out.output.splitlines() if line.startswith(_MARKER)]
    if out.ok and found:
        value = found[-1][len(_MARKER) :]
        return FreshPath(tuple(p for p in value.split(":") if p), "login shell")
    note = (
        f"A new login shell ({shell}) did not report its PATH: {out.sentence()} "
        "The wizard's own PATH was searched instead."
    )
    return FreshPath(current, "this process", note)


def _with_path(host: Host, dirs: Sequence[str]) -> Host:
    env = dict(host.env)
    env[path_key(env)] = host.path_separator.join(dirs)
    return dataclasses.replace(host, env=env)


def _dirname(host: Host, path: str) -> str:
    return ntpath.dirname(path) if host.is_windows else os.path.dirname(path)


def _same(host: Host, a: str, b: str) -> bool:
    if host.is_recorded or host.is_windows:
        return a.lower() == b.lower() if host.is_windows else a == b
    return os.path.realpath(a) == os.path.realpath(b)


def _owner(host: Host, path: str, npm_prefix: str | None) -> str:
    real = path if host.is_recorded else os.path.realpath(path)
    return install_source(path, host.home, npm_prefix, None, real)


def _install_dirs(host: Host, tool: Tool, npm_prefix: str | None) -> list[str]:
    """Where the tool's installers put it: npm's prefix, then the catalog's folders."""
    values = {"home": host.home, "npm_prefix": npm_prefix or host.default_user_npm_prefix()}
    dirs = [host.npm_bin_dir(npm_prefix)] if npm_prefix else []
    dirs.append(host.npm_bin_dir(host.default_user_npm_prefix()))
    for template in tool.bin_dirs.get(host.os_name, ()):
        try:
            dirs.append(fill(template, values))
        except KeyError:
            continue  # a placeholder with no value here ({brew_prefix} off macOS, say)
    return list(dict.fromkeys(d for d in dirs if d))


async def _npm_prefix(runner: Runner, host: Host) -> str | None:
    out = await runner.run(["npm", "prefix", "-g"], env=host.env, timeout=30)
    lines = [line.strip() for line in out.output.splitlines() if line.strip()]
    return lines[-1] if out.ok and lines else None


def npm_install(host: Host, package: str, prefix: str | None) -> str:
    """The npm command a person types to install `package`, into `prefix` when one was given.

    Without the prefix, a hint after `verify --npm-prefix P` would install into npm's
    global folder instead (often a system folder).
    """
    argv = ["npm", "install", "-g", *(["--prefix", prefix] if prefix else []), package]
    return subprocess.list2cmdline(argv) if host.is_windows else shlex.join(argv)


_NPM_GLOBAL = re.compile(r"\bnpm (?:install|i) (?:-g|--global) (?!--prefix\b)")


def with_npm_prefix(text: str, host: Host, prefix: str | None) -> str:
    """`text` (a fix) with `--prefix PREFIX` in each `npm install -g` it suggests.

    The catalog's fixes are written for npm's global folder; a user who chose another
    (--npm-prefix, a profile's npm_prefix) must reinstall there, not into the global one.
    """
    if not prefix:
        return text
    quoted = subprocess.list2cmdline([prefix]) if host.is_windows else shlex.quote(prefix)
    return _NPM_GLOBAL.sub(lambda m: f"{m.group(0)}--prefix {quoted} ", text)


def _plan_command(host: Host, tool_id: str, prefix: str | None) -> str:
    """The `ai-cli-setup plan` that plans what `tool_id`, installed in `prefix`, needs."""
    argv = ["ai-cli-setup", "plan", "--tools", tool_id]
    argv += ["--npm-prefix", prefix] if prefix else []
    return subprocess.list2cmdline(argv) if host.is_windows else shlex.join(argv)


def _explain(
    host: Host, tool: Tool, out: Outcome, signatures: Sequence[Signature], prefix: str | None
) -> tuple[str, str]:
    if signatures:
        first = signatures[0]
        return first.explanation, with_npm_prefix(first.fix, host, prefix)
    started = out.status in ("ok", "failed")  # it ran; otherwise out.sentence() says why not
    what = "started but did not print a version" if started else "is there but does not run"
    return (
        f"{tool.name} {what}.",
        f"Reinstall {tool.name}: {npm_install(host, tool.npm_package, prefix)}",
    )


async def verify_tool(
    runner: Runner,
    catalog: Catalog,
    tool_id: str,
    prefix: str | None = None,
    fresh: FreshPath | None = None,
) -> Verification:
    """Run the tool's version command and say what is there.

    `fresh` is the PATH a new terminal gets; without it the runner's own
    PATH is searched (the install engine's, refreshed after each step).
    """
    host: Host = runner.host
    tool = catalog.tool(tool_id)
    dirs = list(fresh.dirs) if fresh else host.path_dirs()
    origin = fresh.origin if fresh else "this process"
    view = _with_path(host, dirs)
    on_path = find_all_on_path(tool.command, view)
    npm_prefix = prefix
    if npm_prefix is None and not on_path:
        npm_prefix = await _npm_prefix(runner, host)  # C01: the folder comes from npm itself
    installed = resolve_executable(tool.command, host, path=_install_dirs(host, tool, npm_prefix))
    in_prefix = (
        resolve_executable(tool.command, host, path=[host.npm_bin_dir(prefix)]) if prefix else None
    )
    exe = in_prefix or (on_path[0] if on_path else installed)
    if exe is None:
        where = f" in {host.npm_bin_dir(npm_prefix)} or" if npm_prefix else ""
        return Verification(
            tool_id,
            tool.name,
            "missing",
            message=f"{tool.name} was not found{where} on PATH.",
            fix=f"Install it: {npm_install(host, tool.npm_package, prefix)}",
            path_origin=origin,
        )
    others = [p for p in on_path if not _same(host, p, exe)]
    if installed and not _same(host, installed, exe) and installed not in others:
        others.append(installed)
    node = _node_for(host, exe, dirs)
    node_needed = installed_node_floor(host, exe, tool.npm_package) if node else None
    node_check = _node_version(runner, host, node) if node and node_needed else _nothing()
    node_found, *versions = await asyncio.gather(
        node_check, *(_version(runner, host, tool, path, dirs) for path in (exe, *others))
    )
    (out, version), rest = versions[0], versions[1:]
    exe_on_path = any(_same(host, p, exe) for p in on_path)
    copies = tuple(
        Copy(
            path,
            _owner(host, path, npm_prefix),
            found,
            on_path=any(_same(host, p, path) for p in on_path),
            runs=bool(on_path) and _same(host, on_path[0], path),
        )
        for path, (_o, found) in zip((exe, *others), ((out, version), *rest), strict=True)
    )
    base = Verification(
        tool_id,
        tool.name,
        "ok",
        version,
        exe,
        exe_on_path,
        tuple(others),
        output=out.output,
        owner=copies[0].owner,
        minimum=tool.min_version,
        copies=copies,
        path_origin=origin,
    )
    if version is None:
        explanation, fix = _explain(host, tool, out, catalog.diagnose(out.output), prefix)
        message = f"{out.sentence()} {explanation}"
        return dataclasses.replace(base, status="broken", message=message, fix=fix)
    if node_needed and node_found and not at_least(node_found, node_needed):
        # C08: npm exits 0 over an engine it warned about; the tool may still print its
        # version on that Node.js, and then fail when it is used.
        return dataclasses.replace(
            base,
            status="node-too-old",
            message=f"{tool.name} {version} needs Node.js {node_needed} or newer, and the "
            f"Node.js it runs with is {node_found} ({node}).",
            fix=f"Upgrade Node.js to {node_needed} or newer "
            f"(`{_plan_command(host, tool_id, prefix)}` plans it), "
            "then run `ai-cli-setup verify` again.",
        )
    if tool.min_version and not at_least(version, tool.min_version):
        return dataclasses.replace(
            base,
            status="outdated",
            message=f"{tool.name} {version} is older than {tool.min_version}, the oldest "
            "release the wizard supports.",
            fix=f"Upgrade it: {npm_install(host, tool.npm_package + '@latest', prefix)}",
        )
    if not exe_on_path:
        folder = _dirname(host, exe)
        return dataclasses.replace(
            base,
            status="not-on-path",
            message=f"{tool.name} {version} is installed in {folder}, which is not on PATH yet.",
            fix=f"Put {folder} on PATH (`ai-cli-setup verify --fix-path` does it and "
            "`ai-cli-setup undo` takes it out), then open a new terminal.",
            fix_folder=folder,
        )
    message = f"{tool.name} {version} at {exe}"
    shadow = next((c for c in copies[1:] if c.on_path), None)
    if shadow is not None and shadow.runs:
        found = f"{shadow.owner} {shadow.version or ''}".strip()
        message += f"; but {shadow.path} ({found}) comes first on PATH"
    elif shadow is not None:
        message += f" (another copy comes later on PATH: {shadow.path})"
    return dataclasses.replace(base, message=message)


async def _version(
    runner: Runner, host: Host, tool: Tool, exe: str, dirs: Sequence[str]
) -> tuple[Outcome, str | None]:
    """Run one copy's version command by its full path (C22); its own folder leads PATH,
    so a `#!/usr/bin/env node` shim finds the node next to it."""
    front = [_dirname(host, exe)]
    node = _node_for(host, exe, dirs)
    if node:
        front.append(_dirname(host, node))
    env = {**_with_path(host, [*front, *dirs]).env, **tool.version_env}
    out = await runner.run([exe, *tool.version_args], env=env, timeout=VERIFY_TIMEOUT)
    return out, (tool.parse_version(out.output) if out.ok else None)


def _node_for(host: Host, exe: str, dirs: Sequence[str]) -> str | None:
    """The node a copy's shim runs: one next to it, else the first on the searched PATH."""
    return (
        resolve_executable("node", host, path=[_dirname(host, exe)])
        or resolve_executable("node", _with_path(host, dirs))
        or resolve_executable("node", host)
    )


async def _node_version(runner: Runner, host: Host, node: str) -> str | None:
    out = await runner.run([node, "--version"], env=dict(host.env), timeout=30)
    match = re.search(r"v?(\d+\.\d+\.\d+)", out.output) if out.ok else None
    return match.group(1) if match else None


async def _nothing() -> None:
    return None
