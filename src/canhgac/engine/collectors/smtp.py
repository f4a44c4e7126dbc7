"""Collectors for one mail host as a peer MTA sees it: SMTP sessions, reverse DNS, TLSA.

:func:`collect_smtp` resolves the host, refuses (as a fact) every address outside the scope,
and runs one bounded probe session per address and SMTP port — 25 in clear, 587 upgraded with
STARTTLS when offered, 465 in implicit TLS, and any other declared port that answers SMTP —
concurrently: greeting, EHLO (HELO as fallback), VRFY/EXPN of ``postmaster`` and of a random
name, and — unless the agency opted out of intrusive probes — the relay probe (MAIL FROM,
RCPT TO, RSET; never DATA). An open relay or user enumeration is as bad on a submission port as
on 25. 587 and 465 are probed even when undeclared (marked speculative: silence there is a
filtered port, not a fault). When port 25 offers STARTTLS it asks the shared TLS analysis (one
handshake per endpoint per run) whether the upgrade works and which certificates it presents.
Reverse DNS (PTR and forward confirmation) and the TLSA record of ``_25._tcp.HOST`` are
separate facts: they need no connection to the host.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, replace

import dns.reversename

from canhgac.engine.collectors.host_addresses import resolve_host
from canhgac.engine.context import CollectContext
from canhgac.engine.facts.dns import DnsStatus, Lookup
from canhgac.engine.facts.smtp import (
    PtrName,
    RdnsFacts,
    ReverseDns,
    SmtpFacts,
    SmtpSession,
    StartTlsResult,
    StopReason,
    TlsaFacts,
    TlsaRecord,
)
from canhgac.engine.facts.tls import StartTls
from canhgac.engine.registry import collector
from canhgac.engine.smtp_client import RelayProbe, SessionPlan, probe_session
from canhgac.engine.targets import Target, TargetKind
from canhgac.engine.tls.analysis import analyze_tls

MAX_ADDRESSES = 16
MAX_PTR_NAMES = 4
SESSION_READS_BUDGET = 3  # the whole exchange may last connect_timeout + this many read_timeouts
STANDARD_SMTP_PORTS = frozenset({25, 465, 587})
# Declared mail-host ports that are never SMTP (IMAP, POP3, their TLS ports, web, ManageSieve)
NEVER_SMTP_PORTS = frozenset({80, 110, 143, 443, 993, 995, 4190})


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


@dataclass(frozen=True, slots=True)
class _Probe:
    """One port to probe and how: ``detect`` for a declared port of unknown kind (plain SMTP
    first, implicit TLS when it stays silent; dropped when it speaks something else)."""

    port: int
    plan: SessionPlan
    speculative: bool = False
    detect: bool = False


def _probes(ctx: CollectContext, target: Target, ports: SmtpPorts) -> list[_Probe]:
    """Every SMTP port of the host: 25 in clear, 587 (STARTTLS when offered), 465 (implicit
    TLS), then the declared ports that may be SMTP; VRFY/EXPN and the relay probe on each."""
    options = ctx.options_for(target.key)
    declared = set(options.ports)
    relay = (
        RelayProbe(ctx.mail.relay_probe_sender, ctx.mail.relay_probe_recipient)
        if options.intrusive_probes else None
    )
    base = SessionPlan(ctx.mail.ehlo_name, vrfy_unknown=f"canhgac-{secrets.token_hex(5)}", relay=relay)
    probes = [
        _Probe(ports.smtp, base),
        _Probe(ports.submission, replace(base, starttls=True),
               speculative=not (declared & {ports.submission, 587})),
        _Probe(ports.smtps, replace(base, implicit_tls=True),
               speculative=not (declared & {ports.smtps, 465})),
    ]
    known = {p.port for p in probes} | STANDARD_SMTP_PORTS | NEVER_SMTP_PORTS
    probes += [_Probe(p, replace(base, starttls=True), detect=True) for p in sorted(declared - known)]
    return probes


async def _session(address: str, probe: _Probe, ctx: CollectContext) -> SmtpSession | None:
    deadline = ctx.net.connect_timeout + SESSION_READS_BUDGET * ctx.net.read_timeout
    session = await probe_session(address, probe.port, probe.plan, ctx.net, deadline)
    if probe.detect and session.greeting is None and session.stop is StopReason.TIMEOUT:
        tls = replace(probe.plan, implicit_tls=True, starttls=False)
        session = await probe_session(address, probe.port, tls, ctx.net, deadline)
    if probe.detect and session.greeting is None and not session.not_listening:
        return None  # a declared port that speaks something else (IMAP, HTTP...) is not ours
    return replace(session, speculative=probe.speculative)


async def _probe_address(
    ctx: CollectContext, host: str, address: str, probes: list[_Probe], smtp_port: int
) -> tuple[list[SmtpSession], StartTlsResult | None]:
    found = await asyncio.gather(*(_session(address, probe, ctx) for probe in probes))
    sessions = [s for s in found if s is not None]
    mta = sessions[0]
    if mta.extension("STARTTLS") is None:
        return sessions, None
    tls = await analyze_tls(ctx, host=host, address=address, port=smtp_port, starttls=StartTls.SMTP)
    return sessions, StartTlsResult.of(tls)


async def probe_host(target: Target, ctx: CollectContext, ports: SmtpPorts = SmtpPorts()) -> SmtpFacts:
    """The SMTP facts of one mail host; addresses and their ports are probed concurrently."""
    host = _norm(target.name)
    resolution = await resolve_host(ctx, host, MAX_ADDRESSES)
    refused = [(a, why) for a in resolution.addresses if (why := scope_refusal(ctx, target, a)) is not None]
    allowed = [a for a in resolution.addresses if a not in dict(refused)]
    probes = _probes(ctx, target, ports)
    found = await asyncio.gather(*(_probe_address(ctx, host, a, probes, ports.smtp) for a in allowed))
    sessions = tuple(s for per_address, _ in found for s in per_address)
    starttls = tuple(tls for _, tls in found if tls is not None)
    intrusive = ctx.options_for(target.key).intrusive_probes
    return SmtpFacts(host, resolution, tuple(refused), sessions, starttls, intrusive, ports.smtp)


@collector(SmtpFacts, target=TargetKind.MAIL_HOST)
async def collect_smtp(target: Target, ctx: CollectContext) -> SmtpFacts:
    return await probe_host(target, ctx)


# --- reverse DNS ------------------------------------------------------------------------------


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
