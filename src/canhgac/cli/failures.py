"""The one place where known failures become a one-line message and an exit code.

Commands let these propagate: a scan stopped by a signal or a failing store (what it kept is
reported), the workspace unusable (a file, read-only, full), the database unreachable, a store
request that cannot be met. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from canhgac.cli.common import ExitCode, StoppedError, WorkspaceError
from canhgac.cli.labels import run_status_label
from canhgac.i18n import gettext as _
from canhgac.i18n.formats import format_number


@dataclass(frozen=True)
class Failure:
    message: str
    code: ExitCode


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), text.strip())


def _database_failure(exc: Exception) -> Failure | None:
    """django.db errors: SQLite's full or read-only store, an unreachable server."""
    if "django.db" not in sys.modules:
        return None
    from canhgac.services.store import is_database_error

    if not is_database_error(exc):
        return None
    detail = _first_line(str(exc))
    if "database or disk is full" in detail:
        hint = _("free space on the workspace's disk, or choose another --workspace")
    elif "readonly" in detail or "read-only" in detail or "unable to open database file" in detail:
        hint = _("make the workspace writable, or choose another --workspace")
    else:
        hint = _("check --database-url (or CANHGAC_DATABASE_URL) and that the database server is running")
    return Failure(_("the database cannot be used: {detail}; {hint}").format(detail=detail, hint=hint),
                   ExitCode.UNAVAILABLE)


def _os_failure(exc: OSError) -> Failure:
    what = exc.strerror or type(exc).__name__
    where = f" {exc.filename}" if exc.filename else ""
    return Failure(_("cannot use{where}: {what}; check the path and its permissions, or free space").format(
        where=where, what=what), ExitCode.UNAVAILABLE)


def _store_failure(exc: Exception) -> Failure | None:
    if "canhgac.console.store.errors" not in sys.modules:
        return None
    from canhgac.console.store.errors import RunNotFinishedError, StoreError

    if isinstance(exc, RunNotFinishedError):
        return Failure(_("run #{run} is still {status}: report it once it has ended, or choose another "
                         "--run").format(run=exc.run_id, status=run_status_label(exc.status)),
                       ExitCode.REFUSED)
    if isinstance(exc, StoreError):
        return Failure(str(exc), ExitCode.REFUSED)
    return None


def _interrupted_scan(exc: Exception) -> Failure | None:
    if "canhgac.services.scan" not in sys.modules:
        return None
    from canhgac.services.scan import ScanInterruptedError

    if not isinstance(exc, ScanInterruptedError):
        return None
    if exc.cause is None:
        kept = _("{n} results stored, run #{run} closed as interrupted.").format(
            n=format_number(exc.outcome.stored), run=exc.outcome.run_id)
        return Failure(_("Interrupted: {kept}").format(kept=kept), ExitCode.INTERRUPTED)
    kept = _("{n} results stored, run #{run} closed as failed.").format(
        n=format_number(exc.outcome.stored), run=exc.outcome.run_id)
    cause = describe(exc.cause) or Failure(f"{type(exc.cause).__name__}: {exc.cause}", ExitCode.UNAVAILABLE)
    return Failure(f"{cause.message} — {kept}", cause.code)


def describe(exc: BaseException) -> Failure | None:
    """The message and exit code of a known failure; None for anything else (a bug)."""
    if isinstance(exc, StoppedError):
        return Failure(_("Interrupted: nothing was stored."), ExitCode.INTERRUPTED)
    if isinstance(exc, WorkspaceError):
        return Failure(str(exc), exc.code)
    if not isinstance(exc, Exception):
        return None
    for known in (_interrupted_scan, _store_failure, _database_failure):
        found = known(exc)
        if found is not None:
            return found
    if isinstance(exc, OSError):
        return _os_failure(exc)
    return None
