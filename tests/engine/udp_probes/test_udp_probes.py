"""The UDP probes against tiny responders on random 127.x addresses speaking the real protocols.

The SNMP agent, NTP server and memcached responder below decode the probe's bytes with code of
their own (not the probe's) and answer as the real servers do; the DNS responders are built
with dnspython. Hostile responders flood, send garbage, or never answer.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import struct
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, cast

import dns.flags
import dns.message
import dns.rcode
import dns.rrset
import pytest
from loopback_support import needs_ipv6_loopback, network_context, random_loopback

from canhgac.engine.context import CollectContext, NetworkLimits
from canhgac.engine.facts.udp import UdpOutcome, UdpPorts
from canhgac.engine.udp_probes.dns_recursion import _dns_reply, probe_dns_recursion
from canhgac.engine.udp_probes.memcached import _memcached_parts, probe_memcached_udp
from canhgac.engine.udp_probes.ntp import NTP_EPOCH_OFFSET, _ntp_reply, probe_ntp
from canhgac.engine.udp_probes.services import probe_udp_services
from canhgac.engine.udp_probes.snmp import _parse_snmp, probe_snmp, snmp_get_request

READ_TIMEOUT = 0.5
Answer = Callable[[bytes], list[bytes]]


def random_address() -> str:
    return random_loopback((100, 199), (2, 250))


def context(address: str, max_reply_bytes: int = 65536) -> CollectContext:
    limits = NetworkLimits(connect_timeout=0.5, read_timeout=READ_TIMEOUT, max_reply_bytes=max_reply_bytes)
    return network_context(f"{address}/32", net=limits)


class Responder(asyncio.DatagramProtocol):
    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests: list[bytes] = []
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.requests.append(data)
        assert self.transport is not None
        for reply in self.answer(data):
            self.transport.sendto(reply, addr)


@asynccontextmanager
async def responder(address: str, answer: Answer) -> AsyncIterator[tuple[int, Responder]]:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(
        lambda: Responder(answer), local_addr=(address, 0)
    )
    try:
        yield transport.get_extra_info("sockname")[1], protocol
    finally:
        transport.close()


def free_udp_port(address: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((address, 0))
        return int(s.getsockname()[1])


# --- a test-side SNMP agent (its own BER walker) ---------------------------------------------------


def tlvs(buf: bytes) -> list[tuple[int, bytes]]:
    out, pos = [], 0
    while pos < len(buf):
        tag, length = buf[pos], buf[pos + 1]
        pos += 2
        if length & 0x80:
            n = length & 0x7F
            length = int.from_bytes(buf[pos : pos + n], "big")
            pos += n
        out.append((tag, buf[pos : pos + length]))
        pos += length
    return out


def enc(tag: int, content: bytes) -> bytes:
    return bytes((tag,)) + _len(content) + content


def snmp_agent(community: bytes, descr: bytes | None) -> Answer:
    """Answers GetRequest for sysDescr.0 when the community matches; silent otherwise (as agents are)."""

    def answer(data: bytes) -> list[bytes]:
        ((_, message),) = tlvs(data)
        (_, version), (_, got_community), (pdu_tag, pdu) = tlvs(message)
        if got_community != community or pdu_tag != 0xA0 or version != b"\x01":
            return []
        (_, request_id), _, _, (_, varbinds) = tlvs(pdu)
        ((_, varbind),) = tlvs(varbinds)
        (_, oid), (_, _null) = tlvs(varbind)
        assert oid == bytes.fromhex("2b06010201010100")  # 1.3.6.1.2.1.1.1.0
        value = enc(0x04, descr) if descr is not None else b"\x80\x00"  # noSuchObject
        bound = enc(0x30, enc(0x30, enc(0x06, oid) + value))
        body = enc(0x02, request_id) + b"\x02\x01\x00\x02\x01\x00" + bound
        return [enc(0x30, b"\x02\x01\x01" + enc(0x04, community) + enc(0xA2, body))]

    return answer


def _len(content: bytes) -> bytes:
    n = len(content)
    return bytes((n,)) if n < 0x80 else b"\x82" + n.to_bytes(2, "big")


def test_snmp_request_is_the_documented_43_bytes() -> None:
    wire = snmp_get_request(0x01020304)
    assert wire == bytes.fromhex(
        "3029"  # SEQUENCE, 41 bytes
        "020101"  # version: 1 (v2c)
        "04067075626c6963"  # community "public"
        "a01c"  # GetRequest-PDU, 28 bytes
        "020401020304"  # request-id
        "020100020100"  # error-status 0, error-index 0
        "300e300c06082b060102010101000500"  # varbind list: sysDescr.0 = NULL
    )
    assert len(wire) == 43
    assert len(snmp_get_request(1)) == 40  # the smallest request id: the classic 40-byte probe


async def test_snmp_agent_answering_public() -> None:
    address = random_address()
    descr = b"RouterOS CCR1036-8G-2S+ " + b"x" * 150  # long enough for a long-form BER length
    async with responder(address, snmp_agent(b"public", descr)) as (port, agent):
        fact = await probe_snmp(context(address), address, port)
    assert fact.outcome is UdpOutcome.ANSWERED and fact.community_accepted
    assert fact.error_status == 0 and fact.sys_descr.startswith("RouterOS CCR1036")
    assert len(agent.requests) == 1 and "sysDescr: RouterOS" in fact.summary


async def test_snmp_agent_without_the_object_still_accepts_the_community() -> None:
    address = random_address()
    async with responder(address, snmp_agent(b"public", None)) as (port, _):
        fact = await probe_snmp(context(address), address, port)
    assert fact.community_accepted and fact.sys_descr == ""


async def test_snmp_agent_with_another_community_stays_silent() -> None:
    address = random_address()
    async with responder(address, snmp_agent(b"s3cr3t-community", b"never")) as (port, agent):
        started = time.monotonic()
        fact = await probe_snmp(context(address), address, port)
    assert fact.outcome is UdpOutcome.NO_ANSWER and not fact.community_accepted
    assert READ_TIMEOUT * 0.9 <= time.monotonic() - started < READ_TIMEOUT + 0.5
    assert len(agent.requests) == 1


async def test_closed_udp_port_is_unreachable_at_once() -> None:
    address = random_address()
    port = free_udp_port(address)
    started = time.monotonic()
    fact = await probe_snmp(context(address), address, port)
    assert fact.outcome is UdpOutcome.UNREACHABLE
    assert time.monotonic() - started < READ_TIMEOUT


# --- NTP ----------------------------------------------------------------------------------------


def ntp_server(stratum: int = 2, echo_origin: bool = True) -> Answer:
    def answer(data: bytes) -> list[bytes]:
        assert len(data) == 48 and data[0] & 0x07 == 3  # mode 3 only: never 6 (control) or 7 (monlist)
        now = time.time() + NTP_EPOCH_OFFSET
        stamp = struct.pack("!II", int(now), int((now % 1) * 2**32))
        origin = data[40:48] if echo_origin else bytes(8)
        header = bytes((0x24, stratum, 6, 0xEC)) + bytes(8) + bytes((192, 0, 2, 1))
        return [header + stamp + origin + stamp + stamp]

    return answer


async def test_ntp_server_answers_a_client_request() -> None:
    address = random_address()
    async with responder(address, ntp_server()) as (port, server):
        fact = await probe_ntp(context(address), address, port)
    assert fact.answered and fact.version == 4 and fact.stratum == 2 and fact.leap == 0
    assert fact.reference_id == "192.0.2.1"
    assert fact.server_time is not None and abs(fact.server_time - time.time()) < 5
    assert server.requests[0][0] == 0x23 and fact.summary == "NTPv4 stratum 2 refid 192.0.2.1"


async def test_ntp_reply_that_does_not_echo_our_timestamp_is_malformed() -> None:
    address = random_address()
    async with responder(address, ntp_server(echo_origin=False)) as (port, _):
        fact = await probe_ntp(context(address), address, port)
    assert fact.outcome is UdpOutcome.MALFORMED and not fact.answered


# --- memcached ----------------------------------------------------------------------------------

STATS = (
    b"".join(
        b"STAT %s %s\r\n" % (k, v)
        for k, v in [
            (b"pid", b"4242"),
            (b"uptime", b"86400"),
            (b"version", b"1.6.21"),
            (b"curr_items", b"12"),
        ]
        + [(b"stat_%d" % i, b"0" * 40) for i in range(40)]
    )
    + b"END\r\n"
)


def memcached(same_id: bool = True) -> Answer:
    """memcached's UDP reply: the text cut into datagrams, each behind the 8-byte frame header."""

    def answer(data: bytes) -> list[bytes]:
        request_id, seq, total, reserved = struct.unpack("!HHHH", data[:8])
        assert (seq, total, reserved) == (0, 1, 0) and data[8:] == b"stats\r\n"
        rid = request_id if same_id else request_id ^ 0xFFFF
        chunks = [STATS[i : i + 1000] for i in range(0, len(STATS), 1000)]
        frames = [struct.pack("!HHHH", rid, i, len(chunks), 0) + c for i, c in enumerate(chunks)]
        return frames[::-1]  # out of order: reassembly goes by sequence number

    return answer


