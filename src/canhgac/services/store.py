"""The findings store as the CLI uses it: open it, list events, record triage (findings are
listed and shown through ``services.findings``).

Reads go through ``canhgac.console.store.queries`` with the operator's scope (every agency, or
one); Django is configured only by :func:`open_store`, so import this module freely.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import date

    from canhgac.console.store.models import Event, Finding
    from canhgac.console.store.services import AbandonedRun


def open_store(database_url: str | None, workspace: Path) -> list[AbandonedRun]:
    """Configure Django for the store and migrate it; the runs whose process died without closing
    them are closed as interrupted and returned."""
    from canhgac.console.bootstrap import migrate, setup_django

    setup_django(database_url=database_url, workspace=workspace)
    migrate()
    from canhgac.console.store.services import close_abandoned_runs

    return close_abandoned_runs()


def connect_store() -> None:
    """Configure Django for the store this process's environment names (``CANHGAC_DATABASE_URL``,
    ``CANHGAC_WORKSPACE``), without migrating it: a serving process of ``canhgac serve --workers``,
    whose supervisor opened and migrated the store before spawning it."""
    from canhgac.console.bootstrap import setup_django

    setup_django()


def is_database_error(exc: BaseException) -> bool:
    """Whether ``exc`` is the database's (a full disk, a read-only file, an unreachable server)."""
    from django.db import Error as DatabaseError

    return isinstance(exc, DatabaseError)


def event_kinds() -> list[str]:
    from canhgac.console.store.models import EventKind

    return list(EventKind.values)


def events(agency: str | None, *, since: int, kind: str | None) -> list[Event]:
    """Events in the order they were written, of every agency or one."""
    from canhgac.console.store import queries

    scope = queries.ViewerScope.everything().narrowed([agency] if agency else None)
    return list(queries.events(scope, since=since, kind=kind))


def triage_states() -> list[str]:
    from canhgac.console.store.models import Triage

    return list(Triage.values)


def triage(fingerprint: str, *, state: str, actor: str, assignee: str | None, note: str | None,
           accepted_until: date | None = None) -> Finding:
    """Record a triage decision (``state`` one of :func:`triage_states`; ``accepted_until`` an
    accepted risk's last day); LookupError for an unknown or ambiguous fingerprint."""
    from canhgac.console.store import services
    from canhgac.console.store.models import Triage

    return services.triage(fingerprint, triage=Triage(state), actor=actor, assignee=assignee, note=note,
                           accepted_until=accepted_until)


__all__ = ["event_kinds", "events", "is_database_error", "open_store", "triage", "triage_states"]
