"""The watch's scheduled scans in the store: each night's slot recorded with the launch it queued
(one transaction: a slot is launched exactly once), and the findings those scans opened turned
into findings monitors (read from the event outbox with the consumer's cursor moved in the same
transaction, so each event is taken once) whose checks read the scoped queries.

Called from the watch's store thread (``services.watch_scans``); the rules are
``canhgac.watch.scan_schedule`` and ``canhgac.watch.scan_findings`` (pure).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction

from canhgac.console.store import outbox
from canhgac.console.store.launch_models import OPEN_STATES, LaunchKind
from canhgac.console.store.launches import queue_launch
from canhgac.console.store.models import Event, EventKind, Triage
from canhgac.console.store.queries import ViewerScope, findings_by_fingerprints
from canhgac.console.store.watch_models import WatchMonitor
from canhgac.console.store.watch_scan_models import WatchScanSlot
from canhgac.console.store.watch_store import state_of
from canhgac.findings.triage import effective_triage
from canhgac.watch.facts import FindingsFacts, ScanFinding
from canhgac.watch.monitors import Monitor, MonitorKind
from canhgac.watch.rules import Health, MonitorState

CONSUMER = "watch.findings"  # the outbox cursor of the findings alerts
SCHEDULER = "canhgac-watch"  # who asked for a scheduled launch (the launches' ``requested_by``)
TAKEN = (EventKind.FINDING_OPENED.value, EventKind.FINDING_REOPENED.value)
CLOSED_TRIAGE = (Triage.FALSE_POSITIVE.value, Triage.ACCEPTED_RISK.value)


def recorded_days(agencies: Iterable[str], since: date) -> dict[str, set[date]]:
    """The days recorded (launched or skipped) for each agency from ``since`` on; an agency with
    no row at all is absent (the schedule has never seen it: its first due slot is skipped)."""
    codes = list(agencies)
    out: dict[str, set[date]] = {}
    for code, day in WatchScanSlot.objects.filter(agency_code__in=codes, day__gte=since).values_list(
        "agency_code", "day"
    ):
        out.setdefault(code, set()).add(day)
    for code in WatchScanSlot.objects.filter(agency_code__in=codes).values_list(
        "agency_code", flat=True
    ).distinct():
        out.setdefault(code, set())
    return out


def record_slot(agency: str, day: date, due: datetime, now: datetime, *, launch: bool) -> int | None:
    """Record the agency's slot of ``day`` and queue its full scan (``launch``) in one
    transaction; the launch's id, or None (skipped, or recorded before: nothing twice)."""
    try:
        with transaction.atomic():
            slot = WatchScanSlot.objects.create(
                agency_code=agency, day=day, due=due, recorded_at=now, skipped=not launch
            )
            if not launch:
                return None
            queued = queue_launch(kind=LaunchKind.SCAN, requested_by=SCHEDULER, address="", agency=agency,
                                  via="schedule")
            slot.launch = queued
            slot.save(update_fields=["launch"])
            return int(queued.pk)
    except IntegrityError:  # another daemon on this store recorded it first
        return None


def take_scan_findings(worth: Callable[[str], bool], make: Callable[[str, int], Monitor]) -> int:
    """Turn the outbox's new ``finding.opened``/``finding.reopened`` events of scheduled scans
    whose check is ``worth`` an alert into findings monitors (one per agency and scan, its
    findings in the baseline); the events and the cursor in one transaction. How many taken."""
    taken = [0]

    def handle(events: Sequence[Event]) -> None:
        chosen = [e for e in events if e.kind in TAKEN and e.run_id is not None]
        runs = {e.run_id for e in chosen}
        scheduled = set(
            WatchScanSlot.objects.filter(launch__run_id__in=runs).values_list("launch__run_id", flat=True)
        )
        if runs - scheduled and _unlinked_scheduled_launch():
            raise _NotYetKnownError  # a run's events come before its launch names it: the batch waits
        groups: dict[tuple[str, int], set[str]] = {}
        for e in chosen:
            payload: dict[str, Any] = e.payload or {}
            if e.run_id in scheduled and worth(str(payload.get("check_id", ""))):
                groups.setdefault((e.agency_code, int(e.run_id)), set()).add(e.subject)
        for (agency, run), fingerprints in groups.items():
            _add_findings(make(agency, run), run, fingerprints)
            taken[0] += len(fingerprints)

    try:
        outbox.consume(CONSUMER, handle)
    except _NotYetKnownError:  # rolled back whole: taken again at the next read, once the launch is closed
        return 0
    return taken[0]


class _NotYetKnownError(Exception):
    """A finding event whose run may still turn out to be a scheduled scan's."""


def _unlinked_scheduled_launch() -> bool:
    """A scheduled launch still open without its run: the worker writes the run's events when the
    scan finishes and names the run on the launch just after, so events of an unnamed run may be
    its own until the launch is closed."""
    return WatchScanSlot.objects.filter(launch__state__in=OPEN_STATES, launch__run__isnull=True).exists()


def _add_findings(monitor: Monitor, run: int, fingerprints: set[str]) -> None:
    row = WatchMonitor.objects.select_for_update().filter(key=monitor.key).first()
    if row is None:
        WatchMonitor.objects.create(
            key=monitor.key, kind=monitor.kind.value, target=monitor.target, agency_code=monitor.agency,
            interval=monitor.interval, baseline={"run": run, "fingerprints": sorted(fingerprints)},
        )
        return
    known = set((row.baseline or {}).get("fingerprints") or ())
    row.baseline = {"run": run, "fingerprints": sorted(known | fingerprints)}
    row.watched = True
    row.save(update_fields=["baseline", "watched"])


def open_findings_monitors() -> list[tuple[Monitor, MonitorState]]:
    """The findings monitors not yet settled (never checked, down, or with an open alert)."""
    rows = WatchMonitor.objects.filter(kind=MonitorKind.FINDINGS.value).exclude(
        health=Health.UP.value, alert_key=""
    ).order_by("pk")
    return [
        (Monitor(MonitorKind.FINDINGS, r.target, r.agency_code, r.interval), state_of(r)) for r in rows
    ]


def findings_facts(
    monitor: Monitor, state: MonitorState, severity: Callable[[str], str], today: date
) -> FindingsFacts:
    """The scan's findings as they stand now, read with the agency's scope."""
    baseline = state.baseline or {}
    run = int(baseline.get("run") or 0)
    scope = ViewerScope.everything().narrowed([monitor.agency])
    rows = findings_by_fingerprints(scope, baseline.get("fingerprints") or ()).select_related(
        "acceptance"
    ).order_by("check_id", "target_key")
    found = []
    for f in rows:
        triage = effective_triage(f.triage, f.accepted_until, today)
        closed = f.lifecycle == "fixed" or triage in CLOSED_TRIAGE
        found.append(ScanFinding(f.fingerprint, f.check_id, f.target_key, severity(f.check_id), f.lifecycle,
                                 closed))
    return FindingsFacts(monitor.agency, run, tuple(found))


def settle(key: str) -> None:
    """A findings monitor whose findings are all closed and whose alert recovered leaves the
    board (its history stays)."""
    WatchMonitor.objects.filter(key=key).update(watched=False)
