"""The lab's authoritative DNS server: real UDP and TCP listeners on a loopback address.

One :class:`LabDnsServer` holds a set of zones (see :mod:`canhgac.lab.dns_zones` for how it
answers from them) and can be told to misbehave for chosen questions (:class:`Fault`), to
answer late (``delay``, per request, so slow answers do not serialise), to allow zone
transfers, and to sign zones with DNSSEC. UDP answers larger than the client's EDNS payload
come back truncated so the client retries over TCP. Hostile input never stops it: what
cannot be parsed is dropped or answered FORMERR.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import os
import struct
from collections.abc import Coroutine, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from canhgac.lab.dns_zones import ZoneSet, absolute
from canhgac.lab.responder_base import Serving, cancel_all

log = logging.getLogger(__name__)

OUR_PAYLOAD = 1232
PLAIN_UDP_LIMIT = 512
TCP_IDLE_TIMEOUT = 10.0
AXFR_RRSETS_PER_MESSAGE = 20
_HEADER = struct.Struct("!HHHHHH")


class Fault(enum.Enum):
    """How a server misbehaves for a given (name, type) question."""

    SERVFAIL = "servfail"
    REFUSED = "refused"
    NXDOMAIN = "nxdomain"
    DROP = "drop"  # never answers
    TRUNCATE = "truncate"  # TC bit over UDP, the full answer over TCP
    GARBAGE = "garbage"  # random bytes
    MALFORMED = "malformed"  # a well-formed header with broken rdata
    NOT_AUTHORITATIVE = "not_authoritative"  # a normal answer with AA clear


FaultKey = tuple[str, str]


class LabDnsServer(Serving):
    """An authoritative DNS server for the lab, started with ``async with``."""

    def __init__(
        self,
        zones: Mapping[str, str],
        address: str = "127.0.0.1",
        port: int = 0,
        delay: float = 0.0,
        faults: Mapping[FaultKey, Fault] | None = None,
        axfr_allowed: Iterable[str] = (),
        sign: Iterable[str] = (),
    ) -> None:
        self.address = address
        self.port = port
        self.delay = delay
        self.faults = {
            (absolute(name).to_text().rstrip("."), rdtype.upper()): fault
            for (name, rdtype), fault in (faults or {}).items()
        }
        self.axfr_allowed = frozenset(absolute(z) for z in axfr_allowed)
        self.zone_set = ZoneSet(zones, sign)
        self.internal_errors = 0  # unexpected exceptions while answering; tests assert zero
        self._udp: asyncio.DatagramTransport | None = None
        self._udp_protocol: _UdpProtocol | None = None
        self._tcp: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        """Bind UDP and TCP on the same port (a free one when ``port`` is 0)."""
        loop = asyncio.get_running_loop()
        for _ in range(20 if self.port == 0 else 1):
            udp, protocol = await loop.create_datagram_endpoint(
                lambda: _UdpProtocol(self), local_addr=(self.address, self.port)
            )
            port = udp.get_extra_info("sockname")[1]
            try:
                self._tcp = await asyncio.start_server(self._serve_tcp, self.address, port)
            except OSError:
                udp.close()
                if self.port != 0:
                    raise
                continue
            self._udp, self._udp_protocol, self.port = udp, protocol, port
            return
        raise OSError(f"no port free for both UDP and TCP on {self.address}")

    async def stop(self) -> None:
        if self._udp is not None and self._udp_protocol is not None:
            self._udp.close()
            await self._udp_protocol.closed  # the socket is released once this resolves
            self._udp, self._udp_protocol = None, None
        if self._tcp is not None:
            self._tcp.close()
            self._tcp = None
        await cancel_all(self._tasks)

    def holds(self, origin: str) -> bool:
        """Whether this server holds zone ``origin``."""
        return absolute(origin) in self.zone_set.zones

    def replace_zone(self, origin: str, text: str) -> None:
        """Serve new master-file text for a zone this server holds (re-signed if it was signed).

        Call it from the server's event loop; the next question is answered from the new text.
        """
        self.zone_set.replace(origin, text)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def handle_udp(self, data: bytes, peer: tuple[str, int]) -> None:
        for wire in await self._guarded_replies(data, tcp=False):
            if self._udp is not None:
                self._udp.sendto(wire, peer)

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            while True:
                header = await asyncio.wait_for(reader.readexactly(2), TCP_IDLE_TIMEOUT)
                length = int.from_bytes(header, "big")
                data = await asyncio.wait_for(reader.readexactly(length), TCP_IDLE_TIMEOUT)
                for wire in await self._guarded_replies(data, tcp=True):
                    writer.write(len(wire).to_bytes(2, "big") + wire)
                await writer.drain()
        except (asyncio.IncompleteReadError, TimeoutError, ConnectionError):
            pass  # the client went away or stalled: close the connection
        except asyncio.CancelledError:
            # Only stop() cancels this task. asyncio's stream server logs a cancelled
            # connection task as an error, so the connection just ends here.
            pass
        finally:
            if task is not None:
                self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _guarded_replies(self, data: bytes, *, tcp: bool) -> list[bytes]:
        try:
            return await self._replies(data, tcp=tcp)
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug must not take the lab server down; it is counted and logged
            self.internal_errors += 1
            log.exception("lab DNS server %s:%s failed to answer", self.address, self.port)
            return []

    async def _replies(self, data: bytes, *, tcp: bool) -> list[bytes]:
        """The wire messages that answer one request (none for DROP or unparseable input)."""
        query = _parse(data)
        if not isinstance(query, dns.message.Message):
            return [query] if query else []
        fault = self._fault_for(query)
        if self.delay > 0:
            await asyncio.sleep(self.delay)
        if fault is Fault.DROP:
            return []
        if fault is Fault.GARBAGE:
            return [os.urandom(48)]
        if fault is Fault.MALFORMED:
            return [_malformed(query)]
        if query.question and query.question[0].rdtype in (dns.rdatatype.AXFR, dns.rdatatype.IXFR):
            return self._transfer(query, tcp=tcp)
        response = self._respond(query, fault)
        if fault is Fault.TRUNCATE and not tcp:
            response.answer, response.authority, response.additional = [], [], []
            response.flags |= dns.flags.TC
        limit = 65535 if tcp else _udp_limit(query)
        return [response.to_wire(max_size=limit, prefer_truncation=True)]

    def _fault_for(self, query: dns.message.Message) -> Fault | None:
        if len(query.question) != 1:
            return None
        question = query.question[0]
        name = question.name.canonicalize().to_text().rstrip(".")
        qtype = dns.rdatatype.to_text(question.rdtype).upper()
        return self.faults.get((name, qtype)) or self.faults.get((name, "*"))

    def _respond(self, query: dns.message.Message, fault: Fault | None) -> dns.message.Message:
        response = dns.message.make_response(
            query, recursion_available=bool(query.flags & dns.flags.RD), our_payload=OUR_PAYLOAD
        )
        if query.ednsflags & dns.flags.DO:
            response.ednsflags |= dns.flags.DO
        rcode = _request_error(query)
        if rcode is not None:
            response.set_rcode(rcode)
            return response
        if fault in (Fault.SERVFAIL, Fault.REFUSED):
            response.set_rcode(dns.rcode.SERVFAIL if fault is Fault.SERVFAIL else dns.rcode.REFUSED)
            return response
        question = query.question[0]
        self.zone_set.answer(response, question.name.canonicalize(), question.rdtype)
        if fault is Fault.NXDOMAIN:
            response.answer, response.additional = [], []
            response.set_rcode(dns.rcode.NXDOMAIN)
        if fault is Fault.NOT_AUTHORITATIVE:
            response.flags &= ~dns.flags.AA
        return response

    def _transfer(self, query: dns.message.Message, *, tcp: bool) -> list[bytes]:
        """AXFR over TCP for allowed zones (SOA ... SOA in several messages); REFUSED otherwise."""
        origin = query.question[0].name.canonicalize()
        rrsets = self.zone_set.transfer(origin) if tcp and origin in self.axfr_allowed else None
        if query.question[0].rdtype != dns.rdatatype.AXFR or rrsets is None:
            response = dns.message.make_response(query)
            response.set_rcode(
                dns.rcode.REFUSED if query.question[0].rdtype == dns.rdatatype.AXFR else dns.rcode.NOTIMP
            )
            return [response.to_wire()]
        messages = []
        for start in range(0, len(rrsets), AXFR_RRSETS_PER_MESSAGE):
            response = dns.message.make_response(query)
            response.flags |= dns.flags.AA
            response.answer = rrsets[start : start + AXFR_RRSETS_PER_MESSAGE]
            messages.append(response.to_wire(max_size=65535))
        return messages


class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, server: LabDnsServer) -> None:
        self.server = server
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.server.spawn(self.server.handle_udp(data, addr))

    def error_received(self, exc: Exception) -> None:
        log.debug("lab DNS server UDP error: %s", exc)


def _parse(data: bytes) -> dns.message.Message | bytes | None:
    """The query, or a FORMERR reply for a readable header, or None to drop silently."""
    if len(data) < _HEADER.size:
        return None
    qid, flags = struct.unpack("!HH", data[:4])
    if flags & dns.flags.QR:
        return None  # never answer a response: that is how reflection loops start
    try:
        return dns.message.from_wire(data)
    except Exception:  # hostile input can raise anything from the parser; it gets FORMERR
        opcode_bits = flags & 0x7800
        return _HEADER.pack(qid, dns.flags.QR | opcode_bits | dns.rcode.FORMERR, 0, 0, 0, 0)


def _request_error(query: dns.message.Message) -> dns.rcode.Rcode | None:
    """The rcode for a request this server will not process as a question, if any."""
    if query.opcode() != dns.opcode.QUERY:
        return dns.rcode.NOTIMP
    if len(query.question) != 1:
        return dns.rcode.FORMERR
    if query.edns > 0:
        return dns.rcode.BADVERS
    if query.question[0].rdclass != dns.rdataclass.IN:
        return dns.rcode.REFUSED
    return None


def _udp_limit(query: dns.message.Message) -> int:
    return max(PLAIN_UDP_LIMIT, query.payload) if query.edns >= 0 else PLAIN_UDP_LIMIT


def _malformed(query: dns.message.Message) -> bytes:
    """A response whose header and question are fine but whose answer rdata runs short."""
    question = query.question[0] if query.question else None
    flags = dns.flags.QR | dns.flags.AA | (query.flags & dns.flags.RD)
    if question is None:
        return _HEADER.pack(query.id, flags, 0, 1, 0, 0) + b"\x00\x00\x01\x00\x01"
    wire = _HEADER.pack(query.id, flags, 1, 1, 0, 0)
    wire += question.name.to_digestable() + struct.pack("!HH", question.rdtype, question.rdclass)
    # The answer claims 64 bytes of rdata and carries 4.
    answer = struct.pack("!HHIH", question.rdtype, question.rdclass, 300, 64) + b"\x7f\x00\x00\x01"
    return wire + b"\xc0\x0c" + answer


@dataclass(frozen=True)
class ServerSpec:
    """What one address of a :class:`LabDnsCluster` serves."""

    zones: Mapping[str, str] = field(default_factory=dict)
    sign: frozenset[str] = frozenset()
    axfr_allowed: frozenset[str] = frozenset()
    faults: Mapping[FaultKey, Fault] = field(default_factory=dict)


class LabDnsCluster(Serving):
    """Several lab servers on different loopback addresses sharing one port.

    This is how the lab plays a zone's authoritative name servers: the engine asks each NS
    address directly on one configurable port. Each address has its own zone set, so one
    can hold a stale copy and another none at all (it answers REFUSED: a lame server).
    """

    def __init__(self, servers: Mapping[str, ServerSpec], port: int = 0, delay: float = 0.0) -> None:
        self.specs = dict(servers)
        self.port = port
        self.delay = delay
        self.servers: dict[str, LabDnsServer] = {}

    async def start(self) -> None:
        """Start every server on ``port``; with port 0, on a port free on every address."""
        attempts = 10 if self.port == 0 else 1
        for attempt in range(attempts):
            try:
                await self._start_all(self.port)
                return
            except OSError:
                await self.stop()
                if attempt == attempts - 1:
                    raise

    async def _start_all(self, port: int) -> None:
        for address, spec in self.specs.items():
            server = LabDnsServer(
                spec.zones,
                address=address,
                port=port,
                delay=self.delay,
                faults=spec.faults,
                axfr_allowed=spec.axfr_allowed,
                sign=spec.sign,
            )
            await server.start()
            self.servers[address] = server
            port = server.port
        self.port = port

    async def stop(self) -> None:
        servers, self.servers = list(self.servers.values()), {}
        for server in servers:
            await server.stop()

    def replace_zone(self, origin: str, text: str) -> list[str]:
        """Swap zone ``origin`` for ``text`` on every server that holds it; their addresses.

        Every holder gets the same text (a stale copy becomes current). The specs follow, so
        a restarted cluster serves the new text too. KeyError if no server holds the zone.
        """
        wanted = absolute(origin)
        holders = [a for a, spec in self.specs.items() if any(absolute(z) == wanted for z in spec.zones)]
        if not holders:
            raise KeyError(f"no lab server holds zone {origin}")
        for address in holders:
            spec = self.specs[address]
            zones = {z: t for z, t in spec.zones.items() if absolute(z) != wanted}
            self.specs[address] = replace(spec, zones={**zones, origin: text})
            server = self.servers.get(address)
            if server is not None:
                server.replace_zone(origin, text)
        return holders

    @property
    def internal_errors(self) -> int:
        return sum(server.internal_errors for server in self.servers.values())
