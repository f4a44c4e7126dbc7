"""Writes of the console's accounts: create, change role or agencies, disable, the security log.

Passwords go through Django's validators (length, common passwords, similarity to the user
name) and hashers; every change to an account is written with its security event in one
transaction, so the log cannot miss an act that happened.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from canhgac.console.store.account_models import ConsoleAccount, SecurityEvent, SecurityEventKind, UserAgency
from canhgac.console.store.errors import StoreError
from canhgac.console.store.models import Agency
from canhgac.console.store.roles import Role, needs_agencies
from canhgac.i18n import gettext as _

LANGUAGES = ("vi", "en")


class AccountError(StoreError, ValueError):
    """An account request refused as asked (unknown user, agency, role; a taken name)."""


class PasswordRejectedError(AccountError):
    """The password fails the policy; ``reasons`` are Django's messages, in the active language."""

    def __init__(self, reasons: Iterable[str]) -> None:
        self.reasons = tuple(reasons)
        super().__init__("; ".join(self.reasons))


def record_event(kind: SecurityEventKind, *, username: str = "", actor: str = "", address: str = "",
                 detail: Mapping[str, Any] | None = None) -> SecurityEvent:
    """Append one entry to the security log."""
    return SecurityEvent.objects.create(
        created_at=timezone.now(), kind=kind.value, username=username[:150], actor=actor[:150],
        address=address[:64], detail=dict(detail or {}),
    )


def _agencies(role: Role, codes: Iterable[str]) -> list[Agency]:
    wanted = sorted(set(codes))
    if needs_agencies(role) and not wanted:
        raise AccountError(_("an agency officer must be bound to at least one agency (--agency CODE)"))
    if not needs_agencies(role) and wanted:
        raise AccountError(_("a {role} sees every agency: do not bind it to agencies").format(
            role=role.value))
    found = list(Agency.objects.filter(code__in=wanted).order_by("code"))
    unknown = sorted(set(wanted) - {a.code for a in found})
    if unknown:
        raise AccountError(_(
            "no agency {codes} in the store: agencies are stored by the first `canhgac scan` of the inventory"
        ).format(
            codes=", ".join(unknown)))
    return found


def user_named(username: str) -> Any:
    """The Django user of that name (AccountError when there is none)."""
    try:
        return get_user_model().objects.select_related("console_account").get(username=username)
    except get_user_model().DoesNotExist:
        raise AccountError(_("there is no user {name}").format(name=username)) from None


def check_password(username: str, password: str) -> None:
    """Refuse a password the policy rejects (PasswordRejectedError with every reason)."""
    user = get_user_model()(username=username)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise PasswordRejectedError(exc.messages) from None


def check_new_account(username: str, role: Role, agencies: Iterable[str] = (), language: str = "vi") -> None:
    """Refuse a new account that could not be created as asked (before its password is typed)."""
    name = username.strip()
    if not name or len(name) > 150 or name != username:
        raise AccountError(_("a user name is 1 to 150 characters, without leading or trailing spaces"))
    if language not in LANGUAGES:
        raise AccountError(_("language must be one of {languages}").format(languages=", ".join(LANGUAGES)))
    _agencies(role, agencies)
    if get_user_model().objects.filter(username=name).exists():
        raise AccountError(_("the user {name} already exists").format(name=name))


def create_account(username: str, password: str, role: Role, agencies: Iterable[str] = (), *,
                   actor: str, totp_required: bool = False, language: str = "vi") -> Any:
    """A new console user with a validated, hashed password, a role and (officers) agencies."""
    check_new_account(username, role, agencies, language)
    bound = _agencies(role, agencies)
    check_password(username, password)
    with transaction.atomic():
        user = get_user_model().objects.create_user(username=username, password=password)
        ConsoleAccount.objects.create(user=user, role=role.value, language=language,
                                      totp_required=totp_required)
        UserAgency.objects.bulk_create(UserAgency(user=user, agency=a) for a in bound)
        record_event(SecurityEventKind.USER_CREATED, username=username, actor=actor,
                     detail={"role": role.value, "agencies": [a.code for a in bound],
                             "totp_required": totp_required})
    return user


def set_role(username: str, role: Role, agencies: Iterable[str] = (), *, actor: str) -> None:
    """Change a user's role and agencies (an officer's agencies replace the previous ones)."""
    bound = _agencies(role, agencies)
    with transaction.atomic():
        user = user_named(username)
        account, _created = ConsoleAccount.objects.get_or_create(user=user, defaults={"role": role.value})
        before = {"role": account.role,
                  "agencies": sorted(user.agency_bindings.values_list("agency__code", flat=True))}
        account.role = role.value
        account.save(update_fields=["role"])
        UserAgency.objects.filter(user=user).delete()
        UserAgency.objects.bulk_create(UserAgency(user=user, agency=a) for a in bound)
        record_event(SecurityEventKind.ROLE_CHANGED, username=username, actor=actor,
                     detail={"before": before, "after": {"role": role.value,
                                                          "agencies": [a.code for a in bound]}})


def set_active(username: str, active: bool, *, actor: str) -> None:
    """Disable a user (they can no longer log in; open sessions end at their next request) or
    enable them again."""
    with transaction.atomic():
        user = user_named(username)
        user.is_active = active
        user.save(update_fields=["is_active"])
        kind = SecurityEventKind.USER_ENABLED if active else SecurityEventKind.USER_DISABLED
        record_event(kind, username=username, actor=actor)


def set_totp_required(username: str, required: bool, *, actor: str) -> None:
    """Require (or stop requiring) TOTP: a user who has not enrolled sees only the enrolment page."""
    with transaction.atomic():
        user = user_named(username)
        account = ConsoleAccount.objects.filter(user=user).first()
        if account is None:
            raise AccountError(_("{name} has no console role: give one with `canhgac users set-role`").format(
                name=username))
        account.totp_required = required
        account.save(update_fields=["totp_required"])
        record_event(SecurityEventKind.TOTP_REQUIRED, username=username, actor=actor,
                     detail={"required": required})


def set_language(user_id: int, language: str) -> None:
    """A user's language for the console (vi or en)."""
    if language not in LANGUAGES:
        raise AccountError(_("language must be one of {languages}").format(languages=", ".join(LANGUAGES)))
    ConsoleAccount.objects.filter(user_id=user_id).update(language=language)
