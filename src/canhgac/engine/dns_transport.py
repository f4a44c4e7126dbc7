"""UDP transport for the DNS client: query wire, reused sockets, answer matching, cheap negatives.

Owns the per-question CPU cost of :class:`canhgac.engine.dns.DnsClient` over UDP. Three things
differ from calling ``dns.asyncquery.udp_with_fallback`` per question, each measured on the
500-domain benchmark (docs/benchmarks.md):

* **Sockets are reused.** A connected UDP socket per server is checked out for one question at
  a time and returned to a bounded idle pool afterwards (retired after ``MAX_USES`` questions,
  after any error, and after ``IDLE_SECONDS`` unused). One question per socket keeps dnspython's
  attribution rule: whatever the server sends on that socket while the question is pending is
  an answer to it, so an unparseable datagram is still a malformed answer, not an unknown one.
  A well-formed message that is not a response to the question (wrong id, wrong question, a
  late answer) is ignored and the wait goes on. Being connected, a closed port fails at once
  (ICMP port unreachable) instead of after the timeout.
* **The query is built directly** (``build_query``): header, the name's wire form from
  dnspython, type/class and a fixed OPT record. ``make_query(...).to_wire()`` builds a Message,
  an EDNS object and a renderer for the same 50 bytes; a test pins the bytes to dnspython's.
* **Negative answers skip the Message** (``negative_ok``): when ANCOUNT is 0 the verdict needs
  only the header (rcode, AA, AD). The rest is still checked with dnspython's own parser pieces
  (names, the SOA's rdata layout, OPT) so that what a full parse would reject is still rejected; anything
  else (NSEC, RRSIG, EDNS options, extended rcode) goes through ``dns.message.from_wire``.
"""

from __future__ import annotations

import asyncio
import secrets
import struct
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.wire

MAX_USES = 64  # questions per socket before a fresh one (and a fresh source port)
IDLE_SECONDS = 2.0
PAYLOAD = 1232

_HEADER = struct.Struct("!HHHHHH")
_RR = struct.Struct("!HHIH")
_TYPE_CLASS = struct.Struct("!HH")
_QR = int(dns.flags.QR)
_TC = int(dns.flags.TC)
_RD = int(dns.flags.RD)
_OPCODE_MASK = 0x7800
_SOA = int(dns.rdatatype.SOA)
_OPT = int(dns.rdatatype.OPT)
_IN = int(dns.rdataclass.IN)
# The OPT record make_query(use_edns=0, payload=1232) renders: root owner, type, payload, TTL
# (extended rcode 0, version 0, DO when asked), no options.
_OPT_PLAIN = b"\x00" + _RR.pack(_OPT, PAYLOAD, 0, 0)
_OPT_DO = b"\x00" + _RR.pack(_OPT, PAYLOAD, int(dns.flags.DO), 0)


