"""The page an alert message's acknowledgement link opens: no login (the signed link is the
proof), a GET only shows the alert (mail scanners open links), the button acknowledges."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from canhgac.services import alert_ack
from canhgac.web.client import client_address


@require_http_methods(["GET", "POST"])
def acknowledge(request: HttpRequest, token: str) -> HttpResponse:
    now = timezone.now()
    try:
        if request.method == "POST":
            alert = alert_ack.acknowledge(token, now, address=client_address(request))
        else:
            alert = alert_ack.look(token, now)
    except alert_ack.LinkRefusedError as exc:
        return render(request, "console/alert_ack.html", {"refused": exc.problem.value}, status=400)
    return render(request, "console/alert_ack.html", {"refused": "", "alert": alert, "action": request.path})
