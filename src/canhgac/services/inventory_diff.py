"""What an inventory file would change in the store's inventory: a pure comparison.

Both sides are plain agency records in the store's own shape (``scan.agency_records`` for a
file; the store's agencies and declared assets for the current side), so the diff says
exactly what the next scan of the file would make ``store.sync_agencies`` add, remove and
change: agencies added or no longer listed, and per agency its name, kind, parent and
declared assets (domains, portals, mail hosts, ranges, services) added or removed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# the record fields holding assets, by the asset kind the store files them under
ASSET_KINDS = {"domains": "domain", "urls": "url", "mail_hosts": "mail_host", "ranges": "range",
               "services": "service"}


@dataclass(frozen=True, slots=True)
class AgencyState:
    code: str
    name: str
    kind: str
    parent: str | None
    assets: frozenset[tuple[str, str]]  # (kind, value)

    @classmethod
    def of_record(cls, record: Mapping[str, Any]) -> AgencyState:
        """An agency from a record of ``scan.agency_records``."""
        assets = frozenset((kind, str(value)) for field, kind in ASSET_KINDS.items()
                           for value in record.get(field) or ())
        return cls(str(record["code"]), str(record["name"]), str(record.get("kind") or ""),
                   record.get("parent") or None, assets)

    def count(self, kind: str) -> int:
        return sum(1 for k, _v in self.assets if k == kind)


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str  # name, kind or parent
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class AgencyChange:
    code: str
    name: str
    fields: tuple[FieldChange, ...]
    assets_added: tuple[tuple[str, str], ...]
    assets_removed: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class InventoryDiff:
    added: tuple[AgencyState, ...]
    removed: tuple[AgencyState, ...]
    changed: tuple[AgencyChange, ...]
    unchanged: int

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def _change(before: AgencyState, after: AgencyState) -> AgencyChange | None:
    fields = tuple(FieldChange(name, str(old or ""), str(new or ""))
                   for name, old, new in (("name", before.name, after.name),
                                          ("kind", before.kind, after.kind),
                                          ("parent", before.parent, after.parent))
                   if (old or "") != (new or ""))
    added = tuple(sorted(after.assets - before.assets))
    removed = tuple(sorted(before.assets - after.assets))
    if not (fields or added or removed):
        return None
    return AgencyChange(after.code, after.name, fields, added, removed)


def diff_inventories(current: Iterable[AgencyState], uploaded: Iterable[AgencyState]) -> InventoryDiff:
    """What replacing ``current`` by ``uploaded`` adds, removes and changes, by agency code."""
    old = {a.code: a for a in current}
    new = {a.code: a for a in uploaded}
    changes = [_change(old[code], new[code]) for code in sorted(old.keys() & new.keys())]
    changed = tuple(c for c in changes if c is not None)
    return InventoryDiff(
        added=tuple(new[c] for c in sorted(new.keys() - old.keys())),
        removed=tuple(old[c] for c in sorted(old.keys() - new.keys())),
        changed=changed,
        unchanged=len(changes) - len(changed),
    )
