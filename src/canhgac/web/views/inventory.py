"""The inventory page, for the CSIRT: the store's inventory, and an uploaded file checked and
compared with it (``services.inventory_page``). Nothing is applied here: the next
``canhgac scan FILE`` brings the store's inventory to the file's."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from canhgac.console.store.queries.viewers import Viewer
from canhgac.console.store.roles import works_for_csirt
from canhgac.services.inventory_page import MAX_UPLOAD, CheckedUpload, check_upload, current_inventory
from canhgac.web.access import console_page, page_context


def _checked(request: HttpRequest, viewer: Viewer) -> CheckedUpload | None:
    upload = request.FILES.get("inventory")
    if upload is None:
        return None
    data = upload.read(MAX_UPLOAD + 1)  # one byte more than allowed says "too large"
    return check_upload(viewer.scope, upload.name or "", data)


@console_page()
@require_http_methods(["GET", "POST"])
def inventory(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    if not works_for_csirt(viewer.role):
        return render(request, "console/forbidden.html", {"viewer": viewer}, status=403)
    checked = _checked(request, viewer) if request.method == "POST" else None
    status = 400 if (request.method == "POST" and (checked is None or checked.problems)) else 200
    return render(request, "console/inventory.html", page_context(
        request, viewer, current=current_inventory(viewer.scope), checked=checked,
        missing_file=request.method == "POST" and checked is None), status=status)
