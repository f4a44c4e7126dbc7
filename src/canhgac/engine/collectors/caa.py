"""The CAA set relevant to a name (RFC 8659), looked up for the zone and the portal collectors alike."""

from __future__ import annotations

from canhgac.engine.context import CollectContext
from canhgac.engine.facts.zone import CaaFacts, CaaLookup
from canhgac.engine.scope import ip_literal


def _climb(domain: str) -> list[str]:
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels))]


async def relevant_caa(domain: str, ctx: CollectContext) -> CaaFacts:
    """Climb from the domain towards the TLD until a CAA set is found (RFC 8659 section 3).

    A failure at or below the registrable domain stops the climb: the relevant set is then
    unknown. A failure on a public-suffix name above it is recorded and the climb goes on:
    the agency controls only its own names, and those are what the check judges. An address
    (an IP-literal portal) has no CAA: nothing is asked.
    """
    if ip_literal(domain) is not None:
        return CaaFacts()
    registrable = ctx.public_suffixes.organizational_domain(domain)
    own = set(_climb(domain)) - set(_climb(registrable)[1:])
    lookups: list[CaaLookup] = []
    for name in _climb(domain):
        answer = await ctx.dns.query(name, "CAA")
        lookups.append(CaaLookup(name, answer.status))
        if answer.ok:
            return CaaFacts(owner=name, records=answer.records, lookups=tuple(lookups))
        if answer.status.is_failure and name in own:
            return CaaFacts(lookups=tuple(lookups), failed_at=name, failure=answer.status)
    return CaaFacts(lookups=tuple(lookups))

