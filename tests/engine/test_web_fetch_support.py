"""Loopback fixtures for the web tests: a lab DNS zone, a collect context, and a raw HTTP server
whose every byte a test scripts (hostile answers included).

Not a test module of its own (no tests here); named so for ownership. The raw server counts
connections, connections open at once, and the request heads it read.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Awaitable, Callable
from types import TracebackType

from canhgac.engine.context import CollectContext, NetworkLimits, TargetOptions
from canhgac.engine.dns import DnsClient, ServerAddress
from canhgac.engine.scope import Scope
from canhgac.engine.settings import ScanSettings, WebOptions
from canhgac.lab.dns_server import LabDnsServer

FAST = NetworkLimits(connect_timeout=1.0, read_timeout=0.5, http_min_interval=0.0)
HOST = "portal.agency.gov.test"


def loopback() -> str:
    return f"127.{random.randint(1, 120)}.{random.randint(0, 255)}.{random.randint(2, 250)}"


def zone(names: dict[str, str]) -> str:
    """A gov.test zone with ``{relative name: address}`` A records."""
    lines = "\n".join(f"{name} IN A {address}" for name, address in names.items())
    return f"""$TTL 300
@ IN SOA ns.gov.test. hostmaster.gov.test. 1 3600 600 86400 300
@ IN NS ns.gov.test.
ns IN A 127.0.0.53
{lines}
"""


def lab_dns(names: dict[str, str]) -> LabDnsServer:
    return LabDnsServer(zones={"gov.test": zone(names)}, address=loopback())


def context(
    dns: LabDnsServer,
    *,
    ca_file: str | None = None,
    net: NetworkLimits = FAST,
    options: dict[str, TargetOptions] | None = None,
) -> CollectContext:
    return CollectContext(
        dns=DnsClient((ServerAddress(dns.address, dns.port),), timeout=0.5, attempts=1),
        scope=Scope.build(domains=["agency.gov.test"], loopback_only=True),
        settings=ScanSettings(net=net, ca_file=ca_file, web=WebOptions(user_agent="canhgac-test")),
        target_options=options or {},
    )


Handler = Callable[[bytes, asyncio.StreamWriter], Awaitable[None]]


class RawHttpServer:
    """``async with RawHttpServer(handler) as s:``; the handler gets each request head and the writer."""

    def __init__(self, handler: Handler, address: str | None = None) -> None:
        self.handler = handler
        self.address = address or loopback()
        self.port = 0
        self.heads: list[bytes] = []
        self.connections = 0
        self.open_now = 0
        self.most_open = 0
        self.starts: list[float] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> RawHttpServer:
        self._server = await asyncio.start_server(self._serve, self.address, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)  # type: ignore[arg-type]
        self.connections += 1
        self.open_now += 1
        self.most_open = max(self.most_open, self.open_now)
        self.starts.append(time.monotonic())
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            self.heads.append(head)
            await self.handler(head, writer)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError, asyncio.CancelledError):
            pass
        finally:
            self.open_now -= 1
            self._tasks.discard(task)  # type: ignore[arg-type]
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


def answer(status: int = 200, headers: dict[str, str] | None = None, body: bytes = b"") -> Handler:
    """A handler that always gives the same complete answer."""

    async def handle(head: bytes, writer: asyncio.StreamWriter) -> None:
        lines = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)

    return handle


def path_of(head: bytes) -> str:
    return head.split(b" ", 2)[1].decode()
