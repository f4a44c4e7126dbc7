"""Users and roles, for administrators: list, create, change role and agencies, disable or
enable, require TOTP, make a one-time set-password link (shown once, in the answer to the form
that made it: it is stored nowhere).

Every change goes through ``services.accounts``, the functions behind ``canhgac users``, so
the console and the CLI validate, refuse and log (``SecurityEvent``, the administrator as the
actor) the same way. An administrator cannot change their own role or disable themselves
here: the console would lock out the only person able to undo it.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from canhgac.console.store import account_passwords, queries
from canhgac.console.store.accounts import AccountError, PasswordRejectedError
from canhgac.console.store.queries.viewers import AccountRow, Viewer
from canhgac.i18n import gettext as _
from canhgac.services import accounts
from canhgac.web.access import console_page, page_context
from canhgac.web.client import client_address
from canhgac.web.jinja import current_language


def _agencies(viewer: Viewer) -> list[tuple[str, str]]:
    return [(a.code, a.name) for a in queries.agencies(viewer.scope)]


def _refusals(exc: AccountError) -> list[str]:
    return list(exc.reasons) if isinstance(exc, PasswordRejectedError) else [str(exc)]


def _create(request: HttpRequest, viewer: Viewer) -> list[str]:
    """Create the user the form describes; the refusals, or none when it was created."""
    post = request.POST
    username, role = post.get("username", ""), post.get("role", "")
    password = post.get("password", "")
    if password != post.get("password2", ""):
        return [_("The two passwords differ.")]
    try:
        accounts.check_new_user(username, role, post.getlist("agencies"), current_language())
        accounts.add_user(username, password, role, post.getlist("agencies"), actor=viewer.username,
                          totp_required=post.get("totp_required") == "on", lang=current_language())
    except AccountError as exc:
        return _refusals(exc)
    return []


@console_page(admin=True)
@require_http_methods(["GET", "POST"])
def users(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    errors: list[str] = []
    if request.method == "POST":
        errors = _create(request, viewer)
        if not errors:
            return HttpResponseRedirect(reverse("user", args=[request.POST["username"]]))
    form = {key: request.POST.get(key, "") if errors else "" for key in ("username", "role")}
    return render(request, "console/users.html", page_context(
        request, viewer, rows=accounts.users(), roles=accounts.roles(), agencies=_agencies(viewer),
        errors=errors, form=form, chosen=request.POST.getlist("agencies") if errors else []),
        status=400 if errors else 200)


def _change(request: HttpRequest, viewer: Viewer, row: AccountRow) -> list[str]:
    """Apply the one change the posted form asks for; the refusals, or none."""
    action = request.POST.get("action", "")
    own = row.username == viewer.username
    try:
        if action == "role":
            if own:
                return [_("You cannot change your own role: ask another administrator.")]
            accounts.set_role(row.username, request.POST.get("role", ""), request.POST.getlist("agencies"),
                              actor=viewer.username)
        elif action in ("disable", "enable"):
            if own:
                return [_("You cannot disable your own account: ask another administrator.")]
            accounts.set_active(row.username, action == "enable", actor=viewer.username)
        elif action in ("require-totp", "lift-totp"):
            accounts.require_totp(row.username, action == "require-totp", actor=viewer.username)
        else:
            return [_("Unknown change.")]
    except AccountError as exc:
        return _refusals(exc)
    return []


def _row(username: str) -> AccountRow | None:
    return next((row for row in accounts.users() if row.username == username), None)


@console_page(admin=True)
@require_http_methods(["GET", "POST"])
def user(request: HttpRequest, viewer: Viewer, username: str) -> HttpResponse:
    row = _row(username)
    if row is None:
        raise Http404
    errors: list[str] = []
    link = ""
    if request.method == "POST" and request.POST.get("action") == "password-link":
        try:
            link = request.build_absolute_uri(account_passwords.create_link(
                username, actor=viewer.username, address=client_address(request)))
        except AccountError as exc:
            errors = _refusals(exc)
    elif request.method == "POST":
        errors = _change(request, viewer, row)
        if not errors:
            return HttpResponseRedirect(reverse("user", args=[username]))
    events = accounts.security_log(kind=None, username=username, limit=20)
    return render(request, "console/user.html", page_context(
        request, viewer, row=row, roles=accounts.roles(), agencies=_agencies(viewer), errors=errors,
        own=row.username == viewer.username, events=events, link=link), status=400 if errors else 200)
