"""The SPF parser: real-world records, every problem class, hostile input."""

from __future__ import annotations

import random

import pytest

from canhgac.engine.mailauth.spf import (
    Mechanism,
    Modifier,
    Problem,
    Qualifier,
    is_spf_record,
    parse_spf,
)

REAL_RECORDS = [
    "v=spf1 include:_spf.google.com ~all",
    "v=spf1 include:spf.protection.outlook.com -all",
    "v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 ip6:2001:4860:4000::/36 ~all",
    "v=spf1 include:_netblocks.google.com include:_netblocks2.google.com ~all",
    "v=spf1 mx a:mail.stttt.kiengiang.gov.vn ip4:203.162.0.10 -all",
    "v=spf1 a/24//64 mx:mail.example.gov.vn/28 -all",
    "v=spf1 exists:%{i}._spf.mta.salesforce.com -all",
    "v=spf1 redirect=_spf.example.gov.vn",
    "v=spf1 -all",
    "v=spf1",
    "V=SPF1 MX -ALL",
    "v=spf1  mx   -all  ",
    "v=spf1 include:amazonses.com include:mailgun.org ?all exp=explain._spf.%{d}",
    "v=spf1 exists:%{l1r+-}.%{i}.%{d2}.spf.example.com x=%-%_%% unknown=%{H}x -all",
    "v=spf1 ip6:::1 ip6:2001:db8::/128 ip4:0.0.0.0/0 -all",
    "v=spf1 include:example.com. -all",
]


@pytest.mark.parametrize("text", REAL_RECORDS)
def test_valid_records_parse(text: str) -> None:
    record = parse_spf(text)
    assert record.ok, record.errors
    assert record.text == text


def test_terms_are_typed() -> None:
    record = parse_spf("v=spf1 -ip4:10.0.0.0/8 ~a:x.example.com/24//64 ?mx include:y.com "
                       "+all redirect=z.com")
    ip4, a, mx, inc, all_, redirect = record.terms
    assert isinstance(ip4, Mechanism)
    assert (ip4.qualifier, ip4.name, ip4.network, ip4.prefix) == (Qualifier.FAIL, "ip4",
                                                                   "10.0.0.0/8", 8)
    assert isinstance(a, Mechanism)
    assert (a.qualifier, a.domain, a.cidr4, a.cidr6) == (Qualifier.SOFTFAIL, "x.example.com", 24, 64)
    assert isinstance(mx, Mechanism) and mx.qualifier is Qualifier.NEUTRAL and mx.domain is None
    assert isinstance(inc, Mechanism) and inc.domain == "y.com"
    assert isinstance(all_, Mechanism) and all_.qualifier is Qualifier.PASS
    assert isinstance(redirect, Modifier) and redirect.value == "z.com"
    assert record.redirect == redirect
    assert record.first_all() == all_


def test_host_bits_are_masked_and_default_prefix() -> None:
    record = parse_spf("v=spf1 ip4:192.0.2.77/24 ip4:192.0.2.1 ip6:2001:db8::1")
    nets = [(m.network, m.prefix) for m in record.mechanisms]
    assert nets == [("192.0.2.0/24", 24), ("192.0.2.1/32", 32), ("2001:db8::1/128", 128)]


def test_reachable_stops_at_all_and_ignores_redirect_with_all() -> None:
    record = parse_spf("v=spf1 a include:x.com -all mx redirect=y.com")
    assert [t.text for _, t in record.reachable()] == ["a", "include:x.com", "-all"]
    record = parse_spf("v=spf1 a exp=e.com redirect=y.com")
    assert [(p, t.text) for p, t in record.reachable()] == [(0, "a"), (2, "redirect=y.com")]


@pytest.mark.parametrize(
    ("text", "yes"),
    [("v=spf1", True), ("v=spf1 -all", True), ("V=Spf1 mx", True), ("v=spf10", False),
     ("v=spf1-all", False), ("spf1 -all", False), ("v=DMARC1; p=none", False), ("", False),
     (" v=spf1 -all", False)],
)
def test_is_spf_record(text: str, yes: bool) -> None:
    assert is_spf_record(text) is yes


