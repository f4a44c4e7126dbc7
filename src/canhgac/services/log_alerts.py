"""Watch alerts on log detections (docs/logs.md, section *Alerts*): the logs monitors checked on
the store, at once when detections are stored, and again by the watch until they settle.

The fast path: ``services.log_store`` calls :func:`check_monitors` right after the run holding
new detections is finished, in the storing process. Each (agency, rule) stored is one logs
monitor (``watch.log_alerts``); it is judged on the store's active detections and stepped by
the watch's alert rules (one failed check opens: the detection is a reconciled fact, not a flaky
probe), and its state and alert are committed by the watch's store (``DjangoWatchStore``), which
writes the ``alert.opened`` event in the same transaction. The delivery loop (``canhgac serve``,
``watch run`` or ``watch deliver``) then tells the people on duty at its next round (``poll``,
2 s by default): the alert is in the on-duty person's mailbox within the poll and a send.

The slow path: :class:`LogAlerts`, a small loop beside the watch's scheduler, re-checks every
``LOGS_INTERVAL`` the logs monitors not settled (down, or with an open alert), so an alert
recovers once its attack has been quiet for ``quiet`` or its detections are triaged away.

The monitor's row is locked while it is checked, so the storing process and the watch never
step one monitor from the same state twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from canhgac.catalog.schema import Severity
from canhgac.watch.clock import Clock, SystemClock, sleep_unless_stopped
from canhgac.watch.log_alerts import (
    DEFAULT_MIN_SEVERITY,
    LOGS_INTERVAL,
    ActiveDetection,
    LogAlertRule,
    judge_logs,
    logs_monitor,
    monitor_parts,
    worst,
)
from canhgac.watch.monitors import MonitorKind
from canhgac.watch.rules import AlertPolicy, Health, OpenAlert, step

log = logging.getLogger(__name__)
VIETNAM = timedelta(hours=7)  # the calendar a lapsed risk acceptance is read in


def alert_rule(min_severity: str = DEFAULT_MIN_SEVERITY.value) -> LogAlertRule:
    """The rule for detections at least ``min_severity`` (``info`` .. ``critical``); ValueError otherwise."""
    return LogAlertRule(Severity(min_severity))


def _policy(base: AlertPolicy | None = None) -> AlertPolicy:
    chosen = base or AlertPolicy()
    # one look opens (a stored detection is certain), one recovers (the quiet period has passed)
    return replace(chosen, failures_to_alert={**chosen.failures_to_alert, "logs": 1}, successes_to_recover=1,
                   flap_changes=10**6)


def check_monitor(agency: str, rule_id: str, now: datetime, rule: LogAlertRule,
                  policy: AlertPolicy | None = None, *, create: bool = True) -> int | None:
    """Judge and step one logs monitor under its row's lock; the id of the alert it opened (None:
    none opened). ``create``: make the monitor when a detection is worth it and none exists."""
    from django.db import transaction

    from canhgac.console.store import log_queries
    from canhgac.console.store.watch_models import WatchAlert, WatchMonitor
    from canhgac.console.store.watch_store import DjangoWatchStore, state_of

    monitor = logs_monitor(agency, rule_id)
    found = log_queries.rule_detections(agency, rule_id, (now + VIETNAM).date(), now - rule.quiet)
    active = [ActiveDetection(d.fingerprint, d.group, d.severity, d.count, d.last_seen, d.stored_at, d.closed)
              for d in found]
    verdict = judge_logs(agency, rule_id, active, now, rule)
    with transaction.atomic():
        row = WatchMonitor.objects.select_for_update().filter(key=monitor.key).first()
        if row is None:
            if verdict.ok or not create:
                return None
            row = WatchMonitor.objects.create(
                key=monitor.key, kind=monitor.kind.value, target=monitor.target, agency_code=agency,
                interval=monitor.interval,
            )
        state = state_of(row)
        result = step(state, verdict, now, monitor, _policy(policy))
        severities = list(verdict.values.get("severities") or ())
        actions = tuple(
            replace(a, severity=worst(severities, a.severity)) if isinstance(a, OpenAlert) else a
            for a in result.actions
        )
        DjangoWatchStore().commit(monitor, result.state, actions)
        settled = result.state.health is Health.UP and not result.state.alert
        if settled != (not row.watched):
            WatchMonitor.objects.filter(pk=row.pk).update(watched=not settled)
        opened = [a.alert for a in actions if isinstance(a, OpenAlert)]
        if not opened:
            return None
        alert = WatchAlert.objects.filter(key=opened[0]).values_list("pk", flat=True).first()
        return int(alert) if alert is not None else None


def check_monitors(pairs: Iterable[tuple[str, str]], *, rule: LogAlertRule | None = None,
                   now: datetime | None = None) -> list[int]:
    """Check the logs monitor of each (agency, rule id) just stored; the alerts opened."""
    at = now or datetime.now(UTC)
    chosen = rule or LogAlertRule()
    opened = []
    for agency, rule_id in pairs:
        alert = check_monitor(agency, rule_id, at, chosen)
        if alert is not None:
            log.info("logs: alert %s opened for %s of %s", alert, rule_id, agency)
            opened.append(alert)
    return opened


def unsettled_monitors() -> list[tuple[str, str]]:
    """(agency, rule id) of the logs monitors down or with an open alert."""
    from canhgac.console.store.watch_models import WatchMonitor

    rows = WatchMonitor.objects.filter(kind=MonitorKind.LOGS.value, watched=True).order_by("pk")
    return [monitor_parts(target) for target in rows.values_list("target", flat=True)]


def recheck(now: datetime, rule: LogAlertRule, policy: AlertPolicy | None = None) -> int:
    """Check every unsettled logs monitor (the watch's slow path); how many were checked."""
    pairs = unsettled_monitors()
    for agency, rule_id in pairs:
        check_monitor(agency, rule_id, now, rule, policy, create=False)
    return len(pairs)


class LogAlerts:
    """``await LogAlerts(...).run()`` beside the watch's scheduler until cancelled or :meth:`stop`."""

    def __init__(self, *, clock: Clock | None = None, rule: LogAlertRule | None = None,
                 policy: AlertPolicy | None = None, interval: float = LOGS_INTERVAL) -> None:
        self.clock = clock or SystemClock()
        self.rule = rule or LogAlertRule()
        self.policy = policy
        self.interval = interval
        self.failures = 0
        self._stop = asyncio.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="canhgac-log-alerts")

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while not self._stop.is_set():
                now = self.clock.now()
                try:
                    await loop.run_in_executor(self._executor, recheck, now, self.rule, self.policy)
                except Exception:  # the store away: the next wake tries again
                    self.failures += 1
                    log.exception("watch: the logs monitors could not be checked")
                await sleep_unless_stopped(self.clock, now + timedelta(seconds=self.interval), self._stop)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.shield(loop.run_in_executor(self._executor, _close))
            self._executor.shutdown(wait=True)

    def stop(self) -> None:
        self._stop.set()


def _close() -> None:
    from django.db import connection

    connection.close()
