"""``/incidents``: the list (filtered, paged like ``/findings``) with the initial report's clock,
one incident with its timeline, links and notifications, opening one (by hand, from a watch
alert, from a finding), a timeline entry, a state move, and the incident's initial (form 03) or
final (form 04) report as DOCX.

Reads and writes take the caller's scope: another agency's incident answers 404, as one that
does not exist. Writes are the CSIRT's and the agency officers' (on their own agencies); leaders
read (403). Every write goes through ``services.incident_pages`` (``services.incidents``: the
store's transactions, logged in the security log with the user and address).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict, StrictBool, create_model, field_validator

from canhgac.i18n import gettext as _
from canhgac.services import incident_pages as pages
from canhgac.services import incidents
from canhgac.services.incident_forms import IncidentFormError, incident_form
from canhgac.services.incidents import CATEGORIES
from canhgac.services.incidents_view import row_out_fields
from canhgac.web.api.auth import viewer
from canhgac.web.api.errors import COMMON_ERRORS, ApiError, ErrorBody
from canhgac.web.api.schemas import MAX_LIMIT
from canhgac.web.client import client_address

router = Router(tags=["incidents"])
ERRORS = {**COMMON_ERRORS, 409: ErrorBody}  # 409: the settings file's [incidents] or [forms] cannot be used
MAX_ID = 2**62
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
IncidentState = StrEnum("IncidentState", {s.name: s.value for s in incidents.State})  # type: ignore[misc]
IncidentType = StrEnum("IncidentType", {c.code.upper(): c.code for c in CATEGORIES})  # type: ignore[misc]
WrittenKind = StrEnum("WrittenKind", {k.name: k.value for k in incidents.WRITTEN_KINDS})  # type: ignore[misc]
OpenSource = StrEnum("OpenSource", {s.name: s.value for s in pages.OPEN_SOURCES})  # type: ignore[misc]
Severity = StrEnum("Severity", {s.upper(): s for s in pages.SEVERITIES})  # type: ignore[misc]
LinkType = StrEnum("LinkType", {k.name: k.value for k in incidents.LinkKind})  # type: ignore[misc]
PartyName = StrEnum("PartyName", {p.name: p.value for p in incidents.Party})  # type: ignore[misc]
ChannelName = StrEnum("ChannelName", {c.name: c.value for c in incidents.Channel})  # type: ignore[misc]


class FormNumber(StrEnum):
    INITIAL = "03"
    FINAL = "04"


class IncidentParams(Schema):
    agency: str = Field("", max_length=64)
    state: IncidentState | None = None  # type: ignore[valid-type]
    open: bool = False  # leave the closed out
    type: IncidentType | None = None  # type: ignore[valid-type]
    overdue: bool = False  # the initial report is overdue (or due immediately)
    alert: int | None = Field(None, ge=1, le=2**62)  # linked to this watch alert
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)


# One shape: ``IncidentRow.out()`` writes the row and this model is derived from the same fields
# (``row_out_fields``), so a field added to the row is in the API's answers and schema at once.
IncidentOut = create_model("IncidentOut", __base__=Schema, **row_out_fields())


class IncidentPage(Schema):
    items: list[IncidentOut]  # type: ignore[valid-type]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class EntryOut(Schema):
    kind: str
    at: datetime
    author: str
    text: str
    detail: dict[str, Any]


class LinkOut(Schema):
    kind: str
    ref: str
    note: str
    added_at: datetime
    added_by: str


class NotificationOut(Schema):
    party: str
    recipient: str
    channel: str
    sent_at: datetime
    reference: str
    initial_report: bool
    recorded_by: str


class ContactOut(Schema):
    name: str = ""
    position: str = ""
    phone: str = ""
    email: str = ""


class SystemOut(Schema):
    name: str = ""
    level: int | None = None  # 1 to 5 (Decree 85/2016)
    operator: str = ""
    owner_agency: str = ""
    security_provider: str = ""
    connectivity_provider: str = ""
    os: str = ""
    os_version: str = ""
    services: list[str] = Field(default_factory=list)  # web, mail, database
    services_other: str = ""
    measures: list[str] = Field(default_factory=list)  # antivirus, firewall, ids
    measures_other: str = ""
    public_ips: list[str] = Field(default_factory=list)
    domains: list[str] = Field(default_factory=list)
    purpose: str = ""


class DetailsOut(Schema):
    """The forms' fields (``incident_store.FORM_DETAILS``)."""

    contact: ContactOut = ContactOut()
    system: SystemOut = SystemOut()
    detection_methods: list[str] = Field(default_factory=list)  # ids, logs, notified, other
    attachments: list[str] = Field(default_factory=list)  # logs, malware-sample
    confidential: bool = False
    support_request: str = ""
    initial_report_ref: str = ""  # the form 03's number
    result: str = ""  # form 04's outcome
    handled_by: str = ""  # in_house, domestic_help, foreign_help
    support_from_coordinator: bool = False
    helpers: list[str] = Field(default_factory=list)
    estimated_damage: str = ""


