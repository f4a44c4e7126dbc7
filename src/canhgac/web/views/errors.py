"""Error pages in the console's layout (Django's defaults carry inline styles the CSP refuses)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its CSRF token, or from another site (Django's CSRF_FAILURE_VIEW)."""
    return render(request, "console/csrf.html", status=403)
