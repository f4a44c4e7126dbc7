"""collect_dnsbl through a lab DNS server on loopback holding blocklist zones, judged by
mail.dnsbl.listed.

The server plays the run's resolver. ``bl.lab.test`` follows RFC 5782 (test entry 127.0.0.2
listed, 127.0.0.1 not, TXT explanations); ``zen.spamhaus.org`` here is a lab stand-in that
refuses every query the way Spamhaus refuses queries through public resolvers
(127.255.255.254); ``dead.lab.test`` lists nothing, not even its test entry; ``world.lab.test``
lists every address (a shut-down zone "listing the world"); ``unknown.lab.test`` is no zone of
the server, which refuses it (REFUSED, as a resolver that will not recurse).
"""

from __future__ import annotations

from collections.abc import Mapping

from lab_dns_support import lab_context

from canhgac.engine.checks.mail_dnsbl import dnsbl_listed
from canhgac.engine.collectors.dnsbl import collect_dnsbl, lists_ipv6, query_name
from canhgac.engine.context import CollectContext
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
WORLD = "$TTL 300\n" + SOA + "* IN A 127.0.0.2\n"
ZONES = {"gov.test": GOV, "bl.lab.test": BLOCKLIST, "zen.spamhaus.org": SPAMHAUS, "dead.lab.test": DEAD,
         "world.lab.test": WORLD}
PARAMS = CheckParams()


def mail_host(name: str) -> Target:
    return Target(kind=TargetKind.MAIL_HOST, name=name, agency="x")


async def collect(host: str, zones: tuple[str, ...], faults: Mapping[tuple[str, str], Fault] | None = None
                  ) -> tuple[DnsblFacts, CollectContext]:
    async with LabDnsServer(zones=ZONES, address="127.0.7.53", faults=faults) as server:
        ctx = lab_context(server, dns_timeout=0.3, dnsbl_zones=zones)
        try:
            facts = await collect_dnsbl(mail_host(host), ctx)
        finally:
            await ctx.aclose()
        assert server.internal_errors == 0
        return facts, ctx


def test_query_names() -> None:
    assert query_name("192.0.2.99", "bl.example") == "99.2.0.192.bl.example"
    assert query_name("2001:db8:1:2::ab", "zen.spamhaus.org") == (
        "b.a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.zen.spamhaus.org")
    assert lists_ipv6("zen.spamhaus.org") and lists_ipv6("abcdefghijklmnopqrstuvwxyz.zen.dq.spamhaus.net")
    assert not lists_ipv6("bl.spamcop.net")


async def test_clean_address_passes() -> None:
    facts, ctx = await collect("clean.gov.test", ("bl.lab.test",))
    outcome = dnsbl_listed(facts, PARAMS)
    assert (outcome.status, outcome.message.key) == (Status.PASS, "pass")
    assert ctx.warnings.drain() == []


async def test_listing_fails_with_codes_and_explanation() -> None:
    facts, _ = await collect("listed.gov.test", ("bl.lab.test",))
    listed = [a for a in facts.answers if a.verdict is ZoneVerdict.LISTED]
    assert [(a.address, sorted(a.codes)) for a in listed] == [("127.25.2.1", ["127.0.0.2", "127.0.0.4"])]
    assert listed[0].explanation.startswith("Listed: spam sent 2024-06-01")
    outcome = dnsbl_listed(facts, PARAMS)
    assert (outcome.status, outcome.message.key) == (Status.FAIL, "listed")
    assert "127.25.2.1 in bl.lab.test" in str(outcome.message.values["listings"])


async def test_refusing_operator_is_left_out_with_a_warning_not_taken_as_a_listing() -> None:
    """127.255.255.254 for every name (Spamhaus through a public resolver) is no listing: the
    zone fails its liveness test, is not asked about the host, and the host passes on the
    other zone."""
    facts, ctx = await collect("clean.gov.test", ("bl.lab.test", "zen.spamhaus.org"))
    assert {a.zone for a in facts.answers} == {"bl.lab.test"}
    assert [h.zone for h in facts.unavailable] == ["zen.spamhaus.org"]
    problem = facts.unavailable[0].problem
    assert problem is not None and problem.reason is ErrorReason.POLICY
    assert "127.255.255.254 (query via a public/open resolver refused)" in problem.detail
    outcome = dnsbl_listed(facts, PARAMS)
    assert (outcome.status, outcome.message.values["zones"]) == (Status.PASS, "bl.lab.test")
    assert outcome.evidence["unavailable_zones"] == [{"zone": "zen.spamhaus.org", "problem": problem.detail}]
    [warning] = ctx.warnings.drain()
    assert warning.key == "dnsbl:zen.spamhaus.org" and "zen.spamhaus.org" in warning.text


