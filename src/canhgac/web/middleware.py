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

from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.utils import translation

from canhgac.i18n import DEFAULT_LANGUAGE, LANGUAGES, set_language
from canhgac.i18n import gettext as _

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


class NulBytesMiddleware:
    """Refuse a request whose path, query or form fields hold a NUL byte, before any view.

    PostgreSQL text cannot hold NUL (``DataError``, a 500 from any query that filters on the
    value); no agency code, fingerprint, filter or note ever contains one. A NUL in the path
    is "not found", elsewhere the request is bad: for the API with its one error body (404 or
    422, which every operation declares), for pages Django's 404 or 400 page.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        api = request.path.startswith("/api/")
        if "\x00" in request.path:
            if api:
                return _api_refusal(404, _("not found"))
            raise Http404
        if _has_nul(request.GET) or (request.method == "POST" and _has_nul(request.POST)):
            if api:
                return _api_refusal(422, _("invalid request: a parameter holds a NUL byte"))
            raise BadRequest
        return self.get_response(request)


def _has_nul(fields: QueryDict) -> bool:
    return any("\x00" in key or any("\x00" in value for value in fields.getlist(key)) for key in fields)


def _api_refusal(status: int, message: str) -> HttpResponse:
    from canhgac.web.api.errors import error_response

    return error_response(status, message)
