"""The security log's web side: logins, failures, lockouts and logouts as they happen."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from canhgac.console.store.account_models import SecurityEventKind
from canhgac.console.store.accounts import record_event
from canhgac.web.client import client_address


def _address(request: HttpRequest | None) -> str:
    return client_address(request) if request is not None else ""


def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    record_event(SecurityEventKind.LOGIN, username=user.get_username(), actor=user.get_username(),
                 address=_address(request))


def _login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None,
                  **kwargs: Any) -> None:
    username = str(credentials.get("username", ""))  # Django masks the password in ``credentials``
    purpose = credentials.get("purpose")  # e.g. password.change: a logged-in user's current password
    record_event(SecurityEventKind.LOGIN_FAILED, username=username, address=_address(request),
                 detail={"purpose": str(purpose)} if purpose else None)


def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record_event(SecurityEventKind.LOGOUT, username=user.get_username(), actor=user.get_username(),
                     address=_address(request))


def _locked_out(sender: Any, request: HttpRequest | None, username: str | None = None,
                ip_address: str | None = None, **kwargs: Any) -> None:
    record_event(SecurityEventKind.LOCKED_OUT, username=username or "",
                 address=ip_address or _address(request))


def connect() -> None:
    from axes.signals import user_locked_out

    user_logged_in.connect(_logged_in, dispatch_uid="canhgac.security_log.login")
    user_login_failed.connect(_login_failed, dispatch_uid="canhgac.security_log.login_failed")
    user_logged_out.connect(_logged_out, dispatch_uid="canhgac.security_log.logout")
    user_locked_out.connect(_locked_out, dispatch_uid="canhgac.security_log.locked_out")
