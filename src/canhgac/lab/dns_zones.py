"""The zone data of one lab DNS server and how an authoritative server answers from it.

:class:`ZoneSet` parses master-file texts with dnspython, signs the zones asked for (child
zones first, so each DS lands in the parent before the parent is signed) and fills in a
response for one question: AA answers, NXDOMAIN versus NODATA with the SOA (and NSEC proofs
when DNSSEC is asked), CNAME chains within and across held zones, wildcards, referrals at
zone cuts the server does not hold, DS from the parent side of a cut, and zone transfers.
Transport, faults and delays belong to :mod:`canhgac.lab.dns_server`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

import dns.flags
import dns.message
import dns.name
import dns.node
import dns.rcode
import dns.rdataclass
import dns.rdataset
import dns.rdatatype
import dns.rrset
import dns.zone

from canhgac.lab import keys

MAX_CNAME_CHAIN = 8
_RDT = dns.rdatatype.RdataType


def absolute(name: str | dns.name.Name) -> dns.name.Name:
    """A lower-cased absolute name from text or a name."""
    if isinstance(name, dns.name.Name):
        return name.canonicalize()
    return dns.name.from_text(name.strip().rstrip(".") + ".").canonicalize()


class ZoneSet:
    """The zones one server holds, signed as requested."""

    def __init__(self, zones: Mapping[str, str], sign: Iterable[str] = ()) -> None:
        self.zones: dict[dns.name.Name, dns.zone.Zone] = {}
        for origin_text, text in zones.items():
            origin = absolute(origin_text)
            self.zones[origin] = dns.zone.from_text(text, origin=origin, relativize=False)
        self.signed = frozenset(absolute(s) for s in sign) & self.zones.keys()
        for origin in sorted(self.signed, key=len, reverse=True):  # deepest first
            parent = self.parent_zone(origin)
            keys.sign(self.zones[origin])
            if parent is not None:
                self._add_ds(parent, origin)

    def replace(self, origin_text: str, text: str) -> None:
        """Swap one held zone for new master-file text, signed again if it was signed.

        The new zone is built and signed completely before it replaces the old one, so a
        question answered meanwhile sees either version, never half of one. Zone keys live
        for the process, so the DS that a parent publishes for a re-signed zone stays
        valid, and a replaced parent gets the DS of every signed child held here again.
        """
        origin = absolute(origin_text)
        if origin not in self.zones:
            raise KeyError(f"{origin} is not a zone of this server")
        zone = dns.zone.from_text(text, origin=origin, relativize=False)
        for child in self.signed:
            if child != origin and self.parent_zone(child) is self.zones[origin]:
                self._add_ds(zone, child)
        if origin in self.signed:
            keys.sign(zone)
        self.zones[origin] = zone

    def _add_ds(self, parent: dns.zone.Zone, child: dns.name.Name) -> None:
        with parent.writer() as txn:
            txn.add(child, self._soa_ttl(parent), keys.ds_for(child))

    @staticmethod
    def _soa_ttl(zone: dns.zone.Zone) -> int:
        soa = zone.find_rdataset(_apex(zone), _RDT.SOA)
        return int(soa.ttl)

    def zone_for(self, name: dns.name.Name) -> dns.zone.Zone | None:
        """The most specific held zone containing ``name``."""
        for candidate in _ancestors(name):
            zone = self.zones.get(candidate)
            if zone is not None:
                return zone
        return None

    def parent_zone(self, origin: dns.name.Name) -> dns.zone.Zone | None:
        """The most specific held zone strictly above ``origin``."""
        return self.zone_for(origin.parent()) if len(origin) > 1 else None

    def answer(
        self, response: dns.message.Message, qname: dns.name.Name, qtype: dns.rdatatype.RdataType
    ) -> None:
        """Fill ``response`` (already carrying the question) for one IN question."""
        dnssec = bool(response.ednsflags & dns.flags.DO)
        zone = self.zone_for(qname)
        if zone is not None and qtype == _RDT.DS and qname == zone.origin:
            zone = self.parent_zone(qname) or zone  # DS lives on the parent side of the cut
        if zone is None:
            response.set_rcode(dns.rcode.REFUSED)
            return
        response.flags |= dns.flags.AA
        _Lookup(self, response, dnssec).run(zone, qname, qtype)

    def transfer(self, origin: dns.name.Name) -> list[dns.rrset.RRset] | None:
        """The zone as an AXFR sequence (SOA, every other RRset, SOA), or None if not held."""
        zone = self.zones.get(origin)
        if zone is None:
            return None
        soa = _rrset(origin, zone.find_rdataset(origin, _RDT.SOA))
        rrsets = [soa]
        for name, node in sorted(zone.nodes.items()):
            for rdataset in node.rdatasets:
                if name == origin and rdataset.rdtype == _RDT.SOA:
                    continue
                rrsets.append(_rrset(name, rdataset))
        rrsets.append(soa)
        return rrsets


def _ancestors(name: dns.name.Name) -> Iterator[dns.name.Name]:
    current = name
    while True:
        yield current
        if len(current) <= 1:
            return
        current = current.parent()


def _apex(zone: dns.zone.Zone) -> dns.name.Name:
    assert zone.origin is not None, "lab zones are always loaded with their origin"
    return zone.origin


def _rrset(name: dns.name.Name, rdataset: dns.rdataset.Rdataset) -> dns.rrset.RRset:
    return dns.rrset.from_rdata_list(name, rdataset.ttl, list(rdataset))


class _Lookup:
    """One question's walk through the held zones, writing into the response."""

    def __init__(self, zones: ZoneSet, response: dns.message.Message, dnssec: bool) -> None:
        self.zones = zones
        self.response = response
        self.dnssec = dnssec

    def run(self, zone: dns.zone.Zone, qname: dns.name.Name, qtype: dns.rdatatype.RdataType) -> None:
        seen: set[dns.name.Name] = set()
        for _ in range(MAX_CNAME_CHAIN):
            seen.add(qname)
            target = self._step(zone, qname, qtype)
            if target is None or target in seen:
                return
            next_zone = self.zones.zone_for(target)
            if next_zone is None:  # the chain leaves the lab's data: the CNAME is the answer
                return
            zone, qname = next_zone, target

    def _step(
        self, zone: dns.zone.Zone, qname: dns.name.Name, qtype: dns.rdatatype.RdataType
    ) -> dns.name.Name | None:
        """Answer ``qname`` from ``zone``; return a CNAME target to follow, if any."""
        cut = self._cut(zone, qname, qtype)
        if cut is not None:
            self._referral(zone, cut)
            return None
        node = zone.get_node(qname)
        owner = qname
        if node is None:
            wildcard = self._wildcard(zone, qname)
            if wildcard is None:
                self._negative(zone, qname, nxdomain=not self._is_empty_non_terminal(zone, qname))
                return None
            owner, node = wildcard
            self._add_nsec(zone, self._covering_nsec(zone, qname), self.response.authority)
        return self._from_node(zone, qname, owner, node, qtype)

    def _from_node(
        self,
        zone: dns.zone.Zone,
        qname: dns.name.Name,
        owner: dns.name.Name,
        node: dns.node.Node,
        qtype: dns.rdatatype.RdataType,
    ) -> dns.name.Name | None:
        if qtype == _RDT.ANY:
            for rdataset in node.rdatasets:
                if rdataset.rdtype not in (_RDT.RRSIG, _RDT.NSEC) or self.dnssec:
                    self.response.answer.append(_rrset(qname, rdataset))
            return None
        rdataset = node.get_rdataset(zone.rdclass, qtype)
        if rdataset is not None:
            self._add(zone, qname, owner, rdataset, self.response.answer)
            return None
        cname = node.get_rdataset(zone.rdclass, _RDT.CNAME)
        if cname is not None and qtype != _RDT.CNAME:
            self._add(zone, qname, owner, cname, self.response.answer)
            return absolute(cname[0].target)
        self._negative(zone, qname, nxdomain=False, nsec_owner=owner)
        return None

    def _cut(
        self, zone: dns.zone.Zone, qname: dns.name.Name, qtype: dns.rdatatype.RdataType
    ) -> dns.name.Name | None:
        """The highest delegation point between the zone apex and ``qname``, if any."""
        assert zone.origin is not None
        for name in reversed(list(_ancestors(qname))):
            if not name.is_subdomain(zone.origin) or name == zone.origin:
                continue
            if name == qname and qtype == _RDT.DS:
                return None  # the parent answers DS for the cut itself
            if zone.get_rdataset(name, _RDT.NS) is not None:
                return name
        return None

    def _referral(self, zone: dns.zone.Zone, cut: dns.name.Name) -> None:
        self.response.flags &= ~dns.flags.AA
        ns = zone.find_rdataset(cut, _RDT.NS)
        self.response.authority.append(_rrset(cut, ns))
        if self.dnssec:
            ds = zone.get_rdataset(cut, _RDT.DS)
            if ds is not None:
                self._add(zone, cut, cut, ds, self.response.authority)
            else:
                self._add_nsec(zone, cut, self.response.authority)
        for record in ns:
            target = absolute(record.target)
            for rdtype in (_RDT.A, _RDT.AAAA):
                in_zone = target.is_subdomain(_apex(zone))
                glue = zone.get_rdataset(target, rdtype) if in_zone else None
                if glue is not None:
                    self.response.additional.append(_rrset(target, glue))

    def _wildcard(
        self, zone: dns.zone.Zone, qname: dns.name.Name
    ) -> tuple[dns.name.Name, dns.node.Node] | None:
        encloser = self._closest_encloser(zone, qname)
        star = dns.name.from_text("*", encloser)
        node = zone.get_node(star)
        return (star, node) if node is not None else None

    def _closest_encloser(self, zone: dns.zone.Zone, qname: dns.name.Name) -> dns.name.Name:
        for name in _ancestors(qname.parent()):
            if zone.get_node(name) is not None or self._is_empty_non_terminal(zone, name):
                return name
        raise AssertionError("the zone apex always exists")

    @staticmethod
    def _is_empty_non_terminal(zone: dns.zone.Zone, qname: dns.name.Name) -> bool:
        return any(name != qname and name.is_subdomain(qname) for name in zone.nodes)

    def _negative(
        self,
        zone: dns.zone.Zone,
        qname: dns.name.Name,
        *,
        nxdomain: bool,
        nsec_owner: dns.name.Name | None = None,
    ) -> None:
        assert zone.origin is not None
        if nxdomain:
            self.response.set_rcode(dns.rcode.NXDOMAIN)
        soa = zone.find_rdataset(zone.origin, _RDT.SOA)
        minimum = int(soa[0].minimum)
        soa_rrset = _rrset(zone.origin, soa)
        soa_rrset.ttl = min(soa.ttl, minimum)
        self.response.authority.append(soa_rrset)
        self._add_signatures(zone, zone.origin, zone.origin, _RDT.SOA, self.response.authority)
        if nsec_owner is not None and zone.get_node(nsec_owner) is not None:
            self._add_nsec(zone, nsec_owner, self.response.authority)
            return
        self._add_nsec(zone, self._covering_nsec(zone, qname), self.response.authority)
        if nxdomain:
            star = dns.name.from_text("*", self._closest_encloser(zone, qname))
            self._add_nsec(zone, self._covering_nsec(zone, star), self.response.authority)

    def _covering_nsec(self, zone: dns.zone.Zone, name: dns.name.Name) -> dns.name.Name | None:
        """The owner of the NSEC record whose interval covers ``name``."""
        best: dns.name.Name | None = None
        for owner, node in zone.nodes.items():
            has_nsec = node.get_rdataset(zone.rdclass, _RDT.NSEC) is not None
            if has_nsec and owner <= name and (best is None or owner > best):
                best = owner
        return best

    def _add(
        self,
        zone: dns.zone.Zone,
        qname: dns.name.Name,
        owner: dns.name.Name,
        rdataset: dns.rdataset.Rdataset,
        section: list[dns.rrset.RRset],
    ) -> None:
        if rdataset.rdtype == _RDT.NSEC and not self.dnssec:
            return
        if any(r.name == qname and r.rdtype == rdataset.rdtype for r in section):
            return
        section.append(_rrset(qname, rdataset))
        self._add_signatures(zone, qname, owner, rdataset.rdtype, section)

    def _add_signatures(
        self,
        zone: dns.zone.Zone,
        qname: dns.name.Name,
        owner: dns.name.Name,
        covers: dns.rdatatype.RdataType,
        section: list[dns.rrset.RRset],
    ) -> None:
        if not self.dnssec:
            return
        sigs = zone.get_rdataset(owner, _RDT.RRSIG, covers=covers)
        if sigs is not None:
            section.append(_rrset(qname, sigs))

    def _add_nsec(
        self, zone: dns.zone.Zone, owner: dns.name.Name | None, section: list[dns.rrset.RRset]
    ) -> None:
        if not self.dnssec or owner is None:
            return
        nsec = zone.get_rdataset(owner, _RDT.NSEC)
        if nsec is not None:
            self._add(zone, owner, owner, nsec, section)
