"""Reading and comparing the versions tools print."""

from __future__ import annotations

import re

from packaging.version import InvalidVersion, Version

_NUMERIC = re.compile(r"(\d+(?:\.\d+){0,3})")


def parse(text: str | None) -> tuple[int, ...] | None:
    """The leading dotted number in `text`, as a tuple, or None."""
    if not text:
        return None
    match = _NUMERIC.search(text.strip().lstrip("vV"))
    if not match:
        return None
    return tuple(int(part) for part in match.group(1).split("."))


def at_least(found: str | None, minimum: str) -> bool:
    """Whether version `found` is `minimum` or newer (unknown counts as no)."""
    try:
        return Version(str(found).lstrip("vV")) >= Version(minimum)
    except InvalidVersion:
        have, need = parse(found), parse(minimum)
        if have is None or need is None:
            return False
        width = max(len(have), len(need))
        return have + (0,) * (width - len(have)) >= need + (0,) * (width - len(need))
