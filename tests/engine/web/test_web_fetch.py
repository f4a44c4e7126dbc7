"""WebClient against well-behaved loopback servers: name and SNI, cache, per-host limits, certificates."""

from __future__ import annotations

import asyncio
import gzip
from dataclasses import replace
from pathlib import Path

from test_web_fetch_support import FAST, HOST, RawHttpServer, answer, context, lab_dns, loopback, path_of

from canhgac.engine.context import NetworkLimits
from canhgac.engine.facts.web import FetchError
from canhgac.engine.scope import Scope
from canhgac.engine.web.fetch import WebClient
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
    # paced 0.05 s apart at the client; the server sees its accepts with some scheduling jitter on
    # a loaded machine, but never two at once (unpaced, each pair would start together)
    assert min(gaps) >= 0.025, gaps


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
    assert server.connections == 3  # the server closes each connection (Connection: close)


async def test_strict_tls_refuses_an_unverified_answer_and_never_sends_the_request(tmp_path: Path) -> None:
    address = loopback()
    async with LabHttpsServer(address=address, cert=CA.issue([HOST], expired=True),
                              routes={"/": PAGE, "/b": PAGE}) as server, \
            lab_dns({"portal.agency": address}) as dns:
        client = WebClient.for_run(context(dns, ca_file=str(CA.write_ca(tmp_path))))
        strict = await client.hop(f"https://{HOST}:{server.https_port}/", strict_tls=True)
        lenient = await client.hop(f"https://{HOST}:{server.https_port}/")
        strict_again = await client.hop(f"https://{HOST}:{server.https_port}/b", strict_tls=True)
    assert strict.error is FetchError.TLS and strict.status is None and strict.body == b""
    assert strict.tls_error is not None and "expired" in strict.tls_error and strict.tls_verify_code == 10
    assert lenient.ok and lenient.tls_error == strict.tls_error and lenient.tls_verify_code == 10
    assert strict_again.error is FetchError.TLS and strict_again.tls_error == strict.tls_error
    assert [r.target for r in server.requests] == ["/"]  # only the lenient request was sent
    assert len(server.server_names) == 2  # the failed verified handshake, then the lenient one


async def test_served_zones_extend_the_scope_as_for_a_host_they_name() -> None:
    policy_host = "mta-sts.agency.gov.test"
    async with RawHttpServer(answer(body=b"ok")) as server, \
            lab_dns({"mta-sts.agency": server.address, "mta-sts.outside": "192.0.2.1"}) as dns:
        zone_only = Scope.build(hosts=["agency.gov.test"], loopback_only=True)  # the zone, not its hosts
        client = WebClient.for_run(replace(context(dns), scope=zone_only))
        url = f"http://{policy_host}:{server.port}/"
        alone = await client.hop(url)
        named = await client.hop(url, served=("agency.gov.test",))
        foreign = await client.hop(url, served=("example.com",))
        whole_zone = WebClient.for_run(replace(context(dns), scope=Scope.build(domains=["gov.test"],
                                                                               loopback_only=True)))
        off_loopback = await whole_zone.hop("http://mta-sts.outside.gov.test/", served=("gov.test",))
    assert alone.error is FetchError.OUT_OF_SCOPE and foreign.error is FetchError.OUT_OF_SCOPE
    assert named.ok and named.body == b"ok" and named.address == server.address
    assert off_loopback.error is FetchError.OUT_OF_SCOPE  # loopback-only still wins
    assert server.connections == 1


async def test_body_error_says_why_a_body_stopped_short_and_head_adds_headers_to_evidence() -> None:
    async def drop(head: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 1000\r\n\r\nshort")

    async def stall(head: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\nshort")
        await writer.drain()
        await asyncio.sleep(30)

    async with RawHttpServer(drop) as dropped, RawHttpServer(stall, address=dropped.address) as stalled, \
            lab_dns({"portal.agency": dropped.address}) as dns:
        client = WebClient.for_run(context(dns))
        cut = await client.hop(f"http://{HOST}:{dropped.port}/")
        slow = await client.hop(f"http://{HOST}:{stalled.port}/")
        whole = await client.hop(f"http://{HOST}:{dropped.port}/", max_body=3)
    assert cut.truncated and cut.body_error is FetchError.CONNECTION and cut.error is None
    assert slow.truncated and slow.body_error is FetchError.TIMEOUT and slow.body == b"short"
    assert whole.truncated and whole.body_error is None  # cut at the cap: complete as asked
    evidence = cut.as_evidence(head=("location", "content-type"))
    assert evidence["location"] == "/next" and "content-type" not in evidence
    assert "location" not in cut.as_evidence()


class KeepAliveServer:
    """Serves any number of requests per connection (as nginx and Apache do); counts connections."""

    def __init__(self) -> None:
        self.address = loopback()
        self.connections = 0
        self.closed = 0
        self.hosts: list[tuple[int, str]] = []  # (connection number, Host header)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                host = next(line.split(b":", 1)[1].strip().decode() for line in head.split(b"\r\n")
                            if line.lower().startswith(b"host:"))
                self.hosts.append((number, host))
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.closed += 1
            writer.close()


async def test_connections_are_kept_alive_per_host_never_shared_and_closed_when_idle() -> None:
    server = KeepAliveServer()
    listener = await asyncio.start_server(server.serve, server.address, 0)
    port = listener.sockets[0].getsockname()[1]
    other = "intranet.agency.gov.test"
    try:
        async with lab_dns({"portal.agency": server.address, "intranet.agency": server.address}) as dns:
            ctx = context(dns, net=NetworkLimits(connect_timeout=1.0, read_timeout=0.5, http_min_interval=0.0,
                                                 http_per_host=1))
            client = WebClient.for_run(ctx)
            client._pool.keepalive = 0.3
            for path in ("/a", "/b", "/c"):
                assert (await client.get(f"http://{HOST}:{port}{path}")).ok
            assert (await client.get(f"http://{other}:{port}/")).ok
            assert server.connections == 2  # three requests on one connection; the other host its own
            assert {n for n, h in server.hosts if h.startswith(HOST)} == {1}
            assert {n for n, h in server.hosts if h.startswith(other)} == {2}
            await asyncio.sleep(0.6)  # idle past the keep-alive: the clients and sockets are closed
            assert client._pool.open_clients == 0 and server.closed == 2
            assert (await client.get(f"http://{HOST}:{port}/d")).ok  # a new connection, on demand
            await ctx.aclose()
            await asyncio.sleep(0.05)
            assert server.connections == 3 and server.closed == 3
    finally:
        listener.close()
