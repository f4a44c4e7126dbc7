"""The incident pages: the list (filters by agency, state, type and overdue; htmx swaps the
results in place) with the initial report's clock, one incident with its links, timeline, clock
and notifications, and the actions on it: open (by hand, from a watch alert, from a finding),
write in the timeline, move it, link, record a notification, set the forms' details, flag it
beyond capacity, download its initial (form 03) or final (form 04) report as DOCX, and export
its linked indicators as STIX 2.1 or MISP with a TLP marking (``services.indicators``).

Reads are ``services.incidents_view``'s, writes ``services.incident_pages``' (through
``services.incidents``: scoped, logged in the security log with the user and address). Another
agency's incident is "not found"; a leader reads and may not act (403).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from canhgac.console.store.queries.viewers import Viewer
from canhgac.i18n import gettext as _
from canhgac.i18n import translate
from canhgac.services import incident_pages as pages
from canhgac.services import incidents
from canhgac.services.incident_forms import INCIDENT_FORMS, IncidentFormError, incident_form
from canhgac.services.incidents import CATEGORIES
from canhgac.services.indicators import Tlp
from canhgac.services.watch_pages import agency_choices
from canhgac.web.access import console_page, page_context
from canhgac.web.client import client_address

SAVED = ("opened", "entry", "moved", "linked", "notified", "details", "capacity", "unchanged", "reported")
MAX_ID = 2**62
MULTI = ("services", "measures", "detection_methods", "attachments")


def _partial(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and "HX-History-Restore-Request" not in request.headers


def _forbidden(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    return render(request, "console/forbidden.html", page_context(request, viewer), status=403)


def _actor(request: HttpRequest, viewer: Viewer) -> incidents.Actor:
    return incidents.Actor(viewer.username, client_address(request))


def _form(request: HttpRequest) -> dict[str, Any]:
    form: dict[str, Any] = {
        k: str(request.POST.get(k, "")) for k in request.POST if k != "csrfmiddlewaretoken"
    }
    for name in MULTI:
        form[name] = [str(v) for v in request.POST.getlist(name)]
    return form


def _settings() -> incidents.IncidentSettings:
    try:
        return pages.page_settings()
    except incidents.IncidentSettingsError:
        return incidents.IncidentSettings()  # the page still shows; the CLI names the file's fault


_GROUPS: dict[str, Any] = {
    "state": incidents.State,
    "source": incidents.Source,
    "kind": incidents.EntryKind,
    "party": incidents.Party,
    "channel": incidents.Channel,
    "link": incidents.LinkKind,
}


def _label(group: str, value: str) -> str:
    """A stored word of the incidents (a state, a source, a timeline kind...) in the reader's language."""
    if group == "type":
        found = next((c for c in CATEGORIES if c.code == value), None)
        return translate(found.label_msgid) if found else value
    if group == "clock":
        return pages.clock_label(value)
    try:
        return str(_GROUPS[group](value).label())
    except (KeyError, ValueError):
        return value


def _entry_text(e: Any) -> str:
    """What a timeline entry says, its stored words in the reader's language."""
    d = e.detail
    if e.kind == "state":
        moved = f"{_label('state', d.get('from', ''))} → {_label('state', d.get('to', ''))}"
        return f"{moved}: {e.text}" if e.text else moved
    if e.kind == "notification":
        text = _("{party}: {recipient} ({channel})").format(
            party=_label("party", d.get("party", "")),
            recipient=d.get("recipient", ""),
            channel=_label("channel", d.get("channel", "")),
        )
        return text + (" · " + _("initial report") if d.get("initial_report") else "")
    if e.kind == "link":
        return f"{_label('link', d.get('kind', ''))} {d.get('ref', '')} {e.text}".strip()
    if e.kind == "capacity":
        flag = (
            _("beyond the unit's capacity") if d.get("beyond_capacity") else _("within the unit's capacity")
        )
        return f"{flag}: {e.text}" if e.text else flag
    if e.kind == "reminder":
        return f"{d.get('event', '')} → {d.get('channel', '')} ({d.get('outcome', '')})"
    if e.kind == "note" and not e.text and d.get("changed"):
        return _("form details changed: {fields}").format(fields=", ".join(d["changed"]))
    return str(e.text)


def _choices() -> dict[str, Any]:
    return {
        "label": _label,
        "entry_text": _entry_text,
        "states": list(incidents.State),
        "categories": CATEGORIES,
        "sources": pages.OPEN_SOURCES,
        "severities": pages.SEVERITIES,
        "written_kinds": incidents.WRITTEN_KINDS,
        "parties": list(incidents.Party),
        "channels": list(incidents.Channel),
        "link_kinds": list(incidents.LinkKind),
        "indicator_types": list(incidents.IndicatorType),
    }


