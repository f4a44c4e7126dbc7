"""The holiday watch for the CLI (and the console to come): build the monitors of an inventory,
run the daemon on the store, read monitors and alerts, acknowledge, plan maintenance.

A facade: the rules live in ``canhgac.watch``, the tables and writes in ``console.store``.
Import after the store is open (``canhgac.services.store.open_store``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from canhgac.catalog.loader import Catalog
from canhgac.engine.settings import ScanSettings
from canhgac.inventory.model import Inventory
from canhgac.services.watch_pages import (
    AlertView,
    MonitorView,
    StepView,
    WindowView,
    alert_view,
    monitor_view,
    open_alert_ids,
    window_views,
)
from canhgac.watch.channel_config import ChannelConfig
from canhgac.watch.from_inventory import monitors_from_inventory
from canhgac.watch.labels import label
from canhgac.watch.leases import LeaseOptions
from canhgac.watch.monitors import DEFAULT_INTERVAL, HolidayWindow, Monitor
from canhgac.watch.problems import severity_table
from canhgac.watch.rules import AlertPolicy
from canhgac.watch.scheduler import Scheduler, SchedulerOptions

if TYPE_CHECKING:
    from canhgac.services.watch_delivery import Reminders
    from canhgac.watch.lease_keeper import LeaseKeeper

__all__ = [
    "AlertNotFoundError",
    "AlertRow",
    "MaintenanceRow",
    "MonitorRow",
    "WatchSummary",
    "acknowledge_alert",
    "add_maintenance",
    "alert_rows",
    "label",
    "maintenance_rows",
    "monitor_rows",
    "monitors_for",
    "run_watch",
    "viewer_scope",
]


class AlertNotFoundError(LookupError):
    """No alert with that id among those the viewer may see."""


@dataclass(frozen=True, slots=True)
class WatchSummary:
    monitors: int
    checks: int
    store_failures: int
    stopped: bool  # ended by a signal (SIGINT/SIGTERM), as a daemon does


# The shapes a reader is shown are built in one place, ``services.watch_pages``, for the console,
# the API and this facade alike.
MonitorRow = MonitorView
AlertRow = AlertView
TimelineStep = StepView
MaintenanceRow = WindowView


def viewer_scope(agency: str | None) -> Any:
    """The CLI's view: every agency, or only ``agency``."""
    from canhgac.console.store import queries

    return queries.ViewerScope.everything().narrowed([agency] if agency else None)


def monitors_for(
    inv: Inventory,
    *,
    interval: float = DEFAULT_INTERVAL,
    holiday_start: datetime | None = None,
    holiday_end: datetime | None = None,
    holiday_interval: float | None = None,
) -> tuple[Monitor, ...]:
    holiday = None
    if holiday_start is not None and holiday_end is not None:
        holiday = HolidayWindow(holiday_start, holiday_end, holiday_interval or interval)
    return monitors_from_inventory(inv, interval=interval, holiday=holiday)


