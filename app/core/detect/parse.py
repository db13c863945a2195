"""Pure parsers from command output to facts.

Every parser takes text and never raises: output it does not understand
gives None (or an empty answer), and the finding says "unknown".
"""

from __future__ import annotations

import json
import ntpath
import posixpath
import re
from typing import Any

from app.core.detect.facts import GpuReading
from app.core.detect.model import GpuAdapter

_SEMVER = r"(\d+\.\d+(?:\.\d+)?)"


def first_match(pattern: str, text: str, flags: int = re.M) -> str | None:
    match = re.search(pattern, text, flags)
    return match.group(1) if match else None


def node_version(text: str) -> str | None:
    """`node --version` always prints a leading v: v20.20.2."""
    return first_match(r"^\s*v(\d+\.\d+\.\d+)\s*$", text)


def bare_version(text: str) -> str | None:
    """A line that is only a version (npm --version: 10.8.2)."""
    return first_match(r"^\s*v?(\d+\.\d+\.\d+)\s*$", text)


def npm_settings(text: str) -> dict[str, str]:
    """`npm config get a b` prints `a=value` lines; npm says "undefined" for a key it lacks."""
    found = re.findall(r"^([a-z][a-z-]*)=(.*?)\s*$", text, flags=re.MULTILINE)
    return {key: value for key, value in found if value not in ("", "undefined", "null")}


def git_version(text: str) -> str | None:
    return first_match(r"^\s*(?:git version )?(\d+\.\d+(?:\.\d+)?)", text)


def winget_version(text: str) -> str | None:
    return first_match(r"^\s*v(\d+\.\d+(?:\.\d+)?)", text)


def brew_version(text: str) -> str | None:
    """First line only; `Homebrew >=4.3.0 (shallow ...)` is a lower bound."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first_match(r"^Homebrew\s+[>=]*\s*(\d+\.\d+\.\d+)", first)


def apt_version(text: str) -> str | None:
    return first_match(r"^apt\s+(\d+\.\d+(?:\.\d+)?)", text)


def dnf_version(text: str) -> str | None:
    """dnf 4 prints the bare version first; dnf5 prints `dnf5 version 5.1.15`."""
    return first_match(r"^\s*(?:dnf5? version\s+)?(\d+\.\d+\.\d+)", text)


def manager_version(text: str) -> str | None:
    """nvm, fnm, volta, asdf: the first version-looking token."""
    return first_match(r"v?(\d+\.\d+\.\d+)", text)


def sw_vers(text: str) -> dict[str, str]:
    """`sw_vers`: ProductName, ProductVersion, BuildVersion (tab or spaces)."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        match = re.match(r"^\s*(ProductName|ProductVersion|BuildVersion):\s*(.+?)\s*$", line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def sysctl_flag(text: str) -> bool | None:
    value = text.strip()
    if value in ("0", "1"):
        return value == "1"
    return None


def wsl_kernel(text: str) -> int:
    """0, 1 or 2 from /proc/version or the kernel release."""
    if re.search(r"microsoft-standard-WSL2|WSL2", text, re.I):
        return 2
    if re.search(r"-Microsoft\b", text):
        return 1
    if re.search(r"microsoft", text, re.I):
        return 2
    return 0


def wsl_list(text: str) -> list[tuple[str, str, int]]:
    """`wsl -l -v` (decoded): (name, state, version) per distro."""
    rows: list[tuple[str, str, int]] = []
    for line in text.splitlines():
        match = re.match(r"^\s*\*?\s*(\S+)\s+(\S+)\s+([12])\s*$", line.replace("\x00", ""))
        if match and match.group(1) != "NAME":
            rows.append((match.group(1), match.group(2), int(match.group(3))))
    return rows


def libc_from_ldd(text: str) -> str | None:
    """`ldd --version`: musl prints `musl libc`, glibc its version."""
    if re.search(r"\bmusl\b", text, re.I):
        return "musl"
    version = first_match(r"^ldd .*?(\d+\.\d+)\s*$", text)
    return f"glibc {version}" if version else None


def loads(text: str) -> Any:
    """The first JSON value in `text`, or None (tools print errors after it)."""
    start = min((i for i in (text.find("{"), text.find("[")) if i >= 0), default=-1)
    if start < 0:
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(text[start:])
    except ValueError:
        return None
    return value


def docker_json(text: str) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
    """`docker version --format '{{json .}}'`: the client and server blocks."""
    value = loads(text)
    if not isinstance(value, dict) or not isinstance(value.get("Client"), dict):
        return None
    server = value.get("Server")
    return value["Client"], server if isinstance(server, dict) else None


