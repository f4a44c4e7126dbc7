"""DNSBL answer classification (RFC 5782 and operators' error codes), the zones' liveness test,
and mail.dnsbl.listed on facts."""

from __future__ import annotations

from canhgac.catalog import load_catalog
from canhgac.engine.checks.mail_dnsbl import dnsbl_listed
from canhgac.engine.facts.dns import DnsStatus, HostAddresses, Lookup
from canhgac.engine.facts.dnsbl import (
    DnsblFacts,
    Verdict,
    ZoneAnswer,
    ZoneHealth,
    ZoneVerdict,
    classify,
    liveness,
)
from canhgac.engine.params import CheckParams
from canhgac.engine.results import ErrorReason, Status

CATALOG = load_catalog()
HOST = "mail.agency.gov.test"


def a(*records: str, status: DnsStatus = DnsStatus.OK) -> Lookup:
    return Lookup("1.2.0.192.bl.example", "A", status, records)


def test_classify() -> None:
    assert classify("bl.example", a(status=DnsStatus.NXDOMAIN)).verdict is ZoneVerdict.NOT_LISTED
    assert classify("bl.example", a("127.0.0.2")).verdict is ZoneVerdict.LISTED
    assert classify("bl.example", a("127.0.0.255")).verdict is ZoneVerdict.LISTED
    for odd in ("127.0.0.1", "192.0.2.1", "127.0.1.2"):
        found = classify("bl.example", a(odd))
        assert (found.verdict, found.reason) == (ZoneVerdict.ERROR, ErrorReason.PROTOCOL), odd
    refused = classify("zen.spamhaus.org", a("127.255.255.254"))
    assert (refused.verdict, refused.reason) == (ZoneVerdict.ERROR, ErrorReason.POLICY)
    assert "public/open resolver" in refused.detail
    # Spamhaus' Data Query Service zones answer with the same codes
    assert classify("key0123.zen.dq.spamhaus.net", a("127.255.255.255")).reason is ErrorReason.POLICY
    # the same code from another operator is not a documented refusal: an odd answer
    assert classify("bl.example", a("127.255.255.254")).reason is ErrorReason.PROTOCOL
    timeout = classify("bl.example", a(status=DnsStatus.TIMEOUT))
    assert (timeout.verdict, timeout.reason) == (ZoneVerdict.ERROR, ErrorReason.TIMEOUT)


def test_liveness() -> None:
    listed, unlisted = a("127.0.0.2"), a(status=DnsStatus.NXDOMAIN)
    assert liveness("bl.example", listed, unlisted).live
    assert liveness("bl.example", listed, a(status=DnsStatus.NODATA)).live

    def problem(test_entry: Lookup, never_listed: Lookup, zone: str = "bl.example") -> Verdict:
        health = liveness(zone, test_entry, never_listed)
        assert not health.live and health.problem is not None
        return health.problem

    dead = problem(a(status=DnsStatus.NXDOMAIN), unlisted)
    assert dead.reason is ErrorReason.PROTOCOL
    assert "does not list its RFC 5782 test entry 127.0.0.2 (nxdomain)" in dead.detail
    world = problem(listed, a("127.0.0.2"))
    assert "lists 127.0.0.1 (127.0.0.2), which RFC 5782 forbids" in world.detail
    assert problem(listed, a("127.0.0.1")).reason is ErrorReason.PROTOCOL
    refusing = problem(a("127.255.255.254"), a("127.255.255.254"), "zen.spamhaus.org")
    assert refusing.reason is ErrorReason.POLICY and "public/open resolver" in refusing.detail
    assert problem(a(status=DnsStatus.TIMEOUT), unlisted).reason is ErrorReason.TIMEOUT
    assert problem(listed, a(status=DnsStatus.REFUSED)).reason is ErrorReason.DNS_REFUSED
    quota = problem(listed, a("127.255.255.255"), "zen.spamhaus.org")
    assert quota.reason is ErrorReason.POLICY and "excessive number of queries" in quota.detail


def facts(*answers: ZoneAnswer, dead: tuple[str, ...] = ()) -> DnsblFacts:
    addresses = HostAddresses.of(HOST, Lookup(HOST, "A", DnsStatus.OK, ("192.0.2.1",)),
                              Lookup(HOST, "AAAA", DnsStatus.NODATA))
    zones = tuple(dict.fromkeys(x.zone for x in answers)) + dead
    problem = Verdict(ZoneVerdict.ERROR, "REFUSED", ErrorReason.DNS_REFUSED)
    health = tuple(ZoneHealth(z, problem if z in dead else None) for z in zones)
    return DnsblFacts(HOST, addresses, zones, health, answers)


def test_listed_check_and_messages() -> None:
    listed = ZoneAnswer("192.0.2.1", "zen.spamhaus.org", ZoneVerdict.LISTED, ("127.0.0.4",), "see spamhaus")
    clean = ZoneAnswer("192.0.2.1", "bl.example", ZoneVerdict.NOT_LISTED)
    for outcome, expected in (
        (dnsbl_listed(facts(listed, clean), CheckParams()), (Status.FAIL, "listed")),
        (dnsbl_listed(facts(clean), CheckParams()), (Status.PASS, "pass")),
    ):
        assert (outcome.status, outcome.message.key) == expected
        for lang in ("vi", "en"):
            values = dict(outcome.message.values)
            assert CATALOG.message("mail.dnsbl.listed", outcome.message.key, values, lang)
    evidence = dnsbl_listed(facts(listed), CheckParams()).evidence
    assert evidence["answers"][0]["codes"] == ["127.0.0.4 XBL (exploited host)"]  # type: ignore[index,call-overload]


def test_hosts_are_judged_with_the_live_zones_only() -> None:
    clean = ZoneAnswer("192.0.2.1", "bl.example", ZoneVerdict.NOT_LISTED)
    outcome = dnsbl_listed(facts(clean, dead=("zen.spamhaus.org",)), CheckParams())
    assert (outcome.status, outcome.message.values["zones"]) == (Status.PASS, "bl.example")
    assert outcome.evidence["zones"] == ["bl.example"]
    assert outcome.evidence["unavailable_zones"] == [{"zone": "zen.spamhaus.org", "problem": "REFUSED"}]


def test_no_live_zone_is_not_applicable_with_the_zones() -> None:
    outcome = dnsbl_listed(facts(dead=("zen.spamhaus.org", "bl.spamcop.net")), CheckParams())
    assert (outcome.status, outcome.message.key) == (Status.NOT_APPLICABLE, "no-live-zone")
    values = dict(outcome.message.values)
    assert CATALOG.message("mail.dnsbl.listed", "no-live-zone", values, "en") == (
        "Not applicable: none of the configured DNS blocklists (zen.spamhaus.org, bl.spamcop.net) passed "
        "its liveness test (RFC 5782) in this run; see the run's warnings")
    vietnamese = CATALOG.message("mail.dnsbl.listed", "no-live-zone", values, "vi")
    assert "zen.spamhaus.org, bl.spamcop.net" in vietnamese
