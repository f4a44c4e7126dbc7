"""API tokens for the CLI (``canhgac users token add|list|revoke``): writes through
``console.store.api_tokens`` (logged), reads through ``queries.api_tokens``. Django is configured
by ``services.store.open_store`` first, so import this module freely."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from canhgac.console.store.api_tokens import IssuedToken
    from canhgac.console.store.queries.api_tokens import TokenRow


def add_token(username: str, name: str, *, actor: str) -> IssuedToken:
    from canhgac.console.store import api_tokens

    return api_tokens.issue_token(username, name, actor=actor)


def revoke_token(key_id: str, *, actor: str) -> str:
    from canhgac.console.store import api_tokens

    return api_tokens.revoke_token(key_id, actor=actor)


def list_tokens(username: str | None) -> list[TokenRow]:
    from canhgac.console.store.queries.api_tokens import tokens

    return tokens(username)
