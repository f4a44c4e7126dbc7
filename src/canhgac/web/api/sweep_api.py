"""``/sweep/results``: a host sweep's signed result file uploaded (``canhgac sweep --upload``),
``/sweep/coverage``: the sweep coverage per agency, both within the caller's scope.

An upload is the same import as ``canhgac sweep import`` (``services.sweep_results``): verified,
the computer's key pinned or compared, stored once, its hits judged as findings of the
computer's agency. An agency officer's token uploads only for its own agency (403 otherwise); a
leader only reads. Refusals are one line: 400 a bad signature, 403 another agency, 409 a key
that is not the pinned one (or a declared agency that contradicts the one asked), 413 too
large, 422 not a result file or an unknown agency.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, UploadedFile
from ninja.responses import Status

from canhgac.console.store.roles import Role
from canhgac.i18n import gettext as _
from canhgac.services import sweep_pages
from canhgac.services import sweep_results as svc
from canhgac.web.api.auth import viewer
from canhgac.web.api.errors import COMMON_ERRORS, ApiError, ErrorBody

router = Router(tags=["sweep"])


class ImportedOut(Schema):
    host: str
    agency: str
    hits: int
    opened: int  # findings opened or reopened
    fixed: int
    duplicate: bool  # imported before: nothing changed
    pinned: bool  # this result pinned the computer's key
    newest: bool  # the computer's newest result (findings follow only that one)


class CoverageOut(Schema):
    agency: str
    name: str
    hosts: int
    last_swept_at: datetime | None
    pack_version: str
    hits_open: int
    stale: int  # computers not swept for ``stale_days``


@router.post(
    "/sweep/results",
    response={
        200: ImportedOut,
        201: ImportedOut,
        400: ErrorBody,
        409: ErrorBody,
        413: ErrorBody,
        **COMMON_ERRORS,
    },
    summary="Upload a host sweep's result file",
)
def upload(request: HttpRequest, file: File[UploadedFile], agency: Form[str] = "") -> Status[dict[str, Any]]:
    """The signed result file of ``canhgac sweep`` (multipart ``file``); ``agency`` only when the
    result declares none (else its declared agency is used). 201 imported, 200 already imported."""
    who = viewer(request)
    if who.role is Role.LEADER:
        raise ApiError(403, _("leaders read the sweep coverage; they do not upload results"))
    if file.size is not None and file.size > svc.MAX_BYTES:
        raise ApiError(
            413, _("the file is larger than {size} MB").format(size=svc.MAX_BYTES >> 20), "too_large"
        )
    try:
        done = svc.import_result(
            file.read(svc.MAX_BYTES + 1),
            file.name or "upload",
            scope=who.scope,
            actor=who.username,
            via="api",
            agency=agency.strip()[:64] or None,
        )
    except svc.SweepImportError as exc:
        raise ApiError(exc.status, str(exc)) from None
    answer = {
        "host": done.host,
        "agency": done.agency,
        "hits": done.hits,
        "opened": done.opened,
        "fixed": done.fixed,
        "duplicate": done.duplicate,
        "pinned": done.pinned,
        "newest": done.newest,
    }
    return Status(200 if done.duplicate else 201, answer)


@router.get(
    "/sweep/coverage",
    response={200: list[CoverageOut], **COMMON_ERRORS},
    summary="Host sweep coverage per agency",
)
def coverage(request: HttpRequest, stale_days: int = sweep_pages.STALE_DAYS) -> list[dict[str, Any]]:
    """Every agency the caller may see: computers swept, the last sweep and its pack, open hits,
    computers whose last sweep is older than ``stale_days``."""
    days = max(1, min(stale_days, 3650))
    rows = sweep_pages.coverage(viewer(request).scope, stale_before=datetime.now(UTC) - timedelta(days=days))
    return [
        {
            "agency": r.code,
            "name": r.name,
            "hosts": r.hosts,
            "last_swept_at": r.last_swept_at,
            "pack_version": r.pack_version,
            "hits_open": r.hits_open,
            "stale": r.stale,
        }
        for r in rows
    ]
