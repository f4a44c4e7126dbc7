"""Inventory files for the CLI and the console: load, check, import from a spreadsheet, write, vet.

A facade, so that front ends depend on services only; the rules live in ``canhgac.inventory``.
"""

from __future__ import annotations

from canhgac.inventory.csv_import import import_csv
from canhgac.inventory.loader import (
    InventoryError,
    LoadProgress,
    check_inventory,
    dump_inventory,
    load_inventory,
)
from canhgac.inventory.summary import InventorySummary
from canhgac.inventory.targets import loopback_only_outside, scan_resolvers

__all__ = [
    "InventoryError",
    "InventorySummary",
    "LoadProgress",
    "check_inventory",
    "dump_inventory",
    "import_csv",
    "load_inventory",
    "loopback_only_outside",
    "scan_resolvers",
]
