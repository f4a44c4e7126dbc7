"""The TCP connect port scanner over the inventory's declared address ranges.

:func:`scan_ranges` expands IPv4/IPv6 CIDRs (a range wider than ``max_addresses`` is refused
before anything is sent), asks the scope guard about every address before any packet (addresses
outside it are listed in the result and never contacted), then tries a full TCP connection to
every (address, port) and closes it at once — no byte is read or written, so no service sees
more than a connection that ends.

Politeness and bounds are explicit:

* a global **rate**: connection attempts per second, a token bucket holding at most
  :data:`BURST_SECONDS` worth of tokens (so any window of ``t`` seconds sees at most
  ``rate * (t + BURST_SECONDS) + 1`` attempts, retries included);
* at most **per_host** attempts in flight to one address, and at most ``max_in_flight`` in all
  (further capped by the process's open-file limit);
* each attempt bounded by ``ctx.net.connect_timeout``.

A port is **open** (the handshake completed), **closed** (refused: the host answered with a
reset), **filtered** (no answer within the timeout after ``retries`` further attempts, or an
ICMP unreachable), or **error** (a local failure such as running out of file descriptors —
never read as "filtered"). The result holds the open ports per address and the counts; a
:class:`ConnectionLog` passed in records every attempt (address, port, time) for tests and audit.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import math
import resource
import socket
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, field_validator

from canhgac.engine.port_sets import MAX_PORT, MIN_PORT, parse_ports
from canhgac.engine.scope import OutOfScopeError

if TYPE_CHECKING:  # the context holds the settings, which hold these options
    from canhgac.engine.context import CollectContext

BURST_SECONDS = 0.05  # the token bucket holds this many seconds of attempts (at least one)
DEFAULT_MAX_IN_FLIGHT = 256
FD_RESERVE = 128  # file descriptors left to the rest of the process
MAX_ERROR_DETAILS = 20
RETRY_PAUSE = 0.05  # seconds before retrying after a local error (e.g. EMFILE)

# Errors meaning "no route / administratively prohibited": the network, not the host, answered
_UNREACHABLE = frozenset({errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN, errno.ENETDOWN})
_RESET = frozenset({errno.ECONNRESET, errno.ECONNABORTED})


class PortScanConfigError(ValueError):
    """Scan arguments that cannot be used (a bad range, a range too wide, a bad rate)."""


class RangeTooLargeError(PortScanConfigError):
    """A declared range holds more addresses than the scan may expand."""


class PortState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    FILTERED = "filtered"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class ConnectionAttempt:
    address: str
    port: int
    at: float  # time.monotonic() when the SYN was about to be sent


@dataclass
class ConnectionLog:
    """Every connection attempt a scan made, in order (retries included)."""

    attempts: list[ConnectionAttempt] = field(default_factory=list)

    def record(self, address: str, port: int) -> None:
        self.attempts.append(ConnectionAttempt(address, port, time.monotonic()))

    def addresses(self) -> set[str]:
        return {a.address for a in self.attempts}


@dataclass(frozen=True)
class PortScanResult:
    """Open TCP ports per address (only addresses with at least one), plus what happened."""

    ranges: tuple[str, ...]
    ports_per_address: int
    open_ports: Mapping[str, tuple[int, ...]]
    addresses_scanned: int
    out_of_scope: tuple[str, ...]
    counts: Mapping[PortState, int]  # final state of each (address, port)
    attempts: int  # connection attempts, retries included
    duration: float  # seconds
    error_details: tuple[str, ...] = ()  # the first local errors, for the operator

    def as_evidence(self) -> dict[str, object]:
        return {
            "ranges": list(self.ranges),
            "ports_per_address": self.ports_per_address,
            "addresses_scanned": self.addresses_scanned,
            "addresses_with_open_ports": len(self.open_ports),
            "out_of_scope": len(self.out_of_scope),
            "counts": {state.value: n for state, n in self.counts.items()},
            "attempts": self.attempts,
            "duration_s": round(self.duration, 3),
        }


class TokenBucket:
    """Attempts per second with a small burst; waiters are served in arrival order."""

    def __init__(self, rate: float, burst: float) -> None:
        self._rate = rate
        self._capacity = max(1.0, burst)
        self._tokens = self._capacity
        self._stamp = time.monotonic()
        self._lock = asyncio.Lock()

    async def take(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                self._tokens = min(self._capacity, self._tokens + (now - self._stamp) * self._rate)
                self._stamp = now
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                await asyncio.sleep((1.0 - self._tokens) / self._rate)


def expand_range(cidr: str, max_addresses: int) -> list[str]:
    """The host addresses of ``cidr`` (network and broadcast addresses left out, as ``hosts()``)."""
    try:
        network = ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError as exc:
        raise PortScanConfigError(f"{cidr!r} is not an IPv4/IPv6 address range: {exc}") from None
    if network.num_addresses > max_addresses:
        raise RangeTooLargeError(
            f"range {network} holds {network.num_addresses} addresses, more than the "
            f"{max_addresses} a scan may expand per range; declare narrower ranges or raise the cap"
        )
    hosts = list(network.hosts())
    return [str(ip) for ip in hosts] if hosts else [str(network.network_address)]


def _fd_cap(wanted: int) -> int:
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft - FD_RESERVE))


def _validate(ports: Sequence[int], rate: float, per_host: int, retries: int, max_addresses: int) -> None:
    if not ports:
        raise PortScanConfigError("no ports to scan")
    bad = [p for p in ports if not MIN_PORT <= p <= MAX_PORT]
    if bad:
        raise PortScanConfigError(f"ports outside {MIN_PORT}-{MAX_PORT}: {bad[:5]}")
    if not (rate > 0 and math.isfinite(rate)):
        raise PortScanConfigError(f"rate must be a positive number of attempts per second, not {rate}")
    if per_host < 1 or retries < 0 or max_addresses < 1:
        raise PortScanConfigError("per_host and max_addresses must be at least 1, retries at least 0")


@dataclass
class _Tally:
    open_ports: dict[str, list[int]] = field(default_factory=dict)
    counts: dict[PortState, int] = field(default_factory=lambda: dict.fromkeys(PortState, 0))
    attempts: int = 0
    done: int = 0
    errors: list[str] = field(default_factory=list)


class _Scanner:
    def __init__(
        self,
        ctx: CollectContext,
        ports: tuple[int, ...],
        *,
        bucket: TokenBucket,
        per_host: int,
        retries: int,
        max_in_flight: int,
        log: ConnectionLog | None,
        progress: Callable[[int, int], None] | None,
        total: int,
    ) -> None:
        self._timeout = ctx.net.connect_timeout
        self._ports = ports
        self._bucket = bucket
        self._per_host = per_host
        self._retries = retries
        self._gate = asyncio.Semaphore(max_in_flight)
        self._hosts_at_once = max(1, math.ceil(max_in_flight / per_host))
        self._log = log
        self._progress = progress
        self._total = total
        self.tally = _Tally()

    async def run(self, addresses: Sequence[str]) -> None:
        queue = iter(addresses)
        workers = min(self._hosts_at_once, len(addresses))
        await asyncio.gather(*(self._host_worker(queue) for _ in range(workers)))

    async def _host_worker(self, queue: Iterator[str]) -> None:
        for address in queue:
            ports = iter(self._ports)
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            lanes = min(self._per_host, len(self._ports))
            await asyncio.gather(*(self._port_worker(address, family, ports) for _ in range(lanes)))

    async def _port_worker(self, address: str, family: socket.AddressFamily, ports: Iterator[int]) -> None:
        for port in ports:
            state = await self._probe(address, family, port)
            tally = self.tally
            tally.counts[state] += 1
            if state is PortState.OPEN:
                tally.open_ports.setdefault(address, []).append(port)
            tally.done += 1
            if self._progress is not None:
                self._progress(tally.done, self._total)

    async def _probe(self, address: str, family: socket.AddressFamily, port: int) -> PortState:
        state = PortState.ERROR
        for attempt in range(self._retries + 1):
            if attempt and state is PortState.ERROR:
                await asyncio.sleep(RETRY_PAUSE)
            async with self._gate:
                await self._bucket.take()
                if self._log is not None:
                    self._log.record(address, port)
                self.tally.attempts += 1
                state = await self._connect(address, family, port)
            if state in (PortState.OPEN, PortState.CLOSED):
                return state
        return state

    async def _connect(self, address: str, family: socket.AddressFamily, port: int) -> PortState:
        loop = asyncio.get_running_loop()
        try:
            sock = socket.socket(family, socket.SOCK_STREAM)
        except OSError as exc:
            return self._error(address, port, exc)
        try:
            sock.setblocking(False)
            async with asyncio.timeout(self._timeout):
                await loop.sock_connect(sock, (address, port))
        except TimeoutError:
            return PortState.FILTERED
        except ConnectionRefusedError:
            return PortState.CLOSED
        except OSError as exc:
            if exc.errno in _RESET:
                return PortState.CLOSED
            if exc.errno in _UNREACHABLE:
                return PortState.FILTERED
            return self._error(address, port, exc)
        finally:
            sock.close()
        return PortState.OPEN

    def _error(self, address: str, port: int, exc: OSError) -> PortState:
        if len(self.tally.errors) < MAX_ERROR_DETAILS:
            self.tally.errors.append(f"{address}:{port}: {type(exc).__name__}: {exc}"[:300])
        return PortState.ERROR


def partition_scope(ctx: CollectContext, addresses: Sequence[str]) -> tuple[list[str], list[str]]:
    """(in scope, out of scope), each in the given order, per ``ctx.scope.require_address``."""
    inside: list[str] = []
    outside: list[str] = []
    for address in addresses:
        try:
            ctx.scope.require_address(address)
        except OutOfScopeError:
            outside.append(address)
        else:
            inside.append(address)
    return inside, outside


async def scan_ranges(
    ranges: Sequence[str],
    ctx: CollectContext,
    ports: Sequence[int],
    *,
    rate: float,
    per_host: int,
    retries: int,
    max_addresses: int,
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
    log: ConnectionLog | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PortScanResult:
    """TCP connect scan of ``ports`` on every in-scope address of ``ranges``.

    Raises :class:`PortScanConfigError` (before any packet) for unusable arguments, including a
    range wider than ``max_addresses``; server behaviour never raises. ``progress`` is called
    with (0, pairs in all) once the in-scope addresses are known, before the first probe, then
    with (pairs done, pairs in all) after each (address, port) is settled.
    """
    port_list = tuple(sorted(set(ports)))
    _validate(port_list, rate, per_host, retries, max_addresses)
    expanded: dict[str, None] = {}
    for cidr in ranges:
        expanded.update(dict.fromkeys(expand_range(cidr, max_addresses)))
    inside, outside = partition_scope(ctx, list(expanded))
    total = len(inside) * len(port_list)
    if progress is not None:
        progress(0, total)
    started = time.monotonic()
    scanner = _Scanner(
        ctx,
        port_list,
        bucket=TokenBucket(rate, rate * BURST_SECONDS),
        per_host=per_host,
        retries=retries,
        max_in_flight=_fd_cap(max(1, max_in_flight)),
        log=log,
        progress=progress,
        total=total,
    )
    await scanner.run(inside)
    tally = scanner.tally
    return PortScanResult(
        ranges=tuple(ranges),
        ports_per_address=len(port_list),
        open_ports={a: tuple(sorted(p)) for a, p in sorted(tally.open_ports.items(), key=_address_key)},
        addresses_scanned=len(inside),
        out_of_scope=tuple(outside),
        counts=dict(tally.counts),
        attempts=tally.attempts,
        duration=time.monotonic() - started,
        error_details=tuple(tally.errors),
    )


def _address_key(item: tuple[str, list[int]]) -> tuple[int, int]:
    ip = ipaddress.ip_address(item[0])
    return ip.version, int(ip)


class PortScanOptions(BaseModel):
    """The scan's knobs as one typed value (for the scan settings and the CLI), with field defaults."""

    model_config = ConfigDict(frozen=True)

    ports: str = "top-risky"  # a specification for parse_ports
    rate: float = Field(default=300.0, gt=0, le=100_000)  # attempts per second, whole scan
    per_host: int = Field(default=4, ge=1, le=256)
    retries: int = Field(default=1, ge=0, le=5)
    max_addresses: int = Field(default=4096, ge=1, le=1 << 20)  # per declared range
    max_in_flight: int = Field(default=DEFAULT_MAX_IN_FLIGHT, ge=1, le=10_000)

    @field_validator("ports")
    @classmethod
    def _ports_parse(cls, value: str) -> str:
        parse_ports(value)
        return value

    def port_list(self) -> tuple[int, ...]:
        return parse_ports(self.ports)

    async def run(
        self,
        ranges: Sequence[str],
        ctx: CollectContext,
        log: ConnectionLog | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> PortScanResult:
        """Scan ``ranges`` with these options (``log`` and ``progress`` as :func:`scan_ranges`'s)."""
        return await scan_ranges(
            ranges,
            ctx,
            self.port_list(),
            rate=self.rate,
            per_host=self.per_host,
            retries=self.retries,
            max_addresses=self.max_addresses,
            max_in_flight=self.max_in_flight,
            log=log,
            progress=progress,
        )
