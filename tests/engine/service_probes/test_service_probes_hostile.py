"""Hostile services: a tarpit, a byte flood, garbage, a half-open close, a trickle — each gives a
fact within the per-port deadline and bounded memory. And the HOST collector: the scope guard,
UDP probes beside the TCP ones, the empty-password policy.
"""

from __future__ import annotations

import asyncio
import time

from test_service_probes_responders import random_address, redis_like, serve

from canhgac.engine.checks import net_database, net_drift, net_services
from canhgac.engine.collectors.services import probe_services
from canhgac.engine.context import CollectContext, NetworkLimits, TargetOptions
from canhgac.engine.dns import DnsClient, ServerAddress
from canhgac.engine.facts.services import Access, ProbeFailure, Service
from canhgac.engine.facts.udp import UdpPorts
from canhgac.engine.results import ErrorReason, Status
from canhgac.engine.scope import Scope
from canhgac.engine.service_probes.identify import ProbeOptions, identify
from canhgac.engine.settings import ScanSettings
from canhgac.engine.targets import Target, TargetKind

LIMITS = NetworkLimits(connect_timeout=0.5, read_timeout=0.3, max_reply_bytes=32768)
OPTS = ProbeOptions(LIMITS)


async def _timed(handler) -> tuple[object, float]:  # type: ignore[no-untyped-def]
    async with serve(handler) as (host, port):
        start = time.monotonic()
        reading = await identify(host, port, OPTS)
        return reading, time.monotonic() - start


async def test_tarpit_ends_quickly() -> None:
    async def tarpit(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(60)

    reading, took = await _timed(tarpit)
    assert reading.service is Service.UNKNOWN and reading.failure is ProbeFailure.TIMEOUT
    assert took < 2.0  # the passive wait and two silent probes


async def test_byte_flood_is_cut_at_the_byte_bound() -> None:
    async def flood(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        chunk = b"A" * 65536
        while True:
            writer.write(chunk)
            await writer.drain()

    reading, took = await _timed(flood)
    assert reading.service is Service.UNKNOWN and took < OPTS.port_deadline
    assert len(reading.banner) <= 201


async def test_flood_after_a_valid_start() -> None:
    async def ssh_flood(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"SSH-2.0-OpenSSH_8.0\r\n")
        while True:
            writer.write(b"\x00" * 65536)
            await writer.drain()

    reading, took = await _timed(ssh_flood)
    assert reading.service is Service.SSH and reading.failure is not None and took < OPTS.port_deadline


async def test_garbage_and_half_open() -> None:
    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(bytes(range(256)) * 4)
        await writer.drain()
        await reader.read(100)

    async def half_open(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    for handler in (garbage, half_open):
        reading, took = await _timed(handler)
        assert reading.service is Service.UNKNOWN and took < OPTS.port_deadline


async def test_trickle_hits_the_port_deadline() -> None:
    async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220-")
        while True:
            await asyncio.sleep(0.2)
            writer.write(b"x")
            await writer.drain()

    reading, took = await _timed(trickle)
    assert reading.failure in (ProbeFailure.DEADLINE, ProbeFailure.GARBAGE)
    assert took <= OPTS.port_deadline + 0.5


# --- the HOST collector --------------------------------------------------------------------------


def _ctx(scope: Scope, target: Target, ports: tuple[int, ...], **options: object) -> CollectContext:
    return CollectContext(
        dns=DnsClient((ServerAddress("127.0.0.1", 53),), timeout=0.2, attempts=1),
        scope=scope,
        settings=ScanSettings(net=LIMITS),
        target_options={target.key: TargetOptions(ports=ports, **options)},  # type: ignore[arg-type]
    )


async def test_out_of_scope_host_is_never_contacted() -> None:
    contacted: list[int] = []

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        contacted.append(1)

    async with serve(record) as (host, port):
        target = Target(kind=TargetKind.HOST, name=host, agency="so-tttt")
        scope = Scope.build(networks=["127.250.0.0/16"], loopback_only=True)
        facts = await probe_services(target, _ctx(scope, target, (port,)))
    assert contacted == [] and facts.refused and facts.readings == () and facts.udp is None
    outcome = net_database.redis_noauth(facts, None)  # type: ignore[arg-type]
    assert outcome.status is Status.ERROR and outcome.error_reason is ErrorReason.OUT_OF_SCOPE


async def test_collector_tcp_and_udp_and_policy() -> None:
    address = random_address()
    async with serve(redis_like(password=False), address) as (host, port):
        target = Target(kind=TargetKind.HOST, name=host, agency="so-tttt")
        scope = Scope.build(networks=[f"{host}/32"], loopback_only=True)
        ctx = _ctx(scope, target, (port,), known_ports=(), intrusive_probes=False)
        facts = await probe_services(target, ctx, UdpPorts(dns=1053, ntp=1123, snmp=1161, memcached=11311))
    assert [r.service for r in facts.readings] == [Service.REDIS]
    assert facts.readings[0].access is Access.OPEN and facts.empty_passwords is False
    assert facts.udp is not None and not facts.udp.snmp.answered
    assert net_database.redis_noauth(facts, None).status is Status.FAIL  # type: ignore[arg-type]
    assert net_services.snmp_public(facts, None).status is Status.PASS  # type: ignore[arg-type]
    assert net_drift.ports_new(facts, None).message.key == "new"  # type: ignore[arg-type]
    assert net_database.database_exposed(facts, None).status is Status.FAIL  # type: ignore[arg-type]
    assert net_database.database_empty_password(facts, None).status is Status.NOT_APPLICABLE  # type: ignore[arg-type]
