"""Verification: does each tool run, which version, and from where.

Success is decided here, by running the tool, never by an installer's words.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from app.core.catalog import Catalog, Signature, Tool
from app.core.host import Host, find_all_on_path, resolve_executable
from app.core.runner import Outcome, Runner

VERIFY_TIMEOUT = 60.0

Status = Literal["ok", "not-on-path", "missing", "broken"]


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

    @property
    def passed(self) -> bool:
        """Installed and runnable (possibly only by its full path)."""
        return self.status in ("ok", "not-on-path")


def _explain(tool: Tool, out: Outcome, signatures: Sequence[Signature]) -> tuple[str, str]:
    if signatures:
        first = signatures[0]
        return first.explanation, first.fix
    started = out.status in ("ok", "failed")  # it ran; otherwise out.sentence() says why not
    what = "started but did not print a version" if started else "is there but does not run"
    return (
        f"{tool.name} {what}.",
        f"Reinstall {tool.name}: npm install -g {tool.npm_package}",
    )


async def verify_tool(
    runner: Runner, catalog: Catalog, tool_id: str, prefix: str | None = None
) -> Verification:
    host: Host = runner.host
    tool = catalog.tool(tool_id)
    prefix_bin = host.npm_bin_dir(prefix) if prefix else None
    on_path = find_all_on_path(tool.command, host)
    in_prefix = resolve_executable(tool.command, host, path=[prefix_bin]) if prefix_bin else None
    exe = in_prefix or (on_path[0] if on_path else None)
    if exe is None:
        where = f" in {prefix_bin} or" if prefix_bin else ""
        return Verification(
            tool_id,
            tool.name,
            "missing",
            message=f"{tool.name} was not found{where} on PATH.",
            fix=f"Install it: npm install -g {tool.npm_package}",
        )
    # The tool's own shebang may need `node`; the prefix's bin folder and the
    # folder of the node that installed it go in front of PATH.
    node = resolve_executable("node", host)
    front = [d for d in (prefix_bin, host.dirname(node) if node else None) if d]
    out = await runner.run(
        [exe, "--version"], env=host.with_path_prepended(front), timeout=VERIFY_TIMEOUT
    )
    version = tool.parse_version(out.output) if out.ok else None
    others = tuple(p for p in on_path if os.path.realpath(p) != os.path.realpath(exe))
    exe_on_path = any(os.path.realpath(p) == os.path.realpath(exe) for p in on_path)
    if version is None:
        explanation, fix = _explain(tool, out, catalog.diagnose(out.output))
        return Verification(
            tool_id,
            tool.name,
            "broken",
            path=exe,
            on_path=exe_on_path,
            other_copies=others,
            message=f"{out.sentence()} {explanation}",
            fix=fix,
            output=out.output,
        )
    if not exe_on_path:
        folder = host.dirname(exe)
        return Verification(
            tool_id,
            tool.name,
            "not-on-path",
            version,
            exe,
            False,
            others,
            message=f"{tool.name} {version} is installed in {folder}, which is not on PATH yet.",
            fix=f"Add {folder} to your PATH, then open a new terminal.",
            output=out.output,
        )
    message = f"{tool.name} {version} at {exe}"
    if others:
        message += f" (another copy comes later on PATH: {others[0]})"
    return Verification(
        tool_id, tool.name, "ok", version, exe, True, others, message, "", out.output
    )