@dataclass(frozen=True)
class Question:
    """One question in the forms the transport needs (built once per name and type)."""

    name: dns.name.Name
    rdtype: dns.rdatatype.RdataType
    wire: bytes  # name, type and class as sent
    folded: bytes  # the name's wire form in lower case, for matching the echoed question

    @classmethod
    def build(cls, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Question:
        name_wire = name.to_wire()
        assert name_wire is not None
        return cls(name, rdtype, name_wire + _TYPE_CLASS.pack(rdtype, _IN), name_wire.lower())


def build_query(question: Question, qid: int, *, recursion: bool, dnssec: bool) -> bytes:
    """The bytes ``dns.message.make_query(name, type, use_edns=0, payload=1232, want_dnssec=...)``
    renders with id ``qid`` (RD cleared when ``recursion`` is false)."""
    header = _HEADER.pack(qid, _RD if recursion else 0, 1, 0, 0, 1)
    return header + question.wire + (_OPT_DO if dnssec else _OPT_PLAIN)


def query_message(question: Question, qid: int, *, recursion: bool, dnssec: bool) -> dns.message.Message:
    """The same query as a dnspython message (for TCP and for ``is_response``)."""
    query = dns.message.make_query(
        question.name, question.rdtype, want_dnssec=dnssec, use_edns=0, payload=PAYLOAD
    )
    query.id = qid
    if not recursion:
        query.flags &= ~dns.flags.RD
    return query


@dataclass(frozen=True)
class Reply:
    """What came back over UDP: a parsed message, a header-only negative, or truncation."""

    message: dns.message.Message | None = None
    rcode: dns.rcode.Rcode = dns.rcode.NOERROR  # with flags: when ``message`` is None, not truncated
    flags: int = 0
    truncated: bool = False


def negative_ok(wire: bytes, offset: int, nscount: int, arcount: int) -> bool:
    """True when, after the question (ending at ``offset``), an answer without answer records
    holds only SOA records and at most one plain OPT record, all of which dnspython parses, and
    nothing after them. False means: let ``dns.message.from_wire`` decide."""
    parser = dns.wire.Parser(wire, offset)
    try:
        for _ in range(nscount):
            parser.get_name()
            rdtype, rdclass, _ttl, rdlen = parser.get_struct("!HHIH")
            if rdtype != _SOA or rdclass != _IN:
                return False
            with parser.restrict_to(rdlen):  # what SOA.from_wire_parser reads, without the object
                parser.get_name()
                parser.get_name()
                parser.get_bytes(20)  # serial, refresh, retry, expire, minimum
        if arcount > 1:
            return False
        if arcount == 1:
            owner = parser.get_name()
            rdtype, _payload, ttl, rdlen = parser.get_struct("!HHIH")
            if rdtype != _OPT or owner != dns.name.root or ttl >> 24 or rdlen:
                return False  # extended rcode, options, or not an OPT at all
        return parser.remaining() == 0
    except Exception:  # any parse failure: the full parser gives the verdict
        return False


def read_reply(wire: bytes, question: Question, qid: int, is_response: Callable[[Any], bool]) -> Reply | None:
    """Judge one datagram received while ``question`` (id ``qid``) was pending.

    Returns None for a message that is not a response to it (ignored), raises what
    ``dns.message.from_wire`` raises for one that cannot be parsed.
    """
    if len(wire) >= 12:
        rid, flags, qdcount, ancount, nscount, arcount = _HEADER.unpack_from(wire)
        end = 12 + len(question.wire)
        if (
            rid == qid
            and flags & _QR
            and not flags & _OPCODE_MASK
            and qdcount == 1
            and wire[12 : end - 4].lower() == question.folded
            and wire[end - 4 : end] == question.wire[-4:]
        ):
            if flags & _TC:
                return Reply(truncated=True)
            if ancount == 0 and negative_ok(wire, end, nscount, arcount):
                return Reply(rcode=dns.rcode.from_flags(flags, 0), flags=flags)
            return Reply(message=dns.message.from_wire(wire, raise_on_truncation=True))
    try:
        message = dns.message.from_wire(wire, raise_on_truncation=True)
    except dns.message.Truncated:
        return Reply(truncated=True)  # as dnspython: TC means TCP, whatever else the datagram holds
    return Reply(message=message) if is_response(message) else None


class _Channel(asyncio.DatagramProtocol):
    """One connected UDP socket; one pending question at a time."""

    def __init__(self, key: tuple[str, int]) -> None:
        self.key = key
        self.transport: asyncio.DatagramTransport | None = None
        self.inbox: list[bytes] = []
        self.waiter: asyncio.Future[None] | None = None
        self.error: Exception | None = None
        self.uses = 0
        self.idle_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.inbox.append(data)
        self._wake()

    def error_received(self, exc: Exception) -> None:
        self.error = exc  # ICMP errors on a connected socket (port unreachable...)
        self._wake()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.error is None:
            self.error = exc or ConnectionAbortedError("socket closed")
        self._wake()

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def next_datagram(self, loop: asyncio.AbstractEventLoop, deadline: float) -> bytes:
        """The next datagram; raises the socket's error, or ``dns.exception.Timeout`` at deadline."""
        while not self.inbox:
            if self.error is not None:
                raise self.error
            if loop.time() >= deadline:
                raise dns.exception.Timeout
            waiter = self.waiter = loop.create_future()
            timer = loop.call_at(deadline, _release, waiter)
            try:
                await waiter
            finally:
                timer.cancel()
                self.waiter = None
        return self.inbox.pop(0)

    def close(self) -> None:
        if self.idle_timer is not None:
            self.idle_timer.cancel()
        if self.transport is not None:
            self.transport.close()


def _release(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class UdpPool:
    """Connected UDP sockets per server, reused one question at a time; at most ``max_idle``
    kept open between questions across all servers (least recently used closed first)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, max_idle: int) -> None:
        self.loop = loop
        self.max_idle = max_idle
        self._idle: OrderedDict[_Channel, None] = OrderedDict()
        self._by_server: dict[tuple[str, int], list[_Channel]] = {}

    async def exchange(
        self,
        host: str,
        port: int,
        question: Question,
        *,
        recursion: bool,
        dnssec: bool,
        timeout: float,  # noqa: ASYNC109 - a deadline per question, checked between datagrams
    ) -> tuple[int, Reply]:
        """Send the question, return (query id, reply). Raises ``dns.exception.Timeout``,
        ``OSError`` (including ICMP errors) or a parse error, as dnspython's ``udp`` does."""
        deadline = self.loop.time() + timeout
        channel = await self._checkout((host, port))
        qid = secrets.randbits(16)
        wire = build_query(question, qid, recursion=recursion, dnssec=dnssec)
        reusable = False
        try:
            assert channel.transport is not None
            channel.transport.sendto(wire)
            checker = _ResponseCheck(question, qid, recursion=recursion, dnssec=dnssec)
            while True:
                data = await channel.next_datagram(self.loop, deadline)
                reply = read_reply(data, question, qid, checker)
                if reply is not None:
                    reusable = channel.error is None and not channel.inbox
                    return qid, reply
        finally:
            if reusable:
                self._checkin(channel)
            else:
                channel.close()

    async def _checkout(self, key: tuple[str, int]) -> _Channel:
        idle = self._by_server.get(key)
        if idle:
            channel = idle.pop()
            del self._idle[channel]
            if channel.idle_timer is not None:
                channel.idle_timer.cancel()
                channel.idle_timer = None
        else:
            _transport, channel = await self.loop.create_datagram_endpoint(
                lambda: _Channel(key), remote_addr=key
            )
        channel.uses += 1
        return channel

    def _checkin(self, channel: _Channel) -> None:
        if channel.uses >= MAX_USES or self.max_idle <= 0:
            channel.close()
            return
        while len(self._idle) >= self.max_idle:
            self._forget(next(iter(self._idle)))
        self._idle[channel] = None
        self._by_server.setdefault(channel.key, []).append(channel)
        channel.idle_timer = self.loop.call_later(IDLE_SECONDS, self._forget, channel)

    def _forget(self, channel: _Channel) -> None:
        self._idle.pop(channel, None)
        idle = self._by_server.get(channel.key)
        if idle is not None and channel in idle:
            idle.remove(channel)
            if not idle:
                del self._by_server[channel.key]
        channel.close()

    def close(self) -> None:
        """Close every idle socket (those in use close when their question ends)."""
        for channel in list(self._idle):
            self._forget(channel)


class _ResponseCheck:
    """``Message.is_response`` against the query, built only when a datagram needs it."""

    def __init__(self, question: Question, qid: int, *, recursion: bool, dnssec: bool) -> None:
        self._args = (question, qid, recursion, dnssec)
        self._query: dns.message.Message | None = None

    def __call__(self, message: Any) -> bool:
        if self._query is None:
            question, qid, recursion, dnssec = self._args
            self._query = query_message(question, qid, recursion=recursion, dnssec=dnssec)
        return bool(self._query.is_response(message))
