"""The console's writes to the watch: a monitor's definition edited, a new baseline accepted, a
maintenance window planned or ended — each with its security-log entry in the same transaction.
(An acknowledgement, from the console or anywhere else, is ``watch_store.acknowledge``.)

A running daemon learns of an edit through the monitor's ``revision`` (``monitor_edits``, which
the daemon's store calls at its checks' pace); the row itself already holds what a daemon
started later reads. Callers have checked the role and found the row through the viewer's
scoped queries (``services.watch_console``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from canhgac.console.store.account_models import SecurityEventKind
from canhgac.console.store.accounts import record_event
from canhgac.console.store.watch_models import WatchAlert, WatchAlertEntry, WatchMaintenance, WatchMonitor
from canhgac.console.store.watch_store import add_maintenance
from canhgac.watch.edits import MonitorEdit, acceptable, forget
from canhgac.watch.monitors import HolidayWindow

__all__ = [
    "NothingToAcceptError",
    "accept_baseline",
    "add_maintenance_logged",
    "edit_monitor",
    "end_maintenance",
    "holiday_of",
    "monitor_edits",
]


class NothingToAcceptError(ValueError):
    """The monitor's state is not a change against its baseline: there is nothing to accept."""


def holiday_of(row: WatchMonitor) -> HolidayWindow | None:
    if row.holiday_start is None or row.holiday_end is None:
        return None
    return HolidayWindow(row.holiday_start, row.holiday_end, row.holiday_interval or row.interval)


def monitor_edits(seen: Mapping[str, int]) -> list[MonitorEdit]:
    """Edited monitors newer than ``seen`` (the daemon's store thread calls this)."""
    rows = WatchMonitor.objects.filter(revision__gt=0).only(
        "key", "revision", "enabled", "interval", "holiday_interval", "holiday_start", "holiday_end", "forget"
    )
    edits = []
    for row in rows:
        if row.revision <= seen.get(row.key, 0):
            continue
        asked = row.forget if isinstance(row.forget, dict) else {}
        edits.append(
            MonitorEdit(
                row.key,
                row.revision,
                row.enabled,
                row.interval,
                holiday_of(row),
                tuple(str(k) for k in asked.get("keys") or ()),
                int(asked.get("revision") or 0),
            )
        )
    return edits


def _shown(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def edit_monitor(
    monitor_id: int,
    *,
    enabled: bool,
    interval: float,
    holiday: HolidayWindow | None,
    actor: str,
    address: str,
    via: str = "session",
) -> dict[str, tuple[Any, Any]]:
    """Set a monitor's definition; the changed fields (before, after), logged when any changed."""
    wanted = {
        "enabled": enabled,
        "interval": interval,
        "holiday_interval": holiday.interval if holiday else None,
        "holiday_start": holiday.start if holiday else None,
        "holiday_end": holiday.end if holiday else None,
    }
    with transaction.atomic():
        row = WatchMonitor.objects.select_for_update().get(pk=monitor_id)
        changed = {k: (getattr(row, k), v) for k, v in wanted.items() if getattr(row, k) != v}
        if not changed:
            return {}
        WatchMonitor.objects.filter(pk=row.pk).update(
            **wanted, revision=F("revision") + 1, edited_by=actor[:150], edited_at=timezone.now()
        )
        record_event(
            SecurityEventKind.WATCH_MONITOR_EDITED,
            actor=actor,
            address=address,
            detail={
                "monitor": row.key,
                "agency": row.agency_code,
                "via": via,
                **{k: f"{_shown(a)} → {_shown(b)}" for k, (a, b) in changed.items()},
            },
        )
    return changed


def accept_baseline(
    monitor_id: int, *, actor: str, address: str, via: str = "session", now: datetime | None = None
) -> tuple[str, ...]:
    """Accept the monitor's current state as its baseline (the keys its problem compares are
    forgotten: the next check's answer is kept); the keys, or ``NothingToAcceptError``."""
    at = now or timezone.now()
    with transaction.atomic():
        row = WatchMonitor.objects.select_for_update().get(pk=monitor_id)
        keys = acceptable(row.problem, row.values or {}) if row.last_ok is False else ()
        if not keys:
            raise NothingToAcceptError(row.key)
        revision = row.revision + 1
        WatchMonitor.objects.filter(pk=row.pk).update(
            baseline=forget(row.baseline, keys),
            forget={"revision": revision, "keys": list(keys)},
            revision=revision,
            edited_by=actor[:150],
            edited_at=at,
        )
        detail = {"monitor": row.key, "problem": row.problem, "keys": list(keys), "by": actor[:150]}
        alert = WatchAlert.objects.filter(key=row.alert_key).first() if row.alert_key else None
        if alert is not None:
            WatchAlertEntry.objects.create(
                alert=alert, kind="baseline_accepted", at=at, actor=actor[:150], detail=detail
            )
        record_event(
            SecurityEventKind.WATCH_BASELINE_ACCEPTED,
            actor=actor,
            address=address,
            detail={**detail, "agency": row.agency_code, "alert": alert.pk if alert else None, "via": via},
        )
    return keys


def add_maintenance_logged(
    *,
    start: datetime,
    end: datetime,
    agency: str,
    monitor: str,
    reason: str,
    actor: str,
    address: str,
    via: str = "session",
) -> WatchMaintenance:
    with transaction.atomic():
        window = add_maintenance(
            start=start, end=end, agency=agency, monitor=monitor, reason=reason, actor=actor
        )
        record_event(
            SecurityEventKind.WATCH_MAINTENANCE_ADDED,
            actor=actor,
            address=address,
            detail={
                "window": window.pk,
                "agency": agency,
                "monitor": monitor,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "via": via,
            },
        )
    return window


def end_maintenance(
    window_id: int, *, actor: str, address: str, via: str = "session", now: datetime | None = None
) -> bool:
    """End a window now (a planned one is cancelled: it ends where it starts); False when it had
    ended already."""
    at = now or timezone.now()
    with transaction.atomic():
        window = WatchMaintenance.objects.select_for_update().get(pk=window_id)
        if window.end <= at or window.ended_at is not None:
            return False
        window.end = max(window.start, at)
        window.ended_by, window.ended_at = actor[:150], at
        window.save(update_fields=["end", "ended_by", "ended_at"])
        record_event(
            SecurityEventKind.WATCH_MAINTENANCE_ENDED,
            actor=actor,
            address=address,
            detail={"window": window.pk, "agency": window.agency_code, "monitor": window.monitor, "via": via},
        )
    return True
