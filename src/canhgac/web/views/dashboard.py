"""The province dashboard: every agency the viewer may see, graded, worst first, with how.

Its body (hundreds of agencies with their grades' arithmetic) costs far more to render than the
page around it, and is the same for every viewer of one scope until the store changes: it is
rendered once per ``dashboard_key`` and kept, in this process and in the console's shared cache
(the workspace's ``cache`` folder), so the other serving processes of ``serve --workers`` read
it rather than build the dashboard again; only the layout (the user, the menu) is rendered per
request."""

from __future__ import annotations

from contextlib import suppress

from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from canhgac.console.store.queries.viewers import Viewer
from canhgac.console.store.roles import Role
from canhgac.services.dashboard import dashboard_key, province_dashboard
from canhgac.services.kept import Kept
from canhgac.web.access import console_page, page_context
from canhgac.web.jinja import current_language

BODIES_KEPT = 16  # rendered bodies (scopes x languages), a few hundred kB each at 300 agencies
_bodies: Kept[SafeString] = Kept(BODIES_KEPT)


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
    lang = current_language()
    key = dashboard_key(viewer.scope, lang)  # type: ignore[arg-type]

    def body() -> SafeString:
        shared = caches["shared"]
        kept = shared.get(key)
        if isinstance(kept, str):
            return mark_safe(kept)  # noqa: S308 - rendered here, by another process of this console
        board = province_dashboard(viewer.scope, lang)  # type: ignore[arg-type]
        html = render_to_string("console/_dashboard_body.html", {"board": board})
        with suppress(OSError):  # a read-only or full workspace: this process keeps it all the same
            shared.set(key, html)
        return mark_safe(html)  # noqa: S308 - autoescaped by the template

    page = page_context(request, viewer, body=_bodies.get_or_build(key, body))
    return render(request, "console/dashboard.html", page)
