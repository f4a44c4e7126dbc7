"""The holiday watch inside ``canhgac serve``: one thread of the console's process runs the
daemon (``services.watch.run_watch``, what ``canhgac watch run`` runs) in an event loop of its
own, on the store's inventory and the workspace's settings (``canhgac.toml``'s ``[scan]``: the
resolvers, CA file, EHLO name and User-Agent a console scan uses).

``serve --no-watch`` (or ``CANHGAC_WATCH=0``) leaves it off: run ``canhgac watch run`` apart
instead, never both on one store. With no inventory stored, or settings a scan would refuse,
it is not started and the reason is said in one line; the console serves anyway. The monitors
are those of the inventory stored at the start: after applying another inventory, restart
``serve``. Edits made on the watch pages reach the running daemon without a restart.
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


def start_watch(interval: float, on_ready: Callable[[int], None]) -> InProcessWatch:
    """Start the daemon on the store's inventory; ``WatchNotStartedError`` when it cannot."""
    from canhgac.services.console_scan import ConsoleScanRefusedError, file_values, scan_settings
    from canhgac.services.dashboard import console_catalog
    from canhgac.services.inventory import InventoryError
    from canhgac.services.inventory_store import current_inventory
    from canhgac.services.watch import monitors_for, run_watch

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
    monitors = monitors_for(stored.inventory, interval=interval)
    if not monitors:
        raise WatchNotStartedError(_("the inventory declares no portal, domain or mail host to watch"))
    catalog = console_catalog()
    loop = asyncio.new_event_loop()
    task: asyncio.Task[object] = loop.create_task(
        run_watch(monitors, settings, catalog=catalog, on_ready=on_ready)
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
