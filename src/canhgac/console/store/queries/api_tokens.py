"""Reads of API tokens: which account a presented token stands for, and the list of tokens.

Like ``viewers``, these are about accounts, not agencies' data: they take no scope. A token
counts only while it is not revoked and its user is active with a console role; the digest is
compared in constant time.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

from canhgac.console.store.api_token_models import ApiToken
from canhgac.console.store.api_tokens import digest, split_token


def token_of(plaintext: str) -> ApiToken | None:
    """The live token ``plaintext`` is (its user active), or None."""
    key_id = split_token(plaintext)
    if key_id is None:
        return None
    token = (ApiToken.objects.select_related("user")
             .filter(key_id=key_id, revoked_at__isnull=True, user__is_active=True).first())
    if token is None or not hmac.compare_digest(token.digest, digest(plaintext)):
        return None
    return token


@dataclass(frozen=True, slots=True)
class TokenRow:
    key_id: str
    username: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def tokens(username: str | None = None) -> list[TokenRow]:
    """Every token (or one user's), newest first; never the secret, which is not stored."""
    rows = ApiToken.objects.select_related("user").order_by("-created_at", "-pk")
    if username:
        rows = rows.filter(user__username=username)
    return [TokenRow(t.key_id, t.user.username, t.name, t.created_at, t.last_used_at, t.revoked_at)
            for t in rows]
