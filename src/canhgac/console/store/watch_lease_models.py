"""The watch's lease table (issue 19): which watch process holds which partition of the monitors,
and the processes alive. Rules in ``canhgac.watch.leases``; writes in ``watch_leases``."""

from __future__ import annotations

from django.db import models


class WatchLease(models.Model):
    """One partition of the monitors; ``token`` grows each time it changes hands (the fence)."""

    partition = models.PositiveIntegerField(primary_key=True)
    holder = models.CharField(max_length=200, blank=True)  # "" nobody
    token = models.PositiveBigIntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"partition {self.partition} {self.holder or '-'} #{self.token}"


class WatchHolder(models.Model):
    """A watch process that takes leases: alive until ``expires_at`` unless it renews."""

    holder = models.CharField(max_length=200, unique=True)
    host = models.CharField(max_length=100)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    partitions = models.PositiveIntegerField()  # the number of partitions it splits the monitors in
    held = models.PositiveIntegerField(default=0)  # how many it held at its last round

    def __str__(self) -> str:
        return f"watch process {self.holder}"
