"""Reads of the incidents: lists (with the reporting clock's stored deadline), one incident with
its timeline, links and notifications, and the incidents linked to a thing (an alert's page).

An agency officer sees their own agencies' incidents only (``agency_code``).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from canhgac.console.store.incident_models import Incident
from canhgac.console.store.queries.scope import ViewerScope


def incidents(
    scope: ViewerScope,
    *,
    open_only: bool = False,
    unreported_due_before: datetime | None = None,
    limit: int | None = None,
) -> QuerySet[Incident]:
    """Incidents, newest first; ``open_only`` leaves out the closed; ``unreported_due_before``
    keeps those whose initial report is not sent and falls due before that time."""
    rows = scope.filter(Incident.objects.all())
    if open_only:
        rows = rows.exclude(state="closed")
    if unreported_due_before is not None:
        rows = rows.filter(reported_at__isnull=True, report_due_at__lt=unreported_due_before)
    rows = rows.order_by("-opened_at", "-id")
    return rows[:limit] if limit is not None else rows


def incident(scope: ViewerScope, incident_id: int) -> Incident | None:
    """One incident with its timeline, links and notifications; None when the viewer may not
    see it (or there is none)."""
    return (
        scope.filter(Incident.objects.filter(pk=incident_id))
        .prefetch_related("timeline", "links", "notifications")
        .first()
    )


def incidents_linked(scope: ViewerScope, kind: str, ref: str) -> QuerySet[Incident]:
    """The incidents that link to ``kind``/``ref`` (an alert's id, a finding's fingerprint)."""
    return scope.filter(Incident.objects.filter(links__kind=kind, links__ref=ref)).distinct().order_by("-id")
