"""The incidents' writes: open, write in the timeline, move the state, link, record who was
told, flag the unit's capacity. Each write takes the viewer's scope (an agency officer acts on
their own agencies' incidents only), locks the incident's row, and writes its timeline entry, its
security-log entry and any outbox event in one transaction.

The reporting clock's deadline is computed by the caller (``services.incidents``, which holds the
rule and the holiday calendar) and stored here; ``reported_at`` is set when the initial report
has gone to every required party, which stops the clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from canhgac.console.store import outbox
from canhgac.console.store.account_models import SecurityEventKind
from canhgac.console.store.accounts import record_event
from canhgac.console.store.incident_models import Incident, IncidentEntry, IncidentLink, IncidentNotification
from canhgac.console.store.incident_requests import (
    Actor,
    IncidentError,
    IncidentNotFoundError,
    LinkRequest,
    NewIncident,
)
from canhgac.console.store.models import Agency, Asset, Finding
from canhgac.console.store.queries.scope import ViewerScope
from canhgac.console.store.watch_models import WatchAlert, WatchAlertMember
from canhgac.i18n import gettext as _
from canhgac.incidents.lifecycle import TransitionError, check_move, is_reopening
from canhgac.incidents.model import REQUIRED_PARTIES, EntryKind, IndicatorType, LinkKind, State

Deadline = Callable[
    [datetime, datetime | None], tuple[datetime, bool]
]  # (detected, flagged) -> (due, immediate)
REQUIRED = tuple(party.value for party in REQUIRED_PARTIES)
_HEX = re.compile(r"^[0-9a-f]{6,32}$")


def _locked(scope: ViewerScope, incident_id: int) -> Incident:
    row = scope.filter(Incident.objects.select_for_update().filter(pk=incident_id)).first()
    if row is None:
        raise IncidentNotFoundError(
            _("no incident {id}: see `canhgac incidents list`").format(id=incident_id)
        )
    return row


def _entry(
    incident: Incident,
    kind: EntryKind,
    at: datetime,
    actor: Actor,
    text: str = "",
    detail: dict[str, Any] | None = None,
) -> IncidentEntry:
    return IncidentEntry.objects.create(
        incident=incident,
        kind=kind.value,
        at=at,
        author=actor.name[:150],
        text=text,
        detail=dict(detail or {}),
    )


def _log(what: SecurityEventKind, incident: Incident, actor: Actor, **detail: Any) -> None:
    record_event(
        what,
        actor=actor.name,
        address=actor.address,
        detail={"incident": incident.pk, "agency": incident.agency_code, **detail},
    )


def _check_link(scope: ViewerScope, agency_code: str, link: LinkRequest) -> LinkRequest:
    """The link with its reference normalised; IncidentError when it names nothing visible."""
    ref = link.ref.strip()
    if not ref:
        raise IncidentError(_("a link needs a reference"))
    if link.kind == LinkKind.ALERT:
        if not ref.isdigit():
            raise IncidentError(_("an alert is linked by its id (a number), not {ref!r}").format(ref=ref))
        visible = WatchAlert.objects.filter(pk=int(ref))
        if not scope.is_everything:
            visible = visible.filter(pk__in=scope.filter(WatchAlertMember.objects.all()).values("alert_id"))
        if not visible.exists():
            raise IncidentError(_("no alert {id}: see `canhgac alerts list`").format(id=ref))
    elif link.kind == LinkKind.FINDING:
        wanted = ref.lower()
        if not _HEX.match(wanted):
            raise IncidentError(
                _("'{fingerprint}' is not a fingerprint: give at least {count} hex digits").format(
                    fingerprint=ref, count=6
                )
            )
        found = list(
            scope.filter(Finding.objects.filter(fingerprint__startswith=wanted)).values_list(
                "fingerprint", flat=True
            )[:2]
        )
        if len(found) != 1:
            raise IncidentError(_("no single finding with fingerprint {fingerprint}").format(fingerprint=ref))
        ref = found[0]
    elif link.kind == LinkKind.ASSET:
        kind, sep, value = ref.partition(":")
        if sep and Asset.objects.filter(kind=kind, value=value).exists():
            owner = (
                Asset.objects.filter(kind=kind, value=value).values_list("agency__code", flat=True).first()
            )
            if owner is not None and not scope.allows(owner):
                raise IncidentError(_("no asset {ref} in your agencies").format(ref=ref))
    elif link.kind == LinkKind.INDICATOR:
        kind, sep, value = ref.partition(":")
        try:
            IndicatorType.parse(kind)
        except ValueError:
            raise IncidentError(
                _("an indicator is TYPE:VALUE with TYPE one of {types}, not {ref!r}").format(
                    types=", ".join(t.value for t in IndicatorType), ref=ref
                )
            ) from None
        if not sep or not value.strip():
            raise IncidentError(_("an indicator is TYPE:VALUE, not {ref!r}").format(ref=ref))
        ref = f"{IndicatorType.parse(kind).value}:{value.strip()}"
    return LinkRequest(link.kind, ref[:700], link.note.strip()[:500])


def _add_links(
    incident: Incident, links: Iterable[LinkRequest], actor: Actor, at: datetime
) -> list[LinkRequest]:
    added = []
    for link in links:
        _row, created = IncidentLink.objects.get_or_create(
            incident=incident,
            kind=link.kind.value,
            ref=link.ref,
            defaults={"note": link.note, "added_at": at, "added_by": actor.name[:150]},
        )
        if created:
            added.append(link)
    return added


def open_incident(
    scope: ViewerScope, new: NewIncident, deadline: Deadline, actor: Actor, now: datetime | None = None
) -> Incident:
    """Record a new incident (state ``new``) with its links, its ``opened`` entry, the
    ``incident.opened`` event and the security log's entry."""
    now = now or timezone.now()
    code = new.agency_code.strip()
    if not scope.allows(code):
        raise IncidentError(_("you cannot open an incident for agency {code}").format(code=code))
    if not Agency.objects.filter(code=code).exists():
        raise IncidentError(
            _(
                "no agency {code} in the store: agencies are stored by the first `canhgac scan` "
                "of the inventory"
            ).format(code=code)
        )
    title = " ".join(new.title.split())
    if not title:
        raise IncidentError(_("an incident needs a title"))
    if new.detected_at > now:
        raise IncidentError(_("the detection time is in the future"))
    flagged = now if new.beyond_capacity else None
    due, immediate = deadline(new.detected_at, flagged)
    with transaction.atomic():
        links = [_check_link(scope, code, link) for link in new.links]
        row = Incident.objects.create(
            agency_code=code,
            title=title[:300],
            description=new.description,
            source=new.source,
            source_detail=new.source_detail[:600],
            category=new.category,
            severity=new.severity,
            detected_at=new.detected_at,
            opened_at=now,
            opened_by=actor.name[:150],
            updated_at=now,
            beyond_capacity=new.beyond_capacity,
            beyond_capacity_at=flagged,
            report_due_at=due,
            report_due_immediate=immediate,
            contact=dict(new.contact or {}),
        )
        _entry(
            row,
            EntryKind.OPENED,
            now,
            actor,
            new.description,
            {
                "source": new.source,
                "source_detail": new.source_detail,
                "detected_at": new.detected_at.isoformat(),
            },
        )
        for link in _add_links(row, links, actor, now):
            _entry(row, EntryKind.LINK, now, actor, link.note, {"kind": link.kind.value, "ref": link.ref})
        outbox.write(
            [
                outbox.event(
                    "incident.opened",
                    None,
                    f"incident:{row.pk}",
                    code,
                    {
                        "incident": row.pk,
                        "title": row.title,
                        "source": row.source,
                        "severity": row.severity,
                        "detected_at": row.detected_at.isoformat(),
                        "report_due_at": due.isoformat(),
                    },
                )
            ]
        )
        _log(SecurityEventKind.INCIDENT_OPENED, row, actor, source=new.source, title=row.title)
    return row


