"""``canhgac findings list|show|triage`` and ``canhgac retest``."""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.markup import escape

from canhgac.cli.common import console, fail, open_store, run_async, state
from canhgac.cli.finding_view import findings_table, print_detail
from canhgac.cli.scan_cmd import print_warnings
from canhgac.cli.scan_options import (
    OPTION_OF_SETTING,
    CaFileOpt,
    CaOnlyOpt,
    DnsblZoneOpt,
    DnsInFlightOpt,
    EhloNameOpt,
    NoDnsblOpt,
    NsPortOpt,
    ResolverOpt,
    TimeoutOpt,
    UserAgentOpt,
    chosen_zones,
)
from canhgac.cli.translated import TranslatedTyper
from canhgac.engine.results import Status
from canhgac.i18n import N_, validation
from canhgac.i18n import gettext as _
from canhgac.reports.model import TriageState
from canhgac.services.catalog import builtin_registry
from canhgac.services.finding_filters import FilterError, FindingQuery, split_values
from canhgac.services.inventory import InventoryError, load_inventory

app = TranslatedTyper(no_args_is_help=True)

FINGERPRINT_HELP = N_("Fingerprint or a unique prefix (6+ hex digits)")
RETEST_HELP = N_("Re-run only the check and target of one finding (for an agency that says it is fixed), "
                 "with the settings of the latest run that evaluated it; options given here override them.")


FORMATS = ("table", "json", "csv")

AgencyListOpt = Annotated[list[str] | None, typer.Option(
    "--agency", "-a", help=N_("Only these agency codes (repeat, or separate with commas)"))]
SeverityOpt = Annotated[list[str] | None, typer.Option(
    "--severity", "-s", help=N_("Only these severities: info, low, medium, high, critical"))]
MinSeverityOpt = Annotated[str | None, typer.Option(
    "--min-severity", help=N_("Only this severity and worse (e.g. high: high and critical)"))]
LifecycleOpt = Annotated[list[str] | None, typer.Option(
    "--lifecycle", "-l", help=N_("Only these states: new, open, fixed, reopened (default: new, open, reopened)"))]
AllOpt = Annotated[bool, typer.Option("--all", help=N_("Every lifecycle state, fixed findings too"))]
TriageOpt = Annotated[list[str] | None, typer.Option(
    "--triage", "-t", help=N_("Only these triage states: untriaged, confirmed, accepted_risk, false_positive"))]
FamilyListOpt = Annotated[list[str] | None, typer.Option(
    "--family", "-f", help=N_("Only checks of these families and the families under them (e.g. mail.spf, net)"))]
ClauseOpt = Annotated[list[str] | None, typer.Option(
    "--clause", help=N_("Only checks evidencing these framework clauses (CV430:3) or frameworks (KG20)"))]
TextOpt = Annotated[str | None, typer.Option(
    "--text", help=N_("Only findings whose target, check id or title, or evidence contains this text (any case)"))]
SortOpt = Annotated[str, typer.Option(
    "--sort", help=N_("severity (worst first), first-seen, last-seen (oldest first), agency or check"))]
ReverseOpt = Annotated[bool, typer.Option("--reverse", help=N_("Reverse the order"))]
FormatOpt = Annotated[str, typer.Option("--format", help=N_("table, json or csv (the report's CSV columns)"))]


@app.command("list", help=N_("Findings with their lifecycle and triage (open ones by default), filtered and sorted."))
def list_findings(
    ctx: typer.Context,
    agency: AgencyListOpt = None,
    severity: SeverityOpt = None,
    min_severity: MinSeverityOpt = None,
    lifecycle: LifecycleOpt = None,
    all_states: AllOpt = False,
    triage_state: TriageOpt = None,
    family: FamilyListOpt = None,
    clause: ClauseOpt = None,
    text: TextOpt = None,
    sort: SortOpt = "agency",
    reverse: ReverseOpt = False,
    fmt: FormatOpt = "table",
) -> None:
    """Findings with their lifecycle and triage (open ones by default), filtered and sorted."""
    if fmt not in FORMATS:
        raise fail(_("unknown format {fmt}: use table, json or csv").format(fmt=fmt))
    st = state(ctx)
    query = FindingQuery(
        agencies=split_values(agency), severities=split_values(severity), min_severity=min_severity,
        lifecycles=split_values(lifecycle), include_fixed=all_states, triage=split_values(triage_state),
        families=split_values(family), clauses=split_values(clause), text=text or "", sort=sort,
        reverse=reverse,
    )
    catalog = st.catalog()
    open_store(st)
    from canhgac.services.findings import finding_rows, rows_csv, rows_json

    try:
        rows = finding_rows(query, catalog, st.lang)
    except FilterError as exc:
        raise fail(str(exc)) from None
    if fmt == "json":
        typer.echo(rows_json(rows))
    elif fmt == "csv":
        typer.echo(rows_csv(rows, catalog), nl=False)
    else:
        console.print(findings_table(rows))


