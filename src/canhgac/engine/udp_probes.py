"""Read-only UDP probes of one address: SNMP, NTP, memcached and DNS recursion, one question each.

Every probe asks the scope guard first (an address outside it gets an ``out_of_scope`` fact and
no packet), sends exactly one datagram from a connected socket (so only the probed address can
answer, and an ICMP port-unreachable is reported as ``unreachable`` at once), and waits at most
``ctx.net.read_timeout`` for the reply. What arrives is bounded: at most :data:`MAX_DATAGRAMS`
datagrams and ``ctx.net.max_reply_bytes`` bytes are kept (a flood ends the wait early), and
every parser is total — whatever the server sends becomes a fact, never an exception.

* **SNMP**: a v2c GetRequest for sysDescr.0 (1.3.6.1.2.1.1.1.0) with the community ``public``,
  BER-encoded by hand (43 bytes: the 40 of the smallest encoding plus a 4-byte request id, so
  that replies can be matched). An agent answering it accepts the community.
* **NTP**: a mode-3 client request (48 bytes, version 4, a random transmit timestamp that the
  server must echo as origin). Mode 7 (monlist) and mode 6 (control) are never sent.
* **memcached**: ``stats`` behind the 8-byte UDP frame header (request id, sequence number,
  datagram count, reserved); multi-datagram replies are reassembled. The bytes received per byte
  sent is kept: it is what makes an exposed memcached a DDoS amplifier.
* **DNS**: a recursion-desired query (dnspython) for a name under a zone the probed server is
  not authoritative for (``www.example.com`` A). An answer, or NXDOMAIN with RA set, from a
  server that does not claim authority means it recurses for anyone; REFUSED or RA clear means
  it does not.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

import dns.exception
import dns.flags
import dns.message
import dns.rcode

from canhgac.engine.context import CollectContext
from canhgac.engine.scope import OutOfScopeError

MAX_DATAGRAMS = 32
MAX_TEXT = 300  # characters of a server-supplied string kept in a fact
MAX_MEMCACHED_STATS = 128
DNS_PROBE_NAME = "www.example.com"
SNMP_COMMUNITY = "public"
SYS_DESCR_OID = (1, 3, 6, 1, 2, 1, 1, 1, 0)
NTP_EPOCH_OFFSET = 2_208_988_800  # seconds from 1900-01-01 (NTP era 0) to 1970-01-01

T = TypeVar("T")


class UdpOutcome(StrEnum):
    ANSWERED = "answered"  # a well-formed reply to our question arrived
    NO_ANSWER = "no_answer"  # nothing within the wait (silently dropped, filtered, or no service)
    UNREACHABLE = "unreachable"  # ICMP port unreachable: nothing listens there
    MALFORMED = "malformed"  # datagrams arrived, none a valid reply to our question
    OUT_OF_SCOPE = "out_of_scope"  # not contacted
    ERROR = "error"  # a local failure (socket creation, send)


@dataclass(frozen=True, slots=True)
class UdpExchange:
    outcome: UdpOutcome
    datagrams: tuple[bytes, ...] = ()
    bytes_sent: int = 0
    bytes_received: int = 0
    detail: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class UdpFact:
    """What every probe reports: where, how it went, and a local error or bound hit, if any."""

    address: str
    port: int
    outcome: UdpOutcome
    detail: str = ""

    @property
    def answered(self) -> bool:
        return self.outcome is UdpOutcome.ANSWERED


class _Receiver(asyncio.DatagramProtocol):
    def __init__(self, complete: Callable[[list[bytes]], bool], max_bytes: int) -> None:
        self.complete = complete
        self.max_bytes = max_bytes
        self.datagrams: list[bytes] = []
        self.kept = 0
        self.received = 0
        self.refused = False
        self.error = ""
        self.done = asyncio.Event()

    def datagram_received(self, data: bytes, addr: object) -> None:
        self.received += len(data)
        if self.done.is_set():
            return
        if len(self.datagrams) >= MAX_DATAGRAMS or self.kept + len(data) > self.max_bytes:
            self.error = "reply over the size bound"
            self.done.set()
            return
        self.datagrams.append(data)
        self.kept += len(data)
        if self.complete(self.datagrams):
            self.done.set()

    def error_received(self, exc: Exception) -> None:
        if isinstance(exc, ConnectionRefusedError):
            self.refused = True
        else:
            self.error = f"{type(exc).__name__}: {exc}"[:MAX_TEXT]
        self.done.set()


async def udp_exchange(
    ctx: CollectContext, address: str, port: int, payload: bytes, complete: Callable[[list[bytes]], bool]
) -> UdpExchange:
    """Send ``payload`` once to address:port; gather replies until ``complete`` or the read timeout."""
    try:
        ctx.scope.require_address(address)
    except OutOfScopeError as exc:
        return UdpExchange(UdpOutcome.OUT_OF_SCOPE, detail=str(exc))
    loop = asyncio.get_running_loop()
    receiver = _Receiver(complete, ctx.net.max_reply_bytes)
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    try:
        transport, _ = await loop.create_datagram_endpoint(
            lambda: receiver, remote_addr=(address, port), family=family
        )
    except OSError as exc:
        return UdpExchange(UdpOutcome.ERROR, detail=f"{type(exc).__name__}: {exc}"[:MAX_TEXT])
    try:
        transport.sendto(payload)
        with contextlib.suppress(TimeoutError):  # the wait is bounded; what arrived is judged below
            await asyncio.wait_for(receiver.done.wait(), ctx.net.read_timeout)
    finally:
        transport.abort()
    got = tuple(receiver.datagrams)
    if got:
        outcome = UdpOutcome.ANSWERED if complete(list(got)) else UdpOutcome.MALFORMED
    elif receiver.refused:
        outcome = UdpOutcome.UNREACHABLE
    else:
        outcome = UdpOutcome.ERROR if receiver.error else UdpOutcome.NO_ANSWER
    return UdpExchange(outcome, got, len(payload), receiver.received, receiver.error)


async def _ask(
    ctx: CollectContext, address: str, port: int, payload: bytes, parse: Callable[[bytes], T | None]
) -> tuple[UdpExchange, T | None]:
    """One question whose answer is one datagram that ``parse`` accepts."""
    exchange = await udp_exchange(
        ctx, address, port, payload, lambda dgs: any(parse(d) is not None for d in dgs)
    )
    return exchange, next((r for d in exchange.datagrams if (r := parse(d)) is not None), None)


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace").replace("\x00", "").strip()[:MAX_TEXT]


# --- SNMP (BER) ---------------------------------------------------------------------------------


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


@dataclass(frozen=True, slots=True, kw_only=True)
class SnmpFact(UdpFact):
    community: str = SNMP_COMMUNITY
    error_status: int | None = None  # 0: noError
    sys_descr: str = ""  # empty when the agent gave no OCTET STRING (e.g. noSuchObject)

    @property
    def community_accepted(self) -> bool:
        """The agent answered the GetRequest (16 would be authorizationError)."""
        return self.answered and self.error_status != 16

    @property
    def summary(self) -> str:
        if not self.answered:
            return self.outcome.value
        return f"error-status {self.error_status}; sysDescr: {self.sys_descr or '(none)'}"


async def probe_snmp(ctx: CollectContext, address: str, port: int = 161) -> SnmpFact:
    request_id = (1 << 24) + secrets.randbelow((1 << 31) - (1 << 24))  # always 4 bytes in BER
    exchange, reply = await _ask(
        ctx, address, port, snmp_get_request(request_id), lambda d: _parse_snmp(d, request_id)
    )
    if reply is None:
        return SnmpFact(address=address, port=port, outcome=exchange.outcome, detail=exchange.detail)
    return SnmpFact(
        address=address,
        port=port,
        outcome=UdpOutcome.ANSWERED,
        error_status=reply.error_status,
        sys_descr=_text(reply.value) if reply.value_tag == 0x04 else "",
    )


# --- NTP ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class NtpFact(UdpFact):
    version: int | None = None
    stratum: int | None = None
    leap: int | None = None
    reference_id: str = ""  # a source or kiss code at stratum 0/1, else an address
    server_time: float | None = None  # UNIX seconds, from the transmit timestamp

    @property
    def summary(self) -> str:
        if not self.answered:
            return self.outcome.value
        return f"NTPv{self.version} stratum {self.stratum} refid {self.reference_id or '-'}"


def _ntp_reply(datagram: bytes, origin: bytes, address: str, port: int) -> NtpFact | None:
    if len(datagram) < 48 or datagram[0] & 0x07 != 4 or datagram[24:32] != origin:  # mode 4: server
        return None
    stratum, refid = datagram[1], datagram[12:16]
    seconds, fraction = struct.unpack("!II", datagram[40:48])
    return NtpFact(
        address=address,
        port=port,
        outcome=UdpOutcome.ANSWERED,
        version=(datagram[0] >> 3) & 0x07,
        stratum=stratum,
        leap=datagram[0] >> 6,
        reference_id=_text(refid) if stratum <= 1 else ".".join(str(b) for b in refid),
        server_time=seconds - NTP_EPOCH_OFFSET + fraction / 2**32 if seconds else None,
    )


async def probe_ntp(ctx: CollectContext, address: str, port: int = 123) -> NtpFact:
    transmit = secrets.token_bytes(8)
    payload = bytes((0x23,)) + bytes(39) + transmit  # LI 0, version 4, mode 3 (client)
    exchange, reply = await _ask(
        ctx, address, port, payload, lambda d: _ntp_reply(d, transmit, address, port)
    )
    return reply or NtpFact(address=address, port=port, outcome=exchange.outcome, detail=exchange.detail)


# --- memcached ----------------------------------------------------------------------------------

_FRAME = struct.Struct("!HHHH")
_MEMCACHED_REPLIES = (b"STAT ", b"END", b"ERROR", b"SERVER_ERROR", b"CLIENT_ERROR")


@dataclass(frozen=True, slots=True, kw_only=True)
class MemcachedFact(UdpFact):
    stats: Mapping[str, str] = field(default_factory=dict)
    bytes_sent: int = 0
    bytes_received: int = 0

    @property
    def version(self) -> str:
        return self.stats.get("version", "")

    @property
    def amplification(self) -> float:
        """Bytes received per byte sent (what an attacker spoofing a victim's address would get)."""
        return self.bytes_received / self.bytes_sent if self.bytes_sent else 0.0

    @property
    def summary(self) -> str:
        if not self.answered:
            return self.outcome.value
        return f"memcached {self.version or '?'}, {len(self.stats)} stats, x{self.amplification:.1f}"


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
            stats[_text(name)[:64]] = _text(value)[:100]
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


# --- DNS recursion ------------------------------------------------------------------------------


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
    exchange, reply = await _ask(ctx, address, port, query.to_wire(), lambda d: _dns_reply(d, query))
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


# --- all four -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UdpPorts:
    """Where the UDP services are asked (standard ports unless a lab or test says)."""

    dns: int = 53
    ntp: int = 123
    snmp: int = 161
    memcached: int = 11211


@dataclass(frozen=True, slots=True)
class UdpServiceFacts:
    address: str
    dns: DnsRecursionFact
    ntp: NtpFact
    snmp: SnmpFact
    memcached: MemcachedFact


async def probe_udp_services(
    ctx: CollectContext, address: str, ports: UdpPorts | None = None
) -> UdpServiceFacts:
    """The four probes of one address, concurrently (one datagram each)."""
    p = ports or UdpPorts()
    dns_fact, ntp, snmp, memcached = await asyncio.gather(
        probe_dns_recursion(ctx, address, p.dns),
        probe_ntp(ctx, address, p.ntp),
        probe_snmp(ctx, address, p.snmp),
        probe_memcached_udp(ctx, address, p.memcached),
    )
    return UdpServiceFacts(address, dns_fact, ntp, snmp, memcached)
