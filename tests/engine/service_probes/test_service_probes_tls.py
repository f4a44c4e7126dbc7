"""Identification inside TLS: what a port serves behind a completed handshake (HTTPS, SMTPS,
Elasticsearch over TLS), on random ports, and a TLS endpoint that says nothing inside."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

from test_service_probes_responders import random_address

from canhgac.engine.context import NetworkLimits
from canhgac.engine.facts.services import Service
from canhgac.engine.service_probes.identify import ProbeOptions, identify
from canhgac.lab.pki import LabCA, server_context

LIMITS = NetworkLimits(connect_timeout=1.0, read_timeout=0.5, max_reply_bytes=65536)
OPTS = ProbeOptions(LIMITS, "canhgac-test")
CA = LabCA()
CERT = CA.issue(["svc.lab.test"])
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def serve_tls(handler: Handler) -> AsyncIterator[tuple[str, int]]:
    host = random_address()

    async def wrapped(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            await handler(reader, writer)
        writer.close()

    server = await asyncio.start_server(wrapped, host, 0, ssl=server_context(CERT))
    try:
        yield host, server.sockets[0].getsockname()[1]
    finally:
        server.close()


async def _https(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    body = b"<html><title>Cong thong tin</title></html>"
    writer.write(b"HTTP/1.1 200 OK\r\nServer: nginx/1.18.0\r\nContent-Type: text/html\r\n"
                 b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
    await writer.drain()


async def _smtps(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"220 mail.lab.test ESMTP Postfix\r\n")
    await writer.drain()
    await reader.readline()
    writer.write(b"221 Bye\r\n")
    await writer.drain()


async def _elasticsearch(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    body = (b'{"name":"log1","cluster_name":"so-log","version":{"number":"7.10.2"},'
            b'"tagline":"You Know, for Search"}')
    writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
                 % (len(body), body))
    await writer.drain()


async def _silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(30)


async def test_https_is_named_http_with_its_tls_version_and_server() -> None:
    async with serve_tls(_https) as (host, port):
        reading = await identify(host, port, OPTS)
    assert (reading.service, reading.product, reading.version) == (Service.HTTP, "nginx", "1.18.0")
    assert reading.tls.startswith("TLSv1.") and reading.failure is None
    assert reading.as_evidence()["tls"] == reading.tls


async def test_a_greeting_inside_tls_names_smtps() -> None:
    async with serve_tls(_smtps) as (host, port):
        reading = await identify(host, port, OPTS)
    assert reading.service is Service.SMTP and reading.tls and "Postfix" in reading.banner


async def test_elasticsearch_behind_tls_is_still_elasticsearch() -> None:
    async with serve_tls(_elasticsearch) as (host, port):
        reading = await identify(host, port, OPTS)
    assert (reading.service, reading.version) == (Service.ELASTICSEARCH, "7.10.2") and reading.tls


async def test_tls_endpoint_silent_inside_is_tls_of_unknown_service_within_the_deadline() -> None:
    async with serve_tls(_silent) as (host, port):
        reading = await asyncio.wait_for(identify(host, port, OPTS), OPTS.port_deadline + 1)
    assert reading.service is Service.UNKNOWN and reading.tls.startswith("TLSv1.")
    assert reading.failure is not None
