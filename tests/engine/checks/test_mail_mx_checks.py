"""mail.mx.* checks on hand-built facts: exact statuses and message keys (present in the catalog)."""

from __future__ import annotations

from canhgac.catalog import load_catalog
from canhgac.engine.checks.mail_mx import mx_hostname, mx_present, mx_resolvable
from canhgac.engine.facts.dns import DnsStatus, Lookup
from canhgac.engine.facts.mail_domain import MxFacts, MxHost
from canhgac.engine.params import CheckParams
from canhgac.engine.results import ErrorReason, Outcome, Status

CATALOG = load_catalog()
PARAMS = CheckParams()
OK, NX, NODATA, SERVFAIL = DnsStatus.OK, DnsStatus.NXDOMAIN, DnsStatus.NODATA, DnsStatus.SERVFAIL
D = "example.gov.test"


def verdict(check_id: str, outcome: Outcome) -> tuple[Status, str]:
    for lang in ("vi", "en"):
        CATALOG.message(check_id, outcome.message.key, dict(outcome.message.values), lang)
    return outcome.status, outcome.message.key


def host(
    pref: int, name: str, a: DnsStatus = OK, aaaa: DnsStatus = NODATA, cnames: tuple[str, ...] = ()
) -> MxHost:
    if not name:
        return MxHost(pref, "")
    v4 = Lookup(name, "A", a, ("192.0.2.25",) if a is OK else (), cnames)
    v6 = Lookup(name, "AAAA", aaaa, ("2001:db8::25",) if aaaa is OK else (), cnames)
    return MxHost(pref, name, v4, v6)


def facts(*hosts: MxHost, status: DnsStatus = OK) -> MxFacts:
    return MxFacts(D, Lookup(D, "MX", status if hosts or status is not OK else NODATA), hosts)


def run(func, check_id: str, f: MxFacts) -> tuple[Status, str]:  # type: ignore[no-untyped-def]
    return verdict(check_id, func(f, PARAMS))


def test_present() -> None:
    c = "mail.mx.present"
    assert run(mx_present, c, facts(host(10, f"mail.{D}"))) == (Status.PASS, "pass")
    assert run(mx_present, c, facts(host(0, ""))) == (Status.PASS, "null-mx")
    assert run(mx_present, c, facts()) == (Status.FAIL, "missing")
    assert run(mx_present, c, facts(status=NX)) == (Status.FAIL, "domain-missing")
    assert run(mx_present, c, facts(host(0, ""), host(10, f"mail.{D}"))) == (Status.FAIL, "null-mixed")
    assert run(mx_present, c, facts(host(10, ""))) == (Status.FAIL, "null-invalid")
    outcome = mx_present(facts(status=SERVFAIL), PARAMS)
    assert outcome.status is Status.ERROR and outcome.error_reason is ErrorReason.DNS_SERVFAIL
    assert verdict(c, outcome) == (Status.ERROR, "error")


def test_resolvable() -> None:
    c = "mail.mx.resolvable"
    assert run(mx_resolvable, c, facts(host(10, f"mx1.{D}"), host(20, f"mx2.{D}", a=NODATA, aaaa=OK))) == (
        Status.PASS,
        "pass",
    )
    outcome = mx_resolvable(facts(host(10, f"mx1.{D}"), host(20, f"gone.{D}", a=NX, aaaa=NX)), PARAMS)
    assert verdict(c, outcome) == (Status.FAIL, "unresolvable")
    assert outcome.evidence["unresolvable"] == [f"gone.{D}"]
    assert run(mx_resolvable, c, facts(host(10, "192.0.2.25", a=NX, aaaa=NX))) == (
        Status.FAIL,
        "unresolvable",
    )
    assert run(mx_resolvable, c, facts()) == (Status.NOT_APPLICABLE, "no-mx")
    assert run(mx_resolvable, c, facts(host(0, ""))) == (Status.NOT_APPLICABLE, "null-mx")
    # A broken null MX mixed with a real host: the real host is still judged.
    assert run(mx_resolvable, c, facts(host(0, ""), host(10, f"mx.{D}"))) == (Status.PASS, "pass")
    timeout = mx_resolvable(facts(host(10, f"mx.{D}", a=DnsStatus.TIMEOUT, aaaa=NODATA)), PARAMS)
    assert (timeout.status, timeout.error_reason) == (Status.ERROR, ErrorReason.TIMEOUT)
    assert mx_resolvable(facts(status=SERVFAIL), PARAMS).status is Status.ERROR


def test_hostname() -> None:
    c = "mail.mx.hostname"
    assert run(mx_hostname, c, facts(host(10, f"mail.{D}"))) == (Status.PASS, "pass")
    literal = mx_hostname(facts(host(10, "192.0.2.25", a=NX, aaaa=NX), host(20, f"mail.{D}")), PARAMS)
    assert verdict(c, literal) == (Status.FAIL, "offending")
    assert literal.evidence["offending"] == [
        {"exchange": "192.0.2.25", "problem": "ip-literal", "cnames": []}
    ]
    alias = mx_hostname(facts(host(10, f"webmail.{D}", cnames=(f"web.{D}",))), PARAMS)
    assert verdict(c, alias) == (Status.FAIL, "offending")
    assert alias.evidence["offending"][0]["problem"] == "alias"  # type: ignore[index,call-overload]
    assert run(mx_hostname, c, facts(host(10, "[2001:db8::1]", a=NX, aaaa=NX))) == (Status.FAIL, "offending")
    unknown = mx_hostname(facts(host(10, f"mail.{D}", a=SERVFAIL, aaaa=SERVFAIL)), PARAMS)
    assert verdict(c, unknown) == (Status.ERROR, "error")
    assert run(mx_hostname, c, facts(host(0, ""))) == (Status.NOT_APPLICABLE, "null-mx")
