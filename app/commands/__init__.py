"""One module per subcommand.

Each module has `NAME`, `HELP`, `add_arguments(parser)` and an async
`run(session, args) -> int`. Add its name to `NAMES` to add a subcommand.
Modules are imported when asked for, so the wizard starts without them.
"""

from __future__ import annotations

import importlib
from types import ModuleType

NAMES = (
    "detect",
    "recommend",
    "plan",
    "install",
    "verify",
    "undo",
    "check",
    "report",
    "container",
)


def load(name: str) -> ModuleType:
    """The module of subcommand `name` (one of NAMES)."""
    if name not in NAMES:
        raise KeyError(name)
    return importlib.import_module(f"app.commands.{name}")


def __getattr__(name: str) -> list[ModuleType]:
    """`ALL`: every subcommand's module, in NAMES order (imports them all)."""
    if name == "ALL":
        return [load(n) for n in NAMES]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
