"""``canhgac duty``: the duty roster (``import`` the department's CSV) and who is on duty (``now``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from canhgac.cli.common import cli_actor, console, fail, open_store, state
from canhgac.cli.translated import TranslatedTyper
from canhgac.i18n import N_
from canhgac.i18n import gettext as _
from canhgac.i18n.formats import format_datetime, format_number

app = TranslatedTyper(no_args_is_help=True)


@app.command(
    "import",
    help=N_("Import the duty roster from a CSV (person, role, start, end, email, telegram, phone)."),
)
def import_roster(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(metavar="FILE.csv", help=N_("The roster, UTF-8 CSV"))],
    append: Annotated[
        bool, typer.Option("--append", help=N_("Add to the shifts imported before from this file name"))
    ] = False,
) -> None:
    """Import the duty roster from a CSV (person, role, start, end, email, telegram, phone)."""
    from canhgac.services.duty import RosterError
    from canhgac.services.duty import import_roster as store_roster

    open_store(state(ctx), writable=True)
    try:
        count = store_roster(path, actor=cli_actor(), append=append)
    except RosterError as exc:
        raise fail(str(exc)) from None
    console.print(_("{n} shifts imported from {file}.").format(n=format_number(count), file=path.name))


@app.command("now", help=N_("Who is on duty now (or at --at): on duty, backup, team lead, CSIRT head."))
def now(
    ctx: typer.Context,
    at: Annotated[
        str | None, typer.Option("--at", help=N_("Another moment (ISO date and time with its time zone)"))
    ] = None,
) -> None:
    """Who is on duty now (or at --at): on duty, backup, team lead, CSIRT head."""
    from canhgac.services.duty import on_duty_rows
    from canhgac.services.watch import label

    moment = datetime.now(UTC)
    if at is not None:
        try:
            moment = datetime.fromisoformat(at)
        except ValueError:
            raise fail(_("--at takes a date and time with its time zone, e.g. 2027-02-05T08:00+07:00")) from None
        if moment.tzinfo is None:
            raise fail(_("--at takes a date and time with its time zone, e.g. 2027-02-05T08:00+07:00"))
    open_store(state(ctx))
    rows = on_duty_rows(moment)
    if not rows:
        console.print(_("Nobody is on duty at {at}: import a roster with `canhgac duty import`.").format(
            at=format_datetime(moment)))
        return
    table = Table(title=_("On duty at {at}").format(at=format_datetime(moment)))
    for col in (_("Role"), _("Person"), _("Shift starts"), _("Shift ends"), _("Contacts")):
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(label("role", row.role), row.person, format_datetime(row.start), format_datetime(row.end),
                      row.contacts)
    console.print(table)
