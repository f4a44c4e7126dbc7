"""``canhgac inventory``: check an inventory file, import one from an Excel CSV export."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from canhgac.cli.translated import TranslatedTyper
from canhgac.i18n import N_
from canhgac.i18n import gettext as _
from canhgac.i18n.formats import format_number
from canhgac.inventory.model import AgencyKind, Inventory
from canhgac.services.inventory import (
    InventoryError,
    dump_inventory,
    import_csv,
    load_inventory,
    loopback_only_outside,
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


def summary_table(inv: Inventory) -> Table:
    """Counts an officer checks at a glance: agencies by kind, domains, ranges, portals, contacts."""
    table = Table(title=f"{inv.province.name} ({inv.province.code})")
    table.add_column(_("Item"))
    table.add_column(_("Count"), justify="right")
    kinds = Counter(a.kind for a in inv.agencies)
    labels = {
        AgencyKind.DEPARTMENT: _("Agencies: departments"),
        AgencyKind.DISTRICT: _("Agencies: districts"),
        AgencyKind.COMMUNE: _("Agencies: communes"),
        AgencyKind.PROVIDER: _("Agencies: providers"),
        AgencyKind.OTHER: _("Agencies: other"),
    }
    for kind, label in labels.items():
        table.add_row(label, format_number(kinds[kind]))
    table.add_row(_("Agencies: total"), format_number(len(inv.agencies)), style="bold")
    rows = (
        (_("Domains"), sum(len(a.domains) for a in inv.agencies)),
        (_("Mail hosts"), sum(len(d.mail_hosts) for a in inv.agencies for d in a.domains)),
        (_("Address ranges"), sum(len(a.ranges) for a in inv.agencies)),
        (_("Portals"), sum(len(a.portals) for a in inv.agencies)),
        (_("Contacts"), sum(len(a.contacts) for a in inv.agencies)),
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
        inv = load_inventory(file)
    except InventoryError as exc:
        raise _show_errors(exc) from None
    console = Console(highlight=False)
    console.print(summary_table(inv))
    if inv.scope.loopback_only:
        console.print(_("Loopback-only mode: only 127.0.0.0/8 and ::1 will be contacted."))
    for line in loopback_only_outside(inv):
        console.print(Text(_("Warning: {problem}").format(problem=line), style="yellow"), soft_wrap=True)
    if inv.scope.resolvers:
        console.print(_("Resolvers: {resolvers}").format(resolvers=", ".join(inv.scope.resolvers)))
    console.print(Text(_("{file} is a valid inventory.").format(file=file), style="green"))


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
    console.print(summary_table(inv))
    message = _("Wrote {file}: {count} agencies.").format(file=out, count=format_number(len(inv.agencies)))
    console.print(Text(message, style="green"))
