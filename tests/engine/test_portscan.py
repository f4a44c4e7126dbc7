"""The TCP connect scanner against real loopback listeners on random 127.x addresses.

Open ports are asyncio servers; closed ports are ports nobody listens on; a *filtered* port is
emulated with a listener whose accept queue is full (``listen(0)``, one connection queued and
never accepted): Linux then drops further SYNs, exactly what a firewall's DROP looks like to a
connecting client, so the connection attempt times out.
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import pytest
from loopback_support import needs_ipv6_loopback, network_context

from canhgac.engine.context import CollectContext, NetworkLimits
from canhgac.engine.portscan import (
    ConnectionLog,
    PortScanConfigError,
    PortScanOptions,
    PortScanResult,
    PortState,
    RangeTooLargeError,
    scan_ranges,
)

TIMEOUT = 0.3


def random_net() -> str:
    """A random 127.a.b.0 base (a /24 of loopback nobody else uses in this test run)."""
    return f"127.{random.randint(100, 199)}.{random.randint(0, 255)}"


def context(*networks: str, timeout: float = TIMEOUT) -> CollectContext:
    return network_context(*networks, net=NetworkLimits(connect_timeout=timeout, read_timeout=0.5))


@asynccontextmanager
async def open_ports(address: str, count: int) -> AsyncIterator[list[int]]:
    async def close_at_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    servers = [await asyncio.start_server(close_at_once, address, 0) for _ in range(count)]
    try:
        yield [s.sockets[0].getsockname()[1] for s in servers]
    finally:
        for server in servers:
            server.close()
            await server.wait_closed()


@contextmanager
def filtered_ports(address: str, count: int) -> Iterator[list[int]]:
    """Listeners with a full accept queue: SYNs are dropped, connects time out."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    held: list[socket.socket] = []
    ports = []
    try:
        for _ in range(count):
            listener = socket.socket(family, socket.SOCK_STREAM)
            held.append(listener)
            listener.bind((address, 0))
            listener.listen(0)
            port = listener.getsockname()[1]
            filler = socket.socket(family, socket.SOCK_STREAM)
            held.append(filler)
            filler.settimeout(1.0)
            filler.connect((address, port))  # queued, never accepted: the queue is now full
            ports.append(port)
        yield ports
    finally:
        for sock in held:
            sock.close()


