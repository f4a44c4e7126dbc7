"""The watch's only I/O: each monitor kind probed through the engine's own clients.

- HTTP: the engine's ``WebClient`` (scope-checked addresses and redirects, capped head and body,
  per-host pacing, certificate fallback), then the page's fingerprint (pure);
- certificate: one TLS handshake (``engine.tls.handshake``) to an in-scope address of the host,
  the leaf read by ``parse_certificate``;
- DNS: the engine's ``DnsClient`` through the scan's resolvers (A, AAAA, MX, NS, the SPF and
  DMARC TXT records);
- SMTP: the engine's bounded SMTP client (greeting, EHLO, STARTTLS; never MAIL or DATA);
- blocklist: the engine's DNSBL collector (``collectors/dnsbl.py``: each zone's RFC 5782
  liveness test, then every address of the host in each live zone, the TXT of a listing) with
  the scan's zones (``ScanSettings.mail.dnsbl_zones``), through the same DNS client.

Each check gets a fresh collect context and ``WebClient`` (the engine caches answers per run, a
watch must ask again every time), sharing what is costly to build and holds no answer: the scope
and public suffixes, the verifying TLS context (built once per process by the engine), the
connections' maker (:class:`FreshConnections`: a new connection for every check, h11 on
asyncio's transports, nothing kept between checks) and the DNS client's UDP sockets and
in-flight limit (each check's ``DnsClient.fresh()``: an empty answer cache over the prober's
sockets). The scope guard applies as in a scan: a name or address outside
the inventory is a failed check that says so. A page's fingerprint is computed again only when
its bytes changed (:class:`PageMemo`: the same body at the same URL has the same fingerprint),
and then in the prober's page worker (:mod:`.page_worker`: a process of its own, so that parsing
new pages never holds up the event loop; ``page_workers=0``: on the loop). Close the prober
(:meth:`EngineProber.aclose`) when the watch stops.
"""

from __future__ import annotations

import asyncio
import hashlib
from urllib.parse import urlsplit

from canhgac.engine.collectors.dnsbl import collect_dnsbl
from canhgac.engine.collectors.host_addresses import resolve_host
from canhgac.engine.context import CollectContext
from canhgac.engine.dns import DnsClient
from canhgac.engine.facts.certificate import parse_certificate
from canhgac.engine.facts.dns import DnsAnswer, DnsStatus
from canhgac.engine.facts.dnsbl import ZoneVerdict
from canhgac.engine.facts.tls import StartTls
from canhgac.engine.facts.web import WebResponse
from canhgac.engine.psl import PublicSuffixes
from canhgac.engine.settings import ScanSettings
from canhgac.engine.smtp_client import SessionPlan, probe_session
from canhgac.engine.targets import Target, TargetKind
from canhgac.engine.tls.handshake import handshake, lenient_context
from canhgac.engine.tls.starttls import Endpoint
from canhgac.engine.web.fetch import WebClient
from canhgac.engine.web.pool import FreshConnections
from canhgac.watch.facts import (
    BlocklistFacts,
    CertFacts,
    DnsFacts,
    HttpFacts,
    Listing,
    PageFingerprint,
    ProbeFacts,
    SmtpFacts,
)
from canhgac.watch.fingerprint import fingerprint
from canhgac.watch.monitors import Monitor, MonitorKind
from canhgac.watch.page_worker import PageJob, PageWorker

_ABSENT = (DnsStatus.NXDOMAIN, DnsStatus.NODATA)
MEMO_LIMIT = 100_000  # pages remembered (one per HTTP monitor); forgotten all at once past it


class PageMemo:
    """The last fingerprint of each URL with the digest of the body it came from: a page that
    has not changed since the last check (most of them, most of the time) is not parsed again;
    one that has is fingerprinted by ``worker`` (none: on the loop)."""

    def __init__(self, limit: int = MEMO_LIMIT, worker: PageWorker | None = None) -> None:
        self.limit = limit
        self.worker = worker if worker is not None else PageWorker(0)
        self._last: dict[str, tuple[bytes, PageFingerprint]] = {}
        self.reused = 0

    async def fingerprint(self, url: str, resp: WebResponse, keywords: tuple[str, ...]) -> PageFingerprint:
        final = resp.final_url or url
        digest = hashlib.blake2b(resp.body, digest_size=16, person=b"canhgac-page").digest() + final.encode()
        known = self._last.get(url)
        if known is not None and known[0] == digest:
            self.reused += 1
            return known[1]
        page = await self.worker.fingerprint(PageJob(resp.body, resp.charset(), final, keywords))
        if len(self._last) >= self.limit:
            self._last.clear()
        self._last[url] = (digest, page)
        return page


