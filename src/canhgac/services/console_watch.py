"""The holiday watch inside ``canhgac serve``: one thread of the console's process runs the
daemon (``services.watch.run_watch``, what ``canhgac watch run`` runs) in an event loop of its
own, on the store's inventory and the workspace's settings (``canhgac.toml``'s ``[scan]``: the
resolvers, CA file, EHLO name and User-Agent a console scan uses). With a ``[watch]`` table, the
same loop delivers the alerts and escalates them along the duty roster, as ``watch run`` does,
so the people on duty are told while only the console runs.

``serve --no-watch`` (or ``CANHGAC_WATCH=0``) leaves it off: run ``canhgac watch run`` apart
instead (with ``watch deliver`` or not). On SQLite never both on one store; on PostgreSQL the
watch takes leases (issue 19) and shares the monitors with the store's ``watch run`` processes.
With no inventory stored,
settings a scan would refuse, or a ``[watch]`` table ``watch run`` would refuse, it is not
started and the reason is said in one line; the console serves anyway. The monitors are those
of the inventory stored at the start: after applying another inventory, restart ``serve``.
Edits made on the watch pages reach the running daemon without a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from canhgac.i18n import gettext as _

log = logging.getLogger(__name__)
CHECK_TIMEOUT = 30.0  # as ``canhgac watch run``


class WatchNotStartedError(RuntimeError):
    """The watch cannot start in this console; the message says why and what to do."""


@dataclass
class InProcessWatch:
    """The daemon's thread; ``stop`` cancels it (checks in flight are dropped uncommitted) and
    waits for the store's thread to close its connection."""

    thread: threading.Thread
    loop: asyncio.AbstractEventLoop
    task: asyncio.Task[object]

    def stop(self, timeout: float = 15.0) -> None:
        if not self.loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop ended meanwhile
                self.loop.call_soon_threadsafe(self.task.cancel)
        self.thread.join(timeout)


def start_watch(
    interval: float, on_ready: Callable[[int], None], on_line: Callable[[str], None] = lambda line: None
) -> InProcessWatch:
    """Start the daemon on the store's inventory, delivering its alerts through the settings
    file's ``[watch]`` channels when there are some; ``WatchNotStartedError`` when it cannot.
    ``on_ready`` hears how many monitors are watched, ``on_line`` then who is told."""
    from canhgac.services.console_scan import (
        ConsoleScanRefusedError,
        file_values,
        scan_settings,
        settings_path,
    )
    from canhgac.services.dashboard import console_catalog
    from canhgac.services.inventory import InventoryError
    from canhgac.services.inventory_store import current_inventory
    from canhgac.services.watch import monitors_for, run_watch
    from canhgac.services.watch_delivery import (
        ChannelConfigError,
        ReminderSettingsError,
        channels_line,
        read_channels,
        read_reminders,
    )
    from canhgac.services.watch_leases import DEFAULT_TTL, lease_options
    from canhgac.services.watch_scans import scans_line

    try:
        stored = current_inventory()
    except InventoryError as exc:
        raise WatchNotStartedError(str(exc)) from None
    if stored is None:
        raise WatchNotStartedError(_(
            "the store holds no inventory yet: the watch starts with the next `canhgac serve` after one "
            "is applied"))
    try:
        settings = scan_settings(stored.inventory, file_values())
    except ConsoleScanRefusedError as exc:
        raise WatchNotStartedError(str(exc)) from None
    settings = settings.model_copy(update={"target_timeout": CHECK_TIMEOUT})
    try:
        channels = read_channels(settings_path())
        reminders = read_reminders(settings_path())
    # as `watch run`: a [watch] or [incidents] mistake is said, never half-applied
    except (ChannelConfigError, ReminderSettingsError) as exc:
        raise WatchNotStartedError(str(exc)) from None
    monitors = monitors_for(stored.inventory, interval=interval)
    if not monitors:
        raise WatchNotStartedError(_("the inventory declares no portal, domain or mail host to watch"))
    catalog = console_catalog()

    def ready(count: int) -> None:
        on_ready(count)
        if channels is not None:
            on_line(channels_line(channels))
            scans = scans_line(channels)
            if scans is not None:
                on_line(scans)

    loop = asyncio.new_event_loop()
    task: asyncio.Task[object] = loop.create_task(
        run_watch(monitors, settings, catalog=catalog, on_ready=ready, channels=channels, reminders=reminders,
                  inventory=stored.inventory, leases=lease_options(None, min(DEFAULT_TTL, interval / 2)))
    )
    watch = InProcessWatch(threading.Thread(target=lambda: None), loop, task)

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(task)
        except Exception:  # a watch that cannot run must not take the console down
            log.exception("the watch stopped")
        finally:
            loop.close()
            from django.db import connections

            connections.close_all()

    watch.thread = threading.Thread(target=run, name="canhgac-watch", daemon=True)
    watch.thread.start()
    return watch
