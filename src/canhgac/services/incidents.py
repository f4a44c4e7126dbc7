"""Incidents for the CLI and the console: open one (by hand, from a watch alert, from a finding,
from a ``[TBSC]`` e-mail), write in its timeline, move it, link things to it, record who was
told, and read them back with the reporting clock's state.

A facade: the rules live in ``canhgac.incidents`` (pure), the writes in
``console.store.incident_store``, the reads in the scoped ``console.store.queries``. Import
after the store is open (``canhgac.services.store.open_store``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from canhgac.console.store.incident_requests import (
    Actor,
    IncidentError,
    IncidentNotFoundError,
    LinkRequest,
    NewIncident,
)
from canhgac.i18n import gettext as _
from canhgac.incidents.categories import CATEGORIES, category
from canhgac.incidents.mail import MailError, parse_mail
from canhgac.incidents.model import (
    WRITTEN_KINDS,
    Channel,
    EntryKind,
    IndicatorType,
    LinkKind,
    Party,
    Source,
    State,
)
from canhgac.services.incidents_settings import IncidentSettings, IncidentSettingsError, incident_settings
from canhgac.services.incidents_view import IncidentDetail, IncidentRow, incident_detail, incident_rows

if TYPE_CHECKING:
    from canhgac.console.store.queries import ViewerScope

__all__ = [
    "CATEGORIES",
    "WRITTEN_KINDS",
    "Actor",
    "Channel",
    "EntryKind",
    "IncidentDetail",
    "IncidentError",
    "IncidentNotFoundError",
    "IncidentRow",
    "IncidentSettings",
    "IncidentSettingsError",
    "IndicatorType",
    "LinkKind",
    "MailError",
    "Party",
    "Source",
    "State",
    "capacity",
    "import_mail",
    "incident_detail",
    "incident_rows",
    "incident_settings",
    "link",
    "move",
    "note",
    "notify",
    "open_from_alert",
    "open_from_finding",
    "open_incident",
    "set_details",
    "viewer_scope",
]
SEVERITIES = ("info", "low", "medium", "high", "critical")


def viewer_scope(agency: str | None) -> ViewerScope:
    """The CLI's view: every agency, or only ``agency``."""
    from canhgac.console.store.queries import ViewerScope

    return ViewerScope.everything().narrowed([agency] if agency else None)


def _category(code: str) -> str:
    if not code:
        return ""
    try:
        return category(code).code
    except ValueError:
        raise IncidentError(
            _("unknown incident type {code}: use one of {codes}").format(
                code=code, codes=", ".join(c.code for c in CATEGORIES)
            )
        ) from None


def _severity(value: str) -> str:
    if value not in SEVERITIES:
        raise IncidentError(
            _("unknown severity {value}: use one of {values}").format(
                value=value, values=", ".join(SEVERITIES)
            )
        )
    return value


def open_incident(
    scope: ViewerScope,
    settings: IncidentSettings,
    actor: Actor,
    *,
    agency: str,
    title: str,
    detected_at: datetime | None = None,
    source: Source = Source.PHONE,
    description: str = "",
    source_detail: str = "",
    category_code: str = "",
    severity: str = "medium",
    beyond_capacity: bool = False,
    links: tuple[LinkRequest, ...] = (),
    now: datetime | None = None,
) -> int:
    """Record an incident reported by hand (a phone call, a letter); its id."""
    from canhgac.console.store import incident_store

    now = now or datetime.now(UTC)
    new = NewIncident(
        agency_code=agency,
        title=title,
        detected_at=detected_at or now,
        source=source.value,
        description=description,
        source_detail=source_detail,
        category=_category(category_code),
        severity=_severity(severity),
        beyond_capacity=beyond_capacity,
        links=links,
    )
    return int(incident_store.open_incident(scope, new, settings.deadline, actor, now).pk)


def open_from_alert(
    scope: ViewerScope,
    settings: IncidentSettings,
    actor: Actor,
    alert_id: int,
    *,
    title: str = "",
    category_code: str = "",
    beyond_capacity: bool = False,
    now: datetime | None = None,
) -> int:
    """Open an incident from a watch alert: its agency, problem, severity and opening time (the
    detection), linked to the alert and to its monitors' targets."""
    from canhgac.console.store import queries
    from canhgac.watch.problems import describe

    alert = queries.watch_alert(scope, alert_id)
    if alert is None:
        raise IncidentError(_("no alert {id}: see `canhgac alerts list`").format(id=alert_id))
    members = list(alert.members.all())
    agency = alert.agency_code or next((m.agency_code for m in members if m.agency_code), "")
    if not scope.allows(agency):
        agency = next((m.agency_code for m in members if scope.allows(m.agency_code)), agency)
    targets = queries.monitor_keys_of(scope, [m.monitor_key for m in members])
    links = [LinkRequest(LinkKind.ALERT, str(alert.pk))]
    links += [
        LinkRequest(LinkKind.ASSET, f"{m.kind}:{m.target}", _("monitored by the watch"))
        for m in targets.values()
    ]
    what = describe(alert.problem, alert.values or {})
    return open_incident(
        scope,
        settings,
        actor,
        agency=agency,
        title=title or what,
        detected_at=alert.opened_at,
        source=Source.ALERT,
        description=what,
        source_detail=f"alert #{alert.pk}",
        category_code=category_code,
        severity=alert.severity if alert.severity in SEVERITIES else "medium",
        beyond_capacity=beyond_capacity,
        links=tuple(links),
        now=now,
    )


