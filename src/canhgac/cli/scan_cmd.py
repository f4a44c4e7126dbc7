"""``canhgac scan`` and ``canhgac retest``: run checks with a progress bar, then summarise."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TextIO

import typer
from pydantic import ValidationError
from rich.table import Table

from canhgac.catalog import Catalog
from canhgac.cli.common import ExitCode, cli_actor, console, err_console, fail, open_store, run_async, state
from canhgac.cli.config_file import say_settings_file
from canhgac.cli.progress import PhaseProgress
from canhgac.cli.scan_options import (
    OPTION_OF_SETTING,
    AgencyOpt,
    CaFileOpt,
    CaOnlyOpt,
    CheckOpt,
    ConcurrencyOpt,
    DnsblZoneOpt,
    DnsInFlightOpt,
    EhloNameOpt,
    FamilyOpt,
    NoDnsblOpt,
    NsPortOpt,
    PortsOpt,
    ResolverOpt,
    ScanRateOpt,
    TimeoutOpt,
    UserAgentOpt,
    chosen_zones,
)
from canhgac.engine.results import CheckResult, Status
from canhgac.findings.reconcile import ChangeKind
from canhgac.i18n import N_, translate, validation
from canhgac.i18n import gettext as _
from canhgac.i18n.formats import format_number
from canhgac.services.broker_settings import BrokerSettingsError
from canhgac.services.catalog import builtin_registry
from canhgac.services.celery_executor import CeleryExecutor, executor_from_env
from canhgac.services.inventory import InventoryError, load_inventory, scan_resolvers
from canhgac.services.inventory_store import record_scanned_file
from canhgac.services.scan import ScanOutcome, ScanRequest, execute_scan, settings_for
from canhgac.services.scan_events import DiscoveryProgress, DiscoveryStage, Planned, ScanEvent
from canhgac.services.scan_events import Progress as ProgressEvent

TARGETS = "targets"  # the progress phase of the checks, after discovery's stages
HELP = N_("Scan the agencies of an inventory and save the results.")


def run_with_progress(request: ScanRequest, persist: bool, catalog: Catalog,
                      on_result: Callable[[CheckResult], None] | None = None,
                      executor: CeleryExecutor | None = None) -> ScanOutcome:
    """Execute a scan showing its progress: discovery's stages (the range port scan, the MX
    lookups), then the targets done of the plan's; ``on_result`` sees each result; ``executor``:
    the in-process one unless given (the Celery one when ``CANHGAC_BROKER_URL`` is set)."""
    registry = builtin_registry()
    with PhaseProgress(console) as progress:

        def on_event(event: ScanEvent) -> None:
            if isinstance(event, DiscoveryProgress):
                show_stage(progress, event)
            elif isinstance(event, Planned):
                for stage in DiscoveryStage:
                    progress.end(stage)
                progress.update(TARGETS, _("Scanning"), 0, event.targets)
            elif isinstance(event, ProgressEvent):
                progress.update(TARGETS, _("Scanning"), event.targets_done, event.targets_total,
                                note=event.target.name)
            elif on_result is not None:
                on_result(event)

        return run_async(execute_scan(request, registry, catalog, persist=persist, executor=executor,
                                      on_event=on_event))


def show_stage(progress: PhaseProgress, event: DiscoveryProgress) -> None:
    """One discovery stage's line: the port scan counts (address, port) probes, the MX stage domains."""
    if event.stage is DiscoveryStage.PORT_SCAN:
        note = _("{addresses} addresses × {ports} ports").format(
            addresses=event.addresses, ports=event.total // event.addresses) if event.addresses else ""
        progress.update(event.stage, _("Port scan of the declared ranges"), event.done, event.total, note=note)
    else:
        progress.update(event.stage, _("Mail hosts (MX lookups)"), event.done, event.total)


def print_warnings(outcome: ScanOutcome) -> None:
    """The run's warnings (declared addresses the scope refused, blocklist zones left out)."""
    for warning in outcome.warnings:
        console.print(_("Warning: {problem}").format(problem=warning), style="yellow", soft_wrap=True, markup=False)


def render_summary(outcome: ScanOutcome) -> None:
    by_status = Counter(r.status for r in outcome.results)
    table = Table(title=_("Scan results"))
    table.add_column(_("Agency"))
    table.add_column(_("Targets"), justify="right")
    table.add_column(_("Pass"), justify="right", style="green")
    table.add_column(_("Fail"), justify="right", style="red")
    table.add_column(_("Error"), justify="right", style="yellow")
    table.add_column(_("N/A"), justify="right", style="dim")
    per: dict[str, list[CheckResult]] = {}
    for r in outcome.results:
        per.setdefault(r.agency, []).append(r)
    for code in sorted(per):
        rs = per[code]
        c = Counter(r.status for r in rs)
        table.add_row(code, format_number(len({r.target.key for r in rs})), format_number(c[Status.PASS]),
                      format_number(c[Status.FAIL]), format_number(c[Status.ERROR]),
                      format_number(c[Status.NOT_APPLICABLE]))
    console.print(table)
    for code, why in outcome.skipped_agencies.items():  # why: a msgid (services.scan marks it)
        console.print(_("Skipped {agency}: {reason}").format(agency=code, reason=translate(why)),
                      style="yellow", soft_wrap=True, markup=False)
    print_warnings(outcome)
    console.print(
        _("{results} results: {fail} failed, {error} could not be tested.").format(
            results=format_number(len(outcome.results)), fail=format_number(by_status[Status.FAIL]),
            error=format_number(by_status[Status.ERROR]),
        )
    )
    if outcome.run_id is not None:
        console.print(_("Saved as run #{run}.").format(run=outcome.run_id))
    if outcome.changes is not None:
        counts = outcome.changes.counts()
        console.print(
            _("Findings: {new} new, {open} still open, {fixed} fixed, {reopened} reopened.").format(
                new=format_number(counts[ChangeKind.NEW]), open=format_number(counts[ChangeKind.STILL_OPEN]),
                fixed=format_number(counts[ChangeKind.FIXED]), reopened=format_number(counts[ChangeKind.REOPENED]),
            )
        )


def scan(
    ctx: typer.Context,
    inventory: Annotated[Path, typer.Argument(help=N_("Inventory YAML file"))],
    agency: AgencyOpt = None,
    family: FamilyOpt = None,
    check: CheckOpt = None,
    resolver: ResolverOpt = None,
    nameserver_port: NsPortOpt = 53,
    timeout: TimeoutOpt = 2.0,
    concurrency: ConcurrencyOpt = 100,
    dns_in_flight: DnsInFlightOpt = 256,
    ignore_windows: Annotated[bool, typer.Option(help=N_("Scan even outside agencies' scan windows"))] = False,
    ca_file: CaFileOpt = None,
    ca_only: CaOnlyOpt = False,
    dnsbl_zone: DnsblZoneOpt = None,
    no_dnsbl: NoDnsblOpt = False,
    ehlo_name: EhloNameOpt = None,
    user_agent: UserAgentOpt = None,
    ports: PortsOpt = None,
    scan_rate: ScanRateOpt = None,
    no_store: Annotated[bool, typer.Option("--no-store", help=N_("Do not save results to the store"))] = False,
    json_out: Annotated[Path | None, typer.Option(help=N_("Also write every result as JSON lines here"))] = None,
) -> None:
    """Scan the agencies of an inventory and save the results. Scan settings not given here come
    from WORKSPACE/canhgac.toml when it exists (`canhgac config show`)."""
    st = state(ctx)
    zones = chosen_zones(dnsbl_zone, no_dnsbl)
    say_settings_file(ctx)
    if ca_only and ca_file is None:
        raise fail(_("--ca-only trusts the --ca-file bundle alone: give --ca-file too"))
    try:
        inv = load_inventory(inventory)
    except InventoryError as exc:
        raise fail(str(exc)) from None
    known = {a.code for a in inv.agencies}
    unknown = [a for a in agency or [] if a not in known]
    if unknown:
        raise fail(_("unknown agency code(s): {codes}").format(codes=", ".join(unknown)))
    try:
        resolvers = scan_resolvers(inv, resolver)  # refused here, before any packet
    except ValueError as exc:
        raise fail(str(exc)) from None
    try:
        settings = settings_for(
            inv, resolvers=resolvers, nameserver_port=nameserver_port,
            dns_timeout=timeout, concurrency=concurrency,
            dns_max_in_flight=dns_in_flight,
            ca_file=str(ca_file) if ca_file else None, ca_only=ca_only, dnsbl_zones=zones,
            ehlo_name=ehlo_name, user_agent=user_agent, vuln_db_path=st.vuln_db(), ports=ports, scan_rate=scan_rate,
        )
    except ValidationError as exc:
        raise fail(_("invalid option: {error}").format(
            error=validation.summary(exc, names=OPTION_OF_SETTING))) from None
    except ValueError as exc:
        raise fail(_("invalid option: {error}").format(error=exc)) from None
    executor = _sharded_executor(no_store)
    sink = _open_json_out(json_out)  # before the store and the first packet
    try:
        if not no_store:
            open_store(st, writable=True, create=True)
            record_scanned_file(inv, inventory, actor=cli_actor())  # what the console scans next
        request = ScanRequest(inv, settings, agencies=tuple(agency or ()), families=tuple(family or ()),
                              check_ids=tuple(check or ()), ignore_windows=ignore_windows)
        outcome = run_with_progress(request, persist=not no_store, catalog=st.catalog(),
                                    on_result=_json_lines(sink) if sink else None, executor=executor)
    finally:
        if sink is not None:
            sink.close()
    render_summary(outcome)
    if outcome.untestable:
        raise typer.Exit(ExitCode.INCOMPLETE)


def _sharded_executor(no_store: bool) -> CeleryExecutor | None:
    """The Celery executor when ``CANHGAC_BROKER_URL`` is set (workers store the results, so a
    ``--no-store`` scan runs in this process); a wrong setting is refused before anything runs."""
    try:
        executor = executor_from_env(os.environ)
    except BrokerSettingsError as exc:
        raise fail(str(exc)) from None
    if executor is None:
        return None
    if no_store:
        err_console.print(_("--no-store: the scan runs in this process, not on the workers (they store what "
                            "they find)."), style="yellow", soft_wrap=True)
        return None
    err_console.print(_("Sharded scan: {targets} targets per shard on the workers of queue {queue}.").format(
        targets=executor.settings.shard_targets, queue=executor.settings.queue), style="dim", soft_wrap=True)
    return executor


def _open_json_out(path: Path | None) -> TextIO | None:
    """Open ``--json-out`` now, so a wrong path is refused before anything is scanned or stored."""
    if path is None:
        return None
    try:
        return path.open("w", encoding="utf-8")
    except OSError as exc:
        raise fail(_("cannot write --json-out {path}: {error}; choose a file in an existing, writable "
                     "folder").format(path=path, error=exc.strerror or exc)) from None


def _json_lines(sink: TextIO) -> Callable[[CheckResult], None]:
    """Write each result as one JSON line as it arrives (an interrupted scan keeps its lines too)."""

    def write(result: CheckResult) -> None:
        sink.write(result.model_dump_json() + "\n")
        sink.flush()

    return write