def write_entry(
    scope: ViewerScope,
    incident_id: int,
    kind: EntryKind,
    text: str,
    actor: Actor,
    now: datetime | None = None,
) -> IncidentEntry:
    """A progress report, the response plan, a request for direction, or a note."""
    now = now or timezone.now()
    if not text.strip():
        raise IncidentError(_("the entry is empty"))
    with transaction.atomic():
        row = _locked(scope, incident_id)
        entry = _entry(row, kind, now, actor, text.strip())
        row.updated_at = now
        row.save(update_fields=["updated_at"])
        _log(SecurityEventKind.INCIDENT_WRITTEN, row, actor, kind=kind.value)
    return entry


def move(
    scope: ViewerScope,
    incident_id: int,
    target: State,
    reason: str,
    actor: Actor,
    now: datetime | None = None,
) -> Incident:
    """Move the state (validated by ``incidents.lifecycle``); reopening keeps the clock as it was."""
    now = now or timezone.now()
    with transaction.atomic():
        row = _locked(scope, incident_id)
        current = State(row.state)
        try:
            check_move(current, target, reason)
        except TransitionError as exc:
            raise IncidentError(str(exc)) from None
        row.state, row.updated_at = target.value, now
        if target == State.CLOSED:
            row.closed_at = now
        elif is_reopening(current, target):
            row.closed_at = None
        row.save(update_fields=["state", "updated_at", "closed_at"])
        _entry(
            row,
            EntryKind.STATE,
            now,
            actor,
            reason.strip(),
            {"from": current.value, "to": target.value, "reopened": is_reopening(current, target)},
        )
        _log(SecurityEventKind.INCIDENT_CHANGED, row, actor, before=current.value, after=target.value)
    return row


def link(
    scope: ViewerScope, incident_id: int, request: LinkRequest, actor: Actor, now: datetime | None = None
) -> bool:
    """Link an alert, a finding, an asset or an indicator; False when it was linked already."""
    now = now or timezone.now()
    with transaction.atomic():
        row = _locked(scope, incident_id)
        checked = _check_link(scope, row.agency_code, request)
        added = _add_links(row, [checked], actor, now)
        if added:
            _entry(
                row,
                EntryKind.LINK,
                now,
                actor,
                checked.note,
                {"kind": checked.kind.value, "ref": checked.ref},
            )
            row.updated_at = now
            row.save(update_fields=["updated_at"])
            _log(SecurityEventKind.INCIDENT_LINKED, row, actor, kind=checked.kind.value, ref=checked.ref)
    return bool(added)


