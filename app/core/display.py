"""Can the wizard open a window here? Decided before Qt loads, so this imports little.

On Linux a window needs a named X11 or Wayland display that answers; without one,
Qt's xcb and wayland platforms abort the process (exit 134), saying only that they
could not connect. macOS and Windows always have a desktop. `Host` reads the same
facts through these functions.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping


def this_system() -> str:
    """This process's system in Host's words: windows, darwin or linux."""
    if sys.platform == "win32":
        return "windows"
    return "darwin" if sys.platform == "darwin" else "linux"


def has_display(system: str, env: Mapping[str, str]) -> bool:
    """A display is named: always off Linux; on Linux, DISPLAY or WAYLAND_DISPLAY (not over
    SSH, in a container, in CI)."""
    return system != "linux" or bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def display_answers(system: str, env: Mapping[str, str]) -> bool:
    """Whether the named display takes a connection: a DISPLAY left over from an SSH
    session whose X forwarding is gone, or an X server that has ended, does not.
    True off Linux and where it cannot tell."""
    if system != "linux":
        return True
    import re
    import socket

    wayland = env.get("WAYLAND_DISPLAY", "")
    if wayland:
        runtime = env.get("XDG_RUNTIME_DIR", "")
        path = wayland if wayland.startswith("/") else os.path.join(runtime, wayland)
        if _connects(socket.AF_UNIX, path):
            return True
    display = env.get("DISPLAY", "")
    if not display:
        return False
    match = re.fullmatch(r"(?P<host>[^:]*):(?P<number>\d+)(?:\.\d+)?", display)
    if match is None:
        return True  # a form this does not read: Qt may, so it tries
    number = int(match["number"])
    host = match["host"]
    if host in ("", "unix"):
        local = f"/tmp/.X11-unix/X{number}"
        return _connects(socket.AF_UNIX, local) or _connects(socket.AF_UNIX, "\0" + local)
    return _connects(socket.AF_INET, (host, 6000 + number))


def _connects(family: int, address: object, timeout: float = 0.5) -> bool:
    import socket

    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(address)
    except OSError:
        return False
    return True
