"""One module per subcommand.

Each module has `NAME`, `HELP`, `add_arguments(parser)` and an async
`run(session, args) -> int`. Add a module to `ALL` to add a subcommand.
"""

from __future__ import annotations

from app.commands import (
    check,
    container,
    detect,
    install,
    plan,
    recommend,
    report,
    undo,
    verify,
)

ALL = [detect, recommend, plan, install, verify, undo, check, report, container]
