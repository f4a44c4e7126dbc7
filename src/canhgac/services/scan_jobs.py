"""What the console's scan worker does with one launch: build the scan it asks for, run it with
its progress written to the launch, and close the launch with its run (``scan_worker``).

A scan takes the store's inventory and the workspace's settings as they are when it starts
(``console_scan``); a retest, the finding's own (``retest.retest_target``). With
``CANHGAC_BROKER_URL`` set, a scan is sharded over the Celery workers (``celery_executor``). Whatever happens,
the launch ends finished, failed (with its error line) or interrupted.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Coroutine
from typing import Any

from canhgac.services.catalog import builtin_registry
from canhgac.services.celery_executor import executor_from_env
from canhgac.services.console_scan import (
    ConsoleScanRefusedError,
    file_values,
    require_inventory,
    scan_settings,
)
from canhgac.services.dashboard import console_catalog
from canhgac.services.retest import retest, retest_target
from canhgac.services.scan import ScanInterruptedError, ScanOutcome, ScanRequest, execute_scan
from canhgac.services.scan_events import ScanEvent
from canhgac.services.scan_worker import Snapshot, failure_line, run_with_progress

log = logging.getLogger(__name__)
Scan = Callable[[Callable[[ScanEvent], None]], Coroutine[Any, Any, ScanOutcome]]


def _scan_of(launch: Any) -> Scan:
    """The coroutine (given its progress callback) that a launch asks for; refused as
    ``ConsoleScanRefusedError`` (or LookupError: the finding is gone) before anything runs."""
    registry, catalog = builtin_registry(), console_catalog()
    if launch.kind == "retest":
        stored = _inventory_or_none()
        target = retest_target(launch.fingerprint, stored)

        def run_retest(on_event: Callable[[ScanEvent], None]) -> Coroutine[Any, Any, ScanOutcome]:
            return retest(target, registry, catalog, on_event=on_event)

        return run_retest
    inventory = require_inventory()
    request = ScanRequest(inventory, scan_settings(inventory, file_values()),
                          agencies=(launch.agency,) if launch.agency else (),
                          families=(launch.family,) if launch.family else ())

    executor = executor_from_env(os.environ)  # sharded over Celery workers when CANHGAC_BROKER_URL is set

    def run_scan(on_event: Callable[[ScanEvent], None]) -> Coroutine[Any, Any, ScanOutcome]:
        return execute_scan(request, registry, catalog, persist=True, executor=executor, on_event=on_event)

    return run_scan


def _inventory_or_none() -> Any:
    try:
        return require_inventory()
    except ConsoleScanRefusedError:  # a retest needs none: the run's stored settings serve
        return None


def _current_run(launch: Any) -> int | None:
    """The run this process's worker has open for the launch (the worker runs one at a time)."""
    from canhgac.console.store.models import RunStatus, ScanRun

    row = (ScanRun.objects.filter(status=RunStatus.RUNNING, owner_pid=os.getpid(),
                                  started_at__gte=launch.started_at)
           .order_by("-pk").values_list("pk", flat=True).first())
    return int(row) if row is not None else None


def run_launch(launch_id: int) -> None:
    """Run one queued launch to its end (the worker calls this; nothing escapes but a failure
    to write the launch's own row)."""
    from canhgac.console.store import launches
    from canhgac.console.store.launch_models import LaunchPhase, LaunchState, ScanLaunch

    if not launches.start_launch(launch_id):
        return  # closed meanwhile
    launch = ScanLaunch.objects.get(pk=launch_id)
    run_id: list[int | None] = [None]

    def flush(snapshot: Snapshot) -> None:
        if run_id[0] is None:
            run_id[0] = _current_run(launch)
        launches.note_progress(launch_id, phase=LaunchPhase(snapshot.phase), done=snapshot.done,
                               total=snapshot.total, results=snapshot.results, run_id=run_id[0])

    try:
        scan = _scan_of(launch)
        outcome = run_with_progress(scan, flush)
    except ScanInterruptedError as exc:
        state = LaunchState.FAILED if exc.cause is not None else LaunchState.INTERRUPTED
        launches.end_launch(launch_id, state, run_id=exc.outcome.run_id, results=len(exc.outcome.results),
                            error=failure_line(exc.cause) if exc.cause is not None else "")
        return
    except (ConsoleScanRefusedError, LookupError, ValueError) as exc:
        launches.end_launch(launch_id, LaunchState.FAILED, run_id=run_id[0], error=str(exc))
        return
    except Exception as exc:
        log.exception("launch %s failed", launch_id)
        launches.end_launch(launch_id, LaunchState.FAILED, run_id=run_id[0], error=failure_line(exc))
        return
    launches.end_launch(launch_id, LaunchState.FINISHED, run_id=outcome.run_id, results=len(outcome.results))
