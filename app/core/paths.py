"""Where the wizard keeps its logs, state and caches.

All folders come from platformdirs; `AI_CLI_SETUP_HOME` moves every one of
them under a single folder, which is what the tests and portable set-ups use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "ai-cli-setup"
HOME_OVERRIDE = "AI_CLI_SETUP_HOME"


@dataclass(frozen=True)
class Paths:
    logs: Path
    state: Path
    cache: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Paths:
        base = env.get(HOME_OVERRIDE)
        if base:
            root = Path(base)
            return cls(logs=root / "logs", state=root / "state", cache=root / "cache")
        return cls(
            logs=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
            state=Path(platformdirs.user_state_dir(APP_NAME, appauthor=False)),
            cache=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
        )
