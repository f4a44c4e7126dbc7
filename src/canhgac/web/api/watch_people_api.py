"""``/watch/roster`` and ``/watch/deliveries``: the duty roster (who holds each role now, every
shift, the gaps; importing the department's CSV) and the delivery outbox (every alert message
and where it stands; queueing one that was given up again), for scripts.

The pages' rules (``services.duty``, ``services.watch_outbox``): the CSIRT's own people and
addresses, so a caller who does not see every agency is refused (403); the CSIRT's
administrators and analysts import and re-queue, each write logged in the security log.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Path, Query, Router, Schema, UploadedFile
from ninja.responses import Status

from canhgac.i18n import gettext as _
from canhgac.services import duty, watch_outbox
from canhgac.services.watch_roster import ShiftView, roster
from canhgac.web.api.auth import via, viewer
from canhgac.web.api.errors import COMMON_ERRORS, ApiError, ErrorBody
from canhgac.web.client import client_address

router = Router(tags=["watch"])


class ShiftOut(Schema):
    id: int
    person: str
    role: str  # on-duty, backup, lead, head
    start: datetime
    end: datetime
    email: str
    telegram: str
    webhook: str
    phone: str
    language: str
    source: str  # the CSV's file name


class HolderOut(Schema):
    role: str
    shifts: list[ShiftOut]  # who holds it now (none: nobody)


class GapOut(Schema):
    start: datetime
    end: datetime


class RosterOut(Schema):
    at: datetime
    now: list[HolderOut]  # every role, in the escalation's order
    shifts: list[ShiftOut]  # every shift, by start
    gaps: list[GapOut]  # inside the roster, nobody on duty


class ImportedOut(Schema):
    file: str
    imported: int  # shifts stored


class DeliveryOut(Schema):
    id: int
    alert_id: int
    event: str  # alert.opened, alert.grouped, alert.flapping, alert.escalated, alert.recovered...
    channel: str  # email, telegram, webhook
    recipient: str
    address: str
    language: str
    subject: str
    status: str  # pending, sending, sent, failed (given up)
    attempts: int
    uncertain: int  # attempts that may have left twice
    created_at: datetime
    next_attempt_at: datetime | None  # while pending
    sent_at: datetime | None
    last_error: str


class DeliveryPageOut(Schema):
    items: list[DeliveryOut]
    total: int
    limit: int
    offset: int
    next_offset: int | None  # None on the last page
    counts: dict[str, int]  # per status, of the whole outbox (or of the alert asked)


class DeliveryParams(Schema):
    status: str | None = Field(None, pattern=r"^(pending|sending|sent|failed)$")
    channel: str | None = Field(None, pattern=r"^(email|telegram|webhook)$")
    alert: int | None = Field(None, ge=1, le=2**63 - 1)
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


def _people(request: HttpRequest) -> Any:
    who = viewer(request)
    if not who.scope.is_everything:
        raise ApiError(
            403, _("the duty roster and the alert messages are the CSIRT's: your role may not read them")
        )
    return who


def _shift(s: ShiftView) -> dict[str, Any]:
    return {k: v for k, v in asdict(s).items() if k not in ("imported_by", "imported_at")}


@router.get("/watch/roster", response={200: RosterOut, **COMMON_ERRORS}, summary="The duty roster")
def get_roster(request: HttpRequest) -> dict[str, Any]:
    """Who holds each role now, every shift and the gaps with nobody on duty."""
    found = roster(_people(request).scope, timezone.now())
    return {
        "at": found.at,
        "now": [{"role": role, "shifts": [_shift(s) for s in people]} for role, people in found.holders],
        "shifts": [_shift(s) for s in found.shifts],
        "gaps": [{"start": g.start, "end": g.end} for g in found.gaps],
    }


@router.post(
    "/watch/roster",
    response={201: ImportedOut, 400: ErrorBody, **COMMON_ERRORS},
    summary="Import the duty roster",
)
def import_roster(
    request: HttpRequest, file: File[UploadedFile], append: Form[bool] = False
) -> Status[dict[str, Any]]:
    """Import the department's CSV as ``canhgac duty import`` does (the CSIRT): the shifts of the
    same file name are replaced unless ``append``; a wrong line is refused (422, its number in
    the message) and nothing is imported."""
    who = _people(request)
    try:
        name, count = duty.import_uploaded(
            who, file.name or "", file.read(duty.MAX_UPLOAD + 1), append=append,
            address=client_address(request), via=via(request),
        )
    except duty.RosterForbiddenError as exc:
        raise ApiError(403, str(exc)) from None
    except duty.RosterError as exc:
        raise ApiError(422, str(exc)) from None
    return Status(201, {"file": name, "imported": count})


@router.get(
    "/watch/deliveries", response={200: DeliveryPageOut, **COMMON_ERRORS}, summary="The alert messages"
)
def list_deliveries(request: HttpRequest, params: Query[DeliveryParams]) -> dict[str, Any]:
    """Every alert message queued, being sent, sent or given up, newest first, filtered."""
    who = _people(request)
    chosen = watch_outbox.DeliveryFilter(status=params.status or "", channel=params.channel or "",
                                         alert=params.alert)
    page = watch_outbox.deliveries(who.scope, chosen, offset=params.offset, limit=params.limit)
    end = params.offset + len(page.items)
    return {"items": [asdict(d) for d in page.items], "total": page.total, "limit": params.limit,
            "offset": params.offset, "next_offset": end if end < page.total else None, "counts": page.counts}


@router.post(
    "/watch/deliveries/{delivery_id}/requeue",
    response={200: DeliveryOut, 400: ErrorBody, 409: ErrorBody, **COMMON_ERRORS},
    summary="Queue a given-up message again",
)
def requeue_delivery(request: HttpRequest, delivery_id: Path[int]) -> dict[str, Any]:
    """Queue a message that was given up again, due at once (the CSIRT; in the security log);
    409 for a message that was not given up."""
    who = _people(request)
    try:
        watch_outbox.requeue(who, delivery_id, now=timezone.now(), address=client_address(request),
                             via=via(request))
    except watch_outbox.DeliveryNotFoundError:
        raise ApiError(404, _("there is no alert message {id}").format(id=delivery_id)) from None
    except watch_outbox.DeliveryForbiddenError as exc:
        raise ApiError(403, str(exc)) from None
    except watch_outbox.DeliveryRefusedError as exc:
        raise ApiError(409, str(exc), "conflict") from None
    found = watch_outbox.delivery_by_id(who.scope, delivery_id)
    if found is None:
        raise ApiError(404, _("there is no alert message {id}").format(id=delivery_id))
    return asdict(found)
