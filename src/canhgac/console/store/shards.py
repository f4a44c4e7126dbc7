"""Reads and writes of a sharded run's shards (``shard_models``), for the Celery executor's
coordinator and its workers.

Idempotence is the rule of every write a worker makes: a shard may be delivered twice (its
worker died, the broker redelivered it; or a slow shard outlived the broker's visibility
timeout), so the results of a target are written by :func:`store_targets` as an upsert keyed
by (run, fingerprint) — check, target and discriminator — with the target's stale rows pruned,
and the target's key joins the shard's ``done_keys`` in the same transaction. A redelivered
shard skips its done targets (:func:`begin_shard`) and rewrites nothing twice.

A write to a run that is no longer running (the coordinator cancelled it, or closed it after
its process died) is refused (:class:`RunNotRunningError`) and rolled back: the check happens
after the insert, whose foreign-key lock on the run row waits for a ``finish_run`` in progress,
so no result lands in a run already reconciled.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from canhgac.console.store import assets
from canhgac.console.store.errors import RunNotRunningError
from canhgac.console.store.mapping import check_result, result_row
from canhgac.console.store.models import Result, RunStatus, ScanRun
from canhgac.console.store.shard_models import SETTLED_STATES, ScanShard, ShardState
from canhgac.engine.observations import HostObservation
from canhgac.engine.results import CheckResult
from canhgac.engine.run_warnings import RunWarning

_UPDATED = ["check_id", "target_key", "target_kind", "agency_code", "status", "message_key", "message_values",
            "evidence", "error_reason", "discriminator", "observed_at", "duration_ms"]


@dataclass(frozen=True, slots=True)
class ShardStart:
    """What a delivery of a shard starts from: the targets already done (skipped)."""

    done_keys: frozenset[str]
    attempt: int


@dataclass(frozen=True, slots=True)
class ShardView:
    """A shard as the coordinator follows it."""

    index: int
    state: str
    target_count: int
    done_keys: tuple[str, ...]
    result_count: int
    warnings: tuple[RunWarning, ...]
    attempts: int
    error: str
    idle_seconds: float  # since the shard's row last moved

    @property
    def settled(self) -> bool:
        return self.state in SETTLED_STATES


def create_shards(run_id: int, target_counts: Sequence[int]) -> None:
    """One queued row per shard of the run's plan (index = position)."""
    ScanShard.objects.bulk_create(
        [ScanShard(run_id=run_id, index=i, target_count=n) for i, n in enumerate(target_counts)])


def note_task(run_id: int, index: int, task_id: str) -> None:
    ScanShard.objects.filter(run_id=run_id, index=index).update(task_id=task_id)


def begin_shard(run_id: int, index: int, worker: str) -> ShardStart | None:
    """Mark a delivery of the shard as started; None when there is nothing to do (the shard is
    settled — a late duplicate delivery — or cancelled, or its run no longer running)."""
    with transaction.atomic():
        shard = ScanShard.objects.select_for_update().filter(run_id=run_id, index=index).first()
        if shard is None or shard.state in SETTLED_STATES:
            return None
        running = ScanRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).exists()
        if shard.cancelled or not running:
            shard.state = ShardState.CANCELLED
            shard.save(update_fields=["state", "updated_at"])
            return None
        shard.state = ShardState.RUNNING
        shard.attempts += 1
        shard.worker = worker
        shard.save(update_fields=["state", "attempts", "worker", "updated_at"])
        return ShardStart(frozenset(shard.done_keys), shard.attempts)


def _observations(results: Iterable[CheckResult]) -> list[tuple[HostObservation, datetime]]:
    seen = []
    for result in results:
        observation = HostObservation.from_result(result)
        if observation is not None:
            seen.append((observation, result.observed_at))
    return seen


def store_targets(run_id: int, index: int, target_keys: Sequence[str], results: Sequence[CheckResult],
                  warnings: Sequence[RunWarning] = ()) -> bool:
    """Store the results of finished targets of a shard, idempotently; returns whether the shard
    should go on (False: cancelled). :class:`RunNotRunningError` when the run has ended."""
    keys = list(dict.fromkeys(target_keys))
    with transaction.atomic():
        run = ScanRun(pk=run_id)
        rows = [result_row(run, r) for r in results]
        if rows:
            Result.objects.bulk_create(rows, update_conflicts=True, unique_fields=["run", "fingerprint"],
                                       update_fields=_UPDATED)
        (Result.objects.filter(run_id=run_id, target_key__in=keys)
         .exclude(fingerprint__in=[r.fingerprint for r in results]).delete())
        if not ScanRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).exists():
            raise RunNotRunningError(f"run {run_id} is no longer running")
        assets.record_hosts(ScanRun.objects.get(pk=run_id), _observations(results))
        shard = ScanShard.objects.select_for_update().get(run_id=run_id, index=index)
        done = set(shard.done_keys)
        new = [k for k in keys if k not in done]
        shard.result_count += sum(1 for r in results if r.target.key in new)
        shard.done_keys = [*shard.done_keys, *new]
        known = {k for k, _ in shard.warnings}
        shard.warnings = [*shard.warnings, *([w.key, w.text] for w in warnings if w.key not in known)]
        shard.save(update_fields=["result_count", "done_keys", "warnings", "updated_at"])
        return not shard.cancelled


def end_shard(run_id: int, index: int, state: ShardState, error: str = "") -> None:
    """Settle a shard (done, cancelled or failed, with why)."""
    ScanShard.objects.filter(run_id=run_id, index=index).exclude(state__in=SETTLED_STATES).update(
        state=state, error=error[:500])


def done_keys(run_id: int, index: int) -> frozenset[str]:
    return frozenset(ScanShard.objects.get(run_id=run_id, index=index).done_keys)


def should_stop(run_id: int, index: int) -> bool:
    """Whether the shard's worker should stop between targets (cancelled, or run ended)."""
    cancelled = ScanShard.objects.filter(run_id=run_id, index=index, cancelled=True).exists()
    return cancelled or not ScanRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).exists()


def shard_views(run_id: int, skip: Iterable[int] = ()) -> list[ShardView]:
    """The run's shards but those in ``skip`` (settled ones the coordinator has read), by index."""
    now = timezone.now()
    return [
        ShardView(s.index, s.state, s.target_count, tuple(s.done_keys), s.result_count,
                  tuple(RunWarning(k, t) for k, t in s.warnings), s.attempts, s.error,
                  (now - s.updated_at).total_seconds())
        for s in ScanShard.objects.filter(run_id=run_id).exclude(index__in=list(skip)).order_by("index")
    ]


def cancel_shards(run_id: int) -> list[str]:
    """Set the cancel flag of the run's unsettled shards; returns their task ids (to revoke)."""
    open_shards = ScanShard.objects.filter(run_id=run_id).exclude(state__in=SETTLED_STATES)
    ids = [t for t in open_shards.values_list("task_id", flat=True) if t]
    open_shards.update(cancelled=True)
    ScanShard.objects.filter(run_id=run_id, state=ShardState.QUEUED).update(state=ShardState.CANCELLED)
    return ids


def results_of(run_id: int, target_keys: Sequence[str]) -> list[CheckResult]:
    """The stored results of these targets of the run."""
    rows = Result.objects.filter(run_id=run_id, target_key__in=list(target_keys)).order_by("target_key", "pk")
    return [check_result(row) for row in rows]


def recount_results(run_id: int) -> int:
    """Set the run's result count from its stored rows (workers upsert: counting is exact)."""
    count = Result.objects.filter(run_id=run_id).count()
    ScanRun.objects.filter(pk=run_id).update(result_count=count)
    return count

