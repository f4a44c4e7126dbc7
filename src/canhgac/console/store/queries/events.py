"""Reads of the event outbox: what happened, in the order it was written."""

from __future__ import annotations

from django.db.models import QuerySet

from canhgac.console.store.models import Event
from canhgac.console.store.queries.scope import ViewerScope


def events(
    scope: ViewerScope, *, since: int = 0, kind: str | None = None, limit: int | None = None
) -> QuerySet[Event]:
    """Events after id ``since``, oldest first, optionally of one kind.

    A scoped viewer sees its agencies' events only; events of no agency (a run's ending) are
    for the CSIRT's view.
    """
    rows = scope.filter(Event.objects.filter(pk__gt=since))
    if kind is not None:
        rows = rows.filter(kind=kind)
    rows = rows.order_by("pk")
    return rows[:limit] if limit is not None else rows
