"""``canhgac watch``: the holiday watch daemon (``run``) and the state of every monitor (``status``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.table import Table
from rich.text import Text

from canhgac.cli.alerts_cmd import alerts_table
from canhgac.cli.common import CliState, cli_actor, console, err_console, fail, open_store, run_async, state
from canhgac.cli.scan_options import (
    OPTION_OF_SETTING,
    CaFileOpt,
    CaOnlyOpt,
    EhloNameOpt,
    NsPortOpt,
    ResolverOpt,
    TimeoutOpt,
    UserAgentOpt,
)
from canhgac.cli.translated import TranslatedTyper
from canhgac.i18n import N_, validation
from canhgac.i18n import gettext as _
from canhgac.i18n.formats import format_datetime, format_number
from canhgac.services.watch_delivery import ChannelConfig
from canhgac.services.watch_leases import DEFAULT_TTL, MAX_PARTITIONS, PartitionCountError

app = TranslatedTyper(no_args_is_help=True)

HolidayOpt = Annotated[
    str | None,
    typer.Option(
        help=N_("Start or end of the holiday window (ISO date and time, e.g. 2027-02-05T00:00+07:00)")
    ),
]


def _aware(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise fail(
            _("{option} takes a date and time with its time zone, e.g. 2027-02-05T00:00+07:00").format(
                option=option
            )
        )
    return value


@app.command(
    "run",
    help=N_("Watch the inventory's portals, domains and mail servers until stopped (Ctrl-C or SIGTERM)."),
)
def run(
    ctx: typer.Context,
    inventory: Annotated[
        Path | None,
        typer.Option(
            "--inventory",
            "-i",
            help=N_("Inventory YAML file (default: the inventory applied last in the store)"),
        ),
    ] = None,
    interval: Annotated[
        float, typer.Option(min=5, help=N_("Seconds between two checks of a monitor"))
    ] = 60.0,
    holiday_start: HolidayOpt = None,
    holiday_end: HolidayOpt = None,
    holiday_interval: Annotated[
        float | None, typer.Option(min=5, help=N_("Seconds between two checks inside the holiday window"))
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, max=5000, help=N_("Checks running at once"))] = 200,
    page_workers: Annotated[
        int,
        typer.Option(
            min=0, max=16, help=N_("Processes fingerprinting new pages off the event loop (0: in the watch's own loop)")
        ),
    ] = 1,
    partitions: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=MAX_PARTITIONS,
            envvar="CANHGAC_WATCH_PARTITIONS",
            help=N_(
                "Share the monitors with the other `watch run` processes of the store: split them into this "
                "many partitions, each checked by the one process holding its lease (default: 64 on "
                "PostgreSQL, 0 on SQLite; 0: this process watches every monitor). Every process of a store "
                "must use the same number. Env: CANHGAC_WATCH_PARTITIONS"
            ),
        ),
    ] = None,
    lease_ttl: Annotated[
        float,
        typer.Option(
            min=3,
            max=600,
            envvar="CANHGAC_WATCH_LEASE_TTL",
            help=N_(
                "Seconds a partition's lease lasts unless renewed (every third of it): a stopped process's "
                "monitors are checked by the others within this and a third, so keep it well under the "
                "shortest interval. Env: CANHGAC_WATCH_LEASE_TTL"
            ),
        ),
    ] = DEFAULT_TTL,
    resolver: ResolverOpt = None,
    nameserver_port: NsPortOpt = 53,
    timeout: TimeoutOpt = 2.0,
    ca_file: CaFileOpt = None,
    ca_only: CaOnlyOpt = False,
    ehlo_name: EhloNameOpt = None,
    user_agent: UserAgentOpt = None,
) -> None:
    """Watch the inventory's portals, domains and mail servers until stopped (Ctrl-C or SIGTERM)."""
    from canhgac.services.inventory import InventoryError, load_inventory, scan_resolvers
    from canhgac.services.scan import settings_for
    from canhgac.services.watch import monitors_for
    from canhgac.services.watch_leases import lease_options

    st = state(ctx)
    start, end = _aware(holiday_start, "--holiday-start"), _aware(holiday_end, "--holiday-end")
    if (start is None) != (end is None) or (start is not None and end is not None and end <= start):
        raise fail(_("give both --holiday-start and --holiday-end, the end after the start"))
    if ca_only and ca_file is None:
        raise fail(_("--ca-only trusts the --ca-file bundle alone: give --ca-file too"))
    open_store(st, writable=True, create=inventory is not None)
    try:
        if inventory is not None:
            inv = load_inventory(inventory)
        else:
            from canhgac.services.inventory_store import current_inventory

            stored = current_inventory()
            if stored is None:
                raise fail(_("no inventory has been applied in this store yet: give --inventory FILE"))
            inv = stored.inventory
    except InventoryError as exc:
        raise fail(str(exc)) from None
    try:
        resolvers = scan_resolvers(inv, resolver)
        settings = settings_for(
            inv,
            resolvers=resolvers,
            nameserver_port=nameserver_port,
            dns_timeout=timeout,
            ca_file=str(ca_file) if ca_file else None,
            ca_only=ca_only,
            ehlo_name=ehlo_name,
            user_agent=user_agent,
            target_timeout=30.0,
        )
    except ValidationError as exc:
        raise fail(
            _("invalid option: {error}").format(error=validation.summary(exc, names=OPTION_OF_SETTING))
        ) from None
    except ValueError as exc:
        raise fail(str(exc)) from None
    channels = _channels(st)
    monitors = monitors_for(
        inv, interval=interval, holiday_start=start, holiday_end=end, holiday_interval=holiday_interval
    )
    if not monitors:
        raise fail(_("the inventory declares no portal, domain or mail host to watch"))
    leases = lease_options(partitions, lease_ttl)
    if leases is not None and lease_ttl + lease_ttl / 3 >= interval:
        raise fail(_("--lease-ttl {ttl} s is too long for checks every {s} s: a stopped process's monitors "
                     "would miss a check; keep it under three quarters of the interval").format(
                         ttl=format_number(lease_ttl), s=format_number(interval)))

    def ready(count: int) -> None:
        err_console.print(
            _("Watching {n} monitors every {s} s (actor {actor}); Ctrl-C or SIGTERM stops.").format(
                n=format_number(count), s=format_number(interval), actor=cli_actor()
            ),
            soft_wrap=True,
        )
        if leases is not None:
            err_console.print(
                _("Shared with the store's other watch processes: {p} partitions, each checked by the "
                  "process holding its lease ({ttl} s).").format(
                    p=format_number(leases.partitions), ttl=format_number(leases.ttl)),
                soft_wrap=True,
            )
        if channels is not None:
            _say_channels(channels)

    try:
        summary = _run_daemon(
            monitors, settings, st, concurrency, page_workers, ready, channels, inv, leases
        )
    except PartitionCountError as exc:
        raise fail(
            _("the store's running watch processes split the monitors into {theirs} partitions, this one "
              "into {mine}: give --partitions {theirs}").format(theirs=exc.theirs, mine=exc.mine)
        ) from None
    err_console.print(
        _("Watch stopped: {checks} checks stored.").format(checks=format_number(summary.checks))
    )
    if summary.store_failures:
        err_console.print(
            _(
                "{n} checks could not be stored (the store was unavailable); they ran again at their "
                "next slot."
            ).format(n=format_number(summary.store_failures)),
            style="yellow",
        )


