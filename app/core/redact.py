"""Removing secrets before any text is written or shown."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping
from typing import TextIO

MASK = "[redacted]"

_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH)", re.I)

_PATTERNS = [
    # Well-known token shapes.
    re.compile(r"sk-ant-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"sk-(?:proj-)?[A-Za-z0-9_\-]{16,}"),
    re.compile(r"AIza[0-9A-Za-z_\-]{20,}"),
    re.compile(r"gh[pousr]_[A-Za-z0-9]{20,}"),
    re.compile(r"github_pat_[A-Za-z0-9_]{20,}"),
    re.compile(r"npm_[A-Za-z0-9]{30,}"),
    re.compile(r"xox[abpr]-[A-Za-z0-9\-]{10,}"),
    # Credentials inside URLs: scheme://user:password@host
    re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"),
    # NAME=value and NAME: value where NAME looks secret.
    re.compile(
        r"(?i)(?<![A-Za-z0-9])((?:[A-Z0-9_]*?)(?:api[_-]?key|token|secret|password|passwd)"
        r"[A-Z0-9_]*\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^\s\"']+)"
    ),
    # HTTP authorization headers.
    re.compile(r"(?i)(authorization:\s*(?:bearer|basic)\s+)(\S+)"),
    re.compile(r"(?i)(_authToken\s*=\s*)(\S+)"),
]


class Redactor:
    """Masks secret values found in the environment and common token shapes."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        values = []
        for name, value in (env or {}).items():
            if _SECRET_NAME.search(name) and len(value) >= 6:
                values.append(value)
        # Longest first so a secret containing another is masked whole.
        self._values = sorted(set(values), key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for value in self._values:
            if value in text:
                text = text.replace(value, MASK)
        for pattern in _PATTERNS:
            if pattern.groups >= 2:
                text = pattern.sub(lambda m: m.group(1) + MASK, text)
            else:
                text = pattern.sub(MASK, text)
        return text


# Account and machine names too generic to be personal; replacing them
# everywhere would damage the text ("root" in "rootless").
_GENERIC_NAMES = frozenset(
    {"root", "admin", "administrator", "user", "users", "runner", "localhost", "default", "docker"}
)

_SERIALS = [
    re.compile(
        r"(?i)((?:serial number|serial|hardware uuid|provisioning udid)[^:\n]*:\s*\"?)([^\s\",]+)"
    ),
    re.compile(r"(?i)(\"serial(?:_number)?\"\s*:\s*\")([^\"]+)"),
    re.compile(r"(?i)((?:GPU|MIG)-)([0-9a-f]{8}-[0-9a-f-]{8,})"),
    re.compile(r"(?i)()\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"),
]


def _word(value: str, ignore_case: bool) -> re.Pattern[str]:
    flags = re.I if ignore_case else 0
    return re.compile(rf"(?<![A-Za-z0-9_]){re.escape(value)}(?![A-Za-z0-9_])", flags)


class PersonalRedactor:
    """Removes the user name, home path, host name, serial numbers and secrets.

    Used for recordings a user hands to a helper: the text stays readable
    (`/home/<user>/.npm-global`) but says nothing about who or which machine.
    """

    def __init__(
        self,
        user: str = "",
        home: str = "",
        hostname: str = "",
        env: Mapping[str, str] | None = None,
        ignore_case: bool = False,
    ) -> None:
        """`ignore_case` for Windows, where C:\\Users\\Alice and alice are the same."""
        self._secrets = Redactor(env)
        self._replacements: list[tuple[re.Pattern[str], str]] = []
        personal_user = len(user) >= 2 and user.lower() not in _GENERIC_NAMES
        if home and personal_user and user.lower() not in home.lower():
            flags = re.I if ignore_case else 0
            self._replacements.append((re.compile(re.escape(home), flags), "<home>"))
        if personal_user:
            self._replacements.append((_word(user, ignore_case), "<user>"))
        short = hostname.split(".")[0]
        for name in sorted({hostname, short}, key=len, reverse=True):
            if len(name) >= 2 and name.lower() not in _GENERIC_NAMES:
                self._replacements.append((_word(name, ignore_case), "<host>"))

    def __call__(self, text: str) -> str:
        text = self._secrets(text)
        for pattern, placeholder in self._replacements:
            text = pattern.sub(placeholder, text)
        for pattern in _SERIALS:
            text = pattern.sub(lambda m: m.group(1) + "<serial>", text)
        return text


class RedactingWriter(io.TextIOBase):
    """A text stream that masks secrets in each whole line before passing it on.

    The command line prints through one of these, so no finding, message or
    JSON field can show a secret, whichever part of the core it came from.
    """

    def __init__(self, target: TextIO, redact: Callable[[str], str]) -> None:
        super().__init__()
        self._target = target
        self._redact = redact
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending += text
        if "\n" in self._pending:
            whole, _, self._pending = self._pending.rpartition("\n")
            self._target.write(self._redact(whole) + "\n")
        return len(text)

    def flush(self) -> None:
        # A prompt without a newline ("Install now? [y/N] ") must show now.
        if self._pending:
            self._target.write(self._redact(self._pending))
            self._pending = ""
        self._target.flush()

    def isatty(self) -> bool:
        return self._target.isatty()

    def fileno(self) -> int:
        return self._target.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._target, "encoding", "utf-8")
