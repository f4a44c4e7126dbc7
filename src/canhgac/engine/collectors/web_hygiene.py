"""Hygiene of a portal's main page (URL targets): what it loads, what it says, its security.txt.

One GET of the page (shared through the run's WebClient cache with the other web collectors),
parsed with the standard library's ``html.parser``: the subresources it loads (script, style
sheet, image, frame, object, form targets, with their ``integrity`` attributes), its title and
visible text (for defacement keywords), its generator meta tags. Then RFC 9116's
``/.well-known/security.txt`` on the page's origin (and the legacy ``/security.txt`` only when
the former is missing), parsed, PGP cleartext signature stripped. The parsers (pure, in
:mod:`canhgac.engine.facts.web_page`) are total: hostile
markup yields less data, never an exception.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from canhgac.engine.context import CollectContext
from canhgac.engine.facts.web import FetchError
from canhgac.engine.facts.web_page import (
    PageParse,
    SecurityTxt,
    Subresource,
    WebHygieneFacts,
    parse_page,
    security_txt_of,
)
from canhgac.engine.registry import collector
from canhgac.engine.targets import Target, TargetKind
from canhgac.engine.web.fetch import WebClient


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _site(ctx: CollectContext, url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return ctx.public_suffixes.organizational_domain(host) if host else ""


def _mark_third_party(ctx: CollectContext, page: PageParse, page_url: str) -> PageParse:
    own = _site(ctx, page_url)
    marked = tuple(
        Subresource(r.tag, r.url, r.active, r.integrity, _site(ctx, r.url) not in ("", own))
        for r in page.resources
    )
    return PageParse(page.title, page.text, page.generators, marked)


async def _fetch_security_txt(client: WebClient, origin: str) -> tuple[SecurityTxt, ...]:
    first = security_txt_of(await client.get(origin + "/.well-known/security.txt"))
    if first.error is not None or (first.status == 200 and first.fields):
        return (first,)
    return first, security_txt_of(await client.get(origin + "/security.txt"))


@collector(WebHygieneFacts, target=TargetKind.URL)
async def collect_web_hygiene(target: Target, ctx: CollectContext) -> WebHygieneFacts:
    client = WebClient.for_run(ctx)
    observed = datetime.now(UTC)
    resp = await client.get(target.name)
    if resp.status is None or resp.error is not None:
        error = resp.error or FetchError.PROTOCOL
        return WebHygieneFacts(target.name, resp.final_url or resp.url, None, error, resp.detail,
                               keywords=ctx.web.defacement_keywords, observed_at=observed)
    page_url = resp.final_url or resp.url
    page = _mark_third_party(ctx, parse_page(resp.text(), page_url), page_url)
    security = await _fetch_security_txt(client, _origin(page_url))
    return WebHygieneFacts(target.name, page_url, resp.status, None, "", page, security,
                           ctx.web.defacement_keywords, observed)
