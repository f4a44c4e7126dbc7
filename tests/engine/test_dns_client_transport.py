"""The DNS client's UDP transport: reused sockets, answer matching, hostile servers, cheap negatives.

A scripted loopback server (``Scripted``) decides per query what to send back, so each test can
reorder, duplicate, corrupt or withhold answers. The verdict tests compare the header-only path
for negative answers with dnspython's full parse on the same bytes.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest
from typer.testing import CliRunner

import canhgac.lab
from canhgac import i18n
from canhgac.cli.main import app
from canhgac.engine.context import CollectContext
from canhgac.engine.dns import DnsClient, ServerAddress, _interpret, _interpret_reply
from canhgac.engine.dns_transport import MAX_USES, Question, build_query, read_reply
from canhgac.engine.facts.dns import DnsAnswer, DnsStatus
from canhgac.inventory.loader import load_inventory
from canhgac.lab.dns_server import Fault, LabDnsServer
from canhgac.services.scan import settings_for

ZONE = """$TTL 300
@     SOA  ns1 hostmaster 1 3600 900 1209600 300
@     NS   ns1
ns1   A    127.0.0.11
www   A    127.0.0.80
*.w   TXT  "wild"
big   TXT  "v=spf1 -all"
"""

Reply = list[tuple[float, bytes]]  # (delay in seconds, datagram) pairs


class Scripted(asyncio.DatagramProtocol):
    """A UDP server on 127.0.0.1 whose answers come from ``script(query, wire) -> Reply``."""

    def __init__(self, script: Callable[[dns.message.Message, bytes], Reply | Awaitable[Reply]]) -> None:
        self.script = script
        self.transport: asyncio.DatagramTransport | None = None
        self.queries: list[dns.message.Message] = []
        self.peers: set[Any] = set()
        self.tasks: set[asyncio.Task[None]] = set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: Any) -> None:
        query = dns.message.from_wire(data)
        self.queries.append(query)
        self.peers.add(addr)
        task = asyncio.get_running_loop().create_task(self._answer(query, data, addr))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _answer(self, query: dns.message.Message, data: bytes, addr: Any) -> None:
        plan = self.script(query, data)
        if not isinstance(plan, list):
            plan = await plan
        for delay, wire in plan:
            if delay:
                await asyncio.sleep(delay)
            assert self.transport is not None
            self.transport.sendto(wire, addr)

    @property
    def port(self) -> int:
        assert self.transport is not None
        return int(self.transport.get_extra_info("sockname")[1])


async def scripted(script: Callable[..., Any]) -> Scripted:
    loop = asyncio.get_running_loop()
    _t, proto = await loop.create_datagram_endpoint(lambda: Scripted(script), local_addr=("127.0.0.1", 0))
    return proto


def a_answer(query: dns.message.Message, address: str, *, qid: int | None = None) -> bytes:
    response = dns.message.make_response(query)
    if qid is not None:
        response.id = qid
    q = query.question[0]
    response.answer.append(dns.rrset.from_text(q.name, 60, "IN", "A", address))
    return response.to_wire()


def index_of(query: dns.message.Message) -> int:
    return int(query.question[0].name.labels[0].decode().removeprefix("h"))


def client_for(port: int, timeout: float = 1.0, in_flight: int = 256) -> tuple[DnsClient, ServerAddress]:
    server = ServerAddress("127.0.0.1", port)
    return DnsClient((server,), timeout=timeout, attempts=1, max_in_flight=in_flight), server


# --- the query bytes -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["example.gov.test", "Sel1._domainkey.Agency.GOV.test", "."])
@pytest.mark.parametrize("rdtype", ["A", "TXT", "DNSKEY", "HTTPS", "CAA"])
@pytest.mark.parametrize("recursion", [True, False])
@pytest.mark.parametrize("dnssec", [True, False])
def test_query_bytes_are_dnspythons(name: str, rdtype: str, recursion: bool, dnssec: bool) -> None:
    qname, qtype = dns.name.from_text(name), dns.rdatatype.from_text(rdtype)
    expected = dns.message.make_query(qname, qtype, want_dnssec=dnssec, use_edns=0, payload=1232)
    expected.id = 0x1234
    if not recursion:
        expected.flags &= ~dns.flags.RD
    wire = build_query(Question.build(qname, qtype), 0x1234, recursion=recursion, dnssec=dnssec)
    assert wire == expected.to_wire()


# --- sockets, matching, hostile servers ------------------------------------------------------


async def test_pool_reuses_a_few_sockets_under_concurrency() -> None:
    def numbered(q: dns.message.Message, _w: bytes) -> Reply:
        index = index_of(q)
        return [(0.02, a_answer(q, f"127.0.{index // 256}.{index % 256}"))]

    server = await scripted(numbered)
    client, _ = client_for(server.port, in_flight=16)
    answers = await asyncio.gather(*(client.query(f"h{i}.test", "A") for i in range(400)))
    assert [a.records for a in answers] == [(f"127.0.{i // 256}.{i % 256}",) for i in range(400)]
    assert len(server.queries) == 400
    # at most 16 in flight, each socket used up to MAX_USES times: far fewer sockets than questions
    assert len(server.peers) <= 16 * (400 // MAX_USES + 1)
    assert len(server.peers) < 150
    client.close()


async def test_answers_out_of_order_reach_their_questions() -> None:
    arrived: list[asyncio.Future[None]] = []
    all_in = asyncio.Event()

    async def reverse(q: dns.message.Message, _w: bytes) -> Reply:
        index = index_of(q)
        arrived.append(asyncio.get_running_loop().create_future())
        if len(arrived) == 20:
            all_in.set()
        await all_in.wait()
        await asyncio.sleep(0.005 * (20 - index))  # the last asked is answered first
        return [(0, a_answer(q, f"127.0.0.{index + 1}"))]

    server = await scripted(reverse)
    client, _ = client_for(server.port)
    answers = await asyncio.gather(*(client.query(f"h{i}.test", "A") for i in range(20)))
    assert [a.records for a in answers] == [(f"127.0.0.{i + 1}",) for i in range(20)]


async def test_wrong_id_and_wrong_question_answers_are_ignored() -> None:
    def decoys_first(q: dns.message.Message, _w: bytes) -> Reply:
        other = dns.message.make_query("other.test", "A")
        other.id = q.id
        return [
            (0, a_answer(q, "127.6.6.6", qid=q.id ^ 0x5A5A)),  # wrong id
            (0, a_answer(other, "127.6.6.7")),  # right id, other question
            (0.01, a_answer(q, "127.0.0.1")),
        ]

    server = await scripted(decoys_first)
    client, _ = client_for(server.port)
    answer = await client.query("h1.test", "A")
    assert answer.ok and answer.records == ("127.0.0.1",)


async def test_a_duplicate_answer_does_not_answer_the_next_question() -> None:
    def twice(q: dns.message.Message, _w: bytes) -> Reply:
        index = index_of(q)
        return [(0, a_answer(q, f"127.0.0.{index}")), (0.05, a_answer(q, f"127.0.0.{index}"))]

    server = await scripted(twice)
    client, _ = client_for(server.port, in_flight=1)
    first = await client.query("h1.test", "A")
    second = await client.query("h2.test", "A")  # same socket; the duplicate of h1 arrives meanwhile
    assert first.records == ("127.0.0.1",) and second.records == ("127.0.0.2",)
    assert len(server.peers) == 1


async def test_a_server_that_never_answers_times_out_and_its_socket_is_dropped() -> None:
    server = await scripted(lambda q, _w: [])
    client, _ = client_for(server.port, timeout=0.2)
    started = time.monotonic()
    answer = await client.query("h1.test", "A")
    assert answer.status is DnsStatus.TIMEOUT and answer.detail == "no answer in 0.2s"
    assert 0.2 <= time.monotonic() - started < 0.6
    await client.query("h2.test", "A")
    assert len(server.peers) == 2  # a socket that timed out is not reused


async def test_closed_port_fails_at_once() -> None:
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now: ICMP port unreachable
    client, _ = client_for(port, timeout=2.0)
    started = time.monotonic()
    answer = await client.query("example.test", "A")
    assert answer.status is DnsStatus.TIMEOUT and answer.detail.startswith("connection failed")
    assert time.monotonic() - started < 1.0


async def test_garbage_on_the_socket_is_a_malformed_answer() -> None:
    server = await scripted(lambda q, _w: [(0, b"\x00\x01garbage")])
    client, _ = client_for(server.port)
    answer = await client.query("h1.test", "A")
    assert answer.status is DnsStatus.MALFORMED


async def test_truncated_answer_falls_back_to_tcp() -> None:
    async with LabDnsServer({"z.test": ZONE}, faults={("big.z.test", "TXT"): Fault.TRUNCATE}) as lab:
        client = DnsClient((ServerAddress(lab.address, lab.port),), timeout=1.0, attempts=1)
        answer = await client.query("big.z.test", "TXT")
        assert answer.ok and answer.used_tcp and answer.txt_strings() == ("v=spf1 -all",)
        plain = await client.query("www.z.test", "A")
        assert plain.ok and not plain.used_tcp


async def test_cache_still_deduplicates_concurrent_asks() -> None:
    server = await scripted(lambda q, _w: [(0.05, a_answer(q, "127.0.0.9"))])
    client, _ = client_for(server.port)
    answers = await asyncio.gather(*(client.query("H1.test.", "A") for _ in range(50)))
    assert {a.records for a in answers} == {("127.0.0.9",)}
    assert len(server.queries) == 1 and client.queries_sent == 1


async def test_lab_answers_through_the_pool_keep_their_flags() -> None:
    async with LabDnsServer({"z.test": ZONE}) as lab:
        client = DnsClient((), timeout=1.0, attempts=1)
        where = ServerAddress(lab.address, lab.port)
        nx = await client.query_server(where, "nope.z.test", "A")
        nodata = await client.query_server(where, "www.z.test", "MX")
        ok = await client.query_server(where, "www.z.test", "A")
        assert (nx.status, nx.authoritative) == (DnsStatus.NXDOMAIN, True)
        assert (nodata.status, nodata.authoritative) == (DnsStatus.NODATA, True)
        assert ok.ok and ok.records == ("127.0.0.80",)
        client.close()


# --- negative answers: the header-only path agrees with the full parse -----------------------

QUESTION = Question.build(dns.name.from_text("sel._domainkey.z.test."), dns.rdatatype.TXT)
QID = 0x4242
SOA = "ns1.z.test. hostmaster.z.test. 1 3600 900 1209600 300"


def response(rcode: int = dns.rcode.NXDOMAIN, flags: int = 0, **edns: Any) -> dns.message.Message:
    query = dns.message.make_query(QUESTION.name, QUESTION.rdtype, use_edns=0, payload=1232)
    query.id = QID
    r = dns.message.make_response(query)
    r.set_rcode(rcode)
    r.flags |= flags
    r.authority.append(dns.rrset.from_text("z.test.", 300, "IN", "SOA", SOA))
    if edns:
        r.use_edns(0, payload=1232, **edns)
    return r


def verdict(read: Callable[[], DnsAnswer]) -> DnsAnswer | str:
    try:
        return read()
    except Exception as exc:  # the type of failure is the verdict here
        return type(exc).__name__


def both(wire: bytes) -> tuple[DnsAnswer | str, DnsAnswer | str]:
    template = DnsAnswer(name="sel._domainkey.z.test", rdtype="TXT", status=DnsStatus.OK)

    def fast() -> DnsAnswer:
        reply = read_reply(wire, QUESTION, QID, lambda m: True)
        assert reply is not None and not reply.truncated
        return _interpret_reply(reply, QUESTION, template)

    def full() -> DnsAnswer:
        message = dns.message.from_wire(wire, raise_on_truncation=True)
        return _interpret(message, QUESTION.name, QUESTION.rdtype, False, template)

    return verdict(fast), verdict(full)


def with_soa_rdlen(wire: bytes, delta: int) -> bytes:
    """Make the SOA's rdata length claim ``delta`` more bytes than it has."""
    at = wire.index(b"\x00\x06\x00\x01")  # SOA type, class IN (after the owner name)
    (rdlen,) = struct.unpack_from("!H", wire, at + 8)
    return wire[: at + 8] + struct.pack("!H", rdlen + delta) + wire[at + 10 :]


