"""WebClient against hostile servers: every answer ends as an error or a capped body, in time."""

from __future__ import annotations

import asyncio
import time

from test_web_fetch_support import HOST, RawHttpServer, answer, context, lab_dns, path_of

from canhgac.engine.context import NetworkLimits
from canhgac.engine.facts.web import FetchError
from canhgac.engine.web.fetch import WebClient

NET = NetworkLimits(connect_timeout=1.0, read_timeout=0.5, http_min_interval=0.0, http_max_body_bytes=300_000,
                    http_max_redirects=4)


async def test_endless_redirects_stop_at_the_limit() -> None:
    async def loop(head: bytes, writer: asyncio.StreamWriter) -> None:
        n = int(path_of(head).strip("/") or 0)
        await answer(302, {"Location": f"/{n + 1}"})(head, writer)

    async with RawHttpServer(loop) as server, lab_dns({"portal.agency": server.address}) as dns:
        response = await WebClient.for_run(context(dns, net=NET)).get(f"http://{HOST}:{server.port}/")
    assert response.error is FetchError.TOO_MANY_REDIRECTS and response.status == 302
    assert len(server.heads) == 5 and len(response.redirects) == 5
    assert response.final_url.endswith("/4")


async def test_redirect_out_of_scope_is_recorded_and_never_contacted() -> None:
    async with RawHttpServer(answer(body=b"outsider")) as outsider:
        away = f"http://evil.gov.test:{outsider.port}/steal"
        async with RawHttpServer(answer(301, {"Location": away})) as server, \
                lab_dns({"portal.agency": server.address, "evil": outsider.address}) as dns:
            ctx = context(dns, net=NET)
            response = await WebClient.for_run(ctx).get(f"http://{HOST}:{server.port}/")
            asked = ctx.dns.queries_sent
    assert response.error is FetchError.OUT_OF_SCOPE_REDIRECT and response.status == 301
    assert response.redirects == ((301, away),)
    assert outsider.connections == 0
    assert asked == 2  # A and AAAA of the portal only: the outside name was not even resolved


async def test_megabyte_of_headers_is_refused() -> None:
    async def flood(head: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\n")
        for i in range(16_000):
            writer.write(f"X-Pad-{i}: {'a' * 60}\r\n".encode())
        writer.write(b"Content-Length: 0\r\n\r\n")

    async def large(head: bytes, writer: asyncio.StreamWriter) -> None:  # under h11's limit, over ours
        pad = {f"X-Pad-{i}": "b" * 70 for i in range(1000)}
        await answer(200, pad, b"x")(head, writer)

    async with RawHttpServer(flood) as server, RawHttpServer(large, address=server.address) as other, \
            lab_dns({"portal.agency": server.address}) as dns:
        client = WebClient.for_run(context(dns, net=NET))
        started = time.monotonic()
        flooded = await client.get(f"http://{HOST}:{server.port}/")
        big = await client.get(f"http://{HOST}:{other.port}/")
    assert time.monotonic() - started < 5
    assert flooded.error is FetchError.HEADER_TOO_LARGE and flooded.status is None
    assert big.error is FetchError.HEADER_TOO_LARGE and big.status == 200 and len(big.headers) <= 100


async def test_fifty_megabytes_streamed_slowly_are_capped_in_time() -> None:
    async def stream(head: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 52428800\r\n\r\n")
        chunk = b"<p>" + b"z" * 65_533
        for _ in range(800):
            writer.write(chunk)
            await writer.drain()
            await asyncio.sleep(0.01)

    async def drip(head: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
        for _ in range(1000):
            writer.write(b".")
            await writer.drain()
            await asyncio.sleep(0.1)

    async with RawHttpServer(stream) as big, RawHttpServer(drip, address=big.address) as slow, \
            lab_dns({"portal.agency": big.address}) as dns:
        client = WebClient.for_run(context(dns, net=NET))
        started = time.monotonic()
        capped, dripped = await asyncio.gather(client.get(f"http://{HOST}:{big.port}/"),
                                               client.get(f"http://{HOST}:{slow.port}/"))
        elapsed = time.monotonic() - started
    assert capped.ok and capped.truncated and len(capped.body) == NET.http_max_body_bytes
    assert dripped.ok and dripped.truncated and 0 < len(dripped.body) < 50
    assert "in time" in dripped.detail
    assert elapsed < 2 * NET.read_timeout + 1.5


async def test_silent_server_and_garbage_are_errors_in_time() -> None:
    async def silent(head: bytes, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)

    async def garbage(head: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"\x00\xff\xfe SSH-2.0-OpenSSH\r\n\r\n")

    async with RawHttpServer(silent) as mute, RawHttpServer(garbage, address=mute.address) as noise, \
            lab_dns({"portal.agency": mute.address}) as dns:
        client = WebClient.for_run(context(dns, net=NET))
        started = time.monotonic()
        quiet = await client.get(f"http://{HOST}:{mute.port}/")
        assert time.monotonic() - started < NET.connect_timeout + 2 * NET.read_timeout + 0.5
        broken = await client.get(f"http://{HOST}:{noise.port}/")
        tls_on_plain = await client.get(f"https://{HOST}:{noise.port}/")
    assert quiet.error is FetchError.TIMEOUT and quiet.error.error_reason.value == "timeout"
    assert broken.error is FetchError.PROTOCOL
    assert tls_on_plain.error in (FetchError.TLS, FetchError.TIMEOUT)


async def test_invalid_charsets_and_bytes_decode_without_raising() -> None:
    body = b"<html><head><title>Trang \xff\xfe ch\xc3\xadnh</title></head>\xc3\x28</html>"
    handlers = {
        "unknown": answer(headers={"Content-Type": "text/html; charset=x-no-such-charset"}, body=body),
        "binary": answer(headers={"Content-Type": "text/html; charset=base64"}, body=body),
        "meta": answer(body=b'<meta charset="windows-1258"><title>C\xf4ng</title>'),
    }
    results = {}
    for name, handler in handlers.items():
        async with RawHttpServer(handler) as server, lab_dns({"portal.agency": server.address}) as dns:
            results[name] = await WebClient.for_run(context(dns, net=NET)).get(f"http://{HOST}:{server.port}/")
    assert "\ufffd" in results["unknown"].text() and results["unknown"].title().startswith("Trang")
    assert results["binary"].text().startswith("<html>")
    assert results["meta"].charset() == "cp1258" and results["meta"].title() == "Công"
