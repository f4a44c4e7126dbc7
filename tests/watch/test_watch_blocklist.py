"""The blocklist monitor against a loopback DNS server holding a blocklist zone (RFC 5782 test
entry, one listed address with its TXT): a listed and an unlisted host, a zone that fails its
liveness test, a host outside the scope; the checks share the DNS sockets and keep no answer
(a delisting is seen at the next check). Judged pure, said in both languages."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from canhgac.engine.options import MailOptions, NetworkLimits
from canhgac.engine.settings import ScanSettings, ScopeSettings
from canhgac.lab.dns_server import LabDnsServer
from canhgac.watch.facts import BlocklistFacts
from canhgac.watch.judge import judge
from canhgac.watch.monitors import Monitor, MonitorKind
from canhgac.watch.probes import EngineProber
from canhgac.watch.problems import Problem, describe

DOMAIN = "so-c.gov.test"
ZONE = "bl.test"
LISTED, CLEAN = "127.77.0.9", "127.77.0.10"
NOW = datetime(2027, 2, 9, tzinfo=UTC)


def loopback() -> str:
    return f"127.{random.randint(121, 199)}.{random.randint(0, 255)}.{random.randint(2, 250)}"


def reverse(address: str) -> str:
    return ".".join(reversed(address.split(".")))


DOMAIN_ZONE = f"""$TTL 300
@ IN SOA ns1.{DOMAIN}. hostmaster.{DOMAIN}. 1 3600 600 86400 300
@ IN NS ns1.{DOMAIN}.
ns1 IN A 127.0.0.53
mail IN A {LISTED}
portal IN A {CLEAN}
"""


def blocklist(*listed: str, test_entry: bool = True) -> str:
    lines = [f"$TTL 300\n@ IN SOA ns1.{ZONE}. hostmaster.{ZONE}. 1 3600 600 86400 300\n@ IN NS ns1.{ZONE}.\n"
             "ns1 IN A 127.0.0.53\n"]
    if test_entry:
        lines.append('2.0.0.127 IN A 127.0.0.2\n2.0.0.127 IN TXT "RFC 5782 test entry"\n')
    for address in listed:
        name = reverse(address)
        lines.append(f'{name} IN A 127.0.0.3\n{name} IN TXT "listed for spam, see bl.test"\n')
    return "".join(lines)


def settings(dns: LabDnsServer) -> ScanSettings:
    return ScanSettings(
        resolvers=(f"{dns.address}:{dns.port}",), dns_timeout=0.5, dns_attempts=1,
        scope=ScopeSettings(domains=(DOMAIN,), loopback_only=True),
        net=NetworkLimits(connect_timeout=1.0, read_timeout=0.5),
        mail=MailOptions(dnsbl_zones=(ZONE,)),
    )


def monitor(host: str) -> Monitor:
    return Monitor(MonitorKind.BLOCKLIST, host, "SO-C", 3600)


async def test_a_listed_host_fails_with_the_zone_its_answer_and_txt_and_a_clean_one_passes() -> None:
    async with LabDnsServer(zones={DOMAIN: DOMAIN_ZONE, ZONE: blocklist(LISTED)}, address=loopback()) as dns:
        prober = EngineProber(settings(dns))
        try:
            listed = await prober(monitor(f"mail.{DOMAIN}"))
            clean = await prober(monitor(f"portal.{DOMAIN}"))
        finally:
            await prober.aclose()
    assert isinstance(listed, BlocklistFacts) and isinstance(clean, BlocklistFacts)
    assert listed.addresses == (LISTED,) and listed.zones == (ZONE,)
    assert [(x.address, x.zone, x.codes) for x in listed.listings] == [(LISTED, ZONE, ("127.0.0.3",))]
    assert "listed for spam" in listed.listings[0].explanation
    verdict = judge(listed, None, NOW)
    assert not verdict.ok and verdict.problem is Problem.BLOCKLISTED and verdict.cause == ""
    assert verdict.values["address"] == LISTED and verdict.values["zone"] == ZONE
    assert verdict.values["answer"] == "127.0.0.3"
    said = describe(verdict.problem.value, verdict.values, "en")
    assert said.startswith(f"{LISTED} (mail.{DOMAIN}) is listed on {ZONE}: 127.0.0.3") and "spam" in said
    assert describe(verdict.problem.value, verdict.values, "vi") != said
    assert clean.listings == () and clean.zones == (ZONE,)
    assert judge(clean, None, NOW).ok


async def test_checks_share_the_dns_sockets_but_never_an_answer() -> None:
    async with LabDnsServer(zones={DOMAIN: DOMAIN_ZONE, ZONE: blocklist(LISTED)}, address=loopback()) as dns:
        prober = EngineProber(settings(dns))
        try:
            first = await prober(monitor(f"mail.{DOMAIN}"))
            pool = prober.dns._pool
            assert pool is not None
            dns.replace_zone(ZONE, blocklist())  # delisted between two checks
            second = await prober(monitor(f"mail.{DOMAIN}"))
            assert prober.dns._pool is pool  # the same sockets, kept open between checks
        finally:
            await prober.aclose()
    assert isinstance(first, BlocklistFacts) and first.listings
    assert isinstance(second, BlocklistFacts) and second.listings == () and second.zones == (ZONE,)
    assert judge(second, None, NOW).ok


async def test_a_dead_zone_or_a_name_outside_the_scope_is_unchecked_never_a_pass() -> None:
    zones = {DOMAIN: DOMAIN_ZONE, ZONE: blocklist(LISTED, test_entry=False)}
    async with LabDnsServer(zones=zones, address=loopback()) as dns:
        prober = EngineProber(settings(dns))
        try:
            dead = await prober(monitor(f"mail.{DOMAIN}"))
            outside = await prober(monitor("mail.elsewhere.test"))
        finally:
            await prober.aclose()
    assert isinstance(dead, BlocklistFacts) and dead.zones == () and dead.unanswered[0][0] == ZONE
    verdict = judge(dead, None, NOW)
    assert verdict.problem is Problem.BLOCKLIST_UNCHECKED and verdict.cause == "dnsbl"
    assert "127.0.0.2" in verdict.values["reason"]
    assert isinstance(outside, BlocklistFacts) and "not in the declared scope" in outside.error
    assert judge(outside, None, NOW).problem is Problem.BLOCKLIST_UNCHECKED


def test_the_judge_names_every_zone_listing_the_host() -> None:
    from canhgac.watch.facts import Listing

    facts = BlocklistFacts("mx.so-a.gov.vn", ("203.0.113.5", "2001:db8::5"), ("a.test", "b.test"), (
        Listing("203.0.113.5", "a.test", ("127.0.0.2",), "spam"),
        Listing("203.0.113.5", "b.test", ("127.0.0.4",), ""),
    ))
    verdict = judge(facts, {"zones": ["a.test"]}, NOW)
    assert verdict.values["listed_on"] == ["a.test (203.0.113.5)", "b.test (203.0.113.5)"]
    assert verdict.baseline == {"zones": ["a.test"]}  # a failing check keeps the last good baseline
    none = BlocklistFacts("mx.so-a.gov.vn", ("203.0.113.5",), (), (), (("a.test", "timeout"),))
    assert judge(none, None, NOW).values["reason"] == "a.test: timeout"
