"""Collectors for one mail host as a peer MTA sees it: SMTP sessions, reverse DNS, TLSA.

:func:`collect_smtp` resolves the host, refuses (as a fact) every address outside the scope,
and runs one bounded probe session per address and port (25, plus 587 and 465 when the
inventory declares them): greeting, EHLO (HELO as fallback), VRFY/EXPN, and — unless the
agency opted out of intrusive probes — the relay probe (MAIL FROM, RCPT TO, RSET; never DATA).
When port 25 offers STARTTLS it asks the shared TLS analysis (one handshake per endpoint per
run) whether the upgrade works and which certificates the server presents. Reverse DNS (PTR
and forward confirmation) and the TLSA record of ``_25._tcp.HOST`` are separate facts: they
need no connection to the host.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from typing import Any

import dns.reversename
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from canhgac.engine.collectors.host_addresses import HostAddresses, resolve_host
from canhgac.engine.collectors.mail_domain import Lookup
from canhgac.engine.context import CollectContext
from canhgac.engine.dns import DnsStatus
from canhgac.engine.registry import collector
from canhgac.engine.smtp_client import RelayProbe, SessionPlan, SmtpSession, probe_session
from canhgac.engine.targets import Target, TargetKind
from canhgac.engine.tls import StartTls, TlsFacts, TlsFailure, analyze_tls

MAX_ADDRESSES = 16
MAX_PTR_NAMES = 4
SESSION_READS_BUDGET = 3  # the whole exchange may last connect_timeout + this many read_timeouts


def _norm(name: str) -> str:
    return name.strip().rstrip(".").lower()


@dataclass(frozen=True, slots=True)
class SmtpPorts:
    """Where the host's SMTP services listen (standard ports unless a lab or test says)."""

    smtp: int = 25
    submission: int = 587
    smtps: int = 465


def scope_refusal(ctx: CollectContext, target: Target, address: str) -> str | None:
    """Why ``address`` may not be contacted (None when it may): via the host or a served domain."""
    served = ctx.options_for(target.key).served_domains
    if ctx.scope.allows_host_address(address, _norm(target.name), served):
        return None
    return ctx.scope.refusal(address)


# --- SMTP sessions and STARTTLS ---------------------------------------------------------------


# The server's doing: it offered STARTTLS, then refused or broke the upgrade. Timeouts and
# connection trouble leave the question open.
_TLS_FAULTS = frozenset({TlsFailure.HANDSHAKE, TlsFailure.PROTOCOL, TlsFailure.NO_STARTTLS})


@dataclass(frozen=True, slots=True)
class StartTlsResult:
    """Whether STARTTLS on port 25 of one address led to a TLS session, and its certificates."""

    address: str
    port: int
    ok: bool | None  # None: the TLS analysis could not tell (timeout, connection trouble)
    failure: str = ""
    detail: str = ""
    certificates: tuple[bytes, ...] = ()  # DER, the leaf first, then the chain as presented

    @classmethod
    def of(cls, facts: TlsFacts) -> StartTlsResult:
        failure = facts.failure
        ok = True if failure is None else (False if failure in _TLS_FAULTS else None)
        return cls(
            facts.address,
            facts.port,
            ok,
            failure.value if failure else "",
            facts.detail[:300],
            _certificates(facts),
        )


def _certificates(facts: TlsFacts) -> tuple[bytes, ...]:
    """The presented certificates as DER (the shared TLS facts keep the leaf only, for now)."""
    if facts.certificate is None:
        return ()
    try:
        leaf = x509.load_pem_x509_certificate(facts.certificate.pem.encode())
    except ValueError:
        return ()
    return (leaf.public_bytes(Encoding.DER),)


@dataclass(frozen=True, slots=True)
class SmtpFacts:
    host: str
    resolution: HostAddresses
    refused: tuple[tuple[str, str], ...]  # (address, why): outside the scope, never contacted
    sessions: tuple[SmtpSession, ...]
    starttls: tuple[StartTlsResult, ...]
    intrusive: bool  # False: the agency opted out, no MAIL FROM was sent
    smtp_port: int = 25

    def on_port(self, port: int) -> tuple[SmtpSession, ...]:
        return tuple(s for s in self.sessions if s.port == port)

    @property
    def mta_sessions(self) -> tuple[SmtpSession, ...]:
        return self.on_port(self.smtp_port)

    def starttls_for(self, address: str) -> StartTlsResult | None:
        return next((r for r in self.starttls if r.address == address), None)


def _plans(ctx: CollectContext, target: Target, ports: SmtpPorts) -> list[tuple[int, SessionPlan]]:
    options = ctx.options_for(target.key)
    relay = (
        RelayProbe(ctx.mail.relay_probe_sender, ctx.mail.relay_probe_recipient)
        if options.intrusive_probes else None
    )
    unknown = f"canhgac-{secrets.token_hex(5)}"
    plans = [(ports.smtp, SessionPlan(ctx.mail.ehlo_name, vrfy_unknown=unknown, relay=relay))]
    if ports.submission in options.ports or 587 in options.ports:
        plans.append((ports.submission, SessionPlan(ctx.mail.ehlo_name)))
    if ports.smtps in options.ports or 465 in options.ports:
        plans.append((ports.smtps, SessionPlan(ctx.mail.ehlo_name, implicit_tls=True)))
    return plans


