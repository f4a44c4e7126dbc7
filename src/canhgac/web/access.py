"""Who may open a page: one decorator every console page goes through.

It turns the session's user into a ``Viewer`` (role and scope, from ``queries.viewers``) and
refuses what the role may not do; the scope itself is applied by the queries the page calls,
so a page cannot show another agency's rows even if it forgot to ask. A second factor is
enforced here: a user with a confirmed TOTP device must have passed it in this session, and a
user an administrator required to use TOTP sees only the enrolment page until they enrol.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec
from urllib.parse import urlencode

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django_otp import user_has_device

from canhgac.console.store.queries.viewers import Viewer, viewer_of
from canhgac.console.store.roles import may_administer

P = ParamSpec("P")
View = Callable[Concatenate[HttpRequest, Viewer, P], HttpResponse]


def _login_redirect(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")


def second_factor_step(request: HttpRequest, viewer: Viewer) -> str | None:
    """The URL name of the TOTP step this session still owes, or None when it owes none."""
    verified = getattr(request.user, "is_verified", lambda: False)()
    if user_has_device(request.user):
        return None if verified else "totp-verify"
    return "totp-enrol" if viewer.totp_required else None


def console_page(
    *, admin: bool = False, totp_step: bool = False
) -> Callable[[View[P]], Callable[..., HttpResponse]]:
    """Guard a view taking ``(request, viewer, ...)``: logged in, a console role, TOTP passed
    (``totp_step`` views are the TOTP pages themselves), administrators only with ``admin``."""

    def decorate(view: View[P]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return _login_redirect(request)
            viewer = viewer_of(request.user.pk)
            if viewer is None:  # disabled meanwhile, or a Django user without a console role
                logout(request)
                return render(request, "console/no_access.html", status=403)
            step = second_factor_step(request, viewer)
            if step is not None and not totp_step:
                return HttpResponseRedirect(reverse(step))
            if admin and not may_administer(viewer.role):
                return render(request, "console/forbidden.html", {"viewer": viewer}, status=403)
            return view(request, viewer, *args, **kwargs)

        return guarded

    return decorate


def page_context(request: HttpRequest, viewer: Viewer, **values: Any) -> dict[str, Any]:
    """What the base layout needs beside the page's own values."""
    return {"viewer": viewer, "is_admin": may_administer(viewer.role), **values}
