"""The wizard's own HTTPS: `requests`, verified against the OS trust store (truststore).

Both are imported on first use, not at start, so they stay off the path to
the first window; the trust store is always in place before the first request.
"""

from __future__ import annotations

import threading
from types import ModuleType

_lock = threading.Lock()
_trust_store_in_use = False


def use_system_trust_store() -> None:
    """Verify this process's HTTPS against the OS trust store (corporate CAs included).

    Idempotent and thread-safe; TLS verification stays on.
    """
    global _trust_store_in_use
    with _lock:
        if not _trust_store_in_use:
            import truststore

            truststore.inject_into_ssl()
            _trust_store_in_use = True


def http_client() -> ModuleType:
    """The `requests` module, with the OS trust store injected before it is first used."""
    use_system_trust_store()
    import requests

    return requests
