"""The shards of a scan run executed by Celery workers (``services/celery_executor.py``).

One row per shard of a run's plan: its state, the targets a worker has finished (so a shard
redelivered after its worker died resumes where the store says it stopped), how many results
it wrote, the warnings it raised and the cancel flag its worker reads between targets. The
coordinator aggregates the run's progress from these rows; the results themselves are ordinary
``Result`` rows, upserted by (run, fingerprint).
"""

from __future__ import annotations

from django.db import models


class ShardState(models.TextChoices):
    QUEUED = "queued", "queued"
    RUNNING = "running", "running"
    DONE = "done", "done"
    CANCELLED = "cancelled", "cancelled"  # stopped between targets: the run was cancelled or closed
    FAILED = "failed", "failed"  # the task gave up (its error says why); its targets have no results


SETTLED_STATES = (ShardState.DONE, ShardState.CANCELLED, ShardState.FAILED)


class ScanShard(models.Model):
    """One shard of a run: a part of its plan that one worker task runs."""

    run = models.ForeignKey("store.ScanRun", on_delete=models.CASCADE, related_name="shards")
    index = models.PositiveIntegerField()
    state = models.CharField(max_length=16, choices=ShardState.choices, default=ShardState.QUEUED)
    target_count = models.PositiveIntegerField(default=0)
    done_keys = models.JSONField(default=list)  # target keys whose results are stored
    result_count = models.PositiveIntegerField(default=0)
    warnings = models.JSONField(default=list)  # [key, text] pairs, each key once
    attempts = models.PositiveIntegerField(default=0)  # deliveries that started (>1: redelivered)
    worker = models.CharField(max_length=255, blank=True)  # host:pid of the latest delivery
    task_id = models.CharField(max_length=64, blank=True)
    cancelled = models.BooleanField(default=False)
    error = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = (models.UniqueConstraint(fields=["run", "index"], name="store_shard_run_index_uniq"),)

    def __str__(self) -> str:
        return f"run {self.run_id} shard {self.index} ({self.state})"
