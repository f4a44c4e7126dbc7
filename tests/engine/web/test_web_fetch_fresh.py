"""The watch's fresh connections (``FreshConnections``: h11 on asyncio's own transports,
``engine/web/exchange.py``) give the same answers as a run's pool (httpx, httpcore, anyio)
for every kind of server: verified and untrusted TLS, refused, silent, garbage, huge or dripping
bodies, a flood of headers, gzip. Each case asks both and compares what a check reads."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from test_web_fetch_support import HOST, RawHttpServer, answer, context, lab_dns, loopback, path_of

from canhgac.engine.context import CollectContext, NetworkLimits
from canhgac.engine.facts.web import FetchError, WebResponse
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


async def test_edges_of_the_protocol_read_alike() -> None:
    """A peer gone before answering or mid-body, an interim 100, a chunked body, a body ended by
    closing the connection, a redirect, a HEAD: the same facts from both."""

    async def hang_up(head: bytes, writer: asyncio.StreamWriter) -> None:
        return  # closes without a word

    async def cut(head: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + b"x" * 1200)

    async def interim(head: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    async def chunked(head: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n<tit\r\n")
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(b"b\r\nle>xin</tit\r\n3\r\nle>\r\n0\r\n\r\n")

    async def until_close(head: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<title>cu</title>")

    async def moved(head: bytes, writer: asyncio.StreamWriter) -> None:
        target = b"/b" if path_of(head) == "/" else b""
        if target:
            writer.write(b"HTTP/1.1 302 Found\r\nLocation: /b\r\nContent-Length: 0\r\n\r\n")
        else:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nend")

    servers = [RawHttpServer(h) for h in (hang_up, cut, interim, chunked, until_close, moved)]
    address = servers[0].address
    for s in servers[1:]:
        s.address = address
    async with contextlib.AsyncExitStack() as stack:
        for s in servers:
            await stack.enter_async_context(s)
        dns = await stack.enter_async_context(lab_dns({"portal.agency": address}))
        fresh, pooled = await stack.enter_async_context(fresh_and_pooled(context(dns, net=NET)))
        gone, broken, after_100, chunks, closed, redirected = [
            await both(fresh, pooled, f"http://{HOST}:{s.port}/") for s in servers]
        head_only = await fresh.get(f"http://{HOST}:{servers[2].port}/", method="HEAD")
    assert gone.error is FetchError.PROTOCOL and gone.status is None
    assert broken.ok and broken.truncated and broken.body_error is FetchError.CONNECTION
    assert len(broken.body) == 1200
    assert after_100.ok and after_100.status == 200 and after_100.body == b"ok"
    assert chunks.ok and chunks.title() == "xin" and not chunks.truncated
    assert closed.ok and closed.title() == "cu" and not closed.truncated
    assert redirected.ok and redirected.body == b"end" and redirected.redirects == ((302, f"http://{HOST}:{servers[5].port}/b"),)
    assert head_only.status == 200 and head_only.body == b""
