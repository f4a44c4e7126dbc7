"""The delivery outbox's writes: alert events queued per recipient and channel, leases taken
and released, outcomes recorded (``canhgac.watch.delivery.DeliveryStore`` on the Django models).

Queueing happens inside ``outbox.consume("channels", …)``: the deliveries of a batch of events
and the consumer's cursor commit together, and (event, channel, address) is unique, so an event
is queued exactly once whatever crashes. A claim takes, per address, the oldest delivery not yet
sent (later ones wait: a person reads "recovered" after "down", never before; one address down
holds back no other) when it is due or its lease has expired, and leases it to one process; only
the lease holder can mark it.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from canhgac.console.store import incident_reminders, outbox
from canhgac.console.store.alert_links import make_link
from canhgac.console.store.delivery_models import DeliveryStatus, WatchDelivery
from canhgac.console.store.escalation import escalate
from canhgac.console.store.incident_models import IncidentEntry
from canhgac.console.store.models import Event
from canhgac.console.store.watch_models import WatchAlert, WatchAlertEntry, WatchMonitor
from canhgac.incidents.clock import ReportingRule
from canhgac.incidents.summary import SummaryReminders
from canhgac.watch.channel_config import CHANNELS, ChannelConfig
from canhgac.watch.delivery import Claimed
from canhgac.watch.messages import DELIVERED_KINDS, AlertNotice, render
from canhgac.watch.outgoing import Outgoing

CONSUMER = "channels"
LINKED_KINDS = ("alert.opened", "alert.grouped", "alert.flapping", "alert.escalated")  # asking for an ack
UNSENT = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


def _notice(event: Event, alert: WatchAlert, targets: dict[str, str]) -> AlertNotice:
    members = list(alert.members.all())
    payload = event.payload or {}
    at = alert.recovered_at if event.kind == "alert.recovered" and alert.recovered_at else event.created_at
    return AlertNotice(
        alert_id=alert.pk,
        event=event.kind,
        problem=alert.problem,
        severity=alert.severity,
        values=dict(alert.values or {}),
        agencies=sorted({m.agency_code for m in members if m.agency_code} | {alert.agency_code} - {""}),
        targets=list(dict.fromkeys(targets.get(m.monitor_key, m.monitor_key) for m in members)),
        since=alert.opened_at,
        at=at,
        added=str(payload.get("target") or "") if event.kind == "alert.grouped" else "",
        by=str(payload.get("by") or "")[:150] if event.kind == "alert.acknowledged" else "",
    )


@dataclass(frozen=True, slots=True)
class _To:
    """Someone a message goes to: a configured recipient, or a person of the roster."""

    name: str
    language: str
    addresses: tuple[tuple[str, str], ...]
    role: str = ""


def _to_person(data: dict[str, Any]) -> _To:
    given = {c: str(data.get(c) or "") for c in CHANNELS}
    language = str(data.get("language") or "vi")
    return _To(str(data.get("name") or "?"), language if language in ("vi", "en") else "vi",
               tuple((c, given[c]) for c in CHANNELS if given[c]), str(data.get("role") or ""))


def _told(alert: WatchAlert) -> list[_To]:
    """The roster's people told of ``alert`` so far (by its ``alert.escalated`` deliveries)."""
    rows = (
        WatchDelivery.objects.filter(alert=alert, kind="alert.escalated")
        .values_list("recipient", "language", "channel", "address")
        .order_by("id")
    )
    people: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for name, language, channel, address in rows:
        found = people.setdefault((name, language), [])
        if (channel, address) not in found:
            found.append((channel, address))
    return [_To(name, language, tuple(addresses)) for (name, language), addresses in people.items()]


def _data(notice: AlertNotice, link: str) -> dict[str, Any]:
    return {
        "alert": notice.alert_id,
        "event": notice.event,
        "problem": notice.problem,
        "severity": notice.severity,
        "agencies": list(notice.agencies),
        "targets": list(notice.targets),
        "values": dict(notice.values),
        "since": notice.since.isoformat(),
        "at": notice.at.isoformat(),
        "acknowledge": link,
    }


