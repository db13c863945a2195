"""A guard against a Qt binding that drops references to None (and True/False)."""

from __future__ import annotations

import logging
import sys

import PySide6

log = logging.getLogger("ai_cli_setup.ui")

# PySide6 6.12.0 returns None from void methods without taking a reference. On Python
# 3.11 None is reference-counted, so each Qt call takes one away, and after some tens of
# thousands the interpreter aborts ("none_dealloc"). pyproject.toml excludes 6.12.0;
# this keeps an environment that still has it (a shared venv, a frozen build) alive.
# Some path drops references to True or False as well (bench/run.py aborted in
# "bool_dealloc" at exit), so those get a smaller reserve too.
LEAKY_VERSIONS = frozenset({"6.12.0"})
HEADROOM = 1_500_000  # references to None held for the rest of the run (12 MB)
_held: list[bool | None] = []


def guard_none_refcount(version: str = PySide6.__version__) -> bool:
    """Hold spare references to None when the binding leaks them; True when it did."""
    if sys.version_info >= (3, 12) or version not in LEAKY_VERSIONS or _held:
        return False
    # FIXME(qt): remove once 6.12.0 is gone from every environment we build from.
    _held.extend([None] * HEADROOM)
    _held.extend([True, False] * (HEADROOM // 6))
    log.warning("PySide6 %s leaks references to None; holding %d spare", version, HEADROOM)
    return True
