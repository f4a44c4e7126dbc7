"""The watch's people pages: the duty roster (who holds each role now, the shifts by day, the
gaps; importing the department's CSV) and the delivery outbox (every alert message and where it
stands; queueing one that was given up again). The CSIRT's own people and addresses: a viewer
of every agency reads them, an agency officer is refused (403); the CSIRT's administrators and
analysts import and re-queue. Reads are ``services.watch_roster``'s and
``services.watch_outbox``'s, writes ``services.duty``'s and ``services.watch_outbox``'s."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from canhgac.console.store.queries.viewers import Viewer
from canhgac.console.store.roles import works_for_csirt
from canhgac.i18n import gettext as _
from canhgac.services import duty, watch_outbox
from canhgac.services.watch_roster import roster
from canhgac.web.access import console_page, page_context
from canhgac.web.client import client_address


def _forbidden(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    return render(request, "console/forbidden.html", page_context(request, viewer), status=403)


def _roster_page(
    request: HttpRequest, viewer: Viewer, *, error: str = "", status: int = 200
) -> HttpResponse:
    imported = request.GET.get("imported", "")
    return render(request, "console/watch_roster.html", page_context(
        request, viewer, roster=roster(viewer.scope, timezone.now()), error=error,
        imported=int(imported) if imported.isdigit() and len(imported) < 7 else None,
        imported_file=request.GET.get("file", "")[:300], may_import=works_for_csirt(viewer.role),
        max_upload=duty.MAX_UPLOAD), status=status)


@console_page()
def roster_page(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    """GET: the roster; POST: import a CSV (``file``, ``append``)."""
    if not viewer.scope.is_everything:
        return _forbidden(request, viewer)
    if request.method == "GET":
        return _roster_page(request, viewer)
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    upload = request.FILES.get("file")
    if upload is None:
        return _roster_page(request, viewer, error=_("choose the roster's CSV file"), status=400)
    try:
        name, count = duty.import_uploaded(
            viewer, upload.name or "", upload.read(duty.MAX_UPLOAD + 1),
            append=request.POST.get("append", "") in ("1", "on"), address=client_address(request))
    except duty.RosterForbiddenError:
        return _forbidden(request, viewer)
    except duty.RosterError as exc:
        return _roster_page(request, viewer, error=str(exc), status=400)
    return HttpResponseRedirect(reverse("watch-roster") + "?" + urlencode({"imported": count, "file": name}))


def _number(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None


@console_page()
def deliveries(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    if request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET"})
    if not viewer.scope.is_everything:
        return _forbidden(request, viewer)
    status, channel = request.GET.get("status", ""), request.GET.get("channel", "")
    alert_raw = request.GET.get("alert", "").strip()[:20]
    chosen = watch_outbox.DeliveryFilter(
        status=status if status in watch_outbox.STATUSES else "",
        channel=channel if channel in watch_outbox.CHANNELS else "",
        alert=_number(alert_raw) if alert_raw else None,
    )
    page_raw = request.GET.get("page", "1")
    number = int(page_raw) if page_raw.isdigit() and len(page_raw) <= 6 and int(page_raw) > 0 else 1
    found = watch_outbox.deliveries(viewer.scope, chosen, offset=(number - 1) * watch_outbox.PAGE)
    pages = max(1, -(-found.total // watch_outbox.PAGE))
    if number > pages:
        number = pages
        found = watch_outbox.deliveries(viewer.scope, chosen, offset=(number - 1) * watch_outbox.PAGE)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "console/watch_deliveries.html", page_context(
        request, viewer, page=found, number=number, pages=pages, chosen=chosen,
        statuses=watch_outbox.STATUSES, channels=watch_outbox.CHANNELS, query=query.urlencode(),
        may_requeue=works_for_csirt(viewer.role), requeued=_number(request.GET.get("requeued", "")[:20]),
        refused=request.GET.get("refused", "") == "1"))


@console_page()
@require_POST
def requeue(request: HttpRequest, viewer: Viewer, delivery_id: int) -> HttpResponse:
    back = reverse("watch-deliveries")
    try:
        watch_outbox.requeue(viewer, delivery_id, now=timezone.now(), address=client_address(request))
    except watch_outbox.DeliveryNotFoundError:
        if not viewer.scope.is_everything:
            return _forbidden(request, viewer)
        raise Http404 from None
    except watch_outbox.DeliveryForbiddenError:
        return _forbidden(request, viewer)
    except watch_outbox.DeliveryRefusedError:
        return HttpResponseRedirect(f"{back}?refused=1")
    return HttpResponseRedirect(f"{back}?requeued={delivery_id}")
