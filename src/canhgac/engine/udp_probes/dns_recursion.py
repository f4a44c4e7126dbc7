"""The DNS open-recursion probe: one recursion-desired query for a name the server does not serve.

The query (dnspython) asks ``www.example.com`` A, under a zone the probed server is not
authoritative for. An answer, or NXDOMAIN with RA set, from a server that does not claim
authority means it recurses for anyone; REFUSED or RA clear means it does not.
"""

from __future__ import annotations

from dataclasses import dataclass

import dns.exception
import dns.flags
import dns.message
import dns.rcode

from canhgac.engine.context import CollectContext
from canhgac.engine.udp_probes.exchange import ask
from canhgac.engine.udp_probes.facts import MAX_TEXT, UdpFact, UdpOutcome

DNS_PROBE_NAME = "www.example.com"


@dataclass(frozen=True, slots=True, kw_only=True)
class DnsRecursionFact(UdpFact):
    name: str = DNS_PROBE_NAME
    rcode: str = ""
    recursion_available: bool = False  # RA
    authoritative: bool = False  # AA
    answers: tuple[str, ...] = ()  # answer-section records as text

    @property
    def open_recursion(self) -> bool | None:
        """True: it recursed for us; False: it declined; None: the reply does not tell."""
        if not self.answered:
            return None
        if self.rcode == "REFUSED":
            return False
        if self.authoritative:  # an answer from its own zone data proves nothing about recursion
            return None
        if self.rcode == "NOERROR" and self.answers:
            return True
        if self.rcode == "NXDOMAIN" and self.recursion_available:
            return True
        return False if not self.recursion_available else None

    @property
    def summary(self) -> str:
        if not self.answered:
            return self.outcome.value
        flags = " ".join(f for f, on in (("RA", self.recursion_available), ("AA", self.authoritative)) if on)
        return f"{self.rcode} [{flags or 'no RA'}] {len(self.answers)} answer(s)"


def _dns_reply(datagram: bytes, query: dns.message.Message) -> dns.message.Message | None:
    try:
        reply = dns.message.from_wire(datagram)
    except (dns.exception.DNSException, ValueError, IndexError, UnicodeError):
        return None
    return reply if query.is_response(reply) else None


async def probe_dns_recursion(
    ctx: CollectContext, address: str, port: int = 53, name: str = DNS_PROBE_NAME
) -> DnsRecursionFact:
    query = dns.message.make_query(name, "A")  # RD set
    exchange, reply = await ask(ctx, address, port, query.to_wire(), lambda d: _dns_reply(d, query))
    if reply is None:
        return DnsRecursionFact(
            address=address, port=port, outcome=exchange.outcome, name=name, detail=exchange.detail
        )
    return DnsRecursionFact(
        address=address,
        port=port,
        outcome=UdpOutcome.ANSWERED,
        name=name,
        rcode=dns.rcode.to_text(reply.rcode()),
        recursion_available=bool(reply.flags & dns.flags.RA),
        authoritative=bool(reply.flags & dns.flags.AA),
        answers=tuple(rr.to_text()[:MAX_TEXT] for rrset in reply.answer[:8] for rr in list(rrset)[:8]),
    )
