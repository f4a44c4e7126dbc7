"""The watch's fresh connections (``FreshConnections``: httpcore on asyncio's own transports,
``engine/web/asyncio_backend.py``) give the same answers as a run's pool (httpcore's anyio backend)
for every kind of server: verified and untrusted TLS, refused, silent, garbage, huge or dripping
bodies, a flood of headers, gzip. Each case asks both and compares what a check reads."""

from __future__ import annotations

import asyncio
import gzip
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from test_web_fetch_support import HOST, RawHttpServer, answer, context, lab_dns, loopback

from canhgac.engine.context import CollectContext, NetworkLimits
from canhgac.engine.facts.web import FetchError, WebResponse
from canhgac.engine.web.asyncio_backend import AsyncioBackend
from canhgac.engine.web.fetch import WebClient
from canhgac.engine.web.pool import FreshConnections
from canhgac.lab.https_server import LabHttpsServer, Route
from canhgac.lab.pki import LabCA

CA = LabCA()
NET = NetworkLimits(connect_timeout=1.0, read_timeout=0.5, http_min_interval=0.0, http_max_body_bytes=300_000)
PAGE = Route(body=b"<html><title>Cong thong tin</title></html>", headers={"Content-Type": "text/html"})


@asynccontextmanager
async def fresh_and_pooled(ctx: CollectContext) -> AsyncIterator[tuple[WebClient, WebClient]]:
    clients = FreshConnections()
    try:
        yield WebClient(ctx, clients), WebClient.for_run(ctx)
    finally:
        await clients.aclose()
        await ctx.aclose()


def seen(r: WebResponse) -> tuple[object, ...]:
    """What a check reads of an answer (the timing aside)."""
    tls = r.tls_error.split(":")[0] if r.tls_error else None
    return r.error, r.status, tls, r.tls_verify_code, r.truncated, len(r.body), r.body_error


async def both(fresh: WebClient, pooled: WebClient, url: str) -> WebResponse:
    mine, theirs = await fresh.get(url), await pooled.get(url)
    assert seen(mine) == seen(theirs), (mine, theirs)
    return mine


def test_the_watch_pool_uses_the_asyncio_backend() -> None:
    clients = FreshConnections()

    async def made() -> object:
        async with clients.client(HOST, False) as client:
            backend = client._transport._pool._backend  # type: ignore[attr-defined]
        await clients.aclose()
        return backend

    assert isinstance(asyncio.run(made()), AsyncioBackend)


async def test_verified_and_untrusted_certificates(tmp_path: Path) -> None:
    address = loopback()
    good, bad = CA.issue([HOST]), CA.issue([HOST], self_signed=True)
    ca_file = str(CA.write_ca(tmp_path))
    async with LabHttpsServer(address=address, cert=good, routes={"/": PAGE}) as site, \
            LabHttpsServer(address=address, cert=bad, routes={"/": PAGE}) as selfish, \
            lab_dns({"portal.agency": address}) as dns, \
            fresh_and_pooled(context(dns, ca_file=ca_file, net=NET)) as (fresh, pooled):
        verified = await both(fresh, pooled, f"https://{HOST}:{site.https_port}/")
        untrusted = await both(fresh, pooled, f"https://{HOST}:{selfish.https_port}/")
    assert verified.ok and verified.tls_error is None and verified.title() == "Cong thong tin"
    assert site.server_names == [HOST, HOST]  # the real name as SNI, a handshake each
    assert untrusted.ok and untrusted.tls_error is not None and untrusted.tls_error.startswith("certificate:")


async def test_refused_silent_garbage_and_tls_on_plain() -> None:
    async def silent(head: bytes, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)

    async def garbage(head: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"\x00\xff\xfe SSH-2.0-OpenSSH\r\n\r\n")

    async with RawHttpServer(silent) as mute, RawHttpServer(garbage, address=mute.address) as noise, \
            RawHttpServer(answer(), address=mute.address) as gone, \
            lab_dns({"portal.agency": mute.address}) as dns, \
            fresh_and_pooled(context(dns, net=NET)) as (fresh, pooled):
        await gone.__aexit__(None, None, None)
        refused = await both(fresh, pooled, f"http://{HOST}:{gone.port}/")
        started = time.monotonic()
        quiet = await fresh.get(f"http://{HOST}:{mute.port}/")
        assert time.monotonic() - started < NET.connect_timeout + 2 * NET.read_timeout + 0.5
        broken = await both(fresh, pooled, f"http://{HOST}:{noise.port}/")
        tls_on_plain = await fresh.get(f"https://{HOST}:{noise.port}/")
    assert refused.error is FetchError.REFUSED
    assert quiet.error is FetchError.TIMEOUT
    assert broken.error is FetchError.PROTOCOL
    assert tls_on_plain.error in (FetchError.TLS, FetchError.TIMEOUT)


async def test_huge_and_dripping_bodies_and_a_flood_of_headers_are_capped_in_time() -> None:
    async def stream(head: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 52428800\r\n\r\n")
        for _ in range(800):  # far past the read-ahead: the socket is paused and resumed
            writer.write(b"z" * 65_536)
            await writer.drain()

    async def drip(head: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
        for _ in range(1000):
            writer.write(b".")
            await writer.drain()
            await asyncio.sleep(0.1)

    async def flood(head: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\n")
        for i in range(16_000):
            writer.write(f"X-Pad-{i}: {'a' * 60}\r\n".encode())
        writer.write(b"Content-Length: 0\r\n\r\n")

    async with RawHttpServer(stream) as big, RawHttpServer(drip, address=big.address) as slow, \
            RawHttpServer(flood, address=big.address) as headers, \
            lab_dns({"portal.agency": big.address}) as dns, \
            fresh_and_pooled(context(dns, net=NET)) as (fresh, pooled):
        capped = await both(fresh, pooled, f"http://{HOST}:{big.port}/")
        started = time.monotonic()
        dripped = await fresh.get(f"http://{HOST}:{slow.port}/")
        assert time.monotonic() - started < 2 * NET.read_timeout + 1.5
        flooded = await both(fresh, pooled, f"http://{HOST}:{headers.port}/")
    assert capped.ok and capped.truncated and len(capped.body) == NET.http_max_body_bytes
    assert dripped.ok and dripped.truncated and "in time" in dripped.detail
    assert flooded.error is FetchError.HEADER_TOO_LARGE


async def test_gzip_is_inflated_alike() -> None:
    page = b"<title>nen</title>" + b"a" * 100_000
    handler = answer(headers={"Content-Encoding": "gzip"}, body=gzip.compress(page))
    async with RawHttpServer(handler) as server, lab_dns({"portal.agency": server.address}) as dns, \
            fresh_and_pooled(context(dns, net=NET)) as (fresh, pooled):
        full = await both(fresh, pooled, f"http://{HOST}:{server.port}/")
    assert full.body == page and full.title() == "nen"
