"""What a portal exposes by mistake (URL targets): files, diagnostics pages, logins, listings.

The first pass of a careful penetration tester, without attacking: the main page (shared with
the other web collectors through the run's WebClient cache) tells the CMS, the asset folders
and what the headers disclose; two random paths (one with a file extension) show how the site
answers for what does not exist -- the soft-404 baseline; then a short, ordered list of GETs
(:func:`canhgac.engine.web.signatures.plan_probes`, at most about 40, fewer once the CMS is
known), each read up to :data:`PROBE_BODY_CAP` bytes and judged by its content signature. A
probe that resembles a baseline (same status, same title or near-identical body, or a baseline
that the same signature recognises) is never evidence. Probing stops early when the site
stops answering, or when the time budget runs out; what was not asked is recorded as such.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from urllib.parse import urlsplit

from canhgac.engine.context import CollectContext
from canhgac.engine.facts.web import FetchError, WebResponse
from canhgac.engine.facts.web_discovery import probe_spec
from canhgac.engine.facts.web_exposure import NOT_TRIED, ProbeResult, WebExposureFacts, resembles
from canhgac.engine.facts.web_page import PageParse, parse_page
from canhgac.engine.registry import collector
from canhgac.engine.targets import Target, TargetKind
from canhgac.engine.web.fetch import WebClient
from canhgac.engine.web.path_discovery import discover_paths
from canhgac.engine.web.signatures import (
    Cms,
    ProbeKind,
    ProbeSpec,
    Sample,
    directory_listing,
    plan_probes,
)

PROBE_BODY_CAP = 65536  # enough for a login form or a listing; archives are judged by magic bytes
HEAD_BYTES = 1024
CONTENT_STATUSES = frozenset({200, 203, 206})
MAX_PAGE_DIRS = 2
MAX_DISCOVERED_PROBES = 12  # paths from discovery probed beyond the fixed list, per portal
# Failures that mean the site stopped answering (as opposed to one odd path)
_SILENT = frozenset({FetchError.TIMEOUT, FetchError.CONNECTION, FetchError.REFUSED, FetchError.TLS})
# A path that redirects away (in a loop, or out of the scope) has answered: it is not the file.
_REDIRECT_ERRORS = frozenset({FetchError.TOO_MANY_REDIRECTS, FetchError.OUT_OF_SCOPE_REDIRECT})


# Paths and markers each CMS puts in every page it renders (and the generator it announces).
_CMS_MARKERS: tuple[tuple[Cms, tuple[str, ...]], ...] = (
    (Cms.WORDPRESS, ("/wp-content/", "/wp-includes/", 'content="WordPress')),
    (Cms.JOOMLA, ('content="Joomla!', "/media/jui/", "/media/system/js/", "/components/com_")),
    (Cms.DRUPAL, ('content="Drupal', "/sites/default/files/", "drupal-settings-json", "Drupal.settings")),
    (Cms.DNN, ("/Portals/0/", "DotNetNuke", "dnn_ContentPane", "/DesktopModules/")),
    (Cms.LIFERAY, ("Liferay.ThemeDisplay", "/o/frontend-js", "/html/js/liferay")),
    (Cms.SHAREPOINT, ("/_layouts/15/", "_spPageContextInfo")),
)
_CMS_HEADERS = (
    ("x-generator", "drupal", Cms.DRUPAL),
    ("liferay-portal", "", Cms.LIFERAY),
    ("microsoftsharepointteamservices", "", Cms.SHAREPOINT),
    ("x-pingback", "xmlrpc.php", Cms.WORDPRESS),
)


def recognise_cms(sample: Sample) -> Cms | None:
    """The CMS the main page was built with, from its headers and markup; None if unsure."""
    for name, needle, cms in _CMS_HEADERS:
        value = sample.header(name)
        if value is not None and needle in value.lower():
            return cms
    text = sample.text
    return next((cms for cms, marks in _CMS_MARKERS if any(m in text for m in marks)), None)


def _sample(resp: WebResponse) -> Sample:
    return Sample(resp.status or 0, resp.body, resp.headers)


def judge(spec: ProbeSpec, resp: WebResponse, baselines: tuple[Sample, ...]) -> ProbeResult:
    """The signature verdict on one answer, discounted when it resembles a baseline."""
    path = spec.path
    if resp.status is None or (resp.error is not None and resp.error not in _REDIRECT_ERRORS):
        return ProbeResult(path, spec.kind, error=resp.error, detail=resp.detail[:200],
                           final_url=resp.final_url, found_via=spec.source)
    sample = _sample(resp)
    judged = resp.status in CONTENT_STATUSES or (spec.kind is ProbeKind.ADMIN and resp.status == 401)
    verdict = (spec.signature(sample) or "") if judged and resp.error is None else ""
    like = bool(verdict) and any(resembles(sample, b) or spec.signature(b) for b in baselines)
    return ProbeResult(path, spec.kind, resp.status, resp.header("content-type") or "", len(resp.body),
                       resp.body[:HEAD_BYTES], verdict, like, resp.error, resp.detail[:200], resp.final_url,
                       spec.source)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def page_dirs(page: PageParse, origin: str) -> tuple[str, ...]:
    """The page's own asset folders on its origin (``/static/js/app.js`` -> ``/static/js/``)."""
    found: list[str] = []
    for resource in page.resources:
        if _origin(resource.url) != origin:
            continue
        path = urlsplit(resource.url).path
        folder = path[: path.rfind("/") + 1]
        if folder not in ("", "/") and ".." not in folder and folder not in found:
            found.append(folder)
    return tuple(found[:MAX_PAGE_DIRS])


