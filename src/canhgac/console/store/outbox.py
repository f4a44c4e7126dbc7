"""The event outbox: state changes written once, in the transaction that made them, and read
by consumers that each keep a cursor.

``finish_run`` knows what a run opened, fixed and reopened; it hands that here
(:func:`record_run`) inside its transaction, so an event exists exactly when its change does.
Each event is unique by (kind, run, subject): writing a run's events again writes nothing new.
Consumers (the watch's alerts, the console's live pages) call :func:`consume`, which moves a
consumer's cursor only after its handler returned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from canhgac.console.store.models import (
    Event,
    EventCursor,
    EventKind,
    Result,
    ResultStatus,
    RunStatus,
    ScanRun,
)
from canhgac.findings.reconcile import Change, ChangeKind

_FINDING_KINDS = {
    ChangeKind.NEW: EventKind.FINDING_OPENED,
    ChangeKind.FIXED: EventKind.FINDING_FIXED,
    ChangeKind.REOPENED: EventKind.FINDING_REOPENED,
}
_RUN_KINDS = {
    RunStatus.FINISHED: EventKind.SCAN_FINISHED,
    RunStatus.FAILED: EventKind.SCAN_FAILED,
    RunStatus.INTERRUPTED: EventKind.SCAN_INTERRUPTED,
}


class UnknownEventKindError(ValueError):
    """An event of a kind ``EventKind`` does not list."""


@dataclass(frozen=True, slots=True)
class SeverityChange:
    """An open finding whose observed severity (its result's evidence) differs from before."""

    fingerprint: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class FindingFacts:
    """What an event says about a finding's result: check, target, agency."""

    check_id: str
    target_key: str
    agency_code: str


def event(kind: str, run: ScanRun | None, subject: str, agency: str, payload: Mapping[str, Any]) -> Event:
    """An unsaved event; refuses a kind ``EventKind`` does not list."""
    if kind not in EventKind.values:
        raise UnknownEventKindError(f"unknown event kind {kind!r}")
    return Event(kind=kind, run=run, subject=subject, agency_code=agency, payload=dict(payload),
                 created_at=timezone.now())


def write(events: Iterable[Event]) -> int:
    """Store events, skipping any already written (same kind, run and subject); returns how many
    were offered. Call inside the transaction of the change they describe."""
    rows = list(events)
    for row in rows:
        if row.kind not in EventKind.values:
            raise UnknownEventKindError(f"unknown event kind {row.kind!r}")
    Event.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return len(rows)


def record_run(
    run: ScanRun,
    status: RunStatus,
    moved: Sequence[Change],
    facts: Mapping[str, FindingFacts],
    severities: Sequence[SeverityChange] = (),
) -> int:
    """The events of one run's end: each finding opened, fixed or reopened, each severity
    change, each target whose every result was an error, and the run's own ending."""
    rows = []
    for change in moved:
        kind = _FINDING_KINDS.get(change.kind)
        if kind is None:
            continue
        about = facts[change.fingerprint]
        rows.append(event(kind, run, change.fingerprint, about.agency_code, {
            "fingerprint": change.fingerprint, "check_id": about.check_id, "target": about.target_key,
            "before": change.before.value if change.before else None, "after": change.after.value,
        }))
    for moved_severity in severities:
        about = facts[moved_severity.fingerprint]
        rows.append(event(EventKind.FINDING_SEVERITY_CHANGED, run, moved_severity.fingerprint,
                          about.agency_code, {
                              "fingerprint": moved_severity.fingerprint, "check_id": about.check_id,
                              "target": about.target_key, "before": moved_severity.before,
                              "after": moved_severity.after,
                          }))
    rows.extend(_unreachable(run))
    counts = {kind.value: 0 for kind in _FINDING_KINDS}
    for change in moved:
        if change.kind in _FINDING_KINDS:
            counts[change.kind.value] += 1
    rows.append(event(_RUN_KINDS[status], run, "", "", {
        "run": run.pk, "status": status.value, "results": run.result_count,
        "planned_targets": run.target_count, "changes": counts, "warnings": list(run.warnings or ()),
    }))
    return write(rows)


def record_run_end(run: ScanRun, status: RunStatus) -> int:
    """Only the run's ending (a run closed without reconciliation)."""
    return write([event(_RUN_KINDS[status], run, "", "", {
        "run": run.pk, "status": status.value, "results": run.result_count,
        "planned_targets": run.target_count, "changes": None,
    })])


def _unreachable(run: ScanRun) -> list[Event]:
    """A target whose every result in the run is an error: nothing could be tested there."""
    rows = (
        Result.objects.filter(run=run)
        .values("target_key", "agency_code")
        .annotate(total=Count("id"), errors=Count("id", filter=Q(status=ResultStatus.ERROR)))
        .order_by("target_key")
    )
    return [
        event(EventKind.TARGET_UNREACHABLE, run, row["target_key"], row["agency_code"],
              {"target": row["target_key"], "results": row["total"]})
        for row in rows
        if row["total"] and row["total"] == row["errors"]
    ]


def consume(name: str, handler: Callable[[Sequence[Event]], None], batch: int = 100) -> int:
    """Hand every event after consumer ``name``'s cursor to ``handler``, ``batch`` at a time.

    The cursor moves past a batch only when ``handler`` returned; when it raises, the cursor
    stays (the batch comes again next time) and the exception propagates. Returns how many
    events were handled. The cursor row is locked while a batch is handled, so two processes
    consuming under one name never handle a batch twice.
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    handled = 0
    while True:
        with transaction.atomic():
            cursor, _ = EventCursor.objects.select_for_update().get_or_create(consumer=name)
            events = list(Event.objects.filter(pk__gt=cursor.last_event_id).order_by("pk")[:batch])
            if not events:
                return handled
            handler(events)
            cursor.last_event_id = events[-1].pk
            cursor.save(update_fields=["last_event_id", "updated_at"])
        handled += len(events)
