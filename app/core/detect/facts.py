"""Facts probes read without running a command: memory, disk, files, NVML, HTTP.

`Facts` is the seam: `LiveFacts` reads this machine, a recording answers
from what it saw, and tests hand in their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

import psutil

from app.core.host import Host
from app.core.redact import Redactor
from app.core.tls import http_client


@dataclass(frozen=True)
class GpuReading:
    name: str
    driver: str
    memory_mib: int | None = None


@dataclass(frozen=True)
class NvmlReading:
    """What NVIDIA's management library said."""

    # ok | unavailable (library not importable or not found) | error
    status: str
    gpus: tuple[GpuReading, ...] = ()
    error: str = ""


@dataclass(frozen=True)
class Reach:
    """Whether one URL answered over HTTP."""

    url: str
    ok: bool
    status_code: int | None = None
    error: str = ""
    proxy: str | None = None
    checked: bool = True  # False: nothing was asked (no network facts, or not recorded)


class Facts(Protocol):
    def memory_total(self) -> int | None: ...

    def disk_free(self, path: str) -> int | None: ...

    def writable(self, path: str) -> bool: ...

    def exists(self, path: str) -> bool: ...

    def realpath(self, path: str) -> str: ...

    async def nvml(self) -> NvmlReading: ...

    async def reach(self, url: str, timeout: float) -> Reach: ...


@dataclass
class NoFacts:
    """Knows nothing: every answer is "unknown"."""

    def memory_total(self) -> int | None:
        return None

    def disk_free(self, path: str) -> int | None:
        return None

    def writable(self, path: str) -> bool:
        return False

    def exists(self, path: str) -> bool:
        return False

    def realpath(self, path: str) -> str:
        return path

    async def nvml(self) -> NvmlReading:
        return NvmlReading("unavailable", error="not checked")

    async def reach(self, url: str, timeout: float) -> Reach:
        return Reach(url, False, error="not checked", checked=False)


def nearest_existing(path: str) -> str | None:
    """`path` itself or the closest folder above it that exists."""
    probe = path
    while probe and not os.path.exists(probe):
        parent = os.path.dirname(probe)
        if parent == probe:
            return None
        probe = parent
    return probe or None


def proxy_for(url: str, env: Mapping[str, str]) -> str | None:
    """The proxy the host's environment sets for `url`, honouring NO_PROXY."""

    def get(name: str) -> str:
        return env.get(name.lower()) or env.get(name.upper()) or ""

    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    for entry in get("no_proxy").replace(" ", "").split(","):
        entry = entry.lower().lstrip(".")
        if entry == "*" or (entry and (host == entry or host.endswith("." + entry))):
            return None
    return get(f"{parts.scheme}_proxy") or get("all_proxy") or None


@dataclass
class LiveFacts:
    """Reads this machine (psutil, the file system, NVML, HTTP via requests)."""

    host: Host
    _nvml: NvmlReading | None = field(default=None, repr=False)

    def memory_total(self) -> int | None:
        return int(psutil.virtual_memory().total)

    def disk_free(self, path: str) -> int | None:
        existing = nearest_existing(path)
        if existing is None:
            return None
        try:
            return int(psutil.disk_usage(existing).free)
        except OSError:
            return None

    def writable(self, path: str) -> bool:
        # A folder is made under the nearest one that exists; a file there (root may
        # write to it) cannot hold one.
        existing = nearest_existing(path)
        return (
            existing is not None
            and os.path.isdir(existing)
            and os.access(existing, os.W_OK | os.X_OK)
        )

    def exists(self, path: str) -> bool:
        return os.path.exists(path)

    def realpath(self, path: str) -> str:
        return os.path.realpath(path)

    async def nvml(self) -> NvmlReading:
        if self._nvml is None:
            self._nvml = await asyncio.to_thread(read_nvml)
        return self._nvml

    async def reach(self, url: str, timeout: float) -> Reach:
        return await asyncio.to_thread(http_reach, url, timeout, self.host.env)


def ca_bundle_for(env: Mapping[str, str]) -> str | bool:
    """The CA file the host's environment names for HTTPS clients, else the default."""
    for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE"):
        value = env.get(name)
        if value and os.path.isfile(value):
            return value
    return True


def http_reach(url: str, timeout: float, env: Mapping[str, str]) -> Reach:
    """HEAD `url` through the proxy and CA file the host's environment names."""
    proxy = proxy_for(url, env)
    # What the finding shows and records: the proxy and URL without their passwords.
    mask = Redactor(env)
    shown_proxy = mask(proxy) if proxy else None
    url_shown = mask(url)
    requests = http_client()  # imported here, at the first HTTP call, not at start
    with requests.Session() as session:
        session.trust_env = False  # the host's environment decides, not this process's
        proxies = {urlsplit(url).scheme: proxy} if proxy else {}
        try:
            response = session.head(
                url,
                timeout=timeout,
                proxies=proxies,
                allow_redirects=True,
                verify=ca_bundle_for(env),
            )
        except requests.exceptions.SSLError as exc:
            why = "TLS check failed (a network that inspects TLS needs its CA file)"
            return Reach(url_shown, False, None, mask(f"{why}: {exc}")[:300], shown_proxy)
        except requests.RequestException as exc:
            error = mask(f"{type(exc).__name__}: {exc}")[:300]
            return Reach(url_shown, False, None, error, shown_proxy)
    ok = response.status_code < 500
    return Reach(url_shown, ok, response.status_code, "" if ok else response.reason, shown_proxy)


def read_nvml() -> NvmlReading:
    """Ask NVML (nvidia-ml-py) about NVIDIA GPUs, if the library loads."""
    try:
        import pynvml  # nvidia-ml-py; imported lazily, it loads a C library
    except ImportError:
        return NvmlReading("unavailable", error="nvidia-ml-py is not installed")
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError_LibraryNotFound as exc:
        return NvmlReading("unavailable", error=str(exc))
    except pynvml.NVMLError as exc:
        return NvmlReading("error", error=str(exc))
    try:
        driver = _text(pynvml.nvmlSystemGetDriverVersion())
        gpus = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            memory = pynvml.nvmlDeviceGetMemoryInfo(handle).total // (1024 * 1024)
            gpus.append(GpuReading(_text(pynvml.nvmlDeviceGetName(handle)), driver, memory))
        return NvmlReading("ok", tuple(gpus))
    except pynvml.NVMLError as exc:
        return NvmlReading("error", error=str(exc))
    finally:
        with contextlib.suppress(pynvml.NVMLError):
            pynvml.nvmlShutdown()


def _text(value: str | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
