"""A host's addresses, resolved once through the scan's resolver, for every collector that
connects to a host by name (mail servers, mailbox access, blocklists, portals, webmail).

A host written as an address (``127.46.2.1``, ``::1``, ``[::1]``: an IP-literal portal) is that
address: nothing is looked up. Each family keeps its own cap on how many addresses it probes.
"""

from __future__ import annotations

import asyncio

from canhgac.engine.collectors.errors import CollectError
from canhgac.engine.context import CollectContext
from canhgac.engine.facts.dns import HostAddresses, Lookup
from canhgac.engine.scope import ip_literal


async def resolve_host(ctx: CollectContext, host: str, limit: int = 16) -> HostAddresses:
    literal = ip_literal(host)
    if literal is not None:
        return HostAddresses(host, (), (str(literal),))
    answers = await asyncio.gather(ctx.dns.query(host, "A"), ctx.dns.query(host, "AAAA"))
    return HostAddresses.of(host, *(Lookup.of(a) for a in answers), limit=limit)


async def addresses_or_error(ctx: CollectContext, host: str, limit: int) -> tuple[str, ...]:
    """The host's addresses; raise CollectError only when every lookup failed (an empty tuple
    — NXDOMAIN or NODATA — is a fact the checks judge)."""
    literal = ip_literal(host)
    if literal is not None:
        return (str(literal),)
    answers = await asyncio.gather(ctx.dns.query(host, "A"), ctx.dns.query(host, "AAAA"))
    found = [r for a in answers if a.ok for r in a.records]
    if not found and all(a.status.is_failure for a in answers):
        first = answers[0]
        raise CollectError(first.status.error_reason, f"A/AAAA {host}: {first.detail or first.status.value}")
    return tuple(dict.fromkeys(found))[:limit]
