"""Who calls the API: a bearer token (``Authorization: Bearer cg_...``) or a console session.

Either way the caller becomes the same ``Viewer`` the pages use (``queries.viewers.viewer_of``),
so a token carries its user's role and agencies and nothing more. A revoked token, or one of a
disabled user or a user without a console role, is refused (401). A session must have passed
its TOTP step and, for writes, carry Django's CSRF token (django-ninja checks it on cookies).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from ninja.security import APIKeyCookie, HttpBearer

from canhgac.console.store.queries.viewers import Viewer, viewer_of
from canhgac.i18n import set_language
from canhgac.services.api_views import token_viewer
from canhgac.web.access import second_factor_step


def _speak(viewer: Viewer) -> None:
    translation.activate(viewer.language)
    set_language(viewer.language)


class BearerToken(HttpBearer):
    """A per-user API token; its use is noted (``last_used_at``)."""

    def authenticate(self, request: HttpRequest, token: str) -> Viewer | None:
        found = token_viewer(token.strip())
        if found is None:
            return None
        viewer, key_id = found
        request.api_token = key_id  # type: ignore[attr-defined]
        _speak(viewer)
        return viewer


class ConsoleSession(APIKeyCookie):
    """The browser's login session (CSRF checked on writes by django-ninja)."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None  # no session: a 401, not a CSRF refusal
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Viewer | None:
        if not request.user.is_authenticated:
            return None
        viewer = viewer_of(request.user.pk)
        if viewer is None or second_factor_step(request, viewer) is not None:
            return None
        return viewer


def viewer(request: HttpRequest) -> Viewer:
    """The authenticated caller of an operation (every operation requires one)."""
    found: Any = getattr(request, "auth", None)
    assert isinstance(found, Viewer)
    return found


def via(request: HttpRequest) -> str:
    """How the caller authenticated, for the security log: ``token:<id>`` or ``session``."""
    token = getattr(request, "api_token", None)
    return f"token:{token}" if token else "session"
