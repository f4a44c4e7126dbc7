"""Changing a running lab: a zone swapped on every server that holds it, signed again if it was
signed, the parent's DS still matching; and the province's zones rendered with other faults."""

from __future__ import annotations

import dns.asyncquery
import dns.dnssec
import dns.flags
import dns.message
import dns.name
import dns.rdataclass
import dns.rdatatype
import pytest

from canhgac.engine.dns import DnsClient, ServerAddress
from canhgac.engine.facts.dns import DnsStatus
from canhgac.lab import start_lab
from canhgac.lab.dns_server import LabDnsCluster, LabDnsServer, ServerSpec
from canhgac.lab.province import Records, build_province, keep_baseline, render_zone

SYT = "soyte.kiengiang.gov.test"


async def _signed_answer(address: str, port: int, name: str, rdtype: str) -> dns.message.Message:
    query = dns.message.make_query(name, rdtype, want_dnssec=True, use_edns=0, payload=4096)
    query.flags &= ~dns.flags.RD
    return await dns.asyncquery.tcp(query, address, timeout=2, port=port)


async def _validate(address: str, port: int, zone: str, name: str, rdtype: str) -> list[str]:
    """The rdata texts of ``name``/``rdtype``, after checking their RRSIG under the zone's DNSKEY."""
    keys = await _signed_answer(address, port, zone, "DNSKEY")
    origin = dns.name.from_text(zone)
    dnskey = keys.find_rrset(keys.answer, origin, dns.rdataclass.IN, dns.rdatatype.DNSKEY)
    response = await _signed_answer(address, port, name, rdtype)
    rrset, sigs = response.answer[0], response.answer[1]
    assert sigs.rdtype == dns.rdatatype.RRSIG
    dns.dnssec.validate(rrset, sigs, {origin: dnskey})
    return sorted(r.to_text() for r in rrset)


async def test_a_replaced_zone_is_served_and_signed_with_the_same_key(
    address: str, example_zones: dict[str, str]
) -> None:
    zones = {"example.gov.test", "child.example.gov.test"}
    async with LabDnsServer(example_zones, address=address, sign=zones) as server:
        before_ds = await _validate(address, server.port, "example.gov.test", "child.example.gov.test", "DS")
        child = example_zones["child.example.gov.test"].replace("127.0.0.80", "127.0.0.81")
        server.replace_zone("child.example.gov.test", child)
        assert await _validate(
            address, server.port, "child.example.gov.test", "host.child.example.gov.test", "A"
        ) == ["127.0.0.81"]
        # The parent, replaced in turn, still publishes the (unchanged) DS of its signed child.
        parent = example_zones["example.gov.test"].replace('"v=spf1 mx -all"', '"v=spf1 -all"')
        server.replace_zone("example.gov.test", parent)
        assert await _validate(address, server.port, "example.gov.test", "example.gov.test", "TXT") == [
            '"v=spf1 -all"'
        ]
        after_ds = await _validate(address, server.port, "example.gov.test", "child.example.gov.test", "DS")
        assert after_ds == before_ds
        with pytest.raises(KeyError):
            server.replace_zone("absent.test", child)
    assert server.internal_errors == 0


async def test_a_cluster_swaps_the_zone_on_every_holder_only(example_zones: dict[str, str]) -> None:
    other = {"other.test": example_zones["other.test"]}
    child = {"child.example.gov.test": example_zones["child.example.gov.test"]}
    specs = {
        "127.151.0.1": ServerSpec(zones=child),
        "127.151.0.2": ServerSpec(zones=child),
        "127.151.0.3": ServerSpec(zones=other),
    }
    async with LabDnsCluster(specs) as cluster:
        text = child["child.example.gov.test"].replace("127.0.0.80", "127.0.0.82")
        holders = cluster.replace_zone("child.example.gov.test.", text)
        assert sorted(holders) == ["127.151.0.1", "127.151.0.2"]
        for address in holders:
            client = DnsClient((ServerAddress(address, cluster.port),), timeout=1.0, attempts=1)
            answer = await client.query("host.child.example.gov.test", "A")
            assert answer.records == ("127.0.0.82",)
        third = DnsClient((ServerAddress("127.151.0.3", cluster.port),), timeout=1.0, attempts=1)
        assert (await third.query("host.child.example.gov.test", "A")).status is DnsStatus.REFUSED
        assert cluster.specs["127.151.0.1"].zones["child.example.gov.test."] == text
        with pytest.raises(KeyError):
            cluster.replace_zone("absent.test", text)


def test_render_zone_without_a_planter_is_the_province_zone() -> None:
    province = build_province()
    for origin, text in province.zones.items():
        assert render_zone(origin) == text
    with pytest.raises(KeyError):
        render_zone("spf-vendor.test", keep_baseline)


async def test_fixing_an_agency_in_the_running_lab() -> None:
    def spf_fixed(records: Records, domain: str) -> None:
        del records[("_dmarc", "TXT")]  # only the +all is fixed: the baseline SPF is "mx -all"

    lab = await start_lab(0)
    try:
        holders = lab.replace_zone(SYT, render_zone(SYT, spf_fixed))
        assert len(holders) == 3  # the resolver, ns1 and ns2
        for address in holders:
            assert await _validate(address, lab.nameserver_port, SYT, SYT, "TXT") == ['"v=spf1 mx -all"']
        resolver = DnsClient((lab.resolver,), timeout=1.0, attempts=1)
        assert (await resolver.query(f"_dmarc.{SYT}", "TXT")).status is DnsStatus.NXDOMAIN
        assert lab.internal_errors == 0
    finally:
        await lab.stop()