def _run_daemon(
    monitors: Any, settings: Any, st: CliState, concurrency: int, page_workers: int,
    ready: Any, channels: ChannelConfig | None, inv: Any, leases: Any,
) -> Any:
    from canhgac.services.watch import run_watch

    return run_async(
        run_watch(
            monitors,
            settings,
            catalog=st.catalog(),
            concurrency=concurrency,
            page_workers=page_workers,
            on_ready=ready,
            channels=channels,
            inventory=inv,
            reminders=_reminders(st) if channels is not None else None,
            leases=leases,
        )
    )


def _channels(st: CliState) -> ChannelConfig | None:
    """The settings file's [watch] channels and recipients (None: no alert is delivered)."""
    from canhgac.services.watch_delivery import ChannelConfigError, read_channels

    try:
        return read_channels(st.config_path())
    except ChannelConfigError as exc:
        raise fail(str(exc)) from None


def _reminders(st: CliState) -> Any:
    """The settings file's [incidents] (and [forms]) table as the delivery loop's reminders."""
    from canhgac.services.watch_delivery import ReminderSettingsError, read_reminders

    try:
        return read_reminders(st.config_path())
    except ReminderSettingsError as exc:
        raise fail(str(exc)) from None


def _say_channels(channels: ChannelConfig) -> None:
    from canhgac.services.watch_delivery import channels_line
    from canhgac.services.watch_scans import scans_line

    err_console.print(channels_line(channels), soft_wrap=True)
    scans = scans_line(channels)
    if scans is not None:
        err_console.print(scans, soft_wrap=True)


@app.command(
    "deliver",
    help=N_(
        "Deliver the watch's alerts to the recipients of the settings file's [watch] table until "
        "stopped (when `watch run` runs elsewhere)."
    ),
)
def deliver(ctx: typer.Context) -> None:
    """Deliver the watch's alerts to the recipients of the settings file's [watch] table until stopped."""
    st = state(ctx)
    channels = _channels(st)
    if channels is None or not any(getattr(channels, c) is not None for c in ("email", "telegram", "webhook")):
        raise fail(
            _("no alert channel: add [watch.email], [watch.telegram] or [watch.webhook] to {path}").format(
                path=st.config_path()
            )
        )
    open_store(st, writable=True)
    from canhgac.services.watch_delivery import run_delivery

    reminders = _reminders(st)
    summary = run_async(
        run_delivery(channels, on_ready=lambda _n: _say_channels(channels), reminders=reminders)
    )
    err_console.print(
        _("Delivery stopped: {sent} messages sent, {failed} attempts failed.").format(
            sent=format_number(summary.sent), failed=format_number(summary.failures)
        )
    )


