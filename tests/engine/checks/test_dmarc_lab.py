"""collect_dmarc against the lab DNS server, judged by the registered mail.dmarc.* checks.

The server holds ``gov.test`` (agency domains; ``gov.test`` plays ``gov.vn``) and ``vn``
(report receivers), so a destination outside both zones' data gets a real NXDOMAIN.
"""

from __future__ import annotations

from collections.abc import Mapping

from lab_dns_support import scan_domain, zone_file

from canhgac.engine.builtin import builtin_registry
from canhgac.engine.facts.mail_domain import DmarcFacts
from canhgac.engine.results import ErrorReason, Outcome, Status
from canhgac.lab.dns_server import Fault

GOV = zone_file("gov.test", """
agency IN MX 10 mail.agency
mail.agency IN A 127.0.0.25
_dmarc.agency IN TXT "v=DMARC1; p=reject; sp=quarantine; " (
    "rua=mailto:dmarc@agency.gov.test,mailto:agg@soc.example.vn; ruf=mailto:f@soc.example.vn" )
portal.agency IN A 127.0.0.80
_dmarc.weak IN TXT "v=DMARC1; p=none; pct=50; rua=mailto:r@unauth.example.vn; " (
    "ruf=mailto:x@reports.expired-agency.vn" )
_dmarc.twice IN TXT "v=DMARC1; p=reject"
_dmarc.twice IN TXT "v=DMARC1; p=none"
_dmarc.split IN TXT "v=DMARC1; " "p=quarantine; " "rua=mailto:d@split.gov.test"
split IN MX 10 mail.agency.gov.test.
_dmarc.broken IN TXT "v=DMARC1; p=reject"
""")
VN = zone_file("vn", ns="127.0.0.54", records="""
soc.example IN MX 10 mx.soc.example
mx.soc.example IN A 127.0.0.26
agency.gov.test._report._dmarc.soc.example IN TXT "v=DMARC1"
unauth.example IN MX 10 mx.soc.example
""")
ZONES = {"gov.test": GOV, "vn": VN}


async def scan(
    domain: str, faults: Mapping[tuple[str, str], Fault] | None = None
) -> tuple[DmarcFacts, dict[str, Outcome]]:
    registry = builtin_registry().select(families=["mail.dmarc"])
    collected, outcomes = await scan_domain(registry, domain, ZONES, faults=faults)
    return collected[DmarcFacts], outcomes


def verdicts(outcomes: dict[str, Outcome]) -> dict[str, tuple[Status, str]]:
    return {cid.removeprefix("mail.dmarc."): (o.status, o.message.key) for cid, o in outcomes.items()}


async def test_good_org_domain_with_authorised_external_reports() -> None:
    facts, outcomes = await scan("agency.gov.test")
    assert not facts.discovery.inherited
    assert {d.domain: d.external for d in facts.destinations} == {
        "agency.gov.test": False,
        "soc.example.vn": True,
    }
    assert verdicts(outcomes) == {
        "present": (Status.PASS, "pass"),
        "syntax": (Status.PASS, "pass"),
        "policy": (Status.PASS, "pass"),
        "subdomain-policy": (Status.FAIL, "weaker"),
        "pct": (Status.PASS, "pass"),
        "reporting": (Status.PASS, "pass"),
        "external-auth": (Status.PASS, "pass"),
        "dangling": (Status.PASS, "pass"),
    }


async def test_subdomain_inherits_the_org_record() -> None:
    facts, outcomes = await scan("portal.agency.gov.test")
    assert facts.discovery.inherited and facts.discovery.record_domain == "agency.gov.test"
    assert verdicts(outcomes)["present"] == (Status.PASS, "inherited")
    # The org record's sp=quarantine is what applies to the subdomain.
    assert outcomes["mail.dmarc.policy"].evidence["policy"] == "quarantine"
    # the record's own content is judged on agency.gov.test, not again here
    for check in ("syntax", "subdomain-policy", "pct", "reporting", "external-auth", "dangling"):
        assert verdicts(outcomes)[check] == (Status.NOT_APPLICABLE, "inherited")


async def test_weak_record_unauthorised_and_unregistered_destinations() -> None:
    _, outcomes = await scan("weak.gov.test")
    v = verdicts(outcomes)
    assert v["policy"] == (Status.FAIL, "none")
    assert v["pct"] == (Status.NOT_APPLICABLE, "policy-none")
    assert v["external-auth"] == (Status.FAIL, "unauthorized")
    assert outcomes["mail.dmarc.external-auth"].message.values["destinations"] == (
        "unauth.example.vn, reports.expired-agency.vn"
    )
    assert v["dangling"] == (Status.FAIL, "unregistered")
    assert outcomes["mail.dmarc.dangling"].message.values["domains"] == "expired-agency.vn"


async def test_missing_multiple_and_split_strings() -> None:
    _, missing = await scan("nothing.gov.test")
    assert verdicts(missing)["present"] == (Status.FAIL, "missing")
    assert verdicts(missing)["policy"] == (Status.NOT_APPLICABLE, "no-record")
    _, twice = await scan("twice.gov.test")
    assert verdicts(twice)["present"] == (Status.FAIL, "multiple")
    facts, split = await scan("split.gov.test")
    assert facts.discovery.record is not None and facts.discovery.record.p == "quarantine"
    assert verdicts(split)["syntax"] == (Status.PASS, "pass")


async def test_servfail_and_timeout_on_dmarc_are_errors() -> None:
    _, servfail = await scan("broken.gov.test", {("_dmarc.broken.gov.test", "TXT"): Fault.SERVFAIL})
    assert {(o.status, o.error_reason) for o in servfail.values()} == {
        (Status.ERROR, ErrorReason.DNS_SERVFAIL)
    }
    _, timeout = await scan("broken.gov.test", {("_dmarc.broken.gov.test", "*"): Fault.DROP})
    assert {(o.status, o.error_reason) for o in timeout.values()} == {(Status.ERROR, ErrorReason.TIMEOUT)}
    # The org record cannot stand in for an own lookup that failed.
    _, sub = await scan("x.broken.gov.test", {("_dmarc.x.broken.gov.test", "TXT"): Fault.SERVFAIL})
    assert outcomes_status(sub) == {Status.ERROR}


def outcomes_status(outcomes: dict[str, Outcome]) -> set[Status]:
    return {o.status for o in outcomes.values()}
