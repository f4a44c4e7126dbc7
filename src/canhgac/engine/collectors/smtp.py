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
