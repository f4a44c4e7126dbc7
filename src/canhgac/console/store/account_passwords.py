"""Writes of passwords: a user changing their own, an administrator setting one (CLI), and the
one-time set-password link an administrator hands over instead of a typed first password.

The link is Django's ``PasswordResetTokenGenerator``: an HMAC over the user's id, password hash
and last login with a timestamp, so it stops working once the password changes (it is used
once), once the user logs in, after ``PASSWORD_RESET_TIMEOUT`` (72 hours) or when the signing
key changes; nothing is stored. Every password written here goes through the policy's
validators, with its security event in the same transaction. Changing a password ends the
user's other sessions: Django checks each session's password hash at its next request.
"""

from __future__ import annotations

import enum
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from canhgac.console.store.account_models import SecurityEventKind
from canhgac.console.store.accounts import AccountError, PasswordRejectedError, record_event, user_named
from canhgac.i18n import gettext as _

TOKENS = PasswordResetTokenGenerator()


class LinkProblem(enum.Enum):
    """Why a set-password link cannot be used."""

    INVALID = "invalid"  # used, expired, superseded by a login, or altered: the token says no more
    DISABLED = "disabled"  # the account was disabled since


class LinkRefusedError(AccountError):
    """A set-password link that cannot be used; ``problem`` says which page to show."""

    def __init__(self, problem: LinkProblem) -> None:
        self.problem = problem
        super().__init__(problem.value)


def validate_new_password(user: Any, password: str) -> None:
    """The policy's validators on ``password`` for this user (PasswordRejectedError)."""
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise PasswordRejectedError(exc.messages) from None


def _write(user: Any, password: str, kind: SecurityEventKind, *, actor: str, address: str,
           detail: dict[str, str]) -> None:
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        record_event(kind, username=user.get_username(), actor=actor, address=address, detail=detail)


def change_own_password(user: Any, new_password: str, *, address: str) -> None:
    """A logged-in user's new password (their current one already checked by the caller)."""
    if user.check_password(new_password):
        raise PasswordRejectedError([_("The new password is the current one: choose another.")])
    validate_new_password(user, new_password)
    _write(user, new_password, SecurityEventKind.PASSWORD_CHANGED, actor=user.get_username(),
           address=address, detail={"via": "console"})


def set_password(username: str, password: str, *, actor: str) -> None:
    """An administrator sets a user's password (``canhgac users set-password``)."""
    user = user_named(username)
    validate_new_password(user, password)
    _write(user, password, SecurityEventKind.PASSWORD_CHANGED, actor=actor, address="",
           detail={"via": "administrator"})


def create_link(username: str, *, actor: str, address: str = "") -> str:
    """A one-time set-password link for an active user: the path to append to the console's address."""
    user = user_named(username)
    if not user.is_active:
        raise AccountError(_("{name} is disabled: enable the account before making a set-password "
                             "link").format(name=username))
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("set-password", args=[uidb64, TOKENS.make_token(user)])
    record_event(SecurityEventKind.PASSWORD_LINK_CREATED, username=username, actor=actor, address=address)
    return path


def user_of_link(uidb64: str, token: str) -> Any:
    """The user a set-password link is for (LinkRefusedError when it cannot be used)."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
        user = get_user_model().objects.get(pk=pk)
    except (ValueError, TypeError, OverflowError, get_user_model().DoesNotExist):
        raise LinkRefusedError(LinkProblem.INVALID) from None
    if not TOKENS.check_token(user, token):
        raise LinkRefusedError(LinkProblem.INVALID)
    if not user.is_active:
        raise LinkRefusedError(LinkProblem.DISABLED)
    return user


def set_password_by_link(uidb64: str, token: str, password: str, *, address: str) -> str:
    """Use a link: the user's new password, checked by the policy; their user name."""
    with transaction.atomic():
        user = user_of_link(uidb64, token)
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        if not TOKENS.check_token(user, token):  # used meanwhile by a concurrent request
            raise LinkRefusedError(LinkProblem.INVALID)
        validate_new_password(user, password)
        _write(user, password, SecurityEventKind.PASSWORD_SET_BY_LINK, actor=user.get_username(),
               address=address, detail={})
    return str(user.get_username())
