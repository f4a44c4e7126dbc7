"""Reads of the watch: monitors with their state, alerts with their members and timeline.

An agency officer sees the monitors of their agencies and the alerts that list at least one of
them (a grouped alert spans agencies that share a provider).
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from canhgac.console.store.queries.scope import ViewerScope
from canhgac.console.store.watch_models import WatchAlert, WatchAlertMember, WatchMaintenance, WatchMonitor


def watch_monitors(scope: ViewerScope, *, watched_only: bool = True) -> QuerySet[WatchMonitor]:
    rows = scope.filter(WatchMonitor.objects.all())
    if watched_only:
        rows = rows.filter(watched=True)
    return rows.order_by("agency_code", "kind", "target", "port")


def watch_alerts(
    scope: ViewerScope, *, open_only: bool = False, limit: int | None = None
) -> QuerySet[WatchAlert]:
    """Alerts, newest first, with members and timeline prefetched."""
    rows = WatchAlert.objects.all()
    if not scope.is_everything:
        seen = scope.filter(WatchAlertMember.objects.all()).values("alert_id")
        rows = rows.filter(pk__in=seen)
    if open_only:
        rows = rows.filter(status="open")
    members = scope.filter(WatchAlertMember.objects.order_by("joined_at", "id"))
    rows = rows.prefetch_related(Prefetch("members", queryset=members), "timeline").order_by(
        "-opened_at", "-id"
    )
    return rows[:limit] if limit is not None else rows


def watch_alert(scope: ViewerScope, alert_id: int) -> WatchAlert | None:
    return watch_alerts(scope).filter(pk=alert_id).first()


def maintenance_windows(scope: ViewerScope) -> QuerySet[WatchMaintenance]:
    rows = WatchMaintenance.objects.all()
    if not scope.is_everything:
        rows = rows.filter(agency_code__in=sorted(scope.codes or ()))
    return rows.order_by("start")
