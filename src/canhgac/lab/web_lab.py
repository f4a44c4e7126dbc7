"""The demo province's web portals: one per agency, faultless but for its planted cases.

Agency N's portal is ``https://www.<domain>/`` on 127.46.N.1 (ports 443 and 80). The control
(STTTT) plants nothing; every other portal is the same faultless site (see :class:`PortalSite`)
with the cases of its :class:`PortalPlan` switched on, so a scan's web findings must be exactly
:data:`EXPECTED`. :func:`hostile_server` makes the misbehaving sites (endless redirects, a
redirect out of the scope, 1 MiB of headers, a slow endless body, silence, a bogus charset) that
tests aim a scanner at. Answers are computed per request (method, path, headers), which the
route table of :class:`~canhgac.lab.https_server.LabHttpsServer` cannot express, so
:class:`LabWebServer` keeps its sockets, TLS and bookkeeping and replaces only the answering.
Page bodies are at the end of the module.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import hashlib
import io
import secrets
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import h11

from canhgac.lab.https_server import LabHttpsServer, SeenRequest
from canhgac.lab.mail_lab import ORG, CertSpec, certificate, lab_ca

PORTS = {"https": 443, "http": 80}
OUT_OF_SCOPE_URL = "https://portal.outside-province.invalid/"
CSP = ("default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
ALLOW = "GET, HEAD, POST, OPTIONS"
DRIP_CHUNK, DRIP_INTERVAL, DRIP_SIZE = 16 * 1024, 0.2, 1 << 30
FILLER_HEADERS, FILLER_BYTES = 1024, 1024  # 1 MiB of response headers


class Plant(StrEnum):
    """A planted case (the findings each one causes are listed in :data:`EXPECTED`)."""

    SOFT_404 = "soft-404"  # 200 with the home page for every unknown path: must yield nothing
    JOOMLA = "joomla-4.2.7"  # generator meta, the manifest with 4.2.7, /administrator/ login
    GIT = "git"  # /.git/HEAD and /.git/config served
    LISTING = "directory-listing"  # /uploads/ is an Apache "Index of" page
    DEFACED = "defaced"  # the home page carries a defacer's page
    NO_REDIRECT = "no-https-redirect"  # http:// serves the site instead of redirecting
    NO_HSTS = "no-hsts"
    NO_HEADERS = "no-security-headers"  # no CSP, X-Frame-Options, X-Content-Type-Options
    WEAK_COOKIE = "weak-cookie"  # session cookie without Secure, HttpOnly, SameSite
    CORS = "cors-any-origin"  # echoes any Origin with Allow-Credentials: true
    TRACE = "trace"  # TRACE echoes the request; OPTIONS advertises it
    PHPINFO = "phpinfo"  # /phpinfo.php
    SERVER_STATUS = "server-status"  # Apache /server-status
    BACKUP = "backup-zip"  # /backup.zip, a real zip archive
    ENV = "env-file"  # /.env with database credentials
    OLD_APACHE = "apache-2.4.49"  # Server: Apache/2.4.49 (Unix), CVE-2021-41773
    MIXED = "mixed-content"  # a script loaded over http://
    NO_SRI = "third-party-without-sri"  # an external script without integrity=
    SECTXT_EXPIRED = "security-txt-expired"
    CERT_EXPIRED = "cert-expired"


@dataclass(frozen=True)
class PortalPlan:
    """One site: its name, address, page kind and planted cases (none: faultless)."""

    number: int
    host: str
    name: str  # the agency, as the page shows it
    plants: frozenset[Plant] = frozenset()
    address: str = ""
    session_cookie: str = "PHPSESSID"
    webmail: bool = False

    @property
    def url(self) -> str:
        return f"https://{self.host}/"

    @property
    def domain(self) -> str:
        return self.host.split(".", 1)[1]


def _portal(number: int, domain: str, name: str, *plants: Plant, cookie: str = "PHPSESSID") -> PortalPlan:
    return PortalPlan(number, f"www.{domain}", name, frozenset(plants), f"127.46.{number}.1", cookie)


def _d(label: str) -> str:
    return f"{label}.{ORG}" if label else ORG


PORTALS: tuple[PortalPlan, ...] = (
    _portal(1, ORG, "Ủy ban nhân dân tỉnh Kiên Giang", Plant.JOOMLA,
            cookie="9d4bb4a09f511681369671a08beff228"),  # Joomla names its session cookie by a hash
    _portal(2, _d("stttt"), "Sở Thông tin và Truyền thông"),  # the control
    _portal(3, _d("soyte"), "Sở Y tế", Plant.GIT, Plant.LISTING),
    _portal(4, _d("sogddt"), "Sở Giáo dục và Đào tạo", Plant.DEFACED, Plant.SECTXT_EXPIRED),
    _portal(5, _d("snv"), "Sở Nội vụ", Plant.NO_REDIRECT, Plant.NO_HSTS, Plant.NO_SRI),
    _portal(6, _d("stc"), "Sở Tài chính", Plant.NO_HEADERS, Plant.WEAK_COOKIE, cookie="ASP.NET_SessionId"),
    _portal(7, _d("phuquoc"), "Ủy ban nhân dân thành phố Phú Quốc", Plant.CORS, Plant.TRACE,
            cookie="JSESSIONID"),
    _portal(8, _d("rachgia"), "Ủy ban nhân dân thành phố Rạch Giá", Plant.PHPINFO, Plant.SERVER_STATUS),
    _portal(9, _d("bqlkkt"), "Ban Quản lý Khu kinh tế", Plant.BACKUP, Plant.ENV),
    _portal(10, _d("congbao"), "Công báo tỉnh Kiên Giang", Plant.OLD_APACHE, Plant.MIXED),
    _portal(11, _d("vinhthuan"), "Ủy ban nhân dân xã Vĩnh Thuận", Plant.SOFT_404),
    _portal(12, "baokiengiang.test", "Báo Kiên Giang", Plant.CERT_EXPIRED),
)
CONTROL_URL = f"https://www.{_d('stttt')}/"

# Findings a scan of the portals must report, and no others. Assumptions for the checks' authors:
# the Joomla generator meta (no version) counts as disclosure; the same-host http:// script on
# congbao is mixed content, not a third-party script; an expired certificate fails only
# web.tls.cert-expired (content checks still run or error); soft-404 answers yield nothing.
EXPECTED: tuple[tuple[str, str], ...] = (
    ("web.components.vulnerable", f"https://www.{ORG}/"),  # Joomla 4.2.7: CVE-2023-23752
    ("web.exposure.admin", f"https://www.{ORG}/"),
    # the generator tag names Joomla without a version (as Joomla 4 sends it): not a disclosure
    ("web.exposure.vcs", f"https://www.{_d('soyte')}/"),
    ("web.exposure.directory-listing", f"https://www.{_d('soyte')}/"),
    ("web.defacement", f"https://www.{_d('sogddt')}/"),
    ("web.security-txt", f"https://www.{_d('sogddt')}/"),
    ("web.https.redirect", f"https://www.{_d('snv')}/"),
    ("web.hsts", f"https://www.{_d('snv')}/"),
    ("web.third-party-scripts", f"https://www.{_d('snv')}/"),
    ("web.headers.csp", f"https://www.{_d('stc')}/"),
    ("web.headers.frame", f"https://www.{_d('stc')}/"),
    ("web.headers.content-type-options", f"https://www.{_d('stc')}/"),
    ("web.cookies.flags", f"https://www.{_d('stc')}/"),
    ("web.cors.credentials", f"https://www.{_d('phuquoc')}/"),
    ("web.methods.risky", f"https://www.{_d('phuquoc')}/"),
    ("web.exposure.phpinfo", f"https://www.{_d('rachgia')}/"),
    ("web.exposure.server-status", f"https://www.{_d('rachgia')}/"),
    ("web.exposure.backup", f"https://www.{_d('bqlkkt')}/"),
    ("web.exposure.config", f"https://www.{_d('bqlkkt')}/"),
    ("web.components.vulnerable", f"https://www.{_d('congbao')}/"),  # Apache 2.4.49: CVE-2021-41773
    ("web.disclosure.version", f"https://www.{_d('congbao')}/"),
    ("web.mixed-content", f"https://www.{_d('congbao')}/"),
    ("web.tls.cert-expired", "https://www.baokiengiang.test/"),
    # Not planted on the server: baokiengiang.test has no CAA anywhere up its tree (province.py).
    ("web.caa", "https://www.baokiengiang.test/"),
)

Records = dict[tuple[str, str], list[str]]


def dns_additions(zone_head: Callable[[str, list[tuple[str, str]]], Records]) -> dict[str, Records]:
    """Records to add (zone origin -> records): ``www.<domain>`` A records for every portal.

    ``zone_head`` is accepted for symmetry with :func:`canhgac.lab.mail_lab.dns_additions`;
    every record belongs to an agency zone that already exists.
    """
    additions: dict[str, Records] = {}
    for plan in PORTALS:
        additions.setdefault(plan.domain, {})[(f"{plan.host}.", "A")] = [plan.address]
    return additions


@dataclass(frozen=True)
class WebRequest:
    scheme: str
    method: str
    target: str
    headers: tuple[tuple[str, str], ...]  # as sent (latin-1), original case

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass(frozen=True)
class WebAnswer:
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    stall: bool = False  # read the request, never answer
    drip_size: int = 0  # > 0: declare this length and trickle filler bytes, slowly

    @classmethod
    def redirect(cls, location: str, status: int = 301) -> WebAnswer:
        return cls(status, (("Location", location), ("Content-Type", "text/html; charset=utf-8")),
                   b"<html><body>Moved</body></html>")


Site = Callable[[WebRequest], WebAnswer]


class LabWebServer(LabHttpsServer):
    """A :class:`LabHttpsServer` whose every answer is ``site(request)``, on HTTPS and HTTP."""

    def __init__(self, site: Site, *, address: str, cert: tuple[str, str] | None,
                 https_port: int = 0, http_port: int | None = 0, plan: PortalPlan | None = None) -> None:
        super().__init__(address=address, https_port=https_port, http_port=http_port, cert=cert)
        self.site = site
        self.plan = plan

    async def _answer(
        self,
        writer: asyncio.StreamWriter,
        scheme: str,
        exchange: tuple[h11.Connection, h11.Request],
        routes: object,
    ) -> None:
        conn, request = exchange
        raw = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw_items())
        req = WebRequest(scheme, request.method.decode("latin-1"), request.target.decode("latin-1"), raw)
        self.requests.append(SeenRequest(scheme, req.method, req.target, req.header("host") or "",
                                         req.header("user-agent") or ""))
        await _send(writer, conn, req.method, self.site(req))


async def _send(writer: asyncio.StreamWriter, conn: h11.Connection, method: str, answer: WebAnswer) -> None:
    if answer.stall:
        await asyncio.sleep(3600)
        return
    size = answer.drip_size or len(answer.body)
    head = [("Content-Length", str(size)), ("Connection", "close"), *answer.headers]
    encoded = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in head]
    writer.write(conn.send(h11.Response(status_code=answer.status, headers=encoded)) or b"")
    if method != "HEAD":
        if answer.drip_size:
            await _drip(writer, conn, answer.drip_size)
            return
        if answer.body:
            writer.write(conn.send(h11.Data(data=answer.body)) or b"")
    writer.write(conn.send(h11.EndOfMessage()) or b"")
    await writer.drain()


async def _drip(writer: asyncio.StreamWriter, conn: h11.Connection, size: int) -> None:
    """Trickle ``size`` bytes a chunk at a time until done or the client hangs up."""
    sent = 0
    while sent < size and not writer.is_closing():
        piece = b"x" * min(DRIP_CHUNK, size - sent)
        writer.write(conn.send(h11.Data(data=piece)) or b"")
        sent += len(piece)
        await writer.drain()
        await asyncio.sleep(DRIP_INTERVAL)


class PortalSite:
    """The faultless portal, with a plan's planted cases switched on."""

    def __init__(self, plan: PortalPlan) -> None:
        self.plan = plan
        self.pages = _site_pages(plan)
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
            headers += [("Content-Security-Policy", CSP.format(nonce=nonce or secrets.token_urlsafe(16))),
                        ("X-Frame-Options", "DENY"), ("X-Content-Type-Options", "nosniff")]
        headers += [("Referrer-Policy", "strict-origin-when-cross-origin"),
                    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")]
        origin = req.header("origin")
        if self.has(Plant.CORS) and origin:
            headers += [("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Credentials", "true"),
                        ("Vary", "Origin")]
        return headers


def _echo(req: WebRequest) -> bytes:
    lines = [f"{req.method} {req.target} HTTP/1.1", *(f"{k}: {v}" for k, v in req.headers), "", ""]
    return "\r\n".join(lines).encode("latin-1")


def portal_server(plan: PortalPlan, *, https_port: int = PORTS["https"],
                  http_port: int = PORTS["http"]) -> LabWebServer:
    """The server of one planned site (lab-CA certificate for its host; expired if planted)."""
    cert = certificate(plan.host, CertSpec(expired=Plant.CERT_EXPIRED in plan.plants))
    return LabWebServer(PortalSite(plan), address=plan.address or "127.0.0.1", cert=cert,
                        https_port=https_port, http_port=http_port, plan=plan)


def webmail_server(number: int, host: str, *, redirects: bool, https_port: int = PORTS["https"],
                   http_port: int = PORTS["http"]) -> LabWebServer:
    """A faultless webmail front end at 127.45.N.1 (for mail_lab); without ``redirects`` its
    http:// twin serves the login page instead of redirecting (web.https.redirect fails)."""
    plants = frozenset() if redirects else frozenset({Plant.NO_REDIRECT})
    plan = PortalPlan(number, host, "Thư điện tử công vụ", plants, f"127.45.{number}.1", "roundcube_sessid",
                      webmail=True)
    return portal_server(plan, https_port=https_port, http_port=http_port)


class Hostile(StrEnum):
    """Misbehaving sites for the scanner's robustness tests (not part of the demo)."""

    REDIRECT_LOOP = "redirect-loop"  # /r/N -> /r/N+1, for ever
    REDIRECT_OUT_OF_SCOPE = "redirect-out-of-scope"  # every path -> OUT_OF_SCOPE_URL
    HUGE_HEADERS = "huge-headers"  # 1 MiB of response headers
    SLOW_BODY = "slow-body"  # declares 1 GiB, trickles 16 KiB every 0.2 s
    NEVER_ANSWERS = "never-answers"  # reads the request, never answers
    INVALID_CHARSET = "invalid-charset"  # unknown charset declared, undecodable bytes


def _hostile_answer(kind: Hostile, req: WebRequest) -> WebAnswer:
    if kind is Hostile.REDIRECT_LOOP:
        step = req.path.removeprefix("/r/")
        following = int(step) + 1 if req.path.startswith("/r/") and step.isdigit() else 1
        return WebAnswer.redirect(f"/r/{following}", 302)
    if kind is Hostile.REDIRECT_OUT_OF_SCOPE:
        return WebAnswer.redirect(OUT_OF_SCOPE_URL, 302)
    if kind is Hostile.HUGE_HEADERS:
        filler = "a" * FILLER_BYTES
        headers = tuple((f"X-Filler-{i:04d}", filler) for i in range(FILLER_HEADERS))
        return WebAnswer(200, (("Content-Type", "text/plain"), *headers), b"ok\n")
    if kind is Hostile.SLOW_BODY:
        return WebAnswer(200, (("Content-Type", "text/html; charset=utf-8"),), drip_size=DRIP_SIZE)
    if kind is Hostile.NEVER_ANSWERS:
        return WebAnswer(200, stall=True)
    return WebAnswer(200, (("Content-Type", f"text/html; charset={BOGUS_CHARSET}"),), INVALID_BODY)


def hostile_server(kind: Hostile, *, host: str, address: str, https_port: int = 0,
                   http_port: int | None = 0) -> LabWebServer:
    """A misbehaving site for ``host`` (lab-CA certificate), the same on HTTPS and plain HTTP."""

    def site(req: WebRequest) -> WebAnswer:
        return _hostile_answer(kind, req)

    return LabWebServer(site, address=address, cert=certificate(host, CertSpec()),
                        https_port=https_port, http_port=http_port)


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


# --- Page bodies (data; a candidate for a module of its own) ----------------------------------
HTML, TEXT = "text/html; charset=utf-8", "text/plain; charset=utf-8"
BOGUS_CHARSET = "x-lab-no-such-charset"
INVALID_BODY = (f'<html><head><meta charset="{BOGUS_CHARSET}"><title>C\xff\xfeng th\xc3\x28ng tin</title>'
                "</head><body>\x80\x81\xfe\xff \xed\xa0\x80</body></html>").encode("latin-1")
WIDGET_JS = b"/* Cong Dich vu cong: widget tra cuu ho so, phien ban 2.1 */\n"
WIDGET_SRI = "sha384-" + base64.b64encode(hashlib.sha384(WIDGET_JS).digest()).decode()


@dataclass(frozen=True)
class Page:
    body: bytes
    content_type: str = HTML
    status: int = 200
    html: bool = False  # a page of the application: it sets the session cookie


NOT_FOUND = Page('<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8"><title>Không tìm thấy'
                 " trang</title></head><body><h1>404 - Không tìm thấy trang</h1></body></html>\n".encode(),
                 status=404)
DEFACED = ('<html><head><meta charset="utf-8"><title>Hacked by xXx - bị hack bởi</title></head><body>'
           "<h1>Hacked by xXx</h1><p>Trang web này đã bị hack bởi xXx. Security is just an illusion.</p>"
           "</body></html>\n").encode()
JOOMLA_ADMIN = ('<!DOCTYPE html>\n<html lang="vi-vn"><head><meta charset="utf-8"><meta name="generator" '
                'content="Joomla! - Open Source Content Management"><title>Kiên Giang - Administration'
                '</title></head><body class="admin com_login view-login"><form method="post" '
                'action="/administrator/index.php" id="form-login"><input name="username" '
                'id="mod-login-username"><input name="passwd" id="mod-login-password" type="password">'
                '<input type="hidden" name="option" '
                'value="com_login"><button id="btn-login-submit">Log in</button></form></body></html>\n'
                ).encode()
JOOMLA_MANIFEST = b"""<?xml version="1.0" encoding="UTF-8"?>
<extension type="file" method="upgrade">
\t<name>files_joomla</name>
\t<author>Joomla! Project</author>
\t<copyright>(C) 2019 Open Source Matters, Inc.</copyright>
\t<version>4.2.7</version>
\t<creationDate>2023-01</creationDate>
\t<description>FILES_JOOMLA_XML_DESCRIPTION</description>
</extension>
"""
GIT_CONFIG = (b'[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n[remote "origin"]\n'
              b"\turl = https://git.nha-thau.test/cong-thong-tin/soyte.git\n"
              b'\tfetch = +refs/heads/*:refs/remotes/origin/*\n[branch "main"]\n\tremote = origin\n'
              b"\tmerge = refs/heads/main\n")


def _scripts(plan: PortalPlan) -> str:
    tags = ['<script src="/js/site.js" nonce="__NONCE__"></script>',
            '<script nonce="__NONCE__">window.portal = {lang: "vi"};</script>',
            '<script src="https://widget.dichvucong.test/v2/tra-cuu.js" nonce="__NONCE__" '
            f'integrity="{WIDGET_SRI}" crossorigin="anonymous"></script>']
    if Plant.MIXED in plan.plants:  # an old hard-coded absolute URL
        tags.append(f'<script src="http://{plan.host}/js/thongke.js" nonce="__NONCE__"></script>')
    if Plant.NO_SRI in plan.plants:
        tags.append('<script src="https://counter.thongke-truycap.test/dem.js" nonce="__NONCE__"></script>')
    return "\n".join(tags)


def _main(plan: PortalPlan) -> str:
    if plan.webmail:
        return ('<form method="post" action="/?_task=login"><input name="_user"><input name="_pass" '
                'type="password"><button>Đăng nhập</button></form>')
    notice = ('<a href="/uploads/quyet-dinh-123-2024.pdf">Quyết định số 123/QĐ-SYT</a>'
              if Plant.LISTING in plan.plants else '<a href="/van-ban/">Văn bản chỉ đạo điều hành</a>')
    return (f"<h2>Tin tức - Sự kiện</h2><article><h3>{plan.name} đẩy mạnh chuyển đổi số</h3><p>Cung cấp dịch"
            f" vụ công trực tuyến toàn trình.</p></article><h2>Thông báo</h2><ul><li>{notice}</li></ul>")


def _home(plan: PortalPlan) -> bytes:
    generator = ('<meta name="generator" content="Joomla! - Open Source Content Management">\n'
                 if Plant.JOOMLA in plan.plants else "")
    title = plan.name if plan.webmail else f"Cổng thông tin điện tử - {plan.name}"
    return (f'<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n{generator}<meta '
            f'name="viewport" content="width=device-width, initial-scale=1">\n<title>{title}</title>\n<link '
            'rel="stylesheet" href="/css/site.css">\n</head>\n<body>\n<header><img src="/images/logo.png" '
            f'alt="Logo"><h1>{plan.name}</h1></header>\n<nav><a href="/">Trang chủ</a> '
            '<a href="/gioi-thieu/">Giới thiệu</a></nav>'
            f"\n<main>{_main(plan)}</main>\n<footer>© 2024 {plan.name}. Đường dây nóng: 0297 3862 000."
            f"</footer>\n{_scripts(plan)}\n</body>\n</html>\n").encode()


def _security_txt(plan: PortalPlan) -> bytes:
    days = -120 if Plant.SECTXT_EXPIRED in plan.plants else 330
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
    return (f"# Đầu mối tiếp nhận báo cáo lỗ hổng - {plan.name}\nContact: mailto:attt@{plan.domain}\n"
            f"Expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}\nPreferred-Languages: vi, en\n"
            f"Canonical: https://{plan.host}/.well-known/security.txt\n").encode()


def _listing() -> bytes:
    rows = "".join(f'<tr><td valign="top"><img src="/icons/layout.gif" alt="[   ]"></td><td><a href="{n}">{n}'
                   f'</a></td><td align="right">{when}  </td><td align="right">{size}</td></tr>\n'
                   for n, when, size in (("bao-cao-tai-chinh-2023.xlsx", "2024-03-02 09:21", "1.2M"),
                                         ("danh-sach-can-bo.docx", "2024-04-18 14:05", " 88K"),
                                         ("quyet-dinh-123-2024.pdf", "2024-05-12 08:14", "245K")))
    return ('<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">\n<html>\n <head>\n  <title>Index of '
            '/uploads</title>\n </head>\n <body>\n<h1>Index of /uploads</h1>\n  <table>\n   <tr><th><a '
            'href="?C=N;O=D">Name</a></th><th><a href="?C=M;O=A">Last modified</a></th><th><a '
            'href="?C=S;O=A">Size</a></th></tr>\n<tr><td valign="top"><img src="/icons/back.gif" '
            'alt="[PARENTDIR]"></td><td>'
            f'<a href="/">Parent Directory</a></td></tr>\n{rows}</table>\n</body></html>\n').encode()


def _phpinfo(plan: PortalPlan) -> bytes:
    rows = "".join(f'<tr><td class="e">{k} </td><td class="v">{v} </td></tr>\n' for k, v in (
        ("System", f"Linux {plan.host} 5.15.0-105-generic #115-Ubuntu SMP x86_64"),
        ("Server API", "Apache 2.0 Handler"), ("Loaded Configuration File", "/etc/php/8.1/apache2/php.ini"),
        ("DOCUMENT_ROOT", f"/var/www/{plan.host}")))
    return ('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "DTD/xhtml1-transitional.dtd">\n'
            '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>PHP 8.1.2-1ubuntu2.14 - phpinfo()'
            '</title></head><body><div class="center"><table><tr class="h"><td><h1 class="p">PHP Version '
            f"8.1.2-1ubuntu2.14</h1></td></tr></table><table>\n{rows}</table><h2>PHP Credits</h2></div>"
            "</body></html>\n").encode()


def _server_status(plan: PortalPlan) -> bytes:
    return ('<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">\n<html><head>\n<title>Apache Status'
            f"</title>\n</head><body>\n<h1>Apache Server Status for {plan.host} (via {plan.address})</h1>\n"
            "<dl><dt>Server Version: Apache</dt>\n<dt>Server MPM: event</dt>\n</dl><hr /><dl>\n<dt>Server "
            "uptime:  12 days 3 hours 41 minutes</dt>\n<dt>Total accesses: 1843211 - Total Traffic: 21.4 GB"
            "</dt>\n<dt>4 requests currently being processed, 71 idle workers</dt>\n</dl><pre>__W_K_____R__"
            "</pre>\n<table border=\"0\"><tr><th>Srv</th><th>PID</th><th>Client</th><th>VHost</th><th>Request"
            f"</th></tr>\n<tr><td><b>0-0</b></td><td>4121</td><td>203.113.131.7</td><td>{plan.host}:443</td>"
            "<td>GET /tin-tuc/ HTTP/1.1</td></tr>\n</table>\n</body></html>\n").encode()


def _backup_zip(plan: PortalPlan) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in ((f"{plan.host}/index.php", "<?php require 'bootstrap.php';\n"),
                           (f"{plan.host}/config/database.php", "<?php return ['password' => 'lab-only'];\n"),
                           ("db/portal.sql", "-- MySQL dump 10.13\nCREATE TABLE `users` (`id` int);\n")):
            archive.writestr(zipfile.ZipInfo(name, (2024, 5, 1, 8, 0, 0)), text)
    return out.getvalue()


def _env(plan: PortalPlan) -> bytes:
    return (f"APP_NAME=CongThongTin\nAPP_ENV=production\nAPP_KEY=base64:{'QUJD' * 11}\nAPP_DEBUG=false\n"
            f"APP_URL=https://{plan.host}\n\nDB_CONNECTION=mysql\nDB_HOST=127.0.0.1\nDB_PORT=3306\n"
            "DB_DATABASE=portal\nDB_USERNAME=portal\nDB_PASSWORD=lab-only-not-a-secret\n\n"
            f"MAIL_MAILER=smtp\nMAIL_HOST=mail.{plan.domain}\nMAIL_PORT=587\n").encode()


def _site_pages(plan: PortalPlan) -> dict[str, Page]:
    """Every path the site serves (anything else is 404, or the home page on a soft-404 site)."""
    has = plan.plants.__contains__
    found: dict[str, Page] = {
        "/": Page(DEFACED if has(Plant.DEFACED) else _home(plan), html=True),
        "/css/site.css": Page(b"body{font-family:sans-serif;margin:0}\n", "text/css; charset=utf-8"),
        "/js/site.js": Page(b"document.documentElement.classList.add('js');\n", "text/javascript"),
        "/robots.txt": Page(b"User-agent: *\nAllow: /\n", TEXT),
        "/.well-known/security.txt": Page(_security_txt(plan), TEXT),
    }
    planted: list[tuple[Plant, str, Callable[[], Page]]] = [
        (Plant.JOOMLA, "/administrator/", lambda: Page(JOOMLA_ADMIN, html=True)),
        (Plant.JOOMLA, "/administrator/manifests/files/joomla.xml",
         lambda: Page(JOOMLA_MANIFEST, "application/xml")),
        (Plant.GIT, "/.git/HEAD", lambda: Page(b"ref: refs/heads/main\n", TEXT)),
        (Plant.GIT, "/.git/config", lambda: Page(GIT_CONFIG, TEXT)),
        (Plant.LISTING, "/uploads/", lambda: Page(_listing())),
        (Plant.PHPINFO, "/phpinfo.php", lambda: Page(_phpinfo(plan))),
        (Plant.SERVER_STATUS, "/server-status", lambda: Page(_server_status(plan))),
        (Plant.BACKUP, "/backup.zip", lambda: Page(_backup_zip(plan), "application/zip")),
        (Plant.ENV, "/.env", lambda: Page(_env(plan), TEXT)),
    ]
    found.update({path: make() for plant, path, make in planted if has(plant)})
    return found
