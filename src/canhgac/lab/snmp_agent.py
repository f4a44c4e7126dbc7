"""The lab's SNMP agent: v1 and v2c, community ``public``, read-only, from a small system MIB.

Get, GetNext and GetBulk are answered (GetNext and GetBulk one step each); Set gets noAccess
(v2c) or noSuchName (v1); a wrong community is silently dropped, as agents do. The BER needed
is encoded and decoded here; anything malformed is dropped by
:class:`~canhgac.lab.responder_base.UdpResponder`.
"""

from __future__ import annotations

from canhgac.lab.responder_base import ClientProtocolError, UdpResponder

SYSTEM_MIB: dict[tuple[int, ...], tuple[int, bytes]] = {  # OID -> (BER tag, value bytes)
    (1, 3, 6, 1, 2, 1, 1, 1, 0): (
        0x04,
        b"Huawei Versatile Routing Platform Software, VRP (R) software, "
        b"Version 5.170 (S5720 V200R011C10SPC500)",
    ),
    (1, 3, 6, 1, 2, 1, 1, 3, 0): (0x43, (710_241_900).to_bytes(4, "big")),
    (1, 3, 6, 1, 2, 1, 1, 4, 0): (0x04, b"noc@vnptkg.test"),
    (1, 3, 6, 1, 2, 1, 1, 5, 0): (0x04, b"SW-CORE-VNPTKG-01"),
    (1, 3, 6, 1, 2, 1, 1, 6, 0): (0x04, b"Phong may trung tam, VNPT Kien Giang"),
}


def _ber(tag: int, content: bytes) -> bytes:
    size = len(content)
    length = (
        bytes([size])
        if size < 128
        else bytes([0x80 | ((size.bit_length() + 7) // 8)])
        + size.to_bytes((size.bit_length() + 7) // 8, "big")
    )
    return bytes([tag]) + length + content


def _ber_int(value: int) -> bytes:
    return _ber(0x02, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))


def _ber_items(data: bytes) -> list[tuple[int, bytes]]:
    items, pos = [], 0
    while pos < len(data):
        tag, size, pos = data[pos], data[pos + 1], pos + 2
        if size & 0x80:
            count = size & 0x7F
            if not 0 < count <= 3:
                raise ClientProtocolError("BER length")
            size, pos = int.from_bytes(data[pos : pos + count], "big"), pos + count
        if pos + size > len(data):
            raise ClientProtocolError("BER truncated")
        items.append((tag, data[pos : pos + size]))
        pos += size
    return items


def _oid_decode(data: bytes) -> tuple[int, ...]:
    parts, value = [data[0] // 40, data[0] % 40], 0
    for byte in data[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    return tuple(parts)


def _oid_encode(oid: tuple[int, ...]) -> bytes:
    out = bytearray([oid[0] * 40 + oid[1]])
    for part in oid[2:]:
        chunk = [part & 0x7F]
        while part := part >> 7:
            chunk.append(0x80 | (part & 0x7F))
        out += bytes(reversed(chunk))
    return _ber(0x06, bytes(out))


class SnmpAgent(UdpResponder):
    """An SNMP v1/v2c agent answering community ``public`` (read-only) from a small system MIB.

    Get, GetNext and GetBulk are answered; Set gets noAccess (v2c) or noSuchName (v1); a wrong
    community is silently dropped, as agents do.
    """

    def __init__(self, address: str, port: int = 0, *, community: bytes = b"public") -> None:
        super().__init__(address, port)
        self.community = community

    def answer(self, data: bytes) -> list[bytes]:
        ((_, message),) = _ber_items(data)
        (_, version), (_, community), (pdu_tag, pdu) = _ber_items(message)[:3]
        version_number = int.from_bytes(version, "big")
        if version_number not in (0, 1) or community != self.community:
            return []
        (_, request_id), _, _, (_, bindings) = _ber_items(pdu)[:4]
        oids = [_oid_decode(_ber_items(bind)[0][1]) for _, bind in _ber_items(bindings)]
        error, index, answers = 0, 0, []
        for n, oid in enumerate(oids, 1):
            if pdu_tag == 0xA3:  # SetRequest: this community is read-only
                error, index = (6 if version_number else 2), n
                answers.append((oid, (0x05, b"")))
                continue
            if pdu_tag in (0xA1, 0xA5):  # GetNext / GetBulk (one step each)
                later = sorted(o for o in SYSTEM_MIB if o > oid)
                oid, value = (later[0], SYSTEM_MIB[later[0]]) if later else (oid, (0x82, b""))
            else:
                value = SYSTEM_MIB.get(oid, (0x80, b""))  # noSuchObject
            if value[0] in (0x80, 0x82) and version_number == 0:
                error, index, value = 2, n, (0x05, b"")
            answers.append((oid, value))
        varbinds = b"".join(_ber(0x30, _oid_encode(oid) + _ber(tag, raw)) for oid, (tag, raw) in answers)
        response = _ber(
            0xA2, _ber(0x02, request_id) + _ber_int(error) + _ber_int(index) + _ber(0x30, varbinds)
        )
        return [_ber(0x30, _ber_int(version_number) + _ber(0x04, community) + response)]