async def test_a_listing_outranks_a_refusing_zone() -> None:
    facts, _ = await collect("listed.gov.test", ("zen.spamhaus.org", "bl.lab.test"))
    assert dnsbl_listed(facts, PARAMS).status is Status.FAIL


async def test_dead_zone_is_left_out_and_alone_is_not_applicable() -> None:
    facts, ctx = await collect("clean.gov.test", ("dead.lab.test",))
    outcome = dnsbl_listed(facts, PARAMS)
    assert (outcome.status, outcome.message.key) == (Status.NOT_APPLICABLE, "no-live-zone")
    assert outcome.message.values["zones"] == "dead.lab.test"
    assert facts.answers == ()  # the host's address was never asked in a dead zone
    [warning] = ctx.warnings.drain()
    assert "does not list its RFC 5782 test entry 127.0.0.2" in warning.text


async def test_zone_listing_everything_is_left_out() -> None:
    """A wildcard (or a zone shut down by "listing the world") lists 127.0.0.1 too: its
    127.0.0.2 for the host is no listing."""
    facts, ctx = await collect("listed.gov.test", ("world.lab.test", "bl.lab.test"))
    assert [h.zone for h in facts.unavailable] == ["world.lab.test"]
    problem = facts.unavailable[0].problem
    assert problem is not None and "lists 127.0.0.1 (127.0.0.2)" in problem.detail
    clean, _ = await collect("clean.gov.test", ("world.lab.test", "bl.lab.test"))
    assert dnsbl_listed(clean, PARAMS).status is Status.PASS  # not listed "in world.lab.test"
    assert len(ctx.warnings.drain()) == 1


async def test_refusing_resolver_and_silent_zone_are_left_out() -> None:
    """REFUSED (no such zone at this resolver) and a test entry that never gets an answer."""
    silent = {("2.0.0.127.bl.lab.test", "A"): Fault.DROP}
    facts, ctx = await collect("clean.gov.test", ("unknown.lab.test", "bl.lab.test"), silent)
    reasons = {h.zone: h.problem.reason for h in facts.unavailable if h.problem}
    assert reasons == {"unknown.lab.test": ErrorReason.DNS_REFUSED, "bl.lab.test": ErrorReason.TIMEOUT}
    assert dnsbl_listed(facts, PARAMS).message.key == "no-live-zone"
    assert sorted(w.key for w in ctx.warnings.drain()) == ["dnsbl:bl.lab.test", "dnsbl:unknown.lab.test"]


async def test_a_live_zone_failing_for_one_host_is_an_error_for_that_host() -> None:
    faults = {("1.1.25.127.bl.lab.test", "A"): Fault.SERVFAIL}
    facts, ctx = await collect("clean.gov.test", ("bl.lab.test",), faults)
    outcome = dnsbl_listed(facts, PARAMS)
    assert (outcome.status, outcome.error_reason) == (Status.ERROR, ErrorReason.DNS_SERVFAIL)
    assert ctx.warnings.drain() == []


async def test_ipv6_only_asked_where_supported() -> None:
    facts, _ = await collect("v6.gov.test", ("bl.lab.test",))
    assert [a.verdict for a in facts.answers] == [ZoneVerdict.SKIPPED]
    assert dnsbl_listed(facts, PARAMS).message.key == "no-zone-for-address"


async def test_no_address_and_no_zones() -> None:
    nothing, _ = await collect("nothing.gov.test", ("bl.lab.test",))
    assert dnsbl_listed(nothing, PARAMS).message.key == "no-address"
    none, ctx = await collect("clean.gov.test", ())
    assert dnsbl_listed(none, PARAMS).message.key == "no-zones"
    assert ctx.warnings.drain() == []
