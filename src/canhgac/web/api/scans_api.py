"""``/scans`` and ``/findings/{fingerprint}/retest``: launch a scan or a retest, follow a launch.

The pages' rules (``services.scan_launches``): a scan is the CSIRT's; a retest the CSIRT's for
any finding and an agency officer's for their own agencies' findings (another agency's
fingerprint answers 404 as one that does not exist). A launch is queued for the console's scan
worker and answered 202 with its state; ``/scans/launches/{id}`` says how far it is.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from canhgac.i18n import gettext as _
from canhgac.services.scan_launches import (
    LaunchForbiddenError,
    LaunchRefusedError,
    launch_retest,
    launch_scan,
)
from canhgac.services.scan_pages import LaunchView, launch_view
from canhgac.web.api.auth import via, viewer
from canhgac.web.api.errors import COMMON_ERRORS, ApiError, ErrorBody
from canhgac.web.client import client_address

router = Router(tags=["scans"])
FINGERPRINT = r"^[0-9a-f]{32}$"


class ScanIn(Schema):
    """What to scan: every agency (nothing given), one agency, one check family, or both."""

    model_config = ConfigDict(extra="forbid")

    agency: str | None = Field(None, max_length=64)
    family: str | None = Field(None, max_length=128)


class LaunchOut(Schema):
    id: int
    kind: str  # scan or retest
    state: str  # queued, running, finished, failed, interrupted
    agency: str | None
    family: str | None
    fingerprint: str | None
    requested_by: str
    phase: str  # waiting, discovery, checks, done
    done: int
    total: int | None
    results: int
    ahead: int  # queued: launches the worker runs first
    run_id: int | None
    error: str | None


def _out(found: LaunchView) -> dict[str, Any]:
    return {"id": found.id, "kind": found.kind, "state": found.state, "agency": found.agency or None,
            "family": found.family or None, "fingerprint": found.fingerprint or None,
            "requested_by": found.requested_by, "phase": found.phase, "done": found.done,
            "total": found.total,
            "results": found.results, "ahead": found.ahead, "run_id": found.run.id if found.run else None,
            "error": found.error or None}


def _launched(request: HttpRequest, launch_id: int) -> Status[dict[str, Any]]:
    found = launch_view(viewer(request).scope, launch_id)
    assert found is not None  # just queued, in the caller's scope
    return Status(202, _out(found))


@router.post("/scans", response={202: LaunchOut, 400: ErrorBody, **COMMON_ERRORS}, summary="Launch a scan")
def start_scan(request: HttpRequest, asked: ScanIn) -> Status[dict[str, Any]]:
    """Queue a scan of the store's inventory with the workspace's settings (the CSIRT only)."""
    who = viewer(request)
    try:
        launched = launch_scan(who, agency=asked.agency or "", family=asked.family or "",
                               address=client_address(request), via=via(request))
    except LaunchForbiddenError as exc:
        raise ApiError(403, str(exc)) from None
    except LaunchRefusedError as exc:
        raise ApiError(422, str(exc)) from None
    return _launched(request, launched.pk)


@router.get("/scans/launches/{launch_id}", response={200: LaunchOut, **COMMON_ERRORS},
            summary="One launch and its progress")
def get_launch(request: HttpRequest, launch_id: Path[int]) -> dict[str, Any]:
    """A launch's state and progress, and its run once it has one."""
    found = launch_view(viewer(request).scope, launch_id)
    if found is None:
        raise ApiError(404, _("there is no launch {launch}").format(launch=launch_id))
    return _out(found)


@router.post("/findings/{fingerprint}/retest", response={202: LaunchOut, 400: ErrorBody, **COMMON_ERRORS},
             summary="Retest one finding")
def retest_finding(request: HttpRequest, fingerprint: Path[str]) -> Status[dict[str, Any]]:
    """Queue a retest of one finding (its check on its target, with its last settings)."""
    who = viewer(request)
    if not re.fullmatch(FINGERPRINT, fingerprint):
        raise ApiError(404, _("there is no finding {fingerprint}").format(fingerprint=fingerprint[:64]))
    try:
        launched = launch_retest(who, fingerprint, address=client_address(request), via=via(request))
    except LaunchForbiddenError as exc:
        raise ApiError(403, str(exc)) from None
    except LookupError:
        raise ApiError(404, _("there is no finding {fingerprint}").format(fingerprint=fingerprint)) from None
    return _launched(request, launched.pk)