def record_notification(
    scope: ViewerScope,
    incident_id: int,
    *,
    party: str,
    recipient: str,
    channel: str,
    sent_at: datetime,
    reference: str,
    initial_report: bool,
    actor: Actor,
    required: Sequence[str] = REQUIRED,
    now: datetime | None = None,
) -> Incident:
    """Someone was told (who, how, when); with ``initial_report`` the clock stops once every
    required party has had the initial report (``reported_at``: the last of them)."""
    now = now or timezone.now()
    if not recipient.strip():
        raise IncidentError(_("say who was told (--to)"))
    if sent_at > now:
        raise IncidentError(_("the notification time is in the future"))
    with transaction.atomic():
        row = _locked(scope, incident_id)
        IncidentNotification.objects.create(
            incident=row,
            party=party,
            recipient=recipient.strip()[:300],
            channel=channel,
            sent_at=sent_at,
            reference=reference.strip()[:100],
            initial_report=initial_report,
            recorded_at=now,
            recorded_by=actor.name[:150],
        )
        _entry(
            row,
            EntryKind.NOTIFICATION,
            sent_at,
            actor,
            "",
            {
                "party": party,
                "recipient": recipient.strip(),
                "channel": channel,
                "reference": reference.strip(),
                "initial_report": initial_report,
            },
        )
        fields = ["updated_at"]
        row.updated_at = now
        if initial_report and row.reported_at is None:
            sent: dict[str, datetime] = {}
            for n in row.notifications.filter(initial_report=True):
                sent[n.party] = max(sent.get(n.party, n.sent_at), n.sent_at)
            if all(p in sent for p in required):
                row.reported_at = max(sent[p] for p in required)
                fields.append("reported_at")
            if reference.strip() and not row.initial_report_ref:
                row.initial_report_ref = reference.strip()[:100]
                fields.append("initial_report_ref")
        row.save(update_fields=fields)
        _log(
            SecurityEventKind.INCIDENT_NOTIFIED,
            row,
            actor,
            party=party,
            channel=channel,
            initial_report=initial_report,
        )
    return row


def set_capacity(
    scope: ViewerScope,
    incident_id: int,
    beyond: bool,
    reason: str,
    deadline: Deadline,
    actor: Actor,
    now: datetime | None = None,
) -> Incident:
    """Flag the incident as possibly beyond the unit's capacity (the initial report is then due
    at once), or lift the flag (the 5-day deadline again)."""
    now = now or timezone.now()
    with transaction.atomic():
        row = _locked(scope, incident_id)
        if row.beyond_capacity == beyond:
            raise IncidentError(_("nothing to change: the flag is already so"))
        row.beyond_capacity = beyond
        row.beyond_capacity_at = now if beyond else None
        row.report_due_at, row.report_due_immediate = deadline(row.detected_at, row.beyond_capacity_at)
        row.updated_at = now
        row.save(
            update_fields=[
                "beyond_capacity",
                "beyond_capacity_at",
                "report_due_at",
                "report_due_immediate",
                "updated_at",
            ]
        )
        _entry(
            row,
            EntryKind.CAPACITY,
            now,
            actor,
            reason.strip(),
            {"beyond_capacity": beyond, "report_due_at": row.report_due_at.isoformat()},
        )
        _log(SecurityEventKind.INCIDENT_CHANGED, row, actor, beyond_capacity=beyond)
    return row


# the forms' free-text details of an incident, in the order the detail page shows them
FORM_DETAILS = (
    "contact",
    "system",
    "detection_methods",
    "attachments",
    "confidential",
    "support_request",
    "initial_report_ref",
    "result",
    "handled_by",
    "support_from_coordinator",
    "helpers",
    "estimated_damage",
)
DETAIL_FIELDS = {"category", "severity", "description", "title", *FORM_DETAILS}


def set_details(
    scope: ViewerScope, incident_id: int, values: dict[str, Any], actor: Actor, now: datetime | None = None
) -> Incident:
    """Set the forms' fields (already validated by the caller); one ``note`` entry lists them."""
    now = now or timezone.now()
    unknown = sorted(set(values) - DETAIL_FIELDS)
    if unknown:
        raise IncidentError(_("unknown field {name}").format(name=", ".join(unknown)))
    with transaction.atomic():
        row = _locked(scope, incident_id)
        before = {k: getattr(row, k) for k in values}
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at = now
        row.save(update_fields=[*values, "updated_at"])
        _entry(
            row,
            EntryKind.NOTE,
            now,
            actor,
            "",
            {"changed": sorted(values), "before": before, "after": values},
        )
        _log(SecurityEventKind.INCIDENT_CHANGED, row, actor, fields=sorted(values))
    return row
