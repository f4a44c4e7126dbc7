"""The province dashboard: every agency the viewer may see, graded, worst first, with how."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from canhgac.console.store.queries.viewers import Viewer
from canhgac.console.store.roles import Role
from canhgac.services.dashboard import province_dashboard
from canhgac.web.access import console_page, page_context
from canhgac.web.jinja import current_language


@console_page()
@require_GET
def home(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    """Where a login lands: an officer of one agency on that agency's page, others on the dashboard."""
    if viewer.role is Role.AGENCY_OFFICER and len(viewer.agencies) == 1:
        return HttpResponseRedirect(reverse("agency", args=[viewer.agencies[0]]))
    return HttpResponseRedirect(reverse("dashboard"))


@console_page()
@require_GET
def dashboard(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    board = province_dashboard(viewer.scope, current_language())  # type: ignore[arg-type]
    return render(request, "console/dashboard.html", page_context(request, viewer, board=board))
