"""A stamp of the stored state that whole-store views are computed from, cheap to read.

Two reads that return the same stamp see the same runs (started, ended, how), the same findings
(lifecycle and triage: every write of a finding moves ``updated_at``), the same agencies and
assets, and the same discovered services; so a value computed from the state (the dashboard) can
be kept for as long as the stamp holds. A handful of aggregate queries, each answered from an
index or a small table.

It shows nothing of any agency: an opaque digest of every agency's state, used only as a cache
key beside the scope the cached value was read with (``services.dashboard.dashboard_key``:
the dashboard and its rendered body). It takes the scope first all the same, as every query does.
"""

from __future__ import annotations

import hashlib

from django.db.models import Count, Max, Sum

from canhgac.console.store.models import Agency, Asset, Finding, ScanRun, Service
from canhgac.console.store.queries.scope import ViewerScope


def state_stamp(scope: ViewerScope) -> str:
    """The stamp of the current state (a hex digest; equal stamps, equal state), of every agency's
    whatever ``scope`` (a digest shows none)."""
    parts: list[object] = [
        tuple(ScanRun.objects.aggregate(n=Count("pk"), top=Max("pk"), end=Max("finished_at")).values()),
        tuple(ScanRun.objects.filter(finished_at__isnull=True).values_list("pk", flat=True).order_by("pk")),
        tuple(Finding.objects.aggregate(n=Count("pk"), top=Max("pk"), at=Max("updated_at")).values()),
        tuple(Agency.objects.order_by("pk").values_list("pk", "code", "name", "kind", "parent_id", "active")),
        tuple(Asset.objects.aggregate(n=Count("pk"), top=Max("pk"), seen=Max("last_seen"),
                                      owners=Sum("agency_id"), runs=Sum("last_run_id")).values()),
        tuple(Service.objects.aggregate(n=Count("pk"), top=Max("pk"), seen=Max("last_seen"),
                                        runs=Sum("last_run_id")).values()),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()
