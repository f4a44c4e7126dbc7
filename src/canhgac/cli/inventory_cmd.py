"""``canhgac inventory``: check an inventory file, import one from an Excel CSV export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from canhgac.cli.common import err_console
from canhgac.cli.progress import PhaseProgress
from canhgac.cli.translated import TranslatedTyper
from canhgac.i18n import N_
from canhgac.i18n import gettext as _
from canhgac.i18n.formats import format_number
from canhgac.inventory.model import AgencyKind
from canhgac.services.inventory import (
    InventoryError,
    InventorySummary,
    LoadProgress,
    check_inventory,
    dump_inventory,
    import_csv,
)

app = TranslatedTyper(
    name="inventory",
    help=N_("Check and import inventories."),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_INVALID = 2


def _show_errors(exc: InventoryError) -> typer.Exit:
    """Print every problem on stderr, one per line (not wrapped, so editors can jump to it)."""
    console = Console(stderr=True, soft_wrap=True, highlight=False)
    count = len(exc.problems)
    console.print(Text(_("{count} problem(s) found:").format(count=format_number(count)), style="bold red"))
    for line in str(exc).splitlines():
        console.print(Text(line))
    return typer.Exit(EXIT_INVALID)


def summary_table(summary: InventorySummary) -> Table:
    """Counts an officer checks at a glance: agencies by kind, domains, ranges, portals, contacts."""
    table = Table(title=f"{summary.province_name} ({summary.province_code})")
    table.add_column(_("Item"))
    table.add_column(_("Count"), justify="right")
    kinds = summary.kinds
    labels = {
        AgencyKind.DEPARTMENT: _("Agencies: departments"),
        AgencyKind.DISTRICT: _("Agencies: districts"),
        AgencyKind.COMMUNE: _("Agencies: communes"),
        AgencyKind.PROVIDER: _("Agencies: providers"),
        AgencyKind.OTHER: _("Agencies: other"),
    }
    for kind, label in labels.items():
        table.add_row(label, format_number(kinds[kind]))
    table.add_row(_("Agencies: total"), format_number(summary.agencies), style="bold")
    rows = (
        (_("Domains"), summary.domains),
        (_("Mail hosts"), summary.mail_hosts),
        (_("Address ranges"), summary.ranges),
        (_("Portals"), summary.portals),
        (_("Contacts"), summary.contacts),
    )
    for label, count in rows:
        table.add_row(label, format_number(count))
    return table


@app.command("check", help=N_("Validate an inventory file and summarise it; exit 2 listing every problem."))
def check(
    file: Annotated[Path, typer.Argument(help=N_("Inventory YAML file"))],
) -> None:
    """Validate an inventory file and summarise it; exit 2 listing every problem."""
    try:
        with PhaseProgress(err_console) as progress:
            summary = check_inventory(file, progress=lambda read: _show_reading(progress, read))
    except InventoryError as exc:
        raise _show_errors(exc) from None
    console = Console(highlight=False)
    console.print(summary_table(summary))
    if summary.loopback_only:
        console.print(_("Loopback-only mode: only 127.0.0.0/8 and ::1 will be contacted."))
    for line in summary.outside_loopback:
        console.print(Text(_("Warning: {problem}").format(problem=line), style="yellow"), soft_wrap=True)
    if summary.resolvers:
        console.print(_("Resolvers: {resolvers}").format(resolvers=", ".join(summary.resolvers)))
    console.print(Text(_("{file} is a valid inventory.").format(file=file), style="green"))


def _show_reading(progress: PhaseProgress, read: LoadProgress) -> None:
    """The check's bar (on a terminal, on stderr): the share of the file read, agencies validated
    (from a pipe, whose size is not known: the agencies only)."""
    label = _("Checking the inventory")
    if read.bytes_total is None:
        progress.update("inventory", label, read.agencies, None, note=_("agencies"))
    else:
        progress.update("inventory", label, read.bytes_read, read.bytes_total,
                        note=_("{count} agencies").format(count=read.agencies), percent=True)


@app.command("import-csv", help=N_("Turn an agency CSV into a validated inventory file; exit 2 naming each bad CSV line."))
def import_csv_command(
    csv_file: Annotated[Path, typer.Argument(help=N_("Agency list exported from Excel (CSV UTF-8)"))],
    out: Annotated[Path, typer.Option("--out", "-o", help=N_("Inventory YAML file to write"))],
    province_code: Annotated[str, typer.Option(help=N_("Province code, e.g. KG"))],
    province_name: Annotated[str, typer.Option(help=N_("Province name, e.g. 'Tỉnh Kiên Giang'"))],
    force: Annotated[bool, typer.Option("--force", help=N_("Overwrite --out if it exists"))] = False,
) -> None:
    """Turn an agency CSV into a validated inventory file; exit 2 naming each bad CSV line."""
    if out.exists() and not force:
        message = _("{file} already exists; choose another --out or add --force").format(file=out)
        Console(stderr=True, soft_wrap=True).print(Text(message, style="bold red"))
        raise typer.Exit(EXIT_INVALID)
    try:
        inv = import_csv(csv_file, province_code=province_code, province_name=province_name)
    except InventoryError as exc:
        raise _show_errors(exc) from None
    out.write_text(dump_inventory(inv, source=csv_file.name), encoding="utf-8")
    console = Console(highlight=False)
    console.print(summary_table(InventorySummary.of(inv)))
    message = _("Wrote {file}: {count} agencies.").format(file=out, count=format_number(len(inv.agencies)))
    console.print(Text(message, style="green"))
