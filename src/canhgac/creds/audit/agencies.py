"""Which agency an account belongs to, from its domain: the inventory's domains decide.

``user@domain`` (and ``dns.domain\\user``): the agency owning the domain or its closest parent
domain in the inventory. ``NETBIOS\\user``: the ``--netbios NAME=AGENCY`` map, else the one agency
with a domain whose first label is that name (``SOTTTT`` → ``sotttt.example.gov.vn``), else
``--agency``. No domain: ``--agency``. A domain outside the inventory is reported under its own
name, marked as such, never guessed into an agency.
"""

from __future__ import annotations

from dataclasses import dataclass

import idna

from canhgac.inventory.model import Inventory


@dataclass(frozen=True, slots=True)
class Placement:
    """Where an account's findings are counted: an agency (``code``) or a domain outside the inventory."""

    key: str
    code: str | None = None
    name: str | None = None
    domain: str | None = None


UNPLACED = Placement(key="-")


def _ascii(domain: str) -> str:
    try:
        return idna.encode(domain.rstrip("."), uts46=True).decode("ascii").lower()
    except idna.IDNAError:
        return domain.rstrip(".").lower()


class AgencyMap:
    def __init__(self, inventory: Inventory | None = None, netbios: dict[str, str] | None = None,
                 default: str | None = None) -> None:
        self._names: dict[str, str] = {}
        self._domains: dict[str, str] = {}
        labels: dict[str, set[str]] = {}
        for agency in inventory.agencies if inventory is not None else ():
            self._names[agency.code] = agency.name
            for d in agency.domains:
                self._domains[d.name] = agency.code
                labels.setdefault(d.name.split(".", 1)[0].upper(), set()).add(agency.code)
        self._netbios = {k.upper(): v for k, v in (netbios or {}).items()}
        for label, codes in labels.items():
            if len(codes) == 1:
                self._netbios.setdefault(label, next(iter(codes)))
        self.default = default
        self._cache: dict[tuple[str | None, bool], Placement] = {}

    def known(self, code: str) -> bool:
        return code in self._names

    def _agency(self, code: str) -> Placement:
        return Placement(key=code, code=code, name=self._names.get(code))

    def place(self, domain: str | None, netbios: bool) -> Placement:
        key = (domain, netbios)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self._place(domain, netbios)
        return hit

    def _place(self, domain: str | None, netbios: bool) -> Placement:
        if domain is None:
            return self._agency(self.default) if self.default else UNPLACED
        if netbios:
            code = self._netbios.get(domain.upper()) or self.default
            return self._agency(code) if code else Placement(key=domain.upper(), domain=domain.upper())
        if not self._domains and self.default:  # no inventory: everything is the named agency's
            return self._agency(self.default)
        name = _ascii(domain)
        probe = name
        while probe:
            code = self._domains.get(probe)
            if code is not None:
                return self._agency(code)
            probe = probe.partition(".")[2]
        return Placement(key=name, domain=name)
