"""Webmail front ends (URL targets whose role is "webmail"), and the bounded HTTP(S) fetch they
share with the MTA-STS policy collector.

:func:`fetch` resolves the URL's host through the run's DNS client (never the system
resolver), checks the scope, and asks httpx to connect to that address while sending the real
name as the Host header and as the TLS server name: httpx's documented ``sni_hostname``
request extension makes the certificate check run against the name, not the address. The
certificate is validated against ``ctx.ca_file`` (else the system store); redirects are never
followed by httpx (the callers decide, hop by hop, within the scope); the body is capped; the
whole exchange has a deadline.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpx

from canhgac.engine.collectors.host_addresses import resolve_host
from canhgac.engine.context import CollectContext
from canhgac.engine.registry import collector
from canhgac.engine.targets import Target, TargetKind

REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_HOPS = 5
WEBMAIL_BODY_CAP = 16 * 1024


class FetchFailure(StrEnum):
    DNS = "dns"  # the name could not be resolved (lookup failed)
    NO_ADDRESS = "no_address"  # the name has no A/AAAA
    OUT_OF_SCOPE = "out_of_scope"
    REFUSED = "refused"  # nothing listens (every address)
    TIMEOUT = "timeout"
    CERTIFICATE = "certificate"  # the certificate did not validate (see CertProblem)
    TLS = "tls"  # the handshake failed otherwise
    PROTOCOL = "protocol"  # not HTTP, broken HTTP, oversized headers...


class CertProblem(StrEnum):
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    SELF_SIGNED = "self_signed"
    UNTRUSTED = "untrusted"  # unknown or untrusted issuer, broken chain
    NAME = "name"  # does not cover the host name
    OTHER = "other"


_VERIFY_CODES = {
    9: CertProblem.NOT_YET_VALID, 10: CertProblem.EXPIRED, 18: CertProblem.SELF_SIGNED,
    19: CertProblem.UNTRUSTED, 20: CertProblem.UNTRUSTED, 21: CertProblem.UNTRUSTED,
    2: CertProblem.UNTRUSTED, 62: CertProblem.NAME,
}


@dataclass(frozen=True, slots=True)
class HttpFetch:
    url: str
    address: str = ""
    status: int | None = None
    content_type: str = ""
    location: str = ""
    body: bytes = b""
    truncated: bool = False  # the body went past the cap and was cut
    failure: FetchFailure | None = None
    cert_problem: CertProblem | None = None
    detail: str = ""

    @property
    def redirect(self) -> str | None:
        """The absolute Location of a redirect response, else None."""
        if self.status not in REDIRECTS or not self.location:
            return None
        try:
            return str(httpx.URL(self.url).join(self.location))
        except (httpx.InvalidURL, ValueError):
            return None

    def as_evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"url": self.url}
        for key in ("address", "status", "content_type", "location", "detail"):
            value = getattr(self, key)
            if value:
                out[key] = value
        if self.failure is not None:
            out["failure"] = self.failure.value
        if self.cert_problem is not None:
            out["certificate"] = self.cert_problem.value
        if self.truncated:
            out["truncated"] = True
        return out


def _verify_context(ctx: CollectContext) -> ssl.SSLContext:
    """One verifying client context per run (loading a CA bundle costs milliseconds)."""
    key = ("https-verify-context", ctx.ca_file)
    found = ctx.run_cache.get(key)
    if not isinstance(found, ssl.SSLContext):
        found = ssl.create_default_context(cafile=ctx.ca_file)
        ctx.run_cache[key] = found
    return found


def _cert_error(exc: BaseException) -> ssl.SSLCertVerificationError | ssl.SSLError | None:
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return None
        if isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _failure_of(exc: Exception) -> tuple[FetchFailure, CertProblem | None, str]:
    if isinstance(exc, httpx.TimeoutException | TimeoutError):  # checked first: a timed-out TLS
        return FetchFailure.TIMEOUT, None, "no answer in time"  # read carries SSLWantReadError
    tls = _cert_error(exc)
    if isinstance(tls, ssl.SSLCertVerificationError):
        problem = _VERIFY_CODES.get(tls.verify_code, CertProblem.OTHER)
        return FetchFailure.CERTIFICATE, problem, tls.verify_message or str(tls)
    if tls is not None:
        return FetchFailure.TLS, None, f"{type(tls).__name__}: {tls}"
    if isinstance(exc, httpx.ConnectError):
        return FetchFailure.REFUSED, None, str(exc) or "connection refused"
    return FetchFailure.PROTOCOL, None, f"{type(exc).__name__}: {exc}"


async def _read_body(response: httpx.Response, cap: int) -> tuple[bytes, bool]:
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > cap:
            return bytes(body[:cap]), True
    return bytes(body), False


async def _exchange(ctx: CollectContext, url: httpx.URL, address: str, cap: int) -> HttpFetch:
    host = url.host
    wire_url = url.copy_with(host=address)  # httpx brackets an IPv6 literal itself
    headers = {"Host": url.netloc.decode("ascii"), "User-Agent": ctx.user_agent, "Accept": "*/*"}
    extensions = {"sni_hostname": host} if url.scheme == "https" else {}
    net = ctx.net
    timeout = httpx.Timeout(connect=net.connect_timeout, read=net.read_timeout, write=net.read_timeout,
                            pool=net.connect_timeout)
    verify: ssl.SSLContext | bool = _verify_context(ctx) if url.scheme == "https" else False
    async with httpx.AsyncClient(verify=verify, timeout=timeout, follow_redirects=False, trust_env=False,
                                 max_redirects=0) as client:
        request = client.build_request("GET", wire_url, headers=headers, extensions=extensions)
        response = await client.send(request, stream=True)
        try:
            body, truncated = await _read_body(response, cap)
        finally:
            await response.aclose()
    return HttpFetch(str(url), address, response.status_code, response.headers.get("content-type", ""),
                     response.headers.get("location", "")[:500], body, truncated)


async def fetch(
    ctx: CollectContext, url_text: str, *, cap: int, delegated_by: tuple[str, ...] = ()
) -> HttpFetch:
    """GET one URL on the first in-scope address of its host that answers; never raises."""
    try:
        url = httpx.URL(url_text)
    except (httpx.InvalidURL, ValueError) as exc:
        return HttpFetch(url_text, failure=FetchFailure.PROTOCOL, detail=f"bad URL: {exc}")
    host = url.host.lower()
    resolved = await resolve_host(ctx, host)
    if not resolved.addresses:
        lookup = resolved.failed_lookup
        failure = FetchFailure.DNS if lookup is not None else FetchFailure.NO_ADDRESS
        detail = f"{host}: {lookup.status.value if lookup else 'no address'}"
        return HttpFetch(str(url), failure=failure, detail=detail)
    allowed = [a for a in resolved.addresses if ctx.scope.allows_address(a, via=host)
               or any(ctx.scope.allows_address(a, via=host, delegated_by=d) for d in delegated_by)]
    if not allowed:
        return HttpFetch(str(url), failure=FetchFailure.OUT_OF_SCOPE,
                         detail=f"no address of {host} is in the declared scope")
    deadline = ctx.net.connect_timeout + 3 * ctx.net.read_timeout
    last = HttpFetch(str(url), failure=FetchFailure.REFUSED)
    for address in allowed:
        try:
            async with asyncio.timeout(deadline):
                return await _exchange(ctx, url, address, cap)
        except Exception as exc:  # httpx/ssl/OS errors are facts about the server, never a crash
            failure, problem, detail = _failure_of(exc)
            last = HttpFetch(str(url), address, failure=failure, cert_problem=problem, detail=detail[:300])
            if failure is not FetchFailure.REFUSED:
                return last
    return last


# --- webmail -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WebmailFacts:
    url: str
    role: str
    http_chain: tuple[HttpFetch, ...] = ()  # plain-HTTP hops from http://HOST/, in order
    https: HttpFetch | None = None  # the HTTPS page (declared URL, else where HTTP sent us)
    stopped: str = ""  # why redirects stopped being followed: "left-scope", "too-many-hops"

    @property
    def https_redirect(self) -> str | None:
        """The https:// URL the plain-HTTP chain ends at, if it does."""
        last = self.http_chain[-1] if self.http_chain else None
        target = last.redirect if last is not None else None
        return target if target is not None and target.startswith("https://") else None


