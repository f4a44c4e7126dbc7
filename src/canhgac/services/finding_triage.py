"""Triage from the console: one finding or many, checked, in one transaction, with the viewer's
scope.

The decision is validated here (a known state; a false positive needs its reason in the note;
an accepted risk its last day, not in the past; lengths the store holds) so the page shows a
one-line refusal rather than a traceback. Each finding goes through the store's ``triage``
write, which looks it up with the viewer's scope (another agency's fingerprint is "not
found", as one that does not exist) and writes the ``TriageChange`` audit rows; a batch is all
or nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from canhgac.i18n import gettext as _
from canhgac.reports.model import TriageState

if TYPE_CHECKING:
    from canhgac.console.store.queries import ViewerScope

ASSIGNEE_LIMIT = 150  # the store's column
NOTE_LIMIT = 4000
BATCH_LIMIT = 500  # one page's worth many times over; more is a mistake, not a decision


class TriageRefusedError(ValueError):
    """A triage form that cannot be applied as sent; the message (one line) says why."""


@dataclass(frozen=True, slots=True)
class TriageDecision:
    """What to set: ``assignee`` and ``note`` None keep each finding's current value."""

    state: TriageState
    assignee: str | None
    note: str | None
    accepted_until: date | None = None  # an accepted risk's last day


def triage_decision(form: Mapping[str, str], *, blank_keeps: bool,
                    today: date | None = None) -> TriageDecision:
    """The decision a form sends (``status``, ``assignee``, ``note``, ``accepted_until`` for an
    accepted risk). With ``blank_keeps`` (the list's form for many findings) an empty assignee
    or note leaves each finding's own. ``today`` defaults to the store's local date (Vietnam's)."""
    if today is None:
        from django.utils.timezone import localdate

        today = localdate()
    status = str(form.get("status", "")).strip()
    if status not in {s.value for s in TriageState}:
        raise TriageRefusedError(_("Choose a triage status."))
    assignee = str(form.get("assignee", "")).strip()
    note = str(form.get("note", "")).strip()
    if len(assignee) > ASSIGNEE_LIMIT:
        raise TriageRefusedError(
            _("The assignee is too long (at most {n} characters).").format(n=ASSIGNEE_LIMIT))
    if len(note) > NOTE_LIMIT:
        raise TriageRefusedError(_("The note is too long (at most {n} characters).").format(n=NOTE_LIMIT))
    state = TriageState(status)
    if state is TriageState.FALSE_POSITIVE and not note:
        raise TriageRefusedError(_("A false positive needs its reason in the note."))
    until = _accepted_until(str(form.get("accepted_until", "")).strip(), today) \
        if state is TriageState.ACCEPTED_RISK else None
    return TriageDecision(state, None if blank_keeps and not assignee else assignee,
                          None if blank_keeps and not note else note, until)


def _accepted_until(value: str, today: date) -> date:
    """An accepted risk's last day: required, a date (YYYY-MM-DD), today or later."""
    if not value:
        raise TriageRefusedError(_("An accepted risk needs the last day it is accepted."))
    try:
        until = date.fromisoformat(value)
    except ValueError:
        raise TriageRefusedError(_("The last day must be a date (YYYY-MM-DD).")) from None
    if until < today:
        raise TriageRefusedError(_("The last day of an accepted risk cannot be in the past."))
    return until


def triage_findings(scope: ViewerScope, fingerprints: Iterable[str], decision: TriageDecision,
                    actor: str) -> int:
    """Apply ``decision`` to each finding (full fingerprints) the viewer may see, all or none;
    ``FindingNotFoundError`` (a LookupError) when one is not theirs or does not exist."""
    from django.db import transaction

    from canhgac.console.store import services
    from canhgac.console.store.models import Triage

    wanted = list(dict.fromkeys(fp.strip().lower() for fp in fingerprints if fp.strip()))
    if not wanted:
        raise TriageRefusedError(_("Select at least one finding."))
    if len(wanted) > BATCH_LIMIT:
        raise TriageRefusedError(_("At most {n} findings at once.").format(n=BATCH_LIMIT))
    with transaction.atomic():
        for fingerprint in wanted:
            services.triage(fingerprint, triage=Triage(decision.state.value), actor=actor,
                            assignee=decision.assignee, note=decision.note, scope=scope,
                            accepted_until=decision.accepted_until)
    return len(wanted)


__all__ = ["TriageDecision", "TriageRefusedError", "triage_decision", "triage_findings"]
