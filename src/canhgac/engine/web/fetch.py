"""The shared HTTP layer of the web checks: bounded, polite, scope-guarded requests, cached per run.

``WebClient.for_run(ctx)`` gives the run's one client (kept in ``ctx.resources``). A request
resolves the host through ``ctx.dns``, connects only to an address the scope allows for that
host, and sends the real name as Host header and TLS server name (httpx's ``sni_hostname``).
The certificate is verified against the system's trust store plus ``ctx.settings.ca_file`` (that
file alone with ``ca_only``; the context is built once per process for each trust setting); a
verification or modern-handshake failure is recorded as
``tls_error`` and the request made again unverified (old protocols allowed) so the headers can
still be judged; ``strict_tls`` asks for no such
retry (a client that must trust the answer, such as an MTA-STS sender). ``served`` names the
in-scope zones that point at a host (an MTA-STS record at ``mta-sts.DOMAIN``) and lets the
scope allow the host as :meth:`Scope.allows_host_address` does. Redirects are followed hop by hop,
at most ``http_max_redirects``; a Location outside the scope is recorded, never contacted. The
head is capped (``http_max_header_bytes``; h11 refuses over 100 KiB) and the body streamed and
cut at the cap (inflated within it), each under a deadline. At most ``http_per_host`` requests
are in flight per host, starting ``http_min_interval`` apart. Identical requests (method, URL,
headers, cap) are made once per run; connections are kept alive per host (:mod:`.pool`).
A long-lived caller (the watch) makes one ``WebClient`` per check, for its own cache and
pacing, over connections it owns (``clients``: :class:`~.pool.FreshConnections`, a new
connection per request, :mod:`.exchange`).
Nothing here raises for what a server does.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import time
import zlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import h11
import httpx

from canhgac.engine.collectors.host_addresses import resolve_host
from canhgac.engine.context import CollectContext
from canhgac.engine.facts.web import FetchError, WebResponse, failure
from canhgac.engine.tls.handshake import lenient_context
from canhgac.engine.web.exchange import Outgoing, PeerClosedError
from canhgac.engine.web.pool import ClientPool, HttpClients, RawAnswer

MAX_ADDRESSES = 4
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    """The first exception of type ``kind`` in the cause/context chain of ``exc``."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None or isinstance(seen, kind):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _tls_problem(exc: BaseException) -> tuple[str, int | None] | None:
    """The text (and certificate verify code) of a certificate or handshake failure, else None."""
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return None  # a timed-out TLS read carries SSLWantReadError: it is a timeout
    found = _cause(exc, ssl.SSLError)
    if isinstance(found, ssl.SSLCertVerificationError):
        return f"certificate: {found.verify_message or found}", found.verify_code
    return (f"handshake: {getattr(found, 'reason', None) or found}", None) if found is not None else None


def _classify(exc: BaseException) -> tuple[FetchError, str]:
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return FetchError.TIMEOUT, "no answer in time"
    if _cause(exc, ssl.SSLError) is not None:
        return FetchError.TLS, text
    if "Receive buffer too long" in str(exc):
        return FetchError.HEADER_TOO_LARGE, "the response head exceeds the parser's limit"
    if isinstance(exc, httpx.ConnectError | ConnectionRefusedError):
        return (FetchError.REFUSED if _cause(exc, ConnectionRefusedError) else FetchError.CONNECTION), text
    if isinstance(exc, httpx.ReadError | httpx.WriteError | OSError):
        return FetchError.CONNECTION, text
    return FetchError.PROTOCOL, text


class _Body:
    """Collects the body up to ``cap`` bytes, inflating gzip/deflate within the cap."""

    def __init__(self, cap: int, encoding: str) -> None:
        self.cap = cap
        self.data = bytearray()
        self.truncated = False
        kind = encoding.strip().lower()
        self._inflate = zlib.decompressobj(47) if kind in ("gzip", "x-gzip", "deflate") else None

    def feed(self, chunk: bytes) -> bool:
        """Add a raw chunk; False once the cap is reached."""
        if self._inflate is not None:
            try:
                chunk = self._inflate.decompress(chunk, self.cap - len(self.data) + 1)
            except zlib.error:
                self._inflate = None  # not actually compressed: keep the bytes as sent
        self.data += chunk
        if len(self.data) > self.cap:
            del self.data[self.cap :]
            self.truncated = True
        return not self.truncated


