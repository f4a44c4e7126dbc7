"""Family net.services: exposed SMB, RDP, Telnet, FTP, VNC and Docker without credentials, SNMP
``public`` and open DNS recursion; and the judging helpers the other net.* families share.

Each check gives one result per host with evidence per port. A fault on any port fails; a port
whose probe could not tell (timeout, garbage) errors; not applicable only when the service is
definitely absent (no port speaks it and no port where it usually runs is left unidentified).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from canhgac.engine.facts.services import (
    USUAL,
    Access,
    HostServiceFacts,
    ProbeFailure,
    Service,
    ServiceReading,
)
from canhgac.engine.facts.udp import UdpFact, UdpOutcome
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import ErrorReason, Outcome, errored, failed, not_applicable, passed
from canhgac.engine.targets import TargetKind

HOST = TargetKind.HOST
_TIMEOUTS = frozenset({ProbeFailure.TIMEOUT, ProbeFailure.DEADLINE, ProbeFailure.CONNECT_TIMEOUT})
_PROTOCOL = frozenset({ProbeFailure.GARBAGE, ProbeFailure.TOO_LARGE, ProbeFailure.UNSUPPORTED})
SILENT_UDP = frozenset({UdpOutcome.NO_ANSWER, UdpOutcome.UNREACHABLE})


def reason_of(reading: ServiceReading) -> ErrorReason:
    if reading.failure in _TIMEOUTS:
        return ErrorReason.TIMEOUT
    if reading.failure in _PROTOCOL:
        return ErrorReason.PROTOCOL
    return ErrorReason.CONNECTION


def ports_text(readings: Iterable[ServiceReading]) -> str:
    return ", ".join(f"{r.port} ({r.service.value})" for r in readings)


def evidence(facts: HostServiceFacts, readings: Iterable[ServiceReading], **extra: Any) -> dict[str, Any]:
    return {"address": facts.address, "ports": [r.as_evidence() for r in readings], **extra}


def precheck(facts: HostServiceFacts) -> Outcome | None:
    if facts.refused:
        return errored(ErrorReason.OUT_OF_SCOPE, facts.refused, {"address": facts.address})
    return None


def unidentified(facts: HostServiceFacts, services: Iterable[Service]) -> list[ServiceReading]:
    """Ports where one of ``services`` usually runs whose probe ended without naming a service."""
    wanted = set(services)
    return [
        r
        for r in facts.readings
        if r.service is Service.UNKNOWN and r.failure is not None and USUAL.get(r.port) in wanted
    ]


def could_not_tell(facts: HostServiceFacts, readings: list[ServiceReading], what: str) -> Outcome:
    detail = "; ".join(
        f"port {r.port}: {r.failure.value if r.failure else what} {r.detail}".strip() for r in readings
    )
    return errored(reason_of(readings[0]), detail[:500], evidence(facts, readings))


def judge_access(facts: HostServiceFacts, *services: Service) -> Outcome:
    """Fail when one of the services let the probe in without credentials (see ``Access``)."""
    early = precheck(facts)
    if early is not None:
        return early
    readings = facts.of(*services)
    unknown_ports = unidentified(facts, services)
    opened = [r for r in readings if r.access is Access.OPEN]
    if opened:
        detail = "; ".join(f"{r.port}: {r.access_detail}" for r in opened)[:300]
        return failed("open", evidence(facts, readings), ports=ports_text(opened), detail=detail)
    unsure = [r for r in readings if r.access is not Access.PROTECTED] + unknown_ports
    if unsure:
        return could_not_tell(facts, unsure, "access unknown")
    if not readings:
        return not_applicable(
            "no-service", {"address": facts.address}, service="/".join(s.value for s in services)
        )
    return passed("pass", evidence(facts, readings), ports=ports_text(readings))


def judge_exposed(
    facts: HostServiceFacts, services: tuple[Service, ...], ports: tuple[int, ...] = ()
) -> Outcome:
    """Fail when a port speaks one of ``services`` (or, for ``ports``, is merely open)."""
    early = precheck(facts)
    if early is not None:
        return early
    readings = list(facts.of(*services))
    bare = [p for p in ports if p in facts.open_ports and facts.on(p) not in readings]
    if readings or bare:
        where = ", ".join(
            [*(f"{r.port} ({r.service.value})" for r in readings), *(f"{p} (open)" for p in bare)]
        )
        return failed("exposed", evidence(facts, readings, open_ports=bare), ports=where)
    unknown = unidentified(facts, services)
    if unknown:
        return could_not_tell(facts, unknown, "unidentified")
    return passed("pass", {"address": facts.address, "open_ports": list(facts.open_ports)})


def judge_per_port(facts: HostServiceFacts, service: Service, verdict: Any, fault_key: str) -> Outcome:
    """``verdict(reading)`` is True (a fault), False (fine) or None (could not tell)."""
    early = precheck(facts)
    if early is not None:
        return early
    readings = facts.of(service)
    faults = [r for r in readings if verdict(r) is True]
    if faults:
        return failed(fault_key, evidence(facts, readings), ports=ports_text(faults))
    unsure = [r for r in readings if verdict(r) is None] + unidentified(facts, (service,))
    if unsure:
        return could_not_tell(facts, unsure, "not determined")
    if not readings:
        return not_applicable("no-service", {"address": facts.address}, service=service.value)
    return passed("pass", evidence(facts, readings), ports=ports_text(readings))


def judge_udp(facts: HostServiceFacts, fact: UdpFact | None, verdict: bool | None, fault_key: str) -> Outcome:
    """One UDP probe: ``verdict`` True = fault, False = fine, None = the reply did not tell."""
    early = precheck(facts)
    if early is not None:
        return early
    if fact is None:
        return errored(ErrorReason.INTERNAL, "no UDP probe result", {"address": facts.address})
    ev = {
        "address": facts.address,
        "port": fact.port,
        "outcome": fact.outcome.value,
        "summary": str(getattr(fact, "summary", "")),
        "detail": fact.detail,
    }
    where = f"{facts.address}:{fact.port}/udp"
    if verdict is True:
        return failed(fault_key, ev, endpoint=where, detail=str(getattr(fact, "summary", ""))[:300])
    if fact.outcome in SILENT_UDP or verdict is False:
        return passed("pass", ev, endpoint=where)
    reason = (
        ErrorReason.OUT_OF_SCOPE
        if fact.outcome is UdpOutcome.OUT_OF_SCOPE
        else (
            ErrorReason.PROTOCOL
            if fact.outcome in (UdpOutcome.MALFORMED, UdpOutcome.ANSWERED)
            else ErrorReason.CONNECTION
        )
    )
    return errored(reason, f"{where}: {fact.outcome.value} {fact.detail}".strip(), ev)


# --- SMB ---------------------------------------------------------------------------------------


@check("net.smb.exposed", target=HOST, needs=HostServiceFacts)
def smb_exposed(facts: HostServiceFacts, params: CheckParams) -> Outcome:
    return judge_exposed(facts, (Service.SMB,), ports=(445, 139))


@check("net.smb.v1", target=HOST, needs=HostServiceFacts)
def smb_v1(facts: HostServiceFacts, params: CheckParams) -> Outcome:
    return judge_per_port(facts, Service.SMB, lambda r: r.smb.smb1 if r.smb else None, "smb1")


@check("net.smb.signing", target=HOST, needs=HostServiceFacts)
def smb_signing(facts: HostServiceFacts, params: CheckParams) -> Outcome:
    def fault(r: ServiceReading) -> bool | None:
        required = r.smb.signing_required if r.smb else None
        return None if required is None else not required

    return judge_per_port(facts, Service.SMB, fault, "not-required")


@check("net.smb.anonymous-shares", target=HOST, needs=HostServiceFacts)
def smb_anonymous_shares(facts: HostServiceFacts, params: CheckParams) -> Outcome:
    def fault(r: ServiceReading) -> bool | None:
        access = r.smb.share_access if r.smb else None
        return True if access is Access.OPEN else False if access is Access.PROTECTED else None

    outcome = judge_per_port(facts, Service.SMB, fault, "listed")
    if outcome.message.key == "listed":
        shares = sorted({s for r in facts.of(Service.SMB) if r.smb for s in r.smb.shares})
        return failed(
            "listed",
            outcome.evidence,
            ports=str(outcome.message.values["ports"]),
            shares=", ".join(shares[:20]) or "(none)",
        )
    return outcome


# --- RDP, Telnet, FTP, VNC ---------------------------------------------------------------------


@check("net.rdp.exposed", target=HOST, needs=HostServiceFacts)
def rdp_exposed(facts: HostServiceFacts, params: CheckParams) -> Outcome:
    return judge_exposed(facts, (Service.RDP,))


@check("net.rdp.nla", target=HOST, needs=HostServiceFacts)
def rdp_nla(facts: HostServiceFacts, params: CheckParams) -> Outcome:
    def fault(r: ServiceReading) -> bool | None:
        required = r.rdp.nla_required if r.rdp else None
        return None if required is None else not required

    return judge_per_port(facts, Service.RDP, fault, "no-nla")


@check("net.telnet.exposed", target=HOST, needs=HostServiceFacts)
def telnet_exposed(facts: HostServiceFacts, params: CheckParams) -> Outcome:
    return judge_exposed(facts, (Service.TELNET,))


@check("net.ftp.anonymous", target=HOST, needs=HostServiceFacts)
def ftp_anonymous(facts: HostServiceFacts, params: CheckParams) -> Outcome:
    return judge_access(facts, Service.FTP)


@check("net.vnc.noauth", target=HOST, needs=HostServiceFacts)
def vnc_noauth(facts: HostServiceFacts, params: CheckParams) -> Outcome:
    return judge_access(facts, Service.VNC)


# --- APIs without credentials ----------------------------------------------------------------------


@check("net.docker.noauth", target=HOST, needs=HostServiceFacts)
def docker_noauth(facts: HostServiceFacts, params: CheckParams) -> Outcome:
    return judge_access(facts, Service.DOCKER)


# --- UDP: SNMP and DNS ---------------------------------------------------------------------------


@check("net.snmp.public", target=HOST, needs=HostServiceFacts)
def snmp_public(facts: HostServiceFacts, params: CheckParams) -> Outcome:
    snmp = facts.udp.snmp if facts.udp else None
    verdict = None if snmp is None or not snmp.answered else snmp.community_accepted
    return judge_udp(facts, snmp, verdict, "public")


@check("net.dns.open-resolver", target=HOST, needs=HostServiceFacts)
def dns_open_resolver(facts: HostServiceFacts, params: CheckParams) -> Outcome:
    fact = facts.udp.dns if facts.udp else None
    return judge_udp(facts, fact, fact.open_recursion if fact is not None else None, "open")
