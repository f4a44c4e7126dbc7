"""Console users for the CLI (``canhgac users …``): add, list, change role, disable, set a
password or make a set-password link, read the security log. Writes go through
``console.store.accounts`` and ``account_passwords`` (validated, logged); Django is configured
by ``services.store.open_store`` first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from canhgac.console.store.account_models import SecurityEvent
    from canhgac.console.store.queries.viewers import AccountRow
    from canhgac.console.store.roles import Role


def roles() -> list[str]:
    from canhgac.console.store.roles import Role

    return [role.value for role in Role]


def _role(name: str) -> Role:
    from canhgac.console.store.accounts import AccountError
    from canhgac.console.store.roles import Role
    from canhgac.i18n import gettext as _

    try:
        return Role(name)
    except ValueError:
        raise AccountError(_("unknown role {role}; choose one of {roles}").format(
            role=name, roles=", ".join(roles()))) from None


def _django_language(lang: str) -> None:
    """Django's own messages (the password validators') in the CLI's language."""
    from django.utils import translation

    translation.activate(lang)


def check_password(username: str, password: str, lang: str) -> None:
    """Refuse a password the policy rejects, before asking for it a second time."""
    from canhgac.console.store import accounts

    _django_language(lang)
    accounts.check_password(username, password)


def check_new_user(username: str, role: str, agencies: Sequence[str], lang: str) -> None:
    """Refuse a user that could not be created (role, agencies, name taken) before the password."""
    from canhgac.console.store import accounts

    accounts.check_new_account(username, _role(role), agencies, lang)


def add_user(username: str, password: str, role: str, agencies: Sequence[str], *, actor: str,
             totp_required: bool, lang: str) -> None:
    from canhgac.console.store import accounts

    _django_language(lang)
    accounts.create_account(username, password, _role(role), agencies,
                            actor=actor, totp_required=totp_required, language=lang)


def check_user(username: str) -> None:
    """Refuse an unknown user name (before a password is asked for)."""
    from canhgac.console.store import accounts

    accounts.user_named(username)


def set_password(username: str, password: str, *, actor: str, lang: str) -> None:
    from canhgac.console.store import account_passwords

    _django_language(lang)
    account_passwords.set_password(username, password, actor=actor)


def password_link(username: str, *, actor: str) -> str:
    """A one-time set-password link's path (valid 72 hours, until used or the user logs in)."""
    from canhgac.console.store import account_passwords

    return account_passwords.create_link(username, actor=actor)


def set_role(username: str, role: str, agencies: Sequence[str], *, actor: str) -> None:
    from canhgac.console.store import accounts

    accounts.set_role(username, _role(role), agencies, actor=actor)


def set_active(username: str, active: bool, *, actor: str) -> None:
    from canhgac.console.store import accounts

    accounts.set_active(username, active, actor=actor)


def require_totp(username: str, required: bool, *, actor: str) -> None:
    from canhgac.console.store import accounts

    accounts.set_totp_required(username, required, actor=actor)


def users() -> list[AccountRow]:
    from canhgac.console.store.queries.viewers import accounts

    return accounts()


def security_log(*, kind: str | None, username: str | None, limit: int) -> list[SecurityEvent]:
    from canhgac.console.store.queries.viewers import security_events

    return list(security_events(kind=kind, username=username, limit=limit))