IncidentDetailOut = create_model(
    "IncidentDetailOut",
    __base__=IncidentOut,
    description=(str, ...),
    source_detail=(str, ...),
    opened_by=(str, ...),
    closed_at=(datetime | None, ...),
    missing_parties=(list[str], ...),  # required parties the initial report has not reached
    timeline=(list[EntryOut], ...),
    links=(list[LinkOut], ...),
    notifications=(list[NotificationOut], ...),
    details=(DetailsOut, ...),  # the forms' fields (contact, system, result...)
)


class IncidentIn(Schema):
    """By hand (``agency`` and ``title``), or from a watch alert (``alert``) or a finding
    (``finding``: a fingerprint), which give the agency, title and detection time."""

    model_config = ConfigDict(extra="forbid")

    agency: str = Field("", max_length=64)
    title: str = Field("", max_length=300)
    description: str = Field("", max_length=20_000)
    detected_at: datetime | None = None  # default: now; never in the future
    source: OpenSource = OpenSource("phone")  # type: ignore[valid-type]
    reporter: str = Field("", max_length=600)  # the caller, the sender
    type: IncidentType | None = None  # type: ignore[valid-type]
    severity: Severity = Severity("medium")  # type: ignore[valid-type]
    beyond_capacity: StrictBool = False
    alert: int | None = Field(None, ge=1, le=2**62, strict=True)
    finding: str = Field("", pattern=r"^([0-9a-f]{6,32})?$")

    @field_validator("detected_at", mode="before")
    @classmethod
    def _a_time_not_a_number(cls, value: Any) -> Any:
        """An ISO 8601 text (a number of seconds is refused, as the schema says)."""
        if value is not None and not isinstance(value, str | datetime):
            raise ValueError(_("a date and time, like 2027-02-06T22:00:00+07:00"))
        return value


class EntryIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: WrittenKind  # type: ignore[valid-type]
    text: str = Field(min_length=1, max_length=20_000)


class MoveIn(Schema):
    model_config = ConfigDict(extra="forbid")

    state: IncidentState  # type: ignore[valid-type]
    reason: str = Field("", max_length=2000)  # required to go back, reopen, or close from new/triage


class FormParams(Schema):
    number: str = Field("", max_length=60)  # the document's number (form 03: default the recorded one)


def _no_incident(incident_id: int) -> ApiError:
    return ApiError(404, _("no incident {id}").format(id=incident_id))


def _known(incident_id: int) -> int:
    """An id the database can hold; any other names no incident."""
    if not 0 < incident_id <= MAX_ID:
        raise _no_incident(incident_id)
    return incident_id


def _detail(request: HttpRequest, incident_id: int) -> dict[str, Any]:
    who = viewer(request)
    _known(incident_id)
    found = incidents.incident_detail(who.scope, incident_id, now=timezone.now(), rule=_rule())
    if found is None:
        raise _no_incident(incident_id)
    return {
        **found.row.out(),
        "description": found.description,
        "source_detail": found.source_detail,
        "opened_by": found.opened_by,
        "closed_at": found.closed_at,
        "missing_parties": found.missing_parties,
        "timeline": [asdict(e) for e in found.timeline],
        "links": [asdict(k) for k in found.links],
        "notifications": [asdict(n) for n in found.notifications],
        "details": found.details,
    }


def _rule() -> Any:
    return _settings().rule


def _settings() -> incidents.IncidentSettings:
    try:
        return pages.page_settings()
    except incidents.IncidentSettingsError as exc:
        raise ApiError(409, str(exc)) from None


def _may_act(request: HttpRequest) -> tuple[Any, incidents.Actor]:
    who = viewer(request)
    if not pages.may_handle_incidents(who.role):
        raise ApiError(403, _("your role may read incidents, not act on them"))
    return who, incidents.Actor(who.username, client_address(request))