def with_soa_rdata_byte(wire: bytes, value: int) -> bytes:
    """Overwrite the first byte of the SOA's rdata (the first label length of its MNAME)."""
    at = wire.index(b"\x00\x06\x00\x01") + 10
    return wire[:at] + bytes([value]) + wire[at + 1 :]


CASES: dict[str, bytes] = {
    "nxdomain": response().to_wire(),
    "nxdomain, AA": response(flags=dns.flags.AA).to_wire(),
    "nodata, AD": response(dns.rcode.NOERROR, dns.flags.AD).to_wire(),
    "nodata, edns": response(dns.rcode.NOERROR, ednsflags=0).to_wire(),
    "servfail": response(dns.rcode.SERVFAIL).to_wire(),
    "refused": response(dns.rcode.REFUSED).to_wire(),
    "notimp": response(dns.rcode.NOTIMP).to_wire(),
    "badvers in OPT": response(dns.rcode.BADVERS).to_wire(),
    "edns option": response(options=[dns.edns.GenericOption(65001, b"x")]).to_wire(),
    "trailing junk": response().to_wire() + b"\x00",
    "soa runs short": with_soa_rdlen(response().to_wire(), 4),
    "soa too long": with_soa_rdlen(response().to_wire() + b"\x00\x00", 2),
    "cut in the soa": response().to_wire()[:-10],
    "bad label type in the soa": with_soa_rdata_byte(response().to_wire(), 0x40),
    "pointer loop in the soa": with_soa_rdata_byte(response().to_wire(), 0xFF),
}


