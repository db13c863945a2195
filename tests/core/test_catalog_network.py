"""The catalog's minimum Node versions against what the npm registry publishes."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import requests

from app.core.catalog import default_catalog
from app.core.versions import at_least, range_floor

REGISTRY = "https://registry.npmjs.org"
TIMEOUT = 30  # requests honours HTTPS_PROXY / NO_PROXY from the environment


@pytest.mark.parametrize(
    ("engines", "lowest"),
    [
        (">=22.0.0", "22.0.0"),
        (">=20", "20"),
        (">= 18", "18"),
        ("^18.17.0 || >=20.5.0", "18.17.0"),
        ("16", "16"),
        ("18.x", "18"),
        (">=18 <23", "18"),
        ("18 - 22", "18"),
        ("v20.1", "20.1"),
    ],
)
def test_range_floor_reads_npm_ranges(engines, lowest):
    assert range_floor(engines) == lowest


@pytest.mark.parametrize("engines", ["*", "", "<22", ">=20 || *", "latest", "x"])
def test_range_floor_does_not_guess_at_a_range_with_no_lower_bound(engines):
    assert range_floor(engines) is None


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
    declared = range_floor(engines)
    assert declared, f"cannot read the engines range {engines!r}"
    assert at_least(tool.node_min, declared), (
        f"{tool.npm_package}@{meta['version']} declares node {engines!r}, "
        f"but the catalog's node_min is {tool.node_min}"
    )


@pytest.mark.network
def test_claude_code_node_floor_matches_the_last_release_for_node_18():
    tool = default_catalog().tool("claude-code")
    meta = published(tool.npm_package, "2.1.197")
    assert range_floor(meta["engines"]["node"]) == "18.0.0"
    assert tool.node_floor == "18"
