"""The DNS open-recursion probe: one recursion-desired query for a name the server does not serve.

The query (dnspython) asks ``www.example.com`` A, under a zone the probed server is not
authoritative for. An answer, or NXDOMAIN with RA set, from a server that does not claim
authority means it recurses for anyone; REFUSED or RA clear means it does not.
"""

from __future__ import annotations

import dns.exception
import dns.flags
import dns.message
import dns.rcode

from canhgac.engine.context import CollectContext
from canhgac.engine.facts.udp import DNS_PROBE_NAME, MAX_TEXT, DnsRecursionFact, UdpOutcome
from canhgac.engine.udp_probes.exchange import ask


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
