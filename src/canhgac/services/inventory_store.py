"""The inventory the store holds as a document: what the console scans, what a CLI scan was
given, and applying a file checked in the console.

The store keeps every applied inventory whole (``InventoryDocument``). ``canhgac scan FILE``
records its file; the console's Inventory page keeps a checked file and applies it on request
(its agencies are synced at once, as a scan would); a scan launched from the console loads the
applied one with :func:`current_inventory`. Only the CSIRT (a scope of every agency) reads or
applies a document: it lists every agency of the province.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from canhgac.console.store.errors import InventoryApplyError
from canhgac.inventory.loader import loads_inventory
from canhgac.inventory.model import Inventory
from canhgac.services.scan import agency_records

__all__ = [
    "AppliedInventory",
    "InventoryApplyError",
    "StoredInventory",
    "applied_history",
    "apply_checked_upload",
    "apply_file",
    "current_inventory",
    "keep_checked_upload",
    "record_scanned_file",
]


@dataclass(frozen=True, slots=True)
class StoredInventory:
    """The applied inventory, loaded, and where it came from."""

    inventory: Inventory
    sha256: str
    name: str
    applied_at: datetime
    applied_by: str
    source: str  # cli, console, api
    document_id: int
    content: str  # the YAML as applied


@dataclass(frozen=True, slots=True)
class AppliedInventory:
    """What applying a checked document changed in the store."""

    document_id: int
    name: str
    created: tuple[str, ...]
    updated: tuple[str, ...]
    deactivated: tuple[str, ...]
    assets_added: int
    assets_removed: int


def _province(inv: Inventory) -> dict[str, str]:
    return {"code": inv.province.code, "name": inv.province.name}


def current_inventory() -> StoredInventory | None:
    """The inventory applied last, loaded and validated, or None when none was ever applied.

    InventoryError when the stored text no longer validates (a newer canhgac's stricter rules):
    the CSIRT then checks and applies a corrected file.
    """
    from canhgac.console.store import queries

    doc = queries.applied_inventory(queries.ViewerScope.everything())
    if doc is None or doc.applied_at is None:
        return None
    inv = loads_inventory(doc.content, doc.name)
    return StoredInventory(inv, doc.sha256, doc.name, doc.applied_at, doc.applied_by, doc.source, doc.pk,
                           doc.content)


def keep_checked_upload(inv: Inventory, *, name: str, data: bytes, checked_by: str) -> int:
    """Keep a valid upload for applying; its id. A YAML file is kept as sent (comments and all),
    a CSV as the YAML it became."""
    from canhgac.console.store.inventory_documents import keep_checked
    from canhgac.console.store.inventory_models import InventorySource
    from canhgac.services.inventory import dump_inventory

    if name.lower().endswith(".csv"):
        content = dump_inventory(inv, source=name)
    else:
        content = data.decode("utf-8", "surrogateescape")
    doc = keep_checked(content, name=name, province=_province(inv), agency_count=len(inv.agencies),
                       source=InventorySource.CONSOLE, checked_by=checked_by)
    return doc.pk


def apply_checked_upload(scope: Any, document_id: int, *, applied_by: str,
                         address: str = "") -> AppliedInventory:
    """Apply a document checked in the console: it becomes the inventory, and the store's
    agencies and declared assets follow it now (a scan would do the same).

    ``scope`` must see every agency (PermissionError otherwise). Raises the store's
    ``InventoryApplyError`` (``reason``: not_found, stale) and InventoryError when the kept text
    no longer validates.
    """
    from canhgac.console.store import queries
    from canhgac.console.store.account_models import SecurityEventKind
    from canhgac.console.store.accounts import record_event
    from canhgac.console.store.inventory_documents import apply_checked

    if not scope.is_everything:
        raise PermissionError("only the CSIRT applies an inventory")
    doc = queries.checked_inventory(scope, document_id)
    if doc is None:
        raise InventoryApplyError(InventoryApplyError.NOT_FOUND)
    inv = loads_inventory(doc.content, doc.name)
    applied, summary = apply_checked(doc.pk, agency_records(inv), applied_by=applied_by)
    record_event(SecurityEventKind.INVENTORY_APPLIED, actor=applied_by, address=address, detail={
        "document": applied.pk, "name": applied.name, "sha256": applied.sha256,
        "agencies": applied.agency_count, "added": list(summary.created),
        "deactivated": list(summary.deactivated), "changed": list(summary.updated),
    })
    return AppliedInventory(applied.pk, applied.name, summary.created, summary.updated, summary.deactivated,
                            summary.assets_added, summary.assets_removed)


def record_scanned_file(inv: Inventory, path: Path, *, actor: str) -> None:
    """Record the file ``canhgac scan`` was given as the applied inventory (the scan syncs the
    agencies itself); unchanged text is not recorded twice."""
    from canhgac.console.store.inventory_documents import record_applied
    from canhgac.console.store.inventory_models import InventorySource

    content = path.read_bytes().decode("utf-8", "surrogateescape")
    record_applied(content, name=path.name, province=_province(inv), agency_count=len(inv.agencies),
                   source=InventorySource.CLI, applied_by=actor)


def apply_file(inv: Inventory, path: Path, *, actor: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Apply a file a command was given outside a scan (``creds import -i``) as a scan applies
    it: recorded as :func:`record_scanned_file` does, and the store's agencies synced to it now.
    The agencies added and those no longer listed (made inactive)."""
    from canhgac.console.store.services import sync_agencies

    record_scanned_file(inv, path, actor=actor)
    summary = sync_agencies(agency_records(inv))
    return summary.created, summary.deactivated


def applied_history(scope: Any, limit: int = 10) -> list[Any]:
    """The latest applied documents (without their text), for the inventory page."""
    from canhgac.console.store import queries

    return queries.applied_inventories(scope, limit)
