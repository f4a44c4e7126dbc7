"""Reads of the console's accounts: who a logged-in user is to canhgac, and the security log.

``viewer_of`` is where a login becomes a :class:`ViewerScope`: every page, download and API
call asks it, once per request, and passes the scope to the other queries. These reads are
about accounts, not agencies' data, so they take no scope and are not exported with the
scoped queries of ``queries`` (whose every public function takes the scope first); the
console lets only administrators call ``accounts`` and ``security_events``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from canhgac.console.store.account_models import ConsoleAccount, SecurityEvent
from canhgac.console.store.queries.scope import ViewerScope
from canhgac.console.store.roles import Role, sees_every_agency


def scope_for(role: Role, agencies: Iterable[str]) -> ViewerScope:
    """What a user of ``role`` bound to ``agencies`` may see (the binding matters to officers only)."""
    if sees_every_agency(role):
        return ViewerScope.everything()
    return ViewerScope.agencies(agencies)


@dataclass(frozen=True, slots=True)
class Viewer:
    """A logged-in user as the console sees them: role, scope, language, TOTP duty."""

    user_id: int
    username: str
    role: Role
    agencies: tuple[str, ...]
    language: str
    totp_required: bool

    @property
    def scope(self) -> ViewerScope:
        return scope_for(self.role, self.agencies)


def viewer_of(user_id: int) -> Viewer | None:
    """The viewer of an active user with a console role; None otherwise (they see nothing)."""
    account = (ConsoleAccount.objects.select_related("user")
               .filter(user_id=user_id, user__is_active=True).first())
    if account is None:
        return None
    try:
        role = Role(account.role)
    except ValueError:  # a role this version does not know: no access rather than a guess
        return None
    bindings = account.user.agency_bindings.order_by("agency__code")
    codes = tuple(bindings.values_list("agency__code", flat=True))
    return Viewer(account.user_id, account.user.username, role, codes, account.language,
                  account.totp_required)


@dataclass(frozen=True, slots=True)
class AccountRow:
    username: str
    role: str  # empty: a Django user without a console role (sees nothing)
    agencies: tuple[str, ...]
    active: bool
    totp_required: bool
    totp_enrolled: bool
    last_login: datetime | None


def accounts() -> list[AccountRow]:
    """Every user, by name, with role, agencies and TOTP state."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    enrolled = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    bound: dict[int, list[str]] = {}
    for user_id, code in (get_user_model().objects.filter(agency_bindings__isnull=False)
                          .order_by("agency_bindings__agency__code")
                          .values_list("pk", "agency_bindings__agency__code")):
        bound.setdefault(user_id, []).append(code)
    rows = []
    for user in get_user_model().objects.select_related("console_account").order_by("username"):
        account = getattr(user, "console_account", None)
        rows.append(AccountRow(
            username=user.username, role=account.role if account else "",
            agencies=tuple(bound.get(user.pk, ())), active=user.is_active,
            totp_required=bool(account and account.totp_required), totp_enrolled=user.pk in enrolled,
            last_login=user.last_login,
        ))
    return rows


def security_events(*, kind: str | None = None, username: str | None = None,
                    limit: int = 200) -> QuerySet[SecurityEvent]:
    """The security log, newest first, optionally of one kind or about one user."""
    rows = SecurityEvent.objects.all()
    if kind:
        rows = rows.filter(kind=kind)
    if username:
        rows = rows.filter(username=username)
    return rows.order_by("-created_at", "-pk")[:limit]
