"""The console's scan worker: one thread of the ``canhgac serve`` process that runs the launches
queued from the pages and the API, one at a time, in the order they were asked for.

Each launch runs ``execute_scan`` (``persist=True``, the CLI's path: results stored as they
stream, the run reconciled) in an event loop on a thread of its own, off any request. Its
progress events (``scan_events``) update a snapshot in memory; the worker writes the snapshot
to the launch's row about once a second, never from the event loop (Django's ORM is
synchronous). A process that dies leaves its launches queued or running: the next console
start closes them as interrupted (``launches.close_abandoned_launches``), and its run as the
CLI's are (``close_abandoned_runs``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from canhgac.engine.results import CheckResult
from canhgac.i18n import gettext as _
from canhgac.services.scan_events import DiscoveryProgress, Planned, Progress, ScanEvent

log = logging.getLogger(__name__)
FLUSH_SECONDS = 1.0  # how often a running launch's progress is written


@dataclass
class Snapshot:
    """How far a running launch is, as its events tell (written by the event loop's thread,
    read by the worker's: plain assignments of immutable values)."""

    phase: str = "waiting"
    done: int = 0
    total: int | None = None
    results: int = 0

    def hear(self, event: ScanEvent) -> None:
        if isinstance(event, CheckResult):
            self.results += 1
        elif isinstance(event, DiscoveryProgress):
            self.phase, self.done, self.total = "discovery", event.done, event.total
        elif isinstance(event, Planned):
            self.phase, self.done, self.total = "checks", 0, event.targets
        elif isinstance(event, Progress):
            self.phase, self.done, self.total = "checks", event.targets_done, event.targets_total

    def values(self) -> tuple[str, int, int | None, int]:
        return self.phase, self.done, self.total, self.results


def run_with_progress(scan: Callable[[Callable[[ScanEvent], None]], Coroutine[Any, Any, Any]],
                      flush: Callable[[Snapshot], None]) -> Any:
    """Run ``scan(on_event)`` in an event loop on a new thread; call ``flush`` with the progress
    about once a second (when it changed) and once at the end; return the scan's value or raise
    its exception."""
    snapshot = Snapshot()
    box: list[Any] = []
    failure: list[BaseException] = []

    def loop() -> None:
        try:
            box.append(asyncio.run(scan(snapshot.hear)))
        except BaseException as exc:  # handed to the worker's thread, which decides
            failure.append(exc)
        finally:
            _close_connections()

    thread = threading.Thread(target=loop, name="canhgac-scan-loop", daemon=True)
    thread.start()
    written: tuple[str, int, int | None, int] | None = None
    while thread.is_alive():
        thread.join(FLUSH_SECONDS)
        if snapshot.values() != written:
            written = snapshot.values()
            flush(snapshot)
    if snapshot.values() != written:
        flush(snapshot)
    if failure:
        raise failure[0]
    return box[0]


def _close_connections() -> None:
    """This thread's database connections (each thread has its own): closed when it is done."""
    from django.db import connections

    connections.close_all()


class ScanWorker:
    """The one thread that runs queued launches in turn (started with the first launch)."""

    def __init__(self, job: Callable[[int], None]) -> None:
        self._job = job
        self._queue: queue.Queue[int] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, launch_id: int) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="canhgac-scan-worker", daemon=True)
                self._thread.start()
            self._queue.put(launch_id)

    def _loop(self) -> None:
        while True:
            launch_id = self._queue.get()
            try:
                self._job(launch_id)
            except Exception:  # the job records its own failures; this is one it could not record
                log.exception("launch %s could not be run", launch_id)
            finally:
                _close_connections()
                self._queue.task_done()

    def wait(self) -> None:
        """Until every launch submitted so far has been run (tests)."""
        self._queue.join()


_workers: dict[int, ScanWorker] = {}  # by process id: one worker per console process
# Only a serving console runs scans (``console_server.serve`` enables it). Elsewhere — a test's
# Django client, a script importing the app — a launch stays queued: nothing is contacted by a
# process that was not started to scan.
_enabled: set[int] = set()


def enable() -> None:
    """Let this process's worker run the launches queued from now on (``canhgac serve``)."""
    _enabled.add(os.getpid())


def worker() -> ScanWorker:
    """This process's scan worker."""
    from canhgac.services.scan_jobs import run_launch

    return _workers.setdefault(os.getpid(), ScanWorker(run_launch))


def submit(launch_id: int) -> None:
    """Queue a launch for this process's worker once the current transaction commits (a launch
    rolled back is never run)."""
    from django.db import transaction

    if os.getpid() in _enabled:
        transaction.on_commit(lambda: worker().submit(launch_id))
    else:
        log.info("launch %s stays queued: this process does not run scans", launch_id)


def failure_line(exc: BaseException) -> str:
    """One line saying why a launch failed."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return _("the scan stopped: {error}").format(error=text)[:500]