async def run_watch(
    monitors: tuple[Monitor, ...],
    settings: ScanSettings,
    *,
    catalog: Catalog | None,
    concurrency: int = 200,
    on_ready: Callable[[int], None] | None = None,
    channels: ChannelConfig | None = None,
    inventory: Inventory | None = None,
    reminders: Reminders | None = None,
    page_workers: int = 1,
    leases: LeaseOptions | None = None,
) -> WatchSummary:
    """Watch until cancelled (the CLI cancels on SIGINT/SIGTERM); the checks in flight are
    dropped uncommitted, every committed one is kept, the store's thread closes its connection.
    With ``channels``, the alerts are delivered too (``services.watch_delivery``), in this loop;
    with their ``[watch.scans]`` and ``inventory``, the scheduled scans run too
    (``services.watch_scans``), through this process's scan worker; the alerts on log detections
    are re-checked until they settle (``services.log_alerts``; their monitors' rows are locked while
    checked, so every watch process may run that loop). ``page_workers``: processes
    fingerprinting new pages off the event loop (``watch.page_worker``; 0: on the loop). With
    ``leases`` (``services.watch_leases.lease_options``), this process checks only the monitors
    of the partitions it holds, sharing them with the other watch processes of the store, and
    runs the scheduled scans only while it holds partition 0 (one process launches them)."""
    from canhgac.console.store.watch_leases import DjangoLeasedWatchStore
    from canhgac.console.store.watch_store import DjangoWatchStore
    from canhgac.services.watch_delivery import deliverer
    from canhgac.watch.lease_keeper import LeaseKeeper
    from canhgac.watch.probes import EngineProber

    prober = EngineProber(settings, page_workers=page_workers)  # ResolverError (ValueError) before any packet
    policy = AlertPolicy(severities=severity_table(catalog))
    keeper = LeaseKeeper(DjangoLeasedWatchStore(), leases) if leases is not None else None
    sched = Scheduler(
        monitors,
        keeper.store if keeper is not None else DjangoWatchStore(),
        prober,
        policy=policy,
        options=SchedulerOptions(concurrency=concurrency, check_timeout=settings.target_timeout),
        leases=keeper,
    )
    delivery = deliverer(channels, reminders=reminders) if channels is not None else None
    sending: asyncio.Task[None] | None = None
    scanning: asyncio.Task[None] | None = None
    logs: asyncio.Task[None] | None = None
    stopped = False
    try:
        await sched.start()
        if on_ready is not None:
            on_ready(len(sched.monitors))
        if delivery is not None:
            sending = asyncio.create_task(delivery.run())
        if channels is not None and channels.scans is not None and channels.scans.enabled and inventory:
            scanning = asyncio.create_task(
                _scheduled_scans(inventory, channels, catalog, sched, policy, keeper)
            )
        logs = asyncio.create_task(_log_alerts(sched, policy))
        await sched.run()
    except asyncio.CancelledError:
        stopped = True  # run() has closed: checks in flight dropped, the store's thread ended
    finally:
        for task in (sending, scanning, logs):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        await prober.aclose()  # the httpx clients the checks shared
    return WatchSummary(len(sched.monitors), sched.checks_done, sched.store_failures, stopped)


async def _log_alerts(sched: Scheduler, policy: AlertPolicy) -> None:
    """The logs monitors re-checked until they settle (``services.log_alerts``: an attack quiet
    for long enough recovers its alert); opening is done at once by the storing process."""
    from canhgac.services.log_alerts import LogAlerts

    await LogAlerts(clock=sched.clock, policy=policy).run()


async def _scheduled_scans(
    inventory: Inventory,
    channels: ChannelConfig,
    catalog: Catalog | None,
    sched: Scheduler,
    policy: AlertPolicy,
    keeper: LeaseKeeper | None,
) -> None:
    from canhgac.services import scan_worker
    from canhgac.services.watch_scans import WatchScans

    assert channels.scans is not None
    scan_worker.enable()  # this process runs the launches (``serve``'s worker already does)
    active = None if keeper is None else (lambda: keeper.holds_partition(0, sched.clock.now()))
    await WatchScans(inventory, channels.scans, catalog=catalog, clock=sched.clock, policy=policy,
                     active=active).run()


def monitor_rows(scope: Any) -> list[MonitorView]:
    """Every monitor watched, by agency, kind and target."""
    from canhgac.console.store import queries

    ids = open_alert_ids(scope)
    return [monitor_view(m, ids) for m in queries.watch_monitors(scope)]


def alert_rows(scope: Any, *, open_only: bool = False, limit: int | None = 200) -> list[AlertRow]:
    from canhgac.console.store import queries

    rows = queries.watch_alerts(scope, open_only=open_only, limit=limit)
    return [alert_view(a, scope, whole=True) for a in rows]


def acknowledge_alert(scope: Any, alert_id: int, *, actor: str, note: str = "") -> tuple[AlertRow, bool]:
    """Acknowledge an alert the viewer may see, from the CLI (``watch_store.acknowledge``, channel
    ``cli``); the alert, and whether it had been acknowledged before (then nothing changed)."""
    from canhgac.console.store import queries, watch_store

    if queries.watch_alert(scope, alert_id) is None:
        raise AlertNotFoundError(alert_id)
    done = watch_store.acknowledge(alert_id, actor=actor, note=note, channel="cli")
    found = queries.watch_alert(scope, alert_id)
    assert found is not None
    return alert_view(found, scope, whole=True), not done.changed


def maintenance_rows(scope: Any) -> list[WindowView]:
    from django.utils import timezone

    from canhgac.console.store import queries

    return list(window_views(queries.maintenance_windows(scope), timezone.now()))


def add_maintenance(
    *, start: datetime, end: datetime, agency: str = "", monitor: str = "", reason: str = "", actor: str = ""
) -> int:
    from canhgac.console.store import watch_store

    return watch_store.add_maintenance(
        start=start, end=end, agency=agency, monitor=monitor, reason=reason, actor=actor
    ).pk
