"""The account-hygiene campaign's pages (issue 16, item 4): the overview (per agency: affected,
closed, share closed, letters), an agency's page (each affected account with its three steps,
the forms to record a step with evidence or attestation, the CSIRT's reopen, the letters), the
letters themselves (Word, .eml, or sent through the watch's relay), every letter of an agency at
once (a ZIP) or e-mailed to every holder not yet notified, and evidence downloads.

Everything is ``services.campaign``'s (scoped reads, scoped and logged writes). Another agency's
page, account or file is "not found", as one that does not exist; leaders read the overview and
may not act (403).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from canhgac.console.store.queries.viewers import Viewer
from canhgac.services import campaign, campaign_bulk
from canhgac.services.campaign import STEPS, EvidenceError, how_label, step_label
from canhgac.services.console_scan import settings_path, workspace
from canhgac.web.access import console_page, page_context
from canhgac.web.client import client_address

SAVED = ("step", "reopened", "sent")


def _acting(request: HttpRequest, viewer: Viewer) -> campaign.Acting:
    return campaign.Acting(viewer.username, viewer.role, viewer.scope, client_address(request))


def _common(viewer: Viewer) -> dict[str, Any]:
    return {
        "steps": STEPS,
        "step_label": step_label,
        "how_label": how_label,
        "may_record": campaign.may_record(viewer.role),
        "may_reopen": campaign.may_reopen(viewer.role),
        "may_letters": campaign.may_write_letters(viewer.role),
        "may_send": campaign.may_send(viewer.role),
        "may_read_cases": campaign.may_read_cases(viewer.role),
    }


@console_page()
@require_GET
def overview(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    rows = campaign.overview(viewer.scope)
    totals = (sum(r.affected for r in rows), sum(r.closed for r in rows))
    return render(
        request,
        "console/campaign/overview.html",
        page_context(request, viewer, rows=rows, totals=totals, **_common(viewer)),
    )


def _agency_page(
    request: HttpRequest,
    viewer: Viewer,
    code: str,
    *,
    error: str = "",
    asked: dict[str, str] | None = None,
    status: int = 200,
    summary: campaign_bulk.SendSummary | None = None,
) -> HttpResponse:
    who = _acting(request, viewer)
    cases = campaign.agency_cases(who, code)
    if cases is None:
        raise Http404
    from canhgac.console.store.queries.agencies import agency_names

    saved = str(request.GET.get("saved", ""))
    return render(
        request,
        "console/campaign/agency.html",
        page_context(
            request,
            viewer,
            code=code,
            name=agency_names(viewer.scope).get(code, code),
            cases=cases,
            closed=sum(1 for c in cases if c.closed),
            letters=campaign.letters_of(viewer.scope, code),
            error=error,
            asked=asked or {},
            saved=saved if saved in SAVED else "",
            max_bytes=campaign.MAX_BYTES,
            summary=summary,
            **_common(viewer),
        ),
        status=status,
    )


@console_page()
@require_GET
def agency(request: HttpRequest, viewer: Viewer, code: str) -> HttpResponse:
    return _agency_page(request, viewer, code)


def _forbidden(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    return render(request, "console/forbidden.html", page_context(request, viewer), status=403)


def _guard(request: HttpRequest, viewer: Viewer, code: str, allowed: bool) -> HttpResponse | None:
    """404 for an agency the viewer may not read (before anything else), 403 for a role that may not act."""
    who = _acting(request, viewer)
    if campaign.agency_cases(who, code) is None:
        if campaign.may_read_cases(viewer.role):
            campaign.refused_agency(who, code)
            raise Http404
        return _forbidden(request, viewer)
    return None if allowed else _forbidden(request, viewer)


def _refused_page(
    request: HttpRequest, viewer: Viewer, code: str, exc: Exception, asked: dict[str, str] | None = None
) -> HttpResponse:
    """The agency's page again, saying why the act was refused (404 when it was out of scope)."""
    return _agency_page(request, viewer, code, error=str(exc), asked=asked, status=_status_of(exc))


def _letter_settings(*, channels: bool = True) -> dict[str, Any]:
    """What every letter view passes the service: the forms' settings, the watch's channels (when
    ``channels``), today and now; ``CampaignError`` or ``ChannelConfigError`` when unusable."""
    found: dict[str, Any] = {"config": campaign.forms_config(settings_path())}
    if channels:
        from canhgac.services.watch_delivery import read_channels

        found["channels"] = read_channels(settings_path())
    return {**found, "today": dt.date.today(), "now": dt.datetime.now(dt.UTC)}


def _download(data: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name, safe='')}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _here(code: str, saved: str, address: str = "") -> str:
    anchor = f"#case-{quote(address)}" if address else ""
    return f"{reverse('campaign-agency', args=[code])}?saved={saved}{anchor}"


