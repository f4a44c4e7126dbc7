"""Which components a portal runs (URL targets), and what the offline vulnerability data says.

The main page (shared with the other web collectors through the run's WebClient cache) gives
the headers, the generator meta, asset paths and script names
(:mod:`canhgac.engine.vulns.identify`). Only for a CMS the page shows, the files it ships that
tell its version are read (:data:`canhgac.engine.vulns.version_files.VERSION_FILES`: Joomla's
manifest and en-GB language file, Drupal's changelogs, WordPress's readme and feed, DNN's
licence and client script, Liferay's JSON web services page) unless the page already gave an
exact version, plus the banner of one local jQuery file whose name carries no version: at most
:data:`MAX_FILES` small GETs and one random path, relative to the page's folder, redirects not
followed, under the WebClient's per-host limits. Each is judged by its content, and only when
it resembles neither the site's answer to a random path (the soft-404 baseline) nor the main
page (a catch-all route). Versions are then matched against the vulnerability index, opened
once per run: ``ctx.settings.vuln_db_path`` (built by ``canhgac vulns import``), else the bundled data;
a branch whose patch level is unknown ("Joomla! 1.5") matches every advisory affecting some
version of it.
"""

from __future__ import annotations

import asyncio
import secrets
from urllib.parse import urljoin, urlsplit

from canhgac.engine.collectors.vuln_index import scan_index
from canhgac.engine.context import CollectContext
from canhgac.engine.facts.web import FetchError, WebResponse
from canhgac.engine.facts.web_components import ComponentVuln, WebComponentFacts
from canhgac.engine.facts.web_exposure import resembles
from canhgac.engine.registry import collector
from canhgac.engine.targets import Target, TargetKind
from canhgac.engine.vulns import VulnIndex
from canhgac.engine.vulns import components as names
from canhgac.engine.vulns import identify as ident
from canhgac.engine.vulns.identify import Component, Confidence
from canhgac.engine.vulns.version import VersionError, parse_version
from canhgac.engine.vulns.version_files import VERSION_FILES, Reader, jquery_banner
from canhgac.engine.web.fetch import WebClient
from canhgac.engine.web.signatures import Sample

PROBE_CAP = 65536
JQUERY_CAP = 4096  # the banner is the file's first line
MAX_FILES = 6  # version files asked for per page (a page rarely shows more than one CMS)


def match_components(index: VulnIndex, found: tuple[Component, ...]) -> tuple[ComponentVuln, ...]:
    """Every advisory affecting a versioned component (pure apart from reading the index)."""
    vulns: list[ComponentVuln] = []
    for comp in found:
        if not comp.version:
            continue
        try:
            matches = (index.match_branch(comp.name, comp.version) if comp.branch
                       else index.match(comp.name, comp.version))
        except VersionError:
            continue
        for m in matches:
            adv = m.advisory
            fixed = m.affected.fix_for(parse_version(comp.version)) or ""
            vulns.append(ComponentVuln(comp.name, comp.version, comp.confidence, adv.id, adv.cve_ids,
                                       adv.severity.level.value, adv.severity.score, fixed, adv.summary,
                                       adv.source))
    return tuple(vulns)


def plan_files(reading: ident.PageReading, page: tuple[Component, ...]) -> list[tuple[str, Reader]]:
    """The version files worth reading, given what the page showed: none for a CMS whose exact
    version the page gave with high confidence, at most MAX_FILES in all."""
    versioned = {c.name for c in page if c.version and not c.branch and c.confidence is Confidence.HIGH}
    plan: list[tuple[str, Reader]] = []
    for cms in reading.cms:
        if cms not in versioned:
            plan.extend(VERSION_FILES.get(cms, ()))
    return plan[:MAX_FILES]


def _same_origin(base: str, url: str) -> bool:
    a, b = urlsplit(base), urlsplit(url)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


def _jquery_file(reading: ident.PageReading, page: tuple[Component, ...], base: str) -> str | None:
    if any(c.name == names.JQUERY and c.version for c in page):
        return None
    local = [urljoin(base, src) for src in reading.jquery_files]
    return next((u for u in local if _same_origin(base, u)), None)


def _sample(resp: WebResponse) -> Sample:
    return Sample(resp.status or 0, resp.body, resp.headers)


def read_probe(resp: WebResponse, reader: Reader, where: str, baseline: Sample | None,
               page: Sample) -> tuple[Component | None, str]:
    """The component a version file shows, unless the answer is no file at all: not 200, or like
    the site's answer to a random path (soft 404), or like the main page (a catch-all route)."""
    if resp.status is None:
        return None, f"{where}: {resp.error.value if resp.error else 'no answer'}"
    if resp.status != 200:
        return None, f"{where}: {resp.status}"
    sample = _sample(resp)
    if baseline is not None and resembles(sample, baseline):
        return None, f"{where}: 200, like a missing page"
    if resembles(sample, page):
        return None, f"{where}: 200, like the main page"
    found = reader(resp.text(), where)
    return found, f"{where}: 200, {'recognised' if found else 'not recognised'}"


async def _probe_files(client: WebClient, root: WebResponse, plan: list[tuple[str, Reader]],
                       jquery: str | None) -> tuple[list[Component], list[str]]:
    base = root.final_url
    asks = [(urljoin(base, path), reader, PROBE_CAP) for path, reader in plan]
    if jquery is not None:
        asks.append((jquery, jquery_banner, JQUERY_CAP))
    if not asks:
        return [], []
    random_path = urljoin(base, f"canhgac-{secrets.token_hex(6)}.txt")
    answers = await asyncio.gather(
        client.get(random_path, follow_redirects=False, max_body=PROBE_CAP),
        *(client.get(url, follow_redirects=False, max_body=cap) for url, _, cap in asks))
    baseline = _sample(answers[0]) if answers[0].status is not None else None
    found: list[Component] = []
    notes: list[str] = []
    for (url, reader, _), resp in zip(asks, answers[1:], strict=True):
        comp, note = read_probe(resp, reader, urlsplit(url).path, baseline, _sample(root))
        notes.append(note)
        if comp is not None:
            found.append(comp)
    return found, notes


@collector(WebComponentFacts, target=TargetKind.URL)
async def collect_web_components(target: Target, ctx: CollectContext) -> WebComponentFacts:
    client = WebClient.for_run(ctx)
    root = await client.get(target.name)
    if root.status is None:
        return WebComponentFacts(target.name, root.final_url, error=root.error or FetchError.PROTOCOL,
                                 detail=root.detail)
    base = root.final_url or target.name
    reading = ident.from_html(root.text())
    page = ident.merge([*ident.from_headers(root.headers), *reading.components])
    jquery = _jquery_file(reading, page, base)
    extra, probes = await _probe_files(client, root, plan_files(reading, page), jquery)
    found = ident.merge([*page, *extra])
    index = scan_index(ctx) if any(c.version for c in found) else None
    if isinstance(index, str):
        return WebComponentFacts(target.name, base, root.status, found, (), tuple(probes), "", index,
                                 root.error, root.detail)
    vulns = match_components(index, found) if index is not None else ()
    source = index.label if index is not None else ""
    return WebComponentFacts(target.name, base, root.status, found, vulns, tuple(probes), source, "",
                             root.error, root.detail)