@pytest.mark.parametrize("case", list(CASES))
def test_negative_answers_judged_as_by_a_full_parse(case: str) -> None:
    fast, full = both(CASES[case])
    assert fast == full


def test_negative_answers_with_dnssec_records_are_parsed_in_full() -> None:
    r = response(dns.rcode.NOERROR, ednsflags=dns.flags.DO)
    r.authority.append(dns.rrset.from_text("z.test.", 300, "IN", "NSEC", "a.z.test. A NS SOA"))
    wire = r.to_wire()
    reply = read_reply(wire, QUESTION, QID, lambda m: True)
    assert reply is not None and reply.message is not None  # not the header-only path
    fast, full = both(wire)
    assert fast == full and isinstance(fast, DnsAnswer) and fast.status is DnsStatus.NODATA


def test_truncated_negative_answer_asks_for_tcp() -> None:
    wire = response(flags=dns.flags.TC).to_wire()
    reply = read_reply(wire, QUESTION, QID, lambda m: True)
    assert reply is not None and reply.truncated


# --- the in-flight limit from the command line -----------------------------------------------


def test_dns_in_flight_reaches_the_scan_settings() -> None:
    inventory = load_inventory(Path(canhgac.lab.__file__).parent / "data" / "inventory.yaml")
    assert settings_for(inventory, resolvers=["127.0.0.1"], dns_max_in_flight=1024).dns_max_in_flight == 1024
    assert settings_for(inventory, resolvers=["127.0.0.1"]).dns_max_in_flight == 256
    defaults = settings_for(inventory, resolvers=["127.0.0.1"])
    assert CollectContext.from_settings(defaults).dns.max_in_flight == 256


def test_dns_in_flight_option_is_validated(tmp_path: Path) -> None:
    inventory = Path(canhgac.lab.__file__).parent / "data" / "inventory.yaml"
    args = ["--workspace", str(tmp_path / "ws"), "scan", str(inventory), "--no-store",
            "--resolver", "127.0.0.1", "--dns-in-flight", "0"]
    try:
        result = CliRunner().invoke(app, args)
    finally:
        i18n.set_language(i18n.DEFAULT_LANGUAGE)  # the CLI sets the process's language
    assert result.exit_code == 2 and "--dns-in-flight: phải từ 1 trở lên" in result.output
