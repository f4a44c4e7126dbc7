"""Webmail front ends (URL targets whose role is "webmail"): where plain HTTP sends users, and
the HTTPS page with its certificate.

Every request goes through the run's :class:`~canhgac.engine.web.fetch.WebClient` (run's resolver,
scope guard, real name in Host and SNI, certificate checked against the run's trust anchors, per-host
pacing, request cache shared with the web checks). The http:// entry is followed while it
redirects inside the scope and stops at the first redirect to https://; the HTTPS URL is then
fetched on its own, redirects not followed.
"""

from __future__ import annotations

import httpx

from canhgac.engine.context import CollectContext
from canhgac.engine.facts.web import FetchError, WebmailFacts, WebResponse
from canhgac.engine.registry import collector
from canhgac.engine.targets import Target, TargetKind
from canhgac.engine.web.fetch import WebClient

_STOPS = {FetchError.OUT_OF_SCOPE_REDIRECT: "left-scope", FetchError.TOO_MANY_REDIRECTS: "too-many-hops"}


def _http_entry(url: httpx.URL, declared_ports: tuple[int, ...]) -> str:
    if url.scheme == "http":
        return str(url)
    port = next((p for p in declared_ports if p != url.port), None)
    return str(httpx.URL(scheme="http", host=url.host, port=port, path="/"))


async def _follow_http(client: WebClient, start: str) -> tuple[tuple[WebResponse, ...], str]:
    """The plain-HTTP hops up to the first redirect to https:// (the client follows redirects
    inside the scope, at most ``http_max_redirects``), and why following stopped early."""
    hops = await client.chain(start)
    for index, hop in enumerate(hops):
        if (hop.redirect_target() or "").startswith("https://"):
            return hops[: index + 1], ""
    whole = await client.get(start)  # the same walk, from the cache: why it stopped
    return hops, _STOPS.get(whole.error, "") if whole.error is not None else ""


@collector(WebmailFacts, target=TargetKind.URL)
async def collect_webmail(target: Target, ctx: CollectContext) -> WebmailFacts:
    """The http:// entry and its redirects, then the HTTPS page with certificate validation."""
    options = ctx.options_for(target.key)
    if options.role != "webmail":
        return WebmailFacts(target.name, options.role)
    try:
        url = httpx.URL(target.name)
    except (httpx.InvalidURL, ValueError) as exc:
        bad = WebResponse(target.name, target.name, error=FetchError.PROTOCOL, detail=f"bad URL: {exc}")
        return WebmailFacts(target.name, options.role, https=bad)
    client = WebClient.for_run(ctx)
    chain, stopped = await _follow_http(client, _http_entry(url, options.ports))
    facts = WebmailFacts(target.name, options.role, chain, None, stopped)
    https_url = str(url) if url.scheme == "https" else facts.https_redirect
    if https_url is None or not ctx.scope.allows_name(httpx.URL(https_url).host):
        https_url = str(url.copy_with(scheme="https", port=None))
    return WebmailFacts(target.name, options.role, chain, await client.hop(https_url), stopped)
