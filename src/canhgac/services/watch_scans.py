"""The watch's scheduled scans and the alerts on what they open, in the watch's event loop.

One small loop beside the scheduler (``services.watch.run_watch`` starts it when the settings
file has a ``[watch.scans]`` table), on the watch's injected clock:

- **launch**: each agency's due slot (``watch.scan_schedule``: nightly at ``at``, inside the
  agency's window, not in a blackout, a missed night caught up once) is recorded with the full
  scan it queues on the console's launch queue, in one transaction; the scan worker of this
  process (``serve``'s, or the one ``watch run`` starts) runs it as any launch;
- **findings**: the outbox's ``finding.opened``/``finding.reopened`` events of those scans
  become findings monitors (``watch.scan_findings``: one per agency and scan, for the exposed
  services and the findings at least ``min-severity``), each checked by reading the store, judged
  (``watch.judge.judge_findings``) and stepped by the alert rules as any monitor, its state and
  alerts committed by the scheduler's store (``DjangoWatchStore.commit``): one alert per agency
  and scan listing the findings, recovered when they are all fixed or triaged away, delivered
  and escalated by the delivery loop like every alert.

With several watch processes on one store (leases, issue 19), the loop works only in the
process holding partition 0 (``active``); another takes over at its next wake after that
partition moves.

The store's work runs in one thread of its own (the ORM is synchronous); a failure there (the
database away) is logged and tried again at the next wake, never the end of the watch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from canhgac.catalog.loader import Catalog
from canhgac.catalog.schema import Severity
from canhgac.i18n import gettext as _
from canhgac.inventory.model import Inventory
from canhgac.watch.channel_config import ChannelConfig, ScansTable
from canhgac.watch.clock import Clock, sleep_unless_stopped
from canhgac.watch.judge import judge
from canhgac.watch.rules import AlertAction, AlertPolicy, Health, OpenAlert, step
from canhgac.watch.scan_findings import FindingsRule, findings_monitor, worst
from canhgac.watch.scan_schedule import due_slot, last_started, next_start, policies

log = logging.getLogger(__name__)
T = TypeVar("T")
VIETNAM = timedelta(hours=7)  # the calendar a lapsed risk acceptance is read in


def scans_line(config: ChannelConfig) -> str | None:
    """The scheduled scans in one line (``watch run``, ``serve``), or None when there are none."""
    scans = config.scans
    if scans is None or not scans.enabled:
        return None
    return _(
        "Scheduled full scans every night at {at}, inside each agency's scan window; alerts on the "
        "exposed services and {severity} findings they open."
    ).format(at=scans.at, severity=scans.min_severity)


def _submit_to_worker(launch_id: int) -> None:
    from canhgac.services import scan_worker

    scan_worker.submit(launch_id)


class WatchScans:
    """``await WatchScans(...).run()`` until cancelled or :meth:`stop`."""

    def __init__(
        self,
        inventory: Inventory,
        config: ScansTable,
        *,
        catalog: Catalog | None,
        clock: Clock,
        policy: AlertPolicy | None = None,
        submit: Callable[[int], None] | None = None,
        active: Callable[[], bool] | None = None,
    ) -> None:
        self.config = config
        self.catalog = catalog
        self.clock = clock
        self.policies = policies(inventory, config.agencies)
        self.rule = FindingsRule(Severity(config.min_severity), tuple(config.exposed_families))
        base = policy or AlertPolicy()
        # a scan's findings are reconciled facts, not a flaky probe: one look opens, one recovers
        self.policy = replace(
            base, failures_to_alert={**base.failures_to_alert, "findings": 1}, successes_to_recover=1
        )
        self.submit = submit or _submit_to_worker
        self.active = active  # with leases: only the process holding partition 0 launches and checks
        self.launched: list[int] = []  # the launches this loop queued
        self.failures = 0
        self._stop = asyncio.Event()
        self._idle = asyncio.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="canhgac-watch-scans")
        self._store: Any = None

    # --- the loop -----------------------------------------------------------------------
    async def run(self) -> None:
        try:
            while not self._stop.is_set():
                self._idle.clear()
                now = self.clock.now()
                try:
                    if self.active is None or self.active():
                        await self._in_store(self.tick, now)
                except Exception:  # the store away: the next wake tries again
                    self.failures += 1
                    log.exception("watch: the scheduled scans could not be handled")
                self._idle.set()
                await sleep_unless_stopped(self.clock, self.next_wake(now), self._stop)
        finally:
            self._idle.set()
            with contextlib.suppress(Exception):
                await asyncio.shield(self._in_store(self._close))
            self._executor.shutdown(wait=True)

    def stop(self) -> None:
        self._stop.set()

    async def settle(self) -> None:
        """Until the loop waits on its clock again (tests moving a fake clock)."""
        await self._idle.wait()

    def next_wake(self, now: datetime) -> datetime:
        wake = now + timedelta(seconds=self.config.findings_interval)
        for code, policy in self.policies.items():
            start = next_start(code, self.config.time_for(code), policy, now)
            if start is not None and start < wake:
                wake = start
        return wake

    # --- in the store's thread ------------------------------------------------------------
    def tick(self, now: datetime) -> None:
        self.launch_due(now)
        self.check_findings(now)

    def launch_due(self, now: datetime) -> list[int]:
        """Record each agency's due slot and queue its scan; the launches queued."""
        from canhgac.console.store import watch_scans

        recorded = watch_scans.recorded_days(self.policies, (now - timedelta(days=2)).date())
        queued = []
        for code, policy in self.policies.items():
            at = self.config.time_for(code)
            if code not in recorded:  # the schedule's first start for it: its last night is skipped
                last = last_started(code, at, policy, now)
                if last is not None:
                    watch_scans.record_slot(code, last.day, last.start, now, launch=False)
                continue
            slot = due_slot(code, at, policy, now, recorded[code])
            if slot is None:
                continue
            launch_id = watch_scans.record_slot(code, slot.day, slot.start, now, launch=True)
            if launch_id is not None:
                log.info("watch: scheduled scan of %s queued (launch %s)", code, launch_id)
                queued.append(launch_id)
                self.submit(launch_id)
        self.launched.extend(queued)
        return queued

    def check_findings(self, now: datetime) -> None:
        """Take the scheduled scans' new findings, then check every findings monitor not settled."""
        from canhgac.console.store import watch_scans

        catalog, rule, interval = self.catalog, self.rule, self.config.findings_interval
        watch_scans.take_scan_findings(
            lambda check_id: bool(rule.reason(catalog, check_id)),
            lambda agency, run: findings_monitor(agency, run, interval),
        )
        store = self._django_store()
        windows = store.maintenance_windows(now)
        today = (now + VIETNAM).date()
        for monitor, state in watch_scans.open_findings_monitors():
            facts = watch_scans.findings_facts(
                monitor, state, lambda check_id: rule.severity(catalog, check_id), today
            )
            verdict = judge(facts, state.baseline, now)
            maintenance = any(w.covers(monitor, now) for w in windows)
            result = step(state, verdict, now, monitor, self.policy, in_maintenance=maintenance)
            severities = list(verdict.values.get("severities") or ())
            actions = tuple(_graded(a, severities) for a in result.actions)
            store.commit(monitor, result.state, actions)
            if result.state.health is Health.UP and not result.state.alert:
                watch_scans.settle(monitor.key)

    def _django_store(self) -> Any:
        if self._store is None:
            from canhgac.console.store.watch_store import DjangoWatchStore

            self._store = DjangoWatchStore()
        return self._store

    def _close(self) -> None:
        from django.db import connection

        connection.close()

    async def _in_store(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)


def _graded(action: AlertAction, severities: list[str]) -> AlertAction:
    """An alert on a scan's findings is as severe as the worst of them."""
    if isinstance(action, OpenAlert):
        return replace(action, severity=worst(severities, action.severity))
    return action
