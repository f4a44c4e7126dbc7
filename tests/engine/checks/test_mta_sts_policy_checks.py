"""The MTA-STS policy parser (RFC 8461 3.2), MX pattern matching (4.1) and mail.mta-sts.policy on facts."""

from __future__ import annotations

import pytest

from canhgac.catalog import load_catalog
from canhgac.engine.checks.mail_transport import mta_sts_policy
from canhgac.engine.facts.dns import DnsStatus, Lookup
from canhgac.engine.facts.mta_sts import MtaStsPolicyFacts, parse_policy
from canhgac.engine.facts.web import FetchError, WebResponse
from canhgac.engine.params import CheckParams
from canhgac.engine.results import ErrorReason, Status

CATALOG = load_catalog()
DOMAIN = "agency.gov.test"
URL = f"https://mta-sts.{DOMAIN}/.well-known/mta-sts.txt"
TEXT = (("content-type", "text/plain"),)
GOOD = ("version: STSv1\r\nmode: enforce\r\nmx: mail.agency.gov.test\r\nmx: *.backup.gov.test\r\n"
        "max_age: 604800\r\n")


def test_parse_good_policy_with_lf_and_crlf() -> None:
    for text in (GOOD, GOOD.replace("\r\n", "\n"), GOOD + "extension_field: whatever\n"):
        policy = parse_policy(text)
        assert policy.valid, policy.problems
        assert (policy.version, policy.mode, policy.max_age) == ("STSv1", "enforce", 604800)
        assert policy.mx == ("mail.agency.gov.test", "*.backup.gov.test")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("mode: enforce\nmx: a.b.c\nmax_age: 1", "missing-field"),
        ("version: STSv2\nmode: enforce\nmx: a.b.c\nmax_age: 1", "invalid-version"),
        ("version: STSv1\nmode: strict\nmx: a.b.c\nmax_age: 1", "invalid-mode"),
        ("version: STSv1\nmode: enforce\nmx: a.b.c\nmax_age: 31557601", "invalid-max-age"),
        ("version: STSv1\nmode: enforce\nmx: a.b.c\nmax_age: -5", "invalid-max-age"),
        ("version: STSv1\nmode: enforce\nmax_age: 86400", "missing-field"),
        ("version: STSv1\nmode: enforce\nmx: bad_host!\nmax_age: 86400", "invalid-mx"),
        ("version: STSv1\nmode: enforce\nmode: testing\nmx: a.b.c\nmax_age: 86400", "duplicate-field"),
        ("<html><body>Not here</body></html>", "malformed-line"),
    ],
)
def test_parse_problems(text: str, code: str) -> None:
    assert code in {p.code for p in parse_policy(text).problems}


def test_mode_none_needs_no_mx() -> None:
    assert parse_policy("version: STSv1\nmode: none\nmax_age: 86400").valid


def test_mx_patterns() -> None:
    policy = parse_policy(GOOD)
    assert policy.covers("MAIL.agency.gov.test.")
    assert policy.covers("mx1.backup.gov.test")
    assert not policy.covers("a.mx1.backup.gov.test")  # the wildcard covers one label only
    assert not policy.covers("backup.gov.test")
    assert not policy.covers("mail2.agency.gov.test")


def ok(name: str, rdtype: str, *records: str) -> Lookup:
    return Lookup(name, rdtype, DnsStatus.OK if records else DnsStatus.NXDOMAIN, records)


def facts(
    body: str = GOOD,
    *,
    fetched: WebResponse | None = None,
    mx: tuple[str, ...] = ("mail.agency.gov.test",),
    record: tuple[str, ...] = ("v=STSv1; id=2024",),
    host: bool = True,
) -> MtaStsPolicyFacts:
    plain = (("content-type", "text/plain; charset=utf-8"),)
    fetched = fetched or WebResponse(URL, URL, 200, plain, body=body.encode(), address="127.44.1.1")
    return MtaStsPolicyFacts(
        DOMAIN, ok(f"_mta-sts.{DOMAIN}", "TXT", *record), bool(record), f"mta-sts.{DOMAIN}",
        ok(f"mta-sts.{DOMAIN}", "A", *(("127.44.1.1",) if host else ())), ok(f"mta-sts.{DOMAIN}", "AAAA"),
        ok(DOMAIN, "MX", *(f"10 {m}." for m in mx)), mx,
        fetched if record and host else None, parse_policy(body) if fetched.status == 200 else None,
    )


