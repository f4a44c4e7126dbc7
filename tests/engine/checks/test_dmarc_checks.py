"""mail.dmarc.* checks on hand-built facts: exact statuses and message keys (present in the catalog)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from canhgac.catalog import load_catalog
from canhgac.engine.checks import mail_dmarc as m
from canhgac.engine.facts.dns import DnsStatus, Lookup
from canhgac.engine.facts.mail_domain import DmarcFacts, ReportDestination, discover_dmarc
from canhgac.engine.params import CheckParams
from canhgac.engine.results import ErrorReason, Outcome, Status

CATALOG = load_catalog()
PARAMS = CheckParams()
OK, NX, NODATA, SERVFAIL = DnsStatus.OK, DnsStatus.NXDOMAIN, DnsStatus.NODATA, DnsStatus.SERVFAIL
ORG = "agency.gov.test"
SUB = f"portal.{ORG}"
GOOD = "v=DMARC1; p=reject; rua=mailto:dmarc@agency.gov.test"

Check = Callable[[DmarcFacts, CheckParams], Outcome]
CHECKS: dict[str, Check] = {
    "mail.dmarc.present": m.dmarc_present,
    "mail.dmarc.syntax": m.dmarc_syntax,
    "mail.dmarc.policy": m.dmarc_policy,
    "mail.dmarc.subdomain-policy": m.dmarc_subdomain_policy,
    "mail.dmarc.pct": m.dmarc_pct,
    "mail.dmarc.reporting": m.dmarc_reporting,
    "mail.dmarc.external-auth": m.dmarc_external_auth,
    "mail.dmarc.dangling": m.dmarc_dangling,
}


def txt(domain: str, records: tuple[str, ...], status: DnsStatus | None = None) -> Lookup:
    return Lookup(f"_dmarc.{domain}", "TXT", status or (OK if records else NX), records)


def dest(
    domain: str,
    *,
    external: bool = True,
    receives: DnsStatus = OK,
    registrable: DnsStatus = OK,
    auth: DnsStatus = OK,
) -> ReportDestination:
    org = ".".join(domain.split(".")[-3:]) if domain.endswith(".test") else ".".join(domain.split(".")[-2:])
    a = Lookup(domain, "A", receives, ("192.0.2.1",) if receives is OK else ())
    mx = Lookup(domain, "MX", receives if receives is not OK else NODATA)
    aaaa = Lookup(domain, "AAAA", receives if receives is not OK else NODATA)
    ns = Lookup(org, "NS", registrable, ("ns.x.",) if registrable is OK else ())
    authorization = (
        Lookup(f"{ORG}._report._dmarc.{domain}", "TXT", auth, ("v=DMARC1",) if auth is OK else ())
        if external
        else None
    )
    return ReportDestination(domain, org, external, (f"mailto:r@{domain}",), mx, a, aaaa, ns, authorization)


def facts(
    own: tuple[str, ...] = (),
    org: tuple[str, ...] | None = None,
    *,
    domain: str = ORG,
    own_status: DnsStatus | None = None,
    org_status: DnsStatus | None = None,
    dests: tuple[ReportDestination, ...] = (),
) -> DmarcFacts:
    own_lk = txt(domain, own, own_status)
    org_lk = txt(ORG, org or (), org_status) if domain != ORG else None
    return DmarcFacts(domain, ORG, own_lk, org_lk, discover_dmarc(own_lk, org_lk), dests)


def verdict(check_id: str, f: DmarcFacts) -> tuple[Status, str]:
    outcome = CHECKS[check_id](f, PARAMS)
    for lang in ("vi", "en"):
        CATALOG.message(check_id, outcome.message.key, dict(outcome.message.values), lang)
    return outcome.status, outcome.message.key


def test_present() -> None:
    c = "mail.dmarc.present"
    assert verdict(c, facts((GOOD, "v=spf1 -all"))) == (Status.PASS, "pass")
    assert verdict(c, facts(domain=SUB, org=(GOOD,))) == (Status.PASS, "inherited")
    assert verdict(c, facts(domain=SUB)) == (Status.FAIL, "missing")
    assert verdict(c, facts(("v=spf1 -all",))) == (Status.FAIL, "missing")
    assert verdict(c, facts((GOOD, "v=DMARC1; p=none"))) == (Status.FAIL, "multiple")
    # Two records at the domain: no fallback to the org domain (RFC 7489 6.6.3 step 3).
    assert verdict(c, facts((GOOD, GOOD), org=(GOOD,), domain=SUB)) == (Status.FAIL, "multiple")
    assert verdict(c, facts(domain=SUB, org=(GOOD, GOOD))) == (Status.FAIL, "multiple")


@pytest.mark.parametrize("check_id", list(CHECKS))
@pytest.mark.parametrize(
    ("status", "reason"), [(SERVFAIL, ErrorReason.DNS_SERVFAIL), (DnsStatus.TIMEOUT, ErrorReason.TIMEOUT)]
)
def test_lookup_failure_is_an_error(check_id: str, status: DnsStatus, reason: ErrorReason) -> None:
    for f in (facts(own_status=status), facts(domain=SUB, org_status=status)):
        outcome = CHECKS[check_id](f, PARAMS)
        assert (outcome.status, outcome.error_reason) == (Status.ERROR, reason)


@pytest.mark.parametrize(
    "check_id", [c for c in CHECKS if c not in ("mail.dmarc.present", "mail.dmarc.syntax")]
)
def test_unusable_or_absent_record_is_not_applicable(check_id: str) -> None:
    assert verdict(check_id, facts(("v=DMARC1; p=bogus",))) == (Status.NOT_APPLICABLE, "unparsable")
    assert verdict(check_id, facts()) == (Status.NOT_APPLICABLE, "no-record")


def test_syntax() -> None:
    c = "mail.dmarc.syntax"
    assert verdict(c, facts((GOOD,))) == (Status.PASS, "pass")
    assert verdict(c, facts(("v=DMARC1; p=reject; np=reject",))) == (Status.PASS, "pass")
    assert verdict(c, facts(("v=DMARC1; p=bogus",))) == (Status.FAIL, "invalid")
    # An org record without p but with rua is still invalid, even if receivers act as p=none.
    # an inherited record is judged once, on the organisational domain that publishes it
    assert verdict(c, facts(domain=SUB, org=("v=DMARC1; rua=mailto:a@agency.gov.test",))) == (
        Status.NOT_APPLICABLE,
        "inherited",
    )
    assert verdict(c, facts()) == (Status.NOT_APPLICABLE, "no-record")


def test_policy() -> None:
    c = "mail.dmarc.policy"
    assert verdict(c, facts((GOOD,))) == (Status.PASS, "pass")
    assert verdict(c, facts(("v=DMARC1; p=quarantine",))) == (Status.PASS, "pass")
    assert verdict(c, facts(("v=DMARC1; p=none",))) == (Status.FAIL, "none")
    # Inherited: the org record's sp applies, falling back to p.
    assert verdict(c, facts(domain=SUB, org=("v=DMARC1; p=reject; sp=none",))) == (Status.FAIL, "none")
    assert verdict(c, facts(domain=SUB, org=("v=DMARC1; p=none; sp=reject",))) == (Status.PASS, "pass")
    assert verdict(c, facts(domain=SUB, org=("v=DMARC1; p=reject",))) == (Status.PASS, "pass")
    # Broken p with a valid rua: receivers act as p=none (RFC 7489 6.6.3 step 6).
    assert verdict(c, facts(("v=DMARC1; p=bogus; rua=mailto:a@agency.gov.test",))) == (Status.FAIL, "none")


def test_subdomain_policy() -> None:
    c = "mail.dmarc.subdomain-policy"
    assert verdict(c, facts(("v=DMARC1; p=reject; sp=none",))) == (Status.FAIL, "weaker")
    assert verdict(c, facts(("v=DMARC1; p=reject; sp=quarantine",))) == (Status.FAIL, "weaker")
    assert verdict(c, facts(("v=DMARC1; p=quarantine; sp=reject",))) == (Status.PASS, "pass")
    assert verdict(c, facts((GOOD,))) == (Status.PASS, "pass")
    assert verdict(c, facts(domain=SUB, org=("v=DMARC1; p=reject; sp=none",))) == (
        Status.NOT_APPLICABLE,
        "inherited",
    )
    assert verdict(c, facts(("v=DMARC1; p=reject; sp=none",), domain=SUB)) == (
        Status.NOT_APPLICABLE,
        "subdomain-record",
    )


def test_pct() -> None:
    c = "mail.dmarc.pct"
    assert verdict(c, facts((GOOD,))) == (Status.PASS, "pass")
    assert verdict(c, facts(("v=DMARC1; p=reject; pct=100",))) == (Status.PASS, "pass")
    assert verdict(c, facts(("v=DMARC1; p=reject; pct=20",))) == (Status.FAIL, "partial")
    assert verdict(c, facts(("v=DMARC1; p=quarantine; pct=0",))) == (Status.FAIL, "partial")
    assert verdict(c, facts(("v=DMARC1; p=reject; pct=abc",))) == (Status.FAIL, "invalid")
    assert verdict(c, facts(("v=DMARC1; p=none; pct=20",))) == (Status.NOT_APPLICABLE, "policy-none")


def test_reporting() -> None:
    c = "mail.dmarc.reporting"
    assert verdict(c, facts((GOOD,))) == (Status.PASS, "pass")
    assert verdict(c, facts(("v=DMARC1; p=reject",))) == (Status.FAIL, "missing")
    assert verdict(c, facts(("v=DMARC1; p=reject; rua=dmarc@agency.gov.test",))) == (Status.FAIL, "invalid")


def test_external_auth() -> None:
    c = "mail.dmarc.external-auth"
    own = dest("agency.gov.test", external=False)
    assert verdict(c, facts((GOOD,), dests=(own,))) == (Status.NOT_APPLICABLE, "no-external")
    assert verdict(c, facts((GOOD,), dests=(own, dest("soc.example.vn")))) == (Status.PASS, "pass")
    bad = facts((GOOD,), dests=(dest("soc.example.vn"), dest("other.vn", auth=NX)))
    assert verdict(c, bad) == (Status.FAIL, "unauthorized")
    outcome = m.dmarc_external_auth(bad, PARAMS)
    assert outcome.message.values["destinations"] == "other.vn"
    assert outcome.message.values["names"] == f"{ORG}._report._dmarc.other.vn"
    wrong = dest("x.vn", auth=OK)
    wrong = ReportDestination(
        **{
            **{f: getattr(wrong, f) for f in wrong.__dataclass_fields__},
            "authorization": Lookup("a", "TXT", OK, ("v=spf1 -all",)),
        }
    )
    assert verdict(c, facts((GOOD,), dests=(wrong,))) == (Status.FAIL, "unauthorized")
    unknown = m.dmarc_external_auth(facts((GOOD,), dests=(dest("x.vn", auth=SERVFAIL),)), PARAMS)
    assert (unknown.status, unknown.error_reason) == (Status.ERROR, ErrorReason.DNS_SERVFAIL)


def test_dangling() -> None:
    c = "mail.dmarc.dangling"
    assert verdict(c, facts(("v=DMARC1; p=reject",))) == (Status.NOT_APPLICABLE, "no-destinations")
    assert verdict(c, facts((GOOD,), dests=(dest("agency.gov.test", external=False),))) == (
        Status.PASS,
        "pass",
    )
    assert verdict(c, facts((GOOD,), dests=(dest("old.agency.gov.test", external=False, receives=NX),))) == (
        Status.FAIL,
        "dangling",
    )
    gone = facts((GOOD,), dests=(dest("reports.expired.vn", receives=NX, registrable=NX),))
    assert verdict(c, gone) == (Status.FAIL, "unregistered")
    assert m.dmarc_dangling(gone, PARAMS).message.values["domains"] == "expired.vn"
    nodata = facts((GOOD,), dests=(dest("nomail.example.vn", receives=NODATA),))
    assert verdict(c, nodata) == (Status.FAIL, "dangling")
    unknown = m.dmarc_dangling(facts((GOOD,), dests=(dest("x.vn", receives=DnsStatus.TIMEOUT),)), PARAMS)
    assert (unknown.status, unknown.error_reason) == (Status.ERROR, ErrorReason.TIMEOUT)
