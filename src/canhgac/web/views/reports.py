"""The reports page and its downloads: the province report and each agency's, HTML/JSON/CSV.

A download is the file ``canhgac report`` writes (``services.report_downloads``), sent as an
attachment and logged as an ``export`` security event with who, from where, which report.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from canhgac.console.store.account_models import SecurityEventKind
from canhgac.console.store.accounts import record_event
from canhgac.console.store.queries.viewers import Viewer
from canhgac.console.store.roles import sees_every_agency
from canhgac.services.dashboard import console_catalog
from canhgac.services.report_downloads import NoRunError, ReportNotAvailableError, report_choices, report_file
from canhgac.web.access import console_page, page_context
from canhgac.web.client import client_address
from canhgac.web.jinja import current_language
from canhgac.web.views.agency import AGENCY_CODE


@console_page()
@require_GET
def reports(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    choices = report_choices(viewer.scope, sees_every_agency(viewer.role))
    return render(request, "console/reports.html", page_context(request, viewer, choices=choices))


def _download(request: HttpRequest, viewer: Viewer, fmt: str, agency: str | None) -> HttpResponse:
    if agency is not None and not AGENCY_CODE.fullmatch(agency):
        raise Http404
    try:
        found = report_file(viewer.scope, sees_every_agency(viewer.role), fmt,
                            current_language(), agency=agency, catalog=console_catalog())  # type: ignore[arg-type]
    except (ReportNotAvailableError, NoRunError):
        raise Http404 from None
    record_event(SecurityEventKind.EXPORT, username=viewer.username, actor=viewer.username,
                 address=client_address(request),
                 detail={"report": "agency" if agency else "province", "agency": agency or "",
                         "format": fmt, "file": found.name})
    answer = HttpResponse(found.content, content_type=found.content_type)
    answer["Content-Disposition"] = f'attachment; filename="{found.name}"'
    return answer


@console_page()
@require_GET
def province_report(request: HttpRequest, viewer: Viewer, fmt: str) -> HttpResponse:
    return _download(request, viewer, fmt, None)


@console_page()
@require_GET
def agency_report(request: HttpRequest, viewer: Viewer, code: str, fmt: str) -> HttpResponse:
    return _download(request, viewer, fmt, code)