class EngineProber:
    """``await prober(monitor)``: the monitor's facts, never an exception for what a server does.
    ``page_workers``: processes fingerprinting new pages (0: on the event loop)."""

    def __init__(self, settings: ScanSettings, *, page_workers: int = 0) -> None:
        self.settings = settings
        self.resolvers = settings.check_resolvers()  # ResolverError before any packet
        self.scope = settings.scope.build()
        self.suffixes = PublicSuffixes(extra=settings.public_suffixes)
        self.http = FreshConnections()
        self.pages = PageMemo(worker=PageWorker(page_workers))
        s = settings
        # the sockets and in-flight limit every check's DNS client shares (no answer kept here)
        self.dns = DnsClient(
            self.resolvers, timeout=s.dns_timeout, attempts=s.dns_attempts, max_in_flight=s.dns_max_in_flight
        )

    def context(self) -> CollectContext:
        """One check's context: a DNS client with no answer yet over the shared sockets (call
        inside the running loop)."""
        return CollectContext(
            dns=self.dns.fresh(), scope=self.scope, settings=self.settings, public_suffixes=self.suffixes
        )

    async def __call__(self, monitor: Monitor) -> ProbeFacts:
        ctx = self.context()
        try:
            if monitor.kind is MonitorKind.HTTP:
                return await probe_http(ctx, monitor.target, self.http, self.pages)
            if monitor.kind is MonitorKind.TLS_CERT:
                return await probe_cert(ctx, monitor.target)
            if monitor.kind is MonitorKind.DNS:
                return await probe_dns(ctx, monitor.target)
            if monitor.kind is MonitorKind.BLOCKLIST:
                return await probe_blocklist(ctx, monitor.target)
            if monitor.kind in (MonitorKind.FINDINGS, MonitorKind.LOGS):
                raise ValueError("a findings or logs monitor reads the store, not the network")
            return await probe_smtp(ctx, monitor.target, monitor.port or 25)
        finally:
            await ctx.aclose()

    async def aclose(self) -> None:
        """Close the connections' maker, the DNS sockets shared by the checks, the page worker."""
        await self.http.aclose()
        self.dns.close()
        await self.pages.worker.aclose()


async def probe_http(
    ctx: CollectContext, url: str, clients: FreshConnections | None = None, pages: PageMemo | None = None
) -> HttpFacts:
    """``clients``: the prober's shared httpx clients (none: the run's own, closed with ``ctx``);
    ``pages``: the prober's remembered fingerprints."""
    web = WebClient.for_run(ctx) if clients is None else WebClient(ctx, clients)
    resp = await web.get(url)
    if resp.error is not None or resp.status is None:
        why = f"{resp.error.value if resp.error else 'protocol'}: {resp.detail}".rstrip(": ")
        return HttpFacts(url, resp.status, resp.elapsed, resp.address, why[:300])
    page = None
    if resp.status < 400:
        keywords = ctx.web.defacement_keywords
        if pages is None:
            page = fingerprint(resp.body, resp.text(), resp.final_url or url, keywords)
        else:
            page = await pages.fingerprint(url, resp, keywords)
    return HttpFacts(url, resp.status, resp.elapsed, resp.address, "", page)


async def _in_scope_addresses(ctx: CollectContext, host: str) -> tuple[list[str], str]:
    if not ctx.scope.allows_name(host):
        return [], f"{host} is not in the declared scope"
    found = await resolve_host(ctx, host)
    if not found.addresses:
        failed = found.failed_lookup
        return [], f"{host}: {failed.status.value if failed else 'no address'}"
    allowed = [a for a in found.addresses if ctx.scope.allows_host_address(a, host)]
    return allowed[:4], "" if allowed else f"no address of {host} is in the scope"


async def probe_cert(ctx: CollectContext, url: str) -> CertFacts:
    parts = urlsplit(url)
    host, port = (parts.hostname or "").lower(), parts.port or 443
    addresses, why = await _in_scope_addresses(ctx, host)
    if not addresses:
        return CertFacts(url, error=why)
    address, error = addresses[0], ""
    for address in addresses:
        endpoint = Endpoint(host, address, port, StartTls.NONE, ctx.mail.ehlo_name, ctx.net)
        shake = await handshake(endpoint, lenient_context())
        cert = parse_certificate(shake.leaf_der) if shake.completed and shake.leaf_der else None
        if cert is not None:
            return CertFacts(url, address, cert.not_after, cert.subject)
        error = shake.detail or (shake.failure.value if shake.failure else "no certificate")
    return CertFacts(url, address, error=error[:300])


