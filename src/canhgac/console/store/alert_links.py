"""Signed acknowledgement links: the link in an alert message, and spending it once.

The link carries a token signed with the console's secret key (``django.core.signing``, salted
for this use) holding the delivery's nonce and an expiry. Nothing secret is stored: the nonce
names the delivery row, whose ``link_used_at`` spends it, so a link works once, until it
expires, and only while the signing key is the same. Acknowledging through it is recorded in
the alert's timeline and in the security log, like ``canhgac alerts ack``.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from django.core import signing
from django.db import transaction

from canhgac.console.store.delivery_models import WatchDelivery
from canhgac.console.store.watch_models import WatchAlert

SALT = "canhgac.watch.alert-ack"
PATH = "/alerts/ack/"  # the console's URL for the links (web/urls.py registers PATH + token)


class LinkProblem(enum.Enum):
    INVALID = "invalid"  # altered, truncated, signed with another key, or no such delivery
    EXPIRED = "expired"
    USED = "used"


class LinkRefusedError(LookupError):
    def __init__(self, problem: LinkProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def make_link(base_url: str, nonce: str, expires: datetime) -> str:
    """The acknowledgement link of one delivery (``base_url``: the console as recipients reach it)."""
    token = signing.dumps({"n": nonce, "e": int(expires.timestamp())}, salt=SALT)
    return f"{base_url.rstrip('/')}{PATH}{token}/"


def _delivery(token: str, now: datetime) -> WatchDelivery:
    try:
        data = signing.loads(token, salt=SALT)
        nonce, expires = str(data["n"]), datetime.fromtimestamp(int(data["e"]), UTC)
    except (signing.BadSignature, KeyError, TypeError, ValueError, OverflowError):
        raise LinkRefusedError(LinkProblem.INVALID) from None
    if now >= expires:
        raise LinkRefusedError(LinkProblem.EXPIRED)
    # an incident's reminder carries no link: its nonce acknowledges nothing
    row = WatchDelivery.objects.select_related("alert").filter(token=nonce, alert__isnull=False).first()
    if row is None:
        raise LinkRefusedError(LinkProblem.INVALID)
    return row


def alert_of_link(token: str, now: datetime) -> tuple[WatchAlert, WatchDelivery]:
    """The alert a link acknowledges, without spending it (the page a GET shows)."""
    row = _delivery(token, now)
    if row.link_used_at is not None:
        raise LinkRefusedError(LinkProblem.USED)
    if row.alert is None:  # (filtered out above: an incident's reminder has no link)
        raise LinkRefusedError(LinkProblem.INVALID)
    return row.alert, row


def acknowledge_by_link(token: str, now: datetime, *, address: str = "") -> tuple[WatchAlert, bool]:
    """Spend the link and acknowledge its alert; the alert and whether it had been acknowledged
    before (by someone else: then only the link is spent)."""
    from canhgac.console.store import watch_store

    with transaction.atomic():
        row = _delivery(token, now)
        locked = WatchDelivery.objects.select_for_update().get(pk=row.pk)
        if locked.link_used_at is not None:
            raise LinkRefusedError(LinkProblem.USED)
        if locked.alert_id is None:
            raise LinkRefusedError(LinkProblem.INVALID)
        locked.link_used_at = now
        locked.save(update_fields=["link_used_at"])
        done = watch_store.acknowledge(
            locked.alert_id,
            actor=locked.recipient,
            now=now,
            channel=f"link:{locked.channel}",
            address=address,
        )
    return done.alert, not done.changed
