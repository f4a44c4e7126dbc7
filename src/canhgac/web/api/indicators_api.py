"""``/indicators/packs``: the indicator packs the caller may see (by TLP: RED and AMBER+STRICT
are the CSIRT's staff's alone, anyone else is answered 404 as for a pack that does not exist),
one pack with a page of its indicators, a file imported as a pack (the CSIRT's engineers), and
``/incidents/{id}/indicators``: an incident's linked indicators as a STIX 2.1 bundle or a MISP
event with a TLP marking (within the caller's scope; logged in the security log).

Everything goes through ``services.indicators`` (the TLP-scoped reads of
``indicator_queries``, the scoped ``queries.incident``, the store's logged writes).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Path, Query, Router, Schema, UploadedFile
from ninja.responses import Status

from canhgac.i18n import gettext as _
from canhgac.services import incident_pages as pages
from canhgac.services import incidents
from canhgac.services import indicators as svc
from canhgac.web.api.auth import viewer
from canhgac.web.api.errors import COMMON_ERRORS, ApiError, ErrorBody
from canhgac.web.client import client_address

router = Router(tags=["indicators"])
MAX_ID = 2**62
TlpLevel = StrEnum("TlpLevel", {t.name: t.value for t in svc.Tlp})  # type: ignore[misc]
IndicatorKind = StrEnum("IndicatorKind", {k.name: k.value for k in svc.Kind})  # type: ignore[misc]


class ExportFormat(StrEnum):
    STIX = "stix"
    MISP = "misp"


class PackOut(Schema):
    id: int
    name: str
    version: int  # files imported into the pack
    source: str
    tlp: str
    format: str  # what the first import was: stix, misp, csv, text
    count: int  # indicators (of the type asked for, in a pack's page)
    imported_at: datetime
    imported_by: str
    updated_at: datetime
    skipped_count: int  # objects the last import could not read


class IndicatorOut(Schema):
    type: str
    value: str
    note: str
    internal: bool  # a private, loopback or local value: it matches inside every network


class PackPageOut(Schema):
    pack: PackOut
    items: list[IndicatorOut]
    total: int
    page: int
    pages: int
    types: list[str]  # the types the pack holds


class PackParams(Schema):
    type: IndicatorKind | None = None  # type: ignore[valid-type]
    page: int = Field(1, ge=1, le=1_000_000)


class ImportedOut(Schema):
    pack: PackOut
    added: int
    already: int  # held by the pack already
    duplicates: int  # merged within the file
    merged: bool  # into an existing pack of that name
    stated_tlp: str | None  # what the file itself said
    skipped_count: int
    skipped: list[str]  # the first reasons, "where: why"


class ExportParams(Schema):
    format: ExportFormat = ExportFormat.STIX
    tlp: TlpLevel | None = None  # type: ignore[valid-type]  # default AMBER, RED when confidential


def pack_out(row: svc.PackRow) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "version": row.version, "source": row.source,
            "tlp": row.tlp.value, "format": row.format, "count": row.size, "imported_at": row.imported_at,
            "imported_by": row.imported_by, "updated_at": row.updated_at, "skipped_count": row.skipped_count}


def _audience(request: HttpRequest) -> svc.PackAudience:
    return svc.PackAudience.of_role(viewer(request).role)


@router.get("/indicators/packs", response={200: list[PackOut], **COMMON_ERRORS}, summary="Indicator packs")
def list_packs(request: HttpRequest) -> list[dict[str, Any]]:
    """The packs the caller may see by their TLP level, by name."""
    return [pack_out(row) for row in svc.pack_rows(_audience(request))]


@router.get("/indicators/packs/{pack_id}", response={200: PackPageOut, **COMMON_ERRORS},
            summary="One indicator pack and a page of its indicators")
def get_pack(request: HttpRequest, pack_id: Path[int], params: Query[PackParams]) -> dict[str, Any]:
    """The pack (404 when the caller may not see it) and 100 of its indicators a page, of one
    type when ``type`` is given."""
    kind = svc.Kind(params.type.value) if params.type else None
    found = (svc.pack_page(_audience(request), pack_id, kind=kind, page=params.page)
             if 0 < pack_id <= MAX_ID else None)
    if found is None:
        raise ApiError(404, _("no indicator pack {id}").format(id=pack_id))
    return {"pack": pack_out(found.pack), "total": found.total, "page": found.page, "pages": found.pages,
            "types": found.kinds,
            "items": [{"type": i.kind.value, "value": i.value, "note": i.note, "internal": i.internal}
                      for i in found.indicators]}


@router.post("/indicators/packs", response={201: ImportedOut, 400: ErrorBody, **COMMON_ERRORS},
             summary="Import a file as an indicator pack")
def import_pack(
    request: HttpRequest,
    file: File[UploadedFile],
    name: Form[str] = "",
    tlp: Form[TlpLevel | None] = None,  # type: ignore[valid-type]
    source: Form[str] = "",
) -> Status[dict[str, Any]]:
    """A STIX 2.1 bundle, a MISP event, a CSV (``type,value,note``) or a plain list, as
    ``canhgac indicators import`` reads it (the CSIRT's engineers; others 403). The level is the
    strictest of ``tlp`` and what the file states. A file that cannot be read is a 422 in one
    line; nothing is stored."""
    who = viewer(request)
    if not svc.may_import(who.role):
        raise ApiError(403, _("only the CSIRT's staff import indicator packs"))
    data = file.read(svc.MAX_BYTES + 1)
    try:
        done = svc.import_data(
            svc.PackAudience.of_role(who.role), data, file.name or "upload",
            name=name.strip()[:200] or None, tlp=svc.Tlp(tlp.value) if tlp else None,
            source=source.strip()[:300] or None, actor=who.username, address=client_address(request),
        )
    except (svc.IndicatorError, svc.PackError) as exc:
        raise ApiError(422, str(exc)) from None
    row = next(r for r in svc.pack_rows(svc.PackAudience.of_role(who.role)) if r.name == done.name)
    return Status(201, {
        "pack": pack_out(row), "added": done.added, "already": done.already, "duplicates": done.duplicates,
        "merged": done.merged, "stated_tlp": done.stated_tlp.value if done.stated_tlp else None,
        "skipped_count": done.skipped_count, "skipped": [f"{s.where}: {s.reason}" for s in done.skipped[:20]],
    })


@router.get(
    "/incidents/{incident_id}/indicators",
    response={200: bytes, 409: ErrorBody, **COMMON_ERRORS},
    openapi_extra={"responses": {"200": {
        "description": "The STIX 2.1 bundle or the MISP event (JSON)",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }}},
    summary="An incident's indicators as STIX 2.1 or MISP",
)
def export_indicators(
    request: HttpRequest, incident_id: Path[int], params: Query[ExportParams]
) -> HttpResponse:
    """The incident's linked indicators with a TLP marking (default AMBER, RED for a confidential
    incident, which may not leave lower). Another agency's incident is a 404; a leader 403;
    an incident without indicators or settings without ``[forms.issuer]`` a 409."""
    who = viewer(request)
    if not pages.may_handle_incidents(who.role):
        raise ApiError(403, _("your role may read incidents, not share their indicators"))
    if not 0 < incident_id <= MAX_ID or incidents.incident_detail(who.scope, incident_id) is None:
        raise ApiError(404, _("no incident {id}").format(id=incident_id))
    try:
        done = svc.export_incident(
            who.scope, _settings_path(), incident_id, params.format.value,
            tlp=svc.Tlp(params.tlp.value) if params.tlp else None, actor=who.username,
            address=client_address(request), keep_floor=True,
        )
    except svc.IndicatorError as exc:
        raise ApiError(409, str(exc)) from None
    response = HttpResponse(done.text.encode("utf-8"), content_type=svc.MEDIA_TYPES[params.format.value])
    name = svc.export_filename(incident_id, done.tlp, params.format.value)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-TLP"] = done.tlp.label
    return response


def _settings_path() -> Any:
    from canhgac.services.console_scan import settings_path

    return settings_path()
