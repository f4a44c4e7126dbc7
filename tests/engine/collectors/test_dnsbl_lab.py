"""collect_dnsbl through the lab DNS server holding a blocklist zone, judged by mail.dnsbl.listed.

The blocklist ``bl.lab.test`` follows RFC 5782 (test entry 127.0.0.2 listed, TXT explanations);
``zen.spamhaus.org`` here is a lab stand-in that refuses every query the way Spamhaus refuses
queries through public resolvers (127.255.255.254); ``dead.lab.test`` lists nothing, not even
its test entry.
"""

from __future__ import annotations

from collections.abc import Mapping

from lab_dns_support import lab_context

from canhgac.engine.checks.mail_dnsbl import dnsbl_listed
from canhgac.engine.collectors.dnsbl import collect_dnsbl, query_name
from canhgac.engine.facts.dnsbl import DnsblFacts, ZoneVerdict
from canhgac.engine.params import CheckParams
from canhgac.engine.results import ErrorReason, Status
from canhgac.engine.targets import Target, TargetKind
from canhgac.lab.dns_server import Fault, LabDnsServer

SOA = "@ IN SOA ns hostmaster 1 3600 600 86400 300\n@ IN NS ns\nns IN A 127.0.0.53\n"
GOV = "$TTL 300\n" + SOA + """
clean IN A 127.25.1.1
listed IN A 127.25.2.1
listed IN A 127.25.3.1
v6 IN AAAA 2001:db8::25
"""
BLOCKLIST = "$TTL 300\n" + SOA + """
2.0.0.127 IN A 127.0.0.2
2.0.0.127 IN TXT "RFC 5782 test entry"
1.2.25.127 IN A 127.0.0.2
1.2.25.127 IN A 127.0.0.4
1.2.25.127 IN TXT "Listed: spam sent 2024-06-01, see https://bl.lab.test/lookup?127.25.2.1"
"""
SPAMHAUS = "$TTL 300\n" + SOA + "* IN A 127.255.255.254\n"
DEAD = "$TTL 300\n" + SOA
ZONES = {"gov.test": GOV, "bl.lab.test": BLOCKLIST, "zen.spamhaus.org": SPAMHAUS, "dead.lab.test": DEAD}
PARAMS = CheckParams()


async def collect(host: str, zones: tuple[str, ...], faults: Mapping[tuple[str, str], Fault] | None = None
                  ) -> DnsblFacts:
    async with LabDnsServer(zones=ZONES, address="127.0.7.53", faults=faults) as server:
        ctx = lab_context(server, dns_timeout=0.3, dnsbl_zones=zones)
        facts = await collect_dnsbl(Target(kind=TargetKind.MAIL_HOST, name=host, agency="x"), ctx)
        assert server.internal_errors == 0
        return facts


def test_query_names() -> None:
    assert query_name("192.0.2.99", "bl.example") == "99.2.0.192.bl.example"
    assert query_name("2001:db8:1:2::ab", "zen.spamhaus.org") == (
        "b.a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.zen.spamhaus.org")


async def test_clean_address_passes() -> None:
    outcome = dnsbl_listed(await collect("clean.gov.test", ("bl.lab.test",)), PARAMS)
    assert (outcome.status, outcome.message.key) == (Status.PASS, "pass")


async def test_listing_fails_with_codes_and_explanation() -> None:
    facts = await collect("listed.gov.test", ("bl.lab.test",))
    listed = [a for a in facts.answers if a.verdict is ZoneVerdict.LISTED]
    assert [(a.address, sorted(a.codes)) for a in listed] == [("127.25.2.1", ["127.0.0.2", "127.0.0.4"])]
    assert listed[0].explanation.startswith("Listed: spam sent 2024-06-01")
    outcome = dnsbl_listed(facts, PARAMS)
    assert (outcome.status, outcome.message.key) == (Status.FAIL, "listed")
    assert "127.25.2.1 in bl.lab.test" in str(outcome.message.values["listings"])


async def test_refusal_codes_are_errors_not_listings() -> None:
    facts = await collect("clean.gov.test", ("bl.lab.test", "zen.spamhaus.org"))
    refused = [a for a in facts.answers if a.zone == "zen.spamhaus.org"]
    assert [a.verdict for a in refused] == [ZoneVerdict.ERROR]
    assert "127.255.255.254" in refused[0].detail
    outcome = dnsbl_listed(facts, PARAMS)
    assert (outcome.status, outcome.error_reason) == (Status.ERROR, ErrorReason.POLICY)


async def test_a_listing_outranks_a_refusing_zone() -> None:
    outcome = dnsbl_listed(await collect("listed.gov.test", ("zen.spamhaus.org", "bl.lab.test")), PARAMS)
    assert outcome.status is Status.FAIL


async def test_dead_zone_is_an_error_not_a_clean_bill() -> None:
    outcome = dnsbl_listed(await collect("clean.gov.test", ("dead.lab.test",)), PARAMS)
    assert (outcome.status, outcome.error_reason) == (Status.ERROR, ErrorReason.PROTOCOL)


async def test_unreachable_zone_is_an_error() -> None:
    faults = {("1.1.25.127.bl.lab.test", "A"): Fault.SERVFAIL}
    outcome = dnsbl_listed(await collect("clean.gov.test", ("bl.lab.test",), faults), PARAMS)
    assert (outcome.status, outcome.error_reason) == (Status.ERROR, ErrorReason.DNS_SERVFAIL)


async def test_ipv6_only_asked_where_supported() -> None:
    facts = await collect("v6.gov.test", ("bl.lab.test",))
    assert [a.verdict for a in facts.answers] == [ZoneVerdict.SKIPPED]
    assert dnsbl_listed(facts, PARAMS).message.key == "no-zone-for-address"


async def test_no_address_and_no_zones() -> None:
    nothing = await collect("nothing.gov.test", ("bl.lab.test",))
    assert dnsbl_listed(nothing, PARAMS).message.key == "no-address"
    assert dnsbl_listed(await collect("clean.gov.test", ()), PARAMS).message.key == "no-zones"
