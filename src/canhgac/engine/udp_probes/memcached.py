"""The memcached-over-UDP probe: ``stats`` once, and how many bytes came back per byte sent.

The command goes behind the 8-byte UDP frame header (request id, sequence number, datagram
count, reserved); a reply of several datagrams is reassembled by sequence number. The bytes
received per byte sent is kept: it is what makes an exposed memcached a DDoS amplifier.
"""

from __future__ import annotations

import secrets
import struct

from canhgac.engine.context import CollectContext
from canhgac.engine.facts.udp import MemcachedFact, UdpOutcome, server_text
from canhgac.engine.udp_probes.exchange import udp_exchange

MAX_MEMCACHED_STATS = 128

_FRAME = struct.Struct("!HHHH")
_MEMCACHED_REPLIES = (b"STAT ", b"END", b"ERROR", b"SERVER_ERROR", b"CLIENT_ERROR")


def _memcached_parts(datagrams: list[bytes], request_id: int) -> dict[int, bytes] | None:
    """The reply's payloads by sequence number once every datagram has arrived, else None."""
    parts: dict[int, bytes] = {}
    total = 0
    for datagram in datagrams:
        if len(datagram) < _FRAME.size:
            continue
        rid, seq, count, _ = _FRAME.unpack_from(datagram)
        if rid == request_id and count and seq < count:
            parts[seq] = datagram[_FRAME.size :]
            total = count
    if not total or len(parts) < total:
        return None
    text = b"".join(parts[i] for i in range(total))
    return parts if text.startswith(_MEMCACHED_REPLIES) else None


def _stats(text: bytes) -> dict[str, str]:
    stats: dict[str, str] = {}
    for line in text.split(b"\r\n"):
        word, _, rest = line.partition(b" ")
        if word == b"STAT" and len(stats) < MAX_MEMCACHED_STATS:
            name, _, value = rest.partition(b" ")
            stats[server_text(name)[:64]] = server_text(value)[:100]
    return stats


async def probe_memcached_udp(ctx: CollectContext, address: str, port: int = 11211) -> MemcachedFact:
    request_id = secrets.randbelow(1 << 16)
    payload = _FRAME.pack(request_id, 0, 1, 0) + b"stats\r\n"
    exchange = await udp_exchange(
        ctx, address, port, payload, lambda dgs: _memcached_parts(dgs, request_id) is not None
    )
    parts = _memcached_parts(list(exchange.datagrams), request_id)
    return MemcachedFact(
        address=address,
        port=port,
        outcome=UdpOutcome.ANSWERED if parts is not None else exchange.outcome,
        detail=exchange.detail,
        stats=_stats(b"".join(parts[i] for i in sorted(parts))) if parts else {},
        bytes_sent=exchange.bytes_sent,
        bytes_received=exchange.bytes_received,
    )