def closed_port(address: str) -> int:
    """A port nobody listens on at ``address`` (bound then released)."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((address, 0))
        return int(probe.getsockname()[1])


def max_overlap(log: ConnectionLog, window: float, address: str | None = None) -> int:
    """The most attempts (to ``address``, or any) that started within ``window`` seconds of each other."""
    times = sorted(a.at for a in log.attempts if address is None or a.address == address)
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while t - times[lo] >= window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


async def test_open_closed_and_filtered_ports() -> None:
    address = f"{random_net()}.7"
    log = ConnectionLog()
    async with open_ports(address, 2) as opened:
        with filtered_ports(address, 1) as (filtered,):
            closed = closed_port(address)
            result = await scan_ranges(
                [f"{address}/32"],
                context(f"{address}/32"),
                [*opened, filtered, closed],
                rate=1000,
                per_host=4,
                retries=1,
                max_addresses=256,
                log=log,
            )
    assert result.open_ports == {address: tuple(sorted(opened))}
    assert result.counts == {
        PortState.OPEN: 2,
        PortState.CLOSED: 1,
        PortState.FILTERED: 1,
        PortState.ERROR: 0,
    }
    assert result.addresses_scanned == 1 and result.out_of_scope == ()
    # the filtered port was tried twice (one retry), every other port once
    tries = [a.port for a in log.attempts]
    assert tries.count(filtered) == 2 and len(tries) == result.attempts == 5
    assert TIMEOUT * 2 <= result.duration < 3.0


async def test_rate_limit_counts_every_attempt() -> None:
    address = f"{random_net()}.9"
    rate = 100.0
    ports = _free_port_block(address, 120)
    log = ConnectionLog()
    result = await scan_ranges(
        [address], context(address), ports, rate=rate, per_host=16, retries=0, max_addresses=4, log=log
    )
    assert result.attempts == len(set(ports)) == len(log.attempts)
    # the bucket starts with rate * 0.05 = 5 tokens, then refills at 100/s
    assert result.duration >= (len(log.attempts) - 5) / rate * 0.95
    window = 0.5
    assert max_overlap(log, window) <= rate * window + 5 + 1


async def scan_pair(base: str, ports: list[int], log: ConnectionLog, **limits: int) -> PortScanResult:
    """Scan ``base``.20 and .21 for ``ports`` at three lanes a host."""
    return await scan_ranges(
        [f"{base}.20/31"], context(f"{base}.0/24"), ports,
        rate=10_000, per_host=3, retries=0, max_addresses=8, log=log, **limits,
    )


async def test_per_host_and_global_concurrency() -> None:
    base = random_net()
    first, second = f"{base}.20", f"{base}.21"
    log = ConnectionLog()
    with filtered_ports(first, 6) as ports_a, filtered_ports(second, 6) as ports_b:
        # both hosts get the union of ports; the other host's ports are closed there (fast)
        result = await scan_pair(base, ports_a + ports_b, log)
    assert result.counts[PortState.FILTERED] == 12 and result.counts[PortState.CLOSED] == 12
    # filtered attempts last TIMEOUT each: at most per_host start within less than TIMEOUT at one host
    slow_a = ConnectionLog([a for a in log.attempts if a.address == first and a.port in ports_a])
    slow_b = ConnectionLog([a for a in log.attempts if a.address == second and a.port in ports_b])
    assert max_overlap(slow_a, TIMEOUT * 0.8) == 3
    assert max_overlap(slow_b, TIMEOUT * 0.8) == 3
    # the two hosts were scanned side by side: 6 slow ports each at 3 lanes, not one after the other
    assert result.duration < 4 * TIMEOUT + 0.6

    log = ConnectionLog()
    with filtered_ports(first, 4) as ports_a, filtered_ports(second, 4) as ports_b:
        result = await scan_pair(base, ports_a + ports_b, log, max_in_flight=2)
    slow = ConnectionLog(
        [
            a
            for a in log.attempts
            if (a.address, a.port) in {(first, p) for p in ports_a} | {(second, p) for p in ports_b}
        ]
    )
    assert len(slow.attempts) == 8
    assert max_overlap(slow, TIMEOUT * 0.8) <= 2


async def test_out_of_scope_addresses_are_never_contacted(monkeypatch: pytest.MonkeyPatch) -> None:
    base = random_net()
    inside = f"{base}.0/29"  # 6 host addresses
    contacted: list[str] = []
    guarded_connect = socket.socket.connect  # the loopback guard's wrapper (tests/conftest.py)

    def spy(self: socket.socket, address: Any) -> None:
        if isinstance(address, tuple):
            contacted.append(str(address[0]))
        guarded_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", spy)
    log = ConnectionLog()
    async with open_ports(f"{base}.3", 1) as (port,):
        result = await scan_ranges(
            [inside, f"{base}.64/30", "10.20.30.0/30", "192.0.2.7", "::1/128"],
            context(inside),
            [port],
            rate=5000,
            per_host=2,
            retries=0,
            max_addresses=16,
            log=log,
        )
    allowed = {str(ip) for ip in ipaddress.ip_network(inside).hosts()}
    assert result.addresses_scanned == 6
    assert set(result.out_of_scope) == {
        f"{base}.65",
        f"{base}.66",
        "10.20.30.1",
        "10.20.30.2",
        "192.0.2.7",
        "::1",
    }
    assert log.addresses() == allowed
    assert contacted and set(contacted) <= allowed
    assert result.open_ports == {f"{base}.3": (port,)}
    assert result.counts[PortState.ERROR] == 0


@needs_ipv6_loopback(socket.SOCK_STREAM)
async def test_ipv6_loopback() -> None:
    log = ConnectionLog()
    async with open_ports("::1", 1) as (port,):
        closed = closed_port("::1")
        result = await scan_ranges(
            ["::1/128"],
            context("::1/128"),
            [port, closed],
            rate=1000,
            per_host=2,
            retries=0,
            max_addresses=1,
            log=log,
        )
    assert result.open_ports == {"::1": (port,)}
    assert result.counts[PortState.CLOSED] == 1
    assert log.addresses() == {"::1"}


def _free_port_block(probe_address: str, size: int) -> list[int]:
    """``size`` consecutive ports below the ephemeral range that nothing (not even a wildcard) serves."""
    for _ in range(20):
        start = random.randint(10_000, 30_000)
        block = list(range(start, start + size))
        busy = False
        for port in block:
            with socket.socket() as s:
                if s.connect_ex((probe_address, port)) == 0:
                    busy = True
                    break
        if not busy:
            return block
    pytest.skip("no free block of ports")


@pytest.mark.timeout(300)  # a hang guard, not a speed test: speed is measured in bench/ports.py
async def test_a_slash_24_with_100_ports_each_is_scanned_completely() -> None:
    """254 addresses x 100 ports = 25,400 connection attempts, every one accounted for."""
    base = random_net()
    ports = _free_port_block(f"{base}.254", 100)
    planted = {f"{base}.10": ports[5], f"{base}.77": ports[50], f"{base}.200": ports[99]}
    servers = []
    for address, port in planted.items():
        servers.append(await asyncio.start_server(lambda r, w: w.close(), address, port))
    try:
        result = await scan_ranges(
            [f"{base}.0/24"],
            context(f"{base}.0/24", timeout=5.0),  # loopback refuses at once; patience for a loaded machine
            ports,
            rate=50_000,
            per_host=8,
            retries=1,
            max_addresses=256,
            max_in_flight=512,
        )
    finally:
        for server in servers:
            server.close()
            await server.wait_closed()
    assert result.addresses_scanned == 254
    assert result.open_ports == {a: (p,) for a, p in planted.items()}
    assert result.counts[PortState.CLOSED] == 254 * 100 - 3
    assert result.counts[PortState.FILTERED] == result.counts[PortState.ERROR] == 0


async def test_bad_arguments_are_refused_before_any_packet() -> None:
    log = ConnectionLog()
    ctx = context("127.0.0.0/8")
    with pytest.raises(RangeTooLargeError, match="65536 addresses"):
        await scan_ranges(
            ["127.3.0.0/24", "127.4.0.0/16"],
            ctx,
            [80],
            rate=10,
            per_host=1,
            retries=0,
            max_addresses=4096,
            log=log,
        )
    with pytest.raises(PortScanConfigError, match="not an IPv4/IPv6 address range"):
        await scan_ranges(
            ["127.3.0.0/33"], ctx, [80], rate=10, per_host=1, retries=0, max_addresses=10, log=log
        )
    with pytest.raises(PortScanConfigError, match="no ports"):
        await scan_ranges(["127.3.0.1"], ctx, [], rate=10, per_host=1, retries=0, max_addresses=10, log=log)
    with pytest.raises(PortScanConfigError, match="outside 1-65535"):
        await scan_ranges(
            ["127.3.0.1"], ctx, [0, 80], rate=10, per_host=1, retries=0, max_addresses=10, log=log
        )
    with pytest.raises(PortScanConfigError, match="rate"):
        await scan_ranges(["127.3.0.1"], ctx, [80], rate=0, per_host=1, retries=0, max_addresses=10, log=log)
    assert log.attempts == []


async def test_options_run_a_scan_from_a_port_specification() -> None:
    address = f"{random_net()}.5"
    async with open_ports(address, 1) as (port,):
        options = PortScanOptions(ports=f"{port},{port + 1}-{port + 2}", rate=1000, retries=0)
        assert options.port_list() == (port, port + 1, port + 2)
        progress: list[tuple[int, int]] = []
        result = await scan_ranges(
            [address],
            context(address),
            options.port_list(),
            rate=options.rate,
            per_host=options.per_host,
            retries=options.retries,
            max_addresses=options.max_addresses,
            progress=lambda d, t: progress.append((d, t)),
        )
        assert result.open_ports == {address: (port,)}
        assert progress[-1] == (3, 3)
        assert (await options.run([address], context(address))).open_ports == {address: (port,)}
    evidence = result.as_evidence()
    assert evidence["addresses_with_open_ports"] == 1 and evidence["counts"] == {
        "open": 1,
        "closed": 2,
        "filtered": 0,
        "error": 0,
    }
    with pytest.raises(ValueError, match="neither a port"):
        PortScanOptions(ports="top-risky,smb")
