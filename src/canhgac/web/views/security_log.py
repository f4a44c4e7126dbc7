"""The security log, for administrators: logins and failures, lockouts, account changes."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from canhgac.console.store.account_models import SecurityEventKind
from canhgac.console.store.queries.viewers import Viewer, security_events
from canhgac.web.access import console_page, page_context

LIMIT = 200


@console_page(admin=True)
@require_GET
def security_log(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    kind = request.GET.get("kind", "")
    kind = kind if kind in SecurityEventKind.values else ""
    username = request.GET.get("user", "").strip()[:150]
    events = list(security_events(kind=kind or None, username=username or None, limit=LIMIT))
    return render(request, "console/security_log.html", page_context(
        request, viewer, events=events, kinds=SecurityEventKind.values, kind=kind, user=username,
        limit=LIMIT))