@app.command("show", help=N_("One finding: what was observed, its triage, and its history (first and last seen, lifecycle changes, triage changes with who made them)."))
def show(
    ctx: typer.Context,
    fingerprint: Annotated[str, typer.Argument(help=FINGERPRINT_HELP)],
    fmt: Annotated[str, typer.Option("--format", help=N_("table or json"))] = "table",
) -> None:
    """One finding: what was observed, its triage, and its history (first and last seen,
    lifecycle changes, triage changes with who made them)."""
    if fmt not in ("table", "json"):
        raise fail(_("unknown format {fmt}: use table or json").format(fmt=fmt))
    st = state(ctx)
    catalog = st.catalog()
    open_store(st)
    from canhgac.services.findings import detail_json, finding_detail

    try:
        detail = finding_detail(fingerprint, catalog, st.lang)
    except LookupError as exc:  # not found, or an ambiguous prefix
        raise fail(str(exc)) from None
    if fmt == "json":
        typer.echo(detail_json(detail))
    else:
        print_detail(detail)


def default_actor() -> str:
    """Who triages when ``--actor`` and ``CANHGAC_ACTOR`` are not given: the OS user."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no user name for this uid (a container without passwd entry)
        return f"uid {os.getuid()}"


@app.command("triage", help=N_("Record a triage decision; it survives rescans and is logged as a security event."))
def triage(
    ctx: typer.Context,
    fingerprint: Annotated[str, typer.Argument(help=FINGERPRINT_HELP)],
    status: Annotated[str, typer.Option(help=N_("untriaged, confirmed, accepted_risk or false_positive"))],
    assignee: Annotated[str | None, typer.Option(help=N_("Who handles the finding"))] = None,
    note: Annotated[str | None, typer.Option(help=N_("Why this decision (kept with the finding; a false positive needs it)"))] = None,
    until: Annotated[str | None, typer.Option(
        "--until", metavar="YYYY-MM-DD",
        help=N_("An accepted risk's last day (required with accepted_risk; today or later)"))] = None,
    actor: Annotated[str | None, typer.Option(
        "--actor", envvar="CANHGAC_ACTOR",
        help=N_("Who decides, for the audit log (default: the OS user). Env: CANHGAC_ACTOR"))] = None,
) -> None:
    """Record a triage decision; it survives rescans and is written to the finding's audit log
    (see `findings show`). The console's rules apply: an accepted risk needs its last day, a
    false positive its reason."""
    st = state(ctx)
    open_store(st)
    from canhgac.services import store
    from canhgac.services.finding_triage import TriageRefusedError, triage_decision

    if status not in store.triage_states():
        raise fail(_("unknown triage status: {status}").format(status=status))
    if until is not None and status != TriageState.ACCEPTED_RISK.value:
        raise fail(_("--until is the last day of an accepted risk: use it with --status accepted_risk"))
    form = {"status": status, "assignee": assignee or "", "note": note or "", "accepted_until": until or ""}
    try:
        decision = triage_decision(form, blank_keeps=True)
    except TriageRefusedError as exc:
        raise fail(str(exc)) from None
    who = (actor or "").strip() or default_actor()
    try:
        finding = store.triage(fingerprint, state=status, actor=who, assignee=decision.assignee,
                               note=decision.note, accepted_until=decision.accepted_until)
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
    ca_only: CaOnlyOpt = False,
    dnsbl_zone: DnsblZoneOpt = None,
    no_dnsbl: NoDnsblOpt = False,
    ehlo_name: EhloNameOpt = None,
    user_agent: UserAgentOpt = None,
) -> None:
    """Re-run only the check and target of one finding (for an agency that says it is fixed),
    with the settings of the latest run that evaluated it; options given here override them."""
    st = state(ctx)
    zones = chosen_zones(dnsbl_zone, no_dnsbl)
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
        "ca_file": ("ca_file", str(ca_file) if ca_file else None), "ca_only": ("ca_only", ca_only),
        "dnsbl_zone": ("dnsbl_zones", zones), "no_dnsbl": ("dnsbl_zones", zones), "ehlo_name": ("ehlo_name", ehlo_name),
        "user_agent": ("user_agent", user_agent),
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
    print_warnings(outcome)
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
