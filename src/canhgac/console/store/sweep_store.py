"""Writes of the host sweep's results: a computer's pinned key and its imported runs.

The import (``services.sweep_results``) verifies and validates a result first; these functions
only store what it decided, each in one transaction, the host row locked while its key is
compared and pinned so two uploads of a new computer cannot pin two keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from canhgac.console.store.models import ScanRun
from canhgac.console.store.sweep_models import SweepHost, SweepRun


class KeyMismatchError(Exception):
    """The result is signed by another key than the one pinned for its computer."""


@dataclass(frozen=True, slots=True)
class StoredRun:
    run_id: int
    host_id: int
    created: bool  # False: the same result was imported before (nothing stored)
    pinned: bool  # this import pinned the computer's key


def already_imported(digest: str) -> bool:
    return SweepRun.objects.filter(digest=digest).exists()


def store_run(agency: str, host: str, public_key: str, fields: Mapping[str, Any]) -> StoredRun:
    """Pin or compare the computer's key and store the run (``fields``: SweepRun's columns).
    KeyMismatchError when another key is pinned; an already imported digest stores nothing."""
    with transaction.atomic():
        row, _new = SweepHost.objects.select_for_update().get_or_create(agency_code=agency, name=host)
        found = SweepRun.objects.filter(digest=fields["digest"]).first()
        if found is not None:
            return StoredRun(found.pk, row.pk, created=False, pinned=False)
        pinned = False
        if not row.public_key:
            row.public_key, row.pinned_at, row.unpinned_by, pinned = public_key, timezone.now(), "", True
        elif row.public_key != public_key:
            raise KeyMismatchError(row.public_key)
        run = SweepRun.objects.create(host=row, public_key=public_key, **fields)
        ended: datetime = fields["ended_at"]
        if row.last_swept_at is None or ended >= row.last_swept_at:
            row.last_swept_at, row.facts = ended, dict(fields.get("host_facts", {}))
        row.save()
        return StoredRun(run.pk, row.pk, created=True, pinned=pinned)


def link_findings_run(run_id: int, scan_run: ScanRun) -> None:
    SweepRun.objects.filter(pk=run_id).update(scan_run=scan_run)


def unpin(agency: str, host: str, by: str) -> bool:
    """Clear a computer's pinned key: its next result pins a new one (the CSIRT's re-pin)."""
    return bool(
        SweepHost.objects.filter(agency_code=agency, name=host).update(
            public_key="", pinned_at=None, unpinned_by=by
        )
    )
