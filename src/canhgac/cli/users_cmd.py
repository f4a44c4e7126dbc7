"""``canhgac users add|list|set-role|set-password|password-link|disable|enable|require-totp|log``:
the console's accounts."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from canhgac.cli import token_cmd
from canhgac.cli.common import console, err_console, open_store, state
from canhgac.cli.translated import TranslatedTyper
from canhgac.i18n import N_
from canhgac.i18n import gettext as _
from canhgac.services import accounts

app = TranslatedTyper(no_args_is_help=True)
app.add_typer(token_cmd.app, name="token", help=N_("API tokens: add, list, revoke."))

RoleOpt = Annotated[str, typer.Option("--role", help=N_("csirt-admin, csirt-analyst, agency-officer or leader"))]
AgencyOpt = Annotated[list[str] | None, typer.Option("--agency", "-a", help=N_("An agency officer's agency (repeatable)"))]
PasswordStdinOpt = Annotated[bool, typer.Option(
    "--password-stdin", help=N_("Read the password from one line of standard input (scripts)"))]


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _read_password(username: str, lang: str, from_stdin: bool) -> str:
    """The new password: one line of standard input, or typed twice at a hidden prompt."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        accounts.check_password(username, password, lang)
        return password
    while True:
        password = str(typer.prompt(_("Password for {name}").format(name=username), hide_input=True))
        try:
            accounts.check_password(username, password, lang)
        except ValueError as exc:
            err_console.print(f"[red]{escape(str(exc))}[/]", soft_wrap=True)
            continue
        again = typer.prompt(_("Repeat the password"), hide_input=True)
        if again == password:
            return password
        err_console.print(_("The two passwords differ; try again."), style="red", markup=False)


@app.command("add", help=N_("Create a console user; the password is asked twice (at least 12 characters, not a common one)."))
def add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help=N_("The login name"))],
    role: RoleOpt,
    agency: AgencyOpt = None,
    require_totp: Annotated[bool, typer.Option("--require-totp", help=N_("The user must enrol a TOTP app at first login"))] = False,
    password_stdin: PasswordStdinOpt = False,
) -> None:
    """Create a console user; the password is asked twice (at least 12 characters, not a common one)."""
    st = state(ctx)
    open_store(st, writable=True)
    accounts.check_new_user(username, role, agency or [], st.lang)
    password = _read_password(username, st.lang, password_stdin)
    accounts.add_user(username, password, role, agency or [], actor=_actor(), totp_required=require_totp,
                      lang=st.lang)
    console.print(_("User {name} created with the role {role}.").format(name=username, role=role), soft_wrap=True)


@app.command("set-password", help=N_("Set a user's password; it is asked twice (their other sessions end)."))
def set_password(ctx: typer.Context, username: Annotated[str, typer.Argument(help=N_("The login name"))],
                 password_stdin: PasswordStdinOpt = False) -> None:
    """Set a user's password; it is asked twice (their other sessions end)."""
    st = state(ctx)
    open_store(st, writable=True)
    accounts.check_user(username)
    password = _read_password(username, st.lang, password_stdin)
    accounts.set_password(username, password, actor=_actor(), lang=st.lang)
    console.print(_("The password of {name} is set.").format(name=username), soft_wrap=True)


@app.command("password-link", help=N_("Make a one-time link for a user to choose their password (valid 72 hours)."))
def password_link(ctx: typer.Context, username: Annotated[str, typer.Argument(help=N_("The login name"))]) -> None:
    """Make a one-time link for a user to choose their password (valid 72 hours)."""
    open_store(state(ctx), writable=True)
    path = accounts.password_link(username, actor=_actor())
    err_console.print(_("Append this path to the console's address and hand it to {name} in person or "
                        "over a trusted channel. It works once, for 72 hours, and no longer once "
                        "{name} logs in.").format(name=username), soft_wrap=True, markup=False)
    typer.echo(path)


@app.command("list", help=N_("Every user with role, agencies, state and TOTP."))
def list_users(ctx: typer.Context) -> None:
    """Every user with role, agencies, state and TOTP."""
    open_store(state(ctx))
    table = Table(title=_("Console users"))
    for column in (_("User"), _("Role"), _("Agencies"), _("Active"), _("TOTP"), _("Last login") + " (UTC)"):
        table.add_column(column)
    for row in accounts.users():
        totp = _("enrolled") if row.totp_enrolled else (_("required") if row.totp_required else "")
        table.add_row(row.username, row.role or _("(none)"), ", ".join(row.agencies),
                      _("yes") if row.active else _("no"), totp,
                      row.last_login.strftime("%Y-%m-%d %H:%M") if row.last_login else "")
    console.print(table)


@app.command("set-role", help=N_("Change a user's role (an officer's --agency list replaces their agencies)."))
def set_role(ctx: typer.Context, username: Annotated[str, typer.Argument()], role: RoleOpt,
             agency: AgencyOpt = None) -> None:
    """Change a user's role (an officer's --agency list replaces their agencies)."""
    open_store(state(ctx), writable=True)
    accounts.set_role(username, role, agency or [], actor=_actor())
    console.print(_("{name} is now {role}.").format(name=username, role=role), soft_wrap=True)


@app.command("disable", help=N_("Stop a user from logging in (their open sessions end at the next page)."))
def disable(ctx: typer.Context, username: Annotated[str, typer.Argument()]) -> None:
    """Stop a user from logging in (their open sessions end at the next page)."""
    open_store(state(ctx), writable=True)
    accounts.set_active(username, False, actor=_actor())
    console.print(_("{name} is disabled.").format(name=username), soft_wrap=True)


@app.command("enable", help=N_("Let a disabled user log in again."))
def enable(ctx: typer.Context, username: Annotated[str, typer.Argument()]) -> None:
    """Let a disabled user log in again."""
    open_store(state(ctx), writable=True)
    accounts.set_active(username, True, actor=_actor())
    console.print(_("{name} is enabled.").format(name=username), soft_wrap=True)


@app.command("require-totp", help=N_("Require a TOTP app: until they enrol, the user sees only the enrolment page."))
def require_totp(ctx: typer.Context, username: Annotated[str, typer.Argument()],
                 off: Annotated[bool, typer.Option("--off", help=N_("Stop requiring it"))] = False) -> None:
    """Require a TOTP app: until they enrol, the user sees only the enrolment page."""
    open_store(state(ctx), writable=True)
    accounts.require_totp(username, not off, actor=_actor())
    message = _("{name} no longer needs TOTP.") if off else _("{name} must use TOTP.")
    console.print(message.format(name=username), soft_wrap=True)


@app.command("log", help=N_("The security log: logins and failures, lockouts, account changes (newest first)."))
def security_log(
    ctx: typer.Context,
    kind: Annotated[str | None, typer.Option(help=N_("Only this kind (login, login.failed, login.locked_out, user.created...)"))] = None,
    user: Annotated[str | None, typer.Option(help=N_("Only events about this user"))] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 50,
) -> None:
    """The security log: logins and failures, lockouts, account changes (newest first)."""
    open_store(state(ctx))
    table = Table(title=_("Security log"))
    for column in (_("Time") + " (UTC)", _("Event"), _("User"), _("By"), _("Address"), _("Detail")):
        table.add_column(column)
    for event in accounts.security_log(kind=kind, username=user, limit=limit):
        detail = ", ".join(f"{k}={v}" for k, v in sorted(event.detail.items()))
        table.add_row(event.created_at.strftime("%Y-%m-%d %H:%M:%S"), event.kind, event.username,
                      event.actor, event.address, detail)
    console.print(table)
