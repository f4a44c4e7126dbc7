"""The lab DNS server answers like a real authoritative server (records, negatives, CNAMEs,
delegations, AXFR, EDNS and truncation, DNSSEC)."""

from __future__ import annotations

import dns.asyncquery
import dns.dnssec
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.xfr
import dns.zone
import pytest

from canhgac.engine.dns import DnsClient, ServerAddress
from canhgac.engine.facts.dns import DnsStatus
from canhgac.lab.dns_server import LabDnsServer


def _client(server: LabDnsServer, timeout: float = 1.0) -> DnsClient:
    return DnsClient((ServerAddress(server.address, server.port),), timeout=timeout, attempts=1)


async def _raw(
    server: LabDnsServer, name: str, rdtype: str, *, dnssec: bool = False, rd: bool = False
) -> dns.message.Message:
    query = dns.message.make_query(name, rdtype, want_dnssec=dnssec, use_edns=0, payload=4096)
    if not rd:
        query.flags &= ~dns.flags.RD
    return await dns.asyncquery.tcp(query, server.address, timeout=2, port=server.port)


@pytest.fixture
async def server(address: str, example_zones: dict[str, str]):
    async with LabDnsServer(
        example_zones,
        address=address,
        axfr_allowed={"child.example.gov.test"},
        sign={"example.gov.test", "child.example.gov.test"},
    ) as running:
        yield running
    assert running.internal_errors == 0


@pytest.mark.parametrize(
    ("name", "rdtype", "expected"),
    [
        ("example.gov.test", "A", ("127.0.0.10",)),
        ("example.gov.test", "AAAA", ("::1",)),
        ("example.gov.test", "MX", ("10 mail.example.gov.test.",)),
        ("example.gov.test", "TXT", ('"v=spf1 mx -all"',)),
        ("example.gov.test", "CAA", ('0 issue "letsencrypt.org"',)),
        ("example.gov.test", "NS", ("ns1.example.gov.test.", "ns2.example.gov.test.")),
        ("a.b.c.example.gov.test", "TXT", ('"deep"',)),
        ("anything.wild.example.gov.test", "TXT", ('"wildcard"',)),
        ("host.child.example.gov.test", "A", ("127.0.0.80",)),
    ],
)
async def test_each_record_type_is_answered_authoritatively(server, name, rdtype, expected):
    answer = await _client(server).query_server(ServerAddress(server.address, server.port), name, rdtype)
    assert answer.status is DnsStatus.OK
    assert sorted(answer.records) == sorted(expected)
    assert answer.authoritative


async def test_soa_has_the_zone_serial(server):
    answer = await _client(server).query("example.gov.test", "SOA")
    assert answer.rdata[0].serial == 2024010101  # type: ignore[attr-defined]


async def test_nxdomain_and_nodata_are_distinct_and_carry_the_soa(server):
    missing = await _raw(server, "nope.example.gov.test", "A")
    assert missing.rcode() == dns.rcode.NXDOMAIN
    nodata = await _raw(server, "mail.example.gov.test", "TXT")
    assert nodata.rcode() == dns.rcode.NOERROR and not nodata.answer
    for response in (missing, nodata):
        assert response.flags & dns.flags.AA
        assert [r.rdtype for r in response.authority] == [dns.rdatatype.SOA]
    empty_non_terminal = await _raw(server, "b.c.example.gov.test", "A")
    assert empty_non_terminal.rcode() == dns.rcode.NOERROR and not empty_non_terminal.answer


async def test_cname_chains_are_followed_within_and_across_zones(server):
    client = _client(server)
    within = await client.query("www.example.gov.test", "A")
    assert within.records == ("127.0.0.25",)
    assert within.cnames == ("web.example.gov.test", "mail.example.gov.test")
    across = await client.query("away.example.gov.test", "A")
    assert across.records == ("127.0.0.98",)
    assert across.cnames == ("www.other.test",)
    leaving = await _raw(server, "outside.example.gov.test", "A")
    assert leaving.rcode() == dns.rcode.NOERROR
    assert [r.rdtype for r in leaving.answer] == [dns.rdatatype.CNAME]
    loop = await _raw(server, "loop1.example.gov.test", "A")
    assert len(loop.answer) == 2  # loop1 -> loop2 -> loop1: stops, does not spin


async def test_a_cname_query_returns_the_cname_itself(server):
    answer = await _client(server).query("www.example.gov.test", "CNAME")
    assert answer.records == ("web.example.gov.test.",)


async def test_ds_comes_from_the_parent_and_matches_the_child_key(server):
    ds_response = await _raw(server, "child.example.gov.test", "DS")
    assert ds_response.flags & dns.flags.AA
    assert ds_response.authority == []
    ds = ds_response.answer[0][0]
    dnskey = (await _raw(server, "child.example.gov.test", "DNSKEY")).answer[0][0]
    assert dns.dnssec.make_ds(dns.name.from_text("child.example.gov.test"), dnskey, "SHA256") == ds
    child_soa = await _raw(server, "child.example.gov.test", "SOA")
    assert child_soa.answer[0][0].serial == 7


