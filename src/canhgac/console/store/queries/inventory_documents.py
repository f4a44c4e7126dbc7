"""Reads of the stored inventory documents. A document lists every agency of the province, so
only a viewer who sees every agency (the CSIRT) may read one; a narrower scope reads nothing."""

from __future__ import annotations

from canhgac.console.store.inventory_models import InventoryDocument
from canhgac.console.store.queries.scope import ViewerScope


def applied_inventory(scope: ViewerScope) -> InventoryDocument | None:
    """The inventory applied last (the one the console scans), or None."""
    if not scope.is_everything:
        return None
    return InventoryDocument.objects.filter(applied_at__isnull=False).order_by("-applied_at", "-pk").first()


def checked_inventory(scope: ViewerScope, document_id: int) -> InventoryDocument | None:
    """A document checked in the console and not applied yet, by its id."""
    if not scope.is_everything:
        return None
    return InventoryDocument.objects.filter(pk=document_id, applied_at__isnull=True).first()


def applied_inventories(scope: ViewerScope, limit: int = 20) -> list[InventoryDocument]:
    """The latest applied documents, newest first (the inventory's history), without their text."""
    if not scope.is_everything:
        return []
    rows = InventoryDocument.objects.filter(applied_at__isnull=False).defer("content")
    return list(rows.order_by("-applied_at", "-pk")[:limit])
