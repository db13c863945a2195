"""Cleaning one line a terminal program printed: colour codes and other controls."""

from __future__ import annotations

import re

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[@-Z\\-_]")


def clean_line(text: str) -> str:
    """Strip colour codes and other terminal controls from one line."""
    return _ANSI.sub("", text).rstrip()
