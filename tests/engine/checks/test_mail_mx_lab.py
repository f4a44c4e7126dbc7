"""collect_mx against the lab DNS server, judged by the registered mail.mx.* checks."""

from __future__ import annotations

from collections.abc import Mapping

from lab_dns_support import scan_domain, zone_file

from canhgac.engine.builtin import builtin_registry
from canhgac.engine.facts.mail_domain import MxFacts
from canhgac.engine.results import ErrorReason, Status
from canhgac.lab.dns_server import Fault

GOV = zone_file("gov.test", """
good IN MX 10 mx1.good
good IN MX 20 mx2.good
mx1.good IN A 127.0.0.25
mx2.good IN AAAA ::1
alias IN MX 10 webmail.alias
webmail.alias IN CNAME mail.alias
mail.alias IN A 127.0.0.25
literal IN MX 10 127.0.0.25.
gone IN MX 10 mx.gone
gone IN MX 20 mx1.good
nomail IN MX 0 .
mixed IN MX 0 .
mixed IN MX 10 mx1.good
nomx IN A 127.0.0.80
""")


async def scan(
    domain: str, faults: Mapping[tuple[str, str], Fault] | None = None
) -> tuple[MxFacts, dict[str, tuple[Status, str]]]:
    registry = builtin_registry().select(families=["mail.mx"])
    collected, outcomes = await scan_domain(registry, domain, {"gov.test": GOV}, faults=faults)
    verdicts = {cid.removeprefix("mail.mx."): (o.status, o.message.key) for cid, o in outcomes.items()}
    return collected[MxFacts], verdicts


async def test_good_mx_set() -> None:
    facts, v = await scan("good.gov.test")
    assert [(h.preference, h.exchange) for h in facts.hosts] == [
        (10, "mx1.good.gov.test"),
        (20, "mx2.good.gov.test"),
    ]
    assert v == {
        "present": (Status.PASS, "pass"),
        "resolvable": (Status.PASS, "pass"),
        "hostname": (Status.PASS, "pass"),
    }


async def test_cname_and_ip_literal_targets() -> None:
    facts, v = await scan("alias.gov.test")
    assert facts.hosts[0].alias_chain == ("mail.alias.gov.test",)
    assert v["hostname"] == (Status.FAIL, "offending")
    assert v["resolvable"] == (Status.PASS, "pass")
    _, literal = await scan("literal.gov.test")
    assert literal["hostname"] == (Status.FAIL, "offending")
    assert literal["resolvable"] == (Status.FAIL, "unresolvable")


async def test_unresolvable_target() -> None:
    _, v = await scan("gone.gov.test")
    assert v["resolvable"] == (Status.FAIL, "unresolvable")
    assert v["present"] == (Status.PASS, "pass")


async def test_null_mx_mixed_and_absent() -> None:
    _, nomail = await scan("nomail.gov.test")
    assert nomail == {
        "present": (Status.PASS, "null-mx"),
        "resolvable": (Status.NOT_APPLICABLE, "null-mx"),
        "hostname": (Status.NOT_APPLICABLE, "null-mx"),
    }
    _, mixed = await scan("mixed.gov.test")
    assert mixed["present"] == (Status.FAIL, "null-mixed")
    _, nomx = await scan("nomx.gov.test")
    assert nomx == {
        "present": (Status.FAIL, "missing"),
        "resolvable": (Status.NOT_APPLICABLE, "no-mx"),
        "hostname": (Status.NOT_APPLICABLE, "no-mx"),
    }
    _, nx = await scan("nonexistent.gov.test")
    assert nx["present"] == (Status.FAIL, "domain-missing")


async def test_mx_lookup_failures_are_errors() -> None:
    facts, v = await scan("good.gov.test", {("good.gov.test", "MX"): Fault.SERVFAIL})
    assert facts.lookup.status.error_reason is ErrorReason.DNS_SERVFAIL
    assert {s for s, _ in v.values()} == {Status.ERROR}
    _, garbage = await scan("good.gov.test", {("good.gov.test", "MX"): Fault.GARBAGE})
    assert {s for s, _ in garbage.values()} == {Status.ERROR}
    _, slow_host = await scan("good.gov.test", {("mx1.good.gov.test", "*"): Fault.DROP})
    assert slow_host["resolvable"] == (Status.ERROR, "error")
