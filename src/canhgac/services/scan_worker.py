"""The console's scan worker: one thread of the ``canhgac serve`` process that runs the launches
queued from the pages and the API, one at a time, in the order they were asked for.

The queue is the store's: the worker claims the oldest queued launch (``launches.start_launch``
moves it to running only if it is still queued), so a launch queued by any serving process of
the console (``serve --workers N`` runs the worker in the supervising process, requests in N
others) is run, once. A launch queued in this process wakes the worker at once; one queued
elsewhere is seen within ``POLL_SECONDS``.

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
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from canhgac.engine.results import CheckResult
from canhgac.i18n import gettext as _
from canhgac.services.scan_events import DiscoveryProgress, Planned, Progress, ScanEvent

log = logging.getLogger(__name__)
FLUSH_SECONDS = 1.0  # how often a running launch's progress is written
POLL_SECONDS = 1.0  # how often an idle worker looks for launches queued by another process


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
    """The one thread that runs queued launches in turn, oldest first (started by :meth:`start`
    or the first :meth:`submit`)."""

    def __init__(self, job: Callable[[int], None], claim: Callable[[], int | None],
                 poll_seconds: float = POLL_SECONDS) -> None:
        self._job = job
        self._claim = claim  # the oldest queued launch's id, or None
        self._poll = poll_seconds
        self._wake = threading.Event()
        self._idle = threading.Condition()
        self._busy = True  # until the thread has looked and found nothing
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="canhgac-scan-worker", daemon=True)
                self._thread.start()

    def submit(self, launch_id: int | None = None) -> None:
        """A launch was queued (``launch_id`` for the log): look now rather than at the next poll."""
        self.start()
        with self._idle:
            self._busy = True
        self._wake.set()

    def _loop(self) -> None:
        while True:
            self._wake.clear()
            try:
                launch_id = self._claim()
            except Exception:  # the database away: try again at the next poll
                log.exception("the scan worker could not read the queue")
                launch_id = None
            finally:
                _close_connections()
            if launch_id is None:
                with self._idle:
                    self._busy = False
                    self._idle.notify_all()
                self._wake.wait(self._poll)
                continue
            try:
                self._job(launch_id)
            except Exception:  # the job records its own failures; this is one it could not record
                log.exception("launch %s could not be run", launch_id)
                self._wake.wait(self._poll)  # (the database away: not at once again)
            finally:
                _close_connections()

    def wait(self, timeout: float = 60) -> None:
        """Until the queue is empty and no launch runs (tests)."""
        with self._idle:
            if not self._idle.wait_for(lambda: not self._busy, timeout):
                raise TimeoutError("the scan worker is still busy")


_workers: dict[int, ScanWorker] = {}  # by process id: one worker per console process
# Only a serving console runs scans (``console_server.serve`` enables it). Elsewhere — a test's
# Django client, a script importing the app — a launch stays queued: nothing is contacted by a
# process that was not started to scan.
_enabled: set[int] = set()


def enable() -> None:
    """Let this process's worker run the launches queued from now on, by any process of the
    console (``canhgac serve``: the serving process, or the supervisor of ``--workers``)."""
    _enabled.add(os.getpid())
    worker().start()


def worker() -> ScanWorker:
    """This process's scan worker."""
    from canhgac.console.store.launches import oldest_queued_launch
    from canhgac.services.scan_jobs import run_launch

    return _workers.setdefault(os.getpid(), ScanWorker(run_launch, oldest_queued_launch))


def submit(launch_id: int) -> None:
    """Wake this process's worker once the current transaction commits (a launch rolled back is
    never run); in a process that does not run scans the launch waits for the one that does."""
    from django.db import transaction

    if os.getpid() in _enabled:
        transaction.on_commit(lambda: worker().submit(launch_id))
    else:
        log.info("launch %s stays queued: this process does not run scans (the console's one that "
                 "does will)", launch_id)


def failure_line(exc: BaseException) -> str:
    """One line saying why a launch failed."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return _("the scan stopped: {error}").format(error=text)[:500]
