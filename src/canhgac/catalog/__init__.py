"""The catalog: every check and every framework clause, as validated data (not code)."""

from canhgac.catalog.families import UnknownNameError
from canhgac.catalog.loader import Catalog, CatalogError, ClauseRef, load_catalog
from canhgac.catalog.schema import CheckEntry, Clause, Coverage, Framework, Mode, Severity

__all__ = [
    "Catalog",
    "CatalogError",
    "CheckEntry",
    "Clause",
    "ClauseRef",
    "Coverage",
    "Framework",
    "Mode",
    "Severity",
    "UnknownNameError",
    "load_catalog",
]
