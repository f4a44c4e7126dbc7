"""collect_mx against the lab DNS server, judged by the registered mail.mx.* checks."""

from __future__ import annotations

import random
from collections.abc import Mapping

from canhgac.engine.builtin import builtin_registry
from canhgac.engine.collectors.mail_domain import MxFacts, collect_mx
from canhgac.engine.context import CollectContext
from canhgac.engine.dns import DnsClient, ServerAddress
from canhgac.engine.params import CheckParams
from canhgac.engine.psl import PublicSuffixes
from canhgac.engine.results import ErrorReason, Status
from canhgac.engine.scope import Scope
from canhgac.engine.targets import Target, TargetKind
from canhgac.lab.dns_server import Fault, LabDnsServer

GOV = """$TTL 300
@ IN SOA ns.gov.test. hostmaster.gov.test. 1 3600 600 86400 300
@ IN NS ns.gov.test.
ns IN A 127.0.0.53
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
"""


async def scan(
    domain: str, faults: Mapping[tuple[str, str], Fault] | None = None
) -> tuple[MxFacts, dict[str, tuple[Status, str]]]:
    address = f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
    async with LabDnsServer(zones={"gov.test": GOV}, address=address, faults=faults) as server:
        ctx = CollectContext(
            dns=DnsClient((ServerAddress(server.address, server.port),), timeout=0.5, attempts=1),
            scope=Scope.build(domains=["gov.test"], loopback_only=True),
            public_suffixes=PublicSuffixes(extra=("gov.test",)),
        )
        facts = await collect_mx(Target(kind=TargetKind.DOMAIN, name=domain, agency="so-tttt"), ctx)
        assert server.internal_errors == 0
    registry = builtin_registry().select(families=["mail.mx"])
    outcomes = {cid: spec.evaluate((facts,), CheckParams()) for cid, spec in registry.checks.items()}
    return facts, {cid.removeprefix("mail.mx."): (o.status, o.message.key) for cid, o in outcomes.items()}


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