async def _probe(
    client: WebClient, origin: str, spec: ProbeSpec, baselines: tuple[Sample, ...]
) -> ProbeResult:
    resp = await client.get(origin + spec.path, follow_redirects=spec.follow, max_body=PROBE_BODY_CAP)
    return judge(spec, resp, baselines)


async def run_probes(
    ctx: CollectContext, client: WebClient, origin: str, plan: tuple[ProbeSpec, ...],
    baselines: tuple[Sample, ...],
) -> tuple[tuple[ProbeResult, ...], str]:
    """The probes in order, ``http_per_host`` at a time; stop when the site goes silent or the
    budget (three read timeouts) is spent. Returns the results (untried ones marked) and why it
    stopped."""
    batch = max(1, ctx.net.http_per_host)
    deadline = time.monotonic() + 3 * ctx.net.read_timeout + ctx.net.connect_timeout
    done: list[ProbeResult] = []
    silent_batches = 0
    stopped = ""
    for start in range(0, len(plan), batch):
        if time.monotonic() > deadline:
            stopped = "time budget spent"
        elif silent_batches >= 2:
            stopped = "the site stopped answering"
        if stopped:
            break
        specs = plan[start:start + batch]
        results = await asyncio.gather(*(_probe(client, origin, s, baselines) for s in specs))
        done.extend(results)
        silent = all(r.error in _SILENT and not r.answered for r in results)
        silent_batches = silent_batches + 1 if silent else 0
    untried = [ProbeResult(s.path, s.kind, detail=NOT_TRIED, found_via=s.source) for s in plan[len(done):]]
    return (*done, *untried), stopped


def _nothing(sample: Sample) -> str | None:
    return None


async def _baselines(client: WebClient, origin: str) -> tuple[tuple[ProbeResult, ...], tuple[Sample, ...]]:
    """The answers to two random paths, one without and one with a file extension."""
    token = secrets.token_hex(6)
    paths = (f"/canhgac-{token}", f"/canhgac-{token}.php")
    answers = await asyncio.gather(*(client.get(origin + p, follow_redirects=False, max_body=PROBE_BODY_CAP)
                                     for p in paths))
    results = tuple(judge(ProbeSpec(p, ProbeKind.LISTING, _nothing), a, ()) for p, a in zip(paths, answers,
                                                                                         strict=True))
    return results, tuple(_sample(a) for a in answers if a.status is not None)


@collector(WebExposureFacts, target=TargetKind.URL)
async def collect_web_exposure(target: Target, ctx: CollectContext) -> WebExposureFacts:
    client = WebClient.for_run(ctx)
    root = await client.get(target.name)
    if root.status is None or root.error is not None:
        return WebExposureFacts(target.name, root=root, error=root.error or FetchError.PROTOCOL,
                                detail=root.detail)
    origin = _origin(root.final_url or target.name)
    page = parse_page(root.text(), root.final_url)
    cms = recognise_cms(_sample(root))
    (baselines, samples), discovery = await asyncio.gather(_baselines(client, origin),
                                                           discover_paths(ctx, client, origin, root))
    if not samples:
        first = baselines[0]
        return WebExposureFacts(target.name, origin, root, page, cms, baselines,
                                error=first.error or FetchError.PROTOCOL, detail=first.detail,
                                discovery=discovery)
    host = urlsplit(origin).hostname or ""
    plan = plan_probes(cms, host, page_dirs(page, origin))
    found = discovery.choose({p.path for p in plan}, MAX_DISCOVERED_PROBES)
    plan = (*plan, *(probe_spec(c) for c in found))
    # the home page is a baseline too: sites that send unknown paths (or redirect them) home
    probes, stopped = await run_probes(ctx, client, origin, plan, (*samples, _sample(root)))
    # the main page itself may be a listing (a portal whose index file is missing)
    root_listing = judge(ProbeSpec("/", ProbeKind.LISTING, directory_listing), root, ())
    return WebExposureFacts(target.name, origin, root, page, cms, baselines, samples,
                            (root_listing, *probes), stopped=stopped, discovery=discovery)
