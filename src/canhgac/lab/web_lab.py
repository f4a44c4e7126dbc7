"""The demo province's web portals, running: the portal site, its servers, and the whole web lab.

:class:`PortalSite` is the faultless portal with a :class:`~canhgac.lab.web_plan.PortalPlan`'s
planted cases switched on (redirects, security headers, cookies, CORS, methods; the page bodies
are :mod:`canhgac.lab.web_pages`); :func:`portal_server` and :func:`webmail_server` put one on a
:class:`~canhgac.lab.web_server.LabWebServer`, and :func:`start_web_lab` starts every portal of
:data:`~canhgac.lab.web_plan.PORTALS`. The misbehaving sites are :mod:`canhgac.lab.web_hostile`.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass

from canhgac.lab.certificates import CertSpec, certificate, lab_ca
from canhgac.lab.web_pages import NOT_FOUND, Page, site_pages
from canhgac.lab.web_plan import PORTALS, PORTS, STATIC_RSA_EXTRA_CIPHERS, Plant, PortalPlan
from canhgac.lab.web_server import LabWebServer, WebAnswer, WebRequest

CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
ALLOW = "GET, HEAD, POST, OPTIONS"


class PortalSite:
    """The faultless portal, with a plan's planted cases switched on."""

    def __init__(self, plan: PortalPlan) -> None:
        self.plan = plan
        self.pages = site_pages(plan)
        self.cookie_value = secrets.token_hex(16)

    def has(self, plant: Plant) -> bool:
        return plant in self.plan.plants

    def __call__(self, req: WebRequest) -> WebAnswer:
        if req.scheme == "http" and not self.has(Plant.NO_REDIRECT):
            return WebAnswer.redirect(f"https://{self.plan.host}{req.target}")
        if req.method == "OPTIONS":
            allow = f"{ALLOW}, TRACE" if self.has(Plant.TRACE) else ALLOW
            return WebAnswer(200, (*self._headers(req, ""), ("Allow", allow)))
        if req.method == "TRACE" and self.has(Plant.TRACE):
            return WebAnswer(200, (("Content-Type", "message/http"),), _echo(req))
        if req.method not in ("GET", "HEAD"):
            return WebAnswer(405, (*self._headers(req, ""), ("Allow", ALLOW)))
        page = self.pages.get(req.path)
        if page is None:
            page = self.pages["/"] if self.has(Plant.SOFT_404) else NOT_FOUND
        return self._render(req, page)

    def _render(self, req: WebRequest, page: Page) -> WebAnswer:
        nonce = secrets.token_urlsafe(16)
        headers = [*self._headers(req, nonce), ("Content-Type", page.content_type)]
        if page.html and (req.scheme == "https" or self.has(Plant.WEAK_COOKIE)):
            headers.append(("Set-Cookie", self._cookie()))
        return WebAnswer(page.status, tuple(headers), page.body.replace(b"__NONCE__", nonce.encode()))

    def _cookie(self) -> str:
        cookie = f"{self.plan.session_cookie}={self.cookie_value}; Path=/"
        return cookie if self.has(Plant.WEAK_COOKIE) else f"{cookie}; Secure; HttpOnly; SameSite=Lax"

    def _headers(self, req: WebRequest, nonce: str) -> list[tuple[str, str]]:
        headers: list[tuple[str, str]] = []
        if self.has(Plant.OLD_APACHE):
            headers.append(("Server", "Apache/2.4.49 (Unix)"))
        if req.scheme == "https" and not self.has(Plant.NO_HSTS):
            headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
        if not self.has(Plant.NO_HEADERS):
            headers += [
                ("Content-Security-Policy", CSP.format(nonce=nonce or secrets.token_urlsafe(16))),
                ("X-Frame-Options", "DENY"),
                ("X-Content-Type-Options", "nosniff"),
            ]
        headers += [
            ("Referrer-Policy", "strict-origin-when-cross-origin"),
            ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
        ]
        origin = req.header("origin")
        if self.has(Plant.CORS) and origin:
            headers += [
                ("Access-Control-Allow-Origin", origin),
                ("Access-Control-Allow-Credentials", "true"),
                ("Vary", "Origin"),
            ]
        return headers


def _echo(req: WebRequest) -> bytes:
    lines = [f"{req.method} {req.target} HTTP/1.1", *(f"{k}: {v}" for k, v in req.headers), "", ""]
    return "\r\n".join(lines).encode("latin-1")


def portal_server(
    plan: PortalPlan, *, https_port: int = PORTS["https"], http_port: int = PORTS["http"]
) -> LabWebServer:
    """The server of one planned site (lab-CA certificate for its host; expired if planted)."""
    cert = certificate(plan.host, CertSpec(expired=Plant.CERT_EXPIRED in plan.plants))
    ciphers = STATIC_RSA_EXTRA_CIPHERS if Plant.STATIC_RSA in plan.plants else None
    return LabWebServer(
        PortalSite(plan),
        address=plan.address or "127.0.0.1",
        cert=cert,
        https_port=https_port,
        http_port=http_port,
        plan=plan,
        ciphers=ciphers,
    )


def webmail_server(
    number: int,
    host: str,
    *,
    redirects: bool,
    https_port: int = PORTS["https"],
    http_port: int = PORTS["http"],
) -> LabWebServer:
    """A faultless webmail front end at 127.45.N.1 (for mail_lab); without ``redirects`` its
    http:// twin serves the login page instead of redirecting (web.https.redirect fails)."""
    plants = frozenset() if redirects else frozenset({Plant.NO_REDIRECT})
    plan = PortalPlan(
        number, host, "Thư điện tử công vụ", plants, f"127.45.{number}.1", "roundcube_sessid", webmail=True
    )
    return portal_server(plan, https_port=https_port, http_port=http_port)


@dataclass
class WebLab:
    servers: dict[str, LabWebServer]  # portal URL -> its running server
    ca_pem: str

    @property
    def internal_errors(self) -> int:
        return sum(server.internal_errors for server in self.servers.values())

    async def stop(self) -> None:
        for server in reversed(list(self.servers.values())):
            with contextlib.suppress(Exception):
                await server.stop()


async def start_web_lab(*, https_port: int = PORTS["https"], http_port: int = PORTS["http"]) -> WebLab:
    """Start every portal (443/80 need root or a netns; 0 picks free ports, for tests)."""
    lab = WebLab({}, lab_ca().ca_pem)
    try:
        for plan in PORTALS:
            server = portal_server(plan, https_port=https_port, http_port=http_port)
            await server.start()
            lab.servers[plan.url] = server
    except BaseException:
        await lab.stop()
        raise
    return lab