def docker_text(text: str) -> dict[str, str | None]:
    """Version, server version and context from plain `docker version`."""
    client = first_match(r"^Client:.*?\n\s*Version:\s*(\S+)", text, re.M | re.S)
    if client is None:
        client = first_match(r"^\s*Version:\s*(\S+)", text)
    server = first_match(r"^Server:[^\n]*\n(?:.*\n)*?\s*Version:\s*(\S+)", text)
    return {
        "client": client,
        "server": server,
        "context": first_match(r"^\s*Context:\s*(\S+)", text),
    }


def docker_socket(text: str) -> str | None:
    """The daemon address an error names: unix://, tcp://, npipe:// or //./pipe/NAME."""
    found = first_match(r"((?:unix|tcp|npipe)://[^\s\"]+?)[.:\"]?(?:\s|$)", text)
    if found:
        return found
    pipe = first_match(r"open (//\./pipe/[^\s:]+)", text)
    return f"npipe://{pipe}" if pipe else None


def docker_problem(text: str) -> str | None:
    """What the error lines of docker say: permission-denied, starting or daemon-down."""
    if re.search(r"permission denied while trying to connect", text, re.I):
        return "permission-denied"
    if re.search(r"check if the server supports|500 Internal Server Error", text):
        return "starting"
    if re.search(
        r"Cannot connect to the Docker daemon|error during connect|pipe/docker_engine"
        r"|The system cannot find the file specified|Is the docker daemon running",
        text,
        re.I,
    ):
        return "daemon-down"
    return None


def group_members(text: str) -> list[str]:
    """`getent group docker`: docker:x:999:alice,bob."""
    parts = text.strip().splitlines()[0].split(":") if text.strip() else []
    return [m for m in parts[3].split(",") if m] if len(parts) >= 4 else []


def podman_info(text: str) -> dict[str, Any]:
    """Version and rootless flag from `podman info --format json`."""
    value = loads(text)
    if not isinstance(value, dict):
        return {}
    host: dict[str, Any] = value["host"] if isinstance(value.get("host"), dict) else {}
    security: dict[str, Any] = host["security"] if isinstance(host.get("security"), dict) else {}
    rootless = security.get("rootless", host.get("rootless"))
    version: dict[str, Any] = value["version"] if isinstance(value.get("version"), dict) else {}
    return {
        "rootless": rootless if isinstance(rootless, bool) else None,
        "version": version.get("Version") if isinstance(version.get("Version"), str) else None,
    }


def podman_machines(text: str) -> list[dict[str, Any]] | None:
    """`podman machine list --format json` (or the table): name, running, starting."""
    value = loads(text)
    if isinstance(value, list):
        machines = []
        for item in value:
            if isinstance(item, dict) and isinstance(item.get("Name"), str):
                machines.append(
                    {
                        "name": item["Name"].rstrip("*"),
                        "running": bool(item.get("Running")),
                        "starting": bool(item.get("Starting")),
                        "default": bool(item.get("Default")),
                    }
                )
        return machines
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines or not lines[0].lstrip().startswith("NAME"):
        return None
    return [
        {
            "name": line.split()[0].rstrip("*"),
            "running": "Currently running" in line,
            "starting": "Currently starting" in line,
            "default": line.split()[0].endswith("*"),
        }
        for line in lines[1:]
    ]


def podman_version(text: str) -> str | None:
    return first_match(r"^\s*(?:podman )?version:?\s+(\d+\.\d+\.\d+\S*)", text, re.M | re.I)


def container_version(text: str) -> str | None:
    """`container --version`: the value may be empty."""
    return first_match(r"container CLI version (\d\S*)", text)


# FIXME(macos): no real sample of `container system status` from a running service;
# "running" is matched by keyword (its output changed shape in 1.4.1).
def container_status(text: str) -> str:
    """`container system status`: running, stopped or unknown (match words, not layout)."""
    if re.search(r"not running|not registered|XPC connection error|do not appear", text, re.I):
        return "stopped"
    if re.search(r"\bis running\b|status:\s*running", text, re.I):
        return "running"
    return "unknown"


def nvidia_csv(text: str) -> list[GpuReading]:
    """`nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader`."""
    gpus = []
    for line in text.splitlines():
        fields = [f.strip() for f in line.split(", ")]
        if len(fields) < 2 or not re.match(r"^\d+(\.\d+)+$", fields[1]):
            continue
        memory = first_match(r"^(\d+)", fields[2]) if len(fields) > 2 else None
        gpus.append(GpuReading(fields[0], fields[1], int(memory) if memory else None))
    return gpus


def nvidia_error(text: str) -> str:
    """The NVIDIA state an error from nvidia-smi or NVML names."""
    if re.search(r"Driver/library version mismatch", text, re.I):
        return "driver-mismatch"
    if re.search(r"blocked by the operating system", text, re.I):
        return "blocked"
    if re.search(
        r"couldn't communicate with the NVIDIA driver|Driver Not Loaded|Module nvidia not found",
        text,
        re.I,
    ):
        return "driver-not-loaded"
    return "error"