async def _probe_address(
    ctx: CollectContext, host: str, address: str, plans: list[tuple[int, SessionPlan]], smtp_port: int
) -> tuple[list[SmtpSession], StartTlsResult | None]:
    deadline = ctx.net.connect_timeout + SESSION_READS_BUDGET * ctx.net.read_timeout
    sessions = [await probe_session(address, port, plan, ctx.net, deadline) for port, plan in plans]
    mta = sessions[0]
    if mta.extension("STARTTLS") is None:
        return sessions, None
    tls = await analyze_tls(ctx, host=host, address=address, port=smtp_port, starttls=StartTls.SMTP)
    return sessions, StartTlsResult.of(tls)


async def probe_host(target: Target, ctx: CollectContext, ports: SmtpPorts = SmtpPorts()) -> SmtpFacts:
    """The SMTP facts of one mail host; addresses are probed concurrently, ports in turn."""
    host = _norm(target.name)
    resolution = await resolve_host(ctx, host, MAX_ADDRESSES)
    refused = [(a, why) for a in resolution.addresses if (why := scope_refusal(ctx, target, a)) is not None]
    allowed = [a for a in resolution.addresses if a not in dict(refused)]
    plans = _plans(ctx, target, ports)
    found = await asyncio.gather(*(_probe_address(ctx, host, a, plans, ports.smtp) for a in allowed))
    sessions = tuple(s for per_address, _ in found for s in per_address)
    starttls = tuple(tls for _, tls in found if tls is not None)
    intrusive = ctx.options_for(target.key).intrusive_probes
    return SmtpFacts(host, resolution, tuple(refused), sessions, starttls, intrusive, ports.smtp)


@collector(SmtpFacts, target=TargetKind.MAIL_HOST)
async def collect_smtp(target: Target, ctx: CollectContext) -> SmtpFacts:
    return await probe_host(target, ctx)


# --- reverse DNS ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PtrName:
    name: str
    forward: tuple[Lookup, ...]  # A and AAAA of the PTR name

    def resolves_to(self, address: str) -> bool | None:
        if any(lk.status is DnsStatus.OK and address in lk.records for lk in self.forward):
            return True
        return None if any(lk.failed for lk in self.forward) else False


@dataclass(frozen=True, slots=True)
class ReverseDns:
    address: str
    ptr: Lookup
    names: tuple[PtrName, ...]

    @property
    def state(self) -> str:
        """ "confirmed" (FCrDNS), "missing" (no PTR), "mismatch" (no PTR name leads back), "unknown"."""
        if self.ptr.failed:
            return "unknown"
        if not self.names:
            return "missing"
        verdicts = [n.resolves_to(self.address) for n in self.names]
        if True in verdicts:
            return "confirmed"
        return "unknown" if None in verdicts else "mismatch"

    def as_evidence(self) -> dict[str, Any]:
        return {"address": self.address, "ptr": list(self.ptr.records), "state": self.state}


@dataclass(frozen=True, slots=True)
class RdnsFacts:
    host: str
    resolution: HostAddresses
    entries: tuple[ReverseDns, ...]


async def _ptr_name(ctx: CollectContext, name: str) -> PtrName:
    answers = await asyncio.gather(ctx.dns.query(name, "A"), ctx.dns.query(name, "AAAA"))
    return PtrName(name, tuple(Lookup.of(a) for a in answers))


async def _reverse(ctx: CollectContext, address: str) -> ReverseDns:
    reverse = dns.reversename.from_address(address).to_text()
    ptr = Lookup.of(await ctx.dns.query(reverse, "PTR"))
    names = [_norm(r) for r in ptr.records][:MAX_PTR_NAMES] if ptr.status is DnsStatus.OK else []
    return ReverseDns(address, ptr, tuple(await asyncio.gather(*(_ptr_name(ctx, n) for n in names))))


@collector(RdnsFacts, target=TargetKind.MAIL_HOST)
async def collect_rdns(target: Target, ctx: CollectContext) -> RdnsFacts:
    """PTR of every address of the host, and whether each PTR name resolves back (FCrDNS)."""
    host = _norm(target.name)
    resolution = await resolve_host(ctx, host, MAX_ADDRESSES)
    entries = await asyncio.gather(*(_reverse(ctx, a) for a in resolution.addresses))
    return RdnsFacts(host, resolution, tuple(entries))


# --- DANE TLSA ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TlsaRecord:
    usage: int
    selector: int
    mtype: int
    data: bytes

    @property
    def text(self) -> str:
        return f"{self.usage} {self.selector} {self.mtype} {self.data.hex()[:64]}"


@dataclass(frozen=True, slots=True)
class TlsaFacts:
    host: str
    lookup: Lookup  # TLSA _25._tcp.HOST
    records: tuple[TlsaRecord, ...]
    authenticated: bool  # the resolver set AD: the answer was DNSSEC-validated


@collector(TlsaFacts, target=TargetKind.MAIL_HOST)
async def collect_tlsa(target: Target, ctx: CollectContext) -> TlsaFacts:
    host = _norm(target.name)
    answer = await ctx.dns.query(f"_25._tcp.{host}", "TLSA", dnssec=True)
    records = tuple(
        TlsaRecord(int(r.usage), int(r.selector), int(r.mtype), bytes(r.cert))  # type: ignore[attr-defined]
        for r in answer.rdata
        if hasattr(r, "usage")
    )
    return TlsaFacts(host, Lookup.of(answer), records, answer.authenticated)
