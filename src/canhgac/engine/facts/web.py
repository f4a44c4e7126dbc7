"""One HTTP answer as the web checks see it, why a request gave none, and the portal facts built on it.

:class:`WebHeaderFacts`, :class:`WebmailFacts` and :class:`WebTransportFacts` are what the
portal collectors of the same names gathered.

:class:`WebResponse` is a plain, frozen value (headers lower-cased and in order, the body
already capped and inflated) so that checks and their tests never touch httpx; the client that
makes them is :mod:`canhgac.engine.web.fetch`.
"""

from __future__ import annotations

import codecs
import html
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from canhgac.engine.facts.tls import TlsFacts
from canhgac.engine.facts.zone import CaaFacts
from canhgac.engine.results import ErrorReason

if TYPE_CHECKING:
    import httpx

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)


def parse_url(text: str) -> httpx.URL:
    """``text`` read by httpx's URL parser, the one the web client fetched it with.

    httpx is imported on first use, so importing the facts (and the checks) loads no HTTP stack.
    """
    import httpx

    return httpx.URL(text)


class FetchError(StrEnum):
    """Why a request gave no usable answer."""

    TIMEOUT = "timeout"
    CONNECTION = "connection"  # reset, unreachable, closed mid-answer
    REFUSED = "refused"  # nothing listens on the port (a fact about the server)
    TLS = "tls"  # no TLS session at all, even without verification
    TOO_MANY_REDIRECTS = "too-many-redirects"
    OUT_OF_SCOPE_REDIRECT = "out-of-scope-redirect"  # recorded in ``redirects``, not followed
    HEADER_TOO_LARGE = "header-too-large"
    PROTOCOL = "protocol"  # not HTTP, broken HTTP, a bad URL or Location
    DNS = "dns"  # the host could not be resolved or has no address
    OUT_OF_SCOPE = "out-of-scope"  # no address of the host is in the declared scope

    @property
    def error_reason(self) -> ErrorReason:
        return {
            FetchError.TIMEOUT: ErrorReason.TIMEOUT,
            FetchError.CONNECTION: ErrorReason.CONNECTION,
            FetchError.REFUSED: ErrorReason.CONNECTION,
            FetchError.OUT_OF_SCOPE_REDIRECT: ErrorReason.OUT_OF_SCOPE,
            FetchError.OUT_OF_SCOPE: ErrorReason.OUT_OF_SCOPE,
            FetchError.DNS: ErrorReason.DNS_SERVFAIL,
        }.get(self, ErrorReason.PROTOCOL)


@dataclass(frozen=True, slots=True)
class WebResponse:
    """One answer (the last of its redirect chain when redirects were followed)."""

    url: str  # what was asked
    final_url: str  # what answered (the last hop fetched)
    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()  # lower-cased names, in order, repeats kept
    body: bytes = b""
    truncated: bool = False
    redirects: tuple[tuple[int, str], ...] = ()  # (status, absolute Location) of each redirect
    error: FetchError | None = None
    detail: str = ""
    tls_error: str | None = None  # why a verifying, modern client would have refused the site
    tls_verify_code: int | None = None  # OpenSSL's X509 verify code when tls_error is a certificate's
    elapsed: float = 0.0
    method: str = "GET"
    address: str = ""
    body_error: FetchError | None = None  # why the body stopped short (TIMEOUT, CONNECTION)

    @property
    def ok(self) -> bool:
        """An HTTP answer was read (whatever its status)."""
        return self.error is None and self.status is not None

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers if k == wanted), None)

    def headers_all(self, name: str) -> list[str]:
        wanted = name.lower()
        return [v for k, v in self.headers if k == wanted]

    def redirect_target(self) -> str | None:
        """The absolute Location of a redirect answer, else None."""
        location = self.header("location")
        if self.status not in REDIRECT_STATUSES or not location:
            return None
        import httpx

        try:
            return str(httpx.URL(self.final_url).join(location.strip()))
        except (httpx.InvalidURL, ValueError):
            return None

    def charset(self) -> str:
        """The declared charset (header, else a meta tag) when Python knows it, else utf-8."""
        found = _CHARSET.search(self.header("content-type") or "")
        meta = _META_CHARSET.search(self.body[:4096])
        declared = found.group(1) if found else meta.group(1).decode("ascii", "replace") if meta else ""
        try:
            return codecs.lookup(declared).name if declared else "utf-8"
        except LookupError:
            return "utf-8"

    def text(self) -> str:
        return decode(self.body, self.charset())

    def title(self) -> str:
        found = _TITLE.search(self.body[:262144])
        if found is None:
            return ""
        return " ".join(html.unescape(decode(found.group(1), self.charset())).split())[:300]

    def as_evidence(self, *, head: tuple[str, ...] = ()) -> dict[str, Any]:
        """What was asked and answered; ``head`` names answer headers to add (e.g. "location")."""
        out: dict[str, Any] = {"url": self.url, "status": self.status}
        if self.final_url != self.url:
            out["final_url"] = self.final_url
        if self.redirects:
            out["redirects"] = [f"{status} {location[:300]}" for status, location in self.redirects]
        for key in ("error", "detail", "tls_error"):
            if getattr(self, key):
                out[key] = str(getattr(self, key))[:300]
        if self.truncated:
            out["truncated"] = True
        out.update({name: value[:300] for name in head if (value := self.header(name))})
        return out


