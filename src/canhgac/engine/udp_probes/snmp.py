"""The SNMP probe: one v2c GetRequest for sysDescr.0 with the community ``public``.

The request is BER-encoded by hand (43 bytes: the 40 of the smallest encoding plus a 4-byte
request id, so that replies can be matched), and the reply is read by a small BER walker that
accepts definite lengths only and never raises. An agent answering the request accepts the
community.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from canhgac.engine.context import CollectContext
from canhgac.engine.facts.udp import SNMP_COMMUNITY, SnmpFact, UdpOutcome, server_text
from canhgac.engine.udp_probes.exchange import ask

SYS_DESCR_OID = (1, 3, 6, 1, 2, 1, 1, 1, 0)


class _BerError(ValueError):
    pass


def _tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return bytes((tag, n)) + content
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(size))) + size + content


def _ber_int(value: int) -> bytes:
    return _tlv(0x02, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))


def _ber_oid(arcs: tuple[int, ...]) -> bytes:
    out = bytearray((40 * arcs[0] + arcs[1],))
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out.extend(reversed(chunk))
    return _tlv(0x06, bytes(out))


def snmp_get_request(
    request_id: int, community: str = SNMP_COMMUNITY, oid: tuple[int, ...] = SYS_DESCR_OID
) -> bytes:
    """An SNMPv2c GetRequest-PDU (RFC 3416) for one OID, value NULL."""
    varbind = _tlv(0x30, _ber_oid(oid) + b"\x05\x00")
    pdu = _tlv(0xA0, _ber_int(request_id) + _ber_int(0) + _ber_int(0) + _tlv(0x30, varbind))
    return _tlv(0x30, _ber_int(1) + _tlv(0x04, community.encode()) + pdu)


def _read(buf: bytes, pos: int) -> tuple[int, bytes, int]:
    """(tag, content, next position) of the TLV at ``pos``; definite lengths only."""
    if pos + 2 > len(buf):
        raise _BerError("truncated")
    tag, first = buf[pos], buf[pos + 1]
    pos += 2
    if first & 0x80:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > len(buf):
            raise _BerError("bad length")
        length = int.from_bytes(buf[pos : pos + count], "big")
        pos += count
    else:
        length = first
    if pos + length > len(buf):
        raise _BerError("truncated")
    return tag, buf[pos : pos + length], pos + length


def _items(buf: bytes) -> list[tuple[int, bytes]]:
    out: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(buf) and len(out) < 16:
        tag, content, pos = _read(buf, pos)
        out.append((tag, content))
    return out


@dataclass(frozen=True, slots=True)
class _SnmpReply:
    version: int
    error_status: int
    value_tag: int
    value: bytes


def _parse_snmp(datagram: bytes, request_id: int) -> _SnmpReply | None:
    try:
        tag, message, _ = _read(datagram, 0)
        fields = _items(message) if tag == 0x30 else []
        if len(fields) < 3 or fields[0][0] != 0x02 or fields[2][0] != 0xA2:  # GetResponse-PDU
            return None
        pdu = _items(fields[2][1])
        if len(pdu) < 4 or int.from_bytes(pdu[0][1], "big", signed=True) != request_id:
            return None
        varbinds = _items(pdu[3][1])
        value_tag, value = 0x05, b""
        if varbinds:
            bound = _items(varbinds[0][1])
            if len(bound) >= 2:
                value_tag, value = bound[1]
        version = int.from_bytes(fields[0][1], "big", signed=True)
        return _SnmpReply(version, int.from_bytes(pdu[1][1], "big", signed=True), value_tag, value)
    except _BerError:
        return None


async def probe_snmp(ctx: CollectContext, address: str, port: int = 161) -> SnmpFact:
    request_id = (1 << 24) + secrets.randbelow((1 << 31) - (1 << 24))  # always 4 bytes in BER
    exchange, reply = await ask(
        ctx, address, port, snmp_get_request(request_id), lambda d: _parse_snmp(d, request_id)
    )
    if reply is None:
        return SnmpFact(address=address, port=port, outcome=exchange.outcome, detail=exchange.detail)
    return SnmpFact(
        address=address,
        port=port,
        outcome=UdpOutcome.ANSWERED,
        error_status=reply.error_status,
        sys_descr=server_text(reply.value) if reply.value_tag == 0x04 else "",
    )
