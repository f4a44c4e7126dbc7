"""The curated service → category list (``data/services.yaml``), overridable by a file.

A service is named by its domain or its breach's name, lower case. Lookup walks up the labels
(``m.facebook.com`` → ``facebook.com``), so a subdomain takes its parent's category; an
unlisted service has no category (no mailbox finding, only the leak itself).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from importlib import resources
from pathlib import Path

from canhgac.yamlio import safe_load


class Category(StrEnum):
    SOCIAL = "social"
    FORUM = "forum"
    PUBLIC = "public"
    WORK = "work"


PUBLIC_CATEGORIES = frozenset({Category.SOCIAL, Category.FORUM, Category.PUBLIC})


class CategoryListError(ValueError):
    """A service list file that does not read as ``category: [service, ...]``."""


def _parse(data: object, name: str) -> dict[str, Category]:
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise CategoryListError(f"{name}: expected 'category: [service, ...]' mappings")
    found: dict[str, Category] = {}
    for key, services in data.items():
        try:
            category = Category(str(key))
        except ValueError:
            known = ", ".join(c.value for c in Category)
            raise CategoryListError(f"{name}: unknown category {key!r} (known: {known})") from None
        if not isinstance(services, list):
            raise CategoryListError(f"{name}: {key}: expected a list of services")
        for service in services:
            found[str(service).strip().lower().rstrip(".")] = category
    return found


def load_categories(override: Path | None = None) -> dict[str, Category]:
    """The shipped list, with ``override``'s entries (when the file exists) winning."""
    shipped = resources.files("canhgac.creds.breach").joinpath("data/services.yaml").read_text("utf-8")
    table = _parse(safe_load(shipped), "services.yaml")
    if override is not None and override.is_file():
        table.update(_parse(safe_load(override.read_text("utf-8")), str(override)))
    return table


def category_of(service: str, table: Mapping[str, Category]) -> Category | None:
    name = service.strip().lower().rstrip(".")
    if "://" in name:
        name = name.split("://", 1)[1]
    name = name.split("/", 1)[0]
    labels = name.split(".")
    for start in range(len(labels)):
        found = table.get(".".join(labels[start:]))
        if found is not None:
            return found
    return None