async def test_a_cut_the_server_does_not_hold_gets_a_referral_with_glue(server):
    response = await _raw(server, "www.away-sub.example.gov.test", "A")
    assert response.rcode() == dns.rcode.NOERROR
    assert not response.flags & dns.flags.AA
    assert not response.answer
    assert [r.to_text() for r in response.authority] == [
        "away-sub.example.gov.test. 3600 IN NS ns.away-sub.example.gov.test."
    ]
    assert [r.to_text() for r in response.additional if r.rdtype == dns.rdatatype.A] == [
        "ns.away-sub.example.gov.test. 3600 IN A 127.0.0.54"
    ]


async def test_names_outside_every_zone_are_refused(server):
    answer = await _client(server).query("example.com", "A")
    assert answer.status is DnsStatus.REFUSED


async def test_axfr_is_served_over_tcp_for_allowed_zones_only(server):
    zone = dns.zone.Zone("child.example.gov.test.")
    await dns.asyncquery.inbound_xfr(server.address, zone, port=server.port, timeout=2)
    assert zone.get_rdataset("host", "A").to_text() == "3600 IN A 127.0.0.80"
    assert zone.get_rdataset("@", "DNSKEY") is not None
    refused = dns.zone.Zone("example.gov.test.")
    with pytest.raises(dns.xfr.TransferError):
        await dns.asyncquery.inbound_xfr(server.address, refused, port=server.port, timeout=2)
    query = dns.message.make_query("child.example.gov.test", "AXFR")
    over_udp = await dns.asyncquery.udp(query, server.address, timeout=2, port=server.port)
    assert over_udp.rcode() == dns.rcode.REFUSED


async def test_long_txt_is_truncated_over_udp_and_retried_over_tcp(server, long_txt):
    answer = await _client(server).query("long.example.gov.test", "TXT")
    assert answer.status is DnsStatus.OK
    assert answer.used_tcp
    assert answer.txt_strings() == (long_txt,)
    plain = dns.message.make_query("long.example.gov.test", "TXT", use_edns=0, payload=1232)
    truncated = await dns.asyncquery.udp(plain, server.address, timeout=2, port=server.port)
    assert truncated.flags & dns.flags.TC


async def test_edns_payload_is_honoured(server):
    big = dns.message.make_query("example.gov.test", "DNSKEY", want_dnssec=True, use_edns=0, payload=4096)
    fits = await dns.asyncquery.udp(big, server.address, timeout=2, port=server.port)
    assert not fits.flags & dns.flags.TC and fits.answer
    assert fits.ednsflags & dns.flags.DO
    no_edns = dns.message.make_query("a.b.c.example.gov.test", "TXT", use_edns=False)
    small = await dns.asyncquery.udp(no_edns, server.address, timeout=2, port=server.port)
    assert small.edns == -1 and small.answer
    newer = dns.message.make_query("example.gov.test", "A", use_edns=1)
    assert (
        await dns.asyncquery.udp(newer, server.address, timeout=2, port=server.port)
    ).rcode() == dns.rcode.BADVERS


async def test_other_classes_and_opcodes_are_not_served(server):
    chaos = dns.message.make_query("example.gov.test", "TXT", rdclass=dns.rdataclass.CH)
    assert (
        await dns.asyncquery.udp(chaos, server.address, timeout=2, port=server.port)
    ).rcode() == dns.rcode.REFUSED
    notify = dns.message.make_query("example.gov.test", "SOA")
    notify.set_opcode(dns.opcode.NOTIFY)
    assert (
        await dns.asyncquery.udp(notify, server.address, timeout=2, port=server.port)
    ).rcode() == dns.rcode.NOTIMP


async def test_dnssec_signatures_validate(server):
    keys_response = await _raw(server, "example.gov.test", "DNSKEY", dnssec=True)
    dnskey = keys_response.find_rrset(
        keys_response.answer, dns.name.from_text("example.gov.test"), dns.rdataclass.IN, dns.rdatatype.DNSKEY
    )
    key_map = {dns.name.from_text("example.gov.test"): dnskey}
    for name, rdtype in [
        ("example.gov.test", "DNSKEY"),
        ("example.gov.test", "MX"),
        ("long.example.gov.test", "TXT"),
        ("child.example.gov.test", "DS"),
    ]:
        response = await _raw(server, name, rdtype, dnssec=True)
        rrset, sigs = response.answer[0], response.answer[1]
        assert sigs.rdtype == dns.rdatatype.RRSIG
        dns.dnssec.validate(rrset, sigs, key_map)


async def test_negative_answers_carry_signed_nsec_proofs(server):
    response = await _raw(server, "nope.example.gov.test", "A", dnssec=True)
    types = [r.rdtype for r in response.authority]
    assert dns.rdatatype.NSEC in types and dns.rdatatype.RRSIG in types
    nsec = next(r for r in response.authority if r.rdtype == dns.rdatatype.NSEC)
    owner, following = nsec.name, nsec[0].next
    target = dns.name.from_text("nope.example.gov.test")
    assert owner < target and (target < following or following == dns.name.from_text("example.gov.test"))
    unsigned = await _raw(server, "www.other.test", "A", dnssec=True)
    assert [r.rdtype for r in unsigned.answer] == [dns.rdatatype.A]


async def test_recursion_desired_gets_recursion_available(server):
    response = await _raw(server, "example.gov.test", "A", rd=True)
    assert response.flags & dns.flags.RA
    assert not (await _raw(server, "example.gov.test", "A")).flags & dns.flags.RA
