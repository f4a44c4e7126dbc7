"""Login (password, then TOTP when the user has a device), logout, lockout, language."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token, user_has_device

from canhgac.console.store.account_models import SecurityEventKind
from canhgac.console.store.accounts import record_event, set_language
from canhgac.console.store.queries.viewers import Viewer
from canhgac.i18n import LANGUAGES
from canhgac.web.access import console_page
from canhgac.web.client import client_address
from canhgac.web.forms import LoginForm


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def _next(request: HttpRequest) -> str:
    """Where to go after logging in: the page asked for, if it is on this site; else the dashboard."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return wanted
    return reverse("home")


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        auth_login(request, user)
        if user_has_device(user):
            return HttpResponseRedirect(f"{reverse('totp-verify')}?next={_quoted(_next(request))}")
        return HttpResponseRedirect(_next(request))
    errors = [str(e) for e in form.non_field_errors()]
    status = 200 if request.method == "GET" or not errors else 401
    context = {"errors": errors, "next": _next(request), "username": request.POST.get("username", ""),
               "attempts": settings.AXES_FAILURE_LIMIT, "minutes": lockout_minutes(),
               "password_set": request.GET.get("password") == "set"}
    return render(request, "console/login.html", context, status=status)


def _quoted(path: str) -> str:
    return quote(path, safe="/")


@console_page(totp_step=True)
@require_http_methods(["GET", "POST"])
def totp_verify(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    """The second step of a login: a code from the user's authenticator app."""
    if not user_has_device(request.user):
        return HttpResponseRedirect(reverse("home"))
    error = ""
    if request.method == "POST":
        device = match_token(request.user, request.POST.get("token", "").strip())
        if device is not None:
            otp_login(request, device)
            return HttpResponseRedirect(_next(request))
        record_event(SecurityEventKind.TOTP_FAILED, username=viewer.username, actor=viewer.username,
                     address=client_address(request))
        error = "refused"
    return render(request, "console/totp_verify.html",
                  {"viewer": viewer, "error": error, "next": _next(request)},
                  status=401 if error else 200)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth_logout(request)  # sends user_logged_out: the security log records it
    return HttpResponseRedirect(reverse("login"))


def locked_out(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """What django-axes answers while a username or address is locked out (the log has it)."""
    return render(request, "console/locked_out.html", {"minutes": lockout_minutes()}, status=429)


@require_POST
def choose_language(request: HttpRequest) -> HttpResponse:
    """The user's language: kept in their account (and in a cookie for the login page)."""
    language = request.POST.get("language", "")
    if language not in LANGUAGES:
        return HttpResponse(status=400)
    if request.user.is_authenticated:
        set_language(request.user.pk, language)
    response = HttpResponseRedirect(_next(request))
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600,
                        secure=settings.LANGUAGE_COOKIE_SECURE, httponly=True, samesite="Lax")
    return response
