"""WebClient against well-behaved loopback servers: name and SNI, cache, per-host limits, certificates."""

from __future__ import annotations

import asyncio
import gzip
from pathlib import Path

from test_web_fetch_support import FAST, HOST, RawHttpServer, answer, context, lab_dns, loopback, path_of

from canhgac.engine.context import NetworkLimits
from canhgac.engine.web import FetchError, WebClient
from canhgac.lab.https_server import LabHttpsServer, Route
from canhgac.lab.pki import LabCA

CA = LabCA()
PAGE = Route(body="<html><title> Cổng  thông tin &amp; dịch vụ </title></html>".encode(),
             headers={"Content-Type": "text/html; charset=utf-8", "X-Frame-Options": "DENY"})


async def test_https_page_by_name_with_sni_and_verified_certificate(tmp_path: Path) -> None:
    address = loopback()
    async with LabHttpsServer(address=address, cert=CA.issue([HOST]), routes={"/": PAGE}) as server, \
            lab_dns({"portal.agency": address}) as dns:
        ctx = context(dns, ca_file=str(CA.write_ca(tmp_path)))
        client = WebClient.for_run(ctx)
        assert WebClient.for_run(ctx) is client
        url = f"https://{HOST}:{server.https_port}/"
        response = await client.get(url)
    assert response.ok and response.status == 200 and response.tls_error is None
    assert response.header("X-FRAME-OPTIONS") == "DENY"
    assert ("x-frame-options", "DENY") in response.headers
    assert response.title() == "Cổng thông tin & dịch vụ"
    assert response.address == address and response.final_url == url
    assert server.server_names == [HOST]
    expected = [(f"{HOST}:{server.https_port}", "canhgac-test")]
    assert [(r.host, r.user_agent) for r in server.requests] == expected


async def test_identical_requests_are_made_once_and_chains_share_hops(tmp_path: Path) -> None:
    address = loopback()
    async with LabHttpsServer(address=address, cert=CA.issue([HOST]), routes={"/": PAGE},
                              http_port=0) as server, \
            lab_dns({"portal.agency": address}) as dns:
        https = f"https://{HOST}:{server.https_port}/"
        server.http_routes = {"/": Route.redirect(https)}
        client = WebClient.for_run(context(dns, ca_file=str(CA.write_ca(tmp_path))))
        http = f"http://{HOST}:{server.http_port}/"
        first, second, direct, head = await asyncio.gather(
            client.get(http), client.get(http), client.get(https), client.get(https, method="HEAD"))
        hops = await client.chain(http)
        probe = await client.get(https, headers={"Origin": "https://x.invalid"})
    assert first == second and first.final_url == https and first.redirects == ((301, https),)
    assert direct.body == first.body and head.body == b"" and probe.ok
    assert [h.url for h in hops] == [http, https]
    assert [(r.scheme, r.method) for r in server.requests] == [
        ("http", "GET"), ("https", "GET"), ("https", "HEAD"), ("https", "GET")]
    assert client.requests_sent == 4


async def test_per_host_concurrency_and_pacing(tmp_path: Path) -> None:
    async def slow(head: bytes, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.15)
        await answer(body=b"ok")(head, writer)

    async with RawHttpServer(slow) as server, lab_dns({"portal.agency": server.address}) as dns:
        net = NetworkLimits(connect_timeout=1.0, read_timeout=1.0, http_per_host=2, http_min_interval=0.05)
        client = WebClient.for_run(context(dns, net=net))
        urls = [f"http://{HOST}:{server.port}/page{i}" for i in range(8)]
        answers = await asyncio.gather(*(client.get(u) for u in urls))
    assert all(a.status == 200 for a in answers)
    assert server.connections == 8 and server.most_open <= 2
    gaps = [b - a for a, b in zip(server.starts, server.starts[1:], strict=False)]
    assert min(gaps) >= 0.04


async def test_untrusted_certificate_is_recorded_and_headers_still_read(tmp_path: Path) -> None:
    address = loopback()
    cert = CA.issue([HOST], self_signed=True)
    async with LabHttpsServer(address=address, cert=cert, routes={"/": PAGE, "/b": PAGE}) as server, \
            lab_dns({"portal.agency": address}) as dns:
        client = WebClient.for_run(context(dns, ca_file=str(CA.write_ca(tmp_path))))
        first = await client.get(f"https://{HOST}:{server.https_port}/")
        second = await client.get(f"https://{HOST}:{server.https_port}/b")
    assert first.ok and first.status == 200 and first.header("x-frame-options") == "DENY"
    assert first.tls_error is not None and first.tls_error.startswith("certificate:")
    assert second.tls_error == first.tls_error
    assert len(server.server_names) == 3  # one verified attempt, then unverified ones only
    assert [r.target for r in server.requests] == ["/", "/b"]


async def test_gzip_body_is_inflated_within_the_cap() -> None:
    page = b"<title>nen</title>" + b"a" * 100_000
    handler = answer(headers={"Content-Encoding": "gzip"}, body=gzip.compress(page))
    async with RawHttpServer(handler) as server, lab_dns({"portal.agency": server.address}) as dns:
        client = WebClient.for_run(context(dns))
        full = await client.get(f"http://{HOST}:{server.port}/")
        capped = await client.get(f"http://{HOST}:{server.port}/", max_body=1000)
    assert full.body == page and not full.truncated and full.title() == "nen"
    assert len(capped.body) == 1000 and capped.truncated
    assert b"accept-encoding: identity" in server.heads[0].lower()


async def test_refused_port_unknown_name_and_out_of_scope_host() -> None:
    async with RawHttpServer(answer()) as server, lab_dns({"portal.agency": server.address}) as dns:
        client = WebClient.for_run(context(dns))
        await server.__aexit__(None, None, None)
        refused = await client.get(f"http://{HOST}:{server.port}/")
        unknown = await client.get("http://nowhere.agency.gov.test/")
        outside = await client.get("http://example.com/")
        bad = await client.get("ftp://portal.agency.gov.test/")
    assert refused.error is FetchError.REFUSED and refused.status is None
    assert unknown.error is FetchError.DNS
    assert outside.error is FetchError.OUT_OF_SCOPE and bad.error is FetchError.PROTOCOL
    assert path_of(b"GET /x HTTP/1.1") == "/x"
    assert FAST.http_min_interval == 0.0


async def test_no_cookie_is_carried_to_a_later_request_and_aclose_releases_clients() -> None:
    handler = answer(headers={"Set-Cookie": "PHPSESSID=abc123; Path=/"}, body=b"ok")
    async with RawHttpServer(handler) as server, lab_dns({"portal.agency": server.address}) as dns:
        ctx = context(dns)
        client = WebClient.for_run(ctx)
        first = await client.get(f"http://{HOST}:{server.port}/a")
        second = await client.get(f"http://{HOST}:{server.port}/b")
        await ctx.aclose()
        after = await client.get(f"http://{HOST}:{server.port}/c")  # a new client, made on demand
    assert first.header("set-cookie") == "PHPSESSID=abc123; Path=/" and second.ok and after.ok
    assert [path_of(h) for h in server.heads] == ["/a", "/b", "/c"]
    assert not any(b"\r\ncookie:" in h.lower() for h in server.heads)
    assert server.connections == 3  # no connection outlives its request
