"""The reads behind form 05 (the half-year and annual summary): the incidents detected in a
period, grouped by what the form counts (type, who handled it, support asked of the national
coordinator) and by what the console shows beside it (agency, severity, state), plus the damage
estimates and helpers, which are free text and read one by one.

Grouped in the database: a province's year (hundreds of agencies, thousands of incidents) comes
back as a few hundred rows. An agency officer counts their own agencies' incidents only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.db.models import Count, QuerySet

from canhgac.console.store.incident_models import Incident
from canhgac.console.store.queries.scope import ViewerScope

GROUPED = ("agency_code", "category", "handled_by", "support_from_coordinator", "severity", "state")


def period_incidents(
    scope: ViewerScope, start: datetime, end: datetime, agencies: Iterable[str] | None = None
) -> QuerySet[Incident]:
    """The incidents the viewer may see detected in [start, end), of ``agencies`` when given."""
    rows = scope.filter(Incident.objects.filter(detected_at__gte=start, detected_at__lt=end))
    if agencies is not None:
        rows = rows.filter(agency_code__in=list(agencies))
    return rows


def summary_groups(rows: QuerySet[Incident]) -> Iterator[dict[str, Any]]:
    """One mapping per group of alike incidents (the ``GROUPED`` fields and ``n``)."""
    return iter(rows.order_by().values(*GROUPED).annotate(n=Count("id")))


def summary_damages(rows: QuerySet[Incident]) -> Iterator[tuple[str, str, int]]:
    """(type, damage estimate, how many incidents say it) for the incidents with an estimate."""
    grouped = rows.exclude(estimated_damage="").order_by().values("category", "estimated_damage")
    return ((g["category"], g["estimated_damage"], int(g["n"])) for g in grouped.annotate(n=Count("id")))


def summary_helpers(rows: QuerySet[Incident]) -> Iterator[tuple[str, Any]]:
    """(handled_by, helpers) of the incidents handled with help, each pair once."""
    return iter(
        rows.filter(handled_by__in=("domestic_help", "foreign_help"))
        .order_by()
        .values_list("handled_by", "helpers")
        .distinct()
    )
