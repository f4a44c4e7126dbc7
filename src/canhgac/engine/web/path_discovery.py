"""Path discovery's fetching for one portal: robots.txt, its sitemaps, a couple of linked pages.

The parsing is :mod:`canhgac.engine.facts.web_discovery`; this module only asks, through the
run's :class:`~canhgac.engine.web.fetch.WebClient`, so the per-host limits, the scope-checked
redirects (at most ``http_max_redirects``) and the caps apply to every request. Bounded: at
most :data:`MAX_SITEMAPS` sitemap documents (``/sitemap.xml``, those robots.txt declares, the
children of a sitemap index, all on the portal's own origin), :data:`MAX_LINKED_PAGES` pages
linked from the home page, capped bodies, and one time budget for everything (a connect and two
read timeouts): what was read before it ran out is kept. Never raises for what a server does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from canhgac.engine.context import CollectContext
from canhgac.engine.facts.web import WebResponse
from canhgac.engine.facts.web_discovery import (
    Candidate,
    DiscoveryRead,
    PathDiscovery,
    SitemapParse,
    Source,
    common_folders,
    looks_like_page,
    page_links,
    parse_robots,
    parse_sitemap,
    path_candidates,
    same_host_path,
    unique,
)
from canhgac.engine.web.fetch import WebClient

ROBOTS_CAP = 65536
SITEMAP_CAP = 512 * 1024  # raw bytes read of one sitemap (gzip is inflated within MAX_SITEMAP_BYTES)
PAGE_CAP = 262144
MAX_SITEMAPS = 3
MAX_LINKED_PAGES = 2


def _usable(resp: WebResponse) -> bool:
    return resp.status == 200 and resp.error is None


def _note(resp: WebResponse) -> str:
    if resp.error is not None:
        return f"{resp.error.value}: {resp.detail}"[:160]
    return "truncated" if resp.truncated else ""


class _Discovery:
    """One portal's discovery while it runs: what was found, per source, and what was read."""

    def __init__(self, client: WebClient, origin: str) -> None:
        self.client = client
        self.origin = origin
        self.host = urlsplit(origin).hostname or ""
        self.found: dict[Source, list[Candidate]] = {source: [] for source in Source}
        self.reads: list[DiscoveryRead] = []
        self.sitemaps_asked: set[str] = set()

    def target(self, url: str, base: str = "") -> str | None:
        """Path and query of a same-host URL, to ask on the portal's origin (never another host)."""
        path = same_host_path(url, self.host, base or self.origin + "/")
        if path is None:
            return None
        query = urlsplit(url.strip()).query
        return f"{path}?{query}" if query else path

    async def fetch(self, target: str, cap: int) -> WebResponse:
        return await self.client.get(self.origin + target, max_body=cap)

    def record(self, target: str, resp: WebResponse, found: Sequence[Candidate], note: str = "") -> None:
        if found:
            self.found[found[0].source].extend(found)
        note = ", ".join(filter(None, (note, _note(resp))))
        self.reads.append(DiscoveryRead(target[:200], resp.status, len({c.path for c in found}), note))

    async def robots(self) -> tuple[str, ...]:
        """robots.txt's paths (as candidates) and the sitemaps it declares on this host."""
        resp = await self.fetch("/robots.txt", ROBOTS_CAP)
        parsed = parse_robots(resp.text()) if _usable(resp) else None
        if parsed is None:
            self.record("/robots.txt", resp, [])
            return ()
        found = [c for p in parsed.paths for c in path_candidates(p, Source.ROBOTS, hidden=True)]
        self.record("/robots.txt", resp, found)
        return tuple(t for url in parsed.sitemaps if (t := self.target(url)) is not None)

    async def sitemaps(self, first: Iterable[str]) -> None:
        """Read sitemaps breadth first (an index's children next), at most MAX_SITEMAPS in all."""
        queue = list(first)
        while queue:
            batch: list[str] = []
            for target in dict.fromkeys(queue):
                if target not in self.sitemaps_asked and len(self.sitemaps_asked) < MAX_SITEMAPS:
                    self.sitemaps_asked.add(target)
                    batch.append(target)
            answers = await asyncio.gather(*(self.fetch(t, SITEMAP_CAP) for t in batch))
            queue = []
            for target, resp in zip(batch, answers, strict=True):
                parsed = parse_sitemap(resp.body) if _usable(resp) else SitemapParse()
                named = [t for loc in parsed.locs if (t := self.target(loc)) is not None]
                if parsed.index:
                    queue += named
                    self.record(target, resp, [], ", ".join(filter(None, ("sitemap index", parsed.note))))
                    continue
                paths = [t.split("?", 1)[0] for t in named]
                found = [c for p in paths for c in path_candidates(p, Source.SITEMAP, target)]
                self.record(target, resp, found, parsed.note)

    async def linked_pages(self, links: Sequence[str], home_path: str) -> None:
        """The links of the first pages the home page links to (the second level of the site)."""
        pages = [t for t in dict.fromkeys(self.target(u) or "" for u in links)
                 if t and t.split("?", 1)[0] != home_path and looks_like_page(t.split("?", 1)[0])]
        chosen = pages[:MAX_LINKED_PAGES]
        answers = await asyncio.gather(*(self.fetch(t, PAGE_CAP) for t in chosen))
        for target, resp in zip(chosen, answers, strict=True):
            found: list[Candidate] = []
            if _usable(resp) and "html" in (resp.header("content-type") or "text/html").lower():
                via = target.split("?", 1)[0]
                for url in page_links(resp.text(), resp.final_url or resp.url):
                    path = same_host_path(url, self.host)
                    found += path_candidates(path, Source.LINKED, via) if path else []
            self.record(target, resp, found)

    def result(self, stopped: str) -> PathDiscovery:
        groups = tuple(unique(self.found[s]) for s in Source if s is not Source.COMMON)
        return PathDiscovery((*groups, common_folders()), tuple(self.reads), stopped)


async def discover_paths(
    ctx: CollectContext, client: WebClient, origin: str, home: WebResponse
) -> PathDiscovery:
    """Candidate paths of the portal at ``origin`` whose home page is ``home`` (see the module doc)."""
    run = _Discovery(client, origin)
    home_url = home.final_url or home.url
    home_path = urlsplit(home_url).path or "/"
    links = page_links(home.text(), home_url)
    for url in links:
        path = same_host_path(url, run.host)
        run.found[Source.HOME] += path_candidates(path, Source.HOME, home_path) if path else []

    async def robots_then_declared_sitemaps() -> None:
        await run.sitemaps(await run.robots())

    stopped = ""
    try:
        async with asyncio.timeout(ctx.net.connect_timeout + 2 * ctx.net.read_timeout):
            await asyncio.gather(robots_then_declared_sitemaps(), run.sitemaps(["/sitemap.xml"]),
                                 run.linked_pages(links, home_path))
    except TimeoutError:
        stopped = "time budget spent"
    return run.result(stopped)
