"""``/reports/province.json`` and ``/reports/agency/{code}.json``: the reports' JSON export
(``services.api_views.report_json``, the document ``canhgac report --format json`` writes) built from
the store with the caller's scope. The province report is the CSIRT's and leaders'; an agency
officer reads their own agencies' reports only (another code answers 404, as an unknown one)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Query, Router, Schema

from canhgac.console.store.roles import sees_every_agency
from canhgac.i18n import gettext as _
from canhgac.services.api_views import ReportNotReadyError, report_json
from canhgac.services.reporting import NoRunError, UnknownAgencyError
from canhgac.web.api.auth import viewer
from canhgac.web.api.errors import COMMON_ERRORS, ApiError, ErrorBody

router = Router(tags=["reports"])
ERRORS = {**COMMON_ERRORS, 409: ErrorBody}


class ReportLanguage(StrEnum):
    VI = "vi"
    EN = "en"


class ReportParams(Schema):
    lang: ReportLanguage | None = None  # default: the caller's language
    run: int | None = Field(None, ge=1, le=2**62)  # one run's report; default: the current state


def _report(request: HttpRequest, params: ReportParams, agency: str | None) -> HttpResponse:
    who = viewer(request)
    lang = params.lang.value if params.lang else who.language
    try:
        body = report_json(who.scope, agency=agency, run=params.run, lang=lang)
    except (NoRunError, UnknownAgencyError) as exc:
        raise ApiError(404, str(exc)) from None
    except ReportNotReadyError as exc:
        raise ApiError(409, str(exc)) from None
    return HttpResponse(body, content_type="application/json; charset=utf-8")


@router.get("/reports/province.json", response={200: dict[str, Any], **ERRORS},
            summary="The province report (JSON)")
def province_report(request: HttpRequest, params: Query[ReportParams]) -> HttpResponse:
    """Every agency's grades, findings and changes, as ``canhgac report --format json``."""
    if not sees_every_agency(viewer(request).role):
        raise ApiError(403, _("the province report is for the CSIRT and the province's leaders; "
                              "read your agency's report instead"))
    return _report(request, params, None)


@router.get("/reports/agency/{code}.json", response={200: dict[str, Any], **ERRORS},
            summary="One agency's report (JSON)")
def agency_report(request: HttpRequest, code: Path[str], params: Query[ReportParams]) -> HttpResponse:
    """One agency's report, as ``canhgac report --agency CODE --format json``."""
    return _report(request, params, code)
