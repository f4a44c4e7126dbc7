"""Reads of the watch: monitors with their state, alerts with their members and timeline.

An agency officer sees the monitors of their agencies and the alerts that list at least one of
them (a grouped alert spans agencies that share a provider).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch, QuerySet

from canhgac.console.store.delivery_models import DutyShift, WatchDelivery
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


def watch_deliveries(
    scope: ViewerScope, *, alert_id: int | None = None, limit: int | None = 200
) -> QuerySet[WatchDelivery]:
    """The delivery outbox, newest first: the CSIRT's own addresses, so only a viewer of every
    agency sees it (an agency officer gets nothing)."""
    rows = WatchDelivery.objects.all() if scope.is_everything else WatchDelivery.objects.none()
    if alert_id is not None:
        rows = rows.filter(alert_id=alert_id)
    rows = rows.order_by("-id")
    return rows[:limit] if limit is not None else rows


def duty_shifts(scope: ViewerScope, *, at: datetime | None = None) -> QuerySet[DutyShift]:
    """The roster (the shifts running at ``at`` when given): the CSIRT's own people and contacts,
    so only a viewer of every agency sees it."""
    rows = DutyShift.objects.all() if scope.is_everything else DutyShift.objects.none()
    if at is not None:
        rows = rows.filter(start__lte=at, end__gt=at)
    return rows.order_by("start", "role", "person")


def watch_monitor(scope: ViewerScope, monitor_id: int) -> WatchMonitor | None:
    """One monitor the viewer may see (watched or not: its history stays)."""
    if not -(2**63) <= monitor_id < 2**63:
        return None
    return scope.filter(WatchMonitor.objects.filter(pk=monitor_id)).first()


def watch_monitor_by_key(scope: ViewerScope, key: str) -> WatchMonitor | None:
    return scope.filter(WatchMonitor.objects.filter(key=key)).first()


def alert_history(
    scope: ViewerScope,
    *,
    agency: str | None = None,
    status: str | None = None,
    opened_from: datetime | None = None,
    opened_before: datetime | None = None,
    acknowledged: bool | None = None,
) -> QuerySet[WatchAlert]:
    """Alerts newest first, filtered: listing a monitor of ``agency``, in ``status`` (open,
    recovered), opened in [``opened_from``, ``opened_before``), acknowledged or not."""
    narrowed = scope.narrowed([agency] if agency else None)
    rows = watch_alerts(narrowed)
    if status:
        rows = rows.filter(status=status)
    if opened_from is not None:
        rows = rows.filter(opened_at__gte=opened_from)
    if opened_before is not None:
        rows = rows.filter(opened_at__lt=opened_before)
    if acknowledged is not None:
        rows = rows.filter(acknowledged_at__isnull=not acknowledged)
    return rows


def maintenance_window(scope: ViewerScope, window_id: int) -> WatchMaintenance | None:
    if not -(2**63) <= window_id < 2**63:
        return None
    return maintenance_windows(scope).filter(pk=window_id).first()


def monitor_keys_of(scope: ViewerScope, keys: list[str]) -> dict[str, WatchMonitor]:
    """The monitors of ``keys`` the viewer may see, by key (an alert's members, linked)."""
    return {m.key: m for m in scope.filter(WatchMonitor.objects.filter(key__in=keys))}


def watch_delivery(scope: ViewerScope, delivery_id: int) -> WatchDelivery | None:
    """One message of the delivery outbox (a viewer of every agency only)."""
    if not -(2**63) <= delivery_id < 2**63:
        return None
    return watch_deliveries(scope, limit=None).filter(pk=delivery_id).first()


def duty_sources(scope: ViewerScope) -> list[dict[str, object]]:
    """The roster's files: each file name with its number of shifts, when it was imported last and
    by whom (a viewer of every agency only), newest first."""
    from django.db.models import Count, Max

    rows = duty_shifts(scope).order_by().values("source").annotate(
        shifts=Count("id"), imported_at=Max("imported_at"), imported_by=Max("imported_by")
    )
    return sorted((dict(r) for r in rows), key=lambda r: str(r["imported_at"]), reverse=True)
