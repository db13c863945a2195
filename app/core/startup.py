"""Why the wizard or a command cannot start, in words a person can act on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.core.catalog import CatalogError, load_catalog
from app.core.host import Host
from app.core.logs import why_unwritable
from app.core.paths import HOME_OVERRIDE
from app.core.profile import ProfileError, load_profile
from app.core.session import Session

EXIT_FAILED, EXIT_USAGE = 1, 2


@dataclass(frozen=True)
class StartupProblem:
    """A fatal start-up error: what broke, where, why, and what to do about it."""

    headline: str
    file: str
    key: str
    reason: str
    way_forward: str
    exit_code: int = EXIT_FAILED

    def lines(self, log_file: Path | None = None) -> list[str]:
        """The problem as lines of text, the same on a terminal and in the window."""
        rows = [self.headline, f"File: {self.file}"]
        if self.key and self.key != "-":
            rows.append(f"Key: {self.key}")
        rows += [f"Reason: {self.reason}", f"What to do: {self.way_forward}"]
        rows.append(f"Log: {log_file}" if log_file else "Log: no log file was written.")
        return rows


def startup_problem(exc: BaseException) -> StartupProblem | None:
    """The problem `exc` means at start-up; None for an error that is a bug."""
    if isinstance(exc, CatalogError):
        return StartupProblem(
            "The catalog that came with ai-cli-setup is damaged, so nothing can be planned.",
            exc.file,
            exc.key,
            exc.reason,
            "Download ai-cli-setup again and reinstall it: its own files were changed or "
            "damaged. Nothing was installed or changed on this computer.",
        )
    if isinstance(exc, ProfileError):
        return StartupProblem(
            "The profile given with --profile was refused; nothing was installed.",
            exc.file,
            exc.key,
            exc.reason,
            "Ask whoever gave you the profile for a corrected one, fix the key named here, "
            "or start ai-cli-setup without a profile (from its own icon, not from a "
            "shortcut that adds the profile).",
            EXIT_USAGE,
        )
    if isinstance(exc, OSError):
        return StartupProblem(
            "The folders for the log and the install state cannot be written.",
            str(exc.filename or "-"),
            "-",
            why_unwritable(exc),
            "Free some disk space, or make that folder writable; to keep ai-cli-setup's "
            f"files elsewhere, set {HOME_OVERRIDE} to a folder you can write to.",
        )
    return None


def open_session(
    profile_path: str | None, host: Host | None = None, catalog_folder: Path | None = None
) -> Session:
    """This machine's session, with the profile read; raises what `startup_problem` explains.

    `catalog_folder` replaces the shipped catalog (tests load a broken copy).
    """
    catalog = load_catalog(catalog_folder) if catalog_folder is not None else None
    session = Session.for_this_machine(host, catalog)
    if profile_path:
        session.profile = load_profile(profile_path, session.catalog, session.host)
    return session
