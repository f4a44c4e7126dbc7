"""One agency's page: grade and how, findings by clause with evidence and remediation, assets.

The agency is looked up with the viewer's scope: another agency's page is "not found", exactly
as a code that does not exist.
"""

from __future__ import annotations

import re

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from canhgac.console.store.queries.viewers import Viewer
from canhgac.services.agency_page import agency_page
from canhgac.web.access import console_page, page_context
from canhgac.web.jinja import current_language

AGENCY_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


@console_page()
@require_GET
def agency(request: HttpRequest, viewer: Viewer, code: str) -> HttpResponse:
    page = None
    if AGENCY_CODE.fullmatch(code):  # anything else names no agency (nor reaches the database)
        page = agency_page(viewer.scope, code, current_language())  # type: ignore[arg-type]
    if page is None:
        raise Http404
    return render(request, "console/agency.html", page_context(request, viewer, page=page))
