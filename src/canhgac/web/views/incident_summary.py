"""``/incidents/report-05/``: the half-year or annual summary of incidents (form 05 of Circular
20/2017/TT-BTTTT) for a period: its counts per form-05 type and per who handled them, beside them
per severity, state and agency, the due day, and the DOCX to download (``download=1``).

A read: everyone who may see incidents may see it, within their scope (an agency officer's page
counts their own agencies' incidents). Built by ``services.incident_summary``, as
``canhgac incidents report 05`` and ``GET /api/v1/forms/05`` do.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from canhgac.console.store.queries.viewers import Viewer
from canhgac.services import incidents
from canhgac.services.incident_forms import IncidentFormError
from canhgac.services.incident_summary import (
    PeriodError,
    current_period,
    parse_period,
    summary_form,
    summary_page,
    summary_settings,
)
from canhgac.services.watch_pages import agency_choices
from canhgac.web.access import console_page, page_context

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@console_page()
@require_GET
def report_05(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    now = timezone.now()
    config, error = summary_settings()
    agencies = agency_choices(viewer.scope)
    agency = str(request.GET.get("agency", "")).strip()[:64] or None
    if agency is not None and agency not in {code for code, _name in agencies}:
        raise Http404
    asked = str(request.GET.get("period", "")).strip()[:16]
    try:
        period = (
            parse_period(asked) if asked else current_period(now, config.summary_due("half-year", now.year))
        )
    except PeriodError as exc:
        period, error = current_period(now, config.summary_due("half-year", now.year)), str(exc)
    number = str(request.GET.get("number", "")).strip()[:60]
    status = 200
    if request.GET.get("download") and not error:
        try:
            made = summary_form(viewer.scope, period, config, agency=agency, number=number, now=now)
        except IncidentFormError as exc:
            error, status = str(exc), 400
        else:
            response = HttpResponse(made.docx, content_type=DOCX)
            response["Content-Disposition"] = f'attachment; filename="{made.filename}"'
            return response
    page = summary_page(viewer.scope, period, config, now, agency)
    context: dict[str, Any] = {
        "page": page,
        "agencies": agencies,
        "agency": agency or "",
        "number": number,
        "error": error,
        "state_label": lambda value: _state(value),
    }
    return render(
        request, "console/incident_summary.html", page_context(request, viewer, **context), status=status
    )


def _state(value: str) -> str:
    try:
        return str(incidents.State(value).label())
    except ValueError:
        return value
