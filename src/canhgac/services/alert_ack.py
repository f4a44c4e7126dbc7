"""Acknowledging an alert through the signed link of its message, for the console's page.

A facade over ``console.store.alert_links`` (the signature, the link spent once, the
acknowledgement recorded in the timeline and the security log) that hands the page plain values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from canhgac.console.store import alert_links
from canhgac.console.store.alert_links import LinkRefusedError
from canhgac.console.store.watch_models import WatchAlert
from canhgac.watch.labels import label
from canhgac.watch.problems import describe

__all__ = ["AckView", "LinkRefusedError", "acknowledge", "look"]


@dataclass(frozen=True, slots=True)
class AckView:
    id: int
    status: str  # said in the current language
    what: str  # the problem said in the current language
    agency: str
    opened_at: datetime
    acknowledged_by: str
    already: bool  # acknowledged before this link was used (by someone else)
    done: bool  # acknowledged now, through this link


def _view(alert: WatchAlert, *, already: bool, done: bool) -> AckView:
    return AckView(
        alert.pk,
        label("status", alert.status),
        describe(alert.problem, alert.values or {}),
        alert.agency_code,
        alert.opened_at,
        alert.acknowledged_by,
        already,
        done,
    )


def look(token: str, now: datetime) -> AckView:
    """The alert a link names, without spending the link (LinkRefusedError)."""
    alert, _row = alert_links.alert_of_link(token, now)
    return _view(alert, already=alert.acknowledged_at is not None, done=False)


def acknowledge(token: str, now: datetime, *, address: str) -> AckView:
    """Spend the link and acknowledge (LinkRefusedError)."""
    alert, before = alert_links.acknowledge_by_link(token, now, address=address)
    return _view(alert, already=before, done=not before)
