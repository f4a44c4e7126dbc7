"""The console's own defences and per-user language, as Django middleware.

``SecurityHeadersMiddleware`` adds what Django 5.2 does not send itself: a Content Security
Policy without ``unsafe-inline`` (templates hold no inline script or style; htmx is a vendored
static file), ``Permissions-Policy``, ``Cross-Origin-Resource-Policy``, and ``no-store`` on
pages so a shared computer's back button shows no agency's data after logout. Django's
``SecurityMiddleware`` sends nosniff, Referrer-Policy, COOP and (over TLS) HSTS;
``XFrameOptionsMiddleware`` sends ``X-Frame-Options: DENY``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from canhgac.i18n import DEFAULT_LANGUAGE, LANGUAGES, set_language

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "font-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
))
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"

Handler = Callable[[HttpRequest], HttpResponse]


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if not request.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response


class UserLanguageMiddleware:
    """Each request in its user's language (their account's setting; before login, the language
    cookie the login page's switch sets; else Vietnamese), for Django and for canhgac's gettext."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = _language_of(request)
        translation.activate(language)
        set_language(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


def _language_of(request: HttpRequest) -> str:
    from django.conf import settings

    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        account = getattr(user, "console_account", None)
        if account is not None and account.language in LANGUAGES:
            return str(account.language)
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return cookie if cookie in LANGUAGES else DEFAULT_LANGUAGE
