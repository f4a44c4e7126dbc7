"""``canhgac findings list|triage`` and ``canhgac retest``."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from canhgac.cli.common import console, fail, open_store, run_async, state
from canhgac.engine.builtin import builtin_registry
from canhgac.engine.results import Status
from canhgac.i18n import gettext as _
from canhgac.inventory.loader import InventoryError, load_inventory

app = typer.Typer(no_args_is_help=True)


@app.command("list")
def list_findings(
    ctx: typer.Context,
    agency: Annotated[str | None, typer.Option("--agency", "-a")] = None,
    all_states: Annotated[bool, typer.Option("--all", help="Include fixed findings")] = False,
) -> None:
    """Findings with their lifecycle and triage (open ones by default)."""
    st = state(ctx)
    open_store(st)
    from canhgac.console.store import models, queries

    rows = (models.Finding.objects.all() if all_states else queries.open_findings(agency)).order_by(
        "agency_code", "check_id", "target_key")
    if agency:
        rows = rows.filter(agency_code=agency)
    catalog = st.catalog()
    table = Table(title=_("Findings"))
    for col in (_("Fingerprint"), _("Agency"), _("Check"), _("Severity"), _("Target"), _("State"), _("Triage"), _("Assignee")):
        table.add_column(col)
    for f in rows:
        severity = catalog.checks[f.check_id].severity.value if f.check_id in catalog.checks else "?"
        table.add_row(f.fingerprint[:10], f.agency_code, f.check_id, severity, f.target_key,
                      f.lifecycle, f.triage, f.assignee)
    console.print(table)


@app.command("triage")
def triage(
    ctx: typer.Context,
    fingerprint: Annotated[str, typer.Argument(help="Fingerprint or a unique prefix (6+ hex digits)")],
    status: Annotated[str, typer.Option(help="untriaged, confirmed, accepted_risk or false_positive")],
    assignee: Annotated[str | None, typer.Option()] = None,
    note: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Record a triage decision; it survives rescans and is logged as a security event."""
    st = state(ctx)
    open_store(st)
    from canhgac.console.store import services
    from canhgac.console.store.models import Triage

    try:
        choice = Triage(status)
    except ValueError:
        raise fail(_("unknown triage status: {status}").format(status=status)) from None
    try:
        finding = services.triage(fingerprint, triage=choice, actor=getpass.getuser(), assignee=assignee, note=note)
    except LookupError as exc:  # not found, or an ambiguous prefix
        raise fail(str(exc)) from None
    console.print(_("Finding {fp} is now {status}.").format(fp=finding.fingerprint[:10], status=finding.triage))


def retest(
    ctx: typer.Context,
    finding: Annotated[str, typer.Argument(help="Fingerprint or a unique prefix (6+ hex digits)")],
    inventory: Annotated[Path | None, typer.Option(help="Inventory to take scope and options from (default: as stored with the finding's last run)")] = None,
    resolver: Annotated[list[str] | None, typer.Option("--resolver", "-r")] = None,
) -> None:
    """Re-run only the check and target of one finding (for an agency that says it is fixed)."""
    st = state(ctx)
    open_store(st)
    from canhgac.services.retest import retest as run_retest
    from canhgac.services.retest import retest_target

    inv = None
    if inventory is not None:
        try:
            inv = load_inventory(inventory)
        except InventoryError as exc:
            raise fail(str(exc)) from None
    try:
        target = retest_target(finding, inv, tuple(resolver or ()))
        target.settings.check_resolvers()  # a malformed or out-of-scope resolver: refused here
    except (LookupError, ValueError) as exc:
        raise fail(str(exc)) from None
    outcome = run_async(run_retest(target, builtin_registry(), st.catalog()))
    result = next((r for r in outcome.results if r.fingerprint == target.fingerprint), None)
    if result is None:
        raise fail(_("the finding's target is no longer in the inventory"))
    verdict = {Status.PASS: _("fixed"), Status.NOT_APPLICABLE: _("fixed"), Status.FAIL: _("still failing"),
               Status.ERROR: _("could not be tested")}[result.status]
    console.print(f"{target.check_id} {target.target_key}: [bold]{verdict}[/] (run #{outcome.run_id})")
    if result.status is Status.FAIL:
        raise typer.Exit(1)

