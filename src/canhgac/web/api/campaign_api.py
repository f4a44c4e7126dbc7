"""``/campaign``: the account-hygiene campaign for scripts, scoped exactly as the console's pages
(``services.campaign``): the overview per agency (affected, closed, share closed, letters), an
agency's accounts with their three steps, a step recorded (multipart: evidence note and/or file,
or the officer's attestation), a case reopened (the CSIRT), the letters recorded, a letter as a
Word or .eml file, and a letter sent through the watch's mail relay (the CSIRT). The letters in
bulk are ``campaign_bulk_api``'s.

Another agency's accounts answer 404, exactly as an agency without a campaign. Leaders read the
overview only (403 elsewhere). Every write is in the security log. No answer holds a password,
a hash or a prefix of one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Path, Router, Schema, UploadedFile
from ninja.responses import Status
from pydantic import ConfigDict

from canhgac.console.store.roles import Role
from canhgac.i18n import gettext as _
from canhgac.services import campaign
from canhgac.services.campaign import CaseView, EvidenceError
from canhgac.services.console_scan import settings_path, workspace
from canhgac.web.api.auth import viewer
from canhgac.web.api.errors import COMMON_ERRORS, ApiError, ErrorBody
from canhgac.web.client import client_address

router = Router(tags=["campaign"])
ERRORS = {**COMMON_ERRORS, 409: ErrorBody}  # 409: the settings file or the mail relay cannot be used


class CampaignStepName(StrEnum):
    PASSWORD = "password"  # noqa: S105 - the step's name
    SESSIONS = "sessions"
    SECOND_FACTOR = "second-factor"


class CampaignHow(StrEnum):
    EVIDENCE = "evidence"
    ATTESTATION = "attestation"


class CampaignLetterKind(StrEnum):
    USER = "user"
    HEAD = "head"


class CampaignLetterFormat(StrEnum):
    DOCX = "docx"
    EML = "eml"


class CampaignLanguage(StrEnum):
    VI = "vi"
    EN = "en"


class CampaignAgencyOut(Schema):
    agency: str
    name: str
    affected: int
    closed: int
    share_closed: float  # 0..1
    letters: int
    sent: int


class CampaignStepOut(Schema):
    step: str
    done: bool
    how: str  # evidence, attestation, reopened; "" when never recorded
    actor: str
    at: dt.datetime | None
    note: str
    statement: str
    file_name: str
    file_sha256: str  # the evidence file's digest (a file, never a password)
    file_id: int  # 0: no file


class CampaignBreachOut(Schema):
    breach: str
    date: dt.date
    service: str
    password_leaked: bool  # the breach held the password (in clear or hashed): never its value


class CampaignCaseOut(Schema):
    address: str
    breaches: list[CampaignBreachOut]
    steps: list[CampaignStepOut]
    closed: bool
    closed_at: dt.datetime | None


class CampaignAgencyCasesOut(Schema):
    agency: str
    affected: int
    closed: int
    cases: list[CampaignCaseOut]


class CampaignReopenIn(Schema):
    model_config = ConfigDict(extra="forbid")

    address: str = Field(max_length=320)
    reason: str = Field(min_length=1, max_length=2000)


class CampaignLetterIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: CampaignLetterKind
    address: str = Field("", max_length=320)  # the account, for a holder's letter
    language: CampaignLanguage = CampaignLanguage.VI
    recipient: str = Field(
        "", max_length=320
    )  # the e-mail's recipient (default: the account, the head's contact)


class CampaignLetterFileIn(CampaignLetterIn):
    format: CampaignLetterFormat = CampaignLetterFormat.DOCX


class CampaignLetterOut(Schema):
    id: int
    kind: str
    address: str
    language: str
    channel: str  # docx, eml, email
    recipient: str
    actor: str
    at: dt.datetime
    sent: bool
    error: str


class CampaignSentOut(Schema):
    sent_to: str


def acting_of(request: HttpRequest) -> campaign.Acting:
    who = viewer(request)
    return campaign.Acting(who.username, who.role, who.scope, client_address(request))


def acting_on(
    request: HttpRequest, agency: str, may: Callable[[Role], bool] | None = None, refusal: str = ""
) -> campaign.Acting:
    """The caller acting on ``agency``'s campaign: 403 for leaders, 404 (logged) for an agency out
    of scope, and 403 (``refusal``, or the role's) when ``may`` refuses the caller's role."""
    who = acting_of(request)
    agency_cases(request, agency, acting=True)
    if may is not None and not may(who.role):
        raise ApiError(403, refusal or _("your role may not do this in the campaign"))
    return who


@contextmanager
def refused_as(status: int = 422, *more: type[Exception]) -> Iterator[None]:
    """The service's refusal as the API's answer: 404 for what is out of scope, ``status`` for any
    other ``CampaignError`` (or one of ``more``)."""
    caught: tuple[type[Exception], ...] = (campaign.CampaignError, *more)
    try:
        yield
    except campaign.CampaignNotFoundError as exc:
        raise ApiError(404, str(exc)) from None
    except caught as exc:
        raise ApiError(status, str(exc)) from None


def letter_kwargs() -> dict[str, Any]:
    """What every letter endpoint passes the service: the settings (409 when they cannot be used),
    today and now."""
    config, channels = letter_settings()
    return {"config": config, "channels": channels, "today": dt.date.today(), "now": dt.datetime.now(dt.UTC)}


def attachment(data: bytes, content_type: str, name: str) -> HttpResponse:
    """A file to download, its name in UTF-8."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''" + quote(name, safe="")
    return response


def _no_campaign(code: str) -> ApiError:
    return ApiError(
        404, _("there is no campaign for {code} among the agencies you may act for").format(code=code[:64])
    )


def _case(c: CaseView) -> dict[str, Any]:
    return {
        "address": c.address,
        "breaches": [
            {"breach": b.name, "date": b.date, "service": b.service, "password_leaked": b.held != "none"}
            for b in c.breaches
        ],
        "steps": [
            {
                "step": s.step.value,
                "done": s.done,
                "how": s.how.value if s.how else "",
                "actor": s.actor,
                "at": s.at,
                "note": s.note,
                "statement": s.statement,
                "file_name": s.file_name,
                "file_sha256": s.file_sha256,
                "file_id": s.record_id if s.file_name else 0,
            }
            for s in c.steps
        ],
        "closed": c.closed,
        "closed_at": c.closed_at,
    }


def agency_cases(request: HttpRequest, agency: str, *, acting: bool = False) -> dict[str, Any]:
    """The agency's cases (403 for leaders, 404 out of scope; logged when ``acting``)."""
    who = acting_of(request)
    if not campaign.may_read_cases(who.role):
        raise ApiError(403, _("leaders read the campaign's overview only"))
    cases = campaign.agency_cases(who, agency)
    if cases is None:
        if acting:
            campaign.refused_agency(who, agency)
        raise _no_campaign(agency)
    return {
        "agency": agency,
        "affected": len(cases),
        "closed": sum(1 for c in cases if c.closed),
        "cases": [_case(c) for c in cases],
    }


@router.get("/campaign", response={200: list[CampaignAgencyOut], **ERRORS}, summary="The campaign per agency")
def get_overview(request: HttpRequest) -> list[dict[str, Any]]:
    """Each agency of the caller's scope with leaked accounts: affected, closed, the share closed,
    letters written and e-mails sent."""
    return [
        {
            "agency": r.code,
            "name": r.name,
            "affected": r.affected,
            "closed": r.closed,
            "share_closed": round(r.closed / r.affected, 4) if r.affected else 1.0,
            "letters": r.letters,
            "sent": r.sent,
        }
        for r in campaign.overview(viewer(request).scope)
    ]


@router.get(
    "/campaign/{agency}",
    response={200: CampaignAgencyCasesOut, **ERRORS},
    summary="An agency's affected accounts",
)
def get_agency(request: HttpRequest, agency: Path[str]) -> dict[str, Any]:
    """Every affected account of the agency with its breaches and its three steps."""
    return agency_cases(request, agency)


@router.post(
    "/campaign/{agency}/steps",
    response={201: CampaignAgencyCasesOut, 400: ErrorBody, **ERRORS},
    summary="Record a step, with evidence or attestation",
)
def post_step(
    request: HttpRequest,
    agency: Path[str],
    address: Form[str],
    step: Form[CampaignStepName],
    how: Form[CampaignHow],
    note: Form[str] = "",
    statement: Form[str] = "",
    file: File[UploadedFile] = None,  # type: ignore[assignment]
) -> Status[dict[str, Any]]:
    """multipart/form-data: ``address``, ``step`` (password, sessions, second-factor), ``how``
    (evidence: ``note`` and/or ``file``; attestation: ``statement``). A refused value is a 422."""
    who = acting_on(request, agency, campaign.may_record)
    if len(note) > 20_000 or len(statement) > 20_000 or len(address) > 320:
        raise ApiError(422, _("the note is longer than {count} characters").format(count=20_000))
    with refused_as(422, EvidenceError):
        campaign.record(
            who,
            agency=agency,
            address=address,
            step=step.value,
            how=how.value,
            note=note,
            statement=statement,
            file=(file.name or "", file.read(campaign.MAX_BYTES + 1)) if file is not None else None,
            workspace=workspace(),
            now=dt.datetime.now(dt.UTC),
        )
    return Status(201, agency_cases(request, agency))


@router.post(
    "/campaign/{agency}/reopen",
    response={200: CampaignAgencyCasesOut, 400: ErrorBody, **ERRORS},
    summary="Reopen a case (the CSIRT)",
)
def post_reopen(request: HttpRequest, agency: Path[str], asked: CampaignReopenIn) -> dict[str, Any]:
    """Every done step of the account undone, with the reason kept."""
    who = acting_on(request, agency, campaign.may_reopen, _("only the CSIRT reopens a case, with a reason"))
    with refused_as(422):
        campaign.reopen_case(
            who, agency=agency, address=asked.address, reason=asked.reason, now=dt.datetime.now(dt.UTC)
        )
    return agency_cases(request, agency)


@router.get(
    "/campaign/{agency}/letters",
    response={200: list[CampaignLetterOut], **ERRORS},
    summary="The letters written and sent for an agency",
)
def get_letters(request: HttpRequest, agency: Path[str]) -> list[dict[str, Any]]:
    agency_cases(request, agency)
    return [
        {
            "id": row.id,
            "kind": row.kind,
            "address": row.address,
            "language": row.language,
            "channel": row.channel,
            "recipient": row.recipient,
            "actor": row.actor,
            "at": row.at,
            "sent": row.sent,
            "error": row.error,
        }
        for row in campaign.letters_of(viewer(request).scope, agency)
    ]


def letter_settings() -> tuple[Any, Any]:
    from canhgac.services.watch_delivery import ChannelConfigError, read_channels

    try:
        return campaign.forms_config(settings_path()), read_channels(settings_path())
    except (campaign.CampaignError, ChannelConfigError) as exc:
        raise ApiError(409, str(exc)) from None


@router.post(
    "/campaign/{agency}/letters",
    response={200: bytes, 400: ErrorBody, **ERRORS},
    openapi_extra={
        "responses": {
            "200": {
                "description": "The letter, as a Word file or an e-mail (.eml)",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
    summary="A notification letter as a Word or .eml file",
)
def post_letter(request: HttpRequest, agency: Path[str], asked: CampaignLetterFileIn) -> HttpResponse:
    """To an account's holder (``kind`` user, ``address``) or to the agency's head (``head``); the
    letter is recorded as written."""
    who = acting_on(request, agency)
    settings = letter_kwargs()
    with refused_as(422):
        found = campaign.build_letter(
            who,
            agency=agency,
            kind=asked.kind.value,
            address=asked.address,
            lang=asked.language.value,
            channel=asked.format.value,
            recipient=asked.recipient,
            **settings,
        )
    return attachment(found.data, found.content_type, found.name)


@router.post(
    "/campaign/{agency}/letters/send",
    response={200: CampaignSentOut, 400: ErrorBody, **ERRORS},
    summary="Send a notification letter by e-mail (the CSIRT)",
)
def post_send(request: HttpRequest, agency: Path[str], asked: CampaignLetterIn) -> dict[str, Any]:
    """Through the watch's ``[watch.email]`` relay; 409 when none is configured or it refused."""
    who = acting_on(request, agency, campaign.may_send)
    settings = letter_kwargs()
    with refused_as(409):
        sent_to = campaign.send_letter(
            who,
            agency=agency,
            kind=asked.kind.value,
            address=asked.address,
            lang=asked.language.value,
            recipient=asked.recipient,
            **settings,
        )
    return {"sent_to": sent_to}


@router.get(
    "/campaign/{agency}/files/{record_id}",
    response={200: bytes, **ERRORS},
    openapi_extra={
        "responses": {
            "200": {
                "description": "The evidence file, as uploaded",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
    summary="A step's evidence file",
)
def get_file(request: HttpRequest, agency: Path[str], record_id: Path[int]) -> HttpResponse:
    who = acting_of(request)
    if not 0 < record_id <= 2**62:
        raise ApiError(404, _("no evidence file {id}").format(id=record_id))
    try:
        found = campaign.evidence_file(who, agency, record_id, workspace())
    except (EvidenceError, OSError):
        found = None
    if found is None:
        raise ApiError(404, _("no evidence file {id}").format(id=record_id))
    name, data = found
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = "attachment; filename=\"evidence\"; filename*=UTF-8''" + quote(
        name, safe=""
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
