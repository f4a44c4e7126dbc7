"""``/inventory``: the applied inventory, and a new file checked, compared and applied — the
Inventory page's steps for scripts (``services.inventory_page``, ``services.inventory_store``).

The CSIRT's alone (administrators and analysts): a document lists every agency of the province.
Checking keeps a valid file and answers its ``document_id``; applying that id applies exactly
what was compared, and is refused (409) when another inventory was applied in between.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import File, Router, Schema, UploadedFile

from canhgac.console.store.roles import works_for_csirt
from canhgac.i18n import gettext as _
from canhgac.services.inventory import InventoryError
from canhgac.services.inventory_page import MAX_UPLOAD, check_upload
from canhgac.services.inventory_store import InventoryApplyError, apply_checked_upload
from canhgac.services.inventory_store import current_inventory as applied_inventory
from canhgac.web.api.auth import viewer
from canhgac.web.api.errors import COMMON_ERRORS, ApiError, ErrorBody
from canhgac.web.client import client_address

router = Router(tags=["inventory"])


class AppliedInventoryOut(Schema):
    document_id: int
    name: str
    sha256: str
    applied_at: datetime
    applied_by: str
    source: str
    province_code: str
    province_name: str
    agencies: int
    content: str  # the YAML, as applied


class ProblemOut(Schema):
    line: int | None
    column: int | None
    field: str
    message: str


class AgencyChangeOut(Schema):
    code: str
    name: str
    fields: list[dict[str, str]]  # {"field": name|kind|parent, "before": …, "after": …}
    assets_added: list[str]  # kind:value
    assets_removed: list[str]


class CheckedOut(Schema):
    name: str
    valid: bool
    problems: list[ProblemOut]
    document_id: int | None  # apply it with POST /inventory/apply
    agencies: int | None
    added: list[str]  # agency codes
    removed: list[str]  # no longer listed: they turn inactive
    changed: list[AgencyChangeOut]
    unchanged: int


class ApplyIn(Schema):
    document_id: int


class AppliedOut(Schema):
    document_id: int
    name: str
    added: list[str]
    changed: list[str]
    deactivated: list[str]
    assets_added: int
    assets_removed: int


def _csirt(request: HttpRequest) -> Any:
    who = viewer(request)
    if not works_for_csirt(who.role):
        raise ApiError(403, _("only the CSIRT (administrators and analysts) works on the inventory"))
    return who


@router.get("/inventory", response={200: AppliedInventoryOut, **COMMON_ERRORS},
            summary="The applied inventory")
def get_inventory(request: HttpRequest) -> dict[str, Any]:
    """The inventory applied last (by ``canhgac scan FILE``, the console or this API), as YAML."""
    _csirt(request)
    try:
        stored = applied_inventory()
    except InventoryError as exc:
        raise ApiError(500, str(exc)) from None
    if stored is None:
        raise ApiError(404, _("no inventory was applied yet: check and apply one, or scan a file"))
    inv = stored.inventory
    return {"document_id": stored.document_id, "name": stored.name, "sha256": stored.sha256,
            "applied_at": stored.applied_at, "applied_by": stored.applied_by, "source": stored.source,
            "province_code": inv.province.code, "province_name": inv.province.name,
            "agencies": len(inv.agencies), "content": stored.content}


@router.post("/inventory/check", response={200: CheckedOut, 400: ErrorBody, **COMMON_ERRORS},
             summary="Check a new inventory file and compare it")
def check_inventory_file(request: HttpRequest, file: File[UploadedFile]) -> dict[str, Any]:
    """Check a YAML or CSV inventory as ``canhgac inventory check`` does (its problems with their
    lines), compare a valid one with the current inventory, and keep it for applying."""
    who = _csirt(request)
    data = file.read(MAX_UPLOAD + 1)
    checked = check_upload(who.scope, file.name or "", data, keep_for=who.username)
    diff = checked.diff
    if checked.problems or diff is None or checked.summary is None:
        return {"name": checked.name, "valid": False, "document_id": None, "agencies": None,
                "problems": [{"line": p.line, "column": p.column, "field": p.path, "message": p.message}
                             for p in checked.problems],
                "added": [], "removed": [], "changed": [], "unchanged": 0}
    return {
        "name": checked.name, "valid": True, "problems": [], "document_id": checked.document_id,
        "agencies": checked.summary.agencies,
        "added": [a.code for a in diff.added], "removed": [a.code for a in diff.removed],
        "changed": [{"code": c.code, "name": c.name,
                     "fields": [{"field": f.field, "before": f.before, "after": f.after} for f in c.fields],
                     "assets_added": [f"{k}:{v}" for k, v in c.assets_added],
                     "assets_removed": [f"{k}:{v}" for k, v in c.assets_removed]} for c in diff.changed],
        "unchanged": diff.unchanged,
    }


@router.post("/inventory/apply", response={200: AppliedOut, 400: ErrorBody, 409: ErrorBody, **COMMON_ERRORS},
             summary="Apply a checked inventory")
def apply_inventory(request: HttpRequest, body: ApplyIn) -> dict[str, Any]:
    """Make a checked file the inventory: the agencies follow it now, the console scans it."""
    who = _csirt(request)
    if not 0 < body.document_id < 2**63:
        raise ApiError(404, _("there is no checked inventory {document}").format(document=body.document_id))
    try:
        applied = apply_checked_upload(who.scope, body.document_id, applied_by=who.username,
                                       address=client_address(request))
    except InventoryApplyError as exc:
        if exc.reason == InventoryApplyError.STALE:
            raise ApiError(409, _("another inventory was applied since this file was checked: "
                                  "check it again"), "conflict") from None
        raise ApiError(404, _("there is no checked inventory {document}").format(
            document=body.document_id)) from None
    except InventoryError as exc:
        raise ApiError(422, str(exc)) from None
    return {"document_id": applied.document_id, "name": applied.name, "added": list(applied.created),
            "changed": list(applied.updated), "deactivated": list(applied.deactivated),
            "assets_added": applied.assets_added, "assets_removed": applied.assets_removed}