def open_from_finding(
    scope: ViewerScope,
    settings: IncidentSettings,
    actor: Actor,
    fingerprint: str,
    *,
    title: str = "",
    category_code: str = "",
    severity: str = "",
    detected_at: datetime | None = None,
    now: datetime | None = None,
) -> int:
    """Open an incident from a finding (a defacement, an exposed service): its agency and
    target, linked to the finding and its asset."""
    from canhgac.console.store import queries

    try:
        found = queries.finding_by_fingerprint(scope, fingerprint)
    except (queries.FindingNotFoundError, queries.AmbiguousFingerprintError) as exc:
        raise IncidentError(str(exc)) from None
    links = (LinkRequest(LinkKind.FINDING, found.fingerprint), LinkRequest(LinkKind.ASSET, found.target_key))
    return open_incident(
        scope,
        settings,
        actor,
        agency=found.agency_code,
        title=title or f"{found.check_id}: {found.target_key}",
        detected_at=detected_at,
        source=Source.FINDING,
        source_detail=found.fingerprint,
        category_code=category_code,
        severity=_severity(severity) if severity else "medium",
        links=links,
        now=now,
    )


def _agency_of_sender(scope: ViewerScope, address: str) -> str | None:
    from canhgac.console.store import queries

    domain = address.rpartition("@")[2].lower().rstrip(".")
    codes = [a.code for a in queries.agencies(scope)]
    best: tuple[int, str] | None = None
    for code, _kind, value in queries.declared_assets(scope, codes, ["domain"]):
        declared = value.lower().rstrip(".")
        if domain == declared or domain.endswith("." + declared):
            matched = (len(declared), code)
            if best is None or matched[0] > best[0]:
                best = matched
    return best[1] if best else None


def import_mail(
    scope: ViewerScope,
    settings: IncidentSettings,
    actor: Actor,
    path: Path,
    *,
    agency: str | None = None,
    now: datetime | None = None,
) -> int:
    """Open an incident from a ``[TBSC]`` message file: the sender's agency (its declared
    domain, or ``agency``), the subject as title, the body as description, the Date as the
    detection time."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MailError(f"{path}: {exc.strerror or exc}") from None
    try:
        mail = parse_mail(data)
    except MailError as exc:
        raise MailError(f"{path}: {exc}") from None
    code = agency or _agency_of_sender(scope, mail.sender_address)
    if code is None:
        raise IncidentError(
            _("no agency declares the sender's domain {domain}: give --agency").format(
                domain=mail.sender_address.rpartition("@")[2]
            )
        )
    now = now or datetime.now(UTC)
    sender = f"{mail.sender_name} <{mail.sender_address}>" if mail.sender_name else mail.sender_address
    return open_incident(
        scope,
        settings,
        actor,
        agency=code,
        title=mail.title,
        detected_at=min(mail.sent_at, now),
        source=Source.EMAIL,
        description=mail.body,
        source_detail=f"{sender} {mail.message_id}".strip(),
        now=now,
    )


def note(
    scope: ViewerScope,
    actor: Actor,
    incident_id: int,
    kind: EntryKind,
    text: str,
    now: datetime | None = None,
) -> None:
    from canhgac.console.store import incident_store

    incident_store.write_entry(scope, incident_id, kind, text, actor, now)


def move(
    scope: ViewerScope,
    actor: Actor,
    incident_id: int,
    state: State,
    reason: str = "",
    now: datetime | None = None,
) -> None:
    from canhgac.console.store import incident_store

    incident_store.move(scope, incident_id, state, reason, actor, now)


def link(
    scope: ViewerScope,
    actor: Actor,
    incident_id: int,
    kind: LinkKind,
    ref: str,
    note_text: str = "",
    now: datetime | None = None,
) -> bool:
    from canhgac.console.store import incident_store

    return incident_store.link(scope, incident_id, LinkRequest(kind, ref, note_text), actor, now)


def notify(
    scope: ViewerScope,
    actor: Actor,
    incident_id: int,
    *,
    party: Party,
    recipient: str,
    channel: Channel,
    sent_at: datetime | None = None,
    reference: str = "",
    initial_report: bool = False,
    now: datetime | None = None,
) -> bool:
    """Record that ``party`` was told; True when this stopped the initial-report clock."""
    from canhgac.console.store import incident_store, queries

    found = queries.incident(scope, incident_id)
    was_reported = found is not None and found.reported_at is not None
    row = incident_store.record_notification(
        scope,
        incident_id,
        party=party.value,
        recipient=recipient,
        channel=channel.value,
        sent_at=sent_at or now or datetime.now(UTC),
        reference=reference,
        initial_report=initial_report,
        actor=actor,
        now=now,
    )
    return not was_reported and row.reported_at is not None


def capacity(
    scope: ViewerScope,
    settings: IncidentSettings,
    actor: Actor,
    incident_id: int,
    beyond: bool,
    reason: str = "",
    now: datetime | None = None,
) -> datetime:
    """Flag (or unflag) the incident as beyond the unit's capacity; the new deadline."""
    from canhgac.console.store import incident_store

    row = incident_store.set_capacity(scope, incident_id, beyond, reason, settings.deadline, actor, now)
    due: datetime = row.report_due_at
    return due


def set_details(scope: ViewerScope, actor: Actor, incident_id: int, values: dict[str, Any]) -> None:
    from canhgac.console.store import incident_store

    if "category" in values:
        values["category"] = _category(str(values["category"]))
    if "severity" in values:
        values["severity"] = _severity(str(values["severity"]))
    incident_store.set_details(scope, incident_id, values, actor)
