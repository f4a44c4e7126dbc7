"""The watch pages: the live board (htmx polls its fragment; without JavaScript the page reloads
itself), the alert history and one alert with its timeline, one monitor with its definition;
acknowledging an alert, editing a monitor, accepting a new baseline, planning and ending
maintenance windows. Reads are ``services.watch_pages``', writes ``services.watch_console``'s;
another agency's alert, monitor or window is "not found"."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from canhgac.console.store.queries.viewers import Viewer
from canhgac.console.store.roles import may_acknowledge_alerts, may_edit_watch
from canhgac.services import watch_console
from canhgac.services.watch_pages import (
    STATUS_FILTERS,
    HistoryFilter,
    agency_choices,
    alert_detail,
    board,
    history,
    maintenance_list,
    monitor_detail,
)
from canhgac.web.access import console_page, page_context
from canhgac.web.client import client_address

POLL_SECONDS = 5


def _forbidden(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    return render(request, "console/forbidden.html", page_context(request, viewer), status=403)


def _roles(viewer: Viewer) -> dict[str, bool]:
    return {"may_ack": may_acknowledge_alerts(viewer.role), "may_edit": may_edit_watch(viewer.role)}


def _board_context(request: HttpRequest, viewer: Viewer) -> dict[str, object]:
    """The board as asked: one agency (``agency``), only monitors with a problem (``problems``)."""
    agency = request.GET.get("agency", "").strip()[:64]
    problems = request.GET.get("problems", "") == "1"
    query = "&".join(part for part in (f"agency={quote(agency)}" if agency else "",
                                       "problems=1" if problems else "") if part)
    return page_context(
        request, viewer, board=board(viewer.scope, timezone.now(), agency=agency, problems_only=problems),
        poll=POLL_SECONDS, board_agency=agency, problems_only=problems, board_query=query,
        agencies=agency_choices(viewer.scope), **_roles(viewer))


@console_page()
@require_GET
def watch_board(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    return render(request, "console/watch.html", _board_context(request, viewer))


@console_page()
@require_GET
def watch_live(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    """The board's fragment htmx polls every few seconds (with the page's filter)."""
    return render(request, "console/_watch_board.html", _board_context(request, viewer))


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip()) if raw.strip() else None
    except ValueError:
        return None


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and len(raw) <= 6 else 1


@console_page()
@require_GET
def alerts(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    status = request.GET.get("status", "")
    chosen = HistoryFilter(
        agency=request.GET.get("agency", "").strip()[:64],
        status=status if status in STATUS_FILTERS else "",
        since=_day(request.GET.get("since", "")[:20]),
        until=_day(request.GET.get("until", "")[:20]),
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "console/watch_alerts.html", page_context(
        request, viewer, page=history(viewer.scope, chosen, _page_number(request)), chosen=chosen,
        agencies=agency_choices(viewer.scope), statuses=STATUS_FILTERS, query=query.urlencode()))


@console_page()
@require_GET
def alert(request: HttpRequest, viewer: Viewer, alert_id: int) -> HttpResponse:
    found = alert_detail(viewer.scope, alert_id)
    if found is None:
        raise Http404
    return render(request, "console/watch_alert.html", page_context(
        request, viewer, alert=found, acked=request.GET.get("acked") == "1", **_roles(viewer)))


@console_page()
@require_POST
def acknowledge(request: HttpRequest, viewer: Viewer, alert_id: int) -> HttpResponse:
    try:
        watch_console.acknowledge(viewer, alert_id, note=str(request.POST.get("note", ""))[:2000],
                                  address=client_address(request))
    except watch_console.WatchNotFoundError:
        raise Http404 from None
    except watch_console.WatchForbiddenError:
        return _forbidden(request, viewer)
    except watch_console.WatchRefusedError:
        return HttpResponseRedirect(reverse("watch-alert", args=[alert_id]))
    back = str(request.POST.get("next", ""))
    if back == "board":
        return HttpResponseRedirect(reverse("watch"))
    return HttpResponseRedirect(reverse("watch-alert", args=[alert_id]) + "?acked=1")


def _monitor_page(request: HttpRequest, viewer: Viewer, monitor_id: int, *, error: str = "",
                  field: str | None = None, saved: str = "", status: int = 200) -> HttpResponse:
    found = monitor_detail(viewer.scope, monitor_id)
    if found is None:
        raise Http404
    monitor, latest, windows = found
    return render(request, "console/watch_monitor.html", page_context(
        request, viewer, monitor=monitor, alerts=latest, windows=windows, error=error, error_field=field,
        saved=saved or request.GET.get("saved", ""), **_roles(viewer)), status=status)


@console_page()
@require_GET
def monitor(request: HttpRequest, viewer: Viewer, monitor_id: int) -> HttpResponse:
    return _monitor_page(request, viewer, monitor_id)


@console_page()
@require_POST
def edit_monitor(request: HttpRequest, viewer: Viewer, monitor_id: int) -> HttpResponse:
    form = {k: str(request.POST.get(k, ""))[:100] for k in
            ("enabled", "interval", "holiday_interval", "holiday_start", "holiday_end")}
    try:
        watch_console.edit_monitor(viewer, monitor_id, form, address=client_address(request))
    except watch_console.WatchNotFoundError:
        raise Http404 from None
    except watch_console.WatchForbiddenError:
        return _forbidden(request, viewer)
    except watch_console.WatchRefusedError as exc:
        return _monitor_page(request, viewer, monitor_id, error=str(exc), field=exc.field, status=400)
    return HttpResponseRedirect(reverse("watch-monitor", args=[monitor_id]) + "?saved=definition")


@console_page()
@require_POST
def accept_baseline(request: HttpRequest, viewer: Viewer, monitor_id: int) -> HttpResponse:
    try:
        watch_console.accept_baseline(viewer, monitor_id, address=client_address(request))
    except watch_console.WatchNotFoundError:
        raise Http404 from None
    except watch_console.WatchForbiddenError:
        return _forbidden(request, viewer)
    except watch_console.WatchRefusedError as exc:
        return _monitor_page(request, viewer, monitor_id, error=str(exc), status=400)
    return HttpResponseRedirect(reverse("watch-monitor", args=[monitor_id]) + "?saved=baseline")


def _maintenance_page(request: HttpRequest, viewer: Viewer, *, error: str = "", field: str | None = None,
                      asked: dict[str, str] | None = None, status: int = 200) -> HttpResponse:
    windows = maintenance_list(viewer.scope, timezone.now())
    agencies = agency_choices(viewer.scope)
    return render(request, "console/watch_maintenance.html", page_context(
        request, viewer, windows=windows, agencies=agencies, error=error, error_field=field,
        asked=asked or {}, saved=request.GET.get("saved", ""), **_roles(viewer)), status=status)


@console_page()
def maintenance(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    if request.method == "GET":
        return _maintenance_page(request, viewer)
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    asked = {k: str(request.POST.get(k, ""))[:700] for k in ("start", "end", "agency", "monitor", "reason")}
    try:
        start = watch_console.parse_local(asked["start"], "start")
        end = watch_console.parse_local(asked["end"], "end")
        watch_console.add_maintenance(
            viewer, start=start, end=end, agency=asked["agency"], monitor=asked["monitor"],
            reason=asked["reason"], address=client_address(request), now=timezone.now())
    except watch_console.WatchForbiddenError:
        return _forbidden(request, viewer)
    except watch_console.WatchRefusedError as exc:
        return _maintenance_page(request, viewer, error=str(exc), field=exc.field, asked=asked, status=400)
    return HttpResponseRedirect(reverse("watch-maintenance") + "?saved=1")


@console_page()
@require_POST
def end_maintenance(request: HttpRequest, viewer: Viewer, window_id: int) -> HttpResponse:
    try:
        watch_console.end_maintenance(viewer, window_id, address=client_address(request))
    except watch_console.WatchNotFoundError:
        raise Http404 from None
    except watch_console.WatchForbiddenError:
        return _forbidden(request, viewer)
    return HttpResponseRedirect(reverse("watch-maintenance") + "?saved=ended")