def verdict(f: MtaStsPolicyFacts) -> tuple[Status, str]:
    outcome = mta_sts_policy(f, CheckParams())
    for lang in ("vi", "en"):
        CATALOG.message("mail.mta-sts.policy", outcome.message.key, dict(outcome.message.values), lang)
    return outcome.status, outcome.message.key


def test_policy_check() -> None:
    assert verdict(facts()) == (Status.PASS, "pass")
    assert verdict(facts(GOOD.replace("enforce", "testing"))) == (Status.FAIL, "testing")
    assert verdict(facts("version: STSv1\nmode: none\nmax_age: 86400\n")) == (Status.FAIL, "none")
    assert verdict(facts(mx=("mail.agency.gov.test", "mx.other.test"))) == (Status.FAIL, "mx-not-covered")
    assert verdict(facts("mode: enforce")) == (Status.FAIL, "invalid")
    assert verdict(facts(record=())) == (Status.NOT_APPLICABLE, "no-record")
    assert verdict(facts(host=False)) == (Status.NOT_APPLICABLE, "dangling")


@pytest.mark.parametrize(
    ("fetched", "expected"),
    [
        (WebResponse(URL, URL, 301, (("location", "https://www.agency.gov.test/x"),)),
         (Status.FAIL, "redirect")),
        (WebResponse(URL, URL, 404), (Status.FAIL, "status")),
        (WebResponse(URL, URL, 200, (("content-type", "text/html"),), body=GOOD.encode()),
         (Status.FAIL, "content-type")),
        (WebResponse(URL, URL, 200, TEXT, body=b"x" * 10, truncated=True), (Status.FAIL, "too-large")),
        (WebResponse(URL, URL, error=FetchError.TLS, tls_error="certificate: certificate has expired",
                     tls_verify_code=10), (Status.FAIL, "certificate")),
        # an answer read only without verification is no policy fetch
        (WebResponse(URL, URL, 200, TEXT, body=GOOD.encode(),
                     tls_error="certificate: self-signed certificate", tls_verify_code=18),
         (Status.FAIL, "certificate")),
        (WebResponse(URL, URL, error=FetchError.REFUSED), (Status.FAIL, "unreachable")),
        (WebResponse(URL, URL, error=FetchError.TLS, tls_error="handshake: handshake failure"),
         (Status.FAIL, "tls")),
        (WebResponse(URL, URL, error=FetchError.TIMEOUT), (Status.ERROR, "error")),
        # the body stopped short: timed out (untested) or dropped (not fetchable)
        (WebResponse(URL, URL, 200, TEXT, body=b"version", truncated=True, body_error=FetchError.TIMEOUT),
         (Status.ERROR, "error")),
        (WebResponse(URL, URL, 200, TEXT, body=b"version", truncated=True, body_error=FetchError.CONNECTION),
         (Status.FAIL, "unreachable")),
    ],
)
def test_fetch_outcomes(fetched: WebResponse, expected: tuple[Status, str]) -> None:
    assert verdict(facts(fetched=fetched)) == expected


def test_lookup_failures_are_errors() -> None:
    broken = facts()
    failing = MtaStsPolicyFacts(
        DOMAIN, Lookup(f"_mta-sts.{DOMAIN}", "TXT", DnsStatus.SERVFAIL), False, broken.policy_host,
        broken.host_ipv4, broken.host_ipv6, broken.mx, broken.mx_hosts,
    )
    assert mta_sts_policy(failing, CheckParams()).error_reason is ErrorReason.DNS_SERVFAIL
    no_mx = MtaStsPolicyFacts(DOMAIN, broken.record, True, broken.policy_host, broken.host_ipv4,
                              broken.host_ipv6, Lookup(DOMAIN, "MX", DnsStatus.TIMEOUT), (),
                              broken.fetched, broken.policy)
    assert mta_sts_policy(no_mx, CheckParams()).error_reason is ErrorReason.TIMEOUT