@router.get("/incidents", response={200: IncidentPage, **ERRORS}, summary="List incidents")
def list_incidents(request: HttpRequest, params: Query[IncidentParams]) -> dict[str, Any]:
    """Incidents the caller may see, newest first, each with the initial report's clock."""
    who = viewer(request)
    state = "open" if params.open else (params.state.value if params.state else "")
    wanted = pages.ListRequest(
        agency=params.agency.strip(),
        state=state,
        category=params.type.value if params.type else "",
        overdue=params.overdue,
        alert=str(params.alert) if params.alert else "",
    )
    rows = pages.filtered_rows(who.scope, wanted, now=timezone.now(), rule=_rule())
    shown = rows[params.offset : params.offset + params.limit]
    end = params.offset + len(shown)
    return {
        "items": [r.out() for r in shown],
        "total": len(rows),
        "limit": params.limit,
        "offset": params.offset,
        "next_offset": end if end < len(rows) else None,
    }


@router.get(
    "/incidents/{incident_id}",
    response={200: IncidentDetailOut, **ERRORS},
    summary="One incident with its timeline",
)
def get_incident(request: HttpRequest, incident_id: Path[int]) -> dict[str, Any]:
    """An incident with its timeline, links, notifications, the forms' details and the clock."""
    return _detail(request, incident_id)


@router.post(
    "/incidents",
    response={201: IncidentDetailOut, 400: ErrorBody, **ERRORS},
    summary="Open an incident",
)
def open_incident(request: HttpRequest, asked: IncidentIn) -> Status[dict[str, Any]]:
    """By hand, from a watch alert or from a finding; the initial report's clock starts."""
    who, actor = _may_act(request)
    form = {
        "agency": asked.agency,
        "title": asked.title,
        "description": asked.description,
        "detected": asked.detected_at.isoformat() if asked.detected_at else "",
        "source": asked.source.value,
        "reporter": asked.reporter,
        "type": asked.type.value if asked.type else "",
        "severity": asked.severity.value,
        "beyond_capacity": asked.beyond_capacity,
        "alert": str(asked.alert) if asked.alert else "",
        "finding": asked.finding,
    }
    try:
        new_id = pages.open_from_form(who.scope, _settings(), actor, form, now=timezone.now())
    except incidents.IncidentError as exc:
        raise ApiError(422, str(exc)) from None
    return Status(201, _detail(request, new_id))


def _act(request: HttpRequest, incident_id: int, action: Any, form: dict[str, Any]) -> dict[str, Any]:
    who, actor = _may_act(request)
    if incidents.incident_detail(who.scope, _known(incident_id)) is None:
        raise _no_incident(incident_id)
    try:
        action(who.scope, actor, incident_id, form)
    except incidents.IncidentNotFoundError:
        raise _no_incident(incident_id) from None
    except incidents.IncidentError as exc:
        raise ApiError(422, str(exc)) from None
    return _detail(request, incident_id)


@router.post(
    "/incidents/{incident_id}/entries",
    response={200: IncidentDetailOut, 400: ErrorBody, **ERRORS},
    summary="Write in an incident's timeline",
)
def add_entry(request: HttpRequest, incident_id: Path[int], entry: EntryIn) -> dict[str, Any]:
    """A progress report, the response plan, a request for direction (Decision 05/2017 Art.
    11.2) or a note."""
    return _act(request, incident_id, pages.write_entry, {"kind": entry.kind.value, "text": entry.text})


@router.post(
    "/incidents/{incident_id}/move",
    response={200: IncidentDetailOut, 400: ErrorBody, **ERRORS},
    summary="Move an incident to another state",
)
def move(request: HttpRequest, incident_id: Path[int], moved: MoveIn) -> dict[str, Any]:
    """new → triage → containment → eradication → recovery → closed; back, reopening and
    closing early need a reason (docs/incidents.md, Lifecycle)."""
    return _act(request, incident_id, pages.move_to, {"state": moved.state.value, "reason": moved.reason})


