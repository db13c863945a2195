"""The catalog's minimum Node versions against what the npm registry publishes."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
import requests

from app.core.catalog import default_catalog
from app.core.versions import at_least

REGISTRY = "https://registry.npmjs.org"
TIMEOUT = 30  # requests honours HTTPS_PROXY / NO_PROXY from the environment


def lowest_node(engines: str) -> str:
    """The oldest Node an `engines.node` range admits (">=20", "^18.17 || >=20")."""
    bounds = []
    for alternative in engines.split("||"):
        match = re.search(r"(?:>=|\^|~|=)?\s*v?(\d+(?:\.\d+){0,2})", alternative)
        if match is None:
            raise ValueError(f"cannot read the engines range {engines!r}")
        bounds.append(match.group(1))
    return min(bounds, key=lambda v: tuple(int(p) for p in v.split(".")))


@pytest.mark.parametrize(
    ("engines", "lowest"),
    [(">=22.0.0", "22.0.0"), (">=20", "20"), ("^18.17.0 || >=20.5.0", "18.17.0"), ("16", "16")],
)
def test_lowest_node_reads_npm_ranges(engines, lowest):
    assert lowest_node(engines) == lowest


def published(package: str, version: str = "latest") -> dict:
    response = requests.get(f"{REGISTRY}/{quote(package, safe='@')}/{version}", timeout=TIMEOUT)
    response.raise_for_status()
    return response.json()


@pytest.mark.network
@pytest.mark.parametrize("tool_id", ["claude-code", "gemini-cli", "codex-cli"])
def test_node_min_is_not_below_the_latest_release_engine(tool_id):
    tool = default_catalog().tool(tool_id)
    meta = published(tool.npm_package)
    engines = meta.get("engines", {}).get("node")
    assert engines, f"{tool.npm_package}@{meta['version']} declares no engines.node"
    declared = lowest_node(engines)
    assert at_least(tool.node_min, declared), (
        f"{tool.npm_package}@{meta['version']} declares node {engines!r}, "
        f"but the catalog's node_min is {tool.node_min}"
    )


@pytest.mark.network
def test_claude_code_node_floor_matches_the_last_release_for_node_18():
    tool = default_catalog().tool("claude-code")
    meta = published(tool.npm_package, "2.1.197")
    assert lowest_node(meta["engines"]["node"]) == "18.0.0"
    assert tool.node_floor == "18"
