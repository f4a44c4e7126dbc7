"""Writes of API tokens: issue one (the plaintext returned once), revoke one, note its use.

Creation and revocation are written with their security event in one transaction; a token is
never stored in clear (``api_token_models``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from canhgac.console.store.account_models import SecurityEventKind
from canhgac.console.store.accounts import AccountError, record_event
from canhgac.console.store.api_token_models import ApiToken
from canhgac.i18n import gettext as _

TOKEN_PREFIX = "cg_"  # noqa: S105 - the tokens' visible prefix, not a secret
NAME_LENGTH = 100
USE_RESOLUTION = timedelta(minutes=1)  # last use is written at most this often per token


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token: ``plaintext`` is its only copy, to be shown once."""

    key_id: str
    name: str
    plaintext: str


def digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8", "surrogatepass")).hexdigest()


def split_token(plaintext: str) -> str | None:
    """The key id of a token as typed, or None when it is not shaped as a canhgac token."""
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    key_id, sep, secret = plaintext[len(TOKEN_PREFIX):].partition("_")
    if not sep or not key_id or not secret or len(key_id) > 16:
        return None
    return key_id


def issue_token(username: str, name: str = "", *, actor: str) -> IssuedToken:
    """A new token for ``username`` (an active user with a console role), logged."""
    label = name.strip()
    if len(label) > NAME_LENGTH:
        raise AccountError(_("a token name is at most {count} characters").format(count=NAME_LENGTH))
    with transaction.atomic():
        user = get_user_model().objects.select_related("console_account").filter(username=username).first()
        if user is None:
            raise AccountError(_("there is no user {name}").format(name=username))
        if getattr(user, "console_account", None) is None:
            raise AccountError(_("{name} has no console role: give one with `canhgac users set-role`").format(
                name=username))
        if not user.is_active:
            raise AccountError(_("{name} is disabled: enable the user before giving them a token").format(
                name=username))
        key_id = secrets.token_hex(6)
        plaintext = f"{TOKEN_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        ApiToken.objects.create(user=user, name=label, key_id=key_id, digest=digest(plaintext),
                                created_at=timezone.now())
        record_event(SecurityEventKind.TOKEN_CREATED, username=username, actor=actor,
                     detail={"token": key_id, "name": label})
    return IssuedToken(key_id, label, plaintext)


def revoke_token(key_id: str, *, actor: str) -> str:
    """Revoke a token by its id (refused from then on); returns its user's name. Logged."""
    with transaction.atomic():
        token = ApiToken.objects.select_related("user").filter(key_id=key_id.strip()).first()
        if token is None:
            raise AccountError(_("there is no API token {token}").format(token=key_id))
        if token.revoked_at is not None:
            raise AccountError(_("the API token {token} is already revoked").format(token=key_id))
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        username = str(token.user.username)
        record_event(SecurityEventKind.TOKEN_REVOKED, username=username, actor=actor,
                     detail={"token": token.key_id, "name": token.name})
    return username


def note_use(token: ApiToken) -> None:
    """Record that ``token`` was just used (at most once a minute, to spare the database)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= USE_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
