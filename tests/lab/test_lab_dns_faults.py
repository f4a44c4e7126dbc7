"""Faults, delays and hostile input: the lab server misbehaves on request and never dies."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import struct
import time

import dns.asyncquery
import dns.message
import dns.rcode
import pytest

from canhgac.engine.dns import DnsClient, ServerAddress
from canhgac.engine.facts.dns import DnsStatus
from canhgac.lab.dns_server import Fault, LabDnsCluster, LabDnsServer, ServerSpec

NAME = "example.gov.test"


def _client(server: LabDnsServer, timeout: float = 1.0) -> DnsClient:
    return DnsClient((ServerAddress(server.address, server.port),), timeout=timeout, attempts=1)


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        (Fault.SERVFAIL, DnsStatus.SERVFAIL),
        (Fault.REFUSED, DnsStatus.REFUSED),
        (Fault.NXDOMAIN, DnsStatus.NXDOMAIN),
        (Fault.GARBAGE, DnsStatus.MALFORMED),
        (Fault.MALFORMED, DnsStatus.MALFORMED),
    ],
)
async def test_each_fault_reaches_the_client_as_its_status(address, example_zones, fault, status):
    faults = {(NAME, "MX"): fault}
    async with LabDnsServer(example_zones, address=address, faults=faults) as server:
        client = _client(server)
        assert (await client.query(NAME, "MX")).status is status
        assert (await client.query(NAME, "A")).status is DnsStatus.OK  # other types unaffected
        assert server.internal_errors == 0


async def test_drop_never_answers(address, example_zones):
    async with LabDnsServer(example_zones, address=address, faults={(NAME, "*"): Fault.DROP}) as server:
        started = time.monotonic()
        answer = await _client(server, timeout=0.3).query(NAME, "TXT")
        assert answer.status is DnsStatus.TIMEOUT
        assert time.monotonic() - started < 1.0
        tcp = await _client(server, timeout=0.3).query_server(
            ServerAddress(server.address, server.port), NAME, "TXT", tcp=True
        )
        assert tcp.status is DnsStatus.TIMEOUT


async def test_truncate_sets_tc_over_udp_and_answers_over_tcp(address, example_zones):
    async with LabDnsServer(example_zones, address=address, faults={(NAME, "TXT"): Fault.TRUNCATE}) as server:
        answer = await _client(server).query(NAME, "TXT")
        assert answer.status is DnsStatus.OK
        assert answer.used_tcp
        assert answer.txt_strings() == ("v=spf1 mx -all",)


async def test_not_authoritative_clears_aa(address, example_zones):
    faults = {(NAME, "A"): Fault.NOT_AUTHORITATIVE}
    async with LabDnsServer(example_zones, address=address, faults=faults) as server:
        client = _client(server)
        target = ServerAddress(server.address, server.port)
        lame = await client.query_server(target, NAME, "A")
        assert lame.ok and not lame.authoritative
        assert (await client.query_server(target, NAME, "MX")).authoritative


async def test_delay_does_not_serialise_concurrent_queries(address, example_zones):
    async with LabDnsServer(example_zones, address=address, delay=0.05) as server:
        client = _client(server, timeout=2.0)
        started = time.monotonic()
        answers = await asyncio.gather(*(client.query(f"host{i}.wild.{NAME}", "TXT") for i in range(100)))
        elapsed = time.monotonic() - started
    assert all(a.status is DnsStatus.OK for a in answers)
    # one after another would take 100 x 0.05 = 5 s; half of that leaves room for a busy machine
    assert 0.05 <= elapsed < 2.5


async def test_garbage_sent_to_the_server_does_not_kill_it(address, example_zones):
    async with LabDnsServer(example_zones, address=address) as server:
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.setblocking(False)
        loop = asyncio.get_running_loop()
        header_only = struct.pack("!HHHHHH", 0xBEEF, 0, 1, 0, 0, 0)  # claims a question, has none
        for payload in [b"", b"\x00", os.urandom(11), header_only, os.urandom(300), b"\xff" * 512]:
            await loop.sock_sendto(udp, payload, (server.address, server.port))
        reply = await asyncio.wait_for(loop.sock_recv(udp, 512), 1.0)
        assert reply[:2] == b"\xbe\xef" and reply[3] & 0x0F == dns.rcode.FORMERR
        udp.close()
        for junk in [b"\x00", b"\x00\x05abc", b"\xff\xff" + os.urandom(100), os.urandom(2000)]:
            _reader, writer = await asyncio.open_connection(server.address, server.port)
            writer.write(junk)
            await writer.drain()
            writer.close()
        assert (await _client(server).query(NAME, "A")).ok
        assert server.internal_errors == 0


async def test_formerr_for_a_query_with_two_questions(address, example_zones):
    async with LabDnsServer(example_zones, address=address) as server:
        query = dns.message.make_query(NAME, "A")
        query.question.append(dns.message.make_query(NAME, "MX").question[0])
        response = await dns.asyncquery.udp(query, server.address, timeout=1, port=server.port)
        assert response.rcode() == dns.rcode.FORMERR


async def test_cluster_shares_one_port_and_serves_per_address_zone_sets(address, example_zones):
    stale = example_zones["example.gov.test"].replace("2024010101", "2023010101")
    prefix = address.rsplit(".", 1)[0]
    current, old, lame_address = (f"{prefix}.{host}" for host in (251, 252, 253))
    cluster = LabDnsCluster(
        {
            current: ServerSpec(zones={"example.gov.test": example_zones["example.gov.test"]}),
            old: ServerSpec(zones={"example.gov.test": stale}),
            lame_address: ServerSpec(),
        }
    )
    async with cluster:
        assert len({s.port for s in cluster.servers.values()}) == 1
        client = DnsClient((), timeout=1.0, attempts=1)
        serials = []
        for held in (current, old):
            answer = await client.query_server(ServerAddress(held, cluster.port), NAME, "SOA")
            serials.append(answer.rdata[0].serial)  # type: ignore[attr-defined]
        assert serials == [2024010101, 2023010101]
        lame = await client.query_server(ServerAddress(lame_address, cluster.port), NAME, "SOA")
        assert lame.status is DnsStatus.REFUSED
    assert cluster.servers == {}


async def test_mutated_queries_never_cause_an_internal_error(address, example_zones):
    rng = random.Random(20240101)
    seeds = [
        dns.message.make_query(name, rdtype, want_dnssec=rng.random() < 0.5).to_wire()
        for name, rdtype in [
            (NAME, "A"),
            (f"www.{NAME}", "ANY"),
            (f"x.away-sub.{NAME}", "DS"),
            (f"nope.wild.{NAME}", "RRSIG"),
            (f"child.{NAME}", "NSEC"),
            (f"loop1.{NAME}", "CNAME"),
            ("test", "SOA"),
            (".", "NS"),
        ]
    ]
    async with LabDnsServer(example_zones, address=address, sign={NAME}) as server:
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.setblocking(False)
        loop = asyncio.get_running_loop()
        for _ in range(400):
            wire = bytearray(rng.choice(seeds))
            for _ in range(rng.randint(1, 4)):
                wire[rng.randrange(2, len(wire))] = rng.randrange(256)
            await loop.sock_sendto(udp, bytes(wire), (server.address, server.port))
        udp.close()
        await asyncio.sleep(0.2)
        assert (await _client(server).query(NAME, "A")).ok
        assert server.internal_errors == 0
