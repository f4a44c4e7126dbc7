"""What the console's deliveries page and ``GET /watch/deliveries`` show: the delivery outbox,
every alert message queued, being sent, sent or given up, with its channel, recipient, alert,
attempts (and how many of them may have left twice), next attempt and last error; and queueing
a message that was given up again (the CSIRT, logged in the security log).

The outbox holds the CSIRT's own people and addresses: only a viewer of every agency reads it
(``queries.watch_deliveries`` gives an agency officer nothing; the pages and the API answer 403).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from canhgac.console.store.roles import works_for_csirt
from canhgac.i18n import gettext as _

if TYPE_CHECKING:
    from canhgac.console.store.queries.viewers import Viewer

PAGE = 50
STATUSES = ("pending", "sending", "sent", "failed")
CHANNELS = ("email", "telegram", "webhook")


class DeliveryNotFoundError(LookupError):
    """No such message among those the viewer may see."""


class DeliveryForbiddenError(PermissionError):
    """The viewer's role may not queue a message again."""


class DeliveryRefusedError(ValueError):
    """The message is not one that can be queued again (not given up)."""


@dataclass(frozen=True, slots=True)
class DeliveryView:
    id: int
    alert_id: int
    event: str  # alert.opened, alert.escalated...
    channel: str  # email, telegram, webhook
    recipient: str  # the person's name
    address: str  # e-mail address, chat id, URL
    language: str
    subject: str
    status: str  # pending, sending, sent, failed (given up)
    attempts: int
    uncertain: int  # attempts whose sender died mid-send: the message may have left twice
    created_at: datetime  # queued (again)
    next_attempt_at: datetime | None  # only while pending
    sent_at: datetime | None
    last_error: str


@dataclass(frozen=True, slots=True)
class DeliveryFilter:
    status: str = ""
    channel: str = ""
    alert: int | None = None


@dataclass(frozen=True, slots=True)
class DeliveryPage:
    items: tuple[DeliveryView, ...]
    total: int
    offset: int
    limit: int
    counts: dict[str, int]  # every status of the whole outbox (or of the chosen alert)


def delivery_view(d: Any) -> DeliveryView:
    return DeliveryView(
        d.pk, d.alert_id, d.kind, d.channel, d.recipient, d.address, d.language, d.subject, d.status,
        d.attempts, d.uncertain, d.created_at, d.next_attempt_at if d.status == "pending" else None,
        d.sent_at, d.last_error,
    )


def deliveries(scope: Any, chosen: DeliveryFilter, *, offset: int = 0, limit: int = PAGE) -> DeliveryPage:
    """One page of the messages the filter keeps, newest first."""
    from django.db.models import Count

    from canhgac.console.store import queries

    alert = chosen.alert if chosen.alert is not None and 0 < chosen.alert < 2**63 else None
    if chosen.alert is not None and alert is None:
        return DeliveryPage((), 0, offset, limit, dict.fromkeys(STATUSES, 0))
    rows = queries.watch_deliveries(scope, alert_id=alert, limit=None)
    counted = dict(rows.order_by().values_list("status").annotate(n=Count("id")))
    if chosen.status in STATUSES:
        rows = rows.filter(status=chosen.status)
    if chosen.channel in CHANNELS:
        rows = rows.filter(channel=chosen.channel)
    total = rows.count()
    items = tuple(delivery_view(d) for d in rows[offset : offset + limit])
    return DeliveryPage(items, total, offset, limit, {s: int(counted.get(s, 0)) for s in STATUSES})


def delivery_by_id(scope: Any, delivery_id: int) -> DeliveryView | None:
    from canhgac.console.store import queries

    found = queries.watch_delivery(scope, delivery_id)
    return delivery_view(found) if found is not None else None


def requeue(viewer: Viewer, delivery_id: int, *, now: datetime, address: str, via: str = "session") -> None:
    """Queue a message that was given up again, due at once (its attempts start again from
    zero, its give-up time from now): the CSIRT's, logged in the security log with what the
    message had been through, in the same transaction."""
    from django.db import transaction

    from canhgac.console.store import queries
    from canhgac.console.store.account_models import SecurityEventKind
    from canhgac.console.store.accounts import record_event
    from canhgac.console.store.delivery_models import DeliveryStatus, WatchDelivery

    if queries.watch_delivery(viewer.scope, delivery_id) is None:
        raise DeliveryNotFoundError(delivery_id)
    if not works_for_csirt(viewer.role):
        raise DeliveryForbiddenError(_("only the CSIRT (administrators and analysts) queues a message again"))
    with transaction.atomic():
        row = WatchDelivery.objects.select_for_update().get(pk=delivery_id)
        if row.status != DeliveryStatus.FAILED:
            raise DeliveryRefusedError(_("only a message that was given up can be queued again"))
        before = {"attempts": row.attempts, "uncertain": row.uncertain, "last_error": row.last_error}
        row.status, row.attempts, row.next_attempt_at, row.created_at = DeliveryStatus.PENDING, 0, now, now
        row.lease_owner, row.lease_until = "", None
        fields = ["status", "attempts", "next_attempt_at", "created_at", "lease_owner", "lease_until"]
        row.save(update_fields=fields)
        record_event(
            SecurityEventKind.WATCH_DELIVERY_REQUEUED,
            actor=viewer.username,
            address=address,
            detail={
                "delivery": row.pk, "alert": row.alert_id, "event": row.kind, "channel": row.channel,
                "recipient": row.recipient, **before, "via": via,
            },
        )
