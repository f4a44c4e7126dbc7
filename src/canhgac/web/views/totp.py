"""TOTP enrolment: a user adds an authenticator app (by QR code or by typing the key) and
confirms it with one code; from then on every login asks for a code."""

from __future__ import annotations

import base64
import io

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from canhgac.console.store.account_models import SecurityEventKind
from canhgac.console.store.accounts import record_event
from canhgac.console.store.queries.viewers import Viewer
from canhgac.web.access import console_page
from canhgac.web.client import client_address

DEVICE_NAME = "canhgac"


def _pending_device(request: HttpRequest) -> TOTPDevice:
    """The user's unconfirmed device, made on first visit; its key is shown until confirmed."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name=DEVICE_NAME, confirmed=False)
    return device


def _already_enrolled(request: HttpRequest) -> HttpResponse | None:
    """A user with a device enrols no second one here: an unverified session could otherwise add
    its own device and skip the code it owes."""
    if not user_has_device(request.user):
        return None
    verified = request.user.is_verified()  # type: ignore[union-attr]
    return HttpResponseRedirect(reverse("home" if verified else "totp-verify"))


@console_page(totp_step=True)
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    if (done := _already_enrolled(request)) is not None:
        return done
    device = _pending_device(request)
    error = ""
    if request.method == "POST":
        if device.verify_token(request.POST.get("token", "").strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            record_event(SecurityEventKind.TOTP_ENROLLED, username=viewer.username, actor=viewer.username,
                         address=client_address(request))
            return HttpResponseRedirect(reverse("home"))
        error = "refused"
    key = base64.b32encode(device.bin_key).decode("ascii")
    grouped = " ".join(key[i:i + 4] for i in range(0, len(key), 4))
    return render(request, "console/totp_enrol.html",
                  {"viewer": viewer, "key": grouped, "error": error, "required": viewer.totp_required},
                  status=400 if error else 200)


@console_page(totp_step=True)
@require_GET
def enrol_qr(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    """The pending device's otpauth URI as an SVG QR code (never a confirmed device's key)."""
    import segno

    if _already_enrolled(request) is not None:
        return HttpResponse(status=404)
    svg = io.BytesIO()
    segno.make(_pending_device(request).config_url, error="m").save(svg, kind="svg", scale=5, border=2)
    return HttpResponse(svg.getvalue(), content_type="image/svg+xml")
