"""The host sweep's pages: ``/sweep/`` the coverage per agency (computers swept, the last sweep,
the pack it used, open hits, computers not swept for ``STALE_DAYS`` flagged), ``/sweep/<code>/``
an agency's computers, ``/sweep/hosts/<id>/`` one computer (its facts, its pinned key, its runs
with what was skipped and why, the last run's hits, a link to its findings) where the CSIRT can
forget the pinned key after a reinstall (POST ``…/unpin/``).

Reads go through ``services.sweep_pages`` within the viewer's scope: an agency officer sees only
their agencies, anything else is the 404 of a page that does not exist.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from canhgac.console.store.queries.viewers import Viewer
from canhgac.console.store.roles import works_for_csirt
from canhgac.services import sweep_pages as svc
from canhgac.services import sweep_results
from canhgac.web.access import console_page, page_context

MAX_ID = 2**62


def _stale_before() -> datetime:
    return datetime.now(UTC) - timedelta(days=svc.STALE_DAYS)


def key_fingerprint(public_key: str) -> str:
    """A pinned key as people compare it: the first 16 hex digits of its SHA-256, in fours."""
    try:
        digest = hashlib.sha256(base64.b64decode(public_key)).hexdigest()[:16]
    except ValueError:
        return ""
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


@require_GET
@console_page()
def coverage(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    rows = svc.coverage(viewer.scope, stale_before=_stale_before())
    return render(
        request,
        "console/sweep/coverage.html",
        page_context(request, viewer, rows=rows, stale_days=svc.STALE_DAYS),
    )


@require_GET
@console_page()
def agency(request: HttpRequest, viewer: Viewer, code: str) -> HttpResponse:
    found = next(
        (r for r in svc.coverage(viewer.scope, stale_before=_stale_before()) if r.code == code), None
    )
    if found is None:
        raise Http404
    return render(
        request,
        "console/sweep/agency.html",
        page_context(request, viewer, a=found, stale_before=_stale_before(), stale_days=svc.STALE_DAYS),
    )


@require_GET
@console_page()
def host(request: HttpRequest, viewer: Viewer, host_id: int) -> HttpResponse:
    found = svc.host_detail(viewer.scope, host_id) if 0 < host_id <= MAX_ID else None
    if found is None:
        raise Http404
    return render(
        request,
        "console/sweep/host.html",
        page_context(
            request,
            viewer,
            h=found,
            last=found.runs[0] if found.runs else None,
            key=key_fingerprint(found.public_key),
            may_unpin=works_for_csirt(viewer.role),
            stale=found.row.last_swept_at is None or found.row.last_swept_at < _stale_before(),
            unpinned=request.GET.get("unpinned") == "1",
            stale_days=svc.STALE_DAYS,
        ),
    )


@require_POST
@console_page()
def unpin(request: HttpRequest, viewer: Viewer, host_id: int) -> HttpResponse:
    found = svc.host_detail(viewer.scope, host_id) if 0 < host_id <= MAX_ID else None
    if found is None:
        raise Http404
    if not works_for_csirt(viewer.role):
        return render(request, "console/forbidden.html", page_context(request, viewer), status=403)
    sweep_results.unpin(viewer.scope, found.row.agency, found.row.name, viewer.username)
    return HttpResponseRedirect(reverse("sweep-host", args=[host_id]) + "?unpinned=1")
