"""``canhgac findings list|triage`` and ``canhgac retest``."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.markup import escape
from rich.table import Table

from canhgac.cli.common import console, fail, open_store, run_async, state
from canhgac.cli.scan_options import (
    OPTION_OF_SETTING,
    CaFileOpt,
    DnsblZoneOpt,
    DnsInFlightOpt,
    EhloNameOpt,
    NsPortOpt,
    ResolverOpt,
    TimeoutOpt,
)
from canhgac.cli.translated import TranslatedTyper
from canhgac.engine.results import Status
from canhgac.findings.reconcile import Lifecycle
from canhgac.i18n import N_, validation
from canhgac.i18n import gettext as _
from canhgac.reports.model import TriageState
from canhgac.services.catalog import builtin_registry
from canhgac.services.inventory import InventoryError, load_inventory

app = TranslatedTyper(no_args_is_help=True)

FINGERPRINT_HELP = N_("Fingerprint or a unique prefix (6+ hex digits)")
RETEST_HELP = N_("Re-run only the check and target of one finding (for an agency that says it is fixed), "
                 "with the settings of the latest run that evaluated it; options given here override them.")


@app.command("list", help=N_("Findings with their lifecycle and triage (open ones by default)."))
def list_findings(
    ctx: typer.Context,
    agency: Annotated[str | None, typer.Option("--agency", "-a", help=N_("Only this agency's findings"))] = None,
    all_states: Annotated[bool, typer.Option("--all", help=N_("Include fixed findings"))] = False,
) -> None:
    """Findings with their lifecycle and triage (open ones by default)."""
    st = state(ctx)
    open_store(st)
    from canhgac.services import store

    rows = store.findings(agency, include_fixed=all_states)
    catalog = st.catalog()
    table = Table(title=_("Findings"))
    for col in (_("Fingerprint"), _("Agency"), _("Check"), _("Severity"), _("Target"), _("State"), _("Triage"), _("Assignee")):
        table.add_column(col)
    for f in rows:
        severity = catalog.checks[f.check_id].severity.label() if f.check_id in catalog.checks else "?"
        table.add_row(f.fingerprint[:10], f.agency_code, f.check_id, severity, f.target_key,
                      Lifecycle(f.lifecycle).label(), TriageState(f.triage).label(), f.assignee)
    console.print(table)


@app.command("triage", help=N_("Record a triage decision; it survives rescans and is logged as a security event."))
def triage(
    ctx: typer.Context,
    fingerprint: Annotated[str, typer.Argument(help=FINGERPRINT_HELP)],
    status: Annotated[str, typer.Option(help=N_("untriaged, confirmed, accepted_risk or false_positive"))],
    assignee: Annotated[str | None, typer.Option(help=N_("Who handles the finding"))] = None,
    note: Annotated[str | None, typer.Option(help=N_("Why this decision (kept with the finding)"))] = None,
) -> None:
    """Record a triage decision; it survives rescans and is logged as a security event."""
    st = state(ctx)
    open_store(st)
    from canhgac.services import store

    if status not in store.triage_states():
        raise fail(_("unknown triage status: {status}").format(status=status))
    try:
        finding = store.triage(fingerprint, state=status, actor=getpass.getuser(), assignee=assignee, note=note)
    except LookupError as exc:  # not found, or an ambiguous prefix
        raise fail(str(exc)) from None
    console.print(_("Finding {fp} is now {status}.").format(fp=finding.fingerprint[:10],
                                                           status=TriageState(finding.triage).label()))


def _overrides(ctx: typer.Context, given: dict[str, tuple[str, object]]) -> dict[str, object]:
    """The settings named on the command line (an option left at its default overrides nothing)."""
    def named(param: str) -> bool:
        source = ctx.get_parameter_source(param)
        return source is not None and source.name != "DEFAULT"

    return {field: value for param, (field, value) in given.items() if named(param)}


def retest(
    ctx: typer.Context,
    finding: Annotated[str, typer.Argument(help=FINGERPRINT_HELP)],
    inventory: Annotated[Path | None, typer.Option(help=N_("Inventory to take scope and options from (default: as stored with the latest run that evaluated the finding)"))] = None,
    resolver: ResolverOpt = None,
    nameserver_port: NsPortOpt = 53,
    timeout: TimeoutOpt = 2.0,
    dns_in_flight: DnsInFlightOpt = 256,
    ca_file: CaFileOpt = None,
    dnsbl_zone: DnsblZoneOpt = None,
    ehlo_name: EhloNameOpt = None,
) -> None:
    """Re-run only the check and target of one finding (for an agency that says it is fixed),
    with the settings of the latest run that evaluated it; options given here override them."""
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
    overrides = _overrides(ctx, {
        "resolver": ("resolvers", tuple(resolver or ())), "nameserver_port": ("nameserver_port", nameserver_port),
        "timeout": ("dns_timeout", timeout), "dns_in_flight": ("dns_max_in_flight", dns_in_flight),
        "ca_file": ("ca_file", str(ca_file) if ca_file else None),
        "dnsbl_zone": ("dnsbl_zones", tuple(dnsbl_zone or ())), "ehlo_name": ("ehlo_name", ehlo_name),
    })
    try:
        target = retest_target(finding, inv, overrides)
        target.settings.check_resolvers()  # a malformed or out-of-scope resolver: refused here
    except LookupError as exc:
        raise fail(str(exc)) from None
    except ValidationError as exc:
        raise fail(_("invalid option: {error}").format(
            error=validation.summary(exc, names=OPTION_OF_SETTING))) from None
    except ValueError as exc:
        raise fail(_("invalid option: {error}").format(error=str(exc).splitlines()[0])) from None
    short = target.fingerprint[:10]
    if target.lifecycle == "fixed":
        console.print(_("Finding {fp} is fixed since run #{run}; retesting to confirm.").format(
            fp=short, run=target.fixed_in_run))
    console.print(_("Using the settings of run #{run}{overridden}.").format(
        run=target.settings_run,
        overridden=_(", overridden: {names}").format(names=", ".join(sorted(overrides))) if overrides else ""))
    outcome = run_async(run_retest(target, builtin_registry(), st.catalog()))
    result = next((r for r in outcome.results if r.fingerprint == target.fingerprint), None)
    if result is None:
        raise fail(_("the finding's target is no longer in the inventory"))
    was_fixed = target.lifecycle == "fixed"
    verdict = {
        Status.PASS: _("still fixed") if was_fixed else _("fixed"),
        Status.NOT_APPLICABLE: _("still fixed") if was_fixed else _("fixed"),
        Status.FAIL: _("failing again: reopened") if was_fixed else _("still failing"),
        Status.ERROR: _("could not be tested"),
    }[result.status]
    console.print(_("{check} {target}: [bold]{verdict}[/] (run #{run})").format(
        check=escape(target.check_id), target=escape(target.target_key), verdict=verdict, run=outcome.run_id))
    if result.status is Status.FAIL:
        raise typer.Exit(1)
