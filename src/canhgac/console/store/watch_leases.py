"""The watch's leases on the Django models: rounds, releases, the fenced commit, the processes
for ``watch status`` (issue 19; rules in ``canhgac.watch.leases``).

A round is one transaction: the process's row is written (alive until now + ttl), the lease
rows are locked in partition order (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's transactions
here take the write lock at ``BEGIN``), the pure :func:`decide` says what to renew and take,
and each take is an ``UPDATE … WHERE token = <as read>``, so two processes can never both take
one partition. The fenced commit locks the rows of its checks' partitions in the same order
and refuses the whole batch unless this process holds each of them with the token it took
(a batch that may open a groupable alert first takes the groups' advisory lock and reads the
open groups inside the transaction, so two processes never open two alerts for one cause):
a commit and a takeover of the same partition are serialised by the row lock, so once a new
holder has its token, no write of the old one can land after it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q

from canhgac.console.store.watch_lease_models import WatchHolder, WatchLease
from canhgac.console.store.watch_store import DjangoWatchStore
from canhgac.watch.leases import (
    Holder,
    HolderView,
    Lease,
    LeaseLostError,
    LeaseOptions,
    PartitionCountError,
    Round,
    decide,
    partition_of,
)
from canhgac.watch.monitors import Monitor
from canhgac.watch.state import CheckCommit

FORGOTTEN_AFTER = timedelta(hours=1)  # a dead process's row is shown that long, then removed


def _lease(row: WatchLease) -> Lease:
    return Lease(row.partition, row.holder, row.token, row.expires_at)


class DjangoLeasedWatchStore(DjangoWatchStore):
    """The scheduler's store with leases (call from one thread: the scheduler's store thread)."""

    def lease_round(self, me: Holder, now: datetime, options: LeaseOptions) -> Round:
        ttl = timedelta(seconds=options.ttl)
        with transaction.atomic():
            other = (WatchHolder.objects.filter(expires_at__gt=now).exclude(holder=me.holder)
                     .exclude(partitions=options.partitions).values_list("partitions", flat=True).first())
            if other is not None:
                raise PartitionCountError(options.partitions, other)
            WatchHolder.objects.update_or_create(
                holder=me.holder,
                defaults={"host": me.host, "pid": me.pid, "started_at": me.started, "seen_at": now,
                          "expires_at": now + ttl, "partitions": options.partitions},
            )
            WatchHolder.objects.filter(expires_at__lt=now - FORGOTTEN_AFTER).delete()
            existing = WatchLease.objects.filter(partition__lt=options.partitions).count()
            if existing < options.partitions:
                WatchLease.objects.bulk_create(
                    [WatchLease(partition=p) for p in range(options.partitions)], ignore_conflicts=True
                )
            rows = list(WatchLease.objects.select_for_update().filter(partition__lt=options.partitions)
                        .order_by("partition"))
            live = list(WatchHolder.objects.filter(expires_at__gt=now).values_list("holder", flat=True))
            decision = decide([_lease(r) for r in rows], live, me.holder, now, options.partitions)
            held: dict[int, int] = {}
            if decision.keep:
                WatchLease.objects.filter(partition__in=list(decision.keep), holder=me.holder).update(
                    expires_at=now + ttl
                )
                held.update(decision.keep)
            for p, token in decision.take.items():
                taken = WatchLease.objects.filter(partition=p, token=token).update(
                    holder=me.holder, token=token + 1, expires_at=now + ttl, taken_at=now
                )
                if taken:
                    held[p] = token + 1
            WatchHolder.objects.filter(holder=me.holder).update(held=len(held) - len(decision.surplus))
        return Round(held, decision.surplus, len(live))

    def release(self, me: Holder, tokens: Mapping[int, int], now: datetime) -> None:
        if not tokens:
            return
        match = Q()
        for p, token in tokens.items():
            match |= Q(partition=p, token=token)
        with transaction.atomic():
            WatchLease.objects.filter(match, holder=me.holder).update(holder="", expires_at=now)

    def leave(self, me: Holder, now: datetime) -> None:
        with transaction.atomic():
            WatchLease.objects.filter(holder=me.holder).update(holder="", expires_at=now)
            WatchHolder.objects.filter(holder=me.holder).delete()

    def commit_fenced(self, route: Callable[[], Sequence[CheckCommit]], me: str, tokens: Mapping[int, int],
                      partitions: int, *, groupable: bool = False) -> None:
        with transaction.atomic():
            if groupable and connection.vendor == "postgresql":
                with connection.cursor() as cursor:  # SQLite: the transaction holds the write lock
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [GROUPS_LOCK])
            checks = route()
            wanted = sorted({partition_of(monitor.key, partitions) for monitor, _, _ in checks})
            rows = {r.partition: r for r in WatchLease.objects.select_for_update()
                    .filter(partition__in=wanted).order_by("partition")}
            lost = [p for p in wanted if (row := rows.get(p)) is None
                    or row.holder != me or row.token != tokens.get(p)]
            if lost:
                raise LeaseLostError(lost)
            self.commit_many(checks)

    def sync_monitors(self, monitors: Sequence[Monitor]) -> None:
        """As the base class, one process at a time (processes starting together would each
        insert the same new monitors)."""
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SYNC_LOCK])
            super().sync_monitors(monitors)


SYNC_LOCK = 0x63616E6867  # "canhg": the advisory lock of the monitors' sync
GROUPS_LOCK = SYNC_LOCK + 1  # the alert groups': one process opens or joins a groupable alert at a time


def holders(now: datetime) -> list[HolderView]:
    """The watch processes on this store (alive first), for ``watch status``."""
    rows = WatchHolder.objects.order_by("-expires_at", "holder")
    return [
        HolderView(r.holder, r.host, r.pid, r.started_at, r.seen_at, r.expires_at, r.held, r.expires_at > now)
        for r in rows
    ]
