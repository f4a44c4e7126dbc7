"""The directive's compliance pages: the province grid (agencies × tasks, filtered by agency, task
and status, htmx swapping the results in place), one agency's items with status, why, evidence
and due day, one item with its answer, files and history, where an agency officer answers with
evidence files and the CSIRT approves or rejects; evidence downloads and the province summary
(DOCX, HTML) for the CSIRT and the leaders.

Everything is ``services.compliance_pages``' (over ``services.compliance``: the CLI's statuses,
the store's scoped and logged writes). Another agency's page, item or file is "not found",
exactly like one that does not exist; a leader reads and may not act (403).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from canhgac.console.store.queries.viewers import Viewer
from canhgac.i18n import gettext as _
from canhgac.services import compliance_pages as pages
from canhgac.services.console_scan import workspace
from canhgac.web.access import console_page, page_context
from canhgac.web.client import client_address
from canhgac.web.jinja import current_language

today = pages.today


def _lang() -> Literal["vi", "en"]:
    return "en" if current_language() == "en" else "vi"


SAVED = ("answered", "approved", "rejected")


def _partial(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and "HX-History-Restore-Request" not in request.headers


def _forbidden(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    return render(request, "console/forbidden.html", page_context(request, viewer), status=403)


def _acting(request: HttpRequest, viewer: Viewer) -> pages.Acting:
    return pages.Acting(viewer.username, viewer.role, viewer.scope, client_address(request))


def _holiday(request: HttpRequest) -> tuple[dt.date | None, str]:
    """The holiday date asked for, and the one-line error when it is not a date."""
    try:
        return pages.parse_holiday(str(request.GET.get("holiday", ""))), ""
    except pages.ComplianceError as exc:
        return None, str(exc)


def _common(viewer: Viewer) -> dict[str, Any]:
    return {
        "label": pages.label,
        "statuses": pages.STATUSES,
        "may_answer": pages.may_answer(viewer.role),
        "may_review": pages.may_review(viewer.role),
        "may_summarise": pages.may_summarise(viewer.role),
    }


@console_page()
@require_GET
def grid(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    """The province grid; an htmx request gets the results region only."""
    error = ""
    try:
        wanted = pages.GridRequest.read({k: str(v) for k, v in request.GET.items()})
    except pages.ComplianceError as exc:
        error = str(exc)
        wanted = pages.GridRequest.read({k: str(v) for k, v in request.GET.items() if k != "holiday"})
    shown = pages.grid(viewer.scope, wanted, lang=_lang(), today=today())
    here = f"{reverse('compliance')}{wanted.link()}"
    template = "console/compliance/_grid.html" if _partial(request) else "console/compliance/grid.html"
    response = render(
        request,
        template,
        page_context(request, viewer, g=shown, wanted=wanted, here=here, error=error, **_common(viewer)),
        status=400 if error else 200,
    )
    if _partial(request):
        response["HX-Push-Url"] = here
    patch_vary_headers(response, ["HX-Request"])
    return response


@console_page()
@require_GET
def agency(request: HttpRequest, viewer: Viewer, code: str) -> HttpResponse:
    holiday, error = _holiday(request)
    page = pages.agency_page(viewer.scope, code, lang=_lang(), today=today(), holiday=holiday)
    if page is None:
        raise Http404
    return render(
        request,
        "console/compliance/agency.html",
        page_context(request, viewer, p=page, error=error, holiday=holiday, **_common(viewer)),
        status=400 if error else 200,
    )


def _item_page(
    request: HttpRequest,
    viewer: Viewer,
    code: str,
    item: str,
    *,
    error: str = "",
    action: str = "",
    asked: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    holiday, bad_date = _holiday(request)
    page = pages.item_page(
        viewer.scope,
        code,
        item,
        lang=_lang(),
        today=today(),
        holiday=holiday,
    )
    if page is None:
        raise Http404
    saved = str(request.GET.get("saved", ""))
    return render(
        request,
        "console/compliance/item.html",
        page_context(
            request,
            viewer,
            p=page,
            error=error or bad_date,
            action=action,
            asked=asked or {},
            saved=saved if saved in SAVED else "",
            holiday=holiday,
            max_bytes=pages.MAX_BYTES,
            max_files=pages.MAX_FILES,
            **_common(viewer),
        ),
        status=status if not bad_date else 400,
    )


@console_page()
@require_GET
def item(request: HttpRequest, viewer: Viewer, code: str, item: str) -> HttpResponse:
    return _item_page(request, viewer, code, item)


def _item_url(code: str, item: str, saved: str) -> str:
    return f"{reverse('compliance-item', args=[code, item])}?saved={saved}"


@console_page()
@require_POST
def answer(request: HttpRequest, viewer: Viewer, code: str, item: str) -> HttpResponse:
    """An officer's (or the CSIRT's) answer with its evidence files."""
    if not pages.may_answer(viewer.role):
        return _forbidden(request, viewer)
    if pages.item_page(viewer.scope, code, item, lang=_lang(), today=today()) is None:
        raise Http404  # another agency's, an unknown item: nothing is said about it
    asked = {"answer": str(request.POST.get("answer", ""))[:20], "note": str(request.POST.get("note", ""))}
    uploads = [u for u in request.FILES.getlist("files") if u is not None]
    try:
        if len(uploads) > pages.MAX_FILES:
            raise pages.ComplianceError(
                _("at most {count} evidence files per answer").format(count=pages.MAX_FILES)
            )
        files = [(u.name or "", u.read(pages.MAX_BYTES + 1)) for u in uploads]
        pages.answer(
            _acting(request, viewer),
            code,
            item,
            value=asked["answer"],
            note=asked["note"],
            files=files,
            workspace=workspace(),
            now=dt.datetime.now(dt.UTC),
        )
    except (pages.ComplianceError, pages.EvidenceError) as exc:
        return _item_page(
            request, viewer, code, item, error=str(exc), action="answer", asked=asked, status=400
        )
    return HttpResponseRedirect(_item_url(code, item, "answered") + "#answer")


@console_page()
@require_POST
def review(request: HttpRequest, viewer: Viewer, code: str, item: str) -> HttpResponse:
    """The CSIRT approves or rejects the answer waiting for review."""
    if not pages.may_review(viewer.role):
        return _forbidden(request, viewer)
    if pages.item_page(viewer.scope, code, item, lang=_lang(), today=today()) is None:
        raise Http404
    decision = str(request.POST.get("decision", ""))
    reason = str(request.POST.get("reason", ""))
    try:
        if decision not in ("approve", "reject"):
            raise pages.ComplianceError(_("choose to approve or to reject"))
        pages.review(
            _acting(request, viewer),
            code,
            item,
            approve=decision == "approve",
            reason=reason,
            now=dt.datetime.now(dt.UTC),
        )
    except pages.ComplianceError as exc:
        return _item_page(
            request, viewer, code, item, error=str(exc), action="review", asked={"reason": reason}, status=400
        )
    saved = "approved" if decision == "approve" else "rejected"
    return HttpResponseRedirect(_item_url(code, item, saved) + "#answer")


@console_page()
@require_GET
def evidence(request: HttpRequest, viewer: Viewer, code: str, item: str, file_id: int) -> HttpResponse:
    """An evidence file, as an attachment (never shown inline: a text file is not a page)."""
    try:
        found = pages.evidence_file(_acting(request, viewer), code, item, file_id, workspace=workspace())
    except (pages.EvidenceError, OSError):
        raise Http404 from None  # a stored file changed or gone: the log of the store says it
    if found is None:
        raise Http404
    row, data = found
    response = HttpResponse(data, content_type=row.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quoted(row.name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _quoted(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


@console_page()
@require_GET
def summary(request: HttpRequest, viewer: Viewer, fmt: str) -> HttpResponse:
    """The province summary (DOCX or HTML) for the CSIRT and the leaders."""
    if fmt not in pages.SUMMARY_FORMATS:
        raise Http404
    if not pages.may_summarise(viewer.role):
        return _forbidden(request, viewer)
    holiday, error = _holiday(request)
    try:
        if error:
            raise pages.ComplianceError(error)
        name, content_type, data = pages.summary_file(
            _acting(request, viewer),
            fmt,
            lang=_lang(),
            today=today(),
            holiday=holiday,
        )
    except pages.ComplianceError as exc:
        wanted = pages.GridRequest(holiday=holiday)
        shown = pages.grid(viewer.scope, wanted, lang=_lang(), today=today())
        return render(
            request,
            "console/compliance/grid.html",
            page_context(
                request,
                viewer,
                g=shown,
                wanted=wanted,
                here=reverse("compliance"),
                error=str(exc),
                **_common(viewer),
            ),
            status=400 if error else 409,
        )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


__all__ = ["agency", "answer", "evidence", "grid", "item", "review", "summary"]