def _http_entry(url: httpx.URL, declared_ports: tuple[int, ...]) -> str:
    if url.scheme == "http":
        return str(url)
    port = next((p for p in declared_ports if p != url.port), None)
    return str(httpx.URL(scheme="http", host=url.host, port=port, path="/"))


async def _follow_http(ctx: CollectContext, start: str) -> tuple[tuple[HttpFetch, ...], str]:
    """Plain-HTTP hops while they redirect to http:// URLs in scope (at most MAX_HOPS)."""
    chain: list[HttpFetch] = []
    current = start
    for _ in range(MAX_HOPS):
        hop = await fetch(ctx, current, cap=WEBMAIL_BODY_CAP)
        chain.append(hop)
        following = hop.redirect
        if following is None or following.startswith("https://"):
            return tuple(chain), ""
        if not ctx.scope.allows_name(httpx.URL(following).host):
            return tuple(chain), "left-scope"
        current = following
    return tuple(chain), "too-many-hops"


@collector(WebmailFacts, target=TargetKind.URL)
async def collect_webmail(target: Target, ctx: CollectContext) -> WebmailFacts:
    """The http:// entry and its redirects, then the HTTPS page with certificate validation."""
    options = ctx.options_for(target.key)
    if options.role != "webmail":
        return WebmailFacts(target.name, options.role)
    try:
        url = httpx.URL(target.name)
    except (httpx.InvalidURL, ValueError) as exc:
        bad = HttpFetch(target.name, failure=FetchFailure.PROTOCOL, detail=f"bad URL: {exc}")
        return WebmailFacts(target.name, options.role, https=bad)
    chain, stopped = await _follow_http(ctx, _http_entry(url, options.ports))
    facts = WebmailFacts(target.name, options.role, chain, None, stopped)
    https_url = str(url) if url.scheme == "https" else facts.https_redirect
    if https_url is None or not ctx.scope.allows_name(httpx.URL(https_url).host):
        https_url = str(url.copy_with(scheme="https", port=None))
    https = await fetch(ctx, https_url, cap=WEBMAIL_BODY_CAP)
    return WebmailFacts(target.name, options.role, chain, https, stopped)
