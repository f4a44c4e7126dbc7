"""The watch's leases for the CLI and the console (issue 19): whether this process shares the
monitors with the store's other watch processes, and which processes hold leases.

A facade over ``canhgac.watch.leases`` (the rules) and ``console.store.watch_leases`` (the
table); call the functions after the store is open (``canhgac.services.store.open_store``).
"""

from __future__ import annotations

from canhgac.watch.leases import (
    DEFAULT_PARTITIONS,
    DEFAULT_TTL,
    MAX_PARTITIONS,
    HolderView,
    LeaseOptions,
    PartitionCountError,
)

__all__ = [
    "DEFAULT_PARTITIONS",
    "DEFAULT_TTL",
    "MAX_PARTITIONS",
    "HolderView",
    "LeaseOptions",
    "PartitionCountError",
    "holder_rows",
    "lease_options",
]


def lease_options(partitions: int | None, ttl: float = DEFAULT_TTL) -> LeaseOptions | None:
    """How this process shares the monitors with the other watch processes of the store:
    ``partitions`` 0 not at all (it watches every monitor: one process per store), None the
    store's default (PostgreSQL: leases on :data:`DEFAULT_PARTITIONS` partitions; SQLite: none)."""
    from django.db import connection

    if partitions is None:
        partitions = DEFAULT_PARTITIONS if connection.vendor == "postgresql" else 0
    return LeaseOptions(partitions=partitions, ttl=ttl) if partitions > 0 else None


def holder_rows() -> list[HolderView]:
    """The watch processes that hold (or held) leases on this store, alive first."""
    from django.utils import timezone

    from canhgac.console.store.watch_leases import holders

    return holders(timezone.now())
