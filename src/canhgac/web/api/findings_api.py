"""``/findings``: the filtered, paginated list, one finding with its history, and triage.

Filters are checked and resolved by ``services.finding_filters`` (an unknown agency, family or
clause is a 422 naming the closest known values); the list is filtered, sorted, counted and
sliced in the database by ``queries.filtered_findings`` with the caller's scope. A finding of
an agency the caller may not see answers 404, exactly as one that does not exist. Triage goes
through ``services.api_views.triage_as`` (the store's ``TriageChange`` audit rows and the
security log).
"""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router

from canhgac.console.store.roles import may_triage
from canhgac.i18n import gettext as _
from canhgac.services.api_views import TriageRefusedError, finding_page, triage_as
from canhgac.services.dashboard import console_catalog
from canhgac.services.finding_filters import FilterError, FindingQuery, UnknownValueError, split_values
from canhgac.services.findings import finding_detail
from canhgac.web.api.auth import via, viewer
from canhgac.web.api.errors import COMMON_ERRORS, ApiError, ErrorBody
from canhgac.web.api.schemas import FindingDetailOut, FindingPage, FindingParams, TriageIn
from canhgac.web.client import client_address

router = Router(tags=["findings"])
FINGERPRINT = r"^[0-9a-f]{32}$"


def _query(params: FindingParams) -> FindingQuery:
    return FindingQuery(
        agencies=split_values(params.agency),
        severities=tuple(s.value for s in params.severity),
        min_severity=params.min_severity.value if params.min_severity else None,
        lifecycles=tuple(state.value for state in params.lifecycle),
        include_fixed=params.all,
        triage=tuple(state.value for state in params.triage),
        families=split_values(params.family),
        clauses=split_values(params.clause),
        text=params.text,
        sort=params.sort.value,
        reverse=params.reverse,
    )


@router.get("/findings", response={200: FindingPage, **COMMON_ERRORS}, summary="List findings")
def list_findings(request: HttpRequest, params: Query[FindingParams]) -> dict[str, Any]:
    """Findings of the agencies the caller may see (open ones unless ``lifecycle`` or ``all``)."""
    who = viewer(request)
    catalog = console_catalog()
    try:
        total, rows = finding_page(_query(params), catalog, who.language, who.scope,
                                   params.offset, params.limit)
    except UnknownValueError as exc:  # worded for the CLI's option: name the API's parameter
        named = exc.option.lstrip("-").replace("-", "_")
        raise ApiError(422, str(exc).replace(exc.option, named, 1)) from None
    except FilterError as exc:  # likewise, every option it names (it echoes no input)
        raise ApiError(422, re.sub(r"--([a-z][a-z-]*)", lambda m: m[1].replace("-", "_"), str(exc))) from None
    items = [asdict(row) for row in rows]
    end = params.offset + len(rows)
    return {"items": items, "total": total, "limit": params.limit, "offset": params.offset,
            "next_offset": end if end < total else None}


def _detail(fingerprint: str, request: HttpRequest) -> dict[str, Any]:
    who = viewer(request)
    try:
        detail = finding_detail(fingerprint, console_catalog(), who.language, who.scope)
    except LookupError:
        raise ApiError(404, _("there is no finding {fingerprint}").format(fingerprint=fingerprint)) from None
    return {**asdict(detail.row), "evidence": dict(detail.evidence),
            "history": [asdict(entry) for entry in detail.history]}


@router.get("/findings/{fingerprint}", response={200: FindingDetailOut, **COMMON_ERRORS},
            summary="One finding with its history")
def get_finding(request: HttpRequest, fingerprint: Path[str]) -> dict[str, Any]:
    """A finding by its full fingerprint (32 hex digits), with evidence and history."""
    return _detail(_fingerprint(fingerprint), request)


def _fingerprint(value: str) -> str:
    """A full fingerprint; anything else names no finding (404, as one of another agency)."""
    if not re.fullmatch(FINGERPRINT, value):
        raise ApiError(404, _("there is no finding {fingerprint}").format(fingerprint=value[:64]))
    return value


@router.post("/findings/{fingerprint}/triage", summary="Record a triage decision",
             response={200: FindingDetailOut, 400: ErrorBody, **COMMON_ERRORS})
def triage_finding(request: HttpRequest, fingerprint: Path[str], decision: TriageIn) -> dict[str, Any]:
    """Set triage status, and optionally assignee and note; written to the triage audit log."""
    who = viewer(request)
    wanted = _fingerprint(fingerprint)
    if not may_triage(who.role):  # the pages' rule: the CSIRT, and officers within their scope
        raise ApiError(403, _("your role may not triage findings"))
    try:
        triage_as(who, wanted, status=decision.status.value, assignee=decision.assignee, note=decision.note,
                  accepted_until=decision.accepted_until, address=client_address(request), via=via(request))
    except TriageRefusedError as exc:
        raise ApiError(422, str(exc)) from None
    except LookupError:
        raise ApiError(404, _("there is no finding {fingerprint}").format(fingerprint=wanted)) from None
    return _detail(wanted, request)