@app.command("status", help=N_("Every monitor's state, the open alerts and the watch processes holding leases."))
def status(
    ctx: typer.Context,
    agency: Annotated[
        str | None, typer.Option("--agency", "-a", help=N_("Only this agency's monitors"))
    ] = None,
) -> None:
    """Every monitor's state, the open alerts and the watch processes holding leases."""
    from canhgac.services.watch import alert_rows, label, monitor_rows, viewer_scope

    open_store(state(ctx))
    scope = viewer_scope(agency)
    rows = monitor_rows(scope)
    if not rows:
        console.print(_("No monitors yet: start the watch with `canhgac watch run`."))
        return
    table = Table(title=_("Monitors"))
    for col in (
        _("Agency"),
        _("Monitor"),
        _("Target"),
        _("State"),
        _("Since"),
        _("Last check"),
        _("Problem"),
    ):
        table.add_column(col, overflow="fold")
    styles = {"up": "green", "down": "bold red", "flapping": "yellow"}
    for m in rows:
        since = format_datetime(m.since, seconds=True) if m.since else ""
        checked = format_datetime(m.checked_at, seconds=True) if m.checked_at else ""
        table.add_row(
            m.agency,
            label("kind", m.kind),
            m.target,
            f"[{styles.get(m.health, 'dim')}]{label('health', m.health)}[/]",
            since,
            checked,
            m.problem,
        )
    console.print(table)
    counts = {h: sum(1 for m in rows if m.health == h) for h in ("up", "down", "flapping", "unknown")}
    console.print(", ".join(f"{label('health', h)}: {format_number(n)}" for h, n in counts.items()))
    open_alerts = alert_rows(scope, open_only=True)
    if open_alerts:
        console.print(alerts_table(open_alerts, _("Open alerts")))
    else:
        console.print(_("No open alerts."))
    _holders_table()


def _holders_table() -> None:
    """The watch processes sharing the monitors by leases (none on a store watched by one)."""
    from canhgac.services.watch_leases import holder_rows

    rows = holder_rows()
    if not rows:
        return
    table = Table(title=_("Watch processes (leases)"))
    for col in (_("Process"), _("Host"), _("PID"), _("Started"), _("Last renewal"), _("Partitions"), _("State")):
        table.add_column(col, overflow="fold")
    alive, gone = _("alive"), _("gone (lease expired)")
    for h in rows:
        table.add_row(
            h.holder,
            h.host,
            str(h.pid),
            format_datetime(h.started, seconds=True),
            format_datetime(h.seen, seconds=True),
            format_number(h.held),
            Text(alive, style="green") if h.alive else Text(gone, style="red"),
        )
    console.print(table)


maintenance_app = TranslatedTyper(no_args_is_help=True)
app.add_typer(
    maintenance_app, name="maintenance", help=N_("Maintenance windows: no alert opens inside them.")
)


@maintenance_app.command(
    "add",
    help=N_(
        "Plan a maintenance window for an agency or one monitor: its state is still tracked, no alert opens."
    ),
)
def maintenance_add(
    ctx: typer.Context,
    start: Annotated[str, typer.Option(help=N_("Start (ISO date and time with its time zone)"))],
    end: Annotated[str, typer.Option(help=N_("End (ISO date and time with its time zone)"))],
    agency: Annotated[
        str, typer.Option("--agency", "-a", help=N_("The agency's code (none: every agency)"))
    ] = "",
    monitor: Annotated[str, typer.Option(help=N_("One monitor's key or target (none: all of them)"))] = "",
    reason: Annotated[str, typer.Option(help=N_("Why (shown with the window)"))] = "",
) -> None:
    """Plan a maintenance window for an agency or one monitor: its state is still tracked, no alert opens."""
    from canhgac.services.watch import add_maintenance

    begins, ends = _aware(start, "--start"), _aware(end, "--end")
    assert begins is not None and ends is not None
    if ends <= begins:
        raise fail(_("the window must end after it starts"))
    open_store(state(ctx), writable=True)
    number = add_maintenance(
        start=begins, end=ends, agency=agency, monitor=monitor, reason=reason, actor=cli_actor()
    )
    console.print(
        _("Maintenance window {id} planned: {start} to {end}.").format(
            id=number, start=format_datetime(begins, seconds=True), end=format_datetime(ends, seconds=True)
        )
    )


@maintenance_app.command("list", help=N_("The maintenance windows, past and planned."))
def maintenance_list(ctx: typer.Context) -> None:
    """The maintenance windows, past and planned."""
    from canhgac.services.watch import maintenance_rows, viewer_scope

    open_store(state(ctx))
    rows = maintenance_rows(viewer_scope(None))
    if not rows:
        console.print(_("No maintenance windows."))
        return
    table = Table(title=_("Maintenance windows"))
    for col in (_("Id"), _("Start"), _("End"), _("Agency"), _("Monitor"), _("Reason"), _("By")):
        table.add_column(col, overflow="fold")
    for w in rows:
        table.add_row(
            str(w.id),
            format_datetime(w.start, seconds=True),
            format_datetime(w.end, seconds=True),
            w.agency or _("every agency"),
            w.monitor,
            w.reason,
            w.created_by,
        )
    console.print(table)