async def test_memcached_stats_over_udp_are_reassembled() -> None:
    address = random_address()
    async with responder(address, memcached()) as (port, _):
        fact = await probe_memcached_udp(context(address), address, port)
    assert fact.answered and fact.version == "1.6.21" and fact.stats["pid"] == "4242"
    assert len(fact.stats) == 44
    assert fact.bytes_sent == 15 and fact.amplification > 100


async def test_memcached_reply_to_another_request_is_malformed() -> None:
    address = random_address()
    async with responder(address, memcached(same_id=False)) as (port, _):
        fact = await probe_memcached_udp(context(address), address, port)
    assert fact.outcome is UdpOutcome.MALFORMED and fact.stats == {}


# --- DNS recursion ------------------------------------------------------------------------------


def dns_server(kind: str) -> Answer:
    def answer(data: bytes) -> list[bytes]:
        query = dns.message.from_wire(data)
        assert query.flags & dns.flags.RD and query.question[0].name.to_text() == "www.example.com."
        response = dns.message.make_response(query, recursion_available=kind.startswith("recursive"))
        if kind == "recursive":
            response.answer.append(dns.rrset.from_text("www.example.com.", 300, "IN", "A", "93.184.215.14"))
        elif kind == "recursive-nxdomain":
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif kind == "recursive-servfail":
            response.set_rcode(dns.rcode.SERVFAIL)
        elif kind == "refused":
            response.set_rcode(dns.rcode.REFUSED)
        elif kind == "referral":
            response.authority.append(dns.rrset.from_text(".", 518400, "IN", "NS", "a.root-servers.net."))
        elif kind == "authoritative":
            response.flags |= dns.flags.AA
            response.answer.append(dns.rrset.from_text("www.example.com.", 300, "IN", "A", "192.0.2.80"))
        return [response.to_wire()]

    return answer


