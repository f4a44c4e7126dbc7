"""The scans pages: launch a scan (the CSIRT), follow a launch's progress (htmx polls a fragment,
or the page reloads without JavaScript), list the runs with who launched them, read one run's
provenance; and retest one finding from its page. Writes and reads are ``services``'s
(``scan_launches``, ``scan_pages``); another agency's finding or launch is "not found"."""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from canhgac.console.store.queries.viewers import Viewer
from canhgac.console.store.roles import may_launch_scans
from canhgac.services.console_scan import inventory_agencies
from canhgac.services.scan_launches import (
    LaunchForbiddenError,
    LaunchRefusedError,
    launch_retest,
    launch_scan,
    scan_families,
)
from canhgac.services.scan_pages import launch_view, recent_launches, run_detail, runs_page
from canhgac.web.access import console_page, page_context
from canhgac.web.client import client_address

STOP_POLLING = 286  # htmx stops polling on this status (and swaps the final fragment in)


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and len(raw) <= 6 else 1


def _scans_page(request: HttpRequest, viewer: Viewer, *, error: str = "", field: str | None = None,
                asked: dict[str, str] | None = None, status: int = 200) -> HttpResponse:
    launcher = may_launch_scans(viewer.role)
    agencies = inventory_agencies() if launcher else []
    return render(request, "console/scans.html", page_context(
        request, viewer, may_launch=launcher, agencies=agencies, families=scan_families() if launcher else [],
        no_inventory=launcher and not agencies, launches=recent_launches(viewer.scope),
        runs=runs_page(viewer.scope, _page_number(request)), error=error, error_field=field,
        asked=asked or {}), status=status)


@console_page()
@require_http_methods(["GET", "POST"])
def scans(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    if request.method == "GET":
        return _scans_page(request, viewer)
    if not may_launch_scans(viewer.role):
        return render(request, "console/forbidden.html", page_context(request, viewer), status=403)
    asked = {name: str(request.POST.get(name, ""))[:200] for name in ("agency", "family")}
    try:
        launch = launch_scan(viewer, agency=asked["agency"], family=asked["family"],
                             address=client_address(request))
    except LaunchForbiddenError:
        return render(request, "console/forbidden.html", page_context(request, viewer), status=403)
    except LaunchRefusedError as exc:
        return _scans_page(request, viewer, error=str(exc), field=exc.field, asked=asked, status=400)
    return HttpResponseRedirect(reverse("scan-launch", args=[launch.pk]))


def _launch_or_404(viewer: Viewer, launch_id: int) -> object:
    found = launch_view(viewer.scope, launch_id)
    if found is None:
        raise Http404
    return found


@console_page()
@require_GET
def launch(request: HttpRequest, viewer: Viewer, launch_id: int) -> HttpResponse:
    return render(request, "console/scan_launch.html", page_context(
        request, viewer, launch=_launch_or_404(viewer, launch_id)))


@console_page()
@require_GET
def launch_progress(request: HttpRequest, viewer: Viewer, launch_id: int) -> HttpResponse:
    """The progress fragment htmx polls; 286 once the launch has ended (polling stops)."""
    found = _launch_or_404(viewer, launch_id)
    response = render(request, "console/_launch_progress.html", page_context(request, viewer, launch=found))
    if getattr(found, "ended", False):
        response.status_code = STOP_POLLING
    return response


@console_page()
@require_GET
def run(request: HttpRequest, viewer: Viewer, run_id: int) -> HttpResponse:
    detail = run_detail(viewer.scope, run_id)
    if detail is None:
        raise Http404
    return render(request, "console/scan_run.html", page_context(
        request, viewer, detail=detail, settings_text=_json_text(detail.parameters),
        filters_text=_json_text(detail.filters)))


def _json_text(value: object) -> str:
    """Stored settings as indented JSON, Vietnamese names as written (not escaped)."""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str) if value else ""


@console_page()
@require_POST
def retest(request: HttpRequest, viewer: Viewer, fingerprint: str) -> HttpResponse:
    """Retest one finding (its page's button); another agency's answers 404 as an unknown one."""
    try:
        launched = launch_retest(viewer, fingerprint, address=client_address(request))
    except LaunchForbiddenError:
        return render(request, "console/forbidden.html", page_context(request, viewer), status=403)
    except LookupError:
        raise Http404 from None
    return HttpResponseRedirect(reverse("scan-launch", args=[launched.pk]))