def _records(answer: DnsAnswer, rtype: str) -> tuple[str, ...]:
    if rtype in ("SPF", "DMARC"):
        marker = "v=spf1" if rtype == "SPF" else "v=dmarc1"
        texts = [t for t in answer.txt_strings() if t.strip().lower().startswith(marker)]
        return tuple(sorted(" ".join(t.split()) for t in texts))
    return tuple(sorted(r.lower() for r in answer.records))


async def probe_dns(ctx: CollectContext, domain: str) -> DnsFacts:
    if not ctx.scope.allows_name(domain):
        return DnsFacts(domain, error=f"{domain} is not in the declared scope")
    asks = {
        "A": (domain, "A"),
        "AAAA": (domain, "AAAA"),
        "MX": (domain, "MX"),
        "NS": (domain, "NS"),
        "SPF": (domain, "TXT"),
        "DMARC": (f"_dmarc.{domain}", "TXT"),
    }
    answers = await asyncio.gather(*(ctx.dns.query(name, rtype) for name, rtype in asks.values()))
    records: list[tuple[str, tuple[str, ...]]] = []
    failed: list[tuple[str, str]] = []
    for rtype, answer in zip(asks, answers, strict=True):
        if answer.ok:
            records.append((rtype, _records(answer, rtype)))
        elif answer.status in _ABSENT:
            records.append((rtype, ()))
        else:
            failed.append((rtype, f"{answer.status.value} {answer.detail}".strip()[:200]))
    if all(t in dict(failed) or dict(records).get(t) == () for t in ("A", "AAAA", "MX", "NS")) and any(
        a.status is DnsStatus.NXDOMAIN for a in answers[:4]
    ):
        return DnsFacts(domain, (), tuple(failed), f"{domain} does not exist (NXDOMAIN)")
    return DnsFacts(domain, tuple(records), tuple(failed))


async def probe_smtp(ctx: CollectContext, host: str, port: int) -> SmtpFacts:
    addresses, why = await _in_scope_addresses(ctx, host)
    if not addresses:
        return SmtpFacts(host, port, error=why)
    implicit = port == 465
    plan = SessionPlan(ehlo_name=ctx.mail.ehlo_name, implicit_tls=implicit, starttls=not implicit)
    deadline = ctx.net.connect_timeout + 4 * ctx.net.read_timeout
    facts = SmtpFacts(host, port, error="no address answered")
    for address in addresses:
        session = await probe_session(address, port, plan, ctx.net, deadline)
        if not (session.greeted and session.helloed):
            stop = session.stop.value if session.stop else "no greeting"
            facts = SmtpFacts(host, port, address, error=f"{stop}: {session.stop_detail}".rstrip(": ")[:300])
            continue
        offered = session.extension("STARTTLS") is not None
        upgraded: bool | None = None
        if offered and not implicit:
            upgraded = session.tls_hello is not None and session.tls_hello.code == 250
        return SmtpFacts(host, port, address, True, offered, upgraded)
    return facts


async def probe_blocklist(ctx: CollectContext, host: str) -> BlocklistFacts:
    """The engine's DNSBL collector on ``host`` (only DNS through the scan's resolvers: the host
    itself is never contacted); zones that fail their liveness test are named, not asked."""
    host = host.strip().rstrip(".").lower()
    if not ctx.scope.allows_name(host):
        return BlocklistFacts(host, error=f"{host} is not in the declared scope")
    if not ctx.mail.dnsbl_zones:
        return BlocklistFacts(host, error="no DNS blocklist zone is configured")
    found = await collect_dnsbl(Target(kind=TargetKind.MAIL_HOST, name=host, agency=""), ctx)
    addresses = found.addresses.addresses
    if not addresses:
        failed = found.addresses.failed_lookup
        return BlocklistFacts(host, error=f"{host}: {failed.status.value if failed else 'no address'}")
    unanswered = [(h.zone, h.problem.detail) for h in found.unavailable if h.problem is not None]
    errors = [a for a in found.answers if a.verdict is ZoneVerdict.ERROR]
    unanswered += [(a.zone, f"{a.address}: {a.detail}") for a in errors]
    failed_zones = {a.zone for a in errors}
    listings = tuple(
        Listing(a.address, a.zone, a.codes, a.explanation)
        for a in found.answers
        if a.verdict is ZoneVerdict.LISTED
    )
    zones = tuple(z for z in found.live_zones if z not in failed_zones)
    return BlocklistFacts(host, addresses, zones, listings, tuple((z, w[:200]) for z, w in unanswered))
