"""Incidents as the front ends show them: a row of the list with its reporting clock, and one
incident with its timeline, links, notifications and the forms' details. Plain values, read
through the scoped queries."""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from canhgac.incidents.clock import ClockState, ReportingRule, clock_state
from canhgac.incidents.model import REQUIRED_PARTIES

if TYPE_CHECKING:
    from canhgac.console.store.queries import ViewerScope


@dataclass(frozen=True, slots=True)
class IncidentRow:
    id: int
    agency: str
    title: str
    state: str
    category: str
    severity: str
    source: str
    detected_at: datetime
    opened_at: datetime
    report_due_at: datetime
    immediate: bool
    reported_at: datetime | None
    beyond_capacity: bool
    clock: ClockState
    left: timedelta

    def out(self) -> dict[str, Any]:
        """The row as the API answers it (and any front end that writes JSON): the clock as its
        value, the time left as whole seconds (negative: late). The API's schema is derived from
        this same shape (:func:`row_out_fields`), so the two cannot drift apart."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        for name, (new_name, _kind, convert) in _OUT.items():
            values[new_name] = convert(values.pop(name))
        return values


# fields of IncidentRow written differently by ``IncidentRow.out``: new name, type, conversion
_OUT: dict[str, tuple[str, type, Any]] = {
    "clock": ("clock", str, lambda v: ClockState(v).value),
    "left": ("seconds_left", int, lambda v: int(v.total_seconds())),
}


def row_out_fields() -> dict[str, Any]:
    """The fields of ``IncidentRow.out``'s dict, each as ``(type, ...)`` (required), for a
    pydantic model of the same shape (the API's ``IncidentOut``)."""
    hints = typing.get_type_hints(IncidentRow)
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(IncidentRow):
        new_name, kind, _convert = _OUT.get(f.name, (f.name, hints[f.name], None))
        fields[new_name] = (kind, ...)
    return fields


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    kind: str
    at: datetime
    author: str
    text: str
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Link:
    kind: str
    ref: str
    note: str
    added_at: datetime
    added_by: str


@dataclass(frozen=True, slots=True)
class Notification:
    party: str
    recipient: str
    channel: str
    sent_at: datetime
    reference: str
    initial_report: bool
    recorded_by: str


@dataclass(frozen=True, slots=True)
class IncidentDetail:
    row: IncidentRow
    description: str
    source_detail: str
    opened_by: str
    closed_at: datetime | None
    timeline: list[TimelineEntry]
    links: list[Link]
    notifications: list[Notification]
    missing_parties: list[str]  # required parties without the initial report
    details: dict[str, Any] = field(default_factory=dict)  # the forms' fields


def _row(incident: Any, now: datetime, rule: ReportingRule) -> IncidentRow:
    if incident.reported_at is not None:
        state, left = ClockState.REPORTED, timedelta(0)
    else:
        state = clock_state(incident.report_due_at, incident.report_due_immediate, now, rule)
        left = incident.report_due_at - now
    return IncidentRow(
        id=incident.pk,
        agency=incident.agency_code,
        title=incident.title,
        state=incident.state,
        category=incident.category,
        severity=incident.severity,
        source=incident.source,
        detected_at=incident.detected_at,
        opened_at=incident.opened_at,
        report_due_at=incident.report_due_at,
        immediate=incident.report_due_immediate,
        reported_at=incident.reported_at,
        beyond_capacity=incident.beyond_capacity,
        clock=state,
        left=left,
    )


def incident_rows(
    scope: ViewerScope,
    *,
    open_only: bool = False,
    overdue_only: bool = False,
    limit: int = 200,
    now: datetime | None = None,
    rule: ReportingRule | None = None,
) -> list[IncidentRow]:
    """Incidents, newest first, each with its clock at ``now``."""
    from canhgac.console.store import queries

    now, rule = now or datetime.now(UTC), rule or ReportingRule()
    rows = [_row(i, now, rule) for i in queries.incidents(scope, open_only=open_only, limit=limit)]
    if overdue_only:
        rows = [r for r in rows if r.clock in (ClockState.OVERDUE, ClockState.IMMEDIATE)]
    return rows



def incident_detail(
    scope: ViewerScope, incident_id: int, *, now: datetime | None = None, rule: ReportingRule | None = None
) -> IncidentDetail | None:
    """One incident the viewer may see, or None."""
    from canhgac.console.store import queries
    from canhgac.console.store.incident_store import FORM_DETAILS

    found = queries.incident(scope, incident_id)
    if found is None:
        return None
    now, rule = now or datetime.now(UTC), rule or ReportingRule()
    notifications = [
        Notification(n.party, n.recipient, n.channel, n.sent_at, n.reference, n.initial_report, n.recorded_by)
        for n in found.notifications.all()
    ]
    sent = {n.party for n in notifications if n.initial_report}
    return IncidentDetail(
        row=_row(found, now, rule),
        description=found.description,
        source_detail=found.source_detail,
        opened_by=found.opened_by,
        closed_at=found.closed_at,
        timeline=[
            TimelineEntry(e.kind, e.at, e.author, e.text, dict(e.detail or {})) for e in found.timeline.all()
        ],
        links=[
            Link(k.kind, k.ref, k.note, k.added_at, k.added_by)
            for k in sorted(found.links.all(), key=lambda k: (k.added_at, k.pk))
        ],
        notifications=notifications,
        missing_parties=[p.value for p in REQUIRED_PARTIES if p.value not in sent],
        details={name: getattr(found, name) for name in FORM_DETAILS},
    )
