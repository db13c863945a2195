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


_BOUND = re.compile(r"^(>=|>|\^|~|=)?\s*v?(\d+(?:\.(?:\d+|[xX*]))*)$")


def range_floor(spec: str) -> str | None:
    """The oldest version an npm range such as ``>=20`` or ``^18.17.0 || >=20.5.0`` admits.

    Only the lower bound is read (a package's `engines.node` is what it is used for); None
    when the range admits any version or has a form this does not read, so a caller
    never calls a version too old on a guess.
    """
    floors: list[str] = []
    for alternative in spec.split("||"):
        words = alternative.replace(">= ", ">=").replace("^ ", "^").replace("~ ", "~").split()
        lower = [w for w in words if not w.startswith("<")]  # upper bounds are not read
        if not lower or lower[0] in ("*", "x", "X"):
            return None
        match = _BOUND.match(lower[0])
        if match is None:
            return None
        parts = [p for p in match.group(2).split(".") if p.isdigit()]
        floors.append(".".join(parts))
    if not floors:
        return None
    return min(floors, key=lambda v: parse(v) or ())
