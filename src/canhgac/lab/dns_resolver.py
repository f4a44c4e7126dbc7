"""The lab's open DNS resolver, on UDP and TCP: it offers recursion to anyone.

Names under example.com, .net and .org resolve to a documentation address (RFC 5737);
everything else is NXDOMAIN under the root's SOA. Without ``recursion`` it answers REFUSED, as a
resolver restricted to its own clients does. (The province's authoritative servers are
:mod:`canhgac.lab.dns_server`.)
"""

from __future__ import annotations

import asyncio
import struct

import dns.exception
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset

from canhgac.lab.responder_base import ClientProtocolError, TcpResponder, UdpResponder, send

EXAMPLE_DOMAINS = (["example", "com"], ["example", "net"], ["example", "org"])
ROOT_SOA = "a.root-servers.net. nstld.verisign-grs.com. 2024051200 1800 900 604800 86400"


def resolver_answer(wire: bytes, recursion: bool = True) -> bytes:
    """What an open recursive resolver says (RA set): names under example.com/.net/.org resolve
    to documentation addresses (RFC 5737), everything else is NXDOMAIN under the root's SOA.
    Without ``recursion`` it answers REFUSED, as a resolver restricted to its own clients does."""
    query = dns.message.from_wire(wire)
    response = dns.message.make_response(query, recursion_available=recursion)
    if not recursion:
        response.set_rcode(dns.rcode.REFUSED)
        return response.to_wire()
    for question in query.question:
        known = question.name.to_text().rstrip(".").lower().split(".")[-2:] in EXAMPLE_DOMAINS
        if known and question.rdtype == dns.rdatatype.A:
            response.answer.append(dns.rrset.from_text(question.name, 3600, "IN", "A", "192.0.2.10"))
        elif not known:
            response.set_rcode(dns.rcode.NXDOMAIN)
            response.authority.append(dns.rrset.from_text(".", 86400, "IN", "SOA", ROOT_SOA))
    return response.to_wire()


class DnsResolverResponder(UdpResponder):
    def __init__(self, address: str, port: int = 0, *, recursion: bool = True) -> None:
        super().__init__(address, port)
        self.recursion = recursion

    def answer(self, data: bytes) -> list[bytes]:
        try:
            return [resolver_answer(data, self.recursion)]
        except dns.exception.DNSException:
            return []


class DnsTcpResolverResponder(TcpResponder):
    """The same resolver over TCP (two-byte length prefix, several queries per connection)."""

    def __init__(self, address: str, port: int = 0, *, recursion: bool = True) -> None:
        super().__init__(address, port)
        self.recursion = recursion

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in range(20):
            (length,) = struct.unpack(">H", await reader.readexactly(2))
            try:
                reply = resolver_answer(await reader.readexactly(length), self.recursion)
            except dns.exception.DNSException as exc:
                raise ClientProtocolError("not a DNS query") from exc
            await send(writer, struct.pack(">H", len(reply)) + reply)
