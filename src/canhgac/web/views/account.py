"""A user's own password: changing it (logged in, past TOTP) and choosing it through the one-time
link an administrator made (``console/store/account_passwords.py``).

The current password is checked by Django's ``authenticate``, through django-axes: a wrong one
is a failed login (logged as ``login.failed`` with ``purpose=password.change``) and counts
toward the lockout, so a session left open cannot be used to guess it. The session that
changed the password is kept (``update_session_auth_hash``); every other session of the user
ends at its next request.
"""

from __future__ import annotations

from django.contrib.auth import authenticate, update_session_auth_hash
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from canhgac.console.store import account_passwords
from canhgac.console.store.accounts import AccountError, PasswordRejectedError
from canhgac.console.store.queries.viewers import Viewer
from canhgac.i18n import gettext as _
from canhgac.web.access import console_page, page_context
from canhgac.web.client import client_address

PURPOSE = "password.change"  # in a failed check's credentials: the security log says why


def _refusals(exc: AccountError) -> list[str]:
    return list(exc.reasons) if isinstance(exc, PasswordRejectedError) else [str(exc)]


def _change(request: HttpRequest, viewer: Viewer) -> list[str]:
    """Check the current password, then set the new one; the refusals, or none when changed."""
    post = request.POST
    checked = authenticate(request, username=viewer.username, password=post.get("current_password", ""),
                           purpose=PURPOSE)
    if checked is None or checked.pk != request.user.pk:
        return [_("The current password is wrong.")]
    new = post.get("new_password", "")
    if new != post.get("new_password2", ""):
        return [_("The two new passwords differ.")]
    try:
        account_passwords.change_own_password(checked, new, address=client_address(request))
    except AccountError as exc:
        return _refusals(exc)
    update_session_auth_hash(request, checked)  # this session stays; the others end
    return []


@console_page()
@require_http_methods(["GET", "POST"])
def change_password(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    errors: list[str] = []
    if request.method == "POST":
        errors = _change(request, viewer)
        if not errors:
            return HttpResponseRedirect(f"{reverse('password-change')}?changed=1")
    return render(request, "console/password_change.html", page_context(
        request, viewer, errors=errors, changed=request.GET.get("changed") == "1"),
        status=400 if errors else 200)


@require_http_methods(["GET", "POST"])
def set_password(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The page a set-password link opens: no login (the link is the proof), the policy applies."""
    try:
        user = account_passwords.user_of_link(uidb64, token)
        errors = _set_by_link(request, uidb64, token) if request.method == "POST" else []
    except account_passwords.LinkRefusedError as exc:
        return _refused_link(request, exc.problem)
    if request.method == "POST" and not errors:
        return HttpResponseRedirect(f"{reverse('login')}?password=set")
    return render(request, "console/password_set.html",
                  {"username": user.get_username(), "errors": errors, "action": request.path},
                  status=400 if errors else 200)


def _set_by_link(request: HttpRequest, uidb64: str, token: str) -> list[str]:
    """Set the password the form sends; the refusals, or none when set (LinkRefusedError passes)."""
    password = request.POST.get("new_password", "")
    if password != request.POST.get("new_password2", ""):
        return [_("The two new passwords differ.")]
    try:
        account_passwords.set_password_by_link(uidb64, token, password, address=client_address(request))
    except account_passwords.LinkRefusedError:
        raise
    except AccountError as exc:
        return _refusals(exc)
    return []


def _refused_link(request: HttpRequest, problem: account_passwords.LinkProblem) -> HttpResponse:
    return render(request, "console/password_link_refused.html",
                  {"disabled": problem is account_passwords.LinkProblem.DISABLED}, status=400)
