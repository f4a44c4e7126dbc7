"""``/forms/05``: the half-year or annual summary of incidents (form 05 of Circular 20/2017/TT-BTTTT)
made from the stored incidents, as DOCX, or its counts as JSON (``format=json``).

The caller's scope decides what is counted: an agency officer's summary counts their own
agencies' incidents only (``agency`` of another agency answers 404, as one that does not exist).
Everyone who may read incidents may read it: the document is not recorded anywhere. Built by
``services.incident_summary``, as ``canhgac incidents report 05`` does.
"""

from __future__ import annotations

from enum import StrEnum

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from canhgac.i18n import gettext as _
from canhgac.services import incident_pages as pages
from canhgac.services.incident_forms import IncidentFormError
from canhgac.services.incident_summary import (
    PeriodError,
    current_period,
    parse_period,
    summary_form,
    summary_json,
)
from canhgac.web.api.auth import viewer
from canhgac.web.api.errors import COMMON_ERRORS, ApiError, ErrorBody

router = Router(tags=["forms"])
ERRORS = {**COMMON_ERRORS, 409: ErrorBody}  # 409: the [forms] table lacks what the form needs
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class Output(StrEnum):
    DOCX = "docx"
    JSON = "json"


class SummaryParams(Schema):
    period: str = Field("", max_length=16)  # 2026, 2026H1, 2026H2 (Vietnam's time); default: due next
    agency: str = Field("", max_length=64)  # only this agency's incidents
    number: str = Field("", max_length=60)  # the document's number; default a draft "……/…"
    format: Output = Output.DOCX


@router.get(
    "/forms/05",
    response={200: bytes, **ERRORS},
    openapi_extra={
        "responses": {
            "200": {
                "description": "The document (DOCX), or its counts (JSON, format=json)",
                "content": {
                    DOCX: {"schema": {"type": "string", "format": "binary"}},
                    "application/json": {"schema": {"type": "object"}},
                },
            }
        }
    },
    summary="The half-year or annual summary of incidents (form 05) as DOCX or JSON",
)
def summary(request: HttpRequest, params: Query[SummaryParams]) -> HttpResponse:
    """Form 05 of ``period``: the incidents detected in it that the caller may see, per form-05
    type and per who handled them; the due day is ``due`` in the JSON."""
    who = viewer(request)
    now = timezone.now()
    try:
        config = pages.page_forms_config()
    except ValueError as exc:
        raise ApiError(409, str(exc)) from None
    try:
        period = (
            parse_period(params.period)
            if params.period
            else current_period(now, config.summary_due("half-year", now.year))
        )
    except PeriodError as exc:
        raise ApiError(422, str(exc)) from None
    agency = params.agency.strip() or None
    if agency is not None and not who.scope.allows(agency):
        raise ApiError(404, _("no agency {code} in your agencies").format(code=agency))
    try:
        made = summary_form(who.scope, period, config, agency=agency, number=params.number, now=now)
    except IncidentFormError as exc:
        if agency is not None and agency in str(exc):
            raise ApiError(404, str(exc)) from None
        raise ApiError(409, str(exc)) from None
    if params.format == Output.JSON:
        return JsonResponse(summary_json(made.counts, period, config, agency) | {"number": made.number})
    response = HttpResponse(made.docx, content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{made.filename}"'
    return response
