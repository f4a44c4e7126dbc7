"""Reads of the console's scan launches, and of runs as the scans page lists them.

A launch of one agency, or a retest of one of its findings, is that agency's; a launch of every
agency or of a check family is the CSIRT's. A scoped viewer (an agency officer) sees the
launches of its own agencies only; runs as ``runs.py`` scopes them (those that observed one of
its agencies, with counts over those agencies).
"""

from __future__ import annotations

from django.db.models import Count, QuerySet

from canhgac.console.store.launch_models import OPEN_STATES, ScanLaunch
from canhgac.console.store.models import FindingChange, ScanRun
from canhgac.console.store.queries.scope import ViewerScope


def launches(scope: ViewerScope) -> QuerySet[ScanLaunch]:
    """The launches the viewer may see, newest first."""
    rows = ScanLaunch.objects.all()
    if not scope.is_everything:
        rows = scope.filter(rows.exclude(agency=""), "agency")
    return rows.order_by("-created_at", "-pk")


def launch_by_id(scope: ViewerScope, launch_id: int) -> ScanLaunch | None:
    if not -2**63 <= launch_id < 2**63:
        return None
    return launches(scope).filter(pk=launch_id).select_related("run").first()


def open_launches(scope: ViewerScope) -> QuerySet[ScanLaunch]:
    """Queued and running launches, oldest first (the worker's order)."""
    return launches(scope).filter(state__in=OPEN_STATES).order_by("created_at", "pk")


def launches_ahead(scope: ViewerScope, launch: ScanLaunch) -> int:
    """How many launches the worker takes before this queued one (``launch`` from a scoped read).
    Counted over every agency's, whatever the scope: the queue is one, and a number says nothing
    of what the others are."""
    return ScanLaunch.objects.filter(state__in=OPEN_STATES, pk__lt=launch.pk).count()


def all_runs(scope: ViewerScope) -> QuerySet[ScanRun]:
    """Every run the viewer may see, running ones too, newest first."""
    return scope.filter_runs(ScanRun.objects.all()).order_by("-started_at", "-pk")


def launches_of_runs(scope: ViewerScope, run_ids: list[int]) -> dict[int, ScanLaunch]:
    """The console launch that produced each of these runs the viewer may see (a run the CLI
    made has none; a run the viewer may not see is left out)."""
    visible = scope.filter_runs(ScanRun.objects.filter(pk__in=run_ids)).values("pk")
    found: dict[int, ScanLaunch] = {}
    for launch in ScanLaunch.objects.filter(run_id__in=visible).order_by("pk"):
        if launch.run_id is not None:
            found.setdefault(launch.run_id, launch)
    return found


def run_change_counts(scope: ViewerScope, run: ScanRun) -> dict[str, int]:
    """How many of the viewer's findings the run made new, kept open, fixed or reopened."""
    rows = (scope.filter(FindingChange.objects.filter(run=run), "finding__agency_code")
            .values("kind").annotate(n=Count("pk")))
    return {row["kind"]: row["n"] for row in rows}
