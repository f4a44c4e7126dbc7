"""The initial-report clock heard by the watch's channels: incidents whose report is due soon,
due at once (beyond the unit's capacity) or overdue become ``incident.report_due`` /
``incident.report_overdue`` events in the outbox, and the delivery loop turns each into
messages (``WatchDelivery`` rows about the incident) for the configured recipients who follow
its agency and the people on duty when the event was written.

Each incident is handled in its own transaction with its row locked; the deadline a warning was
sent for is kept on the row (``due_warned_for``, ``overdue_warned_for``), so two delivery
processes never warn twice, and a deadline moved (the capacity flag) is warned about again.

The half-year and annual summary (form 05) is reminded the same way: ``summary-reminder-days``
(``[incidents]``) before its due day (``[forms] half-year-due``, ``annual-due``), one
``incident.summary_due`` event per period and lead time (a process that starts late sends only
the latest lead time passed), delivered to the recipients ``summary-recipients`` names (none
named: no reminder). Two processes are kept from writing it twice by a lock on a
cursor row of the outbox.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.db import transaction

from canhgac.console.store import outbox
from canhgac.console.store.delivery_models import WatchDelivery
from canhgac.console.store.duty_store import shifts_at
from canhgac.console.store.incident_models import Incident
from canhgac.console.store.models import Event, EventCursor
from canhgac.incidents.clock import ClockState, ReportingRule, clock_state
from canhgac.incidents.messages import REPORT_DUE, REPORT_OVERDUE, IncidentNotice, render
from canhgac.incidents.model import REQUIRED_PARTIES
from canhgac.incidents.summary import SUMMARY_DUE, VIETNAM, SummaryNotice, SummaryReminders, render_notice
from canhgac.watch.channel_config import CHANNELS, ChannelConfig

KINDS = (REPORT_DUE, REPORT_OVERDUE)
SUMMARY_KINDS = (SUMMARY_DUE,)
_SUMMARY_LOCK = "incidents.summary-reminders"  # an outbox cursor row used as the reminders' lock


def _missing(row: Incident) -> list[str]:
    sent = set(row.notifications.filter(initial_report=True).values_list("party", flat=True))
    return [p.value for p in REQUIRED_PARTIES if p.value not in sent]


def _persons(now: datetime) -> list[dict[str, str]]:
    return [
        {
            "name": s.person,
            "role": s.role,
            "email": s.email,
            "telegram": s.telegram,
            "webhook": s.webhook,
            "language": s.language,
        }
        for s in shifts_at(now)
        if s.role == "on-duty"
    ]


def remind(now: datetime, rule: ReportingRule | None = None) -> int:
    """Write the warnings due by ``now``; how many events were written."""
    rule = rule or ReportingRule()
    horizon = now + rule.due_soon
    candidates = (
        Incident.objects.exclude(state="closed")
        .filter(reported_at__isnull=True, report_due_at__lte=horizon)
        .values_list("pk", flat=True)
    )
    written = 0
    for pk in list(candidates):
        with transaction.atomic():
            row = Incident.objects.select_for_update().filter(pk=pk, reported_at__isnull=True).first()
            if row is None or row.state == "closed":
                continue
            state = clock_state(row.report_due_at, row.report_due_immediate, now, rule)
            kind = {
                ClockState.DUE_SOON: REPORT_DUE,
                ClockState.IMMEDIATE: REPORT_DUE,
                ClockState.OVERDUE: REPORT_OVERDUE,
            }.get(state)
            if kind is None:
                continue
            field = "due_warned_for" if kind == REPORT_DUE else "overdue_warned_for"
            if getattr(row, field) == row.report_due_at:
                continue
            setattr(row, field, row.report_due_at)
            row.save(update_fields=[field])
            outbox.write(
                [
                    outbox.event(
                        kind,
                        None,
                        f"incident:{row.pk}:{row.report_due_at.isoformat()}",
                        row.agency_code,
                        {
                            "incident": row.pk,
                            "state": state.value,
                            "report_due_at": row.report_due_at.isoformat(),
                            "immediate": row.report_due_immediate,
                            "missing": _missing(row),
                            "persons": _persons(now),
                        },
                    )
                ]
            )
            written += 1
    return written


def _notice(event: Event, row: Incident) -> IncidentNotice:
    from canhgac.incidents.model import Party

    payload = event.payload or {}
    return IncidentNotice(
        incident_id=row.pk,
        event=event.kind,
        title=row.title,
        agency=row.agency_code,
        state=row.state,
        detected_at=row.detected_at,
        deadline=row.report_due_at,
        immediate=row.report_due_immediate,
        missing=tuple(
            Party(p).msgid() for p in payload.get("missing") or () if p in {x.value for x in Party}
        ),
    )


def deliveries(event: Event, now: datetime, config: ChannelConfig) -> list[WatchDelivery]:
    """The messages of one incident event: one per recipient (configured for the agency, or on
    duty then) and channel; none when the incident has been reported meanwhile."""
    payload = event.payload or {}
    incident_id = payload.get("incident")
    if not isinstance(incident_id, int):
        return []
    row = Incident.objects.filter(pk=incident_id).first()
    if row is None or row.reported_at is not None:
        return []
    notice = _notice(event, row)
    people: list[tuple[str, str, list[tuple[str, str]]]] = [
        (r.name, r.language, r.addresses()) for r in config.recipients if r.wants({row.agency_code})
    ]
    for person in payload.get("persons") or ():
        if isinstance(person, dict):
            given: dict[str, Any] = person
            addresses = [
                (c, str(given.get(c) or ""))
                for c in CHANNELS
                if given.get(c) and getattr(config, c) is not None
            ]
            language = str(given.get("language") or "vi")
            people.append(
                (str(given.get("name") or "?"), language if language in ("vi", "en") else "vi", addresses)
            )
    rows, seen = [], set()
    for name, language, addresses in people:
        message = render(notice, language)
        for channel, address in addresses:
            if (channel, address) in seen:
                continue
            seen.add((channel, address))
            rows.append(
                WatchDelivery(
                    event=event,
                    incident=row,
                    kind=event.kind,
                    channel=channel,
                    recipient=name[:150],
                    address=address[:600],
                    language=language,
                    subject=message.subject,
                    body=message.text,
                    data={
                        "incident": row.pk,
                        "event": event.kind,
                        "title": row.title,
                        "agency": row.agency_code,
                        "report_due_at": row.report_due_at.isoformat(),
                        "immediate": row.report_due_immediate,
                        "missing": list(payload.get("missing") or ()),
                    },
                    token=secrets.token_hex(16),
                    created_at=now,
                    next_attempt_at=now,
                )
            )
    return rows


def remind_summary(now: datetime, reminders: SummaryReminders | None = None) -> int:
    """Write the form-05 reminders due by ``now``; how many events were written."""
    today = now.astimezone(VIETNAM).date()
    due_now = (reminders or SummaryReminders()).due_now(today)
    if not due_now:
        return 0
    written = 0
    with transaction.atomic():
        EventCursor.objects.get_or_create(consumer=_SUMMARY_LOCK)
        EventCursor.objects.select_for_update().filter(consumer=_SUMMARY_LOCK).first()
        for period, due, lead in due_now:
            subject = f"form05:{period.label}:{lead}"
            if Event.objects.filter(kind=SUMMARY_DUE, subject=subject).exists():
                continue
            start, end = period.bounds()
            detected = Incident.objects.filter(detected_at__gte=start, detected_at__lt=min(end, now)).count()
            outbox.write(
                [
                    outbox.event(
                        SUMMARY_DUE,
                        None,
                        subject,
                        "",
                        {
                            "period": period.label,
                            "due": due.isoformat(),
                            "days_left": (due - today).days,
                            "incidents": detected,
                        },
                    )
                ]
            )
            written += 1
    return written


def summary_deliveries(
    event: Event, now: datetime, config: ChannelConfig, names: tuple[str, ...]
) -> list[WatchDelivery]:
    """The messages of one form-05 reminder: one per recipient and channel, to the recipients
    ``names`` names."""
    from datetime import date

    from canhgac.incidents.summary import parse_period

    payload = event.payload or {}
    try:
        period = parse_period(str(payload.get("period") or ""))
        due = date.fromisoformat(str(payload.get("due") or ""))
    except ValueError:
        return []
    left, detected = int(payload.get("days_left") or 0), int(payload.get("incidents") or 0)
    notice = SummaryNotice(period, due, left, detected)
    wanted = set(names)
    chosen = [r for r in config.recipients if r.name in wanted]
    rows, seen = [], set()
    for person in chosen:
        message = render_notice(notice, person.language)
        for channel, address in person.addresses():
            if (channel, address) in seen or getattr(config, channel) is None:
                continue
            seen.add((channel, address))
            rows.append(
                WatchDelivery(
                    event=event,
                    kind=event.kind,
                    channel=channel,
                    recipient=person.name[:150],
                    address=address[:600],
                    language=person.language,
                    subject=message.subject,
                    body=message.text,
                    data={"event": event.kind, **payload},
                    token=secrets.token_hex(16),
                    created_at=now,
                    next_attempt_at=now,
                )
            )
    return rows