def decode(data: bytes, charset: str) -> str:
    try:
        return data.decode(charset, errors="replace")
    except (LookupError, ValueError, TypeError):  # a non-text codec named by the server
        return data.decode("utf-8", errors="replace")


def failure(url: str, error: FetchError, detail: str, method: str, address: str = "") -> WebResponse:
    return WebResponse(url, url, error=error, detail=detail[:300], method=method, address=address)


CORS_PROBE_ORIGIN = "https://canhgac-cors-probe.invalid"


@dataclass(frozen=True, slots=True)
class WebHeaderFacts:
    url: str
    page: WebResponse  # the page judged, redirects followed
    hops: tuple[WebResponse, ...] = ()  # every answer of the page's redirect chain, in order
    https_failure: FetchError | None = None  # why the https:// URL gave nothing, when http:// was used
    cors: WebResponse | None = None
    options: WebResponse | None = None
    trace: WebResponse | None = None
    trace_marker: str = ""

    @property
    def https_hops(self) -> tuple[WebResponse, ...]:
        return tuple(h for h in self.hops if h.final_url.startswith("https://") and h.status is not None)


@dataclass(frozen=True, slots=True)
class WebmailFacts:
    url: str
    role: str
    http_chain: tuple[WebResponse, ...] = ()  # plain-HTTP hops from http://HOST/, in order
    https: WebResponse | None = None  # the HTTPS page (declared URL, else where HTTP sent us)
    stopped: str = ""  # why redirects stopped being followed: "left-scope", "too-many-hops"

    @property
    def https_redirect(self) -> str | None:
        """The https:// URL the plain-HTTP chain ends at, if it does."""
        last = self.http_chain[-1] if self.http_chain else None
        target = last.redirect_target() if last is not None else None
        return target if target is not None and target.startswith("https://") else None


@dataclass(frozen=True, slots=True)
class WebTransportFacts:
    url: str  # the declared URL
    host: str  # the host of the HTTPS URL judged
    http_url: str  # the plain-HTTP entry tried
    https_url: str  # the HTTPS URL judged
    http: WebResponse  # the http:// entry, redirects followed within the scope
    https: WebResponse  # the HTTPS URL, redirects followed
    https_first: WebResponse  # the HTTPS URL's own answer (redirects not followed): HSTS lives here
    caa: CaaFacts
    addresses: tuple[str, ...] = ()  # of ``host``
    tls: tuple[TlsFacts, ...] = ()  # one per in-scope address on the HTTPS port, except closed ones
    closed: tuple[str, ...] = ()  # address:port refusing TCP on the HTTPS port
    out_of_scope: tuple[str, ...] = ()

    @property
    def https_port(self) -> int:
        return parse_url(self.https_url).port or 443

    def as_evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"url": self.url, "https_url": self.https_url}
        out["addresses"] = list(self.addresses)
        for name in ("closed", "out_of_scope"):
            if getattr(self, name):
                out[name] = list(getattr(self, name))
        return out

