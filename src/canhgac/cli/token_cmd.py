"""``canhgac users token add|list|revoke``: per-user tokens for the REST API (docs/console.md)."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.table import Table

from canhgac.cli.common import console, open_store, state
from canhgac.cli.translated import TranslatedTyper
from canhgac.i18n import N_
from canhgac.i18n import gettext as _
from canhgac.services import api_tokens

app = TranslatedTyper(no_args_is_help=True)


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _time(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "strftime") else ""


@app.command("add", help=N_("Create an API token for a user; it is printed once and never stored in clear."))
def add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help=N_("The user the token acts as (same role and agencies)"))],
    name: Annotated[str, typer.Option("--name", help=N_("What the token is for (shown in lists)"))] = "",
) -> None:
    """Create an API token for a user; it is printed once and never stored in clear."""
    open_store(state(ctx), writable=True)
    issued = api_tokens.add_token(username, name, actor=_actor())
    console.print(_("API token {token} created for {name}. Copy it now: it is shown only once.").format(
        token=issued.key_id, name=username), soft_wrap=True)
    print(issued.plaintext)  # plain, alone on its line: scripts take the last line


@app.command("list", help=N_("Every API token (or one user's): id, user, name, created, last used, revoked."))
def list_tokens(
    ctx: typer.Context,
    username: Annotated[str | None, typer.Argument(help=N_("Only this user's tokens"))] = None,
) -> None:
    """Every API token (or one user's): id, user, name, created, last used, revoked."""
    open_store(state(ctx))
    table = Table(title=_("API tokens"))
    for column in (_("Token"), _("User"), _("Name"), _("Created") + " (UTC)", _("Last used") + " (UTC)",
                   _("Revoked") + " (UTC)"):
        table.add_column(column)
    for row in api_tokens.list_tokens(username):
        table.add_row(row.key_id, row.username, row.name, _time(row.created_at), _time(row.last_used_at),
                      _time(row.revoked_at))
    console.print(table)


@app.command("revoke", help=N_("Revoke an API token: every request with it is refused from now on."))
def revoke(ctx: typer.Context, token: Annotated[str, typer.Argument(help=N_("The token's id (see `token list`)"))]) -> None:
    """Revoke an API token: every request with it is refused from now on."""
    open_store(state(ctx), writable=True)
    username = api_tokens.revoke_token(token, actor=_actor())
    console.print(_("API token {token} of {name} is revoked.").format(token=token, name=username), soft_wrap=True)
