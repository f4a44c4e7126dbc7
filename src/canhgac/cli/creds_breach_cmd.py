"""``canhgac creds import|leaks|leak-answer``: breach files in, the agencies' leaked accounts out.

``import`` streams combo lists, CSV exports and breach-notification JSON lines, keeps the
inventory's agencies' accounts (no password in clear: docs/credentials.md), resumes an
interrupted import of the same file, and judges the stored accounts (findings). Given
``-i FILE``, the file is applied first as ``canhgac scan FILE`` applies it (it becomes the
store's inventory and the store's agencies follow it), so the accounts kept for its agencies
belong to agencies the console, the reports and the next import know. ``leaks`` lists
them (addresses, breaches, counts; never a password or hash); ``leak-answer`` records the
agency's answer that a leaked password still works (critical) or was changed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from canhgac.cli.common import cli_actor, console, err_console, fail, open_store, state
from canhgac.cli.progress import PhaseProgress
from canhgac.i18n import N_
from canhgac.i18n import gettext as _
from canhgac.i18n.formats import format_number
from canhgac.inventory.model import Inventory
from canhgac.services.breach import (
    BreachMeta,
    CategoryListError,
    FileResult,
    answer_still_works,
    import_files,
    leaked_accounts,
    matcher_for,
    refresh_findings,
    stored_inventory,
)
from canhgac.services.inventory import InventoryError, load_inventory


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise fail(_("--date must be YYYY-MM-DD, not {text!r}").format(text=text)) from None


def import_breach(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help=N_("Breach files: email:password or email;hash lines, CSV with a header, or JSON lines"))],
    source: Annotated[str, typer.Option("--source", help=N_("The breach's name (where the file came from)"))],
    date: Annotated[str, typer.Option("--date", help=N_("The breach's date, YYYY-MM-DD"))],
    service: Annotated[str, typer.Option("--service", help=N_("The service the breach came from, e.g. linkedin.com"))] = "",
    inventory: Annotated[Path | None, typer.Option("--inventory", "-i", help=N_("Inventory YAML file (default: the one applied in the store)"))] = None,
    recent_days: Annotated[int, typer.Option("--recent-days", min=1, help=N_("A breach at most this many days old makes a leaked account critical"))] = 365,
) -> None:
    """Import breach files: keep the agencies' accounts, never a password in clear."""
    meta = BreachMeta(source.strip(), _date(date), service.strip().lower())
    if not meta.source:
        raise fail(_("--source must name the breach"))
    for path in files:
        if not path.is_file():
            raise fail(_("{path} is not a readable file").format(path=path))
    st = state(ctx)
    open_store(st, writable=True, create=True)
    try:
        inv = load_inventory(inventory) if inventory is not None else stored_inventory()
    except InventoryError as exc:
        raise fail(str(exc)) from None
    if inv is None:
        raise fail(_("no inventory: give --inventory FILE (or apply one in the console first)"))
    matcher = matcher_for(inv)
    if not len(matcher):
        raise fail(_("the inventory declares no domain: nothing to match"))
    if inventory is not None:
        _apply(inv, inventory)
    try:
        with PhaseProgress(err_console) as bar:
            label = _("Reading")
            results = import_files(files, meta, matcher, lambda p, done, total: bar.update(
                "read", f"{label} {p.name}", done, total, percent=True))
        refresh = refresh_findings(today=dt.date.today(), recent_days=recent_days, config_dir=st.workspace / "config",
                                   catalog_dir=st.catalog_dir)
    except OSError as exc:
        raise fail(_("cannot read {path}: {reason}").format(path=exc.filename, reason=exc.strerror)) from None
    except CategoryListError as exc:
        raise fail(str(exc)) from None
    for result in results:
        _show(result)
    console.print(_("Leaked accounts judged: {n}; findings opened {opened}, fixed {fixed} (run #{run}).").format(
        n=format_number(refresh.accounts), opened=format_number(refresh.opened), fixed=format_number(refresh.fixed),
        run=refresh.run_id))


def _apply(inv: Inventory, path: Path) -> None:
    """Apply the file as ``canhgac scan FILE`` does: recorded as the store's inventory (unchanged
    text is not recorded twice) and the store's agencies synced to it, so that an account kept
    for an agency the store did not list yet is attributed to a known agency."""
    from canhgac.services.inventory_store import apply_file

    try:
        added, gone = apply_file(inv, path, actor=cli_actor())
    except ValueError as exc:
        raise fail(str(exc)) from None
    if added or gone:
        err_console.print(_("Inventory {name} applied: agencies added {added}, no longer listed {gone}.").format(
            name=path.name, added=format_number(len(added)), gone=format_number(len(gone))))


def _show(result: FileResult) -> None:
    counts = result.checkpoint.counts
    table = Table(title=_("Imported {name}").format(name=result.path.name), show_header=False)
    if result.resumed_from:
        table.add_row(_("Resumed at byte"), format_number(result.resumed_from))
    table.add_row(_("Lines read"), format_number(counts.lines))
    table.add_row(_("Malformed lines"), format_number(counts.malformed))
    table.add_row(_("Lines naming an agency domain"), format_number(counts.candidates))
    table.add_row(_("Accounts kept"), format_number(counts.kept))
    table.add_row(_("Agencies"), format_number(len(counts.agencies)))
    console.print(table)


def leaks(
    ctx: typer.Context,
    agency: Annotated[str | None, typer.Option("--agency", help=N_("Only this agency"))] = None,
) -> None:
    """List leaked accounts: address, breaches, reuse counts; never a password or hash."""
    open_store(state(ctx))
    table = Table(_("Agency"), _("Account"), _("Breaches"), _("Latest"), _("Services"), _("Same password"))
    for view in leaked_accounts(agency):
        latest = max(s.date for s in view.sightings).isoformat() if view.sightings else ""
        services = ", ".join(sorted({s.service for s in view.sightings if s.service}))
        shared = view.same_agency_sharing + view.other_agency_accounts
        table.add_row(view.agency, view.address, format_number(len(view.sightings)), latest, services,
                      format_number(shared) if shared else "")
    console.print(table)


def leak_answer(
    ctx: typer.Context,
    agency: Annotated[str, typer.Argument(help=N_("The agency's code"))],
    address: Annotated[str, typer.Argument(help=N_("The leaked account's address"))],
    still_works: Annotated[bool, typer.Option("--still-works/--changed", help=N_("The leaked password still works, or was changed"))],
    recent_days: Annotated[int, typer.Option("--recent-days", min=1, help=N_("A breach at most this many days old makes a leaked account critical"))] = 365,
) -> None:
    """Record the agency's answer for a leaked account, and judge again."""
    st = state(ctx)
    open_store(st, writable=True)
    if not answer_still_works(agency, address, still_works):
        raise fail(_("{address} is not a leaked account of {agency}").format(address=address, agency=agency))
    refresh = refresh_findings(today=dt.date.today(), recent_days=recent_days, config_dir=st.workspace / "config",
                               catalog_dir=st.catalog_dir)
    console.print(_("Leaked accounts judged: {n}; findings opened {opened}, fixed {fixed} (run #{run}).").format(
        n=format_number(refresh.accounts), opened=format_number(refresh.opened), fixed=format_number(refresh.fixed),
        run=refresh.run_id))