@pytest.mark.parametrize(
    ("kind", "expected", "rcode"),
    [
        ("recursive", True, "NOERROR"),
        ("recursive-nxdomain", True, "NXDOMAIN"),
        ("recursive-servfail", None, "SERVFAIL"),
        ("refused", False, "REFUSED"),
        ("referral", False, "NOERROR"),
        ("authoritative", None, "NOERROR"),
    ],
)
async def test_dns_recursion(kind: str, expected: bool | None, rcode: str) -> None:
    address = random_address()
    async with responder(address, dns_server(kind)) as (port, _):
        fact = await probe_dns_recursion(context(address), address, port)
    assert fact.answered and fact.rcode == rcode
    assert fact.open_recursion is expected
    if kind == "recursive":
        assert fact.answers == ("93.184.215.14",) and fact.recursion_available and not fact.authoritative


# --- hostile and out of scope -------------------------------------------------------------------


async def test_flood_of_garbage_is_bounded() -> None:
    address = random_address()
    async with responder(address, lambda data: [os.urandom(1200) for _ in range(200)]) as (port, _):
        started = time.monotonic()
        fact = await probe_dns_recursion(context(address, max_reply_bytes=20_000), address, port)
    assert fact.outcome is UdpOutcome.MALFORMED and fact.open_recursion is None
    assert "size bound" in fact.detail
    assert time.monotonic() - started < READ_TIMEOUT


