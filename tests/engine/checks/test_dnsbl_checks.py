"""DNSBL answer classification (RFC 5782 and operators' error codes) and mail.dnsbl.listed on facts."""

from __future__ import annotations

from canhgac.catalog import load_catalog
from canhgac.engine.checks.mail_dnsbl import dnsbl_listed
from canhgac.engine.facts.dns import DnsStatus, HostAddresses, Lookup
from canhgac.engine.facts.dnsbl import DnsblFacts, ZoneAnswer, ZoneHealth, ZoneVerdict, classify
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
    # the same code from another operator is not a documented refusal: an odd answer
    assert classify("bl.example", a("127.255.255.254")).reason is ErrorReason.PROTOCOL
    timeout = classify("bl.example", a(status=DnsStatus.TIMEOUT))
    assert (timeout.verdict, timeout.reason) == (ZoneVerdict.ERROR, ErrorReason.TIMEOUT)


def facts(*answers: ZoneAnswer) -> DnsblFacts:
    addresses = HostAddresses.of(HOST, Lookup(HOST, "A", DnsStatus.OK, ("192.0.2.1",)),
                              Lookup(HOST, "AAAA", DnsStatus.NODATA))
    zones = tuple(dict.fromkeys(x.zone for x in answers))
    return DnsblFacts(HOST, addresses, zones, tuple(ZoneHealth(z, None) for z in zones), answers)


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
