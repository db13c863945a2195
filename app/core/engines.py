"""Which Node.js a CLI release needs: its package's `engines.node`.

Read from an installed package's own package.json (what `verify` and detection
compare with the Node.js there), or asked of the npm registry for a release
that is not installed yet (a profile's pinned version), through the runner.
"""

from __future__ import annotations

import json
import ntpath
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from app.core.host import Host
from app.core.runner import Runner
from app.core.versions import range_floor

REGISTRY_TIMEOUT = 30.0
_OFFLINE = re.compile(r"ENOTFOUND|ETIMEDOUT|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ENETUNREACH")


@dataclass(frozen=True)
class PinnedRelease:
    """A release chosen by version (a profile's pin), and the Node.js it needs."""

    version: str
    node: str = ""  # the oldest Node.js it declares (engines.node); "" when not known
    unknown: str = ""  # why `node` is not known; "" when the registry answered

    @property
    def known(self) -> bool:
        return not self.unknown


def installed_node_floor(host: Host, exe: str, package: str) -> str | None:
    """The oldest Node.js the installed package says it runs on (its `engines.node`).

    Read from the package's own package.json on this machine: npm's Unix layout
    (PREFIX/bin/cmd -> PREFIX/lib/node_modules/PKG) or its Windows one
    (PREFIX\\cmd.cmd beside PREFIX\\node_modules\\PKG). None when there is no such
    file (a native installer's copy, a recorded machine) or it does not say.
    """
    if host.is_recorded or not package or not exe:
        return None
    dirname = ntpath.dirname if host.is_windows else os.path.dirname
    folder = dirname(exe)
    parts = package.split("/")
    candidates = [
        host.join(folder, "node_modules", *parts, "package.json"),
        host.join(dirname(folder), "lib", "node_modules", *parts, "package.json"),
    ]
    for path in candidates:
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict) or data.get("name") != package:
            continue
        engines = data.get("engines")
        wanted = engines.get("node") if isinstance(engines, dict) else None
        return range_floor(wanted) if isinstance(wanted, str) else None
    return None


async def published_node_floor(
    runner: Runner, package: str, version: str, env: Mapping[str, str] | None = None
) -> PinnedRelease:
    """What the npm registry says `package@version` needs of Node.js (`npm view`).

    Never a guess: offline, on a recorded machine, for a release the registry does
    not have or a range this does not read, `unknown` says why it is not known.
    """
    if runner.host.is_recorded:
        return PinnedRelease(
            version, unknown="this is a recorded machine; the registry was not asked"
        )
    argv = ["npm", "view", f"{package}@{version}", "engines.node", "--json"]
    out = await runner.run(argv, env=env, timeout=REGISTRY_TIMEOUT)
    if not out.ok:
        if "E404" in out.output:
            why = "the registry has no such release"
        elif _OFFLINE.search(out.output):
            why = "the npm registry could not be reached"
        else:
            why = out.sentence().rstrip(".")
        return PinnedRelease(version, unknown=f"`npm view` could not tell: {why}")
    text = out.output.strip()
    if not text:  # the release declares no engines.node
        return PinnedRelease(version)
    try:
        spec = json.loads(text)
    except ValueError:
        spec = text.splitlines()[-1].strip().strip('"')
    if isinstance(spec, list):  # several matching releases; a pin is exact, so one is expected
        spec = spec[-1] if spec else ""
    floor = range_floor(spec) if isinstance(spec, str) else None
    if floor is None:
        return PinnedRelease(version, unknown=f"its engines.node {str(spec)[:40]!r} is not read")
    return PinnedRelease(version, node=floor)