@console_page()
@require_POST
def record_step(request: HttpRequest, viewer: Viewer, code: str) -> HttpResponse:
    refused = _guard(request, viewer, code, campaign.may_record(viewer.role))
    if refused is not None:
        return refused
    asked = {k: str(request.POST.get(k, ""))[:20000] for k in ("address", "step", "how", "note", "statement")}
    upload = request.FILES.get("file")
    try:
        file = (upload.name or "", upload.read(campaign.MAX_BYTES + 1)) if upload is not None else None
        campaign.record(
            _acting(request, viewer),
            agency=code,
            address=asked["address"],
            step=asked["step"],
            how=asked["how"],
            note=asked["note"],
            statement=asked["statement"],
            file=file,
            workspace=workspace(),
            now=dt.datetime.now(dt.UTC),
        )
    except campaign.CampaignError as exc:
        return _refused_page(request, viewer, code, exc, asked)
    except EvidenceError as exc:
        return _agency_page(request, viewer, code, error=str(exc), asked=asked, status=400)
    return HttpResponseRedirect(_here(code, "step", asked["address"].strip().lower()))


def _status_of(exc: Exception) -> int:
    return 404 if isinstance(exc, campaign.CampaignNotFoundError) else 400


@console_page()
@require_POST
def reopen(request: HttpRequest, viewer: Viewer, code: str) -> HttpResponse:
    refused = _guard(request, viewer, code, campaign.may_reopen(viewer.role))
    if refused is not None:
        return refused
    asked = {
        "address": str(request.POST.get("address", ""))[:320],
        "reason": str(request.POST.get("reason", "")),
    }
    try:
        campaign.reopen_case(
            _acting(request, viewer),
            agency=code,
            address=asked["address"],
            reason=asked["reason"],
            now=dt.datetime.now(dt.UTC),
        )
    except campaign.CampaignError as exc:
        return _refused_page(request, viewer, code, exc, asked)
    return HttpResponseRedirect(_here(code, "reopened", asked["address"].strip().lower()))


@console_page()
@require_POST
def letter(request: HttpRequest, viewer: Viewer, code: str) -> HttpResponse:
    """A letter as a download (docx, eml), or sent through the relay (send)."""
    refused = _guard(request, viewer, code, campaign.may_write_letters(viewer.role))
    if refused is not None:
        return refused
    fmt = str(request.POST.get("format", "docx"))
    kind = str(request.POST.get("kind", "user"))
    address = str(request.POST.get("address", ""))[:320]
    lang = str(request.POST.get("lang", "")) or "vi"  # letters are Vietnamese unless asked otherwise
    recipient = str(request.POST.get("recipient", ""))[:320]
    from canhgac.services.watch_delivery import ChannelConfigError

    try:
        settings = _letter_settings()
        if fmt == "send":
            if not campaign.may_send(viewer.role):
                return _forbidden(request, viewer)
            campaign.send_letter(
                _acting(request, viewer),
                agency=code,
                kind=kind,
                address=address,
                lang=lang,
                recipient=recipient,
                **settings,
            )
            return HttpResponseRedirect(_here(code, "sent"))
        found = campaign.build_letter(
            _acting(request, viewer),
            agency=code,
            kind=kind,
            address=address,
            lang=lang,
            channel=fmt,
            recipient=recipient,
            **settings,
        )
    except (campaign.CampaignError, ChannelConfigError, ValueError) as exc:
        return _refused_page(request, viewer, code, exc)
    return _download(found.data, found.content_type, found.name)


def _bulk_lang(request: HttpRequest) -> str:
    return str(request.POST.get("lang", "")) or "vi"


@console_page()
@require_POST
def letters_zip(request: HttpRequest, viewer: Viewer, code: str) -> HttpResponse:
    """Every affected holder's letter and the head's, as Word files in one ZIP (each recorded)."""
    refused = _guard(request, viewer, code, campaign.may_write_letters(viewer.role))
    if refused is not None:
        return refused
    try:
        settings = _letter_settings(channels=False)
        files = campaign_bulk.agency_letters(
            _acting(request, viewer), agency=code, lang=_bulk_lang(request), **settings
        )
    except campaign.CampaignError as exc:
        return _refused_page(request, viewer, code, exc)
    name = campaign_bulk.zip_name(code, files[-1].letter.language, dt.date.today())
    return _download(campaign_bulk.letters_zip(files, settings["now"]), "application/zip", name)


@console_page()
@require_POST
def send_all(request: HttpRequest, viewer: Viewer, code: str) -> HttpResponse:
    """E-mail every holder not yet notified (the CSIRT); the page then says what was sent."""
    refused = _guard(request, viewer, code, campaign.may_send(viewer.role))
    if refused is not None:
        return refused
    from canhgac.services.watch_delivery import ChannelConfigError

    try:
        summary = campaign_bulk.send_unnotified(
            _acting(request, viewer), agency=code, lang=_bulk_lang(request), **_letter_settings()
        )
    except (campaign.CampaignError, ChannelConfigError) as exc:
        return _refused_page(request, viewer, code, exc)
    return _agency_page(request, viewer, code, summary=summary)


@console_page()
@require_GET
def evidence(request: HttpRequest, viewer: Viewer, code: str, record_id: int) -> HttpResponse:
    try:
        found = campaign.evidence_file(_acting(request, viewer), code, record_id, workspace())
    except (EvidenceError, OSError):
        raise Http404 from None
    if found is None:
        raise Http404
    name, data = found
    return _download(data, "application/octet-stream", name)


__all__ = ["agency", "evidence", "letter", "letters_zip", "overview", "record_step", "reopen", "send_all"]
