"""The log detections' pages: ``/logs/`` the detections of the agencies the viewer may see (rule
title in the reader's language, severity, agency, group, window, count, clients, accounts),
filtered by agency, rule and least severity; ``/logs/<fingerprint>/`` one detection with its
evidence lines.

Reads go through ``services.log_pages`` within the viewer's scope: an agency officer sees only
their agencies' detections; another agency's is the 404 of a page that does not exist.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from canhgac.console.store.queries.viewers import Viewer
from canhgac.services import log_pages as svc
from canhgac.services.watch_pages import agency_choices
from canhgac.web.access import console_page, page_context

LIMIT = 500


def _param(request: HttpRequest, name: str, size: int = 128) -> str:
    return request.GET.get(name, "").strip()[:size]


@require_GET
@console_page()
def detections(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    chosen = svc.DetectionFilter(
        agency=_param(request, "agency", 64),
        rule=_param(request, "rule"),
        severity=_param(request, "severity", 16) if _param(request, "severity", 16) in svc.SEVERITIES else "",
        open_only=request.GET.get("closed") != "1",
    )
    rows = svc.detections(viewer.scope, chosen, limit=LIMIT)
    rules = svc.rules_seen(viewer.scope)
    return render(
        request,
        "console/logs/detections.html",
        page_context(
            request, viewer, rows=rows, chosen=chosen, agencies=agency_choices(viewer.scope),
            rules=[(r, svc.rule_title(r)) for r in rules],
            titles={r.rule_id: svc.rule_title(r.rule_id) for r in rows},
            severities=svc.SEVERITIES, limit=LIMIT,
        ),
    )


@require_GET
@console_page()
def detection(request: HttpRequest, viewer: Viewer, fingerprint: str) -> HttpResponse:
    found = svc.detection(viewer.scope, fingerprint)
    if found is None:
        raise Http404
    return render(
        request,
        "console/logs/detection.html",
        page_context(request, viewer, d=found, title=svc.rule_title(found.row.rule_id)),
    )