def _list(
    request: HttpRequest,
    viewer: Viewer,
    *,
    error: str = "",
    asked: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    wanted = pages.list_request(request.GET)
    rule = _settings().rule
    rows = pages.filtered_rows(viewer.scope, wanted, now=timezone.now(), rule=rule)
    pages_count = max(1, -(-len(rows) // pages.PAGE_SIZE))
    page = min(wanted.page, pages_count)
    shown = rows[(page - 1) * pages.PAGE_SIZE : page * pages.PAGE_SIZE]
    template = (
        "console/_incidents_results.html" if _partial(request) and not error else "console/incidents.html"
    )
    here = f"{reverse('incidents')}{wanted.link(page=page)}"
    response = render(
        request,
        template,
        page_context(
            request,
            viewer,
            rows=shown,
            total=len(rows),
            page=page,
            pages=pages_count,
            wanted=wanted,
            here=here,
            agencies=agency_choices(viewer.scope),
            may_act=pages.may_handle_incidents(viewer.role),
            error=error,
            asked=asked or {},
            **_choices(),
        ),
        status=status,
    )
    if _partial(request):
        response["HX-Push-Url"] = here
    patch_vary_headers(response, ["HX-Request"])
    return response


@console_page()
def incident_list(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    """The list (GET); opening an incident by hand, from an alert or from a finding (POST)."""
    if request.method == "GET":
        return _list(request, viewer)
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    if not pages.may_handle_incidents(viewer.role):
        return _forbidden(request, viewer)
    form = _form(request)
    try:
        new_id = pages.open_from_form(
            viewer.scope, _settings(), _actor(request, viewer), form, now=timezone.now()
        )
    except incidents.IncidentError as exc:
        return _list(request, viewer, error=str(exc), asked=form, status=400)
    return HttpResponseRedirect(reverse("incident", args=[new_id]) + "?saved=opened")


def _found(viewer: Viewer, incident_id: int, rule: Any = None) -> incidents.IncidentDetail | None:
    """The incident the viewer may see (None: another agency's, none, or an id no row can have)."""
    if not 0 < incident_id <= MAX_ID:
        return None
    return incidents.incident_detail(viewer.scope, incident_id, now=timezone.now(), rule=rule)


def _detail_page(
    request: HttpRequest,
    viewer: Viewer,
    incident_id: int,
    *,
    error: str = "",
    action: str = "",
    status: int = 200,
) -> HttpResponse:
    rule = _settings().rule
    detail = _found(viewer, incident_id, rule)
    if detail is None:
        raise Http404
    saved = request.GET.get("saved", "")
    return render(
        request,
        "console/incident.html",
        page_context(
            request,
            viewer,
            d=detail,
            r=detail.row,
            reading=pages.legal_reading(rule, detail.row.immediate),
            may_act=pages.may_handle_incidents(viewer.role),
            error=error,
            action=action,
            saved=saved if saved in SAVED else "",
            forms=INCIDENT_FORMS,
            choice_label=pages.choice_label,
            multi={
                name: set(detail.details.get(name) or []) for name in ("detection_methods", "attachments")
            },
            system=detail.details.get("system") or {},
            contact=detail.details.get("contact") or {},
            tlp_levels=list(Tlp),
            export_tlp=(Tlp.RED if detail.details.get("confidential") else Tlp.AMBER).value,
            indicator_links=[k for k in detail.links if k.kind == "indicator"],
            **_choices(),
        ),
        status=status,
    )


@console_page()
@require_GET
def incident(request: HttpRequest, viewer: Viewer, incident_id: int) -> HttpResponse:
    return _detail_page(request, viewer, incident_id)


def _act(request: HttpRequest, viewer: Viewer, incident_id: int, action: str, saved: str) -> HttpResponse:
    if not pages.may_handle_incidents(viewer.role):
        return _forbidden(request, viewer)
    if _found(viewer, incident_id) is None:
        raise Http404  # another agency's, or none: nothing is said about it
    form, actor, scope = _form(request), _actor(request, viewer), viewer.scope
    try:
        if action == "entry":
            pages.write_entry(scope, actor, incident_id, form)
        elif action == "move":
            pages.move_to(scope, actor, incident_id, form)
        elif action == "link":
            pages.add_link(scope, actor, incident_id, form)
        elif action == "notify":
            saved = (
                "reported"
                if pages.record_notification(scope, actor, incident_id, form, now=timezone.now())
                else saved
            )
        elif action == "details":
            saved = saved if pages.save_details(scope, actor, incident_id, form) else "unchanged"
        elif action == "capacity":
            pages.set_capacity(scope, _settings(), actor, incident_id, form)
    except incidents.IncidentNotFoundError:
        raise Http404 from None
    except incidents.IncidentError as exc:
        return _detail_page(request, viewer, incident_id, error=str(exc), action=action, status=400)
    return HttpResponseRedirect(f"{reverse('incident', args=[incident_id])}?saved={saved}#{action}")


@console_page()
@require_POST
def add_entry(request: HttpRequest, viewer: Viewer, incident_id: int) -> HttpResponse:
    return _act(request, viewer, incident_id, "entry", "entry")


@console_page()
@require_POST
def move(request: HttpRequest, viewer: Viewer, incident_id: int) -> HttpResponse:
    return _act(request, viewer, incident_id, "move", "moved")


@console_page()
@require_POST
def link(request: HttpRequest, viewer: Viewer, incident_id: int) -> HttpResponse:
    return _act(request, viewer, incident_id, "link", "linked")


@console_page()
@require_POST
def notify(request: HttpRequest, viewer: Viewer, incident_id: int) -> HttpResponse:
    return _act(request, viewer, incident_id, "notify", "notified")


@console_page()
@require_POST
def details(request: HttpRequest, viewer: Viewer, incident_id: int) -> HttpResponse:
    return _act(request, viewer, incident_id, "details", "details")


@console_page()
@require_POST
def capacity(request: HttpRequest, viewer: Viewer, incident_id: int) -> HttpResponse:
    return _act(request, viewer, incident_id, "capacity", "capacity")


@console_page()
@require_POST
def report_form(request: HttpRequest, viewer: Viewer, incident_id: int, form: str) -> HttpResponse:
    """Form 03 or 04 of the incident as DOCX (with ``record``, a timeline entry says it was made);
    what the form lacks is said on the incident's page, naming where to fill it."""
    if form not in INCIDENT_FORMS:
        raise Http404
    if not pages.may_handle_incidents(viewer.role):
        return _forbidden(request, viewer)
    if _found(viewer, incident_id) is None:
        raise Http404
    try:
        config = pages.page_forms_config()
        made = incident_form(
            viewer.scope,
            incident_id,
            form,
            config,
            number=str(request.POST.get("number", ""))[:60],
            now=timezone.now(),
            record=_actor(request, viewer) if request.POST.get("record") else None,
        )
    except incidents.IncidentNotFoundError:
        raise Http404 from None
    except (IncidentFormError, incidents.IncidentError, ValueError) as exc:
        return _detail_page(request, viewer, incident_id, error=str(exc), action=f"form{form}", status=400)
    response = HttpResponse(
        made.docx, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response["Content-Disposition"] = f'attachment; filename="{made.filename}"'
    return response


@console_page()
@require_POST
def export_indicators(request: HttpRequest, viewer: Viewer, incident_id: int) -> HttpResponse:
    """The incident's linked indicators as a STIX 2.1 bundle or a MISP event with the TLP
    marking chosen (``services.indicators.export_incident``: scoped, logged in the security
    log); what stops it (no indicators, no ``[forms.issuer]``, a level below a confidential
    incident's RED) is said on the incident's page."""
    from canhgac.services import indicators
    from canhgac.services.console_scan import settings_path

    if not pages.may_handle_incidents(viewer.role):
        return _forbidden(request, viewer)
    if _found(viewer, incident_id) is None:
        raise Http404
    fmt = str(request.POST.get("format", "stix"))
    level_text = str(request.POST.get("tlp", "")).strip()
    try:
        if fmt not in indicators.FORMATS:
            raise indicators.IndicatorError(_("unknown format {fmt}: use stix or misp").format(fmt=fmt[:20]))
        try:
            level = indicators.Tlp.parse(level_text) if level_text else None
        except ValueError:
            raise indicators.IndicatorError(
                _("unknown TLP level {level}").format(level=level_text[:40])
            ) from None
        done = indicators.export_incident(
            viewer.scope, settings_path(), incident_id, fmt, tlp=level, actor=viewer.username,
            address=client_address(request), keep_floor=True,
        )
    except indicators.IndicatorError as exc:
        return _detail_page(request, viewer, incident_id, error=str(exc), action="indicators", status=400)
    response = HttpResponse(done.text.encode("utf-8"), content_type=indicators.MEDIA_TYPES[fmt])
    name = indicators.export_filename(incident_id, done.tlp, fmt)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-TLP"] = done.tlp.label
    return response
