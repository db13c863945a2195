"""Removing secrets before any text is written or shown."""

from __future__ import annotations

import re
from collections.abc import Mapping

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