class WebClient:
    """The run's HTTP client: per-host limits, certificate fallback, redirects, a request cache."""

    def __init__(self, ctx: CollectContext, clients: HttpClients | None = None) -> None:
        """``clients``: where requests go, owned (and closed) by the caller, else the run's own pool."""
        self._ctx = ctx
        self._hops: dict[tuple[Any, ...], asyncio.Future[WebResponse]] = {}
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._pacing: dict[str, asyncio.Lock] = {}
        self._next_start: dict[str, float] = {}
        self._tls_notes: dict[tuple[str, int, str], tuple[str, int | None]] = {}
        self._owns_pool = clients is None
        self._pool: HttpClients = ClientPool(ctx.net.http_per_host) if clients is None else clients
        self._verify: ssl.SSLContext | None = None
        self.requests_sent = 0

    @classmethod
    def for_run(cls, ctx: CollectContext) -> WebClient:
        def make() -> WebClient:
            client = cls(ctx)
            ctx.on_close(client.aclose)
            return client

        return ctx.resources.get(WebClient, make)

    async def get(
        self, url: str, *, follow_redirects: bool = True, method: str = "GET",
        headers: Mapping[str, str] | None = None, max_body: int | None = None,
    ) -> WebResponse:
        """One request, or its redirect chain; the last answer, with the redirects it went through."""
        if not follow_redirects:
            return await self.hop(url, method=method, headers=headers, max_body=max_body)
        hops, stop, detail = await self._walk(url, method, headers, max_body)
        last = hops[-1]
        redirects = tuple((h.status or 0, t) for h in hops if (t := h.redirect_target()) is not None)
        return replace(last, url=url, redirects=redirects, error=stop or last.error,
                       detail=detail or last.detail, elapsed=round(sum(h.elapsed for h in hops), 4))

    async def chain(
        self, url: str, *, method: str = "GET", headers: Mapping[str, str] | None = None,
        max_body: int | None = None,
    ) -> tuple[WebResponse, ...]:
        """Every answer of the redirect chain from ``url``, in order (from the cache when asked before)."""
        hops, _, _ = await self._walk(url, method, headers, max_body)
        return hops

    async def hop(
        self, url: str, *, method: str = "GET", headers: Mapping[str, str] | None = None,
        max_body: int | None = None, strict_tls: bool = False, served: tuple[str, ...] = (),
    ) -> WebResponse:
        """One request, redirects not followed; made once per run.

        ``strict_tls``: a certificate or handshake failure is the answer (error TLS, ``tls_error``
        says why), with no unverified retry. ``served``: in-scope zones naming this host.
        """
        extra = tuple(sorted((k.lower(), v) for k, v in (headers or {}).items()))
        limit = self._ctx.net.http_max_body_bytes
        cap = limit if max_body is None else min(max_body, limit)
        key = (method.upper(), url, extra, cap, strict_tls, served)
        future = self._hops.get(key)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._hops[key] = future
            try:
                answer = await self._request(method.upper(), url, dict(extra), cap, strict_tls, served)
                future.set_result(answer)
            except BaseException as exc:  # cancellation: the next asker makes the request again
                del self._hops[key]
                future.set_exception(exc)
                future.exception()
                raise
        return await asyncio.shield(future)

    async def _walk(
        self, url: str, method: str, headers: Mapping[str, str] | None, max_body: int | None
    ) -> tuple[tuple[WebResponse, ...], FetchError | None, str]:
        hops: list[WebResponse] = []
        current, verb = url, method.upper()
        for _ in range(self._ctx.net.http_max_redirects + 1):
            answer = await self.hop(current, method=verb, headers=headers, max_body=max_body)
            hops.append(answer)
            following = answer.redirect_target()
            if answer.error is not None or following is None:
                return tuple(hops), None, ""
            stop = self._refusal(following)
            if stop is not None:
                return tuple(hops), stop[0], stop[1]
            current = following
            if answer.status == 303 or (answer.status in (301, 302) and verb not in ("GET", "HEAD")):
                verb = "GET"
        limit = self._ctx.net.http_max_redirects
        return tuple(hops), FetchError.TOO_MANY_REDIRECTS, f"more than {limit} redirects"

    def _refusal(self, location: str) -> tuple[FetchError, str] | None:
        try:
            parsed = httpx.URL(location)
        except (httpx.InvalidURL, ValueError):
            return FetchError.PROTOCOL, f"unusable Location {location[:200]!r}"
        if parsed.scheme not in ("http", "https") or not parsed.host:
            return FetchError.PROTOCOL, f"redirect to a non-web URL {location[:200]!r}"
        if not self._ctx.scope.allows_name(parsed.host):
            return FetchError.OUT_OF_SCOPE_REDIRECT, f"redirect to {parsed.host} (out of scope) not followed"
        return None

    async def _addresses(self, host: str) -> tuple[list[str], str]:
        """The host's addresses (an IP literal is its own: no lookup), or why there are none."""
        found = await resolve_host(self._ctx, host)
        failed = found.failed_lookup
        why = f"{host}: {failed.status.value if failed else 'no address'}"
        return list(found.addresses), "" if found.addresses else why

    async def _request(
        self, method: str, url: str, headers: dict[str, str], cap: int, strict: bool, served: tuple[str, ...]
    ) -> WebResponse:
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, ValueError) as exc:
            return failure(url, FetchError.PROTOCOL, f"bad URL: {exc}", method)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            return failure(url, FetchError.PROTOCOL, "not an http(s) URL", method)
        host, scope = parsed.host.lower(), self._ctx.scope
        if not any(scope.allows_name(name) for name in (host, *served)):
            return failure(url, FetchError.OUT_OF_SCOPE, f"{host} is not in the declared scope", method)
        addresses, why = await self._addresses(host)
        if not addresses:
            return failure(url, FetchError.DNS, why, method)
        allowed = [a for a in addresses if scope.allows_host_address(a, host, served)][:MAX_ADDRESSES]
        if not allowed:
            return failure(url, FetchError.OUT_OF_SCOPE, f"no address of {host} is in the scope", method)
        answer = failure(url, FetchError.REFUSED, "no address answered", method)
        for address in allowed:
            answer = await self._exchange(method, parsed, address, headers, cap, strict)
            if answer.error is not FetchError.REFUSED:
                break
        return answer

    async def _exchange(
        self, method: str, url: httpx.URL, address: str, headers: dict[str, str], cap: int, strict: bool
    ) -> WebResponse:
        started = time.monotonic()
        origin = (url.host.lower(), url.port or (443 if url.scheme == "https" else 80), address)
        problem = self._tls_notes.get(origin) if url.scheme == "https" else None

        def stamped(answer: WebResponse) -> WebResponse:
            note, code = problem or (None, None)
            elapsed = round(time.monotonic() - started, 4)
            return replace(answer, tls_error=note, tls_verify_code=code, elapsed=elapsed)

        try:
            if url.scheme == "https" and problem is None:
                try:
                    return stamped(await self._paced(url.host, lambda: self._attempt(
                        method, url, address, headers, cap, self._verified())))
                except Exception as exc:
                    problem = _tls_problem(exc)
                    if problem is None:
                        raise
                    self._tls_notes[origin] = problem
            if strict and problem is not None:
                return stamped(failure(str(url), FetchError.TLS, problem[0], method, address))
            verify: ssl.SSLContext | bool = lenient_context() if url.scheme == "https" else False
            return stamped(await self._paced(url.host, lambda: self._attempt(
                method, url, address, headers, cap, verify)))
        except Exception as exc:  # httpx/ssl/OS failures are facts about the server, never a crash
            error, detail = _classify(exc)
            return stamped(failure(str(url), error, detail, method, address))

    async def _paced(self, host: str, make: Callable[[], Awaitable[WebResponse]]) -> WebResponse:
        name = host.lower()
        net = self._ctx.net
        slots = self._slots.setdefault(name, asyncio.Semaphore(max(1, net.http_per_host)))
        async with slots:
            async with self._pacing.setdefault(name, asyncio.Lock()):
                wait = self._next_start.get(name, 0.0) - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._next_start[name] = time.monotonic() + net.http_min_interval
            self.requests_sent += 1
            return await make()

    async def aclose(self) -> None:
        """Close the run's httpx clients and their kept-alive connections (not a caller's)."""
        if self._owns_pool:
            await self._pool.aclose()

    def _verified(self) -> ssl.SSLContext:
        if self._verify is None:
            settings = self._ctx.settings
            ca_file = settings.ca_file
            self._verify = verified_context(ca_file, settings.trusts_system, _mtime(ca_file))
        return self._verify

    async def _attempt(
        self, method: str, url: httpx.URL, address: str, headers: dict[str, str], cap: int,
        verify: ssl.SSLContext | bool
    ) -> WebResponse:
        net = self._ctx.net
        sent = {"Host": url.netloc.decode("ascii"), "User-Agent": self._ctx.web.user_agent, "Accept": ACCEPT,
                "Accept-Encoding": "identity", **headers}
        request = Outgoing(
            method=method, scheme=url.scheme, address=address,
            port=url.port or (443 if url.scheme == "https" else 80), target=url.raw_path,
            headers=tuple(sent.items()), host=url.host, connect_timeout=net.connect_timeout,
            read_timeout=net.read_timeout,
        )
        async with asyncio.timeout(net.connect_timeout + 2 * net.read_timeout):
            response = await self._pool.open(request, verify if isinstance(verify, ssl.SSLContext) else None)
        try:
            return await self._read(method, url, address, response, cap)
        finally:
            await response.aclose()

    async def _read(
        self, method: str, url: httpx.URL, address: str, response: RawAnswer, cap: int
    ) -> WebResponse:
        raw = response.raw_headers
        head = tuple((k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in raw)
        base = WebResponse(str(url), str(url), response.status, head, method=method, address=address)
        size = sum(len(k) + len(v) + 4 for k, v in raw)
        if size > self._ctx.net.http_max_header_bytes:
            detail = f"response head of {size} bytes (limit {self._ctx.net.http_max_header_bytes})"
            return replace(base, headers=head[:100], error=FetchError.HEADER_TOO_LARGE, detail=detail)
        encoding = next((v for k, v in head if k == "content-encoding"), "")
        body = _Body(cap, encoding)
        detail, cut = "", None
        if method != "HEAD":
            try:
                async with asyncio.timeout(2 * self._ctx.net.read_timeout):
                    async for chunk in response.aiter_raw():
                        if not body.feed(chunk):
                            break
            except TimeoutError:
                body.truncated, detail, cut = True, "the body did not end in time", FetchError.TIMEOUT
            except (httpx.HTTPError, h11.ProtocolError, PeerClosedError, OSError) as exc:
                body.truncated = True
                cut = FetchError.TIMEOUT if isinstance(exc, httpx.TimeoutException) else FetchError.CONNECTION
                detail = f"body cut: {type(exc).__name__}: {exc}"[:300]
        return replace(base, body=bytes(body.data), truncated=body.truncated, detail=detail, body_error=cut)


def _mtime(path: str | None) -> float:
    try:
        return Path(path).stat().st_mtime if path is not None else 0.0
    except OSError:
        return 0.0  # a missing file fails when the context loads it, as before


@functools.lru_cache(maxsize=8)
def verified_context(ca_file: str | None, trusts_system: bool, mtime: float = 0.0) -> ssl.SSLContext:
    """The verifying client context for a trust setting, built once per process (loading a trust
    store costs tens of milliseconds: a watch checks hundreds of portals a minute); ``mtime``
    (of ``ca_file``) makes a replaced bundle load again."""
    context = ssl.create_default_context(cafile=ca_file)  # the system's when no file
    if ca_file is not None and trusts_system:
        context.load_default_certs()  # the file adds to the system's (unless ca_only)
    return context
