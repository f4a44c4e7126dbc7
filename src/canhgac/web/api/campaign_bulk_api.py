"""``/campaign/{agency}/letters/zip`` and ``/letters/send-all``: the campaign's letters in bulk for
scripts (``services.campaign_bulk``), scoped as the rest of ``/campaign``: every affected holder's
letter of an agency and the head's as one ZIP of Word files (the CSIRT, the agency's officers; each
recorded as written), and the e-mail to every holder not yet notified, the Word letter attached
(the CSIRT; a holder whose e-mail the relay accepted is never sent it again). Another agency is
404, exactly as one without a campaign; leaders 403.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Path, Router, Schema
from pydantic import ConfigDict

from canhgac.services import campaign, campaign_bulk
from canhgac.web.api.campaign_api import (
    ERRORS,
    CampaignLanguage,
    acting_on,
    attachment,
    letter_kwargs,
    refused_as,
)
from canhgac.web.api.errors import ErrorBody

router = Router(tags=["campaign"])


class CampaignBulkIn(Schema):
    model_config = ConfigDict(extra="forbid")

    language: CampaignLanguage = CampaignLanguage.VI


class CampaignNotSentOut(Schema):
    address: str
    reason: str  # the relay's answer


class CampaignSendAllOut(Schema):
    sent: list[str]  # the holders e-mailed now
    refused: list[CampaignNotSentOut]  # refused by the relay for good (the address)
    failed: list[CampaignNotSentOut]  # the relay away or timed out: worth a rerun
    already: int  # holders notified before, not sent again



@router.post(
    "/campaign/{agency}/letters/zip",
    response={200: bytes, 400: ErrorBody, **ERRORS},
    openapi_extra={
        "responses": {
            "200": {
                "description": "Every affected holder's letter and the head's, as Word files in one ZIP",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
    summary="Every notification letter of an agency as one ZIP",
)
def post_letters_zip(request: HttpRequest, agency: Path[str], asked: CampaignBulkIn) -> HttpResponse:
    """One Word letter per affected holder and the head's; each recorded as written."""
    who = acting_on(request, agency)
    settings = letter_kwargs()
    del settings["channels"]
    with refused_as(422):
        files = campaign_bulk.agency_letters(who, agency=agency, lang=asked.language.value, **settings)
    name = campaign_bulk.zip_name(agency, asked.language.value, dt.date.today())
    return attachment(campaign_bulk.letters_zip(files, settings["now"]), "application/zip", name)


@router.post(
    "/campaign/{agency}/letters/send-all",
    response={200: CampaignSendAllOut, 400: ErrorBody, **ERRORS},
    summary="E-mail every holder not yet notified (the CSIRT)",
)
def post_send_all(request: HttpRequest, agency: Path[str], asked: CampaignBulkIn) -> dict[str, Any]:
    """Through the watch's ``[watch.email]`` relay, the Word letter attached; a holder whose e-mail
    the relay accepted before is not sent it again. 409 when no relay is configured."""
    who = acting_on(request, agency, campaign.may_send)
    with refused_as(409):
        summary = campaign_bulk.send_unnotified(
            who, agency=agency, lang=asked.language.value, **letter_kwargs()
        )
    return {
        "sent": list(summary.sent),
        "refused": [{"address": a, "reason": r} for a, r in summary.refused],
        "failed": [{"address": a, "reason": r} for a, r in summary.failed],
        "already": summary.already,
    }
