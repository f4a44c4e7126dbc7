"""What ``canhgac inventory check`` shows of a valid inventory, counted one agency at a time,
so that checking a national file needs no agency kept in memory."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from canhgac.inventory.model import Agency, AgencyKind, Inventory
from canhgac.inventory.targets import off_loopback


@dataclass
class InventorySummary:
    """Counts an officer checks at a glance, the scope settings, and the declared assets a
    loopback-only inventory will never contact (``outside_loopback``, one line each)."""

    province_code: str = ""
    province_name: str = ""
    kinds: Counter[AgencyKind] = field(default_factory=Counter)
    domains: int = 0
    mail_hosts: int = 0
    ranges: int = 0
    portals: int = 0
    contacts: int = 0
    loopback_only: bool = False
    resolvers: tuple[str, ...] = ()
    outside_loopback: list[str] = field(default_factory=list)

    @property
    def agencies(self) -> int:
        return self.kinds.total()

    def add(self, agency: Agency) -> None:
        """Count one agency (the scope may not be known yet: its off-loopback lines are kept)."""
        self.kinds[agency.kind] += 1
        self.domains += len(agency.domains)
        self.mail_hosts += sum(len(d.mail_hosts) for d in agency.domains)
        self.ranges += len(agency.ranges)
        self.portals += len(agency.portals)
        self.contacts += len(agency.contacts)
        self.outside_loopback += off_loopback(agency)

    def finish(self, top: Inventory) -> InventorySummary:
        """Take the province and scope from the file's other sections (its agencies are counted)."""
        self.province_code, self.province_name = top.province.code, top.province.name
        self.loopback_only = top.scope.loopback_only
        self.resolvers = top.scope.resolvers
        if not self.loopback_only:
            self.outside_loopback = []
        return self

    @classmethod
    def of(cls, inv: Inventory) -> InventorySummary:
        summary = cls()
        for agency in inv.agencies:
            summary.add(agency)
        return summary.finish(inv)
