"""DNS over TCP (RFC 7766): one length-prefixed query, recognised by a well-formed answer.

Routers and domain controllers often expose 53/tcp; without this probe identification waits
out every other protocol's read timeout. The question asks the server's own view of the root
(``. NS``, recursion not desired): any DNS server answers it, and nothing is resolved for us.
"""

from __future__ import annotations

import struct

import dns.exception
import dns.flags
import dns.message
import dns.rcode

from canhgac.engine.facts.services import Service, ServiceReading
from canhgac.engine.service_probes.base import Conn

MAX_MESSAGE = 65535


async def probe_dns_tcp(conn: Conn, port: int) -> ServiceReading | None:
    query = dns.message.make_query(".", "NS")
    query.flags &= ~dns.flags.RD
    wire = query.to_wire()
    await conn.send(struct.pack("!H", len(wire)) + wire)
    size = struct.unpack("!H", await conn.read_exact(2))[0]
    if size < 12 or size > MAX_MESSAGE:
        return None
    body = await conn.read_exact(size)
    try:
        answer = dns.message.from_wire(body, question_only=True)
    except (dns.exception.DNSException, ValueError):
        return None
    if answer.id != query.id or not answer.flags & dns.flags.QR:
        return None
    recursion = "yes" if answer.flags & dns.flags.RA else "no"
    return ServiceReading(
        port, Service.DNS, "dns", "",
        info=(("rcode", dns.rcode.to_text(answer.rcode())), ("recursion_available", recursion)),
    )