@router.get(
    "/incidents/{incident_id}/forms/{form}",
    response={200: bytes, **ERRORS},
    openapi_extra={
        "responses": {
            "200": {
                "description": "The document (DOCX)",
                "content": {DOCX: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
    summary="An incident's initial (03) or final (04) report as DOCX",
)
def report_form(
    request: HttpRequest, incident_id: Path[int], form: Path[FormNumber], params: Query[FormParams]
) -> HttpResponse:
    """Form 03 or 04 of Circular 20/2017/TT-BTTTT from the incident's records and the settings
    file's ``[forms]``; what it lacks (the issuer, the contact person...) is a 409 naming it."""
    who, _actor = _may_act(request)
    try:
        config = pages.page_forms_config()
        made = incident_form(
            who.scope, _known(incident_id), form.value, config, number=params.number, now=timezone.now()
        )
    except incidents.IncidentNotFoundError:
        raise _no_incident(incident_id) from None
    except (IncidentFormError, ValueError) as exc:
        raise ApiError(409, str(exc)) from None
    response = HttpResponse(made.docx, content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{made.filename}"'
    return response


# --- links, notifications, capacity, the forms' details -----------------------------------


class LinkIn(Schema):
    """A finding (fingerprint), a watch alert (id), an asset (host or address) or an indicator
    (``TYPE:VALUE``, e.g. ``ip:203.0.113.5``; the types of ``canhgac incidents link``)."""

    model_config = ConfigDict(extra="forbid")

    kind: LinkType  # type: ignore[valid-type]
    ref: str = Field(min_length=1, max_length=700)
    note: str = Field("", max_length=500)


class NotificationIn(Schema):
    model_config = ConfigDict(extra="forbid")

    party: PartyName  # type: ignore[valid-type]
    recipient: str = Field(min_length=1, max_length=300)
    channel: ChannelName = ChannelName("email")  # type: ignore[valid-type]
    sent_at: datetime | None = None  # default: now; never in the future
    reference: str = Field("", max_length=100)  # the document's number
    initial_report: StrictBool = False  # the initial report went with it (stops the clock when all have it)

    @field_validator("sent_at", mode="before")
    @classmethod
    def _a_time_not_a_number(cls, value: Any) -> Any:
        if value is not None and not isinstance(value, str | datetime):
            raise ValueError(_("a date and time, like 2027-02-06T22:00:00+07:00"))
        return value


class NotificationsOut(Schema):
    items: list[NotificationOut]
    missing_parties: list[str]  # required parties the initial report has not reached
    reported_at: datetime | None  # when the initial report reached them all


class CapacityIn(Schema):
    model_config = ConfigDict(extra="forbid")

    beyond_capacity: StrictBool  # true: the initial report is due immediately (Decision 05/2017 Art. 11.2)
    reason: str = Field("", max_length=2000)


class CapacityOut(Schema):
    beyond_capacity: bool
    immediate: bool
    report_due_at: datetime
    clock: str
    seconds_left: int


class ContactIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=200)
    position: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=60)
    email: str | None = Field(None, max_length=200)


class SystemIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=500)
    level: int | None = Field(None, ge=1, le=5)
    operator: str | None = Field(None, max_length=500)
    owner_agency: str | None = Field(None, max_length=500)
    security_provider: str | None = Field(None, max_length=500)
    connectivity_provider: str | None = Field(None, max_length=500)
    os: str | None = Field(None, max_length=200)
    os_version: str | None = Field(None, max_length=200)
    services: list[str] | None = Field(None, max_length=10)
    services_other: str | None = Field(None, max_length=500)
    measures: list[str] | None = Field(None, max_length=10)
    measures_other: str | None = Field(None, max_length=500)
    public_ips: list[str] | None = Field(None, max_length=200)
    domains: list[str] | None = Field(None, max_length=200)
    purpose: str | None = Field(None, max_length=2000)


class DetailsIn(Schema):
    """The fields to change (those left out are kept): the forms' details, and the title,
    description, form-05 type and severity the same form edits."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = Field(None, max_length=20_000)
    category: IncidentType | None = None  # type: ignore[valid-type]
    severity: Severity | None = None  # type: ignore[valid-type]
    contact: ContactIn | None = None
    system: SystemIn | None = None
    detection_methods: list[str] | None = Field(None, max_length=10)
    attachments: list[str] | None = Field(None, max_length=10)
    confidential: StrictBool | None = None
    support_request: str | None = Field(None, max_length=20_000)
    initial_report_ref: str | None = Field(None, max_length=100)
    result: str | None = Field(None, max_length=50_000)
    handled_by: str | None = Field(None, max_length=32)
    support_from_coordinator: StrictBool | None = None
    helpers: list[str] | None = Field(None, max_length=100)
    estimated_damage: str | None = Field(None, max_length=300)


def _seen(request: HttpRequest, incident_id: int) -> incidents.IncidentDetail:
    found = incidents.incident_detail(
        viewer(request).scope, _known(incident_id), now=timezone.now(), rule=_rule()
    )
    if found is None:
        raise _no_incident(incident_id)
    return found


@router.get("/incidents/{incident_id}/links", response={200: list[LinkOut], **ERRORS},
            summary="An incident's links")
def list_links(request: HttpRequest, incident_id: Path[int]) -> list[dict[str, Any]]:
    """The findings, alerts, assets and indicators linked to the incident, oldest first."""
    return [asdict(k) for k in _seen(request, incident_id).links]


@router.post("/incidents/{incident_id}/links", response={200: IncidentDetailOut, 400: ErrorBody, **ERRORS},
             summary="Link a finding, alert, asset or indicator to an incident")
def add_link(request: HttpRequest, incident_id: Path[int], linked: LinkIn) -> dict[str, Any]:
    """A link already there is kept once (no error)."""
    form = {"kind": linked.kind.value, "ref": linked.ref, "note": linked.note}
    return _act(request, incident_id, pages.add_link, form)


@router.get("/incidents/{incident_id}/notifications", response={200: NotificationsOut, **ERRORS},
            summary="Who was told of an incident")
def list_notifications(request: HttpRequest, incident_id: Path[int]) -> dict[str, Any]:
    """Each notice recorded (party, recipient, channel, when, reference, with the initial
    report or not) and the required parties the initial report has not reached yet."""
    found = _seen(request, incident_id)
    return {"items": [asdict(n) for n in found.notifications], "missing_parties": found.missing_parties,
            "reported_at": found.row.reported_at}


@router.post("/incidents/{incident_id}/notifications",
             response={200: IncidentDetailOut, 400: ErrorBody, **ERRORS}, summary="Record who was told")
def add_notification(request: HttpRequest, incident_id: Path[int], told: NotificationIn) -> dict[str, Any]:
    """The owner agency, the response unit, the national coordinator (or another party) was
    told; with ``initial_report``, once all three have it the reporting clock stops."""
    form = {"party": told.party.value, "to": told.recipient, "via": told.channel.value,
            "at": told.sent_at.isoformat() if told.sent_at else "", "reference": told.reference,
            "initial_report": told.initial_report}

    def record(scope: Any, actor: incidents.Actor, incident_id: int, form: dict[str, Any]) -> None:
        pages.record_notification(scope, actor, incident_id, form, now=timezone.now())

    return _act(request, incident_id, record, form)


def _capacity(found: incidents.IncidentDetail) -> dict[str, Any]:
    out = found.row.out()
    return {k: out[k] for k in ("beyond_capacity", "immediate", "report_due_at", "clock", "seconds_left")}


@router.get("/incidents/{incident_id}/capacity", response={200: CapacityOut, **ERRORS},
            summary="Whether an incident is beyond the unit's capacity")
def get_capacity(request: HttpRequest, incident_id: Path[int]) -> dict[str, Any]:
    """The flag and the initial report's deadline it gives."""
    return _capacity(_seen(request, incident_id))


@router.post("/incidents/{incident_id}/capacity", response={200: CapacityOut, 400: ErrorBody, **ERRORS},
             summary="Flag an incident beyond (or within) the unit's capacity")
def set_capacity(request: HttpRequest, incident_id: Path[int], asked: CapacityIn) -> dict[str, Any]:
    """Beyond the unit's capacity, the initial report is due immediately (Decision 05/2017/QĐ-TTg,
    Art. 11.2); back within it, the deadline is counted from detection again."""
    settings = _settings()

    def flag(scope: Any, actor: incidents.Actor, incident_id: int, form: dict[str, Any]) -> None:
        pages.set_capacity(scope, settings, actor, incident_id, form)

    _act(request, incident_id, flag, {"off": "" if asked.beyond_capacity else "1", "reason": asked.reason})
    return _capacity(_seen(request, incident_id))


@router.patch("/incidents/{incident_id}/details", response={200: IncidentDetailOut, 400: ErrorBody, **ERRORS},
              summary="Set an incident's form details")
def set_details(request: HttpRequest, incident_id: Path[int], changes: DetailsIn) -> dict[str, Any]:
    """The fields given (a ``contact`` or ``system`` key by key), checked as the incident page's
    form checks them; one timeline entry names what changed."""
    values = changes.model_dump(exclude_unset=True, mode="json")
    values = {k: ({i: v for i, v in val.items() if v is not None} if isinstance(val, dict) else val)
              for k, val in values.items() if val is not None}

    def change(scope: Any, actor: incidents.Actor, incident_id: int, form: dict[str, Any]) -> None:
        pages.change_details(scope, actor, incident_id, form)

    return _act(request, incident_id, change, values)