ERROR_CASES = [
    ("ipv4:1.2.3.4", Problem.UNKNOWN_MECHANISM),
    ("+redirect=x.com", Problem.UNKNOWN_MECHANISM),
    ("%{d}", Problem.UNKNOWN_MECHANISM),
    ("-", Problem.UNKNOWN_MECHANISM),
    ("include", Problem.MISSING_DOMAIN),
    ("include:", Problem.MISSING_DOMAIN),
    ("exists", Problem.MISSING_DOMAIN),
    ("a:", Problem.MISSING_DOMAIN),
    ("redirect=", Problem.MISSING_DOMAIN),
    ("all:x.com", Problem.UNEXPECTED_ARGUMENT),
    ("all/24", Problem.UNEXPECTED_ARGUMENT),
    ("ptr/24", Problem.UNEXPECTED_ARGUMENT),
    ("include/24", Problem.UNEXPECTED_ARGUMENT),
    ("include:foo..com", Problem.INVALID_DOMAIN),
    ("include:localhost", Problem.INVALID_DOMAIN),
    ("include:x.123", Problem.INVALID_DOMAIN),
    ("include:x.-com", Problem.INVALID_DOMAIN),
    ("a:" + "x" * 64 + ".com", Problem.INVALID_DOMAIN),
    ("a:x.com/abc", Problem.INVALID_DOMAIN),
    ("exists:%{x}.x.com", Problem.INVALID_MACRO),
    ("exists:%{i.x.com", Problem.INVALID_MACRO),
    ("exists:%{i0}.x.com", Problem.INVALID_MACRO),
    ("exists:%{c}.x.com", Problem.INVALID_MACRO),
    ("exists:%x.x.com", Problem.INVALID_MACRO),
    ("exists:x.com%", Problem.INVALID_MACRO),
    ("foo=%{q}", Problem.INVALID_MACRO),
    ("ip4", Problem.INVALID_IP),
    ("ip4:", Problem.INVALID_IP),
    ("ip4:1.2.3", Problem.INVALID_IP),
    ("ip4:256.1.1.1", Problem.INVALID_IP),
    ("ip4:01.2.3.4", Problem.INVALID_IP),
    ("ip4:2001:db8::1", Problem.INVALID_IP),
    ("ip6:1.2.3.4", Problem.INVALID_IP),
    ("ip6:fe80::1%eth0", Problem.INVALID_IP),
    ("ip4:10.0.0.0/33", Problem.INVALID_CIDR),
    ("ip4:10.0.0.0/", Problem.INVALID_CIDR),
    ("ip4:10.0.0.0/08", Problem.INVALID_CIDR),
    ("ip4:10.0.0.0/-1", Problem.INVALID_CIDR),
    ("ip6:2001:db8::/129", Problem.INVALID_CIDR),
    ("a/33", Problem.INVALID_CIDR),
    ("mx//129", Problem.INVALID_CIDR),
    ("a/024", Problem.INVALID_CIDR),
    ("mx/24/64", Problem.INVALID_CIDR),
    ("a:x.com/", Problem.INVALID_CIDR),
    ("a/99999999999999999999999999", Problem.INVALID_CIDR),
    ("mx\t-all", Problem.INVALID_CHARACTER),
    ("include:xn--\u00e9.com", Problem.INVALID_CHARACTER),
]


@pytest.mark.parametrize(("term", "problem"), ERROR_CASES)
def test_each_problem_class(term: str, problem: Problem) -> None:
    record = parse_spf(f"v=spf1 {term} -all")
    assert not record.ok
    assert [(e.term, e.problem) for e in record.errors] == [(term, problem)]
    assert record.errors[0].detail


def test_duplicate_modifiers() -> None:
    record = parse_spf("v=spf1 redirect=a.com exp=e.com REDIRECT=b.com exp=f.com")
    assert [(e.term, e.problem) for e in record.errors] == [
        ("REDIRECT=b.com", Problem.DUPLICATE_MODIFIER),
        ("exp=f.com", Problem.DUPLICATE_MODIFIER),
    ]


def test_exp_may_use_exp_only_macros_and_unknown_modifiers_are_allowed() -> None:
    assert parse_spf("v=spf1 -all exp=%{c}.%{r}.%{t}.x.com moo=cow x-y.z_=").ok


def test_not_spf_is_a_version_error() -> None:
    record = parse_spf("v=spf2 -all")
    assert [e.problem for e in record.errors] == [Problem.VERSION]
    assert record.terms == ()


def test_hostile_long_record_is_linear_and_reports_every_error() -> None:
    text = "v=spf1 " + " ".join(f"a:h{i}.example.com" for i in range(600)) + " -all"
    assert len(text) > 10_000
    record = parse_spf(text)
    assert record.ok and len(record.terms) == 601
    bad = "v=spf1 " + " ".join(["ipv4:1.2.3.4"] * 1000)
    assert len(parse_spf(bad).errors) == 1000


def test_hostile_macros_and_bytes_never_raise() -> None:
    nested = "v=spf1 exists:" + "%{" * 5000 + "d" + "}" * 5000 + ".x.com"
    assert [e.problem for e in parse_spf(nested).errors] == [Problem.INVALID_MACRO]
    long_macro = "v=spf1 exists:" + "%{d}" * 3000 + " include:%{d}" + "1" * 5000 + ".com"
    parse_spf(long_macro)
    digits = "v=spf1 a:" + "1" * 20000 + " a/" + "9" * 20000
    assert {e.problem for e in parse_spf(digits).errors} == {Problem.INVALID_DOMAIN,
                                                            Problem.INVALID_CIDR}
    rng = random.Random(7208)
    for _ in range(300):
        junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400)))
        parse_spf("v=spf1 " + junk.decode("latin-1"))
        parse_spf(junk.decode("utf-8", errors="replace"))
    alphabet = "v=spf1 %{}:/.-+~?allincludemxip46ptrexistsredirect=exp0123456789"
    for _ in range(2000):
        parse_spf("v=spf1 " + "".join(rng.choice(alphabet) for _ in range(rng.randrange(60))))
