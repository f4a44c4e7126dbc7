"""Escalation on the store: the roster's people who must know of an open, unacknowledged alert
by now and were not told, told through an ``alert.escalated`` event (``watch.roster`` decides
who; this module records it).

Each alert is handled in its own transaction with its row locked, and who was told is read from
its timeline inside that lock, so two delivery processes never tell anyone twice. The event
carries the people's contacts as they were then (the roster may be re-imported meanwhile).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from canhgac.console.store import outbox
from canhgac.console.store.duty_store import shifts_at
from canhgac.console.store.watch_models import WatchAlert, WatchAlertEntry
from canhgac.watch.roster import Shift, to_tell

STEPS = ("duty_notified", "escalated")  # the timeline steps naming the people told


def _contacts(shift: Shift) -> dict[str, str]:
    return {"name": shift.person, "role": shift.role, "email": shift.email, "telegram": shift.telegram,
            "webhook": shift.webhook, "language": shift.language}


def _told(alert: WatchAlert) -> set[str]:
    names: set[str] = set()
    for entry in WatchAlertEntry.objects.filter(alert=alert, kind__in=STEPS):
        names.update(str(n) for n in (entry.detail or {}).get("names", ()))
    return names


def escalate(now: datetime, minutes: float) -> int:
    """Tell the people on duty of each open, unacknowledged alert who must know by ``now`` and
    were not told (the on-duty person at first, one more role every ``minutes``, the incoming
    person at a shift change): one event and one timeline step per alert and call. How many
    people were added."""
    shifts = shifts_at(now)
    if not shifts:
        return 0
    added = 0
    waiting = WatchAlert.objects.filter(status="open", acknowledged_at=None).values_list("pk", flat=True)
    for alert_id in list(waiting):
        with transaction.atomic():
            alert = WatchAlert.objects.select_for_update().filter(pk=alert_id).first()
            if alert is None or alert.status != "open" or alert.acknowledged_at is not None:
                continue
            step, wanted = to_tell(shifts, alert.opened_at, now, minutes, _told(alert))
            if not wanted:
                continue
            number = WatchAlertEntry.objects.filter(alert=alert, kind__in=STEPS).count()
            WatchAlertEntry.objects.create(
                alert=alert,
                kind="escalated" if any(s.role != "on-duty" for s in wanted) else "duty_notified",
                at=now,
                detail={
                    "step": step,
                    "persons": [f"{s.person} ({s.role})" for s in wanted],
                    "names": [s.person for s in wanted],
                },
            )
            outbox.write([outbox.event(
                "alert.escalated", None, f"{alert.key}:escalated:{number}"[:600], alert.agency_code,
                {"alert": alert.pk, "problem": alert.problem, "severity": alert.severity, "step": step,
                 "persons": [_contacts(s) for s in wanted]},
            )])
            added += len(wanted)
    return added
