"""The inventory page, for the CSIRT: the store's inventory, an uploaded file checked and
compared with it (``services.inventory_page``), and applying the checked file
(``services.inventory_store``): exactly what was compared becomes the inventory the console
scans, and the agencies follow it at once."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from canhgac.console.store.queries.viewers import Viewer
from canhgac.console.store.roles import works_for_csirt
from canhgac.i18n import gettext as _
from canhgac.services.inventory import InventoryError
from canhgac.services.inventory_page import MAX_UPLOAD, CheckedUpload, check_upload, current_inventory
from canhgac.services.inventory_store import (
    AppliedInventory,
    InventoryApplyError,
    applied_history,
    apply_checked_upload,
)
from canhgac.web.access import console_page, page_context
from canhgac.web.client import client_address


def _checked(request: HttpRequest, viewer: Viewer) -> CheckedUpload | None:
    upload = request.FILES.get("inventory")
    if upload is None:
        return None
    data = upload.read(MAX_UPLOAD + 1)  # one byte more than allowed says "too large"
    return check_upload(viewer.scope, upload.name or "", data, keep_for=viewer.username)


def _apply(request: HttpRequest, viewer: Viewer) -> tuple[AppliedInventory | None, str]:
    """Apply the checked document the form names; what it changed, or why it was refused."""
    try:
        document = int(request.POST.get("document", ""))
    except ValueError:
        return None, _("Check the file first: there is nothing to apply.")
    try:
        return apply_checked_upload(viewer.scope, document, applied_by=viewer.username,
                                    address=client_address(request)), ""
    except InventoryApplyError as exc:
        if exc.reason == InventoryApplyError.STALE:
            return None, _("The inventory was changed since this file was checked: check the file again "
                           "to see what it would change now.")
        return None, _("This file was already applied, or is no longer kept: check it again.")
    except InventoryError as exc:
        return None, str(exc)


@console_page()
@require_http_methods(["GET", "POST"])
def inventory(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    if not works_for_csirt(viewer.role):
        return render(request, "console/forbidden.html", {"viewer": viewer}, status=403)
    checked: CheckedUpload | None = None
    applied: AppliedInventory | None = None
    refusal = ""
    if request.method == "POST" and request.POST.get("action") == "apply":
        applied, refusal = _apply(request, viewer)
    elif request.method == "POST":
        checked = _checked(request, viewer)
    failed = request.method == "POST" and (
        bool(refusal) or (applied is None and (checked is None or bool(checked.problems))))
    return render(request, "console/inventory.html", page_context(
        request, viewer, current=current_inventory(viewer.scope), checked=checked, applied=applied,
        refusal=refusal, history=applied_history(viewer.scope),
        missing_file=request.method == "POST" and checked is None and applied is None and not refusal),
        status=400 if failed else 200)
