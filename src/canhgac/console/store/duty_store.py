"""The duty roster's writes and the shifts the escalation reads.

Importing a roster replaces the shifts of the same file (a department sends its Tết roster
again when it changes) in one transaction, or adds to them; the CSV itself is parsed and
checked in ``canhgac.watch.roster`` before anything is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from canhgac.console.store.delivery_models import DutyShift
from canhgac.watch.roster import Shift


def import_shifts(shifts: Sequence[Shift], *, source: str, actor: str, replace: bool = True) -> int:
    """Store ``shifts`` (replacing those imported before from ``source``); how many were stored."""
    now = timezone.now()
    with transaction.atomic():
        if replace:
            DutyShift.objects.filter(source=source[:300]).delete()
        DutyShift.objects.bulk_create(
            [
                DutyShift(person=s.person, role=s.role, start=s.start, end=s.end, email=s.email,
                          telegram=s.telegram, webhook=s.webhook, phone=s.phone, language=s.language,
                          source=source[:300], imported_at=now, imported_by=actor[:150])
                for s in shifts
            ],
            batch_size=500,
        )
    return len(shifts)


def shift_of(row: DutyShift) -> Shift:
    return Shift(row.person, row.role, row.start, row.end, row.email, row.telegram, row.webhook, row.phone,
                 row.language if row.language in ("vi", "en") else "vi")


def shifts_at(at: datetime) -> list[Shift]:
    """The shifts running at ``at`` (the escalation's roster)."""
    return [shift_of(r) for r in DutyShift.objects.filter(start__lte=at, end__gt=at).order_by("start", "id")]


def has_roster() -> bool:
    return DutyShift.objects.exists()
