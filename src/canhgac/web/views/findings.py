"""The findings list (filters, sort, pages; htmx swaps the results in place), one finding with
its evidence, remediation and history, and triage of one finding or many.

Every read and write takes the viewer's scope in the query layer: another agency's fingerprint
is "not found" exactly as one that does not exist. Leaders read; they may not triage (403).
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.timezone import localdate
from django.views.decorators.http import require_GET, require_POST

from canhgac.console.store.queries.viewers import Viewer
from canhgac.console.store.roles import may_retest, may_triage
from canhgac.services.dashboard import console_catalog
from canhgac.services.finding_pages import ListRequest, findings_page, list_request
from canhgac.services.finding_triage import TriageRefusedError, triage_decision, triage_findings
from canhgac.services.findings import FindingDetail, finding_detail
from canhgac.web.access import console_page, page_context
from canhgac.web.jinja import current_language

FINGERPRINT = re.compile(r"[0-9a-f]{6,32}")


def _saved(request: HttpRequest) -> str:
    """How many findings the last triage saved (the redirect says it), digits only: the notice
    must not carry text of a link's choosing."""
    saved = request.GET.get("saved", "")
    return saved if saved.isdigit() and len(saved) <= 4 else ""


def _partial(request: HttpRequest) -> bool:
    """An htmx swap of the results (not a history restore, which needs the whole page)."""
    return request.headers.get("HX-Request") == "true" and "HX-History-Restore-Request" not in request.headers


def _list(request: HttpRequest, viewer: Viewer, wanted: ListRequest, *, error: str = "",
          status: int = 200) -> HttpResponse:
    page = findings_page(viewer.scope, wanted, current_language())
    template = "console/_findings_results.html" if _partial(request) else "console/findings.html"
    here = f"{reverse('findings')}{wanted.link(page=page.page)}"
    response = render(request, template, page_context(
        request, viewer, page=page, wanted=wanted, may_triage=may_triage(viewer.role), here=here,
        triage_error=error, saved=_saved(request)), status=status)
    if _partial(request):
        response["HX-Push-Url"] = here  # the address without the form's empty fields
    patch_vary_headers(response, ["HX-Request"])
    return response


@console_page()
@require_GET
def findings(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    return _list(request, viewer, list_request(request.GET))


def _detail_or_404(viewer: Viewer, fingerprint: str) -> FindingDetail:
    if not FINGERPRINT.fullmatch(fingerprint):
        raise Http404
    try:
        return finding_detail(fingerprint, console_catalog(), current_language(), viewer.scope)
    except LookupError:  # none the viewer may see, or an ambiguous prefix
        raise Http404 from None


def _finding_page(request: HttpRequest, viewer: Viewer, fingerprint: str, *, error: str = "",
                  status: int = 200) -> HttpResponse:
    detail = _detail_or_404(viewer, fingerprint)
    return render(request, "console/finding.html", page_context(
        request, viewer, detail=detail, may_triage=may_triage(viewer.role), triage_error=error,
        may_retest=may_retest(viewer.role),
        evidence_text=json.dumps(dict(detail.evidence), ensure_ascii=False, indent=2, sort_keys=True,
                                 default=str) if detail.evidence else "",
        saved=_saved(request)), status=status)


@console_page()
@require_GET
def finding(request: HttpRequest, viewer: Viewer, fingerprint: str) -> HttpResponse:
    return _finding_page(request, viewer, fingerprint)


def _refused(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    return render(request, "console/forbidden.html", page_context(request, viewer), status=403)


@console_page()
@require_POST
def triage_one(request: HttpRequest, viewer: Viewer, fingerprint: str) -> HttpResponse:
    if not may_triage(viewer.role):
        return _refused(request, viewer)
    detail = _detail_or_404(viewer, fingerprint)  # scoped: another agency's is not found
    full = detail.row.fingerprint
    try:
        decision = triage_decision(request.POST, blank_keeps=False, today=localdate())
        triage_findings(viewer.scope, [full], decision, viewer.username)
    except TriageRefusedError as exc:
        return _finding_page(request, viewer, full, error=str(exc), status=400)
    return HttpResponseRedirect(f"{reverse('finding', args=[full])}?saved=1")


def _back_to(request: HttpRequest) -> ListRequest:
    """The list the bulk form was sent from (its ``next``, a path of this list only)."""
    wanted = urlsplit(str(request.POST.get("next", "")))
    if wanted.scheme or wanted.netloc or wanted.path != reverse("findings"):
        return ListRequest()
    return list_request(QueryDict(wanted.query))


@console_page()
@require_POST
def triage_many(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    if not may_triage(viewer.role):
        return _refused(request, viewer)
    back = _back_to(request)
    chosen = [fp for fp in request.POST.getlist("fingerprint") if FINGERPRINT.fullmatch(fp)]
    if len(chosen) != len(request.POST.getlist("fingerprint")):
        raise Http404  # not a fingerprint: names no finding
    try:
        decision = triage_decision(request.POST, blank_keeps=True, today=localdate())
        done = triage_findings(viewer.scope, chosen, decision, viewer.username)
    except TriageRefusedError as exc:
        return _list(request, viewer, back, error=str(exc), status=400)
    except LookupError:  # one is not the viewer's, or does not exist: nothing was changed
        raise Http404 from None
    return HttpResponseRedirect(f"{reverse('findings')}{back.link(page=back.page)}&saved={done}"
                                .replace("?&", "?"))