async def test_silent_server_gives_no_answer_within_the_read_timeout() -> None:
    address = random_address()
    async with responder(address, lambda data: []) as (port, server):
        started = time.monotonic()
        facts = await probe_udp_services(context(address), address, UdpPorts(port, port, port, port))
    assert time.monotonic() - started < READ_TIMEOUT + 0.5
    assert len(server.requests) == 4
    for fact in (facts.dns, facts.ntp, facts.snmp, facts.memcached):
        assert fact.outcome is UdpOutcome.NO_ANSWER and fact.summary == "no_answer"


async def test_out_of_scope_addresses_get_no_datagram(monkeypatch: pytest.MonkeyPatch) -> None:
    contacted: list[object] = []
    real_connect, real_sendto = socket.socket.connect, socket.socket.sendto

    def spy_connect(self: socket.socket, address: Any) -> None:
        contacted.append(address)
        real_connect(self, address)

    def spy_sendto(self: socket.socket, data: bytes, *args: object) -> int:
        contacted.append(args[-1])
        return real_sendto(self, data, *args)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr(socket.socket, "connect", spy_connect)
    monkeypatch.setattr(socket.socket, "sendto", spy_sendto)
    ctx = context(random_address())
    for address in (random_address(), "192.0.2.53", "::1"):
        facts = await probe_udp_services(ctx, address)
        for fact in (facts.dns, facts.ntp, facts.snmp, facts.memcached):
            assert fact.outcome is UdpOutcome.OUT_OF_SCOPE and "outside the declared scope" in fact.detail
    assert contacted == []


async def test_all_four_services_on_one_address() -> None:
    address = random_address()
    async with (
        responder(address, dns_server("recursive")) as (dns_port, _),
        responder(address, ntp_server(stratum=3)) as (ntp_port, _),
        responder(address, snmp_agent(b"public", b"Linux printer")) as (snmp_port, _),
        responder(address, memcached()) as (mc_port, _),
    ):
        facts = await probe_udp_services(
            context(address), address, UdpPorts(dns_port, ntp_port, snmp_port, mc_port)
        )
    assert facts.dns.open_recursion is True
    assert facts.ntp.stratum == 3
    assert facts.snmp.sys_descr == "Linux printer"
    assert facts.memcached.version == "1.6.21"


def test_parsers_are_total_on_random_bytes() -> None:
    rng = random.Random(5)
    query = dns.message.make_query("www.example.com", "A")
    for _ in range(3000):
        blob = rng.randbytes(rng.randint(0, 120))
        if rng.random() < 0.5:  # plausible starts: a BER sequence, an NTP server header, a frame
            blob = rng.choice([b"\x30", b"\x30\x82", b"\x24\x02", b"\x00\x01\x00\x00\x00\x02\x00\x00"]) + blob
        _parse_snmp(blob, 1)
        _ntp_reply(blob, bytes(8), "127.0.0.1", 123)
        _memcached_parts([blob], 1)
        _dns_reply(blob, query)


@needs_ipv6_loopback(socket.SOCK_DGRAM)
async def test_ipv6_loopback() -> None:
    ctx = network_context("::1/128", net=NetworkLimits(read_timeout=READ_TIMEOUT))
    async with responder("::1", dns_server("refused")) as (port, _):
        fact = await probe_dns_recursion(ctx, "::1", port)
    assert fact.answered and fact.open_recursion is False and fact.summary == "REFUSED [no RA] 0 answer(s)"