class DjangoDeliveryStore:
    """Call from one thread (the delivery loop's store thread). ``rule`` and ``summary`` come
    from the settings file's ``[incidents]`` (and ``[forms]``) tables (the defaults when None):
    the initial report's warnings and the form-05 reminders follow them."""

    def __init__(
        self,
        config: ChannelConfig,
        consumer: str = CONSUMER,
        *,
        rule: ReportingRule | None = None,
        summary: SummaryReminders | None = None,
    ) -> None:
        self.config = config
        self.consumer = consumer
        self.rule = rule or ReportingRule()
        self.summary = summary or SummaryReminders()

    # --- queueing ---------------------------------------------------------------------
    def feed(self, now: datetime) -> int:
        queued = 0

        def handle(events: Sequence[Event]) -> None:
            nonlocal queued
            for event in events:  # one by one: a recovery is sent to whom the event before told
                rows = self._rows(event, now)
                WatchDelivery.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
                queued += len(rows)

        # the initial-report clock's warnings and the summary's reminders, as outbox events
        incident_reminders.remind(now, self.rule)
        incident_reminders.remind_summary(now, self.summary)
        outbox.consume(self.consumer, handle)
        return queued

    def _rows(self, event: Event, now: datetime) -> list[WatchDelivery]:
        if event.kind in incident_reminders.KINDS:
            return incident_reminders.deliveries(event, now, self.config)
        if event.kind in incident_reminders.SUMMARY_KINDS:
            return incident_reminders.summary_deliveries(event, now, self.config, self.summary.recipients)
        if event.kind not in DELIVERED_KINDS:
            return []
        # events carry the wall clock's time (``outbox.event``): their age is the wall clock's too
        if (timezone.now() - event.created_at).total_seconds() > self.config.give_up_hours * 3600:
            return []  # from before this outbox existed, or older than anyone would still act on
        payload = event.payload or {}
        alert_id = payload.get("alert")
        if not isinstance(alert_id, int):
            return []
        alert = WatchAlert.objects.prefetch_related("members").filter(pk=alert_id).first()
        if alert is None:
            return []
        keys = [m.monitor_key for m in alert.members.all()]
        targets = dict(WatchMonitor.objects.filter(key__in=keys).values_list("key", "target"))
        notice = _notice(event, alert, targets)
        if event.kind == "alert.escalated":
            step = int(payload.get("step") or 0)
            notice = replace(notice, step=step, minutes=self.config.escalation_minutes)
            known = set(WatchDelivery.objects.filter(alert=alert).values_list("channel", "address"))
            persons = [p for p in payload.get("persons") or () if isinstance(p, dict)]
            # an address told of this alert before (a configured recipient too) is not told again
            people = [self._reachable(_to_person(p), known) for p in persons]
        else:
            people = [
                _To(r.name, r.language, tuple(r.addresses()))
                for r in self.config.recipients
                if r.wants(set(notice.agencies))
            ]
            if event.kind != "alert.opened":  # the people on duty told of it hear what follows
                people += _told(alert)
        expires = now + timedelta(hours=self.config.link_hours)
        rows = []
        for person in people:
            rows += self._person_rows(event, alert, replace(notice, role=person.role), person, now, expires)
        return rows

    def _reachable(self, person: _To, known: set[tuple[str, str]]) -> _To:
        """A roster person's addresses on the channels configured (a Telegram id is no use
        without [watch.telegram]) and not told of the alert already."""
        kept = tuple(
            (c, a) for c, a in person.addresses if getattr(self.config, c) is not None and (c, a) not in known
        )
        return replace(person, addresses=kept)

    def _person_rows(
        self,
        event: Event,
        alert: WatchAlert,
        notice: AlertNotice,
        person: _To,
        now: datetime,
        expires: datetime,
    ) -> list[WatchDelivery]:
        rows = []
        for channel, address in person.addresses:
            nonce = secrets.token_hex(16)
            link = ""
            if self.config.console_url and event.kind in LINKED_KINDS:
                link = make_link(self.config.console_url, nonce, expires)
            shown = replace(notice, link=link, link_expires=expires if link else None)
            message = render(shown, person.language)
            rows.append(
                WatchDelivery(
                    event=event,
                    alert=alert,
                    kind=event.kind,
                    channel=channel,
                    recipient=person.name[:150],
                    address=address[:600],
                    language=person.language,
                    subject=message.subject[:300],
                    body=message.text,
                    data=_data(shown, link),
                    token=nonce,
                    created_at=now,
                    next_attempt_at=now,
                )
            )
        return rows

    # --- escalation -------------------------------------------------------------------
    def escalate(self, now: datetime) -> int:
        return escalate(now, self.config.escalation_minutes)

    # --- leases -----------------------------------------------------------------------
    def claim(self, now: datetime, owner: str, lease: float, limit: int) -> list[Claimed]:
        claimed: list[Claimed] = []
        with transaction.atomic():
            # a person's messages go in order: only the oldest unsent one of each address (its head)
            heads = list(
                WatchDelivery.objects.filter(status__in=UNSENT)
                .values("channel", "address")
                .annotate(head=Min("id"))
                .order_by()
                .values_list("head", flat=True)
            )
            rows = (
                WatchDelivery.objects.select_for_update()
                .filter(pk__in=heads, status__in=UNSENT)
                .order_by("id")
            )
            for row in rows:
                if len(claimed) >= limit:
                    break
                if row.status == DeliveryStatus.SENDING:
                    if row.lease_until is not None and row.lease_until > now:
                        continue  # another process is sending it
                    row.uncertain += 1  # its sender died mid-send: it may have left
                elif row.next_attempt_at > now:
                    continue
                row.status, row.lease_owner = DeliveryStatus.SENDING, owner
                row.lease_until = now + timedelta(seconds=lease)
                row.attempts += 1
                row.save(update_fields=["status", "lease_owner", "lease_until", "attempts", "uncertain"])
                claimed.append(Claimed(row.pk, row.attempts, row.created_at, _outgoing(row)))
        return claimed

    def sent(self, delivery: int, owner: str, now: datetime) -> bool:
        with transaction.atomic():
            row = WatchDelivery.objects.select_for_update().filter(pk=delivery).first()
            if row is None:
                return False
            held = row.status == DeliveryStatus.SENDING and row.lease_owner == owner
            if row.status != DeliveryStatus.SENT:  # even with the lease lost: it did leave
                row.status, row.sent_at, row.lease_owner, row.lease_until = DeliveryStatus.SENT, now, "", None
                row.last_error = ""
                row.save(update_fields=["status", "sent_at", "lease_owner", "lease_until", "last_error"])
                _timeline(row, "notified", now,
                          {"channel": row.channel, "event": row.kind, "delivery": row.pk})
            return held

    def failed(
        self, delivery: int, owner: str, now: datetime, reason: str, retry_at: datetime | None
    ) -> None:
        with transaction.atomic():
            row = WatchDelivery.objects.select_for_update().filter(pk=delivery).first()
            if row is None or row.status != DeliveryStatus.SENDING or row.lease_owner != owner:
                return  # the lease passed to another process meanwhile: its outcome counts
            row.last_error, row.lease_owner, row.lease_until = reason[:500], "", None
            if retry_at is not None:
                row.status, row.next_attempt_at = DeliveryStatus.PENDING, retry_at
            else:
                row.status = DeliveryStatus.FAILED
                _timeline(row, "delivery_failed", now, {"channel": row.channel, "event": row.kind,
                                                         "reason": reason[:300]})
            row.save(update_fields=["status", "next_attempt_at", "last_error", "lease_owner", "lease_until"])

    def close(self) -> None:
        connection.close()


def _timeline(row: WatchDelivery, step: str, now: datetime, detail: dict[str, Any]) -> None:
    """The delivery's outcome in the timeline of what it is about: the alert's, or the incident's
    (a ``reminder`` entry)."""
    if row.alert_id is not None:
        WatchAlertEntry.objects.create(alert_id=row.alert_id, kind=step, at=now, actor=row.recipient,
                                       detail=detail)
    elif row.incident_id is not None:
        IncidentEntry.objects.create(incident_id=row.incident_id, kind="reminder", at=now,
                                     author=row.recipient, detail={**detail, "outcome": step})


def _outgoing(row: WatchDelivery) -> Outgoing:
    return Outgoing(
        key=f"canhgac-{row.pk}-{row.token[:12]}",
        channel=row.channel,
        address=row.address,
        subject=row.subject,
        text=row.body,
        data=dict(row.data or {}),
    )
