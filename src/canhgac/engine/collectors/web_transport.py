"""Transport facts of one portal or webmail URL: the http:// entry and where it leads, the HTTPS
answer (for HSTS), the CAA set that governs the host, and a TLS analysis of every address.

The http:// twin of a https:// URL is port 80, or the first port the inventory declares for the
URL besides the HTTPS one (the lab outside a network namespace serves plain HTTP on a high
port); its path is the URL's. The HTTPS URL judged is the declared one when it is https://,
else the https:// URL the http:// chain reaches inside the scope, else ``https://host/``.
Every request goes through the run's :class:`~canhgac.engine.web.fetch.WebClient` (cached, so the
header checks reuse the same answers); TLS goes through the shared :func:`analyze_tls`.
"""

from __future__ import annotations

import asyncio

import httpx

from canhgac.engine.collectors.caa import relevant_caa
from canhgac.engine.collectors.errors import CollectError
from canhgac.engine.collectors.host_addresses import addresses_or_error
from canhgac.engine.context import CollectContext
from canhgac.engine.facts.tls import StartTls, TlsFacts, TlsFailure
from canhgac.engine.facts.web import WebResponse, WebTransportFacts
from canhgac.engine.registry import collector
from canhgac.engine.results import ErrorReason
from canhgac.engine.targets import Target, TargetKind
from canhgac.engine.tls.analysis import analyze_tls
from canhgac.engine.web.fetch import WebClient
from canhgac.engine.web.urls import http_twin

MAX_ADDRESSES = 4


def https_choice(ctx: CollectContext, url: httpx.URL, http: WebResponse) -> str:
    if url.scheme == "https":
        return str(url)
    for _, location in http.redirects:
        target = httpx.URL(location)
        if target.scheme == "https" and ctx.scope.allows_name(target.host):
            return location
    return str(url.copy_with(scheme="https", port=None))


def _where(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


async def _tls(ctx: CollectContext, host: str, port: int) -> tuple[
        tuple[str, ...], tuple[TlsFacts, ...], tuple[str, ...], tuple[str, ...]]:
    """(addresses, analysed endpoints, closed endpoints, out-of-scope addresses) of host:port."""
    addresses = await addresses_or_error(ctx, host, MAX_ADDRESSES)
    allowed = [a for a in addresses if ctx.scope.allows_address(a, via=host)]
    results = await asyncio.gather(
        *(analyze_tls(ctx, host=host, address=a, port=port, starttls=StartTls.NONE) for a in allowed))
    closed = tuple(_where(f.address, f.port) for f in results if f.failure is TlsFailure.CLOSED)
    endpoints = tuple(f for f in results if f.failure is not TlsFailure.CLOSED)
    return addresses, endpoints, closed, tuple(a for a in addresses if a not in allowed)


@collector(WebTransportFacts, target=TargetKind.URL)
async def collect_web_transport(target: Target, ctx: CollectContext) -> WebTransportFacts:
    try:
        url = httpx.URL(target.name)
    except (httpx.InvalidURL, ValueError) as exc:
        raise CollectError(ErrorReason.PROTOCOL, f"bad URL {target.name!r}: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise CollectError(ErrorReason.PROTOCOL, f"not an http(s) URL: {target.name!r}")
    client = WebClient.for_run(ctx)
    http_url = http_twin(url, ctx.options_for(target.key).ports)
    http = await client.get(http_url)
    https_url = https_choice(ctx, url, http)
    parsed = httpx.URL(https_url)
    host = parsed.host.lower()
    https, first, caa, (addresses, endpoints, closed, outside) = await asyncio.gather(
        client.get(https_url),
        client.get(https_url, follow_redirects=False),
        relevant_caa(host, ctx),
        _tls(ctx, host, parsed.port or 443),
    )
    return WebTransportFacts(
        url=target.name, host=host, http_url=http_url, https_url=https_url, http=http, https=https,
        https_first=first, caa=caa, addresses=addresses, tls=endpoints, closed=closed, out_of_scope=outside,
    )
