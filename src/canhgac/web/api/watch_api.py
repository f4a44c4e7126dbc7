"""``/watch/...``: the holiday watch for scripts — monitors with their state, alerts with their
members and timeline, acknowledging an alert, planning a maintenance window.

The pages' rules (``services.watch_console``): every role reads within its scope (an agency
officer, their agencies' monitors and the alerts listing one of them, only their own members);
the CSIRT acknowledges; its administrators plan windows. Another agency's alert answers 404 as
one that does not exist.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from canhgac.i18n import gettext as _
from canhgac.services import watch_console
from canhgac.services.watch_pages import (
    AlertView,
    HistoryFilter,
    MonitorView,
    alert_detail,
    history,
    monitor_list,
    window_views,
)
from canhgac.web.api.auth import via, viewer
from canhgac.web.api.errors import COMMON_ERRORS, ApiError, ErrorBody
from canhgac.web.api.schemas import NO_NUL
from canhgac.web.client import client_address

router = Router(tags=["watch"])
DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


class MonitorOut(Schema):
    id: int
    key: str
    kind: str  # http, tls_cert, dns, smtp
    target: str
    port: int | None
    agency: str
    health: str  # unknown, up, down, flapping
    since: datetime | None
    checked_at: datetime | None
    problem: str | None  # the last failed check's problem code
    message: str | None  # the problem said in the caller's language
    latency: float | None  # seconds
    enabled: bool
    interval: float
    holiday_interval: float | None
    holiday_start: datetime | None
    holiday_end: datetime | None
    alert_id: int | None


class MonitorList(Schema):
    items: list[MonitorOut]
    total: int


class MemberOut(Schema):
    monitor: str  # the monitor's key
    agency: str
    down: bool
    joined_at: datetime
    recovered_at: datetime | None


class StepOut(Schema):
    step: str  # opened, grouped, flapping, acknowledged, escalated, member_recovered, recovered...
    at: datetime
    actor: str
    monitor: str
    text: str


class AlertOut(Schema):
    id: int
    problem: str
    message: str
    severity: str
    status: str  # open, recovered
    opened_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str
    recovered_at: datetime | None
    agencies: list[str]
    members: list[MemberOut]
    timeline: list[StepOut]


class AlertPage(Schema):
    items: list[AlertOut]
    total: int
    page: int
    pages: int


class AlertFilter(Schema):
    agency: str | None = Field(None, max_length=64, pattern=NO_NUL)
    status: str | None = Field(None, pattern=r"^(open|recovered|acknowledged|unacknowledged)$")
    # days as YYYY-MM-DD (Vietnam's clock): text, so that a number is not read as a day
    since: str | None = Field(None, pattern=DAY, json_schema_extra={"format": "date"})  # opened on or after
    until: str | None = Field(None, pattern=DAY, json_schema_extra={"format": "date"})  # opened on or before
    page: int = Field(1, ge=1, le=100_000)


class AckIn(Schema):
    model_config = ConfigDict(extra="forbid")

    note: str = Field("", max_length=500, pattern=NO_NUL)


class AckOut(Schema):
    alert: AlertOut
    changed: bool  # False: it had been acknowledged before (nothing changed)


class MaintenanceIn(Schema):
    """A window for every agency (neither given), one agency, or one monitor (its id or key)."""

    model_config = ConfigDict(extra="forbid")

    start: datetime
    end: datetime
    agency: str = Field("", max_length=64, pattern=NO_NUL)
    monitor: str = Field("", max_length=700, pattern=NO_NUL)
    reason: str = Field("", max_length=300, pattern=NO_NUL)


class MaintenanceOut(Schema):
    id: int
    start: datetime
    end: datetime
    agency: str
    monitor: str
    reason: str
    created_by: str


def _monitor(m: MonitorView) -> dict[str, Any]:
    return {
        "id": m.id,
        "key": m.key,
        "kind": m.kind,
        "target": m.target,
        "port": m.port,
        "agency": m.agency,
        "health": m.health,
        "since": m.since,
        "checked_at": m.checked_at,
        "problem": m.problem_code or None,
        "message": m.problem or None,
        "latency": m.latency,
        "enabled": m.enabled,
        "interval": m.interval,
        "holiday_interval": m.holiday_interval,
        "holiday_start": m.holiday_start,
        "holiday_end": m.holiday_end,
        "alert_id": m.alert_id,
    }


def _alert(a: AlertView) -> dict[str, Any]:
    return {
        "id": a.id,
        "problem": a.problem_code,
        "message": a.problem,
        "severity": a.severity,
        "status": a.status,
        "opened_at": a.opened_at,
        "acknowledged_at": a.acknowledged_at,
        "acknowledged_by": a.acknowledged_by,
        "recovered_at": a.recovered_at,
        "agencies": list(a.agencies),
        "members": [
            {
                "monitor": m.monitor_key,
                "agency": m.agency,
                "down": m.down,
                "joined_at": m.joined_at,
                "recovered_at": m.recovered_at,
            }
            for m in a.members
        ],
        "timeline": [
            {"step": t.kind, "at": t.at, "actor": t.actor, "monitor": t.monitor, "text": t.text}
            for t in a.timeline
        ],
    }


@router.get("/watch/monitors", response={200: MonitorList, **COMMON_ERRORS}, summary="The watch's monitors")
def list_monitors(request: HttpRequest) -> dict[str, Any]:
    """Every monitor watched, with its state, worst first."""
    rows = monitor_list(viewer(request).scope)
    return {"items": [_monitor(m) for m in rows], "total": len(rows)}


@router.get("/watch/alerts", response={200: AlertPage, **COMMON_ERRORS}, summary="The watch's alerts")
def list_alerts(request: HttpRequest, params: Query[AlertFilter]) -> dict[str, Any]:
    """Alerts newest first (50 a page), with their members and timeline, filtered."""
    days = {}
    for name in ("since", "until"):
        raw = getattr(params, name)
        try:
            days[name] = date.fromisoformat(raw) if raw else None
        except ValueError:
            raise ApiError(
                422, _("'{value}' is not a day; write it like 2027-02-06").format(value=raw)
            ) from None
    found = history(
        viewer(request).scope,
        HistoryFilter(
            agency=params.agency or "", status=params.status or "", since=days["since"], until=days["until"]
        ),
        params.page,
    )
    return {
        "items": [_alert(a) for a in found.alerts],
        "total": found.total,
        "page": found.page,
        "pages": found.pages,
    }


def _no_alert(alert_id: int) -> ApiError:
    return ApiError(404, _("there is no alert {alert}").format(alert=alert_id))


@router.post(
    "/watch/alerts/{alert_id}/ack",
    response={200: AckOut, 400: ErrorBody, **COMMON_ERRORS},
    summary="Acknowledge an alert",
)
def acknowledge_alert(request: HttpRequest, alert_id: Path[int], asked: AckIn) -> dict[str, Any]:
    """Acknowledge an alert (the CSIRT): recorded in its timeline and the security log; a second
    acknowledgement changes nothing (``changed`` false)."""
    who = viewer(request)
    try:
        changed = watch_console.acknowledge(
            who, alert_id, note=asked.note, address=client_address(request), channel="api", via=via(request)
        )
    except watch_console.WatchNotFoundError:
        raise _no_alert(alert_id) from None
    except watch_console.WatchForbiddenError as exc:
        raise ApiError(403, str(exc)) from None
    except watch_console.WatchRefusedError as exc:
        raise ApiError(422, str(exc)) from None
    found = alert_detail(who.scope, alert_id)
    if found is None:
        raise _no_alert(alert_id)
    return {"alert": _alert(found), "changed": changed}


@router.post(
    "/watch/maintenance",
    response={201: MaintenanceOut, 400: ErrorBody, **COMMON_ERRORS},
    summary="Plan a maintenance window",
)
def add_maintenance(request: HttpRequest, asked: MaintenanceIn) -> Status[dict[str, Any]]:
    """Plan a window (the CSIRT's administrators): no alert opens inside it."""
    from canhgac.console.store import queries

    who = viewer(request)
    try:
        window_id = watch_console.add_maintenance(
            who,
            start=asked.start,
            end=asked.end,
            agency=asked.agency,
            monitor=asked.monitor,
            reason=asked.reason,
            address=client_address(request),
            via=via(request),
            now=timezone.now(),
        )
    except watch_console.WatchForbiddenError as exc:
        raise ApiError(403, str(exc)) from None
    except watch_console.WatchRefusedError as exc:
        raise ApiError(422, str(exc)) from None
    w = queries.maintenance_window(who.scope, window_id)
    assert w is not None
    (window,) = window_views([w], timezone.now())
    return Status(201, {field: getattr(window, field) for field in MaintenanceOut.model_fields})