def _vendor(text: str) -> str:
    lowered = text.lower()
    if "nvidia" in lowered or "[10de:" in lowered or "0x10de" in lowered:
        return "nvidia"
    if re.search(r"\bamd\b|\bati\b|radeon|\[1002:|0x1002", lowered):
        return "amd"
    if "intel" in lowered or "[8086:" in lowered:
        return "intel"
    if "apple" in lowered or "0x106b" in lowered:
        return "apple"
    return "other"


def lspci(text: str) -> list[GpuAdapter]:
    """`lspci -nn -d ::03xx` (or plain lspci): display controllers only."""
    adapters = []
    for line in text.splitlines():
        match = re.match(
            r"^\s*\S+\s+(?:VGA compatible|3D|Display) controller(?: \[03\d\d\])?:\s*(.+)$", line
        )
        if match:
            name = re.sub(r"\s*\(rev [0-9a-f]+\)\s*$", "", match.group(1)).strip()
            adapters.append(GpuAdapter(_vendor(name), name))
    return adapters


def cim_video(text: str) -> list[GpuAdapter]:
    """`Get-CimInstance Win32_VideoController | ConvertTo-Json`: one object or a list."""
    value = loads(text)
    items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
    adapters = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("Name"), str):
            company = item.get("AdapterCompatibility")
            label = f"{company or ''} {item['Name']}"
            driver = item.get("DriverVersion")
            driver = driver if isinstance(driver, str) else ""
            adapters.append(GpuAdapter(_vendor(label), item["Name"], driver))
    return adapters


def system_profiler_displays(text: str) -> list[GpuAdapter]:
    """`system_profiler SPDisplaysDataType -json`, or its text form."""
    value = loads(text)
    adapters = []
    if isinstance(value, dict) and isinstance(value.get("SPDisplaysDataType"), list):
        for item in value["SPDisplaysDataType"]:
            if isinstance(item, dict):
                name = str(item.get("sppci_model") or item.get("_name") or "")
                vendor = str(item.get("spdisplays_vendor") or "")
                if name:
                    adapters.append(GpuAdapter(_vendor(f"{vendor} {name}"), name))
        return adapters
    for match in re.finditer(r"^\s*Chipset Model:\s*(.+?)\s*$", text, re.M):
        rest = text[match.end() :]
        vendor = first_match(r"^\s*Vendor:\s*(.+?)\s*$", rest.split("Chipset Model:")[0]) or ""
        adapters.append(GpuAdapter(_vendor(f"{vendor} {match.group(1)}"), match.group(1)))
    return adapters


def _pathmod(path: str) -> Any:
    return ntpath if re.match(r"^[A-Za-z]:[\\/]|^\\\\", path) else posixpath


def install_source(
    path: str,
    home: str,
    npm_prefix: str | None = None,
    brew_prefix: str | None = None,
    real: str | None = None,
) -> str:
    """Who put the program at `path` there: npm, brew, winget, native or system.

    `real` is the path with links resolved: an npm shim links into
    node_modules, a Homebrew one into the Cellar.
    """
    resolved = (real or "").replace("\\", "/").lower()
    if "/node_modules/" in resolved:
        return "npm"
    if "/cellar/" in resolved or "/caskroom/" in resolved:
        return "brew"
    mod = _pathmod(path)
    lowered = path.replace("\\", "/").lower()
    folder = mod.dirname(path).replace("\\", "/").lower()
    if "/winget/" in lowered:
        return "winget"
    if brew_prefix and lowered.startswith(brew_prefix.replace("\\", "/").lower().rstrip("/") + "/"):
        return "brew"
    if re.search(r"^/opt/homebrew/|/cellar/|^/home/linuxbrew/", lowered):
        return "brew"
    if npm_prefix:
        prefix = npm_prefix.replace("\\", "/").lower().rstrip("/")
        if folder in (prefix, prefix + "/bin"):
            return "npm"
    if re.search(r"/node_modules/|/appdata/roaming/npm/|/\.npm-global/", lowered):
        return "npm"
    for marker, manager in (("/.nvm/", "nvm"), ("/nvm/", "nvm"), ("fnm", "fnm")):
        if marker in lowered:
            return manager
    if "/.volta/" in lowered or "/volta/" in lowered:
        return "volta"
    if "/.asdf/" in lowered:
        return "asdf"
    if lowered.startswith(("c:/windows/", "/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/")):
        return "system"
    home_norm = home.replace("\\", "/").lower().rstrip("/")
    if home_norm and lowered.startswith(home_norm + "/"):
        return "native"
    if lowered.startswith(("c:/program files", "/usr/local/bin/", "/opt/")):
        return "native"
    return "unknown"
