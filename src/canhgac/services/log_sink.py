"""The store sink of ``canhgac logs follow`` and ``logs listen``: each batch of detections the
live readers report is stored as findings of its agency and raises its watch alerts
(``services.log_store``), off the event loop, one batch at a time, in arrival order.

A detection's agency is its stream's (``services.log_sources.agency_of_stream``: a followed
file by the inventory's declared path or glob, a syslog stream by its sender), or the agency
named with ``--agency``. A detection of no agency is counted and left out, never filed under a
guess. A batch the store refuses or cannot take (the database away) is logged and counted; the
live readers go on (a log reader that stops on a database hiccup would miss the attack).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from canhgac.logs.detection import Detection
from canhgac.services.log_sources import DeclaredSource, agency_of_stream
from canhgac.watch.log_alerts import LogAlertRule

log = logging.getLogger(__name__)


@dataclass
class SinkCounts:
    batches: int = 0
    stored: int = 0
    unattributed: int = 0
    failures: int = 0
    alerts: list[int] = field(default_factory=list)


class StoreSink:
    """``await sink(detections)``: store them and raise their alerts (the module's rules)."""

    def __init__(self, sources: Sequence[DeclaredSource], *, agency: str | None = None,
                 rule: LogAlertRule | None = None, via: str = "live") -> None:
        self.sources = tuple(sources)
        self.agency = agency or None
        self.rule = rule or LogAlertRule()
        self.via = via
        self.counts = SinkCounts()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="canhgac-log-sink")

    def agency_of(self, detection: Detection) -> str | None:
        if self.agency is not None:
            return self.agency
        return agency_of_stream(detection.source, self.sources)

    def store(self, detections: Sequence[Detection]) -> None:
        """Store one batch (in the sink's thread); never raises."""
        from canhgac.services.log_store import store_detections

        self.counts.batches += 1
        try:
            done = store_detections(detections, self.agency_of, parameters={"via": self.via},
                                    alert_rule=self.rule)
        except Exception as exc:  # the store refused or is away: one line logged, the readers go on
            self.counts.failures += 1
            reason = (str(exc).splitlines() or [type(exc).__name__])[0]
            log.error("logs: %d detections could not be stored: %s", len(detections), reason)
            log.debug("logs: why the detections could not be stored", exc_info=True)
            return
        self.counts.stored += done.stored
        self.counts.unattributed += done.unattributed
        self.counts.alerts.extend(done.alerts)
        if done.unattributed:
            log.warning("logs: %d detections of no agency left out (declare their source in the inventory, "
                        "or give --agency)", done.unattributed)

    async def __call__(self, detections: list[Detection]) -> None:
        if detections:
            await asyncio.get_running_loop().run_in_executor(self._executor, self.store, list(detections))

    def close(self) -> None:
        """Wait for the batch in hand and release the thread's database connection."""

        def _close() -> None:
            from django.db import connection

            connection.close()

        self._executor.submit(_close).result()
        self._executor.shutdown(wait=True)
