"""Breach import (issue 16 item 1): combo lists, CSV exports and breach-notification JSON lines
filtered down to the agencies' accounts, with no password kept in clear (docs/credentials.md).

Pure: no Django, no network; the store is reached through a :class:`Sink` the services layer
gives.
"""

from canhgac.creds.breach.categories import (
    PUBLIC_CATEGORIES,
    Category,
    CategoryListError,
    category_of,
    load_categories,
)
from canhgac.creds.breach.domains import DomainMatcher, ascii_domain
from canhgac.creds.breach.formats import Layout, Shape
from canhgac.creds.breach.importer import (
    BreachMeta,
    Checkpoint,
    Counts,
    Filter,
    Hit,
    Sink,
    file_identity,
    import_file,
)
from canhgac.creds.breach.secrets import KeptSecret, SecretKeeper, SecretKind

__all__ = [
    "PUBLIC_CATEGORIES",
    "BreachMeta",
    "Category",
    "CategoryListError",
    "Checkpoint",
    "Counts",
    "DomainMatcher",
    "Filter",
    "Hit",
    "KeptSecret",
    "Layout",
    "SecretKeeper",
    "SecretKind",
    "Shape",
    "Sink",
    "ascii_domain",
    "category_of",
    "file_identity",
    "import_file",
    "load_categories",
]
