"""The lab web server: routes, redirects, plain HTTP beside HTTPS, SNI recording, hostile routes."""

from __future__ import annotations

import asyncio
import random
import ssl

import httpx
import pytest

from canhgac.lab.https_server import LabHttpsServer, Route
from canhgac.lab.pki import LabCA

CA = LabCA()
HOST = "portal.agency.gov.test"


def address() -> str:
    return f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def client_context() -> ssl.SSLContext:
    return ssl.create_default_context(cadata=CA.ca_pem)


async def get(url: str, host: str = HOST, limit: float = 5.0) -> httpx.Response:
    async with httpx.AsyncClient(verify=client_context(), timeout=limit, trust_env=False) as client:
        return await client.get(url, headers={"Host": host}, extensions={"sni_hostname": host})


async def test_serves_routes_over_https_and_plain_http() -> None:
    routes = {"/a.txt": Route.text("hello\n"), "/moved": Route.redirect("https://elsewhere/", 302)}
    async with LabHttpsServer(address=address(), http_port=0, cert=CA.issue([HOST]), routes=routes,
                              http_routes={"/": Route.redirect(f"https://{HOST}/")}) as server:
        base = f"https://{server.address}:{server.https_port}"
        ok = await get(f"{base}/a.txt")
        assert (ok.status_code, ok.text, ok.headers["content-type"]) == (200, "hello\n", "text/plain")
        moved = await get(f"{base}/moved")
        assert (moved.status_code, moved.headers["location"]) == (302, "https://elsewhere/")
        assert (await get(f"{base}/nothing")).status_code == 404
        plain = await get(f"http://{server.address}:{server.http_port}/")
        assert (plain.status_code, plain.headers["location"]) == (301, f"https://{HOST}/")
        assert server.server_names == [HOST, HOST, HOST]
        assert [(r.scheme, r.target, r.host) for r in server.requests] == [
            ("https", "/a.txt", HOST), ("https", "/moved", HOST), ("https", "/nothing", HOST),
            ("http", "/", HOST),
        ]
        assert server.internal_errors == 0


async def test_certificate_is_validated_by_clients() -> None:
    async with LabHttpsServer(address=address(), cert=CA.issue([HOST], expired=True),
                              routes={"/": Route.text("x")}) as server:
        with pytest.raises(httpx.ConnectError, match="expired"):
            await get(f"https://{server.address}:{server.port}/")


async def test_stalling_route_never_answers() -> None:
    async with LabHttpsServer(address=address(), cert=CA.issue([HOST]), routes={"/": Route(stall=True)}) as s:
        with pytest.raises(httpx.ReadTimeout):
            await get(f"https://{s.address}:{s.port}/", limit=0.5)


async def test_huge_body_is_streamed_and_client_may_hang_up() -> None:
    size = 10 * 1024 * 1024
    async with LabHttpsServer(address=address(), cert=CA.issue([HOST]),
                              routes={"/big": Route(body_size=size)}) as server:
        async with httpx.AsyncClient(verify=client_context(), trust_env=False) as client:
            request = client.build_request("GET", f"https://{server.address}:{server.port}/big",
                                           headers={"Host": HOST}, extensions={"sni_hostname": HOST})
            response = await client.send(request, stream=True)
            assert response.headers["content-length"] == str(size)
            got = 0
            async for chunk in response.aiter_bytes():
                got += len(chunk)
                if got > 100_000:
                    break
            await response.aclose()
        await asyncio.sleep(0.05)
        assert server.internal_errors == 0


async def test_https_only_or_http_only() -> None:
    async with LabHttpsServer(address=address(), cert=None, http_port=0,
                              http_routes={"/": Route.text("clear")}) as server:
        assert (await get(f"http://{server.address}:{server.http_port}/")).text == "clear"
