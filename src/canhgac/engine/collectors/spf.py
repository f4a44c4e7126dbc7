"""SPF collector: a domain's SPF record and the tree of records it reaches.

Fetches the domain's TXT records, then follows reachable ``include:`` and ``redirect=``
targets concurrently (stopping on loops, below depth 10 and at a hard cap on fetched
records so a hostile zone cannot keep it busy), and resolves the domains of ``a``, ``mx``
and ``exists`` terms so checks can count void lookups and dangling names. The result is an
immutable :class:`SpfFacts` tree; checks walk it and never query DNS.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable

from canhgac.engine.collectors.errors import CollectError
from canhgac.engine.context import CollectContext
from canhgac.engine.facts.dns import DnsAnswer, DnsStatus
from canhgac.engine.facts.spf import Reach, SpfFacts, SpfNode, Stop, TermLookup
from canhgac.engine.mailauth.spf import Mechanism, SpfRecord, is_spf_record, parse_spf
from canhgac.engine.registry import collector
from canhgac.engine.targets import Target, TargetKind

MAX_DEPTH = 10  # include/redirect nesting followed (RFC 7208 allows 10 lookups in all)
MAX_RECORDS = 64  # records fetched per domain: beyond the lookup limit many times over
MAX_TERM_LOOKUPS = 40  # a/mx/exists names resolved per domain


def _norm(name: str) -> str:
    return name.strip().rstrip(".").lower()


@collector(SpfFacts, target=TargetKind.DOMAIN)
async def collect_spf(target: Target, ctx: CollectContext) -> SpfFacts:
    """Fetch the domain's SPF tree. Raises CollectError only when its own TXT lookup fails."""
    domain = _norm(target.name)
    answer = await ctx.dns.query(domain, "TXT")
    if answer.status.is_failure:
        detail = f"TXT {domain}: {answer.detail or answer.status.value}"
        raise CollectError(answer.status.error_reason, detail)
    walker = _Walker(ctx)
    root = await walker.expand(SpfNode(domain, Reach.ROOT), answer, depth=0, path=())
    return SpfFacts(domain, root, truncated=walker.truncated)


class _Walker:
    """Mutable per-collection state: the budgets that bound a hostile tree."""

    def __init__(self, ctx: CollectContext) -> None:
        self.ctx = ctx
        self.records_left = MAX_RECORDS
        self.lookups_left = MAX_TERM_LOOKUPS
        self.truncated = False

    async def visit(self, node: SpfNode, depth: int, path: tuple[str, ...]) -> SpfNode:
        if node.domain in path:
            return dataclasses.replace(node, stop=Stop.LOOP)
        if depth > MAX_DEPTH:
            return dataclasses.replace(node, stop=Stop.DEPTH)
        if self.records_left <= 0:
            self.truncated = True
            return dataclasses.replace(node, stop=Stop.CAP)
        self.records_left -= 1
        answer = await self.ctx.dns.query(node.domain, "TXT")
        return await self.expand(node, answer, depth, path)

    async def expand(
        self, node: SpfNode, answer: DnsAnswer, depth: int, path: tuple[str, ...]
    ) -> SpfNode:
        """Fill a node from its TXT answer and follow what its record reaches."""
        texts = answer.txt_strings() if answer.ok else ()
        if node.reach is Reach.ROOT:
            registrable = self.ctx.public_suffixes.organizational_domain(node.domain)
            reg_status = None
        else:
            registrable, reg_status = await self.registrable(node.domain, answer.status)
        node = dataclasses.replace(
            node,
            status=answer.status,
            detail=answer.detail,
            records=tuple(parse_spf(t) for t in texts if is_spf_record(t)),
            registrable=registrable,
            registrable_status=reg_status,
        )
        record = node.usable
        if record is None:
            return node
        return await self.follow(node, record, depth, path)

    async def follow(
        self, node: SpfNode, record: SpfRecord, depth: int, path: tuple[str, ...]
    ) -> SpfNode:
        """Fetch reachable include/redirect targets and resolve a/mx/exists names, concurrently."""
        children: list[Awaitable[SpfNode]] = []
        lookups: list[Awaitable[TermLookup | None]] = []
        here = (*path, node.domain)
        for position, term in record.reachable():
            if isinstance(term, Mechanism) and term.name in ("a", "mx", "exists"):
                lookups.append(self.lookup(term, node.domain))
                continue
            is_include = isinstance(term, Mechanism) and term.name == "include"
            target = term.domain if isinstance(term, Mechanism) else term.value
            if target is None or not (is_include or term.name == "redirect"):
                continue
            reach = Reach.INCLUDE if is_include else Reach.REDIRECT
            child = SpfNode(_norm(target), reach, term=term.text, position=position)
            children.append(_ready(dataclasses.replace(child, stop=Stop.MACRO))
                            if "%" in target else self.visit(child, depth + 1, here))
        done, resolved = await asyncio.gather(asyncio.gather(*children), asyncio.gather(*lookups))
        return dataclasses.replace(
            node, children=tuple(done), lookups=tuple(r for r in resolved if r is not None)
        )

    async def lookup(self, term: Mechanism, domain: str) -> TermLookup | None:
        """Resolve the name an a/mx/exists term queries; None when not resolvable statically."""
        name = _norm(term.domain or domain)
        if "%" in name:
            return None
        if self.lookups_left <= 0:
            self.truncated = True
            return None
        self.lookups_left -= 1
        rdtype = "MX" if term.name == "mx" else "A"
        answer = await self.ctx.dns.query(name, rdtype)
        if term.name == "a" and answer.status is DnsStatus.NODATA:
            aaaa = await self.ctx.dns.query(name, "AAAA")
            answer = aaaa if aaaa.ok else answer
        registrable, reg_status = await self.registrable(name, answer.status)
        return TermLookup(term.text, name, rdtype, answer.status, len(answer.rdata), answer.detail,
                          registrable, reg_status)

    async def registrable(self, name: str, status: DnsStatus) -> tuple[str, DnsStatus | None]:
        """The name's registrable domain and, when the name does not exist, whether it does."""
        org = self.ctx.public_suffixes.organizational_domain(name)
        if status is not DnsStatus.NXDOMAIN:
            return org, None
        if org == name:
            return org, DnsStatus.NXDOMAIN
        answer = await self.ctx.dns.query(org, "NS")
        return org, answer.status


async def _ready(node: SpfNode) -> SpfNode:
    return node
