"""``/logs/detections``: the stored log detections (issue 18) for scripts, list and detail, within
the caller's scope (``services.log_pages``): an agency officer's token reads only its agencies'
detections; another agency's detection answers 404 as one that does not exist."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from canhgac.i18n import gettext as _
from canhgac.services import log_pages as svc
from canhgac.web.api.auth import viewer
from canhgac.web.api.errors import COMMON_ERRORS, ApiError, ErrorBody

router = Router(tags=["logs"])
MAX_LIMIT = 1000


class DetectionOut(Schema):
    id: str  # the finding's fingerprint
    agency: str
    rule: str  # the check id, e.g. logs.auth.brute-force
    title: str  # the rule's title in the caller's language
    severity: str
    group: str  # what the rule counted per: client=..., account=...
    first_seen: datetime | None
    last_seen: datetime | None
    count: int  # lines matched in the window
    clients: list[str]
    accounts: list[str]
    source: str  # the log (file path, or syslog:<host>/<app>)
    lifecycle: str  # new, open, reopened, fixed
    triage: str
    stored_at: datetime


class EvidenceLineOut(Schema):
    source: str
    line_no: int
    time: datetime | None
    raw: str


class DetectionDetailOut(DetectionOut):
    sources: list[str]
    values: dict[str, Any]
    lines: list[EvidenceLineOut]


@router.get(
    "/logs/detections",
    response={200: list[DetectionOut], **COMMON_ERRORS},
    summary="Detections found in the agencies' logs",
)
def list_detections(
    request: HttpRequest,
    agency: str = "",
    rule: str = "",
    severity: str = "",
    closed: bool = False,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """The detections the caller may see, the most recent window first: ``agency``, ``rule`` and
    the least ``severity`` filter them; ``closed`` adds the fixed ones."""
    chosen = svc.DetectionFilter(
        agency.strip()[:64], rule.strip()[:128], severity if severity in svc.SEVERITIES else "", not closed
    )
    rows = svc.detections(viewer(request).scope, chosen, limit=max(1, min(limit, MAX_LIMIT)))
    return [svc.row_json(r) for r in rows]


@router.get(
    "/logs/detections/{detection_id}",
    response={200: DetectionDetailOut, 404: ErrorBody, **COMMON_ERRORS},
    summary="One detection with its evidence lines",
)
def get_detection(request: HttpRequest, detection_id: str) -> dict[str, Any]:
    """``detection_id``: the detection's ``id`` (its finding's fingerprint)."""
    found = svc.detection(viewer(request).scope, detection_id)
    if found is None:
        raise ApiError(404, _("no detection {id}").format(id=detection_id[:64]))
    return svc.detail_json(found)
