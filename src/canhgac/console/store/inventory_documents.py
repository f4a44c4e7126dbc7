"""Writes of inventory documents: keep a checked one, apply it (the store's agencies follow in
the same transaction), record the file a CLI scan was given."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from canhgac.console.store.errors import InventoryApplyError
from canhgac.console.store.inventory_models import InventoryDocument, InventorySource
from canhgac.console.store.services import AgencyRecord, SyncSummary, sync_agencies

# a checked document nobody applied is dropped after this long (it holds a whole province)
CHECKED_KEPT_FOR = timedelta(days=2)


def digest(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8", "surrogatepass")).hexdigest()


def _applied() -> InventoryDocument | None:
    return InventoryDocument.objects.filter(applied_at__isnull=False).order_by("-applied_at", "-pk").first()


def keep_checked(content: str, *, name: str, province: Mapping[str, str], agency_count: int,
                 source: InventorySource, checked_by: str) -> InventoryDocument:
    """Keep a valid document that was checked and compared with the applied one, for applying."""
    now = timezone.now()
    InventoryDocument.objects.filter(applied_at__isnull=True, checked_at__lt=now - CHECKED_KEPT_FOR).delete()
    base = _applied()
    return InventoryDocument.objects.create(
        content=content, sha256=digest(content), name=name[:200], province_code=province.get("code", "")[:64],
        province_name=province.get("name", "")[:300], agency_count=agency_count, source=source,
        checked_by=checked_by[:150], checked_at=now, base_sha256=base.sha256 if base else "",
    )


def apply_checked(document_id: int, records: Iterable[AgencyRecord | Mapping[str, Any]], *,
                  applied_by: str) -> tuple[InventoryDocument, SyncSummary]:
    """Apply a checked document: it becomes the inventory and the agencies follow its
    ``records``. Refused when another document was applied since it was compared."""
    with transaction.atomic():
        doc = InventoryDocument.objects.select_for_update().filter(
            pk=document_id, applied_at__isnull=True).first()
        if doc is None:
            raise InventoryApplyError(InventoryApplyError.NOT_FOUND)
        base = _applied()
        if (base.sha256 if base else "") != doc.base_sha256:
            raise InventoryApplyError(InventoryApplyError.STALE)
        summary = sync_agencies(records)
        doc.applied_by, doc.applied_at = applied_by[:150], timezone.now()
        doc.save(update_fields=["applied_by", "applied_at"])
    return doc, summary


def record_applied(content: str, *, name: str, province: Mapping[str, str], agency_count: int,
                   source: InventorySource, applied_by: str) -> InventoryDocument:
    """Record a document applied elsewhere (a CLI scan syncs its agencies itself); the same text
    as the applied one is not recorded twice."""
    current = _applied()
    sha = digest(content)
    if current is not None and current.sha256 == sha:
        return current
    now = timezone.now()
    return InventoryDocument.objects.create(
        content=content, sha256=sha, name=name[:200], province_code=province.get("code", "")[:64],
        province_name=province.get("name", "")[:300], agency_count=agency_count, source=source,
        checked_by=applied_by[:150], checked_at=now, base_sha256=current.sha256 if current else "",
        applied_by=applied_by[:150], applied_at=now,
    )
