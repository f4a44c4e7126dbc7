"""The indicator packs' pages: ``/indicators/`` lists the packs the viewer may see (name,
version, source, TLP, count, imported when and by whom) with the import form for the CSIRT's
engineers (a STIX 2.1 bundle, a MISP event, a CSV or a plain list), ``/indicators/<id>/`` one
pack with its indicators (100 a page, filtered by type), and ``/indicators/<id>/export/`` the
pack as a CSV the import reads back.

Everything goes through ``services.indicators``: TLP scoping is its ``PackAudience`` (RED and
AMBER+STRICT packs are the CSIRT's staff's alone; anyone else gets the 404 of a pack that
does not exist). A file that cannot be read is one line on the page, never a traceback.
"""

from __future__ import annotations

import csv
import io

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from canhgac.console.store.queries.viewers import Viewer
from canhgac.i18n import gettext as _
from canhgac.services import indicators as svc
from canhgac.web.access import console_page, page_context
from canhgac.web.client import client_address

MAX_ID = 2**62


def _audience(viewer: Viewer) -> svc.PackAudience:
    return svc.PackAudience.of_role(viewer.role)


def _list(request: HttpRequest, viewer: Viewer, *, error: str = "", status: int = 200) -> HttpResponse:
    return render(
        request,
        "console/indicators/packs.html",
        page_context(
            request,
            viewer,
            packs=svc.pack_rows(_audience(viewer)),
            may_import=svc.may_import(viewer.role),
            levels=list(svc.Tlp),
            error=error,
            asked={k: str(request.POST.get(k, ""))[:300] for k in ("name", "source", "tlp")},
        ),
        status=status,
    )


@console_page()
def packs(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    """The packs (GET); a file imported as a pack (POST, the CSIRT's engineers)."""
    if request.method == "GET":
        return _list(request, viewer)
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    if not svc.may_import(viewer.role):
        return render(request, "console/forbidden.html", page_context(request, viewer), status=403)
    upload = request.FILES.get("file")
    if upload is None:
        return _list(request, viewer, error=_("choose a file to import"), status=400)
    level_text = str(request.POST.get("tlp", "")).strip()
    try:
        level = svc.Tlp.parse(level_text) if level_text else None
    except ValueError:
        refused = _("unknown TLP level {level}").format(level=level_text[:40])
        return _list(request, viewer, error=refused, status=400)
    if upload.size is not None and upload.size > svc.MAX_BYTES:
        return _list(request, viewer, error=_("the file is larger than {size} MB").format(
            size=svc.MAX_BYTES // (1024 * 1024)), status=400)
    try:
        done = svc.import_data(
            _audience(viewer), upload.read(svc.MAX_BYTES + 1), upload.name or "upload",
            name=str(request.POST.get("name", "")).strip()[:200] or None, tlp=level,
            source=str(request.POST.get("source", "")).strip()[:300] or None,
            actor=viewer.username, address=client_address(request),
        )
    except (svc.IndicatorError, svc.PackError) as exc:
        said = str(exc).splitlines()[0] if str(exc) else _("the file cannot be read")
        return _list(request, viewer, error=said, status=400)
    row = next((r for r in svc.pack_rows(_audience(viewer)) if r.name == done.name), None)
    if row is None:  # cannot happen: the import refuses a level the importer may not see
        raise Http404
    return HttpResponseRedirect(
        f"{reverse('indicator-pack', args=[row.id])}?added={done.added}&already={done.already}"
        f"&skipped={done.skipped_count}"
    )


def _number(text: str) -> int:
    return int(text) if text.isdigit() and len(text) <= 9 else 0


@console_page()
@require_GET
def pack(request: HttpRequest, viewer: Viewer, pack_id: int) -> HttpResponse:
    """One pack and a page of its indicators (``?type=`` one type, ``?page=``)."""
    wanted = str(request.GET.get("type", ""))[:20]
    try:
        kind = svc.Kind.parse(wanted) if wanted else None
    except ValueError:
        kind = None
    page = _number(str(request.GET.get("page", "1"))) or 1
    found = svc.pack_page(_audience(viewer), pack_id, kind=kind, page=page) if 0 < pack_id <= MAX_ID else None
    if found is None:
        raise Http404
    imported = {k: _number(str(request.GET.get(k, ""))) for k in ("added", "already", "skipped")}
    return render(
        request,
        "console/indicators/pack.html",
        page_context(
            request,
            viewer,
            p=found.pack,
            found=found,
            kind=kind.value if kind else "",
            kinds=[svc.Kind(k) for k in found.kinds],
            imported=imported if "added" in request.GET else None,
        ),
    )


@console_page()
@require_GET
def export(request: HttpRequest, viewer: Viewer, pack_id: int) -> HttpResponse:
    """The pack as ``type,value,note`` CSV (what ``canhgac indicators import`` reads back)."""
    head = svc.pack_by_id(_audience(viewer), pack_id) if 0 < pack_id <= MAX_ID else None
    if head is None:
        raise Http404
    _row, items = svc.pack_indicators(_audience(viewer), head.name)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["type", "value", "note"])
    for item in items:
        writer.writerow([item.kind.value, item.value, item.note])
    response = HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in head.name)[:80] or "pack"
    response["Content-Disposition"] = f'attachment; filename="{safe}-{head.tlp.value.replace("+", "-")}.csv"'
    response["X-TLP"] = head.tlp.label
    return response
