"""``canhgac logs``: log anomaly detection (issue 18, docs/logs.md). ``scan FILE...`` reads log
files (progress in bytes read), shows the detections and what parsing counted, and stores the
detections as findings of their agencies (watch alerts included); ``list`` and ``show`` read the
stored detections; ``follow`` and ``listen`` (``cli.logs_live_cmd``) read live logs into the same
store sink.

Exit status of ``scan``: 0 nothing detected, 1 detections, 2 refused before reading (a missing or
unreadable file, an unknown format or zone, a file of no agency), 4 the store unusable.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from canhgac.cli.common import (
    CliState,
    ExitCode,
    WorkspaceError,
    cli_actor,
    console,
    err_console,
    fail,
    open_store,
    state,
)
from canhgac.cli.logs_live_cmd import SinkOptions, register_live_commands
from canhgac.cli.progress import PhaseProgress
from canhgac.cli.translated import TranslatedTyper
from canhgac.i18n import N_
from canhgac.i18n import gettext as _
from canhgac.i18n.formats import format_datetime, format_number
from canhgac.services.log_scan import Detection

app = TranslatedTyper(no_args_is_help=True)
SEVERITIES = ("info", "low", "medium", "high", "critical")


@dataclass(frozen=True, slots=True)
class ScanOptions:
    files: tuple[Path, ...]
    fmt: str | None = None
    tz: str | None = None
    agency: str | None = None
    inventory: Path | None = None
    as_json: bool = False
    store: bool = True
    alert_min_severity: str = "medium"


def _severity(value: str) -> str:
    from canhgac.catalog.schema import Severity

    try:
        return Severity(value).label()
    except ValueError:
        return value


def _lifecycle(value: str) -> str:
    from canhgac.findings.reconcile import Lifecycle

    try:
        return Lifecycle(value).label()
    except ValueError:
        return value


def _title(rule_id: str) -> str:
    from canhgac.services.log_findings import rule_title

    return rule_title(rule_id)


def _inventory(st: CliState, opts: ScanOptions) -> Any:
    from canhgac.services.inventory import InventoryError, load_inventory

    try:
        if opts.inventory is not None:
            return load_inventory(opts.inventory)
        if not opts.store:
            return None
        from canhgac.services.inventory_store import current_inventory

        stored = current_inventory()
        return stored.inventory if stored is not None else None
    except InventoryError as exc:
        raise fail(str(exc).splitlines()[0]) from None


def _apply(inv: Any, path: Path) -> None:
    from canhgac.services.inventory_store import apply_file

    try:
        apply_file(inv, path, actor=cli_actor())
    except ValueError as exc:
        raise fail(str(exc)) from None


def run_scan(st: CliState, opts: ScanOptions, scanner: Callable[..., Any] | None = None,
             rules: Any = None) -> int:
    """The ``scan`` command's work; ``scanner``/``rules``: the pipeline's (a stand-in in tests)."""
    from canhgac.services import log_scan
    from canhgac.services.log_sources import declared_sources

    if opts.alert_min_severity not in SEVERITIES:
        raise fail(_("--alert-min-severity must be one of {names}").format(names=", ".join(SEVERITIES)))
    try:
        total = log_scan.check_files(opts.files)
        tz = log_scan.zone(opts.tz)
        log_scan.check_format(opts.fmt)
    except log_scan.LogScanError as exc:
        raise fail(str(exc)) from None
    if opts.store:
        try:
            open_store(st, writable=True, create=True)
        except WorkspaceError as exc:
            raise fail(str(exc), exc.code) from None
    inv = _inventory(st, opts)
    try:
        files = log_scan.plan(list(opts.files), declared_sources(inv), agency=opts.agency, fmt=opts.fmt,
                              tz=tz, require_agency=opts.store)
        if scanner is None:
            scanner, rules = log_scan.default_scanner()
    except log_scan.LogScanError as exc:
        raise fail(str(exc)) from None
    if opts.store and opts.inventory is not None:
        _apply(inv, opts.inventory)
    try:
        with PhaseProgress(err_console) as bar:
            read = [0]
            label = _("Reading logs")

            def advance(n: int) -> None:
                read[0] += n
                bar.update("read", label, min(read[0], total), total or None, percent=True)

            report = log_scan.run(files, scanner, rules, advance)
    except log_scan.LogScanError as exc:
        raise fail(str(exc)) from None
    stored = _store(report, opts) if opts.store else None
    _render(report, stored, opts)
    return int(ExitCode.FINDINGS) if report.detections else int(ExitCode.OK)


def _store(report: Any, opts: ScanOptions) -> Any:
    from canhgac.services.log_alerts import alert_rule
    from canhgac.services.log_store import LogStoreError, store_detections

    owner = {id(d): agency for agency, d in report.detections}
    try:
        return store_detections(
            [d for _, d in report.detections],
            lambda d: owner.get(id(d)),
            parameters={"via": "cli", "by": cli_actor(), "files": [str(p) for p in opts.files][:50]},
            alert_rule=alert_rule(opts.alert_min_severity),
        )
    except LogStoreError as exc:
        raise fail(str(exc)) from None


def _detection_json(agency: str, d: Detection) -> dict[str, Any]:
    from canhgac.services.log_findings import evidence_of

    return {"agency": agency, "rule": d.rule_id, "title": _title(d.rule_id), **evidence_of(d)}


def _render(report: Any, stored: Any, opts: ScanOptions) -> None:
    whole = report.total()
    if opts.as_json:
        typer.echo(json.dumps({
            "detections": [_detection_json(a, d) for a, d in report.detections],
            "sources": {name: {"agency": report.agencies.get(name, ""), "lines": s.lines, "records": s.records,
                               "ignored": s.ignored, "malformed": s.malformed, "binary": s.binary,
                               "examples": list(s.examples)} for name, s in report.stats.items()},
            "stored": None if stored is None else {
                "run": stored.run_id, "stored": stored.stored, "opened": stored.opened,
                "seen_again": stored.seen_again, "unchanged": stored.unchanged, "alerts": list(stored.alerts)},
        }, ensure_ascii=False, indent=2))
        return
    if report.detections:
        console.print(detections_table([(a, d) for a, d in report.detections], _("Detections")))
    else:
        console.print(_("No detection."))
    parsed = Table(title=_("Lines read"))
    for col in (_("Source"), _("Agency"), _("Lines"), _("Parsed"), _("Ignored"), _("Malformed"), _("Binary")):
        parsed.add_column(col, overflow="fold")
    for name, s in report.stats.items():
        parsed.add_row(name, report.agencies.get(name, ""), format_number(s.lines), format_number(s.records),
                       format_number(s.ignored), format_number(s.malformed), format_number(s.binary))
    console.print(parsed)
    if whole.malformed or whole.binary:
        err_console.print(_("{malformed} malformed and {binary} binary lines were skipped (counted above).").format(
            malformed=format_number(whole.malformed), binary=format_number(whole.binary)), soft_wrap=True)
    if stored is not None:
        console.print(_("Stored: {opened} detections opened, {again} seen again, {same} already stored; "
                        "{alerts} alerts raised.").format(
            opened=format_number(stored.opened), again=format_number(stored.seen_again),
            same=format_number(stored.unchanged), alerts=format_number(len(stored.alerts))), soft_wrap=True)


def detections_table(rows: list[tuple[str, Detection]], title: str) -> Table:
    table = Table(title=title)
    for col in (_("Rule"), _("Severity"), _("Agency"), _("Group"), _("Window"), _("Count"), _("Clients"),
                _("Accounts involved")):
        table.add_column(col, overflow="fold")
    for agency, d in rows:
        table.add_row(
            f"{_title(d.rule_id)}\n{d.rule_id}", _severity(d.severity), agency, d.group,
            f"{format_datetime(d.first_seen, seconds=True)} – {format_datetime(d.last_seen, seconds=True)}",
            format_number(d.count), ", ".join(d.clients[:5]), ", ".join(d.accounts[:5]),
        )
    return table


@app.command("scan", help=N_("Read log files, show the attacks they hold, store them as findings of their agencies."))
def scan(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help=N_("Log files (.gz read as is)"))],
    fmt: Annotated[str | None, typer.Option("--format", help=N_("The files' format (default: detected)"))] = None,
    tz: Annotated[str | None, typer.Option("--tz", help=N_("The zone of lines without an offset (default: the inventory's, else Asia/Ho_Chi_Minh)"))] = None,
    agency: Annotated[str | None, typer.Option("--agency", help=N_("The agency of every file (default: by the inventory's declared logs)"))] = None,
    inventory: Annotated[Path | None, typer.Option("--inventory", "-i", help=N_("Inventory YAML file (default: the one applied in the store)"))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=N_("Print JSON instead of tables"))] = False,
    no_store: Annotated[bool, typer.Option("--no-store", help=N_("Only show: store nothing, raise no alert"))] = False,
    alert_min_severity: Annotated[str, typer.Option("--alert-min-severity", help=N_("Detections at least this severe raise a watch alert"))] = "medium",
) -> None:
    """Read log files, show the attacks they hold, store them as findings of their agencies."""
    code = run_scan(state(ctx), ScanOptions(tuple(files), fmt, tz, agency, inventory, as_json, not no_store,
                                            alert_min_severity))
    raise typer.Exit(code)


@app.command("list", help=N_("The stored detections, the most recent first."))
def list_detections(
    ctx: typer.Context,
    agency: Annotated[str | None, typer.Option("--agency", "-a", help=N_("Only this agency's"))] = None,
    rule: Annotated[str | None, typer.Option("--rule", help=N_("Only this rule's (e.g. logs.web.sqli)"))] = None,
    severity: Annotated[str | None, typer.Option("--severity", help=N_("At least this severity"))] = None,
    all_: Annotated[bool, typer.Option("--all", help=N_("Closed detections too"))] = False,
    limit: Annotated[int, typer.Option(min=1, help=N_("At most this many"))] = 200,
    as_json: Annotated[bool, typer.Option("--json", help=N_("Print JSON instead of a table"))] = False,
) -> None:
    """The stored detections, the most recent first."""
    if severity is not None and severity not in SEVERITIES:
        raise fail(_("--severity must be one of {names}").format(names=", ".join(SEVERITIES)))
    open_store(state(ctx))
    from canhgac.services import log_pages  # reads the store's models: after it is open
    from canhgac.services.watch import viewer_scope

    rows = log_pages.detections(viewer_scope(agency), log_pages.DetectionFilter(
        agency or "", rule or "", severity or "", not all_), limit=limit)
    if as_json:
        typer.echo(json.dumps([log_pages.row_json(r) for r in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        console.print(_("No detection."))
        return
    table = Table(title=_("Detections"))
    for col in (_("Id"), _("Rule"), _("Severity"), _("Agency"), _("Group"), _("Last seen"), _("Count"),
                _("Clients"), _("Accounts involved"), _("State")):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r.fingerprint[:12], f"{_title(r.rule_id)}\n{r.rule_id}", _severity(r.severity), r.agency,
                      r.group, format_datetime(r.last_seen, seconds=True) if r.last_seen else "",
                      format_number(r.count), ", ".join(r.clients[:5]), ", ".join(r.accounts[:5]), _lifecycle(r.lifecycle))
    console.print(table)


def live_sink_factory(ctx: typer.Context, options: SinkOptions) -> Any:
    """The store sink for ``logs follow``/``logs listen`` (``services.log_sink.StoreSink``): the
    store opened, the inventory read (``--inventory``, else the store's applied one), detections
    attributed to ``--agency`` or by the inventory's declared log sources."""
    from canhgac.services.log_alerts import alert_rule
    from canhgac.services.log_sink import StoreSink
    from canhgac.services.log_sources import declared_sources

    if options.alert_min_severity not in SEVERITIES:
        raise fail(_("--alert-min-severity must be one of {names}").format(names=", ".join(SEVERITIES)))
    st = state(ctx)
    open_store(st, writable=True, create=True)
    inv = _inventory(st, ScanOptions((), inventory=options.inventory))
    if options.inventory is not None:
        _apply(inv, options.inventory)  # its agencies and declared logs in the store, as ``scan -i``
    if options.agency is None and not declared_sources(inv):
        raise fail(_("no agency declares a log source: declare them in the inventory, or give --agency CODE"))
    return StoreSink(declared_sources(inv), agency=options.agency, rule=alert_rule(options.alert_min_severity))


register_live_commands(app, live_sink_factory)
