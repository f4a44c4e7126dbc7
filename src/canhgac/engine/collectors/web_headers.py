"""Header facts of one portal or webmail URL: the page's answer (and every HTTPS hop on the way,
for cookies), a CORS probe, OPTIONS and one TRACE on the page's final URL.

The page is the declared URL with redirects followed; when an https:// URL gives no answer the
http:// twin is fetched instead, so that headers are judged on what visitors get. The CORS probe
sends ``Origin: https://canhgac-cors-probe.invalid`` (a name that cannot exist); the TRACE
request carries a random marker header, so an echo is recognised without doubt. Every request
goes through the run's :class:`~canhgac.engine.web.fetch.WebClient` (shared cache with the transport
collector: the page costs no second request).
"""

from __future__ import annotations

import asyncio
import secrets

import httpx

from canhgac.engine.collectors.errors import CollectError
from canhgac.engine.context import CollectContext
from canhgac.engine.facts.web import CORS_PROBE_ORIGIN, WebHeaderFacts
from canhgac.engine.registry import collector
from canhgac.engine.results import ErrorReason
from canhgac.engine.targets import Target, TargetKind
from canhgac.engine.web.fetch import WebClient
from canhgac.engine.web.urls import http_twin

TRACE_MARKER_HEADER = "X-Canhgac-Trace"
PROBE_BODY_CAP = 16_384


@collector(WebHeaderFacts, target=TargetKind.URL)
async def collect_web_headers(target: Target, ctx: CollectContext) -> WebHeaderFacts:
    try:
        url = httpx.URL(target.name)
    except (httpx.InvalidURL, ValueError) as exc:
        raise CollectError(ErrorReason.PROTOCOL, f"bad URL {target.name!r}: {exc}") from None
    client = WebClient.for_run(ctx)
    start = str(url)
    page = await client.get(start)
    https_failure = None
    if page.status is None and url.scheme == "https":
        https_failure = page.error
        start = http_twin(url, ctx.options_for(target.key).ports)
        page = await client.get(start)
    hops = await client.chain(start)
    if page.status is None:
        return WebHeaderFacts(target.name, page, hops, https_failure)
    marker = secrets.token_hex(12)
    where = page.final_url
    cors, options, trace = await asyncio.gather(
        client.get(where, follow_redirects=False, headers={"Origin": CORS_PROBE_ORIGIN},
                   max_body=PROBE_BODY_CAP),
        client.get(where, follow_redirects=False, method="OPTIONS", max_body=PROBE_BODY_CAP),
        client.get(where, follow_redirects=False, method="TRACE", headers={TRACE_MARKER_HEADER: marker},
                   max_body=PROBE_BODY_CAP),
    )
    return WebHeaderFacts(target.name, page, hops, https_failure, cors, options, trace, marker)
