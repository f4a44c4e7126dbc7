"""The inventory: the province's agencies and what canhgac may scan for each (the scope).

Load with :func:`load_inventory` (or only check, keeping counts, with :func:`check_inventory`),
import an Excel CSV export with :func:`import_csv`, turn an inventory into engine targets,
scope and options with the functions of :mod:`canhgac.inventory.targets`.
"""

from canhgac.inventory.csv_import import import_csv
from canhgac.inventory.loader import (
    InventoryError,
    LoadProgress,
    Problem,
    check_inventory,
    dump_inventory,
    load_inventory,
    loads_inventory,
)
from canhgac.inventory.model import Agency, AgencyKind, Domain, Inventory, Policy
from canhgac.inventory.summary import InventorySummary
from canhgac.inventory.targets import (
    UnknownAgencyError,
    build_scope,
    domain_targets,
    public_suffixes,
    select_agencies,
    target_options,
)

__all__ = [
    "Agency",
    "AgencyKind",
    "Domain",
    "Inventory",
    "InventoryError",
    "InventorySummary",
    "LoadProgress",
    "Policy",
    "Problem",
    "UnknownAgencyError",
    "build_scope",
    "check_inventory",
    "domain_targets",
    "dump_inventory",
    "import_csv",
    "load_inventory",
    "loads_inventory",
    "public_suffixes",
    "select_agencies",
    "target_options",
]
