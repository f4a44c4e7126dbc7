"""The host observation the store keeps as assets: the one reader of the ``net.ports.new``
transport, checked against what the real check writes."""

from __future__ import annotations

from datetime import UTC, datetime

from canhgac.engine.checks import net_drift
from canhgac.engine.facts.services import HostServiceFacts, Service, ServiceReading
from canhgac.engine.observations import HostObservation, ObservedService
from canhgac.engine.params import CheckParams
from canhgac.engine.results import CheckResult, Outcome
from canhgac.engine.targets import Target, TargetKind

HOST = Target(kind=TargetKind.HOST, name="192.0.2.5", agency="SO-A")


def _result(check_id: str, outcome: Outcome, target: Target = HOST) -> CheckResult:
    return CheckResult(check_id=check_id, target=target, status=outcome.status, message=outcome.message,
                       evidence=outcome.evidence, observed_at=datetime(2025, 1, 2, tzinfo=UTC))


def test_what_the_port_check_writes_reads_back_as_the_hosts_observation() -> None:
    readings = (ServiceReading(22, Service.SSH, product="openssh", version="7.4"),
                ServiceReading(443, Service.HTTP, product="nginx", tls="TLSv1.3"),
                ServiceReading(9999))
    for known in (None, (22,)):
        facts = HostServiceFacts("192.0.2.5", "", (22, 443, 9999), readings, (), None, known, False)
        outcome = net_drift.ports_new(facts, CheckParams())
        seen = HostObservation.from_result(_result("net.ports.new", outcome))
        assert seen == HostObservation(address="192.0.2.5", agency="SO-A", services=(
            ObservedService(port=22, service="ssh", product="openssh", version="7.4"),
            ObservedService(port=443, service="http", product="nginx", tls="TLSv1.3"),
            ObservedService(port=9999, service="unknown"),
        ))
        assert seen is not None and HostObservation.from_result(
            _result("net.ports.new", Outcome(status=outcome.status, message=outcome.message,
                                             evidence=seen.to_evidence()))) == seen


def test_other_results_and_hostile_evidence_carry_no_observation() -> None:
    ssh = (ServiceReading(22, Service.SSH),)
    facts = HostServiceFacts("192.0.2.5", "", (22,), ssh, (), None, None, False)
    outcome = net_drift.ports_new(facts, CheckParams())
    assert HostObservation.from_result(_result("net.ssh.outdated", outcome)) is None
    domain = Target(kind=TargetKind.DOMAIN, name="a.gov.vn", agency="SO-A")
    assert HostObservation.from_result(_result("net.ports.new", outcome, domain)) is None
    for evidence in ({}, {"open_ports": "22"}, {"open_ports": [22, True]}, {"open_ports": [70000]},
                     {"open_ports": [22], "listening": "x"}):
        hostile = Outcome(status=outcome.status, message=outcome.message, evidence=evidence)
        seen = HostObservation.from_result(_result("net.ports.new", hostile))
        if evidence.get("listening") == "x":
            assert seen is not None and seen.ports == (22,)
        else:
            assert seen is None, evidence
